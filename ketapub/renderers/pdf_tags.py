"""Tagging fixes WeasyPrint cannot make itself, applied to its PDF with pikepdf.

WeasyPrint tags the content of page-margin boxes (running heads, page numbers, the footer
note) as marked content whose structure elements it never links into the tree: PDF 1.7 has
no way to put an Artifact in the tree, so it leaves them dangling (``weasyprint.pdf.tags``).
Screen readers then read "Page 3 of 5" and the running head on every page (PDF/UA-1 7.1).
Here that content becomes ``/Artifact`` marked content of type Pagination, and the parent
tree stops naming the dangling elements.

WeasyPrint also writes a Figure's layout BBox in CSS pixels measured from the top of the
page; PDF wants points from the bottom, so assistive technology and reflow tools looked
for the picture where it is not. The BBox is converted here (the tests check it holds
what the figure draws, so a WeasyPrint that fixes it itself shows up at once).

A list item whose content is a block (a loose list, the footnotes) comes out as LI with
Lbl and P; PDF/UA wants the P inside an LBody (7.2-20). It is wrapped in one here.

A link laid out as a block (the booklet's contents entries) gets an annotation for its
block and another for every box inside it, each on top of the first and many tagged as
Span: a keyboard user met each entry five times. Only the outermost annotation of a link
stays, and a Link element inside a Link becomes a Span.

WeasyPrint ties data cells to header cells with Headers and IDs but gives a TH no Scope,
which PDF/UA checkers and some screen readers want (7.5-1): a TH in a row that holds data
cells heads its row, any other TH its column.

Dot leaders (the booklet's contents) become artifacts too (``pdf_leaders``), and footnote
markers extract as " 1" instead of being glued to their word (``pdf_markers``).
"""

from __future__ import annotations

import io

import pikepdf

from ketapub.renderers import pdf_leaders, pdf_markers
from ketapub.renderers.pdf_marked import mcid_of, number_tree

_PAGINATION = pikepdf.Dictionary(Type=pikepdf.Name.Pagination)
_PX = 0.75  # points per CSS pixel: WeasyPrint draws every page scaled by it


def _reachable_elems(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """The structure elements the tree reaches from its root, in document order."""
    root = pdf.Root.get("/StructTreeRoot")
    seen: set[tuple[int, int]] = set()
    out: list[pikepdf.Dictionary] = []

    def walk(node: pikepdf.Object | None, depth: int) -> None:
        items = list(node) if isinstance(node, pikepdf.Array) else [node]
        for item in items:
            if isinstance(item, pikepdf.Dictionary) and "/S" in item and item.is_indirect \
                    and item.objgen not in seen and depth < 256:
                seen.add(item.objgen)
                out.append(item)
                walk(item.get("/K"), depth + 1)

    if isinstance(root, pikepdf.Dictionary):
        walk(root.get("/K"), 0)
    return out


def _page_parents(pdf: pikepdf.Pdf) -> dict[int, pikepdf.Array]:
    """The parent tree's arrays (MCID -> structure element), by StructParents key."""
    root = pdf.Root.get("/StructTreeRoot")
    tree = root.get("/ParentTree") if isinstance(root, pikepdf.Dictionary) else None
    return {key: entries for key, entries in number_tree(tree).items()
            if isinstance(entries, pikepdf.Array)}


def finish(data: bytes) -> bytes:
    """``data`` with the fixes of this module; a PDF that needs none comes back as is.

    Args:
        data: a PDF WeasyPrint wrote.
    """
    with pikepdf.open(io.BytesIO(data)) as pdf:
        elems = _reachable_elems(pdf)
        changed = artifact_margins(pdf, elems)
        changed = figure_bboxes(pdf, elems) or changed
        changed = list_bodies(pdf, elems) or changed
        changed = nested_links(pdf, elems) or changed
        # after nested_links: a leader is an inner link's run of text until then
        changed = pdf_leaders.artifact_leaders(pdf, elems) or changed
        changed = pdf_markers.space_markers(pdf) or changed
        changed = header_scopes(elems) or changed
        if not changed:
            return data
        out = io.BytesIO()
        # The ID is derived from the content: the same document gives the same bytes.
        pdf.save(out, deterministic_id=True)
        return out.getvalue()


def figure_bboxes(pdf: pikepdf.Pdf, elems: list[pikepdf.Dictionary]) -> bool:
    """Every Figure's layout BBox in points from the bottom of its page. True if changed.

    Args:
        pdf: the PDF.
        elems: its reachable structure elements.
    """
    changed = False
    for elem in elems:
        attrs = elem.get("/A")
        page = elem.get("/Pg")
        if elem.S != "/Figure" or not isinstance(attrs, pikepdf.Dictionary) or \
                "/BBox" not in attrs or not isinstance(page, pikepdf.Dictionary):
            continue
        # CSS measures from the page box, the TrimBox: it is the MediaBox unless the page
        # has a bleed (print-shop PDF/X), which moves the MediaBox's top edge up.
        height = float(pikepdf.Page(page).trimbox[3])
        x0, y0, x1, y1 = (float(v) for v in attrs.BBox)
        attrs.BBox = pikepdf.Array([round(v, 3) for v in (
            x0 * _PX, height - y1 * _PX, x1 * _PX, height - y0 * _PX)])
        changed = True
    return changed


def list_bodies(pdf: pikepdf.Pdf, elems: list[pikepdf.Dictionary]) -> bool:
    """Every LI's kids other than Lbl and LBody moved into a new LBody. True if changed.

    Args:
        pdf: the PDF.
        elems: its reachable structure elements.
    """
    changed = False
    for li in elems:
        if li.S != "/LI" or "/K" not in li:
            continue
        kids = list(li.K) if isinstance(li.K, pikepdf.Array) else [li.K]
        stray = [n for n, kid in enumerate(kids) if not _is_kind(kid, "/Lbl", "/LBody")]
        if stray:
            _wrap_body(pdf, li, kids, stray)
            changed = True
    return changed


def _is_kind(obj: pikepdf.Object, *kinds: str) -> bool:
    return isinstance(obj, pikepdf.Dictionary) and obj.get("/S") in kinds


def _wrap_body(pdf: pikepdf.Pdf, li: pikepdf.Dictionary, kids: list[pikepdf.Object],
               stray: list[int]) -> None:
    """Move ``kids[n]`` for every n in ``stray`` into a new LBody at the first one's place."""
    body = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.StructElem, S=pikepdf.Name.LBody, P=li,
        K=pikepdf.Array([kids[n] for n in stray])))
    if "/Pg" in li:
        body.Pg = li.Pg
    for n in stray:
        if isinstance(kids[n], pikepdf.Dictionary) and "/S" in kids[n]:
            kids[n].P = body
    li.K = pikepdf.Array([body if n == stray[0] else kid for n, kid in enumerate(kids)
                          if n == stray[0] or n not in stray])
    _repoint_parents(pdf, li, body)  # the LI's own marked content now sits in the LBody


def header_scopes(elems: list[pikepdf.Dictionary]) -> bool:
    """Every TH without a Scope gets Row or Column. True if anything changed.

    Args:
        elems: the reachable structure elements.
    """
    changed = False
    for row in elems:
        if row.S != "/TR":
            continue
        kids = row.get("/K")
        cells = [k for k in (kids if isinstance(kids, pikepdf.Array) else [kids])
                 if isinstance(k, pikepdf.Dictionary) and k.get("/S") in ("/TH", "/TD")]
        parent = row.get("/P")
        in_head = isinstance(parent, pikepdf.Dictionary) and parent.get("/S") == "/THead"
        scope = pikepdf.Name.Row if not in_head and any(c.S == "/TD" for c in cells) \
            else pikepdf.Name.Column
        for cell in cells:
            if cell.S != "/TH":
                continue
            attrs = cell.get("/A")
            if not isinstance(attrs, pikepdf.Dictionary):
                attrs = cell.A = pikepdf.Dictionary(O=pikepdf.Name.Table)
            if "/Scope" not in attrs:
                attrs.Scope = scope
                changed = True
    return changed


def _rect(annot: pikepdf.Dictionary) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in annot.Rect)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _target(annot: pikepdf.Dictionary) -> bytes:
    """Where a link annotation goes, comparable between annotations."""
    dest = annot.get("/Dest")
    action = annot.get("/A")
    if dest is not None:
        return b"D" + dest.unparse(resolved=True)
    if isinstance(action, pikepdf.Dictionary):
        return b"A" + action.unparse(resolved=True)
    return b""


def _inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    slack = 0.5
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def nested_links(pdf: pikepdf.Pdf, elems: list[pikepdf.Dictionary]) -> bool:
    """Drop link annotations that lie inside another to the same place.

    Their object references in the tree go too; a Link element inside a Link that is left without an
    annotation becomes a Span. True if anything changed.

    Args:
        pdf: the PDF.
        elems: its reachable structure elements.
    """
    dropped: set[tuple[int, int]] = set()
    keys: set[int] = set()  # their StructParent keys in the parent tree
    for page in pdf.pages:
        _drop_inner_links(page, dropped, keys)
    if not dropped:
        return False
    for elem in elems:
        _drop_objrs(elem, dropped)
    for elem in elems:
        if elem.S == "/Link" and not _objrs(elem) and _inside_link(elem):
            elem.S = pikepdf.Name.Span
    _drop_parent_keys(pdf, keys)
    return True


def _drop_inner_links(page: pikepdf.Page, dropped: set[tuple[int, int]],
                      keys: set[int]) -> None:
    """Remove the page's inner link annotations, adding them and their keys to the sets."""
    annots = page.obj.get("/Annots")
    if not isinstance(annots, pikepdf.Array):
        return
    inner = _inner_links(annots)
    if not inner:
        return
    gone = [annots[n] for n in sorted(inner)]
    dropped.update(a.objgen for a in gone if a.is_indirect)
    keys.update(int(a.StructParent) for a in gone if "/StructParent" in a)
    page.obj.Annots = pikepdf.Array([a for n, a in enumerate(annots) if n not in inner])


def _drop_parent_keys(pdf: pikepdf.Pdf, keys: set[int]) -> None:
    tree = pdf.Root.StructTreeRoot.ParentTree
    nums = tree.get("/Nums")
    if isinstance(nums, pikepdf.Array):
        pairs = [(nums[i], nums[i + 1]) for i in range(0, len(nums) - 1, 2)]
        tree.Nums = pikepdf.Array([x for key, value in pairs if int(key) not in keys
                                   for x in (key, value)])


def _inner_links(annots: pikepdf.Array) -> set[int]:
    """Indexes of the link annotations that lie inside another to the same place.

    Of two equal ones, the later.
    """
    links = [(n, _rect(a), _target(a)) for n, a in enumerate(annots)
             if isinstance(a, pikepdf.Dictionary) and a.get("/Subtype") == "/Link"]
    return {n for n, rect, target in links for m, other, where in links
            if m != n and target and target == where and _inside(rect, other)
            and (rect != other or m < n)}


def _drop_objrs(elem: pikepdf.Dictionary, dropped: set[tuple[int, int]]) -> None:
    kids = elem.get("/K")
    if not isinstance(kids, pikepdf.Array):
        return
    kept = [k for k in kids if not (isinstance(k, pikepdf.Dictionary)
                                    and k.get("/Type") == "/OBJR" and "/Obj" in k
                                    and k.Obj.objgen in dropped)]
    if len(kept) != len(kids):
        elem.K = pikepdf.Array(kept)


def _inside_link(elem: pikepdf.Dictionary) -> bool:
    parent = elem.get("/P")
    while isinstance(parent, pikepdf.Dictionary) and parent.get("/S") != "/Link":
        parent = parent.get("/P")
    return isinstance(parent, pikepdf.Dictionary)


def _objrs(elem: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    kids = elem.get("/K")
    items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    return [k for k in items if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"]


def _repoint_parents(pdf: pikepdf.Pdf, old: pikepdf.Dictionary,
                     new: pikepdf.Dictionary) -> None:
    """Parent-tree entries naming ``old`` name ``new`` instead."""
    root = pdf.Root.StructTreeRoot
    todo = [root.get("/ParentTree")]
    while todo:
        node = todo.pop()
        if not isinstance(node, pikepdf.Dictionary):
            continue
        nums = node.get("/Nums")
        if isinstance(nums, pikepdf.Array):
            for i in range(1, len(nums), 2):
                value = nums[i]
                if isinstance(value, pikepdf.Array):
                    for j, entry in enumerate(value):
                        if isinstance(entry, pikepdf.Dictionary) and entry.is_indirect and \
                                entry.objgen == old.objgen:
                            value[j] = new
                elif isinstance(value, pikepdf.Dictionary) and value.is_indirect and \
                        value.objgen == old.objgen:
                    nums[i] = new
        todo += list(node.get("/Kids", []))


def artifact_margins(pdf: pikepdf.Pdf, elems: list[pikepdf.Dictionary]) -> bool:
    """Mark content the structure tree does not reach as an artifact.

    Every piece of marked content that the structure tree does not reach (``elems``) marked as a
    pagination artifact instead. True if anything changed.

    Args:
        pdf: the PDF.
        elems: its reachable structure elements.
    """
    reachable = {elem.objgen for elem in elems}
    parents = _page_parents(pdf)
    changed = False
    for page in pdf.pages:
        key = page.obj.get("/StructParents")
        entries = parents.get(int(key)) if key is not None else None
        if entries is None:
            continue
        dangling = {mcid for mcid, elem in enumerate(entries)
                    if not (isinstance(elem, pikepdf.Dictionary) and elem.is_indirect
                            and elem.objgen in reachable)}
        if not dangling:
            continue
        instructions = list(pikepdf.parse_content_stream(page))
        for n, instruction in enumerate(instructions):
            mcid = mcid_of(instruction)
            if mcid is not None and mcid in dangling:
                instructions[n] = pikepdf.ContentStreamInstruction(
                    [pikepdf.Name.Artifact, _PAGINATION], pikepdf.Operator("BDC"))
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
        for mcid in dangling:
            entries[mcid] = None
        changed = True
    return changed
