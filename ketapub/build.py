"""The pipeline: load -> plan -> render -> write, seen only through the Renderer interface.

Jobs whose input hash matches the current output are skipped (incremental builds); the rest
render in the caller's executor, or in worker processes (``jobs``), or in this process. A
failing job is reported with its path; the others still land, and the failed one keeps its
previous file, so the output folder always matches its manifest.

Work streams: at most a few jobs per worker are in flight, the longest (aggregates such as
the booklet) start first, a job starts as soon as the artifacts it depends on are done (no
barrier between "waves"), and each finished artifact goes straight to a spool folder next
to the output folder, so memory stays flat whether a build makes ten handouts or ten
thousand. The renderers and the context travel to workers pickled once per build and are
decoded once per worker process, whatever the executor (a process pool, Dask).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import shutil
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ketapub import write
from ketapub.budget import Budget, BudgetExecutor, load_within
from ketapub.errors import (
    BuildError,
    Diagnostic,
    KetapubError,
    PluginError,
    RenderError,
    SourceError,
    UsageError,
)
from ketapub.load import load
from ketapub.model import PAGE_SIZES, Brand, Series, page_size_name
from ketapub.outdir import check_output
from ketapub.paths import LARGE_PRINT
from ketapub.plan import plan
from ketapub.render.base import Artifact, ArtifactInfo, BuildOptions, Job, RenderContext, Renderer
from ketapub.render.registry import Registry, installed
from ketapub.schedule import AsOf, resolve_as_of

Progress = Callable[[str, Job, int, int], None]
"""Called as ``progress(event, job, done, total)`` with event "start" or "done"."""


@dataclass(frozen=True)
class BuildResult:
    """What a build made. ``artifacts`` lists every file in the manifest after the build."""

    out: Path
    as_of: datetime
    artifacts: tuple[write.Entry, ...]
    rendered: tuple[str, ...]
    skipped: tuple[str, ...]
    removed: tuple[str, ...]
    next_release: datetime | None
    seconds: float
    errors: tuple[RenderError, ...] = ()
    warnings: tuple[Any, ...] = field(default=())
    """The load's warnings (:class:`Diagnostic`), then one :class:`PluginError` per installed
    plugin a build of every renderer left out because it fails to import."""

    @property
    def ok(self) -> bool:
        return not self.errors


def _render_one(renderer: Renderer, job: Job, ctx: RenderContext) -> Artifact:
    """Top-level (picklable) worker entry point."""
    artifact = renderer.render(job, ctx)
    if artifact.path != job.path:
        raise RenderError(job.path, f"renderer returned {artifact.path!r} instead")
    if not isinstance(artifact.data, bytes):
        raise RenderError(job.path, "renderer returned non-bytes data")
    return artifact


@dataclass(frozen=True)
class _Shared:
    """The renderers and base context of one build, pickled once in the parent."""

    key: str
    blob: bytes = field(repr=False)


_SHARED: dict[str, tuple[dict[str, Renderer], RenderContext]] = {}
_SHARED_MAX = 4


def _shared(shared: _Shared) -> tuple[dict[str, Renderer], RenderContext]:
    """Decode ``shared`` once per worker process (a Dask worker lives across builds)."""
    got = _SHARED.get(shared.key)
    if got is None:
        got = pickle.loads(shared.blob)
        while len(_SHARED) >= _SHARED_MAX:
            _SHARED.pop(next(iter(_SHARED)))
        _SHARED[shared.key] = got
    return got


def _render_job(shared: _Shared, job: Job, deps: dict[str, ArtifactInfo]) -> Artifact:
    """Worker entry point: the job, its dependencies' infos, and the shared build state."""
    renderers, ctx = _shared(shared)
    return _render_one(renderers[job.renderer], job, ctx.with_deps(deps) if deps else ctx)


def _file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _reraise(exc: BaseException) -> Artifact:
    raise exc


def _render_all(
    todo: Sequence[Job], renderers: dict[str, Renderer], ctx: RenderContext,
    pool: Executor | None, window: int, infos: dict[str, ArtifactInfo],
    finish: Callable[[Job, Artifact | None, RenderError | None], None],
    stop: Callable[[], None] | None = None,
) -> None:
    """Render ``todo`` in ``pool`` (or here), calling ``finish`` as each job ends.

    Aggregates (``parts=None``: booklet, ebook, feeds) start first since they take longest;
    a job starts once every planned job it depends on has finished; at most ``window`` jobs
    are in flight, so neither submitted work nor finished bytes pile up. When interrupted
    (Ctrl-C, SIGTERM), ``stop`` ends the pool's workers at once; without it, jobs in flight
    are cancelled.
    """
    order = {j.path: i for i, j in enumerate(todo)}
    waiting = {j.path: {d for d in j.depends_on if d in order} for j in todo}
    dependents: dict[str, list[Job]] = {}
    for j in todo:
        for d in waiting[j.path]:
            dependents.setdefault(d, []).append(j)
    ready = deque(sorted((j for j in todo if not waiting[j.path]),
                         key=lambda j: (j.parts is not None, order[j.path])))
    shared: _Shared | None = None
    if pool is not None:
        blob = pickle.dumps((renderers, ctx), protocol=pickle.HIGHEST_PROTOCOL)
        shared = _Shared(hashlib.sha256(blob).hexdigest(), blob)
        _SHARED[shared.key] = (renderers, ctx)  # forked workers inherit it: nothing to decode
    inflight: dict[Future[Artifact], Job] = {}

    def deps_of(job: Job) -> dict[str, ArtifactInfo]:
        return {d: infos[d] for d in job.depends_on if d in infos}

    def settle(job: Job, call: Callable[[], Artifact]) -> None:
        artifact: Artifact | None = None
        error: RenderError | None = None
        cause: Exception | None = None
        try:
            artifact = call()
        except RenderError as exc:
            error, cause = exc, exc
        except KetapubError as exc:
            error, cause = RenderError(job.path, str(exc)), exc
        except Exception as exc:  # a renderer bug or a dead worker: that artifact's failure
            error, cause = RenderError(job.path, f"{type(exc).__name__}: {exc}"), exc
        if error is not None and cause is not None and error.detail is None:
            error.detail = "".join(traceback.format_exception(cause))  # a worker's is chained
        finish(job, artifact, error)
        for nxt in dependents.pop(job.path, ()):
            waiting[nxt.path].discard(job.path)
            if not waiting[nxt.path]:
                ready.append(nxt)

    try:
        while ready or inflight:
            while ready and len(inflight) < window:
                job = ready.popleft()
                if pool is None or shared is None:
                    settle(job, lambda job=job: _render_one(  # type: ignore[misc]
                        renderers[job.renderer], job, ctx.with_deps(deps_of(job))))
                    continue
                try:
                    with _signals_held():
                        future = pool.submit(_render_job, shared, job, deps_of(job))
                    inflight[future] = job
                except Exception as exc:  # a broken pool refuses work: fail this job
                    settle(job, functools.partial(_reraise, exc))
            if inflight:
                finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for future in sorted(finished, key=lambda f: order[inflight[f].path]):
                    job = inflight.pop(future)
                    settle(job, future.result)
                    del future  # its bytes are spooled: let them go
    except BaseException:
        if stop is not None:
            stop()
            inflight.clear()  # a stopped pool fails its futures itself (cancelling them
            # first trips Python 3.11's pool, which then sets an exception on a cancelled one)
        raise
    finally:
        for future in inflight:
            future.cancel()
        if shared is not None:
            _SHARED.pop(shared.key, None)


@dataclass(frozen=True)
class Coverage:
    """The variant scopes a build covered: which renderers ran, for which brands, in which
    variants. An old output of a covered scope that the build no longer makes is removed;
    any other old output stays (``--format``, ``--brand a``, no ``--large-print``)."""

    renderers: frozenset[str]
    brands: frozenset[str]
    """Brand ids asked for; "all" covers every brand, also brands gone from the source."""
    large_print: bool
    variants: frozenset[tuple[str, str]]
    """(renderer, variant) pairs planned: a third-party variant is covered when planned."""

    @classmethod
    def of(cls, renderers: Iterable[str], options: BuildOptions, planned: Iterable[Job]
           ) -> Coverage:
        return cls(frozenset(renderers), frozenset(options.brands), options.large_print,
                   frozenset((j.renderer, j.variant) for j in planned))

    def __call__(self, entry: write.Entry) -> bool:
        """Whether this build covered ``entry``'s scope."""
        if entry.renderer not in self.renderers:
            return False
        every_brand = "all" in self.brands
        if entry.variant is None:  # scope unknown (an old manifest): only a build of all
            return every_brand and self.large_print
        if entry.brand is not None and not every_brand and entry.brand not in self.brands:
            return False
        if entry.variant == LARGE_PRINT:
            return self.large_print
        return not entry.variant or (entry.renderer, entry.variant) in self.variants


_HELD = frozenset({signal.SIGINT, signal.SIGTERM})


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while a pool may fork its workers: an exception raised in the
    fork's bookkeeping is printed as "Exception ignored" and lost, and the build would go on.
    The signal is taken right after, in plain code."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _worker_signals() -> None:
    """In a worker process: ignore Ctrl-C (the terminal sends it to the whole group; the
    parent stops the workers) and let SIGTERM kill, whatever handler the parent had."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)


def _stop_workers(pool: Executor) -> None:
    """Kill the worker processes of an interrupted build now, rather than waiting for the
    jobs they are running, so none outlives the build."""
    if isinstance(pool, BudgetExecutor):
        pool.shutdown(wait=False, cancel_futures=True)
        return
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.kill()
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.join(5)
    pool.shutdown(wait=True)  # the pool sees its workers gone and fails what was pending


def format_names(formats: str | Iterable[str] | None) -> list[str] | None:
    """Renderer names from a str (``"pdf"``, ``"rss,atom"``) or a sequence of them, in order
    and without repeats; None when ``formats`` is None (every installed renderer)."""
    if formats is None:
        return None
    items = [formats] if isinstance(formats, str) else list(formats)
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise UsageError(f"formats: {item!r} is not a renderer name; pass names such as "
                             "'pdf' or 'rss,atom'")
        for name in item.split(","):
            name = name.strip()
            if name and name not in names:
                names.append(name)
    if not names:
        raise UsageError("no renderer selected")
    return names


def select_renderers(formats: str | Iterable[str] | None, registry: Registry | None = None,
                     *, strict: bool = False, skipped: list[PluginError] | None = None
                     ) -> list[Renderer]:
    """Renderer instances for ``formats`` (a name, a comma list or a sequence); all when None.

    A renderer asked for by name must load. With ``formats=None`` a plugin that fails to
    load is left out and its :class:`PluginError` appended to ``skipped`` (an error under
    ``strict``), so one broken third-party plugin does not stop every default build.
    """
    reg = registry or installed()
    names = format_names(formats)
    if names is None:
        names, broken = reg.usable()
        if broken and strict:
            raise broken[0]
        if skipped is not None:
            skipped.extend(broken)
        if not names:
            raise UsageError("no renderer selected: none of the installed renderers loads")
    return [reg.create(n) for n in names]


def check_brands(series: Series, renderers: Sequence[Renderer], options: BuildOptions) -> None:
    """Refuse brands the build asks for that the source lacks, and a broken brand file
    (``Series.broken_brands``) when these renderers would make branded output for it: only
    then is it an error, so one clinic's typo blocks no other output."""
    wanted = options.brands
    broken = [b for b in series.broken_brands if "all" in wanted or b.id in wanted]
    for bid in wanted:
        if bid != "all" and series.get_brand(bid) is None and all(x.id != bid for x in broken):
            known = ", ".join(x.id for x in series.brands) or "none"
            raise UsageError(f"unknown brand {bid!r}; brands in the source: {known}")
    if not broken:
        return
    # Would these renderers make branded output? Ask them, with a stand-in brand and every
    # part released, so the answer does not change with the build's instant.
    probe = series.model_copy(update={"brands": (Brand(id="probe", name="probe"),)})
    ctx = RenderContext(series=probe, as_of=datetime(3000, 1, 1, tzinfo=UTC),
                        options=replace(options, brands=("all",)))
    if not any(job.brand for r in renderers for job in r.plan(probe, ctx)):
        return
    problems = [d for b in broken for d in b.problems]
    for b in broken:
        flag = "--brand all" if "all" in wanted else f"--brand {b.id}"
        n = len(b.problems)
        problems.append(Diagnostic(b.path, 1, 1, f"brand {b.id!r} cannot be built: {n} "
                                   f"problem{'' if n == 1 else 's'} in this file; fix "
                                   f"{'it' if n == 1 else 'them'}, or build without {flag}"))
    raise SourceError(problems)


def build(
    source: Series | str | os.PathLike[str],
    out: str | os.PathLike[str] = "output",
    *,
    formats: str | Sequence[str] | None = None,
    as_of: AsOf = None,
    templates: Sequence[str | os.PathLike[str]] = (),
    brands: Sequence[str] = (),
    large_print: bool = False,
    page_size: str | None = None,
    heading_level: int = 2,
    jobs: int | None = 1,
    executor: Executor | None = None,
    strict: bool = False,
    force: bool = False,
    registry: Registry | None = None,
    progress: Progress | None = None,
    extra: dict[str, str] | None = None,
    budget: Budget | None = None,
) -> BuildResult:
    """Build ``source`` into ``out``: render what changed, then swap it in atomically.

    Unchanged artifacts (same input hash, file still there) are skipped; a failed artifact
    keeps its previous file and the others land, then :class:`BuildError` is raised.

    Args:
        source: a loaded :class:`Series`, or the path of a source folder to load.
        out: the output folder; default ``"output"``.
        formats: renderer names: a name, a comma list (``"rss,atom"``) or a sequence of
            either; default None: every installed renderer, leaving out (with a warning in
            ``BuildResult.warnings``) a plugin that fails to import.
        as_of: the build instant: a datetime, a date, or an ISO 8601 string (date alone,
            date-time, with or without offset; naive means the series timezone); default
            None: SOURCE_DATE_EPOCH, else now.
        templates: folders searched for templates before the built-ins, first wins;
            default none.
        brands: brand ids (or ``"all"``) to make branded handouts for; default none.
        large_print: set handouts in large print (body 16 pt or more); default False.
        page_size: ``"A4"`` or ``"Letter"``; default None: the brand's, else the series'.
        heading_level: heading level of a part title in HTML fragments, 1 to 5; default 2.
        jobs: worker processes when no ``executor`` is given (None: one per core);
            default 1, render in this process.
        executor: any ``concurrent.futures.Executor`` to render in (a process pool, a Dask
            ``Client.get_executor()``); default None: see ``jobs``.
        strict: treat warnings as errors (the load's, and a plugin that fails to import);
            default False.
        force: render every artifact, even unchanged ones; default False.
        registry: where renderer names are looked up; default None: the installed renderers.
        progress: called as ``progress(event, job, done, total)`` with event ``"start"`` or
            ``"done"`` for each job rendered; default None.
        extra: free-form ``{key: value}`` options passed to renderers (``BuildOptions.extra``,
            part of every input hash, so changing one re-renders); default None.
        budget: a :class:`~ketapub.budget.Budget` of seconds and megabytes per render; with it
            (and no executor) each job renders in its own worker process, stopped and
            reported as a failed artifact when it overruns, and a ``source`` given as a path
            is loaded in one too (overrunning that is a :class:`KetapubError`, nothing
            written); default None: no limit.

    Returns:
        A :class:`BuildResult`: every artifact in the manifest, what was rendered, skipped
        and removed, the next release and the warnings.

    Raises:
        SourceError: ``source`` is a folder with problems (see :func:`ketapub.load`).
        UsageError: an impossible option (unknown brand, bad page size, bad ``as_of``).
        RendererError: a name in ``formats`` is not installed (``PluginError``: it is
            installed but fails to import).
        BuildError: some artifacts failed; ``error.result`` tells what landed.
    """
    started = time.perf_counter()
    # not the source, /, ~, "", a mount, a folder of someone else's files
    check_output(out, None if isinstance(source, Series) else source, UsageError)
    if isinstance(source, Series):
        series = source
    elif budget is not None:  # loading is work on untrusted input too: the same budget
        series = load_within(budget, source, strict=strict)
    else:
        series = load(source, strict=strict)
    when = resolve_as_of(as_of, series.tz)
    page_size = page_size_name(page_size)
    if page_size not in (None, *PAGE_SIZES):
        raise UsageError(f"page size {page_size!r} is not A4 or Letter")
    if not 1 <= heading_level <= 5:
        raise UsageError("heading level must be between 1 and 5")
    brand_ids = tuple(sorted(set(brands)))
    options = BuildOptions(
        brands=brand_ids, large_print=large_print, page_size=page_size,
        heading_level=heading_level, templates=tuple(str(Path(t)) for t in templates),
        extra=tuple(sorted((extra or {}).items())))
    skipped_plugins: list[PluginError] = []
    renderers = select_renderers(formats, registry, strict=strict, skipped=skipped_plugins)
    check_brands(series, renderers, options)
    ctx = RenderContext(series=series, as_of=when, options=options)
    planned = plan(renderers, ctx)
    write.check_case_collisions(j.path for j in planned)
    ctx = RenderContext(series=series, as_of=when, options=options,
                        planned=tuple(j.path for j in planned))
    out_path = Path(out)
    write.check_output_folder(out_path, UsageError)  # before any work: a file would be lost
    try:
        write.tidy(out_path)  # spools and stages of killed builds, even if nothing changes
    except OSError as exc:
        raise KetapubError(f"{exc.filename or out_path}: cannot tidy next to the output folder: "
                           f"{exc.strerror or exc}") from exc
    old = write.read_manifest(out_path)
    on_disk: dict[str, bool] = {}

    def intact(path: str) -> bool:
        """True when the file at ``path`` still has the bytes the manifest lists. The size
        alone is not enough: a file edited in place to the same size would never be
        repaired. Hashing a kept file costs a read (sha256 runs at some 300 MB/s even on a
        busy machine), far less than rendering it."""
        if path not in on_disk:
            entry = old[path]
            try:
                target = out_path / path
                on_disk[path] = (target.is_file() and target.stat().st_size == entry.bytes
                                 and _file_sha256(target) == entry.sha256)
            except OSError:
                on_disk[path] = False
        return on_disk[path]

    def unchanged(job: Job) -> bool:
        entry = old.get(job.path)
        if force or entry is None or entry.input_hash != job.input_hash:
            return False
        return intact(job.path)

    by_name = {r.name: r for r in renderers}
    infos: dict[str, ArtifactInfo] = {}
    new_files: dict[str, Path] = {}
    entries: dict[str, write.Entry] = {}
    errors: list[RenderError] = []
    rendered: list[str] = []
    skipped: list[str] = []
    total = len(planned)
    done = 0
    released_now = tuple(p.part for p in ctx.released)

    def embargo(job: Job) -> dict[str, tuple[int, ...] | None]:
        """What ``serve`` waits for before it hands the file out (see write.Entry)."""
        shows = job.shows
        return {"parts": shows, "released": released_now if shows is None else None}

    for job in planned:
        if unchanged(job):
            e = replace(old[job.path], brand=job.brand, variant=job.variant, **embargo(job))
            entries[job.path] = e
            infos[job.path] = ArtifactInfo(e.path, e.sha256, e.bytes, e.media_type)
            skipped.append(job.path)
            done += 1
    todo = [j for j in planned if j.path not in entries]

    pool: Executor | None = executor
    own_pool = False
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if pool is None and budget is not None and todo:
        pool = BudgetExecutor(budget, min(workers, len(todo)))
        own_pool = True
    elif pool is None and workers > 1 and len(todo) > 1:
        pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)),
                                   initializer=_worker_signals)
        own_pool = True
    # a few jobs per worker in flight; an executor of unknown size (Dask) gets a wide window
    window = 1 if pool is None else 2 * workers if own_pool else max(64, 2 * workers)
    spool: Path | None = None

    def finish(job: Job, artifact: Artifact | None, error: RenderError | None) -> None:
        nonlocal done, spool
        if artifact is not None:
            digest = write.sha256(artifact.data)
            try:
                if spool is None:
                    spool = write.spool_folder(out_path)
                new_files[job.path] = write.spool(spool, job.path, artifact.data)
            except OSError as exc:  # disk full, permissions: a clear message, no traceback
                raise KetapubError(f"{exc.filename or out_path}: cannot write next to the "
                                   f"output folder: {exc.strerror or exc}; the output folder "
                                   "is left as the last build left it") from exc
            entries[job.path] = write.Entry(job.path, digest, len(artifact.data),
                                            job.renderer, job.input_hash, artifact.media_type,
                                            job.brand, job.variant, **embargo(job))
            infos[job.path] = ArtifactInfo(job.path, digest, len(artifact.data),
                                           artifact.media_type)
            rendered.append(job.path)
        elif error is not None:
            errors.append(error)
        done += 1
        if progress:
            progress("done", job, done, total)

    try:
        if progress:
            for job in todo:
                progress("start", job, done, total)
        _render_all(todo, by_name, ctx, pool, window, infos, finish,
                    functools.partial(_stop_workers, pool) if own_pool and pool else None)
    except BaseException:  # Ctrl-C, SIGTERM, a full disk: leave nothing behind
        if spool is not None:
            shutil.rmtree(spool, ignore_errors=True)
        raise
    finally:
        if own_pool and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    order = {j.path: i for i, j in enumerate(planned)}
    rendered.sort(key=order.__getitem__)
    errors.sort(key=lambda e: order.get(e.artifact, len(order)))
    # An old output goes only when this build covered its scope and no longer makes it; a
    # failed artifact, and every output of a scope not covered, keeps its previous file.
    covers = Coverage.of(by_name, options, planned)
    failed = {e.artifact for e in errors}
    for path, entry in old.items():
        keep = path not in entries and (path in failed or not covers(entry))
        if keep and (out_path / path).is_file():
            entries[path] = entry
    removed = sorted(p for p in old if p not in entries)
    for path in list(new_files):  # same bytes as the file already there: link, don't rewrite
        prev = old.get(path)
        if prev and prev.sha256 == entries[path].sha256 and intact(path):
            del new_files[path]
    changed = bool(new_files) or set(entries) != set(old)
    nxt = ctx.next_release
    meta = {"series": series.title, "as_of_released": list(released_now),
            "next_release": nxt.isoformat() if nxt else None}
    manifest_now = write.manifest_bytes(entries.values(), meta)
    try:
        current = (out_path / write.MANIFEST).read_bytes()
    except OSError:
        current = b""
    try:
        if changed or current != manifest_now:
            try:
                write.commit(out_path, new_files, entries, meta)
            except OSError as exc:  # disk full, permissions: a clear message, no traceback
                raise KetapubError(f"{exc.filename or out_path}: cannot write the output "
                                   f"folder: {exc.strerror or exc}; it is left as the last "
                                   "build left it") from exc
    finally:
        if spool is not None:
            shutil.rmtree(spool, ignore_errors=True)
    result = BuildResult(
        out=out_path, as_of=when,
        artifacts=tuple(sorted(entries.values(), key=lambda e: e.path)),
        rendered=tuple(rendered), skipped=tuple(skipped), removed=tuple(removed),
        next_release=nxt, seconds=time.perf_counter() - started, errors=tuple(errors),
        warnings=(*series.warnings, *skipped_plugins))
    if errors:
        raise BuildError(result)
    return result


def render(source: Series | str | os.PathLike[str], renderer: str | Sequence[str], *,
           as_of: AsOf = None, path: str | None = None,
           registry: Registry | None = None, brands: Sequence[str] = (),
           large_print: bool = False, page_size: str | None = None, heading_level: int = 2,
           templates: Sequence[str | os.PathLike[str]] = (),
           extra: dict[str, str] | None = None) -> dict[str, bytes]:
    """Render artifacts in memory, touching no disk: ``{path: bytes}`` in plan order.

    Args:
        source: a loaded :class:`Series`, or the path of a source folder to load.
        renderer: renderer names: a name, a comma list (``"rss,atom"``) or a sequence.
        as_of: the instant, as :func:`build` accepts it; default None: SOURCE_DATE_EPOCH,
            else now.
        path: make only this artifact (``"feed/feed.json"``); default None: all of them.
        registry: where renderer names are looked up; default None: the installed renderers.
        brands: brand ids (or ``"all"``) for branded handouts; default none.
        large_print: large-print handouts; default False.
        page_size: ``"A4"`` or ``"Letter"``; default None: the brand's, else the series'.
        heading_level: heading level of a part title in HTML fragments; default 2.
        templates: folders searched for templates before the built-ins; default none.
        extra: free-form options passed to renderers; default None.

    Raises:
        RendererError: a name is not installed, or its plugin fails to import.
        UsageError: no renderer makes ``path``, or a bad ``as_of``.
    """
    series = source if isinstance(source, Series) else load(source)
    when = resolve_as_of(as_of, series.tz)
    opts = BuildOptions(brands=tuple(sorted(set(brands))), large_print=large_print,
                        page_size=page_size_name(page_size), heading_level=heading_level,
                        templates=tuple(str(Path(t)) for t in templates),
                        extra=tuple(sorted((extra or {}).items())))
    chosen = select_renderers(renderer, registry)
    check_brands(series, chosen, opts)
    by_name = {r.name: r for r in chosen}
    ctx = RenderContext(series=series, as_of=when, options=opts)
    jobs = plan(chosen, ctx)
    ctx = RenderContext(series=series, as_of=when, options=opts,
                        planned=tuple(j.path for j in jobs))
    if path is not None:
        jobs = [j for j in jobs if j.path == path]
        if not jobs:
            names = ", ".join(repr(n) for n in by_name)
            raise UsageError(f"renderer {names} makes no {path!r}" if len(by_name) == 1
                             else f"renderers {names} make no {path!r}")
    return {j.path: _render_one(by_name[j.renderer], j, ctx).data for j in jobs}
