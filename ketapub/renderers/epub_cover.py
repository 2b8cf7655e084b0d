"""A generated cover: a PNG drawn with the packaged typeface from the title, subtitle and publisher.

A raster cover is what every reading system and store can show as the book's thumbnail (some
skip SVG covers). It is drawn with Pillow's basic text layout and the packaged font, so its
bytes depend on the text and the locked package versions only, not on what the machine has
installed (Raqm, system fonts). The cover page's alt text and the title page carry the full
text when a long title is cut here.
"""

from __future__ import annotations

import io
from typing import Any

from ketapub import glyphs
from ketapub.fonts import font_file

WIDTH, HEIGHT = 1200, 1920  # the 1:1.6 shape stores and readers expect
PAPER, BAND, INK, SOFT, RULE = "#f4f1ea", "#1f4e5f", "#1b1b1b", "#333333", "#b5562b"
TEXT_WIDTH = int(WIDTH * 0.8)


def _font(style: str, size: int, text: str = "") -> Any:
    """The font the cover text is drawn in.

    The packaged face, or for text it lacks glyphs for (Vietnamese, CJK) the first handout fallback
    font that has them all (ketapub.glyphs), in its regular weight.
    """
    from PIL import ImageFont

    path = font_file(style)
    missing = [c for c in text if not c.isspace()]
    for fallback in glyphs.fallbacks_for(missing):
        if fallback.family != "Noto Sans Arabic" and all(
                glyphs.drawable_by(fallback, c) for c in missing):
            path = fallback.path(fallback.files[0][1])
            break
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


def _fit(word: str, font: Any, width: int) -> int:
    """How many leading characters of ``word`` fit in ``width`` (at least one).

    A binary search over a prefix no line could exceed, so a 1,000-character word costs as little as
    a short one.
    """
    word = word[: max(1, width // 8)]  # no glyph of the typeface is narrower than 8 px here
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if font.getlength(word[:mid]) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


def wrap(text: str, font: Any, width: int, max_lines: int) -> list[str]:
    """Lines of ``text`` no wider than ``width``.

    A word wider than a line is cut, and text beyond ``max_lines`` ends in an ellipsis. Work stops
    once the lines are full, so it is linear in what is shown, whatever the length of ``text``.

    Args:
        text: the text.
        font: the Pillow font it is drawn in.
        width: the line width, in pixels.
        max_lines: the most lines shown.
    """
    lines: list[str] = []

    def put(piece: str) -> None:
        if lines and font.getlength(f"{lines[-1]} {piece}") <= width:
            lines[-1] = f"{lines[-1]} {piece}"
        else:
            lines.append(piece)

    for word in text.split():
        if len(lines) > max_lines:
            break
        while word and len(lines) <= max_lines and font.getlength(word[:width]) > width:
            cut = _fit(word, font, width)
            put(word[:cut])
            word = word[cut:]
        if word and len(lines) <= max_lines:
            put(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def _u(x: float) -> int:
    """A length of the 1600-pixel-wide design at the cover's actual width."""
    return int(x * WIDTH / 1600)


def cover_png(title: str, subtitle: str | None, publisher: str) -> bytes:
    """The generated cover: title, subtitle and publisher on a plain page, as a PNG.

    Args:
        title: the series title.
        subtitle: its subtitle, or None.
        publisher: the publisher's name.
    """
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, WIDTH, _u(480)), fill=BAND)
    draw.rectangle((_u(80), _u(560), WIDTH - _u(80), HEIGHT - _u(80)), outline=BAND,
                   width=_u(5))
    size = _u(132 if len(title) <= 40 else 104)
    font = _font("Bold", size, title)
    y = _u(860)
    for line in wrap(title, font, TEXT_WIDTH, 6):
        draw.text((WIDTH // 2, y), line, font=font, fill=INK, anchor="ms")
        y += int(size * 1.2)
    draw.rectangle((WIDTH // 2 - _u(200), y - _u(40), WIDTH // 2 + _u(200), y - _u(32)),
                   fill=RULE)
    if subtitle:
        font = _font("Italic", _u(64), subtitle)
        y += _u(110)
        for line in wrap(subtitle, font, TEXT_WIDTH, 4):
            draw.text((WIDTH // 2, y), line, font=font, fill=SOFT, anchor="ms")
            y += _u(84)
    font = _font("Regular", _u(60), publisher)
    publisher_line = wrap(publisher, font, TEXT_WIDTH, 1)
    if publisher_line:
        draw.text((WIDTH // 2, HEIGHT - _u(200)), publisher_line[0], font=font, fill=BAND,
                  anchor="ms")
    out = io.BytesIO()
    # zlib's default level: level 9 took twice as long for 3 % fewer bytes. No tIME or text
    # chunks are written: the same text gives the same bytes.
    img.save(out, "PNG", compress_level=6)
    return out.getvalue()
