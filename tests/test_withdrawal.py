"""Expiry and withdrawal: exact to the second, like a release. From the instant a part leaves
the feeds (Atom keeps an RFC 6721 tombstone), its handouts, fragment and editions are no
longer made, the hub, its card and fragments.json show it as withdrawn with the reason, the
booklet and the ebook leave it out, the calendar and `schedule` list the instant, and
`serve` answers 410 Gone with the reason, whether the output was built before or after."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

import ketapub
from ketapub.cli import main
from ketapub.plan import plan
from ketapub.render.base import RenderContext
from ketapub.render.registry import installed
from tests.lifecycle_source import (
    EXPIRES,
    REASON,
    SECOND,
    TEXT,
    WITHDRAWN,
    epub_text,
    pdf_text,
    write_lifecycle_source,
)
from tests.test_serve import Clock, request, running

INSTANTS = {"before": WITHDRAWN - SECOND, "at": WITHDRAWN, "after": WITHDRAWN + SECOND}
ATOM = "{http://www.w3.org/2005/Atom}"
TOMBSTONE = "{http://purl.org/atompub/tombstones/1.0}deleted-entry"
TWO = "https://example.org/harbor/two/"
LINE = f"Withdrawn 1 March 2026: {REASON}"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_lifecycle_source(tmp_path_factory.mktemp("withdrawal") / "src")


@pytest.fixture(scope="module")
def series(source: Path) -> ketapub.Series:
    return ketapub.load(source)


@pytest.fixture(scope="module")
def made(series: ketapub.Series) -> dict[str, dict[str, bytes]]:
    return {name: ketapub.render(series, ["html", "txt", "md", "rss", "atom", "jsonfeed", "ics",
                                          "epub"], as_of=when)
            for name, when in INSTANTS.items()}


def _paths(series: ketapub.Series, when) -> set[str]:
    registry = installed()
    renderers = [registry.create(n) for n in registry.names()]
    return {j.path for j in plan(renderers, RenderContext(series=series, as_of=when))}


def test_its_files_are_made_until_the_instant_and_not_from_it(series) -> None:
    own = {"pdf/02-two.pdf", "html/two.html", "txt/02-two.txt", "md/02-two.md"}
    assert own <= _paths(series, INSTANTS["before"])
    for name in ("at", "after"):
        paths = _paths(series, INSTANTS[name])
        assert not own & paths, name
        assert {"pdf/01-one.pdf", "html/cards/two.html", "pdf/booklet.pdf"} <= paths


def test_feeds_drop_the_entry_and_atom_keeps_a_tombstone(made) -> None:
    for name, files in made.items():
        gone = name != "before"
        atom = etree.fromstring(files["feed/atom.xml"])
        ids = [e.findtext(f"{ATOM}id") for e in atom.iter(f"{ATOM}entry")]
        assert (TWO in ids) is not gone, name
        stones = atom.findall(TOMBSTONE)
        assert len(stones) == gone, name
        if gone:
            (stone,) = stones
            assert stone.attrib == {"ref": TWO, "when": WITHDRAWN.isoformat()}
            assert stone.findtext("{http://purl.org/atompub/tombstones/1.0}comment") == REASON
            assert atom.findtext(f"{ATOM}updated") == WITHDRAWN.isoformat()
        rss = etree.fromstring(files["feed/rss.xml"])
        assert (TWO in [i.findtext("guid") for i in rss.iter("item")]) is not gone
        assert b"tombstones" not in files["feed/rss.xml"]
        items = json.loads(files["feed/feed.json"])["items"]
        assert (TWO in [i["id"] for i in items]) is not gone


def test_hub_card_and_index_show_it_withdrawn_with_the_reason(made) -> None:
    for name, files in made.items():
        gone = name != "before"
        hub, card = files["html/hub.html"].decode(), files["html/cards/two.html"].decode()
        assert (f'<span class="ketapub-withdrawn">{LINE}</span>' in hub) is gone, name
        assert (f'<span class="ketapub-withdrawn">{LINE}</span>' in card) is gone, name
        assert (f'href="{TWO}"' in hub) is not gone and (f'href="{TWO}"' in card) is not gone
        assert ("ketapub-card ketapub-withdrawn" in card) is gone
        (entry,) = [f for f in json.loads(files["html/fragments.json"])["fragments"]
                    if f["part"] == 2]
        assert entry["status"] == ("withdrawn" if gone else "released")
        assert entry["fragment"] == (None if gone else "two.html")
        assert entry.get("withdrawn") == (LINE if gone else None)
        preview = files["html/index.html"].decode()
        assert (TEXT[2] in preview) is not gone


def test_the_ebook_and_booklet_leave_it_out(series, made) -> None:
    for name, files in made.items():
        book = epub_text(files["epub/harbor-notes.epub"])
        assert (TEXT[2] in book) is (name == "before")
        assert ("Summary 2." in book) is (name == "before")  # not "coming soon" either
    for name in ("before", "at"):
        (booklet,) = ketapub.render(series, "pdf", as_of=INSTANTS[name],
                                    path="pdf/booklet.pdf").values()
        text = pdf_text(booklet)
        assert (TEXT[2] in text) is (name == "before") and TEXT[1] in text
        assert ("Summary 2." in text) is (name == "before")


def test_calendar_and_schedule_list_the_instant(made, source) -> None:
    ics = made["before"]["feed/schedule.ics"].decode().replace("\r\n ", "")
    assert "SUMMARY:No longer published: Part 2\r\nDTSTART:20260301T120000Z\r\n" in ics
    assert f"DESCRIPTION:{REASON}" in ics
    assert ("SUMMARY:No longer published: Part 3\r\nDTSTART:20260401T000000Z\r\n" in ics
            and "DESCRIPTION:This information has expired and is no longer published." in ics)
    for name, when in INSTANTS.items():
        result = CliRunner().invoke(main, ["schedule", str(source), "--json", "--as-of",
                                           when.isoformat()])
        data = json.loads(result.output)
        two = data["parts"][1]
        assert two["ends_at"] == WITHDRAWN.isoformat()
        assert two["status"] == ("released" if name == "before" else "withdrawn")
        assert data["next_change"] == (WITHDRAWN if name == "before" else EXPIRES).isoformat()


def test_expiry_is_a_withdrawal_with_the_expired_sentence(series) -> None:
    for when, gone in ((EXPIRES - SECOND, False), (EXPIRES, True), (EXPIRES + SECOND, True)):
        files = ketapub.render(series, ["atom", "html"], as_of=when)
        atom = etree.fromstring(files["feed/atom.xml"])
        refs = {s.get("ref"): s.findtext("{http://purl.org/atompub/tombstones/1.0}comment")
                for s in atom.findall(TOMBSTONE)}
        three = "https://example.org/harbor/three/"
        assert (three in refs) is gone
        if gone:
            assert refs[three] == "This information has expired and is no longer published."
        assert ("html/three.html" in files) is not gone


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, source: Path) -> dict[str, Path]:
    """The output built one second before the withdrawal, and one second after it."""
    root = tmp_path_factory.mktemp("built")
    outs = {}
    for name in ("before", "after"):
        out = root / name
        result = ketapub.build(source, out, as_of=INSTANTS[name],
                               formats=["pdf", "html", "txt", "atom"])
        assert result.ok
        outs[name] = out
    return outs


@pytest.mark.parametrize("built_as_of", ["before", "after"])
def test_serve_answers_410_gone_with_the_reason_from_the_instant(series, built,
                                                                  built_as_of) -> None:
    clock = Clock(INSTANTS["before"])
    app = ketapub.make_app(series, built[built_as_of], clock=clock)
    with running(app) as port:
        if built_as_of == "before":
            for path in ("/pdf/02-two.pdf", "/html/two.html", "/txt/02-two.txt"):
                status, _, _ = request(port, path)
                assert status == 200, path
            _, headers, _ = request(port, "/feed/atom.xml")
            assert headers["Cache-Control"] == "public, max-age=1"  # never past the instant
            assert request(port, "/pdf/booklet.pdf")[0] == 200
        for name in ("at", "after"):
            clock.now = INSTANTS[name]
            for path in ("/pdf/02-two.pdf", "/html/two.html", "/txt/02-two.txt"):
                status, headers, body = request(port, path)
                assert status == 410, (path, name)
                assert headers["Content-Type"] == "text/plain; charset=utf-8"
                assert body.decode() == f"Part 2 is no longer published.\n{LINE}\n"
            status, headers, body = request(port, "/html/two.html",
                                            {"Accept": "text/html,*/*;q=0.8"})
            assert status == 410 and headers["Content-Type"] == "text/html; charset=utf-8"
            assert f"<h1>Part 2 is no longer published.</h1>\n<p>{LINE}</p>" in body.decode()
            assert request(port, "/pdf/01-one.pdf")[0] == 200
            # a booklet that still holds the part waits for a build after the instant
            assert request(port, "/pdf/booklet.pdf")[0] == (404 if built_as_of == "before"
                                                            else 200)
            status, _, body = request(port, "/html/cards/two.html")
            if built_as_of == "after":  # a card built before the instant is rebuilt later
                assert status == 200 and LINE in body.decode()
            _, _, atom = request(port, "/feed/atom.xml")
            assert b"deleted-entry" in atom and TWO.encode() in atom
        assert request(port, "/pdf/03-nothing.pdf")[0] == 404


def test_a_cross_reference_to_it_says_why_it_cannot_be_read(made) -> None:
    for name, files in made.items():
        gone = name != "before"
        fragment = files["html/one.html"].decode()
        assert (f'<span class="xref-unreleased">the lamps</span> ({LINE})' in fragment) is gone
        assert (f'href="{TWO}"' in fragment) is not gone
        assert (f"the lamps ({LINE})" in " ".join(files["txt/01-one.txt"].decode().split())
                ) is gone


def test_no_artifact_shows_its_text_from_the_instant(series) -> None:
    from ketapub import testing

    registry = installed()
    renderers = [registry.create(n) for n in registry.names() if n != "pdf"]  # PDFs above
    for name, when in INSTANTS.items():
        phrases = testing.unreleased_phrases(series, when)
        assert (2 in phrases) is (name != "before")
        testing.assert_no_unreleased_text(testing.render_artifacts(renderers, series, when),
                                          series, when)


def test_an_output_built_ahead_switches_at_the_instant(source, series, tmp_path) -> None:
    """Ends are states of the embargo area like releases: built ahead before the instant,
    serve answers from the state that holds (the booklet without the part, its card
    withdrawn), with no rebuild."""
    out = tmp_path / "out"
    assert ketapub.build(source, out, as_of=INSTANTS["before"], ahead=True,
                         formats=["pdf", "html"]).ok
    assert (out / ".embargo" / "20260301T120000Z" / "pdf" / "booklet.pdf").is_file()
    clock = Clock(INSTANTS["before"])
    with running(ketapub.make_app(series, out, clock=clock)) as port:
        for name in ("before", "at", "after"):
            clock.now = INSTANTS[name]
            gone = name != "before"
            assert request(port, "/pdf/02-two.pdf")[0] == (410 if gone else 200)
            status, _, booklet = request(port, "/pdf/booklet.pdf")
            assert status == 200 and (TEXT[2] in pdf_text(booklet)) is not gone, name
            assert (LINE in request(port, "/html/cards/two.html")[2].decode()) is gone


def test_websub_pings_at_the_instant(series) -> None:
    from ketapub.websub import Pinger

    clock = Clock(INSTANTS["before"] - SECOND)
    posts: list[bytes] = []
    pinger = Pinger("https://hub.example/", lambda: series, lambda: ["https://f/atom.xml"],
                    clock, post=lambda hub, body: posts.append(body) or 204)
    clock.now = INSTANTS["before"]
    assert pinger.tick() == 0 and posts == []
    clock.now = INSTANTS["at"]
    assert pinger.tick() == 1 and len(posts) == 1
    clock.now = INSTANTS["after"]
    assert pinger.tick() == 0
