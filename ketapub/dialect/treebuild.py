"""Build the document tree from a body's sanitised canonical HTML (see ``canonical``).

The HTML is parsed once, by html5lib (the HTML5 tree-building rules, as a browser would
build the author's raw HTML). An element the dialect marked becomes its typed node; an
element without a marker is the author's raw HTML and becomes ``Inline``
or ``Block`` with its sanitised attributes in order. Text is kept as
written, whitespace included (the canonical HTML has no layout whitespace of its own).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, cast
from xml.etree.ElementTree import Element

import html5lib
from markdown_it.token import Token

from ketapub import sanitize, tree
from ketapub.dialect import canonical, wellformed
from ketapub.dialect.canonical import ARG, LINES, MARK

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
})
"""Raw elements that become ``Block`` (the others are inline)."""


def build(tokens: Sequence[Token], env: dict[str, Any], policy: canonical.Policy
          ) -> tree.Document:
    """The tree of parsed tokens: written as canonical HTML, sanitised once, parsed once.

    Args:
        tokens: markdown-it's tokens of a body.
        env: the parser's env.
        policy: the parts, anchors, assets and citations of the series.
    """
    html = canonical.render(tokens, policy, {"xhtmlOut": False}, dict(env))
    return parse(sanitize.clean_marked(html), raw=any(map(_raw, tokens)))


def _raw(tok: Token) -> bool:
    """Whether a block token is or holds the author's raw HTML."""
    return tok.type == "html_block" or any(
        c.type == "html_inline" for c in tok.children or ())


def parse(html: str, raw: bool = True) -> tree.Document:
    """The tree of sanitised canonical HTML; ``raw`` False says it holds no raw HTML.

    Args:
        html: sanitised canonical HTML.
        raw: whether it may hold raw HTML (parsed by html5lib then); default True.
    """
    fragment = None if raw else wellformed.parse(html)
    if fragment is None:
        fragment = html5lib.HTMLParser(namespaceHTMLElements=False).parseFragment(html)
    _prune(fragment)
    children = _convert_all(fragment)
    notes = [c for c in children if isinstance(c, tree.Notes)]
    blocks = tuple(c for c in children if not isinstance(c, tree.Notes))
    return tree.Document(children=blocks, notes=notes[-1] if notes else None)


MAX_DEPTH = 150
"""Elements deeper than this keep only their text: a tree any recursive walk can go through
(markdown-it nests emphasis without limit; ``*`` x 5000 around a word is 2,500 levels)."""


def _prune(root: Element) -> None:
    """Flatten what lies deeper than MAX_DEPTH to its text, without recursion."""
    stack = [(root, 0)]
    while stack:
        el, depth = stack.pop()
        if depth < MAX_DEPTH:
            stack.extend((child, depth + 1) for child in el)
        elif len(el):
            text = "".join(el.itertext())
            for child in list(el):
                el.remove(child)
            el.text = text


def _items(el: Element) -> Iterator[Element | str]:
    """An element's content in order: text and child elements."""
    if el.text:
        yield el.text
    for child in el:
        if isinstance(child.tag, str):  # comments are gone after the sanitiser
            yield child
        if child.tail:
            yield child.tail


def _convert_all(el: Element) -> tuple[tree.Node, ...]:
    out: list[tree.Node] = []
    for item in _items(el):
        if isinstance(item, str):
            out.append(tree.Text(item))
        else:
            node = _convert(item)
            if node is not None:
                out.append(node)
    return tuple(out)


def _attrs(el: Element) -> tree.Attrs:
    return tuple((k, v) for k, v in el.attrib.items() if k not in (MARK, ARG, LINES))


def _lines(el: Element) -> tuple[int, int] | None:
    """The body lines a marked block came from (see ``canonical.LINES``)."""
    raw = el.get(LINES, "").split()
    return (int(raw[0]), int(raw[1])) if len(raw) == 2 else None


def _arg(el: Element) -> Any:
    raw = el.get(ARG)
    return json.loads(raw) if raw is not None else None


def _convert(el: Element) -> tree.Node | None:
    kind = el.get(MARK)
    special = _SPECIAL.get(kind) if kind is not None else None
    if kind == "md":
        return _plain(el)
    if special is None:
        cls = tree.Block if el.tag in BLOCK_TAGS else tree.Inline
        return cls(children=_convert_all(el), attrs=_attrs(el), tag=el.tag)
    return special(el)


def _plain(el: Element) -> tree.Node | None:
    tag = el.tag
    if tag in _SIMPLE:
        return _SIMPLE[tag](children=_convert_all(el), attrs=_attrs(el), lines=_lines(el))
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return tree.Heading(children=_convert_all(el), level=int(tag[1]), id=el.get("id", ""),
                            lines=_lines(el))
    if tag == "a":
        return tree.Link(children=_convert_all(el), href=el.get("href", ""),
                         title=el.get("title"))
    if tag == "code":
        return tree.Code("".join(s for s in el.itertext()))
    if tag == "br":
        return tree.LineBreak()
    if tag == "hr":
        return tree.ThematicBreak()
    if tag == "table":
        return _table(el)
    return tree.Block(children=_convert_all(el), attrs=_attrs(el), tag=tag)


_SIMPLE: dict[str, Callable[..., tree.Parent]] = {
    "p": tree.Paragraph, "blockquote": tree.BlockQuote, "li": tree.ListItem,
    "em": tree.Emphasis, "strong": tree.Strong, "s": tree.Strikethrough,
    "dl": tree.DefinitionList, "dt": tree.Term, "dd": tree.Definition,
}


def _rows(section: Element | None) -> list[list[Element]]:
    if section is None:
        return []
    return [[c for c in tr if c.tag in ("th", "td")] for tr in section if tr.tag == "tr"]


def _table(el: Element) -> tree.Table:
    head = _rows(el.find("thead"))
    body = _rows(el.find("tbody"))
    corner = head[0][0] if head and head[0] else None
    two_way = corner is not None and not "".join(corner.itertext()).strip() and len(
        list(corner)) == 0

    def cell(c: Element, header: bool, scope: Literal["col", "row"] | None) -> tree.Cell:
        align = _arg(c)
        return tree.Cell(children=_convert_all(c), attrs=_attrs(c), header=header, scope=scope,
                         align=align if align in ("left", "center", "right") else None)

    head_rows = tuple(
        tree.Row(children=tuple(
            cell(c, False, None) if two_way and r == 0 and i == 0 else cell(c, True, "col")
            for i, c in enumerate(row)))
        for r, row in enumerate(head))
    body_rows = tuple(
        tree.Row(children=tuple(
            cell(c, True, "row") if two_way and i == 0 else cell(c, c.tag == "th", None)
            for i, c in enumerate(row)))
        for row in body)
    return tree.Table(head=head_rows, body=body_rows, row_headers=two_way, attrs=_attrs(el),
                      lines=_lines(el))


def _xref(el: Element) -> tree.Node:
    target, anchor = _arg(el)
    return tree.CrossReference(children=_convert_all(el), attrs=_attrs(el), target=int(target),
                               anchor=anchor)


def _file(el: Element) -> tree.Node:
    path, fragment = _arg(el)
    return tree.FileLink(children=_convert_all(el), attrs=_attrs(el), path=path,
                         fragment=fragment)


def _image(el: Element) -> tree.Node:
    arg = _arg(el)
    return tree.Image(asset=arg["asset"], alt=el.get("alt", ""), title=el.get("title"),
                      src=arg["src"])


def _list(el: Element) -> tree.Node:
    arg = _arg(el)
    items = _convert_all(el)
    lines = _lines(el)
    if el.tag == "dl":
        return tree.DefinitionList(children=items, attrs=_attrs(el), tight=bool(arg["tight"]),
                                   lines=lines)
    if el.tag == "ol":
        return tree.OrderedList(children=items, attrs=_attrs(el), start=int(arg["start"]),
                                tight=bool(arg["tight"]), lines=lines)
    return tree.BulletList(children=items, attrs=_attrs(el), tight=bool(arg["tight"]),
                           lines=lines)


def _code_block(el: Element) -> tree.Node:
    return tree.CodeBlock("".join(el.itertext()), info=str(_arg(el) or ""))


def _callout(el: Element) -> tree.Node:
    kind = cast(Literal["note", "warning", "tip"], _arg(el))
    return tree.Callout(children=_convert_all(el), attrs=_attrs(el), kind=kind,
                        lines=_lines(el))


def _faq(el: Element) -> tree.Node:
    return tree.Faq(children=_convert_all(el), attrs=_attrs(el), heading_id=str(_arg(el)))


def _notes(el: Element) -> tree.Node:
    return tree.Notes(notes=tuple(n for n in _convert_all(el) if isinstance(n, tree.Note)))


def _note(el: Element) -> tree.Node:
    number, refs = _arg(el)
    return tree.Note(children=_convert_all(el), number=int(number), refs=int(refs))


def _note_ref(el: Element) -> tree.Node:
    number, sub = _arg(el)
    return tree.NoteRef(number=int(number), sub=int(sub))


def _citation(el: Element) -> tree.Node:
    return tree.Citation(refs=tuple((str(cid), int(n)) for cid, n in _arg(el)))


_SPECIAL: dict[str, Callable[[Element], tree.Node]] = {
    "tight": lambda el: tree.Paragraph(children=_convert_all(el), lines=_lines(el)),
    "soft": lambda el: tree.SoftBreak(),
    "removed": lambda el: tree.RemovedLink(children=_convert_all(el)),
    "xref": _xref,
    "file": _file,
    "img": _image,
    "list": _list,
    "code": _code_block,
    "callout": _callout,
    "faq": _faq,
    "faq-item": lambda el: tree.FaqItem(children=_convert_all(el)),
    "notes": _notes,
    "note": _note,
    "noteref": _note_ref,
    "cite": _citation,
}
