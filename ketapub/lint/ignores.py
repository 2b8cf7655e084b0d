"""Ignoring findings: inline comments in a part and the source's ``.ketapub-lint.toml``.

Inline, ``<!-- ketapub: ignore KP101 KP103 -- the reason -->`` covers

- the next block (paragraph, list, table, callout...) when the comment stands on lines of
  its own, and
- its own line when it shares the line with text (at the end of a sentence).

The file, at the top of the source folder, holds entries of a code (or ``codes``), a glob
of part paths relative to the source folder, and a reason::

    [[ignore]]
    code = "KP302"
    path = "parts/02-*.md"
    reason = "the trial results are compared as percentages in the table"

Every ignore needs a reason, and an ignore that matches nothing is reported (KP901), so
ignores do not outlive the text they were for. Malformed ignores are KP902.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ketapub.dialect import parser
from ketapub.errors import Severity
from ketapub.lint.part import PartText
from ketapub.lint.rule import REGISTRY, Finding, Rule, register

FILE = ".ketapub-lint.toml"
COMMENT = re.compile(r"<!--\s*ketapub:\s*ignore\b(.*?)-->", re.DOTALL)
_SPEC = re.compile(r"^\s*((?:KP\d{3}[\s,]*)+?)\s*(?:--\s*(.*?))?\s*$", re.DOTALL)


@register
class UnusedIgnore(Rule):
    """KP901: an ignore matches no finding, so the text it excused has changed."""

    code = "KP901"
    name = "unused-ignore"
    severity = Severity.WARNING
    summary = "An ignore matches no finding."
    explanation = f"""\
An ignore (an inline `<!-- ketapub: ignore KPnnn -- reason -->` or an entry of
`{FILE}`) that matches no finding is stale: the text it excused has changed. Remove it,
so it cannot hide a new problem later."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Nothing: ``apply()`` reports unused ignores, once it has matched them all."""
        return iter(())  # reported by apply()


@register
class BadIgnore(Rule):
    """KP902: an ignore is malformed, names an unknown code or gives no reason."""

    code = "KP902"
    name = "malformed-ignore"
    severity = Severity.ERROR
    summary = "An ignore is malformed, names an unknown code or gives no reason."
    explanation = f"""\
An ignore must name known codes and say why: inline,
`<!-- ketapub: ignore KP101 KP103 -- why this text is right as it is -->`; in `{FILE}`,
an `[[ignore]]` table with `code` (or `codes`), `path` (a glob such as `parts/02-*.md`)
and `reason`. Fix the ignore as the message says; `ketapub lint --explain CODE` describes
each code."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Nothing: the ignore parsers report malformed ignores as they read them."""
        return iter(())  # reported by the parsers below


@dataclass
class Ignore:
    """One ignore: its codes, where it was written, and what it covers."""

    codes: tuple[str, ...]
    path: str
    """The file that holds it (as messages show it)."""
    line: int
    column: int
    glob: str | None = None
    """For the file's entries: the parts it covers."""
    target: str | None = None
    """For inline ignores: the part it is in."""
    lines: tuple[int, int] = (0, 0)
    """For inline ignores: the file lines ``[start, end)`` it covers."""
    reason: str = ""
    used: set[str] = field(default_factory=set)

    def covers(self, finding: Finding, rel: str) -> bool:
        """Whether this ignore excuses ``finding`` in the part file ``rel``.

        Args:
            finding: a finding before ignores.
            rel: the path of its part file relative to the source folder.
        """
        if finding.code not in self.codes:
            return False
        if self.glob is not None:
            return fnmatch.fnmatchcase(rel, self.glob)
        return finding.path == self.target and self.lines[0] <= finding.line < self.lines[1]


def _bad(path: str, line: int, column: int, message: str) -> Finding:
    return Finding(path, line, column, BadIgnore.code, BadIgnore.severity, message)


def _codes(spec: str) -> tuple[tuple[str, ...], str | None, str | None]:
    """(codes, reason, problem) of the text after ``ignore``."""
    m = _SPEC.match(spec)
    if not m:
        return (), None, ("write it as <!-- ketapub: ignore KP101 -- the reason -->, codes "
                          "first, then '--' and why")
    codes = tuple(re.findall(r"KP\d{3}", m.group(1)))
    unknown = [c for c in codes if c not in REGISTRY]
    if unknown:
        return codes, None, f"unknown code {unknown[0]}; `ketapub lint --explain` lists them"
    reason = (m.group(2) or "").strip()
    if not reason:
        return codes, None, "give the reason after '--': <!-- ketapub: ignore " + \
            " ".join(codes) + " -- why -->"
    return codes, reason, None


def inline(part: PartText) -> tuple[list[Ignore], list[Finding]]:
    """The inline ignores of a part, and the problems of malformed ones.

    Args:
        part: the part, as the rules read it.
    """
    tokens, _ = parser.parse(part.body)
    blocks = sorted({(t.map[0], t.map[1]) for t in tokens if t.map and t.level == 0
                     and t.type != "html_block"})
    code_lines = {n for t in tokens if t.map and t.type in ("fence", "code_block")
                  for n in range(*t.map)}
    found: list[Ignore] = []
    problems: list[Finding] = []
    for m in COMMENT.finditer(part.body):
        first0 = part.body.count("\n", 0, m.start())
        if first0 in code_lines:
            continue
        line_start = part.body.rfind("\n", 0, m.start()) + 1
        at = (part.body_line + first0, m.start() - line_start + 1)
        codes, reason, problem = _codes(m.group(1))
        if problem:
            problems.append(_bad(part.path, *at, f"inline ignore: {problem}"))
            continue
        span = _covered(part.body, m, blocks)
        found.append(Ignore(codes, part.path, *at, target=part.path, reason=reason or "",
                            lines=(part.body_line + span[0], part.body_line + span[1])))
    return found, problems


def _covered(body: str, m: re.Match[str], blocks: list[tuple[int, int]]) -> tuple[int, int]:
    """The body lines an ignore comment covers.

    The body lines ``[start, end)`` an ignore comment covers: the next block when the comment stands
    alone on its lines, else the lines it is on.
    """
    first0 = body.count("\n", 0, m.start())
    last0 = body.count("\n", 0, m.end())
    line_start = body.rfind("\n", 0, m.start()) + 1
    line_end = body.find("\n", m.end())
    rest = body[m.end(): len(body) if line_end < 0 else line_end]
    if body[line_start:m.start()].strip() or rest.strip():
        return first0, last0 + 1
    nxt = next((b for b in blocks if b[0] > last0), None)
    return nxt if nxt else (last0 + 1, last0 + 1)


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def from_file(root: Path, shown: str) -> tuple[list[Ignore], list[Finding]]:
    """The entries of the source's ignore file (none when there is no file), and its problems.

    ``shown`` is the file's path as messages show it.

    Args:
        root: the source folder.
        shown: the ignore file's path as messages show it.
    """
    path = root / FILE
    if not path.is_file():
        return [], []
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_AT.search(str(exc))
        line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
        return [], [_bad(shown, line, col, f"not valid TOML: {_TOML_AT.sub('', str(exc))}"
                         .strip())]
    entries = data.get("ignore", [])
    starts = [i + 1 for i, s in enumerate(text.split("\n"))
              if s.strip().replace(" ", "") == "[[ignore]]"]
    unknown_keys = sorted(set(data) - {"ignore"})
    problems: list[Finding] = []
    if unknown_keys:
        problems.append(_bad(shown, 1, 1, f"unknown table {unknown_keys[0]!r}; the file "
                             "holds only [[ignore]] entries"))
    if not isinstance(entries, list):
        return [], [*problems, _bad(shown, 1, 1, "'ignore' must be [[ignore]] tables")]
    found: list[Ignore] = []
    for i, entry in enumerate(entries):
        line = starts[i] if i < len(starts) else 1
        problem = _entry_problem(entry)
        if problem:
            problems.append(_bad(shown, line, 1, problem))
            continue
        codes = tuple(entry.get("codes") or [entry["code"]])
        found.append(Ignore(codes, shown, line, 1, glob=str(entry["path"]),
                            reason=str(entry["reason"])))
    return found, problems


def _entry_problem(entry: object) -> str | None:
    if not isinstance(entry, dict):
        return "each ignore is an [[ignore]] table"
    extra = sorted(set(entry) - {"code", "codes", "path", "reason"})
    if extra:
        return f"unknown key {extra[0]!r}; an ignore has code (or codes), path and reason"
    codes = entry.get("codes") or ([entry["code"]] if "code" in entry else [])
    if not codes or not all(isinstance(c, str) for c in codes):
        return "give the code to ignore: code = \"KP101\" (or codes = [...])"
    unknown = [c for c in codes if c not in REGISTRY]
    if unknown:
        return f"unknown code {unknown[0]!r}; `ketapub lint --explain` lists them"
    if not isinstance(entry.get("path"), str) or not entry["path"]:
        return "give the parts it covers: path = \"parts/02-*.md\" (a glob)"
    if not isinstance(entry.get("reason"), str) or not entry["reason"].strip():
        return "give the reason: reason = \"why this text is right as it is\""
    return None


def apply(findings: Iterable[tuple[Finding, str]], ignores: list[Ignore]
          ) -> tuple[list[Finding], list[Finding]]:
    """(kept findings, KP901 findings for ignores that matched nothing).

    ``findings`` are (finding, part path relative to the source folder).

    Args:
        findings: each finding with its part's path relative to the source folder.
        ignores: every ignore, inline and from the file; those that match are marked used.
    """
    kept: list[Finding] = []
    for finding, rel in findings:
        hit = [i for i in ignores if i.covers(finding, rel)]
        for i in hit:
            i.used.add(finding.code)
        if not hit:
            kept.append(finding)
    unused = []
    for i in ignores:
        for code in i.codes:
            if code not in i.used:
                where = "no finding" if i.glob is None else f"no finding in {i.glob}"
                unused.append(Finding(i.path, i.line, i.column, UnusedIgnore.code,
                                      UnusedIgnore.severity,
                                      f"ignore of {code} matches {where}; remove it"))
    return kept, unused
