"""Running heads, page numbers and footer notes are pagination artifacts, not content a
screen reader reads on every page (PDF/UA-1 7.1; issue 15, item 1)."""

from __future__ import annotations

import io

import pikepdf
import pytest
from conftest import SINK, SINK_AS_OF
from pdfua_rules import check

import ketapub
from ketapub.renderers.pdf_tags import finish

BRANDED = "pdf/sink-clinic/01-everything.pdf"


@pytest.fixture(scope="module")
def handout() -> bytes:
    """A branded handout: running heads, page numbers and the clinic's footer note."""
    return ketapub.render(SINK, "pdf", as_of=SINK_AS_OF, path=BRANDED,
                          brands=["sink-clinic"])[BRANDED]


def _pagination_artifacts(page: pikepdf.Page) -> int:
    return sum(1 for ins in pikepdf.parse_content_stream(page)
               if str(ins.operator) == "BDC" and ins.operands[0] == "/Artifact"
               and ins.operands[1].get("/Type") == "/Pagination")


def test_every_page_has_its_margin_boxes_as_pagination_artifacts(handout: bytes,
                                                                 tmp_path) -> None:
    with pikepdf.open(io.BytesIO(handout)) as pdf:
        counts = [_pagination_artifacts(page) for page in pdf.pages]
    # The first page shows the page number and the footer note; the others add the
    # series title and the part title at the top.
    assert counts[0] >= 2 and all(n >= 4 for n in counts[1:]), counts
    (tmp_path / "h.pdf").write_bytes(handout)
    assert not [f for f in check(tmp_path / "h.pdf") if f.rule.startswith("7.1-")]


def test_the_parent_tree_names_no_element_the_tree_does_not_reach(handout: bytes) -> None:
    with pikepdf.open(io.BytesIO(handout)) as pdf:
        nums = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
        entries = [e for arr in nums[1::2] if isinstance(arr, pikepdf.Array) for e in arr]
        elems = [e for e in entries if isinstance(e, pikepdf.Dictionary)]
        assert elems and all(_reaches_root(e) for e in elems)


def _reaches_root(elem: pikepdf.Dictionary) -> bool:
    """The element is a kid of its parent, and so on up to the tree's root."""
    while elem.get("/Type") != "/StructTreeRoot":
        parent = elem.P
        kids = parent.K if isinstance(parent.K, pikepdf.Array) else [parent.K]
        if not any(isinstance(k, pikepdf.Dictionary) and k.is_indirect
                   and k.objgen == elem.objgen for k in kids):
            return False
        elem = parent
    return True


def test_an_untagged_pdf_comes_back_byte_for_byte() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    buf = io.BytesIO()
    pdf.save(buf)
    assert finish(buf.getvalue()) == buf.getvalue()


def test_the_same_document_gives_the_same_bytes(handout: bytes) -> None:
    again = ketapub.render(SINK, "pdf", as_of=SINK_AS_OF, path=BRANDED,
                           brands=["sink-clinic"])[BRANDED]
    assert again == handout


def test_figure_boxes_are_points_from_the_bottom_around_what_they_draw(handout: bytes,
                                                                        tmp_path) -> None:
    """Issue 15, item 5: the logo at the top of page 1 has its box at the top of the page,
    and every figure's box holds what the figure draws."""
    with pikepdf.open(io.BytesIO(handout)) as pdf:
        height = float(pdf.pages[0].mediabox[3])
        logo = next(e for e in _walk(pdf.Root.StructTreeRoot.K) if e.S == "/Figure")
        x0, y0, x1, y1 = (float(v) for v in logo.A.BBox)
        assert logo.Pg.objgen == pdf.pages[0].obj.objgen
        assert height * 0.8 < y0 < y1 < height and 0 < x0 < x1
    (tmp_path / "h.pdf").write_bytes(handout)
    assert not [str(f) for f in check(tmp_path / "h.pdf") if f.rule == "x-7.3-bbox"]


def _walk(node: pikepdf.Object) -> list[pikepdf.Dictionary]:
    items = list(node) if isinstance(node, pikepdf.Array) else [node]
    out = []
    for item in items:
        if isinstance(item, pikepdf.Dictionary) and "/S" in item:
            out += [item, *_walk(item.get("/K", pikepdf.Array()))]
    return out


def test_list_items_hold_a_label_and_a_body(handout: bytes) -> None:
    """Issue 15, item 3 (PDF/UA 7.2-20): a footnote's paragraph sits in an LBody, and the
    moved elements name their new parent."""
    with pikepdf.open(io.BytesIO(handout)) as pdf:
        elems = _walk(pdf.Root.StructTreeRoot.K)
        items = [e for e in elems if e.S == "/LI"]
        assert items
        for li in items:
            kinds = [str(k.S) for k in li.K] if isinstance(li.K, pikepdf.Array) else []
            assert set(kinds) <= {"/Lbl", "/LBody"} and "/LBody" in kinds, kinds
        assert any(k.S == "/P" for li in items for b in li.K if b.S == "/LBody"
                   for k in (b.K if isinstance(b.K, pikepdf.Array) else [b.K])
                   if isinstance(k, pikepdf.Dictionary))
        for elem in elems:
            kids = elem.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    assert kid.P.objgen == elem.objgen, (str(kid.S), str(elem.S))


def test_each_contents_entry_is_one_link(sink_series: ketapub.Series) -> None:
    """Issue 15, item 2: one annotation per entry of the booklet's contents, tagged Link,
    where there were five nested ones (some tagged Span)."""
    data = ketapub.render(SINK, "pdf", as_of=SINK_AS_OF, path="pdf/booklet.pdf")
    with pikepdf.open(io.BytesIO(data["pdf/booklet.pdf"])) as pdf:
        nums = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
        parents = {int(k): v for k, v in zip(nums[::2], nums[1::2], strict=True)}
        contents = pdf.pages[1]
        links = [a for a in contents.obj.Annots if a.Subtype == "/Link" and "/Dest" in a]
        released = sum(1 for p in sink_series.parts if p.publish_at.isoformat() < "2025-06")
        assert len(links) == released
        assert all(parents[int(a.StructParent)].S == "/Link" for a in links)
        kept = {a.objgen for page in pdf.pages for a in page.obj.get("/Annots", [])}
        for value in parents.values():  # the tree points at no annotation that is gone
            if not isinstance(value, pikepdf.Dictionary):
                continue
            objs = [k.Obj for k in (value.K if isinstance(value.K, pikepdf.Array) else
                                    [value.K])
                    if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"]
            assert all(o.objgen in kept for o in objs)


def test_header_cells_have_a_scope(handout: bytes) -> None:
    """Issue 15, item 4 (PDF/UA 7.5-1): a column header says it heads its column."""
    with pikepdf.open(io.BytesIO(handout)) as pdf:
        heads = [e for e in _walk(pdf.Root.StructTreeRoot.K) if e.S == "/TH"]
        assert heads
        for th in heads:
            expected = "/Column" if th.P.P.S == "/THead" else "/Row"
            assert th.A.Scope == expected


def test_a_two_way_table_has_row_headers() -> None:
    """Issue 15, item 4: the comparison table's first column heads its rows, and each data
    cell names both of its headers."""
    from conftest import CONTENT

    path = "pdf/03-spravato-explained.pdf"
    data = ketapub.render(CONTENT, "pdf", as_of="2030-01-01T00:00:00+00:00", path=path)[path]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        rows = [e for e in _walk(pdf.Root.StructTreeRoot.K)
                if e.S == "/TR" and e.P.S == "/TBody"]
        assert len(rows) >= 6
        for row in rows:
            first, *rest = list(row.K)
            assert first.S == "/TH" and first.A.Scope == "/Row"
            assert all(c.S == "/TD" and first.ID in list(c.A.Headers) for c in rest)
