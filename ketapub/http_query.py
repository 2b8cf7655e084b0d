"""What the partner endpoints of ``serve`` read from a query string, and how they answer.

Kept apart from the server so the oEmbed endpoint and the changes filter are plain
functions of (series, instant, query), tested without a socket.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from ketapub.errors import BadQuery

__all__ = ["BadQuery", "Reply", "query_params"]


@dataclass(frozen=True)
class Reply:
    """A complete answer of a partner endpoint."""

    status: str
    media_type: str
    body: bytes
    cache: str
    """The ``Cache-Control`` value."""


def query_params(query: str) -> dict[str, str]:
    """``a=1&b=2`` as a dict, the first of repeated names winning.

    Values are percent-decoded but ``+`` stays ``+``: it is the sign of a UTC offset (``+02:00``)
    far more often than a space in what these endpoints take (dates, URLs, numbers).

    Args:
        query: the query string, without its ``?``.
    """
    found: dict[str, str] = {}
    for item in query.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        try:
            key, text = unquote(name, errors="strict"), unquote(value, errors="strict")
        except UnicodeDecodeError:
            raise BadQuery(f"{item!r} is not UTF-8 once percent-decoded; encode the value "
                           "as UTF-8") from None
        found.setdefault(key, text)
    return found
