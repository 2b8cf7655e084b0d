"""Embed pages (``embed/<slug>.html``): a standalone page per released part for an iframe.

A partner who cannot paste HTML into their pages (a locked CMS, a strict CSP) embeds the
part as an iframe instead, and the iframe shows the same fragment a pasted one shows, with
its attribution block. The page is self-contained and inert, so it works in an iframe
sandboxed with no permissions: the stylesheet is inline, there is no script (its own
Content-Security-Policy forbids any), images come from ``base_url`` only, and the part's
title is the page's ``h1``. Its head names the part's public page as canonical and carries
the oEmbed discovery link, and the hreflang links to the part's embed page in every language
it is out in (``ketapub.render.alternates``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from markupsafe import Markup

from ketapub import Artifact, Job, RenderContext, Renderer, RenderError, Series, i18n
from ketapub.fragment_policy import fragment_problems
from ketapub.render import embedding
from ketapub.render.alternates import part_alternates
from ketapub.renderers import html_view as view

HTML = "text/html; charset=utf-8"
TITLE_LEVEL = 1
"""The part's title is the page's only h1; its sections follow from h2."""


class EmbedRenderer(Renderer):
    """The ``embed`` renderer: a standalone, script-free page per released part, for iframes."""

    name = "embed"
    version = "1"
    description = "Standalone, script-free page per released part for iframes (embed/)"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        """A page per released part."""
        return [self.job(embedding.embed_path(p), kind="embed", part=p.part, parts=(p.part,))
                for p in ctx.released]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        """The part's fragment in a page of its own; an unreleased part is a RenderError."""
        part = ctx.series.get_part(job.part) if job.part is not None else None
        if job.kind != "embed" or part is None or not ctx.is_released(part):
            raise RenderError(job.path, f"part {job.part} is not released as of the build")
        s = ctx.series
        common = {"lang": s.language, "dir": view.text_direction(s.language),
                  "words": i18n.labels(s.language), "level": TITLE_LEVEL}
        fragment = self.render_template(ctx, "html/part.html", **common,
                                        v=view.part_view(ctx, part, ctx.web_url, TITLE_LEVEL))
        problems = fragment_problems(fragment, "article")
        if problems:
            raise RenderError(job.path, "the fragment is not safe to embed: "
                              + "; ".join(sorted(set(problems))))
        base = urlsplit(s.base_url)
        page = self.render_template(
            ctx, "embed/page.html", **common, part=part, fragment=Markup(fragment),
            css=Markup(self.render_template(ctx, "html/ketapub.css")),
            canonical=s.part_url(part), oembed=embedding.oembed_url(s, part),
            alternates=part_alternates(ctx, part, embedding.embed_path),
            origin=f"{base.scheme}://{base.netloc}")
        return Artifact(job.path, page.encode("utf-8"), HTML, self.name)
