"""WebSub: the hub and self links of RSS and Atom (a feedgen extension), and the pings of
``serve`` at each release instant, by an injected clock, to a hub on loopback."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from click.testing import CliRunner
from feedgen.feed import FeedGenerator
from lxml import etree

import ketapub
from ketapub.cli import main
from ketapub.websub import Pinger
from tests.conftest import CONTENT, CONTENT_AS_OF
from tests.test_feeds import check_atom, check_rss
from tests.test_release_instant import Hub
from tests.test_serve import Clock

HUB = "https://hub.example.org/websub"
ATOM = "{http://www.w3.org/2005/Atom}"
PART5 = datetime(2025, 9, 8, 13, 0, tzinfo=UTC)
PART6 = datetime(2025, 9, 15, 13, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture(scope="module")
def feeds(content_series: ketapub.Series) -> dict[str, dict[str, bytes]]:
    with_hub = content_series.model_copy(update={"websub_hub": HUB})
    return {name: ketapub.render(series, "rss,atom,jsonfeed", as_of=CONTENT_AS_OF)
            for name, series in (("hub", with_hub), ("none", content_series))}


def links(parent: etree._Element) -> list[tuple[str | None, str | None]]:
    return [(el.get("rel"), el.get("href")) for el in parent.findall(f"{ATOM}link")]


def test_rss_names_its_hub_right_after_itself(feeds) -> None:
    data = feeds["hub"]["feed/rss.xml"]
    channel = etree.fromstring(data).find("channel")
    self_url = "https://learn.example.org/ketamine/feed/rss.xml"
    assert links(channel) == [("self", self_url), ("hub", HUB)]
    check_rss(data, self_url)  # still valid RSS 2.0 by the W3C validator's rules
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    assert {(ln["rel"], ln["href"]) for ln in parsed.feed.links} >= {("hub", HUB),
                                                                     ("self", self_url)}


def test_atom_names_its_hub_right_after_itself(feeds) -> None:
    data = feeds["hub"]["feed/atom.xml"]
    root = etree.fromstring(data)
    self_url = "https://learn.example.org/ketamine/feed/atom.xml"
    assert links(root)[:2] == [("self", self_url), ("hub", HUB)]
    assert [rel for rel, _ in links(root)].count("hub") == 1
    check_atom(data, self_url)
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    assert ("hub", HUB) in {(ln["rel"], ln["href"]) for ln in parsed.feed.links}


def test_without_a_hub_the_feeds_are_as_before(feeds) -> None:
    for path in ("feed/rss.xml", "feed/atom.xml"):
        assert b'rel="hub"' not in feeds["none"][path]
        assert feeds["none"][path] == feeds["hub"][path].replace(
            f'<atom:link href="{HUB}" rel="hub"/>\n    '.encode(), b"").replace(
            f'<link href="{HUB}" rel="hub"/>\n  '.encode(), b"")
    assert feeds["none"]["feed/feed.json"] == feeds["hub"]["feed/feed.json"]


def test_the_extension_refuses_a_hub_that_is_no_web_address() -> None:
    from ketapub.renderers.feeds_websub import add_hub

    with pytest.raises(ValueError, match="not an http"):
        add_hub(FeedGenerator(), "file:///etc/passwd")


def test_a_series_hub_must_be_a_web_address(content_copy) -> None:
    with (content_copy / "series.yaml").open("a", encoding="utf-8") as f:
        f.write("websub_hub: ftp://hub.example.org/\n")
    with pytest.raises(ketapub.SourceError) as caught:
        ketapub.load(content_copy)
    (problem,) = caught.value.diagnostics
    assert problem.path.endswith("series.yaml") and problem.line > 1
    assert "websub_hub" in problem.message or "http(s)" in problem.message


def test_pings_one_per_feed_at_each_release_never_before_never_twice(content_series) -> None:
    clock = Clock(PART5 - SECOND)
    feeds = ["https://learn.example.org/ketamine/feed/atom.xml",
             "https://learn.example.org/ketamine/feed/rss.xml"]
    log = io.StringIO()
    with Hub() as hub:
        pinger = Pinger(hub.url, lambda: content_series, lambda: feeds, clock, log=log)
        assert pinger.tick() == 0 and hub.pings == []
        clock.now = PART5 - timedelta(microseconds=1)
        assert pinger.tick() == 0 and hub.pings == []
        clock.now = PART5
        assert pinger.tick() == 2
        assert [p["hub.url"] for p in hub.pings] == [[feeds[0]], [feeds[1]]]
        assert all(p["hub.mode"] == ["publish"] for p in hub.pings)
        assert pinger.tick() == 0  # the same release: no second ping
        clock.now = PART6 + 10 * SECOND  # the server was asleep past a release: one round
        assert pinger.tick() == 2 and len(hub.pings) == 4
    assert log.getvalue().count("pinged for") == 4


def test_a_release_already_out_when_the_server_starts_is_not_pinged(content_series) -> None:
    with Hub() as hub:
        pinger = Pinger(hub.url, lambda: content_series, lambda: ["https://x.example/f"],
                        Clock(PART6 + SECOND))
        assert pinger.tick() == 0 and hub.pings == []


def test_a_hub_that_cannot_be_reached_is_reported_and_serving_goes_on(content_series) -> None:
    with Hub() as hub:
        url = hub.url
    log = io.StringIO()  # the hub is gone: its port refuses connections
    clock = Clock(PART5 - SECOND)
    pinger = Pinger(url, lambda: content_series, lambda: ["https://x.example/f"], clock,
                    log=log)
    clock.now = PART5
    assert pinger.tick() == 1
    assert pinger.sent == [(PART5, "https://x.example/f", None)]
    assert "failed" in log.getvalue()


def test_pinger_refuses_a_hub_that_is_no_web_address(content_series) -> None:
    with pytest.raises(ValueError, match="not an http"):
        Pinger("ftp://hub.example.org/", lambda: content_series, list, Clock(PART5))


def test_serve_refuses_a_websub_hub_that_is_no_web_address(tmp_path) -> None:
    result = CliRunner().invoke(main, ["serve", str(CONTENT), "-o", str(tmp_path / "out"),
                                       "--websub-hub", "file:///etc/passwd"])
    assert result.exit_code == 2
    assert "--websub-hub" in result.output and "Traceback" not in result.output
