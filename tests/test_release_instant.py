"""One release instant for everything: a build with ``ahead`` holds each future release state
in its embargo area, and ``serve`` switches every file at the instant, with one WebSub ping
per feed, by an injected clock, over a real HTTP server on loopback.

The handouts come from a stub PDF renderer (the server is under test, not WeasyPrint); every
other renderer is the real one. The walk is over what the output lists (the manifest, each
state's files, fragments.json), so files other renderers add are covered without naming them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import threading
import time
import zipfile
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

import ketapub
from ketapub import Artifact, Job, RenderContext, Renderer, Series
from ketapub.cli import main
from ketapub.embargo import stamp
from tests.conftest import CONTENT, CONTENT_AS_OF
from tests.test_serve import Clock, request, running

PART5 = datetime(2025, 9, 8, 13, 0, tzinfo=UTC)   # 09:00 New York
PART6 = datetime(2025, 9, 15, 13, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
HUB_IN_FEEDS = "https://hub.example.org/"
STATE5, STATE6 = f".embargo/{stamp(PART5)}", f".embargo/{stamp(PART6)}"
TEXT_TYPES = ("text/", "application/json", "application/feed+json", "application/rss+xml",
              "application/atom+xml", "image/svg+xml")


class StubPdf(Renderer):
    """A handout per released part and a booklet, quickly: each names its parts' slugs."""

    name = "pdf"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        jobs = [self.job(f"pdf/{p.number}-{p.slug}.pdf", part=p.part, parts=(p.part,))
                for p in ctx.released]
        return [*jobs, self.job("pdf/booklet.pdf")]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        shown = [p for p in ctx.released if job.part in (None, p.part)]
        body = "%PDF-1.7\n" + "".join(f"% {p.number}-{p.slug}\n" for p in shown)
        return Artifact(job.path, body.encode(), "application/pdf", self.name)


class Hub:
    """A WebSub hub on loopback that records every ping (its form fields)."""

    def __init__(self) -> None:
        pings: list[dict[str, list[str]]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length", "0"))
                pings.append(parse_qs(self.rfile.read(size).decode()))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.pings = pings
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Hub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def readable(body: bytes) -> str:
    """The text of a response: an ebook's files unzipped, anything else as it is."""
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return body.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def registry() -> ketapub.Registry:
    reg = ketapub.Registry.from_entry_points()
    reg.register(StubPdf, override=True)
    return reg


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, registry: ketapub.Registry
          ) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("ahead")
    src = root / "src"
    # English only: the schedule of the translations has its tests (test_translations.py)
    shutil.copytree(CONTENT, src, ignore=shutil.ignore_patterns("translations"))
    with (src / "series.yaml").open("a", encoding="utf-8") as f:
        f.write(f"websub_hub: {HUB_IN_FEEDS}\n")
    out = root / "out"
    result = ketapub.build(src, out, as_of=CONTENT_AS_OF, registry=registry, ahead=True)
    series = ketapub.load(src)
    part5 = series.get_part(5)
    assert part5 is not None
    return SimpleNamespace(src=src, out=out, result=result, series=series, part5=part5,
                           manifest=json.loads((out / "manifest.json").read_text("utf-8")))


def phrase(built: SimpleNamespace) -> str:
    """A sentence of part 5's body, as its fragment (made ahead) shows it."""
    tree = lxml_html.fromstring((built.out / STATE5 / "html/chronic-pain.html").read_bytes())
    body = [" ".join(p.text_content().split()) for p in tree.iter("p")]
    text = next(t for t in body if len(t) > 80 and t[:60] not in built.part5.summary)
    return text[:60]


def listed(built: SimpleNamespace) -> set[str]:
    """Every path the output lists: the public files and every state's."""
    paths = {a["path"] for a in built.manifest["artifacts"]}
    for entry in built.manifest["embargoed"]:
        paths.add(entry["path"].split("/", 2)[2])
    return paths


def fragment_paths(body: bytes) -> set[str]:
    index = json.loads(body)
    found = {index["stylesheet"], index["hub"], index["preview"]}
    for item in index["fragments"]:
        found |= {item[k] for k in ("fragment", "card") if item[k]}
    return {f"html/{p}" for p in found}


def write_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def walk(port: int, paths: set[str]) -> dict[str, tuple[int, object, bytes]]:
    return {path: request(port, "/" + path) for path in sorted(paths)}


def check_headers(path: str, status: int, headers: object) -> None:
    """What every response carries, errors too."""
    assert headers["X-Content-Type-Options"] == "nosniff", path  # type: ignore[index]
    media = headers["Content-Type"]  # type: ignore[index]
    if media.startswith(TEXT_TYPES):
        assert media.endswith("; charset=utf-8"), (path, media)
    if status == 404:
        assert headers["Cache-Control"] == "no-store", path  # type: ignore[index]


def test_the_embargo_area_holds_each_future_state_apart_from_the_public_list(built) -> None:
    manifest = built.manifest
    assert manifest["ahead"] == [
        {"at": "2025-09-08T13:00:00+00:00", "folder": STATE5, "released": [1, 2, 3, 4, 5]},
        {"at": "2025-09-15T13:00:00+00:00", "folder": STATE6,
         "released": [1, 2, 3, 4, 5, 6]}]
    public = {a["path"] for a in manifest["artifacts"]}
    assert not any(p.startswith(".") for p in public)
    embargoed = {e["path"] for e in manifest["embargoed"]}
    assert all(p.startswith((STATE5 + "/", STATE6 + "/")) for p in embargoed)
    assert "pdf/05-chronic-pain.pdf" not in public
    assert {f"{STATE5}/pdf/05-chronic-pain.pdf", f"{STATE6}/pdf/06-patient-experience.pdf",
            f"{STATE5}/html/chronic-pain.html"} <= embargoed
    for path in embargoed:  # every listed file is there with its bytes
        assert (built.out / path).is_file(), path
    # a handout that no release changes is the public file itself, linked, not rendered:
    # part 1 links to part 6 (so it changes in state 6), not to part 5
    handout = "pdf/01-from-anesthetic-to-antidepressant.pdf"
    assert (built.out / STATE5 / handout).stat().st_ino == (built.out / handout).stat().st_ino
    assert f"{STATE5}/{handout}" not in built.result.rendered
    assert f"{STATE6}/{handout}" in built.result.rendered
    # whatever is not rendered for a state is another file of the build, linked
    kept = embargoed - set(built.result.rendered)
    assert len(kept) > 20
    assert all((built.out / p).stat().st_nlink > 1 for p in kept)
    css = "html/ketapub.css"
    assert (built.out / STATE6 / css).stat().st_ino == (built.out / css).stat().st_ino


def test_the_public_output_is_what_a_build_without_ahead_makes(built, registry,
                                                                tmp_path: Path) -> None:
    plain = ketapub.build(built.src, tmp_path / "plain", as_of=CONTENT_AS_OF,
                          registry=registry)
    manifest = json.loads((tmp_path / "plain/manifest.json").read_text("utf-8"))
    assert "embargoed" not in manifest and "ahead" not in manifest
    assert manifest["artifacts"] == built.manifest["artifacts"]
    assert not (tmp_path / "plain/.embargo").exists()
    assert plain.ok


def test_incremental_builds_skip_unchanged_states_and_drop_past_ones(built, registry,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(built.out, out)
    again = ketapub.build(built.src, out, as_of=CONTENT_AS_OF, registry=registry, ahead=True)
    assert again.rendered == ()
    # at the next release, state 5 becomes the public tree as it was made ahead (nothing is
    # rendered again), state 6 stays as it was
    state5 = {e["path"].split("/", 2)[2]: e["sha256"] for e in built.manifest["embargoed"]
              if e["path"].startswith(STATE5 + "/")}
    later = ketapub.build(built.src, out, as_of=PART5, registry=registry, ahead=True)
    assert later.rendered == ()
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert {a["path"]: a["sha256"] for a in manifest["artifacts"]} == state5
    assert all(write_sha(out / path) == sha for path, sha in state5.items())
    assert [s["folder"] for s in manifest["ahead"]] == [STATE6]
    assert not (out / STATE5).exists()
    # a build without ahead leaves no embargo area behind
    ketapub.build(built.src, out, as_of=PART5, registry=registry)
    assert not (out / ".embargo").exists()
    assert "embargoed" not in json.loads((out / "manifest.json").read_text("utf-8"))


def test_one_second_before_nothing_of_the_part_is_served_and_at_the_instant_all_of_it_is(
        built) -> None:
    made = ketapub.resolve_as_of(CONTENT_AS_OF).timestamp()  # as a build that day leaves them
    for path in built.out.rglob("*"):
        os.utime(path, (made, made))
    clock = Clock(PART5 - SECOND)
    app = ketapub.make_app(built.series, built.out, clock=clock, reload_interval=None)
    feeds = {built.series.base_url + p for p in ("feed/rss.xml", "feed/atom.xml",
                                                 "feed/feed.json")}
    assert set(app.feed_urls()) == feeds
    marker = phrase(built)
    live = set(app.live_paths())
    paths = listed(built) | live | {"", "html/"}
    with Hub() as hub, running(app) as port:
        app.websub_hub = hub.url
        pinger = app.pinger()
        assert pinger is not None
        halt = pinger.start(interval=0.02)
        try:
            # --- one second before part 5's instant --------------------------------------
            before = walk(port, paths)
            listing = fragment_paths(before["html/fragments.json"][2])
            before |= walk(port, listing - paths)
            for path, (status, headers, body) in before.items():
                check_headers(path, status, headers)
                shown = readable(body)
                assert marker not in shown and "05-chronic-pain" not in shown, path
            public = {a["path"] for a in built.manifest["artifacts"]}
            assert {p for p, r in before.items() if r[0] == 200} == public | live | listing | {
                "", "html/"}
            assert before[""][2] == before["html/index.html"][2] == before["html/"][2]
            hidden = request(port, f"/{STATE5}/pdf/05-chronic-pain.pdf")  # never served
            assert hidden[0] == 404 and b"chronic" not in hidden[2]
            check_headers("hidden", hidden[0], hidden[1])
            refused = request(port, "/feed/rss.xml", method="POST")
            assert refused[0] == 405
            check_headers("POST", refused[0], refused[1])
            index = json.loads(before["html/fragments.json"][2])
            assert index["fragments"][4]["status"] == "scheduled"
            for path in live:  # cached no longer than the second left
                assert before[path][1]["Cache-Control"] == "public, max-age=1", path
            time.sleep(0.3)
            assert hub.pings == []

            # --- at the instant -------------------------------------------------------
            clock.now = PART5
            deadline = time.monotonic() + 30
            while len(hub.pings) < len(feeds) and time.monotonic() < deadline:
                time.sleep(0.02)
            at = walk(port, paths)
            listing = fragment_paths(at["html/fragments.json"][2])
            at |= walk(port, listing - set(at))
            state = {e["path"].split("/", 2)[2] for e in built.manifest["embargoed"]
                     if e["path"].startswith(STATE5 + "/")}
            assert listing <= state
            for path, (status, headers, _) in at.items():
                check_headers(path, status, headers)
            assert {p for p, r in at.items() if r[0] == 200} == state | live | {"", "html/"}
            shows = {p for p, r in at.items() if marker in readable(r[2])}
            assert {"html/chronic-pain.html", "feed/rss.xml", "feed/atom.xml",
                    "feed/feed.json", "epub/clinical-science-of-ketamine-therapy.epub",
                    "txt/05-chronic-pain.txt", "md/05-chronic-pain.md", "html/index.html",
                    ""} <= shows
            assert b"05-chronic-pain" in at["pdf/booklet.pdf"][2]
            # a client revalidating its copy from before the release gets the new one, though
            # both files were made the same day
            for path in ("pdf/booklet.pdf", "html/fragments.json", "html/index.html"):
                since = before[path][1]["Last-Modified"]
                assert request(port, "/" + path, {"If-Modified-Since": since})[0] == 200, path
                etag = at[path][1]["ETag"]
                assert request(port, "/" + path, {"If-None-Match": etag})[0] == 304, path
            assert at["pdf/05-chronic-pain.pdf"][0] == 200
            index = json.loads(at["html/fragments.json"][2])
            assert (index["fragments"][4]["status"], index["fragments"][4]["fragment"]) == (
                "released", "chronic-pain.html")
            assert index["next_release"] == "2025-09-15T09:00:00-04:00"
            assert built.series.part_url(built.part5).encode() in at[
                "html/cards/chronic-pain.html"][2]
            # the RSS enclosure of part 5 is its handout of this state, with its length
            rss = at["feed/rss.xml"][2].decode()
            length = len(at["pdf/05-chronic-pain.pdf"][2])
            assert f'url="{built.series.base_url}pdf/05-chronic-pain.pdf" length="{length}"' \
                in rss
            # one URL space: every file a fragment or feed points to under base_url is served
            base = built.series.base_url
            pointed = set()
            for path in ("html/chronic-pain.html", "html/from-anesthetic-to-antidepressant.html",
                         "feed/rss.xml", "feed/atom.xml", "feed/feed.json"):
                text = at[path][2].decode().replace("\\/", "/")
                pointed |= set(re.findall(re.escape(base) + r"([^\\\"'<>\s&#?]+)", text))
            files = {p for p in pointed if "." in p.rsplit("/", 1)[-1]}
            assert "assets/glutamate-cascade.svg" in files
            for path in files:
                assert request(port, "/" + path)[0] == 200, path
            link = at["feed/feed.json"][1]["Link"]
            assert link == (f'<{hub.url}>; rel="hub", '
                             f'<{built.series.base_url}feed/feed.json>; rel="self"')
            time.sleep(0.3)  # more ticks: no second ping for the same release
        finally:
            halt()
    assert sorted(p["hub.url"][0] for p in hub.pings) == sorted(feeds)
    assert all(p["hub.mode"] == ["publish"] for p in hub.pings)


def test_the_build_summary_counts_the_states_apart(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["build", str(CONTENT), "-o", str(out), "--as-of", CONTENT_AS_OF, "--format", "txt"]
    first = CliRunner().invoke(main, [*args, "--ahead"])
    assert first.exit_code == 0, first.output
    # 4 handouts out now in English and in Spanish; states: 5 (part 5 new) and 6 (all 6,
    # each links to part 6), each with both languages
    assert "ketapub build: 8 artifacts" in first.output
    assert "ahead: 22 files of 2 future release states in .embargo/ (14 rendered now)" \
        in first.output
    again = CliRunner().invoke(main, [*args, "--ahead"])
    assert "(0 rendered now)" in again.output


def test_a_state_file_may_link_to_a_file_the_build_took_from_the_last_states(
        tmp_path: Path) -> None:
    """Links to links: at part 3's instant the public handout of part 3 is the old state 3's
    file; state 4, whose own copy is damaged, links to that public one."""
    from tests.test_serve_embargo import RELEASES, write_source

    src = write_source(tmp_path / "src")
    out = tmp_path / "out"
    assert ketapub.build(src, out, formats="txt", as_of=RELEASES[2], ahead=True).ok
    state3, state4 = (out / ".embargo" / stamp(RELEASES[n]) for n in (3, 4))
    damaged = state4 / "txt/03-tides.txt"
    damaged.unlink()  # a hard link: replace it, not the file it shares with state 3
    damaged.write_bytes(b"damaged")
    good = (state3 / "txt/03-tides.txt").read_bytes()
    later = ketapub.build(src, out, formats="txt", as_of=RELEASES[3], ahead=True)
    assert later.rendered == ()
    public = out / "txt/03-tides.txt"
    assert public.read_bytes() == good == damaged.read_bytes()
    assert public.stat().st_ino == damaged.stat().st_ino
    assert not state3.exists()
