"""ketapub cci: the Clear Communication Index helper (automatic items, answers, the score)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ketapub import cci
from ketapub.cli import main
from ketapub.dialect import document
from ketapub.lint import lint_text
from ketapub.lint.part import PartText
from ketapub.lint.words import for_language

ROOT = Path(__file__).parent.parent


def _auto(body: str) -> dict[int, tuple[str, str]]:
    text = PartText("p.md", 1, body, document(body, language="en"), for_language("en"))
    return dict(cci.automatic(text, list(lint_text(body).findings)))


def test_item7_is_no_with_jargon_or_an_unexplained_term() -> None:
    assert _auto("Take it with water.\n")[7][0] == "yes"
    assert _auto("Staff utilize a spray.\n")[7] == ("no", "1 lint finding(s) (KP201)")
    assert _auto("Ask about esketamine.\n")[7] == ("no", "1 lint finding(s) (KP202)")


def test_item8_lists() -> None:
    assert _auto("No list here.\n")[8] == ("no", "no list")
    eight = "".join(f"- item {i}\n" for i in range(8))
    assert _auto(f"## A\n\n{eight}\n## B\n\nText.\n")[8][0] == "no"
    nested = "- a\n  - b\n" + "".join(f"- item {i}\n" for i in range(7))
    assert _auto(f"## A\n\n{nested}\n## B\n\nText.\n")[8][0] == "yes"
    assert _auto("## A\n\nText.\n\n## B\n\n- a\n- b\n")[8] == (
        "no", "the only lists are in the last section")
    assert _auto("## A\n\n- a\n- b\n\n## B\n\nText.\n")[8][0] == "yes"


def test_item15_numbers() -> None:
    assert _auto("No numbers at all.\n")[15][0] == "na"
    assert _auto("Take 2 pills a day.\n")[15][0] == "yes"
    assert _auto("The dose is 0.5 mg/kg.\n")[15] == ("no", "decimal numbers (0.5)")
    assert _auto("It worked in 64% of people.\n")[15][0] == "no"
    assert _auto("It worked in 64% of people (about 64 out of 100).\n")[15][0] == "yes"
    table = "| a | b |\n|---|---|\n| dose | 0.5 mg |\n"
    assert _auto(table)[15][0] == "no"


def test_the_items_are_the_score_sheets_twenty() -> None:
    from ketapub.model import CCI_ITEMS

    assert list(cci.ITEMS) == list(range(1, CCI_ITEMS + 1))
    assert all(q.endswith("?") for q in cci.ITEMS.values())


def _all(answer: str) -> dict[int, str]:
    return dict.fromkeys(cci.ITEMS, answer)


def test_score_counts_applicable_items_and_reverses_item_17() -> None:
    answers = _all("yes")
    result = cci.score(answers, {})
    assert (result.points, result.possible, result.total) == (19, 20, 95)  # 17 "yes" is 0
    answers[17] = "no"
    assert cci.score(answers, {}).total == 100
    answers[20] = "na"
    result = cci.score(answers, {})
    assert (result.points, result.possible, result.total) == (19, 19, 100)


def test_score_rounds_half_up_and_unanswered_items_score_nothing() -> None:
    result = cci.score({1: "yes"}, {})
    assert result.numbers("unanswered") == list(range(2, 21))
    assert (result.points, result.possible, result.total) == (1, 20, 5)
    assert cci.score({}, {}).total == 0
    answers = {n: "yes" for n in range(1, 12)} | {12: "na", 15: "na", 18: "na"}
    result = cci.score(answers, {})
    assert (result.points, result.possible) == (11, 11)
    answers = {n: "yes" for n in range(1, 12)} | {2: "no", 3: "no", 4: "no", 12: "na",
                                                    15: "na", 18: "na"}
    assert cci.score(answers, {}).total == 73  # 8 of 11 = 72.7
    half = {n: "yes" for n in range(1, 12)} | {12: "no", 15: "na", 16: "yes", 18: "na"}
    half.update({2: "no", 3: "no", 4: "no", 5: "no", 6: "no", 9: "no"})  # 5 of 11 is 45.45
    assert cci.score(half, {}).total == 45
    # 16 apply (part C and item 20 do not): 10 points is 62.5, which rounds up to 63
    answers = _all("yes") | {15: "na", 20: "na"} | dict.fromkeys((3, 9, 10, 11, 13, 14), "no")
    result = cci.score(answers, {})
    assert (result.points, result.possible, result.total) == (10, 16, 63)


def test_score_follows_the_score_sheets_skips() -> None:
    answers = _all("yes") | {1: "no", 12: "no", 18: "na", 17: "no"}
    result = {i.number: i for i in cci.score(answers, {}).items}
    assert [result[n].answer for n in (2, 3, 4, 6)] == ["no"] * 4
    assert all(result[n].how == "implied" for n in (2, 3, 4, 6))
    assert [result[n].answer for n in (12, 13, 14, 18, 19, 20)] == ["na"] * 6
    only5 = cci.score(_all("yes") | {5: "no"}, {}).items[5]
    assert (only5.number, only5.answer) == (6, "no")


def test_automatic_items_and_overrides() -> None:
    auto = {7: ("no", "x"), 8: ("yes", "y"), 15: ("na", "no numbers")}
    result = {i.number: i for i in cci.score({8: "no"}, auto).items}
    assert (result[7].how, result[7].answer) == ("automatic", "no")
    assert (result[8].how, result[8].answer, result[8].note) == (
        "overridden", "no", "automatic said yes")
    assert [result[n].answer for n in (15, 16, 17)] == ["na"] * 3


def _series(tmp_path: Path, cci_yaml: str) -> Path:
    src = tmp_path / "src"
    (src / "parts").mkdir(parents=True)
    (src / "series.yaml").write_text(
        "title: T\nslug: t\nlanguage: en\nbase_url: https://example.org/\n"
        "timezone: UTC\npublisher: P\nauthors: [{name: A}]\nlicense: CC-BY-4.0\n"
        "description: d\n", encoding="utf-8")
    (src / "parts" / "01-a.md").write_text(
        "---\ntitle: A\npart: 1\nslug: a\nsummary: s\npublish_at: 2025-01-01\n"
        f"{cci_yaml}---\n\nTake 2 pills.\n\n- a\n- b\n\n## More\n\nText.\n", encoding="utf-8")
    return src


@pytest.mark.parametrize(("yaml", "message"), [
    ("cci:\n  1: yes\n  21: no\n", "parts/01-a.md:9:3: cci.21: '21' is not an item of the "
     "Clear Communication Index; its items are numbered 1 to 20"),
    ("cci:\n  2: maybe\n", "parts/01-a.md:8:6: cci.2: Input should be 'yes', 'no' or 'na'"),
    ("cci:\n  1: yes\n  3: n/a\n", "parts/01-a.md:9:6: cci.3: item 3 is a core item (1 to 11), "
     "which always applies; answer yes or no"),
])
def test_bad_answers_are_errors_with_positions(tmp_path: Path, yaml: str, message: str) -> None:
    src = _series(tmp_path, yaml)
    result = CliRunner().invoke(main, ["cci", "1", "--source", str(src)])
    assert result.exit_code == 1
    assert f"{src}/{message}" in result.output


def test_cli_prints_score_and_how_each_item_was_got(tmp_path: Path) -> None:
    src = _series(tmp_path, "cci: {1: yes, 2: yes, 12: na, 18: na, 17: no}\n")
    result = CliRunner().invoke(main, ["cci", str(src / "parts" / "01-a.md")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{src}/parts/01-a.md: part 1, A"
    # 1, 2, 7, 8, 15, 17 of the 14 applicable items (12-14 and 18-20 do not apply)
    assert lines[1] == "CDC Clear Communication Index: 43 out of 100 (6 of 14 applicable items)"
    assert "Automatic: 7, 8, 15" in lines
    assert "Answered: 1, 2, 12, 17, 18" in lines
    assert "Unanswered (no point; answer them under cci:): 3, 4, 5, 6, 9, 10, 11, 16" in lines
    assert lines[-1].startswith("A helper, not a validated instrument")
    assert CliRunner().invoke(main, ["cci", "7", "--source", str(src)]).exit_code == 2


def test_every_part_of_the_example_series_gets_a_score() -> None:
    runner = CliRunner()
    for n in range(1, 7):
        result = runner.invoke(main, ["cci", str(n), "--source", str(ROOT / "content")])
        assert result.exit_code == 0, result.output
        assert " out of 100 (" in result.output.splitlines()[1]
        assert "Automatic: 7, 8, 15" in result.output
        assert "Unanswered" not in result.output


def test_cci_answers_re_render_nothing(tmp_path: Path) -> None:
    """No output shows the answers, so they are not part of what planning hashes."""
    from ketapub.load import load
    from ketapub.plan import _part_hashes

    plain = load(_series(tmp_path / "a", "# no answers yet\n"))  # the body starts on the same line
    answered = load(_series(tmp_path / "b", "cci: {1: yes, 12: na}\n"))
    assert answered.parts[0].cci == {1: "yes", 12: "na"}
    assert _part_hashes(plain) == _part_hashes(answered)
    other = _series(tmp_path / "c", "# no answers yet\n")
    part = other / "parts" / "01-a.md"
    part.write_text(part.read_text(encoding="utf-8").replace("title: A", "title: B"),
                    encoding="utf-8")
    assert _part_hashes(load(other)) != _part_hashes(plain)
