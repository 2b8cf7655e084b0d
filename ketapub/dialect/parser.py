"""The dialect's parser: CommonMark with ketapub's extensions.

CommonMark + tables, strikethrough, footnotes, definition lists, and ketapub's plugins (``[@id]``
citations, ``{#id}`` heading anchors, ``[!NOTE]`` callouts, the FAQ block), with raw HTML cleaned as
it is parsed (``safety``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from ketapub import i18n
from ketapub.dialect.safety import sanitize_raw

# The FAQ heading in each language a series can be written in, so that a translated part's
# FAQ is structured (and marked up as a FAQ page) like the original's.
FAQ_TITLE = re.compile(r"^\s*(?:frequently asked questions|preguntas frecuentes)\s*$",
                       re.IGNORECASE)
EXPLICIT_ID = re.compile(r"\s*\{#([A-Za-z][A-Za-z0-9_\-]*)\}\s*$")
BAD_EXPLICIT_ID = re.compile(r"\s*\{#([^}]*)\}\s*$")
CITE_KEY = r"[A-Za-z0-9_][A-Za-z0-9_:.\-]*"
CITATION = re.compile(rf"\[@({CITE_KEY})((?:\s*;\s*@{CITE_KEY})*)\]")
CALLOUT = re.compile(r"^\[!(NOTE|WARNING|TIP)\][ \t]*(?:\n|$)")


def heading_slug(text: str) -> str:
    """Generated anchor for a heading without an explicit ``{#id}``.

    Accents are dropped, not the letters that carry them ("¿Qué tan rápido?" -> ``que-tan-rapido``),
    so a heading in Spanish or French gets a readable anchor.

    Args:
        text: the heading's text.
    """
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower())
                     if not unicodedata.combining(c))
    words = re.findall(r"[a-z0-9]+", folded)
    return "-".join(words) or "section"


def text_of(inline: Token) -> str:
    """The plain text of an inline token (image alt text included), stripped.

    Args:
        inline: an ``inline`` token.
    """
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts).strip()


# --- plugins ---------------------------------------------------------------------------


def _citation_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "[" or state.src[state.pos + 1 : state.pos + 2] != "@":
        return False
    match = CITATION.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        ids = [match.group(1), *re.findall(r"@([A-Za-z0-9_][A-Za-z0-9_:.\-]*)", match.group(2))]
        token = state.push("citation", "", 0)
        token.meta = {"ids": ids}
        token.content = match.group(0)
    state.pos = match.end()
    return True


def _explicit_ids(state: StateCore) -> None:
    """Strip ``{#id}`` from heading text before inline parsing and keep it as the id."""
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        inline = tokens[i + 1]
        match = EXPLICIT_ID.search(inline.content)
        if match:
            tok.meta["explicit_id"] = match.group(1)
            inline.content = inline.content[: match.start()]
        else:
            bad = BAD_EXPLICIT_ID.search(inline.content)
            if bad:
                tok.meta["bad_id"] = bad.group(1)
                inline.content = inline.content[: bad.start()]


def _heading_ids(tokens: list[Token]) -> None:
    """Every heading's id: its explicit ``{#id}``, else a slug of its text made unique."""
    used = {t.meta["explicit_id"] for t in tokens
            if t.type == "heading_open" and t.meta.get("explicit_id")}
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        hid = tok.meta.get("explicit_id")
        if not hid:
            base = heading_slug(text_of(tokens[i + 1]))
            hid, n = base, 2
            while hid in used:
                hid, n = f"{base}-{n}", n + 1
            used.add(hid)
        tok.meta["id"] = hid


def _drop_callout_marker(inline: Token) -> None:
    """Take ``[!NOTE]`` (and the line break after it) out of a callout's first paragraph."""
    kids = inline.children or []
    if kids and kids[0].type == "text" and kids[0].content.startswith("[!"):
        kids[0].content = CALLOUT.sub("", kids[0].content, count=1)
        while kids and (kids[0].type == "softbreak" or
                        (kids[0].type == "text" and not kids[0].content)):
            kids.pop(0)
            if kids and kids[0].type == "softbreak":
                kids.pop(0)
                break
    inline.content = CALLOUT.sub("", inline.content, count=1)


def _callouts(tokens: list[Token]) -> None:
    """A blockquote whose first line is ``[!NOTE]``, ``[!WARNING]`` or ``[!TIP]``."""
    for i, tok in enumerate(tokens[:-2]):
        para, inline = tokens[i + 1], tokens[i + 2]
        if tok.type != "blockquote_open" or para.type != "paragraph_open" \
                or inline.type != "inline":
            continue
        match = CALLOUT.match(inline.content)
        if not match:
            continue
        tok.meta["callout"] = match.group(1)
        _drop_callout_marker(inline)
        if not inline.content.strip():
            para.hidden = True
            tokens[i + 3].hidden = True
            inline.children = []


class _FaqWrapper:
    """Wrap the FAQ section and each of its questions in their own tokens.

    Wraps the FAQ (a level-2 "Frequently asked questions" up to the next level-2 heading or the
    footnotes) in ``faq`` tokens, each level-3 question and answer in ``faq_item``.
    """

    def __init__(self) -> None:
        self.out: list[Token] = []
        self.in_faq = self.in_item = False

    def close_item(self) -> None:
        if self.in_item:
            self.out.append(Token("faq_item_close", "div", -1))
            self.in_item = False

    def close_faq(self) -> None:
        self.close_item()
        if self.in_faq:
            self.out.append(Token("faq_close", "section", -1))
            self.in_faq = False

    def feed(self, tok: Token, following: Token | None) -> None:
        heading = tok.type == "heading_open"
        level2, level3 = heading and tok.tag == "h2", heading and tok.tag == "h3"
        if level2 or tok.type == "footnote_block_open":
            self.close_faq()
        elif level3:
            self.close_item()
        if level2 and following is not None and FAQ_TITLE.match(text_of(following)):
            opener = Token("faq_open", "section", 1)
            opener.meta = {"heading_id": tok.meta.get("id")}
            self.out.append(opener)
            self.in_faq = True
        if self.in_faq and level3:
            self.out.append(Token("faq_item_open", "div", 1))
            self.in_item = True
        self.out.append(tok)


def _faq(tokens: list[Token]) -> list[Token]:
    wrapper = _FaqWrapper()
    for i, tok in enumerate(tokens):
        wrapper.feed(tok, tokens[i + 1] if i + 1 < len(tokens) else None)
    wrapper.close_faq()
    return wrapper.out


def _structure(state: StateCore) -> None:
    """Heading ids, callouts and the FAQ block, as token metadata renderers can use."""
    _heading_ids(state.tokens)
    _callouts(state.tokens)
    state.tokens = _faq(state.tokens)


# --- parsers -----------------------------------------------------------------------------


def new_parser(**options: Any) -> MarkdownIt:
    """A parser of the dialect (``options``: markdown-it's, e.g. ``typographer``).

    Args:
        **options: markdown-it's options, such as ``typographer``.
    """
    md = MarkdownIt("commonmark", {"html": True, "xhtmlOut": True, **options})
    md.enable("table").enable("strikethrough")
    md.use(footnote_plugin).use(deflist_plugin)
    # Every destination parses as a link, so a refused one renders as its text alone (see
    # link_open) instead of leaving "[text](javascript:...)" in a patient's handout.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.core.ruler.after("block", "explicit_ids", _explicit_ids)
    md.core.ruler.after("inline", "sanitize_raw", sanitize_raw)
    md.core.ruler.push("structure", _structure)
    return md


@functools.cache
def parser() -> MarkdownIt:
    """The dialect's parser for analysis (built once per process)."""
    return new_parser()


@functools.cache
def typographic_parser(language: str) -> MarkdownIt:
    """The parser for rendering.

    Straight quotes in text made typographic in the series language ("dose" -> “dose”; never in
    code, URLs or raw HTML). markdown-it's other typographic replacements stay off: "(c)" in a list
    is not ©.

    Args:
        language: the series language, for its quotes.
    """
    md = new_parser(typographer=True, quotes=list(i18n.quotes(language)))
    return md.enable("smartquotes")


def parse(body: str) -> tuple[list[Token], dict[str, Any]]:
    """Tokens of a body for analysis (no typography), and the parser's env.

    Args:
        body: a part's Markdown body.
    """
    env: dict[str, Any] = {}
    return parser().parse(body, env), env


@functools.lru_cache(maxsize=256)
def parsed(body: str, language: str) -> tuple[list[Token], dict[str, Any]]:
    """Tokens of a body as rendered, parsed once per process.

    Every renderer and view of a part renders the same tokens (no render rule changes them).

    Args:
        body: a part's Markdown body.
        language: the series language, for its quotes.
    """
    env: dict[str, Any] = {}
    tokens = typographic_parser(language).parse(body, env)
    return tokens, env


@functools.cache
def _quotes_only(language: str) -> MarkdownIt:
    md = MarkdownIt("zero", {"typographer": True, "quotes": list(i18n.quotes(language))})
    return md.enable("smartquotes")


def typographic(text: str, language: str) -> str:
    """Plain text (a title, a summary) with the quotes part bodies get: "it's" -> "it’s".

    Nothing else in it is read as Markdown: no emphasis, escapes or entities.

    Args:
        text: the plain text.
        language: the series language, for its quotes.
    """
    (line,) = _quotes_only(language).parseInline(text)
    return "".join(t.content for t in line.children or ())
