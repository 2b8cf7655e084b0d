"""Markdown (``md/NN-<slug>.md``) of each released part for partners' CMSs.

CommonMark with GFM tables, strikethrough and footnotes, links absolute (parts to their public URL,
assets to their published URL), text escaped so the export parses back to the text it shows.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from ketapub import Artifact, Job, RenderContext, Renderer, Series, i18n
from ketapub import tree as t
from ketapub.render.plaintext import BLOCKS, LineTranslator

SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])|&(?=#?\w+;)")
LINE_START = re.compile(r"^(?:[-+=]|(\d+)[.)])", re.MULTILINE)
PREFIX = {t.BlockQuote: ("> ", "> "), t.Definition: (": ", "  ")}
MARKS: dict[type[t.Node], str] = {t.Emphasis: "*", t.Strong: "**", t.Strikethrough: "~~"}
ALIGN = {"left": ":--", "center": ":-:", "right": "--:"}


def escape(text: str) -> str:
    """``text`` with every character Markdown could read as syntax backslash-escaped.

    Args:
        text: plain text.
    """
    return SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def escape_lines(text: str) -> str:
    """Also escape what would start a list, a heading underline or a quote at a line's start.

    Args:
        text: text ``escape()`` made.
    """
    return LINE_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], text)


def destination(url: str, title: str | None = None) -> str:
    """``(url "title")`` of a link or an image, the characters that end it encoded.

    Args:
        url: the URL.
        title: the link's title, or None.
    """
    url = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C")
    quoted = title.replace("\\", "\\\\").replace('"', '\\"') if title else ""
    return f'({url} "{quoted}")' if title else f"({url})"


class MarkdownTranslator(LineTranslator):
    """Blocks as CommonMark, inline text escaped; links absolute against the part's URL.

    Args:
        ctx: the build's render context.
        base: the part's public URL, which relative links resolve against.
    """

    def __init__(self, ctx: RenderContext, base: str) -> None:
        super().__init__(ctx)
        self.base = base  # the part's public URL: relative links resolve against it

    def lines(self, text: str) -> str:
        """``text`` as Markdown lines, escaped where a line start would read as markup."""
        return escape_lines(text.strip()) + "\n"

    # --- blocks --------------------------------------------------------------------------
    def visit_parent(self, node: t.Parent) -> str:  # containers of blocks, and inline markup
        """A container of blocks with its line prefixes, or inline markup with its marks."""
        if type(node) in PREFIX:
            return self.nested(node.children, *PREFIX[type(node)])
        if isinstance(node, BLOCKS):
            return self.blocks(node.children)
        mark = MARKS.get(type(node), "")
        return mark + self.visit_all(node.children) + mark

    def visit_table(self, node: t.Table) -> str:  # GFM; the dialect's tables have a head
        """A table, as a GFM pipe table (the dialect's tables always have a head)."""
        rows = [[c for c in r.children if isinstance(c, t.Cell)] for r in (*node.head, *node.body)]
        text = [[self.visit_all(c.children).replace("\\\n", " ").strip() for c in r] for r in rows]
        rule = [ALIGN.get(c.align or "", "---") for c in rows[0]]
        return "".join("| " + " | ".join(row) + " |\n" for row in [text[0], rule, *text[1:]])

    def visit_definition_list(self, node: t.DefinitionList) -> str:  # a blank line per term
        """A definition list, a blank line before each term but the first."""
        return "".join(("\n" if i and isinstance(c, t.Term) else "") + self.visit(c)
                       for i, c in enumerate(node.children))

    def visit_code_block(self, node: t.CodeBlock) -> str:
        """A code block, fenced with more backticks than it holds in a row."""
        fence = "`" * max([3, *(len(run) + 1 for run in re.findall("`+", node.text))])
        return f"{fence}{node.info}\n{node.text.rstrip(chr(10))}\n{fence}\n"

    def visit_document(self, node: t.Document) -> str:
        """A whole part: its blocks, then its footnotes."""
        return self.blocks(node.children) + ("\n" + self.visit(node.notes) if node.notes else "")

    def visit_heading(self, node: t.Heading) -> str:
        """A heading, at its shifted level."""
        return "#" * self.heading_level(node.level) + " " + self.visit_all(node.children) + "\n"

    def visit_callout(self, node: t.Callout) -> str:  # GitHub's alert syntax, as written
        """A callout, in GitHub's alert syntax as it was written."""
        return f"> [!{node.kind.upper()}]\n" + self.nested(node.children, "> ", "> ")

    def visit_thematic_break(self, node: t.ThematicBreak) -> str:
        """A thematic break."""
        return "---\n"

    def visit_notes(self, node: t.Notes) -> str:  # GFM footnotes
        """The footnotes, as GFM footnote definitions."""
        return "\n".join(self.nested(n.children, f"[^{n.number}]: ", "    ") for n in node.notes)

    # --- inlines -------------------------------------------------------------------------
    def visit_code(self, node: t.Code) -> str:
        """Inline code, fenced with more backticks than it holds in a row."""
        fence = "`" * max([1, *(len(run) + 1 for run in re.findall("`+", node.text))])
        pad = " " if node.text[:1] == "`" or node.text[-1:] == "`" else ""
        return f"{fence}{pad}{node.text}{pad}{fence}"

    def visit_cross_reference(self, node: t.CrossReference) -> str:
        """A ``part:`` link, as an absolute link; while unreleased, its text and when it comes."""
        text, part = self.visit_all(node.children), self.ctx.series.get_part(node.target)
        if part is None or not self.is_released(node.target):
            return f"{text} ({escape(self.ctx.available(part))})" if part else text
        return f"[{text}]{destination(self.ctx.web_link(part, node.anchor))}"

    def visit_image(self, node: t.Image) -> str:
        """An image, at its absolute URL; its alt text alone when it has none."""
        alt, url = escape(node.alt), node.asset and self.ctx.web_url(node.asset)
        return f"![{alt}]{destination(url, node.title)}" if url else alt

    def visit_link(self, node: t.Link) -> str:
        """A web link, made absolute."""
        url = urljoin(self.base, node.href)
        return f"[{self.visit_all(node.children)}]{destination(url, node.title)}"

    def visit_file_link(self, node: t.FileLink) -> str:
        """A link to a source file, at its published URL."""
        url = self.ctx.web_url(node.path) + (f"#{node.fragment}" if node.fragment else "")
        return f"[{self.visit_all(node.children)}]{destination(url)}"

    def visit_text(self, node: t.Text) -> str:
        """Text, escaped where it would read as Markdown."""
        return escape(node.text)

    def visit_soft_break(self, node: t.SoftBreak) -> str:
        """A soft break, as a space (lines are not wrapped)."""
        return " "

    def visit_line_break(self, node: t.LineBreak) -> str:
        """A hard break, as a backslash at the end of the line."""
        return "\\\n"

    def visit_citation(self, node: t.Citation) -> str:
        """A citation, as its reference numbers in escaped brackets."""
        return escape(super().visit_citation(node))

    def visit_note_ref(self, node: t.NoteRef) -> str:
        """A footnote reference, as a GFM footnote reference."""
        return f"[^{node.number}]"


class MarkdownRenderer(Renderer):
    """The ``md`` renderer: a CommonMark edition of each released part, links absolute."""

    name = "md"
    description = "CommonMark export of each released part, links absolute (md/NN-<slug>.md)"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        """A file per released part."""
        return [self.job(f"md/{p.number}-{p.slug}.md", part=p.part, parts=(p.part,))
                for p in ctx.released]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        """The part as Markdown, with its front matter, disclaimer and references."""
        s, part = ctx.series, next(p for p in ctx.released if p.part == job.part)
        tr = MarkdownTranslator(ctx, s.part_url(part))
        body = tr.visit(ctx.document(part))
        disclaimer = tr.visit(ctx.text_document(s.disclaimer)) if s.disclaimer else ""
        text = self.render_template(
            ctx, "md/part.md", part=part, body=body, disclaimer=disclaimer, destination=destination,
            words=i18n.labels(s.language), text=lambda x: escape_lines(escape(x)))
        data = (text.rstrip("\n") + "\n").encode("utf-8")
        return Artifact(job.path, data, "text/markdown; charset=utf-8", self.name)
