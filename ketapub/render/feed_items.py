"""What RSS, Atom and JSON Feed share about an item's content, so no feed imports another.

A reader may show several items on one page: every id in an item carries its part's prefix
(the fragments' ``ketapub-<slug>.``, ``content_id_prefix()``), and
the item's own links (notes, back links, citations, ``#anchor`` links and cross-references
to a heading of the same part) point at those ids.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ketapub.i18n import labels
from ketapub.render.html_translator import HtmlTranslator
from ketapub.render.shared import content_id_prefix

if TYPE_CHECKING:
    from ketapub.model import Part
    from ketapub.render.base import RenderContext


class ItemTranslator(HtmlTranslator):
    """A part's HTML as one feed item: ids prefixed, its own headings linked in the item.

    Args:
        ctx: the build's render context.
        part: the part the item shows; its id prefix keeps its ids apart from other items'.
    """

    def __init__(self, ctx: RenderContext, part: Part) -> None:
        super().__init__(ctx, prefix=content_id_prefix(part))
        self.part = part

    def part_link(self, part: Part, anchor: str | None) -> str:
        """A link to this part's own anchor stays in the item; others go to the web."""
        if anchor and part.slug == self.part.slug:
            return "#" + self.id(anchor)
        return super().part_link(part, anchor)


def item_values(ctx: RenderContext, translator: ItemTranslator) -> dict[str, Any]:
    """What ``feed/item.html`` shows besides the body and the disclaimer.

    The reference list the citations link to (its texts written as the body's text is), its heading,
    the ids' prefix, and the corrections shown as of the build ("What changed": a feed's modified
    date says when, this says what).

    Args:
        ctx: the render context.
        translator: the item's translator (its part and id prefix).
    """
    part = translator.part
    references = tuple((n, ref.model_copy(update={"text": Markup(translator.text(ref.text))}))
                       for n, ref in part.numbered_references)
    changes = [(ctx.format_date(c.on, "long"), Markup(translator.text(c.note)))
               for c in ctx.changes(part)]
    words = labels(ctx.series.language)
    return {"part": part, "references": references, "id_prefix": translator.prefix,
            "references_heading": words["references"], "changes": changes,
            "changes_heading": words["what_changed"]}
