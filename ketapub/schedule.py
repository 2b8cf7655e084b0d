"""Release rules: what is published as of an instant, and when the next change is.

A part is released when ``publish_at <= as_of``, exact to the microsecond, and published while
it is released and has not ended (``expires_at`` or ``withdrawn.on``, also exact): every
output shows the published parts only. Corrections (``changes``) and ``updated_at`` count
from their instants the same way. ``as_of`` comes from
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
from ketapub.model import DATE_RANGE, Change, Part, Series, parse_instant

AsOf = datetime | date | str | None
"""What every ``as_of`` accepts: an aware or naive datetime, a date, an ISO 8601 string
(date-only or date-time, with or without offset), or None for SOURCE_DATE_EPOCH, else now."""


def resolve_as_of(value: AsOf, tz: ZoneInfo | None = None,
                  environ: Mapping[str, str] | None = None) -> datetime:
    """The build instant as an aware UTC datetime: ``value``, else SOURCE_DATE_EPOCH, else now.

    The clock is read here only, and only when neither ``value`` nor SOURCE_DATE_EPOCH is set.

    Args:
        value: the instant (see ``AsOf``); None: SOURCE_DATE_EPOCH, else now.
        tz: zone of a naive date-time or a date alone in ``value``; default UTC.
        environ: where to read SOURCE_DATE_EPOCH; default ``os.environ``.

    Raises:
        UsageError: ``value`` is not an ISO 8601 instant, or SOURCE_DATE_EPOCH is not a
            whole number.

    Examples:
        A date alone is its midnight in ``tz``:

        >>> from zoneinfo import ZoneInfo
        >>> from ketapub import resolve_as_of
        >>> resolve_as_of("2025-09-01", ZoneInfo("America/New_York")).isoformat()
        '2025-09-01T04:00:00+00:00'
        >>> resolve_as_of(None, environ={"SOURCE_DATE_EPOCH": "0"}).isoformat()
        '1970-01-01T00:00:00+00:00'
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

    Examples:
        >>> from ketapub import released, testing
        >>> [p.slug for p in testing.sample_series().parts if released(p, "2025-03-01")]
        ['first', 'second']
    """
    if tz is None and isinstance(part.publish_at.tzinfo, ZoneInfo):
        tz = part.publish_at.tzinfo
    return part.publish_at <= _instant(as_of, tz)


def ended(part: Part, as_of: datetime) -> bool:
    """Whether ``part`` has expired or been withdrawn as of ``as_of``.

    Its end instant has come, exact to the microsecond.

    Args:
        part: a part of a loaded series.
        as_of: the instant (aware).
    """
    end = part.ends_at
    return end is not None and end <= as_of


def published(part: Part, as_of: datetime) -> bool:
    """True when ``part`` is released and has not ended as of ``as_of``: what outputs show.

    Args:
        part: a part of a loaded series.
        as_of: the instant (aware).
    """
    return released(part, as_of) and not ended(part, as_of)


def released_parts(series: Series, as_of: datetime) -> tuple[Part, ...]:
    """The parts published as of ``as_of`` (released, not expired or withdrawn).

    Args:
        series: a loaded series.
        as_of: the instant (aware).
    """
    return tuple(p for p in series.parts if published(p, as_of))


def unreleased_parts(series: Series, as_of: datetime) -> tuple[Part, ...]:
    """The parts whose release is still to come.

    Args:
        series: a loaded series.
        as_of: the instant (aware).
    """
    return tuple(p for p in series.parts if not released(p, as_of))


def ended_parts(series: Series, as_of: datetime) -> tuple[Part, ...]:
    """The parts expired or withdrawn as of ``as_of``.

    Args:
        series: a loaded series.
        as_of: the instant (aware).
    """
    return tuple(p for p in series.parts if ended(p, as_of))


def end_reason(part: Part, language: str) -> str:
    """Why ``part`` ended, for readers.

    The withdrawal's reason, else the expiry sentence (whichever instant comes first).

    Args:
        part: a part that expires or is withdrawn.
        language: the series language, for the expiry sentence.
    """
    from ketapub.i18n import labels

    w = part.withdrawn
    if w is not None and (part.expires_at is None or w.on <= part.expires_at):
        return w.reason
    return labels(language)["expired"]


def changes(part: Part, as_of: datetime) -> tuple[Change, ...]:
    """``part``'s corrections whose instant has come, newest first (ties: as written).

    Args:
        part: a part of a loaded series.
        as_of: the instant (aware).
    """
    shown = [c for c in part.changes if c.on <= as_of]
    return tuple(sorted(shown, key=lambda c: c.on.astimezone(UTC), reverse=True))


def instants(series: Series) -> list[datetime]:
    """Every instant at which some output changes.

    Releases, ends, updates and corrections, sorted, each once. Between two of them every output is
    the same.

    Args:
        series: a loaded series.
    """
    found = {d.astimezone(UTC) for e in series.editions for p in e.parts
             for d in (p.publish_at, p.ends_at, p.updated_at, *(c.on for c in p.changes))
             if d is not None}
    return sorted(found)


def next_change(series: Series, as_of: datetime) -> datetime | None:
    """The first of ``instants()`` after ``as_of`` (None: nothing more is scheduled).

    Args:
        series: a loaded series.
        as_of: the instant (aware).
    """
    return next((d for d in instants(series) if d > as_of), None)


def state(series: Series, as_of: datetime) -> tuple[tuple[int, ...], ...]:
    """What the outputs as of ``as_of`` depend on in time.

    The parts released, ended and updated, and how many corrections each shows. Equal states give
    equal outputs.

    Args:
        series: a loaded series.
        as_of: the instant (aware).
    """
    return (tuple(p.part for p in series.parts if released(p, as_of)),
            tuple(p.part for p in ended_parts(series, as_of)),
            tuple(p.part for p in series.parts if updated(p, as_of) is not None),
            tuple(len(changes(p, as_of)) for p in series.parts),
            *(tuple(p.part for p in e.parts if released(p, as_of))  # each translation's
              for e in series.translations))


def next_release(series: Series, as_of: AsOf = None) -> datetime | None:
    """The earliest release instant after ``as_of``, or None when every part is out.

    Args:
        series: a loaded series.
        as_of: the instant, as ``build`` accepts it (datetime, date, ISO 8601 string with or
            without time or offset; a naive one is in the series timezone); default None:
            SOURCE_DATE_EPOCH, else now.

    Examples:
        A cron job or a cache can wait until then:

        >>> from ketapub import next_release, testing
        >>> next_release(testing.sample_series(), "2025-03-01").isoformat()
        '2030-01-01T00:00:00+00:00'
        >>> next_release(testing.sample_series(), "2031-01-01") is None
        True
    """
    when = _instant(as_of, series.tz)
    upcoming = [p.publish_at for e in series.editions for p in e.parts
                if not released(p, when)]
    return min(upcoming, key=lambda d: d.astimezone(UTC)) if upcoming else None


@dataclass(frozen=True)
class Entry:
    """One row of ``ketapub schedule``: a part's release, status, end and review date."""

    part: int
    slug: str
    title: str
    release: datetime
    released: bool
    ends: datetime | None = None
    """When the part expires or is withdrawn (None: never)."""
    ended: bool = False
    review_due: date | None = None
    """When the part's review is next due (None: no due date given)."""

    @property
    def status(self) -> str:
        """``scheduled``, ``released``, or ``withdrawn`` (expired or withdrawn)."""
        return "withdrawn" if self.ended else "released" if self.released else "scheduled"


def entries(series: Series, as_of: datetime) -> list[Entry]:
    """The schedule of every part as of ``as_of``, in the series timezone.

    Args:
        series: a loaded series.
        as_of: the instant (aware).
    """
    from ketapub.review_due import due

    return [Entry(p.part, p.slug, p.title, p.publish_at.astimezone(series.tz),
                  released(p, as_of),
                  p.ends_at.astimezone(series.tz) if p.ends_at is not None else None,
                  ended(p, as_of), due(series, p)) for p in series.parts]


def updated(part: Part, as_of: datetime) -> datetime | None:
    """The instant ``part`` was last modified, else None.

    The newest of the part's ``updated_at`` and its corrections' instants that has come.

    An ``updated_at`` after ``as_of`` is not yet true (the update is scheduled, or the source
    was edited ahead of time): until then no output says the part was updated, so none
    carries a date after its ``as_of``.

    Args:
        part: a part of a loaded series.
        as_of: the instant (aware).
    """
    found = [d for d in (part.updated_at, *(c.on for c in part.changes))
             if d is not None and d <= as_of]
    return max(found, key=lambda d: d.astimezone(UTC)) if found else None


def modified(part: Part, as_of: datetime) -> datetime:
    """The part's last-modified instant as of ``as_of``.

    Its update if one has come, else its release. The one rule behind every "Updated" line and
    modification date of every output.

    Args:
        part: a part of a loaded series.
        as_of: the instant (aware).
    """
    return updated(part, as_of) or part.publish_at


def last_modified(series: Series, as_of: datetime) -> datetime | None:
    """The newest content date of the series.

    The newest ``modified()`` instant among published parts, or end instant of an expired or
    withdrawn part (taking a part down changes the series too): a content date.

    Args:
        series: a loaded series.
        as_of: the instant (aware).
    """
    dates = [modified(p, as_of) for p in released_parts(series, as_of)]
    dates += [p.ends_at for p in ended_parts(series, as_of) if p.ends_at is not None]
    return max(dates, key=lambda d: d.astimezone(UTC)) if dates else None
