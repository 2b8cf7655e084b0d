"""JSON Feed 1.1 (``feed/feed.json``): the reference plugin, written only against the
public API. Released parts only, newest first; every URL absolute."""

from __future__ import annotations

import json

from ketapub import Artifact, Job, RenderContext, Renderer, Series
from ketapub.render.html_translator import HtmlTranslator


class WebAssets(HtmlTranslator):
    """The body's HTML with web links and every image at its web address."""

    def asset_url(self, path: str) -> str | None:
        return str(self.ctx.web_url(path))


class JsonFeedRenderer(Renderer):
    name = "jsonfeed"
    version = "2"
    description = "JSON Feed 1.1 of the released parts (feed/feed.json)"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        return [self.job("feed/feed.json", kind="feed", live=True)]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        s = ctx.series
        # the disclaimer's images as written, the body's at their web address
        disclaimer = (HtmlTranslator(ctx).visit(ctx.text_document(s.disclaimer))
                      if s.disclaimer else "")
        items = []
        for part in sorted(ctx.released, key=lambda p: p.publish_at, reverse=True):
            body = WebAssets(ctx).visit(ctx.document(part))
            items.append({
                "id": s.part_url(part),
                "url": s.part_url(part),
                "title": part.title,
                "summary": part.summary,
                "content_html": body + (f'<div class="disclaimer">{disclaimer}</div>'
                                        if disclaimer else ""),
                "date_published": part.publish_at.isoformat(),
                "date_modified": ctx.modified(part).isoformat(),
                "tags": list(part.tags),
                "_ketapub": {"part": part.part, "slug": part.slug},
            })
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": s.title,
            "home_page_url": s.base_url,
            "feed_url": ctx.web_url(job.path),
            "description": s.description,
            "language": s.language,
            "authors": [{"name": a.name} for a in s.authors],
            "items": items,
        }
        data = json.dumps(feed, indent=2, ensure_ascii=False) + "\n"
        return Artifact(job.path, data.encode("utf-8"), "application/feed+json", self.name)
