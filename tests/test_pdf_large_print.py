"""Large print at 18 pt (issue 15): sans-serif body text of 18 pt, headings larger still,
no italics and no capitals for emphasis, tables at the body size, checked on the PDF."""

from __future__ import annotations

import re
import statistics
import subprocess
from pathlib import Path

import pytest
from conftest import SINK, SINK_AS_OF

import ketapub
from tools import require

HANDOUT = "pdf/01-everything.pdf"
LARGE = "pdf/large-print/01-everything.pdf"
# pdftotext's word box is the font's ascent plus descent: 1.24 em in Atkinson Hyperlegible.
BOX = 1.24


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("large")
    paths = {}
    for path, large in ((HANDOUT, False), (LARGE, True)):
        data = ketapub.render(SINK, "pdf", as_of=SINK_AS_OF, path=path, large_print=large)
        paths[path] = out / ("large.pdf" if large else "standard.pdf")
        paths[path].write_bytes(data[path])
    return paths


def _sizes(pdf: Path) -> list[float]:
    """The font size of every word in the page area, from its box."""
    out = subprocess.run([require("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', out)
    top = 22 / 25.4 * 72
    return [round((float(y1) - float(y0)) / BOX, 1) for y0, y1 in words
            if top < float(y0) < 842 - top]


def test_body_text_is_18_pt_and_standard_stays_12(pdfs: dict[str, Path]) -> None:
    assert statistics.mode(_sizes(pdfs[LARGE])) == 18
    assert statistics.mode(_sizes(pdfs[HANDOUT])) == 12


def test_headings_are_larger_than_the_body(pdfs: dict[str, Path]) -> None:
    sizes = _sizes(pdfs[LARGE])
    assert max(sizes) >= 32  # the title
    assert sum(1 for s in sizes if 22 <= s < 32) > 5  # section headings (26 pt), summary


def test_no_italic_and_no_capitals_for_emphasis(pdfs: dict[str, Path]) -> None:
    def fonts(pdf: Path) -> str:
        return subprocess.run([require("pdffonts"), str(pdf)], capture_output=True, text=True,
                              check=True).stdout

    assert "Italic" in fonts(pdfs[HANDOUT])  # the source has emphasis
    assert "Italic" not in fonts(pdfs[LARGE])
    standard = subprocess.run([require("pdftotext"), str(pdfs[HANDOUT]), "-"],
                              capture_output=True, text=True, check=True).stdout
    large = subprocess.run([require("pdftotext"), str(pdfs[LARGE]), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert "IMPORTANT" in standard and "IMPORTANT" not in large
    assert "Important" in large
