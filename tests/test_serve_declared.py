"""``serve`` learns which files depend on the instant from the renderers, not from names.

A third-party renderer that ``serve`` has never heard of plans a digest of the released parts
(``Job.live``), one file per part (``Job.parts``) and a table of titles (``Job.embargo=()``).
The output is built ahead of the clock, so every file on disk shows every part; served one
second before part 2's release, nothing of part 2 may come out, and at the release it must.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import ketapub
from ketapub import Artifact, Job, RenderContext, Renderer, Series
from tests.helpers import make_source, part

RELEASE_1 = datetime(2025, 1, 1, 5, 0, tzinfo=UTC)      # 00:00 New York
RELEASE_2 = datetime(2025, 2, 1, 5, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
SECRET = "Quillwort lanterns hum beneath the brackish estuary"  # part 2's text only


class Digest(Renderer):
    """A plugin's renderer: one live digest, a file per part, titles shown from the start."""

    name = "digest"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        jobs = [self.job("digest/latest.txt", live=True),
                self.job("digest/titles.txt", parts=(), embargo=())]
        jobs += [self.job(f"digest/part-{p.part}.txt", part=p.part, parts=(p.part,))
                 for p in ctx.released]
        return jobs

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        if job.path == "digest/titles.txt":
            text = "".join(f"{p.title}\n" for p in ctx.series.parts)
        else:
            shown = [p for p in ctx.released if job.part in (None, p.part)]
            text = "".join(f"{p.title}: {p.body}" for p in shown)
        return Artifact(job.path, text.encode(), "text/plain", self.name)


class QuietDigest(Digest):
    """The same files, but the digest is not declared live: it is a whole-series file."""

    name = "quiet-digest"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        return [Job(self.name, "quiet/latest.txt")]


class BrokenPlanner(Digest):
    """A plugin whose plan fails at serve time (it planned fine when the output was built)."""

    name = "broken"
    fail = False

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        if BrokenPlanner.fail:
            raise KeyError("no such thing")
        return [Job(self.name, "broken/latest.txt", live=True)]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def registry(*renderers: type[Renderer]) -> ketapub.Registry:
    reg = ketapub.Registry()  # no built-in renderer: serve knows nothing but these
    for renderer in renderers:
        reg.register(renderer)
    return reg


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("declared")
    src = make_source(root / "src", {
        "01-one.md": part(1, "one", "Gulls circle the breakwater.\n", publish_at="2025-01-01"),
        "02-two.md": part(2, "two", f"{SECRET}.\n", publish_at="2025-02-01"),
    })
    out = root / "out"
    result = ketapub.build(src, out, as_of="2025-03-01T00:00:00Z",
                           registry=registry(Digest, QuietDigest, BrokenPlanner))
    assert result.ok, result.errors
    for rel in ("digest/latest.txt", "digest/part-2.txt", "quiet/latest.txt",
                "broken/latest.txt"):  # built ahead of the clock: part 2 is in them
        assert SECRET in (out / rel).read_text("utf-8"), rel
    return out


def serve(site: Path, now: datetime, *renderers: type[Renderer]) -> ketapub.serve.FeedServer:
    return ketapub.make_app(ketapub.load(site.parent / "src"), site, clock=Clock(now),
                            registry=registry(*renderers), reload_interval=None)


def call(app: Any, path: str) -> tuple[str, dict[str, str], str, str]:
    errors = io.StringIO()
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "wsgi.errors": errors}
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response)).decode()
    return seen["status"], seen["headers"], body, errors.getvalue()


def test_the_built_in_renderers_declare_the_feeds_the_calendar_and_the_hub(
        content_series: Series, tmp_path: Path) -> None:
    builtin = ketapub.make_app(content_series, tmp_path, reload_interval=None)
    assert builtin.live is None  # nothing fixed by the caller: the renderers are asked
    assert builtin.live_paths() == {
        "feed/rss.xml": "rss", "feed/atom.xml": "atom", "feed/feed.json": "jsonfeed",
        "feed/schedule.ics": "ics", "html/hub.html": "html", "api/series.json": "api",
        "api/changes.json": "api"}


def test_a_plugins_live_file_is_rendered_as_of_the_request(site: Path) -> None:
    app = serve(site, RELEASE_2 - SECOND, Digest)
    assert app.live_paths() == {"digest/latest.txt": "digest"}
    status, headers, body, _ = call(app, "/digest/latest.txt")
    assert status == "200 OK" and "Gulls circle" in body and SECRET not in body
    assert headers["Cache-Control"] == "public, max-age=1"  # never past part 2's release
    app.clock.now = RELEASE_2
    assert SECRET in call(app, "/digest/latest.txt")[2]
    assert app.renders == 2  # one render per release state


def test_a_plugins_per_part_file_waits_for_its_part(site: Path) -> None:
    app = serve(site, RELEASE_2 - 100 * SECOND, Digest)
    status, headers, body, _ = call(app, "/digest/part-2.txt")
    assert (status, headers["Cache-Control"]) == ("404 Not Found", "no-store")
    assert SECRET not in body
    assert call(app, "/digest/part-1.txt")[0] == "200 OK"
    assert call(app, "/digest/titles.txt")[2] == "Part 1\nPart 2\n"  # embargo=(): out now
    app.clock.now = RELEASE_2
    assert SECRET in call(app, "/digest/part-2.txt")[2]
    assert app.renders == 0  # built files, nothing rendered


def test_a_file_not_declared_live_is_served_as_built_once_all_it_shows_is_out(
        site: Path) -> None:
    app = serve(site, RELEASE_2 - 10 * SECOND, QuietDigest)
    assert app.live_paths() == {}
    status, headers, body, _ = call(app, "/quiet/latest.txt")
    assert (status, headers["Cache-Control"], body) == (
        "404 Not Found", "no-store", "not found\n")
    app.clock.now = RELEASE_2
    status, _, body, _ = call(app, "/quiet/latest.txt")
    assert status == "200 OK" and body == (site / "quiet/latest.txt").read_text("utf-8")


def test_a_renderer_that_cannot_plan_declares_nothing_and_the_rest_is_served(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(BrokenPlanner, "fail", True)
    app = serve(site, RELEASE_1 + SECOND, BrokenPlanner, Digest)
    status, _, body, errors = call(app, "/digest/latest.txt")
    assert status == "200 OK" and SECRET not in body
    assert errors == ("ketapub serve: renderer 'broken' could not plan, so none of its files "
                      "is live: 'no such thing'\n")
    # its built file falls back to the manifest's embargo: whole-series, so not before part 2
    status, headers, _, errors = call(app, "/broken/latest.txt")
    assert (status, headers["Cache-Control"]) == ("404 Not Found", "no-store")
    assert errors == ""  # said once, not per request
    app.clock.now = RELEASE_2  # asked again at the release: still failing, still not repeated
    assert call(app, "/digest/part-2.txt")[:4:3] == ("200 OK", "")
    assert call(app, "/broken/latest.txt")[0] == "200 OK"


def test_live_files_are_asked_again_when_the_release_state_changes(site: Path) -> None:
    class Growing(Digest):
        name = "growing"

        def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
            return [self.job(f"growing/{p.part}.txt", live=True) for p in ctx.released]

    app = serve(site, RELEASE_2 - SECOND, Growing)
    assert app.live_paths() == {"growing/1.txt": "growing"}
    app.clock.now = RELEASE_2
    assert app.live_paths() == {"growing/1.txt": "growing", "growing/2.txt": "growing"}
    assert call(app, "/growing/2.txt")[0] == "200 OK"


def test_declaring_a_job_live_changes_no_input_hash(content_series: Series) -> None:
    from ketapub.plan import plan

    class Plain(Digest):
        name = "digest"

        def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
            return [replace(job, live=False) for job in super().plan(series, ctx)]

    ctx = RenderContext(series=content_series, as_of=RELEASE_2)
    live, plain = plan([Digest()], ctx), plan([Plain()], ctx)
    assert [j.live for j in live][:1] == [True] and not any(j.live for j in plain)
    assert [j.input_hash for j in live] == [j.input_hash for j in plain]


def test_renderers_are_asked_once_per_release_state_not_per_request(site: Path) -> None:
    asked: list[datetime] = []

    class Counted(Digest):
        def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
            asked.append(ctx.as_of)
            return super().plan(series, ctx)

    app = serve(site, RELEASE_2 - 2 * SECOND, Counted)
    for path in ("/digest/part-1.txt", "/digest/titles.txt", "/digest/part-1.txt"):
        assert call(app, path)[0] == "200 OK"
    app.clock.now = RELEASE_2 - SECOND
    call(app, "/digest/titles.txt")
    assert asked == [RELEASE_2 - 2 * SECOND]  # to learn what is live, once
    app.clock.now = RELEASE_2
    call(app, "/digest/titles.txt")
    call(app, "/digest/part-2.txt")
    assert asked == [RELEASE_2 - 2 * SECOND, RELEASE_2]


def test_a_plugin_that_fails_to_import_declares_nothing_and_hides_no_other(
        site: Path) -> None:
    from importlib.metadata import EntryPoint

    reg = ketapub.Registry([EntryPoint("aaa-broken", "no_such_module_here:Renderer",
                                       "ketapub.renderers")])
    reg.register(Digest)  # sorted after the broken one
    app = ketapub.make_app(ketapub.load(site.parent / "src"), site, registry=reg,
                           clock=Clock(RELEASE_2 - SECOND), reload_interval=None)
    assert app.live_paths() == {"digest/latest.txt": "digest"}
    assert SECRET not in call(app, "/digest/latest.txt")[2]


def test_a_renderer_that_cannot_even_be_made_declares_nothing(site: Path) -> None:
    class Unmakeable(Digest):
        name = "aaa-unmakeable"

        def __init__(self) -> None:
            raise RuntimeError("needs a licence key")

    app = serve(site, RELEASE_2 - SECOND, Unmakeable, Digest)
    status, _, body, errors = call(app, "/digest/latest.txt")
    assert status == "200 OK" and SECRET not in body
    assert "renderer 'aaa-unmakeable' could not plan" in errors
