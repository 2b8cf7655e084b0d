"""The ``translation_of`` stamp: which version of an original part a translation renders.

A translation's front matter records the first 12 hex digits of the SHA-256 of the original
part's body. When the original's body changes, the stamp no longer matches and the
translation is stale. The body is normalized first so that line endings and blank lines
around the text, which no reader sees, never make a translation stale.
"""

from __future__ import annotations

import hashlib
import re

DIGITS = 12
"""Hex digits kept: short enough to write by hand, long enough never to collide by chance."""

_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def normalize_body(body: str) -> str:
    r"""``\r\n`` and ``\r`` turned into ``\n``.

    Leading and trailing blank lines (empty or only spaces and tabs) removed, and with them the
    final newline.

    Args:
        body: a part body.
    """
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip(" \t"):
        lines.pop(0)
    while lines and not lines[-1].strip(" \t"):
        lines.pop()
    return "\n".join(lines)


def body_digest(body: str) -> str:
    """The stamp of a part body (the Markdown after the front matter).

    Args:
        body: the body, as ``part_body()`` gives it.
    """
    return hashlib.sha256(normalize_body(body).encode("utf-8")).hexdigest()[:DIGITS]


def part_body(text: str) -> str:
    """The body of a part file's text.

    What follows the closing line of its front matter (``---`` or ``...``), or the whole text when
    it has no front matter.

    Args:
        text: the whole part file.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first, _, rest = text.partition("\n")
    if first.rstrip() != "---":
        return text
    end = _FRONT_MATTER_END.search(rest)
    return text if end is None else rest[end.end():]


def file_digest(text: str) -> str:
    """The stamp to write in ``translation_of`` for the part file whose text is ``text``.

    Args:
        text: the whole English part file.
    """
    return body_digest(part_body(text))
