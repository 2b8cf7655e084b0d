"""Dates and small phrases in the series language (Babel), so 'Available Sep 15, 2025'
reads naturally in every locale and is always in the series timezone."""

from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _format_date

AVAILABLE = {"en": "Available {date}", "es": "Disponible el {date}", "fr": "Disponible le {date}",
             "de": "Verfügbar ab {date}"}


@functools.cache
def locale_for(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        try:
            return Locale.parse(language.split("-")[0])
        except (UnknownLocaleError, ValueError):
            return Locale.parse("en")


def format_date(value: date | datetime, language: str, tz: ZoneInfo | None = None,
                style: str = "medium") -> str:
    """A date in the series language; datetimes are first moved to the series timezone."""
    if isinstance(value, datetime) and tz is not None:
        value = value.astimezone(tz)
    day = value.date() if isinstance(value, datetime) else value
    return _format_date(day, format=style, locale=locale_for(language))


def available(value: datetime, language: str, tz: ZoneInfo) -> str:
    """'Available Sep 15, 2025' in the series language."""
    phrase = AVAILABLE.get(language.split("-")[0].lower(), AVAILABLE["en"])
    return phrase.format(date=format_date(value, language, tz))
