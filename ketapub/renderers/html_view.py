"""What the HTML fragment templates show, computed in Python so templates stay plain markup.

Partners paste fragments into pages we do not control, so everything here aims at three
things: ids that cannot clash between fragments (a per-part prefix), URLs that work from any
page (absolute), and structured data that content cannot break out of (escaped JSON-LD).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin

from markupsafe import Markup, escape

from ketapub import i18n, markdown, tree
from ketapub.model import Part, Series
from ketapub.render.alternates import Alternate, part_alternates
from ketapub.render.attribution import attribution
from ketapub.render.base import RenderContext
from ketapub.render.html_translator import Attributes, HtmlTranslator
from ketapub.render.shared import (  # noqa: F401 - re-exported
    RTL_LANGUAGES,
    content_id_prefix,
    text_direction,
)


def id_prefix(part: Part) -> str:
    """Prefix of every id a part's content carries.

    ``ketapub-<slug>.``, as in its feed items (see
    ``content_id_prefix()``).

    Args:
        part: the part.
    """
    return content_id_prefix(part)


def own_id(part: Part, name: str) -> str:
    """Ids of the fragment's own chrome.

    ``ketapub-<slug>--name``, never produced by content (its ids hold a ``.`` right after the slug,
    and no slug holds ``--``).

    Args:
        part: the part.
        name: what the element is (``embed``, ``title``...).
    """
    return f"ketapub-{part.slug}--{name}"


def script_json(value: Any) -> Markup:
    """JSON for an inline ``<script>``.

    ``<``, ``>``, ``&`` and line separators escaped, so no string from content can close the element
    or open a comment.

    Args:
        value: what to serialise.
    """
    text = json.dumps(value, ensure_ascii=False, indent=2)
    for char, code in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return Markup(text)


class WebTranslator(HtmlTranslator):
    """A part's body for a host page.

    Relative links resolved against the part's public page ``base`` (a host page would resolve them
    against itself), table alignment as classes (a strict Content-Security-Policy blocks inline
    style attributes), lazy images, and the table's header cells as the tree says (a two-way table's
    first column names its rows; an empty header cell is a data cell, never a blank header a screen
    reader would announce).

    Args:
        ctx: the build's render context.
        base: the URL relative links resolve against.
        asset_url: the URL of an asset on the host page.
        prefix: prepended to every id, so several parts can share one page.
        heading_offset: levels added to every heading.
    """

    def __init__(self, ctx: RenderContext, base: str, asset_url: Callable[[str], str], *,
                 prefix: str = "", heading_offset: int = 0) -> None:
        super().__init__(ctx, prefix=prefix, heading_offset=heading_offset)
        self.base = base
        self._asset_url = asset_url

    def asset_url(self, path: str) -> str | None:
        """The URL of an asset as the fragment links it."""
        return self._asset_url(path)

    def start(self, tag: str, attrs: Attributes = ()) -> str:
        """A start tag, each attribute written by ``attribute()``."""
        return f"<{tag}" + "".join(self.attribute(k, v) for k, v in attrs) + ">"

    def attribute(self, name: str, value: str) -> str:
        """`` name="value"``; a relative href made absolute (and escaped as Jinja would).

        Args:
            name: the attribute's name.
            value: its value.
        """
        if name == "href" and not value.startswith("#") and not _has_scheme(value):
            return f' {name}="{escape(urljoin(self.base, value))}"'
        return f' {name}="{self.attr(value)}"'

    def image_attrs(self, node: tree.Image, url: str) -> list[tuple[str, str]]:
        """An image's attributes, loaded lazily so a host page is not slowed."""
        return [*super().image_attrs(node, url), ("loading", "lazy"), ("decoding", "async")]

    def cell_tag(self, cell: tree.Cell, head: bool) -> str:
        """``th`` for a header cell with content; an empty corner is a data cell."""
        return "th" if cell.header and not _blank(cell) else "td"

    def cell_attrs(self, cell: tree.Cell, head: bool) -> list[tuple[str, str]]:
        """A cell's attributes: alignment as a class (no inline style), a header's ``scope``."""
        attrs = list(cell.attrs)
        if cell.align:
            attrs.append(("class", f"ketapub-align-{cell.align}"))
        if cell.scope and self.cell_tag(cell, head) == "th":
            attrs.append(("scope", cell.scope))
        return attrs

    def visit_block(self, node: tree.Block) -> str:
        """Raw block HTML; an empty raw ``th`` becomes a ``td``, as a corner cell should."""
        if node.tag == "th" and _blank(node):
            return self.element("td", "", self.raw_attrs(node))
        return super().visit_block(node)


def _has_scheme(url: str) -> bool:
    """Whether ``url`` starts with a scheme (``https:``, ``mailto:``): it is absolute."""
    scheme, colon, _ = url.partition(":")
    return bool(colon and scheme and scheme[0].isascii() and scheme[0].isalpha()
                and all(c.isascii() and (c.isalnum() or c in "+.-") for c in scheme))


def _blank(node: tree.Parent) -> bool:
    """A cell with nothing in it but white space."""
    return all(isinstance(c, tree.Text) and not c.text.strip() for c in node.children)


def web_html(ctx: RenderContext, document: tree.Document, base: str,
             asset_url: Callable[[str], str], *, prefix: str = "",
             heading_offset: int = 0) -> str:
    """A document as a fragment of a host page (see ``WebTranslator``).

    Args:
        ctx: the render context.
        document: the document tree.
        base: the URL relative links resolve against.
        asset_url: the URL of an asset on the host page.
        prefix: prepended to every id; default none.
        heading_offset: levels added to every heading; default 0.
    """
    return WebTranslator(ctx, base, asset_url, prefix=prefix,
                         heading_offset=heading_offset).visit(document)


def time_tag(ctx: RenderContext, value: datetime | date) -> Markup:
    """A ``<time>`` element: the machine-readable instant, shown in the series language.

    Args:
        ctx: the render context.
        value: a date or an aware datetime.
    """
    iso = value.isoformat()
    return Markup('<time datetime="{}">{}</time>').format(iso, ctx.format_date(value))


def names(series: Series, editors: bool) -> list[str]:
    """The authors' names, editors only or everyone else.

    Args:
        series: the series.
        editors: the editors' names (True) or the other authors' (False).
    """
    return [a.name for a in series.authors
            if ("editor" in (a.role or "").lower()) == editors]


def list_text(items: list[str], language: str) -> str:
    """``items`` as a list in running text ("a, b and c") in ``language``.

    Args:
        items: the texts.
        language: a BCP 47 tag.
    """
    from babel.lists import format_list

    from ketapub.i18n import locale_for

    return format_list(items, locale=locale_for(language)) if items else ""


def part_view(ctx: RenderContext, part: Part, asset_url: Callable[[str], str],
              heading_level: int = 2) -> dict[str, Any]:
    """Everything the part fragment template shows.

    The part's title is a heading of ``heading_level`` (the renderer's option), its sections below
    it.

    Args:
        ctx: the render context.
        part: a released part.
        asset_url: the URL of an asset on the host page.
        heading_level: the HTML level of the part's title; default 2.
    """
    s = ctx.series
    words = i18n.labels(s.language)
    prefix = id_prefix(part)
    rev, due = ctx.review(part), ctx.review_due(part)
    reviewed = None
    if rev and rev.on:
        reviewed = Markup(words["reviewed"]).format(who=rev.who, date=time_tag(ctx, rev.on))
    elif rev:
        reviewed = Markup(words["reviewed_by"]).format(who=rev.who)
    if due is not None:  # "...; next review due <date>", or that alone
        later = Markup(words["review_due" if reviewed else "next_review"]).format(
            date=time_tag(ctx, due))
        reviewed = Markup("{}; {}").format(reviewed, later) if reviewed else later
    authors, editors = names(s, False), names(s, True)
    meta: list[str | Markup] = []
    if authors:
        meta.append(words["by"].format(names=list_text(authors, s.language)))
    if editors:
        meta.append(words["edited"].format(names=list_text(editors, s.language)))
    meta.append(Markup("{} {}").format(words["published"], time_tag(ctx, part.publish_at)))
    if (updated := ctx.updated(part)) is not None:
        meta.append(Markup("{} {}").format(words["updated"], time_tag(ctx, updated)))
    return {
        "part": part,
        "url": s.part_url(part),
        "ids": {"article": f"ketapub-{part.slug}", "title": own_id(part, "title"),
                "refs": own_id(part, "references")},
        "ref_prefix": markdown.reference_id(prefix, ""),
        "kicker": words["part_of"].format(n=part.part, total=len(s.parts)),
        "meta": meta,
        "reviewed": reviewed,
        "changes": [(time_tag(ctx, c.on), c.note) for c in ctx.changes(part)],
        "changes_heading": words["what_changed"],
        "ids_changes": own_id(part, "changes"),
        "body": Markup(web_html(ctx, ctx.document(part), s.part_url(part), asset_url,
                                prefix=prefix,
                                heading_offset=heading_level - 1)),
        "references": part.numbered_references,
        "disclaimer": disclaimer(ctx, asset_url),
        "attribution": attribution(ctx, part),
        "jsonld": script_json(jsonld(ctx, part, asset_url)),
        "languages": part_alternates(ctx, part),
    }


def jsonld(ctx: RenderContext, part: Part, asset_url: Callable[[str], str]) -> dict[str, Any]:
    """schema.org Article (+ MedicalWebPage review, + FAQPage) for one part.

    Args:
        ctx: the render context.
        part: a released part.
        asset_url: the URL of an asset on the host page.
    """
    s = ctx.series
    url = s.part_url(part)
    article: dict[str, Any] = {
        "@type": "Article",
        "@id": f"{url}#article",
        "headline": part.title,
        "description": part.summary,
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": s.language,
        "datePublished": part.publish_at.isoformat(),
        "dateModified": ctx.modified(part).isoformat(),
        "author": [{"@type": "Person", "name": n} for n in names(s, False)],
        "publisher": {"@type": "Organization", "name": s.publisher, "url": s.base_url},
        "isPartOf": {"@type": "CreativeWorkSeries", "name": s.title, "url": s.base_url},
        "position": part.part,
    }
    if names(s, True):
        article["editor"] = [{"@type": "Person", "name": n} for n in names(s, True)]
    if part.tags:
        article["keywords"] = list(part.tags)
    if s.license:
        article["license"] = s.license
    if part.images:
        article["image"] = [asset_url(p) for p in part.images]
    article.update(translation_links(part_alternates(ctx, part), "Article", "#article"))
    graph: list[dict[str, Any]] = [article]
    rev = ctx.review(part)
    if rev:
        reviewer: dict[str, Any] = {"@type": "Person", "name": rev.reviewer}
        if rev.credentials:
            reviewer["honorificSuffix"] = rev.credentials
        page: dict[str, Any] = {"@type": "MedicalWebPage", "@id": url, "url": url,
                                "name": part.title, "inLanguage": s.language}
        if rev.on:
            page["lastReviewed"] = rev.on.isoformat()
        graph.append(page | {"reviewedBy": reviewer, "mainEntity": {"@id": f"{url}#article"}})
    if part.faq:
        graph.append({
            "@type": "FAQPage",
            "@id": f"{url}#faq",
            "url": url,
            "inLanguage": s.language,
            "mainEntity": [{"@type": "Question", "name": q.question,
                            "url": f"{url}#{q.anchor}",
                            "acceptedAnswer": {"@type": "Answer", "text": q.answer}}
                           for q in part.faq],
        })
    return {"@context": "https://schema.org", "@graph": graph}


def translation_links(languages: tuple[Alternate, ...], kind: str,
                      anchor: str = "") -> dict[str, Any]:
    """schema.org's links between the language versions of a part.

    On the original, ``workTranslation`` (each translation out); on a translation,
    ``translationOfWork`` (the original, when out). Each names the other version's node as
    its own JSON-LD does (its ``kind``, ``@id`` = its page + ``anchor``) with its page as
    ``url``; {} when none.

    Args:
        languages: what ``part_alternates()`` gave.
        kind: the schema.org type of the node in the other version's JSON-LD.
        anchor: what its ``@id`` adds to its page's URL (``#article``); default "".
    """
    current = next((a for a in languages if a.current), None)
    if current is None:
        return {}

    def node(a: Alternate) -> dict[str, Any]:
        return {"@type": kind, "@id": a.url + anchor, "url": a.url, "inLanguage": a.language}

    if current.original:
        others = [node(a) for a in languages if not a.current]
        return {"workTranslation": others} if others else {}
    original = next((a for a in languages if a.original), None)
    return {"translationOfWork": node(original)} if original else {}


def disclaimer(ctx: RenderContext, asset_url: Callable[[str], str]) -> Markup:
    """The series disclaimer, which every fragment shows ("" when the series has none).

    Args:
        ctx: the render context.
        asset_url: the URL of an asset on the host page.
    """
    s = ctx.series
    if not s.disclaimer:
        return Markup("")
    return Markup(web_html(ctx, ctx.text_document(s.disclaimer), s.base_url, asset_url))


def card_view(ctx: RenderContext, part: Part) -> dict[str, Any]:
    """A listing card: title, summary, "Part N of M", and a link only once released.

    Args:
        ctx: the render context.
        part: any part of the series.
    """
    s = ctx.series
    released = ctx.is_released(part)
    return {
        "part": part,
        "released": released,
        "url": s.part_url(part) if released else None,
        "title_id": own_id(part, "card-title"),
        "kicker": i18n.labels(s.language)["part_of"].format(n=part.part, total=len(s.parts)),
        "published": time_tag(ctx, part.publish_at) if released else None,
        "available": None if released else ctx.available(part),
        "withdrawn": ctx.withdrawal(part) if ctx.is_withdrawn(part) else None,
        "disclaimer": disclaimer(ctx, ctx.web_url),
        "attribution": attribution(ctx, part),
    }


def hub_view(ctx: RenderContext) -> dict[str, Any]:
    """The series table of contents: every part, released ones linked.

    Args:
        ctx: the render context.
    """
    s = ctx.series
    words = i18n.labels(s.language)
    entries = []
    for part in s.parts:
        released = ctx.is_released(part)
        entries.append({
            "part": part,
            "label": words["part"].format(n=part.part),
            "url": s.part_url(part) if released else None,
            "published": time_tag(ctx, part.publish_at) if released else None,
            "available": None if released else ctx.available(part),
            "withdrawn": ctx.withdrawal(part) if ctx.is_withdrawn(part) else None,
        })
    return {"title_id": f"ketapub-{s.series_slug}--contents", "entries": entries,
            "contents": words["contents"], "disclaimer": disclaimer(ctx, ctx.web_url),
            "attribution": attribution(ctx, None)}
