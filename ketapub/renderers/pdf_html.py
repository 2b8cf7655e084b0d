"""The HTML and CSS of a handout or the booklet, from the ``pdf/`` templates.

Links are the interesting part. In print a link is dead, so a cross-reference keeps its text
and gains "(Part 3)" as real text; in the booklet it points inside the document, and a page
number is for a template to show (see ``PrintTranslator``). Images and the brand logo
are served by the safe fetcher under ``ketapub-asset:`` URLs; the QR code is an SVG data URL.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from ketapub import RenderContext, Renderer, i18n, taglines, tree
from ketapub.model import Brand, Part
from ketapub.render.alternates import part_alternates
from ketapub.render.base import builtin_templates_dir
from ketapub.render.html_translator import HtmlTranslator
from ketapub.render.shared import handout_path, text_direction
from ketapub.renderers.pdf_fetch import ASSET
from ketapub.renderers.pdf_figures import large_print_fit

PAGE_SIZES = {"A4": "A4", "Letter": "letter"}
DEFAULT_ACCENT = "#1d4e89"


@dataclass(frozen=True)
class PdfDocument:
    """What the engine needs to make one PDF."""

    html: str
    css: str
    assets: dict[str, tuple[str, bytes]] = field(repr=False)
    templates_dir: Path


def labels(ctx: RenderContext) -> Mapping[str, str]:
    """The interface labels in the series language.

    Args:
        ctx: the render context.
    """
    return i18n.labels(ctx.series.language)


def _part_pattern(label: str, number: int) -> str:
    """A regex for "Part 3" in the label's words, any spacing, leading zeros allowed."""
    return re.sub(r"(?:\\\s)+", r"\\s+", re.escape(label)).replace(r"\{n\}", f"0*{number}")


def css_string(text: str) -> str:
    """A CSS string literal: every character outside plain ASCII text escaped.

    Args:
        text: the text.
    """
    out = []
    for ch in text:
        if ch.isascii() and (ch.isalnum() or ch in " .,:;!?-_()'/&+#@%*=[]{}|~^$"):
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x} ")  # the space ends the escape, never the text
    return '"' + "".join(out) + '"'


def page_size(renderer: Renderer, ctx: RenderContext, brand: Brand | None) -> str:
    """The page size of a handout: the option, else the brand's, else the series'.

    The ``page_size`` option of ``renderer`` first, then the brand, then the series (A4 by default).

    Args:
        renderer: the PDF renderer, for its options.
        ctx: the render context.
        brand: the clinic, or None.
    """
    chosen = getattr(renderer.options(ctx), "page_size", None)
    size = chosen or (brand.page_size if brand else None) or ctx.series.page_size
    return size or "A4"


def _assets(ctx: RenderContext) -> dict[str, tuple[str, bytes]]:
    return {a.path: (a.media_type, a.data) for a in ctx.series.assets}


def _asset_url(path: str) -> str:
    """The fetcher's URL of an asset.

    Its path percent-encoded (``café.png`` is ``caf%C3%A9.png``), which the fetcher decodes.
    """
    return ASSET + quote(path, safe="/")


@functools.lru_cache(maxsize=64)
def _qr(url: str) -> str:
    """The QR code of ``url`` as an SVG data URL, cached.

    Kept: every clinic's handout of a part shows the same one.
    """
    import segno

    return segno.make(url, error="m").svg_data_uri(border=2, dark="#000000", light="#ffffff")


# A word of letters and digits joined by hyphens, short enough to keep on one line.
_COMPOUND = re.compile(r"(?<![\w-])((?=[\w-]{3,30}(?![\w-]))\w+(?:-\w+)+)(?![\w-])")


class PrintTranslator(HtmlTranslator):
    """A part's body on paper, where a link is dead.

    A cross-reference keeps its text and gains "(Part 3)" as real text, unless the text
    already names the part. In the booklet it points inside the document (``#p3.dosing``)
    and also carries an empty ``span.pageref`` naming its target; the built-in stylesheet
    hides it, since a ``target-counter()`` makes WeasyPrint lay out every page that holds
    one three times (about 40% of the booklet's layout). A template that wants "(Part 3,
    page 12)" shows it; see "Page numbers in cross-references" in the README. Images are
    served by the safe fetcher under ``ketapub-asset:`` URLs; the notes get a heading. In
    large print (``large_page``: the page size) an SVG figure is sized by ``pdf_figures``.

    Args:
        ctx: the build's render context.
        part: the part laid out.
        booklet: True inside the booklet: ids prefixed, headings a level down, links to pages.
        large_page: the page size of a large-print handout (figures are sized for it); None
            for regular print.
    """

    def __init__(self, ctx: RenderContext, part: Part, booklet: bool,
                 large_page: str | None = None) -> None:
        # the booklet's own ids (p3, p3-title) hold no "."
        super().__init__(ctx, prefix=f"p{part.part}." if booklet else "",
                         heading_offset=1 if booklet else 0)
        self.booklet = booklet
        self.large_page = large_page
        self.labels = labels(ctx)

    def part_link(self, part: Part, anchor: str | None) -> str:
        """A link to a part: inside the booklet, to its page; else to the web."""
        if self.booklet:
            return f"#p{part.part}.{anchor}" if anchor else f"#p{part.part}"
        return str(self.ctx.web_link(part, anchor))

    def asset_url(self, path: str) -> str | None:
        """The URL WeasyPrint fetches an asset by (through the series-only fetcher)."""
        return _asset_url(path)

    def image_attrs(self, node: tree.Image, url: str) -> list[tuple[str, str]]:
        """An image's attributes, sized for the large-print page when it is one."""
        attrs = super().image_attrs(node, url)
        asset = self.ctx.series.get_asset(node.asset) if node.asset and self.large_page \
            else None
        fit = large_print_fit(asset.data, asset.media_type, self.large_page) \
            if asset and self.large_page else None
        if fit is not None:
            attrs += [("class", "figure-large figure-wide" if fit.wide else "figure-large"),
                      ("style", f"width: {fit.width:g}pt")]
        return attrs

    def xref(self, node: tree.CrossReference, part: Part, link: str) -> str:
        """A ``part:`` link, with the page it goes to in the booklet."""
        t = self.labels
        named = re.search(rf"\b{_part_pattern(t['part'], part.part)}\b", _words(node), re.I)
        pageref = ""
        if self.booklet:
            pageref = self.element("span", "", [
                ("class", "pageref pageref-alone" if named else "pageref"),
                ("data-href", self.part_link(part, node.anchor)), ("data-label", t["page"])])
        if named:
            return link + pageref
        where = self.text(" (" + t["part"].format(n=part.part)) + pageref + ")"
        return link + self.element("span", where, [("class", "xref-where")])

    def text(self, text: str) -> str:
        """A compound ("FDA-approved") is kept on one line.

        Broken at its own hyphen, it extracts from the PDF as "FDAapproved" (pdftotext takes a
        line-end hyphen for hyphenation), so search and copy would miss it.
        """
        return _COMPOUND.sub(r'<span class="compound">\1</span>', super().text(text))

    def cell_tag(self, cell: tree.Cell, head: bool) -> str:
        """Make the first column of a two-way table head its rows.

        A two-way table's first column heads its rows (the tagged PDF then ties each data cell to
        its row too); an empty corner is a data cell.
        """
        blank = all(isinstance(c, tree.Text) and not c.text.strip() for c in cell.children)
        return "th" if cell.header and not blank else "td"

    def cell_attrs(self, cell: tree.Cell, head: bool) -> list[tuple[str, str]]:
        """A cell's attributes, with the ``scope`` of a header cell for the tagged PDF."""
        attrs = super().cell_attrs(cell, head)
        if cell.scope and self.cell_tag(cell, head) == "th":
            attrs.append(("scope", cell.scope))
        return attrs

    def notes_heading(self) -> str:
        """The footnotes' heading, a level lower in the booklet."""
        return self.element("h3" if self.booklet else "h2", self.text(self.labels["notes"]),
                            [("class", "notes-title")])


def _words(node: tree.Node) -> str:
    """The text a reader sees of a link (an image shows only when it has no asset)."""
    words, stack = [], [node]
    while stack:
        inner = stack.pop()
        if isinstance(inner, tree.Image):
            words.append(inner.alt if inner.asset is None else "")
        elif isinstance(inner, tree.Parent):
            stack.extend(reversed(inner.children))
        else:
            words.append(tree.text_of(inner))
    return "".join(words)


def _body(ctx: RenderContext, part: Part, booklet: bool, large_page: str | None = None) -> str:
    return PrintTranslator(ctx, part, booklet, large_page).visit(ctx.document(part))


def _disclaimer(ctx: RenderContext) -> Markup | None:
    if not ctx.series.disclaimer:
        return None
    # web links, images as written, as the disclaimer has always been printed
    return Markup(HtmlTranslator(ctx).visit(ctx.text_document(ctx.series.disclaimer)))


def _css(renderer: Renderer, ctx: RenderContext, brand: Brand | None, booklet: bool,
         large: bool) -> str:
    t = labels(ctx)
    accent = (brand.accent_color if brand and brand.accent_color else DEFAULT_ACCENT)
    x, y = t["page_of"].split("{x}")[0], t["page_of"].split("{x}")[1].split("{y}")[0]
    return renderer.render_template(
        ctx, "pdf/print.css",
        page=PAGE_SIZES[page_size(renderer, ctx, brand)], accent=accent,
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
            "dir": text_direction(s.language),
            "authors": ", ".join(a.name for a in s.authors)}


def _taglines(brand: Brand | None) -> list[tuple[str, str, str, str]]:
    """(lang, dir, before, after) of each language-assistance tagline the brand lists.

    The text around its phone number, which the template isolates so that right-to-left text does
    not reorder the digits.
    """
    if brand is None or not brand.phone:
        return []
    found = []
    for code in brand.languages:
        before, _, after = taglines.table()[code].partition("{phone}")
        found.append((code, "rtl" if code in taglines.RTL else "ltr", before, after))
    return found


def handout(renderer: Renderer, ctx: RenderContext, part: Part,
            brand: Brand | None, large: bool = False,
            slots: Mapping[str, str] | None = None) -> PdfDocument:
    """One part as a patient handout, optionally branded, optionally in large print.

    Branding and large print are the job's variant, not build options: one build makes both.

    Args:
        renderer: the PDF renderer, for its templates and options.
        ctx: the render context.
        part: a released part.
        brand: the clinic, or None for the unbranded handout.
        large: the large-print handout; default False.
        slots: the heights (CSS px) to leave empty for the clinic's header and contact box,
            which ``pdf_brand`` stamps on; default None: no slots.
    """
    t = labels(ctx)
    url = ctx.series.part_url(part)
    logo = None
    if brand and brand.logo and ctx.series.get_asset(brand.logo):
        logo = _asset_url(brand.logo)
    html = renderer.render_template(
        ctx, "pdf/handout.html", part=part, brand=brand, logo=logo,
        body=Markup(_body(ctx, part, booklet=False,
                          large_page=page_size(renderer, ctx, brand) if large else None)),
        url=url, qr=_qr(url),
        qr_alt=t["qr_alt"].format(url=url), review=ctx.review_line(part),
        total=len(ctx.series.parts), taglines=_taglines(brand), slots=slots,
        languages=part_alternates(ctx, part, handout_path), **_common(ctx))
    return PdfDocument(html, _css(renderer, ctx, brand, booklet=False, large=large), _assets(ctx),
                       builtin_templates_dir())


def brand_pieces(renderer: Renderer, ctx: RenderContext, brand: Brand, css_brand: Brand,
                 large: bool = False) -> tuple[PdfDocument, str]:
    """A clinic's footer note, header and contact box, each laid out on a page of its own.

    The pieces (``pdf/brand.html``) are laid out as in its handouts but with the stylesheet of
    ``css_brand``; also returns the rule that puts the clinic's own footer note in it.

    Args:
        renderer: the PDF renderer, for its templates.
        ctx: the render context.
        brand: the clinic.
        css_brand: a stand-in of ``brand``'s shape, whose stylesheet every clinic of that
            shape shares.
        large: for the large-print handouts; default False.
    """
    logo = _asset_url(brand.logo) if brand.logo and ctx.series.get_asset(brand.logo) else None
    html = renderer.render_template(ctx, "pdf/brand.html", brand=brand, logo=logo,
                                    taglines=_taglines(brand), **_common(ctx))
    note = f"@page {{ @bottom-left {{ content: {_footer_note(brand)}; }} }}\n"
    return PdfDocument(html, _css(renderer, ctx, css_brand, booklet=False, large=large),
                       _assets(ctx), builtin_templates_dir()), note


def _first_release(ctx: RenderContext) -> datetime | None:
    """The booklet's creation date.

    Its first released part's (None before any release, rather than a date still to come).
    """
    return min((p.publish_at for p in ctx.released), default=None)


def booklet(renderer: Renderer, ctx: RenderContext, large: bool = False,
            only: str | None = None, pages: Mapping[int, int] | None = None,
            ) -> PdfDocument:
    """The whole series: cover, contents with page numbers, released parts, back matter.

    Args:
        renderer: the PDF renderer, for its templates and options.
        ctx: the render context.
        large: the large-print booklet; default False.
        only: ``"front"``: the cover, contents and about alone, for the assembler to bind
            the handouts to; default None: the whole booklet.
        pages: with ``only``, the first page of each part in the whole; default None.
    """
    s = ctx.series
    entries = []
    for part in s.parts:
        if ctx.is_withdrawn(part):  # left out, contents too: a booklet is what is published
            continue
        released = ctx.is_released(part)
        wanted = released and only is None
        entries.append({
            "part": part, "released": released,
            "body": Markup(_body(ctx, part, booklet=True, large_page=page_size(
                renderer, ctx, None) if large else None)) if wanted else None,
            "available": None if released else ctx.available(part),
            "review": ctx.review_line(part, fallback=False) if released else None,
        })
    cover = _asset_url(s.cover) if s.cover and s.get_asset(s.cover) else None
    html = renderer.render_template(
        ctx, "pdf/booklet.html", entries=entries, cover=cover,
        review=ctx.review_line(None),
        modified=ctx.last_modified, first=_first_release(ctx), only=only, pages=pages,
        qr=_qr(s.base_url), qr_alt=labels(ctx)["qr_alt"].format(url=s.base_url),
        **_common(ctx))
    return PdfDocument(html, _css(renderer, ctx, None, booklet=True, large=large), _assets(ctx),
                       builtin_templates_dir())
