"""When each part's medical review is next due, and what ``validate`` says about it.

One rule for every output and command: a part's own ``next_review`` or ``review_interval``
wins over the series'; an interval counts from the review date shown with the part (its own
``reviewed_on``, else the series' ``medical_review.reviewed_on``). Dates only, read in the
series timezone, so "due" flips at local midnight as the printed date does.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from ketapub.errors import Diagnostic, Severity
from ketapub.model import Interval, Part, Series, SeriesMeta

WARN_DAYS = 30
"""``validate`` warns this many days before a review is due."""


def review_date(series: SeriesMeta, part: Part | None) -> date | None:
    """The review date an interval counts from.

    The part's ``reviewed_on``, else the series' (None: no date to count from).

    Args:
        series: the series (or its metadata).
        part: a part, or None for the series itself.
    """
    if part is not None and part.reviewed_on is not None:
        return part.reviewed_on
    return series.medical_review.reviewed_on if series.medical_review else None


def _counted(start: date | None, interval: Interval | None) -> date | None:
    return None if start is None or interval is None else interval.after(start)


def due(series: SeriesMeta, part: Part | None) -> date | None:
    """The date ``part``'s review is next due, or None.

    ``part`` None: the series' own. None when neither the part nor the series gives one.

    Args:
        series: the series (or its metadata).
        part: a part, or None for the series itself.
    """
    if part is not None and part.next_review is not None:
        return part.next_review
    if part is not None and part.review_interval is not None:
        return _counted(review_date(series, part), part.review_interval)
    if series.next_review is not None:
        return series.next_review
    return _counted(review_date(series, part), series.review_interval)


def own_due(series: SeriesMeta, part: Part) -> date | None:
    """``part``'s review due date when it differs from the series', else None.

    For a whole-series artifact, which prints the series' due date once.

    Args:
        series: the series (or its metadata).
        part: a part of it.
    """
    mine = due(series, part)
    return mine if mine != due(series, None) else None


def uncountable(series: SeriesMeta, parts: tuple[Part, ...] | list[Part]) -> list[Part]:
    """Parts whose ``review_interval`` (their own or the series') has no review date to count from.

    A source error, since no due date can be shown.

    Args:
        series: the series (or its metadata).
        parts: its parts.
    """
    found = []
    for p in parts:
        if p.next_review is not None:
            continue
        interval = p.review_interval or (None if series.next_review else series.review_interval)
        if interval is not None and review_date(series, p) is None:
            found.append(p)
    return found


def check(series: Series, as_of: datetime, source: str) -> list[Diagnostic]:
    """``validate``'s review messages as of ``as_of``.

    A warning from ``WARN_DAYS`` days before a review is due (it stays a warning under
    ``--strict``), and an overdue review, a warning that ``--strict`` makes an error (see
    ``overdue()``). One message per due date and the key that sets it, naming its parts (a
    series-wide date is reported once).

    Args:
        series: the loaded series.
        as_of: the instant checked (``validate --as-of``, else the build's default).
        source: the source folder as the user wrote it, for the messages' paths.
    """
    today = as_of.astimezone(series.tz).date()
    grouped: dict[tuple[str, int, int, date], list[int]] = {}
    for p in series.parts:
        when = due(series, p)
        if when is not None and (when - today).days <= WARN_DAYS:
            grouped.setdefault((*_where(series, p, source), when), []).append(p.part)
    found = []
    for (shown, line, column, when), numbers in sorted(grouped.items()):
        days = (when - today).days
        which = f"part{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}"
        if days < 0:
            message = (f"{OVERDUE} for {which}: due {when.isoformat()}, {_days(-days)} ago; "
                       "review, then update reviewed_on and next_review or review_interval")
        else:
            message = (f"medical review due for {which} on {when.isoformat()}, "
                       + ("today" if days == 0 else f"in {_days(days)}"))
        found.append(Diagnostic(shown, line, column, message, Severity.WARNING))
    return found


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


OVERDUE = "medical review overdue"


def _where(series: Series, part: Part, source: str) -> tuple[str, int, int]:
    """The file, line and column of the key that sets ``part``'s due date.

    Its own ``next_review``/``review_interval``, else the series' (else its ``reviewed_on``).
    """
    own = part.next_review is not None or part.review_interval is not None
    rel = part.source.path if own else "series.yaml"
    folder = source.rstrip("/")
    shown = f"{folder}/{rel}" if folder not in ("", ".") else rel
    return (shown, *key_position(Path(source) / rel,
                                 ("next_review", "review_interval", "reviewed_on")))


def key_position(path: Path, keys: tuple[str, ...]) -> tuple[int, int]:
    """Line and column of the first of ``keys`` written in the YAML at ``path``.

    The YAML is a file or a part's front matter; ``keys`` are tried in order; (1, 1) when none is
    written.

    Args:
        path: the YAML file or part file.
        keys: the keys to look for, in order.
    """
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return 1, 1
    for key in keys:
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.lstrip()
            if ":" in stripped and stripped.split(":", 1)[0].strip() == key:
                return number, len(line) - len(stripped) + 1
    return 1, 1


def overdue(diagnostic: Diagnostic) -> bool:
    """Whether a message of ``check()`` is an overdue review (an error under strict).

    Args:
        diagnostic: a message of ``check()``.
    """
    return diagnostic.message.startswith(OVERDUE)
