"""What a lint rule is, what it reports, and the registry every rule joins.

A rule is a small class: a code (``KP101``), a severity, a one-line summary and an
explanation (the page ``ketapub lint --explain KP101`` prints and ``docs/lint.md`` holds),
and ``check``, which walks one part and yields findings. Codes come in families, as
Standard Ebooks' ``se lint`` groups its messages: the hundreds digit says what a rule
looks at (see ``FAMILIES``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from ketapub.errors import Severity
from ketapub.lint.part import PartText

FAMILIES: dict[str, str] = {
    "1": "Sentences and paragraphs",
    "2": "Words",
    "3": "Numbers",
    "4": "Links and images",
    "5": "Structure",
    "9": "The linter's own configuration",
}
"""The families of codes, by the code's first digit."""


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: where it is (1-based line and column of the file) and what to do."""

    path: str
    line: int
    column: int
    code: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        """``path:line:column: code severity: message``, as editors link it."""
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.severity}: " \
               f"{self.message}"


class Rule:
    """A lint rule. Subclasses set the class attributes and implement ``check()``."""

    code: ClassVar[str]
    name: ClassVar[str]
    """A short slug (``long-sentence``)."""
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    explanation: ClassVar[str]
    """Why it matters and how to fix it (Markdown, shown by ``--explain``)."""
    heuristic: ClassVar[bool] = False
    """True when the rule guesses (passive voice): a finding may be wrong."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Yield this rule's findings in ``part``; every rule overrides it.

        Args:
            part: the part, as ``ketapub.lint.part_text()`` reads it.
        """
        raise NotImplementedError

    def finding(self, part: PartText, at: tuple[int, int], message: str) -> Finding:
        """A finding of this rule at ``at`` (file line, column) of ``part``.

        Args:
            part: the part.
            at: (file line, column) of the finding.
            message: what is wrong, and how to fix it.
        """
        return Finding(part.path, at[0], at[1], self.code, self.severity, message)


REGISTRY: dict[str, Rule] = {}
"""Every rule, by code, in the order the codes sort."""


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: add a rule to ``REGISTRY`` (a code may be taken once)."""
    if cls.code in REGISTRY:
        raise ValueError(f"lint code {cls.code} is registered twice")
    if cls.code[2:3] not in FAMILIES:
        raise ValueError(f"lint code {cls.code} is in no family")
    REGISTRY[cls.code] = cls()
    ordered = sorted(REGISTRY.items())
    REGISTRY.clear()
    REGISTRY.update(ordered)
    return cls
