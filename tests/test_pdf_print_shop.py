"""Print-shop PDF/X-4 (issue 15, ``pdf.print_shop``): 3 mm bleed, crop marks, TrimBox at the
page size, BleedBox 3 mm outside it, an sRGB output intent, the PDF/X-4 identification,
and still PDF/UA-1 (tags, checker, pdfua) and reproducible bytes. Checked with pikepdf."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pikepdf
import pytest
from conftest import SINK, SINK_AS_OF
from pdfua_rules import check

import ketapub
from ketapub.build import build_options
from ketapub.render.base import RenderContext
from ketapub.renderers.pdf import PdfRenderer
from ketapub.schedule import resolve_as_of
from tools import require

SHOP = {"pdf": {"print_shop": True}}
BOOKLET = "pdf/print-shop/booklet.pdf"
HANDOUT = "pdf/print-shop/01-everything.pdf"
BRANDED_LARGE = "pdf/print-shop/sink-clinic/large-print/01-everything.pdf"
MM = 72 / 25.4
LETTER = (612.0, 792.0)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("shop")
    paths = {}
    for path in (BOOKLET, HANDOUT, BRANDED_LARGE):
        large = path == BRANDED_LARGE
        data = ketapub.render(SINK, "pdf", as_of=SINK_AS_OF, path=path, options=SHOP,
                              page_size="Letter", large_print=large,
                              brands=["sink-clinic"] if large else ())[path]
        paths[path] = out / path.replace("/", "-")
        paths[path].write_bytes(data)
    return paths


def test_print_shop_files_only_with_the_option(sink_series: ketapub.Series) -> None:
    def planned(options: dict[str, dict[str, object]] | None) -> list[str]:
        ctx = RenderContext(sink_series, resolve_as_of(SINK_AS_OF, sink_series.tz),
                            build_options(options=options, brands=["all"]))
        return [j.path for j in PdfRenderer().plan(sink_series, ctx)]

    assert not [p for p in planned(None) if "print-shop" in p]
    shop = [p for p in planned(SHOP) if "print-shop" in p]
    assert BOOKLET in shop and HANDOUT in shop and all(p.startswith("pdf/print-shop/")
                                                        for p in shop)


@pytest.mark.parametrize("large", [False, True])
def test_every_handout_and_booklet_has_a_print_shop_twin(sink_series: ketapub.Series,
                                                          large: bool) -> None:
    """Branded and large-print files too, in the same tree under pdf/print-shop/."""
    ctx = RenderContext(sink_series, resolve_as_of(SINK_AS_OF, sink_series.tz),
                        build_options(options=SHOP, brands=["all"], large_print=large))
    jobs = PdfRenderer().plan(sink_series, ctx)
    shop = {j.path: j for j in jobs if j.path.startswith("pdf/print-shop/")}
    others = {j.path: j for j in jobs if not j.path.startswith("pdf/print-shop/")}
    assert set(shop) == {"pdf/print-shop/" + p.removeprefix("pdf/") for p in others}
    assert any("/large-print/" in p for p in shop) == large
    assert any(j.brand for j in shop.values())
    for path, job in shop.items():
        twin = others["pdf/" + path.removeprefix("pdf/print-shop/")]
        assert (job.brand, job.part, job.kind) == (twin.brand, twin.part, twin.kind)


@pytest.mark.parametrize("path", [BOOKLET, HANDOUT, BRANDED_LARGE])
def test_trim_bleed_and_media_boxes(shop: dict[str, Path], path: str) -> None:
    with pikepdf.open(shop[path]) as pdf:
        for page in pdf.pages:
            trim = [float(v) for v in page.obj.TrimBox]
            bleed = [float(v) for v in page.obj.BleedBox]
            media = [float(v) for v in page.mediabox]
            assert trim == pytest.approx([0, 0, *LETTER], abs=0.01)
            assert bleed == pytest.approx([-3 * MM, -3 * MM, LETTER[0] + 3 * MM,
                                           LETTER[1] + 3 * MM], abs=0.01)
            # Room for the crop marks outside the bleed.
            assert media[0] < bleed[0] and media[1] < bleed[1]
            assert media[2] > bleed[2] and media[3] > bleed[3]


@pytest.mark.parametrize("path", [BOOKLET, HANDOUT, BRANDED_LARGE])
def test_pdfx4_output_intent_and_still_pdfua(shop: dict[str, Path], path: str) -> None:
    from pdfua import Severity, validate

    with pikepdf.open(shop[path]) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFX"
        assert "sRGB" in str(intent.OutputConditionIdentifier)
        assert int(intent.DestOutputProfile.N) == 3
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
        assert "/CreationDate" in pdf.docinfo and "/ModDate" in pdf.docinfo
        assert pdf.pdf_version == "1.6"
        assert "/StructTreeRoot" in pdf.Root
    assert [str(f) for f in check(shop[path])] == []
    report = validate(str(shop[path]))
    assert [f.rule_id for f in report.findings
            if f.severity in (Severity.ERROR, Severity.WARNING)] == []


def test_the_branded_large_print_file_is_branded_and_large(shop: dict[str, Path]) -> None:
    text = subprocess.run([require("pdftotext"), str(shop[BRANDED_LARGE]), "-"],
                          capture_output=True, text=True, check=True).stdout
    with pikepdf.open(shop[BRANDED_LARGE]) as large, pikepdf.open(shop[HANDOUT]) as standard:
        assert len(large.pages) > len(standard.pages)  # 18 pt text takes more pages
    assert "Sink Clinic" in text


def _gray(pdf: Path, dpi: int) -> list[bytes]:
    """Page 1 (its whole MediaBox) as rows of 8-bit gray pixels."""
    pgm = subprocess.run([require("pdftoppm"), "-r", str(dpi), "-gray", "-f", "1", "-l", "1",
                          str(pdf)], capture_output=True, check=True).stdout
    _, width, height, _, pixels = pgm.split(maxsplit=4)
    w = int(width)
    return [pixels[r * w:(r + 1) * w] for r in range(int(height))]


def test_crop_marks_are_drawn_outside_the_bleed(shop: dict[str, Path]) -> None:
    """The top-left crop mark: on the trim line's extension, dark beyond the 3 mm bleed and
    white inside it (the handout's page is white)."""
    dpi = 144
    rows = _gray(shop[HANDOUT], dpi)
    with pikepdf.open(shop[HANDOUT]) as pdf:
        media = [float(v) for v in pdf.pages[0].mediabox]
    px = dpi / 72
    edge = round(-media[0] * px)  # the trim's left and top edge, in pixels from the corner
    bleed = 3 * MM * px
    band = range(edge - 1, edge + 2)
    outer = [max(255 - rows[r][c] for r in band) for c in range(0, int(edge - bleed) - 3)]
    inner = [max(255 - rows[r][c] for r in band) for c in range(int(edge - bleed) + 2, edge - 2)]
    assert max(outer) > 128, "no crop mark outside the bleed"
    assert max(inner) < 16, "crop mark inside the bleed"
    column = [255 - rows[r][edge] for r in range(0, int(edge - bleed) - 3)]
    assert max(column) > 128


def test_print_shop_bytes_are_reproducible(shop: dict[str, Path]) -> None:
    again = ketapub.render(SINK, "pdf", as_of=SINK_AS_OF, path=HANDOUT, options=SHOP,
                           page_size="Letter")[HANDOUT]
    assert again == shop[HANDOUT].read_bytes()
    assert pikepdf.open(io.BytesIO(again)).Root.Metadata.read_bytes().count(b"xmp.did:") == 1
