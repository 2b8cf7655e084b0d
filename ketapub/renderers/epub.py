"""EPUB 3 ebook of the released parts (``epub/<series-slug>.epub``).

Reading order: cover, title page, important information (disclaimer and medical review),
contents, one XHTML document per released part (with its notes and references), and a
"Coming soon" page that lists unreleased parts by title and date only. Content documents
come from ``templates/epub/``; the package document, manifest and spine are written by
ebooklib and re-packed byte for byte reproducibly (see ``epub_package``).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ketapub import Artifact, Job, Part, RenderContext, Renderer, RenderError, Series, i18n

CORE_IMAGE_TYPES = ("image/gif", "image/jpeg", "image/png", "image/svg+xml", "image/webp")
XHTML = "application/xhtml+xml"
# Free-text author roles -> MARC relator codes (https://id.loc.gov/vocabulary/relators).
MARC_ROLES = {
    "author": "aut", "writer": "aut", "editor": "edt", "illustrator": "ill",
    "translator": "trl", "photographer": "pht", "contributor": "ctb", "compiler": "com",
    "narrator": "nrt", "designer": "dsr", "reviewer": "rev", "adapter": "adp",
}
A11Y_FEATURES = ("tableOfContents", "structuralNavigation", "readingOrder", "alternativeText",
                 "displayTransformability")


@dataclass
class TocEntry:
    """An entry of the ebook's table of contents, with the entries under it."""

    title: str
    href: str
    order: int = 0
    children: list[TocEntry] = field(default_factory=list)


class EpubRenderer(Renderer):
    """The ``epub`` renderer: an EPUB 3 ebook of the released parts."""

    name = "epub"
    version = "3"
    description = "EPUB 3 ebook of the released parts (epub/<series-slug>.epub)"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        """One job, the ebook, once a part is released (before, it would have no date)."""
        if not ctx.released:  # nothing to read yet: no book (its date would be undefined)
            return []
        return [self.job(f"epub/{series.series_slug}.epub", kind="ebook")]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        """The ebook's bytes; an unwritable book is a ``RenderError``."""
        from ketapub.renderers import epub_package

        try:
            pkg = _Book(self, ctx, job.path).package()
            data = epub_package.write(pkg)
        except (OSError, ValueError) as exc:
            raise RenderError(job.path, f"could not write the EPUB: {exc}") from None
        return Artifact(job.path, data, "application/epub+zip", self.name)


def part_href(part: Part) -> str:
    """The ebook file of ``part``, linked from the contents and from other parts.

    Args:
        part: the part.
    """
    return f"part-{part.number}.xhtml"


def id_prefix(part: Part) -> str:
    """Prefix body ids per part, so they never meet the ids the templates add.

    Body ids get a per-part prefix so they never meet the ids the templates add (which hold no
    ``.``).

    Args:
        part: the part.
    """
    return f"p{part.part}."


def marc_role(role: str | None) -> str | None:
    """The MARC relator code of an author's role, "aut" for none, None for unknown.

    Args:
        role: the author's role as written, or None.
    """
    if role is None:
        return "aut"  # a listed author with no role is an author
    return MARC_ROLES.get(role.strip().lower())


class _Book:
    """Gathers the documents and metadata of one ebook."""

    def __init__(self, renderer: EpubRenderer, ctx: RenderContext, path: str):
        self.r, self.ctx, self.s, self.path = renderer, ctx, ctx.series, path
        self.t = i18n.labels(ctx.series.language)
        self.resources: list[Any] = []
        self.spine: list[str] = []
        self.media: dict[str, str] = {}  # source asset path -> href in the book

    # --- helpers ----------------------------------------------------------------------
    def template(self, name: str, **values: Any) -> str:
        return self.r.render_template(self.ctx, f"epub/{name}", strings=self.t, **values)

    def add(self, rid: str, href: str, media_type: str, data: bytes,
            properties: tuple[str, ...] = (), spine: bool = False) -> None:
        from ketapub.renderers.epub_package import Resource

        self.resources.append(Resource(rid, href, media_type, data, properties))
        if spine:
            self.spine.append(rid)

    def document(self, rid: str, href: str, template: str, **values: Any) -> Any:
        """Render, check and add one XHTML content document; returns its parsed tree."""
        from ketapub.renderers.epub_xhtml import check_document

        data = self.template(template, **values).encode("utf-8")
        tree = check_document(data, f"{self.path}:{href}")
        props = ("svg",) if b"<svg" in data else ()
        self.add(rid, href, XHTML, data, props, spine=True)
        return tree

    def label(self, part: Part) -> str:
        return self.t["part"].format(n=part.part)

    def media_href(self, path: str, rid: str | None = None,
                   properties: tuple[str, ...] = ()) -> str:
        """Add a source asset to the book once; returns its href (relative to the OPF)."""
        if path in self.media:
            return self.media[path]
        asset = self.s.get_asset(path)
        if asset is None:
            raise RenderError(self.path, f"{path}: asset not found in the source folder")
        if asset.media_type not in CORE_IMAGE_TYPES:
            raise RenderError(self.path, f"{path}: {asset.media_type} is not an EPUB core image "
                                         f"type; use PNG, JPEG, GIF, WebP or SVG")
        if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*"
                        r"(/[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*)*", path):
            href = f"media/{path}"
        else:  # keep file names EPUBCheck-safe and unambiguous
            href = f"media/{asset.sha256[:16]}{posixpath.splitext(path)[1].lower()}"
        rid = rid or "img-" + hashlib.sha256(href.encode()).hexdigest()[:12]
        self.add(rid, href, asset.media_type, asset.data, properties)
        self.media[path] = href
        return href

    def link(self, part: Part, anchor: str | None) -> str:
        return part_href(part) + (f"#{id_prefix(part)}{anchor}" if anchor else "")

    # --- documents --------------------------------------------------------------------
    def cover(self) -> None:
        s = self.s
        if s.cover:
            href = self.media_href(s.cover, "cover-image", ("cover-image",))
            alt = self.t["cover_of"].format(title=s.title)
        else:
            from ketapub.renderers.epub_cover import cover_png

            alt = ". ".join(x for x in (s.title, s.subtitle, s.publisher) if x)
            href = "cover.png"
            self.add("cover-image", href, "image/png", cover_png(s.title, s.subtitle,
                                                               s.publisher), ("cover-image",))
        self.document("cover", "cover.xhtml", "cover.xhtml", cover_href=quote(href),
                      cover_alt=alt)

    def front(self) -> None:
        s, ctx, t = self.s, self.ctx, self.t
        released = ctx.released
        nums = [p.part for p in released]
        if len(nums) == 1:
            span = t["part"].format(n=nums[0])
        elif nums == list(range(nums[0], nums[-1] + 1)):
            span = t["parts"].format(numbers=f"{nums[0]}–{nums[-1]}")
        else:  # released out of order: name each part
            span = t["parts"].format(
                numbers=f"{', '.join(map(str, nums[:-1]))} {t['and']} {nums[-1]}")
        edition = t["edition"].format(date=ctx.format_date(ctx.last_modified), parts=span,
                                      total=len(s.parts))
        rights = t["license"].format(license=s.license) if s.license else ""
        self.document("titlepage", "titlepage.xhtml", "titlepage.xhtml", edition=edition,
                      rights=rights)
        if s.disclaimer or ctx.review_line(None):
            from markupsafe import Markup

            from ketapub.renderers.epub_xhtml import XhtmlTranslator, body_xhtml

            # as written (no image of the disclaimer is added to the book)
            translator = XhtmlTranslator(ctx, self.link, lambda path: path)
            disclaimer = (Markup(body_xhtml(translator, ctx.text_document(s.disclaimer)))
                          if s.disclaimer else "")
            review = ctx.review_line(None)
            self.document("notice", "notice.xhtml", "notice.xhtml", disclaimer=disclaimer,
                          review=review)

    def part(self, part: Part) -> list[Any]:
        from markupsafe import Markup

        from ketapub.renderers.epub_xhtml import XhtmlTranslator, body_xhtml, headings

        ctx, t = self.ctx, self.t
        prefix = id_prefix(part)
        translator = XhtmlTranslator(ctx, self.link, lambda p: quote(self.media_href(p)),
                                     prefix=prefix, notes_title=t["notes"], notes_id="notes")
        body = Markup(body_xhtml(translator, ctx.document(part)))
        dates = t["published_on"].format(date=ctx.format_date(part.publish_at))
        if (updated := ctx.updated(part)) is not None:
            dates += " · " + t["updated_on"].format(date=ctx.format_date(updated))
        # the series' review is on the notice page
        review = ctx.review_line(part, fallback=False)
        tree = self.document(f"part-{part.number}", part_href(part), "part.xhtml", part=part,
                             label=self.label(part), body=body, dates=dates, review=review,
                             references=part.numbered_references, prefix=prefix,
                             changes=[(ctx.format_date(c.on, "long"), c.note)
                                      for c in ctx.changes(part)])
        return headings(tree)

    # --- the whole book ---------------------------------------------------------------
    def package(self) -> Any:
        from ketapub.renderers.epub_package import Package

        ctx, s = self.ctx, self.s
        self.cover()
        self.front()
        toc = [TocEntry(self.t["titlepage"], "titlepage.xhtml")]
        if s.disclaimer or ctx.review_line(None):
            toc.append(TocEntry(self.t["notice"], "notice.xhtml"))
        nav_index = len(self.spine)
        for part in ctx.released:
            entry = TocEntry(f"{self.label(part)}: {part.title}", part_href(part))
            entry.children = [TocEntry(h.text, f"{part_href(part)}#{h.id}")
                              for h in self.part(part)]
            toc.append(entry)
        upcoming = [(p, self.label(p), ctx.available(p)) for p in ctx.unreleased]
        if upcoming:
            self.document("coming-soon", "coming-soon.xhtml", "coming-soon.xhtml",
                          upcoming=upcoming)
            # Unreleased parts are listed "Available <date>" without a link (the contract):
            # on the contents page after the navigation list, since a nav entry must link
            # (EPUB 3 nav rules); the nav itself links only the "Coming soon" page.
            toc.append(TocEntry(self.t["coming_soon"], "coming-soon.xhtml"))
        order = 1
        for entry in toc:
            entry.order, order = order, order + 1
            for child in entry.children:
                child.order, order = order, order + 1
        first = part_href(ctx.released[0])
        landmarks = [("cover", "cover.xhtml", self.t["cover"]),
                     ("titlepage", "titlepage.xhtml", self.t["titlepage"]),
                     ("toc", "nav.xhtml#toc", self.t["contents"]),
                     ("bodymatter", first, self.t["start"])]
        self.document("nav", "nav.xhtml", "nav.xhtml", toc=toc, landmarks=landmarks,
                      upcoming=upcoming)
        nav = self.resources.pop()
        self.resources.insert(0, _with_props(nav, ("nav",)))
        self.spine.remove("nav")
        self.spine.insert(nav_index, "nav")
        depth = 2 if any(e.children for e in toc) else 1
        ncx = self.template("toc.ncx", toc=toc, depth=depth).encode("utf-8")
        self.add("ncx", "toc.ncx", "application/x-dtbncx+xml", ncx)
        self.add("css", "style.css", "text/css", self.template("style.css").encode("utf-8"))
        return Package(
            identifier=s.identifier or "", title=s.title, language=s.language,
            modified=_modified(ctx), creators=self.creators(), metadata=self.metadata(),
            resources=tuple(self.resources), spine=tuple(self.spine),
            guide=(("cover", self.t["cover"], "cover.xhtml"),
                   ("toc", self.t["contents"], "nav.xhtml"),
                   ("text", self.t["start"], first)),
        )

    def creators(self) -> tuple[Any, ...]:
        from ketapub.renderers.epub_package import Creator

        return tuple(Creator(a.name, f"creator-{i}", marc_role(a.role))
                     for i, a in enumerate(self.s.authors, 1))

    def metadata(self) -> tuple[Any, ...]:
        from ketapub.renderers.epub_package import Meta

        s, ctx = self.s, self.ctx
        modified = _modified(ctx)
        meta = [Meta("DC", "publisher", s.publisher), Meta("DC", "description", s.description)]
        if s.license:
            meta.append(Meta("DC", "rights", self.t["license"].format(license=s.license)))
        subjects = dict.fromkeys(t for p in ctx.released for t in p.tags)
        meta += [Meta("DC", "subject", t) for t in subjects]
        meta.append(Meta("DC", "date", modified.date().isoformat()))
        if s.subtitle:
            meta += [Meta("DC", "title", s.subtitle, (("id", "subtitle"),)),
                     Meta(None, "meta", "subtitle", (("refines", "#subtitle"),
                                                     ("property", "title-type"))),
                     Meta(None, "meta", "main", (("refines", "#title"),
                                                 ("property", "title-type")))]

        def prop(name: str, value: str, *attrs: tuple[str, str]) -> Meta:
            return Meta(None, "meta", value, (("property", name), *attrs))

        meta += [prop("belongs-to-collection", s.title, ("id", "collection")),
                 prop("collection-type", "series", ("refines", "#collection")),
                 prop("group-position", "1", ("refines", "#collection"))]
        meta += [prop("schema:accessMode", "textual"), prop("schema:accessMode", "visual"),
                 prop("schema:accessModeSufficient", "textual")]
        meta += [prop("schema:accessibilityFeature", f) for f in A11Y_FEATURES]
        meta += [prop("schema:accessibilityHazard", "none"),
                 prop("schema:accessibilitySummary", self.t["a11y_summary"]),
                 prop("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"),
                 prop("a11y:certifiedBy", s.publisher)]
        meta.append(Meta(None, "meta", "", (("name", "cover"), ("content", "cover-image"))))
        return tuple(meta)


def _with_props(resource: Any, props: tuple[str, ...]) -> Any:
    from dataclasses import replace

    return replace(resource, properties=tuple(dict.fromkeys((*resource.properties, *props))))


def _modified(ctx: RenderContext) -> datetime:
    """The book's modification date: the newest released part's date (never the clock)."""
    if ctx.last_modified is None:  # plan() makes no book before the first release
        raise RenderError("epub", "no part is released yet, so there is no book to make")
    return ctx.last_modified
