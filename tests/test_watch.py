"""``ketapub watch`` for real: a watch process on a copy of the example series, on
127.0.0.1, driven through its preview page and its server-sent events like a browser would.

One process serves the whole module (its first build is the expensive part); the steps run
in order inside one test, since each builds on the state the previous one left.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from markupsafe import escape
from playwright.sync_api import Page, sync_playwright
from pypdf import PdfReader

import ketapub
from ketapub.watch import Watcher, signature
from ketapub.watch_events import EVENTS_PATH, Broadcast, State, event_stream
from ketapub.watch_preview import CSP, epub_spine, page
from tests.conftest import CONTENT, ROOT
from tests.helpers import make_source, part
from tests.tools import chromium

AS_OF = "2025-08-20T00:00:00-04:00"  # parts 1 and 2 of the example are out
PART = "parts/02-treatment-resistant-depression.md"
FRAGMENT = "html/treatment-resistant-depression.html"
HANDOUT = "pdf/02-treatment-resistant-depression.pdf"
SENTENCE = "Watching, an editor added this sentence."
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class Events:
    """The ``/_ketapub/events`` stream of one preview page, read in a thread."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.conn.request("GET", EVENTS_PATH)
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type") == "text/event-stream"
        self.got: queue.Queue[tuple[str, dict[str, object]] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        name = None
        try:
            for raw in self.response:
                line = raw.decode("utf-8").rstrip("\r\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: ") and name:
                    self.got.put((name, json.loads(line[6:])))
        except (OSError, http.client.HTTPException):
            pass
        self.got.put(None)  # the stream ended

    def next(self, timeout: float = 120) -> tuple[str, dict[str, object]]:
        item = self.got.get(timeout=timeout)
        assert item is not None, "the event stream ended"
        return item

    def until(self, name: str, timeout: float = 120, **want: object
              ) -> tuple[str, dict[str, object]]:
        deadline = time.monotonic() + timeout
        while True:
            event = self.next(max(0.1, deadline - time.monotonic()))
            if event[0] == name and all(event[1].get(k) == v for k, v in want.items()):
                return event


class Watch:
    """A ``ketapub watch`` process (``command``: how it is asked for) in a process group of
    its own, so :meth:`stop` ends its workers too; ``log`` collects what it prints."""

    def __init__(self, src: Path, out: Path, templates: Path,
                 command: tuple[str, ...] = ("watch", "--as-of", AS_OF, "--jobs", "2")):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ketapub.cli", *command[:1], str(src), "-o", str(out),
             *command[1:], "--port", "0", "--templates", str(templates)],
            cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
            env={**os.environ, "COLUMNS": "200"}, start_new_session=True)
        self.log: list[str] = []
        self.ready = threading.Event()
        self.port = 0
        threading.Thread(target=self._read, daemon=True).start()
        assert self.ready.wait(240) and self.port, "\n".join(self.log)

    def stop(self) -> None:
        """Kill the process and whatever it started (a failed test may leave it running
        with its worker processes and fork server)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line.rstrip("\n"))
            found = re.search(r"preview at http://127\.0\.0\.1:(\d+)/", line)
            if found:
                self.port = int(found.group(1))
                self.ready.set()
        self.ready.set()  # it exited before serving: no need to wait longer

    def get(self, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


def _footer(templates: Path, mark: str) -> None:
    """A user template of the fragments that adds ``mark`` to their footer."""
    (templates / "html" / "part.html").write_text(
        '{% extends "ketapub:html/part.html" %}{% block footer_extra %}'
        f'<p>Template {mark}</p>{{% endblock %}}', "utf-8")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def watching(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("watch")
    src, out, templates = base / "src", base / "out", base / "templates"
    shutil.copytree(CONTENT, src, ignore=shutil.ignore_patterns("translations"))  # half the work
    (templates / "html").mkdir(parents=True)
    _footer(templates, "v1")
    watch = Watch(src, out, templates)
    try:
        yield watch, src, out, templates
    finally:
        watch.stop()


def test_watch_rebuilds_an_edit_reloads_the_preview_shows_errors_and_stops_on_sigterm(
        watching: tuple[Watch, Path, Path, Path], tmp_path: Path) -> None:
    watch, src, out, templates = watching
    # the preview at / shows every output: fragments, embedded PDFs, the EPUB's spine, feeds
    status, body = watch.get("/")
    html = body.decode("utf-8")
    assert status == 200
    assert 'data-path="html/from-anesthetic-to-antidepressant.html"' in html
    assert re.search(r'<object class="watch-pdf" data="/pdf/booklet\.pdf\?v=[0-9a-f]{12}" '
                     r'type="application/pdf">', html)
    assert '<ol class="watch-spine">' in html and "part-02.xhtml" in html
    assert html.count('<ul class="watch-feed">') == 3
    assert "Ketamine for treatment-resistant depression" in html
    assert EVENTS_PATH in html and "EventSource" in html
    assert SENTENCE not in html
    conn = http.client.HTTPConnection("127.0.0.1", watch.port, timeout=60)
    conn.request("HEAD", "/")
    assert conn.getresponse().getheader("Content-Security-Policy") == CSP
    conn.close()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            _scenario(watch, src, out, templates, tmp_path, browser.new_page())
        finally:
            browser.close()


def _scenario(watch: Watch, src: Path, out: Path, templates: Path, tmp_path: Path,
              tab: Page) -> None:
    # the preview in a browser: its script runs under the page's Content-Security-Policy
    blocked: list[str] = []
    tab.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text
           else None)
    tab.goto(f"http://127.0.0.1:{watch.port}/")
    overlay = tab.locator("#ketapub-overlay")
    assert overlay.is_hidden()

    # an edit: a reload event, then the new text is served, first as HTML, then in the PDF
    events = Events(watch.port)
    hello = events.until("hello")
    first = hello[1]["build"]
    assert isinstance(first, int) and first >= 1 and hello[1]["problems"] == []
    part = src / PART
    edited = time.monotonic()
    part.write_text(part.read_text("utf-8") + f"\n{SENTENCE}\n", "utf-8")
    name, state = events.next()
    reloaded = time.monotonic() - edited
    assert name == "reload" and state["build"] == first + 1, (name, state)
    # the fragments first; the feeds attach the handouts, so they come with the PDFs
    pending = state["pending"]
    assert isinstance(pending, list) and "html" not in pending
    assert {"epub", "pdf", "rss", "atom", "jsonfeed"} <= set(pending)
    status, fragment = watch.get("/" + FRAGMENT)
    assert status == 200 and SENTENCE.encode() in fragment
    assert SENTENCE in watch.get("/")[1].decode("utf-8")
    # the page in the browser reloaded itself
    tab.wait_for_function(f"document.body.innerText.includes({json.dumps(SENTENCE)})",
                          timeout=60_000)
    print(f"edit -> reload event {reloaded:.2f} s, fragment served "
          f"{time.monotonic() - edited:.2f} s")
    name, state = events.next()
    pending = state["pending"]
    assert name == "reload" and isinstance(pending, list), (name, state)
    assert "epub" not in pending and {"pdf", "rss", "atom", "jsonfeed"} <= set(pending)
    name, state = events.next()
    assert name == "reload" and state["pending"] == [] and state["build"] == first + 3
    pdf = out / HANDOUT
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "added this sentence" in re.sub(r"\s+", " ", text)
    assert any(re.fullmatch(r"ketapub watch: \d+ rendered in [\d.]+ s", line)
               for line in watch.log)

    # the two phases wrote exactly what one build of the edited source writes
    clean = ketapub.build(src, tmp_path / "clean", as_of=AS_OF, jobs=2, templates=[templates])
    assert clean.ok
    assert tree(out) == tree(tmp_path / "clean")
    # the reloading script lives in the preview page only, never in an output file
    for path, data in tree(out).items():
        assert b"EventSource" not in data and EVENTS_PATH.encode() not in data, path

    # a template edit: the warm process and its workers drop their cached templates
    assert b"Template v1" in watch.get("/" + FRAGMENT)[1]
    _footer(templates, "v2")
    events.until("reload", pending=[])
    assert b"Template v2" in watch.get("/" + FRAGMENT)[1]

    # broken YAML: an error event, the terminal and the overlay say path:line:column
    series = src / "series.yaml"
    good = series.read_text("utf-8")
    series.write_text(good + "subtitle: [never closed\n", "utf-8")
    name, state = events.next()
    assert name == "build-error", (name, state)
    problems = state["problems"]
    assert isinstance(problems, list) and problems
    where = re.compile(re.escape(str(src / "series.yaml")) + r":\d+:\d+: ")
    assert all(where.match(p) for p in problems), problems
    deadline = time.monotonic() + 10
    while not all(p in watch.log for p in problems) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(p in watch.log for p in problems), watch.log
    shown = watch.get("/")[1].decode("utf-8")
    assert '<div id="ketapub-overlay" role="alert"><h2>' in shown
    assert where.search(shown)
    assert watch.get("/" + FRAGMENT)[0] == 200  # the last good build is still served
    overlay.wait_for(state="visible", timeout=60_000)  # shown by the script, as text
    assert overlay.locator("pre").inner_text().splitlines() == problems

    # fixed: the overlay goes with the next reload
    series.write_text(good, "utf-8")
    name, state = events.until("reload", problems=[])
    assert '<div id="ketapub-overlay" role="alert" hidden>' in watch.get("/")[1].decode()
    overlay.wait_for(state="hidden", timeout=60_000)
    assert blocked == []

    # SIGTERM: the stream ends, the process exits 0 and leaves no worker or spool behind
    children = _children(watch.proc.pid)
    assert len(children) >= 2  # the warm workers (and the fork server)
    watch.proc.send_signal(signal.SIGTERM)
    assert watch.proc.wait(30) == 0
    assert events.got.get(timeout=30) is None
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in children) and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if _alive(pid)]
    time.sleep(0.2)
    assert watch.log[-1] == "ketapub watch: stopped"
    assert not any("Traceback" in line for line in watch.log), watch.log
    assert sorted(p.name for p in out.parent.iterdir()) == ["out", "src", "templates"]


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_children(int(child))]
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_serve_watch_is_ketapub_watch(tmp_path: Path) -> None:
    """``serve --watch`` starts the same warm preview (with its worker processes) and stops
    as it does, leaving none behind."""
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", "Watched text.\n")})
    (tmp_path / "templates").mkdir()
    watch = Watch(src, tmp_path / "out", tmp_path / "templates",
                  ("serve", "--watch"))
    try:
        status, body = watch.get("/")
        assert status == 200 and "EventSource" in body.decode("utf-8")
        assert b"Watched text." in watch.get("/html/one.html")[1]
        assert any(line.startswith("ketapub watch: preview at http://127.0.0.1:")
                   for line in watch.log), watch.log
        children = _children(watch.proc.pid)
        assert children  # the warm workers (and the fork server)
        watch.proc.send_signal(signal.SIGTERM)
        assert watch.proc.wait(30) == 0
        deadline = time.monotonic() + 10
        while [pid for pid in children if _alive(pid)] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in children if _alive(pid)]
    finally:
        watch.stop()


def test_preview_page_escapes_problems_and_reads_outputs(tmp_path: Path,
                                                         sink_build: Path) -> None:
    """The overlay shows a problem as text, and the page lists what the build made."""
    state = State(7, ('x.md:1:2: bad <script>alert(1)</script> & "q"',), 3, ("pdf",))
    html = page(sink_build, "<b>Title</b>", state).decode("utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Title&lt;/b&gt;" in html and "<b>Title" not in html
    assert 'data-build="7"' in html and "still rendering: pdf" in html
    assert html.count("<script>") == 1  # the reloading script, nothing from the content
    epub = next(sink_build.glob("epub/*.epub"))
    spine = epub_spine(epub)
    assert spine and all(href.endswith(".xhtml") for href, _ in spine)
    assert any("<" in title for _, title in spine)  # the sink's titles hold markup
    for _, title in spine:
        assert str(escape(title)) in html


def test_event_stream_sends_state_on_connect_each_change_and_ends_on_close() -> None:
    broadcast = Broadcast(State(3))
    stream = event_stream(broadcast, heartbeat=0.01)
    assert next(stream) == (b'retry: 500\nevent: hello\ndata: {"build": 3, "pending": [], '
                            b'"problems": [], "rendered": 0}\n\n')
    assert next(stream) == b": idle\n\n"  # nothing new: a comment keeps the line checked
    broadcast.publish(State(3, ("a.yaml:1:1: bad",)))
    assert next(stream).startswith(b"event: build-error\ndata: ")
    broadcast.publish(State(4, (), 2))
    assert next(stream).startswith(b'event: reload\ndata: {"build": 4,')
    broadcast.close()
    assert list(stream) == []


def test_in_process_watcher_picks_up_template_edits_and_orders_phases(tmp_path: Path) -> None:
    """With ``--jobs 1`` everything renders in the watching process, whose Jinja
    environments are cached: a template edit must still show in the next rebuild."""
    src, out, templates = tmp_path / "src", tmp_path / "out", tmp_path / "templates"
    shutil.copytree(CONTENT, src)
    (templates / "html").mkdir(parents=True)
    _footer(templates, "v1")
    lines: list[str] = []
    watcher = Watcher(src, out, as_of=AS_OF, formats=["html"], templates=[str(templates)],
                      jobs=1, report=lines.append)
    try:
        watcher.start()
        assert watcher.pool is None and b"Template v1" in (out / FRAGMENT).read_bytes()
        assert watcher.changed() is None
        _footer(templates, "v2")
        assert watcher.changed() == (False, True)
        watcher.rebuild(templates=True)
        assert b"Template v2" in (out / FRAGMENT).read_bytes()
        assert watcher.broadcast.current()[1].build == 2
        # the feeds attach the handouts as enclosures: they wait for the PDFs
        assert watcher.series is not None
        assert watcher.phases(watcher.series, ["pdf", "rss", "html", "jsonfeed", "epub"]) == [
            ["html"], ["epub"], ["pdf", "rss", "jsonfeed"]]
        assert watcher.phases(watcher.series, ["epub", "html"]) == [["html"], ["epub"]]
        assert watcher.phases(watcher.series, ["rss", "atom"]) == [["rss", "atom"]]
    finally:
        watcher.close()
    assert lines and all(re.fullmatch(r"ketapub watch: \d+ rendered in [\d.]+ s", x)
                         for x in lines)


def test_signature_changes_with_a_save_but_not_with_swap_files_or_the_output(
        tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "parts").mkdir(parents=True)
    part = src / "parts" / "01-one.md"
    part.write_text("one", "utf-8")
    out = src / "output"  # an output folder inside the source is no edit when written
    out.mkdir()
    before = signature([src], skip=out)
    (src / "parts" / ".01-one.md.swp").write_text("swap", "utf-8")
    (src / ".hidden").mkdir()
    (src / ".hidden" / "x.md").write_text("x", "utf-8")
    (out / "manifest.json").write_text("{}", "utf-8")
    assert signature([src], skip=out) == before
    assert signature([src]) != before  # not skipped: the output's files count
    part.write_text("two", "utf-8")
    assert signature([src], skip=out) != before
