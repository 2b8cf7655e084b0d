"""Run a build's jobs: in the caller's executor, in worker processes, or in this process.

Work streams: at most a few jobs per worker are in flight, the longest (aggregates such as
the booklet) start first, and a job starts as soon as the artifacts it depends on are done
(no barrier between "waves"). The renderers and the context are pickled once per build and
travel with each job; a worker decodes them per job (a fraction of a millisecond), so no
state outlives a job in a worker that serves several builds (a Dask worker, a caller's
pool). Ctrl-C and SIGTERM stop the pool's workers at once.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import pickle
import signal
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace

from ketapub import interrupts, worker_log
from ketapub.budget import Budget, BudgetExecutor
from ketapub.errors import KetapubError, RenderError
from ketapub.model import original_path
from ketapub.render.base import Artifact, ArtifactInfo, Job, RenderContext, Renderer

Finish = Callable[[Job, Artifact | None, RenderError | None], None]
"""Called once per job as it ends, with its artifact or its error."""


def render_one(renderer: Renderer, job: Job, ctx: RenderContext) -> Artifact:
    """Render ``job`` and check what came back (top-level, so picklable).

    A translation's job is rendered as the original's, in the context of its edition (see
    ``Job.edition``).

    Args:
        renderer: the renderer that planned ``job``.
        job: the job.
        ctx: the render context.
    """
    asked = job
    if job.edition:
        ctx = ctx.for_edition(job.edition)
        job = replace(job, path=original_path(job.edition, job.path),
                      depends_on=tuple(original_path(job.edition, d) for d in job.depends_on))
    artifact = renderer.render(job, ctx)
    if artifact.path != job.path:
        raise RenderError(asked.path, f"renderer returned {artifact.path!r} instead")
    if asked is not job:
        artifact = replace(artifact, path=asked.path)
    if not isinstance(artifact.data, bytes):
        raise RenderError(job.path, "renderer returned non-bytes data")
    return artifact


def _render_job(blob: bytes, job: Job, deps: dict[str, ArtifactInfo],
                ) -> tuple[Artifact, list[logging.LogRecord]]:
    """Render one job in a worker process.

    The build's renderers and context come as ``blob``, pickled once by the parent; the job and
    its dependencies' infos come with each call. What the job logged comes back with its
    artifact (`ketapub.worker_log`).
    """
    renderers, ctx = pickle.loads(blob)
    with worker_log.captured() as records:
        artifact = render_one(renderers[job.renderer], job,
                              ctx.with_deps(deps) if deps else ctx)
    return artifact, records


def _unpacked(future: Future[tuple[Artifact, list[logging.LogRecord]]]) -> Artifact:
    """A worker's artifact, its log records replayed here."""
    artifact, records = future.result()
    worker_log.replay(records)
    return artifact


def _reraise(exc: BaseException) -> Artifact:
    raise exc


def outcome(job: Job, call: Callable[[], Artifact]) -> tuple[Artifact | None,
                                                              RenderError | None]:
    """Run ``call``, which renders ``job``, and catch its failure.

    Any failure becomes this artifact's ``RenderError``, with the traceback behind it (a
    worker's is chained) in ``detail`` for ``--debug``.

    Args:
        job: the job ``call`` renders.
        call: renders it.
    """
    error: RenderError
    cause: Exception
    try:
        return call(), None
    except RenderError as exc:
        error, cause = exc, exc
    except KetapubError as exc:
        error, cause = RenderError(job.path, str(exc)), exc
    except Exception as exc:  # a renderer bug or a dead worker: that artifact's failure
        error, cause = RenderError(job.path, f"{type(exc).__name__}: {exc}"), exc
    if error.detail is None:
        error.detail = "".join(traceback.format_exception(cause))
    return None, error


@dataclass
class _Queue:
    """Jobs that may start now.

    First the jobs others wait for (the handouts, which the booklet binds and the feeds
    enclose), since every job after them in the longest chain waits too; then aggregates
    (``parts=None``: ebook, hub) since they take longest; then the rest in plan order. A job
    that depends on others is ready once every planned job it depends on ended.
    """

    order: dict[str, int]
    waiting: dict[str, set[str]]
    dependents: dict[str, list[Job]] = field(default_factory=dict)
    ready: deque[Job] = field(default_factory=deque)

    @classmethod
    def of(cls, todo: Sequence[Job]) -> _Queue:
        order = {j.path: i for i, j in enumerate(todo)}
        queue = cls(order, {j.path: {d for d in j.depends_on if d in order} for j in todo})
        for j in todo:
            for d in queue.waiting[j.path]:
                queue.dependents.setdefault(d, []).append(j)
        queue.ready.extend(sorted((j for j in todo if not queue.waiting[j.path]),
                                  key=lambda j: (j.path not in queue.dependents,
                                                 j.parts is not None, order[j.path])))
        return queue

    def ended(self, job: Job) -> None:
        """``job`` ended (either way): release what waited for it."""
        for nxt in self.dependents.pop(job.path, ()):
            self.waiting[nxt.path].discard(job.path)
            if not self.waiting[nxt.path]:
                self.ready.append(nxt)


class Runner:
    """Renders one build's jobs, a bounded number in flight, in dependency order.

    Renders one build's jobs in ``pool`` (or here when None), ``window`` in flight at most, calling
    ``finish`` as each ends; ``infos`` holds the finished artifacts' infos for the jobs that depend
    on them.

    Args:
        renderers: the build's renderers by name.
        ctx: the render context every job is rendered with.
        pool: the executor to render in; None: render in this process.
        window: how many jobs may be in flight at once.
        infos: the infos of finished artifacts, by path, for the jobs that depend on them.
        finish: called once per job as it ends.
        split: ``pool`` takes only the jobs that lay out pages; the others render here, in
            the meantime (``Pool.split``); default False.
    """

    def __init__(self, renderers: dict[str, Renderer], ctx: RenderContext,
                 pool: Executor | None, window: int, infos: dict[str, ArtifactInfo],
                 finish: Finish, split: bool = False):
        self.renderers, self.ctx, self.pool, self.window = renderers, ctx, pool, window
        self.infos, self.finish, self.split = infos, finish, split
        self.blob = (None if pool is None
                     else pickle.dumps((renderers, ctx), protocol=pickle.HIGHEST_PROTOCOL))
        self.inflight: dict[Future[tuple[Artifact, list[logging.LogRecord]]], Job] = {}
        self.queue = _Queue({}, {})

    def run(self, todo: Sequence[Job], stop: Callable[[], None] | None = None) -> None:
        """Render ``todo``.

        When interrupted (Ctrl-C, SIGTERM), ``stop`` ends the pool's workers at once; without it,
        jobs in flight are cancelled.

        Args:
            todo: the jobs to render.
            stop: ends the pool's workers at once; default None: cancel the jobs in flight instead.
        """
        self.queue = _Queue.of(todo)
        try:
            while self.queue.ready or self.inflight:
                while self.queue.ready and len(self.inflight) < self.window:
                    self._start(self.queue.ready.popleft())
                if self.inflight:
                    self._collect()
        except BaseException:
            if stop is not None:
                stop()
                self.inflight.clear()  # a stopped pool fails its futures itself (cancelling
                # them first trips Python 3.11's pool, which then sets an exception on one)
            raise
        finally:
            for future in self.inflight:
                future.cancel()

    def _deps(self, job: Job) -> dict[str, ArtifactInfo]:
        return {d: self.infos[d] for d in job.depends_on if d in self.infos}

    def _start(self, job: Job) -> None:
        renderer = self.renderers[job.renderer]
        if self.pool is None or self.blob is None or (self.split
                                                       and not renderer.lays_out_pages):
            self._settle(job, lambda: render_one(renderer, job,
                                                 self.ctx.with_deps(self._deps(job))))
            if self.inflight:  # what a worker finished meanwhile may let more start
                self._collect(0)
            return
        try:
            with interrupts.held():  # the pool may fork its workers
                future = self.pool.submit(_render_job, self.blob, job, self._deps(job))
            self.inflight[future] = job
        except Exception as exc:  # a broken pool refuses work: fail this job
            self._settle(job, functools.partial(_reraise, exc))

    def _collect(self, timeout: float | None = None) -> None:
        finished, _ = wait(list(self.inflight), timeout, return_when=FIRST_COMPLETED)
        for future in sorted(finished, key=lambda f: self.queue.order[self.inflight[f].path]):
            job = self.inflight.pop(future)
            self._settle(job, functools.partial(_unpacked, future))
            del future  # its bytes are spooled: let them go

    def _settle(self, job: Job, call: Callable[[], Artifact]) -> None:
        self.finish(job, *outcome(job, call))
        self.queue.ended(job)


FEW_LAYOUTS = 2
"""A build with at most this many jobs that lay out pages does not start a worker per core: a
worker imports WeasyPrint and configures fonts before its first layout (about 1 s), as long
as two handouts take to lay out, and each worker pays it. One worker lays them out (a one-part
edit: its handout, then the booklet bound from it) while this process renders the rest (the
ebook, feeds, fragments); with nothing else to render, all of it renders here."""


def page_layouts(todo: Sequence[Job], renderers: Iterable[Renderer]) -> int | None:
    """Count the jobs of ``todo`` that lay out pages.

    None when a job is a plugin's: its renderer may count on a worker process of its own,
    so the build keeps its workers.

    Args:
        todo: the jobs to render.
        renderers: the build's renderers.
    """
    by_name = {r.name: r for r in renderers}
    mine = [by_name.get(j.renderer) for j in todo]
    if not all(r is not None and type(r).__module__.startswith("ketapub.renderers.")
               for r in mine):
        return None
    return sum(1 for r in mine if r is not None and r.lays_out_pages)


@dataclass
class Pool:
    """Where a build's jobs render: the caller's executor, one of ours, or None (here)."""

    executor: Executor | None
    owned: bool
    window: int
    """Jobs in flight at most: a few per worker, so neither work nor bytes pile up."""
    split: bool = False
    """The executor renders only the jobs that lay out pages; the others render here in the
    meantime (a build of ``FEW_LAYOUTS``)."""

    @classmethod
    def choose(cls, executor: Executor | None, jobs: int | None, budget: Budget | None,
               todo: int, layouts: int | None = None) -> Pool:
        """The pool to render in.

        The caller's ``executor``; else a budgeted pool under ``budget``; else worker processes
        when ``jobs`` (None: one per core) and the work are more than one, unless the work is
        at most ``FEW_LAYOUTS`` page layouts: then one worker for those, beside the rest
        rendered here (``split``); else this process.

        Args:
            executor: the caller's executor, or None.
            jobs: worker processes (None: one per core).
            budget: the per-job budget, or None.
            todo: how many jobs there are to render.
            layouts: how many of them lay out pages, when every job is a built-in
                renderer's (``page_layouts()``); None: unknown.
        """
        workers = jobs if jobs is not None else (os.cpu_count() or 1)
        if executor is not None:  # of unknown size (Dask): a wide window
            return cls(executor, False, max(64, 2 * workers))
        if budget is not None and todo:
            return cls(BudgetExecutor(budget, min(workers, todo)), True, 2 * workers)
        few = layouts is not None and layouts <= FEW_LAYOUTS
        if workers > 1 and todo > 1 and not few:
            return cls(ProcessPoolExecutor(max_workers=min(workers, todo),
                                           initializer=_worker_signals), True, 2 * workers)
        if workers > 1 and few and layouts and todo > layouts:
            return cls(ProcessPoolExecutor(max_workers=1, initializer=_worker_signals), True,
                       2, split=True)
        return cls(None, False, 1)

    def stopper(self) -> Callable[[], None] | None:
        """What stops an interrupted build's workers: only a pool we own is ours to kill."""
        if self.owned and self.executor is not None:
            return functools.partial(_stop_workers, self.executor)
        return None

    def close(self) -> None:
        """Shut down the executor this pool made (not a caller's), cancelling queued jobs."""
        if self.owned and self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)


def _worker_signals() -> None:
    """In a worker process.

    Ignore Ctrl-C (the terminal sends it to the whole group; the parent stops the workers) and let
    SIGTERM kill, whatever handler the parent had.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, interrupts.HELD)


def _stop_workers(pool: Executor) -> None:
    """Kill an interrupted build's workers now, so none outlives the build.

    Rather than waiting for the jobs they are running. A worker killed while it sends its result
    leaves half a message in the result pipe, and the pool's manager thread reads on for the rest
    as long as a write end is open: this process holds one, which goes too. The manager thread
    then finds the pool broken, fails what was pending and ends; it is waited for a bounded
    time only. A second Ctrl-C is held until all this is done, so it cannot leave it half done.
    """
    with interrupts.held():
        if isinstance(pool, BudgetExecutor):
            pool.shutdown(wait=False, cancel_futures=True)
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.kill()
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.join(STOP_SECONDS)
        writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
        if writer is not None:
            with contextlib.suppress(OSError):
                writer.close()
        manager = getattr(pool, "_executor_manager_thread", None)
        pool.shutdown(wait=False, cancel_futures=True)
        if manager is not None:
            manager.join(STOP_SECONDS)


STOP_SECONDS = 5
"""How long an interrupted build waits for each killed worker to be reaped, and for the pool's
manager thread to end."""
