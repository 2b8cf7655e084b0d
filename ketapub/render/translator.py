"""Translators: walk a part's document tree and write one format.

As in Sphinx (a builder holds a translator class; the translator has one ``visit_`` method
per node type), a format is a subclass that overrides the methods of the nodes it writes
differently and the *policies* every format has: where a cross-reference points, how an
asset is addressed, how ids are prefixed, at which level a heading lands. No format patches
another's output.

Each ``visit_<node>`` returns the text for that node; ``Translator.visit()`` picks the
method from the node's class name (``CrossReference`` -> ``visit_cross_reference``), and a
node type without a method falls back to its children (for a ``Parent``)
or to nothing, so a format written for today's tree keeps working when a node type is added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ketapub import tree

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def method_name(node_type: type[tree.Node]) -> str:
    """``visit_cross_reference`` for ``CrossReference``.

    Args:
        node_type: a node class of ``ketapub.tree``.
    """
    return "visit_" + _CAMEL.sub("_", node_type.__name__).lower()


class Translator:
    """Base of every translator: dispatch, and the policies with neutral defaults.

    A subclass is made for one part (or one short text) of one build; ``ctx`` is the
    build's ``RenderContext`` when the translator needs it. Every ``visit_<node>`` method
    takes the node it writes, of the class its name says, and returns its text.

    Args:
        ctx: the build's render context (None: a text that needs no series, as in a test).

    Examples:
        A format that writes text in capitals and emphasis between asterisks; every other node
        falls back to its children:

        >>> from datetime import UTC, datetime
        >>> from ketapub import RenderContext, testing
        >>> class Shouting(Translator):
        ...     def visit_text(self, node):
        ...         return node.text.upper()
        ...     def visit_emphasis(self, node):
        ...         return "*" + self.visit_all(node.children) + "*"
        >>> ctx = RenderContext(testing.sample_series(), datetime(2025, 3, 1, tzinfo=UTC))
        >>> Shouting(ctx).visit(ctx.text_document("Ask *your* doctor."))
        'ASK *YOUR* DOCTOR.'
    """

    def __init__(self, ctx: Any = None) -> None:
        self.ctx = ctx

    # --- dispatch ----------------------------------------------------------------------
    def visit(self, node: tree.Node) -> str:
        """The text of ``node`` in this format.

        Args:
            node: any node of a document tree.

        Returns:
            What the first ``visit_`` method along the node class's MRO returns, else "".
        """
        for cls in type(node).__mro__:
            method = getattr(self, method_name(cls), None) if cls is not object else None
            if method is not None:
                result: str = method(node)
                return result
        return ""

    def visit_all(self, nodes: Iterable[tree.Node]) -> str:
        """The output of ``nodes``, one after the other."""
        return "".join(self.visit(n) for n in nodes)

    def visit_parent(self, node: tree.Parent) -> str:
        """Any parent node no ``visit_`` method handles: its children."""
        return self.visit_all(node.children)

    def visit_text(self, node: tree.Text) -> str:
        """Text as is; a format escapes it."""
        return node.text

    def visit_code(self, node: tree.Code) -> str:
        """Inline code as its text."""
        return node.text

    def visit_soft_break(self, node: tree.SoftBreak) -> str:
        """A soft break, as a newline."""
        return "\n"

    def visit_line_break(self, node: tree.LineBreak) -> str:
        """A hard break, as a newline."""
        return "\n"

    def visit_document(self, node: tree.Document) -> str:
        """A whole part: its blocks, then its footnotes."""
        return self.visit_all(node.children) + (self.visit(node.notes) if node.notes else "")

    def visit_notes(self, node: tree.Notes) -> str:
        """The footnotes, one after the other."""
        return self.visit_all(node.notes)

    def visit_table(self, node: tree.Table) -> str:
        """A table's head rows, then its body rows."""
        return self.visit_all(node.head) + self.visit_all(node.body)

    def visit_image(self, node: tree.Image) -> str:
        """An image, as its alt text."""
        return node.alt

    def visit_citation(self, node: tree.Citation) -> str:
        """A citation, as its reference numbers in brackets."""
        return "[" + ", ".join(str(n) for _, n in node.refs) + "]"

    def visit_note_ref(self, node: tree.NoteRef) -> str:
        """A footnote reference, as its number in brackets."""
        return f"[{node.number}]"

    # --- policies ----------------------------------------------------------------------
    def is_released(self, target: int) -> bool:
        """Whether part ``target`` is out as of this build (a cross-reference to it links).

        Args:
            target: the part number a cross-reference names.
        """
        if self.ctx is None:
            return True
        part = self.ctx.series.get_part(target)
        return part is not None and bool(self.ctx.is_released(part))

    def id(self, local: str) -> str:
        """The id to write for one of the part's own ids.

        Args:
            local: the id in the part (``dosing``, ``ref.smith``).
        """
        return local

    def heading_level(self, level: int) -> int:
        """The level to write for a heading.

        Args:
            level: the level the heading is written at in the Markdown.
        """
        return level
