"""RSS 2.0 (``feed/rss.xml``) and Atom 1.0 (``feed/atom.xml``), made with feedgen.

Released parts only, newest first; the id of an item is its part URL. Every date comes from
the content (``publish_at``, and ``updated_at`` once it has come: ``RenderContext.modified``),
never from the clock, so a feed is a pure
function of the series and the set of released parts. The item content comes from the
``feed/item.html`` template and has every URL made absolute, since a feed reader shows it
away from the site. When the part's handout PDF is made in the same build, it is attached as
an enclosure with its true length. Ids inside an item carry the part's prefix
(``ketapub.render.feed_items``), so a reader that shows several items on one page has
no id twice.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin

from ketapub import Artifact, Job, RenderContext, Renderer, RenderError, Series, schedule
from ketapub.fragment_policy import absolute_links
from ketapub.render.alternates import Alternate, edition_alternates, part_alternates
from ketapub.render.base import builtin_templates_dir
from ketapub.render.feed_items import ItemTranslator, item_values
from ketapub.render.html_translator import Attributes
from ketapub.render.shared import EPOCH, Enclosure, clean, handout_enclosure, handout_path
from ketapub.renderers.feeds_websub import add_hub

if TYPE_CHECKING:
    from ketapub.model import Part

FEED_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif"})
"""Image types RSS 2.0 allows for the channel image."""


@dataclass(frozen=True)
class Item:
    """What RSS and Atom say about one released part, already cleaned."""

    id: str
    title: str
    summary: str
    content_html: str
    published: datetime
    updated: datetime
    tags: tuple[str, ...]
    enclosure: Enclosure | None
    languages: tuple[Alternate, ...] = ()
    """The part's page in every language it is out in, this one included; () for none."""


class FeedHtml(ItemTranslator):
    """A part's body for a feed reader, which shows it away from the site.

    Every URL absolute, resolved against the part's page (anchors of the part too: RSS has no base,
    and a reader would resolve ``#x`` against the feed), and written as feed readers have always
    received it (lxml's HTML serialisation: URLs with spaces and non-ASCII characters
    percent-encoded, U+00A0 as itself, ``'`` around a value that holds ``"``); characters XML
    forbids are left out. The item's own links end in the prefixed id they point at: ``<part
    URL>#ketapub-<slug>.fn.1``.

    Args:
        ctx: the build's render context.
        part: the part shown; relative links resolve against its URL.
    """

    def __init__(self, ctx: RenderContext, part: Part) -> None:
        super().__init__(ctx, part)
        self.base = ctx.series.part_url(part)

    def asset_url(self, path: str) -> str | None:
        """The absolute URL of an asset, since a feed reader has no base."""
        return str(self.ctx.web_url(path))

    def text(self, text: str) -> str:
        """``text`` with what XML forbids removed, escaped."""
        return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def start(self, tag: str, attrs: Attributes = ()) -> str:
        """A start tag, its URLs made absolute (a URL no reader could resolve is left out)."""
        out = f"<{tag}"
        for name, raw in attrs:
            value = clean(raw)
            if name in _LINK_ATTRS:
                try:
                    value = urljoin(self.base, value.strip())
                except ValueError:  # not a URL a reader could resolve: left out
                    continue
            if name in ("href", "src", "action") or (name == "name" and tag == "a"):
                value = _uri_escape(value.lstrip(" \t\n\r"))
            value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            if '"' not in value:
                out += f' {name}="{value}"'
            elif "'" not in value:
                out += f" {name}='{value}'"
            else:
                out += f' {name}="{value.replace(chr(34), "&quot;")}"'
        return out + ">"

    def element(self, tag: str, content: str, attrs: Attributes = ()) -> str:
        """An element; void elements are written without content."""
        if tag in ("br", "hr", "img"):
            return self.start(tag, attrs)
        return self.start(tag, attrs) + content + f"</{tag}>"


_LINK_ATTRS = frozenset({"action", "archive", "background", "cite", "classid", "codebase",
                         "data", "href", "longdesc", "profile", "src", "usemap", "dynsrc",
                         "lowsrc"})
"""The attributes that hold a URL, resolved against the part's page."""


def _uri_escape(url: str) -> str:
    """Spaces, controls and non-ASCII characters of a URL as UTF-8 percent escapes."""
    return "".join(c if " " < c < "\x7f" else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
                   for c in url)


def items(renderer: Renderer, ctx: RenderContext) -> list[Item]:
    """The released parts as feed items, newest first (ties: higher part number first).

    Args:
        renderer: the feed renderer, for its templates.
        ctx: the render context.
    """
    from markupsafe import Markup

    s = ctx.series
    result = []
    ordered = sorted(ctx.released, key=lambda p: (p.publish_at.astimezone(UTC), p.part),
                     reverse=True)
    for part in ordered:
        url = s.part_url(part)
        translator = FeedHtml(ctx, part)
        body = translator.visit(ctx.document(part))
        disclaimer = (translator.visit(ctx.text_document(s.disclaimer))
                      if s.disclaimer else "")
        html = renderer.render_template(ctx, "feed/item.html", body=Markup(body),
                                        disclaimer=Markup(disclaimer),
                                        **item_values(ctx, translator))
        enclosure = handout_enclosure(ctx, part)
        result.append(Item(
            id=url, title=clean(part.title), summary=clean(part.summary),
            content_html=_item_html(renderer, ctx, html, url),
            published=part.publish_at.astimezone(UTC), updated=ctx.modified(part).astimezone(UTC),
            tags=tuple(clean(t) for t in part.tags if clean(t).strip()),
            enclosure=enclosure, languages=part_alternates(ctx, part)))
    return result


def _item_html(renderer: Renderer, ctx: RenderContext, html: str, url: str) -> str:
    """The item template's output.

    A user's template may write relative links, which are resolved against the part's URL (the
    built-in one writes only absolute ones).
    """
    html = clean(html).strip()
    template = renderer.templates(ctx).get_template("feed/item.html")
    if Path(template.filename or "").parent.parent != builtin_templates_dir():
        html = clean(absolute_links(html, url))
    return html


class _FeedRenderer(Renderer):
    """What RSS and Atom share: one job, enclosure dependencies, the feedgen channel."""

    path: ClassVar[str] = ""
    media_type: ClassVar[str] = ""

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        deps = tuple(handout_path(p) for p in ctx.released)
        return [self.job(self.path, kind="feed", depends_on=deps, live=True)]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        from feedgen.feed import FeedGenerator

        entries = items(self, ctx)
        fg = FeedGenerator()
        fg.load_extension("dc", atom=False, rss=True)
        s = ctx.series
        fg.id(clean(s.identifier))
        fg.title(clean(s.title))
        fg.description(clean(s.description))  # RSS description, Atom subtitle
        fg.link(href=ctx.web_url(job.path), rel="self", type=self.media_type)
        if s.websub_hub:  # WebSub discovery: feedgen's link() refuses rel="hub"
            add_hub(fg, str(s.websub_hub))
        fg.link(href=s.base_url, rel="alternate")  # last: feedgen's RSS <link> is the last one
        self._languages(fg, ctx, job.path)
        fg.language(s.language)
        for a in s.authors:  # Atom only: RSS <author> must be an e-mail address
            fg.author({"name": clean(a.name)})
        if s.license:
            fg.rights(clean(s.license))
        fg.generator("ketapub")
        cover = s.get_asset(s.cover) if s.cover else None
        if cover is not None and cover.media_type in FEED_IMAGE_TYPES:
            fg.image(url=ctx.web_url(cover.path), title=clean(s.title), link=s.base_url)
        elif cover is not None:
            self._logo(fg, ctx.web_url(cover.path))
        newest = ctx.last_modified
        fg.lastBuildDate(newest.astimezone(UTC) if newest else EPOCH)
        if entries:
            fg.pubDate(max(e.published for e in entries))
        for item in entries:
            self._entry(fg.add_entry(order="append"), item, s)
        self._tombstones(fg, ctx)
        try:
            data = self._serialise(fg, entries, newest is None)
        except (ValueError, TypeError) as exc:  # feedgen's complaints about missing fields
            raise RenderError(job.path, f"cannot make the feed: {exc}") from None
        return Artifact(job.path, data, self.media_type, self.name)

    def _entry(self, fe: Any, item: Item, s: Series) -> None:
        fe.guid(item.id, permalink=True)
        fe.title(item.title)
        fe.link(href=item.id, rel="alternate")
        fe.published(item.published)
        fe.updated(item.updated)
        fe.summary(item.summary)  # Atom summary, RSS description
        fe.content(item.content_html, type="html")
        for tag in item.tags:
            fe.category(term=tag)
        for a in s.authors:
            self._author(fe, clean(a.name))
        if item.enclosure is not None:
            self._enclosure(fe, item.enclosure)

    # --- where RSS and Atom differ: each format overrides these -------------------------
    def _languages(self, fg: Any, ctx: RenderContext, path: str) -> None:
        """Link this feed in the other languages: RSS 2.0 has no field for it."""

    def _tombstones(self, fg: Any, ctx: RenderContext) -> None:
        """Announce expired and withdrawn parts: RSS has no way to (the item just leaves)."""

    def _logo(self, fg: Any, url: str) -> None:
        """A cover that is no channel image (RSS allows PNG, JPEG, GIF only).

        RSS has no other place for it.
        """

    @abstractmethod
    def _author(self, fe: Any, name: str) -> None:
        """Credit author ``name`` on entry ``fe``."""

    @abstractmethod
    def _enclosure(self, fe: Any, enclosure: Enclosure) -> None:
        """Attach the part's handout to entry ``fe``."""

    @abstractmethod
    def _serialise(self, fg: Any, entries: list[Item], empty: bool) -> bytes:
        """The feed's bytes (``empty``: no part released yet)."""


class RssRenderer(_FeedRenderer):
    """The ``rss`` renderer: an RSS 2.0 feed of the released parts, full text, PDF enclosures."""

    name = "rss"
    version = "5"
    description = "RSS 2.0 feed of the released parts, full content, PDF enclosures"
    path = "feed/rss.xml"
    media_type = "application/rss+xml"

    def _author(self, fe: Any, name: str) -> None:
        fe.dc.dc_creator(name, replace=False)  # RSS <author> must be an e-mail address

    def _enclosure(self, fe: Any, enclosure: Enclosure) -> None:
        fe.enclosure(enclosure.url, str(enclosure.length), enclosure.media_type)

    def _serialise(self, fg: Any, entries: list[Item], empty: bool) -> bytes:
        root = _parse(fg.rss_str())
        if empty:  # no content date yet: say nothing rather than invent one
            for el in root.iter("lastBuildDate"):
                el.getparent().remove(el)
        return _tostring(root)


class AtomRenderer(_FeedRenderer):
    """The ``atom`` renderer: an Atom 1.0 feed of the released parts, with tombstones."""

    name = "atom"
    version = "5"
    description = "Atom 1.0 feed of the released parts, full content, PDF enclosures"
    path = "feed/atom.xml"
    media_type = "application/atom+xml"

    def _logo(self, fg: Any, url: str) -> None:
        fg.logo(url)  # Atom takes any image as logo

    def _languages(self, fg: Any, ctx: RenderContext, path: str) -> None:
        """A ``link rel="alternate" hreflang`` to each other edition's Atom feed.

        Every edition makes one, whatever it has released.
        """
        for a in edition_alternates(ctx, path):
            if not a.current:
                fg.link(href=a.url, rel="alternate", type=self.media_type, hreflang=a.language)

    def _tombstones(self, fg: Any, ctx: RenderContext) -> None:
        """Add an ``at:deleted-entry`` (RFC 6721) per expired or withdrawn part.

        An ``at:deleted-entry`` (RFC 6721) per expired or withdrawn part, its ``ref`` the entry's
        id, ``when`` the end instant and the reason as ``at:comment``; none (and no namespace) when
        nothing has ended, so such feeds are as before.
        """
        from ketapub.renderers.feeds_tombstones import Tombstone, TombstoneExtension

        ended = ctx.withdrawn
        if not ended:
            return
        fg.register_extension("tombstones", TombstoneExtension, None, atom=True, rss=False)
        s = ctx.series
        for when, p in sorted(((p.ends_at.astimezone(UTC), p) for p in ended
                               if p.ends_at is not None), key=lambda e: (e[0], e[1].part)):
            fg.tombstones.add(Tombstone(s.part_url(p), when,
                                        clean(schedule.end_reason(p, s.language))))

    def _author(self, fe: Any, name: str) -> None:
        fe.author({"name": name})

    def _enclosure(self, fe: Any, enclosure: Enclosure) -> None:
        """Written by ``_serialise()``: feedgen 1.0 drops the link's length."""

    def _serialise(self, fg: Any, entries: list[Item], empty: bool) -> bytes:
        # feedgen 1.0 drops rel/type/length of entry links: write them here.
        ns = "{http://www.w3.org/2005/Atom}"
        root = _parse(fg.atom_str())
        by_id = {e.id: e for e in entries}
        for entry in root.iter(f"{ns}entry"):
            item = by_id[entry.findtext(f"{ns}id")]
            for link in entry.findall(f"{ns}link"):
                entry.remove(link)
            at = list(entry).index(entry.find(f"{ns}content")) + 1
            links = [{"rel": "alternate", "type": "text/html", "href": item.id}]
            # the part's page in each other language, then its own again with its language:
            # readers take the first alternate (SimplePie, gofeed) or the last (feedparser,
            # Liferea) as the entry's link, and both must find the entry's own page
            links += [{"rel": "alternate", "type": "text/html", "hreflang": a.language,
                       "href": a.url} for a in item.languages if not a.current]
            links += [{"rel": "alternate", "type": "text/html", "hreflang": a.language,
                       "href": a.url} for a in item.languages if a.current]
            if item.enclosure is not None:
                e = item.enclosure
                links.append({"rel": "enclosure", "type": e.media_type, "href": e.url,
                              "length": str(e.length)})
            for offset, attrs in enumerate(links):
                el = entry.makeelement(f"{ns}link", {k: attrs[k] for k in
                                                     ("rel", "type", "hreflang", "href",
                                                      "length")
                                                     if k in attrs})
                entry.insert(at + offset, el)
        return _tostring(root)


def _parse(data: bytes) -> Any:
    from lxml import etree

    return etree.fromstring(data, etree.XMLParser(remove_blank_text=True, resolve_entities=False,
                                                  no_network=True))


def _tostring(root: Any) -> bytes:
    from lxml import etree

    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                 pretty_print=True)
    return data
