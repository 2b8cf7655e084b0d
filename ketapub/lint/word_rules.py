"""KP2xx: words (jargon with a plainer word; medical terms used before they are explained)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ketapub import tree
from ketapub.errors import Severity
from ketapub.lint.part import PartText, Passage
from ketapub.lint.rule import Finding, Rule, register
from ketapub.lint.words import Term


@register
class Jargon(Rule):
    """KP201: a word or phrase that has a plainer one."""

    code = "KP201"
    name = "jargon"
    severity = Severity.WARNING
    summary = "A word or phrase has a plainer one (from the language's list)."
    explanation = """\
Readers understand everyday words faster and more surely than formal ones: "use" rather
than "utilize", "give" rather than "administer", "before" rather than "prior to". The
pairs come from plain-language word lists (the US Federal Plain Language Guidelines, NALA's
plain English guide) plus a few of health writing's own, in `ketapub/lint/data/<lang>.toml`
(English today; a language without a list is not checked).

Write the plainer word. Where the formal word is the right one (a quoted name, a term the
reader must learn), ignore the finding with its reason."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Flag each word or phrase of the language's jargon list, with its plainer one."""
        for passage in part.passages():
            cursor = None
            hits = sorted((m.start(), m.group(0), plain)
                          for pattern, _, plain in part.words.jargon
                          for m in pattern.finditer(passage.text))
            for _, said, plain in hits:
                at = part.locate(passage.lines, said, cursor)
                cursor = at
                yield self.finding(part, at, f"“{said}”: write “{plain}”")


_DEFINED_AFTER = (
    r"\s*\(",                                           # esketamine (one half of ...)
    r",?\s+(?:is|are|was|were|means?)\s+(?:a|an|the|when|how|what|one|called|like)\b",
    r"\s+(?:stands for|is short for)\b",               # ECT stands for ...
    r",\s+(?:a|an|or|which|meaning|the|also called|also known as)\b",
    r"\s*[—–:]\s",                                      # remission — no symptoms left
    r"\s+-\s",
    # "... a randomized trial. That means chance decided ..." (the next sentence explains)
    # (the term ends its sentence, give or take a few words)
    r"[^.!?]{0,20}[.!?][\"'”’)]*\s+(?:that|this|it)\s+(?:means|is when|is how|is what|is an?)\b",
)
_DEFINED_BEFORE = (
    r"\(\s*$",                                          # Food and Drug Administration (FDA)
    r"\b(?:called|named|known as|or|means|mean)\s+(?:an?\s+|the\s+)?[\"“‘']?$",
)


_NEXT_SENTENCE = re.compile(r"[^.!?]{0,20}[.!?][\"'”’)]*\s+(?:an?\s+|the\s+)?", re.IGNORECASE)
_EXPLAINS = re.compile(r"\s+(?:means|is|are)\b", re.IGNORECASE)


def defines(passage_text: str, match: re.Match[str], term: Term | None = None) -> bool:
    """Whether the occurrence ``match`` of a term explains it.

    "TERM (a ...)", "TERM is a ...", "TERM, a ...", "TERM: ...", "a drug called TERM", "... (TERM)",
    "TERM. This means ...", "... past psychosis. Psychosis means ...".

    Args:
        passage_text: the passage's text.
        match: where the term occurs in it.
        term: the term, for the next sentence's check; default None: that check is skipped.
    """
    # a closing quote may sit between the term and what explains it: "active placebo," a ...
    after = re.sub(r"^([,.:]?)[\"'”’]", r"\1", passage_text[match.end():])
    before = passage_text[:match.start()]
    if any(re.match(p, after, re.IGNORECASE) for p in _DEFINED_AFTER) or any(
            re.search(p, before, re.IGNORECASE) for p in _DEFINED_BEFORE):
        return True
    nxt = _NEXT_SENTENCE.match(after)
    if term is None or nxt is None:
        return False
    again = term.pattern.match(after, nxt.end())
    return again is not None and _EXPLAINS.match(after, again.end()) is not None


@register
class UndefinedTerm(Rule):
    """KP202: a medical term used before the part explains it."""

    code = "KP202"
    name = "undefined-medical-term"
    severity = Severity.ERROR
    summary = "A medical term is used before the part explains it."
    explanation = """\
Each part may be the first one a reader opens, so each explains its own medical terms
where it first uses them, or in a glossary (a definition list) in the part. The CDC Clear
Communication Index scores a material down when a specialized term is not explained the
first time it is used.

The terms come from the language's list (`ketapub/lint/data/<lang>.toml`). The first use
of a term in the part's prose (paragraphs, lists, callouts, the FAQ; not headings or
tables) counts as explained when it reads like one of these:

- `esketamine (one mirror-image half of ketamine)`, `the Food and Drug Administration (FDA)`
- `remission is when ...`, `PTSD means ...`
- `... a randomized trial. That means ...`, `... any past psychosis. Psychosis means ...`
  (the next sentence explains it)
- `a drug called phencyclidine, or PCP`, `PCP, a drug ...`
- `dissociation: feeling detached ...` or `dissociation — ...`

or when the term is a term of a definition list anywhere in the part. Explain the term at
its first use (the message names a later place where the part explains it, if any)."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Flag each listed medical term whose first use is not explained near it."""
        terms = part.words.terms
        if not terms:
            return
        glossary = [tree.text_of(n) for n in tree.walk(part.document)
                    if isinstance(n, tree.Term)]
        passages = list(part.passages())
        for term in terms:
            if any(term.pattern.search(g) for g in glossary):
                continue
            first = _first_use(term, passages)
            if first is None:
                continue
            passage, match = first
            if defines(passage.text, match, term):
                continue
            at = part.locate(passage.lines, match.group(0))
            later = _later_definition(part, term, passages, passage, match)
            hint = (f"; the part explains it at line {later[0]}: move that explanation here"
                    if later else "; explain it here, e.g. “" + match.group(0) + " (a ...)”, "
                    "or add it to a glossary")
            yield self.finding(part, at, f"“{match.group(0)}” is used before the part "
                               f"explains it{hint}")


def _first_use(term: Term, passages: list[Passage]) -> tuple[Passage, re.Match[str]] | None:
    for passage in passages:
        if isinstance(passage.node, tree.Term):
            continue
        m = term.pattern.search(passage.text)
        if m:
            return passage, m
    return None


def _later_definition(part: PartText, term: Term, passages: list[Passage], first: Passage,
                      first_match: re.Match[str]) -> tuple[int, int] | None:
    started = False
    for passage in passages:
        started = started or passage is first
        if not started:
            continue
        for m in term.pattern.finditer(passage.text):
            if passage is first and m.start() <= first_match.start():
                continue
            if defines(passage.text, m, term):
                return part.locate(passage.lines, m.group(0))
    return None
