"""The booklet assembled from pieces laid out once each, not laid out whole.

Each released part is laid out alone (``booklet.html`` with ``only`` its number) with no
page-margin content, and kept by ``pdf_layouts``, so an edit of one part lays out that
part only. The front matter (cover, contents, about) is laid out once the parts' page counts
are known, so the contents give real page numbers as text. Page numbers ("Page 3 of 28") and
running heads depend on where a piece lands, so they are not in the pieces: one stamp
document of empty pages, laid out with the booklet's own ``@page`` rules, draws them, and
``pdf_assemble.stamp_artifact()`` lays each of its pages over the booklet's page as a
pagination artifact. Cross-references between parts leave their piece as
``pdf_assemble.DEST`` links and come back as links inside the booklet.

Cheaper than laying out each piece with its final page numbers (``counter-reset: page N``):
that would make every part after an edited one depend on the edit's page count, and the
stamp document is only empty pages.
"""

from __future__ import annotations

import html as markup
import logging
import re
from collections.abc import Mapping

from jinja2.filters import do_truncate
from jinja2.sandbox import SandboxedEnvironment

from ketapub import RenderContext, Renderer
from ketapub.renderers import pdf_assemble, pdf_html, pdf_layouts

PIECE_CSS = """
@page { @top-left { content: none; } @top-right { content: none; }
  @bottom-center { content: none; } @bottom-left { content: none; } }
"""
"""Appended to a piece's stylesheet: the stamps draw the page margins."""
STAMP_CSS = """
@page cover { background: none; }
html, body { background: none; }
.kp-stamp { height: 1px; margin: 0; }
.kp-stamp + .kp-stamp { break-before: page; }
.kp-stamp[data-running-head] { string-set: title attr(data-running-head%s); }
"""
"""Appended to the booklet's stylesheet for the stamp document: nothing but the margins."""
_HREF = re.compile(r'(?<![\w-])href="#([^"]*)"')
_ID = re.compile(r'\sid="([^"]*)"')
_TRUNCATE = SandboxedEnvironment()
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
log = logging.getLogger("ketapub.pdf")
_WHICH = {False: "booklet", True: "large-print booklet"}
"""The booklet as ``--verbose`` names it."""


def _linked_out(html: str) -> str:
    """Send links to ids outside this piece to the booklet's named destinations.

    Links to an id this piece does not hold go to that named destination of the assembled booklet.
    """
    ids = set(_ID.findall(html))
    return _HREF.sub(lambda m: m.group(0) if m.group(1) in ids
                     else f'href="{pdf_assemble.DEST}{m.group(1)}"', html)


def assemblable(css: str) -> bool:
    """Whether the booklet's pieces can be laid out apart.

    False when the stylesheet asks for the page of a target in another piece (the README's "(Part 3,
    page 12)" in ``pdf/custom.css``): only a layout of the whole booklet knows it. The built-in
    stylesheet asks only in the contents, whose numbers the assembler gives.

    Args:
        css: the booklet's stylesheet.
    """
    return _COMMENT.sub("", css).count("target-counter(") <= 1


def render(renderer: Renderer, ctx: RenderContext, large: bool) -> tuple[bytes, int] | None:
    """The booklet's PDF, and how many pieces were laid out for it (the rest were kept).

    None when it must be laid out whole (``assemblable()``).

    Args:
        renderer: the PDF renderer.
        ctx: the render context.
        large: the large-print booklet.
    """
    which = _WHICH[large]
    if not assemblable(pdf_html.booklet(renderer, ctx, large, only="front").css):
        log.info("%s: laid out whole, not assembled: the stylesheet asks for the page number "
                 "of a target in another part (target-counter), which only a layout of the "
                 "whole booklet knows", which)
        return None
    assets = pdf_html._assets(ctx)
    salted = pdf_layouts.salt(assets)
    laid = 0

    def piece(only: str | int, pages: Mapping[int, int] | None = None,
              ) -> tuple[bytes, list[str]]:
        nonlocal laid
        doc = pdf_html.booklet(renderer, ctx, large, only=only, pages=pages)
        data, names, fresh = pdf_layouts.layout(_linked_out(doc.html), doc.css + PIECE_CSS,
                                                assets, doc.templates_dir, salted)
        laid += fresh
        return data, names

    released = [p for p in ctx.series.parts if ctx.is_released(p)]
    parts = [piece(p.part) for p in released]
    front_pages = 2  # cover and contents: corrected below if the front matter is longer
    for _ in range(4):
        pages, first = {}, front_pages + 1
        for part, (_data, names) in zip(released, parts, strict=True):
            pages[part.part] = first
            first += len(names)
        front = piece("front", pages)
        if len(front[1]) == front_pages:
            break
        front_pages = len(front[1])
    names = front[1] + [name for _data, part_names in parts for name in part_names]
    heads: list[str | None] = [None] * len(front[1])
    for part, (_data, part_names) in zip(released, parts, strict=True):
        heads += [part.title] * len(part_names)
    doc = pdf_html.booklet(renderer, ctx, large, only="front", pages=pages)
    stamp_html = _stamp_html(ctx, names, heads)
    stamps, _names, fresh = pdf_layouts.layout(
        stamp_html, doc.css + STAMP_CSS % ("-large" if large else ""), assets,
        doc.templates_dir, salted)
    laid += fresh
    booklet = pdf_assemble.merge([front[0], *(data for data, _names in parts)],
                                 nest_outline=True)
    with booklet:
        pdf_assemble.resolve_links(booklet)
        with pdf_assemble.open_pdf(stamps) as stamp_pdf:
            if len(stamp_pdf.pages) != len(booklet.pages):
                raise pdf_assemble.AssembleError(
                    f"the page stamps have {len(stamp_pdf.pages)} pages for a booklet of "
                    f"{len(booklet.pages)}")
            for page, stamp in zip(booklet.pages, stamp_pdf.pages, strict=True):
                pdf_assemble.stamp_artifact(booklet, page, stamp)
            log.info("%s: assembled from %d parts, the front matter and the page stamps; "
                     "%d layouts made now, the rest kept from earlier", which, len(parts), laid)
            return pdf_assemble.save(booklet), laid


def _stamp_html(ctx: RenderContext, names: list[str], heads: list[str | None]) -> str:
    """Empty pages, one per booklet page, of its page type and with its running head."""
    pages = []
    for name, head in zip(names, heads, strict=True):
        attrs = f' style="page: {name}"' if name else ""
        if head is not None:
            short, shorter = markup.escape(_cut(head, 50)), markup.escape(_cut(head, 40))
            attrs += f' data-running-head="{short}" data-running-head-large="{shorter}"'
        pages.append(f'<div class="kp-stamp"{attrs}></div>')
    return (f'<!DOCTYPE html><html lang="{markup.escape(ctx.series.language)}"><head>'
            f'<meta charset="utf-8"><title>{markup.escape(ctx.series.title)}</title></head>'
            f'<body class="booklet">{"".join(pages)}</body></html>')


def _cut(title: str, length: int) -> str:
    """The running head as ``pdf/_blocks.html``'s ``running_head`` cuts it."""
    return str(do_truncate(_TRUNCATE, title, length, False, "…", 0))
