"""A feedgen extension for WebSub discovery.

``<atom:link rel="hub">`` in RSS and ``<link rel="hub">`` in Atom (W3C WebSub, section 4).

feedgen's own ``link()`` accepts only the relations of RFC 4287 (``self``, ``alternate``,
``related``, ``enclosure``, ``via``), so a hub link is added the way feedgen is meant to be
extended: an extension registered on the feed, writing its element as the feed is made.
The hub link goes right after the ``rel="self"`` link a subscriber reads with it.
"""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension

ATOM = "http://www.w3.org/2005/Atom"
NAMESPACE = "websub"
"""The name the extension is registered under (``fg.websub.hub(url)``)."""


class WebSubExtension(BaseExtension):  # type: ignore[misc]
    """Feed-level extension: ``fg.websub.hub(url)`` sets the hub a subscriber should use."""

    def __init__(self) -> None:
        self._hub: str | None = None

    def hub(self, href: str | None = None) -> str | None:
        """Set the hub's URL when ``href`` is given, and return the one set (None: no link).

        Args:
            href: the hub's URL; default None: only read it.
        """
        if href is not None:
            if not href.startswith(("https://", "http://")):
                raise ValueError(f"WebSub hub {href!r} is not an http(s) URL")
            self._hub = href
        return self._hub

    def extend_ns(self) -> dict[str, str]:
        """No namespace: the link is an Atom element both feeds already declare."""
        return {}  # RSS: feedgen declares the atom prefix itself; Atom: the default namespace

    def extend_rss(self, feed: Any) -> Any:
        """Add the hub link to the RSS channel."""
        if self._hub is not None:
            _insert_after_self(feed.find("channel"), f"{{{ATOM}}}link", self._hub)
        return feed

    def extend_atom(self, feed: Any) -> Any:
        # feedgen writes Atom's elements unqualified under a literal xmlns attribute
        """Add the hub link to the Atom feed."""
        if self._hub is not None:
            _insert_after_self(feed, "link", self._hub)
        return feed


class WebSubEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Entries carry nothing of WebSub; feedgen wants an entry class all the same."""


def _insert_after_self(parent: Any, tag: str, href: str) -> None:
    """Add an Atom ``link rel="hub"`` to ``parent``.

    An Atom ``link rel="hub"`` (element ``tag``) in ``parent`` (RSS channel or Atom feed), after the
    ``rel="self"`` link when there is one.
    """
    selves = [el for el in parent.findall(tag) if el.get("rel") == "self"]
    el = parent.makeelement(tag, {"href": href, "rel": "hub"})
    if selves:
        selves[0].addnext(el)
    else:
        parent.append(el)


def add_hub(fg: Any, href: str) -> None:
    """Register the extension on feedgen ``fg`` and set its hub.

    Args:
        fg: the feedgen ``FeedGenerator``.
        href: the hub's URL.
    """
    fg.register_extension(NAMESPACE, WebSubExtension, WebSubEntryExtension, atom=True, rss=True)
    getattr(fg, NAMESPACE).hub(href)
