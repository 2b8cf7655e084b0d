"""Ids are injective by construction: no two things a build shows on one page share an id.

Heading ids are ``[A-Za-z0-9_-]``; every other id the dialect makes holds a ``.`` (``ref.x``,
``fn.1``), and every per-part prefix ends in one (``ketapub-<slug>.``, ``p3.``), so a part
``ketamine`` with the anchor ``therapy`` never meets a part ``ketamine-therapy``, and a
heading "Ref smith" never meets the citation ``[@smith]``.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree, html

import ketapub
from tests.helpers import make_source, part
from tests.tools import epubcheck

REFS = 'references:\n  - {id: smith, text: "Smith, 2020."}\n'
BODIES = {
    "01-ketamine.md": part(1, "ketamine", """\
        ## Therapy {#therapy}

        ## Ref smith

        ## Fn 1

        ## Title

        Text [@smith] and a note.[^1] See [therapy](#therapy).

        [^1]: The note.
        """, extra=REFS),
    "02-ketamine-therapy.md": part(2, "ketamine-therapy", """\
        ## Therapy

        Text, see [part one](part:ketamine#therapy).
        """),
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ids")
    src = make_source(root / "src", BODIES)
    ketapub.build(src, root / "out", formats=["html", "epub", "rss"], as_of="2025-06-01")
    return root / "out"


def _dupes(ids: list[str]) -> list[str]:
    return sorted(i for i, n in Counter(ids).items() if n > 1)


def test_the_preview_page_has_every_id_once(out: Path) -> None:
    doc = html.fromstring((out / "html/index.html").read_bytes())
    ids = [e.get("id") for e in doc.iter() if isinstance(e.tag, str) and e.get("id")]
    assert len(ids) > 10 and _dupes(ids) == []
    # each article is labelled by its own title, not by the other part's heading
    for article in doc.iter("article"):
        label = article.get("aria-labelledby")
        if label:
            (target,) = doc.xpath(f"//*[@id='{label}']")
            assert article in target.iterancestors()


@pytest.mark.parametrize("page", ["html/ketamine.html", "html/ketamine-therapy.html"])
def test_each_fragment_has_every_id_once_and_its_links_land(out: Path, page: str) -> None:
    doc = html.fromstring((out / page).read_bytes())
    ids = [e.get("id") for e in doc.iter() if isinstance(e.tag, str) and e.get("id")]
    assert _dupes(ids) == []
    for href in doc.xpath("//a/@href"):
        if href.startswith("#"):
            assert href[1:] in ids, href


def test_rss_items_have_every_id_once(out: Path) -> None:
    root = etree.parse(str(out / "feed/rss.xml")).getroot()
    for item in root.iter("item"):
        body = item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or ""
        doc = html.fromstring(f"<div>{body}</div>")
        ids = [e.get("id") for e in doc.iter() if isinstance(e.tag, str) and e.get("id")]
        assert _dupes(ids) == [], ids


@pytest.mark.slow
def test_the_ebook_has_every_id_once_per_file_and_passes_epubcheck(out: Path) -> None:
    (book,) = (out / "epub").glob("*.epub")
    with zipfile.ZipFile(book) as z:
        for name in z.namelist():
            if name.endswith(".xhtml"):
                doc = etree.fromstring(z.read(name))
                assert _dupes([e.get("id") for e in doc.iter() if e.get("id")]) == [], name
    result = epubcheck(book)
    assert (result.fatals, result.errors, result.warnings) == (0, 0, 0), result.output
