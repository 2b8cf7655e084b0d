"""The Markdown dialect: CommonMark + tables, footnotes, definition lists, heading anchors,
``part:`` cross-references, ``[@id]`` citations, FAQ blocks and ``[!NOTE]`` callouts.

One parser serves two moments. At load time :func:`analyze` walks the tokens to learn the
anchors, citations, links, images and FAQ of a part, and to report problems with their line.
At render time :func:`to_html` turns the same body into HTML under a renderer's own link
policy (``part:`` links stay symbolic until then). Content is never evaluated as a template.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from ketapub import i18n, sanitize
from ketapub.errors import Diagnostic, Severity

FAQ_TITLE = re.compile(r"^\s*frequently asked questions\s*$", re.IGNORECASE)
EXPLICIT_ID = re.compile(r"\s*\{#([A-Za-z][A-Za-z0-9_\-]*)\}\s*$")
BAD_EXPLICIT_ID = re.compile(r"\s*\{#([^}]*)\}\s*$")
CITE_KEY = r"[A-Za-z0-9_][A-Za-z0-9_:.\-]*"
CITATION = re.compile(rf"\[@({CITE_KEY})((?:\s*;\s*@{CITE_KEY})*)\]")
CALLOUT = re.compile(r"^\[!(NOTE|WARNING|TIP)\][ \t]*(?:\n|$)")
PART_LINK = re.compile(r"^part:([a-z0-9]+(?:-[a-z0-9]+)*)(?:#([A-Za-z0-9_\-]+))?\Z")


def heading_slug(text: str) -> str:
    """Generated anchor for a heading without an explicit ``{#id}``."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words) or "section"


def _validate_link(url: str) -> bool:
    # percent-decoded too: "jav%09ascript:" must not pass as a relative link
    return url.startswith("part:") or (sanitize.url_is_safe(url)
                                       and sanitize.url_is_safe(unquote(url)))


LINK_DEST = re.compile(r"\]\(\s*<?([^\s)>]+)|^\s*\[[^\]]+\]:\s*<?(\S+)", re.MULTILINE)


def _unsafe_links(content: str) -> list[tuple[int, str, str]]:
    """(line within ``content``, scheme, destination) of each link a reader could not follow
    safely, seen through entity, percent and whitespace obfuscation (``jav&#x09;ascript:``)."""
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


# --- parser plugins -------------------------------------------------------------------


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


def _text_of(inline: Token) -> str:
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts).strip()


def _structure(state: StateCore) -> None:
    """Heading ids, callouts and the FAQ block, as token metadata renderers can use."""
    tokens = state.tokens
    used: set[str] = set()
    for tok in tokens:
        if tok.type == "heading_open":
            explicit = tok.meta.get("explicit_id")
            if explicit:
                used.add(explicit)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            hid = tok.meta.get("explicit_id")
            if not hid:
                base = heading_slug(_text_of(tokens[i + 1]))
                hid, n = base, 2
                while hid in used:
                    hid, n = f"{base}-{n}", n + 1
                used.add(hid)
            tok.meta["id"] = hid
        elif tok.type == "blockquote_open" and i + 2 < len(tokens):
            para, inline = tokens[i + 1], tokens[i + 2]
            if para.type == "paragraph_open" and inline.type == "inline":
                match = CALLOUT.match(inline.content)
                if match:
                    tok.meta["callout"] = match.group(1)
                    # drop the marker from the first text child
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
                    if not inline.content.strip():
                        para.hidden = True
                        tokens[i + 3].hidden = True
                        inline.children = []
    # FAQ: a level-2 heading "Frequently asked questions" up to the next level-2 heading.
    out: list[Token] = []
    in_faq = in_item = False
    for i, tok in enumerate(tokens):
        level2 = tok.type == "heading_open" and tok.tag == "h2"
        closes = level2 or tok.type == "footnote_block_open"
        if in_faq and (closes or (tok.type == "heading_open" and tok.tag == "h3")):
            if in_item:
                out.append(Token("faq_item_close", "div", -1))
                in_item = False
            if closes:
                out.append(Token("faq_close", "section", -1))
                in_faq = False
        if level2 and FAQ_TITLE.match(_text_of(tokens[i + 1])):
            opener = Token("faq_open", "section", 1)
            opener.meta = {"heading_id": tok.meta.get("id")}
            out.append(opener)
            in_faq = True
        if in_faq and tok.type == "heading_open" and tok.tag == "h3":
            out.append(Token("faq_item_open", "div", 1))
            in_item = True
        out.append(tok)
    if in_item:
        out.append(Token("faq_item_close", "div", -1))
    if in_faq:
        out.append(Token("faq_close", "section", -1))
    state.tokens = out


MAX_RAW_DEPTH = 100


def _raw_depth(env: MutableMapping[str, Any], pieces: Sequence[tuple[int, str]]) -> None:
    """Flag raw HTML that nests more than MAX_RAW_DEPTH deep (no renderer can lay out
    thousands of nested boxes, and XML parsers refuse them).

    Depth is measured on the tree an HTML parser builds from the body's raw HTML in order,
    so stray end tags (``<div></p>``) close nothing, as in a browser; counting tags did.
    ``pieces`` are (body line, raw HTML); the first element past the limit is located.
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


def _sanitize_raw(state: StateCore) -> None:
    """Clean raw HTML where it stands, remembering what was removed and on which line."""
    removed: list[tuple[int, str, str]] = state.env.setdefault("removed", [])
    changed: list[tuple[int, str, str]] = state.env.setdefault("changed", [])
    pieces: list[tuple[int, str]] = []
    for tok in state.tokens:
        if tok.type == "html_block":
            line = tok.map[0] if tok.map else 0
            pieces.append((line, tok.content))
            for r in sanitize.audit(tok.content):
                snippet = tok.content.split("\n")[r.line] if r.line else tok.content
                (removed if r.removed else changed).append((line + r.line, r.what, snippet))
            tok.content = sanitize.clean_raw(tok.content)
        elif tok.type == "inline":
            line = tok.map[0] if tok.map else 0
            for child in tok.children or []:
                if child.type == "html_inline":
                    pieces.append((line, child.content))
                    found = sanitize.audit(child.content)
                    changed += [(line, r.what, child.content) for r in found if not r.removed]
                    problems = [r for r in found if r.removed]
                    if problems:
                        for r in problems:
                            removed.append((line, r.what, child.content))
                        child.type, child.content = "text", ""
            for offset, scheme, dest in _unsafe_links(tok.content):
                removed.append((line + offset, f"{scheme}: link", dest))
    _raw_depth(state.env, pieces)


DIALECT = "4"
"""Bump when the HTML a body renders to changes for the same source (planning hashes it, so
an incremental build re-renders what an older dialect made). 2: typographic quotes. 3: links
to files under assets/ written as their published URL. 4: ids of references and footnotes
hold a "." (ref.x, fn.1), apart from every heading id."""


@functools.cache
def parser() -> MarkdownIt:
    """The dialect's parser for analysis (built once per process)."""
    return _new_parser()


def _new_parser(**options: Any) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "xhtmlOut": True, **options})
    md.enable("table").enable("strikethrough")
    md.use(footnote_plugin).use(deflist_plugin)
    # Every destination parses as a link, so a refused one renders as its text alone (see
    # link_open) instead of leaving "[text](javascript:...)" in a patient's handout.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.core.ruler.after("block", "explicit_ids", _explicit_ids)
    md.core.ruler.after("inline", "sanitize_raw", _sanitize_raw)
    md.core.ruler.push("structure", _structure)
    return md


@functools.cache
def _quotes_only(language: str) -> MarkdownIt:
    md = MarkdownIt("zero", {"typographer": True, "quotes": list(i18n.quotes(language))})
    return md.enable("smartquotes")


def typographic(text: str, language: str) -> str:
    """Plain text (a title, a summary) with the quotes part bodies get: "it's" -> "it’s".
    Nothing else in it is read as Markdown: no emphasis, escapes or entities."""
    (line,) = _quotes_only(language).parseInline(text)
    return "".join(t.content for t in line.children or ())


def parse(body: str) -> tuple[list[Token], dict[str, Any]]:
    env: dict[str, Any] = {}
    return parser().parse(body, env), env


# --- analysis at load time -------------------------------------------------------------


@dataclass(frozen=True)
class PartLink:
    target: str
    """A part number or slug, as written."""
    anchor: str | None
    line: int
    column: int


@dataclass
class Analysis:
    anchors: list[str] = field(default_factory=list)
    citations: list[tuple[str, int, int]] = field(default_factory=list)
    links: list[PartLink] = field(default_factory=list)
    images: list[tuple[str, str, int, int]] = field(default_factory=list)
    """(src, alt, line, column) of each image."""
    files: list[tuple[str, int, int]] = field(default_factory=list)
    """(href, line, column) of each link to a file of the source (``assets/form.pdf``), the
    destination as markdown-it normalised it (see :func:`source_file`)."""
    faq: list[tuple[str, str, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    """Prose for readability: paragraphs and list items, without headings or tables."""
    words: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)


def local_path(href: str) -> str:
    """The source path a local image or link destination names: query and fragment dropped,
    percent escapes decoded and the name NFC-normalised. markdown-it writes ``café.png`` as
    ``caf%C3%A9.png``, and an editor may save the é as e + U+0301 (NFD): every spelling
    names the one asset, whose path is the NFC form of its name."""
    return unicodedata.normalize("NFC", unquote(href.split("#", 1)[0].split("?", 1)[0]))


def source_file(href: str) -> str | None:
    """The source path a link names when it is a file under ``assets/`` (``assets/form.pdf``,
    query and fragment dropped, see :func:`local_path`), else None. Such links are checked
    at load and written as the file's published URL, the same in every output."""
    path = local_path(href)
    return path if path.startswith("assets/") and len(path) > len("assets/") else None


def _find(lines: Sequence[str], start: int, end: int, needle: str,
          column: int = 0) -> tuple[int, int]:
    """(line, column) of ``needle`` in lines ``start`` to ``end`` of a block, the first
    place from line ``start``, 0-based ``column`` on, that holds it (so a second image or
    link on one line is found at its own column); the block's first line when none does."""
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


WORD = re.compile(r"[^\W_](?:[^\W_]|['’\-](?=[^\W_]))*")
"""A word in any alphabet ("información" is one): letters and digits joined by ' ’ or -."""


def analyze(body: str, path: str, first_line: int) -> Analysis:
    """Learn what a body contains and what is wrong with it (lines are file lines)."""
    tokens, env = parse(body)
    lines = body.split("\n")
    result = Analysis()
    warn = Severity.WARNING

    def diag(line0: int, needle: str, message: str, severity: Severity = Severity.ERROR) -> None:
        result.diagnostics.append(Diagnostic(
            path, first_line + line0, _column(lines, line0, needle), message, severity))

    for line0, what, snippet in env.get("removed", []):
        if what in ("http: link", "https: link"):  # https:example.org
            diag(line0, snippet, f"removed malformed link {snippet!r}; write it as "
                 f"{what[:-6]}://host/path", warn)
        elif what.endswith(" link"):
            hint = "only http, https, mailto, tel, part: and relative links are kept"
            diag(line0, snippet, f"removed {what}; {hint}", warn)
        else:
            diag(line0, snippet, f"removed {what} from raw HTML; ketapub keeps only "
                 "formatting markup (see SECURITY.md)", warn)

    for line0, what, snippet in env.get("changed", []):
        diag(line0, snippet, f"{what}; a printed page cannot lay out wider spans", warn)

    if "too_deep" in env:
        diag(env["too_deep"], "<", f"raw HTML nests more than {MAX_RAW_DEPTH} levels deep; "
             "flatten it")

    faq_question: str | None = None
    faq_anchor = ""
    faq_answer: list[str] = []
    in_faq = False
    block_line = 0
    stack: list[str] = []

    def flush_faq() -> None:
        nonlocal faq_question
        if faq_question is not None:
            result.faq.append((faq_question, " ".join(faq_answer).strip(), faq_anchor))
        faq_question = None
        faq_answer.clear()

    block_end = 0
    cursor = (-1, 0)
    for i, tok in enumerate(tokens):
        if tok.map:
            block_line, block_end = tok.map
        if tok.nesting == 1:
            stack.append(tok.type)
        elif tok.nesting == -1 and stack:
            stack.pop()
        if tok.type == "faq_open":
            in_faq = True
        elif tok.type == "faq_close":
            flush_faq()
            in_faq = False
        elif tok.type == "heading_open":
            if "bad_id" in tok.meta:
                diag(block_line, "{#", f"heading anchor {{#{tok.meta['bad_id']}}} is not valid; "
                     "start with a letter and use letters, digits, '-' or '_'")
            hid = tok.meta["id"]
            if hid in result.anchors:
                diag(block_line, "{#" + hid, f"duplicate heading anchor {{#{hid}}}; "
                     "anchors must be unique within a part")
            result.anchors.append(hid)
            if in_faq and tok.tag == "h3":
                flush_faq()
                faq_question = _text_of(tokens[i + 1])
                faq_anchor = hid
        elif tok.type == "inline":
            text = _text_of(tok)
            result.words += len(WORD.findall(text))
            in_heading = bool(stack) and stack[-1] == "heading_open"
            in_table = any(s in ("table_open",) for s in stack)
            if not in_heading and not in_table and text:
                result.paragraphs.append(text)
                if in_faq and faq_question is not None:
                    faq_answer.append(text)
            # where in the block the last thing was found; table cells of one row share
            # the row's line, so the search goes on after the previous cell's find
            line0, col0 = (block_line, 0) if cursor[0] != block_line else cursor

            def find(needle: str, end: int = block_end) -> tuple[int, int]:
                nonlocal line0, col0
                line0, col = _find(lines, line0, end, needle, col0)
                col0 = col - 1 + len(needle[:40]) if needle else col0
                return line0, col

            def find_dest(dest: str) -> tuple[int, int]:
                """A destination as written: decoded (``café``), else as markdown-it
                normalised it (``a%2fb``), each searched in this block only."""
                nonlocal line0, col0
                start = (line0, col0)
                for needle in dict.fromkeys((unquote(dest), dest)):
                    line0, col0 = start
                    found = find(needle)
                    if lines[found[0]][found[1] - 1:].startswith(needle[:40]):
                        return found
                line0, col0 = start
                return find(unquote(dest))

            for child in tok.children or []:
                if child.type == "citation":
                    for cid in child.meta["ids"]:
                        line0, col = find("@" + cid)
                        result.citations.append((cid, first_line + line0, col))
                elif child.type == "link_open":
                    href = str(child.attrs.get("href", ""))
                    if source_file(href):
                        line0, col = find_dest(href)
                        result.files.append((href, first_line + line0, col))
                    if href.startswith("part:"):
                        line0, col = find(href)
                        m = PART_LINK.match(href)
                        if not m:
                            diag(line0, href, f"malformed part link {href!r}; write "
                                 "part:2, part:some-slug or part:some-slug#anchor")
                        else:
                            result.links.append(PartLink(m.group(1), m.group(2),
                                                         first_line + line0, col))
                elif child.type == "image":
                    src = str(child.attrs.get("src", ""))
                    alt = child.content.strip()
                    line0, col = find_dest(src)
                    result.images.append((src, alt, first_line + line0, col))
            cursor = (line0, col0)
    return result


# --- rendering ------------------------------------------------------------------------

LinkResolver = Callable[[str, "str | None"], "tuple[str | None, str]"]
"""(target, anchor) -> (href, suffix). ``href`` None renders the text plainly + ``suffix``."""


@dataclass(frozen=True)
class HtmlOptions:
    """How one renderer wants a body: its link policy, id prefix and heading levels."""

    resolve_part_link: LinkResolver
    asset_url: Callable[[str], str | None]
    """Asset path -> URL to write in ``src``; None drops the image (keeping its alt text)."""
    file_url: Callable[[str], str] | None = None
    """A linked file of the source (``assets/form.pdf``) -> the URL to write in ``href``."""
    id_prefix: str = ""
    heading_offset: int = 0
    language: str = "en"
    citation_href: Callable[[str], str] | None = None


def reference_id(prefix: str, ref: str) -> str:
    """The id of a reference-list entry. Ids the dialect makes for anything but a heading
    hold a ``.``, which no heading id can (``[A-Za-z0-9_-]``): a heading "Ref smith" and
    the citation ``[@smith]`` get ``ref-smith`` and ``ref.smith``, never one id twice."""
    return f"{prefix}ref.{ref}"


def footnote_id(prefix: str, kind: str, name: str) -> str:
    """``fn.1`` / ``fnref.1`` after ``prefix``, apart from headings as :func:`reference_id`."""
    return f"{prefix}{kind}.{name}"


def _footnote_name(tok: Token) -> tuple[str, str]:
    sub = tok.meta.get("subId", -1)
    return str(tok.meta["id"] + 1), (str(sub) if isinstance(sub, int) and sub > 0 else "")


def _render_rules(md: MarkdownIt) -> dict[str, Callable[..., str]]:
    def heading_open(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        tok = tokens[idx]
        opts: HtmlOptions = env["ketapub"]
        level = min(6, int(tok.tag[1]) + opts.heading_offset)
        return f'<h{level} id="{escapeHtml(opts.id_prefix + tok.meta["id"])}">'

    def heading_close(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        opts: HtmlOptions = env["ketapub"]
        return f"</h{min(6, int(tokens[idx].tag[1]) + opts.heading_offset)}>\n"

    def link_open(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        tok = tokens[idx].copy()  # parsed tokens are shared between renders: never mutate
        tok.attrs = dict(tok.attrs)
        opts: HtmlOptions = env["ketapub"]
        href = str(tok.attrs.get("href", ""))
        pending: list[str | None] = env.setdefault("link_suffix", [])
        if href.startswith("part:"):
            m = PART_LINK.match(href)
            resolved, suffix = (opts.resolve_part_link(m.group(1), m.group(2)) if m
                                else (None, ""))
            if resolved is None:
                pending.append(f'</span>{escapeHtml(suffix)}')
                return '<span class="xref-unreleased">'
            tok.attrs["href"] = resolved
            tok.attrSet("class", "xref")
        elif not _validate_link(href):  # refused at load (with a warning): keep the text only
            pending.append("</span>")
            return '<span class="link-removed">'
        elif href.startswith("#") and opts.id_prefix:
            tok.attrs["href"] = "#" + opts.id_prefix + href[1:]
        elif opts.file_url and (path := source_file(href)):
            tok.attrs["href"] = opts.file_url(path) + ("#" + href.split("#", 1)[1]
                                                       if "#" in href else "")
        pending.append(None)
        attrs: str = md.renderer.renderAttrs(tok)  # type: ignore[attr-defined]
        return f"<a{attrs}>"

    def link_close(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        pending = env.setdefault("link_suffix", [])
        special = pending.pop() if pending else None
        return special if special is not None else "</a>"

    def image(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        tok = tokens[idx]
        opts: HtmlOptions = env["ketapub"]
        alt = md.renderer.renderInlineAsText(  # type: ignore[attr-defined]
            tok.children or [], options, env)
        url = opts.asset_url(str(tok.attrs.get("src", "")))
        if url is None:
            return escapeHtml(alt)
        title = tok.attrs.get("title")
        title_attr = f' title="{escapeHtml(str(title))}"' if title else ""
        return f'<img src="{escapeHtml(url)}" alt="{escapeHtml(alt)}"{title_attr} />'

    def citation(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        opts: HtmlOptions = env["ketapub"]
        numbers: dict[str, int] = env["citation_numbers"]
        links = []
        for cid in tokens[idx].meta["ids"]:
            n = numbers.get(cid)
            if n is None:
                continue
            href = (opts.citation_href(cid) if opts.citation_href
                    else "#" + reference_id(opts.id_prefix, cid))
            links.append(f'<a href="{escapeHtml(href)}" role="doc-biblioref">{n}</a>')
        return f'<span class="citation">[{", ".join(links)}]</span>' if links else ""

    def blockquote_open(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        kind = tokens[idx].meta.get("callout")
        if not kind:
            return "<blockquote>\n"
        opts: HtmlOptions = env["ketapub"]
        title = i18n.labels(opts.language)[f"callout_{kind.lower()}"]
        return (f'<div class="callout callout-{kind.lower()}" role="note">\n'
                f'<p class="callout-title"><strong>{title}</strong></p>\n')

    def blockquote_close(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        # find the matching opener to know whether this closes a callout
        depth = 0
        for j in range(idx - 1, -1, -1):
            t = tokens[j]
            if t.type == "blockquote_close":
                depth += 1
            elif t.type == "blockquote_open":
                if depth == 0:
                    return "</div>\n" if t.meta.get("callout") else "</blockquote>\n"
                depth -= 1
        return "</blockquote>\n"

    def footnote_ref(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        opts: HtmlOptions = env["ketapub"]
        name, sub = _footnote_name(tokens[idx])
        caption = f"[{name}{':' + sub if sub else ''}]"
        ref = footnote_id(opts.id_prefix, "fnref", name + ("." + sub if sub else ""))
        return (f'<sup class="footnote-ref"><a href="#{footnote_id(opts.id_prefix, "fn", name)}"'
                f' id="{ref}">{caption}</a></sup>')

    def footnote_open(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        opts: HtmlOptions = env["ketapub"]
        name, _ = _footnote_name(tokens[idx])
        return f'<li id="{footnote_id(opts.id_prefix, "fn", name)}" class="footnote-item">'

    def footnote_anchor(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
                        ) -> str:
        opts: HtmlOptions = env["ketapub"]
        name, sub = _footnote_name(tokens[idx])
        ref = footnote_id(opts.id_prefix, "fnref", name + ("." + sub if sub else ""))
        return f' <a href="#{ref}" class="footnote-backref">\u21a9\ufe0e</a>'

    def faq_open(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        return '<section class="faq">\n'

    def faq_close(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        return "</section>\n"

    def faq_item_open(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        return '<div class="faq-item">\n'

    def faq_item_close(tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        return "</div>\n"

    return {name: fn for name, fn in locals().items() if callable(fn) and name != "md"}


@functools.cache
def _html_renderer(language: str) -> MarkdownIt:
    """The parser that renders: the dialect's render rules, and straight quotes in text made
    typographic in the series language ("dose" -> “dose”; never in code, URLs or raw HTML).
    markdown-it's other typographic replacements stay off: "(c)" in a list is not ©."""
    md = _new_parser(typographer=True, quotes=list(i18n.quotes(language)))
    md.enable("smartquotes")
    for name, fn in _render_rules(md).items():
        md.add_render_rule(name, lambda _self, *args, _fn=fn: _fn(*args))
    return md


def to_html(body: str, citation_order: Sequence[str], options: HtmlOptions) -> str:
    """Render a part body to sanitised HTML under a renderer's :class:`HtmlOptions`."""
    md = _html_renderer(options.language)
    tokens, parsed_env = _parsed(body, options.language)
    env: dict[str, Any] = {
        **parsed_env,
        "ketapub": options,
        "citation_numbers": {cid: n for n, cid in enumerate(citation_order, 1)},
    }
    return sanitize.clean_output(md.renderer.render(tokens, md.options, env))


@functools.lru_cache(maxsize=256)
def _parsed(body: str, language: str) -> tuple[list[Token], dict[str, Any]]:
    """Tokens of a body, parsed once per process: every renderer and view of a part renders
    the same tokens under its own options (the render rules never change them)."""
    env: dict[str, Any] = {}
    tokens = _html_renderer(language).parse(body, env)
    return tokens, env


def inline_html(text: str, options: HtmlOptions) -> str:
    """Render short Markdown (such as the disclaimer) with the same rules."""
    return to_html(text, (), options)
