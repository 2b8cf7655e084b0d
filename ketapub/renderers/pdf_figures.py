"""Figures in large print grow with the text: 18 / 12 of their standard printed size.

A diagram drawn for the standard handout (labels of 16 px print at 12 pt, the body size,
when the figure prints at its own size) needs 1.5 times the width for labels of 18 pt: wider
than a portrait page's text column. Such a figure gets a landscape page of its own (named
page ``figure`` in ``print.css``, narrower side margins), where it prints at that width when
the page allows. The size is worked out here, from the SVG's own width and height (or its
viewBox), because WeasyPrint's ``image-resolution`` does not apply to SVG; raster images
grow through ``image-resolution`` in ``print.css``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCALE = 18 / 12
"""Large-print body size over standard body size."""
_PX = 0.75  # points per CSS pixel
_MM = 72 / 25.4
PAGES = {"A4": (595.276, 841.89), "Letter": (612.0, 792.0)}
"""Portrait page sizes in points."""
STANDARD_SIDES = 40 * _MM  # print.css: 20 mm left and right in standard print
LARGE_SIDES = 36 * _MM  # 18 mm in large print
WIDE_SIDES = 24 * _MM  # 12 mm on the landscape figure page
LARGE_TOP_BOTTOM = 42 * _MM  # 20 mm top, 22 mm bottom in large print
ROOM = 40.0  # points kept free above and below the figure on its page (margins, a line)

_ROOT = re.compile(rb"<svg\b[^>]*>", re.S)
_UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54,
          "mm": 96 / 25.4, "q": 96 / 101.6}


@dataclass(frozen=True)
class Fit:
    """How a figure prints in large print."""

    width: float
    """Its width in points."""
    wide: bool
    """On a landscape page of its own."""


def large_print_fit(data: bytes, media_type: str, page: str) -> Fit | None:
    """The large-print width of an SVG figure on ``page``, or None.

    ``page`` is A4 or Letter; None when the figure is not an SVG or gives no size.

    Args:
        data: the figure's bytes.
        media_type: its media type.
        page: the page size, A4 or Letter.
    """
    size = svg_size(data) if media_type == "image/svg+xml" else None
    if size is None or page not in PAGES:
        return None
    width_px, height_px = size
    page_w, page_h = PAGES[page]
    standard = min(width_px * _PX, page_w - STANDARD_SIDES)
    target = standard * SCALE
    ratio = width_px / height_px
    if target <= page_w - LARGE_SIDES:
        return Fit(round(min(target, (page_h - LARGE_TOP_BOTTOM - ROOM) * ratio), 2), False)
    # landscape: the page's height is the portrait width
    room = min(page_h - WIDE_SIDES, (page_w - LARGE_TOP_BOTTOM - ROOM) * ratio)
    return Fit(round(min(target, room), 2), True)


def svg_size(data: bytes) -> tuple[float, float] | None:
    """An SVG's intrinsic width and height in CSS px.

    Its root's ``width`` and ``height``, else its viewBox (scaled to a given width or height, as a
    browser does).

    Args:
        data: the SVG's bytes.
    """
    root = _ROOT.search(data[:4096])
    if root is None:
        return None
    tag = root.group().decode("utf-8", "replace")
    width, height = _length(tag, "width"), _length(tag, "height")
    box = re.search(r'\sviewBox\s*=\s*["\']([^"\']*)["\']', tag)
    numbers = [float(v) for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", box.group(1))] if box \
        else []
    ratio = numbers[2] / numbers[3] if len(numbers) == 4 and numbers[2] > 0 and \
        numbers[3] > 0 else None
    if width and height:
        return width, height
    if ratio and width:
        return width, width / ratio
    if ratio and height:
        return height * ratio, height
    if ratio:
        return numbers[2], numbers[3]
    return None


def _length(tag: str, name: str) -> float | None:
    found = re.search(rf'\s{name}\s*=\s*["\']\s*([\d.]+)\s*([a-zA-Z]*)\s*["\']', tag)
    if found is None:
        return None
    unit = found.group(2).lower()
    try:
        value = float(found.group(1)) * _UNITS[unit]
    except (KeyError, ValueError):
        return None  # %, em: no intrinsic size
    return value if value > 0 else None
