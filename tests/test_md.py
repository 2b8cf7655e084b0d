"""The Markdown export (``md``): one file per released part that parses back to the text it
shows, every link absolute, nothing of an unreleased part."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

import ketapub
from ketapub import RenderContext, testing
from ketapub import tree as t
from ketapub.renderers.md import MarkdownRenderer, MarkdownTranslator
from tests.conftest import CONTENT, CONTENT_AS_OF, ROOT, SINK, SINK_AS_OF
from tests.helpers import code_lines

LATER = "2031-01-01T00:00:00+00:00"
YAML_STYLES = ROOT / "tests" / "fixtures" / "yaml-styles"
PARSER = (MarkdownIt("commonmark").enable(["table", "strikethrough"])
          .use(footnote_plugin).use(deflist_plugin))


def parsed(markdown: str) -> tuple[str, list[str]]:
    """What a CommonMark (+ GFM) reader shows of ``markdown``: its text, whitespace
    collapsed, and the address of every link and image."""
    text: list[str] = []
    urls: list[str] = []

    def walk(tokens: list[Token]) -> None:
        for tok in tokens:
            if tok.type in ("text", "code_inline", "code_block", "fence"):
                text.append(tok.content)
            elif tok.type in ("softbreak", "hardbreak"):
                text.append(" ")
            elif tok.type in ("html_inline", "html_block"):
                raise AssertionError(f"raw HTML in the export: {tok.content!r}")
            if tok.type in ("link_open", "image"):
                urls.append(str(tok.attrGet("href") or tok.attrGet("src")))
            walk(tok.children or [])

    walk(PARSER.parse(markdown))
    return " ".join("".join(text).split()), urls


def shown(node: t.Node) -> list[str]:
    """Every piece of text the tree shows, in reading order, notes last."""
    out: list[str] = []
    if isinstance(node, t.Text | t.Code | t.CodeBlock):
        out.append(node.text)
    elif isinstance(node, t.Image):
        out.append(node.alt)
    for child in (*getattr(node, "children", ()), *getattr(node, "head", ()),
                  *getattr(node, "body", ())):
        out += shown(child)
    if isinstance(node, t.Document) and node.notes:
        for note in node.notes.notes:
            out += shown(note)
    return out


def assert_shows_in_order(markdown: str, pieces: list[str]) -> None:
    text, _ = parsed(markdown)
    at = 0
    for piece in (" ".join(p.split()) for p in pieces):
        found = text.find(piece, at)
        assert found >= 0, f"{piece!r} not shown after {text[max(0, at - 60):at]!r}"
        at = found + len(piece)


def test_one_file_per_released_part() -> None:
    assert list(ketapub.render(SINK, "md", as_of=SINK_AS_OF)) == [
        "md/01-everything.md", "md/02-second-part.md"]
    made = list(ketapub.render(CONTENT, "md", as_of=CONTENT_AS_OF))
    assert len(made) == 8 and sum(p.startswith("md/es/") for p in made) == 4  # en and es
    assert ketapub.installed().get("md") is MarkdownRenderer


@pytest.mark.parametrize(("source", "as_of"), [(SINK, SINK_AS_OF), (CONTENT, CONTENT_AS_OF),
                                               (CONTENT, LATER), (YAML_STYLES, LATER)])
def test_export_parses_back_to_the_text_of_the_tree(source: Path, as_of: str) -> None:
    series = ketapub.load(source)
    ctx = RenderContext(series=series, as_of=ketapub.resolve_as_of(as_of, series.tz))
    files = ketapub.render(series, "md", as_of=as_of)
    for part in ctx.released:
        markdown = files[f"md/{part.number}-{part.slug}.md"].decode("utf-8")
        assert_shows_in_order(markdown, [part.title, *shown(ctx.document(part))])


def test_special_characters_survive_exactly() -> None:
    hostile = ("*no emphasis* _nor this_ [not](a-link) <b>no tag</b> `no code` back\\slash "
               "pipe | tilde ~~ hash # entity &amp; &#169; ![no](image) [^9] 3 > 2")
    starts = ["1. not a list", "2) nor this", "- not a bullet", "+ nor this", "# no heading",
              "> no quote", "=== no underline", "--- no rule"]
    series = testing.sample_series()
    ctx = RenderContext(series=series, as_of=ketapub.resolve_as_of(testing.SAMPLE_AS_OF))
    tr = MarkdownTranslator(ctx, series.part_url(series.parts[0]))
    paragraphs = [t.Paragraph(children=(t.Text(hostile),))]
    paragraphs += [t.Paragraph(children=(t.Text(s),)) for s in starts]
    paragraphs += [t.Paragraph(children=(t.Text("a"), t.LineBreak(), t.Text(s))) for s in starts]
    for node in paragraphs:
        markdown = tr.visit(t.Document(children=(node,)))
        text, urls = parsed(markdown)
        assert text == " ".join(t.text_of(node).split()) and urls == [], markdown
    heading = t.Heading(children=(t.Text("Closing hashes #"),), level=2)
    assert parsed(tr.visit(heading))[0] == "Closing hashes #"
    code = t.Code("a `tick` and ``two``")
    assert parsed(tr.visit(t.Paragraph(children=(code,))))[0] == code.text


def test_every_link_is_absolute() -> None:
    files = ketapub.render(SINK, "md", as_of=SINK_AS_OF)
    _, urls = parsed(files["md/01-everything.md"].decode("utf-8"))
    assert all(u.startswith(("https://", "http://", "mailto:", "tel:")) for u in urls), urls
    for url in ("https://example.org/sink/second-part/",  # a released part
                "https://example.org/sink/second-part/#details",  # one of its headings
                "https://example.org/sink/everything/#dosing",  # an anchor of the part itself
                "https://example.org/sink/assets/diagram.svg",  # the image's published URL
                "https://example.org/page?x=1&y=2", "https://example.org/fn"):
        assert url in urls
    _, urls = parsed(ketapub.render(CONTENT, "md", as_of=CONTENT_AS_OF)[
        "md/03-spravato-explained.md"].decode("utf-8"))
    assert "https://learn.example.org/ketamine/treatment-resistant-depression/" in urls


def test_unreleased_part_is_text_and_date_and_never_a_link() -> None:
    series = ketapub.load(SINK)
    files = testing.render_artifacts(MarkdownRenderer, series, SINK_AS_OF)
    text, urls = parsed(files["md/01-everything.md"].data.decode("utf-8"))
    assert "to an unreleased part (Available 1 Jan 2030)," in text
    assert not any("future-part" in u for u in urls)
    testing.assert_no_unreleased_text(files, series, SINK_AS_OF)
    content = ketapub.load(CONTENT)
    files = testing.render_artifacts(MarkdownRenderer, content, CONTENT_AS_OF)
    testing.assert_no_unreleased_text(files, content, CONTENT_AS_OF)


def test_tables_notes_and_callouts_use_the_syntax_cmss_read() -> None:
    markdown = ketapub.render(SINK, "md", as_of=SINK_AS_OF)["md/01-everything.md"].decode()
    tokens = PARSER.parse(markdown)
    kinds = {tok.type for tok in tokens}
    assert {"table_open", "th_open", "footnote_ref", "dl_open", "blockquote_open",
            "fence", "hr", "ordered_list_open", "bullet_list_open"} <= kinds | {
        c.type for tok in tokens for c in tok.children or []}
    aligns = [tok.attrGet("style") for tok in tokens if tok.type == "th_open"]
    assert aligns == ["text-align:left", "text-align:center", "text-align:right"]
    assert "> [!WARNING]\n> A warning callout with **bold**." in markdown
    assert markdown.startswith("# Everything at once: tables, notes \\& ünïcode\n") or \
        markdown.startswith("# Everything at once: tables, notes & ünïcode\n")


def test_module_is_one_small_file_on_the_public_tree_api() -> None:
    path = ROOT / "ketapub" / "renderers" / "md.py"
    assert len(code_lines(path.read_text("utf-8"))) < 150  # docstrings do not count
    imports = {node.module for node in ast.walk(ast.parse(path.read_text("utf-8")))
               if isinstance(node, ast.ImportFrom)}
    assert {m for m in imports if m and m.startswith("ketapub")} <= {
        "ketapub", "ketapub.render.translator", "ketapub.render.plaintext"}


def test_incremental_build_re_renders_only_what_changed(tmp_path: Path, sink_copy: Path) -> None:
    out = tmp_path / "out"
    first = ketapub.build(sink_copy, out, formats=["md"], as_of=SINK_AS_OF)
    assert sorted(first.rendered) == ["md/01-everything.md", "md/02-second-part.md"]
    assert ketapub.build(sink_copy, out, formats=["md"], as_of=SINK_AS_OF).rendered == ()
    first_part = sink_copy / "parts" / "01-everything.md"
    first_part.write_text(first_part.read_text("utf-8").replace("Yes, and", "Yes; and"))
    assert ketapub.build(sink_copy, out, formats=["md"], as_of=SINK_AS_OF).rendered == (
        "md/01-everything.md",)
    released = ketapub.build(sink_copy, out, formats=["md"], as_of=LATER)
    assert sorted(released.rendered) == ["md/01-everything.md", "md/03-future-part.md"]
