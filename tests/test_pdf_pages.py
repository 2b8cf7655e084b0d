"""No page wasted or split for little (issue 15, item 9): a reference list's last entry never
sits alone on a page, no page holds nothing but a reference list (a part's references on a
page of their own cost the booklet a page), and a table starts on the page of its heading
and of the sentence that introduces it."""

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
    original = ketapub.load(CONTENT)
    alone = []
    for pdf in _pdfs(built):
        pages = _pages(pdf)
        # pdf/es/...: the Spanish edition, laid out the same way
        series = original.edition("es") if "es" in pdf.relative_to(built).parts else original
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


def _body(page: str, series: ketapub.Series) -> str:
    """A page's text without its running head and page number, all whitespace removed."""
    lines = [line for line in page.splitlines() if line.strip()
             and not line.strip().startswith(series.title)
             and not re.fullmatch(r"\s*Page \d+ of \d+\s*", line)]
    return re.sub(r"\s+", "", "".join(lines))


def test_no_page_holds_only_a_reference_list(built: Path) -> None:
    """No page holds a lone reference and nothing else; in standard print no reference list
    has a page to itself either (the booklet's part 6 did: 28 pages for 27). Large print
    still has three such pages: its 18 pt text leaves no room to pull the list back."""
    series = ketapub.load(CONTENT)
    heading = "References"
    entries = [re.sub(r"\s+", "", ref.text + (ref.link or "")) for part in series.parts
               for _, ref in part.numbered_references]
    wasted = []
    for pdf in _pdfs(built):
        text = subprocess.run([require("pdftotext"), "-layout", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        for n, page in enumerate(text.split("\f")):
            body = _body(page, series)
            rest = body.removeprefix(heading)
            found = [e for e in entries if e in rest]
            for entry in found:
                rest = rest.replace(entry, "")
            large = "large-print" in pdf.parts
            if found and not re.sub(r"\d+\.", "", rest) and (
                    (body.startswith(heading) and not large) or len(found) == 1):
                wasted.append(f"{pdf.relative_to(built)}: page {n + 1} holds "
                              f"{len(found)} references only")
    assert not wasted, wasted
