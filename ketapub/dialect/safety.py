"""Raw HTML and link checks at parse time: what is cleaned, what is removed, and where.

Raw HTML blocks are cleaned where they stand; a raw inline tag with anything the allow-list
refuses is dropped whole. Each removal is remembered with its line in the parser's ``env``
(``removed``, ``changed``, ``too_deep``) for the load-time analysis to report.
"""

from __future__ import annotations

import html
import re
from collections.abc import MutableMapping, Sequence
from typing import Any
from urllib.parse import unquote

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ketapub import sanitize

LINK_DEST = re.compile(r"\]\(\s*<?([^\s)>]+)|^\s*\[[^\]]+\]:\s*<?(\S+)", re.MULTILINE)

MAX_RAW_DEPTH = 100

Found = list[tuple[int, str, str]]
"""(line in the body, what, snippet) of each removal or change."""


def unsafe_links(content: str) -> list[tuple[int, str, str]]:
    """Find each link a reader could not follow safely, however it is obfuscated.

    (line within ``content``, scheme, destination) of each link a reader could not follow safely,
    seen through entity, percent and whitespace obfuscation (``jav&#x09;ascript:``).

    Args:
        content: raw HTML or Markdown.
    """
    found = []
    for m in LINK_DEST.finditer(content):
        dest = m.group(1) or m.group(2)
        plain = unquote(html.unescape(dest))
        if dest.startswith("part:") or sanitize.url_is_safe(plain):
            continue
        scheme = sanitize.CONTROL_RE.sub("", plain).split(":", 1)[0].lower()
        found.append((content.count("\n", 0, m.start(1) if m.group(1) else m.start(2)),
                      scheme, dest))
    return found


def raw_depth(env: MutableMapping[str, Any], pieces: Sequence[tuple[int, str]]) -> None:
    """Flag raw HTML nested deeper than MAX_RAW_DEPTH.

    Flag raw HTML that nests more than MAX_RAW_DEPTH deep (no renderer can lay out thousands of
    nested boxes, and XML parsers refuse them).

    Depth is measured on the tree an HTML parser builds from the body's raw HTML in order,
    so stray end tags (``<div></p>``) close nothing, as in a browser; counting tags did.
    ``pieces`` are (body line, raw HTML); the first element past the limit is located.

    Args:
        env: the parser's env; ``too_deep`` is set in it.
        pieces: (line, text) of each piece of raw HTML, in order.
    """
    if not pieces:
        return
    from lxml import etree

    lines: list[int] = []
    for line, text in pieces:
        lines += [line + i for i in range(text.count("\n") + 1)]
    parser = etree.HTMLParser(recover=True, no_network=True, huge_tree=True,
                              remove_comments=True, default_doctype=False)
    text = "\n".join(t for _, t in pieces)
    try:
        root = etree.fromstring(f"<html><body>{text}</body></html>", parser)
    except (etree.ParserError, ValueError):
        return
    body = root.find("body") if root is not None else None
    stack = [(child, 1) for child in reversed(body)] if body is not None else []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_RAW_DEPTH:
            at = min(max((node.sourceline or 1) - 1, 0), len(lines) - 1)
            env["too_deep"] = lines[at]
            return
        stack += [(child, depth + 1) for child in reversed(node)]


def _raw_block(tok: Token, removed: Found, changed: Found) -> tuple[int, str]:
    """Clean a raw HTML block in place; the piece (line, raw) it was, for the depth check."""
    line = tok.map[0] if tok.map else 0
    piece = (line, tok.content)
    for r in sanitize.audit(tok.content):
        snippet = tok.content.split("\n")[r.line] if r.line else tok.content
        (removed if r.removed else changed).append((line + r.line, r.what, snippet))
    tok.content = sanitize.clean_raw(tok.content)
    return piece


def _raw_inline(tok: Token, removed: Found, changed: Found) -> list[tuple[int, str]]:
    """Drop each raw inline tag of a paragraph that holds anything refused; note unsafe links.

    The pieces (line, raw) seen, for the depth check.
    """
    line = tok.map[0] if tok.map else 0
    pieces = []
    for child in tok.children or []:
        if child.type != "html_inline":
            continue
        pieces.append((line, child.content))
        found = sanitize.audit(child.content)
        changed += [(line, r.what, child.content) for r in found if not r.removed]
        problems = [r for r in found if r.removed]
        removed += [(line, r.what, child.content) for r in problems]
        if problems:
            child.type, child.content = "text", ""
    for offset, scheme, dest in unsafe_links(tok.content):
        removed.append((line + offset, f"{scheme}: link", dest))
    return pieces


def sanitize_raw(state: StateCore) -> None:
    """Core rule: clean raw HTML where it stands, remembering what was removed and where.

    Args:
        state: markdown-it's core state.
    """
    removed: Found = state.env.setdefault("removed", [])
    changed: Found = state.env.setdefault("changed", [])
    pieces: list[tuple[int, str]] = []
    for tok in state.tokens:
        if tok.type == "html_block":
            pieces.append(_raw_block(tok, removed, changed))
        elif tok.type == "inline":
            pieces += _raw_inline(tok, removed, changed)
    raw_depth(state.env, pieces)
