"""A handout's layout bound into the booklet as one of its chapters.

The booklet shows each part as its handout shows it, so one layout serves both
(``pdf_layouts`` keeps it by input hash: the handout job lays it out, the booklet job finds
it), and a part is laid out once per build, not once for its handout and again for the
booklet. To bind a handout in:

- its running heads and page numbers (pagination artifacts) go: the booklet stamps its own;
- its named destinations take the part's prefix (``p3.dosing``, and ``p3`` for its title), so
  two chapters' ``references`` do not clash, and its internal links follow them;
- its structure elements go under one Art element: a chapter, to assistive technology.

Once the chapters are merged, ``link_inside()`` points a link to another part's web page at
that part's chapter, as a booklet's cross-references should.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pikepdf

from ketapub import RenderContext, Renderer
from ketapub.model import Part
from ketapub.renderers import pdf_assemble, pdf_html, pdf_layouts


def handout(renderer: Renderer, ctx: RenderContext, part: Part, large: bool,
            ) -> tuple[bytes, list[str], bool]:
    """The unbranded handout of ``part``, laid out now or kept: the same bytes either way.

    Also its page types, and whether it was laid out now. Whichever asks first lays it
    out: the handout's job or the booklet's.

    Args:
        renderer: the PDF renderer.
        ctx: the render context.
        part: a released part.
        large: the large-print handout.
    """
    doc = pdf_html.handout(renderer, ctx, part, None, large)
    return pdf_layouts.layout(doc.html, doc.css, doc.assets, doc.templates_dir,
                              pdf_layouts.salt(doc.assets))


def chapter(data: bytes, number: int, title: str) -> pikepdf.Pdf:
    """The handout ``data`` of part ``number``, ready to be merged into the booklet (close it).

    Args:
        data: the handout's PDF, as laid out.
        number: the part's number.
        title: the part's title, the chapter's ``T``.
    """
    prefix = f"p{number}.".encode()
    pdf = pdf_assemble.open_pdf(data)
    try:
        dests = pdf_assemble.destinations(pdf)
        renamed = {prefix + name: dest for name, dest in dests.items()}
        renamed[f"p{number}".encode()] = dests.get(b"top") or pikepdf.Array(
            [pdf.pages[0].obj, pikepdf.Name.Fit])
        pdf_assemble.write_destinations(pdf, renamed)
        for page in pdf.pages:
            pdf_assemble.strip_pagination(pdf, page)
            for annot in _annotations(page):
                if isinstance(annot.get("/Dest"), pikepdf.String):
                    annot.Dest = pikepdf.String(prefix + bytes(annot.Dest))
                action = annot.get("/A")
                if isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/GoTo" \
                        and isinstance(action.get("/D"), pikepdf.String):
                    action.D = pikepdf.String(prefix + bytes(action.D))
        _as_article(pdf, title)
    except BaseException:
        pdf.close()
        raise
    return pdf


def link_inside(pdf: pikepdf.Pdf, chapters: Sequence[tuple[int, int, int]],
                urls: Mapping[str, int]) -> None:
    """Point links to a bound part's web page at its chapter.

    ``https://…/spravato-explained/#dosing`` goes to ``p3.dosing`` (to ``p3`` when the
    chapter has no such name). A chapter's link to its own page with no fragment stays on the
    web: that is its "read online" address.

    Args:
        pdf: the merged booklet.
        chapters: (part number, index of its first page, its page count) of each chapter.
        urls: the web address of each bound part, to its number.
    """
    dests = pdf_assemble.destinations(pdf)
    for number, first, count in chapters:
        for index in range(first, first + count):
            for annot in _annotations(pdf.pages[index]):
                action = annot.get("/A")
                uri = action.get("/URI") if isinstance(action, pikepdf.Dictionary) else None
                if not isinstance(uri, pikepdf.String):
                    continue
                base, _, fragment = str(uri).partition("#")
                target = urls.get(base)
                if target is None or (target == number and not fragment):
                    continue
                name = f"p{target}.{fragment}".encode()
                del annot.A
                annot.Dest = pikepdf.String(name if fragment and name in dests
                                            else f"p{target}".encode())


def _annotations(page: pikepdf.Page) -> list[pikepdf.Dictionary]:
    annots = page.obj.get("/Annots")
    return [a for a in (annots if isinstance(annots, pikepdf.Array) else [])
            if isinstance(a, pikepdf.Dictionary)]


def _as_article(pdf: pikepdf.Pdf, title: str) -> None:
    """Hang every top-level structure element from one Art element titled ``title``."""
    document = pdf_assemble.document_element(pdf)
    kids = list(document.K)
    if not all(isinstance(kid, pikepdf.Dictionary) and "/S" in kid for kid in kids):
        return  # marked content straight under the Document: left where it is
    art = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.StructElem, S=pikepdf.Name.Art, P=document,
        T=pikepdf.String(title), K=pikepdf.Array(kids)))
    for kid in kids:
        kid.P = art
    document.K = pikepdf.Array([art])
