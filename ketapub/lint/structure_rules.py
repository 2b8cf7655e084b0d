"""KP5xx: structure (the FAQ's headings are questions)."""

from __future__ import annotations

from collections.abc import Iterator

from ketapub import tree
from ketapub.errors import Severity
from ketapub.lint.part import PartText
from ketapub.lint.rule import Finding, Rule, register


@register
class FaqHeading(Rule):
    """KP501: a FAQ heading that is neither a question nor an action."""

    code = "KP501"
    name = "faq-heading-not-question"
    severity = Severity.ERROR
    summary = "A heading in the FAQ is neither a question nor an action."
    explanation = """\
The "Frequently asked questions" block is read as questions: the EPUB and the HTML list
them, the feeds and the hub may show them, and readers look for their own question in
their own words. A heading there that is a topic ("Costs") hides the question it answers.

Write each level-3 heading of the FAQ as the reader's question ("Will my insurance pay for
it?") or as an action from the language's list ("How to prepare for a session")."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Flag each FAQ heading that neither asks a question nor names an action."""
        actions = tuple(a.lower() for a in part.words.faq_actions)
        for heading in _faq_headings(part.document):
            text = tree.text_of(heading).strip()
            if not _asks(text, actions):
                yield self.finding(part, part.start_of(heading.lines),
                                   f"FAQ heading “{text}” is not a question; write the "
                                   "reader's question, ending with “?”")


def _faq_headings(doc: tree.Document) -> Iterator[tree.Heading]:
    """The question heading of each item of the FAQ."""
    for faq in (n for n in tree.walk(doc) if isinstance(n, tree.Faq)):
        for item in (n for n in faq.children if isinstance(n, tree.FaqItem)):
            if item.children and isinstance(item.children[0], tree.Heading):
                yield item.children[0]


def _asks(text: str, actions: tuple[str, ...]) -> bool:
    """A question ("...?", "¿...") or an action of the list ("How to prepare ...")."""
    low = text.lower()
    return text.endswith(("?", "？")) or text.startswith("¿") or any(
        low == a or low.startswith(a + " ") for a in actions)
