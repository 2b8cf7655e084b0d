"""What ``ketapub lint`` prints.

Findings as text or JSON, a code's page, and the docs page ``docs/lint.md``, which is made from the
registry (a test fails when it is out of date: ``python -m ketapub.lint.report > docs/lint.md``
regenerates it).
"""

from __future__ import annotations

import json

from ketapub.lint import REGISTRY, LintResult
from ketapub.lint.ignores import FILE
from ketapub.lint.rule import FAMILIES, Rule


def as_json(result: LintResult) -> str:
    """The findings for CI: one object, findings sorted by place.

    Args:
        result: what ``lint_series()`` found.
    """
    return json.dumps({
        "findings": [{"path": f.path, "line": f.line, "column": f.column, "code": f.code,
                      "severity": str(f.severity), "message": f.message,
                      "rule": REGISTRY[f.code].name}
                     for f in result.findings],
        "errors": result.errors,
        "warnings": result.warnings,
    }, indent=2, ensure_ascii=False)


def summary(result: LintResult) -> str:
    """``3 errors, 1 warning``: the last line of a text report.

    Args:
        result: what ``lint_series()`` found.
    """
    e, w = result.errors, result.warnings
    return f"{e} error{'s' if e != 1 else ''}, {w} warning{'s' if w != 1 else ''}"


def page(rule: Rule) -> str:
    """A code's page, as ``--explain`` prints it and the docs show it.

    Args:
        rule: the rule of the code.
    """
    tag = ", a heuristic" if rule.heuristic else ""
    return (f"{rule.code} {rule.name} ({rule.severity}{tag})\n\n{rule.summary}\n\n"
            f"{rule.explanation.strip()}\n")


def docs() -> str:
    """``docs/lint.md``: every code, by family."""
    out = ["# ketapub lint: the codes", "",
           "<!-- Made by `python -m ketapub.lint.report > docs/lint.md`; do not edit. -->", "",
           "`ketapub lint [SOURCE]` checks each part's prose and markup and prints",
           "`path:line:column: KPnnn severity: message`; it exits 1 when there is an error",
           "(`--strict`: also a warning), and `--format json` prints the findings for CI.",
           "`ketapub lint --explain KPnnn` prints a code's page below.", "",
           "Ignore a finding inline, `<!-- ketapub: ignore KP101 -- the reason -->` (on its "
           "own",
           "lines: the next block; at the end of a line: that line), or in "
           f"`{FILE}` at the top of",
           "the source folder (`[[ignore]]` entries of `code`, `path`, a glob of parts, and",
           "`reason`). An ignore that matches nothing is reported (KP901).", ""]
    for digit, family in FAMILIES.items():
        rules = [r for r in REGISTRY.values() if r.code[2] == digit]
        if not rules:
            continue
        out += [f"## KP{digit}xx: {family}", ""]
        for r in rules:
            tag = ", a heuristic" if r.heuristic else ""
            out += [f"### {r.code} {r.name}", "", f"*{r.severity}{tag}.* {r.summary}", "",
                    r.explanation.strip(), ""]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(docs(), end="")
