"""Translations in the source (``translations/<lang>/``): loading, missing and stale
translations, per-language outputs at their own paths, and a schedule per language.

The series is the sample series of :mod:`ketapub.testing` (English, three parts) with a
Spanish folder that translates parts 1 and 3 (part 3 released a month after the English)
and leaves part 2 untranslated.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

import ketapub
from ketapub import translation_of
from ketapub.cli import main
from ketapub.errors import SourceError
from ketapub.testing import write_sample_series
from tests.test_serve import Clock, request, running

ROOT = Path(__file__).resolve().parent.parent
ES_SERIES = """\
title: "Serie de muestra"
description: "Una serie pequeña para las pruebas de traducción."
disclaimer: "Solo con fines educativos; no es un consejo médico."
"""
ES_ONE = """\
---
title: "Primera parte"
summary: "La primera parte, publicada desde enero."
translation_of: "{stamp}"
---
La primera parte enlaza con [la tercera parte](part:3), cita un estudio [@smith] y trae
una gráfica.

![Una gráfica de dos dosis de muestra](assets/chart.svg)

## Dosis {{#doses}}

El texto de la primera parte en español, con palabras únicas: zarzamora veloz.
"""
ES_THREE = """\
---
title: "Tercera parte"
slug: tercera
summary: "La tercera parte, publicada en febrero de 2030."
translation_of: "{stamp}"
publish_at: 2030-02-01
---
Texto en español de la tercera parte: colibrí sigiloso.
"""
ENGLISH_THIRD_OUT = datetime(2030, 1, 1, tzinfo=UTC)
SPANISH_THIRD_OUT = datetime(2030, 2, 1, tzinfo=UTC)
BETWEEN = ENGLISH_THIRD_OUT + timedelta(days=3)


def stamp(root: Path, name: str) -> str:
    return translation_of.file_digest((root / "parts" / name).read_text("utf-8"))


def translated(root: Path) -> Path:
    """The sample series at ``root`` with its Spanish folder (parts 1 and 3)."""
    write_sample_series(root)
    es = root / "translations" / "es"
    es.mkdir(parents=True)
    (es / "series.yaml").write_text(ES_SERIES, "utf-8")
    (es / "01-first.md").write_text(ES_ONE.format(stamp=stamp(root, "01-first.md")), "utf-8")
    (es / "03-third.md").write_text(ES_THREE.format(stamp=stamp(root, "03-third.md")),
                                    "utf-8")
    return root


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return translated(tmp_path_factory.mktemp("translated") / "src")


@pytest.fixture(scope="module")
def series(source) -> ketapub.Series:
    return ketapub.load(source)


def messages(series: ketapub.Series) -> list[str]:
    return [str(w) for w in series.warnings]


# --- loading ---------------------------------------------------------------------------

def test_a_translation_is_a_whole_series_in_its_language(series):
    es = series.edition("es")
    assert es is not None and es is series.translations[0]
    assert [e.language for e in series.editions] == ["en", "es"]
    assert es.title == "Serie de muestra" and es.original_language == "en"
    assert [p.part for p in es.parts] == [1, 3]  # part 2 is not translated
    one, three = es.parts
    assert one.title == "Primera parte" and one.slug == "first"  # slug inherited
    assert three.slug == "tercera"
    # facts come from the original: references, number; the text from the translation
    assert one.references == series.parts[0].references
    assert one.citation_order == ("smith",) and "zarzamora" in one.body
    assert one.anchors[-1] == "doses"
    assert three.publish_at == SPANISH_THIRD_OUT
    assert series.parts[2].publish_at == ENGLISH_THIRD_OUT
    assert es.identifier != series.identifier and es.identifier.startswith("urn:uuid:")
    assert es.part_url(three) == "https://example.org/sample/es/tercera/"
    assert series.part_url(series.parts[2]) == "https://example.org/sample/third/"


def test_the_missing_translation_is_listed_and_nothing_else(series, source):
    shown = messages(series)
    missing = [m for m in shown if "translation" in m]
    assert missing == [f"{source}/translations/es:1:1: warning: missing translation: part 2 "
                       f"(parts/02-second.md) has no Spanish translation; add "
                       f"translations/es/02-second.md with translation_of: "
                       f"\"{stamp(source, '02-second.md')}\""]


def test_changing_one_english_paragraph_makes_exactly_that_translation_stale(tmp_path):
    root = translated(tmp_path / "src")
    first = root / "parts" / "01-first.md"
    first.write_text(first.read_text("utf-8").replace("cites a study", "cites one study"),
                     "utf-8")
    stale = [m for m in messages(ketapub.load(root)) if "stale" in m]
    new = stamp(root, "01-first.md")
    assert len(stale) == 1
    # at the translation_of key of the Spanish file: line 4, column 1
    assert stale[0].startswith(f"{root}/translations/es/01-first.md:4:1: warning: stale "
                               "translation: parts/01-first.md changed since")
    assert stale[0].endswith(f'write translation_of: "{new}"')
    with pytest.raises(SourceError) as err:
        ketapub.load(root, strict=True)
    assert any("stale translation" in str(d) for d in err.value.diagnostics)


def test_validate_reports_exactly_the_stale_spanish_part_of_content(tmp_path):
    """The issue's test on the example series: one English paragraph of part 3 changes."""
    src = tmp_path / "content"
    shutil.copytree(ROOT / "content", src)
    part3 = next((src / "parts").glob("03-*.md"))
    text = part3.read_text("utf-8")
    paragraph = next(p for p in text.split("\n\n")[2:] if p[:1].isalpha() and "{#" not in p)
    part3.write_text(text.replace(paragraph, paragraph + " This sentence is new."), "utf-8")
    run = CliRunner().invoke(main, ["validate", str(src)])
    assert run.exit_code == 0, run.output
    said = run.output
    stale = [line for line in said.splitlines() if "stale translation" in line]
    assert len(stale) == 1 and f"translations/es/{part3.name}:" in stale[0]
    assert "missing translation" not in said
    # each language's parts are scored by a formula for that language
    assert said.count("Szigriszt-Pazos") == 6 and said.count("Flesch-Kincaid") == 6
    assert "translated into es" in said
    strict = CliRunner().invoke(main, ["validate", "--strict", str(src)])
    assert strict.exit_code == 1 and "stale translation" in strict.output


@pytest.mark.parametrize(("where", "text", "message"), [
    ("translations/es/03-third.md", ES_THREE.replace("2030-02-01", "2029-12-01"),
     "translations/es/03-third.md:6:13: publish_at (2029-12-01T00:00:00+00:00) is "
     "before the original's"),
    ("translations/es/09-ninth.md", ES_THREE,
     "translations/es/09-ninth.md:1:1: no part parts/09-ninth.md to translate"),
    ("translations/spanish!/series.yaml", ES_SERIES,
     "translations/spanish!:1:1: 'spanish!' is not a language tag"),
    ("translations/en/series.yaml", ES_SERIES,
     "translations/en:1:1: 'en' is the series' own language"),
    ("translations/fr/01-first.md", ES_ONE,
     "translations/fr:1:1: translations/fr/series.yaml is missing"),
    ("translations/es/01-first.md", ES_ONE.replace('"{stamp}"', "nope"),
     "translations/es/01-first.md:4:17: translation_of: 'nope' is not a translation_of stamp"),
])
def test_bad_translations_are_refused_where_they_are(tmp_path, where, text, message):
    root = translated(tmp_path / "src")
    target = root / where
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text.replace("{stamp}", stamp(root, "03-third.md")), "utf-8")
    with pytest.raises(SourceError) as err:
        ketapub.load(root)
    shown = [str(d) for d in err.value.diagnostics]
    assert any(s.startswith(f"{root}/{message}") for s in shown), shown


# --- outputs -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(series, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built") / "out"
    ketapub.build(series, out, as_of=BETWEEN,
                  formats="pdf,epub,rss,atom,jsonfeed,ics,html,md,txt,api,embed")
    return out


def files(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


def test_every_format_has_a_spanish_edition_at_its_own_paths(built):
    made = files(built)
    for path in ["pdf/es/01-first.pdf", "pdf/es/booklet.pdf", "epub/sample-series.es.epub",
                 "feed/es/rss.xml", "feed/es/atom.xml", "feed/es/feed.json",
                 "feed/es/schedule.ics", "html/es/first.html", "html/es/cards/first.html",
                 "html/es/hub.html", "html/es/fragments.json", "md/es/01-first.md",
                 "txt/es/01-first.txt", "api/es/series.json", "embed/es/first.html"]:
        assert path in made, path
    # the original keeps today's paths
    for path in ["pdf/01-first.pdf", "pdf/03-third.pdf", "epub/sample-series.epub",
                 "feed/rss.xml", "html/first.html"]:
        assert path in made, path
    # no Spanish file of the untranslated part 2, none of the Spanish part 3 before its day
    assert not any(p.startswith(("pdf/es/02", "pdf/es/03", "md/es/02", "md/es/03")) for p in made)
    assert not any(("tercera" in p and "/cards/" not in p) or "/es/second" in p for p in made)
    assert "html/es/cards/tercera.html" in made  # a card says "coming", as in English


def test_spanish_outputs_speak_spanish_and_link_spanish_files(built):
    feed = feedparser.parse((built / "feed/es/atom.xml").read_bytes())
    assert not feed.bozo and feed.feed.title == "Serie de muestra"
    assert feed.feed.get("language", "es") == "es"
    assert [e.title for e in feed.entries] == ["Primera parte"]
    rss = feedparser.parse((built / "feed/es/rss.xml").read_bytes())
    assert rss.feed.language == "es"
    enclosures = [link.href for e in rss.entries for link in e.links
                  if link.rel == "enclosure"]
    assert enclosures == ["https://example.org/sample/pdf/es/01-first.pdf"]
    fragment = (built / "html/es/first.html").read_text("utf-8")
    assert 'lang="es"' in fragment and "zarzamora veloz" in fragment
    assert "https://example.org/sample/assets/es/chart.svg" in fragment
    with zipfile.ZipFile(built / "epub/sample-series.es.epub") as z:
        opf = z.read(next(n for n in z.namelist() if n.endswith(".opf"))).decode()
    assert "<dc:language>es</dc:language>" in opf and "Serie de muestra" in opf
    index = json.loads((built / "html/es/fragments.json").read_text("utf-8"))
    assert "colibr" not in json.dumps(index)  # Spanish part 3 is not out yet


def test_the_english_part_is_out_while_its_translation_waits(built):
    english = (built / "feed/atom.xml").read_text("utf-8")
    spanish = (built / "feed/es/atom.xml").read_text("utf-8")
    assert "Third part" in english
    assert "Tercera parte" not in spanish and "colibr" not in spanish


def test_serve_releases_each_language_at_its_own_instant(series, tmp_path):
    out = tmp_path / "out"
    ketapub.build(series, out, as_of=BETWEEN - timedelta(days=10), formats="pdf,atom,html",
                  ahead=True)
    clock = Clock(BETWEEN)
    app = ketapub.make_app(series, out, clock=clock)
    with running(app) as port:
        assert request(port, "/pdf/03-third.pdf")[0] == 200
        assert request(port, "/pdf/es/03-tercera.pdf")[0] == 404
        status, _, body = request(port, "/feed/es/atom.xml")
        assert status == 200 and b"Tercera parte" not in body
        clock.now = SPANISH_THIRD_OUT - timedelta(seconds=1)
        assert request(port, "/pdf/es/03-tercera.pdf")[0] == 404
        clock.now = SPANISH_THIRD_OUT
        assert request(port, "/pdf/es/03-tercera.pdf")[0] == 200
        status, _, body = request(port, "/feed/es/atom.xml")
        assert status == 200 and b"Tercera parte" in body


def test_next_release_counts_the_translations_instants(series):
    assert ketapub.next_release(series, BETWEEN) == SPANISH_THIRD_OUT


def test_an_edit_of_a_translation_renders_only_that_language_again(series, source, tmp_path):
    out = tmp_path / "out"
    ketapub.build(series, out, as_of=BETWEEN, formats="html,atom")
    es_one = source / "translations/es/01-first.md"
    before = es_one.read_text("utf-8")
    try:
        es_one.write_text(before.replace("zarzamora veloz", "zarzamora lenta"), "utf-8")
        again = ketapub.build(source, out, as_of=BETWEEN, formats="html,atom")
    finally:
        es_one.write_text(before, "utf-8")
    assert again.rendered, "the edit re-rendered nothing"
    assert all("/es/" in p for p in again.rendered), again.rendered
    assert "html/es/first.html" in again.rendered and "feed/es/atom.xml" in again.rendered


def test_schedule_lists_each_language_at_its_own_instants(source):
    run = CliRunner().invoke(main, ["schedule", str(source), "--as-of", BETWEEN.isoformat(),
                                    "--json"])
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert [(p["part"], p["status"]) for p in data["parts"]] == [
        (1, "released"), (2, "released"), (3, "released")]
    spanish = data["translations"]["es"]
    assert spanish["title"] == "Serie de muestra"
    assert [(p["part"], p["slug"], p["status"]) for p in spanish["parts"]] == [
        (1, "first", "released"), (3, "tercera", "scheduled")]
    assert data["next_release"] == SPANISH_THIRD_OUT.isoformat()
    text = CliRunner().invoke(main, ["schedule", str(source), "--as-of", BETWEEN.isoformat()])
    assert "Serie de muestra [es]" in text.output and "Tercera parte" in text.output
