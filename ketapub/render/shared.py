"""Rules several renderers follow, kept here so that no renderer imports another.

Where a part's handout goes (the PDF renderer writes it, the feeds attach it as an enclosure),
text that XML can carry and the date of a feed with nothing released (the feeds and the
calendar): one definition each, so two formats never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from ketapub.model import Part
from ketapub.paths import LARGE_PRINT
from ketapub.render.base import RenderContext

# Characters XML 1.0 forbids, plus C1 controls and non-characters readers choke on.
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""``updated`` of a feed with no released part: a fixed instant, never the clock."""


def clean(text: str | None) -> str:
    """Text without the characters that would make the XML ill-formed.

    Args:
        text: any text; None gives "".
    """
    return _BAD_XML.sub("", text or "")


def content_id_prefix(part: Part) -> str:
    """Prefix of every id a part's content carries, in its HTML fragment and in its feed items.

    ``ketapub-<slug>.``. The slug keeps two parts apart, and ends at the first ``.`` (no slug holds
    one), so part ``a`` with anchor ``b-c`` and part ``a-b`` with anchor ``c`` differ; ``ketapub-``
    keeps us apart from the host page's own ids (``faq``, ...). One prefix for both, so a feed
    item's ``<part URL>#<id>`` names the same element on a public page that embeds the part's
    fragment.

    Args:
        part: the part whose ids are prefixed.
    """
    return f"ketapub-{part.slug}."


def _folder(brand: str | None, large_print: bool) -> str:
    return "/".join(["pdf", *([brand] if brand else []), *([LARGE_PRINT] if large_print else [])])


def handout_path(part: Part, brand: str | None = None, large_print: bool = False) -> str:
    """Where a part's handout goes.

    ``pdf/NN-<slug>.pdf``, under ``pdf/<brand>/`` when branded, and in a ``large-print/`` folder
    below that for large print. The feeds attach the unbranded standard one as an enclosure, so they
    ask here for its path.

    Args:
        part: the part.
        brand: the brand id of a branded handout; default None: unbranded.
        large_print: the large-print handout; default False.
    """
    return f"{_folder(brand, large_print)}/{part.number}-{part.slug}.pdf"


def booklet_path(large_print: bool = False) -> str:
    """``pdf/booklet.pdf``, or ``pdf/large-print/booklet.pdf``.

    Args:
        large_print: the large-print booklet; default False.
    """
    return f"{_folder(None, large_print)}/booklet.pdf"


def imposed_booklet_path(large_print: bool = False) -> str:
    """The path of the imposed booklet, the one laid out to print, fold and staple.

    ``pdf/booklet-imposed.pdf`` (the booklet laid out to print, fold and staple), or
    ``pdf/large-print/booklet-imposed.pdf``.

    Args:
        large_print: the large-print booklet; default False.
    """
    return f"{_folder(None, large_print)}/booklet-imposed.pdf"


@dataclass(frozen=True)
class Enclosure:
    """A file attached to a feed item: its absolute URL, its length in bytes, its type."""

    url: str
    length: int
    media_type: str


def handout_enclosure(ctx: RenderContext, part: Part) -> Enclosure | None:
    """``part``'s unbranded handout as an enclosure, when this build makes it.

    Its path is then among ``ctx.deps`` of a job that depends on ``handout_path()``.

    Args:
        ctx: the render context of a job that depends on the handout.
        part: the part.
    """
    info = ctx.deps.get(handout_path(part))
    if info is None:
        return None
    return Enclosure(ctx.web_url(info.path), info.bytes, "application/pdf")


RTL_LANGUAGES = frozenset({"ar", "arc", "dv", "fa", "ha", "he", "khw", "ks", "ku", "ps", "ur",
                           "yi"})
"""Languages written right to left (their primary subtag)."""


def text_direction(language: str) -> str:
    """``rtl`` for a language written right to left, else ``ltr`` (every format's ``dir``).

    Args:
        language: a BCP 47 tag; its primary subtag decides.
    """
    return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"
