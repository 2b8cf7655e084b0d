"""Review due dates: one rule (a part's own date or interval, else the series'), shown as
"...; next review due <date>" in every format that shows the review, checked by `validate`
as of an instant (a warning from 30 days before, an error under --strict once overdue) and
listed by `schedule --json`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import ketapub
from ketapub.cli import main
from ketapub.model import Interval
from tests.helpers import SERIES as PLAIN_SERIES
from tests.helpers import make_source, part
from tests.lifecycle_source import DUE, SERIES, epub_text, pdf_text, write_lifecycle_source

AS_OF = "2026-02-15T00:00:00Z"  # every part out, part 1 corrected, nothing ended yet


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_lifecycle_source(tmp_path_factory.mktemp("review") / "src")


@pytest.fixture(scope="module")
def made(source: Path) -> dict[str, bytes]:
    series = ketapub.load(source)
    out = ketapub.render(series, ["html", "txt", "md", "epub"], as_of=AS_OF)
    out |= ketapub.render(series, "pdf", as_of=AS_OF, path="pdf/01-one.pdf")
    out |= ketapub.render(series, "pdf", as_of=AS_OF, path="pdf/booklet.pdf")
    return out


def test_interval_counts_calendar_months_and_weeks() -> None:
    assert Interval.model_validate("12 months").after(date(2024, 2, 29)) == date(2025, 2, 28)
    assert Interval.model_validate("1 month").after(date(2025, 1, 31)) == date(2025, 2, 28)
    assert Interval.model_validate("6 weeks").after(date(2025, 1, 1)) == date(2025, 2, 12)
    assert Interval.model_validate("2 years").after(date(2025, 3, 1)) == date(2027, 3, 1)
    assert Interval.model_validate("90 Days").after(date(2025, 1, 1)) == date(2025, 4, 1)


def test_due_dates_follow_one_rule(source: Path) -> None:
    from ketapub.review_due import due

    series = ketapub.load(source)
    assert [due(series, p) for p in series.parts] == [
        date(2027, 1, 2), date(2026, 6, 30), date(2026, 12, 1)]
    assert due(series, None) == date(2026, 12, 1)


def test_every_format_shows_the_due_date_beside_the_review(made: dict[str, bytes]) -> None:
    own = f"Medically reviewed by Dr Own on 2 January 2026; next review due {DUE[1]}."
    series_line = (f"Medically reviewed by Dr Series, MD on 1 December 2025; next review due "
                   f"{DUE[3]}.")
    assert own in pdf_text(made["pdf/01-one.pdf"])
    booklet = pdf_text(made["pdf/booklet.pdf"])
    # the series' review up front, and in part 3's chapter (its handout), which has none
    assert booklet.count(series_line) == 2
    assert own in booklet
    # part 2 has no reviewer of its own but its own date: its chapter prints it with the
    # series' reviewer, as its handout does
    assert booklet.count(f"Medically reviewed by Dr Series, MD on 1 December 2025; next review "
                         f"due {DUE[2]}.") == 1
    book = epub_text(made["epub/harbor-notes.epub"])
    assert own in book and series_line in book and f"Next review due {DUE[2]}." in book
    assert own in " ".join(made["txt/01-one.txt"].decode().split())
    assert own in " ".join(made["md/01-one.md"].decode().split())
    assert (f"Medically reviewed by Dr Series, MD on 1 December 2025; next review due {DUE[2]}."
            in " ".join(made["txt/02-two.txt"].decode().split()))
    fragment = made["html/one.html"].decode()
    assert ('Medically reviewed by Dr Own on <time datetime="2026-01-02">2 Jan 2026</time>; '
            'next review due <time datetime="2027-01-02">2 Jan 2027</time>') in fragment


def test_a_due_date_without_a_review_is_shown_alone(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one")},
                      series=PLAIN_SERIES + "next_review: 2027-09-15\n")
    out = ketapub.render(src, ["txt", "html"], as_of="2026-01-01")
    assert "Next review due September 15, 2027." in out["txt/01-one.txt"].decode()
    assert ('Next review due <time datetime="2027-09-15">Sep 15, 2027</time>'
            in out["html/one.html"].decode())


@pytest.mark.parametrize(("interval", "next_review", "problem"), [
    ("12 months", "2026-12-02", "next_review (2026-12-02) disagrees with review_interval "
                                "(12 months) after reviewed_on (2025-12-01), which gives "
                                "2026-12-01"),
    ("a year", None, "'a year' is not an interval"),
])
def test_inconsistent_or_unreadable_due_dates_are_errors_at_their_key(
        tmp_path: Path, interval: str, next_review: str | None, problem: str) -> None:
    series = SERIES.replace("review_interval: 12 months\n", f"review_interval: {interval}\n")
    if next_review:
        series += f"next_review: {next_review}\n"
    src = write_lifecycle_source(tmp_path / "src", series)
    result = CliRunner().invoke(main, ["validate", str(src)])
    assert result.exit_code == 1
    line = 14 if next_review else 13  # next_review, else review_interval
    assert f"{src}/series.yaml:{line}:" in result.output and problem in result.output


def test_an_interval_with_no_review_date_to_count_from_is_an_error(tmp_path: Path) -> None:
    series = SERIES.replace("""medical_review:
  reviewer: "Dr Series"
  credentials: "MD"
  reviewed_on: 2025-12-01
""", "")
    src = write_lifecycle_source(tmp_path / "src", series)
    with pytest.raises(ketapub.SourceError) as caught:
        ketapub.load(src)
    (problem,) = caught.value.diagnostics  # part 3: no reviewed_on, no series review
    assert (problem.path, problem.line, problem.column) == (f"{src}/series.yaml", 9, 18)
    assert "part 3 has no review date to count from" in problem.message


def _validate(src: Path, as_of: str, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(src), "--as-of", as_of, *extra])
    return result.exit_code, result.output


def test_validate_warns_from_thirty_days_before_and_fails_strict_once_overdue(
        source: Path) -> None:
    where = f"{source}/parts/02-two.md:7:1: "
    # part 2 is due 2026-06-30 (UTC series): 31 days before, nothing
    code, out = _validate(source, "2026-05-30T23:59:59Z", "--strict")
    assert code == 0 and "medical review" not in out
    code, out = _validate(source, "2026-05-31T00:00:00Z", "--strict")
    assert code == 0, out
    assert where + "warning: medical review due for part 2 on 2026-06-30, in 30 days" in out
    code, out = _validate(source, "2026-06-30T23:59:59Z", "--strict")
    assert code == 0 and "due for part 2 on 2026-06-30, today" in out
    code, out = _validate(source, "2026-07-01T00:00:00Z")  # overdue: a warning without strict
    assert code == 0
    assert where + "warning: medical review overdue for part 2: due 2026-06-30, 1 day ago" in out
    code, out = _validate(source, "2026-07-01T00:00:00Z", "--strict")
    assert code == 1
    assert where + "medical review overdue for part 2: due 2026-06-30, 1 day ago" in out
    # the series-wide date names its parts once, at the series key
    code, out = _validate(source, "2026-12-02T00:00:00Z")
    assert f"{source}/series.yaml:13:1: warning: medical review overdue for part 3:" in out


def test_schedule_json_lists_review_due_dates(source: Path) -> None:
    result = CliRunner().invoke(main, ["schedule", str(source), "--json", "--as-of", AS_OF])
    data = json.loads(result.output)
    assert [p["review_due"] for p in data["parts"]] == ["2027-01-02", "2026-06-30", "2026-12-01"]
