"""Render every future release state ahead of time, into the embargo area.

See ``ketapub.embargo``. Whatever does not change between states is reused, not rendered again.

Each state is planned as of its instant with the build's renderers and options, so its
files are exactly what a build as of that instant would make. Most of them are already
made: a part's handout, fragment or plain-text edition has the same input hash in every
state where neither it nor what it links to changes, so it is hard-linked (``write.Same``)
from the first place its bytes land (the public tree, an earlier state, or the previous
build's file), not rendered again. Only what a release changes is rendered: the whole-series
files (booklet, ebook, feeds, index), the newly released part's files, and those whose
links to it change. An incremental build finds every unchanged state in the old manifest
and renders nothing for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ketapub import write
from ketapub.embargo import State, edition_releases, entry_fields, future_states
from ketapub.errors import RenderError
from ketapub.plan import plan
from ketapub.render.base import ArtifactInfo, Job, RenderContext, Renderer

Key = tuple[str, str]
"""(served path, input hash): equal keys, equal bytes."""


@dataclass
class Ahead:
    """What the states add to a build.

    Their entries (under the embargo area), the files to write or link, what was rendered, and the
    failures.
    """

    states: list[State] = field(default_factory=list)
    entries: dict[str, write.Entry] = field(default_factory=dict)
    files: dict[str, Path | write.Same] = field(default_factory=dict)
    rendered: list[str] = field(default_factory=list)
    reused: int = 0
    errors: list[RenderError] = field(default_factory=list)


Run = Callable[[Sequence[Job], RenderContext, dict[str, ArtifactInfo]],
               tuple[dict[str, tuple[write.Entry, Path]], list[RenderError]]]
"""Renders jobs of one state in the build's pool: their entries (served paths, the state's
embargo fields) with spooled files, and the failures."""


class Sources:
    """Where bytes for a (path, input hash) already are.

    A file of this build, or an intact file of the previous one (linked from the output folder,
    since this build may put other bytes at its path).

    Args:
        public: this build's public entries by path, their files already in place.
        old: the previous build's entries by path, embargo area included.
        intact: whether the previous build's file at a path still has its listed bytes.
    """

    def __init__(self, public: Mapping[str, write.Entry], old: Mapping[str, write.Entry],
                 intact: Callable[[str], bool]):
        self.known: dict[Key, write.Entry] = {(path, e.input_hash): e
                                              for path, e in public.items()}
        self.old: dict[Key, list[write.Entry]] = {}
        for path, entry in sorted(old.items()):
            served = path.split("/", 2)[2] if path.startswith(".embargo/") else path
            self.old.setdefault((served, entry.input_hash), []).append(entry)
        self.intact = intact

    def find(self, job: Job, here: str) -> tuple[write.Entry, write.Same | None] | None:
        """How ``job``'s bytes can be had without rendering it, if they can.

        An entry with ``job``'s bytes and how to put them at ``here`` (None: they are there
        already), or None when the job must be rendered. The file already in place first (nothing to
        write), then one of this build, then another of the last.

        Args:
            job: a job of a state.
            here: where the state keeps the file.
        """
        key = (job.path, job.input_hash)
        olds = [e for e in self.old.get(key, []) if e.path == here and self.intact(e.path)]
        if olds:
            return olds[0], None
        found = self.known.get(key)
        if found is not None:
            return found, write.Same(found.path)
        for entry in self.old.get(key, []):
            if self.intact(entry.path):
                return entry, write.Same(entry.path, old=True)
        return None


def render_states(renderers: Sequence[Renderer], ctx: RenderContext,
                  public: Mapping[str, write.Entry], old: Mapping[str, write.Entry],
                  intact: Callable[[str], bool], run: Run, *, force: bool) -> Ahead:
    """Plan and render every future state of ``ctx``'s series after ``ctx.as_of``.

    ``public`` holds the build's own entries (the files every state may link to), ``old``
    the previous manifest (unchanged states are taken from it), ``run`` renders what is
    left. With ``force`` every state is rendered again, as the public files are.

    Args:
        renderers: the build's renderers.
        ctx: the build's render context.
        public: the build's own entries, which every state may link to.
        old: the previous manifest's entries; unchanged states are taken from it.
        intact: whether a file of the output folder still has the bytes the old manifest lists.
        run: renders the jobs left.
        force: render every state again, as ``build(force=True)`` asks.
    """
    result = Ahead(states=future_states(ctx.series, ctx.as_of))
    sources = Sources({} if force else public, {} if force else old, intact)
    for state in result.states:
        sctx = replace(ctx, as_of=state.at, planned=())
        jobs = plan(renderers, sctx)
        sctx = replace(sctx, planned=tuple(j.path for j in jobs))
        editions = edition_releases(ctx.series, state.at)
        infos: dict[str, ArtifactInfo] = {}
        todo = []
        for job in jobs:
            here = state.path(job.path)
            hit = sources.find(job, here)
            if hit is None:
                todo.append(job)
                continue
            found, link = hit
            result.entries[here] = replace(found, path=here, brand=job.brand,
                                           variant=job.variant,
                                           **entry_fields(job, state.released, editions))
            if link is not None:
                result.files[here] = link
            sources.known.setdefault((job.path, job.input_hash), result.entries[here])
            infos[job.path] = ArtifactInfo(job.path, found.sha256, found.bytes,
                                           found.media_type)
            result.reused += 1
        made, errors = run(todo, sctx, infos)
        for error in errors:  # named by the file in the embargo area
            moved = RenderError(state.path(error.artifact), error.message)
            moved.detail = error.detail
            result.errors.append(moved)
        for path, (entry, spooled) in made.items():
            here = state.path(path)
            result.entries[here] = replace(entry, path=here,
                                           **entry_fields(_job(jobs, path), state.released,
                                                          editions))
            result.files[here] = spooled
            result.rendered.append(here)
            sources.known[(path, entry.input_hash)] = result.entries[here]
    return result


def _job(jobs: Sequence[Job], path: str) -> Job:
    return next(j for j in jobs if j.path == path)
