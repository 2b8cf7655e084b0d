"""The canonical rendering of a body: HTML that says what each element means, for the tree.

A body's tokens are written once as HTML in which every element the dialect makes carries
``data-ketapub`` (its kind) and, where it needs one, ``data-ketapub-arg`` (a JSON payload:
a cross-reference's target, an image's asset, a citation's numbers). Raw HTML the author
wrote carries no marker: the raw cleaner refuses ``data-*`` attributes, and a raw inline
piece that names a marker is dropped here, so an author cannot forge one.

No layout newlines are written (markdown-it puts one after each block tag): the only
whitespace left between elements is the author's, which the tree keeps as text. The HTML
then goes through the one sanitiser and one HTML5 parse, so raw HTML is built into the tree
by the HTML5 rules (implied end tags, unbalanced inline tags), as browsers would.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from ketapub.dialect.links import PART_LINK, link_is_valid, local_path, source_file

MARK = "data-ketapub"
ARG = "data-ketapub-arg"
LINES = "data-ketapub-lines"
"""The body lines ``start end`` of a block (markdown-it's map), for the tree's ``lines``."""


@dataclass(frozen=True)
class Policy:
    """What the canonical rendering needs to know of the series."""

    parts: Mapping[str, int]
    """Part number (as text) or slug -> part number."""
    assets: frozenset[str]
    """Asset paths of the series (``assets/dose.png``)."""
    citations: Mapping[str, int]
    """Reference id -> its number in the part."""


def _mark(kind: str, arg: Any = None, tok: Token | None = None) -> str:
    out = f' {MARK}="{kind}"'
    if arg is not None:
        out += f' {ARG}="{escapeHtml(json.dumps(arg, ensure_ascii=False))}"'
    if tok is not None and tok.map:
        out += f' {LINES}="{tok.map[0]} {tok.map[1]}"'
    return out


def forged(raw: str) -> bool:
    """True when raw HTML names a marker attribute (HTML folds attribute names to lower case).

    Args:
        raw: a piece of raw HTML.
    """
    return MARK in raw.lower()


Rule = Callable[[Sequence[Token], int, Any, Any], str]


class CanonicalRenderer(RendererHTML):
    """markdown-it's renderer with the dialect's marked-up rules and no layout newlines.

    Each rule is a method named for a token type, called as markdown-it calls its rules,
    ``rule(tokens, idx, options, env)``, and returns the HTML of ``tokens[idx]``.

    Args:
        policy: the parts, anchors, assets and citations of the series.
    """

    def __init__(self, policy: Policy) -> None:
        super().__init__()
        self.policy = policy
        self._links: list[str] = []

    # --- the default for block and inline tags (p, ul, li, table, em, strong ...) --------
    def renderToken(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """Render a token markdown-it has no rule for: its tag, marked with where it was written."""
        tok = tokens[idx]
        if tok.hidden:  # a paragraph of a tight list: kept, marked as such
            return self._tight(tokens, idx)
        if tok.nesting == -1:
            return f"</{tok.tag}>"
        attrs = "" if tok.tag in ("th", "td") else self.renderAttrs(tok)
        arg = _cell_align(tok) if tok.tag in ("th", "td") else None
        return f"<{tok.tag}{_mark('md', arg, tok)}{attrs}>"

    def _tight(self, tokens: Sequence[Token], idx: int) -> str:
        tok = tokens[idx]
        if tok.type not in ("paragraph_open", "paragraph_close"):
            return ""
        inline = tokens[idx + 1] if tok.nesting == 1 else tokens[idx - 1]
        if inline.type != "inline" or not inline.children:  # an emptied callout marker line
            return ""
        return f"<span{_mark('tight', None, tok)}>" if tok.nesting == 1 else "</span>"

    # --- inline --------------------------------------------------------------------------
    def text(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """Text, escaped."""
        return escapeHtml(tokens[idx].content)

    def softbreak(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A soft line break, marked so the tree keeps it apart from a hard one."""
        return f"<br{_mark('soft')}>"

    def hardbreak(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A hard line break."""
        return f"<br{_mark('md')}>"

    def code_inline(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """Inline code, escaped."""
        return f"<code{_mark('md')}>{escapeHtml(tokens[idx].content)}</code>"

    def html_inline(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """Raw inline HTML as written, or nothing when it forges the dialect's marks."""
        raw = tokens[idx].content
        return "" if forged(raw) else raw

    def html_block(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """Raw block HTML as written, or nothing when it forges the dialect's marks."""
        raw = tokens[idx].content
        return "" if forged(raw) else raw

    def image(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """An image, marked with the asset it names when the source has it."""
        tok = tokens[idx]
        src = str(tok.attrs.get("src", ""))
        asset = posixpath.normpath(local_path(src))
        alt = self.renderInlineAsText(tok.children or [], options, env)
        title = tok.attrs.get("title")
        arg = {"asset": asset if asset in self.policy.assets else None, "src": src}
        title_attr = f' title="{escapeHtml(str(title))}"' if title else ""
        return f'<img{_mark("img", arg)} alt="{escapeHtml(alt)}"{title_attr}>'

    def link_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A link's start, marked as a ``part:`` link, a file link or a web link."""
        tok = tokens[idx]
        href = str(tok.attrs.get("href", ""))
        title = tok.attrs.get("title")
        title_attr = f' title="{escapeHtml(str(title))}"' if title else ""
        if href.startswith("part:"):
            m = PART_LINK.match(href)
            target = self.policy.parts.get(m.group(1)) if m else None
            if m is None or target is None:  # refused at load; keep rendering total
                self._links.append("</span>")
                return f"<span{_mark('removed')}>"
            self._links.append("</a>")
            return f"<a{_mark('xref', [target, m.group(2)])}{title_attr}>"
        if not link_is_valid(href):  # refused at load (with a warning)
            self._links.append("</span>")
            return f"<span{_mark('removed')}>"
        self._links.append("</a>")
        path = None if href.startswith("#") else source_file(href)
        if path:
            fragment = href.split("#", 1)[1] if "#" in href else None
            return f"<a{_mark('file', [path, fragment])}{title_attr}>"
        return f'<a{_mark("md")} href="{escapeHtml(href)}"{title_attr}>'

    def link_close(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A link's end, matching the start that ``link_open()`` wrote."""
        return self._links.pop() if self._links else "</a>"

    def citation(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A citation, marked with its references' ids and numbers; nothing if none is known."""
        numbers = self.policy.citations
        refs = [[cid, numbers[cid]] for cid in tokens[idx].meta["ids"] if cid in numbers]
        return f"<span{_mark('cite', refs)}></span>" if refs else ""

    def footnote_ref(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A footnote reference, marked with the note's number and which reference this is."""
        tok = tokens[idx]
        sub = tok.meta.get("subId", 0)
        arg = [tok.meta["id"] + 1, sub if isinstance(sub, int) and sub > 0 else 0]
        return f"<sup{_mark('noteref', arg)}></sup>"

    # --- blocks --------------------------------------------------------------------------
    def heading_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A heading's start, with the id anchors link to."""
        tok = tokens[idx]
        return f'<{tok.tag}{_mark("md", None, tok)} id="{escapeHtml(tok.meta["id"])}">'

    def code_block(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """An indented code block, with no language."""
        return f"<pre{_mark('code', '')}><code>{escapeHtml(tokens[idx].content)}</code></pre>"

    def fence(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A fenced code block, marked with the first word of its info string."""
        tok = tokens[idx]
        info = unescapeAll(tok.info).strip()
        word = info.split(maxsplit=1)[0] if info else ""
        return f"<pre{_mark('code', word)}><code>{escapeHtml(tok.content)}</code></pre>"

    def blockquote_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A block quote's start, or a callout's (``> [!NOTE]``) with its kind."""
        kind = tokens[idx].meta.get("callout")
        if kind:
            return f"<div{_mark('callout', kind.lower(), tokens[idx])}>"
        return f"<blockquote{_mark('md', None, tokens[idx])}>"

    def blockquote_close(self, tokens: Sequence[Token], idx: int, options: Any,
                         env: Any) -> str:
        """A block quote's or a callout's end."""
        return "</div>" if _opener(tokens, idx).meta.get("callout") else "</blockquote>"

    def bullet_list_open(self, tokens: Sequence[Token], idx: int, options: Any,
                         env: Any) -> str:
        """A bullet list's start, marked tight or loose."""
        return f"<ul{_mark('list', {'tight': _tight_list(tokens, idx)}, tokens[idx])}>"

    def ordered_list_open(self, tokens: Sequence[Token], idx: int, options: Any,
                          env: Any) -> str:
        """An ordered list's start, marked tight or loose, with its first number."""
        start = int(tokens[idx].attrs.get("start", 1))
        arg = {"tight": _tight_list(tokens, idx), "start": start}
        return f"<ol{_mark('list', arg, tokens[idx])}>"

    def dl_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A definition list's start, marked tight or loose."""
        return f"<dl{_mark('list', {'tight': _tight_list(tokens, idx)}, tokens[idx])}>"

    def faq_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """The FAQ section's start, with its heading's id."""
        return f"<section{_mark('faq', tokens[idx].meta.get('heading_id') or '')}>"

    def faq_close(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """The FAQ section's end."""
        return "</section>"

    def faq_item_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A FAQ question and answer's start."""
        return f"<div{_mark('faq-item')}>"

    def faq_item_close(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A FAQ question and answer's end."""
        return "</div>"

    def footnote_block_open(self, tokens: Sequence[Token], idx: int, options: Any,
                            env: Any) -> str:
        """The footnotes section's start."""
        return f"<section{_mark('notes')}>"

    def footnote_block_close(self, tokens: Sequence[Token], idx: int, options: Any,
                             env: Any) -> str:
        """The footnotes section's end."""
        return "</section>"

    def footnote_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A footnote's start, marked with its number and how many references point to it."""
        refs, j = 0, idx + 1
        while j < len(tokens) and tokens[j].type != "footnote_close":
            refs += tokens[j].type == "footnote_anchor"
            j += 1
        return f"<div{_mark('note', [tokens[idx].meta['id'] + 1, max(refs, 1)])}>"

    def footnote_close(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        """A footnote's end."""
        return "</div>"

    def footnote_anchor(self, tokens: Sequence[Token], idx: int, options: Any,
                        env: Any) -> str:
        """Nothing: the back-links are written by each translator, from ``Note.refs``."""
        return ""  # the back-links are the translator's (Note.refs says how many)


def _cell_align(tok: Token) -> str | None:
    style = str(tok.attrs.get("style", ""))
    return style.removeprefix("text-align:") or None


def _opener(tokens: Sequence[Token], idx: int) -> Token:
    """The ``blockquote_open`` a ``blockquote_close`` closes."""
    depth = 0
    for j in range(idx - 1, -1, -1):
        t = tokens[j]
        if t.type == "blockquote_close":
            depth += 1
        elif t.type == "blockquote_open":
            if depth == 0:
                return t
            depth -= 1
    return tokens[idx]


def _tight_list(tokens: Sequence[Token], idx: int) -> bool:
    """Whether the list opened at ``idx`` is tight: its items' paragraphs are hidden."""
    level = tokens[idx].level
    for tok in tokens[idx + 1:]:
        if tok.level <= level:
            break
        if tok.type == "paragraph_open" and tok.level == level + 2:
            return tok.hidden
    return True


def render(tokens: Sequence[Token], policy: Policy, options: Any, env: Any) -> str:
    """The canonical HTML of parsed tokens (to be sanitised, then built into a tree).

    Args:
        tokens: markdown-it's tokens of a body.
        policy: the parts, anchors, assets and citations of the series.
        options: markdown-it's render options.
        env: the parser's env.
    """
    return CanonicalRenderer(policy).render(tokens, options, env)
