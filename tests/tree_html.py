"""A reference writer of the document tree as the HTML ``markdown.to_html`` writes, for tests.

If the tree of every fixture body writes back to the very HTML of the old pipeline (through
the same final sanitiser), the tree holds everything that HTML held.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from ketapub import i18n, sanitize, tree
from ketapub.render.translator import Translator

VOID = frozenset({"br", "hr", "wbr", "img"})


_LF_AFTER_HIDDEN = (tree.Paragraph, tree.BulletList, tree.OrderedList, tree.Table,
                    tree.DefinitionList, tree.ThematicBreak)
"""Blocks markdown-it writes with its default rule, which puts a newline before the tag when
the previous token was a hidden (tight) paragraph."""


def _attrs(attrs: tree.Attrs) -> str:
    return "".join(f' {k}="{escape(v)}"' for k, v in attrs)


def _text(text: str) -> str:
    return escape(text, quote=True).replace("&#x27;", "'")


class OldHtml(Translator):
    """The old HTML, with part links as ``L<number>#<anchor>`` and every part released."""

    def __init__(self, language: str = "en") -> None:
        super().__init__(None)
        self.language = language
        self.tight = False

    def blocks(self, nodes: tuple[tree.Node, ...]) -> str:
        """Children of a block container, with markdown-it's newline after a hidden paragraph."""
        out, hidden = [], False
        for node in nodes:
            if hidden and isinstance(node, _LF_AFTER_HIDDEN):
                out.append("\n")
            out.append(self.visit(node))
            hidden = self.tight and isinstance(node, tree.Paragraph)
        return "".join(out)

    def wrap(self, open_: str, node: tree.Parent, close: str) -> str:
        return open_ + self.blocks(node.children) + close

    def visit_text(self, node: tree.Text) -> str:
        return _text(node.text)

    def visit_code(self, node: tree.Code) -> str:
        return f"<code>{_text(node.text)}</code>"

    def visit_line_break(self, node: tree.LineBreak) -> str:
        return "<br />\n"

    def visit_emphasis(self, node: tree.Emphasis) -> str:
        return f"<em>{self.visit_all(node.children)}</em>"

    def visit_strong(self, node: tree.Strong) -> str:
        return f"<strong>{self.visit_all(node.children)}</strong>"

    def visit_strikethrough(self, node: tree.Strikethrough) -> str:
        return f"<s>{self.visit_all(node.children)}</s>"

    def visit_link(self, node: tree.Link) -> str:
        title = f' title="{_text(node.title)}"' if node.title else ""
        return f'<a href="{_text(node.href)}"{title}>{self.visit_all(node.children)}</a>'

    def visit_file_link(self, node: tree.FileLink) -> str:
        href = "https://x/" + quote(node.path, safe="/")
        href += f"#{node.fragment}" if node.fragment else ""
        return f'<a href="{_text(href)}"{_attrs(node.attrs)}>{self.visit_all(node.children)}</a>'

    def visit_cross_reference(self, node: tree.CrossReference) -> str:
        href = f"L{node.target}#{node.anchor}"
        return (f'<a href="{href}"{_attrs(node.attrs)} class="xref">'
                f"{self.visit_all(node.children)}</a>")

    def visit_removed_link(self, node: tree.RemovedLink) -> str:
        return f'<span class="link-removed">{self.visit_all(node.children)}</span>'

    def visit_image(self, node: tree.Image) -> str:
        if node.asset is None:
            return _text(node.alt)
        title = f' title="{_text(node.title)}"' if node.title else ""
        return f'<img src="{_text(node.asset)}" alt="{_text(node.alt)}"{title} />'

    def visit_citation(self, node: tree.Citation) -> str:
        links = ", ".join(f'<a href="#ref.{cid}" role="doc-biblioref">{n}</a>'
                          for cid, n in node.refs)
        return f'<span class="citation">[{links}]</span>'

    def visit_note_ref(self, node: tree.NoteRef) -> str:
        name = f"{node.number}" + (f".{node.sub}" if node.sub else "")
        caption = f"[{node.number}" + (f":{node.sub}" if node.sub else "") + "]"
        return (f'<sup class="footnote-ref"><a href="#fn.{node.number}" id="fnref.{name}">'
                f"{caption}</a></sup>")

    def visit_inline(self, node: tree.Inline) -> str:
        if node.tag in VOID:
            return f"<{node.tag}{_attrs(node.attrs)}>"
        return f"<{node.tag}{_attrs(node.attrs)}>{self.visit_all(node.children)}</{node.tag}>"

    def visit_block(self, node: tree.Block) -> str:
        if node.tag in VOID:
            return f"<{node.tag}{_attrs(node.attrs)}>"
        return f"<{node.tag}{_attrs(node.attrs)}>{self.blocks(node.children)}</{node.tag}>"

    # --- blocks --------------------------------------------------------------------------
    def visit_paragraph(self, node: tree.Paragraph) -> str:
        if self.tight:
            return self.visit_all(node.children)
        return f"<p>{self.visit_all(node.children)}</p>\n"

    def visit_heading(self, node: tree.Heading) -> str:
        return f'<h{node.level} id="{node.id}">{self.visit_all(node.children)}</h{node.level}>\n'

    def visit_block_quote(self, node: tree.BlockQuote) -> str:
        return self.loose(lambda: self.wrap("<blockquote>\n", node, "</blockquote>\n"))

    def loose(self, write: object) -> str:
        saved, self.tight = self.tight, False
        try:
            return write()  # type: ignore[operator, no-any-return]
        finally:
            self.tight = saved

    def visit_callout(self, node: tree.Callout) -> str:
        title = i18n.labels(self.language)[f"callout_{node.kind}"]
        head = (f'<div class="callout callout-{node.kind}" role="note">\n'
                f'<p class="callout-title"><strong>{title}</strong></p>\n')
        return self.loose(lambda: self.wrap(head, node, "</div>\n"))

    def list_items(self, node: tree.Parent, tight: bool) -> str:
        saved, self.tight = self.tight, tight
        try:
            return "".join(self.visit(c) for c in node.children)
        finally:
            self.tight = saved

    def visit_bullet_list(self, node: tree.BulletList) -> str:
        return "<ul>\n" + self.list_items(node, node.tight) + "</ul>\n"

    def visit_ordered_list(self, node: tree.OrderedList) -> str:
        start = f' start="{node.start}"' if node.start != 1 else ""
        return f"<ol{start}>\n" + self.list_items(node, node.tight) + "</ol>\n"

    def item(self, tag: str, node: tree.Parent) -> str:
        first = node.children[0] if node.children else None
        lf = first is not None and not (self.tight and isinstance(first, tree.Paragraph)) \
            and not isinstance(first, tree.Text | tree.Inline)
        return f"<{tag}>" + ("\n" if lf else "") + self.blocks(node.children) + f"</{tag}>\n"

    def visit_list_item(self, node: tree.ListItem) -> str:
        return self.item("li", node)

    def visit_definition_list(self, node: tree.DefinitionList) -> str:
        return "<dl>\n" + self.list_items(node, node.tight) + "</dl>\n"

    def visit_term(self, node: tree.Term) -> str:
        return f"<dt>{self.visit_all(node.children)}</dt>\n"

    def visit_definition(self, node: tree.Definition) -> str:
        return self.item("dd", node)

    def visit_code_block(self, node: tree.CodeBlock) -> str:
        cls = f' class="language-{_text(node.info)}"' if node.info else ""
        return f"<pre><code{cls}>{_text(node.text)}</code></pre>\n"

    def visit_thematic_break(self, node: tree.ThematicBreak) -> str:
        return "<hr />\n"

    def visit_table(self, node: tree.Table) -> str:
        def rows(rs: tuple[tree.Row, ...], tag: str) -> str:
            out = f"<{tag}>\n"
            for r in rs:
                out += "<tr>\n"
                for c in r.children:
                    assert isinstance(c, tree.Cell)
                    name = "th" if tag == "thead" else "td"
                    style = f' style="text-align:{c.align}"' if c.align else ""
                    out += f"<{name}{style}>{self.visit_all(c.children)}</{name}>\n"
                out += "</tr>\n"
            return out + f"</{tag}>\n"
        return ("<table>\n" + rows(node.head, "thead")
                + (rows(node.body, "tbody") if node.body else "") + "</table>\n")

    def visit_faq(self, node: tree.Faq) -> str:
        return self.wrap('<section class="faq">\n', node, "</section>\n")

    def visit_faq_item(self, node: tree.FaqItem) -> str:
        return self.wrap('<div class="faq-item">\n', node, "</div>\n")

    def visit_notes(self, node: tree.Notes) -> str:
        return ('<hr class="footnotes-sep" />\n<section class="footnotes">\n'
                '<ol class="footnotes-list">\n' + "".join(self.visit(n) for n in node.notes)
                + "</ol>\n</section>\n")

    def visit_note(self, node: tree.Note) -> str:
        back = "".join(
            f' <a href="#fnref.{node.number}{f".{i}" if i else ""}" class="footnote-backref">'
            "\u21a9\ufe0e</a>" for i in range(node.refs))
        body = self.blocks(node.children)
        if isinstance(node.children[-1] if node.children else None, tree.Paragraph):
            body = body[: -len("</p>\n")] + back + "</p>\n"
        else:
            body += back
        return f'<li id="fn.{node.number}" class="footnote-item">{body}</li>\n'

    def visit_document(self, node: tree.Document) -> str:
        return self.blocks(node.children) + (self.visit(node.notes) if node.notes else "")


def old_html(doc: tree.Document, language: str = "en") -> str:
    """The tree written as the old pipeline wrote it, through the final sanitiser."""
    return sanitize.clean_output(OldHtml(language).visit(doc))
