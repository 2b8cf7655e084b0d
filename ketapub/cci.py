"""A helper for the CDC Clear Communication Index (CCI), not a validated instrument.

The Index (CDC, 2014; full score sheet for materials a page or longer) has 20 yes/no items
in four parts: A, core (1-11, always scored); B, behavioral recommendations (12-14); C,
numbers (15-17); D, risk (18-20). Parts B to D are scored only when the material has
recommendations, numbers or risk information; items 19 and 20 may also be "not
applicable". A point is scored when every instance in the material meets the item; item
17 scores its point for "no". The score is the points as a share of the applicable items,
out of 100; the CDC asks for 90 or more.

Three items are scored here from the text, by rules that can be checked mechanically:

- 7 (words the audience uses): yes when ``ketapub lint`` finds no jargon (KP201) and no
  medical term used before it is explained (KP202) in the part;
- 8 (bulleted or numbered lists): yes when the part has a list before its last section,
  and no list of more than 7 items that is not broken into sub-lists;
- 15 (numbers the audience uses): yes when every number is whole and every percentage has
  an "out of" frame (KP302); and whether part C applies at all (the text has numbers).

The others need judgement (what the main message is, whether a visual supports it) and are
answered in the part's front matter, ``cci: {1: yes, 12: na, ...}``. An answer to an
automatic item overrides it (shown as such). Unanswered items score no point and are
listed, so the score is a floor until every item is answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ketapub import tree
from ketapub.lint import Finding, part_text
from ketapub.lint.part import PartText
from ketapub.model import Part, Series

ITEMS: dict[int, str] = {
    1: "Does the material contain one main message statement?",
    2: "Is the main message at the top, beginning, or front of the material?",
    3: "Is the main message emphasized with visual cues?",
    4: "Does the material contain at least one visual that conveys or supports the main "
       "message?",
    5: "Does the material include one or more calls to action for the primary audience?",
    6: "Do both the main message and the call to action use the active voice?",
    7: "Does the material always use words the primary audience uses?",
    8: "Does the material use bulleted or numbered lists?",
    9: "Is the material organized in chunks with headings?",
    10: "Is the most important information the primary audience needs summarized in the "
        "first paragraph or section?",
    11: "Does the material explain what authoritative sources, such as subject matter "
        "experts and agency spokespersons, know and don't know about the topic?",
    12: "Does the material include one or more behavioral recommendations for the primary "
        "audience?",
    13: "Does the material explain why the behavioral recommendation(s) is important to the "
        "primary audience?",
    14: "Does the behavioral recommendation(s) include specific directions about how to "
        "perform the behavior?",
    15: "Does the material always present numbers the primary audience uses?",
    16: "Does the material always explain what the numbers mean?",
    17: "Does the audience have to conduct mathematical calculations?",
    18: "Does the material explain the nature of the risk?",
    19: "Does the material address both the risks and benefits of the recommended "
        "behaviors?",
    20: "If the material uses numeric probability to describe risk, is the probability also "
        "explained with words or a visual?",
}
"""The items' questions, as the CDC's full score sheet words them (``CCI_ITEMS`` of them)."""

AUTOMATIC = (7, 8, 15)
REVERSED = (17,)
"""Items whose point is scored for "no"."""
MAX_LIST_ITEMS = 7

Answer = Literal["yes", "no", "na"]
How = Literal["automatic", "answered", "overridden", "implied", "unanswered"]


@dataclass(frozen=True)
class Item:
    """One item's outcome: its answer (None: unanswered), the point, and how it was got."""

    number: int
    answer: Answer | None
    points: int
    how: How
    note: str = ""

    @property
    def applicable(self) -> bool:
        """False when the item does not apply to the text (answered "na")."""
        return self.answer != "na"


@dataclass(frozen=True)
class Score:
    """A Clear Communication Index score: the scored items, and the totals derived from them."""

    items: tuple[Item, ...]

    @property
    def points(self) -> int:
        """Points earned over the applicable items."""
        return sum(i.points for i in self.items)

    @property
    def possible(self) -> int:
        """Points possible: the number of applicable items."""
        return sum(i.applicable for i in self.items)

    @property
    def total(self) -> int:
        """Out of 100, rounded half up (0 when no item applies)."""
        return (200 * self.points + self.possible) // (2 * self.possible) \
            if self.possible else 0

    def numbers(self, how: How) -> list[int]:
        """Numbers of the items scored the way ``how`` says (from the text, or by the author).

        Args:
            how: how the items were scored.
        """
        return [i.number for i in self.items if i.how == how]


def _lists(doc: tree.Document) -> list[tuple[int, tree.Parent]]:
    """(index of the top-level block it is in, list) for every list of the body."""
    found: list[tuple[int, tree.Parent]] = []
    for index, block in enumerate(doc.children):
        for node in tree.walk(block):
            if isinstance(node, tree.BulletList | tree.OrderedList):
                found.append((index, node))
    return found


def _item8(doc: tree.Document) -> tuple[Answer, str]:
    lists = _lists(doc)
    if not lists:
        return "no", "no list"
    long = [lst for _, lst in lists if len(lst.children) > MAX_LIST_ITEMS and not any(
        isinstance(n, tree.BulletList | tree.OrderedList)
        for item in lst.children for n in tree.walk(item) if n is not item)]
    if long:
        return "no", f"a list of {len(long[0].children)} items is not broken into sub-lists"
    sections = [i for i, b in enumerate(doc.children)
                if isinstance(b, tree.Heading | tree.Faq) and getattr(b, "level", 2) == 2]
    last = sections[-1] if sections else len(doc.children)
    if all(index >= last for index, _ in lists):
        return "no", "the only lists are in the last section"
    return "yes", f"{len(lists)} list(s), none longer than {MAX_LIST_ITEMS} items"


_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")


def _numbers(text: PartText) -> list[str]:
    """The texts of the part (prose and table cells) that hold a number in digits."""
    texts = [p.text for p in text.passages()]
    texts += [tree.text_of(n) for n in tree.walk(text.document) if isinstance(n, tree.Cell)]
    return [t for t in texts if re.search(r"\d", t)]


def _item15(text: PartText, findings: list[Finding]) -> tuple[Answer, str]:
    with_numbers = _numbers(text)
    if not with_numbers:
        return "na", "no numbers: part C does not apply"
    decimals = [m.group(0) for t in with_numbers for m in _DECIMAL.finditer(t)]
    bare = [f for f in findings if f.code == "KP302"]
    if decimals:
        return "no", f"decimal numbers ({', '.join(sorted(set(decimals))[:3])})"
    if bare:
        return "no", f"{len(bare)} percentage(s) without an “out of” frame (KP302)"
    return "yes", "whole numbers, percentages framed"


def _item7(findings: list[Finding]) -> tuple[Answer, str]:
    words = [f for f in findings if f.code in ("KP201", "KP202")]
    if words:
        codes = ", ".join(sorted({f.code for f in words}))
        return "no", f"{len(words)} lint finding(s) ({codes})"
    return "yes", "no jargon (KP201) or unexplained term (KP202)"


def automatic(text: PartText, findings: list[Finding]) -> dict[int, tuple[Answer, str]]:
    """The items scored from the text, with why.

    ``findings`` are the part's lint findings after ignores.

    Args:
        text: the part, as the linter reads it.
        findings: the part's lint findings after ignores.
    """
    return {7: _item7(findings), 8: _item8(text.document), 15: _item15(text, findings)}


def _point(number: int, answer: Answer | None) -> int:
    if answer is None or answer == "na":
        return 0
    return int(answer == ("no" if number in REVERSED else "yes"))


def score(answers: dict[int, Answer], auto: dict[int, tuple[Answer, str]]) -> Score:
    """Score the Index from the front matter's answers and the automatic items.

    Args:
        answers: the front matter's ``cci`` answers, by item number.
        auto: what ``automatic()`` scored, by item number.
    """
    got: dict[int, tuple[Answer | None, How, str]] = {}
    for n in ITEMS:
        if n in answers:
            how: How = "overridden" if n in auto else "answered"
            note = f"automatic said {auto[n][0]}" if n in auto else ""
            got[n] = (answers[n], how, note)
        elif n in auto:
            got[n] = (auto[n][0], "automatic", auto[n][1])
        else:
            got[n] = (None, "unanswered", "")

    def imply(items: range | tuple[int, ...], answer: Answer, why: str) -> None:
        for n in items:
            if got[n][0] != answer:
                got[n] = (answer, "implied", why)

    if got[1][0] == "no":
        imply(range(2, 5), "no", "item 1 is no")
    if got[1][0] == "no" or got[5][0] == "no":
        imply((6,), "no", "item 1 or 5 is no")
    if got[12][0] in ("no", "na"):
        imply(range(12, 15), "na", "no behavioral recommendation (item 12)")
    if got[15][0] == "na":
        imply(range(15, 18), "na", "no numbers (part C)")
    if got[18][0] == "na":
        imply(range(18, 21), "na", "no risk information (item 18)")
    return Score(tuple(Item(n, a, _point(n, a), how, note)
                       for n, (a, how, note) in sorted(got.items())))


def score_part(series: Series, part: Part, text: PartText | None = None,
               findings: list[Finding] | None = None) -> Score:
    """The Index of one part (``findings``: its lint findings after ignores).

    Args:
        series: the loaded series.
        part: one of its parts.
        text: the part as the linter reads it; default None: read here.
        findings: the part's lint findings after ignores; default None: none.
    """
    text = text or part_text(series, part, part.source.path)
    return score(dict(part.cci), automatic(text, findings or []))
