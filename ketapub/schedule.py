"""Release rules: what is released as of an instant, and when the next release is.

A part is released when ``publish_at <= as_of``, exact to the microsecond. ``as_of`` comes from
the caller, else ``SOURCE_DATE_EPOCH`` (reproducible builds), else the clock: the one place
ketapub reads the clock, and only to pick ``as_of``; no output ever contains it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ketapub.errors import UsageError
from ketapub.model import DATE_RANGE, Part, Series, parse_instant

AsOf = datetime | date | str | None
"""What every ``as_of`` accepts: an aware or naive datetime, a date, an ISO 8601 string
(date-only or date-time, with or without offset), or None for SOURCE_DATE_EPOCH, else now."""


def resolve_as_of(value: AsOf, tz: ZoneInfo | None = None,
                  environ: Mapping[str, str] | None = None) -> datetime:
    """The build instant as an aware UTC datetime: ``value``, else SOURCE_DATE_EPOCH, else now.

    The clock is read here only, and only when neither ``value`` nor SOURCE_DATE_EPOCH is set.

    Args:
        value: the instant (see :data:`AsOf`); None: SOURCE_DATE_EPOCH, else now.
        tz: zone of a naive date-time or a date alone in ``value``; default UTC.
        environ: where to read SOURCE_DATE_EPOCH; default ``os.environ``.

    Raises:
        UsageError: ``value`` is not an ISO 8601 instant, or SOURCE_DATE_EPOCH is not a
            whole number.
    """
    env = os.environ if environ is None else environ
    if value is not None:
        try:
            return parse_instant(value, tz or ZoneInfo("UTC")).astimezone(UTC)
        except ValueError as exc:
            raise UsageError(f"--as-of: {exc}") from None
    epoch = env.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return parse_instant(datetime.fromtimestamp(int(epoch), UTC), ZoneInfo("UTC"))
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds "
                             f"since 1970-01-01 in the range {DATE_RANGE}") from None
    return datetime.now(UTC).replace(microsecond=0)


def _instant(as_of: AsOf, tz: ZoneInfo | None) -> datetime:
    if isinstance(as_of, datetime) and as_of.tzinfo is not None:
        return as_of  # the hot path: renderers ask with the build's own aware instant
    return resolve_as_of(as_of, tz)


def released(part: Part, as_of: AsOf = None, tz: ZoneInfo | None = None) -> bool:
    """True when ``part`` is out as of ``as_of`` (``publish_at <= as_of``, to the microsecond).

    Args:
        part: a part of a loaded series.
        as_of: the instant, as ``build`` accepts it (datetime, date, ISO 8601 string with or
            without time or offset); default None: SOURCE_DATE_EPOCH, else now.
        tz: zone of a naive time or a date alone in ``as_of``; default the zone of the part's
            ``publish_at`` when it is a named zone (the series timezone, for a release written
            without offset), else UTC. Pass ``series.tz`` to match ``build`` exactly.
    """
    if tz is None and isinstance(part.publish_at.tzinfo, ZoneInfo):
        tz = part.publish_at.tzinfo
    return part.publish_at <= _instant(as_of, tz)


def released_parts(series: Series, as_of: datetime) -> tuple[Part, ...]:
    return tuple(p for p in series.parts if released(p, as_of))


def unreleased_parts(series: Series, as_of: datetime) -> tuple[Part, ...]:
    return tuple(p for p in series.parts if not released(p, as_of))


def next_release(series: Series, as_of: AsOf = None) -> datetime | None:
    """The earliest release instant after ``as_of``, or None when every part is out.

    Args:
        series: a loaded series.
        as_of: the instant, as ``build`` accepts it (datetime, date, ISO 8601 string with or
            without time or offset; a naive one is in the series timezone); default None:
            SOURCE_DATE_EPOCH, else now.
    """
    when = _instant(as_of, series.tz)
    upcoming = [p.publish_at for p in series.parts if not released(p, when)]
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
