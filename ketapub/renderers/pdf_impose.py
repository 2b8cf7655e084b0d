"""Booklet imposition: the booklet's pages two per sheet side, in saddle-stitch order.

A clinic prints the result duplex (flip on the short edge), folds the stack in half and
staples it on the fold. Each booklet page becomes a Form XObject placed, scaled, on one half
of a landscape sheet of the booklet's own page size (A4 pages on A4 landscape, Letter on
Letter), so no office printer has to scale or reorder anything. The page count is padded to
a multiple of four with blank pages (they end up at the back, before the back cover).

A landscape page (a large-print figure's) is turned a quarter to fit its portrait half,
its top to the left: the reader turns the booklet to read it, as in any printed booklet.

The imposed file is for printing only: its page order is the folding order, so each placed
page is an artifact (PDF/UA-1 7.1) and the structure tree is empty: a screen reader is not
walked through pages 28, 1, 2, 27 ... The booklet itself is the version to read; the imposed
file keeps its title, language and metadata so it still passes as PDF/UA-1.
"""

from __future__ import annotations

import io

import pikepdf


def sheet_order(pages: int) -> list[tuple[int | None, int | None]]:
    """(left, right) 1-based page numbers of each sheet side, front then back per sheet.

    None for a blank padding page. For 8 pages: 8|1, 2|7, 6|3, 4|5.

    Args:
        pages: the booklet's page count.
    """
    total = -(-pages // 4) * 4

    def page(n: int) -> int | None:
        return n if n <= pages else None

    sides: list[tuple[int | None, int | None]] = []
    for sheet in range(total // 4):
        front = (total - 2 * sheet, 2 * sheet + 1)
        back = (2 * sheet + 2, total - 2 * sheet - 1)
        sides += [(page(front[0]), page(front[1])), (page(back[0]), page(back[1]))]
    return sides


def _unmarked(page: pikepdf.Page) -> bytes:
    """The page's content without marked-content operators.

    Their MCIDs point into the booklet's structure tree, which the imposed file does not carry.
    Marked content with an ActualText (a note's marker, " 1") keeps it, without its MCID, so the
    text extracts as from the booklet.
    """
    ops: list[pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage] = []
    kept: list[bool] = []  # per open marked-content sequence: its EMC stays
    for instr in pikepdf.parse_content_stream(page):
        op = str(instr.operator)
        if op == "BDC" and isinstance(instr.operands[1], pikepdf.Dictionary) and \
                "/ActualText" in instr.operands[1]:
            props = pikepdf.Dictionary(ActualText=instr.operands[1].ActualText)
            ops.append(pikepdf.ContentStreamInstruction([pikepdf.Name.Span, props],
                                                        pikepdf.Operator("BDC")))
            kept.append(True)
        elif op in ("BDC", "BMC"):
            kept.append(False)
        elif op == "EMC":
            if kept and kept.pop():
                ops.append(instr)
        else:
            ops.append(instr)
    return pikepdf.unparse_content_stream(ops)


def impose(data: bytes) -> bytes:
    """The imposed booklet for the booklet PDF ``data``.

    Same metadata, and the same bytes for the same input.

    Args:
        data: the booklet PDF.
    """
    with pikepdf.open(io.BytesIO(data)) as src, pikepdf.new() as out:
        first = src.pages[0].mediabox
        width, height = float(first[2]) - float(first[0]), float(first[3]) - float(first[1])
        sheet_w, sheet_h = height, width  # landscape sheet of the booklet's page size
        forms: dict[int, pikepdf.Object] = {}
        turned: set[int] = set()
        for index, page in enumerate(src.pages, start=1):
            box = page.mediabox
            if (float(box[2]) - float(box[0]) > float(box[3]) - float(box[1])) != (
                    width > height):
                turned.add(index)
            form = pikepdf.Stream(out, _unmarked(page))
            form.Type = pikepdf.Name.XObject
            form.Subtype = pikepdf.Name.Form
            form.BBox = pikepdf.Array([float(v) for v in box])
            resources = page.obj.get("/Resources")
            if resources is not None:
                form.Resources = out.copy_foreign(resources)
            forms[index] = out.make_indirect(form)
        half = sheet_w / 2
        scale = min(half / width, sheet_h / height)
        placed_w, placed_h = width * scale, height * scale
        for left, right in sheet_order(len(src.pages)):
            xobjects = pikepdf.Dictionary()
            content = []
            for slot, number in enumerate((left, right)):
                if number is None:
                    continue
                name = f"/P{number}"
                xobjects[name] = forms[number]
                x = slot * half + (half - placed_w) / 2
                y = (sheet_h - placed_h) / 2
                # turned: (x, y) -> (height - y, x), the page's top edge on the left
                matrix = (f"0 {scale:.6f} {-scale:.6f} 0 {x + placed_w:.4f} {y:.4f}"
                          if number in turned else
                          f"{scale:.6f} 0 0 {scale:.6f} {x:.4f} {y:.4f}")
                content.append(f"/Artifact BMC q {matrix} cm {name} Do Q EMC")
            sheet = pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=pikepdf.Array([0, 0, round(sheet_w, 4), round(sheet_h, 4)]),
                Resources=pikepdf.Dictionary(XObject=xobjects),
                Contents=out.make_stream("\n".join(content).encode("ascii")),
            )
            out.pages.append(pikepdf.Page(sheet))
        if "/Info" in src.trailer:
            out.trailer.Info = out.copy_foreign(src.trailer.Info)
        if "/Metadata" in src.Root:
            out.Root.Metadata = out.copy_foreign(src.Root.Metadata)
        if "/Lang" in src.Root:
            out.Root.Lang = pikepdf.String(str(src.Root.Lang))
        out.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        out.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
        tree = out.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
        tree.K = out.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, P=tree,
            K=pikepdf.Array()))
        out.Root.StructTreeRoot = tree
        buf = io.BytesIO()
        # The ID is derived from the content: the same booklet gives the same bytes.
        out.save(buf, deterministic_id=True)
        return buf.getvalue()
