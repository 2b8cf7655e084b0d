"""The sanitiser's allow-lists and SVG cleaning, entry by entry (found by ``make mutate``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from ketapub.sanitize import (
    Removal,
    SvgError,
    audit,
    clean_output,
    clean_raw,
    clean_svg,
    css_is_local,
    drop_element,
    url_is_safe,
)

# Every element an author may write as raw HTML, each in a context where HTML parsing keeps it.
RAW_DOC = (
    '<div><p><a href="https://example.org/">a</a> <abbr title="t">abbr</abbr> <b>b</b> '
    "<bdi>bdi</bdi> <bdo dir=\"rtl\">bdo</bdo> <br> <cite>cite</cite> <code>code</code> "
    "<del>del</del> <dfn>dfn</dfn> <em>em</em> <i>i</i> <ins>ins</ins> <kbd>kbd</kbd> "
    '<mark>mark</mark> <q cite="https://example.org/">q</q> <ruby>r<rp>(</rp><rt>rt</rt>'
    "<rp>)</rp></ruby> <s>s</s> <samp>samp</samp> <small>small</small> <span>span</span> "
    "<strong>strong</strong> <sub>sub</sub> <sup>sup</sup> "
    '<time datetime="2025-01-01">time</time> <u>u</u> <var>var</var> a<wbr>b</p>'
    "<blockquote>bq</blockquote><details><summary>sum</summary>det</details>"
    "<dl><dt>dt</dt><dd>dd</dd></dl><figure>fig<figcaption>cap</figcaption></figure>"
    "<h2>h2</h2><h3>h3</h3><h4>h4</h4><h5>h5</h5><h6>h6</h6><hr>"
    '<ol start="3" reversed type="a"><li>li</li></ol><ul><li>ul</li></ul><pre>pre</pre>'
    '<table><caption>cap</caption><thead><tr><th colspan="1" rowspan="2" scope="col">th</th>'
    '</tr></thead><tbody><tr><td colspan="2" rowspan="3">td</td></tr></tbody>'
    "<tfoot><tr><td>tf</td></tr></tfoot></table></div>"
)
RAW_TAGS = ["a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "dd",
            "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h2", "h3",
            "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp",
            "rt", "ruby", "s", "samp", "small", "span", "strong", "sub", "summary", "sup",
            "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr"]
RAW_ATTRS = ['href="https://example.org/"', 'title="t"', 'start="3"', "reversed", 'type="a"',
             'colspan="1"', 'rowspan="2"', 'colspan="2"', 'rowspan="3"', 'scope="col"',
             'datetime="2025-01-01"',
             'cite="https://example.org/"', 'dir="rtl"']
DROPPED_WITH_CONTENT = ["script", "style", "svg", "math", "iframe", "noscript", "template",
                        "object", "applet", "textarea", "select"]


@pytest.mark.parametrize("cleaner", [clean_raw, clean_output])
def test_every_raw_element_and_attribute_is_kept(cleaner: object) -> None:
    out = cleaner(RAW_DOC)  # type: ignore[operator]
    missing = [t for t in RAW_TAGS if f"<{t}>" not in out and f"<{t} " not in out]
    assert missing == []
    assert [a for a in RAW_ATTRS if a not in out] == []


def test_raw_html_from_the_allow_list_is_not_reported() -> None:
    assert audit(RAW_DOC) == []


@pytest.mark.parametrize("attr", ["lang", "dir", "title"])
def test_generic_attributes_are_allowed_on_any_raw_element(attr: str) -> None:
    html = f'<p {attr}="x">t</p>'
    assert clean_raw(html) == html
    assert audit(html) == []


def test_output_keeps_what_the_markdown_renderer_emits() -> None:
    html = ('<section id="s" class="c" role="note" aria-label="l" aria-labelledby="s" '
            'aria-describedby="s"><h1>t</h1><nav>n</nav><aside>a</aside>'
            '<img src="https://example.org/i.png" alt="i" width="1" height="2">'
            '<table><tbody><tr><th style="text-align:right">h</th>'
            '<td style="text-align:center">d</td></tr></tbody></table></section>')
    assert clean_output(html) == html


def test_output_drops_what_raw_html_may_not_carry() -> None:
    assert clean_raw('<section id="s" class="c"><img src="https://example.org/i.png"></section>'
                     ) == ""
    assert clean_output('<td style="color: red">x</td>') == "x"


@pytest.mark.parametrize("tag", DROPPED_WITH_CONTENT)
@pytest.mark.parametrize("cleaner", [clean_raw, clean_output])
def test_code_and_foreign_documents_go_with_their_content(tag: str, cleaner: object) -> None:
    out = cleaner(f"<p>a<{tag}>SECRET</{tag}>b</p>")  # type: ignore[operator]
    assert "SECRET" not in out
    assert out.startswith("<p>a")


@pytest.mark.parametrize("cleaner", [clean_raw, clean_output])
def test_comments_are_stripped(cleaner: object) -> None:
    assert cleaner("<p>a<!-- note -->b</p>") == "<p>ab</p>"  # type: ignore[operator]


@pytest.mark.parametrize(("attr", "html"), [
    ("href", '<a href="//evil.example/x">x</a>'),
    ("cite", '<q cite="\\\\evil.example\\x">x</q>'),
])
def test_protocol_relative_urls_are_dropped(attr: str, html: str) -> None:
    assert f"{attr}=" not in clean_raw(html)
    assert f"{attr}=" not in clean_output(html)


def test_a_protocol_relative_image_is_dropped_from_output() -> None:
    assert clean_output('<img src="/\\evil.example/x.png" alt="a">') == '<img alt="a">'


@pytest.mark.parametrize(("url", "safe"), [
    ("page.html", True), ("#a", True), ("/a/b", True), ("HTTP://example.org", True),
    ("https://example.org", True), ("mailto:a@example.org", True), ("tel:+1", True),
    ("//evil.example", False), (" //evil.example", False), ("\t/\\evil.example", False),
    ("\\\\evil.example", False), ("/\\evil.example", False),
    ("\\/evil.example", False), ("java\nscript:alert(1)", False), ("ftp://x", False),
    (" javascript:x", False), ("data:text/html,x", False),
])
def test_url_is_safe(url: str, safe: bool) -> None:
    assert url_is_safe(url) is safe


def test_audit_reports_each_removal_with_its_line_and_column() -> None:
    raw = ('<p>ok</p>\n  <x-el a="1">\n<a href="java\tscript:x" class="c">t</a>'
           '<br class="z"/><?php x ?><![CDATA[x]]>')
    assert audit(raw) == [
        Removal("<x-el> element", 2, 1),
        Removal("javascript: URL in <a href>", 0, 2),
        Removal("attribute 'class' on <a>", 0, 2),
        Removal("attribute 'class' on <br>", 39, 2),
        Removal("processing instruction", 54, 2),
        Removal("markup declaration", 64, 2),
    ]


def test_audit_accepts_a_safe_url_and_a_bare_href() -> None:
    assert audit('<a href="https://example.org/">x</a><a href>y</a>') == []


def test_audit_reports_an_unsafe_cite() -> None:
    assert audit('<q cite="javascript:x">q</q>') == [Removal("javascript: URL in <q cite>", 0)]


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'


def svg(body: str) -> bytes:
    return SVG + b"\n" + body.encode() + b"\n</svg>"


def _png_1x1() -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (1, 1)).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def test_a_clean_svg_passes_unchanged_but_for_the_declaration() -> None:
    data = svg('<defs><linearGradient id="g"/></defs><rect fill="url(#g)"/>'
               f'<use href="#g"/><image href="data:image/png;base64,{_png_1x1()}"/>'
               '<style>rect { fill: url(#g) }</style>')  # no animation: static drawing only
    cleaned, removed = clean_svg(b'<?xml version="1.0"?>\n' + data)
    assert removed == []
    assert cleaned == data + b"\n"


@pytest.mark.parametrize("tag", ["script", "foreignObject", "iframe", "object", "embed",
                                 "handler", "listener", "audio", "video", "canvas"])
def test_elements_that_run_or_embed_are_dropped_keeping_the_tail(tag: str) -> None:
    cleaned, removed = clean_svg(svg(f"<g>a<{tag}>x</{tag}>tail</g>"))
    assert removed == [(2, f"<{tag}> element")]
    assert b"<g>atail</g>" in cleaned


@pytest.mark.parametrize("tag", ["animate", "set", "animateMotion", "animateTransform",
                                 "animateColor"])
def test_animations_of_links_are_dropped(tag: str) -> None:
    cleaned, removed = clean_svg(svg(f'<a><{tag} attributeName="xlink:href" to="x"/></a>'))
    assert removed == [(2, f"<{tag}> element")]
    assert tag.encode() not in cleaned


def test_a_dropped_element_s_children_are_not_reported_again() -> None:
    _, removed = clean_svg(svg("<foreignObject><script>x</script><iframe/></foreignObject>"))
    assert removed == [(2, "<foreignObject> element")]


def test_style_with_external_references_is_dropped() -> None:
    cleaned, removed = clean_svg(svg("<style>@import url(x.css);</style><rect/>"))
    assert removed == [(2, "<style> element with external references")]
    assert b"import" not in cleaned
    _, removed = clean_svg(svg("<style/>"))
    assert removed == []


def test_attributes_that_run_or_reach_out_are_removed() -> None:
    cleaned, removed = clean_svg(svg(
        '<rect onload="x()" ONclick="y()"/>\n<use href=" https://example.org/x.svg#a"/>\n'
        '<use xlink:href="file:///etc/passwd"/>\n<rect fill="URL(https://example.org/x)"/>'))
    assert removed == [
        (2, "attribute 'onload' on <rect>"), (2, "attribute 'ONclick' on <rect>"),
        (3, "external reference 'https://example.org/x.svg#a' in <use>"),
        (4, "external reference 'file:///etc/passwd' in <use>"),
        (5, "external url() in attribute 'fill' on <rect>"),
    ]
    assert b"http" not in cleaned.replace(b"http://www.w3.org", b"")
    assert b"onload" not in cleaned and b"ONclick" not in cleaned


def test_an_external_reference_is_quoted_to_60_characters() -> None:
    url = "https://example.org/" + "x" * 80
    _, removed = clean_svg(svg(f'<use href="{url}"/>'))
    assert removed == [(2, f"external reference {url[:60]!r} in <use>")]


def test_processing_instructions_are_removed_inside_and_reported_before() -> None:
    data = b'<?xml version="1.0"?>\n<?xml-stylesheet href="x.css"?>\n' + svg(
        '<g>a<?php x ?>tail</g>')
    cleaned, removed = clean_svg(data)
    # each kind is reported once per file (an editor's file repeats them hundreds of times)
    assert removed == [(4, "processing instruction")]
    assert b"<?php" not in cleaned and b"<g>atail</g>" in cleaned


def test_entities_are_refused_on_their_line() -> None:
    for decl in (b"<!ENTITY", b"<!entity"):
        with pytest.raises(SvgError) as info:
            clean_svg(b'<?xml version="1.0"?>\n\n<!DOCTYPE svg [' + decl + b' x "y">]>' + SVG
                      + b"</svg>")
        assert info.value.line == 3
        assert str(info.value).startswith("SVG with entity declarations is refused")


def test_a_malformed_svg_and_a_wrong_root_are_refused() -> None:
    with pytest.raises(SvgError, match=r"^not a well-formed SVG: ") as info:
        clean_svg(b"<svg>\n\n<g></svg>")
    assert info.value.line == 3
    with pytest.raises(SvgError, match=r"^the root element is <html> in namespace none, "
                       r"not <svg xmlns=\"http://www.w3.org/2000/svg\">$") as info:
        clean_svg(b"\n<html/>")
    assert info.value.line == 2


@pytest.mark.parametrize(("css", "local"), [
    ("fill: url(#a)", True), ("fill: url( '#a' )", True), ("", True),
    ("@import 'x.css'", False), ("@im\tport 'x.css'", False), ("width: expression(x)", False),
    ("fill: url(\\68ttp://x)", False), ("fill: url(https://x)", False),
    ("a { fill: url(#a) } b { fill: url(http://x) }", False),
])
def testcss_is_local(css: str, local: bool) -> None:
    assert css_is_local(css) is local


def test_drop_element_keeps_the_tail_after_the_previous_sibling_or_in_the_parent() -> None:
    root = etree.fromstring("<r>t<a/>a-tail<b/>b-tail<c/></r>")
    drop_element(root[1])
    assert etree.tostring(root) == b"<r>t<a/>a-tailb-tail<c/></r>"
    drop_element(root[0])
    assert etree.tostring(root) == b"<r>ta-tailb-tail<c/></r>"
    bare = etree.fromstring("<r><a/>tail</r>")
    drop_element(bare[0])
    assert etree.tostring(bare) == b"<r>tail</r>"
    drop_element(root)  # the root has no parent: nothing to do
    assert etree.tostring(root) == b"<r>ta-tailb-tail<c/></r>"


def test_an_escaped_import_in_css_is_not_local() -> None:
    assert css_is_local("@\\69mport 'x.css'") is False


def test_an_external_dtd_is_refused_unread(tmp_path: Path) -> None:
    (tmp_path / "x.dtd").write_text('<!ENTITY secret "TOP-SECRET">\n', "utf-8")
    doctype = f'<!DOCTYPE svg SYSTEM "{(tmp_path / "x.dtd").as_uri()}">'.encode()
    with pytest.raises(SvgError, match=r"DOCTYPE") as info:
        clean_svg(doctype + SVG + b"<text>&secret;</text></svg>")
    assert "TOP-SECRET" not in str(info.value)


def test_comments_are_removed_from_svg() -> None:
    cleaned, removed = clean_svg(svg("<!-- note --><rect/>"))
    assert b"note" not in cleaned and removed == []


def test_a_pathologically_deep_svg_is_refused() -> None:
    with pytest.raises(SvgError, match=r"^not a well-formed SVG: .*depth"):
        clean_svg(svg("<g>" * 300 + "</g>" * 300))


def test_cleaning_goes_on_after_each_removal() -> None:
    cleaned, removed = clean_svg(svg(
        '<foreignObject><script/></foreignObject><rect onload="a()"/>\n'
        '<g><?php x ?></g><rect onload="b()"/>\n'
        '<script/><rect onload="c()"/>\n'
        '<style>@import url(x.css);<g onload="d()"/></style><rect onload="e()"/>\n'
        '<rect fill="red" onload="f()"/>'))
    assert removed == [  # each kind once per file, where it is first met
        (2, "<foreignObject> element"), (2, "attribute 'onload' on <rect>"),
        (3, "processing instruction"), (4, "<script> element"),
        (5, "<style> element with external references"),
    ]
    assert b"onload" not in cleaned and b"<rect" in cleaned and cleaned.count(b"<rect") == 5


def test_drop_element_moves_the_tail_to_a_previous_sibling_without_one() -> None:
    root = etree.fromstring("<r><a/><b/>b-tail</r>")
    drop_element(root[1])
    assert etree.tostring(root) == b"<r><a/>b-tail</r>"


@pytest.mark.parametrize("url", ["https:example.org", "http:example.org/x", "HTTPS:/example.org",
                                 "https:\\\\example.org"])
def test_a_web_url_without_two_slashes_is_unsafe(url: str) -> None:
    assert url_is_safe(url) is False
    assert clean_raw(f'<a href="{url}">x</a>') == "<a>x</a>"


@pytest.mark.parametrize("url", ["https://example.org", "HTTP://example.org/x", "mailto:a@b.c",
                                 "tel:+1234"])
def test_web_mail_and_phone_urls_are_safe(url: str) -> None:
    assert url_is_safe(url) is True


def test_audit_names_a_malformed_web_url() -> None:
    assert audit('<a href="https:example.org">x</a>') == [
        Removal("malformed https: URL (no '//' after 'https:') in <a href>", 0)]


def test_a_span_with_leading_zeros_is_read_as_its_number() -> None:
    assert clean_raw('<table><tr><td colspan="000000007">x</td></tr></table>') == (
        '<table><tbody><tr><td colspan="7">x</td></tr></tbody></table>')


def test_audit_sees_an_element_nested_deeper_than_libxml2_s_default_limit() -> None:
    raw = "<div>" * 300 + "<font>x</font>"
    assert audit(raw) == [Removal("<font> element", 1500)]


def test_audit_skips_everything_inside_a_dropped_element_and_goes_on_after_it() -> None:
    raw = '<svg><g><circle onclick="x"></circle></g></svg><font>f</font>'
    assert audit(raw) == [Removal("<svg> element", 0), Removal("<font> element", 47)]


def test_audit_places_each_repeated_tag_at_its_own_column() -> None:
    assert audit("<p><font>a</font> <font>b</font></p>") == [
        Removal("<font> element", 3), Removal("<font> element", 18)]
    assert audit('<b>x</b><b onclick="y">z</b>') == [Removal("attribute 'onclick' on <b>", 8)]


def test_audit_places_instructions_and_declarations_on_later_lines() -> None:
    assert audit("a\n  <?php x ?>") == [Removal("processing instruction", 2, 1)]
    assert audit("x\n ab<!foo>") == [Removal("markup declaration", 3, 1)]


def test_audit_places_an_attribute_on_the_line_the_tag_ends_at_its_start() -> None:
    # libxml2 gives the element the line its tag ends on, where no "<b" is: column 0 there,
    # which is where the attribute starts
    assert audit('<b\nonclick="x">y</b>') == [Removal("attribute 'onclick' on <b>", 0, 1)]


def test_audit_places_repeated_tags_on_a_later_line_at_their_own_columns() -> None:
    assert audit("x\n<font>a</font><font>b</font>") == [
        Removal("<font> element", 0, 1), Removal("<font> element", 14, 1)]


def test_audit_places_an_instruction_after_a_leading_newline() -> None:
    assert audit("\n<?php x ?>") == [Removal("processing instruction", 0, 1)]
    assert audit("\n<!x>") == [Removal("markup declaration", 0, 1)]


def test_audit_places_a_tag_right_after_one_that_spans_two_lines() -> None:
    # the first <b> ends on line 1, where the only "<b" is the second one's
    assert audit('<b\n>x</b><b onclick="y">z</b>') == [
        Removal("attribute 'onclick' on <b>", 6, 1)]


@pytest.mark.parametrize(("value", "span"), [
    ("0000000007", "7"), ("000000000000000000000000012", "12"), ("0000000000051", "50"),
    ("²", "1"), ("٣", "1"), ("X7", "1"), ("0", "1"), ("000", "1"), ("", "1")])
def test_a_span_is_read_from_ascii_digits_and_leading_zeros_do_not_count(
        value: str, span: str) -> None:
    """As a browser reads it: ``0000000007`` is 7; ``²`` and ``٣`` (digits to ``isdigit``,
    not to ``int``) are no number, reported and set to 1, never an error in the build."""
    html = f'<table><tr><td colspan="{value}">x</td></tr></table>'
    assert clean_raw(html) == (
        f'<table><tbody><tr><td colspan="{span}">x</td></tr></tbody></table>')
    reported = [r.what for r in audit(html)]
    assert reported == ([] if value == span else
                        [f"colspan={value[:12]!r} on <td> set to {span} (spans are 1 to 50)"])
