"""The oEmbed endpoint of ``serve`` (``/oembed?url=...&format=json``, oEmbed 1.0).

A consumer (a CMS, a chat app) gives the URL of a part (its public page, its embed page or
its fragment) and gets a ``rich`` response whose ``html`` is the iframe of the part's embed
page, the same iframe the preview page offers. Only a part released at the request's instant
whose embed page is served answers 200; any other URL is a 404, so oEmbed never tells
anything about a part before its release. ``format=xml`` is a 501 (JSON only), as the
specification asks; ``maxwidth``/``maxheight`` shrink the iframe, never grow it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ketapub import schedule
from ketapub.http_query import BadQuery, Reply, query_params
from ketapub.model import Series
from ketapub.render import embedding

CACHE_AGE = 3600
"""Seconds a consumer may keep a response (oEmbed ``cache_age``): the iframe of a released
part never changes, the page it shows is revalidated on its own."""
PATH = embedding.OEMBED_PATH


def _plain(status: str, text: str) -> Reply:
    return Reply(status, "text/plain; charset=utf-8", (text + "\n").encode(), "no-store")


def _size(params: dict[str, str], name: str, default: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise BadQuery(f"{name}={value!r} is not a positive whole number of pixels; "
                       f"write e.g. {name}=480")
    return min(default, int(value))


def respond(series: Series, now: datetime, query: str,
            served: Callable[[str], bool]) -> Reply:
    """The answer to ``/oembed?query`` at ``now``.

    Args:
        series: the series served.
        now: the request's instant.
        query: the raw query string.
        served: whether an output path is served at ``now`` (the embed page must be).
    """
    try:
        params = query_params(query)
        fmt = params.get("format", "json")
        if fmt != "json":
            return _plain("501 Not Implemented",
                          f"format={fmt!r} is not supported; ask for format=json")
        url = params.get("url")
        if not url:
            raise BadQuery("url is missing; give the part's URL, e.g. /oembed?url="
                           + quote(series.base_url, safe="") + "...&format=json")
        width = _size(params, "maxwidth", embedding.EMBED_WIDTH)
        height = _size(params, "maxheight", embedding.EMBED_HEIGHT)
    except BadQuery as exc:
        return _plain("400 Bad Request", str(exc))
    part = embedding.part_for_url(series, url)
    if (part is None or not schedule.published(part, now)
            or not served(embedding.embed_path(part))):
        return _plain("404 Not Found", "no released part of this series has that URL")
    data: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "title": part.title,
        "provider_name": series.publisher,
        "provider_url": series.base_url,
        "author_name": series.rights_holder,
        "author_url": series.base_url,
        "cache_age": CACHE_AGE,
        "html": str(embedding.iframe(series, part, width, height)),
        "width": width,
        "height": height,
    }
    body = (json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n").encode()
    return Reply("200 OK", "application/json; charset=utf-8", body,
                 f"public, max-age={min(CACHE_AGE, 300)}")
