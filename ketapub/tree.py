"""The document tree of a part: what the Markdown dialect means, typed, for every renderer.

The dialect parses a body once and sanitises it once; what comes out is this tree. A
renderer never sees the body's HTML: it walks the tree with a translator
(``ketapub.render.translator.Translator``) and writes its own format, deciding its
link, asset, id and numbering policies in methods it overrides.

Nodes are frozen dataclasses (hashable, picklable, comparable), so a tree can travel to a
worker process and two builds of the same source give equal trees. ``children`` is always
a tuple. Text is plain text, never markup: a translator escapes it for its own format.

Ids in the tree are the part's own (``dosing``, ``ref.smith``, ``fn.1``): a translator that
puts several parts on one page prefixes them (see ``Translator.id``).

The dialect adds no layout whitespace between blocks (a translator lays out its own
format); whitespace the author wrote in raw HTML stays, as ``Text`` beside or inside the
``Block`` it belongs to. Raw elements keep their tag as written (``br``, ``hr`` and
``wbr`` are void).

Cross-references name their target part by number and stay symbolic: whether the target
is released is a question of the build's instant, which the translator answers
(``Translator.is_released``), so one tree serves every instant.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

Attrs: TypeAlias = tuple[tuple[str, str], ...]
"""Extra HTML attributes kept on a node, sanitised, in source order (``lang``, ``dir``,
``title``; ``colspan`` on a cell; ``start`` on a list)."""


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every node."""


@dataclass(frozen=True, slots=True)
class Parent(Node):
    """A node with children."""

    children: tuple[Node, ...] = ()
    attrs: Attrs = ()
    lines: tuple[int, int] | None = field(default=None, compare=False, repr=False,
                                          kw_only=True)
    """Where a block of the body's Markdown is: its lines ``[start, end)``, 0-based in the
    body, as markdown-it maps them (None for inlines and raw HTML). For messages about the
    source (``ketapub lint``); not part of what a node means, so trees compare equal
    wherever a block sits."""


# --- inlines -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text(Node):
    """Plain text (typographic quotes already applied in the series language)."""

    text: str


@dataclass(frozen=True, slots=True)
class SoftBreak(Node):
    """A line break in the source inside a paragraph: a space or a newline, as the format likes."""


@dataclass(frozen=True, slots=True)
class LineBreak(Node):
    """A hard line break (``<br>``)."""


@dataclass(frozen=True, slots=True)
class Emphasis(Parent):
    """``*text*``."""


@dataclass(frozen=True, slots=True)
class Strong(Parent):
    """``**text**``."""


@dataclass(frozen=True, slots=True)
class Strikethrough(Parent):
    """``~~text~~``."""


@dataclass(frozen=True, slots=True)
class Code(Node):
    """Inline code."""

    text: str


@dataclass(frozen=True, slots=True)
class Link(Parent):
    """A link to a web address, a relative URL, or an anchor of the same part.

    A web address is http, https, mailto or tel; an anchor (``#dosing``) has an ``href`` that starts
    with ``#``.
    """

    href: str = ""
    title: str | None = None


@dataclass(frozen=True, slots=True)
class FileLink(Parent):
    """A link to a file of the source under ``assets/``.

    For example ``assets/consent form.pdf``; each format writes it as that file's published URL.
    """

    path: str = ""
    fragment: str | None = None


@dataclass(frozen=True, slots=True)
class CrossReference(Parent):
    """A ``part:`` link.

    To part ``target`` (its number) and, optionally, a heading ``anchor`` in it. Released or not is
    decided per build, by the translator.
    """

    target: int = 0
    anchor: str | None = None


@dataclass(frozen=True, slots=True)
class RemovedLink(Parent):
    """A link the loader refused (``javascript:`` and the like): only its text is kept."""


@dataclass(frozen=True, slots=True)
class Image(Node):
    """An image.

    ``asset`` is the series asset it shows (``assets/dose.png``), None when the source names no
    asset of the series (a format then shows ``alt`` as text).
    """

    asset: str | None
    alt: str
    title: str | None = None
    src: str = ""
    """The destination as written, for messages."""


@dataclass(frozen=True, slots=True)
class Citation(Node):
    """A citation, ``[@smith; @jones]``.

    The cited reference ids with their numbers in the part's list, in the order written (references
    unknown to the part are left out at load).
    """

    refs: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class NoteRef(Node):
    """A footnote reference ``[^x]``.

    Note ``number`` (1-based); ``sub`` counts the second and later references to the same note (0
    for the first).
    """

    number: int
    sub: int = 0


@dataclass(frozen=True, slots=True)
class Inline(Parent):
    """Raw inline HTML the author wrote and the sanitiser kept.

    ``<abbr>``, ``<sub>``, ``<kbd>``, ``<span lang>``...: an element of the allowed list, its
    attributes in ``attrs``.
    """

    tag: str = "span"


# --- blocks --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Paragraph(Parent):
    """A paragraph."""


@dataclass(frozen=True, slots=True)
class Heading(Parent):
    """A section heading.

    ``level`` as written (2 for ``##``), ``id`` its anchor (explicit ``{#id}`` or generated, unique
    in the part).
    """

    level: int = 2
    id: str = ""


@dataclass(frozen=True, slots=True)
class BlockQuote(Parent):
    """A quotation."""


@dataclass(frozen=True, slots=True)
class Callout(Parent):
    """``> [!NOTE]``, ``[!WARNING]`` or ``[!TIP]``.

    A labelled box; the label is the translator's (in the series language), the children are the
    author's.
    """

    kind: Literal["note", "warning", "tip"] = "note"


@dataclass(frozen=True, slots=True)
class BulletList(Parent):
    """An unordered list of ``ListItem``."""

    tight: bool = True


@dataclass(frozen=True, slots=True)
class OrderedList(Parent):
    """An ordered list of ``ListItem`` starting at ``start``."""

    start: int = 1
    tight: bool = True


@dataclass(frozen=True, slots=True)
class ListItem(Parent):
    """An item of a list; in a tight list its paragraphs are shown without spacing."""


@dataclass(frozen=True, slots=True)
class CodeBlock(Node):
    """A fenced or indented code block: ``text`` verbatim, ``info`` the fence's word."""

    text: str
    info: str = ""


@dataclass(frozen=True, slots=True)
class ThematicBreak(Node):
    """``---`` between paragraphs."""


@dataclass(frozen=True, slots=True)
class Cell(Parent):
    """A table cell.

    ``header`` for a ``th``; ``scope`` ``"col"`` for a column header, ``"row"`` for a row header,
    None when the table does not say; ``align`` from the delimiter row (None: default).
    """

    header: bool = False
    scope: Literal["col", "row"] | None = None
    align: Literal["left", "center", "right"] | None = None


@dataclass(frozen=True, slots=True)
class Row(Parent):
    """A table row of ``Cell``."""


@dataclass(frozen=True, slots=True)
class Table(Node):
    """A table: ``head`` and ``body`` rows.

    When the top-left header cell is empty the table is two-way (``row_headers``): its first column
    names the rows, and that empty corner is no header (the dialect makes it a data cell).
    """

    head: tuple[Row, ...] = ()
    body: tuple[Row, ...] = ()
    row_headers: bool = False
    attrs: Attrs = ()
    lines: tuple[int, int] | None = field(default=None, compare=False, repr=False,
                                          kw_only=True)
    """The body lines of the table, as ``Parent.lines``."""


@dataclass(frozen=True, slots=True)
class Term(Parent):
    """A term of a definition list."""


@dataclass(frozen=True, slots=True)
class Definition(Parent):
    """The definition that follows a ``Term``."""


@dataclass(frozen=True, slots=True)
class DefinitionList(Parent):
    """``Term`` and ``Definition`` children, in source order.

    When ``tight`` (no blank line between the items) the definitions' paragraphs are shown without
    spacing.
    """

    tight: bool = True


@dataclass(frozen=True, slots=True)
class FaqItem(Parent):
    """One question (a level-3 ``Heading``, the first child) and its answer."""


@dataclass(frozen=True, slots=True)
class Faq(Parent):
    """The "Frequently asked questions" section: its level-2 heading, then ``FaqItem``."""

    heading_id: str = ""


@dataclass(frozen=True, slots=True)
class Block(Parent):
    """Raw block HTML the author wrote and the sanitiser kept.

    ``<div lang>``, ``<details>``, ``<figure>``...: an element of the allowed list.
    """

    tag: str = "div"


@dataclass(frozen=True, slots=True)
class Note(Parent):
    """Footnote ``number``'s text; ``refs``: how many references point to it (back-links)."""

    number: int = 1
    refs: int = 1


@dataclass(frozen=True, slots=True)
class Notes(Node):
    """The part's footnotes, at its end."""

    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class Document(Parent):
    """A part body (or a short text such as the disclaimer): blocks, then its notes."""

    notes: Notes | None = None


def text_of(node: Node) -> str:
    """The plain text a node shows.

    Image alt text included; for headings in a nav, FAQ questions and word counts.

    Args:
        node: any node; a parent gives the text of everything inside it.

    Examples:
        >>> from ketapub import dialect
        >>> doc = dialect.document("Take **one** tablet.", language="en")
        >>> text_of(doc)
        'Take one tablet.'
    """
    if isinstance(node, Text | Code):
        return node.text
    if isinstance(node, SoftBreak | LineBreak):
        return " "
    if isinstance(node, Image):
        return node.alt
    if isinstance(node, Parent):
        return "".join(text_of(c) for c in node.children)
    return ""


def walk(node: Node) -> Iterator[Node]:
    """``node`` and every node under it, in document order.

    A table's rows and cells, a document's notes after its blocks.

    Args:
        node: where to start; it comes first.

    Examples:
        >>> from ketapub import dialect
        >>> doc = dialect.document("Take *one*.", language="en")
        >>> [type(n).__name__ for n in walk(doc)]
        ['Document', 'Paragraph', 'Text', 'Emphasis', 'Text', 'Text']
    """
    yield node
    if isinstance(node, Table):
        for row in node.head + node.body:
            yield from walk(row)
    elif isinstance(node, Notes):
        for note in node.notes:
            yield from walk(note)
    if isinstance(node, Parent):
        for child in node.children:
            yield from walk(child)
    if isinstance(node, Document) and node.notes is not None:
        yield from walk(node.notes)
