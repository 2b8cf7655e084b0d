"""A generated cover: an SVG made from the title, subtitle and publisher.

SVG keeps the cover deterministic (no rasteriser, no font files) and sharp at any size. Text
is wrapped here by a character budget, since SVG 1.1 has no automatic line breaking.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

WIDTH, HEIGHT = 1200, 1800


@dataclass(frozen=True)
class Line:
    y: int
    text: str


def _lines(text: str, size: int, top: int, ratio: float = 0.55, leading: float = 1.2,
           max_lines: int = 6) -> tuple[list[Line], int]:
    """Wrap ``text`` for a font ``size``; returns the lines and the y below them."""
    per_line = max(8, int(WIDTH * 0.82 / (size * ratio)))
    wrapped = textwrap.wrap(text, per_line, break_long_words=True)
    if len(wrapped) > max_lines:  # the page's alt text and title page carry all of it
        wrapped = wrapped[:max_lines]
        wrapped[-1] = wrapped[-1][:per_line - 1].rstrip() + "…"
    step = int(size * leading)
    lines = [Line(top + i * step, t) for i, t in enumerate(wrapped)]
    return lines, top + len(wrapped) * step


def cover_layout(title: str, subtitle: str | None, publisher: str) -> dict[str, object]:
    """Positions of the cover's text lines, for ``templates/epub/cover.svg``."""
    size = 96 if len(title) <= 40 else 76
    title_lines, below = _lines(title, size, 640)
    sub_size = 48
    sub_lines, _ = _lines(subtitle or "", sub_size, below + 90, leading=1.3, max_lines=4)
    return {
        "width": WIDTH, "height": HEIGHT, "title_size": size, "title_lines": title_lines,
        "subtitle_size": sub_size, "subtitle_lines": sub_lines,
        "rule_y": below + 10, "publisher": publisher, "publisher_y": HEIGHT - 150,
    }
