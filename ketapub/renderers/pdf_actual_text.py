"""``/ActualText`` on each glyph cluster of right-to-left text, so it extracts as written.

WeasyPrint draws an Arabic or Hebrew line in visual order and maps each glyph back to text
through the font's ToUnicode map, which cannot say what a reader needs: Noto Sans Arabic
draws several letters with one shared glyph plus marks (ض and غ share a body, a dot tells
them apart), so a glyph has one Unicode value for all of them and the marks have none.
Copying, searching or reading aloud such a PDF gave wrong letters in a scrambled order.

This wraps WeasyPrint's marked-content span of each text box that holds a right-to-left
letter: every glyph cluster the box draws gets its own ``/Span <</ActualText (...)>>``
(PDF 1.7, 14.9.4) with the characters the cluster stands for. One span per cluster, not
per box, because extractors place an ActualText where its glyphs are and then put a
right-to-left line in logical order themselves (as LibreOffice's PDFs expect of them).
Left-to-right text is left as it was, byte for byte.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_installed = False
_TOKEN = re.compile(r"<([0-9a-fA-F]*)>|(-?[0-9.]+(?:e-?[0-9]+)?)")


def right_to_left(text: str) -> bool:
    """Whether ``text`` holds a strong right-to-left letter (Hebrew, Arabic, Syriac...)."""
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def glyph_texts(box: Any) -> list[str]:
    """What each glyph a text box's first line draws stands for, in drawing order.

    Read from Pango as WeasyPrint's ``draw_first_line`` reads it. The widest glyph of a
    cluster carries the cluster's characters and its other glyphs (marks: dots, vowel
    signs) none, because an extractor places the text where its glyph is drawn.

    Args:
        box: a WeasyPrint ``TextBox`` whose layout is active (it is being drawn).

    Returns:
        One string per drawn glyph: its cluster's characters, or "".
    """
    from weasyprint.text.ffi import ffi, pango

    line, _ = box.pango_layout.get_first_line()
    data = box.pango_layout.text.encode()
    found: list[str] = []
    run = line.runs[0]
    while run != ffi.NULL:
        item, run = run.data, run.next
        glyphs = item.glyphs
        drawn = [i for i in range(glyphs.num_glyphs)
                 if glyphs.glyphs[i].glyph != pango.PANGO_GLYPH_EMPTY]  # EMPTY: a spacing
        starts = [glyphs.log_clusters[i] for i in range(glyphs.num_glyphs)]
        bounds = [*sorted(set(starts)), item.item.length]
        carrier: dict[int, int] = {}  # cluster start -> its widest glyph
        for i in drawn:
            best = carrier.get(starts[i])
            if best is None or glyphs.glyphs[i].geometry.width > glyphs.glyphs[best].geometry.width:
                carrier[starts[i]] = i
        offset = item.item.offset
        for i in drawn:
            start = starts[i]
            end = bounds[bounds.index(start) + 1]
            found.append(data[offset + start:offset + end].decode()
                         if carrier[start] == i else "")
    return found


def split(tj: str) -> list[tuple[str, bool]]:
    """A ``TJ`` array's content cut into one piece per glyph, with the spacing after it.

    Args:
        tj: what WeasyPrint puts between the brackets: hex glyph codes of four digits and
            spacing numbers.

    Returns:
        (piece, whether it draws a glyph) pairs, in order.
    """
    pieces: list[tuple[str, bool]] = []
    for hexa, number in _TOKEN.findall(tj):
        if number:
            if pieces:
                pieces[-1] = (f"{pieces[-1][0]} {number}", pieces[-1][1])
            else:
                pieces.append((number, False))
            continue
        pieces += [(f"<{hexa[i:i + 4]}>", True) for i in range(0, len(hexa), 4)]
    return pieces


def install() -> None:
    """Wrap ``weasyprint.pdf.stream.Stream.marked`` once per process."""
    global _installed
    if _installed:
        return
    import pydyf
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf.stream import Stream

    original = Stream.marked

    @contextmanager
    def marked(self: Any, box: Any, tag: str) -> Iterator[None]:
        with original(self, box, tag):
            if not (isinstance(box, boxes.TextBox) and right_to_left(box.text)):
                yield
                return
            texts: list[Iterator[str]] = []

            def show_text(tj: str) -> None:
                if not texts:  # the line is laid out (and maybe ellipsized) by now
                    texts.append(iter(glyph_texts(box)))
                for piece, glyph in split(tj):
                    if not glyph:
                        pydyf.Stream.show_text(self, piece)
                        continue
                    actual = pydyf.Dictionary({"ActualText": pydyf.String(next(texts[0]))})
                    pydyf.Stream.begin_marked_content(self, "Span", actual)
                    pydyf.Stream.show_text(self, piece)
                    pydyf.Stream.end_marked_content(self)

            self.show_text = show_text
            try:
                yield
            finally:
                del self.show_text

    Stream.marked = marked  # type: ignore[method-assign]
    _installed = True
