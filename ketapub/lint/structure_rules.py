"""KP5xx: structure (the FAQ's headings are questions)."""

from __future__ import annotations

from collections.abc import Iterator

from ketapub import tree
from ketapub.errors import Severity
from ketapub.lint.part import PartText
from ketapub.lint.rule import Finding, Rule, register


@register
class FaqHeading(Rule):
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
        actions = tuple(a.lower() for a in part.words.faq_actions)
        for faq in (n for n in tree.walk(part.document) if isinstance(n, tree.Faq)):
            for item in (n for n in faq.children if isinstance(n, tree.FaqItem)):
                heading = item.children[0] if item.children else None
                if not isinstance(heading, tree.Heading):
                    continue
                text = tree.text_of(heading).strip()
                low = text.lower()
                if text.endswith(("?", "？")) or text.startswith("¿") or any(
                        low == a or low.startswith(a + " ") for a in actions):
                    continue
                yield self.finding(part, part.start_of(heading.lines),
                                   f"FAQ heading “{text}” is not a question; write the "
                                   "reader's question, ending with “?”")
