"""Plan: ask each renderer what it will make, check the paths, and give every job an input hash.

Equal hash, equal bytes: that is what lets an incremental build skip a job, so the hash must
cover everything an artifact may show, and (for builds of hundreds of branded handouts) as
little else as possible. The rule, by what ``Job.parts`` says the artifact shows:

- Always: the renderer and its version, the Markdown dialect's version, the job itself
  (path, kind, part, brand, variant, params, dependencies), the options that change its
  output (its own renderer's options, defaults included, and the number of template
  folders; not another renderer's options, nor ``brands`` or ``large_print``, which only
  decide which jobs exist: a large-print job says so in its ``variant``), every template
  file the renderer could use, the series metadata (title, disclaimer, language, ...) and
  every asset's hash, the brand profile of a branded job, and the input hashes of the
  artifacts it ``depends_on``.
- ``parts=None`` (an aggregate: booklet, ebook, feeds, hub, index): every part in full, the
  set of parts released as of ``as_of`` and the set whose ``updated_at`` has come (an update
  shows from that instant on). Any edit of any part re-renders it.
- ``parts=(n, ...)`` (a handout, a fragment, a card) or ``parts=()`` (a stylesheet): the
  parts listed in full, whether each is released and whether its update has come, the
  number of parts in the series ("Part 2 of 6"), and the *face* of every part those bodies
  (or the series disclaimer) link to with ``part:`` -- number, slug, URL, title,
  ``publish_at`` and whether it is released, which is all a resolved link ("see Part 3", or
  plain text with "Available Sep 15, 2025") can show. So part 2's handout does not
  re-render when part 3's body changes, but does when part 3 is released, renamed or
  rescheduled if part 2 links to it.

A renderer whose per-part artifact shows more of other parts than that (a "next part"
teaser, say) must list those parts in ``parts`` or leave it ``None``. ``ctx.planned`` and
``ctx.brands()`` are not hashed: an artifact must not print them; nor may it depend on
another renderer's options.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, fields, replace
from typing import Any

from ketapub import markdown, schedule
from ketapub.errors import RenderError
from ketapub.model import Part, Series
from ketapub.paths import safe_output_path
from ketapub.render.base import Job, RenderContext, Renderer
from ketapub.render.templating import template_files


def _digest(value: Any) -> str:
    blob = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


# A superset of markdown.PART_LINK's targets: any ``part:`` followed by a number or a slug,
# in link syntax or not (a false match only adds a dependency, never loses one).
_PART_REF = re.compile(r"part:([a-z0-9]+(?:-[a-z0-9]+)*)")


NOT_RENDERED = frozenset({"cci"})
"""Part fields no output shows (the CCI answers are for ``ketapub cci``): changing them
re-renders nothing."""


def _part_hashes(series: Series) -> dict[int, str]:
    return {p.part: _digest(p.model_dump(mode="json", exclude=set(NOT_RENDERED)))
            for p in series.parts}


def linked_parts(series: Series, text: str) -> set[int]:
    """Numbers of the parts that ``text`` (a body, the disclaimer) links to with ``part:``.

    Args:
        series: the loaded series.
        text: Markdown or the HTML made from it.
    """
    found: set[int] = set()
    for key in _PART_REF.findall(html.unescape(text)):
        target = series.get_part(int(key)) if key.isdigit() else series.get_part(key)
        if target is not None:
            found.add(target.part)
    return found


def _face(series: Series, part: Part, released: bool) -> dict[str, Any]:
    """What a resolved ``part:`` link can show of its target."""
    return {"part": part.part, "slug": part.slug, "url": series.part_url(part),
            "title": part.title, "publish_at": part.publish_at.isoformat(),
            "released": released}


def _series_hash(series: Series) -> str:
    meta = series.model_dump(mode="json", exclude={"parts", "brands", "assets", "source_hash",
                                                    "warnings"})
    if meta.get("websub_hub") is None:  # unset: the hashes of series from before the key
        meta.pop("websub_hub", None)
    assets = [(a.path, a.sha256) for a in series.assets]
    return _digest({"meta": meta, "assets": assets})


def _templates_hash(renderer: Renderer, ctx: RenderContext) -> str:
    h = hashlib.sha256()
    for path in template_files((*ctx.options.templates, *type(renderer).template_roots)):
        h.update(path.name.encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _options_hash(renderer: Renderer, ctx: RenderContext) -> str:
    """What of the options may change this renderer's bytes.

    Its own options (defaults included) and the number of template folders (their files are hashed
    apart).
    """
    return _digest({"templates": len(ctx.options.templates),
                    "renderer": asdict(renderer.options(ctx))})


def _check_paths(jobs: Sequence[Job]) -> dict[str, Job]:
    """Jobs by path; a path outside the output folder or planned twice is refused."""
    seen: dict[str, Job] = {}
    for job in jobs:
        safe_output_path(job.path)
        if job.path in seen:
            raise RenderError(job.path, f"planned twice (by {seen[job.path].renderer} and "
                              f"{job.renderer}); rename one renderer's output")
        seen[job.path] = job
    return seen


def _ends(ctx: RenderContext) -> tuple[list[int], dict[int, int]]:
    """The parts ended as of ``ctx`` and how many corrections each part shows.

    Crossing either instant changes what the part's files show.
    """
    shown = {p.part: len(ctx.changes(p)) for p in ctx.series.parts}
    return [p.part for p in ctx.withdrawn], {n: k for n, k in shown.items() if k}


def _other_editions(ctx: RenderContext) -> dict[int, list[Any]]:
    """The other language editions of each part, as a file may show them.

    "This page in: English | Español", hreflang: by part number, each edition's URL for it and
    whether it is out there.
    """
    found: dict[int, list[Any]] = {}
    for e in ctx.editions:
        if e.language != ctx.series.language:
            for p in e.parts:
                found.setdefault(p.part, []).append(
                    [e.language, e.part_url(p), schedule.published(p, ctx.as_of)])
    return found


class _Hasher:
    """The input hash of every job of one plan (see the module's docstring for the rule)."""

    def __init__(self, renderers: Sequence[Renderer], ctx: RenderContext,
                 seen: dict[str, Job]):
        series = ctx.series
        self.series = series
        self.seen = seen
        self.part_hashes = _part_hashes(series)
        self.series_hash = _series_hash(series)
        self.released = [p.part for p in ctx.released]
        self.is_out = {p.part: p.part in self.released for p in series.parts}
        # Parts whose updated_at has come: crossing one changes every date the part shows.
        self.updated = [p.part for p in series.parts if ctx.updated(p) is not None]
        self.ended, self.changes = _ends(ctx)
        self.disclaimer_links = linked_parts(series, series.disclaimer or "")
        self.links = {p.part: linked_parts(series, p.body) | self.disclaimer_links
                      for p in series.parts}
        self.brands = {b.id: b.model_dump(mode="json") for b in series.brands}
        self.faces = {p.part: _face(series, p, self.is_out[p.part]) for p in series.parts}
        self.others = _other_editions(ctx)
        self.job_fields = [f.name for f in fields(Job)
                           if f.name not in ("input_hash", "embargo", "live", "edition")]
        self.by_renderer = {r.name: r for r in renderers}
        self.options = {r.name: _options_hash(r, ctx) for r in renderers}
        self.templates = {r.name: _templates_hash(r, ctx) for r in renderers}
        self.hashed: dict[str, Job] = {}

    def __call__(self, job: Job, stack: tuple[str, ...] = ()) -> str:
        if job.path in self.hashed:
            return self.hashed[job.path].input_hash
        if job.path in stack:
            raise RenderError(job.path, "depends on itself through " + " -> ".join(stack))
        renderer = self.by_renderer[job.renderer]
        deps = {d: self(self.seen[d], (*stack, job.path))
                for d in job.depends_on if d in self.seen}
        value: dict[str, Any] = {
            "renderer": [renderer.name, type(renderer).version, markdown.DIALECT],
            "job": {k: getattr(job, k) for k in self.job_fields}
            | ({"edition": job.edition} if job.edition else {}),
            "options": self.options[renderer.name],
            "templates": self.templates[renderer.name],
            "series": self.series_hash,
            "brand": self.brands.get(job.brand) if job.brand else None,
            "deps": deps,
        }
        value.update(self._parts(job))
        shown = sorted(self.others) if job.parts is None else sorted(set(job.parts))
        if any(n in self.others for n in shown):
            value["editions"] = {str(n): self.others[n] for n in shown if n in self.others}
        done = replace(job, input_hash=_digest(value))
        self.hashed[job.path] = done
        return done.input_hash

    def _parts(self, job: Job) -> dict[str, Any]:
        if job.parts is None:  # an aggregate: all of every part, and what is out
            return {"parts": self.part_hashes, "released": self.released,
                    "updated": self.updated, **self._ends(list(self.part_hashes))}
        shown = sorted(set(job.parts))
        linked = set(self.disclaimer_links).union(*(self.links.get(n, set()) for n in shown))
        return {"parts": {str(n): self.part_hashes.get(n, "") for n in shown},
                "released": [n for n in shown if self.is_out.get(n)],
                "updated": [n for n in shown if n in self.updated],
                "count": len(self.series.parts),
                "links": [self.faces[n] for n in sorted(linked)], **self._ends(shown)}

    def _ends(self, shown: list[int]) -> dict[str, Any]:
        """Which of ``shown`` have ended and how many corrections each shows.

        Absent when none, so the hashes of a series without either stay as they were.
        """
        ended = [n for n in shown if n in self.ended]
        changes = {str(n): self.changes[n] for n in shown if n in self.changes}
        return ({"ended": ended} if ended else {}) | ({"changes": changes} if changes else {})


def plan(renderers: Sequence[Renderer], ctx: RenderContext) -> list[Job]:
    """Jobs of every renderer for every language edition, with input hashes filled in.

    The original first, then each translation by language, in a stable order. A translation
    is planned and hashed by the same renderers in its own context, then its jobs move to the
    edition's paths (see ``Series.output_path()``).

    Args:
        renderers: the build's renderers.
        ctx: the render context.
    """
    jobs: list[Job] = []
    home = ctx.home or ctx.series
    for series in home.editions:
        ectx = ctx.for_edition(series.language)
        mine: list[Job] = []
        for renderer in renderers:
            mine.extend(renderer.plan(series, ectx))
        if series is not home:
            mine = [replace(j, edition=series.language) for j in mine]
        hasher = _Hasher(renderers, ectx, _check_paths(mine))
        for job in mine:
            hasher(job)
        jobs.extend(_moved(series, hasher.hashed[j.path]) for j in mine)
    _check_paths(jobs)
    return jobs


def _moved(series: Series, job: Job) -> Job:
    """``job`` at its edition's output paths (unchanged in the original)."""
    if not job.edition:
        return job
    return replace(job, path=series.output_path(job.path),
                   depends_on=tuple(series.output_path(d) for d in job.depends_on))

