"""WebSub publishing for ``serve``: tell the hub when the feeds change, at each release.

A hub (W3C WebSub) fetches a feed when the publisher pings it and pushes the new items to
every subscriber at once (Google News and Feedly poll a feed that pings nowhere within the
hour). The feeds change at each release instant, with no build and no request, so the
server pings from its own clock: ``Pinger.tick()``, called about once a second by
``Pinger.run()``, posts ``hub.mode=publish`` and ``hub.url=<feed URL>`` once per feed for
every release instant that came since the last tick. An instant that had already come when
the server started is not pinged again (the hub heard of it then, or fetched since).
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TextIO

from ketapub import schedule
from ketapub.model import Series
from ketapub.terminal import visible

Post = Callable[[str, bytes], int]
"""Sends a form body to a URL and returns the HTTP status."""

FEED_RENDERERS = ("rss", "atom", "jsonfeed")
"""The renderers whose live files are feeds a hub can fetch."""

TIMEOUT = 10.0
"""Seconds a ping may take; a hub that does not answer is reported, never waited for long."""


def http_post(url: str, body: bytes) -> int:
    """POST ``body`` as an HTML form to ``url``.

    Args:
        url: the hub's URL.
        body: the form, URL-encoded.

    Returns:
        The HTTP status.

    Raises:
        OSError: the hub could not be reached.
    """
    request = urllib.request.Request(
        url, data=body, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def ping_body(feed_url: str) -> bytes:
    """The form a publisher sends to a WebSub hub.

    WebSub section 7 leaves it to the hub; this is the widely used ``hub.mode=publish`` form of
    PubSubHubbub 0.4.

    Args:
        feed_url: the public URL of the feed that changed.
    """
    return urllib.parse.urlencode({"hub.mode": "publish", "hub.url": feed_url}).encode()


class Pinger:
    """Pings ``hub`` for each feed URL at each release instant of the series, by ``clock``.

    Args:
        hub: the hub's URL.
        series: returns the series as now loaded (its release instants may change).
        feeds: returns the public URLs of the feeds to ping for.
        clock: the server's clock (injected in tests).
        post: sends a ping (default: an HTTP POST).
        log: where sent pings and failures are reported; None: nowhere.
    """

    def __init__(self, hub: str, series: Callable[[], Series],
                 feeds: Callable[[], Sequence[str]], clock: Callable[[], datetime],
                 post: Post = http_post, log: TextIO | None = None):
        if not hub.startswith(("https://", "http://")):  # never a file: or ftp: URL
            raise ValueError(f"WebSub hub {hub!r} is not an http(s) URL")
        self.hub, self.series, self.feeds, self.clock = hub, series, feeds, clock
        self.post, self.log = post, log
        self.last = clock()
        """The instant of the last tick: releases up to it have been dealt with."""
        self.sent: list[tuple[datetime, str, int | None]] = []
        """(release instant, feed URL, hub status or None on failure) of every ping."""
        self._lock = threading.Lock()

    def due(self, now: datetime) -> list[datetime]:
        """Instants the feeds change at, since the last tick, earliest first.

        Releases, expiries and withdrawals, updates and corrections
        (``ketapub.schedule.instants()``), after the last tick and up to ``now``.

        Args:
            now: the instant of this tick (aware).
        """
        return [d for d in schedule.instants(self.series()) if self.last < d <= now]

    def tick(self) -> int:
        """Ping for every release instant that came since the last tick; how many pings."""
        with self._lock:
            now = self.clock()
            instants = self.due(now)
            self.last = max(self.last, now)
            if not instants:
                return 0
            urls = sorted(set(self.feeds()))
            for url in urls:  # one ping per feed, even if two releases came in one tick
                status: int | None
                try:
                    status = self.post(self.hub, ping_body(url))
                except (OSError, ValueError) as exc:
                    status = None
                    self._say(f"ketapub serve: WebSub ping for {url} to {self.hub} failed: "
                              f"{exc}")
                else:
                    self._say(f"ketapub serve: WebSub hub {self.hub} pinged for {url} "
                              f"({status})")
                self.sent.append((instants[-1], url, status))
            return len(urls)

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Tick every ``interval`` seconds until ``stop`` is set.

        Args:
            stop: set to end the loop.
            interval: seconds between ticks; default 1.0.
        """
        while not stop.wait(interval):
            self.tick()

    def start(self, interval: float = 1.0) -> Callable[[], None]:
        """Run in a daemon thread.

        Args:
            interval: seconds between ticks; default 1.0.

        Returns:
            What stops it.
        """
        stop = threading.Event()
        thread = threading.Thread(target=self.run, args=(stop, interval),
                                  name="ketapub-websub", daemon=True)
        thread.start()

        def halt() -> None:
            stop.set()
            thread.join()
        return halt

    def _say(self, text: str) -> None:
        if self.log is not None:
            self.log.write(visible(text) + "\n")
            self.log.flush()
