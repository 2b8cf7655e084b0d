"""The Spanish edition of the example series, as the issue's "Done when" asks: feeds that
parse, ids apart from the English ones, PDFs whose text reads in order with Lang es, and no
English interface label in any Spanish output of any format.

Everything reads the one shared build of the example (``content_build``); the EPUB, browser
and Nu checks of the Spanish files live beside their English ones (test_epub.py,
test_browser_*.py, test_html.py).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pikepdf
import pytest
from lxml import etree

import ketapub
from ketapub.i18n import LABELS
from tests.conftest import CONTENT
from tests.tools import require

BASE = "https://learn.example.org/ketamine/"
# Attributes whose values a person reads (or hears); ids, classes and URLs are not text.
READ_ATTRS = ("alt", "title", "aria-label", "aria-description", "aria-roledescription")


@pytest.fixture(scope="module")
def spanish() -> ketapub.Series:
    edition = ketapub.load(CONTENT).edition("es")
    assert edition is not None
    return edition


def pdftotext(pdf: Path) -> str:
    return subprocess.run([require("pdftotext"), str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


# --- feeds -------------------------------------------------------------------------------

def entry_ids(build: Path, folder: str) -> dict[str, list[str]]:
    ids = {name: [e.id for e in feedparser.parse((build / folder / name).read_bytes()).entries]
           for name in ("rss.xml", "atom.xml")}
    ids["feed.json"] = [i["id"] for i in
                        json.loads((build / folder / "feed.json").read_bytes())["items"]]
    return ids


def test_spanish_rss_and_atom_parse_cleanly_in_spanish_with_pdf_es_enclosures(
        content_build: Path, spanish: ketapub.Series) -> None:
    for name in ("rss.xml", "atom.xml"):
        feed = feedparser.parse((content_build / "feed/es" / name).read_bytes())
        assert not feed.bozo, (name, feed.get("bozo_exception"))
        assert feed.feed.language == "es" and feed.feed.title == spanish.title, name
        assert [e.title for e in feed.entries] == [p.title for p in reversed(spanish.parts)]
        enclosures = [link.href for e in feed.entries for link in e.links
                      if link.rel == "enclosure"]
        assert enclosures == [f"{BASE}pdf/es/{p.part:02d}-{p.slug}.pdf"
                              for p in reversed(spanish.parts)], name


def test_spanish_json_feed_is_json_feed_1_1_in_spanish_with_pdf_es_attachments(
        content_build: Path, spanish: ketapub.Series) -> None:
    # feedparser 6.0 reads no JSON Feed (its JSON support is unreleased): read it as JSON.
    data = json.loads((content_build / "feed/es/feed.json").read_bytes())
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["language"] == "es" and data["title"] == spanish.title
    assert data["feed_url"] == f"{BASE}feed/es/feed.json"
    assert [i["title"] for i in data["items"]] == [p.title for p in reversed(spanish.parts)]
    attachments = [a["url"] for i in data["items"] for a in i.get("attachments", [])]
    assert attachments == [f"{BASE}pdf/es/{p.part:02d}-{p.slug}.pdf"
                           for p in reversed(spanish.parts)]


def test_spanish_item_ids_are_unique_and_none_is_an_english_one(content_build: Path) -> None:
    """A partner subscribed to both feeds must see two items per part, not one."""
    spanish_ids = entry_ids(content_build, "feed/es")
    english_ids = entry_ids(content_build, "feed")
    for name, ids in spanish_ids.items():
        assert len(ids) == len(set(ids)) == 6, name
        assert not set(ids) & set(english_ids[name]), name
    assert spanish_ids["rss.xml"] == spanish_ids["atom.xml"] == spanish_ids["feed.json"]


# --- PDFs -------------------------------------------------------------------------------

def spanish_pdfs(build: Path) -> list[Path]:
    return sorted((build / "pdf" / "es").rglob("*.pdf"))


def test_every_spanish_pdf_says_lang_es(content_build: Path) -> None:
    pdfs = spanish_pdfs(content_build)
    assert len(pdfs) == 19  # handouts, booklet and branded handouts, as in English
    for path in pdfs:
        with pikepdf.open(path) as pdf:
            assert str(pdf.Root.Lang) == "es", path


def paragraph_starts(txt: str) -> list[str]:
    """The first words of each prose paragraph of a plain-text part's body (after the
    title, dates and address block), in source order."""
    starts = []
    for block in txt.partition("://")[2].split("\n\n")[1:]:
        words = block.split()
        if (len(words) >= 8 and len(block.split("\n")[0].split()) >= 5
                and words[0][0].isupper() and not re.search(r"[\[\]=|]", block)):
            starts.append(" ".join(words[:5]))
    return starts


def test_spanish_handouts_and_booklet_read_in_source_order(content_build: Path,
                                                          spanish: ketapub.Series) -> None:
    names = [f"{part.part:02d}-{part.slug}" for part in spanish.parts]
    starts = {name: paragraph_starts((content_build / f"txt/es/{name}.txt").read_text("utf-8"))
              for name in names}
    # the disclaimer closes every handout; the booklet prints it once, in front
    every_part = set.intersection(*map(set, starts.values()))
    booklet = " ".join(pdftotext(content_build / "pdf/es/booklet.pdf").split())
    at_in_booklet = 0
    for name in names:
        assert len(starts[name]) >= 5, name
        handout = " ".join(pdftotext(content_build / f"pdf/es/{name}.pdf").split())
        at = 0
        for start in starts[name]:
            found = handout.find(start, at)
            assert found >= 0, f"{name}: {start!r} missing or out of order"
            at = found
            if start not in every_part:
                at_in_booklet = booklet.find(start, at_in_booklet)
                assert at_in_booklet >= 0, f"booklet: {start!r} missing or out of order"


# --- no English label in any Spanish output ------------------------------------------------

def english_only_labels() -> dict[str, str]:
    """The fixed words of each English label that are not also Spanish words of a Spanish
    label ("Web", "©", "EPUB" are both): {words: label key}."""
    spanish_text = " ".join(LABELS["es"].values())
    found: dict[str, str] = {}
    for key, text in LABELS["en"].items():
        for piece in re.split(r"\{\w+\}", text):
            piece = piece.strip(" :;,.“”’()")
            if piece and not re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", spanish_text):
                found.setdefault(piece, key)
    return found


def readable(markup: str) -> str:
    """What a person reads or hears of HTML or XML: text and READ_ATTRS, no stylesheet."""
    markup = re.sub(r"<style\b.*?</style>", " ", markup, flags=re.S | re.I)
    attrs = re.findall(rf"""\s(?:{"|".join(READ_ATTRS)})="([^"]*)\"""", markup)
    return html.unescape(" ".join([re.sub(r"<[^>]*>", " ", markup), *attrs]))


def strings(data: object) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings(value)


def spanish_texts(build: Path) -> Iterator[tuple[str, str]]:
    """(file, its text) for every Spanish output of every format."""
    for path in sorted(build.rglob("*")):
        rel = path.relative_to(build).as_posix()
        if not path.is_file() or not ("/es/" in rel or ".es." in rel):
            continue
        if path.suffix == ".pdf":
            yield rel, pdftotext(path).replace("-\n", "-")
        elif path.suffix == ".epub":
            with zipfile.ZipFile(path) as book:
                for name in book.namelist():
                    if name.endswith((".xhtml", ".opf", ".ncx")):
                        yield f"{rel}!{name}", readable(book.read(name).decode())
        elif path.suffix == ".json":
            data = json.loads(path.read_bytes())
            yield rel, " ".join(readable(readable(s)) for s in strings(data))
        elif path.suffix in (".html", ".xml"):  # twice: feeds carry escaped HTML
            yield rel, readable(readable(path.read_text("utf-8")))
        elif path.suffix == ".ics":
            unfolded = path.read_bytes().decode("utf-8").replace("\r\n ", "")
            yield rel, unfolded.replace("\\", "")
        elif path.suffix == ".md":
            yield rel, path.read_text("utf-8").replace("\\", "")  # Markdown escapes
        elif path.suffix == ".txt":
            yield rel, path.read_text("utf-8")
        else:
            assert path.suffix in (".svg", ".png", ".css"), rel  # images and the stylesheet


def source_texts(series: ketapub.Series) -> list[str]:
    """Text the source gives in whatever language it has: references and figure text."""
    found = {r.text for p in series.parts for r in p.references}
    for image in {i for p in series.parts for i in p.images if i.endswith(".svg")}:
        svg = etree.parse(CONTENT / image)
        found |= {"".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    return sorted(found, key=len, reverse=True)


def test_no_english_label_in_any_spanish_output(content_build: Path,
                                                spanish: ketapub.Series) -> None:
    labels = english_only_labels()
    assert {"Part", "of", "References", "Published", "Page"} <= set(labels)
    # The references are quoted as published (in English), and a figure's text is the
    # figure's: neither is a label. Line breaks may split them anywhere, and pdftotext
    # drops a hyphen that ends a line.
    quoted = [re.compile(r"\s*".join(re.escape(c).replace("-", "-?") for c in "".join(
        text.split()))) for text in source_texts(spanish)]
    leaks = []
    files = 0
    for rel, text in spanish_texts(content_build):
        files += 1
        for reference in quoted:
            text = reference.sub(" ", text)
        text = re.sub(r"\S+://\S+|\b[a-z0-9]+(?:[-_][a-z0-9]+)+\b", " ", text)  # URLs, slugs
        text = " ".join(text.split())
        leaks += [f"{rel}: {key}: …{text[max(0, m.start() - 40):m.end() + 40]}…"
                  for words, key in labels.items()
                  for m in re.finditer(rf"(?<!\w){re.escape(words)}(?!\w)", text)]
    assert files >= 60
    assert leaks == [], "\n".join(leaks)
