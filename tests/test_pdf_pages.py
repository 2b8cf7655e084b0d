"""No page wasted or split for little (issue 15, item 9): a reference list's last entry never
sits alone on a page, and a table starts on the page of its heading and of the sentence
that introduces it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import CONTENT

import ketapub
from tools import require

ALL_OUT = "2030-01-01T00:00:00+00:00"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pages")
    result = ketapub.build(CONTENT, out, as_of=ALL_OUT, formats=["pdf"], large_print=True,
                           jobs=2)
    assert result.ok, result.errors
    return out


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run([require("pdftotext"), str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [re.sub(r"\s+", " ", page) for page in text.split("\f")]


def _page_of(pages: list[str], needle: str, start: int = 0) -> int:
    return next(n for n in range(start, len(pages)) if needle in pages[n])


def _pdfs(built: Path) -> list[Path]:
    return sorted(built.rglob("*.pdf"))


def test_the_last_reference_shares_its_page_with_the_one_before(built: Path) -> None:
    series = ketapub.load(CONTENT)
    alone = []
    for pdf in _pdfs(built):
        pages = _pages(pdf)
        parts = series.parts if "booklet" in pdf.name else [
            p for p in series.parts if pdf.name.startswith(f"{p.number}-")]
        start = 0
        for part in parts:
            refs = [r.text[:30] for _, r in part.numbered_references]
            if len(refs) < 2:
                continue
            start = _page_of(pages, part.title[:40], start)
            last = _page_of(pages, refs[-1], start)
            if refs[-2] not in pages[last]:
                alone.append(f"{pdf.relative_to(built)}: page {last + 1}")
    assert not alone, alone


def test_the_comparison_table_starts_on_the_page_of_its_heading(built: Path) -> None:
    for pdf in _pdfs(built):
        pages = _pages(pdf)
        if not any("side by side" in page for page in pages):
            continue
        heading = _page_of(pages, "IV ketamine and Spravato side by side")
        assert "Liquid given as a slow drip" in pages[heading], pdf.name
