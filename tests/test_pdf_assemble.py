"""The tagged-PDF assembler on its own (issue 19, item 1): three WeasyPrint documents joined,
page numbers stamped as artifacts, a clinic's box stamped as tagged content. The result must
stay one tagged PDF: the tree reaches every marked-content item once, the parent tree names
the element that holds each, links and bookmarks cross documents, and both PDF/UA checkers
find nothing."""

from __future__ import annotations

import base64
import io
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
from pdfua_rules import check

from ketapub.render.base import builtin_templates_dir
from ketapub.renderers import pdf_assemble, pdf_engine
from ketapub.renderers.pdf_assemble import DEST, AssembleError

CSS = """@page { size: A5; margin: 20mm; }
h1 { bookmark-level: 1; } h2 { bookmark-level: 2; }
.box { height: 30mm; } .logo { width: 20mm; height: 10mm; }"""
STAMP_CSS = """@page { size: A5; margin: 20mm;
  @bottom-center { content: "Page " counter(page) " of " counter(pages); } }
.p + .p { break-before: page; }"""
LOGO = "data:image/svg+xml;base64," + base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
    b'<rect width="40" height="20" fill="#1d4e89"/></svg>').decode()


def _doc(body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Joined</title>'
            f"</head><body>{body}</body></html>")


def _pdf(body: str, css: str = CSS) -> bytes:
    return pdf_engine.write_pdf(_doc(body), css, {}, builtin_templates_dir())


FRONT = _doc_front = ('<h1 id="front">Front</h1><p>Go to <a href="' + DEST + 'b.dose">the dose'
                      '</a>.</p><div class="box"></div>')
PART_B = ('<h2 id="b">Part B</h2><p id="b.dose">The dose, <a href="' + DEST + 'c">part C</a>'
          '.</p><table><tr><th>Dose</th><td>0.5 mg/kg</td></tr></table>'
          '<p style="break-before: page">More of B.</p>')
PART_C = ('<h2 id="c">Part C</h2><ul><li><p>One</p></li><li><p>Two</p></li></ul>'
          '<p>Back to <a href="' + DEST + 'front">the front</a>.</p>')
CLINIC = (f'<div class="clinic"><img class="logo" src="{LOGO}" alt="Logo of Harbor Light">'
          '<p>Harbor Light Clinic, <a href="https://harbor.example">harbor.example</a></p></div>')


@pytest.fixture(scope="module")
def pieces() -> list[bytes]:
    return [_pdf(FRONT), _pdf(PART_B), _pdf(PART_C)]


@pytest.fixture(scope="module")
def joined(pieces: list[bytes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three pieces merged, links resolved, every page stamped "Page N of 4", the
    clinic's box stamped onto page 1 and read after the front's heading."""
    stamps = _pdf("".join('<div class="p"></div>' for _ in range(4)), STAMP_CSS)
    clinic = _pdf(CLINIC)
    with pdf_assemble.merge(pieces, nest_outline=True) as pdf:
        pdf_assemble.resolve_links(pdf)
        with pdf_assemble.open_pdf(stamps) as stamp_pdf:
            for page, stamp in zip(pdf.pages, stamp_pdf.pages, strict=True):
                pdf_assemble.stamp_artifact(pdf, page, stamp)
        with pdf_assemble.open_pdf(clinic) as clinic_pdf:
            document = pdf_assemble.document_element(pdf)
            pdf_assemble.stamp_tagged(pdf, pdf.pages[0], clinic_pdf, 0, document, 1,
                                      shift=(0, -60))
        path = tmp_path_factory.mktemp("assemble") / "joined.pdf"
        path.write_bytes(pdf_assemble.save(pdf))
    return path


def _marked(pdf: pikepdf.Pdf) -> Counter[tuple[tuple[int, int], int]]:
    """(page, MCID) of every tagged marked-content sequence on the pages."""
    found: Counter[tuple[tuple[int, int], int]] = Counter()
    for page in pdf.pages:
        for instr in pikepdf.parse_content_stream(page):
            if str(instr.operator) == "BDC" and isinstance(instr.operands[1], pikepdf.Dictionary) \
                    and "/MCID" in instr.operands[1]:
                found[(page.obj.objgen, int(instr.operands[1].MCID))] += 1
    return found


def _reached(pdf: pikepdf.Pdf) -> tuple[Counter[tuple[tuple[int, int], int]],
                                        dict[tuple[tuple[int, int], int], tuple[int, int]]]:
    """(page, MCID) of every marked-content item the tree reaches from its root, and the
    element that holds each."""
    reached: Counter[tuple[tuple[int, int], int]] = Counter()
    holder: dict[tuple[tuple[int, int], int], tuple[int, int]] = {}
    todo = list(pdf.Root.StructTreeRoot.K)
    while todo:
        elem = todo.pop()
        kids = elem.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, int):
                key = (elem.Pg.objgen, kid)
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                key = (kid.get("/Pg", elem.get("/Pg")).objgen, int(kid.MCID))
            else:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    assert kid.P.objgen == elem.objgen, "a kid's /P names its parent"
                    todo.append(kid)
                continue
            reached[key] += 1
            holder[key] = elem.objgen
    return reached, holder


def test_the_tree_reaches_every_marked_content_item_exactly_once(joined: Path) -> None:
    with pikepdf.open(joined) as pdf:
        marked = _marked(pdf)
        reached, _ = _reached(pdf)
        assert len(pdf.pages) == 4
        assert set(marked.values()) == {1}, "an MCID used twice on one page"
        assert reached == marked
        # every page of every piece is in it, the stamped clinic too
        assert {page for page, _ in marked} == {p.obj.objgen for p in pdf.pages}


def test_the_parent_tree_names_the_element_of_each_item(joined: Path) -> None:
    with pikepdf.open(joined) as pdf:
        _, holder = _reached(pdf)
        parents = pdf_assemble.number_tree(pdf.Root.StructTreeRoot.ParentTree)
        keys = [int(p.obj.StructParents) for p in pdf.pages]
        annots = [int(a.StructParent) for p in pdf.pages for a in p.obj.get("/Annots", [])]
        assert len(set(keys + annots)) == len(keys + annots), "a key used twice"
        assert int(pdf.Root.StructTreeRoot.ParentTreeNextKey) > max(keys + annots)
        for page in pdf.pages:
            entries = parents[int(page.obj.StructParents)]
            for mcid, elem in enumerate(entries):
                if elem is not None:
                    assert holder[(page.obj.objgen, mcid)] == elem.objgen
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                link = parents[int(annot.StructParent)]
                assert link.S == "/Link"
                assert any(k.get("/Obj") is not None and k.Obj.objgen == annot.objgen
                           for k in link.K if isinstance(k, pikepdf.Dictionary))


def test_one_document_element_holds_every_piece_in_order(joined: Path) -> None:
    with pikepdf.open(joined) as pdf:
        root = pdf.Root.StructTreeRoot
        assert len(root.K) == 1 and root.K[0].S == "/Document"
        kinds = [str(k.S) for k in root.K[0].K]
        # the front's heading, the stamped clinic box read right after it, then B and C
        assert kinds[:2] == ["/H1", "/Div"]
        assert "/H2" in kinds[2:] and "/Table" in kinds and "/L" in kinds
        assert kinds.index("/Table") < kinds.index("/L")


def test_links_cross_documents_through_merged_named_destinations(joined: Path) -> None:
    with pikepdf.open(joined) as pdf:
        dests = pdf_assemble.name_tree(pdf.Root.Names.Dests)
        assert {b"front", b"b", b"b.dose", b"c"} <= set(dests)
        pages = [p.obj.objgen for p in pdf.pages]
        assert pages.index(dests[b"b.dose"][0].objgen) == 1
        assert pages.index(dests[b"c"][0].objgen) == 3
        targets = {bytes(a.Dest) for p in pdf.pages for a in p.obj.get("/Annots", [])
                   if "/Dest" in a}
        assert targets == {b"b.dose", b"c", b"front"}
        assert not [a for p in pdf.pages for a in p.obj.get("/Annots", [])
                    if "/A" in a and bytes(a.A.get("/URI", b"")).startswith(DEST.encode())]


def test_bookmarks_of_later_pieces_nest_under_the_first(joined: Path) -> None:
    with pikepdf.open(joined) as pdf:
        top = pdf.Root.Outlines.First
        assert str(top.Title) == "Front" and "/Next" not in top
        kids = [top.First]
        while "/Next" in kids[-1]:
            kids.append(kids[-1].Next)
        assert [str(k.Title) for k in kids] == ["Part B", "Part C"]
        assert all(k.Parent.objgen == top.objgen for k in kids)
        assert int(pdf.Root.Outlines.Count) == 3


def test_page_numbers_are_artifacts_and_the_clinic_is_tagged(joined: Path) -> None:
    import subprocess

    text = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(joined), "-"],
                           capture_output=True, text=True, check=True).stdout
            for n in range(1, 5)]
    assert [f"Page {n} of 4" in t for n, t in enumerate(text, start=1)] == [True] * 4
    assert "Harbor Light Clinic" in text[0]
    with pikepdf.open(joined) as pdf:
        figures = [e for e in _elements(pdf) if e.S == "/Figure"]
        assert [str(f.Alt) for f in figures] == ["Logo of Harbor Light"]
        assert figures[0].Pg.objgen == pdf.pages[0].obj.objgen
        top = float(figures[0].A.BBox[3])
        assert top < float(pdf.pages[0].mediabox[3]) - 60  # moved down with its content
        links = [a for a in pdf.pages[0].obj.Annots if "/A" in a]
        assert [bytes(a.A.URI) for a in links] == [b"https://harbor.example"]
        assert pdf.pages[0].obj.Tabs == "/S"


def _elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    out, todo = [], list(pdf.Root.StructTreeRoot.K)
    while todo:
        elem = todo.pop()
        out.append(elem)
        kids = elem.get("/K")
        todo += [k for k in (kids if isinstance(kids, pikepdf.Array) else [kids])
                 if isinstance(k, pikepdf.Dictionary) and "/S" in k]
    return out


def test_pdfua_checker_finds_nothing(joined: Path) -> None:
    assert [str(f) for f in check(joined)] == []


def test_pdfua_from_pypi_finds_no_error(joined: Path) -> None:
    from pdfua import Severity, validate

    report = validate(str(joined))
    assert [f"{f.rule_id} {f.message}" for f in report.findings
            if f.severity in (Severity.ERROR, Severity.WARNING)] == []


def test_same_pieces_same_bytes(pieces: list[bytes]) -> None:
    def once() -> bytes:
        with pdf_assemble.merge(pieces) as pdf:
            pdf_assemble.resolve_links(pdf)
            return pdf_assemble.save(pdf)

    assert once() == once()


def test_a_name_defined_twice_is_an_error(pieces: list[bytes]) -> None:
    with pytest.raises(AssembleError, match="named destination 'b' is defined in two"):
        pdf_assemble.merge([pieces[0], pieces[1], pieces[1]])


def test_a_link_to_a_name_no_piece_defines_is_an_error(pieces: list[bytes]) -> None:
    with pdf_assemble.merge(pieces[:2]) as pdf, \
            pytest.raises(AssembleError, match="page 2: a link goes to 'c'"):
        pdf_assemble.resolve_links(pdf)


def test_page_labels_continue_across_pieces(pieces: list[bytes]) -> None:
    with pikepdf.open(io.BytesIO(pieces[1])) as labelled:
        labelled.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(
            [0, pikepdf.Dictionary(S=pikepdf.Name.r)]))
        out = io.BytesIO()
        labelled.save(out)
    with pdf_assemble.merge([pieces[0], out.getvalue(), pieces[2]]) as pdf:
        labels = pdf_assemble.number_tree(pdf.Root.PageLabels)
        assert sorted(labels) == [0, 1, 3]
        assert labels[1].S == "/r"
        assert labels[3].S == "/D" and int(labels[3].St) == 4
