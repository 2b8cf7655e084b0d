"""A part's document tree as XHTML for EPUB content documents.

An EPUB reading system parses XHTML as XML, so the translator writes XML: every element
closed (``<img .../>``, an empty element as ``<p/>``), ``&lt; &gt; &amp;`` in text and
``&quot;`` and character references for white space in attributes. Footnotes become EPUB 3
notes (``epub:type="noteref"`` / ``"footnote"`` asides with back-links) that reading systems
can show as pop-ups; a two-way table's first column holds row headers (``scope="row"``); the
FAQ section is labelled by its heading; every image has alt text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ketapub import i18n, tree
from ketapub.render.html_translator import Attributes, HtmlTranslator

OPS_NS = "http://www.idpf.org/2007/ops"
XHTML_NS = "http://www.w3.org/1999/xhtml"


@dataclass(frozen=True)
class Heading:
    """A level-2 section of a content document, for the nav and the NCX."""

    id: str
    text: str


class XhtmlTranslator(HtmlTranslator):
    """XHTML for an EPUB content document's ``<body>``.

    Args:
        ctx: the build's context.
        link: the href of a cross-reference to a released part (and a heading in it).
        asset_url: the href of an asset in the book (None: shown by its alt text).
        prefix: the part's id prefix.
        notes_title: the heading of the notes (in the series language).
        notes_id: the id of that heading.
    """

    def __init__(self, ctx: Any, link: Callable[[Any, str | None], str],
                 asset_url: Callable[[str], str | None], *, prefix: str = "",
                 notes_title: str = "Notes", notes_id: str = "notes") -> None:
        super().__init__(ctx, prefix=prefix)
        self._link, self._asset_url = link, asset_url
        self.notes_title, self.notes_id = notes_title, notes_id

    # --- XML serialisation ---------------------------------------------------------------
    def text(self, text: str) -> str:
        """``text`` escaped for XHTML, a carriage return kept as a reference."""
        return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\r", "&#13;"))

    def attr(self, value: str) -> str:
        """``value`` escaped for an XHTML attribute, whitespace kept as references."""
        return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
                .replace("\t", "&#9;"))

    def element(self, tag: str, content: str, attrs: Attributes = ()) -> str:
        """An element, self-closed when empty, as XHTML allows."""
        if not content:
            return self.start(tag, attrs)[:-1] + "/>"
        return self.start(tag, attrs) + content + f"</{tag}>"

    # --- policies ------------------------------------------------------------------------
    def part_link(self, part: Any, anchor: str | None) -> str:
        """A link to another part's file in the book."""
        return self._link(part, anchor)

    def asset_url(self, path: str) -> str | None:
        """The book-relative URL of an asset, or None when the book does not carry it."""
        return self._asset_url(path)

    # --- EPUB semantics ------------------------------------------------------------------
    def note_ref_attrs(self, node: tree.NoteRef) -> list[tuple[str, str]]:
        """A footnote reference's attributes, with its EPUB and ARIA roles."""
        return [*super().note_ref_attrs(node), ("epub:type", "noteref"),
                ("role", "doc-noteref")]

    def visit_notes(self, node: tree.Notes) -> str:
        """The footnotes, as a labelled section of ``aside`` notes, as reading systems expect."""
        heading = self.element("h2", self.text(self.notes_title), [("id", self.notes_id)])
        asides = "".join(self.aside(note) for note in node.notes)
        return "\n" + self.element("section", heading + asides, [
            ("class", "footnotes"), ("aria-labelledby", self.notes_id),
            ("epub:type", "footnotes")]) + "\n"

    def aside(self, note: tree.Note) -> str:
        """A note as a footnote aside, its number as a label before its first paragraph.

        Args:
            note: the footnote.
        """
        body = self.note_body(note)
        first = note.children[0] if note.children else None
        if isinstance(first, tree.Paragraph) or (isinstance(first, tree.Block)
                                                 and first.tag == "p"):
            label = self.element("span", f"{note.number}.", [("class", "footnote-label")])
            opening = self.start("p", first.attrs)
            if body.startswith(opening):
                body = opening + label + " " + body[len(opening):]
        return self.element("aside", body, [
            ("id", self.id(f"fn.{note.number}")), ("class", "footnote"),
            ("role", "doc-footnote"), ("epub:type", "footnote")])

    def backref_attrs(self, note: tree.Note, sub: int) -> list[tuple[str, str]]:
        """A back-link's attributes, with its ARIA role and a label in the series language."""
        return [*super().backref_attrs(note, sub), ("role", "doc-backlink"),
                ("aria-label",
                 i18n.labels(self.language)["back_to_note"].format(n=note.number))]

    def faq_attrs(self, node: tree.Faq) -> list[tuple[str, str]]:
        """The FAQ section's attributes, labelled by its heading."""
        first = node.children[0] if node.children else None
        if isinstance(first, tree.Heading) and first.id:
            return [("class", "faq"), ("aria-labelledby", self.id(first.id))]
        return [("class", "faq")]

    def cell_tag(self, cell: tree.Cell, head: bool) -> str:
        """``th`` for a header cell, wherever it is (a row's head too)."""
        return "th" if cell.header else "td"

    def cell_attrs(self, cell: tree.Cell, head: bool) -> list[tuple[str, str]]:
        """A cell's attributes, with the ``scope`` of a header cell."""
        attrs = super().cell_attrs(cell, head)
        return [*attrs, ("scope", cell.scope)] if cell.header and cell.scope else attrs


def body_xhtml(translator: XhtmlTranslator, document: tree.Document) -> str:
    """A document tree as XHTML markup to place inside an XHTML ``<body>``.

    Args:
        translator: the translator of the part.
        document: the document tree.
    """
    return translator.visit(document)


def check_document(data: bytes, name: str) -> Any:
    """Parse a finished content document as XML; a problem names the document.

    Args:
        data: the content document's bytes.
        name: its file name in the book.
    """
    from lxml import etree

    from ketapub.errors import RenderError

    try:
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise RenderError(name, f"not well-formed XHTML: {exc}") from None


def headings(doc: Any) -> list[Heading]:
    """The ``h2`` sections of a parsed content document, in order.

    Args:
        doc: the parsed content document.
    """
    out = []
    for h in doc.iter(f"{{{XHTML_NS}}}h2"):
        hid = h.get("id")
        text = " ".join("".join(h.itertext()).split())
        if hid and text:
            out.append(Heading(hid, text))
    return out
