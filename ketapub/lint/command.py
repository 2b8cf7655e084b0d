"""``ketapub lint``: load the series, lint it, print the findings, say how it went."""

from __future__ import annotations

from collections.abc import Callable

from ketapub.errors import Severity, UsageError


def run_lint(source: str, fmt: str, strict: bool, explain: str | None,
             out: Callable[[str], None]) -> int:
    """Run the linter as the CLI does.

    Args:
        source: the source folder.
        fmt: ``"text"`` or ``"json"``.
        strict: warnings fail the run too.
        explain: a rule code to explain instead of linting, or None.
        out: where the report's text goes.

    Returns:
        The exit status: 1 on an error (with ``strict``, also on a warning), else 0.
    """
    from ketapub.lint import REGISTRY, lint_series
    from ketapub.lint.report import as_json, page, summary

    if explain is not None:
        rule = REGISTRY.get(explain.strip().upper())
        if rule is None:
            raise UsageError(f"unknown lint code {explain!r}; the codes are "
                             f"{', '.join(REGISTRY)}")
        out(page(rule).rstrip())
        return 0
    from ketapub.load import load

    result = lint_series(load(source), source)
    if fmt == "json":
        out(as_json(result))
    else:
        for finding in result.findings:
            out(str(finding))
        out(summary(result))
    failing = result.errors + (result.warnings if strict else 0)
    return 1 if failing else 0


__all__ = ["Severity", "run_lint"]
