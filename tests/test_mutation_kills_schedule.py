"""Release rules that the mutation run (``make mutate``) found untested."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import ketapub
from ketapub import schedule
from tests.helpers import make_source, part

JUNE = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture
def series(tmp_path: Path) -> ketapub.Series:
    return ketapub.load(make_source(tmp_path / "s", {
        "01.md": part(1, "one", publish_at="2025-01-01",
                      extra='updated_at: "2025-03-01T00:00:00Z"\n'),
        "02.md": part(2, "two", publish_at="2025-02-01"),
        "03.md": part(3, "three", publish_at="2030-01-01"),
    }))


def test_a_naive_as_of_without_a_timezone_is_utc() -> None:
    assert schedule.resolve_as_of("2025-01-01T08:00:00") == datetime(2025, 1, 1, 8, tzinfo=UTC)


def test_the_clock_fallback_is_whole_seconds_in_utc() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    now = schedule.resolve_as_of(None, environ={})
    assert now.microsecond == 0
    assert now.utcoffset() is not None and now.utcoffset().total_seconds() == 0
    assert before <= now <= datetime.now(UTC)


def test_released_and_unreleased_parts_split_the_series(series: ketapub.Series) -> None:
    assert [p.part for p in schedule.released_parts(series, JUNE)] == [1, 2]
    assert [p.part for p in schedule.unreleased_parts(series, JUNE)] == [3]


def test_last_modified_is_the_newest_update_or_publish_of_released_parts(
        series: ketapub.Series) -> None:
    # part 1's update (March) is newer than part 2's release (February); part 3 is not out
    assert schedule.last_modified(series, JUNE) == datetime(2025, 3, 1, tzinfo=UTC)
    assert schedule.last_modified(series, datetime(2024, 1, 1, tzinfo=UTC)) is None


def test_a_naive_or_written_as_of_is_in_the_part_s_own_timezone(series: ketapub.Series) -> None:
    one = series.parts[0]  # out at 2025-01-01 00:00 in New York, 05:00 UTC
    assert schedule.released(one, "2025-01-01T00:00:00") is True
    assert schedule.released(one, "2024-12-31T23:59:59") is False
    assert schedule.released(one, datetime(2025, 1, 1, 0, 0)) is True   # naive: New York
    assert schedule.released(one, datetime(2024, 12, 31, 23, 59)) is False
    assert schedule.released(one, "2025-01-01T04:59:59", tz=ZoneInfo("UTC")) is False
    assert schedule.released(one, datetime(2025, 1, 1, 5, tzinfo=UTC)) is True
    assert schedule.released(one, datetime(2025, 1, 1, 4, 59, 59, tzinfo=UTC)) is False


def test_a_part_with_a_fixed_offset_reads_a_naive_as_of_as_utc(tmp_path: Path) -> None:
    fixed = ketapub.load(make_source(tmp_path / "f", {
        "01.md": part(1, "one", publish_at="2025-01-01T10:00:00+02:00")})).parts[0]
    assert schedule.released(fixed, "2025-01-01T08:00:00") is True   # 08:00 UTC
    assert schedule.released(fixed, "2025-01-01T07:59:59") is False


def test_next_release_accepts_what_build_accepts(series: ketapub.Series) -> None:
    assert schedule.next_release(series, "2025-01-15") == series.parts[1].publish_at
    assert schedule.next_release(series, datetime(2025, 1, 15)) == series.parts[1].publish_at
    assert schedule.next_release(series, "2031-01-01") is None


def test_an_update_counts_from_its_instant(series: ketapub.Series) -> None:
    one = series.parts[0]
    assert schedule.updated(one, datetime(2025, 3, 1, tzinfo=UTC)) == one.updated_at
    assert schedule.updated(one, datetime(2025, 2, 28, 23, 59, 59, tzinfo=UTC)) is None
    assert schedule.modified(one, datetime(2025, 2, 1, tzinfo=UTC)) == one.publish_at
    assert schedule.modified(one, JUNE) == datetime(2025, 3, 1, tzinfo=UTC)
    # before the update, last_modified is part 2's release, the newer of the two
    assert schedule.last_modified(series, datetime(2025, 2, 15, tzinfo=UTC)) == \
        series.parts[1].publish_at
