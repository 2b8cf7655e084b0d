"""The booklet's dot leaders are artifacts (issue 15, item 2): a screen reader reads a
contents entry as "Part 1, its title, 3", never a row of dots. Checked on the contents of a
small document laid out by WeasyPrint alone (the checker's ``x-7.1-leader`` finds the dots)
and after ketapub's tagging fixes (it finds nothing, and the entry reads as it should)."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from pdfua_rules import Checker, check

from ketapub.render.base import builtin_templates_dir
from ketapub.renderers import pdf_engine
from ketapub.renderers.pdf_fetch import SafeFetcher

HTML = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Leaders</title>
</head><body><nav><h1>Contents</h1><ol class="toc">
<li><a href="#one"><span>Part 1</span> <span>Where it began</span></a></li>
<li><a href="#two"><span>Part 2</span> <span>What came next</span></a></li></ol></nav>
<section id="one" style="break-before: page"><h2>Where it began</h2><p>One.</p></section>
<section id="two" style="break-before: page"><h2>What came next</h2><p>Two.</p></section>
</body></html>"""
CSS = """ol.toc { list-style: none; } ol.toc a { display: block; }
ol.toc a::after { content: leader(dotted) " " target-counter(attr(href url), page); }"""


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from weasyprint import HTML as Document

    out = tmp_path_factory.mktemp("leaders")
    raw = Document(string=HTML, url_fetcher=SafeFetcher({}, builtin_templates_dir())).write_pdf(
        stylesheets=[pdf_engine.stylesheet(CSS, builtin_templates_dir())],
        font_config=pdf_engine.font_config(), pdf_variant="pdf/ua-1")
    tagged = pdf_engine.write_pdf(HTML, CSS, {}, builtin_templates_dir())
    (out / "raw.pdf").write_bytes(raw)
    (out / "tagged.pdf").write_bytes(tagged)
    return {"raw": out / "raw.pdf", "tagged": out / "tagged.pdf"}


def link_texts(path: Path) -> list[list[str]]:
    """What each Link element reads, piece by piece (WeasyPrint draws no glyph for the
    space between two inline elements, so pieces are compared, not one string)."""
    with pikepdf.open(path) as pdf:
        checker = Checker(pdf)
        checker.run()
        return [[t.strip() for t in checker.read(e.obj) if t.strip()]
                for e in checker.elems if e.type == "Link"]


def test_weasyprint_tags_the_leader_as_text(pdfs: dict[str, Path]) -> None:
    """The checker sees what a screen reader would read: without ketapub's fix, dots."""
    assert [f.rule for f in check(pdfs["raw"]) if f.rule == "x-7.1-leader"] == [
        "x-7.1-leader"] * 2
    assert all("...." in "".join(text) for text in link_texts(pdfs["raw"]))


def test_the_leader_is_a_layout_artifact(pdfs: dict[str, Path]) -> None:
    assert [str(f) for f in check(pdfs["tagged"])] == []
    assert link_texts(pdfs["tagged"]) == [["Part 1", "Where it began", "2"],
                                          ["Part 2", "What came next", "3"]]
    with pikepdf.open(pdfs["tagged"]) as pdf:
        layout = [ins for ins in pikepdf.parse_content_stream(pdf.pages[0])
                  if str(ins.operator) == "BDC" and ins.operands[0] == "/Artifact"
                  and ins.operands[1].get("/Type") == "/Layout"]
    assert len(layout) >= 2 * 10  # a line's worth of dots for each entry
