"""PDF handouts and booklet: structure, text, accessibility and reproducibility, checked with
poppler-utils (pdftotext, pdfinfo, pdffonts), pypdf and pikepdf on real WeasyPrint output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pikepdf
import pypdf
import pytest
from conftest import CONTENT, CONTENT_AS_OF, SINK, SINK_AS_OF

import ketapub
from tools import require

SINK_HANDOUT = "pdf/01-everything.pdf"
SINK_BRANDED = "pdf/sink-clinic/01-everything.pdf"


def text(path: Path, page: int | None = None) -> str:
    args = [require("pdftotext"), "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    out = subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"[ \t]+", " ", out.stdout)


def info(path: Path) -> dict[str, str]:
    out = subprocess.run([require("pdfinfo"), str(path)], capture_output=True, text=True,
                         check=True).stdout
    return {k.strip(): v.strip() for k, v in
            (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def page_points(path: Path) -> tuple[float, float]:
    box = pypdf.PdfReader(path).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


A4 = (595, 842)
LETTER = (612, 792)


@pytest.fixture(scope="module")
def sink(sink_build: Path) -> Path:
    """The kitchen sink's PDFs (plain and branded), from the run's shared full build."""
    return sink_build


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example: the booklet, one handout and one branded handout (not all 13 PDFs)."""
    out = tmp_path_factory.mktemp("content-pdf")
    series = ketapub.load(CONTENT)
    for path in ("pdf/booklet.pdf", "pdf/03-spravato-explained.pdf",
                 "pdf/harbor-light/01-from-anesthetic-to-antidepressant.pdf"):
        data = ketapub.render(series, "pdf", as_of=CONTENT_AS_OF, path=path,
                              brands=["harbor-light"])
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data[path])
    return out


def test_plan_makes_released_handouts_booklet_and_brand_folders(content_series) -> None:
    from ketapub.render.base import BuildOptions, RenderContext
    from ketapub.renderers.pdf import PdfRenderer
    from ketapub.schedule import resolve_as_of

    ctx = RenderContext(content_series, resolve_as_of(CONTENT_AS_OF, content_series.tz),
                        BuildOptions(brands=("all",)))
    jobs = PdfRenderer().plan(content_series, ctx)
    paths = [j.path for j in jobs]
    released = [f"{p.number}-{p.slug}.pdf" for p in content_series.parts[:4]]
    assert paths[:4] == [f"pdf/{n}" for n in released]
    assert "pdf/booklet.pdf" in paths
    for brand in ("harbor-light", "maple-ridge"):
        assert [p for p in paths if p.startswith(f"pdf/{brand}/")] == \
            [f"pdf/{brand}/{n}" for n in released]
    assert not any("chronic-pain" in p or "patient-experience" in p for p in paths)
    handout = next(j for j in jobs if j.path == "pdf/01-from-anesthetic-to-antidepressant.pdf")
    assert handout.parts == (1,) and next(j for j in jobs if j.kind == "booklet").parts is None


def test_page_size_series_brand_and_option(sink: Path, content: Path) -> None:
    assert page_points(sink / SINK_HANDOUT) == A4  # series default
    assert page_points(sink / SINK_BRANDED) == LETTER  # the brand asks for Letter
    assert page_points(content / "pdf/03-spravato-explained.pdf") == LETTER  # series: Letter
    branded = content / "pdf/harbor-light/01-from-anesthetic-to-antidepressant.pdf"
    assert page_points(branded) == A4  # brand over series
    data = ketapub.render(SINK, "pdf", as_of=SINK_AS_OF, path=SINK_BRANDED,
                          brands=["sink-clinic"], page_size="A4")[SINK_BRANDED]
    assert page_points_bytes(data) == A4  # the option over the brand


def test_the_page_size_option_is_taken_in_any_case() -> None:
    data = ketapub.render(SINK, "pdf", as_of=SINK_AS_OF, path=SINK_HANDOUT,
                          page_size="letter")[SINK_HANDOUT]
    assert page_points_bytes(data) == LETTER  # the series says A4


def page_points_bytes(data: bytes) -> tuple[float, float]:
    import io

    box = pypdf.PdfReader(io.BytesIO(data)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def test_footer_says_page_x_of_n(sink: Path) -> None:
    pdf = sink / SINK_HANDOUT
    pages = int(info(pdf)["Pages"])
    assert pages >= 2
    for n in (1, pages):
        assert f"Page {n} of {pages}" in text(pdf, n)


def test_running_header_has_series_and_part_title(sink: Path) -> None:
    page2 = text(sink / SINK_HANDOUT, 2)
    head = page2.strip().splitlines()[0]
    assert "Kitchen Sink: Ünïcödé & <Specials>" in head
    assert "Everything at once: tables, notes & ünïcode" in head


def test_title_language_and_dates_from_content(sink: Path, sink_series) -> None:
    part = sink_series.parts[0]
    meta = info(sink / SINK_HANDOUT)
    assert meta["Title"] == part.title
    with pikepdf.open(sink / SINK_HANDOUT) as pdf:
        assert str(pdf.Root.Lang) == "en-GB"
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20250110")
        assert str(pdf.docinfo["/ModDate"]).startswith("D:20250112103000")
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)
    assert info(sink / "pdf/booklet.pdf")["Title"] == sink_series.title


def test_tagged_pdf_with_structure_tree(sink: Path, content: Path) -> None:
    for pdf_path in (sink / SINK_HANDOUT, content / "pdf/booklet.pdf"):
        assert info(pdf_path)["Tagged"] == "yes"
        with pikepdf.open(pdf_path) as pdf:
            assert "/StructTreeRoot" in pdf.Root
            assert bool(pdf.Root.MarkInfo.Marked)


def test_outline_from_headings(sink: Path, content: Path) -> None:
    def titles(path: Path) -> list[str]:
        out: list[str] = []

        def walk(items: list) -> None:
            for item in items:
                if isinstance(item, list):
                    walk(item)
                else:
                    out.append(item.title)
        walk(pypdf.PdfReader(path).outline)
        return out

    handout = titles(sink / SINK_HANDOUT)
    assert "Everything at once: tables, notes & ünïcode" in handout
    assert "Section with an explicit anchor" in handout and "References" in handout
    booklet = titles(content / "pdf/booklet.pdf")
    for title in ("Contents", "Spravato (esketamine) explained", "What the FDA has approved"):
        assert title in booklet


def test_every_font_embedded_and_the_packaged_face_used(sink: Path, content: Path) -> None:
    for pdf in (sink / SINK_HANDOUT, sink / SINK_BRANDED, content / "pdf/booklet.pdf"):
        out = subprocess.run([require("pdffonts"), str(pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
        assert out, "no fonts listed"
        for line in out:
            assert re.search(r"\byes\s+yes\s+yes\b", line), f"not embedded: {line}"
        assert any("Atkinson-Hyperlegible " in line or "Atkinson-Hyperlegible\t" in line
                   or line.split()[0].endswith("+Atkinson-Hyperlegible") for line in out)
        assert any("Atkinson-Hyperlegible-Bold" in line for line in out)


def test_example_uses_no_system_font_not_even_in_its_figure(content: Path) -> None:
    """The example's SVG figure names the packaged face, so nothing falls back to a system
    font: output does not depend on what fonts a machine has."""
    for pdf in (content / "pdf/harbor-light/01-from-anesthetic-to-antidepressant.pdf",
                content / "pdf/booklet.pdf"):
        out = subprocess.run([require("pdffonts"), str(pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
        names = [line.split()[0].split("+", 1)[-1] for line in out]
        assert names and all(n.startswith("Atkinson-Hyperlegible") for n in names), names


def _figure_alts(path: Path) -> list[str]:
    alts: list[str] = []
    with pikepdf.open(path) as pdf:
        stack = [pdf.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(node)
                continue
            if not isinstance(node, pikepdf.Dictionary):
                continue
            if node.get("/S") == "/Figure" and "/Alt" in node:
                alts.append(str(node.Alt))
            if "/K" in node:
                stack.append(node.K)
    return alts


def test_qr_code_with_its_url_printed_beside_it(sink: Path, sink_series) -> None:
    url = sink_series.part_url(sink_series.parts[0])
    alts = _figure_alts(sink / SINK_HANDOUT)
    assert f"QR code linking to {url}" in alts
    assert "A diagram: three boxes joined by arrows" in alts  # image alt text kept
    assert url in text(sink / SINK_HANDOUT)
    # The QR modules are drawn as vector paths (segno's SVG): hundreds of move-tos on the
    # page that carries the code, none of which a text-only page has.
    with pikepdf.open(sink / SINK_HANDOUT) as pdf:
        moves = [sum(1 for _, op in pikepdf.parse_content_stream(page) if str(op) == "m")
                 for page in pdf.pages]
    assert max(moves) > 100, moves


def test_brand_contact_on_branded_handouts_only(sink: Path, content: Path) -> None:
    branded = text(sink / SINK_BRANDED)
    for item in ("Sink Clinic & Co", "+44 20 7946 0000", "hello@sink.example", "1 Test Street"):
        assert item in branded
    assert "+44 20 7946 0000" not in text(sink / SINK_HANDOUT)
    harbor = text(content / "pdf/harbor-light/01-from-anesthetic-to-antidepressant.pdf")
    assert "Harbor Light Wellness Clinic" in harbor and "care@harborlight.example" in harbor
    # every page of a branded handout names the clinic and its phone (footer)
    last = int(info(sink / SINK_BRANDED)["Pages"])
    assert "Sink Clinic & Co · +44 20 7946 0000" in text(sink / SINK_BRANDED, last)
    assert _figure_alts(sink / SINK_BRANDED).count("Sink Clinic & Co logo") == 1


def test_disclaimer_and_medical_review_on_every_handout(sink: Path, content: Path) -> None:
    for pdf in (sink / SINK_HANDOUT, sink / SINK_BRANDED, sink / "pdf/02-second-part.pdf"):
        body = text(pdf)
        assert "Educational only" in body and "988" in body
        assert "Medically reviewed by" in body
    assert "Medically reviewed by Dr Part Reviewer on 9 January 2025" in text(sink / SINK_HANDOUT)
    words = " ".join(text(content / "pdf/03-spravato-explained.pdf").split())
    assert "988 Suicide & Crisis Lifeline" in words  # not hyphenated: "Life- line"


def test_unreleased_parts_absent_and_listed_as_available(sink: Path, content: Path) -> None:
    assert not any(p.name.startswith("03-") for p in (sink / "pdf").rglob("*.pdf"))
    for pdf in (sink / "pdf").rglob("*.pdf"):
        assert "SECRET-UNRELEASED-TEXT" not in text(pdf)
        with pikepdf.open(pdf) as doc:
            for obj in doc.objects:
                if isinstance(obj, pikepdf.Stream):
                    assert b"SECRET-UNRELEASED" not in obj.read_bytes()
    booklet = text(sink / "pdf/booklet.pdf")
    assert "Future part" in booklet and "Available 1 Jan 2030" in booklet
    content_booklet = text(content / "pdf/booklet.pdf")
    assert "Available Sep 15, 2025" in content_booklet
    assert "Part 6" in content_booklet


def test_booklet_contents_has_page_numbers(sink: Path) -> None:
    booklet = sink / "pdf/booklet.pdf"
    toc = text(booklet, 2)
    m = re.search(r"Part 2 Second part[ .]*(\d+)", toc)
    assert m, toc
    page = int(m.group(1))
    # the part's title page really starts there (below the running head) ...
    lines = [ln.strip() for ln in text(booklet, page).splitlines() if ln.strip()]
    assert "Part 2 of" in lines[0] and lines[1] == "Second part", lines[:4]
    # ... and the previous page is still part 1
    before = text(booklet, page - 1)
    assert "Part 2 of" not in before and "Everything at once" in before


def test_cross_references_print_their_part(sink: Path) -> None:
    handout = " ".join(text(sink / SINK_HANDOUT).split())
    assert "its details (Part 2)" in handout
    assert "Part 2 ()" not in handout and "Part 2 (Part 2)" not in handout
    assert "unreleased part (Available 1 Jan 2030)" in handout
    # the booklet prints no page number by default (each would triple its page's layout)
    words = " ".join(text(sink / "pdf/booklet.pdf").split())
    assert "its details (Part 2)" in words


PAGEREFS_ON = """
.pageref { display: inline; }
.pageref::before { content: ", " attr(data-label) " " target-counter(attr(data-href url), page); }
.pageref-alone::before {
  content: " (" attr(data-label) " " target-counter(attr(data-href url), page) ")"; }
"""


def test_custom_css_turns_on_page_numbers_in_cross_references(tmp_path: Path) -> None:
    (tmp_path / "tpl" / "pdf").mkdir(parents=True)
    (tmp_path / "tpl" / "pdf" / "custom.css").write_text(PAGEREFS_ON, encoding="utf-8")
    data = ketapub.render(SINK, "pdf", as_of=SINK_AS_OF, path="pdf/booklet.pdf",
                          templates=[tmp_path / "tpl"])["pdf/booklet.pdf"]
    (tmp_path / "booklet.pdf").write_bytes(data)
    words = " ".join(text(tmp_path / "booklet.pdf").split())
    m = re.search(r"its details \(Part 2, page (\d+)\)", words)
    assert m, "no page number for the cross-reference"
    assert "Second part" in text(tmp_path / "booklet.pdf", int(m.group(1)))


def _body_font_sizes(data_or_path: Path) -> Counter[float]:
    sizes: Counter[float] = Counter()
    reader = pypdf.PdfReader(data_or_path)

    def visit(txt: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if txt.strip():
            scale = (tm[3] ** 2 + tm[2] ** 2) ** 0.5 * (cm[3] ** 2 + cm[2] ** 2) ** 0.5
            sizes[round(size * scale, 1)] += len(txt.strip())

    reader.pages[0].extract_text(visitor_text=visit)
    return sizes


def test_large_print_body_is_18pt(sink: Path, tmp_path: Path) -> None:
    normal = _body_font_sizes(sink / SINK_HANDOUT).most_common(1)[0][0]
    large_path = SINK_HANDOUT.replace("pdf/", "pdf/large-print/", 1)
    data = ketapub.render(SINK, "pdf", as_of=SINK_AS_OF, path=large_path,
                          large_print=True)[large_path]
    (tmp_path / "large.pdf").write_bytes(data)
    large = _body_font_sizes(tmp_path / "large.pdf").most_common(1)[0][0]
    assert normal == pytest.approx(12, abs=0.2)
    assert large == pytest.approx(18, abs=0.2)
    assert int(info(tmp_path / "large.pdf")["Pages"]) > int(info(sink / SINK_HANDOUT)["Pages"])


def test_byte_identical_rebuild_across_processes_and_source_date_epoch(sink: Path) -> None:
    first = (sink / SINK_HANDOUT).read_bytes()
    again = ketapub.render(SINK, "pdf", as_of=SINK_AS_OF, path=SINK_HANDOUT)[SINK_HANDOUT]
    assert again == first
    code = ("import sys, ketapub; sys.stdout.buffer.write(ketapub.render("
            f"{str(SINK)!r}, 'pdf', as_of={SINK_AS_OF!r}, path={SINK_HANDOUT!r})"
            f"[{SINK_HANDOUT!r}])")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "TZ": "Asia/Tokyo"}
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env,
                           check=True, timeout=240).stdout
    assert fresh == first


def test_incremental_rebuild_skips_pdfs_and_imports_no_weasyprint(sink: Path) -> None:
    code = ("import sys, ketapub; r = ketapub.build(sys.argv[1], sys.argv[2], formats=['pdf'], "
            "as_of=sys.argv[3], brands=['all']); "
            "print(len(r.rendered), 'weasyprint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(SINK), str(sink), SINK_AS_OF],
                         capture_output=True, text=True, check=True, timeout=240).stdout
    assert out.split() == ["0", "False"]


def test_note_markers_are_raised_numbers_and_citations_stay_bracketed(sink: Path) -> None:
    for pdf in ("01-everything.pdf", "sink-clinic/01-everything.pdf", "booklet.pdf"):
        words = re.sub(r"\s+", " ", text(sink / "pdf" / pdf))
        assert "A citation [1] and two at once [1, 2]. A footnote 1." in words, pdf
