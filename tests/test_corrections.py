"""Corrections (``changes: [{on, note}]``): from its instant, and not a second before, a
correction is shown as "What changed" in the PDF, EPUB, HTML, plain text and Markdown, and
is the feed entry's update (Atom ``updated``, JSON Feed ``date_modified``, the note in
every feed's content; RSS 2.0 has no update date, so its item carries the note only)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

import ketapub
from tests.lifecycle_source import (
    CHANGED,
    NOTE,
    RELEASES,
    SECOND,
    epub_text,
    pdf_text,
    write_lifecycle_source,
)

INSTANTS = {"before": CHANGED - SECOND, "at": CHANGED, "after": CHANGED + SECOND}
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    series = ketapub.load(write_lifecycle_source(tmp_path_factory.mktemp("fix") / "src"))
    out = {}
    for name, when in INSTANTS.items():
        files = ketapub.render(series, ["html", "txt", "md", "epub", "rss", "atom", "jsonfeed"],
                               as_of=when)
        files |= ketapub.render(series, "pdf", as_of=when, path="pdf/01-one.pdf")
        if name != "after":  # the booklet prints the same list: before and at suffice
            files |= ketapub.render(series, "pdf", as_of=when, path="pdf/booklet.pdf")
        out[name] = files
    return out


def _shown(made: dict[str, dict[str, bytes]], name: str) -> dict[str, str]:
    files = made[name]
    return {"pdf": pdf_text(files["pdf/01-one.pdf"]),
            "epub": epub_text(files["epub/harbor-notes.epub"]),
            "html": files["html/one.html"].decode(),
            "txt": " ".join(files["txt/01-one.txt"].decode().split()),
            "md": files["md/01-one.md"].decode()}


def test_what_changed_appears_at_the_instant_in_every_format(made) -> None:
    for fmt, text in _shown(made, "before").items():
        assert "What changed" not in text and NOTE not in text, fmt
    assert NOTE not in pdf_text(made["before"]["pdf/booklet.pdf"])
    assert "What changed 1 February 2026: " + NOTE in pdf_text(made["at"]["pdf/booklet.pdf"])
    for name in ("at", "after"):
        shown = _shown(made, name)
        assert "What changed 1 February 2026: " + NOTE in shown["pdf"]
        assert "<h2 id=\"changes\">What changed</h2>" in shown["epub"]
        assert f'<span class="change-date">1 February 2026</span>: {NOTE}' in shown["epub"]
        assert ('<li><time datetime="2026-02-01T10:00:00+00:00">1 Feb 2026</time>: '
                f"{NOTE}</li>") in shown["html"]
        assert 'id="ketapub-one--changes"' in shown["html"]
        assert f"What changed ------------ - 1 February 2026: {NOTE}" in shown["txt"]
        assert f"## What changed\n\n- 1 February 2026: {NOTE}\n" in shown["md"]


def _atom_updated(data: bytes) -> dict[str, str]:
    root = etree.fromstring(data)
    return {e.findtext(f"{ATOM}id"): e.findtext(f"{ATOM}updated")
            for e in root.iter(f"{ATOM}entry")}


def test_the_feed_entry_is_updated_at_the_instant(made) -> None:
    url = "https://example.org/harbor/one/"
    released = RELEASES[1].isoformat()
    for name, when in INSTANTS.items():
        files = made[name]
        corrected = when >= CHANGED
        expected = CHANGED.isoformat() if corrected else released
        assert _atom_updated(files["feed/atom.xml"])[url] == expected, name
        assert etree.fromstring(files["feed/atom.xml"]).findtext(f"{ATOM}updated") == (
            expected if corrected else RELEASES[3].isoformat())  # newest date of the feed
        item = next(i for i in json.loads(files["feed/feed.json"])["items"] if i["id"] == url)
        assert item["date_modified"] == expected, name
        assert (NOTE in item["content_html"]) is corrected
        rss = etree.fromstring(files["feed/rss.xml"])
        (content,) = [i.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")
                      for i in rss.iter("item") if i.findtext("guid") == url]
        assert (f"1 February 2026: {NOTE}" in content) is corrected, name
        atom = files["feed/atom.xml"].decode()
        assert (NOTE in atom) is corrected


def test_a_correction_before_the_release_is_an_error(tmp_path: Path) -> None:
    src = write_lifecycle_source(tmp_path / "src")
    one = src / "parts" / "01-one.md"
    one.write_text(one.read_text().replace('on: "2026-02-01T10:00:00Z"',
                                           'on: "2026-01-05T08:59:59Z"'))
    with pytest.raises(ketapub.SourceError) as caught:
        ketapub.load(src)
    (problem,) = caught.value.diagnostics
    assert (problem.line, problem.column) == (10, 9)
    assert "changes.0.on" in problem.message and "before publish_at" in problem.message


def test_only_changes_up_to_as_of_count_for_the_modified_date(made) -> None:
    assert isinstance(CHANGED, datetime)
    fragments = {n: json.loads(made[n]["html/fragments.json"]) for n in INSTANTS}
    modified = {n: next(f["modified"] for f in d["fragments"] if f["part"] == 1)
                for n, d in fragments.items()}
    assert modified == {"before": RELEASES[1].isoformat(), "at": CHANGED.isoformat(),
                        "after": CHANGED.isoformat()}
