"""Plain text (``txt/NN-<slug>.txt``) of each released part, for e-mail and SMS digests:
lines of at most 72 columns, links as numbered footnotes ``[1]`` listed at the end, tables
as aligned columns, notes ``[N1]`` and references ``[R1]`` after the text."""

from __future__ import annotations

import textwrap
import unicodedata

from ketapub import Artifact, Job, RenderContext, Renderer, Series, i18n
from ketapub import tree as t
from ketapub.render.translator import Translator

WIDTH = 72
BLOCKS = (t.Paragraph, t.Heading, t.BlockQuote, t.Callout, t.BulletList, t.OrderedList, t.Table,
          t.CodeBlock, t.ThematicBreak, t.DefinitionList, t.Term, t.Definition, t.Faq, t.FaqItem,
          t.Block)
PREFIX: dict[type[t.Node], str] = {t.BlockQuote: "> ", t.Definition: "    ", t.Callout: "| "}
MARKS: dict[type[t.Node], str] = {t.Emphasis: "_", t.Strong: "*"}


def width(text: str) -> int:
    """Columns in a monospaced font (wide characters two, combining marks none)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else not unicodedata.combining(c)
               for c in text)


def wrap(text: str, columns: int = WIDTH) -> list[str]:
    """Lines of at most ``columns`` (a longer word, a URL, stays whole); ``\\n`` kept."""
    return [line for piece in text.split("\n") for line in textwrap.wrap(
        piece, max(columns, 20), break_long_words=False, break_on_hyphens=False) or [""]]


class TextTranslator(Translator):
    """Blocks give lines ending in a newline, a blank line between blocks; inlines text."""

    def __init__(self, ctx: RenderContext) -> None:
        super().__init__(ctx)
        self.columns, self.links = WIDTH, list[str]()
    def link(self, text: str, url: str) -> str:
        """``text [n]``, ``url`` numbered in :attr:`links` (the same URL keeps its number)."""
        self.links += [] if url in self.links else [url]
        return f"{text} [{self.links.index(url) + 1}]"
    def blocks(self, nodes: tuple[t.Node, ...], sep: str = "\n") -> str:
        if not any(isinstance(n, BLOCKS) for n in nodes):  # a container of inlines
            return "\n".join([*wrap(self.visit_all(nodes).strip(), self.columns), ""])
        return sep.join(self.visit(n) for n in nodes)
    def nested(self, nodes: tuple[t.Node, ...], first: str, rest: str, sep: str = "\n") -> str:
        """Blocks set ``len(rest)`` columns in, the first line after ``first``."""
        self.columns -= len(rest)
        rows = self.blocks(nodes, sep).rstrip("\n").split("\n")
        self.columns += len(rest)
        return "".join((first if i == 0 else rest if row else rest.rstrip()) + row + "\n"
                       for i, row in enumerate(rows))
    def underline(self, text: str, rule: str) -> str:
        """A heading: ``text`` over a line of ``rule`` as wide as its widest line."""
        rows = wrap(text.strip(), self.columns)
        return "\n".join([*rows, rule * max(map(width, rows)), ""])

    # --- blocks --------------------------------------------------------------------------
    def visit_parent(self, node: t.Parent) -> str:  # containers of blocks, and inline markup
        if type(node) in PREFIX:
            return self.nested(node.children, PREFIX[type(node)], PREFIX[type(node)])
        if isinstance(node, BLOCKS):  # a definition list: each term, its definition below
            return self.blocks(node.children, "" if isinstance(node, t.DefinitionList) else "\n")
        mark = MARKS.get(type(node), "")
        return mark + self.visit_all(node.children) + mark

    def visit_bullet_list(self, node: t.BulletList | t.OrderedList) -> str:  # and ordered
        start, sep = getattr(node, "start", None), "" if node.tight else "\n"
        marks = [f"{start + i}. " if start is not None else "- " for i in range(len(node.children))]
        return sep.join(self.nested(item.children, mark.ljust(len(marks[-1])),
                                    " " * len(marks[-1]), sep)
                        for item, mark in zip(node.children, marks, strict=True)
                        if isinstance(item, t.Parent))
    visit_ordered_list = visit_bullet_list

    def visit_table(self, node: t.Table) -> str:
        """Aligned columns; a table too wide for that gives each row as "header: cell" lines."""
        rows = [[(" ".join(self.visit_all(c.children).split()), c.align) for c in row.children
                 if isinstance(c, t.Cell)] for row in (*node.head, *node.body)]
        cols = [max(width(r[i][0]) for r in rows if i < len(r)) for i in range(max(map(len, rows)))]
        heads, n = [text + ": " if text else "" for text, _ in rows[0]], len(node.head)
        if sum(cols) + 2 * len(cols) - 2 > self.columns:
            return "\n".join("".join(x + "\n" for i, (text, _) in enumerate(row) for x in wrap(
                (heads[i] if n and i < len(heads) else "") + text, self.columns))
                for row in rows[n:])
        out = ["  ".join((text.rjust if align == "right" else text.ljust)(
            cols[i] + len(text) - width(text)) for i, (text, align) in enumerate(row)).rstrip()
            for row in rows]
        return "\n".join([*out[:n], *["  ".join("-" * c for c in cols)] * bool(n), *out[n:], ""])

    def visit_heading(self, node: t.Heading) -> str:
        rule = {1: "=", 2: "-"}.get(self.heading_level(node.level), "~")
        return self.underline(self.visit_all(node.children), rule)
    def visit_callout(self, node: t.Callout) -> str:
        label = i18n.labels(self.ctx.series.language)[f"callout_{node.kind}"]
        return f"| {label}:\n" + self.visit_parent(node)
    def visit_code_block(self, node: t.CodeBlock) -> str:
        return "".join(f"    {row}\n" for row in node.text.rstrip("\n").split("\n"))
    def visit_thematic_break(self, node: t.ThematicBreak) -> str:
        return "* * *\n"
    def visit_notes(self, node: t.Notes) -> str:  # "[N1] text", a hanging indent
        return "\n".join(self.nested(n.children, f"[N{n.number}] ", " " * len(f"[N{n.number}] "))
                         for n in node.notes)

    # --- inlines -------------------------------------------------------------------------
    def visit_link(self, node: t.Link) -> str:
        text = self.visit_all(node.children)
        keep = node.href.startswith("#") or text == node.href  # an anchor, a bare address
        return text if keep else self.link(text, node.href)
    def visit_cross_reference(self, node: t.CrossReference) -> str:
        text, part = self.visit_all(node.children), self.ctx.series.get_part(node.target)
        if part is None or not self.is_released(node.target):
            return f"{text} ({self.ctx.available(part)})" if part else text
        return self.link(text, self.ctx.web_link(part, node.anchor))
    def visit_file_link(self, node: t.FileLink) -> str:
        fragment = f"#{node.fragment}" if node.fragment else ""
        return self.link(self.visit_all(node.children), self.ctx.web_url(node.path) + fragment)
    def visit_image(self, node: t.Image) -> str:
        return self.link(f"[{node.alt}]", self.ctx.web_url(node.asset)) if node.asset else \
            f"[{node.alt}]"
    def visit_soft_break(self, node: t.SoftBreak) -> str:
        return " "
    def visit_citation(self, node: t.Citation) -> str:
        return "[" + ", ".join(f"R{n}" for _, n in node.refs) + "]"
    def visit_note_ref(self, node: t.NoteRef) -> str:
        return f"[N{node.number}]"


class TxtRenderer(Renderer):
    name = "txt"
    description = "Plain-text edition of each released part, 72 columns (txt/NN-<slug>.txt)"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        return [self.job(f"txt/{p.number}-{p.slug}.txt", part=p.part, parts=(p.part,))
                for p in ctx.released]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        s, part = ctx.series, next(p for p in ctx.released if p.part == job.part)
        tr, doc = TextTranslator(ctx), ctx.document(part)
        body, notes = tr.blocks(doc.children), tr.visit(doc.notes) if doc.notes else ""
        disclaimer = tr.blocks(ctx.text_document(s.disclaimer).children) if s.disclaimer else ""
        text = self.render_template(
            ctx, "txt/part.txt", part=part, body=body, notes=notes, disclaimer=disclaimer,
            links=tr.links, words=i18n.labels(s.language), wrap=lambda x: "\n".join(wrap(x)),
            underline=TextTranslator(ctx).underline)
        data = (text.rstrip("\n") + "\n").encode("utf-8")
        return Artifact(job.path, data, "text/plain; charset=utf-8", self.name)
