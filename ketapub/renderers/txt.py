"""Plain text (``txt/NN-<slug>.txt``) of each released part, for e-mail and SMS digests.

Lines of at most 72 columns, links as numbered footnotes ``[1]`` listed at the end, tables as
aligned columns, notes ``[N1]`` and references ``[R1]`` after the text.
"""

from __future__ import annotations

from collections.abc import Sequence

from ketapub import Artifact, Job, RenderContext, Renderer, Series, i18n
from ketapub import tree as t
from ketapub.render.plaintext import BLOCKS, LineTranslator, width, wrap

WIDTH = 72
PREFIX: dict[type[t.Node], str] = {t.BlockQuote: "> ", t.Definition: "    ", t.Callout: "| "}
MARKS: dict[type[t.Node], str] = {t.Emphasis: "_", t.Strong: "*"}


class TextTranslator(LineTranslator):
    """Paragraphs wrapped to the columns left; links numbered, their URLs listed at the end.

    Args:
        ctx: the build's render context.
    """

    def __init__(self, ctx: RenderContext) -> None:
        super().__init__(ctx, WIDTH)
        self.links: list[str] = []

    def lines(self, text: str) -> str:
        """``text`` wrapped to the edition's columns."""
        return "\n".join([*wrap(text.strip(), self.columns), ""])

    def link(self, text: str, url: str) -> str:
        """``text [n]``, ``url`` numbered in ``links`` (the same URL keeps its number).

        Args:
            text: the link's text, written already.
            url: where it goes.
        """
        if url not in self.links:
            self.links.append(url)
        return f"{text} [{self.links.index(url) + 1}]"

    def underline(self, text: str, rule: str) -> str:
        """A heading: ``text`` over a line of ``rule`` as wide as its widest line.

        Args:
            text: the heading's text, written already.
            rule: the character of the line under it.
        """
        rows = wrap(text.strip(), self.columns)
        return "\n".join([*rows, rule * max(map(width, rows)), ""])

    # --- blocks --------------------------------------------------------------------------
    def visit_parent(self, node: t.Parent) -> str:  # containers of blocks, and inline markup
        """A container of blocks with its line prefixes, or inline markup with its marks."""
        if type(node) in PREFIX:
            return self.nested(node.children, PREFIX[type(node)], PREFIX[type(node)])
        if isinstance(node, BLOCKS):  # a definition list: each term, its definition below
            return self.blocks(node.children, "" if isinstance(node, t.DefinitionList) else "\n")
        mark = MARKS.get(type(node), "")
        return mark + self.visit_all(node.children) + mark

    def item_marks(self, node: t.BulletList | t.OrderedList) -> list[tuple[str, str]]:
        """Marks padded to the widest, so ``9.`` and ``10.`` items start in one column."""
        marks = super().item_marks(node)
        widest = max((len(first) for first, _ in marks), default=0)
        return [(first.ljust(widest), " " * widest) for first, _ in marks]

    def visit_table(self, node: t.Table) -> str:
        """Aligned columns; a table too wide for that gives each row as "header: cell" lines."""
        rows = [[(" ".join(self.visit_all(c.children).split()), c.align) for c in row.children
                 if isinstance(c, t.Cell)] for row in (*node.head, *node.body)]
        cols = [max(width(r[i][0]) for r in rows if i < len(r))
                for i in range(max(map(len, rows)))]
        if sum(cols) + 2 * len(cols) - 2 > self.columns:
            return self.stacked(rows, len(node.head))
        out = ["  ".join(cell.rjust(cols[i] + len(cell) - width(cell)) if align == "right"
                         else cell.ljust(cols[i] + len(cell) - width(cell))
                         for i, (cell, align) in enumerate(row)).rstrip() for row in rows]
        n = len(node.head)
        rule = ["  ".join("-" * c for c in cols)] if n else []
        return "\n".join([*out[:n], *rule, *out[n:], ""])

    def stacked(self, rows: Sequence[Sequence[tuple[str, object]]], head: int) -> str:
        """Each body row as lines "header: cell", for a table wider than the page.

        Args:
            rows: every row, as (text, cell) pairs, head rows first.
            head: how many head rows there are.
        """
        heads = [text + ": " if text else "" for text, _ in rows[0]] if head else []
        return "\n".join("".join(line + "\n" for i, (text, _) in enumerate(row) for line in
                                 wrap((heads[i] if i < len(heads) else "") + text, self.columns))
                         for row in rows[head:])

    def visit_heading(self, node: t.Heading) -> str:
        """A heading, underlined by its level (``=``, ``-``, ``~``)."""
        rule = {1: "=", 2: "-"}.get(self.heading_level(node.level), "~")
        return self.underline(self.visit_all(node.children), rule)

    def visit_callout(self, node: t.Callout) -> str:
        """A callout, with its label in the series language."""
        label = i18n.labels(self.ctx.series.language)[f"callout_{node.kind}"]
        return f"| {label}:\n" + self.visit_parent(node)

    def visit_code_block(self, node: t.CodeBlock) -> str:
        """A code block, indented by four spaces."""
        return "".join(f"    {row}\n" for row in node.text.rstrip("\n").split("\n"))

    def visit_notes(self, node: t.Notes) -> str:  # "[N1] text", a hanging indent
        """The footnotes, as ``[N1] text`` with a hanging indent."""
        return "\n".join(self.nested(n.children, f"[N{n.number}] ", " " * len(f"[N{n.number}] "))
                         for n in node.notes)

    # --- inlines -------------------------------------------------------------------------
    def visit_link(self, node: t.Link) -> str:
        """A web link, as its text and a numbered link (anchors and bare addresses as is)."""
        text = self.visit_all(node.children)
        keep = node.href.startswith("#") or text == node.href  # an anchor, a bare address
        return text if keep else self.link(text, node.href)

    def visit_cross_reference(self, node: t.CrossReference) -> str:
        """A ``part:`` link, as a numbered link; while unreleased, its text and when it comes."""
        text, part = self.visit_all(node.children), self.ctx.series.get_part(node.target)
        if part is None or not self.is_released(node.target):
            return f"{text} ({self.ctx.available(part)})" if part else text
        return self.link(text, self.ctx.web_link(part, node.anchor))

    def visit_file_link(self, node: t.FileLink) -> str:
        """A link to a source file, as a numbered link to its published URL."""
        fragment = f"#{node.fragment}" if node.fragment else ""
        return self.link(self.visit_all(node.children), self.ctx.web_url(node.path) + fragment)

    def visit_image(self, node: t.Image) -> str:
        """An image, as its alt text in brackets, linked to the file."""
        if not node.asset:
            return f"[{node.alt}]"
        return self.link(f"[{node.alt}]", self.ctx.web_url(node.asset))

    def visit_soft_break(self, node: t.SoftBreak) -> str:
        """A soft break, as a space (the edition is re-wrapped)."""
        return " "

    def visit_citation(self, node: t.Citation) -> str:
        """A citation, as ``[R1, R2]``."""
        return "[" + ", ".join(f"R{n}" for _, n in node.refs) + "]"

    def visit_note_ref(self, node: t.NoteRef) -> str:
        """A footnote reference, as ``[N1]``."""
        return f"[N{node.number}]"


class TxtRenderer(Renderer):
    """The ``txt`` renderer: a plain-text edition of each released part, 72 columns."""

    name = "txt"
    description = "Plain-text edition of each released part, 72 columns (txt/NN-<slug>.txt)"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        """A file per released part."""
        return [self.job(f"txt/{p.number}-{p.slug}.txt", part=p.part, parts=(p.part,))
                for p in ctx.released]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        """The part as plain text, with its disclaimer, notes, references and links."""
        s, part = ctx.series, next(p for p in ctx.released if p.part == job.part)
        tr, doc = TextTranslator(ctx), ctx.document(part)
        body, notes = tr.blocks(doc.children), tr.visit(doc.notes) if doc.notes else ""
        disclaimer = tr.blocks(ctx.text_document(s.disclaimer).children) if s.disclaimer else ""
        text = self.render_template(
            ctx, "txt/part.txt", part=part, body=body, notes=notes, disclaimer=disclaimer,
            links=tr.links, words=i18n.labels(s.language), wrap=lambda x: "\n".join(wrap(x, WIDTH)),
            underline=TextTranslator(ctx).underline)
        data = (text.rstrip("\n") + "\n").encode("utf-8")
        return Artifact(job.path, data, "text/plain; charset=utf-8", self.name)
