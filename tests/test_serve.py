"""The live feed server: a real waitress server on loopback and a real HTTP client.

The clock is injected, so each test can stand one second before a release, at it, or after.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from types import SimpleNamespace

import feedparser
import pytest
import waitress
from lxml import etree

import ketapub
from ketapub import Artifact, Job, RenderContext, Renderer, Series
from tests.conftest import CONTENT, CONTENT_AS_OF

PART5 = datetime(2025, 9, 8, 13, 0, tzinfo=UTC)   # 09:00 New York
PART6 = datetime(2025, 9, 15, 13, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
BUILT_AS_OF = "2025-09-20T00:00:00Z"               # the output was built ahead of the clock
LIVE_TYPES = {
    "/feed/rss.xml": "application/rss+xml; charset=utf-8",
    "/feed/atom.xml": "application/atom+xml; charset=utf-8",
    "/feed/feed.json": "application/feed+json; charset=utf-8",
    "/feed/schedule.ics": "text/calendar; charset=utf-8",
}


class HandoutStub(Renderer):
    """A tiny third-party-style renderer that makes the PDF paths quickly (the server is
    under test here, not WeasyPrint): a handout per released part and a booklet."""

    name = "pdf"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        jobs = [self.job(f"pdf/{p.number}-{p.slug}.pdf", part=p.part, parts=(p.part,))
                for p in ctx.released]
        return [*jobs, self.job("pdf/booklet.pdf")]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        body = f"%PDF-1.7\n% {job.path}\n".encode() + b"x" * (100 * (job.part or 7))
        return Artifact(job.path, body, "application/pdf", self.name)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def registry() -> ketapub.Registry:
    reg = ketapub.Registry.from_entry_points()
    reg.register(HandoutStub, override=True)
    return reg


@pytest.fixture(scope="module")
def site(tmp_path_factory, registry, content_series) -> Path:
    root = tmp_path_factory.mktemp("site")
    (root / "secret.txt").write_text("TOP-SECRET-OUTSIDE", "utf-8")
    out = root / "out"
    result = ketapub.build(content_series, out, formats=["pdf", "rss", "atom", "jsonfeed", "ics"],
                           as_of=BUILT_AS_OF, registry=registry)
    assert result.ok
    return out


@contextlib.contextmanager
def running(app: object) -> Iterator[int]:
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    stop = threading.Event()

    def loop() -> None:  # server.run() without end; this one stops between two polls
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        stop.set()
        thread.join(timeout=10)
        server.close()
        server.task_dispatcher.shutdown()


@pytest.fixture(scope="module")
def server(site, registry, content_series) -> Iterator[SimpleNamespace]:
    clock = Clock(ketapub.resolve_as_of(CONTENT_AS_OF))
    app = ketapub.make_app(content_series, site, clock=clock, registry=registry)
    with running(app) as port:
        yield SimpleNamespace(app=app, clock=clock, port=port)


def request(port: int, path: str, headers: dict[str, str] | None = None,
            method: str = "GET") -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def rss_links(body: bytes) -> list[str]:
    return [g.text for g in etree.fromstring(body).iter("guid")]


# --- validators and conditional requests ------------------------------------------------------


@pytest.mark.parametrize("path", sorted(LIVE_TYPES))
def test_200_with_validators_then_304(server, path):
    server.clock.now = ketapub.resolve_as_of(CONTENT_AS_OF)
    status, headers, body = request(server.port, path)
    assert status == 200
    assert headers["Content-Type"] == LIVE_TYPES[path]
    assert int(headers["Content-Length"]) == len(body)
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert etag.startswith('"') and etag.endswith('"')
    # The newest release as of the clock (Part 4, 2025-09-01 13:00 UTC), not the clock.
    assert parsedate_to_datetime(last_modified) == datetime(2025, 9, 1, 13, tzinfo=UTC)
    status, headers2, body2 = request(server.port, path, {"If-None-Match": etag})
    assert (status, body2) == (304, b"")
    assert headers2["ETag"] == etag
    status, _, body3 = request(server.port, path, {"If-None-Match": f'W/{etag}, "other"'})
    assert (status, body3) == (304, b"")
    status, _, _ = request(server.port, path, {"If-Modified-Since": last_modified})
    assert status == 304
    earlier = format_datetime(parsedate_to_datetime(last_modified) - SECOND, usegmt=True)
    status, _, again = request(server.port, path, {"If-Modified-Since": earlier})
    assert (status, again) == (200, body)
    status, _, again = request(server.port, path, {"If-None-Match": '"something-else"',
                                                   "If-Modified-Since": last_modified})
    assert status == 200, "If-None-Match takes precedence over If-Modified-Since"
    status, head_headers, head_body = request(server.port, path, method="HEAD")
    assert (status, head_body) == (200, b"")
    assert head_headers["ETag"] == etag
    assert head_headers["Content-Length"] == str(len(body))


def test_served_feeds_parse_as_a_reader_sees_them(server):
    server.clock.now = ketapub.resolve_as_of(CONTENT_AS_OF)
    for path in ("/feed/rss.xml", "/feed/atom.xml"):
        _, _, body = request(server.port, path)
        parsed = feedparser.parse(body)
        assert parsed.bozo == 0
        assert len(parsed.entries) == 4
    _, _, body = request(server.port, "/feed/feed.json")
    assert len(json.loads(body)["items"]) == 4


# --- the release instant ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/feed/rss.xml", "/feed/atom.xml", "/feed/feed.json"])
def test_part_appears_at_its_instant_never_before(server, content_series, path):
    url = content_series.part_url(content_series.get_part(5)).encode()
    server.clock.now = PART5 - SECOND
    status, before_headers, before = request(server.port, path)
    assert status == 200 and url not in before
    # Clients may cache until the release, never past it.
    assert before_headers["Cache-Control"] == "public, max-age=1"
    server.clock.now = PART5
    status, at_headers, at = request(server.port, path,
                                     {"If-None-Match": before_headers["ETag"],
                                      "If-Modified-Since": before_headers["Last-Modified"]})
    assert status == 200, "a conditional GET from before the release must see the new part"
    assert url in at
    assert at_headers["ETag"] != before_headers["ETag"]
    assert parsedate_to_datetime(at_headers["Last-Modified"]) == PART5
    server.clock.now = PART5 + SECOND
    status, _, after = request(server.port, path, {"If-None-Match": at_headers["ETag"]})
    assert status == 304
    status, _, after = request(server.port, path)
    assert after == at


def test_hub_fragment_links_the_part_from_its_instant(server, content_series):
    href = b'href="' + content_series.part_url(content_series.get_part(5)).encode() + b'"'
    server.clock.now = PART5 - SECOND
    status, headers, before = request(server.port, "/html/hub.html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert href not in before
    server.clock.now = PART5
    assert href in request(server.port, "/html/hub.html")[2]


def test_feeds_render_once_per_release_state_not_per_request(server):
    server.clock.now = PART6 + SECOND
    first = request(server.port, "/feed/rss.xml")
    renders = server.app.renders
    etags = set()
    for seconds in (2, 60, 3600, 86400):
        server.clock.now = PART6 + timedelta(seconds=seconds)
        status, headers, body = request(server.port, "/feed/rss.xml")
        assert status == 200 and body == first[2]
        etags.add(headers["ETag"])
    assert server.app.renders == renders
    assert etags == {first[1]["ETag"]}
    assert first[1]["Cache-Control"] == "public, max-age=300"  # nothing left to release


def test_live_enclosures_use_the_built_handouts(server, site):
    server.clock.now = ketapub.resolve_as_of(CONTENT_AS_OF)
    _, _, body = request(server.port, "/feed/rss.xml")
    enclosures = list(etree.fromstring(body).iter("enclosure"))
    assert len(enclosures) == 4
    for enc in enclosures:
        rel = enc.get("url").removeprefix("https://learn.example.org/ketamine/")
        assert int(enc.get("length")) == (site / rel).stat().st_size
        status, headers, pdf = request(server.port, "/" + rel)
        assert status == 200 and headers["Content-Type"] == "application/pdf"
        assert pdf == (site / rel).read_bytes()
    # the live JSON Feed attaches the same files, with the same sizes
    _, _, body = request(server.port, "/feed/feed.json")
    attached = [(a["url"], a["size_in_bytes"]) for i in json.loads(body)["items"]
                for a in i["attachments"]]
    assert attached == [(e.get("url"), int(e.get("length"))) for e in enclosures]


# --- files of the output folder --------------------------------------------------------------


def test_static_files_have_validators_too(server, site):
    server.clock.now = ketapub.resolve_as_of(CONTENT_AS_OF)
    path = "/pdf/01-from-anesthetic-to-antidepressant.pdf"
    status, headers, body = request(server.port, path)
    assert status == 200 and body == (site / path[1:]).read_bytes()
    assert headers["Cache-Control"] == "no-cache"
    status, _, body = request(server.port, path, {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")
    status, _, _ = request(server.port, path, {"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304


def test_files_of_unreleased_parts_are_not_served_early(server, site):
    # The output was built as of Sep 20: it holds Part 5 and 6 handouts and a booklet
    # with every part. None of that may be seen before its release.
    assert (site / "pdf/05-chronic-pain.pdf").is_file()
    server.clock.now = PART5 - SECOND
    assert request(server.port, "/pdf/05-chronic-pain.pdf")[0] == 404
    assert request(server.port, "/pdf/booklet.pdf")[0] == 404
    server.clock.now = PART5
    assert request(server.port, "/pdf/05-chronic-pain.pdf")[0] == 200
    assert request(server.port, "/pdf/booklet.pdf")[0] == 404   # still holds Part 6
    server.clock.now = PART6
    assert request(server.port, "/pdf/booklet.pdf")[0] == 200


@pytest.mark.parametrize("path", [
    "/../secret.txt",
    "/feed/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/feed/%2e%2e/%2e%2e/secret.txt",
    "/..%2fsecret.txt",
    "/%252e%252e/secret.txt",
    "/feed/..%5c..%5csecret.txt",
    "//secret.txt",
    "/./feed/rss.xml",
    "/feed//rss.xml",
    "/feed/rss.xml%00",
    "/feed/rss.xml%00.pdf",
    "/manifest.json",
    "/.out.ketapub-stage/manifest.json",
    "/",
    "/feed/",
    "/nothing.txt",
    "/pdf/99-missing.pdf",
])
def test_nothing_outside_the_output_is_served(server, site, path):
    server.clock.now = PART6
    status, _, body = request(server.port, path)
    assert status in (400, 404)
    assert b"TOP-SECRET-OUTSIDE" not in body


def test_absolute_paths_and_symlinks_out_are_refused(site, registry, content_series, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(site, out)
    secret = site.parent / "secret.txt"
    handout = out / "pdf/01-from-anesthetic-to-antidepressant.pdf"
    handout.unlink()
    handout.symlink_to(secret)
    (out / "pdf" / "dir-link").symlink_to(site.parent, target_is_directory=True)
    app = ketapub.make_app(content_series, out, clock=Clock(PART6), registry=registry)
    with running(app) as port:
        for path in ("/pdf/01-from-anesthetic-to-antidepressant.pdf", "/pdf/dir-link/secret.txt",
                     "/" + str(secret), "/" + str(secret).lstrip("/")):
            status, _, body = request(port, path)
            assert status == 404, path
            assert b"TOP-SECRET-OUTSIDE" not in body
        assert request(port, "/pdf/02-treatment-resistant-depression.pdf")[0] == 200


def test_only_get_and_head(server):
    status, headers, _ = request(server.port, "/feed/rss.xml", method="POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    assert request(server.port, "/feed/rss.xml", method="DELETE")[0] == 405


# --- the command -----------------------------------------------------------------------------


def test_ketapub_serve_command_serves_with_validators(site):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ketapub.cli", "serve", str(CONTENT), "-o", str(site),
         "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = ""
        deadline = time.monotonic() + 60
        while "serving" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()
            assert line or proc.poll() is None, "ketapub serve exited early"
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        status, headers, body = request(port, "/feed/atom.xml")
        assert status == 200
        assert headers["Content-Type"] == "application/atom+xml; charset=utf-8"
        parsed = feedparser.parse(body)
        assert parsed.bozo == 0
        # The wall clock is long past the last release of the example: every part is out.
        assert len(parsed.entries) == 6
        status, _, body = request(port, "/feed/atom.xml", {"If-None-Match": headers["ETag"]})
        assert (status, body) == (304, b"")
        assert request(port, "/%2e%2e/secret.txt")[0] == 404
        assert headers["Server"] == "ketapub"  # not the WSGI server's name and version
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_source_edits_are_picked_up_without_a_restart(site, registry, content_copy):
    app = ketapub.make_app(content_copy, site, clock=Clock(ketapub.resolve_as_of(CONTENT_AS_OF)),
                           registry=registry, reload_interval=0)
    with running(app) as port:
        status, headers, body = request(port, "/feed/rss.xml")
        assert status == 200 and len(rss_links(body)) == 4
        # The editor moves Part 5 forward to yesterday: it is out now, without a rebuild.
        path = content_copy / "parts" / "05-chronic-pain.md"
        text = path.read_text("utf-8")
        path.write_text(text.replace("publish_at: 2025-09-08T09:00:00",
                                     "publish_at: 2025-08-31T09:00:00"), "utf-8")
        status, _, body = request(port, "/feed/rss.xml", {"If-None-Match": headers["ETag"]})
        assert status == 200 and len(rss_links(body)) == 5
        # A broken edit keeps the last good source.
        path.write_text("---\ntitle: [unclosed\n---\n", "utf-8")
        status, _, again = request(port, "/feed/rss.xml")
        assert status == 200 and again == body


def test_requests_do_not_wait_for_a_reload_in_progress(site, registry, content_copy):
    app = ketapub.make_app(content_copy, site, clock=Clock(ketapub.resolve_as_of(CONTENT_AS_OF)),
                           registry=registry, reload_interval=0)
    with running(app) as port:
        assert len(rss_links(request(port, "/feed/rss.xml")[2])) == 4
        path = content_copy / "parts" / "05-chronic-pain.md"
        path.write_text(path.read_text("utf-8").replace(
            "publish_at: 2025-09-08T09:00:00", "publish_at: 2025-08-31T09:00:00"), "utf-8")
        # Another request is reloading (a large source takes seconds): this one answers
        # from the last good load instead of waiting behind it.
        assert app._reload_lock.acquire(timeout=5)
        try:
            got: list[int] = []
            asker = threading.Thread(target=lambda: got.append(
                len(rss_links(request(port, "/feed/rss.xml")[2]))), daemon=True)
            asker.start()
            asker.join(timeout=30)
            assert got == [4], "a request waited for the reload or saw a half-made one"
        finally:
            app._reload_lock.release()
        assert len(rss_links(request(port, "/feed/rss.xml")[2])) == 5
