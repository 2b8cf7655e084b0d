"""A part as the linter reads it: its document tree, its prose, and where each piece is.

Rules walk the tree (``ketapub.tree``), the one every renderer writes, so a sentence
the linter reads is a sentence a patient reads. Block nodes carry the body lines they came
from (``Parent.lines``); a sentence, link or image inside a block is then found in those
lines by its first words, so messages point at the line and column where it starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ketapub import tree
from ketapub.lint.words import Words

WORD = re.compile(r"[^\W_](?:[^\W_]|['’\-](?=[^\W_]))*")
"""A word, as readability counts them: letters and digits joined by ' ’ or -."""

_PLAIN_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words of a text.

    Args:
        text: any text.
    """
    return WORD.findall(text)


def shown_text(node: tree.Node) -> str:
    """The text a reader reads in the flow of a block.

    Like ``tree.text_of()``, without image alt text (an image is not part of a sentence).

    Args:
        node: a node of the part's tree.
    """
    if isinstance(node, tree.Text | tree.Code):
        return node.text
    if isinstance(node, tree.SoftBreak | tree.LineBreak):
        return " "
    if isinstance(node, tree.Parent):
        return "".join(shown_text(c) for c in node.children)
    return ""


@dataclass(frozen=True)
class Passage:
    """A run of prose: a paragraph or a definition term, with the block it sits in."""

    node: tree.Parent
    text: str
    lines: tuple[int, int] | None
    """Body lines ``[start, end)`` of the block, 0-based (None: not known)."""


@dataclass
class PartText:
    """One part for the rules.

    ``path`` as messages show it, the body's first file line, the body's lines, its tree and the
    series language's word lists.
    """

    path: str
    body_line: int
    body: str
    document: tree.Document
    words: Words
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        """Split the body into lines once, for every rule's locating."""
        self.lines = self.body.split("\n")

    # --- prose ------------------------------------------------------------------------
    def passages(self) -> Iterator[Passage]:
        """The prose of the part in reading order.

        Paragraphs (in lists, callouts, quotes, definitions, the FAQ and the notes) and definition
        terms; not headings, tables or code.
        """
        yield from self._passages(self.document, None)

    def _passages(self, node: tree.Node, lines: tuple[int, int] | None) -> Iterator[Passage]:
        if isinstance(node, tree.Table | tree.CodeBlock | tree.Heading):
            return
        if isinstance(node, tree.Notes):
            for note in node.notes:
                yield from self._passages(note, lines)
            return
        if not isinstance(node, tree.Parent):
            return
        here = node.lines or lines
        if isinstance(node, tree.Paragraph | tree.Term):
            text = shown_text(node).strip()
            if text:
                yield Passage(node, text, here)
            return
        for child in node.children:
            yield from self._passages(child, here)
        if isinstance(node, tree.Document) and node.notes is not None:
            yield from self._passages(node.notes, None)

    def blocks(self) -> Iterator[tuple[tree.Node, tuple[int, int] | None]]:
        """Every node with the lines of the closest block around it, in document order."""
        yield from self._blocks(self.document, None)

    def _blocks(self, node: tree.Node, lines: tuple[int, int] | None
                ) -> Iterator[tuple[tree.Node, tuple[int, int] | None]]:
        here = getattr(node, "lines", None) or lines
        yield node, here
        if isinstance(node, tree.Table):
            for row in node.head + node.body:
                yield from self._blocks(row, here)
        if isinstance(node, tree.Parent):
            for child in node.children:
                yield from self._blocks(child, here)
        if isinstance(node, tree.Document) and node.notes is not None:
            for note in node.notes.notes:
                yield from self._blocks(note, None)

    # --- places -----------------------------------------------------------------------
    def start_of(self, lines: tuple[int, int] | None) -> tuple[int, int]:
        """(file line, column) where a block starts: its first non-blank character.

        Args:
            lines: the block's body lines ``[start, end)``; None: the body's start.
        """
        if lines is None:
            return self.body_line, 1
        line0 = min(lines[0], max(len(self.lines) - 1, 0))
        text = self.lines[line0] if self.lines else ""
        return self.body_line + line0, len(text) - len(text.lstrip()) + 1

    def locate(self, lines: tuple[int, int] | None, text: str,
               after: tuple[int, int] | None = None) -> tuple[int, int]:
        """Locate ``text`` in a block by its first words, for a finding's (line, column).

        (file line, column) of ``text`` in a block, found by its first words (so the Markdown around
        them, typographic quotes and line breaks do not matter); from just after ``after`` (the file
        line and column of the previous find) when given; the block's start when not found.

        Args:
            lines: the block's body lines ``[start, end)``; None: the body's start.
            text: the text to find, as the tree shows it.
            after: the (file line, column) of the previous find in the block, to search after it;
                default None: from the block's start.
        """
        if lines is None:
            return self.start_of(lines)
        first = _PLAIN_WORD.findall(text)[:4]
        if not first:
            return self.start_of(lines)
        start, end = lines[0], max(lines[1], lines[0] + 1)
        block = "\n".join(self.lines[start:end])
        offset = 0
        if after is not None:
            line0, col = after[0] - self.body_line - start, after[1] - 1
            if line0 >= 0:
                offset = sum(len(x) + 1 for x in block.split("\n")[:line0]) + col + 1
        pattern = r"[\W_]+".join(re.escape(w) for w in first)
        needle = re.compile(rf"(?<![^\W_]){pattern}(?![^\W_])", re.IGNORECASE)
        match = needle.search(block, offset)
        if match is None and offset:
            match = needle.search(block)
        if match is None:
            return self.start_of(lines)
        before = block[: match.start()]
        line0 = before.count("\n")
        column = match.start() - (before.rfind("\n") + 1) + 1
        return self.body_line + start + line0, column
