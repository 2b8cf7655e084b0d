"""Links to files of the source (``[the form](assets/form.pdf)``): checked at load, written as
the file's published URL in every output, so no format carries a dead relative link."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypdf
import pytest

import ketapub
from ketapub.errors import SourceError
from tests.helpers import make_source, part

URL = "https://example.org/s/assets/consent-form.pdf"


def _source(root: Path, link: str, with_file: bool = True) -> Path:
    body = f"Read this first.\nThen sign [the consent form]({link}) before you come.\n"
    files: dict[str, str | bytes] = {"assets/consent-form.pdf": b"%PDF-1.4\n%%EOF\n"}
    return make_source(root, {"01-one.md": part(1, "one", body)},
                       files=files if with_file else {})


def test_a_link_to_a_missing_file_is_a_load_error_at_its_place(tmp_path: Path) -> None:
    root = _source(tmp_path / "s", "assets/consent-form.pdf", with_file=False)
    with pytest.raises(SourceError) as info:
        ketapub.load(root)
    (msg,) = [str(d) for d in info.value.diagnostics]
    assert msg.startswith(f"{root}/parts/01-one.md:9:30: link to a missing file "
                          "'assets/consent-form.pdf'")


@pytest.mark.parametrize("link", ["assets/../series.yaml", "assets//consent-form.pdf"])
def test_a_link_that_is_not_a_plain_path_is_refused(tmp_path: Path, link: str) -> None:
    with pytest.raises(SourceError, match="leaves the source folder or is not a plain path"):
        ketapub.load(_source(tmp_path / "s", link))


def test_every_output_links_the_published_file(tmp_path: Path) -> None:
    series = ketapub.load(_source(tmp_path / "s", "assets/consent-form.pdf#page=2"))
    as_of = "2025-06-01T00:00:00Z"
    want = URL + "#page=2"
    html = ketapub.render(series, "html", as_of=as_of, path="html/one.html")["html/one.html"]
    assert f'href="{want}"'.encode() in html
    (book,) = ketapub.render(series, "epub", as_of=as_of).values()
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        chapter = z.read("EPUB/part-01.xhtml").decode()
    assert f'href="{want}"' in chapter and 'href="assets/' not in chapter
    for fmt in ("rss", "atom", "jsonfeed"):
        (feed,) = ketapub.render(series, fmt, as_of=as_of).values()
        assert want.encode() in feed, fmt
    pdf = ketapub.render(series, "pdf", as_of=as_of, path="pdf/01-one.pdf")["pdf/01-one.pdf"]
    uris = [a.get_object()["/A"].get("/URI") for page in pypdf.PdfReader(io.BytesIO(pdf)).pages
            for a in page.get("/Annots", []) if "/A" in a.get_object()]
    assert want in uris


def test_the_disclaimer_links_files_the_same_way(tmp_path: Path) -> None:
    from tests.helpers import SERIES

    series = SERIES + 'disclaimer: "Sign [the form](assets/consent-form.pdf)."\n'
    root = make_source(tmp_path / "s", series=series)
    with pytest.raises(SourceError) as info:
        ketapub.load(root)
    (msg,) = [str(d) for d in info.value.diagnostics]
    assert msg.startswith(f"{root}/series.yaml:9:30: link to a missing file")
    (root / "assets").mkdir()
    (root / "assets" / "consent-form.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    html = ketapub.render(ketapub.load(root), "html", as_of="2025-06-01T00:00:00Z",
                          path="html/hub.html")["html/hub.html"]
    assert f'href="{URL}"'.encode() in html
