"""The Markdown dialect's public names, where they have always been imported from.

The dialect lives in ``ketapub.dialect``, one module per job; this module re-exports
what callers use. Content is never evaluated as a template.
"""

from __future__ import annotations

from ketapub.dialect import DIALECT
from ketapub.dialect.analysis import WORD, Analysis, PartLink, analyze
from ketapub.dialect.ids import footnote_id, reference_id
from ketapub.dialect.links import PART_LINK, local_path, source_file
from ketapub.dialect.parser import (
    CALLOUT,
    CITATION,
    FAQ_TITLE,
    heading_slug,
    parse,
    parser,
    typographic,
)
from ketapub.dialect.parser import parsed as _parsed
from ketapub.dialect.safety import MAX_RAW_DEPTH

__all__ = ["CALLOUT", "CITATION", "DIALECT", "FAQ_TITLE", "MAX_RAW_DEPTH", "PART_LINK", "WORD",
           "Analysis", "PartLink", "_parsed", "analyze", "footnote_id", "heading_slug",
           "local_path", "parse", "parser", "reference_id", "source_file", "typographic"]
