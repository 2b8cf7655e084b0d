"""Release rules that the mutation run (``make mutate``) found untested."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

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
