"""The Markdown dialect: every construct, rendered under a renderer's link policy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import html5lib
import pytest

import ketapub
from ketapub import RenderContext, dialect
from ketapub.render.html_translator import HtmlTranslator
from ketapub.sanitize import clean_output
from tests.conftest import SINK_AS_OF


class Html(HtmlTranslator):
    """The body under a test's link policy: ``link(part, anchor)`` for cross-references."""

    def __init__(self, ctx: RenderContext, link: Callable[[ketapub.Part, str | None], str],
                 asset_url: Callable[[str], str] = lambda path: path, **kw: Any) -> None:
        super().__init__(ctx, **kw)
        self.link, self.assets = link, asset_url

    def part_link(self, part: ketapub.Part, anchor: str | None) -> str:
        return self.link(part, anchor)

    def asset_url(self, path: str) -> str:
        return self.assets(path)


def markdown_html(text: str, language: str = "en") -> str:
    """Short Markdown written as HTML (no series: links to files as written)."""
    return HtmlTranslator(language=language).visit(dialect.document(text, language=language))


@pytest.fixture(scope="module")
def html(sink_series: ketapub.Series) -> str:
    ctx = RenderContext(sink_series, datetime.fromisoformat(SINK_AS_OF))
    return Html(ctx, lambda p, a: f"https://x/{p.slug}#{a or ''}",
                lambda path: "https://cdn/" + path, prefix="p1-").visit(
        ctx.document(sink_series.parts[0]))


def test_explicit_and_generated_heading_anchors(sink_series: ketapub.Series, html: str) -> None:
    part = sink_series.parts[0]
    assert "dosing" in part.anchors and "a-subsection-with-a-generated-anchor" in part.anchors
    assert '<h2 id="p1-dosing">Section with an explicit anchor</h2>' in html
    assert "{#dosing}" not in html


def test_heading_offset_shifts_levels(sink_series: ketapub.Series) -> None:
    ctx = RenderContext(sink_series, datetime.fromisoformat(SINK_AS_OF))
    out = Html(ctx, lambda p, a: "x", heading_offset=1).visit(
        ctx.document(sink_series.parts[0]))
    assert '<h3 id="dosing">' in out and "<h2" not in out


def test_part_links_resolved_or_marked_unreleased(html: str) -> None:
    assert '<a href="https://x/second-part#" class="xref">Part 2</a>' in html
    assert '<a href="https://x/second-part#details" class="xref">its details</a>' in html
    assert ('<span class="xref-unreleased">unreleased part</span> (Available 1 Jan 2030)'
            in html)  # en-GB date, Europe/London
    assert 'href="#p1-dosing"' in html  # in-page links follow the id prefix


def test_citations_numbered_by_first_use(sink_series: ketapub.Series, html: str) -> None:
    part = sink_series.parts[0]
    assert part.citation_order == ("knuth1984", "lamport1994")
    one = ('<a href="#p1-ref.knuth1984" role="doc-biblioref" aria-label="Reference 1">1</a>')
    assert one in html
    assert (f'[{one}, <a href="#p1-ref.lamport1994" role="doc-biblioref" '
            'aria-label="Reference 2">2</a>]') in html
    assert [n for n, _ in part.numbered_references] == [1, 2]
    assert part.numbered_references[0][1].link == "https://doi.org/10.1093/comjnl/27.2.97"


def test_footnotes_tables_definition_lists(html: str) -> None:
    assert 'id="p1-fnref.1"' in html and 'id="p1-fn.1"' in html
    assert '<th style="text-align:center">Setting</th>' in html
    assert "<dl>" in html and "<dt>Term one</dt>" in html


def test_callouts(html: str) -> None:
    for kind, label in (("note", "Note"), ("warning", "Warning"), ("tip", "Tip")):
        assert (f'<div class="callout callout-{kind}" role="note">\n<p class="callout-title">'
                f"<strong>{label}</strong></p>") in html
    assert "[!NOTE]" not in html
    assert "<blockquote>\n<p>A plain blockquote.</p>" in html


def test_faq_block_is_structured(sink_series: ketapub.Series, html: str) -> None:
    faq = sink_series.parts[0].faq
    assert [f.question for f in faq] == ["Is this a question?", "Is there a second one?"]
    assert faq[1].answer == "Yes. It has two paragraphs. This is the second paragraph."
    assert '<section class="faq">\n<h2 id="p1-faq">' in html
    assert html.count('<div class="faq-item">') == 2


def test_images_use_the_asset_policy(html: str) -> None:
    assert '<img src="https://cdn/assets/diagram.svg" alt="A diagram: three boxes joined by' \
        ' arrows">' in html


def test_content_is_never_a_template(html: str) -> None:
    assert "{{ 7*7 }}" in html and "{% raw %}" in html and "49" not in html


def test_raw_html_formatting_kept_and_escaping_right(html: str) -> None:
    assert "H<sub>2</sub>O" in html and '<abbr title="abbreviation">abbr</abbr>' in html
    assert "an ampersand &amp; a less-than &lt; sign" in html
    html5lib.HTMLParser(strict=True).parseFragment(html)


def test_sanitiser_is_idempotent_and_strips_hostile_markup() -> None:
    nasty = ('<p onclick="x">a</p><script>alert(1)</script><a href="jav&#x09;ascript:x">l</a>'
             '<iframe src="https://e"></iframe><img src="file:///etc/passwd" alt="">'
             '<form><input></form><style>p{}</style><meta http-equiv="refresh" content="0">')
    once = clean_output(nasty)
    assert clean_output(once) == once
    for bad in ("onclick", "<script", "javascript", "<iframe", "file:", "<form", "<style",
                "<meta", "<input"):
        assert bad not in once.lower()


def test_a_refused_link_keeps_only_its_text() -> None:
    out = markdown_html("A [bad](javascript:alert(1)), [worse](jav%09ascript:x) and "
                        "[fine](https://example.org).")
    assert out == ('<p>A <span class="link-removed">bad</span>, <span class="link-removed">'
                   'worse</span> and <a href="https://example.org">fine</a>.</p>\n')


def test_each_body_is_parsed_once_and_renders_never_leak_into_each_other(
        sink_series: ketapub.Series) -> None:
    ctx = RenderContext(sink_series, datetime.fromisoformat(SINK_AS_OF))
    part = sink_series.parts[0]
    assert ctx.document(part) is ctx.document(part)
    shifted = Html(ctx, lambda p, a: f"https://x/{p.slug}", prefix="a-",
                   heading_offset=2).visit(ctx.document(part))
    plain = Html(ctx, lambda p, a: f"#{p.slug}").visit(ctx.document(part))
    assert '<h4 id="a-dosing">' in shifted and 'href="https://x/second-part"' in shifted
    assert '<h2 id="dosing">' in plain and "</h2>" in plain and "<h4" not in plain
    assert 'href="#second-part"' in plain and "https://x/" not in plain


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "<p>The \u201cgo\u201d signal, the patient\u2019s \u2018own\u2019 words.</p>"),
    ("en-GB", "<p>The \u201cgo\u201d signal, the patient\u2019s \u2018own\u2019 words.</p>"),
    ("de", "<p>The \u201ego\u201c signal, the patient\u2019s \u201aown\u2018 words.</p>"),
    ("fr", "<p>The \u00ab&nbsp;go&nbsp;\u00bb signal, the patient\u2019s \u201cown\u201d "
           "words.</p>"),
    ("es", "<p>The \u00abgo\u00bb signal, the patient\u2019s \u201cown\u201d words.</p>"),
])
def test_straight_quotes_become_the_languages_typographic_quotes(
        language: str, expected: str) -> None:
    assert markdown_html("The \"go\" signal, the patient's 'own' words.",
                         language) == expected + "\n"


def test_quotes_stay_straight_in_code_urls_and_markup_and_nothing_else_is_replaced() -> None:
    out = markdown_html('Type `say "hi"`, see [it](https://example.org/?q="a") and '
                        '<abbr title="it\'s">IV</abbr>. Options (a), (b), (c) -- and... +-')
    assert "<code>say \"hi\"</code>" in out
    assert 'href="https://example.org/?q=%22a%22"' in out
    assert "title=\"it's\"" in out
    assert "(c) -- and... +-" in out  # no ©, en dash, ellipsis or ± replacements


def test_the_dialect_version_is_in_every_input_hash(sink_series: ketapub.Series,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A newer dialect renders the same source differently, so an incremental build must
    re-render what an older one made."""
    from ketapub import markdown
    from ketapub.build import select_renderers
    from ketapub.plan import plan

    ctx = RenderContext(sink_series, datetime.fromisoformat(SINK_AS_OF))
    before = {j.path: j.input_hash for j in plan(select_renderers(None), ctx)}
    monkeypatch.setattr(markdown, "DIALECT", markdown.DIALECT + "-next")
    after = {j.path: j.input_hash for j in plan(select_renderers(None), ctx)}
    assert before.keys() == after.keys()
    assert all(before[p] != after[p] for p in before)


def test_display_text_gets_quotes_and_nothing_else() -> None:
    from ketapub.markdown import typographic
    from tests.conftest import ROOT

    assert typographic("ketamine's *first* \"career\" \\* &amp; <b>", "en") == \
        "ketamine\u2019s *first* \u201ccareer\u201d \\* &amp; <b>"
    assert typographic('Der "Weg"', "de") == "Der \u201eWeg\u201c"
    source = (ROOT / "content/parts/01-from-anesthetic-to-antidepressant.md").read_text("utf-8")
    assert "ketamine's surprising journey" in source
    title = ketapub.load(ROOT / "content").parts[0].title
    assert title.endswith("ketamine\u2019s surprising journey")
