"""Text that extracts whole: pdftotext finds every sentence of every source paragraph in
every handout, whitespace normalised (issue 15, item 6). Words are never hyphenated at line
ends, so search and copy find "glutamate", not "glu-" and "tamate"."""

from __future__ import annotations

import html
import itertools
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import CONTENT

import ketapub
from ketapub import tree
from ketapub.render.base import BuildOptions, RenderContext
from ketapub.schedule import resolve_as_of
from tools import require

ALL_OUT = "2030-01-01T00:00:00+00:00"
# Inline nodes a handout prints as something else than their text (a marker, a number):
# a sentence is compared in the pieces between them.
BREAKS = (tree.Citation, tree.NoteRef, tree.Image, tree.LineBreak, tree.Code)


def _runs(node: tree.Node) -> list[str]:
    """The text of ``node`` in pieces, cut wherever the print shows something else."""
    runs = [""]

    def walk(n: tree.Node) -> None:
        if isinstance(n, tree.Text):
            runs[-1] += n.text
        elif isinstance(n, tree.SoftBreak):
            runs[-1] += " "
        elif isinstance(n, BREAKS):
            runs.append("")
        elif isinstance(n, tree.Parent):
            for child in n.children:
                walk(child)
            if isinstance(n, tree.Link | tree.CrossReference):  # "(https://...)", "(Part 6)"
                runs.append("")

    walk(node)
    return runs


def _paragraphs(node: tree.Node) -> list[tree.Paragraph]:
    if isinstance(node, tree.Paragraph):
        return [node]
    kids = node.children if isinstance(node, tree.Parent) else ()
    return [p for kid in kids for p in _paragraphs(kid)]


def pdf_text(pdf: Path, *, layout: bool = False) -> str:
    """pdftotext's text of the page areas inside the margins (20 mm, less than any page
    margin), page after page: running heads and page numbers are not the source's text."""
    import pypdf

    pages = pypdf.PdfReader(pdf).pages
    width, height = (round(float(v)) for v in pages[0].mediabox.upper_right)
    margin = round(20 / 25.4 * 72)
    crop = ["-x", "0", "-y", str(margin), "-W", str(width), "-H", str(height - 2 * margin)]
    out = subprocess.run([require("pdftotext"), *(["-layout"] if layout else []), *crop,
                          str(pdf), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def sentences(document: tree.Document) -> list[str]:
    """Every sentence (or sentence piece of three words or more) of the body's paragraphs."""
    out = []
    for para in _paragraphs(document):
        for run in _runs(para):
            for piece in re.split(r"(?<=[.!?:;])\s+", _norm(run)):
                if len(piece.split()) >= 3:
                    out.append(piece)
    return out


@pytest.fixture(scope="module")
def handouts(tmp_path_factory: pytest.TempPathFactory, content_series) -> Path:
    out = tmp_path_factory.mktemp("text")
    result = ketapub.build(content_series, out, as_of=ALL_OUT, formats=["pdf"], large_print=True,
                           jobs=2)
    assert result.ok, result.errors
    return out


def _handout(handouts: Path, part: ketapub.Part, large: bool) -> Path:
    return handouts / "pdf" / ("large-print" if large else "") / f"{part.number}-{part.slug}.pdf"


@pytest.mark.parametrize("large", [False, True], ids=["standard", "large-print"])
def test_no_word_is_hyphenated_at_a_line_end(handouts: Path, large: bool) -> None:
    """A line that ends in a hyphen ends in a compound the source writes with it."""
    series = ketapub.load(CONTENT)
    broken = []
    for part in series.parts:
        source = str(part.model_dump())  # body, references, slug (in the printed address)
        lines = [line.strip() for line in pdf_text(_handout(handouts, part, large),
                                                   layout=True).splitlines() if line.strip()]
        for line, following in itertools.pairwise(lines):
            if m := re.search(r"(\w+)-$", line):
                word = f"{m.group(1)}-{following.split()[0].rstrip('.,;:!?)/')}"
                if word not in source:
                    broken.append(f"{part.slug}: {word}")
    assert not broken, broken


@pytest.mark.parametrize("large", [False, True], ids=["standard", "large-print"])
def test_pdftotext_finds_every_sentence_of_every_handout(handouts: Path, large: bool) -> None:
    series = ketapub.load(CONTENT)
    ctx = RenderContext(series, resolve_as_of(ALL_OUT, series.tz), BuildOptions())
    missing = []
    checked = 0
    for part in series.parts:
        pdf = _handout(handouts, part, large)
        text = _norm(pdf_text(pdf))
        for sentence in sentences(ctx.document(part)):
            checked += 1
            if sentence not in text:
                missing.append(f"{pdf.name}: {sentence}")
    assert checked > 300
    assert not missing, f"{len(missing)} of {checked} sentences:\n" + "\n".join(missing[:30])


def _marked_words(para: tree.Paragraph) -> list[tuple[str, int]]:
    """(the word a footnote marker follows, the note's number) in ``para``."""
    out: list[tuple[str, int]] = []
    last = [""]

    def walk(n: tree.Node) -> None:
        if isinstance(n, tree.Text):
            last[0] = n.text.split()[-1] if n.text.strip() and not n.text[-1].isspace() else ""
        elif isinstance(n, tree.NoteRef):
            if last[0]:
                out.append((last[0], n.number))
            last[0] = ""
        elif isinstance(n, tree.Parent):
            for child in n.children:
                walk(child)
        else:
            last[0] = ""

    walk(para)
    return out


@pytest.mark.parametrize("large", [False, True], ids=["standard", "large-print"])
def test_a_note_marker_extracts_apart_from_its_word(handouts: Path, large: bool) -> None:
    """Issue 15: the raised marker gave "left1", a word in no dictionary; it extracts as
    "left 1" (its ActualText) and still prints raised against the word."""
    series = ketapub.load(CONTENT)
    ctx = RenderContext(series, resolve_as_of(ALL_OUT, series.tz), BuildOptions())
    found, glued = 0, []
    for part in series.parts:
        text = _norm(pdf_text(_handout(handouts, part, large)))
        for para in _paragraphs(ctx.document(part)):
            for word, number in _marked_words(para):
                found += 1
                if f"{word} {number}" not in text or f"{word}{number}" in text:
                    glued.append(f"{part.slug}: {word}{number}")
    assert found >= 5
    assert not glued, glued


def _head_words(pdf: Path) -> list[tuple[str, float, float]]:
    """The words pdftotext finds above the page area of page 2: (word, width, height)."""
    out = subprocess.run([require("pdftotext"), "-f", "2", "-l", "2", "-bbox", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                       r'yMax="([\d.]+)">([^<]*)</word>', out)
    margin = 20 / 25.4 * 72  # no page has a smaller top margin
    return [(html.unescape(w), float(x1) - float(x0), float(y1) - float(y0))
            for x0, y0, x1, y1, w in words if float(y1) < margin]


@pytest.mark.parametrize("large", [False, True], ids=["standard", "large-print"])
def test_running_head_is_the_title_or_cut_at_a_word(handouts: Path, large: bool) -> None:
    """Issue 15, item 10: never "...surprising jour...". The head shows whole words at
    their width (a head too long for its box was drawn squeezed and clipped), and is the
    title or a word-boundary cut of it with an ellipsis."""
    series = ketapub.load(CONTENT)
    for part in series.parts:
        words = _head_words(_handout(handouts, part, large))
        text = " ".join(w for w, _, _ in words)
        assert text.startswith(series.title), text
        head = text[len(series.title):].strip()
        for word, width, height in words[len(series.title.split()):]:
            assert width >= 0.25 * height * len(word), (part.slug, word, width)
        if head.endswith("…"):
            kept = head[:-1]
            assert part.title.startswith(kept) and part.title[len(kept)] == " ", head
            assert len(kept) > 20, head
        else:
            assert head == part.title


def test_the_diagrams_labels_print_at_least_at_body_size(handouts: Path) -> None:
    """Every word of the diagram (from its title to its caption line) is as tall as the most
    common word height of its page, the body text's (same font, so same size)."""
    series = ketapub.load(CONTENT)
    part = series.parts[0]
    pdf = _handout(handouts, part, large=False)
    out = subprocess.run([require("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    for page in out.split("<page ")[1:]:
        words = [(html.unescape(m[4]), float(m[1]), float(m[3]) - float(m[1]))
                 for m in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" '
                                     r'xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)]
        text = [w for w, _, _ in words]
        if "simplified" not in text:
            continue
        start = next(i for i in range(len(text)) if text[i:i + 3] == ["How", "ketamine", "may"])
        end = text.index("answer.", text.index("simplified"))
        body = Counter(round(h, 1) for _, _, h in words).most_common(1)[0][0]
        figure = words[start:end + 1]
        assert len(figure) >= 30
        small = [(w, round(h, 2)) for w, _, h in figure if h < body - 0.05]
        assert not small, (body, small)
        return
    pytest.fail(f"{pdf.name}: no page shows the diagram's caption")
