"""The partner API (``api/``).

Schema.org JSON-LD that partners fetch by program, written as static files so it is planned, hashed,
cached and served like every other output.

- ``api/series.json``: the series (``CreativeWorkSeries``) and its released parts;
- ``api/parts/<slug>.json``: one released part as a ``MedicalWebPage``: dates, review,
  licence, copyright holder, reading level, its HTML (the fragment), its sections as
  separately embeddable modules and a ``contentHash``;
- ``api/changes.json``: the released parts ordered by ``dateModified`` (oldest first), which
  ``serve`` filters with ``?since=``.

The series and the changes list say what is released, so they are live (``serve`` renders
them as of each request); a part's file is under its part's embargo like its fragment. The
JSON is written with sorted keys and no wall clock, so equal inputs give equal bytes.
"""

from __future__ import annotations

import json
from typing import Any

from ketapub import Artifact, Job, RenderContext, Renderer, RenderError, Series
from ketapub.fragment_policy import fragment_problems
from ketapub.model import Part
from ketapub.render import embedding
from ketapub.render.shared import handout_path
from ketapub.renderers import html_api_modules
from ketapub.renderers.html_api_modules import content_hash

JSON_LD = "application/ld+json"
MEDIA_TYPE = f"{JSON_LD}; charset=utf-8"


class ApiRenderer(Renderer):
    """The ``api`` renderer: schema.org JSON-LD per released part, the series, the changes."""

    name = "api"
    version = "1"
    description = ("Partner API: schema.org MedicalWebPage JSON-LD per released part with "
                   "embeddable modules, the series and a changes list (api/)")

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        """A document per released part, and the series and changes lists, served live."""
        jobs = [self.job(embedding.api_part_path(p), kind="part", part=p.part, parts=(p.part,),
                         depends_on=_links(p)) for p in ctx.released]
        jobs += [self.job("api/series.json", kind="series", live=True),
                 self.job("api/changes.json", kind="changes", live=True)]
        return jobs

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        """One JSON document of ``job.kind``; an unreleased part is a ``RenderError``."""
        if job.kind == "part":
            part = ctx.series.get_part(job.part) if job.part is not None else None
            if part is None or not ctx.is_released(part):
                raise RenderError(job.path, f"part {job.part} is not released as of the build")
            data: dict[str, Any] = self.part_document(ctx, part, job.path)
        elif job.kind == "series":
            data = self.series_document(ctx)
        elif job.kind == "changes":
            data = self.changes_document(ctx)
        else:
            raise RenderError(job.path, f"unknown job kind {job.kind!r}")
        return Artifact(job.path, dump(data), MEDIA_TYPE, self.name)

    # --- documents ----------------------------------------------------------------------
    def part_document(self, ctx: RenderContext, part: Part, path: str = "") -> dict[str, Any]:
        """``part`` as a schema.org ``MedicalWebPage`` (see the module docstring).

        Args:
            ctx: the render context.
            part: a released part.
            path: the document's output path, for errors; default: the part's.
        """
        content = html_api_modules.page(self, ctx, part)
        for html, root in [(content.html, "article"), *((m.html, "section")
                                                       for m in content.modules)]:
            problems = fragment_problems(html, root)
            if problems:
                raise RenderError(path or embedding.api_part_path(part),
                                  "the HTML is not safe to embed: "
                                  + "; ".join(sorted(set(problems))))
        doc = {"@context": "https://schema.org", **content.page}
        doc["contentHash"] = content_hash(doc)
        encodings = _encodings(ctx, part)
        if encodings:
            doc["encoding"] = encodings
        return doc

    def summary(self, ctx: RenderContext, part: Part) -> dict[str, Any]:
        """What the series and the changes list say of a released part.

        Args:
            ctx: the render context.
            part: a released part.
        """
        doc = self.part_document(ctx, part)
        keep = ("@type", "@id", "url", "name", "description", "position", "inLanguage",
                "datePublished", "dateModified", "lastReviewed", "contentHash")
        out = {k: doc[k] for k in keep if k in doc}
        out["encoding"] = [{"@type": "MediaObject", "encodingFormat": JSON_LD,
                            "contentUrl": ctx.web_url(embedding.api_part_path(part))}]
        return out

    def series_document(self, ctx: RenderContext) -> dict[str, Any]:
        """The series as a schema.org ``CreativeWorkSeries``, with its released parts.

        Args:
            ctx: the render context.
        """
        s = ctx.series
        doc: dict[str, Any] = {
            "@context": "https://schema.org", **html_api_modules.series_node(ctx),
            "description": s.description,
            "publisher": {"@type": "Organization", "name": s.publisher, "url": s.base_url},
            "copyrightHolder": {"@type": "Organization", "name": s.rights_holder},
            "numberOfParts": len(s.parts),
            "hasPart": [self.summary(ctx, p) for p in ctx.released],
        }
        if s.license:
            doc["license"] = s.license_link or s.license
        if ctx.last_modified is not None:
            doc["dateModified"] = ctx.last_modified.isoformat()
        return doc

    def changes_document(self, ctx: RenderContext) -> dict[str, Any]:
        """The changes list: each released part's summary, least recently modified first.

        Args:
            ctx: the render context.
        """
        ordered = sorted(ctx.released, key=lambda p: (ctx.modified(p), p.part))
        return changes_list(ctx.series.title,
                            [self.summary(ctx, p) for p in ordered])


def changes_list(title: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The changes list of ``items`` (already in order): an ascending ``ItemList``.

    Args:
        title: the series title.
        items: the parts' summaries, in order.
    """
    return {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "name": title,
        "itemListOrder": "https://schema.org/ItemListOrderAscending",
        "numberOfItems": len(items),
        "itemListElement": [{"@type": "ListItem", "position": i, "item": item}
                            for i, item in enumerate(items, 1)],
    }


def dump(data: Any) -> bytes:
    """JSON as every API file is written: sorted keys, two-space indent, UTF-8.

    Args:
        data: the document.
    """
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


def _links(part: Part) -> tuple[str, ...]:
    """Files of the same build a part's document links to when they are made."""
    return (embedding.fragment_path(part), embedding.embed_path(part), handout_path(part))


def _encodings(ctx: RenderContext, part: Part) -> list[dict[str, Any]]:
    """The part's other forms made by the same build (its fragment, embed page, handout)."""
    out: list[dict[str, Any]] = []
    for path, fmt, key in ((embedding.fragment_path(part), "text/html", "contentUrl"),
                           (embedding.embed_path(part), "text/html", "embedUrl"),
                           (handout_path(part), "application/pdf", "contentUrl")):
        info = ctx.deps.get(path)
        if info is not None:
            out.append({"@type": "MediaObject", "encodingFormat": fmt,
                        key: ctx.web_url(path), "contentSize": f"{info.bytes} B",
                        "sha256": info.sha256})
    return out
