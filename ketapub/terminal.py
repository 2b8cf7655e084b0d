r"""Text from a source shown on a terminal: control and bidi characters made visible.

A file name, a title or a message quoting content may hold ANSI escapes (``\x1b[2J``),
other C0/C1 controls or bidi overrides; printed raw they would repaint, retitle or reorder
what the user reads. Every value the command line prints goes through ``visible()``, and
table cells and titles through ``cell()`` (plain ``rich.text.Text``, so brackets in
content are never read as rich markup either).
"""

from __future__ import annotations

import re

from rich.text import Text

BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069\u061c\u200e\u200f"
"""Embeddings, overrides (U+202A-202E), isolates (U+2066-2069) and the bidi marks (ALM, LRM,
RLM): they reorder text in a terminal that lays out bidi text."""
INVISIBLE = "\u200b\u2060\ufeff"
"""Zero-width space, word joiner and BOM: shown, so the operator sees what a warning names."""
UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}{INVISIBLE}]")
UNSAFE_BUT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{BIDI_CONTROLS}{INVISIBLE}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(value: object, *, newlines: bool = False) -> str:
    r"""``value`` with every control character written as an escape.

    Every C0/C1 control, DEL, bidi control and zero-width space becomes an escape (``\x1b``,
    ``\u202e``). Newlines are escaped too, so one message stays one line, unless ``newlines``
    (a traceback, whose lines are its own).

    Args:
        value: anything; its ``str()`` is shown.
        newlines: keep line breaks as they are; default False.

    Examples:
        A file name cannot clear the screen or reverse the text after it:

        >>> print(visible("notes\x1b[2J\u202etxt.md"))
        notes\x1b[2J\u202etxt.md
    """
    pattern = UNSAFE_BUT_NEWLINE if newlines else UNSAFE
    return pattern.sub(_escape, str(value))


def cell(value: object) -> Text:
    """A table cell or title: ``visible()`` text that rich shows as it is (no markup).

    Args:
        value: anything; its ``str()`` is shown.
    """
    return Text(visible(value))


def json_visible(text: str) -> str:
    r"""JSON text with DEL, C1, bidi and zero-width characters written as ``\uXXXX`` escapes.

    ``json.dumps(..., ensure_ascii=False)`` escapes only C0; the others are allowed raw in
    JSON strings, and a terminal obeys them. Outside strings JSON holds none of them, so the
    result is the same JSON value.

    Args:
        text: JSON text.
    """
    return re.sub(f"[\x7f-\x9f{BIDI_CONTROLS}{INVISIBLE}]",
                  lambda m: f"\\u{ord(m.group()):04x}", text)
