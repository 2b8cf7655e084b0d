"""RSS 2.0 and Atom feeds: release instants, dates, ids, content, enclosures, validity.

The validity checks are the rules the W3C feed validator applies (required elements, RFC 822
dates in RSS, RFC 3339 dates in Atom, unique ids, a self link, no relative URLs in content),
written out here, plus feedparser as a real client (bozo must be 0).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import html5lib
import icalendar
import pytest
from lxml import etree

import ketapub
from tests.conftest import CONTENT_AS_OF, SINK, SINK_AS_OF
from tests.helpers import make_source, part

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep"
                    r"|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|[+-]\d{4})$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# Part 5 of the example series: 2025-09-08 09:00 in New York, 13:00 UTC.
PART5 = datetime(2025, 9, 8, 13, 0, tzinfo=UTC)


def render(source: object, name: str, as_of: object) -> bytes:
    (data,) = ketapub.render(source, name, as_of=as_of).values()
    return data


def xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def rss_ids(data: bytes) -> list[str]:
    return [g.text for g in xml(data).iter("guid")]


def atom_ids(data: bytes) -> list[str]:
    return [e.findtext(f"{ATOM}id") for e in xml(data).iter(f"{ATOM}entry")]


def json_ids(data: bytes) -> list[str]:
    return [i["id"] for i in json.loads(data)["items"]]


IDS = {"rss": rss_ids, "atom": atom_ids, "jsonfeed": json_ids}


def urls_in_html(fragment: str) -> list[str]:
    doc = html5lib.parseFragment(fragment, namespaceHTMLElements=False)
    return [el.get(attr) for el in doc.iter() for attr in ("href", "src", "cite")
            if isinstance(el.tag, str) and el.get(attr) is not None]


def check_rss(data: bytes, self_url: str) -> None:
    """The RSS 2.0 rules the W3C validator checks."""
    root = xml(data)
    assert root.tag == "rss" and root.get("version") == "2.0"
    (channel,) = root.findall("channel")
    for required in ("title", "link", "description"):
        assert (channel.findtext(required) or "").strip(), f"channel <{required}> missing"
    assert urlsplit(channel.findtext("link")).scheme == "https"
    selfs = [a for a in channel.findall(f"{ATOM}link") if a.get("rel") == "self"]
    assert len(selfs) == 1 and selfs[0].get("href") == self_url
    assert selfs[0].get("type") == "application/rss+xml"
    for date_el in ("lastBuildDate", "pubDate"):
        for el in channel.findall(date_el):
            assert RFC822.match(el.text), el.text
            parsedate_to_datetime(el.text)
    guids = []
    for item in channel.findall("item"):
        assert item.findtext("title") or item.findtext("description")
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "true"
        assert urlsplit(guid.text).scheme == "https", "a permalink guid must be a full URL"
        guids.append(guid.text)
        assert item.findtext("link") == guid.text
        assert RFC822.match(item.findtext("pubDate"))
        assert item.findall("author") == [], "RSS <author> must be an e-mail address"
        encl = item.findall("enclosure")
        assert len(encl) <= 1, "RSS allows one enclosure per item"
        for e in encl:
            assert e.get("url").startswith("https://") and e.get("length").isdigit()
            assert e.get("type") == "application/pdf"
        for field in ("description", f"{CONTENT_NS}encoded"):
            for url in urls_in_html(item.findtext(field) or ""):
                assert urlsplit(url).scheme in ("http", "https", "mailto", "tel"), url
    assert len(guids) == len(set(guids)), "guids must be unique"


def check_atom(data: bytes, self_url: str) -> None:
    """The Atom 1.0 (RFC 4287) rules the W3C validator checks."""
    root = xml(data)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{required}") or "").strip(), f"feed <{required}> missing"
    assert RFC3339.match(root.findtext(f"{ATOM}updated"))
    selfs = [a for a in root.findall(f"{ATOM}link") if a.get("rel") == "self"]
    assert len(selfs) == 1 and selfs[0].get("href") == self_url
    feed_authors = root.findall(f"{ATOM}author")
    ids = []
    for entry in root.findall(f"{ATOM}entry"):
        eid = entry.findtext(f"{ATOM}id")
        assert urlsplit(eid).scheme == "https"
        ids.append(eid)
        assert entry.findtext(f"{ATOM}title")
        for d in ("updated", "published"):
            assert RFC3339.match(entry.findtext(f"{ATOM}{d}")), d
        assert feed_authors or entry.findall(f"{ATOM}author")
        alternates = [ln for ln in entry.findall(f"{ATOM}link")
                      if ln.get("rel", "alternate") == "alternate"]
        assert len(alternates) == 1 and alternates[0].get("href") == eid
        for ln in entry.findall(f"{ATOM}link"):
            if ln.get("rel") == "enclosure":
                assert ln.get("length").isdigit() and ln.get("type") == "application/pdf"
        content = entry.find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html"
        for url in urls_in_html(content.text):
            assert urlsplit(url).scheme in ("http", "https", "mailto", "tel"), url
    assert len(ids) == len(set(ids)), "entry ids must be unique"


def parse_ok(data: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


# --- the schedule ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rss", "atom", "jsonfeed"])
@pytest.mark.parametrize("offset", [timedelta(seconds=-1), timedelta(0), timedelta(seconds=1)],
                         ids=["one-second-before", "at", "one-second-after"])
def test_part_appears_exactly_at_its_release_instant(content_series, name, offset):
    url = content_series.part_url(content_series.get_part(5))
    ids = IDS[name](render(content_series, name, PART5 + offset))
    assert (url in ids) is (offset >= timedelta(0))
    assert len(ids) == (5 if offset >= timedelta(0) else 4)


@pytest.mark.parametrize("as_of, released", [
    ("2025-09-08T08:59:59", False),          # naive: the series zone (New York, EDT)
    ("2025-09-08T09:00:00", True),
    ("2025-09-08T12:59:59Z", False),
    ("2025-09-08T13:00:00+00:00", True),
    ("2025-09-08T14:59:59+02:00", False),    # Paris wall clock one second before
    ("2025-09-08T22:00:00+09:00", True),     # Tokyo, same instant
])
def test_release_is_an_instant_whatever_the_zone_of_as_of(content_series, as_of, released):
    url = content_series.part_url(content_series.get_part(5))
    assert (url in rss_ids(render(content_series, "rss", as_of))) is released
    assert (url in atom_ids(render(content_series, "atom", as_of))) is released


def test_dates_follow_the_series_zone_across_daylight_saving(tmp_path):
    # Europe/London: 09:00 is 09:00 UTC in winter (GMT) and 08:00 UTC in summer (BST).
    series_yaml = (SINK / "series.yaml").read_text("utf-8")
    src = make_source(tmp_path / "src", series=series_yaml, parts={
        "01.md": part(1, "winter", publish_at="2025-01-15T09:00:00"),
        "02.md": part(2, "summer", publish_at="2025-07-15T09:00:00"),
    })
    rss = xml(render(src, "rss", "2025-08-01"))
    dates = {i.findtext("link"): i.findtext("pubDate") for i in rss.iter("item")}
    assert dates["https://example.org/sink/winter/"] == "Wed, 15 Jan 2025 09:00:00 +0000"
    assert dates["https://example.org/sink/summer/"] == "Tue, 15 Jul 2025 08:00:00 +0000"
    atom = xml(render(src, "atom", "2025-08-01"))
    published = [e.findtext(f"{ATOM}published") for e in atom.iter(f"{ATOM}entry")]
    assert published == ["2025-07-15T08:00:00+00:00", "2025-01-15T09:00:00+00:00"]
    # 08:59:59 BST is 07:59:59 UTC: the summer part is not out yet.
    assert len(rss_ids(render(src, "rss", "2025-07-15T08:59:59+01:00"))) == 1


def test_newest_first_and_only_released_parts(content_series):
    data = render(content_series, "rss", CONTENT_AS_OF)
    expected = [content_series.part_url(content_series.get_part(n)) for n in (4, 3, 2, 1)]
    assert rss_ids(data) == expected
    assert atom_ids(render(content_series, "atom", CONTENT_AS_OF)) == expected
    assert json_ids(render(content_series, "jsonfeed", CONTENT_AS_OF)) == expected


def test_unreleased_content_is_in_no_feed(sink_series):
    for name in ("rss", "atom"):
        data = render(sink_series, name, SINK_AS_OF)
        assert b"SECRET-UNRELEASED-TEXT" not in data
        assert b"Future part" not in data
        assert b"future-part" not in data


def test_feed_before_the_first_release_is_empty_valid_and_dated_from_nothing(sink_series):
    rss = render(sink_series, "rss", "2024-01-01")
    atom = render(sink_series, "atom", "2024-01-01")
    assert rss_ids(rss) == [] and atom_ids(atom) == []
    assert xml(rss).find("channel/lastBuildDate") is None  # no content date: none invented
    assert xml(atom).findtext(f"{ATOM}updated") == "1970-01-01T00:00:00+00:00"
    check_rss(rss, "https://example.org/sink/feed/rss.xml")
    check_atom(atom, "https://example.org/sink/feed/atom.xml")
    parse_ok(rss)
    parse_ok(atom)


# --- dates from content --------------------------------------------------------------------


def test_atom_updated_is_updated_at_else_publish_at(sink_series):
    root = xml(render(sink_series, "atom", SINK_AS_OF))
    entries = {e.findtext(f"{ATOM}id"): e for e in root.iter(f"{ATOM}entry")}
    first = entries["https://example.org/sink/everything/"]
    assert first.findtext(f"{ATOM}published") == "2025-01-10T00:00:00+00:00"
    assert first.findtext(f"{ATOM}updated") == "2025-01-12T10:30:00+00:00"
    second = entries["https://example.org/sink/second-part/"]
    assert second.findtext(f"{ATOM}updated") == second.findtext(f"{ATOM}published") \
        == "2025-02-10T09:00:00+00:00"
    rss = xml(render(sink_series, "rss", SINK_AS_OF))
    pub = {i.findtext("guid"): i.findtext("pubDate") for i in rss.iter("item")}
    assert pub["https://example.org/sink/everything/"] == "Fri, 10 Jan 2025 00:00:00 +0000"


def test_last_build_date_comes_from_content_not_the_clock(content_series, sink_series):
    rss = xml(render(content_series, "rss", CONTENT_AS_OF))
    # Newest released date: Part 4, 2025-09-01 09:00 New York.
    assert rss.findtext("channel/lastBuildDate") == "Mon, 01 Sep 2025 13:00:00 +0000"
    atom = xml(render(content_series, "atom", CONTENT_AS_OF))
    assert atom.findtext(f"{ATOM}updated") == "2025-09-01T13:00:00+00:00"
    # The sink's newest date is an updated_at-free publish_at; a later as_of in the same
    # release state gives the very same bytes.
    for name in ("rss", "atom"):
        assert render(sink_series, name, "2025-03-01") == render(sink_series, name, SINK_AS_OF)
        assert b"1970" not in render(sink_series, name, SINK_AS_OF)


def test_updated_at_moves_the_channel_date(tmp_path):
    src = make_source(tmp_path / "src", parts={
        "01.md": part(1, "one", publish_at="2025-01-01T09:00:00",
                      extra='updated_at: "2025-03-01T10:00:00-05:00"\n'),
        "02.md": part(2, "two", publish_at="2025-02-01T09:00:00"),
    })
    rss = xml(render(src, "rss", "2025-04-01"))
    assert rss.findtext("channel/lastBuildDate") == "Sat, 01 Mar 2025 15:00:00 +0000"
    # Item order stays by publish date even though part 1 was updated later.
    assert rss_ids(etree.tostring(rss)) == ["https://example.org/s/two/",
                                            "https://example.org/s/one/"]


# --- ids, links, content ----------------------------------------------------------------


def test_ids_are_part_urls_stable_across_builds_and_time(content_series, tmp_path):
    early = ketapub.build(content_series, tmp_path / "a", formats=["rss", "atom"],
                          as_of="2025-08-20")
    late = ketapub.build(content_series, tmp_path / "b", formats=["rss", "atom"],
                         as_of="2025-12-31")
    assert early.ok and late.ok
    for name, ids in (("rss.xml", rss_ids), ("atom.xml", atom_ids)):
        a = ids((tmp_path / "a" / "feed" / name).read_bytes())
        b = ids((tmp_path / "b" / "feed" / name).read_bytes())
        assert a == [content_series.part_url(content_series.get_part(n)) for n in (2, 1)]
        assert b[-2:] == a and len(b) == 6
    again = ketapub.build(content_series, tmp_path / "a", formats=["rss", "atom"],
                          as_of="2025-08-20", force=True)
    assert again.ok
    assert rss_ids((tmp_path / "a/feed/rss.xml").read_bytes()) == \
        rss_ids((tmp_path / "b/feed/rss.xml").read_bytes())[-2:]


def test_content_urls_are_absolute_and_footnotes_point_at_the_part(sink_series):
    root = xml(render(sink_series, "rss", SINK_AS_OF))
    items = {i.findtext("guid"): i.findtext(f"{CONTENT_NS}encoded") for i in root.iter("item")}
    html = items["https://example.org/sink/everything/"]
    urls = urls_in_html(html)
    assert urls and all(urlsplit(u).scheme in ("https", "http") for u in urls)
    own = "https://example.org/sink/everything/#ketapub-everything."
    assert own + "fn.1" in urls                                        # footnote ref
    assert own + "fnref.1" in urls                                     # its back link
    assert own + "ref.knuth1984" in urls                               # citation
    assert own + "dosing" in urls                                      # [back](#dosing)
    assert "https://example.org/sink/second-part/#details" in urls     # part: link
    assert "https://example.org/sink/assets/diagram.svg" in urls       # image
    assert 'id="ketapub-everything.ref.knuth1984"' in html             # the reference list
    assert "Available 1 Jan 2030" in html                              # unreleased target


def test_every_item_has_summary_disclaimer_categories_and_authors(sink_series):
    root = xml(render(sink_series, "rss", SINK_AS_OF))
    for item in root.iter("item"):
        assert "Educational only" in item.findtext(f"{CONTENT_NS}encoded")
        assert [c.text for c in item.findall(f"{DC}creator")] == ["Ada Lovelace", "Grace Hopper"]
    first = root.find("channel/item[guid='https://example.org/sink/everything/']")
    assert [c.text for c in first.findall("category")] == ["testing", "unicode ü"]
    assert first.findtext("description") == sink_series.get_part(1).summary
    atom = parse_ok(render(sink_series, "atom", SINK_AS_OF))
    entry = next(e for e in atom.entries if e.id.endswith("/everything/"))
    assert [t.term for t in entry.tags] == ["testing", "unicode ü"]
    assert [a.name for a in entry.authors] == ["Ada Lovelace", "Grace Hopper"]
    assert entry.summary == sink_series.get_part(1).summary


def test_channel_image_from_the_cover(tmp_path):
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
           b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe"
           b"\xa7V\x98\xf5\x00\x00\x00\x00IEND\xaeB`\x82")
    from tests.helpers import SERIES

    src = make_source(tmp_path / "src", series=SERIES + "cover: cover.png\n",
                      files={"cover.png": png})
    rss = xml(render(src, "rss", "2025-02-01"))
    assert rss.findtext("channel/image/url") == "https://example.org/s/cover.png"
    assert rss.findtext("channel/image/title") == rss.findtext("channel/title")
    assert rss.findtext("channel/image/link") == rss.findtext("channel/link")
    atom = xml(render(src, "atom", "2025-02-01"))
    assert atom.findtext(f"{ATOM}logo") == "https://example.org/s/cover.png"
    check_rss(etree.tostring(rss), "https://example.org/s/feed/rss.xml")


# --- enclosures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_build(sink_build) -> Path:
    """The kitchen sink's handouts and feeds, from the run's shared full build."""
    return sink_build


def test_enclosures_are_the_handouts_with_their_true_length(pdf_build):
    rss = xml((pdf_build / "feed/rss.xml").read_bytes())
    items = list(rss.iter("item"))
    assert len(items) == 2
    for item in items:
        (enc,) = item.findall("enclosure")
        rel = enc.get("url").removeprefix("https://example.org/sink/")
        assert rel.startswith("pdf/") and rel.endswith(".pdf")
        data = (pdf_build / rel).read_bytes()
        assert data.startswith(b"%PDF-")
        assert int(enc.get("length")) == len(data)
        assert enc.get("type") == "application/pdf"
    atom = parse_ok((pdf_build / "feed/atom.xml").read_bytes())
    for entry in atom.entries:
        (enc,) = entry.enclosures
        rel = enc.href.removeprefix("https://example.org/sink/")
        assert int(enc.length) == (pdf_build / rel).stat().st_size
        assert enc.type == "application/pdf"
    check_rss((pdf_build / "feed/rss.xml").read_bytes(), "https://example.org/sink/feed/rss.xml")
    check_atom((pdf_build / "feed/atom.xml").read_bytes(),
               "https://example.org/sink/feed/atom.xml")


def test_no_enclosure_when_handouts_are_not_built_in_the_same_run(sink_series):
    assert b"enclosure" not in render(sink_series, "rss", SINK_AS_OF)
    assert b"enclosure" not in render(sink_series, "atom", SINK_AS_OF)


# --- validity ------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["content", "sink"])
def test_feeds_follow_the_validator_rules_and_parse_cleanly(which, content_series, sink_series):
    series, as_of = ((content_series, CONTENT_AS_OF) if which == "content"
                     else (sink_series, SINK_AS_OF))
    rss = render(series, "rss", as_of)
    atom = render(series, "atom", as_of)
    check_rss(rss, series.base_url + "feed/rss.xml")
    check_atom(atom, series.base_url + "feed/atom.xml")
    for data in (rss, atom):
        parsed = parse_ok(data)
        assert parsed.feed.title == series.title
        assert len(parsed.entries) == len([p for p in series.parts
                                           if p.publish_at <= ketapub.resolve_as_of(as_of)])
        for entry in parsed.entries:
            assert entry.published_parsed is not None
            assert entry.link == entry.id


HOSTILE_SERIES = """\
title: "Evil <b>bold</b> & ]]> \\x01\\x0b\\x7f\\x85 end"
description: "Desc with ]]> & <tags> and \\x1b escape"
language: en
base_url: "https://example.org/evil/"
publisher: "P & <Q>"
authors:
  - name: "A ]]> <W>\\x08"
license: "<MIT> & ]]>"
disclaimer: "Not advice ]]> & <script>alert(1)</script> \\x02"
"""


def test_hostile_titles_stay_well_formed(tmp_path):
    bad = ('---\ntitle: "Second ]]> <![CDATA[ x ]]> & \\x02 \\u0000 < part"\npart: 1\n'
           'slug: one\nsummary: "Sum ]]> & <i> \\x1f"\npublish_at: 2025-01-01\n'
           'tags: [ok, "bad\\x07tag", "]]>"]\n---\n'
           "Body with ]]> and <![CDATA[ inside ]]> text, \x01 a control char, & an <b>amp.\n")
    src = make_source(tmp_path / "src", series=HOSTILE_SERIES, parts={"01.md": bad})
    for name in ("rss", "atom", "ics"):
        data = render(src, name, "2025-06-01")
        assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", data), name
    rss = render(src, "rss", "2025-06-01")
    atom = render(src, "atom", "2025-06-01")
    check_rss(rss, "https://example.org/evil/feed/rss.xml")
    check_atom(atom, "https://example.org/evil/feed/atom.xml")
    for data in (rss, atom):
        xml(data)  # well-formed
        parsed = parse_ok(data)
        assert parsed.feed.title == "Evil <b>bold</b> & ]]> end"  # one line: spaces collapsed
        (entry,) = parsed.entries
        assert entry.title == "Second ]]> <![CDATA[ x ]]> & < part"
        assert [t.term for t in entry.tags] == ["ok", "badtag", "]]>"]
        body = entry.content[0].value
        assert "<script>" not in body and "Body with ]]&gt; and" in body
    assert "Second ]]> <![CDATA[ x ]]> & < part" in \
        xml(rss).findtext("channel/item/title")


def test_json_feed_agrees_with_rss_and_atom(content_series):
    data = json.loads(render(content_series, "jsonfeed", CONTENT_AS_OF))
    atom = parse_ok(render(content_series, "atom", CONTENT_AS_OF))
    assert [i["id"] for i in data["items"]] == [e.id for e in atom.entries]
    for item, entry in zip(data["items"], atom.entries, strict=True):
        assert item["title"] == entry.title
        assert datetime.fromisoformat(item["date_published"]) == \
            datetime.fromisoformat(entry.published)
        assert datetime.fromisoformat(item["date_modified"]) == \
            datetime.fromisoformat(entry.updated)
        assert item["tags"] == [t.term for t in entry.tags]


def test_user_template_changes_item_content(tmp_path, sink_series):
    folder = tmp_path / "tpl" / "feed"
    folder.mkdir(parents=True)
    (folder / "item.html").write_text(
        '<p class="lead">{{ part.summary }}</p>{{ body }}<a href="more/">more</a>', "utf-8")
    data = ketapub.render(sink_series, "rss", as_of=SINK_AS_OF, templates=[str(tmp_path / "tpl")])
    (rss,) = data.values()
    html = xml(rss).findtext("channel/item/{http://purl.org/rss/1.0/modules/content/}encoded")
    assert html.startswith('<p class="lead">The second part, released.</p>')
    # Even a template's relative link comes out absolute.
    assert 'href="https://example.org/sink/second-part/more/"' in html



def test_control_characters_are_stripped_even_past_the_loader(sink_series):
    # The loader already strips controls; a series built in code (the API) may still carry
    # them, and lxml would refuse to write them: the feeds strip them themselves.
    first = sink_series.parts[0].model_copy(update={
        "title": "Bad\x01 \x0b<title> ]]>\x7f", "tags": ("ok\x02", "\x1b"),
        "summary": "Sum\x00mary"})
    series = sink_series.model_copy(update={
        "title": "Series\x08 & ]]>", "parts": (first, *sink_series.parts[1:])})
    for name in ("rss", "atom"):
        data = render(series, name, SINK_AS_OF)
        assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", data)
        parsed = parse_ok(data)
        assert parsed.feed.title == "Series & ]]>"
        entry = next(e for e in parsed.entries if e.id.endswith("/everything/"))
        assert entry.title == "Bad <title> ]]>"
        assert [t.term for t in entry.tags] == ["ok"]
        assert entry.summary == "Summary"
    events = icalendar.Calendar.from_ical(render(series, "ics", SINK_AS_OF)).walk("VEVENT")
    assert "Bad <title> ]]>" in [str(e["SUMMARY"]) for e in events]


@pytest.mark.parametrize("name", ["rss", "atom", "jsonfeed"])
def test_note_markers_are_raised_numbers_and_citations_stay_bracketed(sink_series, name):
    data = render(sink_series, name, SINK_AS_OF).decode()
    if name == "jsonfeed":
        data = "".join(item["content_html"] for item in json.loads(data)["items"])
    else:
        data = "".join(etree.fromstring(data.encode()).xpath(
            "//*[local-name()='encoded' or local-name()='content']/text()"))
    para = re.search(r"A citation .*?A footnote<sup.*?</sup>\.", data)[0]
    assert re.sub(r"<[^>]*>", "", para) == "A citation [1] and two at once [1, 2]. A footnote1."
    assert re.search(r'<sup class="footnote-ref"><a [^>]*aria-label="Note 1">1</a></sup>', para)
    assert para.count('aria-label="Reference ') == 3
