"""The plain-text edition (``txt``): one 72-column file per released part, links as
numbered footnotes, tables as aligned text, nothing of an unreleased part."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import ketapub
from ketapub import RenderContext, testing
from ketapub import tree as t
from ketapub.renderers.txt import WIDTH, TextTranslator, TxtRenderer, width
from tests.conftest import CONTENT, CONTENT_AS_OF, ROOT, SINK, SINK_AS_OF
from tests.helpers import code_lines

LATER = "2031-01-01T00:00:00+00:00"


@pytest.fixture(scope="module")
def sink() -> dict[str, str]:
    files = ketapub.render(SINK, "txt", as_of=SINK_AS_OF)
    return {path: data.decode("utf-8") for path, data in files.items()}


@pytest.fixture(scope="module")
def content() -> dict[str, str]:
    files = ketapub.render(CONTENT, "txt", as_of=CONTENT_AS_OF)
    return {path: data.decode("utf-8") for path, data in files.items()}


def links_of(text: str) -> dict[int, str]:
    """The numbered URL list at the end: {n: url}."""
    tail = text.split("\nLinks\n-----\n\n", 1)[1]
    return {int(n): url for n, url in re.findall(r"^\[(\d+)\] (\S+)$", tail, re.MULTILINE)}


def test_one_file_per_released_part() -> None:
    assert list(ketapub.render(SINK, "txt", as_of=SINK_AS_OF)) == [
        "txt/01-everything.txt", "txt/02-second-part.txt"]
    english = ["txt/01-from-anesthetic-to-antidepressant.txt",
               "txt/02-treatment-resistant-depression.txt", "txt/03-spravato-explained.txt",
               "txt/04-beyond-depression.txt"]
    assert list(ketapub.render(CONTENT, "txt", as_of=CONTENT_AS_OF)) == [
        *english, *(p.replace("txt/", "txt/es/") for p in english)]  # and the Spanish
    assert "txt/03-future-part.txt" in ketapub.render(SINK, "txt", as_of=LATER)


def test_is_registered_and_plain_utf8() -> None:
    assert ketapub.installed().get("txt") is TxtRenderer
    artifacts = testing.render_artifacts(TxtRenderer)
    assert {a.media_type for a in artifacts.values()} == {"text/plain; charset=utf-8"}


@pytest.mark.parametrize("fixture", ["sink", "content"])
def test_lines_fit_72_columns_unless_one_unbreakable_word(
        fixture: str, request: pytest.FixtureRequest) -> None:
    files: dict[str, str] = request.getfixturevalue(fixture)
    for path, text in files.items():
        assert text.endswith("\n") and not text.endswith("\n\n"), path
        for line in text.splitlines():
            assert line == line.rstrip(), (path, line)
            if width(line) > WIDTH:  # a URL, alone or after its [n] / bullet
                words = line.split()
                assert len(words) <= 2 and "://" in words[-1], (path, line)


def test_links_are_numbered_footnotes_listed_at_the_end(sink: dict[str, str]) -> None:
    text = sink["txt/01-everything.txt"]
    links = links_of(text)
    body = text.split("\nLinks\n-----\n", 1)[0]
    used = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    assert used == set(links) == set(range(1, len(links) + 1))
    assert "A link to Part\n2 [1]" in text or "A link to Part 2 [1]" in text
    assert links[1] == "https://example.org/sink/second-part/"
    assert links[2] == "https://example.org/sink/second-part/#details"
    assert "https://example.org/page?x=1&y=2" in links.values()
    assert "https://example.org/sink/assets/diagram.svg" in links.values()  # the image
    assert "https://example.org/fn" in links.values()  # a link in a footnote
    assert "back to the top." in body  # a link within the part: its text only


def test_unreleased_part_is_text_and_date_and_never_a_link(sink: dict[str, str]) -> None:
    text = sink["txt/01-everything.txt"]
    assert "to an unreleased part (Available 1 Jan 2030)" in " ".join(text.split())
    assert "future-part" not in text
    series = ketapub.load(SINK)
    artifacts = testing.render_artifacts(TxtRenderer, series, SINK_AS_OF)
    testing.assert_no_unreleased_text(artifacts, series, SINK_AS_OF)
    content = ketapub.load(CONTENT)
    artifacts = testing.render_artifacts(TxtRenderer, content, CONTENT_AS_OF)
    testing.assert_no_unreleased_text(artifacts, content, CONTENT_AS_OF)
    later = testing.render_artifacts(TxtRenderer, series, LATER)  # the check bites
    with pytest.raises(AssertionError, match=r"must not be seen"):
        testing.assert_no_unreleased_text(later, series, SINK_AS_OF)


def test_table_columns_line_up(sink: dict[str, str]) -> None:
    text = sink["txt/01-everything.txt"]
    head, rule, *rows = text.split("Form ", 1)[1].split("\n\n")[0].split("\n")
    head = "Form " + head
    assert re.fullmatch(r"-+  -+  -+", rule)
    starts = [m.start() for m in re.finditer(r"-+", rule)]
    ends = [m.end() for m in re.finditer(r"-+", rule)]
    assert head.index("Setting") >= starts[1] and head.endswith("Dose control")
    for row in rows[:2]:  # left, centre and right alignment from the delimiter row
        assert row[:starts[1]].strip() and row[starts[1] - 2:starts[1]] == "  "
        assert len(row) == ends[2]  # the last column is right-aligned


def test_a_table_too_wide_gives_header_value_lines(content: dict[str, str]) -> None:
    text = " ".join(content["txt/03-spravato-explained.txt"].split())
    assert ("FDA status IV ketamine: Approved as an anesthetic; use for depression is "
            "off-label Esketamine nasal spray (Spravato): FDA-approved") in text


def test_notes_and_references_come_after_the_text(sink: dict[str, str]) -> None:
    text = sink["txt/01-everything.txt"]
    assert "A citation [R1] and two at once [R1, R2]. A footnote[N1]." in text
    notes, refs, links = (text.index(f"\n{h}\n") for h in ("Notes", "References", "Links"))
    assert text.index("This is the second paragraph.") < notes < refs < links
    assert "\n[N1] The footnote text, with a link [5].\n" in text
    assert "[R1] Knuth DE. Literate programming." in text
    assert "https://doi.org/10.1093/comjnl/27.2.97" in text[refs:links]


def test_headings_are_underlined_as_wide_as_their_text(sink: dict[str, str]) -> None:
    text = sink["txt/01-everything.txt"]
    for heading, rule in [("Everything at once: tables, notes & ünïcode", "="),
                          ("Section with an explicit anchor", "-"),
                          ("Is this a question?", "~")]:
        assert f"{heading}\n{rule * len(heading)}\n" in text
    assert text.startswith("Everything at once")
    assert width("日本語") == 6 and width("e\u0301") == 1


def test_nested_blocks_wrap_inside_their_indent() -> None:
    series = testing.sample_series()
    ctx = RenderContext(series=series, as_of=ketapub.resolve_as_of(testing.SAMPLE_AS_OF))
    long = t.Paragraph(children=(t.Text("word " * 40),))
    doc = t.Document(children=(
        t.BulletList(children=(t.ListItem(children=(long, t.OrderedList(start=9, children=(
            t.ListItem(children=(long,)), t.ListItem(children=(t.Paragraph(
                children=(t.Text("ten"),)),)))))),)),
        t.BlockQuote(children=(long,)),
        t.Callout(kind="warning", children=(long,)),
    ))
    text = TextTranslator(ctx).blocks(doc.children)
    assert all(width(line) <= WIDTH for line in text.splitlines())
    assert "\n  9.  word" in text and "\n  10. ten\n" in text  # marks padded to one width
    assert "\n      word" in text  # item text continues under its first word
    assert "\n> word" in text and "\n| Warning:\n| word" in text


def test_module_is_one_small_file_on_the_public_tree_api() -> None:
    path = ROOT / "ketapub" / "renderers" / "txt.py"
    assert len(code_lines(path.read_text("utf-8"))) < 150  # docstrings do not count
    imports = {node.module for node in ast.walk(ast.parse(path.read_text("utf-8")))
               if isinstance(node, ast.ImportFrom)}
    assert {m for m in imports if m and m.startswith("ketapub")} <= {
        "ketapub", "ketapub.render.translator", "ketapub.render.plaintext"}


def test_incremental_build_re_renders_only_what_changed(tmp_path: Path, sink_copy: Path) -> None:
    out = tmp_path / "out"
    first = ketapub.build(sink_copy, out, formats=["txt"], as_of=SINK_AS_OF)
    assert sorted(first.rendered) == ["txt/01-everything.txt", "txt/02-second-part.txt"]
    assert ketapub.build(sink_copy, out, formats=["txt"], as_of=SINK_AS_OF).rendered == ()
    second = sink_copy / "parts" / "02-second.md"
    second.write_text(second.read_text("utf-8").replace("Because.", "Because, edited."))
    assert ketapub.build(sink_copy, out, formats=["txt"], as_of=SINK_AS_OF).rendered == (
        "txt/02-second-part.txt",)
    released = ketapub.build(sink_copy, out, formats=["txt"], as_of=LATER)
    assert sorted(released.rendered) == ["txt/01-everything.txt", "txt/03-future-part.txt"]
    manifest = (out / "manifest.json").read_text("utf-8")
    assert '"path": "txt/03-future-part.txt"' in manifest
