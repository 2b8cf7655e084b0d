"""``ketapub watch``: a warm process that rebuilds what an edit changed and reloads the preview.

A fresh ``ketapub build`` pays over a second of imports before it renders anything; here
they are paid once. The process keeps its imports, a pool of worker processes that have
imported WeasyPrint and hold their font configuration, and the output folder with its
manifest, so a rebuild renders only the artifacts whose input hash changed (the incremental
build of ``ketapub.build``). It polls the source and the template folders (names, sizes,
modification times: no extra dependency), waits until a burst of saves is over, then
rebuilds in phases, each landing and reloading the preview as soon as it is done: the HTML
fragments, which the editor looks at first; the other renderers that lay out no pages
(ebook, calendar, text editions), in this process; then, in the workers, the PDFs and what
depends on them (the feeds list the handouts as enclosures). The phases together write
exactly what one build of everything writes.

A source that no longer loads, or a render that fails, is printed as ``path:line:column:
message`` and shown on the preview as an overlay; the last good build stays in place.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from ketapub import execute
from ketapub.build import BuildError, build, plan_build, resolve, select_renderers
from ketapub.errors import KetapubError, PluginError, SourceError
from ketapub.load import load
from ketapub.model import Series
from ketapub.render import templating
from ketapub.render.base import Job
from ketapub.render.builtin import builtin_templates_dir
from ketapub.schedule import AsOf
from ketapub.serve import FeedServer, make_app
from ketapub.watch_events import EVENTS_PATH, Broadcast, State, event_stream
from ketapub.watch_preview import CSP, page, preview_editions

LAYOUT = frozenset({"pdf"})
"""Renderers that lay out pages (seconds per artifact): they run last, in the warm workers."""
FIRST = frozenset({"html"})
"""The fragments: the preview shows them first, so they land (and the preview reloads)
before anything else is rendered."""

Signature = tuple[tuple[str, int, int], ...]
Report = Callable[[str], None]


def signature(roots: Sequence[Path], skip: Path | None = None) -> Signature:
    """Path, modification time and size of every file under ``roots``, sorted.

    Cheap to take ten times a second, and any save changes it. Hidden files and folders (an editor's
    swap files, the build's staging folders) and the folder ``skip`` (the output, when it lies
    inside the source) are left out: writing them is no edit.

    Args:
        roots: the folders to look at (the source, the template folders).
        skip: a folder left out, such as the output inside the source; default None.
    """
    skipped = os.path.realpath(skip) if skip is not None else None
    found = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                                 and os.path.realpath(os.path.join(dirpath, d)) != skipped)
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                found.append((path, st.st_mtime_ns, st.st_size))
    return tuple(found)


def _warm_worker() -> None:
    """Prepare a preview worker before it is needed.

    The signal rules of a build's workers, then WeasyPrint imported and its fonts configured, so the
    first handout after an edit pays neither.
    """
    execute._worker_signals()
    from ketapub.renderers import pdf_engine

    pdf_engine.font_config()


def _ping() -> int:
    return os.getpid()


def warm_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` processes, started now and warmed.

    They are forked by a fork server, not by this process: the preview's server threads are running
    when a pool is replaced.

    Args:
        workers: how many processes.
    """
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_warm_worker,
                               mp_context=multiprocessing.get_context("forkserver"))
    for future in [pool.submit(_ping) for _ in range(workers)]:
        future.result()
    return pool


def _later_with_dependencies(planned: Sequence[Job], rank: dict[str, int]) -> None:
    """Move each renderer to the phase of the latest renderer whose files its jobs use."""
    owner = {j.path: j.renderer for j in planned}
    moved = True
    while moved:
        moved = False
        for job in planned:
            after = max((rank[owner[d]] for d in job.depends_on if d in owner), default=0)
            if after > rank[job.renderer]:
                rank[job.renderer], moved = after, True


class Watcher:
    """Builds ``source`` into ``out`` and again after every change, keeping what it can warm.

    Args:
        source: the source folder.
        out: the output folder (made or updated incrementally).
        as_of: the build instant; default None: now at each rebuild.
        formats: renderer names, as ``ketapub.build()`` takes them.
        templates: template folders, as ``ketapub.build()`` takes them.
        brands: brand ids, as ``ketapub.build()`` takes them.
        large_print: also the large-print variants, as in ``ketapub.build()``.
        options: renderer options, as ``ketapub.build()`` takes them.
        strict: warnings are errors, as in ``ketapub.build()``.
        jobs: worker processes kept warm; 1 renders in this process.
        interval: seconds between polls of the source and templates.
        settle: a change is built once the files stayed unchanged this long (editors save
            in several writes).
        report: where terminal lines go (problems, what each rebuild did).
    """

    def __init__(self, source: str | os.PathLike[str], out: str | os.PathLike[str], *,
                 as_of: AsOf = None, formats: Sequence[str] | None = None,
                 templates: Sequence[str] = (), brands: Sequence[str] = (),
                 large_print: bool = False, options: Any = None, strict: bool = False,
                 jobs: int | None = None, interval: float = 0.1, settle: float = 0.05,
                 report: Report = print):
        self.source, self.out = Path(source), Path(out)
        self.as_of, self.formats, self.templates = as_of, formats, tuple(templates)
        self.brands, self.large_print, self.options = tuple(brands), large_print, options
        self.strict, self.interval, self.settle, self.report = strict, interval, settle, report
        self.workers = jobs if jobs is not None else (os.cpu_count() or 1)
        self.broadcast = Broadcast()
        self.series: Series | None = None
        self.server: FeedServer | None = None
        self.pool: ProcessPoolExecutor | None = None
        self._names: list[str] | None = None
        self._template_roots = [Path(t) for t in self.templates] + [builtin_templates_dir()]
        self._seen = self._signatures()

    # --- what the preview server asks -----------------------------------------------------
    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """The preview server, a WSGI application.

        The preview at ``/``, its events, else the output folder as ``serve`` serves it (feeds live,
        manifest files only).

        Args:
            environ: the WSGI environment.
            start_response: the WSGI callable.
        """
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if path in ("/", EVENTS_PATH) and method not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"),
                                                      ("Content-Length", "0")])
            return []
        if path == EVENTS_PATH:
            start_response("200 OK", [("Content-Type", "text/event-stream"),
                                      ("Cache-Control", "no-store"),
                                      ("X-Accel-Buffering", "no")])
            return [] if method == "HEAD" else event_stream(self.broadcast)
        if path == "/":
            _, state = self.broadcast.current()
            title = self.series.title if self.series is not None else str(self.source)
            body = page(self.out, title, state, preview_editions(self.series))
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                      ("Content-Length", str(len(body))),
                                      ("Cache-Control", "no-store"),
                                      ("Content-Security-Policy", CSP),
                                      ("X-Content-Type-Options", "nosniff")])
            return [] if method == "HEAD" else [body]
        if self.server is None:
            body = b"no build yet\n"
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8"),
                                             ("Content-Length", str(len(body)))])
            return [body]
        return self.server(environ, start_response)

    # --- the loop -------------------------------------------------------------------------
    def start(self) -> None:
        """Warm the worker pool, then the first build (it may fail: the overlay says why)."""
        broken: list[PluginError] = []
        names = [r.name for r in select_renderers(self.formats, strict=self.strict,
                                                  skipped=broken)]
        for plugin in broken:
            self.report(f"ketapub: warning: {plugin}; watching without it")
        self._names = names
        if self.workers > 1 and LAYOUT & set(names):
            self.pool = warm_pool(self.workers)
        self.rebuild()

    def _signatures(self) -> tuple[Signature, Signature]:
        return (signature([self.source], skip=self.out),
                signature(self._template_roots, skip=self.out))

    def changed(self) -> tuple[bool, bool] | None:
        """What changed, once the files have settled.

        (source changed, templates changed) once files changed and then stayed as they are for
        ``settle`` seconds; None when nothing changed.
        """
        now = self._signatures()
        if now == self._seen:
            return None
        while True:  # a burst of saves: wait until it is over
            time.sleep(self.settle)
            later = self._signatures()
            if later == now:
                break
            now = later
        before, self._seen = self._seen, now
        return now[0] != before[0], now[1] != before[1]

    def run(self, stop: threading.Event | None = None) -> None:
        """Poll and rebuild until ``stop`` is set (or Ctrl-C / SIGTERM).

        Args:
            stop: set to end the loop; default None: run until interrupted.
        """
        while stop is None or not stop.is_set():
            found = self.changed()
            if found is None:
                time.sleep(self.interval)
                continue
            self.rebuild(templates=found[1])

    def close(self) -> None:
        """End the preview streams and the worker processes (also mid-build)."""
        self.broadcast.close()
        if self.pool is not None:
            execute._stop_workers(self.pool)
            self.pool = None

    # --- one rebuild ----------------------------------------------------------------------
    def _fail(self, problems: Sequence[str], started: float) -> None:
        for line in problems:
            self.report(line)
        self.report(f"ketapub watch: rebuild failed ({len(problems)} problem"
                    f"{'' if len(problems) == 1 else 's'}); the preview keeps the last good "
                    f"build ({time.perf_counter() - started:.2f} s)")
        _, state = self.broadcast.current()
        self.broadcast.publish(State(state.build, tuple(problems)))

    def _renew_templates(self) -> None:
        """Start from fresh Jinja environments after a template changed.

        Jinja environments are cached per process (in this one and in every worker), so drop this
        process's and start fresh workers.
        """
        templating.environment.cache_clear()
        if self.pool is not None:
            execute._stop_workers(self.pool)
            self.pool = warm_pool(self.workers)

    def phases(self, series: Series, names: Sequence[str]) -> list[list[str]]:
        """Renderers in up to three phases.

        The fragments (what the preview shows first), the other renderers that wait for no page
        layout, then the layout renderers. A renderer whose jobs depend on files of a later phase
        moves to that phase (the feeds list the handouts).

        Args:
            series: the loaded series.
            names: the renderers to build with.
        """
        rank = {n: 0 if n in FIRST else 2 if n in LAYOUT else 1 for n in names}
        if len(set(rank.values())) > 1:
            setup = resolve(series, formats=list(names), as_of=self.as_of, registry=None,
                            strict=self.strict, budget=None, **self._build_options())
            _later_with_dependencies(plan_build(setup)[0], rank)
        return [p for p in ([n for n in names if rank[n] == r] for r in range(3)) if p]

    def _build_options(self) -> dict[str, Any]:
        return {"templates": self.templates, "brands": self.brands,
                "large_print": self.large_print, "options": self.options}

    def _build(self, series: Series, names: Sequence[str], pool: Executor | None) -> Any:
        return build(series, self.out, formats=list(names), as_of=self.as_of,
                     executor=pool, jobs=1, strict=self.strict, **self._build_options())

    def rebuild(self, *, templates: bool = False) -> None:
        """Load the source and build what changed, publishing each phase as it lands.

        A failure is reported and published instead, and the last good build stays.

        Args:
            templates: the templates changed too: start from fresh Jinja environments and
                workers; default False.
        """
        started = time.perf_counter()
        try:
            if templates:
                self._renew_templates()
            series = load(self.source, strict=self.strict)
            phases = self.phases(series, self._names or [])
            for warning in series.warnings:
                self.report(str(warning))
            rendered = self._land(series, phases)
        except BuildError as exc:
            self._fail([str(e) for e in exc.result.errors], started)
            return
        except SourceError as exc:
            self._fail([str(d) for d in exc.diagnostics], started)
            return
        except KetapubError as exc:
            self._fail([str(exc)], started)
            return
        self.series = series
        self.report(f"ketapub watch: {rendered} rendered in "
                    f"{time.perf_counter() - started:.2f} s")

    def _land(self, series: Series, phases: Sequence[Sequence[str]]) -> int:
        """Build ``phases`` one after the other.

        Each that changed a file is published (the preview reloads).

        Returns:
            How many artifacts were rendered.
        """
        _, before = self.broadcast.current()
        number, rendered, published = before.build, 0, False
        for i, phase in enumerate(phases):
            # the earlier phases' renderers come along (their files are unchanged, so kept):
            # a renderer that reads their files (the API lists the fragment's size) sees them
            # as one full build does
            names = [n for p in phases[:i + 1] for n in p]
            # a hand-off to a worker costs more than rendering text here
            result = self._build(series, names, self.pool if LAYOUT & set(phase) else None)
            self._serve(series)
            rendered += len(result.rendered)
            if result.rendered or result.removed:
                number += 1
                pending = tuple(n for p in phases[i + 1:] for n in p)
                self.broadcast.publish(State(number, (), len(result.rendered), pending))
                published = True
        if not published and (before.problems or not before.build):
            # fixed back to what was built, or the first build found it all built
            self.broadcast.publish(State(number + 1, (), 0))
        return rendered

    def _serve(self, series: Series) -> None:
        """Serve the new build: the feeds of ``serve`` evaluate the new series."""
        if self.server is None:
            clock = None
            if self.as_of is not None:
                from ketapub.schedule import resolve_as_of

                fixed: datetime = resolve_as_of(self.as_of, series.tz)
                clock = lambda: fixed  # noqa: E731 - the preview shows the build's instant
            self.server = make_app(series, self.out, clock=clock, templates=self.templates,
                                   reload_interval=None)
        else:
            self.server.series = series


def serve_watch(watcher: Watcher, host: str, port: int, threads: int,
                ready: Callable[[str], None]) -> None:
    """Run ``watcher`` with its preview served by waitress until Ctrl-C or SIGTERM.

    The workers and the server are stopped on the way out.

    Args:
        watcher: the watcher.
        host: the address to listen on.
        port: the port to listen on.
        threads: the server's threads (each open preview holds one for its events).
        ready: called with the preview's URL once it is served.
    """
    import waitress

    try:
        watcher.start()
        server = waitress.create_server(watcher.app, host=host, port=port, threads=threads,
                                        ident="ketapub")
        shown = f"[{host}]" if ":" in host else host
        thread = threading.Thread(target=server.run, name="ketapub-preview", daemon=True)
        thread.start()
        try:
            ready(f"http://{shown}:{server.effective_port}/")
            watcher.run()
        finally:  # end the event streams, let the request threads finish, stop serving;
            # the server's socket loop is a daemon thread that ends with the process
            watcher.broadcast.close()
            server.task_dispatcher.shutdown(timeout=5)
    finally:
        watcher.close()


__all__ = ["Watcher", "serve_watch", "signature", "warm_pool"]
