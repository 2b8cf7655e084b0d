"""Ids the dialect makes besides heading anchors: reference-list entries and footnotes."""

from __future__ import annotations


def reference_id(prefix: str, ref: str) -> str:
    """The id of a reference-list entry.

    Ids the dialect makes for anything but a heading hold a ``.``, which no heading id can
    (``[A-Za-z0-9_-]``): a heading "Ref smith" and the citation ``[@smith]`` get ``ref-smith`` and
    ``ref.smith``, never one id twice.

    Args:
        prefix: the part's id prefix.
        ref: the reference's id.
    """
    return f"{prefix}ref.{ref}"


def footnote_id(prefix: str, kind: str, name: str) -> str:
    """``fn.1`` / ``fnref.1`` after ``prefix``, apart from headings as ``reference_id()``.

    Args:
        prefix: the part's id prefix.
        kind: ``fn`` or ``fnref``.
        name: the note's number, with the reference's after a ``.``.
    """
    return f"{prefix}{kind}.{name}"
