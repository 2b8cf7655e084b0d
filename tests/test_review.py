"""One rule for "Medically reviewed by", asked of RenderContext.review by every renderer: a
part's own reviewer (dated or not) wins, else the series' review; inside a whole-series
artifact a part shows only its own, the series' review appearing once."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import ketapub
from tests.conftest import SINK_AS_OF
from tests.tools import require


def _undated_part_review(src: Path) -> ketapub.Series:
    part = src / "parts" / "02-second.md"
    part.write_text(part.read_text("utf-8").replace(
        "tags: [testing]\n", 'tags: [testing]\nreviewed_by: "Dr Undated Reviewer"\n'), "utf-8")
    return ketapub.load(src)


def _pdf_text(data: bytes) -> str:
    out = subprocess.run([require("pdftotext"), "-", "-"], input=data, capture_output=True,
                         check=True).stdout.decode("utf-8")
    return " ".join(out.split())


def test_an_undated_part_review_is_credited_alike_in_every_format(sink_copy: Path) -> None:
    series = _undated_part_review(sink_copy)
    fragment = ketapub.render(series, "html", as_of=SINK_AS_OF,
                              path="html/second-part.html")["html/second-part.html"].decode()
    handout = _pdf_text(ketapub.render(series, "pdf", as_of=SINK_AS_OF,
                                       path="pdf/02-second-part.pdf")["pdf/02-second-part.pdf"])
    (book,) = ketapub.render(series, "epub", as_of=SINK_AS_OF).values()
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        (name,) = [n for n in z.namelist() if re.search(r"part-?0*2\b|second", n)
                   and n.endswith(".xhtml")]
        chapter = z.read(name).decode()
    for where, text in (("html", fragment), ("pdf", handout), ("epub", chapter)):
        assert "Medically reviewed by Dr Undated Reviewer" in text, where
        assert "Dr Test Reviewer" not in text, where  # not the series' reviewer instead
    assert '"lastReviewed"' not in fragment  # no date to claim in the structured data
    assert '"name": "Dr Undated Reviewer"' in fragment


def test_standalone_parts_fall_back_to_the_series_review_in_fragment_and_booklet(
        sink_copy: Path) -> None:
    series = ketapub.load(sink_copy)
    fragment = ketapub.render(series, "html", as_of=SINK_AS_OF,
                              path="html/second-part.html")["html/second-part.html"].decode()
    assert "Dr Test Reviewer, MD" in fragment and '"lastReviewed": "2025-01-05"' in fragment
    booklet = _pdf_text(ketapub.render(series, "pdf", as_of=SINK_AS_OF,
                                       path="pdf/booklet.pdf")["pdf/booklet.pdf"])
    # up front, and in the one chapter (the second part's handout) that falls back to it
    assert booklet.count("Medically reviewed by Dr Test Reviewer, MD on 5 January 2025.") == 2
    assert booklet.count("Medically reviewed by Dr Part Reviewer on 9 January 2025.") == 1
