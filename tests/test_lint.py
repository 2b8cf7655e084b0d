"""ketapub lint: every code's golden fixtures, ignores, the CLI and the docs page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ketapub import tree
from ketapub.cli import main
from ketapub.dialect import document
from ketapub.lint import REGISTRY, lint_series, lint_text
from ketapub.lint.report import docs
from ketapub.load import load

FIXTURES = Path(__file__).parent / "lint"
ROOT = Path(__file__).parent.parent


def _of(code: str, body: str, path: str) -> list[str]:
    return [str(f) for f in lint_text(body, path=path).findings if f.code == code]


@pytest.mark.parametrize("code", list(REGISTRY))
def test_each_code_has_golden_fixtures(code: str) -> None:
    """bad.md gives exactly the findings of bad.txt for its code; good.md none of it. A new
    code without fixtures fails here."""
    folder = FIXTURES / code
    bad, good = folder / "bad.md", folder / "good.md"
    assert bad.is_file() and good.is_file(), f"add {code}/bad.md and {code}/good.md"
    expected = (folder / "bad.txt").read_text(encoding="utf-8").splitlines()
    assert expected, f"{code}/bad.txt lists no finding"
    assert _of(code, bad.read_text(encoding="utf-8"), "bad.md") == expected
    assert _of(code, good.read_text(encoding="utf-8"), "good.md") == []


def test_fixture_folders_are_codes() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) == sorted(REGISTRY)


def test_docs_page_is_generated_from_the_registry() -> None:
    page = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    assert page == docs(), "regenerate: python -m ketapub.lint.report > docs/lint.md"
    for code, rule in REGISTRY.items():
        assert f"### {code} {rule.name}" in page


def test_block_nodes_carry_their_body_lines() -> None:
    doc = document("# T\n\nOne\ntwo\n\n- a\n- b\n", language="en")
    heading, para, lst = doc.children
    assert (heading.lines, para.lines, lst.lines) == ((0, 1), (2, 4), (5, 7))
    assert isinstance(lst, tree.BulletList)
    assert [i.lines for i in lst.children] == [(5, 6), (6, 7)]
    # lines are where a block sits, not what it means: trees still compare equal
    assert document("\n\nOne\ntwo\n", language="en").children[0] == \
        document("One\ntwo\n", language="en").children[0]
    assert para.attrs == ()
    (table,) = document("Intro.\n\n| a | b |\n|---|---|\n| c | d |\n", language="en").children[1:]
    assert isinstance(table, tree.Table) and table.lines == (2, 5)


def test_positions_are_file_lines_and_columns() -> None:
    body = "Intro.\n\nThe clinic will\n*utilize* a spray.\n"
    (finding,) = lint_text(body, path="p.md", body_line=10).findings
    assert (finding.line, finding.column, finding.code) == (13, 2, "KP201")
    assert str(finding).startswith("p.md:13:2: KP201 warning: ")


def test_inline_ignore_covers_the_next_block_only() -> None:
    body = ("<!-- ketapub: ignore KP201 -- quoted from the label -->\n"
            "Staff utilize the room.\n\nStaff utilize the chair.\n")
    found = lint_text(body).findings
    assert [(f.code, f.line) for f in found] == [("KP201", 4)]


def test_inline_ignore_at_the_end_of_a_line_covers_that_line() -> None:
    body = ("Staff utilize the room. <!-- ketapub: ignore KP201 -- quoted -->\n"
            "Staff utilize the chair.\n")
    assert [(f.code, f.line) for f in lint_text(body).findings] == [("KP201", 2)]


def test_ignores_inside_code_are_not_ignores() -> None:
    body = "```\n<!-- ketapub: ignore KP101 -->\n```\n"
    assert lint_text(body).findings == ()


def _series(tmp_path: Path, body: str, ignore_file: str | None = None) -> Path:
    src = tmp_path / "src"
    (src / "parts").mkdir(parents=True)
    (src / "series.yaml").write_text(
        "title: T\nslug: t\nlanguage: en\nbase_url: https://example.org/\n"
        "timezone: UTC\npublisher: P\nauthors: [{name: A}]\nlicense: CC-BY-4.0\n"
        "description: d\n", encoding="utf-8")
    (src / "parts" / "01-a.md").write_text(
        "---\ntitle: A\npart: 1\nslug: a\nsummary: s\npublish_at: 2025-01-01\n---\n\n"
        + body, encoding="utf-8")
    if ignore_file is not None:
        (src / ".ketapub-lint.toml").write_text(ignore_file, encoding="utf-8")
    return src


def test_ignore_file_matches_by_glob_and_reports_unused(tmp_path: Path) -> None:
    src = _series(tmp_path, "Staff utilize the room.\n", """\
[[ignore]]
code = "KP201"
path = "parts/01-*.md"
reason = "quoted"

[[ignore]]
codes = ["KP101"]
path = "parts/*.md"
reason = "stale"
""")
    result = lint_series(load(src), str(src))
    assert [str(f) for f in result.findings] == [
        f"{src}/.ketapub-lint.toml:6:1: KP901 warning: ignore of KP101 matches no finding "
        "in parts/*.md; remove it"]


def test_ignore_file_problems_have_positions(tmp_path: Path) -> None:
    src = _series(tmp_path, "Fine.\n", '[[ignore]]\ncode = "KP201"\npath = "p"\n\n'
                  '[[ignore]]\ncode = "KP777"\npath = "p"\nreason = "r"\n')
    found = [str(f) for f in lint_series(load(src), str(src)).findings]
    shown = f"{src}/.ketapub-lint.toml"
    assert found == [
        f"{shown}:1:1: KP902 error: give the reason: reason = \"why this text is right as "
        "it is\"",
        f"{shown}:5:1: KP902 error: unknown code 'KP777'; `ketapub lint --explain` lists "
        "them"]
    bad = _series(tmp_path / "b", "Fine.\n", "[[ignore]\n")
    (finding,) = lint_series(load(bad), str(bad)).findings
    assert (finding.code, finding.line) == ("KP902", 1)
    assert "not valid TOML" in finding.message


def test_cli_exit_status_json_and_strict(tmp_path: Path) -> None:
    runner = CliRunner()
    warn = _series(tmp_path / "w", "Staff utilize the room.\n")
    result = runner.invoke(main, ["lint", str(warn)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{warn}/parts/01-a.md:9:7: KP201 warning: “utilize”: write “use”",
        "0 errors, 1 warning"]
    assert runner.invoke(main, ["lint", str(warn), "--strict"]).exit_code == 1
    err = _series(tmp_path / "e", "See [here](https://example.org/).\n")
    result = runner.invoke(main, ["lint", str(err), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["errors"] == 1 and data["warnings"] == 0
    assert data["findings"] == [{
        "path": f"{err}/parts/01-a.md", "line": 9, "column": 6, "code": "KP401",
        "severity": "error", "rule": "vague-link-text",
        "message": "link text “here” says nothing about where it goes; name what the "
                   "reader gets"}]


def test_cli_explain() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["lint", "--explain", "kp302"])
    assert result.exit_code == 0
    assert result.output.startswith("KP302 percentage-without-frame (warning)\n\n")
    assert "out of" in result.output
    result = runner.invoke(main, ["lint", "--explain", "KP999"])
    assert result.exit_code == 2 and "unknown lint code 'KP999'" in result.output


def test_example_series_passes_lint() -> None:
    result = CliRunner().invoke(main, ["lint", str(ROOT / "content")])
    assert result.exit_code == 0, result.output
    assert " error" not in "\n".join(result.output.splitlines()[:-1])
