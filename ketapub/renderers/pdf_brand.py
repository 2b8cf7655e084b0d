"""Branded handouts stamped, not laid out again for every clinic.

A branded handout differs from its part's unbranded one in a clinic's header (logo and
name), its contact box, the footer note on each page and the accent colour. So:

- the clinic's pieces are laid out alone (``pdf/brand.html``: a page holding only the
  footer note, one the header, one the contact box), which also measures the header and the
  contact box;
- the part is laid out once per page size, print size and pair of piece heights, with empty
  slots of those heights where the pieces go and the accent drawn in a colour no handout
  uses (``SENTINEL``). Clinics whose pieces are as tall share it: the bench's thousand
  generated clinics need two layouts per part;
- the accent is put in (the sentinel's fill and stroke colour operators rewritten), the
  header and contact box are stamped as tagged content at their slots, with their own
  structure elements read where the laid-out ones were (the logo a Figure with its Alt), and
  the footer note as a pagination artifact on every page.

When the handout cannot be stamped (a ``pdf/handout.html`` of a ``--templates`` folder
without the slots, a piece that does not fit one page, a translucent accent, which is drawn
with a transparency state a colour operator cannot carry) ``render()`` says why and returns
None, and the handout is laid out whole as before.
"""

from __future__ import annotations

import logging
import re

import pikepdf

from ketapub import RenderContext, Renderer
from ketapub.model import Brand, Part
from ketapub.renderers import pdf_assemble, pdf_html, pdf_layouts

log = logging.getLogger("ketapub.pdf")

SENTINEL = "#fe01fd"
"""The accent of the shared layout: no built-in style uses it; each clinic's replaces it."""
PIECES_CSS = """
@page { @top-left { content: none; } @top-right { content: none; }
  @bottom-center { content: none; } }
.kp-piece { break-before: page; }
.kp-mark { padding-top: 1px; }
"""
"""Appended to a clinic's stylesheet for its pieces: only its footer note in the margins."""
_PX = 0.75  # points per CSS pixel


def _colour(hex_colour: str) -> bytes:
    """A colour's operands as WeasyPrint (pydyf) writes them: ``0.121569 0.435294 0.5``.

    ``#075`` is ``#007755``.
    """
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    parts = []
    for i in (0, 2, 4):
        text = f"{int(digits[i:i + 2], 16) / 255:f}".rstrip("0").rstrip(".")
        parts.append(text or "0")
    return " ".join(parts).encode("ascii")


_SENTINEL_OPS = re.compile(rb"(?<![\d.])" + re.escape(_colour(SENTINEL)) + rb"( (?:rg|RG)\b)")


def _shape(brand: Brand) -> Brand:
    """The brand as the shared layout sees it: its page size, nothing of the clinic."""
    return brand.model_copy(update={
        "id": "shape", "name": "", "phone": None, "email": None, "address": None,
        "website": None, "logo": None, "accent_color": SENTINEL})


def _anchor(dests: dict[bytes, pikepdf.Object], name: str, index: dict[tuple[int, int], int],
            ) -> tuple[int, float, float] | None:
    """(page index, x, top) of a named destination, in points."""
    dest = dests.get(name.encode())
    if not isinstance(dest, pikepdf.Array) or len(dest) < 4:
        return None
    page = index.get(dest[0].objgen) if isinstance(dest[0], pikepdf.Dictionary) else None
    return None if page is None else (page, float(dest[2]), float(dest[3]))


def _anchors(pdf: pikepdf.Pdf, *names: str) -> list[tuple[int, float, float]] | None:
    names_tree = pdf.Root.get("/Names")
    dests = pdf_assemble.name_tree(names_tree.get("/Dests")) \
        if isinstance(names_tree, pikepdf.Dictionary) else {}
    index = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
    found = [_anchor(dests, name, index) for name in names]
    return None if any(a is None for a in found) else found  # type: ignore[return-value]


def render(renderer: Renderer, ctx: RenderContext, part: Part, brand: Brand,
           large: bool) -> bytes | None:
    """The branded handout, stamped; None (and why, logged) when it must be laid out.

    Args:
        renderer: the PDF renderer.
        ctx: the render context.
        part: a released part.
        brand: the clinic.
        large: the large-print handout.
    """
    if brand.accent_color and len(brand.accent_color) in (5, 9):
        return _fallback(part, brand, "its accent colour is translucent")
    assets = pdf_html._assets(ctx)
    salted = pdf_layouts.salt(assets)
    shape = _shape(brand)
    pieces_doc, note = pdf_html.brand_pieces(renderer, ctx, brand, shape, large)
    pieces_pdf, _, _ = pdf_layouts.layout(pieces_doc.html, pieces_doc.css + PIECES_CSS,
                                          assets, pieces_doc.templates_dir, salted, keep=False,
                                          extra_css=note)
    with pdf_assemble.open_pdf(pieces_pdf) as pieces:
        marks = _anchors(pieces, "kp-brand", "kp-brand-end", "kp-contact", "kp-contact-end")
        if len(pieces.pages) != 3 or marks is None or [m[0] for m in marks] != [1, 1, 2, 2]:
            return _fallback(part, brand, "its header or contact box does not fit one page")
        header, header_end, contact, contact_end = marks
        slots = {"brand": f"{(header[2] - header_end[2]) / _PX:.4f}",
                 "contact": f"{(contact[2] - contact_end[2]) / _PX:.4f}"}
        base_doc = pdf_html.handout(renderer, ctx, part, shape, large, slots=slots)
        base, _, _ = pdf_layouts.layout(base_doc.html, base_doc.css, assets,
                                        base_doc.templates_dir, salted)
        with pdf_assemble.open_pdf(base) as pdf:
            places = _anchors(pdf, "kp-brand-slot", "kp-contact-slot")
            if places is None:
                return _fallback(part, brand, "the handout template leaves no slots")
            qr_alt = pdf_html.labels(ctx)["qr_alt"].format(url=ctx.series.part_url(part))
            where = _after(pdf, qr_alt)
            if where is None:
                return _fallback(part, brand, "no read-online block to put the contact after")
            margins = [float(v) for v in pieces.pages[0].mediabox]
            if any([float(v) for v in page.mediabox] != margins for page in pdf.pages):
                return _fallback(part, brand, "a page has a size of its own (a landscape "
                                 "figure page in large print)")
            (header_page, hx, htop), (contact_page, cx, ctop) = places
            pdf_assemble.stamp_tagged(pdf, pdf.pages[contact_page], pieces, 2, *where,
                                      shift=(cx - contact[1], ctop - contact[2]))
            pdf_assemble.stamp_tagged(pdf, pdf.pages[header_page], pieces, 1,
                                      pdf_assemble.document_element(pdf), 0,
                                      shift=(hx - header[1], htop - header[2]))
            for page in pdf.pages:
                pdf_assemble.stamp_artifact(pdf, page, pieces.pages[0])
            _recolour(pdf, _colour(brand.accent_color or pdf_html.DEFAULT_ACCENT))
            _drop_names(pdf, (b"kp-brand-slot", b"kp-contact-slot"))
            return pdf_assemble.save(pdf)


def _fallback(part: Part, brand: Brand, why: str) -> bytes | None:
    """None, having said why the handout is laid out whole instead."""
    log.info("part %s for %s: laid out whole, not stamped: %s", part.number, brand.id, why)
    return None


def _after(pdf: pikepdf.Pdf, alt: str) -> tuple[pikepdf.Dictionary, int] | None:
    """Where the contact box is read: after the block that holds the QR code."""
    todo = [pdf_assemble.document_element(pdf)]
    while todo:
        elem = todo.pop()
        kids = elem.get("/K")
        for n, kid in enumerate(kids if isinstance(kids, pikepdf.Array) else [kids]):
            if not isinstance(kid, pikepdf.Dictionary) or "/S" not in kid:
                continue
            inner = kid.get("/K")
            if any(isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/Figure"
                   and str(k.get("/Alt", "")) == alt
                   for k in (inner if isinstance(inner, pikepdf.Array) else [inner])):
                return elem, n + 1
            todo.append(kid)
    return None


def _recolour(pdf: pikepdf.Pdf, accent: bytes) -> None:
    """The sentinel's fill and stroke colours on every page become the clinic's accent."""
    for page in pdf.pages:
        page.contents_coalesce()
        data = page.obj.Contents.read_bytes()
        changed = _SENTINEL_OPS.sub(lambda m: accent + m.group(1), data)
        if changed != data:
            page.obj.Contents.write(changed)


def _drop_names(pdf: pikepdf.Pdf, names: tuple[bytes, ...]) -> None:
    dests = pdf.Root.Names.Dests
    flat = pdf_assemble.name_tree(dests)
    for name in names:
        flat.pop(name, None)
    pdf.Root.Names.Dests = pdf.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array(
        [x for name in sorted(flat) for x in (pikepdf.String(name), flat[name])])))
