"""Release rules: what is released as of an instant, and when the next release is.

A part is released when ``publish_at <= as_of``, exact to the microsecond. ``as_of`` comes from
the caller, else ``SOURCE_DATE_EPOCH`` (reproducible builds), else the clock: the one place
ketapub reads the clock, and only to pick ``as_of``; no output ever contains it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ketapub.errors import UsageError
from ketapub.model import Part, Series, parse_instant


def resolve_as_of(value: datetime | str | None, tz: ZoneInfo | None = None,
                  environ: Mapping[str, str] | None = None) -> datetime:
    """The build instant: ``value``, else SOURCE_DATE_EPOCH, else now (aware, UTC)."""
    env = os.environ if environ is None else environ
    if value is not None:
        try:
            return parse_instant(value, tz or ZoneInfo("UTC")).astimezone(UTC)
        except ValueError as exc:
            raise UsageError(f"--as-of: {exc}") from None
    epoch = env.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError):
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds "
                             "since 1970-01-01") from None
    return datetime.now(UTC).replace(microsecond=0)


def released(part: Part, as_of: datetime) -> bool:
    return part.publish_at <= as_of


def released_parts(series: Series, as_of: datetime) -> tuple[Part, ...]:
    return tuple(p for p in series.parts if released(p, as_of))


def unreleased_parts(series: Series, as_of: datetime) -> tuple[Part, ...]:
    return tuple(p for p in series.parts if not released(p, as_of))


def next_release(series: Series, as_of: datetime) -> datetime | None:
    """The earliest release instant after ``as_of``, or None when everything is out."""
    upcoming = [p.publish_at for p in series.parts if not released(p, as_of)]
    return min(upcoming, key=lambda d: d.astimezone(UTC)) if upcoming else None


@dataclass(frozen=True)
class Entry:
    part: int
    slug: str
    title: str
    release: datetime
    released: bool


def entries(series: Series, as_of: datetime) -> list[Entry]:
    return [Entry(p.part, p.slug, p.title, p.publish_at.astimezone(series.tz),
                  released(p, as_of)) for p in series.parts]


def updated(part: Part, as_of: datetime) -> datetime | None:
    """The part's ``updated_at`` once it has come, else None.

    An ``updated_at`` after ``as_of`` is not yet true (the update is scheduled, or the source
    was edited ahead of time): until then no output says the part was updated, so none
    carries a date after its ``as_of``.
    """
    return part.updated_at if part.updated_at is not None and part.updated_at <= as_of else None


def modified(part: Part, as_of: datetime) -> datetime:
    """The part's last-modified instant as of ``as_of``: its update if one has come, else its
    release. The one rule behind every "Updated" line and modification date of every output."""
    return updated(part, as_of) or part.publish_at


def last_modified(series: Series, as_of: datetime) -> datetime | None:
    """The newest :func:`modified` instant among released parts (a content date)."""
    dates = [modified(p, as_of) for p in released_parts(series, as_of)]
    return max(dates, key=lambda d: d.astimezone(UTC)) if dates else None
