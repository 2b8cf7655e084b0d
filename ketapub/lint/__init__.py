"""``ketapub lint``: coded plain-language and accessibility checks of a series' parts.

Each rule (``ketapub.lint.rule``) has a code, a severity and an explanation; the rules
walk each part's document tree and report ``path:line:column: KPnnn severity: message``.
Findings can be ignored inline or in the source's ``.ketapub-lint.toml``
(``ketapub.lint.ignores``); ignores that match nothing are reported.

The rules are imported here, so importing the package fills the registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ketapub.errors import Severity
from ketapub.lint import (  # noqa: F401 - each module registers its rules
    ignores,
    link_rules,
    number_rules,
    prose_rules,
    structure_rules,
    word_rules,
)
from ketapub.lint.part import PartText
from ketapub.lint.rule import REGISTRY, Finding, Rule
from ketapub.lint.words import for_language
from ketapub.model import Part, Series

__all__ = ["REGISTRY", "Finding", "LintResult", "Rule", "lint_series", "lint_text",
           "part_text"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class LintResult:
    """The findings of a run, sorted by place."""

    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        """How many findings are errors."""
        return sum(f.severity is Severity.ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        """How many findings are warnings."""
        return sum(f.severity is Severity.WARNING for f in self.findings)


def shown_path(folder: str, rel: str) -> str:
    """A file of the source as messages show it: under the folder as the user named it.

    Args:
        folder: the source folder as the user named it.
        rel: the file's path under it.
    """
    folder = folder.rstrip("/")
    return f"{folder}/{rel}" if folder not in ("", ".") else rel


def part_text(series: Series, part: Part, path: str) -> PartText:
    """``part`` as the rules read it (its tree is the renderers' tree).

    Args:
        series: the loaded series.
        part: one of its parts.
        path: the part file as messages show it.
    """
    from ketapub.render.base import RenderContext

    doc = RenderContext(series, _EPOCH).document(part)
    return PartText(path, part.body_line, part.body, doc, for_language(series.language))


def lint_part(text: PartText) -> list[Finding]:
    """Every rule's findings in one part, before ignores.

    Args:
        text: the part, as ``part_text()`` reads it.
    """
    return [f for rule in REGISTRY.values() for f in rule.check(text)]


def lint_series(series: Series, source: str) -> LintResult:
    """Lint every part of a loaded series.

    ``source`` is its folder as given by the user (messages show paths under it). Ignores are
    applied, unused ones reported.

    Args:
        series: the loaded series.
        source: its folder as the user gave it; messages show paths under it.
    """
    found: list[tuple[Finding, str]] = []
    every_ignore: list[ignores.Ignore] = []
    problems: list[Finding] = []
    file_ignores, file_problems = ignores.from_file(Path(source),
                                                    shown_path(source, ignores.FILE))
    every_ignore += file_ignores
    problems += file_problems
    for part in sorted(series.parts, key=lambda p: p.part):
        rel = part.source.path
        text = part_text(series, part, shown_path(source, rel))
        inline, bad = ignores.inline(text)
        every_ignore += inline
        problems += bad
        found += [(f, rel) for f in lint_part(text)]
    kept, unused = ignores.apply(found, every_ignore)
    return LintResult(tuple(sorted(set(kept + unused + problems))))


def lint_text(body: str, path: str = "part.md", language: str = "en",
              body_line: int = 1) -> LintResult:
    """Lint one Markdown body on its own, without a series.

    With no series, ``part:`` links and citations are not resolved; the body's inline ignores apply.
    For tests, editors and quick checks.

    Args:
        body: the Markdown body.
        path: the file name findings show; default ``part.md``.
        language: the language whose word lists apply; default ``en``.
        body_line: the file line the body starts at; default 1.
    """
    from ketapub import dialect

    text = PartText(path, body_line, body, dialect.document(body, language=language),
                    for_language(language))
    inline, bad = ignores.inline(text)
    kept, unused = ignores.apply(((f, path) for f in lint_part(text)), inline)
    return LintResult(tuple(sorted(set(kept + unused + bad))))
