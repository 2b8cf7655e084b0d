"""Small builders for throwaway sources in tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

SERIES = """\
title: "Test Series"
description: "A series for tests."
language: en
base_url: "https://example.org/s/"
timezone: America/New_York
publisher: "Test Press"
authors:
  - name: "A. Writer"
"""


def part(n: int, slug: str, body: str = "Some text.\n", publish_at: str = "2025-01-01",
         extra: str = "") -> str:
    return (f"---\ntitle: \"Part {n}\"\npart: {n}\nslug: {slug}\nsummary: \"Summary {n}.\"\n"
            f"publish_at: {publish_at}\n{extra}---\n{textwrap.dedent(body)}")


def make_source(root: Path, parts: dict[str, str] | None = None, series: str = SERIES,
                files: dict[str, str | bytes] | None = None) -> Path:
    """Write a source folder: series.yaml, parts/<name> and any other files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "series.yaml").write_text(series, "utf-8")
    (root / "parts").mkdir(exist_ok=True)
    for name, text in (parts if parts is not None else {"01-one.md": part(1, "one")}).items():
        (root / "parts" / name).write_text(text, "utf-8")
    for rel, data in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, "utf-8")
    return root


def code_lines(source: str) -> list[str]:
    """The lines of Python ``source`` outside its docstrings.

    A size limit on a module is about its code: documenting a name must not push it over.
    """
    import ast

    inside: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for i, stmt in enumerate(body):
            if (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
                    and isinstance(stmt.value.value, str)
                    and (i == 0 or isinstance(body[i - 1], ast.AnnAssign | ast.Assign))):
                inside.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return [line for n, line in enumerate(source.splitlines(), 1) if n not in inside]
