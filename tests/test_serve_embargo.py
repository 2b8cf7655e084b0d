"""The embargo holds through ``serve`` whatever the output was built as of.

An output built ahead of the clock (every part released at build time, every format, every
brand, large print) is served at an instant where only some parts are out: no response, for
any path of the manifest or any live path, may carry a sentence of an unreleased part. The
bodies are searched as a reader gets them: EPUB zips unpacked, PDF text extracted with pypdf.
One part's slug equals the series slug, so no file name can tell a per-part file from a
whole-series one; the server must read that from the manifest.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdf
import pytest

import ketapub
from ketapub import plan as planning
from ketapub.render.base import BuildOptions, RenderContext
from tests.helpers import make_source, part
from tests.test_serve import Clock, request, running

SERIES = """\
title: "Harbor Notes"
slug: harbor-notes
description: "A series for embargo tests."
language: en
base_url: "https://example.org/harbor/"
timezone: UTC
publisher: "Test Press"
authors:
  - name: "A. Writer"
"""
# Part 2's slug is the series slug: the ebook is epub/harbor-notes.epub.
RELEASES = {1: datetime(2026, 1, 5, 9, tzinfo=UTC), 2: datetime(2026, 1, 12, 9, tzinfo=UTC),
            3: datetime(2026, 1, 19, 9, tzinfo=UTC), 4: datetime(2026, 1, 26, 9, tzinfo=UTC)}
SLUGS = {1: "one", 2: "harbor-notes", 3: "tides", 4: "moorings"}
SENTENCES = {
    1: ["Gulls circle the breakwater every quiet morning before the ferries leave"],
    2: ["The harbor master counts the lanterns along the eastern pier at dusk"],
    3: ["Quillwort lanterns hum beneath the brackish estuary during neap tides",
        "Velvet barnacles whisper the ledger of sunken schooners"],
    4: ["Cobalt moorings rattle against the granite quay when the zephyr turns"],
}
FIGURE_WORDS = "Tidal chart of the drowned orchard"  # inside part 3's figure only
BUILT_AS_OF = "2026-02-01T00:00:00Z"                   # every part released
NOW = RELEASES[3] - timedelta(seconds=100)             # parts 1 and 2 released, 3 and 4 not
UNRELEASED = (3, 4)
FIGURE = (f'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" '
          f'viewBox="0 0 200 40"><text x="4" y="24">{FIGURE_WORDS}</text></svg>')
BRAND = """\
id: {id}
name: "{name}"
phone: "+1 555-0100"
email: "care@{id}.example"
address: "1 Quay Street, Portside"
website: "https://{id}.example"
accent_color: "#1f6f8b"
"""


def write_source(root: Path) -> Path:
    parts = {}
    for n, slug in SLUGS.items():
        body = "\n\n".join(f"{s}." for s in SENTENCES[n]) + "\n"
        if n == 3:
            body += "\n![A tide chart](assets/tide-chart.svg)\n"
        parts[f"{n:02d}-{slug}.md"] = part(n, slug, body,
                                           publish_at=RELEASES[n].strftime("%Y-%m-%dT%H:%M:%S"))
    return make_source(root, parts, series=SERIES, files={
        "assets/tide-chart.svg": FIGURE,
        "brands/pier.yaml": BRAND.format(id="pier", name="Pier Clinic"),
        "brands/quay.yaml": BRAND.format(id="quay", name="Quay Health"),
    })


def squeeze(text: str) -> str:
    """Letters and digits only, lower case: line breaks, hyphenation, markup between words,
    escapes and ligatures (NFKC) cannot hide a sentence."""
    return re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKC", text).casefold())


def readable(body: bytes) -> str:
    """Everything a reader of ``body`` can get at: a zip's members, a PDF's text."""
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return "\n".join(book.read(name).decode("utf-8", "replace")
                             for name in sorted(book.namelist()))
    if body.startswith(b"%PDF"):
        pages = pypdf.PdfReader(io.BytesIO(body)).pages
        return "\n".join(page.extract_text() or "" for page in pages)
    return body.decode("utf-8", "replace")


def shown_parts(body: bytes) -> set[int]:
    """Parts (and part 3's figure) whose text the body carries."""
    text = squeeze(readable(body))
    found = {n for n, sentences in SENTENCES.items()
             if any(squeeze(s) in text for s in sentences)}
    if squeeze(FIGURE_WORDS) in text:
        found.add(3)
    return found


def not_stored(headers) -> bool:
    """A 404 no cache may keep: a CDN would serve it past the release."""
    return headers.get("Cache-Control") == "no-store"


@pytest.fixture(scope="module")
def ahead(tmp_path_factory) -> tuple[Path, ketapub.Series]:
    """Every format, every brand, large print, built as of an instant when all is out."""
    root = tmp_path_factory.mktemp("ahead")
    source = write_source(root / "src")
    out = root / "out"
    result = ketapub.build(source, out, as_of=BUILT_AS_OF, brands=["all"], large_print=True,
                           jobs=2)
    assert result.ok
    return out, ketapub.load(source)


def test_no_unreleased_text_through_any_path(ahead):
    out, series = ahead
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    paths = sorted(a["path"] for a in manifest["artifacts"])
    assert {a["renderer"] for a in manifest["artifacts"]} == {
        "pdf", "epub", "rss", "atom", "jsonfeed", "ics", "html", "txt", "md", "api", "embed"}
    assert "epub/harbor-notes.epub" in paths and "pdf/02-harbor-notes.pdf" in paths
    assert "pdf/quay/large-print/03-tides.pdf" in paths
    # the search finds what it looks for: the files on disk do show parts 3 and 4
    on_disk = {p: shown_parts((out / p).read_bytes()) for p in paths}
    for path in ("epub/harbor-notes.epub", "pdf/booklet.pdf", "pdf/large-print/booklet.pdf",
                 "pdf/03-tides.pdf", "pdf/pier/04-moorings.pdf", "html/tides.html",
                 "html/assets/tide-chart.svg", "html/index.html", "feed/rss.xml",
                 "feed/atom.xml", "feed/feed.json", "txt/03-tides.txt", "md/04-moorings.md"):
        assert on_disk[path] & set(UNRELEASED), path

    released_files = {p for p in paths
                      if re.search(r"(^|/)(0[12]-)?(one|harbor-notes)\.(pdf|html|txt|md|json)$",
                                   p)}
    # handouts (3 brands x 2 sizes), fragments, cards, plain text, Markdown, embed pages
    # and API documents
    assert len(released_files) == 2 * 6 + 2 + 2 + 2 + 2 + 2 + 2
    app = ketapub.make_app(series, out, clock=Clock(NOW), reload_interval=None)
    live = sorted(app.live_paths())  # what the renderers declare live, asked, not listed
    assert live == ["api/changes.json", "api/series.json", "feed/atom.xml", "feed/feed.json",
                    "feed/rss.xml", "feed/schedule.ics", "html/hub.html"]
    with running(app) as port:
        statuses = {}
        for path in sorted({*paths, *live}):
            status, headers, body = request(port, "/" + path)
            statuses[path] = status
            assert not shown_parts(body) & set(UNRELEASED), path
            if status == 404:  # never cached: it would outlast the release that lets it out
                assert not_stored(headers), path
            if re.search(r"(03-|html/)tides\.(pdf|html|txt|md)$|tide-chart", path):
                assert status == 404, path
    served = {p for p, s in statuses.items() if s == 200}
    cards = {f"html/cards/{slug}.html" for slug in SLUGS.values()}
    # released parts' files, every card (title, summary, date only), the stylesheet, the
    # live feeds; nothing whole-series built ahead of the clock, nothing of parts 3 and 4
    assert served == released_files | cards | {"html/ketapub.css", *live}
    assert set(statuses.values()) == {200, 404}
    # what is served shows what it should: the live feeds carry parts 1 and 2 as of now
    # (the calendar and the hub show titles and dates only)
    expected = {"feed/rss.xml": {1, 2}, "feed/atom.xml": {1, 2}, "feed/feed.json": {1, 2},
                "feed/schedule.ics": set(), "html/hub.html": set(), "html/one.html": {1},
                "pdf/pier/large-print/02-harbor-notes.pdf": {2}}
    with running(app) as port:
        assert {p: shown_parts(request(port, "/" + p)[2]) for p in expected} == expected


def test_whole_series_file_kept_from_an_earlier_build_stays_embargoed(tmp_path):
    """A later build of other formats as of now keeps the ebook built ahead of the clock:
    the manifest's top-level release list is the later build's, the ebook's own is not."""
    source = write_source(tmp_path / "src")
    out = tmp_path / "out"
    assert ketapub.build(source, out, formats="epub,rss", as_of=BUILT_AS_OF).ok
    assert ketapub.build(source, out, formats="rss", as_of=NOW).ok
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["as_of_released"] == [1, 2]
    assert shown_parts((out / "epub/harbor-notes.epub").read_bytes()) == {1, 2, 3, 4}
    app = ketapub.make_app(ketapub.load(source), out, clock=Clock(NOW), reload_interval=None)
    with running(app) as port:
        status, headers, body = request(port, "/epub/harbor-notes.epub")
        assert status == 404 and not shown_parts(body)
        assert not_stored(headers)
        assert request(port, "/epub/harbor-notes.epub")[0] == 404
    later = Clock(RELEASES[4])
    app = ketapub.make_app(ketapub.load(source), out, clock=later, reload_interval=None)
    with running(app) as port:
        status, _, body = request(port, "/epub/harbor-notes.epub")
        assert status == 200 and shown_parts(body) == {1, 2, 3, 4}


def _strip_embargo_fields(out: Path) -> None:
    """Make ``out``'s manifest look like an older ketapub's: no ``parts`` or ``released``."""
    path = out / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    for entry in manifest["artifacts"]:
        entry.pop("parts", None)
        entry.pop("released", None)
    path.write_text(json.dumps(manifest), "utf-8")


def test_manifest_without_embargo_fields_counts_every_file_as_whole_series(tmp_path):
    """An output built by an older ketapub (no ``parts`` per artifact) is read on the safe
    side: a handout waits like the booklet for every part its build had released (the
    manifest's ``as_of_released``), and no longer than that."""
    source = write_source(tmp_path / "src")
    series = ketapub.load(source)
    ahead, now = tmp_path / "ahead", tmp_path / "now"
    assert ketapub.build(source, ahead, formats="html", as_of=BUILT_AS_OF).ok
    assert ketapub.build(source, now, formats="html", as_of=NOW).ok
    _strip_embargo_fields(ahead)
    _strip_embargo_fields(now)
    with running(ketapub.make_app(series, ahead, clock=Clock(NOW),
                                  reload_interval=None)) as port:
        assert request(port, "/html/one.html")[0] == 404   # its build had released all four
        assert request(port, "/html/cards/one.html")[0] == 404
    with running(ketapub.make_app(series, ahead, clock=Clock(RELEASES[4]),
                                  reload_interval=None)) as port:
        assert request(port, "/html/one.html")[0] == 200
    with running(ketapub.make_app(series, now, clock=Clock(NOW), reload_interval=None)) as port:
        assert request(port, "/html/one.html")[0] == 200   # its build had released 1 and 2
        assert request(port, "/html/cards/one.html")[0] == 200


def test_card_of_an_unreleased_part_is_served_and_shows_no_text(tmp_path):
    """A card shows title, summary and "Available <date>" (as the hub does): it is public
    from the start, and still re-rendered when its part changes."""
    source = write_source(tmp_path / "src")
    out = tmp_path / "out"
    assert ketapub.build(source, out, formats="html", as_of=NOW).ok
    entries = {a["path"]: a for a in json.loads((out / "manifest.json").read_text())["artifacts"]}
    assert entries["html/cards/tides.html"]["parts"] == []
    assert entries["html/one.html"]["parts"] == [1]
    assert entries["html/hub.html"]["parts"] is None
    assert entries["html/hub.html"]["released"] == [1, 2]
    assert "html/assets/tide-chart.svg" not in entries  # only part 3 shows it
    with running(ketapub.make_app(ketapub.load(source), out, clock=Clock(NOW),
                                  reload_interval=None)) as port:
        status, _, body = request(port, "/html/cards/tides.html")
        assert status == 200
        assert "Available" in body.decode() and "Part 3" in body.decode()
        assert not shown_parts(body)
        assert request(port, "/html/tides.html")[0] == 404  # not built: no fragment yet

    def card_hash(src: Path) -> str:
        ctx = RenderContext(series=ketapub.load(src), as_of=NOW, options=BuildOptions())
        jobs = planning.plan([ketapub.Registry.from_entry_points().create("html")], ctx)
        return next(j.input_hash for j in jobs if j.path == "html/cards/tides.html")

    before = card_hash(source)
    page = source / "parts" / "03-tides.md"
    page.write_text(page.read_text().replace("Quillwort", "Sedge"), "utf-8")
    assert card_hash(source) != before
