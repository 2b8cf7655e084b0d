"""Line-based layout of a document tree, shared by the formats that write text, not markup.

A plain-text edition and a Markdown export lay blocks out the same way: each block is lines
ending in a newline, blocks are separated by a blank line, and a container (a quotation, a
list item, a definition) sets its children in by a prefix. ``LineTranslator`` holds
that; a format says how a run of inline text becomes lines (``LineTranslator.lines()``)
and writes its own marks.
"""

from __future__ import annotations

import textwrap
import unicodedata

from ketapub import tree as t
from ketapub.render.translator import Translator

BLOCKS: tuple[type[t.Node], ...] = (
    t.Paragraph, t.Heading, t.BlockQuote, t.Callout, t.BulletList, t.OrderedList, t.Table,
    t.CodeBlock, t.ThematicBreak, t.DefinitionList, t.Term, t.Definition, t.Faq, t.FaqItem,
    t.Block)
"""Nodes that are blocks: a container holding one of these holds blocks, not inline text."""


def width(text: str) -> int:
    """Columns ``text`` takes in a monospaced font (wide characters two, combining marks none).

    Args:
        text: the text.
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else not unicodedata.combining(c)
               for c in text)


def wrap(text: str, columns: int) -> list[str]:
    r"""Lines of at most ``columns`` (a longer word, such as a URL, stays whole); ``\n`` kept.

    Args:
        text: the text.
        columns: the width (at least 20 are used).
    """
    return [line for piece in text.split("\n") for line in textwrap.wrap(
        piece, max(columns, 20), break_long_words=False, break_on_hyphens=False) or [""]]


class LineTranslator(Translator):
    """Blocks as lines ending in a newline, a blank line between blocks; inlines as text.

    ``columns`` is the width left for the block being written: ``nested()`` takes its
    prefix off while it writes the children, so a format that wraps wraps inside the indent.

    Args:
        ctx: the build's render context.
        columns: the width lines are wrapped to; default 72.
    """

    def __init__(self, ctx: object, columns: int = 72) -> None:
        super().__init__(ctx)
        self.columns = columns

    def lines(self, text: str) -> str:
        """A run of inline text as lines; default: one line.

        Args:
            text: inline text, written already.
        """
        return text.strip() + "\n"

    def blocks(self, nodes: tuple[t.Node, ...], sep: str = "\n") -> str:
        """``nodes`` as plain-text blocks, or as lines when they are inline content.

        ``nodes`` as blocks separated by ``sep`` (a blank line), or, when they are inline content (a
        tight list item, a table cell), as ``lines()`` of their text.

        Args:
            nodes: the nodes.
            sep: what goes between blocks; default a newline, which makes a blank line.
        """
        if not any(isinstance(n, BLOCKS) for n in nodes):
            return self.lines(self.visit_all(nodes))
        return sep.join(self.visit(n) for n in nodes)

    def nested(self, nodes: tuple[t.Node, ...], first: str, rest: str, sep: str = "\n") -> str:
        """``nodes`` as blocks set in by ``rest``, the first line after ``first`` instead.

        Args:
            nodes: the nodes.
            first: the first line's prefix (a list mark).
            rest: the other lines' prefix.
            sep: what goes between blocks, as in ``blocks()``.
        """
        self.columns -= len(rest)
        try:
            rows = self.blocks(nodes, sep).rstrip("\n").split("\n")
        finally:
            self.columns += len(rest)
        return "".join((first if i == 0 else rest if row else rest.rstrip()) + row + "\n"
                       for i, row in enumerate(rows))

    def item_marks(self, node: t.BulletList | t.OrderedList) -> list[tuple[str, str]]:
        """(first-line prefix, following-lines prefix) of each item: ``- `` or ``3. ``.

        Args:
            node: the list.
        """
        marks = ([f"{node.start + i}. " for i in range(len(node.children))]
                 if isinstance(node, t.OrderedList) else ["- "] * len(node.children))
        return [(mark, " " * len(mark)) for mark in marks]

    def visit_bullet_list(self, node: t.BulletList | t.OrderedList) -> str:
        """A bullet or ordered list, each item's lines after its mark."""
        sep = "" if node.tight else "\n"
        return sep.join(self.nested(item.children, first, rest, sep)
                        for item, (first, rest) in zip(node.children, self.item_marks(node),
                                                       strict=True)
                        if isinstance(item, t.Parent))

    visit_ordered_list = visit_bullet_list

    def visit_thematic_break(self, node: t.ThematicBreak) -> str:
        """A thematic break, as a line of three asterisks."""
        return "* * *\n"
