"""The live server's release checks and HTTP details, called as a WSGI application.

The output folder is a real (small) build; the clock is injected. Each case is one a
mutation run (``make mutate``) showed the loopback tests in test_serve.py leave open.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import ketapub
from ketapub import serve
from ketapub.errors import SourceError
from tests.helpers import make_source, part

OUT_1 = datetime(2025, 1, 1, 5, 0, tzinfo=UTC)    # 00:00 New York
OUT_2 = datetime(2025, 2, 1, 5, 0, tzinfo=UTC)
UPDATED = datetime(2025, 1, 20, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def source(root: Path) -> Path:
    return make_source(root, {
        "01.md": part(1, "one", publish_at="2025-01-01",
                      extra='updated_at: "2025-01-20T12:00:00Z"\n'),
        "02.md": part(2, "two", publish_at="2025-02-01"),
    })


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve")
    out = root / "out"
    result = ketapub.build(source(root / "src"), out, formats=["rss", "ics"],
                           as_of="2025-03-01T00:00:00Z")
    assert result.ok
    return out


@pytest.fixture
def app(site: Path) -> Iterator[serve.FeedServer]:
    yield serve.make_app(ketapub.load(site.parent / "src"), site, clock=Clock(OUT_2),
                         live={"feed/rss.xml": "rss"})


def call(app: Any, path: str, method: str = "GET", **headers: str
         ) -> tuple[str, dict[str, str], bytes]:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path,
                               "wsgi.errors": io.StringIO()}
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(response_headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def test_a_live_feed_carries_its_validators_and_headers(app: serve.FeedServer) -> None:
    status, headers, body = call(app, "/feed/rss.xml")
    assert status == "200 OK"
    assert headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert headers["Content-Length"] == str(len(body))
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "public, max-age=300"  # nothing left to release
    assert headers["Last-Modified"] == "Sat, 01 Feb 2025 05:00:00 GMT"
    etag = headers["ETag"]
    assert len(etag) == 34 and etag[0] == etag[-1] == '"'
    assert int(etag[1:-1], 16) >= 0


def test_head_sends_the_headers_without_the_body(app: serve.FeedServer) -> None:
    status, headers, body = call(app, "/feed/rss.xml", "HEAD")
    assert (status, body) == ("200 OK", b"")
    assert int(headers["Content-Length"]) > 0
    status, headers, body = call(app, "/nothing", "HEAD")
    assert (status, body, headers["Content-Length"]) == ("404 Not Found", b"", "10")


def test_other_methods_get_405_with_allow(app: serve.FeedServer) -> None:
    status, headers, body = call(app, "/feed/rss.xml", "post")
    assert (status, headers["Allow"], body) == ("405 Method Not Allowed", "GET, HEAD",
                                                b"method not allowed\n")
    assert headers["Content-Type"] == "text/plain; charset=utf-8"


def test_max_age_never_runs_past_the_next_release(app: serve.FeedServer) -> None:
    app.clock.now = OUT_2 - 100 * SECOND
    assert call(app, "/feed/rss.xml")[1]["Cache-Control"] == "public, max-age=100"
    app.clock.now = OUT_2 - 1000 * SECOND
    assert call(app, "/feed/rss.xml")[1]["Cache-Control"] == "public, max-age=300"
    app.clock.now = OUT_2 - SECOND / 2
    assert call(app, "/feed/rss.xml")[1]["Cache-Control"] == "public, max-age=0"


def test_last_modified_is_the_latest_release_or_update_up_to_now(site: Path) -> None:
    def last_modified(now: datetime) -> str | None:
        app = serve.make_app(ketapub.load(site.parent / "src"), site, clock=Clock(now),
                             live={"feed/rss.xml": "rss"})
        return call(app, "/feed/rss.xml")[1].get("Last-Modified")

    assert last_modified(UPDATED + SECOND) == "Mon, 20 Jan 2025 12:00:00 GMT"
    assert last_modified(UPDATED - SECOND) == "Wed, 01 Jan 2025 05:00:00 GMT"
    assert last_modified(OUT_1 - SECOND) is None


@pytest.mark.parametrize(("header", "value", "status"), [
    ("if_none_match", "*", "304 Not Modified"),
    ("if_none_match", '"nope", W/{etag}', "304 Not Modified"),
    ("if_none_match", '"nope"', "200 OK"),
    ("if_modified_since", "Sat, 01 Feb 2025 05:00:00 GMT", "304 Not Modified"),
    ("if_modified_since", "Sat, 01 Feb 2025 04:59:59 GMT", "200 OK"),
    ("if_modified_since", "Sat, 01 Feb 2025 05:00:00 -0000", "304 Not Modified"),
    ("if_modified_since", "Sat, 01 Feb 2025 04:59:59 -0000", "200 OK"),
    ("if_modified_since", "not a date", "200 OK"),
])
def test_conditional_requests(app: serve.FeedServer, header: str, value: str,
                              status: str) -> None:
    etag = call(app, "/feed/rss.xml")[1]["ETag"]
    got, headers, body = call(app, "/feed/rss.xml", **{header: value.format(etag=etag)})
    assert got == status
    assert (body == b"") is (status == "304 Not Modified")
    assert headers["ETag"] == etag


def test_if_none_match_wins_over_if_modified_since(app: serve.FeedServer) -> None:
    status = call(app, "/feed/rss.xml", if_none_match='"nope"',
                  if_modified_since="Sat, 01 Feb 2030 05:00:00 GMT")[0]
    assert status == "200 OK"


def test_static_files_have_no_cache_and_their_mtime(app: serve.FeedServer, site: Path) -> None:
    os.utime(site / "feed" / "schedule.ics", (1_700_000_000.7, 1_700_000_000.7))
    status, headers, body = call(app, "/feed/schedule.ics")
    assert status == "200 OK"
    assert body == (site / "feed" / "schedule.ics").read_bytes()
    assert headers["Cache-Control"] == "no-cache"
    assert headers["Last-Modified"] == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"


@pytest.mark.parametrize("path", ["", "/", "//feed/rss.xml", "feed/rss.xml", "/feed//rss.xml",
                                  "/feed/./rss.xml", "/feed/../feed/rss.xml", "/.hidden",
                                  "/feed/.x", "/\xff", "/manifest.json/", "/\u20ac"])
def test_paths_that_are_never_served(app: serve.FeedServer, path: str) -> None:
    assert call(app, path)[0] == "404 Not Found"


def test_a_utf8_path_is_decoded_from_wsgi_latin1(app: serve.FeedServer, site: Path) -> None:
    assert serve.FeedServer._route("/feed/caf\xc3\xa9.xml") == "feed/café.xml"
    assert serve.FeedServer._route("/feed/rss.xml") == "feed/rss.xml"


def test_a_file_not_in_the_manifest_or_a_folder_is_not_served(
        app: serve.FeedServer, site: Path) -> None:
    (site / "extra.txt").write_text("x", "utf-8")
    try:
        assert call(app, "/extra.txt")[0] == "404 Not Found"
        assert call(app, "/feed")[0] == "404 Not Found"
    finally:
        (site / "extra.txt").unlink()


def test_a_whole_series_file_built_later_waits_for_the_releases_it_shows(
        app: serve.FeedServer) -> None:
    app.live = {}  # the built feed: made as of March, it shows part 2
    app.clock.now = OUT_2 - SECOND
    assert call(app, "/feed/rss.xml")[0] == "404 Not Found"
    app.clock.now = OUT_2
    assert call(app, "/feed/rss.xml")[0] == "200 OK"


def test_a_renderer_failure_is_a_500_and_the_server_goes_on(app: serve.FeedServer) -> None:
    app.live = {"feed/rss.xml": "ics"}  # that renderer does not make this path
    status, _, body = call(app, "/feed/rss.xml")
    assert status == "500 Internal Server Error"
    assert body.startswith(b"could not render: ")
    assert call(app, "/feed/schedule.ics")[0] == "200 OK"


def test_renders_are_cached_per_release_state(app: serve.FeedServer) -> None:
    app.clock.now = OUT_2 + SECOND
    call(app, "/feed/rss.xml")
    app.clock.now = OUT_2 + 60 * SECOND
    call(app, "/feed/rss.xml")
    assert app.renders == 1
    app.clock.now = OUT_2 - SECOND
    call(app, "/feed/rss.xml")
    assert app.renders == 2


def test_source_reloads_wait_for_the_interval_and_keep_the_last_good(
        site: Path, tmp_path: Path) -> None:
    src = source(tmp_path / "src")
    app = serve.make_app(src, site, clock=Clock(OUT_2), live={"feed/rss.xml": "rss"},
                         reload_interval=3600)
    (src / "parts" / "02.md").write_text(part(2, "two", publish_at="2030-01-01"), "utf-8")
    call(app, "/feed/rss.xml")
    assert app.series.parts[1].publish_at.year == 2025  # not yet: the interval is an hour
    app.reload_interval = 0
    call(app, "/feed/rss.xml")
    assert app.series.parts[1].publish_at.year == 2030
    (src / "series.yaml").write_text("title: [", "utf-8")
    environ_errors = io.StringIO()
    app(dict(REQUEST_METHOD="GET", PATH_INFO="/feed/rss.xml", **{"wsgi.errors": environ_errors}),
        lambda *a: None)
    assert environ_errors.getvalue().startswith("ketapub serve: source not reloaded")
    assert app.series.parts[1].publish_at.year == 2030


def test_without_a_source_folder_nothing_is_reloaded(site: Path, tmp_path: Path) -> None:
    series = ketapub.load(source(tmp_path / "src"))
    app = serve.make_app(series, site, clock=Clock(OUT_2), reload_interval=0)
    assert app.source is None
    assert call(app, "/feed/rss.xml")[0] == "200 OK"


def test_an_out_folder_without_a_manifest_serves_live_feeds_only(tmp_path: Path) -> None:
    app = serve.make_app(source(tmp_path / "src"), tmp_path / "empty", clock=Clock(OUT_2),
                         live={"feed/rss.xml": "rss"})
    assert call(app, "/feed/rss.xml")[0] == "200 OK"
    assert call(app, "/feed/schedule.ics")[0] == "404 Not Found"


@pytest.mark.parametrize(("given", "sent"), [
    ("text/calendar", "text/calendar; charset=utf-8"),
    ("application/json", "application/json; charset=utf-8"),
    ("application/feed+json", "application/feed+json; charset=utf-8"),
    ("application/rss+xml", "application/rss+xml; charset=utf-8"),
    ("application/atom+xml", "application/atom+xml; charset=utf-8"),
    ("application/xhtml+xml", "application/xhtml+xml; charset=utf-8"),
    ("image/svg+xml", "image/svg+xml; charset=utf-8"),
    ("text/html; charset=iso-8859-1", "text/html; charset=iso-8859-1"),
    ("application/pdf", "application/pdf"),
    ("image/png", "image/png"),
])
def test_text_types_are_sent_as_utf8(given: str, sent: str) -> None:
    assert serve._with_charset(given) == sent


def test_the_default_clock_is_now_in_utc(site: Path) -> None:
    before = datetime.now(UTC)
    now = serve.make_app(ketapub.load(site.parent / "src"), site).clock()
    assert before <= now <= datetime.now(UTC)
    assert now.utcoffset() == timedelta(0)


def test_the_server_built_directly_has_working_defaults(site: Path) -> None:
    app = serve.FeedServer(ketapub.load(site.parent / "src"), site, clock=Clock(OUT_2))
    assert app.reload_interval == 1.0  # a source edit is seen within a second
    assert call(app, "/feed/rss.xml")[0] == "200 OK"
    assert app.renders == 1


def test_a_live_path_whose_renderer_is_missing_serves_the_built_file(site: Path) -> None:
    app = serve.make_app(ketapub.load(site.parent / "src"), site, clock=Clock(OUT_2),
                         live={"feed/rss.xml": "no-such-renderer"})
    assert app.live == {}
    status, _, body = call(app, "/feed/rss.xml")
    assert (status, body) == ("200 OK", (site / "feed" / "rss.xml").read_bytes())
    assert app.renders == 0


def test_a_request_without_method_or_path_is_a_get_of_nothing(app: serve.FeedServer) -> None:
    seen: list[str] = []
    body = b"".join(app({"PATH_INFO": "/feed/rss.xml"}, lambda status, h: seen.append(status)))
    assert seen == ["200 OK"] and body
    app({}, lambda status, h: seen.append(status))
    assert seen[-1] == "404 Not Found"


def test_a_path_must_start_with_a_slash(app: serve.FeedServer) -> None:
    assert call(app, "xfeed/rss.xml")[0] == "404 Not Found"


def test_a_dot_file_is_not_served_even_when_the_manifest_lists_it(tmp_path: Path,
                                                                  site: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(site, out)
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    entry = dict(manifest["artifacts"][0], path="feed/.x")
    manifest["artifacts"].append(entry)
    (out / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    shutil.copy(out / entry["path"].replace(".x", "rss.xml"), out / "feed" / ".x")
    app = serve.make_app(ketapub.load(site.parent / "src"), out, clock=Clock(OUT_2), live={})
    assert call(app, "/feed/rss.xml")[0] == "200 OK"
    assert call(app, "/feed/.x")[0] == "404 Not Found"


def test_the_source_is_checked_once_per_interval(site: Path, tmp_path: Path) -> None:
    src = source(tmp_path / "src")
    app = serve.make_app(src, site, clock=Clock(OUT_2), live={"feed/rss.xml": "rss"},
                         reload_interval=3600)
    app._checked -= 3600  # the last check was an hour ago: this request checks
    call(app, "/feed/rss.xml")
    (src / "parts" / "02.md").write_text(part(2, "two", publish_at="2030-01-01"), "utf-8")
    call(app, "/feed/rss.xml")  # checked a moment ago: not again for an hour
    assert app.series.parts[1].publish_at.year == 2025


def test_a_broken_source_is_reported_once_not_on_every_request(site: Path,
                                                               tmp_path: Path) -> None:
    src = source(tmp_path / "src")
    app = serve.make_app(src, site, clock=Clock(OUT_2), live={"feed/rss.xml": "rss"},
                         reload_interval=0)
    (src / "series.yaml").write_text("title: [", "utf-8")
    errors = io.StringIO()
    for _ in range(3):
        app({"REQUEST_METHOD": "GET", "PATH_INFO": "/feed/rss.xml", "wsgi.errors": errors},
            lambda *a: None)
    assert errors.getvalue().count("ketapub serve: source not reloaded") == 1


def test_a_rebuilt_manifest_is_read_again(tmp_path: Path, site: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(site, out)
    app = serve.make_app(ketapub.load(site.parent / "src"), out, clock=Clock(OUT_2), live={})
    assert call(app, "/feed/schedule.ics")[0] == "200 OK"
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    manifest["artifacts"] = [a for a in manifest["artifacts"] if a["path"] != "feed/schedule.ics"]
    (out / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    assert call(app, "/feed/schedule.ics")[0] == "404 Not Found"


@pytest.mark.parametrize(("held", "after"), [(255, 256), (256, 257), (257, 1), (400, 1)])
def test_the_render_cache_is_bounded(app: serve.FeedServer, held: int, after: int) -> None:
    app._cache.update({("old", n): None for n in range(held)})  # type: ignore[misc]
    call(app, "/feed/rss.xml")
    assert len(app._cache) == after


def test_a_corrupt_manifest_serves_live_feeds_and_no_files(tmp_path: Path, site: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(site, out)
    (out / "manifest.json").write_text("{not json", "utf-8")
    app = serve.make_app(ketapub.load(site.parent / "src"), out, clock=Clock(OUT_2),
                         live={"feed/rss.xml": "rss"})
    assert call(app, "/feed/rss.xml")[0] == "200 OK"
    assert call(app, "/feed/schedule.ics")[0] == "404 Not Found"


def test_if_modified_since_without_a_last_modified_is_a_full_response(site: Path) -> None:
    app = serve.make_app(ketapub.load(site.parent / "src"), site, clock=Clock(OUT_1 - SECOND),
                         live={"feed/rss.xml": "rss"})
    status, headers, _ = call(app, "/feed/rss.xml",
                              if_modified_since="Sat, 01 Feb 2030 05:00:00 GMT")
    assert status == "200 OK" and "Last-Modified" not in headers


def test_an_unreadable_file_in_the_source_does_not_hide_later_edits(site: Path,
                                                                    tmp_path: Path) -> None:
    src = source(tmp_path / "src")
    (src / "0-dangling").symlink_to(tmp_path / "nowhere")  # stat() fails on it
    app = serve.make_app(src, site, clock=Clock(OUT_2), live={"feed/rss.xml": "rss"},
                         reload_interval=0)
    (src / "series.yaml").write_text(
        (src / "series.yaml").read_text("utf-8").replace("Test Series", "Renamed"), "utf-8")
    call(app, "/feed/rss.xml")
    assert app.series.title == "Renamed"


def test_make_app_defaults_to_content_and_output(tmp_path: Path, site: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    source(tmp_path / "content")
    shutil.copytree(site, tmp_path / "output")
    monkeypatch.chdir(tmp_path)
    app = serve.make_app(clock=Clock(OUT_2))
    assert (app.source, app.out, app.reload_interval) == (Path("content"), Path("output"), 1.0)
    assert call(app, "/feed/schedule.ics")[0] == "200 OK"


class HandoutStub(ketapub.Renderer):
    """Makes the handout paths quickly (the server is under test, not WeasyPrint)."""

    name = "pdf"

    def plan(self, series: ketapub.Series, ctx: ketapub.RenderContext) -> list[ketapub.Job]:
        return [self.job(f"pdf/{p.number}-{p.slug}.pdf", part=p.part, parts=(p.part,))
                for p in ctx.released]

    def render(self, job: ketapub.Job, ctx: ketapub.RenderContext) -> ketapub.Artifact:
        return ketapub.Artifact(job.path, b"%PDF-1.7\n" + b"x" * 100, "application/pdf", "pdf")


def test_a_live_feed_encloses_only_handouts_that_are_on_disk(tmp_path: Path) -> None:
    registry = ketapub.Registry.from_entry_points()
    registry.register(HandoutStub, override=True)
    src = source(tmp_path / "src")
    out = tmp_path / "out"
    assert ketapub.build(src, out, formats=["pdf", "rss"], as_of="2025-03-01T00:00:00Z",
                         registry=registry).ok
    (out / "pdf" / "02-two.pdf").unlink()  # listed in the manifest, gone from the folder
    app = serve.make_app(src, out, clock=Clock(OUT_2), registry=registry,
                         live={"feed/rss.xml": "rss"})
    body = call(app, "/feed/rss.xml")[2]
    assert b"pdf/01-one.pdf" in body
    assert b"pdf/02-two.pdf" not in body


@pytest.fixture(scope="module")
def handouts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ketapub.Registry]:
    """A build made ahead of the clock (as of March: both parts out) with per-part files."""
    registry = ketapub.Registry.from_entry_points()
    registry.register(HandoutStub, override=True)
    root = tmp_path_factory.mktemp("handouts")
    out = root / "out"
    assert ketapub.build(source(root / "src"), out, formats=["pdf", "rss"],
                         as_of="2025-03-01T00:00:00Z", registry=registry).ok
    return out, registry


def static_app(out: Path, now: datetime) -> serve.FeedServer:
    return serve.make_app(ketapub.load(out.parent / "src"), out, clock=Clock(now), live={})


def edit_manifest(site: Path, out: Path, change: Any) -> Path:
    shutil.copytree(site, out)
    shutil.copytree(site.parent / "src", out.parent / "src")
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    change(manifest)
    (out / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    return out


def test_a_part_file_waits_for_its_part_and_its_404_is_never_stored(
        handouts: tuple[Path, ketapub.Registry]) -> None:
    out, _ = handouts
    app = static_app(out, OUT_2 - 100 * SECOND)
    assert call(app, "/pdf/01-one.pdf")[0] == "200 OK"  # its part is out; part 2 is not
    status, headers, _ = call(app, "/pdf/02-two.pdf")
    assert (status, headers["Cache-Control"]) == ("404 Not Found", "no-store")
    app.clock.now = OUT_2 - SECOND / 2  # to the microsecond: still held
    assert call(app, "/pdf/02-two.pdf")[0] == "404 Not Found"
    app.clock.now = OUT_2
    status, headers, body = call(app, "/pdf/02-two.pdf")
    assert (status, headers["Cache-Control"]) == ("200 OK", "no-cache")
    assert body == (out / "pdf" / "02-two.pdf").read_bytes()


def test_a_held_whole_series_file_is_a_404_no_cache_may_keep(site: Path) -> None:
    app = static_app(site, OUT_2 - 100 * SECOND)  # the built feed shows part 2
    status, headers, _ = call(app, "/feed/rss.xml")
    assert (status, headers["Cache-Control"]) == ("404 Not Found", "no-store")
    assert headers["X-Content-Type-Options"] == "nosniff"
    app.clock.now = OUT_2
    assert call(app, "/feed/rss.xml")[0] == "200 OK"


def test_a_404_for_a_path_that_is_not_held_is_not_stored_either(app: serve.FeedServer) -> None:
    status, headers, _ = call(app, "/no/such/file.pdf")
    assert (status, headers["Cache-Control"]) == ("404 Not Found", "no-store")


def test_a_file_of_a_part_no_longer_in_the_series_waits_for_a_rebuild(
        site: Path, tmp_path: Path) -> None:
    def add_part_3(manifest: dict[str, Any]) -> None:
        for entry in manifest["artifacts"]:
            if entry["path"] == "feed/schedule.ics":
                entry["parts"] = [1, 3]

    out = edit_manifest(site, tmp_path / "out", add_part_3)
    app = static_app(out, OUT_2 + 1000 * 86400 * SECOND)
    status, headers, _ = call(app, "/feed/schedule.ics")
    assert (status, headers["Cache-Control"]) == ("404 Not Found", "no-store")


def test_a_manifest_that_does_not_say_what_a_file_shows_holds_it_for_every_part(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert ketapub.build(source(tmp_path / "src"), out, formats=["rss"],
                         as_of="2025-01-15T00:00:00Z").ok  # only part 1 out
    assert call(static_app(out, OUT_1), "/feed/rss.xml")[0] == "200 OK"  # shows part 1 only

    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    manifest.pop("as_of_released", None)  # a manifest from before these were recorded
    for entry in manifest["artifacts"]:
        entry.pop("parts", None)
        entry.pop("released", None)
    (out / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    app = static_app(out, OUT_2 - SECOND)
    status, headers, _ = call(app, "/feed/rss.xml")
    assert (status, headers["Cache-Control"]) == ("404 Not Found", "no-store")
    app.clock.now = OUT_2
    assert call(app, "/feed/rss.xml")[0] == "200 OK"


def test_a_source_that_no_longer_loads_is_reported_one_problem_a_line(
        site: Path, tmp_path: Path) -> None:
    src = source(tmp_path / "src")
    app = serve.make_app(src, site, clock=Clock(OUT_2), live={"feed/rss.xml": "rss"},
                         reload_interval=0)
    for name in ("01.md", "02.md"):  # two broken parts: two diagnostics
        (src / "parts" / name).write_text("---\ntitle: [\n---\nx\n", "utf-8")
    errors = io.StringIO()
    app({"REQUEST_METHOD": "GET", "PATH_INFO": "/feed/rss.xml", "wsgi.errors": errors},
        lambda *a: None)
    with pytest.raises(SourceError) as raised:
        ketapub.load(src)
    assert len(raised.value.diagnostics) == 2
    assert errors.getvalue().splitlines() == [
        "ketapub serve: source not reloaded, keeping the last good one:",
        *(str(d) for d in raised.value.diagnostics)]
