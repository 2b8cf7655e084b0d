"""Plan: ask each renderer what it will make, check the paths, and give every job an input hash.

The input hash covers everything an artifact may depend on: the renderer and its version,
the job, the options, the templates, the series metadata, the parts the job shows (with the
set of released parts, since links and tables of contents change at each release), the
assets, and the input hashes of the artifacts it depends on. Equal hash, equal bytes: that is
what lets an incremental build skip a job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

from ketapub.errors import RenderError
from ketapub.model import Series
from ketapub.render.base import Job, RenderContext, Renderer, safe_output_path
from ketapub.render.templating import template_files


def _digest(value: Any) -> str:
    blob = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _part_hashes(series: Series) -> dict[int, str]:
    return {p.part: _digest(p.model_dump(mode="json")) for p in series.parts}


def _series_hash(series: Series) -> str:
    meta = series.model_dump(mode="json", exclude={"parts", "brands", "assets", "source_hash",
                                                    "warnings"})
    assets = [(a.path, a.sha256) for a in series.assets]
    return _digest({"meta": meta, "assets": assets})


def _templates_hash(renderer: Renderer, ctx: RenderContext) -> str:
    h = hashlib.sha256()
    for path in template_files((*ctx.options.templates, *type(renderer).template_roots)):
        h.update(str(path.name).encode())
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
    options = _digest(asdict(ctx.options) | {"templates": len(ctx.options.templates)})
    by_renderer = {r.name: r for r in renderers}
    template_hashes = {r.name: _templates_hash(r, ctx) for r in renderers}
    hashed: dict[str, Job] = {}

    def hash_of(job: Job, stack: tuple[str, ...] = ()) -> str:
        if job.path in hashed:
            return hashed[job.path].input_hash
        if job.path in stack:
            raise RenderError(job.path, "depends on itself through " + " -> ".join(stack))
        renderer = by_renderer[job.renderer]
        parts = job.parts if job.parts is not None else tuple(part_hashes)
        brand = series.get_brand(job.brand) if job.brand else None
        deps = {d: hash_of(seen[d], (*stack, job.path)) for d in job.depends_on if d in seen}
        value = {
            "renderer": [renderer.name, type(renderer).version],
            "job": {k: v for k, v in asdict(job).items() if k != "input_hash"},
            "options": options,
            "templates": template_hashes[renderer.name],
            "series": series_hash,
            "parts": {str(n): part_hashes.get(n, "") for n in sorted(parts)},
            "released": released,
            "brand": brand.model_dump(mode="json") if brand else None,
            "deps": deps,
        }
        done = replace(job, input_hash=_digest(value))
        hashed[job.path] = done
        return done.input_hash

    for job in jobs:
        hash_of(job)
    return [hashed[j.path] for j in jobs]


def waves(jobs: Sequence[Job]) -> list[list[Job]]:
    """Group jobs so each wave only depends on earlier waves (enclosures after PDFs)."""
    planned = {j.path for j in jobs}
    done: set[str] = set()
    remaining = list(jobs)
    result: list[list[Job]] = []
    while remaining:
        ready = [j for j in remaining if all(d in done or d not in planned for d in j.depends_on)]
        if not ready:  # a cycle; plan() already refuses those
            raise RenderError(remaining[0].path, "dependency cycle")
        result.append(ready)
        done.update(j.path for j in ready)
        remaining = [j for j in remaining if j.path not in done]
    return result
