"""KP1xx: sentences and paragraphs (length, passive voice)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ketapub.errors import Severity
from ketapub.lint import sentences
from ketapub.lint.part import PartText, words
from ketapub.lint.rule import Finding, Rule, register

MAX_SENTENCE_WORDS = 25
MAX_PARAGRAPH_SENTENCES = 5


@dataclass(frozen=True)
class Sentence:
    """A sentence of a passage, with where it starts in the part file."""

    text: str
    at: tuple[int, int]
    """(file line, column) where it starts."""


def each_sentence(part: PartText) -> Iterator[tuple[list[Sentence], tuple[int, int]]]:
    """The sentences of each passage of ``part``, placed, with where the passage starts.

    Args:
        part: the part, as the rules read it.
    """
    for passage in part.passages():
        found: list[Sentence] = []
        cursor = None
        for text in sentences.split(passage.text, part.words.abbreviations):
            at = part.locate(passage.lines, text, cursor)
            found.append(Sentence(text, at))
            cursor = at
        yield found, part.start_of(passage.lines)


@register
class LongSentence(Rule):
    """KP101: a sentence longer than MAX_SENTENCE_WORDS words."""

    code = "KP101"
    name = "long-sentence"
    severity = Severity.WARNING
    summary = f"A sentence has more than {MAX_SENTENCE_WORDS} words."
    explanation = f"""\
Long sentences are hard to follow, most of all for readers with limited literacy or who
read in a second language. Health-literacy guidance asks for short sentences: one idea
each, {MAX_SENTENCE_WORDS} words at most, 15 to 20 on average.

Split the sentence where a new idea starts, or turn a series into a list. Words are
counted as the readability score counts them (letters and digits; "mg/kg" is two)."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Flag each sentence of more than MAX_SENTENCE_WORDS words."""
        for found, _ in each_sentence(part):
            for s in found:
                n = len(words(s.text))
                if n > MAX_SENTENCE_WORDS:
                    yield self.finding(part, s.at, f"this sentence has {n} words (at most "
                                       f"{MAX_SENTENCE_WORDS}); split it where a new idea "
                                       "starts")


@register
class LongParagraph(Rule):
    """KP102: a paragraph of more than MAX_PARAGRAPH_SENTENCES sentences."""

    code = "KP102"
    name = "long-paragraph"
    severity = Severity.WARNING
    summary = f"A paragraph has more than {MAX_PARAGRAPH_SENTENCES} sentences."
    explanation = f"""\
A long block of text is where readers give up. Keep a paragraph to one topic and at most
{MAX_PARAGRAPH_SENTENCES} sentences; start a new paragraph, or use a list, for the next
point."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Flag each paragraph of more than MAX_PARAGRAPH_SENTENCES sentences."""
        for found, at in each_sentence(part):
            if len(found) > MAX_PARAGRAPH_SENTENCES:
                yield self.finding(part, at, f"this paragraph has {len(found)} sentences "
                                   f"(at most {MAX_PARAGRAPH_SENTENCES}); split it into "
                                   "paragraphs of one topic each")


@register
class PassiveVoice(Rule):
    """KP103: a sentence that may be in the passive voice (a heuristic)."""

    code = "KP103"
    name = "passive-voice"
    severity = Severity.WARNING
    heuristic = True
    summary = "A sentence may be in the passive voice (a heuristic)."
    explanation = """\
In the active voice the reader learns who does what ("Your doctor gives the dose"). The
passive hides the actor ("The dose is given"), which matters when the actor is the reader
or their care team. The CDC Clear Communication Index asks for the active voice in the
main message and the call to action.

This is a heuristic: a form of "be" or "get" followed (perhaps after an adverb) by a past
participle ("-ed" or an irregular one such as "given"), from the language's word list;
not one starting with "un" ("are unwanted", an adjective). It misses some passives and
flags some adjectives ("is limited"). Rewrite the sentence with
its actor as the subject, or ignore the finding where the passive is the better choice
(the actor is unknown or does not matter)."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Flag an auxiliary followed by a past participle, in the part's language's words."""
        w = part.words
        if not w.auxiliaries:
            return
        aux = "|".join(sorted(map(re.escape, w.auxiliaries), key=len, reverse=True))
        pattern = re.compile(rf"\b({aux})\s+(?:(?:not|\w+ly)\s+)?([A-Za-z]+)\b", re.I)
        for found, _ in each_sentence(part):
            for s in found:
                for m in pattern.finditer(s.text):
                    verb = m.group(2).lower()
                    participle = (verb.endswith("ed") or verb in w.irregular) \
                        and verb not in w.adjectives and not verb.startswith("un")
                    if participle:
                        at = part.locate(_lines_of(part, s.at), m.group(0), s.at)
                        yield self.finding(part, at, f"“{m.group(0)}” may be passive "
                                           "(heuristic); say who does what")
                        break


def _lines_of(part: PartText, at: tuple[int, int]) -> tuple[int, int]:
    """Body lines from a file line on (a sentence's block may run on a few lines)."""
    line0 = at[0] - part.body_line
    return line0, line0 + 8
