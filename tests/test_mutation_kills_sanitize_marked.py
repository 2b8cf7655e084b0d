"""``sanitize.clean_marked``, the pass over a body's canonical HTML, entry by entry: what
``clean_output`` keeps and drops, plus the dialect's two marker attributes (found by
``make mutate``)."""

from __future__ import annotations

import pytest

from ketapub.sanitize import clean_marked, clean_output, clean_raw
from tests.test_mutation_kills_sanitize import DROPPED_WITH_CONTENT, RAW_ATTRS, RAW_DOC, RAW_TAGS

RENDERED = ('<section id="s" class="c" role="note" aria-label="l" aria-labelledby="s" '
            'aria-describedby="s"><h1>t</h1><nav>n</nav><aside>a</aside>'
            '<img src="https://example.org/i.png" alt="i" width="1" height="2">'
            '<table><tbody><tr><th style="text-align:right">h</th>'
            '<td style="text-align:center">d</td></tr></tbody></table></section>')


def test_the_marked_pass_keeps_what_the_renderer_emits_and_the_markers() -> None:
    assert clean_marked(RENDERED) == RENDERED
    marked = '<div data-ketapub="faq"><p data-ketapub-arg="[1]">a</p></div>'
    assert clean_marked(marked) == marked
    assert clean_output(marked) == "<div><p>a</p></div>"


def test_the_marked_pass_keeps_every_raw_element_and_attribute() -> None:
    out = clean_marked(RAW_DOC)
    assert [t for t in RAW_TAGS if f"<{t}>" not in out and f"<{t} " not in out] == []
    assert [a for a in RAW_ATTRS if a not in out] == []


@pytest.mark.parametrize("html", [
    # only text-align is a style it keeps (a cell outside a table would be dropped whole)
    '<table><tbody><tr><td style="text-align: left; position: fixed">x</td></tr></tbody></table>',
    '<p data-x="1" onclick="x">x</p>',           # other data- attributes, handlers
    "<p>x<!-- note --></p>",                     # comments
    '<a href="javascript:alert(1)">x</a>',       # schemes outside the list
    '<a href="//evil.example/x">x</a>',          # protocol-relative URLs
    '<img src="/\\evil.example/x.png">',
])
def test_the_marked_pass_drops_what_the_output_pass_drops(html: str) -> None:
    assert clean_marked(html) == clean_output(html)
    assert clean_marked(html) != html


@pytest.mark.parametrize("tag", DROPPED_WITH_CONTENT)
def test_the_marked_pass_drops_code_and_foreign_documents_with_their_content(tag: str) -> None:
    assert clean_marked(f"<p>a<{tag}>SECRET</{tag}>b</p>") == "<p>ab</p>"


def test_the_marked_pass_clamps_spans_and_adds_no_rel() -> None:
    html = '<table><tr><td colspan="0000000007" rowspan="999">x</td></tr></table>'
    assert clean_marked(html) == clean_raw(html) == (
        '<table><tbody><tr><td colspan="7" rowspan="500">x</td></tr></tbody></table>')
    assert clean_marked('<a href="https://example.org/">x</a>') == (
        '<a href="https://example.org/">x</a>')
