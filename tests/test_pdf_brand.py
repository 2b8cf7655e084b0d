"""Branded handouts stamped on a shared layout (issue 19, item 3): they look like the
handouts laid out whole for each clinic (page images compared), stay tagged (the logo a
Figure with its Alt, the contact box read after the read-online block, PDF/UA clean), share
one layout of the part between clinics whose pieces are as tall, and fall back to a full
layout, saying why, when a template leaves no slots."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from conftest import CONTENT, CONTENT_AS_OF, ENGLISH_ONLY
from pdfua_rules import check
from PIL import Image, ImageChops

import ketapub
from ketapub.build import plan_build, resolve
from ketapub.render.base import RenderContext, Renderer
from ketapub.renderers import pdf_brand, pdf_engine, pdf_html, pdf_layouts
from tools import require


def _setup(source: Path, templates: tuple[Path, ...] = ()) -> tuple[Renderer, RenderContext]:
    setup = resolve(source, formats="pdf", as_of=CONTENT_AS_OF, registry=None, strict=False,
                    budget=None, brands=("all",), large_print=False, templates=templates,
                    options=None, page_size=None, heading_level=None)
    return setup.renderers[0], plan_build(setup)[1]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Part 2 for each clinic of content/ (A4 with a logo, Letter without), stamped and
    laid out whole."""
    out = tmp_path_factory.mktemp("brand")
    renderer, ctx = _setup(CONTENT)
    part = ctx.series.get_part(2)
    assert part is not None
    paths = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdf_layouts, "_memory", type(pdf_layouts._memory)())
        for brand_id in ("harbor-light", "maple-ridge"):
            brand = ctx.series.get_brand(brand_id)
            assert brand is not None
            stamped = pdf_brand.render(renderer, ctx, part, brand, False)
            assert stamped is not None
            doc = pdf_html.handout(renderer, ctx, part, brand)
            whole = pdf_engine.write_pdf(doc.html, doc.css, doc.assets, doc.templates_dir)
            for kind, data in (("stamped", stamped), ("whole", whole)):
                paths[f"{brand_id}-{kind}"] = out / f"{brand_id}-{kind}.pdf"
                paths[f"{brand_id}-{kind}"].write_bytes(data)
    return paths


def _images(pdf: Path, out: Path) -> list[Image.Image]:
    prefix = out / pdf.stem
    subprocess.run([require("pdftoppm"), "-r", "60", "-png", str(pdf), str(prefix)], check=True)
    return [Image.open(p).convert("RGB") for p in sorted(out.glob(f"{pdf.stem}-*.png"))]


@pytest.mark.parametrize("brand", ["harbor-light", "maple-ridge"])
def test_stamped_pages_look_like_pages_laid_out_whole(made: dict[str, Path], brand: str,
                                                      tmp_path: Path) -> None:
    stamped = _images(made[f"{brand}-stamped"], tmp_path)
    whole = _images(made[f"{brand}-whole"], tmp_path)
    assert len(stamped) == len(whole) >= 2
    for n, (a, b) in enumerate(zip(stamped, whole, strict=True), start=1):
        assert ImageChops.difference(a, b).getbbox() is None, f"page {n} differs"


def test_the_clinic_is_tagged_where_it_is_read(made: dict[str, Path]) -> None:
    with pikepdf.open(made["harbor-light-stamped"]) as pdf:
        document = pdf.Root.StructTreeRoot.K[0]
        first = document.K[0]  # the clinic's header is read first
        figures = _all(first, "/Figure")
        assert [str(f.Alt) for f in figures] == ["Harbor Light Wellness Clinic logo"]
        assert figures[0].Pg.objgen == pdf.pages[0].obj.objgen
        texts = subprocess.run([require("pdftotext"), str(made["harbor-light-stamped"]), "-"],
                               capture_output=True, text=True, check=True).stdout
        assert "Questions? Contact your care team" in texts
        qr = next(e for e in _all(document, "/Figure") if str(e.get("/Alt", "")).startswith(
            "QR code"))
        holder = qr.P
        sect = holder.P
        kids = list(sect.K)
        after = kids[[k.objgen for k in kids].index(holder.objgen) + 1]
        links = _all(after, "/Link")
        assert len(links) == 2  # e-mail and website, their annotations on the last page
        last = pdf.pages[-1].obj
        uris = sorted(str(a.A.URI) for a in last.Annots if "/A" in a)
        assert "mailto:care@harborlight.example" in uris
        assert "https://harborlight.example" in uris
        names = pdf.Root.Names.Dests.Names
        assert not [n for n in names if str(n).startswith("kp-")]


def _all(elem: pikepdf.Dictionary, kind: str) -> list[pikepdf.Dictionary]:
    found, todo = [], [elem]
    while todo:
        node = todo.pop(0)
        if node.get("/S") == kind:
            found.append(node)
        kids = node.get("/K")
        todo += [k for k in (kids if isinstance(kids, pikepdf.Array) else [kids])
                 if isinstance(k, pikepdf.Dictionary) and "/S" in k]
    return found


@pytest.mark.parametrize("brand", ["harbor-light", "maple-ridge"])
def test_stamped_handouts_pass_the_pdfua_checks(made: dict[str, Path], brand: str) -> None:
    from pdfua import Severity, validate

    assert [str(f) for f in check(made[f"{brand}-stamped"])] == []
    report = validate(str(made[f"{brand}-stamped"]))
    assert [f.rule_id for f in report.findings
            if f.severity in (Severity.ERROR, Severity.WARNING)] == []


def test_clinics_with_pieces_as_tall_share_the_layout_of_the_part(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(CONTENT, source, ignore=ENGLISH_ONLY)
    for n, accent in enumerate(("#aa0000", "#00aa00", "#0000aa")):
        (source / "brands" / f"c{n}.yaml").write_text(
            f'id: c{n}\nname: "Clinic {n}"\nphone: "+1 555 000{n}"\naccent_color: "{accent}"\n'
            "page_size: A4\n", encoding="utf-8")
    renderer, ctx = _setup(source)
    part = ctx.series.get_part(1)
    assert part is not None
    laid: list[bool] = []
    real = pdf_engine.write_pdf_pages

    def counting(html: str, css: str, *args: object, **kw: object) -> tuple[bytes, list[str]]:
        laid.append("kp-brand-slot" in html)
        return real(html, css, *args, **kw)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdf_engine, "write_pdf_pages", counting)
        mp.setattr(pdf_layouts, "_memory", type(pdf_layouts._memory)())
        mp.setenv("KETAPUB_CACHE_DIR", str(tmp_path / "cache"))
        out = [pdf_brand.render(renderer, ctx, part, ctx.series.get_brand(f"c{n}"), False)
               for n in range(3)]  # type: ignore[arg-type]
    assert laid.count(True) == 1  # one layout of the part for the three clinics
    assert laid.count(False) == 3  # each clinic's pieces
    assert len({data for data in out}) == 3
    with pikepdf.open(_save(tmp_path, out[0])) as pdf:
        content = b"".join(p.Contents.read_bytes() for p in pdf.pages)
        assert b"0.666667 0 0 rg" in content  # the clinic's accent, the sentinel gone
        assert pdf_brand._colour(pdf_brand.SENTINEL) not in content


def _save(tmp_path: Path, data: bytes | None) -> Path:
    assert data is not None
    path = tmp_path / "stamped.pdf"
    path.write_bytes(data)
    return path


def test_a_template_without_slots_is_laid_out_whole_and_says_why(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    own = tmp_path / "tpl" / "pdf"
    own.mkdir(parents=True)
    original = (Path(pdf_html.builtin_templates_dir()) / "pdf" / "handout.html").read_text()
    (own / "handout.html").write_text(original.replace("{% if slots %}", "{% if false %}"))
    renderer, ctx = _setup(CONTENT, (tmp_path / "tpl",))
    part = ctx.series.get_part(1)
    brand = ctx.series.get_brand("harbor-light")
    assert part is not None and brand is not None
    with caplog.at_level(logging.INFO, logger="ketapub.pdf"):
        assert pdf_brand.render(renderer, ctx, part, brand, False) is None
    assert "part 01 for harbor-light: laid out whole, not stamped: the handout template " \
        "leaves no slots" in caplog.text


def test_accent_operands_are_written_as_weasyprint_writes_them() -> None:
    assert pdf_brand._colour("#1f6f8b") == b"0.121569 0.435294 0.545098"
    assert pdf_brand._colour("#075") == b"0 0.466667 0.333333"
    assert pdf_brand._colour("#ffffff") == b"1 1 1"


def test_a_translucent_accent_is_laid_out_whole(caplog: pytest.LogCaptureFixture) -> None:
    renderer, ctx = _setup(CONTENT)
    part = ctx.series.get_part(1)
    brand = ctx.series.get_brand("maple-ridge")
    assert part is not None and brand is not None
    with caplog.at_level(logging.INFO, logger="ketapub.pdf"):
        assert pdf_brand.render(renderer, ctx, part, brand.model_copy(
            update={"accent_color": "#8a3b1280"}), False) is None
    assert "translucent" in caplog.text


def test_a_large_print_handout_with_a_landscape_page_is_laid_out_whole(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Part 1's diagram gets a landscape page in large print; the clinic's footer note is
    laid out for portrait pages, so the handout is laid out whole, and still made."""
    renderer, ctx = _setup(CONTENT)
    part = ctx.series.get_part(1)
    brand = ctx.series.get_brand("harbor-light")
    assert part is not None and brand is not None
    with caplog.at_level(logging.INFO, logger="ketapub.pdf"):
        assert pdf_brand.render(renderer, ctx, part, brand, True) is None
    assert "a page has a size of its own" in caplog.text
    out = tmp_path / "out"
    path = "pdf/harbor-light/large-print/01-from-anesthetic-to-antidepressant.pdf"
    result = ketapub.build(CONTENT, out, as_of=CONTENT_AS_OF, formats=["pdf"],
                           brands=["harbor-light"], large_print=True)
    assert result.ok, result.failed
    with pikepdf.open(out / path) as pdf:
        sizes = {tuple(round(float(v)) for v in page.mediabox) for page in pdf.pages}
    assert len(sizes) == 2  # portrait pages and the landscape figure page
    assert check(out / path) == []
