"""Feed items on one reader's page, and the JSON Feed's attachments.

A reader may show several items on one page, so every id inside an item carries the part's
prefix and the item's own links (footnote markers, back links, citations, ``#anchor``
links) still reach them, in RSS, Atom and JSON Feed. The JSON Feed attaches each handout
PDF as RSS and Atom enclose it (same URL and size). ``check_json_feed`` writes out the
JSON Feed 1.1 rules, as ``tests/test_feeds.py`` does the W3C validator's for RSS and Atom.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import html5lib
import pytest

import ketapub
from tests.conftest import CONTENT_AS_OF, SINK_AS_OF
from tests.helpers import make_source, part
from tests.test_feeds import (
    ATOM,
    CONTENT_NS,
    HOSTILE_SERIES,
    RFC3339,
    check_atom,
    check_rss,
    render,
    xml,
)

# JSON Feed 1.1: the members each object may have; anything else must be an extension,
# a name that starts with "_" and a letter.
FEED_KEYS = {"version", "title", "home_page_url", "feed_url", "description", "user_comment",
             "next_url", "icon", "favicon", "authors", "language", "expired", "hubs", "items"}
ITEM_KEYS = {"id", "url", "external_url", "title", "content_html", "content_text", "summary",
             "image", "banner_image", "date_published", "date_modified", "authors", "tags",
             "language", "attachments"}
ATTACHMENT_KEYS = {"url", "mime_type", "title", "size_in_bytes", "duration_in_seconds"}
EXTENSION = re.compile(r"^_[A-Za-z]")


def _absolute(url: object) -> bool:
    return isinstance(url, str) and urlsplit(url).scheme in ("http", "https") \
        and bool(urlsplit(url).netloc)


def _members(obj: dict, allowed: set[str], where: str) -> None:
    for key in obj:
        assert key in allowed or EXTENSION.match(key), f"{where}: unknown member {key!r}"


def check_json_feed(data: bytes, self_url: str) -> dict:
    """The JSON Feed 1.1 rules (https://jsonfeed.org/version/1.1)."""
    assert not data.startswith(b"\xef\xbb\xbf"), "UTF-8 without a byte order mark"
    feed = json.loads(data.decode("utf-8"))
    _members(feed, FEED_KEYS, "feed")
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"].strip()
    assert feed["feed_url"] == self_url and _absolute(feed["home_page_url"])
    assert "author" not in feed, "1.1 deprecates author: authors"
    for author in feed.get("authors", []):
        _members(author, {"name", "url", "avatar"}, "author")
        assert {"name", "url", "avatar"} & author.keys(), "an author needs name, url or avatar"
    assert isinstance(feed["items"], list)
    ids = []
    for item in feed["items"]:
        _members(item, ITEM_KEYS, f"item {item.get('id')}")
        assert isinstance(item["id"], str) and item["id"], "an item's id is a string"
        ids.append(item["id"])
        assert isinstance(item.get("content_html"), str) or \
            isinstance(item.get("content_text"), str), "content_html or content_text"
        assert _absolute(item["url"])
        for date in ("date_published", "date_modified"):
            assert RFC3339.match(item[date]), (date, item[date])
        assert all(isinstance(t, str) for t in item.get("tags", []))
        assert "author" not in item
        titles = []
        for att in item.get("attachments", []):
            _members(att, ATTACHMENT_KEYS, "attachment")
            assert _absolute(att["url"]) and re.match(r"^[\w.+-]+/[\w.+-]+$", att["mime_type"])
            size = att.get("size_in_bytes")
            assert size is None or (type(size) is int and size > 0)
            titles.append(att.get("title"))
        # attachments with one title are alternate forms of one thing: ours are distinct
        assert len([t for t in titles if t]) == len({t for t in titles if t})
    assert len(ids) == len(set(ids)), "item ids must be unique"
    return feed


def contents(name: str, data: bytes) -> list[tuple[str, str]]:
    """(item URL, item HTML) of every item of an RSS, Atom or JSON feed."""
    if name == "rss":
        return [(i.findtext("guid"), i.findtext(f"{CONTENT_NS}encoded"))
                for i in xml(data).iter("item")]
    if name == "atom":
        return [(e.findtext(f"{ATOM}id"), e.findtext(f"{ATOM}content"))
                for e in xml(data).iter(f"{ATOM}entry")]
    return [(i["url"], i["content_html"]) for i in json.loads(data)["items"]]


def ids_and_links(html: str) -> tuple[list[str], list[str]]:
    doc = html5lib.parseFragment(html, namespaceHTMLElements=False)
    elements = [el for el in doc.iter() if isinstance(el.tag, str)]
    return ([el.get("id") for el in elements if el.get("id") is not None],
            [el.get("href") for el in elements if el.get("href") is not None])


SERIES = {"content": ("content_series", CONTENT_AS_OF), "sink": ("sink_series", SINK_AS_OF)}


@pytest.mark.parametrize("which", ["content", "sink"])
@pytest.mark.parametrize("name", ["rss", "atom", "jsonfeed"])
def test_item_ids_are_prefixed_unique_and_the_items_links_reach_them(request, which, name):
    fixture, as_of = SERIES[which]
    series = request.getfixturevalue(fixture)
    data = render(series, name, as_of)
    by_url = {series.part_url(p): p for p in series.parts}
    every_id: list[str] = []
    reached = 0
    for url, html in contents(name, data):
        prefix = f"ketapub-{by_url[url].slug}."
        ids, links = ids_and_links(html)
        assert ids, "every item has headings or notes"
        assert [i for i in ids if not i.startswith(prefix)] == [], url
        every_id += ids
        for href in links:
            own = href[len(url):] if href.startswith(url + "#") else href
            if name == "jsonfeed":
                assert not href.startswith(url + "#"), "JSON Feed: the item's links are #id"
            else:
                assert not href.startswith("#"), "RSS/Atom: no relative URL (W3C rule)"
            if own.startswith("#"):
                assert own[1:] in ids, f"{href} reaches no id of its item"
                reached += 1
    assert len(every_id) == len(set(every_id)), "an id repeats across items"
    if which == "sink":  # a note, its back link, three citations, an #anchor link
        assert reached == 6


@pytest.mark.parametrize("name", ["rss", "atom", "jsonfeed"])
def test_a_cross_reference_to_a_heading_of_the_items_own_part_stays_in_the_item(
        tmp_path, name):
    body = "## Doses {#doses}\n\nText.\n\n## Later\n\nSee [the doses](part:one#doses) and " \
           "[part two](part:2#x).\n"
    src = make_source(tmp_path / "src", parts={"01.md": part(1, "one", body),
                                               "02.md": part(2, "two", "## X {#x}\n")})
    data = render(src, name, "2025-06-01")
    html = dict(contents(name, data))["https://example.org/s/one/"]
    ids, links = ids_and_links(html)
    own = "#ketapub-one.doses"
    assert (own if name == "jsonfeed" else "https://example.org/s/one/" + own) in links
    assert "ketapub-one.doses" in ids
    assert "https://example.org/s/two/#x" in links  # another part: its public page


@pytest.mark.parametrize("name", ["rss", "atom"])
def test_feedparser_keeps_the_prefixed_ids_and_links(sink_series, name):
    parsed = feedparser.parse(render(sink_series, name, SINK_AS_OF))
    assert parsed.bozo == 0
    entry = next(e for e in parsed.entries if e.id.endswith("/everything/"))
    ids, links = ids_and_links(entry.content[0].value)
    for local in ("faq", "dosing", "fn.1", "fnref.1", "ref.knuth1984"):
        assert "ketapub-everything." + local in ids
    assert "https://example.org/sink/everything/#ketapub-everything.fn.1" in links
    assert not {"faq", "fn.1", "dosing"} & set(ids)


def test_json_feed_follows_the_1_1_rules(content_series, sink_series):
    for series, as_of in ((content_series, CONTENT_AS_OF), (sink_series, SINK_AS_OF)):
        feed = check_json_feed(render(series, "jsonfeed", as_of),
                               series.base_url + "feed/feed.json")
        assert feed["items"] and all("attachments" not in i for i in feed["items"])
    empty = check_json_feed(render(sink_series, "jsonfeed", "2020-01-01"),
                            sink_series.base_url + "feed/feed.json")
    assert empty["items"] == []


def test_json_feed_of_hostile_titles_follows_the_rules_and_keeps_the_ids(tmp_path):
    body = "## FAQ {#faq}\n\nText[^1] with ]]> & <b>.\n\n[^1]: A note.\n"
    src = make_source(tmp_path / "src", series=HOSTILE_SERIES, parts={
        "01.md": part(1, "one", body), "02.md": part(2, "two", body)})
    feed = check_json_feed(render(src, "jsonfeed", "2025-06-01"),
                           "https://example.org/evil/feed/feed.json")
    ids = [i for item in feed["items"] for i in ids_and_links(item["content_html"])[0]]
    assert sorted(ids) == ["ketapub-one.faq", "ketapub-one.fn.1", "ketapub-one.fnref.1",
                           "ketapub-two.faq", "ketapub-two.fn.1", "ketapub-two.fnref.1"]


def test_json_feed_items_carry_the_reference_list_their_citations_link_to(sink_series):
    feed = json.loads(render(sink_series, "jsonfeed", SINK_AS_OF))
    html = next(i["content_html"] for i in feed["items"] if i["url"].endswith("/everything/"))
    assert '<li id="ketapub-everything.ref.knuth1984">Knuth DE.' in html
    assert html.count('href="#ketapub-everything.ref.knuth1984"') == 2
    assert html.index('class="references"') < html.index('class="disclaimer"')


def test_json_feed_attachments_are_the_rss_and_atom_enclosures(sink_build: Path):
    feed = check_json_feed((sink_build / "feed/feed.json").read_bytes(),
                           "https://example.org/sink/feed/feed.json")
    check_rss((sink_build / "feed/rss.xml").read_bytes(), "https://example.org/sink/feed/rss.xml")
    check_atom((sink_build / "feed/atom.xml").read_bytes(),
               "https://example.org/sink/feed/atom.xml")
    rss = {i.findtext("guid"): i.find("enclosure")
           for i in xml((sink_build / "feed/rss.xml").read_bytes()).iter("item")}
    atom = {e.id: e.enclosures for e in
            feedparser.parse((sink_build / "feed/atom.xml").read_bytes()).entries}
    assert len(feed["items"]) == len(rss) == 2
    for item in feed["items"]:
        (att,) = item["attachments"]
        enc = rss[item["id"]]
        assert (att["url"], att["size_in_bytes"], att["mime_type"]) == \
            (enc.get("url"), int(enc.get("length")), enc.get("type"))
        (aenc,) = atom[item["id"]]
        assert (aenc.href, int(aenc.length), aenc.type) == \
            (att["url"], att["size_in_bytes"], att["mime_type"])
        path = sink_build / att["url"].removeprefix("https://example.org/sink/")
        assert path.read_bytes().startswith(b"%PDF-")
        assert path.stat().st_size == att["size_in_bytes"]
        assert att["title"] == item["title"] + " (PDF)"


def test_json_feed_attachment_follows_a_rebuilt_handout(tmp_path, sink_copy):
    """The feed depends on the handouts: an edit that changes a PDF's size re-renders the
    feed in an incremental build, so the size it states stays true."""
    out = tmp_path / "out"
    formats = ["pdf", "jsonfeed"]
    assert ketapub.build(sink_copy, out, formats=formats, as_of=SINK_AS_OF).ok
    part = next(p for p in (sink_copy / "parts").iterdir() if "second" in p.name)
    part.write_text(part.read_text() + "\nA new closing paragraph, long enough to show.\n")
    assert ketapub.build(sink_copy, out, formats=formats, as_of=SINK_AS_OF).ok
    feed = json.loads((out / "feed/feed.json").read_text())
    for item in feed["items"]:
        (att,) = item["attachments"]
        path = out / att["url"].removeprefix("https://example.org/sink/")
        assert path.stat().st_size == att["size_in_bytes"]
