"""The release calendar (feed/schedule.ics): every release, stable UIDs, content dates."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import icalendar
from click.testing import CliRunner

import ketapub
from ketapub.cli import main
from tests.conftest import CONTENT, CONTENT_AS_OF, SINK_AS_OF


def ics(source: object, as_of: object) -> bytes:
    return ketapub.render(source, "ics", as_of=as_of)["feed/schedule.ics"]


def events(data: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def test_one_event_per_part_released_or_not(content_series):
    evs = events(ics(content_series, CONTENT_AS_OF))
    assert len(evs) == len(content_series.parts) == 6
    by_url = {str(e["URL"]): e for e in evs}
    for p in content_series.parts:
        ev = by_url[content_series.part_url(p)]
        assert ev.decoded("DTSTART") == p.publish_at
        assert ev.decoded("DTSTART").tzinfo is not None
        assert str(ev["SUMMARY"]) == p.title
        assert str(ev["DESCRIPTION"]) == p.summary
    # Part 6: Sep 15, 2025 09:00 New York is 13:00 UTC, written as UTC.
    assert b"DTSTART:20250915T130000Z" in ics(content_series, CONTENT_AS_OF)


def test_calendar_is_well_formed_icalendar(content_series):
    data = ics(content_series, CONTENT_AS_OF)
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"])
    assert str(cal["METHOD"]) == "PUBLISH"
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in ln for ln in lines)  # CRLF only
    assert all(len(ln) <= 75 for ln in lines), "lines must be folded at 75 octets"
    for ev in cal.walk("VEVENT"):
        for required in ("UID", "DTSTAMP", "DTSTART"):
            assert required in ev


def test_uids_are_unique_and_stable_across_time_and_rescheduling(content_copy):
    series = ketapub.load(content_copy)
    before = {str(e["URL"]): str(e["UID"]) for e in events(ics(series, "2025-08-01"))}
    after = {str(e["URL"]): str(e["UID"]) for e in events(ics(series, "2026-01-01"))}
    assert before == after
    assert len(set(before.values())) == 6
    # Move Part 6 a week later: its event keeps its UID (clients move it, not duplicate it).
    path = content_copy / "parts" / "06-patient-experience.md"
    text = path.read_text("utf-8")
    path.write_text(text.replace("publish_at: 2025-09-15T09:00:00",
                                 "publish_at: 2025-09-22T09:00:00"), "utf-8")
    moved = ketapub.load(content_copy)
    evs = {str(e["URL"]): e for e in events(ics(moved, "2025-08-01"))}
    url = moved.part_url(moved.get_part(6))
    assert str(evs[url]["UID"]) == before[url]
    assert evs[url].decoded("DTSTART") == datetime(2025, 9, 22, 13, tzinfo=UTC)


def test_dtstamp_comes_from_content_not_the_clock(content_series, sink_series):
    data = ics(content_series, CONTENT_AS_OF)
    stamps = {e.decoded("DTSTAMP") for e in events(data)}
    # Newest released content date as of CONTENT_AS_OF: Part 4, 2025-09-01 13:00 UTC.
    assert stamps == {datetime(2025, 9, 1, 13, tzinfo=UTC)}
    assert ics(content_series, "2025-09-02T00:00:00Z") == data  # same release state
    # Kitchen sink: part 1 carries an updated_at; the newest date is part 2's release.
    sink = {e.decoded("DTSTAMP") for e in events(ics(sink_series, SINK_AS_OF))}
    assert sink == {datetime(2025, 2, 10, 9, tzinfo=UTC)}


def test_schedule_json_next_release_is_the_next_calendar_event(content_series):
    result = CliRunner().invoke(main, ["schedule", str(CONTENT), "--as-of", CONTENT_AS_OF,
                                       "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    as_of = ketapub.resolve_as_of(CONTENT_AS_OF)
    starts = sorted(e.decoded("DTSTART") for e in events(ics(content_series, CONTENT_AS_OF)))
    upcoming = [s for s in starts if s > as_of]
    assert datetime.fromisoformat(report["next_release"]) == upcoming[0]
    assert upcoming[0] == datetime(2025, 9, 8, 13, tzinfo=UTC)
    scheduled = [p for p in report["parts"] if p["status"] == "scheduled"]
    assert sorted(datetime.fromisoformat(p["publish_at"]) for p in scheduled) == upcoming
    # One second before the last release it is still next; at it, there is none.
    last = starts[-1]
    for at, expected in ((last - timedelta(seconds=1), last), (last, None)):
        out = CliRunner().invoke(main, ["schedule", str(CONTENT), "--as-of", at.isoformat(),
                                        "--json"])
        nxt = json.loads(out.output)["next_release"]
        assert (datetime.fromisoformat(nxt) if nxt else None) == expected


def test_calendar_is_built_by_the_pipeline(content_series, tmp_path):
    result = ketapub.build(content_series, tmp_path / "out", formats=["ics"], as_of=CONTENT_AS_OF)
    assert result.ok
    entry = next(a for a in result.artifacts if a.path == "feed/schedule.ics")
    assert entry.media_type.startswith("text/calendar")
    data = (tmp_path / "out" / "feed" / "schedule.ics").read_bytes()
    assert data == ics(content_series, CONTENT_AS_OF)
    assert re.search(rb"SOURCE;VALUE=URI:https://learn\.example\.org/ketamine/feed/schedule\.ics",
                     data)
