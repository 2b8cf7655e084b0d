"""Dot leaders as artifacts: a screen reader hears "Part 1, title, 3", not forty dots.

WeasyPrint lays out CSS ``leader(dotted)`` (the booklet's contents) as the same short text
repeated across the line, each copy its own marked-content sequence, and tags the row of
copies as a Span inside the entry's Link. The Span's copies become ``/Artifact`` marked
content of type Layout here, and the Span leaves the structure tree and the parent tree.

A leader is recognised in the PDF alone: a structure element whose kids are two or more
marked-content sequences on one page that each show the same text, made only of dots and
spaces. The text is read through the font's ToUnicode map.
"""

from __future__ import annotations

import pikepdf

from ketapub.renderers.pdf_marked import mcid_of, number_tree, texts

LEADER_CHARS = frozenset(".\u00b7\u2024\u2027\u2026\u2219 \u00a0")
"""Characters a leader is made of: full stop, middle dot, one-dot leader, hyphenation point,
ellipsis, bullet operator, spaces."""
_LAYOUT = pikepdf.Dictionary(Type=pikepdf.Name.Layout)


def artifact_leaders(pdf: pikepdf.Pdf, elems: list[pikepdf.Dictionary]) -> bool:
    """Every leader among ``elems`` (the reachable structure elements) made an artifact.

    True if anything changed.

    Args:
        pdf: the PDF.
        elems: its reachable structure elements.
    """
    candidates = _candidates(elems)
    leaders: dict[tuple[int, int], pikepdf.Dictionary] = {}
    for page in pdf.pages if candidates else []:
        here = {m: e for (p, m), e in candidates.items() if p == page.obj.objgen}
        shown_by = texts(page, set(here))
        for elem in {e.objgen: e for e in here.values()}.values():
            shown = {shown_by.get(int(m)) for m in elem.K}
            text = shown.pop() if len(shown) == 1 else None
            if text is not None and _is_leader(text):
                leaders[elem.objgen] = elem
    by_page: dict[tuple[int, int], list[pikepdf.Dictionary]] = {}
    for elem in leaders.values():
        on = _page_of(elem)
        if isinstance(on, pikepdf.Dictionary):  # always, for a candidate
            by_page.setdefault(on.objgen, []).append(elem)
    for page in pdf.pages:
        if page.obj.objgen in by_page:
            _artifacts(pdf, page, by_page[page.obj.objgen])
    return bool(leaders)


def _candidates(elems: list[pikepdf.Dictionary],
                ) -> dict[tuple[tuple[int, int], int], pikepdf.Dictionary]:
    """(page, MCID) -> element, for the elements made of two or more MCIDs only."""
    out: dict[tuple[tuple[int, int], int], pikepdf.Dictionary] = {}
    for elem in elems:
        kids = elem.get("/K")
        items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        on = _page_of(elem)
        if len(items) >= 2 and all(isinstance(k, int) for k in items) and \
                isinstance(on, pikepdf.Dictionary) and on.is_indirect:
            for mcid in items:
                out[(on.objgen, int(mcid))] = elem  # type: ignore[arg-type]
    return out


def _page_of(elem: pikepdf.Dictionary) -> pikepdf.Object | None:
    """The page an element's marked content is on.

    Its own /Pg, else its nearest ancestor's (WeasyPrint gives the text runs of an inline box none).
    """
    node: pikepdf.Object | None = elem
    for _ in range(256):
        if not isinstance(node, pikepdf.Dictionary):
            return None
        if "/Pg" in node:
            return node.Pg
        node = node.get("/P")
    return None


def _is_leader(text: str) -> bool:
    return bool(text.strip(" \u00a0")) and set(text) <= LEADER_CHARS


def _artifacts(pdf: pikepdf.Pdf, page: pikepdf.Page, elems: list[pikepdf.Dictionary]) -> None:
    """The marked content of ``elems`` (on ``page``) made Layout artifacts, out of both trees.

    The page's content is read and written once, whatever the number of leaders (a contents page
    lists every part).
    """
    mcids = {int(k) for elem in elems for k in elem.K}
    instructions = list(pikepdf.parse_content_stream(page))
    for n, instruction in enumerate(instructions):
        if mcid_of(instruction) in mcids:
            instructions[n] = pikepdf.ContentStreamInstruction(
                [pikepdf.Name.Artifact, _LAYOUT], pikepdf.Operator("BDC"))
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
    for elem in elems:
        parent = elem.get("/P")
        if isinstance(parent, pikepdf.Dictionary):
            kids = parent.get("/K")
            items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
            parent.K = pikepdf.Array([k for k in items if not (
                isinstance(k, pikepdf.Dictionary) and k.is_indirect
                and k.objgen == elem.objgen)])
    key = page.obj.get("/StructParents")
    if key is not None:
        _clear_parents(pdf, int(key), mcids)


def _clear_parents(pdf: pikepdf.Pdf, key: int, mcids: set[int]) -> None:
    entries = number_tree(pdf.Root.StructTreeRoot.get("/ParentTree")).get(key)
    if isinstance(entries, pikepdf.Array):
        for mcid in mcids:
            if mcid < len(entries):
                entries[mcid] = None
