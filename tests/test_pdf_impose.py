"""Booklet imposition (issue 15): ``pdf/booklet-imposed.pdf`` puts the booklet's pages two per
landscape sheet side in saddle-stitch order, padded to a multiple of four, so a clinic can
print duplex (flip on the short edge), fold and staple. Checked against the booklet itself:
the text of each half sheet is the text of the booklet page that belongs there."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pikepdf
import pytest
from conftest import CONTENT, SINK, SINK_AS_OF
from pdfua_rules import check

import ketapub
from ketapub.build import build_options
from ketapub.render.base import BuildOptions, RenderContext
from ketapub.renderers import pdf_impose
from ketapub.renderers.pdf import PdfRenderer
from ketapub.renderers.pdf_impose import sheet_order
from ketapub.schedule import resolve_as_of
from tools import require

ALL_OUT = "2030-01-01T00:00:00+00:00"
BOOKLET = "pdf/booklet.pdf"
IMPOSED = "pdf/booklet-imposed.pdf"
IMPOSE = {"pdf": {"imposed": True}}
# Sheet sides in points, landscape.
A4 = (841.89, 595.276)
LETTER = (792.0, 612.0)


@pytest.fixture(scope="module", params=[(CONTENT, ALL_OUT), (SINK, SINK_AS_OF)],
                ids=["content-27-pages", "sink-5-pages-padded"])
def case(request: pytest.FixtureRequest) -> tuple[Path, str]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def content(case: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    source, as_of = case
    out = tmp_path_factory.mktemp("impose")
    paths = {}
    for path in (BOOKLET, IMPOSED):
        data = ketapub.render(source, "pdf", as_of=as_of, path=path, options=IMPOSE)
        paths[path] = out / path.replace("/", "-")
        paths[path].write_bytes(data[path])
    return paths


def _text(pdf: Path, page: int, crop: tuple[float, float, float, float] | None = None) -> str:
    """pdftotext of one page (of the part ``crop`` = x, y, w, h when given), words only."""
    args = [require("pdftotext"), "-f", str(page), "-l", str(page)]
    if crop:
        args += [f for k, v in zip(("-x", "-y", "-W", "-H"), crop, strict=True)
                 for f in (k, str(int(v)))]
        args += ["-r", "72"]
    out = subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.split())


def test_saddle_stitch_order_of_eight_pages_and_padding() -> None:
    assert sheet_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]
    # 5 pages: three blanks, placed opposite the last pages, never before page 1.
    assert sheet_order(5) == [(None, 1), (2, None), (None, 3), (4, 5)]
    for pages in range(1, 30):
        sides = sheet_order(pages)
        assert len(sides) % 2 == 0 and len(sides) * 2 % 4 == 0
        assert sorted(n for side in sides for n in side if n) == list(range(1, pages + 1))


def _planned(series: ketapub.Series, options: BuildOptions) -> list[str]:
    ctx = RenderContext(series, resolve_as_of(SINK_AS_OF, series.tz), options)
    return [j.path for j in PdfRenderer().plan(series, ctx)]


def test_imposed_booklet_only_with_the_option(sink_series: ketapub.Series) -> None:
    plain = _planned(sink_series, build_options())
    assert BOOKLET in plain and IMPOSED not in plain
    imposed = _planned(sink_series, build_options(options=IMPOSE, large_print=True))
    assert IMPOSED in imposed and "pdf/large-print/booklet-imposed.pdf" in imposed


def test_each_half_sheet_holds_the_booklet_page_of_saddle_stitch_order(
        content: dict[str, Path]) -> None:
    with pikepdf.open(content[BOOKLET]) as booklet:
        pages = len(booklet.pages)
    with pikepdf.open(content[IMPOSED]) as imposed:
        sheets = len(imposed.pages)
        width, height = (float(v) for v in imposed.pages[0].mediabox[2:])
    assert sheets == -(-pages // 4) * 2
    order = sheet_order(pages)
    assert len(order) == sheets
    for side, numbers in enumerate(order, start=1):
        for slot, number in enumerate(numbers):
            got = _text(content[IMPOSED], side, (slot * width / 2, 0, width / 2, height))
            want = _text(content[BOOKLET], number) if number else ""
            assert got == want, (side, slot, number)


def test_sheets_are_the_booklet_page_size_in_landscape(content: dict[str, Path]) -> None:
    with pikepdf.open(content[BOOKLET]) as booklet:
        w, h = (float(v) for v in booklet.pages[0].mediabox[2:])
    with pikepdf.open(content[IMPOSED]) as imposed:
        for page in imposed.pages:
            assert [float(v) for v in page.mediabox] == pytest.approx([0, 0, h, w], abs=0.001)


@pytest.mark.parametrize(("size", "sheet"), [("A4", A4), ("Letter", LETTER)])
def test_a4_and_letter_booklets_impose_on_their_own_paper(size: str,
                                                          sheet: tuple[float, float]) -> None:
    data = ketapub.render(SINK, "pdf", as_of=SINK_AS_OF, path=IMPOSED,
                          options={"pdf": {"imposed": True, "page_size": size}})[IMPOSED]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        w, h = (float(v) for v in pdf.pages[0].mediabox[2:])
    assert (w, h) == pytest.approx(sheet, abs=0.01)


def test_a_landscape_page_is_turned_into_its_half_sheet() -> None:
    """A large-print figure's landscape page is turned a quarter, its top to the left, and
    fills its portrait half like the other pages instead of overflowing it."""
    booklet = pikepdf.new()
    for w, h in [(612, 792), (612, 792), (792, 612), (612, 792)]:
        page = booklet.add_blank_page(page_size=(w, h))
        page.obj.Contents = booklet.make_stream(b"0 0 1 rg 0 0 40 20 re f")
        page.obj.Resources = booklet.make_indirect(pikepdf.Dictionary())  # as WeasyPrint's
    data = io.BytesIO()
    booklet.save(data)
    with pikepdf.open(io.BytesIO(pdf_impose.impose(data.getvalue()))) as imposed:
        for side, numbers in zip(imposed.pages, sheet_order(4), strict=True):
            ops = list(pikepdf.parse_content_stream(side))
            for slot, number in enumerate(numbers):
                cm = [i for i in ops if str(i.operator) == "cm"][slot]
                matrix = pikepdf.Matrix(*(float(v) for v in cm.operands))
                form = side.obj.Resources.XObject[f"/P{number}"]
                x0, y0, x1, y1 = (float(v) for v in form.BBox)
                corners = [matrix.transform((x, y)) for x in (x0, x1) for y in (y0, y1)]
                xs, ys = [c[0] for c in corners], [c[1] for c in corners]
                assert min(xs) >= slot * 396 - 0.01 and max(xs) <= (slot + 1) * 396 + 0.01
                assert min(ys) >= -0.01 and max(ys) <= 612.01
                assert (max(xs) - min(xs)) * 792 == pytest.approx((max(ys) - min(ys)) * 612)
                assert (matrix.b != 0) == (number == 3)
                if number == 3:  # the page's top edge (y = 612) is on the left
                    top = matrix.transform((0, 612))[0]
                    assert top == pytest.approx(min(xs))


def test_imposed_booklet_bytes_are_deterministic(case: tuple[Path, str],
                                                 content: dict[str, Path]) -> None:
    data = content[IMPOSED].read_bytes()
    assert pdf_impose.impose(content[BOOKLET].read_bytes()) == data
    source, as_of = case
    assert ketapub.render(source, "pdf", as_of=as_of, path=IMPOSED,
                          options=IMPOSE)[IMPOSED] == data


def test_imposed_booklet_passes_pdfua_checks_with_pages_as_artifacts(
        content: dict[str, Path]) -> None:
    """The placed pages are artifacts (the reading version is the booklet), so neither the
    rule checker nor pdfua (PyPI) finds anything, and nothing is read in folding order."""
    from pdfua import Severity, validate

    assert [str(f) for f in check(content[IMPOSED])] == []
    report = validate(str(content[IMPOSED]))
    assert [f.rule_id for f in report.findings
            if f.severity in (Severity.ERROR, Severity.WARNING)] == []
    with pikepdf.open(content[IMPOSED]) as pdf:
        assert len(pdf.Root.StructTreeRoot.K.K) == 0
        for page in pdf.pages:
            ops = [str(i.operator) for i in pikepdf.parse_content_stream(page)]
            assert ops.count("Do") == ops.count("BMC") == ops.count("EMC") > 0
