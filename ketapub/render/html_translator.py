"""HTML from a part's document tree: the translator every HTML-based format subclasses.

``HtmlTranslator`` writes the HTML the dialect has always produced (markdown-it's
markup, then serialised as the sanitiser's HTML5 serialiser writes it: attributes in source
order, ``&amp; &lt; &gt;`` and U+00A0 as ``&nbsp;`` in text and attributes, ``&quot;`` in
attributes, void elements without a closing slash, a newline after each block). A format
changes what it needs by overriding a policy (``HtmlTranslator.part_link()``,
``asset_url()``, ``id()`` ...) or a ``visit_`` method;
no format patches another's output.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from ketapub import i18n, tree
from ketapub.render.translator import Translator

if TYPE_CHECKING:
    from ketapub.model import Part

Attributes: TypeAlias = Sequence[tuple[str, str]]
"""(name, value) pairs in the order they are written."""

VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input",
                           "link", "meta", "source", "track", "wbr"})
BACKREF = "\u21a9\ufe0e"
"""The footnote back-link's text: a hooked arrow shown as text, not as an emoji."""


def _bottom_up(root: tree.Node) -> list[tree.Node]:
    """Every node under ``root`` (itself last), each after the nodes inside it."""
    order: list[tree.Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(_inside(node))
    order.reverse()
    return order


def _inside(node: tree.Node) -> tuple[tree.Node, ...]:
    if isinstance(node, tree.Table):
        return node.head + node.body
    if isinstance(node, tree.Notes):
        return node.notes
    inside = node.children if isinstance(node, tree.Parent) else ()
    if isinstance(node, tree.Document) and node.notes is not None:
        return (*inside, node.notes)
    return inside


def escape_text(text: str) -> str:
    r"""Text as the HTML5 serialiser writes it.

    Args:
        text: the text.

    Examples:
        >>> escape_text("1 < 2 & 3\u00a0mg")
        '1 &lt; 2 &amp; 3&nbsp;mg'
    """
    return (text.replace("&", "&amp;").replace("\u00a0", "&nbsp;")
            .replace("<", "&lt;").replace(">", "&gt;"))


def escape_attr(value: str) -> str:
    """An attribute value as the HTML5 serialiser writes it (between double quotes).

    Args:
        value: the attribute's value.
    """
    return (value.replace("&", "&amp;").replace("\u00a0", "&nbsp;").replace('"', "&quot;")
            .replace("<", "&lt;").replace(">", "&gt;"))


class HtmlTranslator(Translator):
    r"""A part (or a short text) as an HTML fragment.

    Args:
        ctx: the build's ``RenderContext`` (None: links and
            dates need no series, as in a test).
        prefix: prepended to every id of the part, so several parts can share one page.
        heading_offset: levels added to every heading (1: ``##`` becomes ``<h3>``).
        language: the series language, for callout labels (default: the context's).

    Examples:
        Two parts can share a page: ids are prefixed and headings moved down a level:

        >>> from ketapub import dialect
        >>> body = dialect.document("## Dosing\n\nTake *one* tablet.", language="en")
        >>> print(HtmlTranslator(prefix="p1.", heading_offset=1).visit(body), end="")
        <h3 id="p1.dosing">Dosing</h3>
        <p>Take <em>one</em> tablet.</p>
    """

    def __init__(self, ctx: Any = None, *, prefix: str = "", heading_offset: int = 0,
                 language: str | None = None) -> None:
        super().__init__(ctx)
        self.prefix = prefix
        self.heading_offset = heading_offset
        self.language = language or (ctx.series.language if ctx is not None else "en")
        self._done: dict[int, str] | None = None

    # --- dispatch without deep recursion ---------------------------------------------------
    def visit(self, node: tree.Node) -> str:
        """The HTML of ``node``.

        A whole tree is written bottom-up, each node once, so a node's method finds its children
        written already: emphasis nested thousands deep (which CommonMark allows) costs no
        recursion.
        """
        if self._done is not None:
            done = self._done.get(id(node))
            return done if done is not None else super().visit(node)
        self._done = {}
        try:
            for inner in _bottom_up(node):
                self._done[id(inner)] = super().visit(inner)
            return self._done[id(node)]
        finally:
            self._done = None

    def visit_all(self, nodes: Iterable[tree.Node]) -> str:
        """The HTML of ``nodes``, one after the other."""
        return "".join([self.visit(n) for n in nodes])

    # --- serialisation (a subclass writing another syntax overrides these) ------------
    def text(self, text: str) -> str:
        """``text`` escaped for an element's content.

        Args:
            text: the text.
        """
        return escape_text(text)

    def attr(self, value: str) -> str:
        """``value`` escaped for an attribute between double quotes.

        Args:
            value: the attribute's value.
        """
        return escape_attr(value)

    def start(self, tag: str, attrs: Attributes = ()) -> str:
        """A start tag with ``attrs`` in their order.

        Args:
            tag: the element's name.
            attrs: (name, value) pairs.
        """
        return f"<{tag}" + "".join(f' {k}="{self.attr(v)}"' for k, v in attrs) + ">"

    def element(self, tag: str, content: str, attrs: Attributes = ()) -> str:
        """``<tag attrs>content</tag>`` (a void element has no content and no end tag).

        Args:
            tag: the element's name.
            content: its content, written already.
            attrs: (name, value) pairs.
        """
        if tag in VOID_ELEMENTS:
            return self.start(tag, attrs)
        return self.start(tag, attrs) + content + f"</{tag}>"

    # --- policies ----------------------------------------------------------------------
    def id(self, local: str) -> str:
        """The id of ``local`` on the page: prefixed, so several parts can share a page."""
        return self.prefix + local

    def heading_level(self, level: int) -> int:
        """The HTML level of a Markdown heading level, shifted and at most 6."""
        return min(6, level + self.heading_offset)

    def part_link(self, part: Part, anchor: str | None) -> str:
        """The href of a cross-reference to released ``part`` (and a heading in it).

        Args:
            part: the part linked to.
            anchor: a heading id in it, or None.
        """
        return str(self.ctx.web_link(part, anchor))

    def unreleased(self, part: Part | None, children: str) -> str:
        """A cross-reference to a part not out yet: its text, then "(Available <date>)".

        Args:
            part: the part linked to, or None when the series has no such part.
            children: the link's text, written already.
        """
        suffix = f" ({self.ctx.available(part)})" if part is not None else ""
        return self.element("span", children, [("class", "xref-unreleased")]) + self.text(suffix)

    def asset_url(self, path: str) -> str | None:
        """The URL of series asset ``path`` in an ``src`` (None: show the alt text).

        Args:
            path: the asset's path in the source (``assets/chart.svg``).
        """
        return path

    def file_url(self, path: str, fragment: str | None) -> str:
        """The href of a link to a file under ``assets/``: its published URL.

        Args:
            path: the file's path in the source.
            fragment: the link's ``#fragment``, or None.
        """
        url = str(self.ctx.web_url(path)) if self.ctx is not None else path
        return url + ("#" + fragment if fragment is not None else "")

    def link_href(self, href: str) -> str:
        """The href of an ordinary link (``#anchor`` of the part gets the id prefix).

        Args:
            href: the link's destination as the tree holds it.
        """
        return "#" + self.id(href[1:]) if href.startswith("#") and self.prefix else href

    def citation_href(self, ref_id: str) -> str:
        """The href of a citation of reference ``ref_id``: the part's own reference list.

        Args:
            ref_id: the reference's id.
        """
        return "#" + self.id("ref." + ref_id)

    def callout_title(self, kind: str) -> str:
        """The title of a callout of ``kind`` ("Note", "Warning") in the series language.

        Args:
            kind: the callout's kind (``note``, ``warning``...).
        """
        return i18n.labels(self.language)[f"callout_{kind}"]

    # --- inlines -----------------------------------------------------------------------
    def visit_text(self, node: tree.Text) -> str:
        """Text, escaped."""
        return self.text(node.text)

    def visit_soft_break(self, node: tree.SoftBreak) -> str:
        """A soft break, as a newline."""
        return "\n"

    def visit_line_break(self, node: tree.LineBreak) -> str:
        """A hard break, as ``<br>``."""
        return self.element("br", "") + "\n"

    def visit_emphasis(self, node: tree.Emphasis) -> str:
        """Emphasis, as ``<em>``."""
        return self.element("em", self.visit_all(node.children))

    def visit_strong(self, node: tree.Strong) -> str:
        """Strong emphasis, as ``<strong>``."""
        return self.element("strong", self.visit_all(node.children))

    def visit_strikethrough(self, node: tree.Strikethrough) -> str:
        """Struck-through text, as ``<s>``."""
        return self.element("s", self.visit_all(node.children))

    def visit_code(self, node: tree.Code) -> str:
        """Inline code, as ``<code>``."""
        return self.element("code", self.text(node.text))

    def visit_inline(self, node: tree.Inline) -> str:
        """Raw inline HTML the sanitiser kept, as that element."""
        return self.element(node.tag, self.visit_all(node.children), self.raw_attrs(node))

    def raw_attrs(self, node: tree.Parent) -> tuple[tuple[str, str], ...]:
        """The attributes an author's raw element kept (a format may rewrite URLs).

        Args:
            node: a raw element of the tree.
        """
        return node.attrs

    def visit_link(self, node: tree.Link) -> str:
        """A web link, its ``href`` through ``link_href()``."""
        attrs = [("href", self.link_href(node.href))]
        if node.title:
            attrs.append(("title", node.title))
        return self.element("a", self.visit_all(node.children), attrs)

    def visit_file_link(self, node: tree.FileLink) -> str:
        """A link to a source file, to that file's published URL."""
        return self.element("a", self.visit_all(node.children),
                            [("href", self.file_url(node.path, node.fragment)), *node.attrs])

    def visit_cross_reference(self, node: tree.CrossReference) -> str:
        """A ``part:`` link, or its text alone while the part it names is not released."""
        children = self.visit_all(node.children)
        part = self.ctx.series.get_part(node.target) if self.ctx is not None else None
        if part is None or not self.is_released(node.target):
            return self.unreleased(part, children)
        return self.xref(node, part, self.element("a", children, [
            ("href", self.part_link(part, node.anchor)), *node.attrs, ("class", "xref")]))

    def xref(self, node: tree.CrossReference, part: Part, link: str) -> str:
        """A released cross-reference's markup, ``link`` its ``<a>`` (print adds "(Part 3)").

        Args:
            node: the cross-reference.
            part: the part it links to.
            link: its ``<a>``, written already.
        """
        return link

    def visit_removed_link(self, node: tree.RemovedLink) -> str:
        """A link the sanitiser removed, as its text in a ``span``."""
        return self.element("span", self.visit_all(node.children), [("class", "link-removed")])

    def visit_image(self, node: tree.Image) -> str:
        """An image, or its alt text when the format has no URL for it."""
        url = self.asset_url(node.asset) if node.asset is not None else None
        if url is None:
            return self.text(node.alt)
        return self.element("img", "", self.image_attrs(node, url))

    def image_attrs(self, node: tree.Image, url: str) -> list[tuple[str, str]]:
        """The attributes of an ``<img>``; a format adds its own (size, loading).

        Args:
            node: the image.
            url: its URL, from ``asset_url()``.
        """
        attrs = [("src", url), ("alt", node.alt)]
        if node.title:
            attrs.append(("title", node.title))
        return attrs

    # Footnote markers and citations must not look alike ("Medicines[1]" next to "2010 [1]"):
    # a citation is "[1]" on the line, a note's marker the bare number raised; each link's
    # aria-label names its kind for a screen reader.
    def visit_citation(self, node: tree.Citation) -> str:
        """A citation, as bracketed links to its references."""
        if not node.refs:
            return ""
        links = ", ".join(self.element("a", str(n), [("href", self.citation_href(rid)),
                                                     ("role", "doc-biblioref"),
                                                     ("aria-label", self.reference_label(n))])
                          for rid, n in node.refs)
        return self.element("span", f"[{links}]", [("class", "citation")])

    def reference_label(self, number: int) -> str:
        """What a screen reader says for a citation's link ("Reference 1").

        Args:
            number: the reference's number.
        """
        return i18n.labels(self.language)["reference_n"].format(n=number)

    def note_label(self, number: int) -> str:
        """What a screen reader says for a footnote marker's link ("Note 1").

        Args:
            number: the note's number.
        """
        return i18n.labels(self.language)["note_n"].format(n=number)

    def note_ref_id(self, number: int, sub: int) -> str:
        """The id of a footnote reference (``sub``: which of several to the same note).

        Args:
            number: the note's number.
            sub: which reference to it (0: the first).
        """
        return self.id(f"fnref.{number}" + (f".{sub}" if sub else ""))

    def visit_note_ref(self, node: tree.NoteRef) -> str:
        """A footnote reference, as a superscript link to the note."""
        link = self.element("a", str(node.number), self.note_ref_attrs(node))
        return self.element("sup", link, [("class", "footnote-ref")])

    def note_ref_attrs(self, node: tree.NoteRef) -> list[tuple[str, str]]:
        """The attributes of a footnote reference's link.

        Args:
            node: the footnote reference.
        """
        return [("href", "#" + self.id(f"fn.{node.number}")),
                ("id", self.note_ref_id(node.number, node.sub)),
                ("aria-label", self.note_label(node.number))]

    # --- blocks ------------------------------------------------------------------------
    def visit_paragraph(self, node: tree.Paragraph) -> str:
        """A paragraph, as ``<p>``."""
        return self.element("p", self.visit_all(node.children), node.attrs) + "\n"

    def visit_heading(self, node: tree.Heading) -> str:
        """A heading, at its shifted level, with its id."""
        tag = f"h{self.heading_level(node.level)}"
        return self.element(tag, self.visit_all(node.children), [("id", self.id(node.id))]) + "\n"

    def visit_block_quote(self, node: tree.BlockQuote) -> str:
        """A block quote."""
        return self.element("blockquote", "\n" + self.visit_all(node.children)) + "\n"

    def visit_callout(self, node: tree.Callout) -> str:
        """A callout, as a ``div`` with role note and its title in the series language."""
        title = self.element("p", self.element("strong", self.text(self.callout_title(node.kind))),
                             [("class", "callout-title")])
        return self.element("div", f"\n{title}\n" + self.visit_all(node.children),
                            [("class", f"callout callout-{node.kind}"), ("role", "note")]) + "\n"

    def visit_bullet_list(self, node: tree.BulletList) -> str:
        """A bullet list."""
        return self._list("ul", [], node.children, node.tight)

    def visit_ordered_list(self, node: tree.OrderedList) -> str:
        """An ordered list, with its start number when it is not 1."""
        attrs = [("start", str(node.start))] if node.start != 1 else []
        return self._list("ol", attrs, node.children, node.tight)

    def _list(self, tag: str, attrs: list[tuple[str, str]], items: tuple[tree.Node, ...],
              tight: bool) -> str:
        body = "".join(self.item("li", item.children, tight) if isinstance(item, tree.ListItem)
                       else self.visit(item) for item in items)
        return self.element(tag, "\n" + body, attrs) + "\n"

    def item(self, tag: str, children: tuple[tree.Node, ...], tight: bool) -> str:
        """A list item or a definition: in a tight list its paragraphs show as bare text.

        The newlines are markdown-it's: one after the opening tag unless text follows, and
        one before a list, table, definition list or rule that follows bare text.

        Args:
            tag: ``li`` or ``dd``.
            children: the item's blocks.
            tight: whether its list is tight.
        """
        if not children:
            return self.element(tag, "") + "\n"
        if not tight:
            return self.element(tag, "\n" + self.visit_all(children)) + "\n"
        out = "" if isinstance(children[0], tree.Paragraph) else "\n"
        after_text = False
        for child in children:
            if isinstance(child, tree.Paragraph):
                out += self.visit_all(child.children)
                after_text = True
                continue
            if after_text and isinstance(child, tree.BulletList | tree.OrderedList | tree.Table
                                         | tree.DefinitionList | tree.ThematicBreak):
                out += "\n"
            out += self.visit(child)
            after_text = False
        return self.element(tag, out) + "\n"

    def visit_list_item(self, node: tree.ListItem) -> str:
        """A list item."""
        return self.item("li", node.children, False)

    def visit_code_block(self, node: tree.CodeBlock) -> str:
        """A code block, its language as a ``language-`` class."""
        attrs = [("class", "language-" + node.info)] if node.info else []
        return self.element("pre", self.element("code", self.text(node.text), attrs)) + "\n"

    def visit_thematic_break(self, node: tree.ThematicBreak) -> str:
        """A thematic break, as ``<hr>``."""
        return self.element("hr", "") + "\n"

    # tables ---------------------------------------------------------------------------
    def visit_table(self, node: tree.Table) -> str:
        """A table, with its head and body rows."""
        out = "\n" + self.element("thead", "\n" + self.rows(node, node.head, True)) + "\n"
        if node.body:
            out += self.element("tbody", "\n" + self.rows(node, node.body, False)) + "\n"
        return self.element("table", out, node.attrs) + "\n"

    def rows(self, table: tree.Table, rows: tuple[tree.Row, ...], head: bool) -> str:
        """Table rows, as ``<tr>`` elements of header or data cells.

        Args:
            table: the table.
            rows: its head or body rows.
            head: whether they are the head rows.
        """
        return "".join(self.element("tr", "\n" + "".join(
            self.cell(table, c, head) for c in row.children if isinstance(c, tree.Cell)),
            row.attrs) + "\n" for row in rows)

    def cell(self, table: tree.Table, cell: tree.Cell, head: bool) -> str:
        """A cell as the dialect has always written it.

        ``th`` in the head, ``td`` in the body, alignment as a style (print and feeds keep that
        layout; the web fragment and the EPUB follow the table's row headers, see ``cell_tag()``).

        Args:
            table: the table.
            cell: the cell.
            head: whether it is in a head row.
        """
        return self.element(self.cell_tag(cell, head), self.visit_all(cell.children),
                            self.cell_attrs(cell, head)) + "\n"

    def cell_tag(self, cell: tree.Cell, head: bool) -> str:
        """``th`` in the head, else ``td``; a format may also use the cell's own header flag.

        Args:
            cell: the cell.
            head: whether it is in a head row.
        """
        return "th" if head else "td"

    def cell_attrs(self, cell: tree.Cell, head: bool) -> list[tuple[str, str]]:
        """A cell's attributes, its alignment as an inline style.

        Args:
            cell: the cell.
            head: whether it is in a head row.
        """
        attrs = list(cell.attrs)
        if cell.align:
            attrs.append(("style", f"text-align:{cell.align}"))
        return attrs

    # definition lists, FAQ, raw blocks --------------------------------------------------
    def visit_definition_list(self, node: tree.DefinitionList) -> str:
        """A definition list, as ``<dl>``."""
        body = "".join(self.item("dd", c.children, node.tight) if isinstance(c, tree.Definition)
                       else self.visit(c) for c in node.children)
        return self.element("dl", "\n" + body) + "\n"

    def visit_term(self, node: tree.Term) -> str:
        """A defined term, as ``<dt>``."""
        return self.element("dt", self.visit_all(node.children)) + "\n"

    def visit_definition(self, node: tree.Definition) -> str:
        """A definition, as ``<dd>``."""
        return self.item("dd", node.children, False)

    def visit_faq(self, node: tree.Faq) -> str:
        """The FAQ, as a ``section``."""
        return self.element("section", "\n" + self.visit_all(node.children),
                            self.faq_attrs(node)) + "\n"

    def faq_attrs(self, node: tree.Faq) -> list[tuple[str, str]]:
        """The FAQ section's attributes; a format may label it by its heading.

        Args:
            node: the FAQ section.
        """
        return [("class", "faq")]

    def visit_faq_item(self, node: tree.FaqItem) -> str:
        """A FAQ question and its answer, as a ``div``."""
        return self.element("div", "\n" + self.visit_all(node.children),
                            [("class", "faq-item")]) + "\n"

    def visit_block(self, node: tree.Block) -> str:
        """Raw block HTML the sanitiser kept, as that element."""
        return self.element(node.tag, self.visit_all(node.children), self.raw_attrs(node))

    # notes ------------------------------------------------------------------------------
    def notes_heading(self) -> str:
        """A heading over the notes ("" for none: a web page shows the rule alone)."""
        return ""

    def visit_notes(self, node: tree.Notes) -> str:
        """The footnotes, as a numbered list after a rule."""
        items = "".join(self.visit(n) for n in node.notes)
        heading = self.notes_heading()
        section = self.element("section", "\n" + (heading + "\n" if heading else "")
                               + self.element("ol", "\n" + items, [("class", "footnotes-list")])
                               + "\n", [("class", "footnotes")])
        return self.element("hr", "", [("class", "footnotes-sep")]) + "\n" + section + "\n"

    def backrefs(self, note: tree.Note) -> str:
        """`` <a>↩︎</a>`` back to each reference to ``note``.

        Args:
            note: the footnote.
        """
        return "".join(" " + self.element("a", BACKREF, self.backref_attrs(note, sub))
                       for sub in range(max(note.refs, 1)))

    def backref_attrs(self, note: tree.Note, sub: int) -> list[tuple[str, str]]:
        """The attributes of a footnote's back-link to reference ``sub``.

        Args:
            note: the footnote.
            sub: which reference the link goes back to (0: the first).
        """
        return [("href", "#" + self.note_ref_id(note.number, sub)),
                ("class", "footnote-backref")]

    def note_body(self, note: tree.Note) -> str:
        """The note's blocks, the back-links at the end of its last paragraph.

        Args:
            note: the footnote.
        """
        kids = note.children
        if kids and isinstance(kids[-1], tree.Paragraph):
            last = kids[-1]
            return (self.visit_all(kids[:-1])
                    + self.element("p", self.visit_all(last.children) + self.backrefs(note),
                                   last.attrs) + "\n")
        return self.visit_all(kids) + self.backrefs(note)

    def visit_note(self, node: tree.Note) -> str:
        """A footnote, as a list item with its back-links."""
        return self.element("li", self.note_body(node), [("id", self.id(f"fn.{node.number}")),
                                                         ("class", "footnote-item")]) + "\n"

    def visit_document(self, node: tree.Document) -> str:
        """A whole part: its blocks, then its footnotes."""
        return self.visit_all(node.children) + (self.visit(node.notes) if node.notes else "")
