"""JSON Feed 1.1 (``feed/feed.json``): the reference plugin, written against the public API.

Released parts only, newest first; every URL absolute but an item's links to its own ids. An item's
content is the ``feed/item.html`` of RSS and Atom (body, references, disclaimer, ids prefixed as
theirs), and the handout PDF made in the same build is its attachment, with the URL and size of
their enclosure.
"""

from __future__ import annotations

import json

from markupsafe import Markup

from ketapub import Artifact, Job, RenderContext, Renderer, Series
from ketapub.render.feed_items import ItemTranslator, item_values
from ketapub.render.html_translator import HtmlTranslator
from ketapub.render.shared import handout_enclosure, handout_path


class WebAssets(ItemTranslator):
    """The body's HTML with web links and every image at its web address."""

    def asset_url(self, path: str) -> str | None:
        """The absolute URL of an asset, since a feed reader has no base."""
        return str(self.ctx.web_url(path))


class JsonFeedRenderer(Renderer):
    """The ``jsonfeed`` renderer: a JSON Feed 1.1 of the released parts."""

    name = "jsonfeed"
    version = "3"
    description = "JSON Feed 1.1 of the released parts (feed/feed.json)"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        """One job, served live; it depends on the handouts, whose sizes it lists."""
        deps = tuple(handout_path(p) for p in ctx.released)  # the attachments' sizes
        return [self.job("feed/feed.json", kind="feed", depends_on=deps, live=True)]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        """The feed, newest part first, each with its handout as an attachment."""
        s = ctx.series
        items = []
        for part in sorted(ctx.released, key=lambda p: p.publish_at, reverse=True):
            body = WebAssets(ctx, part)
            # the disclaimer's images as written, the body's at their web address
            note = HtmlTranslator(ctx, prefix=body.prefix).visit(ctx.text_document(
                s.disclaimer)) if s.disclaimer else ""
            html = self.render_template(ctx, "feed/item.html", disclaimer=Markup(note),
                                        body=Markup(body.visit(ctx.document(part))),
                                        **item_values(ctx, body))
            pdf = handout_enclosure(ctx, part)
            items.append({
                "id": s.part_url(part), "url": s.part_url(part),
                "title": part.title,
                "summary": part.summary,
                "content_html": html.strip(),
                "date_published": part.publish_at.isoformat(),
                "date_modified": ctx.modified(part).isoformat(),
                "tags": list(part.tags),
                **({"attachments": [{"url": pdf.url, "mime_type": pdf.media_type,
                                     "title": f"{part.title} (PDF)",
                                     "size_in_bytes": pdf.length}]} if pdf else {}),
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
