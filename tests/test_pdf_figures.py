"""Figures grow with large print (issue 15, item 11): the diagram's labels print at the body
size in standard print (12 pt) and at 18 pt or more in large print, where the figure gets a
landscape page of its own. Measured in the PDF: the font size of each piece of text drawn
inside the Figure's marked content times the scale of its text and graphics matrices."""

from __future__ import annotations

import io
import math
import statistics

import pikepdf
import pytest
from conftest import CONTENT
from pdfua_rules import Checker, _show, _to_unicode

import ketapub
from ketapub.renderers.pdf_figures import svg_size

ALL_OUT = "2030-01-01T00:00:00+00:00"
HANDOUT = "pdf/01-from-anesthetic-to-antidepressant.pdf"
LARGE = "pdf/large-print/01-from-anesthetic-to-antidepressant.pdf"
LABELS = {"Ketamine", "Glutamate", "AMPA", "BDNF", "New", "receptors", "surge"}


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    out = {}
    for name, path, large, page in (("standard", HANDOUT, False, None),
                                    ("large", LARGE, True, None),
                                    ("large-a4", LARGE, True, "A4")):
        out[name] = ketapub.render(CONTENT, "pdf", as_of=ALL_OUT, path=path, large_print=large,
                                   options={"pdf": {"page_size": page}} if page else None)[path]
    return out


def figure_text(data: bytes) -> tuple[list[tuple[str, float]], list[float]]:
    """(text, printed size in points) of every piece of text in the first Figure, and the
    size of its page."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        checker = Checker(pdf)
        checker.run()
        figure = next(e for e in checker.elems if e.type == "Figure")
        assert figure.mcids
        index = figure.mcids[0][0]
        mcids = {m for p, m in figure.mcids if p == index}
        page = pdf.pages[index]
        out: list[tuple[str, float]] = []
        _run(page.obj, pikepdf.Matrix(), mcids, [], out, 0)
        return out, [float(v) for v in page.mediabox]


def _run(obj: pikepdf.Object, ctm: pikepdf.Matrix, mcids: set[int], marked: list[int | None],
         out: list[tuple[str, float]], depth: int) -> None:
    """Interpret ``obj``'s content (a page or a form), recording text shown inside the
    marked content of ``mcids``."""
    resources = obj.get("/Resources", pikepdf.Dictionary())
    fonts = {str(k): (_to_unicode(f.ToUnicode.read_bytes()) if "/ToUnicode" in f else {},
                      2 if f.get("/Subtype") == "/Type0" else 1)
             for k, f in resources.get("/Font", pikepdf.Dictionary()).items()}
    xobjects = resources.get("/XObject", pikepdf.Dictionary())
    saved: list[pikepdf.Matrix] = []
    tm, size, font = pikepdf.Matrix(), 0.0, ({}, 1)
    content = pikepdf.Page(obj) if depth == 0 else obj
    for ins in pikepdf.parse_content_stream(content):
        op, args = str(ins.operator), ins.operands
        if op == "q":
            saved.append(ctm)
        elif op == "Q":
            ctm = saved.pop()
        elif op == "cm":
            ctm = pikepdf.Matrix(*(float(v) for v in args)) @ ctm
        elif op in ("BDC", "BMC"):
            props = args[1] if op == "BDC" else None
            marked.append(int(props.MCID) if isinstance(props, pikepdf.Dictionary)
                          and "/MCID" in props else None)
        elif op == "EMC":
            marked.pop()
        elif op == "BT":
            tm = pikepdf.Matrix()
        elif op == "Tm":
            tm = pikepdf.Matrix(*(float(v) for v in args))
        elif op == "Tf":
            font, size = fonts.get(str(args[0]), ({}, 1)), float(args[1])
        elif op in ("Tj", "TJ") and any(m in mcids for m in marked):
            m = tm @ ctm
            out.append((_show(args, font), size * math.sqrt(abs(m.a * m.d - m.b * m.c))))
        elif op == "Do" and depth < 8:
            form = xobjects.get(str(args[0]))
            if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == "/Form":
                inner = pikepdf.Matrix(*(float(v) for v in form.get("/Matrix", [1, 0, 0, 1, 0, 0])))
                _run(form, inner @ ctm, mcids, marked, out, depth + 1)


def _label_size(pieces: list[tuple[str, float]]) -> float:
    """The size most of the figure's text prints at: its labels (SVG text is drawn glyph
    by glyph, so the labels are found in the text of all pieces together)."""
    text = "".join(t for t, _ in pieces)
    assert all(word in text for word in LABELS), text
    return statistics.mode(round(size, 2) for _, size in pieces)


def test_standard_print_labels_are_the_body_size(pdfs: dict[str, bytes]) -> None:
    pieces, page = figure_text(pdfs["standard"])
    assert _label_size(pieces) == pytest.approx(12, abs=0.05)
    assert min(size for _, size in pieces) >= 12 - 0.05  # the caption too
    assert page[2] < page[3]


@pytest.mark.parametrize("name", ["large", "large-a4"])
def test_large_print_labels_are_18_pt_on_a_landscape_page(pdfs: dict[str, bytes],
                                                          name: str) -> None:
    pieces, page = figure_text(pdfs[name])
    assert _label_size(pieces) >= 18 - 0.05
    assert min(size for _, size in pieces) >= 18 - 0.05
    assert page[2] > page[3], "the figure's page is landscape"


def test_svg_size_reads_width_height_and_viewbox() -> None:
    assert svg_size(b'<svg width="640" height="260" viewBox="0 0 1 1">') == (640, 260)
    assert svg_size(b'<svg viewBox="0 0 300 80">') == (300, 80)
    assert svg_size(b'<svg width="150" viewBox="0 0 300 80">') == (150, 40)
    assert svg_size(b'<svg width="72pt" height="1in">') == (96, 96)
    assert svg_size(b'<svg width="100%" height="50%">') is None
    assert svg_size(b"<html></html>") is None
