"""Atom tombstones (RFC 6721) as a feedgen extension.

An ``at:deleted-entry`` per expired or withdrawn part, so feed readers drop the entry they already
hold instead of keeping it.

feedgen has no tombstone support; this extension adds the elements to the ``<feed>`` it
builds (register it with ``atom=True, rss=False``: RSS 2.0 has no tombstones, a withdrawn
item simply leaves the channel).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feedgen.ext.base import BaseExtension

NAMESPACE = "http://purl.org/atompub/tombstones/1.0"
PREFIX = "at"


@dataclass(frozen=True)
class Tombstone:
    """One deleted entry: the id it had (``ref``), when it went, and why."""

    ref: str
    when: datetime
    comment: str = ""


class TombstoneExtension(BaseExtension):  # type: ignore[misc]  # feedgen is untyped
    """The feedgen extension that writes tombstones.

    ``fg.register_extension("tombstones", TombstoneExtension, None, rss=False)``, then
    ``fg.tombstones.add(Tombstone(...))``.
    """

    def __init__(self) -> None:
        self.tombstones: list[Tombstone] = []

    def add(self, tombstone: Tombstone) -> None:
        """Announce that the entry ``tombstone.ref`` is deleted.

        Args:
            tombstone: the deleted entry.
        """
        self.tombstones.append(tombstone)

    def extend_ns(self) -> dict[str, str]:
        """The tombstones namespace, declared on the feed."""
        return {PREFIX: NAMESPACE}

    def extend_atom(self, feed: Any) -> Any:
        """Add an ``at:deleted-entry`` per tombstone to the Atom feed."""
        for t in self.tombstones:
            el = feed.makeelement(f"{{{NAMESPACE}}}deleted-entry",
                                  {"ref": t.ref, "when": t.when.astimezone(UTC).isoformat()})
            if t.comment:
                comment = el.makeelement(f"{{{NAMESPACE}}}comment", {})
                comment.text = t.comment
                el.append(comment)
            feed.append(el)
        return feed
