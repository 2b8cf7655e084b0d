"""The document tree the dialect makes of a part (``RenderContext.document``)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

import ketapub
from ketapub import dialect, markdown, tree
from ketapub.render.base import RenderContext
from ketapub.render.translator import Translator
from tests.conftest import SINK_AS_OF


def all_of(doc: tree.Node, kind: type[tree.Node]) -> list[tree.Node]:
    return [n for n in tree.walk(doc) if isinstance(n, kind)]


@pytest.fixture(scope="module")
def ctx(sink_series: ketapub.Series) -> RenderContext:
    return RenderContext(sink_series, datetime.fromisoformat(SINK_AS_OF))


@pytest.fixture(scope="module")
def sink_doc(ctx: RenderContext) -> tree.Document:
    return ctx.document(ctx.series.parts[0])


def test_cross_references_name_the_target_number_and_stay_symbolic(
        ctx: RenderContext, sink_doc: tree.Document) -> None:
    xrefs = all_of(sink_doc, tree.CrossReference)
    assert [(x.target, x.anchor, tree.text_of(x)) for x in xrefs] == [  # type: ignore[attr-defined]
        (2, None, "Part 2"), (2, "details", "its details"), (3, None, "unreleased part")]
    # part:second-part#details was written with a slug; released or not is the translator's
    released = Translator(ctx)
    assert released.is_released(2) and not released.is_released(3)


def test_citations_numbered_by_the_parts_order(sink_doc: tree.Document) -> None:
    cites = all_of(sink_doc, tree.Citation)
    assert [c.refs for c in cites] == [  # type: ignore[attr-defined]
        (("knuth1984", 1),), (("knuth1984", 1), ("lamport1994", 2))]


def test_image_names_its_asset(sink_doc: tree.Document) -> None:
    (img,) = all_of(sink_doc, tree.Image)
    assert img == tree.Image(asset="assets/diagram.svg", src="assets/diagram.svg",
                             alt="A diagram: three boxes joined by arrows")


def test_callouts_faq_and_definition_list(sink_doc: tree.Document) -> None:
    callouts = all_of(sink_doc, tree.Callout)
    assert [c.kind for c in callouts] == ["note", "warning", "tip"]  # type: ignore[attr-defined]
    assert tree.text_of(callouts[0]) == "A note callout."  # the [!NOTE] marker is gone
    (faq,) = all_of(sink_doc, tree.Faq)
    assert isinstance(faq, tree.Faq) and faq.heading_id == "faq"
    items = [c for c in faq.children if isinstance(c, tree.FaqItem)]
    assert [tree.text_of(i.children[0]) for i in items] == [
        "Is this a question?", "Is there a second one?"]
    assert isinstance(items[1].children[0], tree.Heading) and len(items[1].children) == 3
    (dl,) = all_of(sink_doc, tree.DefinitionList)
    assert [type(c).__name__ for c in dl.children] == [  # type: ignore[attr-defined]
        "Term", "Definition", "Term", "Definition"]
    assert dl.tight  # type: ignore[attr-defined]


def test_footnotes_end_the_document(sink_doc: tree.Document) -> None:
    assert all_of(sink_doc, tree.NoteRef) == [tree.NoteRef(number=1, sub=0)]
    assert sink_doc.notes is not None
    (note,) = sink_doc.notes.notes
    assert note.number == 1 and note.refs == 1
    assert tree.text_of(note) == "The footnote text, with a link."
    assert not any(isinstance(c, tree.Notes) for c in sink_doc.children)


def test_headings_keep_their_local_ids(sink_doc: tree.Document) -> None:
    ids = [h.id for h in all_of(sink_doc, tree.Heading)]  # type: ignore[attr-defined]
    assert ids[:2] == ["dosing", "a-subsection-with-a-generated-anchor"]


def test_raw_html_kept_as_inline_nodes_with_attributes(sink_doc: tree.Document) -> None:
    raw = {(n.tag, n.attrs) for n in all_of(sink_doc, tree.Inline)}  # type: ignore[attr-defined]
    assert raw == {("sub", ()), ("sup", ()), ("abbr", (("title", "abbreviation"),))}


SAMPLE = """\
Go to [the dose](part:2#dose), [a form](assets/consent%20form.pdf#page=2 "Form"),
[bad](javascript:alert(1)) and ["here"](#top). It's <span lang="fr">«&nbsp;oui&nbsp;»</span>.

|   | Morning | Evening |
|---|:-------:|--------:|
| Mon | 1 | 2 |
| Tue | 3 | 4 |

- one
- two

  loose

![missing](assets/none.png)[^a][^a]

[^a]: A note.
"""


@pytest.fixture(scope="module")
def sample() -> tree.Document:
    return dialect.document(SAMPLE, language="en", parts=[("2", 2), ("dosing", 2)],
                            assets=["assets/x.png"])


def test_links_by_kind(sample: tree.Document) -> None:
    (xref,) = all_of(sample, tree.CrossReference)
    assert (xref.target, xref.anchor) == (2, "dose")  # type: ignore[attr-defined]
    (file,) = all_of(sample, tree.FileLink)
    assert file == tree.FileLink(children=(tree.Text("a form"),), attrs=(("title", "Form"),),
                                 path="assets/consent form.pdf", fragment="page=2")
    (removed,) = all_of(sample, tree.RemovedLink)
    assert tree.text_of(removed) == "bad"
    (link,) = all_of(sample, tree.Link)
    assert link.href == "#top" and tree.text_of(link) == "“here”"  # type: ignore[attr-defined]
    assert "It’s" in tree.text_of(sample)  # typographic quotes in the series language


def test_two_way_table(sample: tree.Document) -> None:
    (table,) = all_of(sample, tree.Table)
    assert isinstance(table, tree.Table) and table.row_headers
    corner, *heads = table.head[0].children
    assert corner == tree.Cell(header=False, scope=None)
    assert [(c.header, c.scope, c.align) for c in heads] == [  # type: ignore[attr-defined]
        (True, "col", "center"), (True, "col", "right")]
    firsts = [row.children[0] for row in table.body]
    assert [(c.header, c.scope, tree.text_of(c)) for c in firsts] == [  # type: ignore[attr-defined]
        (True, "row", "Mon"), (True, "row", "Tue")]
    assert table.body[0].children[1] == tree.Cell(children=(tree.Text("1"),), align="center")


def test_lists_say_whether_they_are_tight(sample: tree.Document) -> None:
    (ul,) = all_of(sample, tree.BulletList)
    assert isinstance(ul, tree.BulletList) and not ul.tight
    assert [len(li.children) for li in ul.children] == [1, 2]  # type: ignore[attr-defined]


def test_unknown_image_has_no_asset_and_notes_count_their_refs(sample: tree.Document) -> None:
    (img,) = all_of(sample, tree.Image)
    assert img == tree.Image(asset=None, alt="missing", src="assets/none.png")
    assert all_of(sample, tree.NoteRef) == [tree.NoteRef(1, 0), tree.NoteRef(1, 1)]
    assert sample.notes is not None and sample.notes.notes[0].refs == 2


def test_a_marker_written_as_raw_html_is_refused() -> None:
    forged = ('x <span data-ketapub="xref" data-ketapub-arg="[9, null]">a</span> '
              '<a DATA-KETAPUB="img" href="https://e.org">b</a>\n\n'
              '<div data-ketapub="callout" data-ketapub-arg="&quot;tip&quot;">c</div>\n')
    doc = dialect.document(forged, language="en")
    kinds = {type(n) for n in tree.walk(doc)}
    assert not kinds & {tree.CrossReference, tree.Image, tree.Callout}
    assert "c" in tree.text_of(doc)  # the raw block's text stays, without the marker


def test_tree_is_made_once_per_process(ctx: RenderContext) -> None:
    part = ctx.series.parts[1]
    assert ctx.document(part) is ctx.document(part)
    other = RenderContext(ctx.series, datetime.fromisoformat("2031-01-01T00:00:00+00:00"))
    assert other.document(part) is ctx.document(part)  # one tree serves every instant


def test_text_document_for_the_disclaimer(ctx: RenderContext) -> None:
    doc = ctx.text_document(ctx.series.disclaimer or "")
    assert isinstance(doc.children[0], tree.Paragraph)
    assert tree.text_of(doc.children[0].children[0]) == "Educational only"
    assert isinstance(doc.children[0].children[0], tree.Strong)


def test_nodes_are_frozen(sink_doc: tree.Document) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        sink_doc.children = ()  # type: ignore[misc]


def test_canonical_rendering_drops_raw_html_naming_a_marker() -> None:
    """Defence in depth: even raw HTML that reached the renderer uncleaned cannot mark."""
    from markdown_it.token import Token

    from ketapub.dialect import canonical

    policy = canonical.Policy(parts={}, assets=frozenset(), citations={})
    pieces = []
    for kind, raw in (("html_block", '<div DATA-KETAPUB="faq">\n'),
                      ("html_inline", '<span data-ketapub-arg="[1]">'),
                      ("html_block", '<div lang="fr">\n')):
        tok = Token(kind, "", 0)
        tok.content = raw
        pieces.append(tok)
    assert canonical.render(pieces, policy, {}, {}) == '<div lang="fr">\n'


def test_only_the_marked_pass_keeps_markers() -> None:
    from ketapub import sanitize

    html = '<p data-ketapub="md" data-ketapub-arg="1" data-x="2" onclick="x">a</p>'
    assert sanitize.clean_marked(html) == '<p data-ketapub="md" data-ketapub-arg="1">a</p>'
    assert sanitize.clean_output(html) == "<p>a</p>"
    assert sanitize.clean_raw(html) == "<p>a</p>"


def test_load_time_prose_and_faq_are_read_off_the_tree() -> None:
    body = ("Intro with ![a *bold* alt](assets/x.png).\n\n| Cell words |\n|---|\n| two more |\n\n"
            "## Frequently asked questions\n\n### Why \"this\"?\n\n- because\n- of *that*\n\n"
            "Term\n: its definition[^n]\n\n[^n]: A note.\n")
    found = markdown.analyze(body, "p.md", 1)
    # what readers see: the alt text as rendered, not its Markdown
    assert found.paragraphs == ["Intro with a bold alt.", "because", "of that", "Term",
                                "its definition", "A note."]
    assert found.faq == [('Why "this"?', "because of that Term its definition", "why-this")]
    # prose 5 + 1 + 2 + 1 + 2 + 2, headings 3 + 2, cells 2 + 2
    assert found.words == 22


def test_raw_html_keeps_the_html5_structure_and_the_authors_whitespace() -> None:
    body = ('<div lang="fr">\n\nBonjour *toi*\n\n</div>\n\n'
            'a <span lang="de">b <i>c</span> d</i> e\n')
    doc = dialect.document(body, language="en")
    # each raw block is cleaned on its own, so a <div> wraps nothing after its own block
    div, words, space, para = doc.children
    assert div == tree.Block(tag="div", attrs=(("lang", "fr"),), children=(tree.Text("\n"),))
    assert words == tree.Paragraph(children=(
        tree.Text("Bonjour "), tree.Emphasis(children=(tree.Text("toi"),))))
    assert space == tree.Text("\n")  # what is left of "</div>\n"; the dialect adds none
    # an unbalanced inline tag is closed as a browser closes it
    assert para == tree.Paragraph(children=(
        tree.Text("a "),
        tree.Inline(tag="span", attrs=(("lang", "de"),), children=(
            tree.Text("b "), tree.Inline(tag="i", children=(tree.Text("c"),)))),
        tree.Inline(tag="i", children=(tree.Text(" d"),)),
        tree.Text(" e")))


@pytest.mark.parametrize("html", [
    '<p>a<!-- hidden --><script>alert(1)</script><style>p{}</style>b</p>',
    '<a href="javascript:alert(1)" rel="opener" target="_blank">x</a><a href="https:e.org">y</a>',
    '<table><tr><td style="color:red;text-align:right" colspan="900">c</td></tr></table>',
    '<img src="data:image/png;base64,AA" alt="a" onerror="x"><svg><a>s</a></svg>',
    '<section class="faq" aria-labelledby="q"><h2 id="q">Q</h2><form>f</form></section>',
    '<p><iframe>i</iframe><noscript>n</noscript><textarea>t</textarea><select>s</select></p>',
])
def test_the_marked_pass_cleans_as_the_output_pass(html: str) -> None:
    """Apart from the markers, clean_marked is clean_output: the same tags, attributes, URL
    schemes, styles, comments and dropped content."""
    from ketapub import sanitize

    assert sanitize.clean_marked(html) == sanitize.clean_output(html)


@pytest.mark.parametrize("body", [
    "# T\n\n- a\n- b\n\n  c\n\n| x | y |\n|---|--:|\n| 1 | *2* |\n\nT\n: d[^1]\n\n[^1]: n\n",
    "> [!NOTE]\n> a  \n> b [x](https://e.org \"t\") ![i](assets/x.png)\n\n```py\n<&>\n```\n",
    "> ## Frequently asked questions\n\n### q\n\na\n\n## next\n",
])
def test_the_fast_parse_of_a_body_without_raw_html_is_html5s(body: str) -> None:
    from ketapub import sanitize
    from ketapub.dialect import canonical, parser, treebuild, wellformed

    tokens, env = parser.parsed(body, "en")
    policy = canonical.Policy(parts={}, assets=frozenset({"assets/x.png"}), citations={})
    html = sanitize.clean_marked(canonical.render(tokens, policy, {}, env))
    assert wellformed.parse(html) is not None  # the fast path is taken
    assert treebuild.parse(html, raw=False) == treebuild.parse(html, raw=True)


@pytest.mark.parametrize("html", ["<p><em>a</p></em>", "<p>a", "a</p>", '<p title="<">a</p>',
                                  "<br/>", "<!-- c --><p>a</p>"])
def test_the_fast_parse_gives_up_on_what_is_not_closed_in_order(html: str) -> None:
    from ketapub.dialect import wellformed

    assert wellformed.parse(html) is None


def test_pathological_nesting_gives_a_tree_any_walk_can_go_through() -> None:
    from ketapub.dialect.treebuild import MAX_DEPTH

    body = "*" * 5000 + "deep" + "*" * 5000 + "\n"  # 2,500 levels of emphasis
    doc = dialect.document(body, language="en")
    depth, node = 0, doc.children[0]
    while isinstance(node, tree.Parent) and node.children:
        depth, node = depth + 1, node.children[0]
    assert depth == MAX_DEPTH and node == tree.Text("deep")  # the text below is kept
    assert markdown.analyze(body, "p.md", 1).words == 1


def test_raw_html_too_deep_is_reported_without_a_tree() -> None:
    body = "Intro words.\n\n" + "<div>" * 3000 + "deep" + "</div>" * 3000 + "\n"
    found = markdown.analyze(body, "p.md", 1)
    assert [d.message for d in found.diagnostics] == [
        "raw HTML nests more than 100 levels deep; flatten it"]
    assert found.words == 0 and found.paragraphs == []  # the load fails on it anyway
