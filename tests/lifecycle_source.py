"""A small series with every dated event of a part's life after release: review due dates
(series interval, a part's own date), a correction, a withdrawal and an expiry, each at an
instant the tests stand one second before, at, and one second after."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdf

from tests.helpers import make_source, part

SECOND = timedelta(seconds=1)
RELEASES = {1: datetime(2026, 1, 5, 9, tzinfo=UTC), 2: datetime(2026, 1, 12, 9, tzinfo=UTC),
            3: datetime(2026, 1, 19, 9, tzinfo=UTC)}
CHANGED = datetime(2026, 2, 1, 10, 0, tzinfo=UTC)          # part 1's correction
WITHDRAWN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)        # part 2 is withdrawn
EXPIRES = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)           # part 3 expires
NOTE = "Corrected the dose in the table."
REASON = "Replaced by newer guidance."
SLUGS = {1: "one", 2: "two", 3: "three"}
TEXT = {1: "Gulls fly over the pier each day.",
        2: "The boat man counts the lamps at dusk.",
        3: "Blue ropes rub on the old quay wall."}

SERIES = """\
title: "Harbor Notes"
description: "A series for lifecycle tests."
language: en-GB
base_url: "https://example.org/harbor/"
timezone: UTC
publisher: "Test Press"
authors:
  - name: "A. Writer"
medical_review:
  reviewer: "Dr Series"
  credentials: "MD"
  reviewed_on: 2025-12-01
review_interval: 12 months
"""
EXTRA = {
    1: f"""reviewed_by: "Dr Own"
reviewed_on: 2026-01-02
changes:
  - on: "{CHANGED:%Y-%m-%dT%H:%M:%SZ}"
    note: "{NOTE}"
""",
    2: f"""next_review: 2026-06-30
withdrawn:
  on: "{WITHDRAWN:%Y-%m-%dT%H:%M:%SZ}"
  reason: "{REASON}"
""",
    3: f"""expires_at: "{EXPIRES:%Y-%m-%dT%H:%M:%SZ}"
""",
}
# Due dates: part 1 counts 12 months from its own review, part 2 gives its date, part 3
# counts from the series' review.
DUE = {1: "2 January 2027", 2: "30 June 2026", 3: "1 December 2026"}


def write_lifecycle_source(root: Path, series: str = SERIES) -> Path:
    links = {1: "\nSee [the lamps](part:2).\n"}  # a cross-reference to the withdrawn part
    parts = {f"{n:02d}-{slug}.md": part(n, slug, TEXT[n] + "\n" + links.get(n, ""),
                                        publish_at=RELEASES[n].strftime("%Y-%m-%dT%H:%M:%SZ"),
                                        extra=EXTRA[n])
             for n, slug in SLUGS.items()}
    return make_source(root, parts, series=series)


def pdf_text(data: bytes) -> str:
    """A PDF's text on one line (line breaks and hyphenation cannot split a phrase)."""
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() or "" for page in pages).split())


def epub_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return "\n".join(book.read(n).decode("utf-8") for n in sorted(book.namelist())
                         if n.endswith(".xhtml"))
