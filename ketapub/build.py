"""The build pipeline, in named phases.

It sees the renderers only through the Renderer interface:

1. ``resolve()``: load the source, fix the instant, check the options, pick the renderers;
2. ``plan_build()``: ask the renderers for their jobs, with input hashes (``plan.py``);
3. ``skip_unchanged()``: keep the artifacts whose input hash and file are unchanged;
4. ``execute()``: render the rest (in the caller's executor, in worker processes or here;
   see ``execute.py``), while ``Spool`` streams each finished artifact to a folder
   next to the output folder, so memory stays flat for ten files or ten thousand;
5. with ``ahead``, ``ketapub.ahead.render_states()``: the same for each future release
   state, into the embargo area, reusing every file a state shares with the build;
6. ``commit()``: decide what stays and what goes, and swap the new tree in atomically.

A failing job is reported with its path; the others still land, and the failed one keeps
its previous file, so the output folder always matches its manifest. Each phase gets what
it needs as arguments: no state lives between builds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ketapub import ahead as ahead_states
from ketapub import write
from ketapub.budget import Budget, load_within
from ketapub.embargo import FOLDER as EMBARGO
from ketapub.embargo import edition_releases, entry_fields, is_embargo_path
from ketapub.errors import (
    BuildError,
    Diagnostic,
    KetapubError,
    PluginError,
    RenderError,
    SourceError,
    UsageError,
)
from ketapub.execute import Pool, Runner, page_layouts, render_one
from ketapub.load import load
from ketapub.model import Brand, Series
from ketapub.outdir import check_output
from ketapub.paths import LARGE_PRINT
from ketapub.plan import plan
from ketapub.render import options as renderer_options
from ketapub.render.base import Artifact, ArtifactInfo, BuildOptions, Job, RenderContext, Renderer
from ketapub.render.options import RendererOptions
from ketapub.render.registry import Registry, installed
from ketapub.schedule import AsOf, resolve_as_of

Progress = Callable[[str, Job, int, int], None]
"""Called as ``progress(event, job, done, total)`` with event "start" or "done"."""

Options = Mapping[str, Mapping[str, Any] | RendererOptions]
"""Renderer options as the API takes them: ``{"pdf": {"page_size": "Letter"}}``."""


@dataclass(frozen=True)
class BuildResult:
    """What a build made. ``artifacts`` lists every file in the manifest after the build."""

    out: Path
    """The output folder."""
    as_of: datetime
    """The build instant, aware, in UTC."""
    artifacts: tuple[write.Entry, ...]
    """Every file of the manifest after the build, this build's or kept."""
    rendered: tuple[str, ...]
    """Paths rendered by this build."""
    skipped: tuple[str, ...]
    """Not rendered: unchanged, or taken from the state of the embargo area that a build
    ahead of this instant made (``take_from_states``)."""
    removed: tuple[str, ...]
    """Paths of old outputs this build removed (a scope it covered no longer makes them)."""
    next_release: datetime | None
    """The next release instant after ``as_of`` (rebuild then), or None."""
    seconds: float
    """How long the build took."""
    errors: tuple[RenderError, ...] = ()
    """One per failed artifact; ``BuildError`` carries this result."""
    warnings: tuple[Any, ...] = field(default=())
    """The load's warnings (``Diagnostic``), then one ``PluginError`` per installed
    plugin a build of every renderer left out because it fails to import."""

    @property
    def ok(self) -> bool:
        """True when no artifact failed."""
        return not self.errors


@dataclass(frozen=True)
class Coverage:
    """The variant scopes a build covered: which renderers ran, for which brands, in which variants.

    An old output of a covered scope that the build no longer makes is removed; any other old output
    stays (``--format``, ``--brand a``, no ``--large-print``).
    """

    renderers: frozenset[str]
    brands: frozenset[str]
    """Brand ids asked for; "all" covers every brand, also brands gone from the source."""
    large_print: bool
    variants: frozenset[tuple[str, str]]
    """(renderer, variant) pairs planned: a third-party variant is covered when planned."""

    @classmethod
    def of(cls, renderers: Iterable[str], options: BuildOptions, planned: Iterable[Job]
           ) -> Coverage:
        """The scopes of a build of ``renderers`` with ``options`` that planned ``planned``.

        Args:
            renderers: the names of the renderers that ran.
            options: the build's options (its brands and large print).
            planned: every job planned.
        """
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


def format_names(formats: str | Iterable[str] | None) -> list[str] | None:
    """Normalise ``formats`` to a list of renderer names.

    Renderer names from a str (``"pdf"``, ``"rss,atom"``) or a sequence of them, in order and
    without repeats; None when ``formats`` is None (every installed renderer).

    Args:
        formats: a name, a comma list, a sequence of either, or None.

    Examples:
        >>> format_names(["rss,atom", "pdf", "rss"])
        ['rss', 'atom', 'pdf']
    """
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
    load is left out and its ``PluginError`` appended to ``skipped`` (an error under
    ``strict``), so one broken third-party plugin does not stop every default build.

    Args:
        formats: a name, a comma list, a sequence of either, or None for all.
        registry: where names are looked up; default None: the installed renderers.
        strict: a plugin that fails to load is an error; default False.
        skipped: where to append the errors of the plugins left out; default None.
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


SHORTHANDS = {"page_size": ("pdf", "page_size"), "heading_level": ("html", "heading_level")}
"""Keywords of ``build()`` (and flags of the command line) that set a renderer option."""


def options_for(given: Options | None, registry: Registry | None = None, *,
                text: bool = False, **shorthands: Any
                ) -> tuple[tuple[str, RendererOptions], ...]:
    """Check renderer options against what each renderer declares.

    Args:
        given: ``{renderer: {option: value}}`` or ``{renderer: OptionsInstance}``.
        registry: where renderers are looked up; default None: the installed ones.
        text: values are text from the command line (``"3"`` for 3) instead of typed.
        shorthands: ``page_size=`` and ``heading_level=`` (see ``SHORTHANDS``); None
            means not given.

    Raises:
        UsageError: an unknown renderer or option, a value of the wrong type, or an option
            given both ways.
    """
    merged: dict[str, Any] = {k: (dict(v) if isinstance(v, Mapping) else v)
                              for k, v in (given or {}).items()}
    for keyword, value in shorthands.items():
        if value is None:
            continue
        name, key = SHORTHANDS[keyword]
        values = merged.setdefault(name, {})
        if not isinstance(values, dict) or key in values:
            raise UsageError(f"option {name}.{key} is given twice ({keyword}= and options=)")
        values[key] = value
    reg = registry or installed()
    for name in merged:
        if name not in reg.names():
            raise UsageError(f"options for unknown renderer {name!r}; installed: "
                             f"{', '.join(reg.names()) or 'none'}")
    classes = {name: reg.get(name).options_class for name in merged}
    return renderer_options.resolve(merged, classes, strict=not text)


def build_options(registry: Registry | None = None, *, brands: Sequence[str] = (),
                  large_print: bool = False, templates: Sequence[str | os.PathLike[str]] = (),
                  options: Options | None = None, **shorthands: Any) -> BuildOptions:
    """The ``BuildOptions`` of a build or a render, checked (see ``options_for()``).

    Args:
        registry: where renderer names are looked up; default None: the installed ones.
        brands: brand ids (or ``"all"``); default none.
        large_print: the large-print variants too; default False.
        templates: template folders, first wins; default none.
        options: each renderer's options, as ``build()`` takes them; default None.
        **shorthands: ``page_size`` and ``heading_level``, as ``build()`` takes them.
    """
    return BuildOptions(brands=tuple(sorted(set(brands))), large_print=large_print,
                        templates=tuple(str(Path(t)) for t in templates),
                        renderers=options_for(options, registry, **shorthands))


def check_brands(series: Series, renderers: Sequence[Renderer], options: BuildOptions) -> None:
    """Refuse missing brands, and broken brand files that this build would need.

    Refuse brands the build asks for that the source lacks, and a broken brand file
    (``Series.broken_brands``) when these renderers would make branded output for it: only then is
    it an error, so one clinic's typo blocks no other output.

    Args:
        series: the loaded series.
        renderers: the build's renderers.
        options: the build's options (its brands).
    """
    wanted = options.brands
    broken = [b for b in series.broken_brands if "all" in wanted or b.id in wanted]
    _check_known(series, wanted, {b.id for b in broken})
    if not broken or not _makes_branded(series, renderers, options):
        return
    problems = [d for b in broken for d in b.problems]
    problems += [_unbuildable(b.id, b.path, len(b.problems), "all" in wanted) for b in broken]
    raise SourceError(problems)


def _unbuildable(brand: str, path: str, n: int, every: bool) -> Diagnostic:
    flag = "--brand all" if every else f"--brand {brand}"
    return Diagnostic(path, 1, 1, f"brand {brand!r} cannot be built: {n} "
                      f"problem{'' if n == 1 else 's'} in this file; fix "
                      f"{'it' if n == 1 else 'them'}, or build without {flag}")


def _check_known(series: Series, wanted: Sequence[str], broken: set[str]) -> None:
    for bid in wanted:
        if bid != "all" and series.get_brand(bid) is None and bid not in broken:
            known = ", ".join(x.id for x in series.brands) or "none"
            raise UsageError(f"unknown brand {bid!r}; brands in the source: {known}")


def _makes_branded(series: Series, renderers: Sequence[Renderer], options: BuildOptions
                   ) -> bool:
    """Would these renderers make branded output?

    Asked with a stand-in brand and every part released, so the answer does not change with the
    build's instant.
    """
    probe = series.model_copy(update={"brands": (Brand(id="probe", name="probe"),)})
    ctx = RenderContext(series=probe, as_of=datetime(3000, 1, 1, tzinfo=UTC),
                        options=replace(options, brands=("all",)))
    return any(job.brand for r in renderers for job in r.plan(probe, ctx))


# --- 1. resolve ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Setup:
    """What a build works from once its inputs are checked."""

    series: Series
    as_of: datetime
    options: BuildOptions
    renderers: tuple[Renderer, ...]
    warnings: tuple[Any, ...]
    """The load's warnings, then the plugins left out because they fail to import."""


def resolve(source: Series | str | os.PathLike[str], *, formats: str | Sequence[str] | None,
            as_of: AsOf, registry: Registry | None, strict: bool, budget: Budget | None,
            **options: Any) -> Setup:
    """Phase 1: load the source, fix the instant, check the options, pick the renderers.

    Load ``source`` (under ``budget`` when given), fix the instant, check the options (``options``:
    the keywords of ``build_options()``) and pick the renderers.

    Args:
        source: a loaded series, or a source folder.
        formats: the renderers, as ``build()`` takes them.
        as_of: the instant, as ``build()`` takes it.
        registry: where renderer names are looked up; None: the installed ones.
        strict: warnings are errors.
        budget: the budget to load the source under; None: no limit.
        **options: the keywords of ``build_options()``.
    """
    if isinstance(source, Series):
        series = source
    elif budget is not None:  # loading is work on untrusted input too: the same budget
        series = load_within(budget, source, strict=strict)
    else:
        series = load(source, strict=strict)
    when = resolve_as_of(as_of, series.tz)
    checked = build_options(registry, **options)
    skipped: list[PluginError] = []
    renderers = select_renderers(formats, registry, strict=strict, skipped=skipped)
    check_brands(series, renderers, checked)
    return Setup(series, when, checked, tuple(renderers), (*series.warnings, *skipped))


# --- 2. plan ------------------------------------------------------------------------------

def plan_build(setup: Setup) -> tuple[list[Job], RenderContext]:
    """Plan the build: every job with its input hash, and the render context.

    Every job with its input hash, and the context the renderers render with (it knows every planned
    path).

    Args:
        setup: what ``resolve()`` made.
    """
    ctx = RenderContext(series=setup.series, as_of=setup.as_of, options=setup.options)
    planned = plan(setup.renderers, ctx)
    return planned, replace(ctx, planned=tuple(j.path for j in planned))


# --- 3. skip unchanged --------------------------------------------------------------------

def _file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class OnDisk:
    """Whether an output file still has the bytes the old manifest lists.

    The size alone is not enough: a file edited in place to the same size would never be repaired.
    Hashing a kept file costs a read (sha256 runs at some 300 MB/s even on a busy machine), far less
    than rendering it. Each file is read once per build.

    Args:
        out: the output folder.
        old: the previous build's manifest entries by path.
    """

    def __init__(self, out: Path, old: Mapping[str, write.Entry]):
        self.out, self.old = out, old
        self.known: dict[str, bool] = {}

    def intact(self, path: str) -> bool:
        """Whether the file at ``path`` still has the size and sha256 the old manifest lists.

        Args:
            path: an output path the old manifest lists.
        """
        if path not in self.known:
            entry = self.old[path]
            try:
                target = self.out / path
                self.known[path] = (target.is_file() and target.stat().st_size == entry.bytes
                                    and _file_sha256(target) == entry.sha256)
            except OSError:
                self.known[path] = False
        return self.known[path]


@dataclass
class Outcome:
    """Where the build stands.

    The manifest entries so far, the infos dependent jobs may read, and what was rendered, skipped
    or failed.
    """

    released: tuple[int, ...]
    """The parts out as of the build."""
    editions: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """The parts of each translation out as of the build, by language."""
    entries: dict[str, write.Entry] = field(default_factory=dict)
    infos: dict[str, ArtifactInfo] = field(default_factory=dict)
    rendered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[RenderError] = field(default_factory=list)


def skip_unchanged(planned: Sequence[Job], old: Mapping[str, write.Entry], on_disk: OnDisk,
                   outcome: Outcome, *, force: bool) -> list[Job]:
    """Skip each job whose input hash and file are unchanged; return the jobs left to render.

    Record each job whose input hash and file are unchanged as skipped (its entry kept, its scope
    and embargo refreshed); return the jobs left to render.

    Args:
        planned: every job planned.
        old: the old manifest's entries.
        on_disk: checks the old files' bytes.
        outcome: where skipped jobs are recorded.
        force: skip nothing.
    """
    todo = []
    for job in planned:
        entry = old.get(job.path)
        if (force or entry is None or entry.input_hash != job.input_hash
                or not on_disk.intact(job.path)):
            todo.append(job)
            continue
        e = replace(entry, brand=job.brand, variant=job.variant,
                    **entry_fields(job, outcome.released, outcome.editions))
        outcome.entries[job.path] = e
        outcome.infos[job.path] = ArtifactInfo(e.path, e.sha256, e.bytes, e.media_type)
        outcome.skipped.append(job.path)
    return todo


def take_from_states(todo: Sequence[Job], old: Mapping[str, write.Entry], on_disk: OnDisk,
                     outcome: Outcome, spool: Spool) -> list[Job]:
    """Link each job that the previous build already rendered ahead, instead of rendering it.

    Link, rather than render, each job that a state of the previous build's embargo area already
    made (same path and input hash, file intact): a build as of a release instant finds the state it
    rendered ahead.

    Args:
        todo: the jobs left to render.
        old: the old manifest's entries, embargo area included.
        on_disk: checks the old files' bytes.
        outcome: where the linked jobs are recorded.
        spool: where the links go.

    Returns:
        The jobs left to render.
    """
    made: dict[tuple[str, str], list[write.Entry]] = {}
    for path, entry in sorted(old.items()):
        if is_embargo_path(path):
            made.setdefault((path.split("/", 2)[2], entry.input_hash), []).append(entry)
    if not made:
        return list(todo)
    left = []
    for job in todo:
        hit = next((e for e in made.get((job.path, job.input_hash), ())
                    if on_disk.intact(e.path)), None)
        if hit is None:
            left.append(job)
            continue
        e = replace(hit, path=job.path, brand=job.brand, variant=job.variant,
                    **entry_fields(job, outcome.released, outcome.editions))
        outcome.entries[job.path] = e
        outcome.infos[job.path] = ArtifactInfo(e.path, e.sha256, e.bytes, e.media_type)
        outcome.skipped.append(job.path)
        spool.files[job.path] = write.Same(hit.path, old=True)
    return left


# --- 4. execute, 5. spool -----------------------------------------------------------------

class Spool:
    """Takes each finished job.

    Its bytes go to a spool folder next to the output folder (made on first use), its entry and info
    to ``outcome``, its failure to the errors.

    Args:
        out: the output folder; the spool folder goes next to it.
        outcome: where entries, infos and errors are recorded.
        progress: the build's progress callback, or None.
        total: how many jobs the build planned, for progress.
    """

    def __init__(self, out: Path, outcome: Outcome, progress: Progress | None, total: int):
        self.out, self.outcome, self.progress, self.total = out, outcome, progress, total
        self.done = len(outcome.skipped)
        self.folder: Path | None = None
        self.files: dict[str, Path | write.Same] = {}
        self.others: list[Spool] = []
        """Spools of the future states, discarded with this one."""

    def finish(self, job: Job, artifact: Artifact | None, error: RenderError | None) -> None:
        """Take one finished job: spool its artifact, or record its error, and report progress.

        Args:
            job: the job.
            artifact: what it made, or None.
            error: why it failed, or None.
        """
        if artifact is not None:
            self._keep(job, artifact)
        elif error is not None:
            self.outcome.errors.append(error)
        self.done += 1
        if self.progress:
            self.progress("done", job, self.done, self.total)

    def _keep(self, job: Job, artifact: Artifact) -> None:
        digest = write.sha256(artifact.data)
        try:
            if self.folder is None:
                self.folder = write.spool_folder(self.out)
            self.files[job.path] = write.spool(self.folder, job.path, artifact.data)
        except OSError as exc:  # disk full, permissions: a clear message, no traceback
            raise KetapubError(f"{exc.filename or self.out}: cannot write next to the "
                               f"output folder: {exc.strerror or exc}; the output folder "
                               "is left as the last build left it") from exc
        size = len(artifact.data)
        self.outcome.entries[job.path] = write.Entry(
            job.path, digest, size, job.renderer, job.input_hash, artifact.media_type,
            job.brand, job.variant,
            **entry_fields(job, self.outcome.released, self.outcome.editions))
        self.outcome.infos[job.path] = ArtifactInfo(job.path, digest, size, artifact.media_type)
        self.outcome.rendered.append(job.path)

    def discard(self) -> None:
        """Remove the spool folder (and the states' spools) without committing anything."""
        for other in self.others:
            other.discard()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def execute(todo: Sequence[Job], renderers: Sequence[Renderer], ctx: RenderContext,
            spool: Spool, pool: Pool, progress: Progress | None) -> None:
    """Render ``todo`` in ``pool``, handing each finished job to ``spool``.

    Interrupted (Ctrl-C, SIGTERM) or failing to spool, it leaves nothing behind: the spool goes.

    Args:
        todo: the jobs to render.
        renderers: the build's renderers.
        ctx: the render context.
        spool: takes each finished job.
        pool: where to render.
        progress: the build's progress callback, or None.
    """
    if progress:
        for job in todo:
            progress("start", job, spool.done, spool.total)
    runner = Runner({r.name: r for r in renderers}, ctx, pool.executor, pool.window,
                    spool.outcome.infos, spool.finish, pool.split)
    try:
        runner.run(todo, pool.stopper())
    except BaseException:  # Ctrl-C, SIGTERM, a full disk: leave nothing behind
        spool.discard()
        raise
    finally:
        pool.close()


# --- 6. commit ----------------------------------------------------------------------------

def settle(outcome: Outcome, old: Mapping[str, write.Entry], covers: Coverage,
           planned: Sequence[Job], out: Path, states: Iterable[str] = ()) -> list[str]:
    """Put results in plan order and keep the old outputs that stay.

    A failed artifact's, and every output of a scope this build did not cover, except in the embargo
    area a file of a state this build does not have (``states``: the folders it has).

    Args:
        outcome: where the build stands.
        old: the old manifest's entries.
        covers: the scopes this build covered.
        planned: every job planned.
        out: the output folder.
        states: the embargo folders of the states this build has; default none.

    Returns:
        The paths removed.
    """
    order = {j.path: i for i, j in enumerate(planned)}
    outcome.rendered.sort(key=lambda p: order.get(p, len(order)))
    outcome.errors.sort(key=lambda e: order.get(e.artifact, len(order)))
    failed = {e.artifact for e in outcome.errors}
    states = set(states)
    for path, entry in old.items():
        keep = path not in outcome.entries and (path in failed or not covers(entry))
        if path.startswith(EMBARGO + "/") and "/".join(path.split("/")[:2]) not in states:
            keep = False  # a state that is now past or gone: nothing of it stays
        if keep and (out / path).is_file():
            outcome.entries[path] = entry
    return sorted(p for p in old if p not in outcome.entries)


def commit(out: Path, outcome: Outcome, old: Mapping[str, write.Entry], on_disk: OnDisk,
           spool: Spool, meta: Mapping[str, Any]) -> None:
    """Swap the new tree in when anything changed (files, entries or the manifest).

    A re-rendered file with the bytes already there is linked, not rewritten.

    Args:
        out: the output folder.
        outcome: where the build stands.
        old: the old manifest's entries.
        on_disk: checks the old files' bytes.
        spool: the finished artifacts' files.
        meta: the manifest's own keys.
    """
    entries = outcome.entries
    for path in list(spool.files):  # same bytes as the file already there: link, don't rewrite
        prev = old.get(path)
        if prev and prev.sha256 == entries[path].sha256 and on_disk.intact(path):
            del spool.files[path]
    changed = bool(spool.files) or set(entries) != set(old)
    manifest_now = write.manifest_bytes(entries.values(), meta)
    try:
        current = (out / write.MANIFEST).read_bytes()
    except OSError:
        current = b""
    try:
        if changed or current != manifest_now:
            try:
                write.commit(out, spool.files, entries, meta)
            except OSError as exc:  # disk full, permissions: a clear message, no traceback
                raise KetapubError(f"{exc.filename or out}: cannot write the output "
                                   f"folder: {exc.strerror or exc}; it is left as the last "
                                   "build left it") from exc
    finally:
        spool.discard()


def render_ahead(setup: Setup, ctx: RenderContext, outcome: Outcome,
                 old: Mapping[str, write.Entry], on_disk: OnDisk, spool: Spool,
                 executor: Executor | None, jobs: int | None, budget: Budget | None,
                 force: bool) -> ahead_states.Ahead:
    """Render the future release states into the embargo area with the build's means.

    See ``ketapub.ahead``. They are rendered with the build's renderers, pool and spool, and
    added to ``outcome`` and ``spool``.

    Args:
        setup: what ``resolve()`` made.
        ctx: the build's render context.
        outcome: where the build stands.
        old: the old manifest's entries.
        on_disk: checks the old files' bytes.
        spool: the build's spool.
        executor: the caller's executor, or None.
        jobs: worker processes, as ``build()`` takes them.
        budget: the per-job budget, or None.
        force: render every state again.
    """
    def run(todo: Sequence[Job], sctx: RenderContext, infos: dict[str, ArtifactInfo]
            ) -> tuple[dict[str, tuple[write.Entry, Path]], list[RenderError]]:
        if not todo:
            return {}, []
        state_outcome = Outcome(tuple(p.part for p in sctx.released),
                                edition_releases(sctx.series, sctx.as_of), infos=infos)
        state_spool = Spool(spool.out, state_outcome, None, len(todo))
        spool.others.append(state_spool)
        execute(todo, setup.renderers, sctx, state_spool,
                Pool.choose(executor, jobs, budget, len(todo),
                            page_layouts(todo, setup.renderers)), None)
        made = {path: (state_outcome.entries[path], file)
                for path, file in state_spool.files.items() if isinstance(file, Path)}
        return made, state_outcome.errors

    def intact(path: str) -> bool:
        return path in old and on_disk.intact(path)

    result = ahead_states.render_states(setup.renderers, ctx, outcome.entries, old, intact,
                                        run, force=force)
    outcome.entries.update(result.entries)
    spool.files.update(result.files)
    outcome.rendered.extend(result.rendered)
    outcome.errors.extend(result.errors)
    return result


def _prepare(out: Path) -> dict[str, write.Entry]:
    """Check the output folder, tidy up after killed builds, and read the manifest.

    Check the output folder before any work (a file there would be lost), tidy what killed builds
    left next to it (even if nothing changes), and read its manifest.
    """
    write.check_output_folder(out, UsageError)
    try:
        write.tidy(out)
    except OSError as exc:
        raise KetapubError(f"{exc.filename or out}: cannot tidy next to the output folder: "
                           f"{exc.strerror or exc}") from exc
    return write.read_manifest(out)


def build(
    source: Series | str | os.PathLike[str],
    out: str | os.PathLike[str] = "output",
    *,
    formats: str | Sequence[str] | None = None,
    as_of: AsOf = None,
    templates: Sequence[str | os.PathLike[str]] = (),
    brands: Sequence[str] = (),
    large_print: bool = False,
    options: Options | None = None,
    page_size: str | None = None,
    heading_level: int | None = None,
    jobs: int | None = 1,
    executor: Executor | None = None,
    strict: bool = False,
    force: bool = False,
    registry: Registry | None = None,
    progress: Progress | None = None,
    budget: Budget | None = None,
    ahead: bool = False,
) -> BuildResult:
    """Build ``source`` into ``out``: render what changed, then swap it in atomically.

    Unchanged artifacts (same input hash, file still there) are skipped; a failed artifact
    keeps its previous file and the others land, then ``BuildError`` is raised.

    Args:
        source: a loaded ``Series``, or the path of a source folder to load.
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
        large_print: also make the large-print handouts and booklet (body 16 pt or more);
            default False.
        options: each renderer's options, ``{renderer: {option: value}}`` (e.g.
            ``{"pdf": {"page_size": "Letter"}}``) or ``{renderer: OptionsInstance}``;
            values of the declared type (``ketapub renderers --options`` lists them);
            default None: every renderer's defaults.
        page_size: shorthand for ``options={"pdf": {"page_size": ...}}``; default None.
        heading_level: shorthand for ``options={"html": {"heading_level": ...}}``;
            default None.
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
        budget: a ``Budget`` of seconds and megabytes per render; with it
            (and no executor) each job renders in its own worker process, stopped and
            reported as a failed artifact when it overruns, and a ``source`` given as a path
            is loaded in one too (overrunning that is a ``KetapubError``, nothing
            written); default None: no limit.
        ahead: also render every future release state into the embargo area
            (``.embargo/<instant>/``, listed under ``embargoed`` in the manifest), so that
            ``serve`` switches every file at each release instant without a rebuild (the
            result's ``artifacts`` and ``rendered`` list those files by their ``.embargo/``
            paths); default False.

    Returns:
        What the build made, kept and removed, the next release and the warnings.

    Raises:
        SourceError: ``source`` is a folder with problems (see ``ketapub.load()``).
        UsageError: an impossible option (unknown brand, an unknown renderer option or a
            value of the wrong type, bad ``as_of``).
        RendererError: a name in ``formats`` is not installed (``PluginError``: it is
            installed but fails to import).
        BuildError: some artifacts failed; ``error.result`` tells what landed.

    Examples:
        A second build of the same source at the same instant renders nothing:

        >>> import tempfile
        >>> from ketapub import build, testing
        >>> series = testing.sample_series()
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     first = build(series, tmp + "/out", formats="jsonfeed,ics", as_of="2025-03-01")
        ...     again = build(series, tmp + "/out", formats="jsonfeed,ics", as_of="2025-03-01")
        >>> first.rendered
        ('feed/feed.json', 'feed/schedule.ics')
        >>> again.rendered, again.skipped
        ((), ('feed/feed.json', 'feed/schedule.ics'))
        >>> str(first.next_release)
        '2030-01-01 00:00:00+00:00'
    """
    started = time.perf_counter()
    # not the source, /, ~, "", a mount, a folder of someone else's files
    check_output(out, None if isinstance(source, Series) else source, UsageError)
    setup = resolve(source, formats=formats, as_of=as_of, registry=registry, strict=strict,
                    budget=budget, brands=brands, large_print=large_print,
                    templates=templates, options=options, page_size=page_size,
                    heading_level=heading_level)
    planned, ctx = plan_build(setup)
    write.check_case_collisions(j.path for j in planned)  # one file on a case-blind disk
    out_path = Path(out)
    old = _prepare(out_path)
    on_disk = OnDisk(out_path, old)
    outcome = Outcome(tuple(p.part for p in ctx.released),
                      edition_releases(ctx.series, ctx.as_of))
    todo = skip_unchanged(planned, old, on_disk, outcome, force=force)
    spool = Spool(out_path, outcome, progress, len(planned))
    if not force:
        todo = take_from_states(todo, old, on_disk, outcome, spool)
    execute(todo, setup.renderers, ctx, spool,
            Pool.choose(executor, jobs, budget, len(todo), page_layouts(todo, setup.renderers)),
            progress)
    try:
        states = (render_ahead(setup, ctx, outcome, old, on_disk, spool, executor, jobs,
                               budget, force).states if ahead else [])
    except BaseException:  # Ctrl-C, SIGTERM, a full disk: leave nothing behind
        spool.discard()
        raise
    covers = Coverage.of((r.name for r in setup.renderers), setup.options, planned)
    removed = settle(outcome, old, covers, planned, out_path, {s.folder for s in states})
    nxt = ctx.next_release
    meta: dict[str, Any] = {"series": setup.series.title,
                            "as_of_released": list(outcome.released),
                            "next_release": nxt.isoformat() if nxt else None}
    if states:
        meta["ahead"] = [s.as_json() for s in states]
    commit(out_path, outcome, old, on_disk, spool, meta)
    result = BuildResult(
        out=out_path, as_of=setup.as_of,
        artifacts=tuple(sorted(outcome.entries.values(), key=lambda e: e.path)),
        rendered=tuple(outcome.rendered), skipped=tuple(outcome.skipped),
        removed=tuple(removed), next_release=nxt, seconds=time.perf_counter() - started,
        errors=tuple(outcome.errors), warnings=setup.warnings)
    if outcome.errors:
        raise BuildError(result)
    return result


def render(source: Series | str | os.PathLike[str], renderer: str | Sequence[str], *,
           as_of: AsOf = None, path: str | None = None,
           registry: Registry | None = None, brands: Sequence[str] = (),
           large_print: bool = False, templates: Sequence[str | os.PathLike[str]] = (),
           options: Options | None = None, page_size: str | None = None,
           heading_level: int | None = None) -> dict[str, bytes]:
    """Render artifacts in memory, touching no disk: ``{path: bytes}`` in plan order.

    Args:
        source: a loaded ``Series``, or the path of a source folder to load.
        renderer: renderer names: a name, a comma list (``"rss,atom"``) or a sequence.
        as_of: the instant, as ``build()`` accepts it; default None: SOURCE_DATE_EPOCH,
            else now.
        path: make only this artifact (``"feed/feed.json"``); default None: all of them.
        registry: where renderer names are looked up; default None: the installed renderers.
        brands: brand ids (or ``"all"``) for branded handouts; default none.
        large_print: large-print handouts; default False.
        templates: folders searched for templates before the built-ins; default none.
        options: each renderer's options, as ``build()`` takes them; default None.
        page_size: shorthand for ``options={"pdf": {"page_size": ...}}``; default None.
        heading_level: shorthand for ``options={"html": {"heading_level": ...}}``;
            default None.

    Raises:
        RendererError: a name is not installed, or its plugin fails to import.
        UsageError: no renderer makes ``path``, a bad option or a bad ``as_of``.

    Returns:
        Each artifact's bytes by its path in the output folder.

    Examples:
        >>> import json
        >>> from ketapub import render, testing
        >>> files = render(testing.sample_series(), "jsonfeed", as_of="2025-03-01")
        >>> list(files)
        ['feed/feed.json']
        >>> [item["title"] for item in json.loads(files["feed/feed.json"])["items"]]
        ['Second part', 'First part']
    """
    setup = resolve(source, formats=renderer, as_of=as_of, registry=registry, strict=False,
                    budget=None, brands=brands, large_print=large_print,
                    templates=templates, options=options, page_size=page_size,
                    heading_level=heading_level)
    jobs, ctx = plan_build(setup)
    by_name = {r.name: r for r in setup.renderers}
    if path is not None:
        jobs = [j for j in jobs if j.path == path]
        if not jobs:
            names = ", ".join(repr(n) for n in by_name)
            raise UsageError(f"renderer {names} makes no {path!r}" if len(by_name) == 1
                             else f"renderers {names} make no {path!r}")
    return {j.path: render_one(by_name[j.renderer], j, ctx).data for j in jobs}
