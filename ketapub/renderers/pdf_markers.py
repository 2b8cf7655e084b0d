"""Footnote markers extract apart from their word: "left 1", not "left1".

A note's marker is a raised number right after the word, with no space: text extraction
(``pdftotext``, copy and paste, search) glued the two into a word that is in no dictionary.
The marker's marked content gets an ``/ActualText`` of a space and its number, which
extraction uses in place of the drawn glyphs; nothing drawn changes. A marker is found in
the PDF by its link: an annotation that goes to a note (a destination ``fn.N`` or
``pN.fn.N``, the ids the translators give notes), tagged by a Link element whose own marked
content shows that number.
"""

from __future__ import annotations

import re

import pikepdf

from ketapub.renderers.pdf_marked import mcid_of, number_tree, texts

_NOTE = re.compile(r"(?:^|\.)fn\.(\d+)$")


def space_markers(pdf: pikepdf.Pdf) -> bool:
    """Every footnote marker given the ActualText " N". True if anything changed.

    Args:
        pdf: the PDF.
    """
    parents = _annotation_parents(pdf)
    changed = False
    for page in pdf.pages:
        wanted: dict[int, str] = {}  # MCID -> the note's number
        for annot in page.obj.get("/Annots", []):
            if not isinstance(annot, pikepdf.Dictionary) or "/StructParent" not in annot:
                continue
            note = _NOTE.search(str(annot.get("/Dest", "")))
            link = parents.get(int(annot.StructParent))
            if note is None or not isinstance(link, pikepdf.Dictionary):
                continue
            kids = link.get("/K")
            for kid in list(kids) if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, int):
                    wanted[int(kid)] = note.group(1)
        if not wanted:
            continue
        shown = texts(page, set(wanted))
        marked = {mcid for mcid, number in wanted.items() if shown.get(mcid, "").strip()
                  == number}
        if marked:
            _set_actual_text(pdf, page, {mcid: " " + wanted[mcid] for mcid in marked})
            changed = True
    return changed


def _set_actual_text(pdf: pikepdf.Pdf, page: pikepdf.Page, actual: dict[int, str]) -> None:
    instructions = list(pikepdf.parse_content_stream(page))
    for n, instruction in enumerate(instructions):
        mcid = mcid_of(instruction)
        if mcid in actual:
            props = pikepdf.Dictionary(dict(instruction.operands[1].items()))
            props.ActualText = pikepdf.String(actual[mcid])
            instructions[n] = pikepdf.ContentStreamInstruction(
                [instruction.operands[0], props], pikepdf.Operator("BDC"))
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))


def _annotation_parents(pdf: pikepdf.Pdf) -> dict[int, pikepdf.Object]:
    """The parent tree's single structure elements (annotations' parents), by key."""
    root = pdf.Root.get("/StructTreeRoot")
    tree = root.get("/ParentTree") if isinstance(root, pikepdf.Dictionary) else None
    return {key: value for key, value in number_tree(tree).items()
            if isinstance(value, pikepdf.Dictionary)}
