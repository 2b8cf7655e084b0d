"""The word lists the rules read, per language (``ketapub/lint/data/<lang>.toml``).

A region uses its language's lists (``en-US``: ``en``). A language without a file gets
empty lists, and the rules that need one (jargon, medical terms, passive voice, number
words) find nothing: the linter does not apply English lists to other languages.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

DATA = "ketapub.lint.data"


def _forms(entry: str) -> tuple[str, ...]:
    return tuple(f.strip() for f in entry.split("|") if f.strip())


def _phrase_pattern(forms: tuple[str, ...], case: bool = False) -> re.Pattern[str]:
    """Any of ``forms`` as whole words; spaces match any run of whitespace."""
    alts = sorted((r"\s+".join(map(re.escape, f.split())) for f in forms), key=len,
                  reverse=True)
    return re.compile(rf"(?<![\w\-])(?:{'|'.join(alts)})(?![\w\-])",
                      0 if case else re.IGNORECASE)


@dataclass(frozen=True)
class Term:
    """A medical term: its forms (the first names it) and the pattern that finds them.

    A form in capitals (``NMDA``) matches as written; the others in any case.
    """

    forms: tuple[str, ...]
    pattern: re.Pattern[str]

    @property
    def name(self) -> str:
        """The term's first form, the one findings name."""
        return self.forms[0]


@dataclass(frozen=True)
class Words:
    """The lists of one language."""

    language: str
    jargon: tuple[tuple[re.Pattern[str], str, str], ...] = ()
    """(pattern, the form named in messages, the plainer word)."""
    vague_links: frozenset[str] = frozenset()
    alt_prefixes: tuple[str, ...] = ()
    auxiliaries: frozenset[str] = frozenset()
    irregular: frozenset[str] = frozenset()
    adjectives: frozenset[str] = frozenset()
    numbers: dict[str, int] = field(default_factory=dict)
    units: frozenset[str] = frozenset()
    time_units: frozenset[str] = frozenset()
    framing: tuple[str, ...] = ()
    faq_actions: tuple[str, ...] = ()
    abbreviations: frozenset[str] = frozenset()
    terms: tuple[Term, ...] = ()


def _term(entry: str) -> Term:
    forms = _forms(entry)
    alts = []
    for form in sorted(forms, key=len, reverse=True):  # the longest form wins
        body = r"\s+".join(map(re.escape, form.split()))
        alts.append(body if form.isupper() else f"(?i:{body})")
    return Term(forms, re.compile(rf"(?<![\w\-])(?:{'|'.join(alts)})(?![\w\-])"))


def _texts(data: dict[str, Any], table: str, key: str = "texts") -> tuple[str, ...]:
    return tuple(str(x) for x in data.get(table, {}).get(key, ()))


@functools.cache
def for_language(language: str) -> Words:
    """The word lists of a language tag (``en-US`` reads ``en.toml``).

    Args:
        language: a BCP 47 tag.
    """
    lang = language.split("-")[0].lower()
    try:
        raw = resources.files(DATA).joinpath(f"{lang}.toml").read_text(encoding="utf-8")
    except FileNotFoundError:
        return Words(lang)
    data = tomllib.loads(raw)
    jargon = tuple((_phrase_pattern(_forms(k)), _forms(k)[0], str(v))
                   for k, v in data.get("jargon", {}).items())
    passive = data.get("passive", {})
    numbers = data.get("numbers", {})
    return Words(
        language=lang,
        jargon=jargon,
        vague_links=frozenset(t.lower() for t in _texts(data, "vague_links")),
        alt_prefixes=tuple(t.lower() for t in _texts(data, "alt_prefixes")),
        auxiliaries=frozenset(passive.get("auxiliaries", ())),
        irregular=frozenset(passive.get("irregular", ())),
        adjectives=frozenset(passive.get("adjectives", ())),
        numbers={str(k): int(v) for k, v in numbers.get("words", {}).items()},
        units=frozenset(numbers.get("units", ())),
        time_units=frozenset(numbers.get("time_units", ())),
        framing=_texts(data, "percent", "framing"),
        faq_actions=_texts(data, "faq", "actions"),
        abbreviations=frozenset(_texts(data, "sentences", "abbreviations")),
        terms=tuple(_term(t) for t in _texts(data, "medical_terms", "terms")),
    )
