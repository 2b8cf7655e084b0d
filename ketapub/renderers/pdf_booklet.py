"""The booklet bound from its parts' handouts, not laid out whole.

Each chapter is its part's handout as laid out for the handout itself (``pdf_chapter``), so
a build lays out each part once, and an edit of one part lays out that part only (the others
are kept by ``pdf_layouts``). The front matter (cover, contents, about) is laid out once the
handouts' page counts are known, so the contents give real page numbers as text. Page
numbers ("Page 3 of 28") and running heads depend on where a page lands: the handouts' own
are taken off, and one stamp document of empty pages, laid out with the booklet's own
``@page`` rules, draws the booklet's; ``pdf_assemble.stamp_artifact()`` lays each of its
pages over the booklet's page as a pagination artifact. A link to another part's web page
becomes a link to its chapter.

Cheaper than laying out each part with its final page numbers (``counter-reset: page N``):
that would make every part after an edited one depend on the edit's page count, and the
stamp document is only empty pages.
"""

from __future__ import annotations

import contextlib
import html as markup
import logging
import re
from collections.abc import Mapping

import pikepdf
from jinja2.filters import do_truncate
from jinja2.sandbox import SandboxedEnvironment

from ketapub import RenderContext, Renderer
from ketapub.renderers import pdf_assemble, pdf_chapter, pdf_html, pdf_layouts

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
@page chapter-start { @top-left { content: none; } @top-right { content: none; } }
"""
"""Appended to the booklet's stylesheet for the stamp document: nothing but the margins (and
none above a chapter's title, which its handout's masthead heads)."""
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
    released = [p for p in ctx.series.parts if ctx.is_released(p)]
    handouts = [pdf_chapter.handout(renderer, ctx, p, large) for p in released]
    counts = {p.part: len(names) for p, (_data, names, _fresh) in zip(released, handouts,
                                                                       strict=True)}
    (front, front_names, fresh), doc, pages = _front(renderer, ctx, large, counts, salted)
    stamps, _names, stamped = pdf_layouts.layout(
        _stamp_html(ctx, front_names, [(p.title, h[1]) for p, h in zip(released, handouts,
                                                                       strict=True)]),
        doc.css + STAMP_CSS % ("-large" if large else ""), assets, doc.templates_dir, salted)
    laid = fresh + stamped + sum(made for _data, _names, made in handouts)
    with contextlib.ExitStack() as chapters:
        booklet = pdf_assemble.merge(
            [front, *(chapters.enter_context(pdf_chapter.chapter(data, part.part, part.title))
                      for part, (data, _names, _fresh) in zip(released, handouts,
                                                             strict=True))],
            nest_outline=True)
    with booklet:
        pdf_chapter.link_inside(booklet, [(n, pages[n] - 1, counts[n]) for n in counts],
                                {ctx.series.part_url(p): p.part for p in released})
        pdf_assemble.resolve_links(booklet)
        _stamp(booklet, stamps)
        log.info("%s: assembled from %d handouts, the front matter and the page stamps; "
                 "%d layouts made now, the rest kept from earlier", which, len(handouts), laid)
        return pdf_assemble.save(booklet), laid


def _stamp(booklet: pikepdf.Pdf, stamps: bytes) -> None:
    """Each page of ``stamps`` laid over its page of ``booklet``, as pagination."""
    with pdf_assemble.open_pdf(stamps) as stamp_pdf:
        if len(stamp_pdf.pages) != len(booklet.pages):
            raise pdf_assemble.AssembleError(
                f"the page stamps have {len(stamp_pdf.pages)} pages for a booklet of "
                f"{len(booklet.pages)}")
        for page, stamp in zip(booklet.pages, stamp_pdf.pages, strict=True):
            pdf_assemble.stamp_artifact(booklet, page, stamp)


def _front(renderer: Renderer, ctx: RenderContext, large: bool, counts: Mapping[int, int],
           salted: str) -> tuple[tuple[bytes, list[str], bool], pdf_html.PdfDocument,
                                 dict[int, int]]:
    """The cover, contents and about pages, laid out with each part's first page.

    Also their document and those first pages (by part). The contents may take more pages than
    guessed, which moves every part: then again with the count found.
    """
    front_pages = 2  # cover and contents: corrected below if the front matter is longer
    for _ in range(4):
        pages, first = {}, front_pages + 1
        for number, count in counts.items():
            pages[number] = first
            first += count
        doc = pdf_html.booklet(renderer, ctx, large, only="front", pages=pages)
        laid = pdf_layouts.layout(_linked_out(doc.html), doc.css + PIECE_CSS, doc.assets,
                                  doc.templates_dir, salted)
        if len(laid[1]) == front_pages:
            break
        front_pages = len(laid[1])
    return laid, doc, pages


def _stamp_html(ctx: RenderContext, front: list[str],
                chapters: list[tuple[str, list[str]]]) -> str:
    """Empty pages, one per booklet page, of its page type and with its running head.

    ``front``: the page types of the front matter; ``chapters``: each chapter's title and page
    types. A chapter's first page has no running head: its handout's masthead is there.
    """
    pages = [f'<div class="kp-stamp" style="page: {name}"></div>' if name
             else '<div class="kp-stamp"></div>' for name in front]
    for title, names in chapters:
        short, shorter = markup.escape(_cut(title, 50)), markup.escape(_cut(title, 40))
        for n, name in enumerate(names):
            page = name or ("chapter-start" if n == 0 else "")
            attrs = f' style="page: {page}"' if page else ""
            attrs += f' data-running-head="{short}" data-running-head-large="{shorter}"'
            pages.append(f'<div class="kp-stamp"{attrs}></div>')
    return (f'<!DOCTYPE html><html lang="{markup.escape(ctx.series.language)}"><head>'
            f'<meta charset="utf-8"><title>{markup.escape(ctx.series.title)}</title></head>'
            f'<body class="booklet">{"".join(pages)}</body></html>')


def _cut(title: str, length: int) -> str:
    """The running head as ``pdf/_blocks.html``'s ``running_head`` cuts it."""
    return str(do_truncate(_TRUNCATE, title, length, False, "…", 0))
