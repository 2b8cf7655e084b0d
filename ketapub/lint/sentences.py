"""Sentences of a passage.

Split after ``.``, ``!`` or ``?`` (and closing quotes or brackets) followed by a space, except after
an abbreviation of the language (``e.g.``, ``Dr.``, ``et al.``) or a single initial (``J. Smith``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+\S)")


def split(text: str, abbreviations: frozenset[str]) -> Iterator[str]:
    """The sentences of ``text``, stripped, in order.

    Args:
        text: a passage's text.
        abbreviations: lowercase words after which a full stop ends no sentence.
    """
    start = 0
    for match in _END.finditer(text):
        before = text[start:match.start()]
        last = before.rsplit(None, 1)[-1] if before.split() else ""
        word = last.lstrip("([\"'“‘").lower()
        if match.group(0).startswith(".") and (
                word in abbreviations or (len(word) == 1 and word.isalpha())):
            continue
        nxt = text[match.end():].lstrip()[:1]
        if nxt and nxt.islower():  # "approx. half", a stray full stop mid-sentence
            continue
        sentence = text[start:match.end()].strip()
        if sentence:
            yield sentence
        start = match.end()
    rest = text[start:].strip()
    if rest:
        yield rest
