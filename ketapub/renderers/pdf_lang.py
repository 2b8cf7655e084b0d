"""``Lang`` on the PDF structure elements of HTML elements with a ``lang`` attribute.

WeasyPrint tags a PDF (PDF/UA-1) but gives the language of the document only, so a screen
reader reads a Spanish tagline inside an English handout with an English voice. This wraps
WeasyPrint's tag-tree builder: an element whose ``lang`` attribute is set gets it as its
structure element's ``Lang`` (PDF 1.7, 14.9.2), and so does everything WeasyPrint lifts out
of it to its parent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_installed = False


def install() -> None:
    """Wrap WeasyPrint's box-tree builder once per process.

    Wrap ``weasyprint.pdf.tags._build_box_tree`` once per process (its recursive calls go through
    the module attribute, so nested boxes are covered too).
    """
    global _installed
    if _installed:
        return
    import pydyf
    from weasyprint.pdf import tags

    original = tags._build_box_tree

    def build(box: Any, parent: Any, *rest: Any) -> Iterator[Any]:
        element = getattr(box, "element", None)
        lang = None
        if element is not None and getattr(box, "element_tag", None) != "html":
            lang = element.get("lang")
        for found in original(box, parent, *rest):
            if lang and "Lang" not in found:
                found["Lang"] = pydyf.String(lang)
            yield found

    tags._build_box_tree = build
    _installed = True
