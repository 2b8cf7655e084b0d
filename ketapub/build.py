"""The pipeline: load -> plan -> render -> write, seen only through the Renderer interface.

Jobs whose input hash matches the current output are skipped (incremental builds); the rest
render in the caller's executor, or in worker processes (``jobs``), or in this process. A
failing job is reported with its path; the others still land, and the failed one keeps its
previous file, so the output folder always matches its manifest.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ketapub import write
from ketapub.budget import Budget, BudgetExecutor
from ketapub.errors import KetapubError, RenderError, UsageError
from ketapub.load import load
from ketapub.model import Series
from ketapub.plan import plan, waves
from ketapub.render.base import Artifact, ArtifactInfo, BuildOptions, Job, RenderContext, Renderer
from ketapub.render.registry import Registry, installed
from ketapub.schedule import resolve_as_of

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

    @property
    def ok(self) -> bool:
        return not self.errors


class BuildError(KetapubError):
    """Some artifacts failed; the others were written. ``result`` tells what landed."""

    def __init__(self, result: BuildResult):
        self.result = result
        super().__init__("\n".join(str(e) for e in result.errors))


def _render_one(renderer: Renderer, job: Job, ctx: RenderContext) -> Artifact:
    """Top-level (picklable) worker entry point."""
    artifact = renderer.render(job, ctx)
    if artifact.path != job.path:
        raise RenderError(job.path, f"renderer returned {artifact.path!r} instead")
    if not isinstance(artifact.data, bytes):
        raise RenderError(job.path, "renderer returned non-bytes data")
    return artifact


def select_renderers(formats: Iterable[str] | None, registry: Registry | None = None
                     ) -> list[Renderer]:
    """Renderer instances for ``formats`` (names, comma lists allowed); all when None."""
    reg = registry or installed()
    names: list[str] = []
    for item in formats or reg.names():
        for name in str(item).split(","):
            name = name.strip()
            if name and name not in names:
                names.append(name)
    if not names:
        raise UsageError("no renderer selected")
    return [reg.create(n) for n in names]


def build(
    source: Series | str | os.PathLike[str],
    out: str | os.PathLike[str] = "output",
    *,
    formats: Sequence[str] | None = None,
    as_of: datetime | str | None = None,
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
    """Build ``source`` into ``out``. See the README for every option.

    ``executor`` may be any ``concurrent.futures.Executor`` (a process pool, a Dask
    ``Client.get_executor()``); else ``jobs`` > 1 starts that many worker processes.
    With ``budget`` (and no executor), every job renders in its own worker process that is
    stopped when it overruns the time or memory budget; it is reported as a failed artifact.
    """
    started = time.perf_counter()
    series = source if isinstance(source, Series) else load(source, strict=strict)
    when = resolve_as_of(as_of, series.tz)
    if page_size not in (None, "A4", "Letter"):
        raise UsageError(f"page size {page_size!r} is not A4 or Letter")
    if not 1 <= heading_level <= 5:
        raise UsageError("heading level must be between 1 and 5")
    brand_ids = tuple(sorted(set(brands)))
    for b in brand_ids:
        if b != "all" and series.get_brand(b) is None:
            known = ", ".join(x.id for x in series.brands) or "none"
            raise UsageError(f"unknown brand {b!r}; brands in the source: {known}")
    options = BuildOptions(
        brands=brand_ids, large_print=large_print, page_size=page_size,
        heading_level=heading_level, templates=tuple(str(Path(t)) for t in templates),
        extra=tuple(sorted((extra or {}).items())))
    renderers = select_renderers(formats, registry)
    ctx = RenderContext(series=series, as_of=when, options=options)
    planned = plan(renderers, ctx)
    write.check_case_collisions(j.path for j in planned)
    ctx = RenderContext(series=series, as_of=when, options=options,
                        planned=tuple(j.path for j in planned))
    out_path = Path(out)
    old = write.read_manifest(out_path)

    def unchanged(job: Job) -> bool:
        entry = old.get(job.path)
        if force or entry is None or entry.input_hash != job.input_hash:
            return False
        target = out_path / job.path
        try:
            return target.stat().st_size == entry.bytes
        except OSError:
            return False

    by_name = {r.name: r for r in renderers}
    infos: dict[str, ArtifactInfo] = {}
    new_bytes: dict[str, bytes] = {}
    entries: dict[str, write.Entry] = {}
    errors: list[RenderError] = []
    rendered: list[str] = []
    skipped: list[str] = []
    total = len(planned)
    done = 0
    for job in planned:
        if unchanged(job):
            e = old[job.path]
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
        pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)))
        own_pool = True
    try:
        for wave in waves(todo):
            wave_ctx = ctx.with_deps({d: infos[d] for j in wave for d in j.depends_on
                                      if d in infos})
            futures: list[tuple[Job, Future[Artifact] | None]] = []
            for job in wave:
                if progress:
                    progress("start", job, done, total)
                if pool is not None:
                    futures.append((job, pool.submit(_render_one, by_name[job.renderer], job,
                                                     wave_ctx)))
                else:
                    futures.append((job, None))
            for job, future in futures:
                try:
                    if future is None:
                        artifact = _render_one(by_name[job.renderer], job, wave_ctx)
                    else:
                        artifact = future.result()
                except RenderError as exc:
                    errors.append(exc)
                except KetapubError as exc:
                    errors.append(RenderError(job.path, str(exc)))
                except Exception as exc:  # a renderer bug: report it as that artifact's failure
                    errors.append(RenderError(job.path, f"{type(exc).__name__}: {exc}"))
                else:
                    digest = write.sha256(artifact.data)
                    new_bytes[job.path] = artifact.data
                    entries[job.path] = write.Entry(job.path, digest, len(artifact.data),
                                                    job.renderer, job.input_hash,
                                                    artifact.media_type)
                    infos[job.path] = ArtifactInfo(job.path, digest, len(artifact.data),
                                                   artifact.media_type)
                    rendered.append(job.path)
                done += 1
                if progress:
                    progress("done", job, done, total)
    finally:
        if own_pool and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    # A failed artifact keeps its previous file; renderers not run keep all theirs.
    ran = set(by_name)
    for path, entry in old.items():
        failed = any(e.artifact == path for e in errors)
        keep = path not in entries and (entry.renderer not in ran or failed)
        if keep and (out_path / path).is_file():
            entries[path] = entry
    planned_paths = {j.path for j in planned}
    removed = sorted(p for p, e in old.items() if p not in entries and e.renderer in ran
                     and p not in planned_paths)
    for path in list(new_bytes):  # same bytes as the file already there: link, don't rewrite
        prev = old.get(path)
        if prev and prev.sha256 == entries[path].sha256 and (out_path / path).is_file():
            del new_bytes[path]
    changed = bool(new_bytes) or set(entries) != set(old)
    nxt = ctx.next_release
    meta = {"series": series.title, "as_of_released": [p.part for p in ctx.released],
            "next_release": nxt.isoformat() if nxt else None}
    manifest_now = write.manifest_bytes(entries.values(), meta)
    try:
        current = (out_path / write.MANIFEST).read_bytes()
    except OSError:
        current = b""
    if changed or current != manifest_now:
        try:
            write.commit(out_path, new_bytes, entries, meta)
        except OSError as exc:  # disk full, permissions: a clear message, never a traceback
            raise KetapubError(f"{exc.filename or out_path}: cannot write the output folder: "
                               f"{exc.strerror or exc}; it is left as the last build left it"
                               ) from exc
    result = BuildResult(
        out=out_path, as_of=when,
        artifacts=tuple(sorted(entries.values(), key=lambda e: e.path)),
        rendered=tuple(rendered), skipped=tuple(skipped), removed=tuple(removed),
        next_release=nxt, seconds=time.perf_counter() - started, errors=tuple(errors),
        warnings=series.warnings)
    if errors:
        raise BuildError(result)
    return result


def render(source: Series | str | os.PathLike[str], renderer: str, *,
           as_of: datetime | str | None = None, path: str | None = None,
           registry: Registry | None = None, **options: Any) -> dict[str, bytes]:
    """Render one renderer's artifacts in memory, touching no disk: ``{path: bytes}``.

    With ``path``, only that artifact is made. Options are those of :func:`build`.
    """
    series = source if isinstance(source, Series) else load(source)
    when = resolve_as_of(as_of, series.tz)
    opts = BuildOptions(**{k: (tuple(v) if isinstance(v, list) else v)
                           for k, v in options.items()})
    r = select_renderers([renderer], registry)[0]
    ctx = RenderContext(series=series, as_of=when, options=opts)
    jobs = plan([r], ctx)
    ctx = RenderContext(series=series, as_of=when, options=opts,
                        planned=tuple(j.path for j in jobs))
    if path is not None:
        jobs = [j for j in jobs if j.path == path]
        if not jobs:
            raise UsageError(f"renderer {renderer!r} makes no {path!r}")
    return {j.path: _render_one(r, j, ctx).data for j in jobs}
