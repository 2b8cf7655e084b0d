"""HTML fragments for partner sites (``html/``).

A fragment per released part, a card per part, the series hub, a scoped stylesheet, a preview page
and a JSON index.

Fragments are pasted into pages we do not control: one root element, ids prefixed per
part, absolute URLs, no script but the JSON-LD written here, and a stylesheet whose every
selector is scoped under ``.ketapub``. Every fragment passes ``ketapub.fragment_policy``
before it leaves the renderer, whatever template made it.
"""

from __future__ import annotations

import json
import posixpath
from typing import Annotated, Any
from urllib.parse import quote

from markupsafe import Markup
from pydantic import Field

from ketapub import Artifact, Job, RenderContext, Renderer, RenderError, Series, i18n
from ketapub.fragment_policy import fragment_problems
from ketapub.model import Part
from ketapub.render import embedding
from ketapub.render.alternates import edition_alternates
from ketapub.render.options import RendererOptions, option
from ketapub.renderers import html_view as view

HTML = "text/html; charset=utf-8"


class HtmlOptions(RendererOptions):
    """Options of the HTML renderer (``--set html.OPTION=VALUE``)."""

    heading_level: Annotated[int, Field(ge=1, le=5)] = option(
        2, "heading level of a part's title in fragments, 1 to 5 (its sections follow)")


class HtmlRenderer(Renderer[HtmlOptions]):
    """The ``html`` renderer: embeddable fragments, cards, the hub and a preview page."""

    name = "html"
    version = "4"
    description = ("Embeddable HTML fragments: one per released part, cards, the hub, "
                   "ketapub.css, a preview page and fragments.json (html/)")

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        """A fragment per released part, a card per part, and the series-wide files."""
        jobs = [self.job(f"html/{p.slug}.html", kind="fragment", part=p.part, parts=(p.part,))
                for p in ctx.released]
        # a card shows what the hub shows (title, summary, date), never the part's text:
        # served before the release (embargo=()), re-rendered when its part changes (parts)
        jobs += [self.job(f"html/cards/{p.slug}.html", kind="card", part=p.part,
                          parts=(p.part,), embargo=()) for p in series.parts]
        jobs += [self.job("html/hub.html", kind="hub", live=True),
                 self.job("html/ketapub.css", kind="css", parts=()),
                 self.job("html/index.html", kind="index"),
                 self.job("html/fragments.json", kind="index-json")]
        # each image twice: beside the preview (html/assets/...), and where fragments, feeds
        # and the API point (base_url + its path: assets/...), so the output folder
        # published at base_url shows them
        jobs += [self.job(where, kind="asset", parts=(), embargo=users,
                          params=(("asset", path),))
                 for path, users in _preview_assets(ctx).items()
                 for where in (f"html/{path}", path)]
        return jobs

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        """One file of ``job.kind``; a heading level outside 1-6 is a ``RenderError``."""
        level = self.options(ctx).heading_level
        if not 1 <= level <= 6:
            raise RenderError(job.path, f"heading level {level} is not between 1 and 6")
        if job.kind == "fragment":
            part = _part(job, ctx)
            return self._html(job, self.fragment(ctx, part, ctx.web_url), "article")
        if job.kind == "card":
            return self._html(job, self.card(ctx, _part(job, ctx)), "article")
        if job.kind == "hub":
            return self._html(job, self.hub(ctx), "nav")
        if job.kind == "css":
            css = self.render_template(ctx, "html/ketapub.css")
            return Artifact(job.path, css.encode("utf-8"), "text/css", self.name)
        if job.kind == "index":
            return Artifact(job.path, self.index(ctx).encode("utf-8"), HTML, self.name)
        if job.kind == "index-json":
            data = json.dumps(self.index_json(ctx), indent=2, ensure_ascii=False) + "\n"
            return Artifact(job.path, data.encode("utf-8"), "application/json", self.name)
        if job.kind == "asset":
            asset = ctx.series.get_asset(job.param("asset"))
            if asset is None:
                raise RenderError(job.path, f"asset {job.param('asset')!r} is not in the source")
            return Artifact(job.path, asset.data, asset.media_type, self.name)
        raise RenderError(job.path, f"unknown job kind {job.kind!r}")

    # --- the fragments -------------------------------------------------------------------
    def _common(self, ctx: RenderContext) -> dict[str, Any]:
        s = ctx.series
        return {"lang": s.language, "dir": view.text_direction(s.language),
                "words": i18n.labels(s.language), "level": self.options(ctx).heading_level}

    def fragment(self, ctx: RenderContext, part: Part, asset_url: Any) -> str:
        """The fragment of ``part``, its assets linked through ``asset_url``.

        Args:
            ctx: the render context.
            part: a released part.
            asset_url: the URL of an asset on the host page.
        """
        return self.render_template(ctx, "html/part.html", **self._common(ctx),
                                    v=view.part_view(ctx, part, asset_url,
                                                   self.options(ctx).heading_level))

    def card(self, ctx: RenderContext, part: Part) -> str:
        """The card of ``part``: title, summary and date, never its text.

        Args:
            ctx: the render context.
            part: any part of the series.
        """
        return self.render_template(ctx, "html/card.html", **self._common(ctx),
                                    v=view.card_view(ctx, part))

    def hub(self, ctx: RenderContext) -> str:
        """The hub: the series table of contents, released parts linked.

        Args:
            ctx: the render context.
        """
        return self.render_template(ctx, "html/hub.html", **self._common(ctx),
                                    v=view.hub_view(ctx))

    def index(self, ctx: RenderContext) -> str:
        """The preview page.

        Every fragment with the stylesheet, images from local copies (``assets/...`` next to it) so
        the preview works offline.

        Args:
            ctx: the render context.
        """
        fragments = [Markup(self.fragment(ctx, p, lambda path: quote(path, safe="/")))
                     for p in ctx.released]
        cards = [Markup(self.card(ctx, p)) for p in ctx.series.parts]
        embeds = [embedding.embed_codes(ctx.series, p, self.fragment(ctx, p, ctx.web_url))
                  for p in ctx.released]
        return self.render_template(ctx, "html/index.html", **self._common(ctx),
                                    hub=Markup(self.hub(ctx)), cards=cards, fragments=fragments,
                                    embeds=embeds,
                                    alternates=edition_alternates(ctx, "html/index.html"))

    def index_json(self, ctx: RenderContext) -> dict[str, Any]:
        """``html/fragments.json``, for partners who integrate programmatically.

        Its paths are relative to the file itself.

        Args:
            ctx: the render context.
        """
        s = ctx.series
        nxt, modified = ctx.next_release, ctx.last_modified
        items = []
        for p in s.parts:
            released = ctx.is_released(p)
            status = ("withdrawn" if ctx.is_withdrawn(p) else "released" if released
                      else "scheduled")
            items.append({
                "part": p.part,
                "slug": p.slug,
                "title": p.title,
                "summary": p.summary,
                "url": s.part_url(p),
                "status": status,
                "release": p.publish_at.isoformat(),
                "modified": ctx.modified(p).isoformat() if released else None,
                "available": None if released or status == "withdrawn" else ctx.available(p),
                **({"withdrawn": ctx.withdrawal(p)} if status == "withdrawn" else {}),
                "fragment": f"{p.slug}.html" if released else None,
                "card": f"cards/{p.slug}.html",
            })
        return {
            "version": 1,
            "series": {"title": s.title, "slug": s.series_slug, "language": s.language,
                       "url": s.base_url, "publisher": s.publisher},
            "stylesheet": "ketapub.css",
            "hub": "hub.html",
            "preview": "index.html",
            "heading_level": self.options(ctx).heading_level,
            "modified": modified.isoformat() if modified else None,
            "next_release": nxt.isoformat() if nxt else None,
            "fragments": items,
        }

    def _html(self, job: Job, html: str, root: str) -> Artifact:
        problems = fragment_problems(html, root)
        if problems:
            raise RenderError(job.path, "the fragment is not safe to embed: "
                              + "; ".join(sorted(set(problems))))
        return Artifact(job.path, html.encode("utf-8"), HTML, self.name)


def _part(job: Job, ctx: RenderContext) -> Part:
    part = ctx.series.get_part(job.part) if job.part is not None else None
    if part is None:
        raise RenderError(job.path, f"part {job.part} is not in the series")
    if job.kind == "fragment" and not ctx.is_released(part):
        raise RenderError(job.path, f"part {part.part} is not released as of the build")
    return part


def _preview_assets(ctx: RenderContext) -> dict[str, tuple[int, ...]]:
    """The assets the released parts show, each with the parts that show it.

    Assets the released parts show (never an unreleased part's figure), each with the parts that
    show it: a figure is part of their text, served once all of those are out.
    """
    used: dict[str, set[int]] = {}
    for p in ctx.released:
        for path in p.images:
            used.setdefault(posixpath.normpath(path), set()).add(p.part)
    return {path: tuple(sorted(used[path])) for path in sorted(used)
            if ctx.series.get_asset(path) is not None}
