"""Plan: ask each renderer what it will make, check the paths, and give every job an input hash.

Equal hash, equal bytes: that is what lets an incremental build skip a job, so the hash must
cover everything an artifact may show, and (for builds of hundreds of branded handouts) as
little else as possible. The rule, by what ``Job.parts`` says the artifact shows:

- Always: the renderer and its version, the Markdown dialect's version, the job itself
  (path, kind, part, brand, variant, params, dependencies), the options that change output
  (page size, heading level, templates, extra; not ``brands`` nor ``large_print``, which only
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
``ctx.brands()`` are not hashed: an artifact must not print them.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, fields, replace
from typing import Any

from ketapub import markdown
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


def _part_hashes(series: Series) -> dict[int, str]:
    return {p.part: _digest(p.model_dump(mode="json")) for p in series.parts}


def linked_parts(series: Series, text: str) -> set[int]:
    """Numbers of the parts that ``text`` (a body, the disclaimer) links to with ``part:``."""
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
    assets = [(a.path, a.sha256) for a in series.assets]
    return _digest({"meta": meta, "assets": assets})


def _templates_hash(renderer: Renderer, ctx: RenderContext) -> str:
    h = hashlib.sha256()
    for path in template_files((*ctx.options.templates, *type(renderer).template_roots)):
        h.update(path.name.encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def plan(renderers: Sequence[Renderer], ctx: RenderContext) -> list[Job]:
    """Jobs of every renderer, in a stable order, with input hashes filled in."""
    series = ctx.series
    jobs: list[Job] = []
    for renderer in renderers:
        jobs.extend(renderer.plan(series, ctx))
    seen: dict[str, Job] = {}
    for job in jobs:
        safe_output_path(job.path)
        if job.path in seen:
            raise RenderError(job.path, f"planned twice (by {seen[job.path].renderer} and "
                              f"{job.renderer}); rename one renderer's output")
        seen[job.path] = job
    part_hashes = _part_hashes(series)
    series_hash = _series_hash(series)
    released = [p.part for p in ctx.released]
    is_out = {p.part: p.part in released for p in series.parts}
    # Parts whose updated_at has come: crossing one changes every date the part shows.
    updated = [p.part for p in series.parts if ctx.updated(p) is not None]
    options = _digest(asdict(ctx.options) | {"templates": len(ctx.options.templates),
                                             "brands": None, "large_print": None})
    disclaimer_links = linked_parts(series, series.disclaimer or "")
    links = {p.part: linked_parts(series, p.body) | disclaimer_links for p in series.parts}
    brands = {b.id: b.model_dump(mode="json") for b in series.brands}
    faces = {p.part: _face(series, p, is_out[p.part]) for p in series.parts}
    job_fields = [f.name for f in fields(Job)
                  if f.name not in ("input_hash", "embargo", "live")]
    by_renderer = {r.name: r for r in renderers}
    template_hashes = {r.name: _templates_hash(r, ctx) for r in renderers}
    hashed: dict[str, Job] = {}

    def hash_of(job: Job, stack: tuple[str, ...] = ()) -> str:
        if job.path in hashed:
            return hashed[job.path].input_hash
        if job.path in stack:
            raise RenderError(job.path, "depends on itself through " + " -> ".join(stack))
        renderer = by_renderer[job.renderer]
        deps = {d: hash_of(seen[d], (*stack, job.path)) for d in job.depends_on if d in seen}
        value: dict[str, Any] = {
            "renderer": [renderer.name, type(renderer).version, markdown.DIALECT],
            "job": {k: getattr(job, k) for k in job_fields},
            "options": options,
            "templates": template_hashes[renderer.name],
            "series": series_hash,
            "brand": brands.get(job.brand) if job.brand else None,
            "deps": deps,
        }
        if job.parts is None:  # an aggregate: all of every part, and what is out
            value["parts"] = part_hashes
            value["released"] = released
            value["updated"] = updated
        else:
            shown = sorted(set(job.parts))
            linked = set(disclaimer_links).union(*(links.get(n, set()) for n in shown))
            value["parts"] = {str(n): part_hashes.get(n, "") for n in shown}
            value["released"] = [n for n in shown if is_out.get(n)]
            value["updated"] = [n for n in shown if n in updated]
            value["count"] = len(series.parts)
            value["links"] = [faces[n] for n in sorted(linked)]
        done = replace(job, input_hash=_digest(value))
        hashed[job.path] = done
        return done.input_hash

    for job in jobs:
        hash_of(job)
    return [hashed[j.path] for j in jobs]
