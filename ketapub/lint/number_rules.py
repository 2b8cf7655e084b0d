"""KP3xx: numbers (number words where digits read better; percentages without a frame)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ketapub.errors import Severity
from ketapub.lint import sentences
from ketapub.lint.part import PartText
from ketapub.lint.rule import Finding, Rule, register
from ketapub.lint.words import Words


def _number_word(w: Words) -> str:
    """A number word of the list, or a compound of two (``twenty-five``)."""
    names = "|".join(sorted(map(re.escape, w.numbers), key=len, reverse=True))
    return rf"(?:{names})(?:-(?:{names}))?"


@register
class NumberWords(Rule):
    """KP301: a count or amount written in words where digits read better."""

    code = "KP301"
    name = "number-as-words"
    severity = Severity.WARNING
    summary = "A count or amount is written in words where digits read better."
    explanation = """\
Readers scan health information for numbers: how many doses, how many hours, how many
people out of how many. Digits ("3 weeks", "1 in 3 people") stand out and are read faster
than words ("three weeks", "one in three people"), which is why health-literacy guides
(the CDC's among them) ask for numerals.

Flagged: a number word from two up (and "one" before a unit of time) directly before a
unit or a count from the language's list (hours, weeks, doses, people...), and "X in Y" or
"X out of Y" written in words. Write the digits."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Flag number words that count something, in the part's language's words."""
        w = part.words
        if not w.numbers:
            return
        num = _number_word(w)
        units = "|".join(sorted(map(re.escape, w.units), key=len, reverse=True))
        times = "|".join(sorted(map(re.escape, w.time_units), key=len, reverse=True))
        ratio = rf"(?:{num}|one)\s+(?:in|out\s+of)\s+(?:{num})"
        pattern = re.compile(
            rf"(?<![\w\-])(?:{ratio}|(?:{num})\s+(?:{units})|one\s+(?:{times}))(?![\w\-])",
            re.IGNORECASE)
        for passage in part.passages():
            cursor = None
            for m in pattern.finditer(passage.text):
                at = part.locate(passage.lines, m.group(0), cursor)
                cursor = at
                yield self.finding(part, at, f"“{m.group(0)}”: write the number in digits")


_PERCENT = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?\s?(?:%|percent\b|per cent\b)", re.I)


@register
class BarePercentage(Rule):
    """KP302: a percentage without an "out of" frame."""

    code = "KP302"
    name = "percentage-without-frame"
    severity = Severity.WARNING
    summary = "A percentage is given without an \"out of\" frame."
    explanation = """\
Many readers do not know what "64%" means for them. "About 64 out of 100 people" (or
"about 2 in 3") is understood by more readers, and the CDC Clear Communication Index asks
for numbers the audience uses and for probabilities explained in words. A warning only:
a percentage is correct, and sometimes clearer next to others.

Flagged: a percentage in a sentence that has no frame from the language's list ("out of",
"in every", "of 100"...). Add the frame in the same sentence, e.g. "64% (about 64 out of
100 people)"."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Flag each sentence with a percentage and no framing words around it."""
        framing = tuple(f.lower() for f in part.words.framing)
        if not framing:
            return
        for passage in part.passages():
            cursor = None
            for sentence in sentences.split(passage.text, part.words.abbreviations):
                low = sentence.lower()
                framed = any(f in low for f in framing) or re.search(
                    r"\b\d+\s+in\s+\d+\b", low)
                for m in _PERCENT.finditer(sentence):
                    at = part.locate(passage.lines, m.group(0), cursor)
                    cursor = at
                    if not framed:
                        yield self.finding(part, at, f"“{m.group(0)}” has no “out of” "
                                           "frame; add one, e.g. “about N out of 100 "
                                           "people”")
