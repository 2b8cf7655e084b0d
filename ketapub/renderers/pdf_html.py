"""The HTML and CSS of a handout or the booklet, from the ``pdf/`` templates.

Links are the interesting part. In print a link is dead, so a cross-reference keeps its text
and gains "(Part 3)" as real text; in the booklet it points inside the document and gains
"(Part 3, page 12)" through CSS ``target-counter``. Images and the brand logo are served by
the safe fetcher under ``ketapub-asset:`` URLs; the QR code is an SVG data URL.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from ketapub import RenderContext, Renderer, i18n, markdown
from ketapub.model import Brand, Part
from ketapub.render.base import builtin_templates_dir
from ketapub.renderers.pdf_fetch import ASSET

PAGE_SIZES = {"A4": "A4", "Letter": "letter"}
DEFAULT_ACCENT = "#1d4e89"
_XREF = re.compile(r'<a\b([^>]*\bclass="xref"[^>]*)>(.*?)</a>', re.S)
_HREF = re.compile(r'\bhref="([^"]*)"')
_TAGS = re.compile(r"<[^>]+>")
_FOOTNOTES = '<section class="footnotes">'
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")')


@dataclass(frozen=True)
class PdfDocument:
    """What the engine needs to make one PDF."""

    html: str
    css: str
    assets: dict[str, tuple[str, bytes]] = field(repr=False)
    templates_dir: Path


def labels(ctx: RenderContext) -> Mapping[str, str]:
    return i18n.labels(ctx.series.language)


def _part_pattern(label: str, number: int) -> str:
    """A regex for "Part 3" in the label's words, any spacing, leading zeros allowed."""
    return re.sub(r"(?:\\\s)+", r"\\s+", re.escape(label)).replace(r"\{n\}", f"0*{number}")


def css_string(text: str) -> str:
    """A CSS string literal: every character outside plain ASCII text escaped."""
    out = []
    for ch in text:
        if ch.isascii() and (ch.isalnum() or ch in " .,:;!?-_()'/&+#@%*=[]{}|~^$"):
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x} ")  # the space ends the escape, never the text
    return '"' + "".join(out) + '"'


def page_size(ctx: RenderContext, brand: Brand | None) -> str:
    """Option first, then the brand, then the series (A4 by default)."""
    size = ctx.options.page_size or (brand.page_size if brand else None) or ctx.series.page_size
    return size or "A4"


def _assets(ctx: RenderContext) -> dict[str, tuple[str, bytes]]:
    return {a.path: (a.media_type, a.data) for a in ctx.series.assets}


def _asset_url(path: str) -> str:
    """The fetcher's URL of an asset: its path percent-encoded (``café.png`` is
    ``caf%C3%A9.png``), which the fetcher decodes."""
    return ASSET + quote(path, safe="/")


def _images(body: str, ctx: RenderContext) -> str:
    """Point each image at its asset through the fetcher's scheme.

    The sanitiser keeps only http(s) and relative URLs, so the body carries the asset's
    relative path; only paths that are series assets become fetchable, anything else stays
    a relative URL that the document has no base to resolve against.
    """
    known = {a.path for a in ctx.series.assets}

    def sub(m: re.Match[str]) -> str:
        src = htmllib.unescape(m.group(2))
        if src in known:
            return m.group(1) + htmllib.escape(_asset_url(src)) + m.group(3)
        return m.group(0)

    return _IMG_SRC.sub(sub, body)


def _qr(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(border=2, dark="#000000", light="#ffffff")


def _xrefs(body: str, ctx: RenderContext, targets: dict[str, int], booklet: bool) -> str:
    """Give every cross-reference its printed form: "(Part 3)".

    In the booklet each one also carries an empty ``span.pageref`` naming its target. The
    built-in stylesheet hides it: a ``target-counter()`` makes WeasyPrint lay out every page
    that holds one three times (about 40% of the booklet's layout). A template that wants
    "(Part 3, page 12)" shows it; see "Page numbers in cross-references" in the README.
    """
    t = labels(ctx)

    def sub(m: re.Match[str]) -> str:
        href_m = _HREF.search(m.group(1))
        href = htmllib.unescape(href_m.group(1)) if href_m else ""
        number = targets.get(href)
        if number is None:
            return m.group(0)
        text = htmllib.unescape(_TAGS.sub("", m.group(2)))
        named = re.search(rf"\b{_part_pattern(t['part'], number)}\b", text, re.I)
        pageref = ""
        if booklet:
            kind = "pageref pageref-alone" if named else "pageref"
            pageref = (f'<span class="{kind}" data-href="{htmllib.escape(href)}" '
                       f'data-label="{htmllib.escape(t["page"])}"></span>')
        if named:
            return m.group(0) + pageref
        where = t["part"].format(n=number)
        return f'{m.group(0)}<span class="xref-where"> ({where}{pageref})</span>'

    return _XREF.sub(sub, body)


def _link_policy(ctx: RenderContext, booklet: bool
                 ) -> tuple[Callable[[Part, str | None], str], dict[str, int]]:
    """A ``part:`` link policy that remembers which part each href points to."""
    targets: dict[str, int] = {}

    def link(part: Part, anchor: str | None) -> str:
        if booklet:
            href = f"#p{part.part}.{anchor}" if anchor else f"#p{part.part}"
        else:
            href = ctx.web_link(part, anchor)
        targets[href] = part.part
        return href

    return link, targets


def _notes_heading(body: str, ctx: RenderContext, tag: str) -> str:
    title = htmllib.escape(labels(ctx)["notes"])
    return body.replace(_FOOTNOTES, f'{_FOOTNOTES}\n<{tag} class="notes-title">{title}</{tag}>', 1)


def _body(ctx: RenderContext, part: Part, booklet: bool) -> str:
    link, targets = _link_policy(ctx, booklet)
    if booklet:
        prefix = f"p{part.part}."  # the booklet's own ids (p3, p3-title) hold no "."
        html = ctx.part_html(part, link, id_prefix=prefix,
                             heading_offset=1,
                             citation_href=lambda rid: "#" + markdown.reference_id(prefix, rid))
    else:
        html = ctx.part_html(part, link)
    html = _xrefs(_images(html, ctx), ctx, targets, booklet)
    return _notes_heading(html, ctx, "h3" if booklet else "h2")


def _disclaimer(ctx: RenderContext) -> Markup | None:
    if not ctx.series.disclaimer:
        return None
    link, _ = _link_policy(ctx, booklet=False)
    return Markup(ctx.markdown_html(ctx.series.disclaimer, link))


def _css(renderer: Renderer, ctx: RenderContext, brand: Brand | None, booklet: bool,
         large: bool) -> str:
    t = labels(ctx)
    accent = (brand.accent_color if brand and brand.accent_color else DEFAULT_ACCENT)
    x, y = t["page_of"].split("{x}")[0], t["page_of"].split("{x}")[1].split("{y}")[0]
    return renderer.render_template(
        ctx, "pdf/print.css",
        page=PAGE_SIZES[page_size(ctx, brand)], accent=accent,
        large=large, booklet=booklet, css_string=css_string,
        page_prefix=css_string(x), page_middle=css_string(y),
        page_suffix=css_string(t["page_of"].split("{y}")[1]),
        series_title=css_string(ctx.series.title), footer_note=_footer_note(brand))


def _footer_note(brand: Brand | None) -> str | None:
    """The clinic and its phone on every page, so a loose page still says who to call."""
    if brand is None:
        return None
    return css_string(" · ".join(x for x in (brand.name, brand.phone) if x))


def _common(ctx: RenderContext) -> dict[str, Any]:
    s = ctx.series
    return {"t": labels(ctx), "disclaimer": _disclaimer(ctx),
            "authors": ", ".join(a.name for a in s.authors)}


def handout(renderer: Renderer, ctx: RenderContext, part: Part,
            brand: Brand | None, large: bool = False) -> PdfDocument:
    """One part as a patient handout, optionally branded for a clinic, optionally in large
    print (the job's variant, not a build option: one build makes both)."""
    t = labels(ctx)
    url = ctx.series.part_url(part)
    logo = None
    if brand and brand.logo and ctx.series.get_asset(brand.logo):
        logo = _asset_url(brand.logo)
    html = renderer.render_template(
        ctx, "pdf/handout.html", part=part, brand=brand, logo=logo,
        body=Markup(_body(ctx, part, booklet=False)), url=url, qr=_qr(url),
        qr_alt=t["qr_alt"].format(url=url), review=ctx.review_text(ctx.review(part)),
        total=len(ctx.series.parts), **_common(ctx))
    return PdfDocument(html, _css(renderer, ctx, brand, booklet=False, large=large), _assets(ctx),
                       builtin_templates_dir())


def _first_release(ctx: RenderContext) -> datetime | None:
    """The booklet's creation date: its first released part's (None before any release,
    rather than a date still to come)."""
    return min((p.publish_at for p in ctx.released), default=None)


def booklet(renderer: Renderer, ctx: RenderContext, large: bool = False) -> PdfDocument:
    """The whole series: cover, contents with page numbers, released parts, back matter."""
    s = ctx.series
    entries = []
    for part in s.parts:
        released = ctx.is_released(part)
        entries.append({
            "part": part, "released": released,
            "body": Markup(_body(ctx, part, booklet=True)) if released else None,
            "available": None if released else ctx.available(part),
            "review": ctx.review_text(ctx.review(part, fallback=False)) if released else None,
        })
    cover = _asset_url(s.cover) if s.cover and s.get_asset(s.cover) else None
    html = renderer.render_template(
        ctx, "pdf/booklet.html", entries=entries, cover=cover,
        review=ctx.review_text(ctx.review(None)),
        modified=ctx.last_modified, first=_first_release(ctx),
        qr=_qr(s.base_url), qr_alt=labels(ctx)["qr_alt"].format(url=s.base_url),
        **_common(ctx))
    return PdfDocument(html, _css(renderer, ctx, None, booklet=True, large=large), _assets(ctx),
                       builtin_templates_dir())
