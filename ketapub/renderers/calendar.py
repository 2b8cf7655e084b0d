"""The release calendar (``feed/schedule.ics``).

One iCalendar event per part release, and one per expiry or withdrawal ("No longer published:
<title>", the reason as description).

Every part is listed, released or not: it is the schedule partners subscribe to. The UID of an
event is derived from the series identifier and the part slug, so it never changes when the
part is rescheduled (calendar clients then move the event instead of adding one). DTSTAMP is
the newest content date of the released parts (as in the feeds), never the clock.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ketapub import Artifact, Job, RenderContext, Renderer, Series, schedule
from ketapub.i18n import labels
from ketapub.model import Part
from ketapub.render.shared import EPOCH, clean


def event_uid(series: Series, part: Part, kind: str = "release") -> str:
    """A stable, globally unique id for an event of ``part``.

    Args:
        series: the series (its identifier).
        part: the part.
        kind: ``release``, or ``end`` for the part's expiry or withdrawal; default
            ``release``.
    """
    name = f"{series.identifier}#{kind}-{part.slug}"
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, name)}@ketapub"


def _end(part: Part) -> datetime:
    """The part's expiry or withdrawal instant in UTC (only asked of a part that has one)."""
    return (part.ends_at or part.publish_at).astimezone(UTC)


class CalendarRenderer(Renderer):
    """The ``ics`` renderer: an iCalendar event per part release, for editors' calendars."""

    name = "ics"
    version = "1"
    description = "iCalendar schedule of every part release (feed/schedule.ics)"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        """One job, ``feed/schedule.ics``, served live so it changes as parts come out."""
        return [self.job("feed/schedule.ics", kind="calendar", live=True)]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        """The calendar: an event at each part's release, and at its expiry or withdrawal."""
        from icalendar import Calendar, Event, vText

        s = ctx.series
        cal = Calendar()
        cal.add("prodid", "-//ketapub//release calendar//EN")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        # icalendar escapes only the properties it knows as TEXT; NAME and the X-WR-*
        # ones it would write raw, and a line break, comma or semicolon would break them.
        cal.add("x-wr-calname", vText(clean(s.title)))
        cal.add("x-wr-caldesc", vText(clean(s.description)))
        cal.add("x-wr-timezone", s.timezone)
        cal.add("name", vText(clean(s.title)))  # RFC 7986
        cal.add("source", ctx.web_url(job.path), parameters={"VALUE": "URI"})
        cal.add("refresh-interval", timedelta(hours=12), parameters={"VALUE": "DURATION"})
        stamp = (ctx.last_modified or EPOCH).astimezone(UTC)
        for part in sorted(s.parts, key=lambda p: (p.publish_at.astimezone(UTC), p.part)):
            ev = Event()
            ev.add("uid", event_uid(s, part))
            ev.add("dtstamp", stamp)
            ev.add("dtstart", part.publish_at.astimezone(UTC))
            ev.add("transp", "TRANSPARENT")
            ev.add("summary", clean(part.title))
            ev.add("description", clean(part.summary))
            ev.add("url", s.part_url(part), parameters={"VALUE": "URI"})
            for tag in part.tags:
                ev.add("categories", clean(tag))
            cal.add_component(ev)
        ending = [p for p in s.parts if p.ends_at is not None]
        for part in sorted(ending, key=lambda p: (_end(p), p.part)):
            # scheduled like a release: partners learn ahead when a part leaves
            ev = Event()
            ev.add("uid", event_uid(s, part, "end"))
            ev.add("dtstamp", stamp)
            ev.add("dtstart", _end(part))
            ev.add("transp", "TRANSPARENT")
            ev.add("summary", clean(labels(s.language)["ends"].format(title=part.title)))
            ev.add("description", clean(schedule.end_reason(part, s.language)))
            ev.add("url", s.part_url(part), parameters={"VALUE": "URI"})
            cal.add_component(ev)
        return Artifact(job.path, cal.to_ical(), "text/calendar; charset=utf-8", self.name)

