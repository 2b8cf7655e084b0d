"""The attribution block that every fragment, API module and embed page carries.

A partner page shows our text away from our site, so each piece says where it comes from
and on what terms, without the partner writing it: the original (a link to the part), the
series, the copyright holder, the licence (linked when its URL is known) and when the text
was last medically reviewed. One definition, so a card, a fragment and an embed never
disagree, and every value comes from the series metadata (``license``, ``license_url``,
``copyright_holder``, the reviews).
"""

from __future__ import annotations

from markupsafe import Markup

from ketapub import i18n
from ketapub.model import Part
from ketapub.render.base import RenderContext


def attribution(ctx: RenderContext, part: Part | None) -> tuple[Markup, ...]:
    """The block's lines for ``part`` (None: the series as a whole, as the hub shows it).

    A part not yet released (a card) gets no link to its page and no review date: a card
    shows only what the hub shows before the release.

    Args:
        ctx: the render context.
        part: the part, or None for the series as a whole.
    """
    s = ctx.series
    words = i18n.labels(s.language)
    released = part is not None and ctx.is_released(part)
    lines: list[Markup] = []
    origin = Markup(words["origin"]).format(publisher=s.publisher)
    if part is None:
        lines.append(Markup('{} <a href="{}">{}</a>').format(origin, s.base_url, s.title))
    else:
        if released:
            lines.append(Markup('{} <a href="{}" rel="bookmark">{}</a>').format(
                origin, s.part_url(part), part.title))
        lines.append(Markup(words["series"]).format(
            title=Markup('<a href="{}">{}</a>').format(s.base_url, s.title)))
    lines.append(Markup(words["copyright"]).format(holder=s.rights_holder))
    if s.license:
        link = s.license_link
        shown = (Markup('<a rel="license" href="{}">{}</a>').format(link, s.license) if link
                 else s.license)
        lines.append(Markup(words["license"]).format(license=shown))
    review = ctx.review(part) if part is None or released else None
    if review is not None and review.on is not None:
        when = Markup('<time datetime="{}">{}</time>').format(review.on.isoformat(),
                                                              ctx.format_date(review.on))
        lines.append(Markup(words["last_reviewed"]).format(date=when))
    return tuple(lines)
