"""What a body holds and what is wrong with it, learnt at load time.

Where a thing is matters for a message (``path:line:column``), so what is checked and
reported — anchors, ``part:`` links, citations, images, linked files, removed raw HTML —
comes from the tokens, whose map gives each block's lines. What needs no position — the
FAQ, the prose paragraphs and the word count — is read off the document tree, the one
renderers write, so a word counted is a word shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from markdown_it.token import Token

from ketapub import tree
from ketapub.dialect import treebuild
from ketapub.dialect.canonical import Policy
from ketapub.dialect.links import PART_LINK, source_file
from ketapub.dialect.parser import parse
from ketapub.dialect.safety import MAX_RAW_DEPTH
from ketapub.errors import Diagnostic, Severity

WORD = re.compile(r"[^\W_](?:[^\W_]|['’\-](?=[^\W_]))*")
"""A word in any alphabet ("información" is one): letters and digits joined by ' ’ or -."""


@dataclass(frozen=True)
class PartLink:
    """A ``part:`` link in a body, where it is, for checking it against the series."""

    target: str
    """A part number or slug, as written."""
    anchor: str | None
    line: int
    column: int


@dataclass
class Analysis:
    """What the loader checks in a body: anchors, citations, links, images and file links."""

    anchors: list[str] = field(default_factory=list)
    citations: list[tuple[str, int, int]] = field(default_factory=list)
    links: list[PartLink] = field(default_factory=list)
    images: list[tuple[str, str, int, int]] = field(default_factory=list)
    """(src, alt, line, column) of each image."""
    files: list[tuple[str, int, int]] = field(default_factory=list)
    """(href, line, column) of each link to a file of the source (``assets/form.pdf``), the
    destination as markdown-it normalised it (see ``source_file()``)."""
    faq: list[tuple[str, str, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    """Prose for readability: paragraphs, list items and terms, without headings or tables."""
    words: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _find(lines: Sequence[str], start: int, end: int, needle: str,
          column: int = 0) -> tuple[int, int]:
    """Locate ``needle`` in a block's lines, for a diagnostic's (line, column).

    (line, column) of ``needle`` in lines ``start`` to ``end`` of a block, the first place from line
    ``start``, 0-based ``column`` on, that holds it (so a second image or link on one line is found
    at its own column); the block's first line when none does.
    """
    for line in range(start, max(start + 1, min(end, len(lines)))):
        pos = lines[line].find(needle[:40], column if line == start else 0) if needle else -1
        if pos >= 0:
            return line, pos + 1
    return start, _column(lines, start, needle)


def _column(lines: Sequence[str], line: int, needle: str) -> int:
    if 0 <= line < len(lines) and needle:
        pos = lines[line].find(needle[:40])
        if pos >= 0:
            return pos + 1
    return 1


class _Locator:
    """Places what an inline token holds in the body, moving forward through its block.

    Table cells of one row share the row's line, so a search goes on after the previous cell's find.
    """

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self.line0 = self.col0 = self.end = 0
        self.cursor = (-1, 0)

    def enter(self, block_line: int, block_end: int) -> None:
        self.line0, self.col0 = ((block_line, 0) if self.cursor[0] != block_line
                                 else self.cursor)
        self.end = block_end

    def leave(self) -> None:
        self.cursor = (self.line0, self.col0)

    def find(self, needle: str) -> tuple[int, int]:
        self.line0, col = _find(self.lines, self.line0, self.end, needle, self.col0)
        self.col0 = col - 1 + len(needle[:40]) if needle else self.col0
        return self.line0, col

    def find_dest(self, dest: str) -> tuple[int, int]:
        """A destination as written.

        Decoded (``café``), else as markdown-it normalised it (``a%2fb``), each searched in this
        block only.
        """
        start = (self.line0, self.col0)
        for needle in dict.fromkeys((unquote(dest), dest)):
            self.line0, self.col0 = start
            found = self.find(needle)
            if self.lines[found[0]][found[1] - 1:].startswith(needle[:40]):
                return found
        self.line0, self.col0 = start
        return self.find(unquote(dest))


class _Analyzer:
    def __init__(self, path: str, first_line: int, lines: Sequence[str]) -> None:
        self.path, self.first_line, self.lines = path, first_line, lines
        self.result = Analysis()
        self.at = _Locator(lines)

    def diag(self, line0: int, needle: str, message: str,
             severity: Severity = Severity.ERROR) -> None:
        self.result.diagnostics.append(Diagnostic(
            self.path, self.first_line + line0, _column(self.lines, line0, needle), message,
            severity))

    def raw_html(self, env: dict[str, Any]) -> None:
        """Report what the parser's raw-HTML pass removed or changed."""
        warn = Severity.WARNING
        for line0, what, snippet in env.get("removed", []):
            if what in ("http: link", "https: link"):  # https:example.org
                self.diag(line0, snippet, f"removed malformed link {snippet!r}; write it as "
                          f"{what[:-6]}://host/path", warn)
            elif what.endswith(" link"):
                hint = "only http, https, mailto, tel, part: and relative links are kept"
                self.diag(line0, snippet, f"removed {what}; {hint}", warn)
            else:
                self.diag(line0, snippet, f"removed {what} from raw HTML; ketapub keeps only "
                          "formatting markup (see SECURITY.md)", warn)
        for line0, what, snippet in env.get("changed", []):
            self.diag(line0, snippet, f"{what}; a printed page cannot lay out wider spans",
                      warn)
        if "too_deep" in env:
            self.diag(env["too_deep"], "<", f"raw HTML nests more than {MAX_RAW_DEPTH} levels "
                      "deep; flatten it")

    def tokens(self, tokens: Sequence[Token]) -> None:
        block_line = block_end = 0
        for tok in tokens:
            if tok.map:
                block_line, block_end = tok.map
            if tok.type == "heading_open":
                self.heading(tok, block_line)
            elif tok.type == "inline":
                self.at.enter(block_line, block_end)
                for child in tok.children or []:
                    self.inline(child)
                self.at.leave()

    def heading(self, tok: Token, line0: int) -> None:
        if "bad_id" in tok.meta:
            self.diag(line0, "{#", f"heading anchor {{#{tok.meta['bad_id']}}} is not valid; "
                      "start with a letter and use letters, digits, '-' or '_'")
        hid = tok.meta["id"]
        if hid in self.result.anchors:
            self.diag(line0, "{#" + hid, f"duplicate heading anchor {{#{hid}}}; "
                      "anchors must be unique within a part")
        self.result.anchors.append(hid)

    def inline(self, child: Token) -> None:
        first, result = self.first_line, self.result
        if child.type == "citation":
            for cid in child.meta["ids"]:
                line0, col = self.at.find("@" + cid)
                result.citations.append((cid, first + line0, col))
        elif child.type == "link_open":
            self.link(str(child.attrs.get("href", "")))
        elif child.type == "image":
            src = str(child.attrs.get("src", ""))
            line0, col = self.at.find_dest(src)
            result.images.append((src, child.content.strip(), first + line0, col))

    def link(self, href: str) -> None:
        if source_file(href):
            line0, col = self.at.find_dest(href)
            self.result.files.append((href, self.first_line + line0, col))
        if href.startswith("part:"):
            line0, col = self.at.find(href)
            m = PART_LINK.match(href)
            if not m:
                self.diag(line0, href, f"malformed part link {href!r}; write part:2, "
                          "part:some-slug or part:some-slug#anchor")
            else:
                self.result.links.append(PartLink(m.group(1), m.group(2),
                                                  self.first_line + line0, col))


PROSE = (tree.Paragraph, tree.Term)
"""What readability reads: paragraphs (also a tight list's) and definition terms."""


def _prose(node: tree.Node, in_table: bool = False) -> list[str]:
    """Texts of the prose under ``node``, in order, without headings and tables."""
    if isinstance(node, PROSE) and not in_table:
        text = tree.text_of(node).strip()
        return [text] if text else []
    if isinstance(node, tree.Document):
        return [t for c in (*node.children, *(node.notes.notes if node.notes else ()))
                for t in _prose(c)]
    if isinstance(node, tree.Parent) and not isinstance(node, tree.Heading):
        return [t for c in node.children for t in _prose(c, in_table)]
    return []


def _words(node: tree.Node) -> int:
    """Words shown: prose, headings and table cells."""
    if isinstance(node, (*PROSE, tree.Heading, tree.Cell)):
        return len(WORD.findall(tree.text_of(node)))
    if isinstance(node, tree.Table):
        return sum(_words(c) for row in node.head + node.body for c in row.children)
    if isinstance(node, tree.Document) and node.notes:
        return sum(_words(c) for c in node.children) + _words(node.notes)
    if isinstance(node, tree.Notes):
        return sum(_words(n) for n in node.notes)
    if isinstance(node, tree.Parent):
        return sum(_words(c) for c in node.children)
    return 0


def _faq(doc: tree.Document) -> list[tuple[str, str, str]]:
    """(question, answer, anchor) of each question of the FAQ."""
    found = []
    for faq in (n for n in tree.walk(doc) if isinstance(n, tree.Faq)):
        for item in (n for n in faq.children if isinstance(n, tree.FaqItem)):
            heading = item.children[0] if item.children else None
            if isinstance(heading, tree.Heading):
                answer = [t for c in item.children[1:] for t in _prose(c)]
                found.append((tree.text_of(heading).strip(), " ".join(answer).strip(),
                              heading.id))
    return found


_NO_SERIES = Policy(parts={}, assets=frozenset(), citations={})


def analyze(body: str, path: str, first_line: int) -> Analysis:
    """Learn what a body contains and what is wrong with it (lines are file lines).

    Args:
        body: a part's Markdown body.
        path: the part file, for diagnostics.
        first_line: the file line the body starts at.
    """
    tokens, env = parse(body)
    analyzer = _Analyzer(path, first_line, body.split("\n"))
    analyzer.raw_html(env)
    analyzer.tokens(tokens)
    # raw HTML nested too deep fails the load: no tree for it (its parse is quadratic)
    doc = tree.Document() if "too_deep" in env else treebuild.build(tokens, env, _NO_SERIES)
    result = analyzer.result
    result.faq = _faq(doc)
    result.paragraphs = _prose(doc)
    result.words = _words(doc)
    return result
