"""``api/changes.json?since=<ISO 8601>`` on the server.

Only what changed at or after an instant, so a partner polls for what is new (as the NHS content
API's ``startDate``).

The list itself is rendered by the API renderer (live, as of the request); this filters its
items by ``dateModified`` and renumbers them. ``since`` is inclusive, so a partner may pass
the newest ``dateModified`` it has seen and never miss a change made in the same second.
"""

from __future__ import annotations

import json
from datetime import datetime

from ketapub.http_query import BadQuery, Reply, query_params
from ketapub.model import DATE_FORMS, Series, parse_instant
from ketapub.renderers.html_api import changes_list, dump

PATH = "api/changes.json"


def since(series: Series, query: str) -> datetime | None:
    """The ``since`` instant of ``query`` (naive: the series timezone), None when absent.

    Args:
        series: the series (its timezone).
        query: the request's query string.

    Raises:
        BadQuery: ``since`` is empty or not an ISO 8601 date or date-time.
    """
    text = query_params(query).get("since")
    if text is None:
        return None
    if not text.strip():
        raise BadQuery(f"since is empty; give an ISO 8601 date or date-time such as {DATE_FORMS}")
    try:
        return parse_instant(text, series.tz)
    except ValueError as exc:
        raise BadQuery(f"since: {exc}") from None


def filtered(body: bytes, start: datetime) -> bytes:
    """The changes list ``body`` with only the items modified at or after ``start``.

    Args:
        body: the changes list, as built (JSON).
        start: the earliest modification instant kept.
    """
    data = json.loads(body)
    items = [e["item"] for e in data["itemListElement"]
             if datetime.fromisoformat(e["item"]["dateModified"]) >= start]
    return dump(changes_list(data["name"], items))


def apply(series: Series, query: str, body: bytes) -> bytes | Reply:
    """The changes list ``body`` as ``query`` asks for it.

    Filtered by ``since`` when given, else as is; a 400 ``Reply`` saying what is wrong with a
    bad ``since``.

    Args:
        series: the series (its timezone).
        query: the request's query string.
        body: the changes list, as built (JSON).
    """
    try:
        start = since(series, query)
    except BadQuery as exc:
        return Reply("400 Bad Request", "text/plain; charset=utf-8", f"{exc}\n".encode(),
                     "no-store")
    return body if start is None else filtered(body, start)
