"""Atheris fuzz target for the release calendar: any text as the series title, description
and a part's title and summary gives one calendar of exactly one event per part, whose text
properties read back as the text the series shows.

    .venv/bin/python fuzz/fuzz_calendar.py -max_total_time=300 -rss_limit_mb=2048 -timeout=10

See fuzz/README.md.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import icalendar
    import yaml

    import ketapub
    from ketapub.errors import SourceError

ROOT = Path(tempfile.mkdtemp(prefix="ketapub-fuzz-ics-"))
_UNESCAPE = re.compile(r"\\([\\;,nN])")


def text(value: object) -> str:
    """RFC 5545 TEXT unescaped (icalendar leaves X- properties escaped)."""
    return _UNESCAPE.sub(lambda m: "\n" if m[1] in "nN" else m[1], str(value))


def TestOneInput(data: bytes) -> None:  # the name atheris expects
    fdp = atheris.FuzzedDataProvider(data)
    title, description, part_title, summary = (fdp.ConsumeUnicode(200) for _ in range(4))
    series = {"title": title, "description": description, "language": "en",
              "base_url": "https://example.org/", "publisher": "p", "authors": [{"name": "a"}]}
    (ROOT / "parts").mkdir(parents=True, exist_ok=True)
    (ROOT / "series.yaml").write_text(yaml.safe_dump(series, allow_unicode=True), "utf-8")
    front = {"title": part_title, "part": 1, "slug": "one", "summary": summary,
             "publish_at": "2025-01-01"}
    (ROOT / "parts" / "01-one.md").write_text(
        "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\nText.\n", "utf-8")
    try:
        loaded = ketapub.load(ROOT)
    except SourceError:
        return  # an empty title, a control character...: a located message, tested elsewhere
    data_ics = ketapub.render(loaded, "ics", as_of="2025-06-01")["feed/schedule.ics"]
    lines = data_ics.replace(b"\r\n ", b"").split(b"\r\n")
    if lines.count(b"BEGIN:VEVENT") != 1 or lines.count(b"END:VCALENDAR") != 1:
        raise AssertionError("text forged a calendar line")
    cal = icalendar.Calendar.from_ical(data_ics)
    (event,) = cal.walk("VEVENT")
    if text(cal["X-WR-CALNAME"]) != loaded.title or str(event["SUMMARY"]) != \
            loaded.parts[0].title:
        raise AssertionError("a text property did not read back")


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
