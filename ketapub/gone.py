"""Which served paths belong to an expired or withdrawn part, and the 410 Gone that says so.

A path is gone when every part it shows has ended: a handout, a fragment, the plain-text and
Markdown editions, a figure only such parts show. Cards, the hub and whole-series files stay
(they show the part as withdrawn, or leave it out). The paths are the ones the renderers
planned just before the part ended, so a plugin's per-part files are covered too, and a
build made after the end (which no longer lists them) still answers 410, not 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from ketapub import i18n, schedule
from ketapub.model import Part, Series
from ketapub.render.base import BuildOptions, Job, RenderContext
from ketapub.render.registry import Registry

_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class Gone:
    """What a 410 says: the part, when and why it ended."""

    part: Part
    title: str
    line: str
    """"Withdrawn 1 December 2026: <reason>" in the series language."""

    def text(self) -> str:
        """The 410 page as plain text."""
        return f"{self.title}\n{self.line}\n"

    def html(self, language: str) -> str:
        """The 410 page as a small HTML document in ``language``.

        Args:
            language: the series language (the page's ``lang``).
        """
        return (f'<!DOCTYPE html>\n<html lang="{escape(language)}">\n<head>\n'
                f'<meta charset="utf-8">\n<title>{escape(self.title)}</title>\n</head>\n'
                f"<body>\n<h1>{escape(self.title)}</h1>\n<p>{escape(self.line)}</p>\n"
                "</body>\n</html>\n")


def gone(series: Series, part: Part, as_of: datetime) -> Gone:
    """The 410 of ``part``, ended as of ``as_of``.

    Args:
        series: the loaded series.
        part: a part that has ended.
        as_of: the instant of the request (aware).
    """
    ctx = RenderContext(series=series, as_of=as_of)
    title = i18n.labels(series.language)["gone"].format(title=part.title)
    return Gone(part, title, ctx.withdrawal(part))


def ended_shows(shows: tuple[int, ...] | None, ended: set[int]) -> int | None:
    """The part that makes a file showing ``shows`` gone (the first), or None.

    A file is gone when it shows parts and all of them have ended.

    Args:
        shows: the parts the file shows (None: every part).
        ended: the parts that have ended.
    """
    if not shows or not set(shows) <= ended:
        return None
    return min(shows)


def planned_paths(series: Series, registry: Registry, options: BuildOptions,
                  names: Iterable[str], as_of: datetime) -> dict[str, int]:
    """The files that showed only parts that have since ended, with the part each showed.

    Path -> ended part of every file the renderers planned just before each part that has ended as
    of ``as_of`` ended, when that file shows only ended parts.

    Args:
        series: the loaded series.
        registry: where the renderers are looked up.
        options: the build's options.
        names: the renderers to ask.
        as_of: the instant of the request (aware).
    """
    ended = {p.part for p in schedule.ended_parts(series, as_of)}
    found: dict[str, int] = {}
    for part in schedule.ended_parts(series, as_of):
        end = part.ends_at or as_of  # an ended part has an end
        ctx = RenderContext(series=series, as_of=end - _BEFORE, options=options)
        for name in names:
            try:
                jobs: list[Job] = registry.create(name).plan(series, ctx)
            except Exception:  # a broken plugin: its files just 404
                continue
            for job in jobs:
                who = ended_shows(job.shows, ended)
                if who is not None:
                    found.setdefault(job.path, who)
    return found
