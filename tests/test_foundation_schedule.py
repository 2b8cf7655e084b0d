"""Release rules, exact to the second, with date-only, naive and DST-crossing times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import ketapub
from ketapub import schedule
from ketapub.cli import main
from ketapub.errors import UsageError
from tests.helpers import make_source, part

NY = ZoneInfo("America/New_York")


@pytest.fixture
def series(tmp_path: Path) -> ketapub.Series:
    return ketapub.load(make_source(tmp_path / "s", {
        "01.md": part(1, "one", publish_at="2025-03-08T09:00:00"),       # before DST (EST)
        "02.md": part(2, "two", publish_at="2025-03-10T09:00:00"),       # after DST (EDT)
        "03.md": part(3, "three", publish_at="2025-11-03"),             # date only, EST
        "04.md": part(4, "four", publish_at="2025-06-01T12:00:00+02:00"),  # explicit offset
    }))


def test_naive_and_date_only_times_are_in_the_series_timezone(series: ketapub.Series) -> None:
    p = {x.part: x.publish_at.astimezone(UTC) for x in series.parts}
    assert p[1] == datetime(2025, 3, 8, 14, 0, tzinfo=UTC)   # 09:00 EST = UTC-5
    assert p[2] == datetime(2025, 3, 10, 13, 0, tzinfo=UTC)  # 09:00 EDT = UTC-4 (after DST)
    assert p[3] == datetime(2025, 11, 3, 5, 0, tzinfo=UTC)   # 00:00 EST
    assert p[4] == datetime(2025, 6, 1, 10, 0, tzinfo=UTC)   # offset kept


def test_released_exactly_at_the_instant_not_a_second_before(series: ketapub.Series) -> None:
    two = series.get_part(2)
    assert two is not None
    instant = two.publish_at
    assert not schedule.released(two, instant - timedelta(seconds=1))
    assert schedule.released(two, instant)
    assert schedule.released(two, instant + timedelta(seconds=1))


def test_next_release(series: ketapub.Series) -> None:
    as_of = datetime(2025, 3, 9, tzinfo=UTC)
    assert schedule.next_release(series, as_of) == series.get_part(2).publish_at  # type: ignore[union-attr]
    assert schedule.next_release(series, datetime(2030, 1, 1, tzinfo=UTC)) is None
    at = series.get_part(4).publish_at  # type: ignore[union-attr]
    assert schedule.next_release(series, at) == series.get_part(3).publish_at  # type: ignore[union-attr]


def test_as_of_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    assert schedule.resolve_as_of("2025-01-02", NY) == datetime(2025, 1, 2, 5, tzinfo=UTC)
    assert schedule.resolve_as_of(None, NY, {"SOURCE_DATE_EPOCH": "1700000000"}) == \
        datetime.fromtimestamp(1700000000, UTC)
    # an explicit as_of wins over SOURCE_DATE_EPOCH
    assert schedule.resolve_as_of("2025-01-02T00:00:00Z", NY, {"SOURCE_DATE_EPOCH": "1"}).year \
        == 2025
    with pytest.raises(UsageError):
        schedule.resolve_as_of("soon", NY)
    with pytest.raises(UsageError):
        schedule.resolve_as_of(None, NY, {"SOURCE_DATE_EPOCH": "yesterday"})
    before = datetime.now(UTC).replace(microsecond=0)  # whole seconds, like the build instant
    now = schedule.resolve_as_of(None, NY, {})
    assert before <= now <= datetime.now(UTC)  # the wall clock, however slow this machine is


def test_schedule_command_json(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01.md": part(1, "one", publish_at="2025-03-10T09:00:00"),
                                         "02.md": part(2, "two", publish_at="2025-03-17T09:00:00")})
    result = CliRunner().invoke(main, ["schedule", str(root), "--json",
                                       "--as-of", "2025-03-10T09:00:00"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["next_release"] == "2025-03-17T09:00:00-04:00"
    assert [p["status"] for p in data["parts"]] == ["released", "scheduled"]
    # one second earlier, part 1 is not out yet
    early = json.loads(CliRunner().invoke(main, ["schedule", str(root), "--json", "--as-of",
                                                  "2025-03-10T08:59:59"]).output)
    assert early["next_release"] == "2025-03-10T09:00:00-04:00"
    assert early["parts"][0]["status"] == "scheduled"


def test_schedule_command_table(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01.md": part(1, "one", publish_at="2025-03-10T09:00:00")})
    result = CliRunner().invoke(main, ["schedule", str(root), "--as-of", "2025-01-01"])
    assert result.exit_code == 0
    assert "2025-03-10 09:00 EDT" in result.output and "scheduled" in result.output
    assert "next release: 2025-03-10T09:00:00-04:00" in result.output
