"""One table of interface labels (ketapub.i18n): every language complete, region and unknown
languages fall back, and a Spanish series gets Spanish chrome in its EPUB and HTML."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

import ketapub
from ketapub import i18n
from tests.conftest import SINK_AS_OF

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def test_every_language_has_every_english_key_and_the_same_placeholders():
    english = i18n.LABELS["en"]
    assert set(i18n.LABELS) >= {"en", "es", "fr", "de"}
    for lang, table in i18n.LABELS.items():
        assert set(table) == set(english), (lang, set(english) ^ set(table))
        for key, text in table.items():
            assert text.strip(), (lang, key)
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(english[key])), (
                lang, key)


def test_a_partial_translation_falls_back_to_english_per_key(monkeypatch):
    monkeypatch.setitem(i18n.LABELS, "xx", {"references": "Refs"})
    i18n.labels.cache_clear()
    try:
        table = i18n.labels("xx")
        assert table["references"] == "Refs"
        assert table["notes"] == i18n.LABELS["en"]["notes"]  # missing key: English, no KeyError
        assert set(table) == set(i18n.LABELS["en"])
    finally:
        i18n.labels.cache_clear()


def test_region_falls_back_to_the_language_and_unknown_to_english():
    assert i18n.labels("es-MX")["references"] == "Referencias"
    assert dict(i18n.labels("es-MX")) == dict(i18n.labels("es"))
    assert dict(i18n.labels("FR-ca")) == dict(i18n.labels("fr"))
    assert dict(i18n.labels("tlh")) == i18n.LABELS["en"]
    assert dict(i18n.labels("en-GB")) == i18n.LABELS["en"]


def test_labels_are_read_only():
    with pytest.raises(TypeError):
        i18n.labels("es")["references"] = "x"  # type: ignore[index]


def english_only_phrases() -> set[str]:
    """Literal words of each English label (placeholders cut out) that Spanish does not share."""
    spanish = " ".join(i18n.LABELS["es"].values())
    found = set()
    for text in i18n.LABELS["en"].values():
        for piece in PLACEHOLDER.split(text):
            piece = piece.strip(" :.,?")
            if len(piece) >= 3 and piece not in spanish:
                found.add(piece)
    return found


@pytest.fixture(scope="module")
def spanish_outputs(tmp_path_factory) -> dict[str, str]:
    """EPUB documents and HTML fragments of the kitchen sink with ``language: es``."""
    from tests.conftest import SINK

    src = tmp_path_factory.mktemp("es") / "src"
    import shutil

    shutil.copytree(SINK, src)
    yaml = src / "series.yaml"
    text = yaml.read_text(encoding="utf-8")
    assert "language: en-GB" in text
    yaml.write_text(text.replace("language: en-GB", "language: es"), encoding="utf-8")
    series = ketapub.load(src)
    out: dict[str, str] = {}
    (book,) = ketapub.render(series, "epub", as_of=SINK_AS_OF).values()
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        for name in z.namelist():
            if name.endswith((".xhtml", ".opf", ".ncx")):
                out[f"epub:{name}"] = z.read(name).decode("utf-8")
    for path, data in ketapub.render(series, "html", as_of=SINK_AS_OF).items():
        if path.endswith(".html") and path != "html/index.html":  # index: the preview page
            out[f"html:{path}"] = data.decode("utf-8")
    return out


def source_text() -> str:
    from tests.conftest import SINK

    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(SINK).rglob("*"))
                     if p.suffix in (".md", ".yaml", ".yml"))


def test_spanish_series_renders_epub_and_html_with_spanish_labels(spanish_outputs):
    epub = "".join(v for k, v in spanish_outputs.items() if k.startswith("epub:"))
    html = "".join(v for k, v in spanish_outputs.items() if k.startswith("html:"))
    for word in ("Referencias", "Parte 1", "Publicado el", "Índice", "Próximamente",
                 "Portada", "Cubierta", "Notas", "Licencia: CC-BY-4.0", "Nota",
                 i18n.labels("es")["a11y_summary"]):
        assert word in epub, word
    for word in ("Referencias", "Parte 1 de 3", "Publicado", "Revisión médica de",
                 'Licencia: <a rel="license" href="https://creativecommons.org/licenses/by/4.0/">'
                 "CC-BY-4.0</a>", "Serie: ", "Última revisión: ", "Nota"):
        assert word in html, word


def test_spanish_series_has_no_english_label_left(spanish_outputs):
    """No English phrase of the table appears, except where the (English) content itself
    has the same words."""
    content = source_text()
    phrases = {p for p in english_only_phrases() if p not in content}
    assert {"References", "Published", "Contents", "Coming soon", "Title page"} <= phrases
    left = {(name, p) for name, text in spanish_outputs.items() for p in phrases
            if re.search(rf"(?<![A-Za-z]){re.escape(p)}(?![A-Za-z])", text)}
    assert not left, sorted(left)


def test_feeds_take_their_references_heading_from_the_label_table(tmp_path):
    """A German series' feed items say "Quellen", as its EPUB and PDFs do (not a second,
    diverging table)."""
    import shutil

    from tests.conftest import SINK

    src = tmp_path / "src"
    shutil.copytree(SINK, src)
    yaml = src / "series.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("language: en-GB", "language: de"),
                    encoding="utf-8")
    series = ketapub.load(src)
    heading = i18n.labels("de")["references"]
    for fmt in ("rss", "atom"):
        (feed,) = ketapub.render(series, fmt, as_of=SINK_AS_OF).values()
        assert heading in feed.decode("utf-8"), fmt
