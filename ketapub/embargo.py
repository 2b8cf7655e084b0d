"""The embargo area: files a build renders ahead of time for each future release state.

A series with parts still scheduled has as many future release states as distinct release
instants after the build's ``as_of``. A build with ``ahead=True`` renders what each of those
states shows (every renderer's jobs, planned as of the state's instant) into
``.embargo/<instant>/<path>`` inside the output folder, so that ``serve`` can switch every
file at the instant without a rebuild. The folder is hidden, so the static output never
exposes it (``serve`` refuses any hidden path segment, a web server should too), and its
files are listed under ``embargoed`` in ``manifest.json``, apart from the public
``artifacts``.

This module names the folders and reads which state holds at an instant; the rendering is
in ``ketapub.ahead``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ketapub import schedule
from ketapub.model import Series
from ketapub.paths import is_safe_path
from ketapub.render.base import Job

FOLDER = ".embargo"
"""The embargo area, a hidden folder at the top of the output folder."""


@dataclass(frozen=True)
class State:
    """A future release state: from ``at`` on, the files under ``folder`` are what is out."""

    at: datetime
    folder: str
    released: tuple[int, ...]

    def as_json(self) -> dict[str, Any]:
        """The state as the manifest lists it under ``ahead``."""
        return {"at": self.at.isoformat(), "folder": self.folder,
                "released": list(self.released)}

    def path(self, rel: str) -> str:
        """Where the state keeps the file served at ``rel``.

        Args:
            rel: the file's public path.
        """
        return f"{self.folder}/{rel}"


def entry_fields(job: Job, released: tuple[int, ...],
                 editions: Mapping[str, tuple[int, ...]] | None = None) -> dict[str, Any]:
    """What ``serve`` waits for before it hands ``job``'s file out (see ``write.Entry``).

    The parts it shows, or for a whole-series file the parts out as of its build or state,
    and the edition whose schedule those numbers follow.

    Args:
        job: the planned job.
        released: the parts of the original out as of the build or the state.
        editions: the same for each translation, by language (``edition_releases()``);
            default None: none.
    """
    shows = job.shows
    if job.edition:
        released = (editions or {}).get(job.edition, ())
    return {"parts": shows, "released": released if shows is None else None,
            "edition": job.edition}


def edition_releases(series: Series, at: datetime) -> dict[str, tuple[int, ...]]:
    """The parts of each translation of ``series`` published at ``at``, by language.

    Args:
        series: the loaded series.
        at: the instant (aware).
    """
    return {e.language: tuple(p.part for p in schedule.released_parts(e, at))
            for e in series.translations}


def stamp(instant: datetime) -> str:
    """The folder name of a state.

    Its instant in UTC, ISO 8601 basic format (no colons, which some file systems refuse),
    microseconds only when the instant has them.

    Args:
        instant: the state's instant (aware).
    """
    utc = instant.astimezone(UTC)
    micro = f".{utc.microsecond:06d}" if utc.microsecond else ""
    return utc.strftime("%Y%m%dT%H%M%S") + micro + "Z"


def future_states(series: Series, as_of: datetime) -> list[State]:
    """The states after ``as_of``, earliest first.

    One per distinct instant still to come at which an output changes (a release, an expiry or
    withdrawal, an update or a correction: ``ketapub.schedule.instants()``), each with the parts
    published from that instant on.

    Args:
        series: a loaded series.
        as_of: the build instant (aware).
    """
    return [State(at, f"{FOLDER}/{stamp(at)}",
                  tuple(p.part for p in schedule.released_parts(series, at)))
            for at in schedule.instants(series) if at > as_of]


def is_embargo_path(path: object) -> bool:
    """True for ``.embargo/<stamp>/<safe path>``: a file of the embargo area.

    Args:
        path: any value read from a manifest.
    """
    if not isinstance(path, str) or not path.startswith(FOLDER + "/"):
        return False
    parts = path.split("/", 2)
    return (len(parts) == 3 and is_safe_path(parts[1]) and "/" not in parts[1]
            and is_safe_path(parts[2]))


def read_states(data: object) -> tuple[State, ...]:
    """The future release states a manifest lists, by instant.

    The states listed in a manifest's ``ahead`` (empty when absent or malformed), in order of their
    instants.

    Args:
        data: the manifest's ``ahead`` value, as read.
    """
    if not isinstance(data, list):
        return ()
    found = []
    for item in data:
        try:
            at = datetime.fromisoformat(item["at"])
            folder, released = item["folder"], item["released"]
        except (TypeError, KeyError, ValueError):
            continue
        if (at.tzinfo is None or not isinstance(folder, str)
                or not is_embargo_path(f"{folder}/x") or folder.count("/") != 1
                or not isinstance(released, list)
                or not all(type(n) is int for n in released)):
            continue
        found.append(State(at.astimezone(UTC), folder, tuple(released)))
    return tuple(sorted(found, key=lambda s: s.at))


def current(states: tuple[State, ...], now: datetime) -> State | None:
    """The state that holds at ``now``.

    The latest one whose instant has come (None: none has, and the public files are what is out).

    Args:
        states: the states, earliest first.
        now: the instant of the request (aware).
    """
    held = [s for s in states if s.at <= now]
    return held[-1] if held else None
