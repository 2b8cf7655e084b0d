"""The pipeline before the document tree, kept as the tests' oracle: a body rendered by
markdown-it's render rules and sanitised as a whole. tests/test_translators.py checks that
the translators write, from the tree, the very HTML this wrote (no renderer uses it).
Footnote markers and citation links are written in the translators' later convention (a
raised bare number with aria-label "Note n"; "[n]" with "Reference n") so the comparison
still covers everything else."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from ketapub import i18n, sanitize
from ketapub.dialect.ids import footnote_id, reference_id
from ketapub.dialect.links import PART_LINK, link_is_valid, source_file
from ketapub.dialect.parser import new_parser, parsed

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


def _footnote_name(tok: Token) -> tuple[str, str]:
    sub = tok.meta.get("subId", -1)
    return str(tok.meta["id"] + 1), (str(sub) if isinstance(sub, int) and sub > 0 else "")


Rule = Callable[[RendererHTML, Sequence[Token], int, Any, dict[str, Any]], str]


def heading_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any,
                 env: dict[str, Any]) -> str:
    tok = tokens[idx]
    opts: HtmlOptions = env["ketapub"]
    level = min(6, int(tok.tag[1]) + opts.heading_offset)
    return f'<h{level} id="{escapeHtml(opts.id_prefix + tok.meta["id"])}">'


def heading_close(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any,
                  env: dict[str, Any]) -> str:
    opts: HtmlOptions = env["ketapub"]
    return f"</h{min(6, int(tokens[idx].tag[1]) + opts.heading_offset)}>\n"


def _href(href: str, opts: HtmlOptions) -> str:
    """A kept link's href under the renderer's id prefix and file policy."""
    if href.startswith("#") and opts.id_prefix:
        return "#" + opts.id_prefix + href[1:]
    if opts.file_url and (path := source_file(href)):
        return opts.file_url(path) + ("#" + href.split("#", 1)[1] if "#" in href else "")
    return href


def link_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any,
              env: dict[str, Any]) -> str:
    tok = tokens[idx].copy()  # parsed tokens are shared between renders: never mutate
    tok.attrs = dict(tok.attrs)
    opts: HtmlOptions = env["ketapub"]
    href = str(tok.attrs.get("href", ""))
    pending: list[str | None] = env.setdefault("link_suffix", [])
    if href.startswith("part:"):
        m = PART_LINK.match(href)
        resolved, suffix = opts.resolve_part_link(m.group(1), m.group(2)) if m else (None, "")
        if resolved is None:
            pending.append(f'</span>{escapeHtml(suffix)}')
            return '<span class="xref-unreleased">'
        tok.attrs["href"] = resolved
        tok.attrSet("class", "xref")
    elif not link_is_valid(href):  # refused at load (with a warning): keep the text only
        pending.append("</span>")
        return '<span class="link-removed">'
    else:
        tok.attrs["href"] = _href(href, opts)
    pending.append(None)
    return f"<a{self.renderAttrs(tok)}>"


def link_close(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any,
               env: dict[str, Any]) -> str:
    pending = env.setdefault("link_suffix", [])
    special = pending.pop() if pending else None
    return special if special is not None else "</a>"


def image(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any,
          env: dict[str, Any]) -> str:
    tok = tokens[idx]
    opts: HtmlOptions = env["ketapub"]
    alt = self.renderInlineAsText(tok.children or [], options, env)
    url = opts.asset_url(str(tok.attrs.get("src", "")))
    if url is None:
        return escapeHtml(alt)
    title = tok.attrs.get("title")
    title_attr = f' title="{escapeHtml(str(title))}"' if title else ""
    return f'<img src="{escapeHtml(url)}" alt="{escapeHtml(alt)}"{title_attr} />'


def citation(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any,
             env: dict[str, Any]) -> str:
    opts: HtmlOptions = env["ketapub"]
    numbers: dict[str, int] = env["citation_numbers"]
    links = []
    for cid in tokens[idx].meta["ids"]:
        n = numbers.get(cid)
        if n is None:
            continue
        href = (opts.citation_href(cid) if opts.citation_href
                else "#" + reference_id(opts.id_prefix, cid))
        links.append(f'<a href="{escapeHtml(href)}" role="doc-biblioref"'
                     f' aria-label="Reference {n}">{n}</a>')
    return f'<span class="citation">[{", ".join(links)}]</span>' if links else ""


def blockquote_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any,
                    env: dict[str, Any]) -> str:
    kind = tokens[idx].meta.get("callout")
    if not kind:
        return "<blockquote>\n"
    opts: HtmlOptions = env["ketapub"]
    title = i18n.labels(opts.language)[f"callout_{kind.lower()}"]
    return (f'<div class="callout callout-{kind.lower()}" role="note">\n'
            f'<p class="callout-title"><strong>{title}</strong></p>\n')


def blockquote_close(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any,
                     env: dict[str, Any]) -> str:
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


def footnote_ref(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any,
                 env: dict[str, Any]) -> str:
    opts: HtmlOptions = env["ketapub"]
    name, sub = _footnote_name(tokens[idx])
    ref = footnote_id(opts.id_prefix, "fnref", name + ("." + sub if sub else ""))
    return (f'<sup class="footnote-ref"><a href="#{footnote_id(opts.id_prefix, "fn", name)}"'
            f' id="{ref}" aria-label="Note {name}">{name}</a></sup>')


def footnote_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any,
                  env: dict[str, Any]) -> str:
    opts: HtmlOptions = env["ketapub"]
    name, _ = _footnote_name(tokens[idx])
    return f'<li id="{footnote_id(opts.id_prefix, "fn", name)}" class="footnote-item">'


def footnote_anchor(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any,
                    env: dict[str, Any]) -> str:
    opts: HtmlOptions = env["ketapub"]
    name, sub = _footnote_name(tokens[idx])
    ref = footnote_id(opts.id_prefix, "fnref", name + ("." + sub if sub else ""))
    return f' <a href="#{ref}" class="footnote-backref">\u21a9\ufe0e</a>'


def _fixed(text: str) -> Rule:
    def rule(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any,
             env: dict[str, Any]) -> str:
        return text
    return rule


RULES: dict[str, Rule] = {
    "heading_open": heading_open,
    "heading_close": heading_close,
    "link_open": link_open,
    "link_close": link_close,
    "image": image,
    "citation": citation,
    "blockquote_open": blockquote_open,
    "blockquote_close": blockquote_close,
    "footnote_ref": footnote_ref,
    "footnote_open": footnote_open,
    "footnote_anchor": footnote_anchor,
    "faq_open": _fixed('<section class="faq">\n'),
    "faq_close": _fixed("</section>\n"),
    "faq_item_open": _fixed('<div class="faq-item">\n'),
    "faq_item_close": _fixed("</div>\n"),
}
"""The dialect's render rules, by token type (the others are markdown-it's)."""


@functools.cache
def html_renderer(language: str) -> MarkdownIt:
    """A parser whose renderer has the dialect's render rules (its parse is
    :func:`~ketapub.dialect.parser.typographic_parser`'s)."""
    md = new_parser(typographer=True, quotes=list(i18n.quotes(language)))
    md.enable("smartquotes")
    for name, fn in RULES.items():
        md.add_render_rule(name, fn)
    return md


def to_html(body: str, citation_order: Sequence[str], options: HtmlOptions) -> str:
    """Render a part body to sanitised HTML under a renderer's :class:`HtmlOptions`."""
    md = html_renderer(options.language)
    tokens, parsed_env = parsed(body, options.language)
    env: dict[str, Any] = {
        **parsed_env,
        "ketapub": options,
        "citation_numbers": {cid: n for n, cid in enumerate(citation_order, 1)},
    }
    return sanitize.clean_output(md.renderer.render(tokens, md.options, env))


def inline_html(text: str, options: HtmlOptions) -> str:
    """Render short Markdown (such as the disclaimer) with the same rules."""
    return to_html(text, (), options)
