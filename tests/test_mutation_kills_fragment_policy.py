"""The fragment policy, rule by rule: each case is one a mutant of the policy let through."""

from __future__ import annotations

import pytest

from ketapub.fragment_policy import absolute_links, fragment_problems

# The elements a fragment may never carry (the policy's contract, spelled out here on purpose).
FORBIDDEN = ["script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
             "form", "input", "button", "select", "textarea", "meta", "base", "link", "svg",
             "math", "noscript", "template", "portal", "html", "head", "body", "title"]
URL_ATTRS = ["href", "src", "srcset", "action", "formaction", "poster", "cite", "data",
             "xlink:href", "background", "ping", "manifest"]
VOID = ["img", "br", "hr", "wbr", "source", "col"]
TWO_ROOTS = "expected one root <div>, found ['div', 'p']"


def test_an_inert_fragment_has_no_problems() -> None:
    html = ('<div id="a"><p>Text &amp; more <a href="https://example.org/x">link</a> '
            '<a href="#a">here</a> <a href="mailto:a@example.org">mail</a> '
            '<a href="tel:+15550100">call</a><img src="HTTPS://example.org/i.png"><br>'
            '<span/></p><script type="application/ld+json">{}</script></div>')
    assert fragment_problems(html, "div") == []


@pytest.mark.parametrize("tag", FORBIDDEN)
def test_every_forbidden_element_is_reported(tag: str) -> None:
    assert fragment_problems(f"<div><{tag}></{tag}></div>", "div") == [f"<{tag}> element"]


def test_only_json_ld_makes_a_script_acceptable() -> None:
    assert fragment_problems('<div><script type="text/javascript"></script></div>', "div") \
        == ["<script> element"]
    assert fragment_problems('<div><span type="application/ld+json"></span></div>', "div") == []


@pytest.mark.parametrize("attr", URL_ATTRS)
def test_every_url_attribute_must_be_an_absolute_http_url(attr: str) -> None:
    html = f'<div><span {attr}="javascript:alert(1)"></span></div>'
    assert fragment_problems(html, "div") == [
        f"{attr}='javascript:alert(1)' is not an absolute http(s) URL on <span>"]


@pytest.mark.parametrize(("attr", "value", "problem"), [
    ("href", "#", "href='#' is not an absolute http(s) URL"),
    ("src", "#a", "src='#a' is not an absolute http(s) URL"),
    ("src", "mailto:a@example.org", "src='mailto:a@example.org' is not an absolute http(s) URL"),
    ("src", "tel:1", "src='tel:1' is not an absolute http(s) URL"),
    ("href", "https:/example.org", "malformed URL 'https:/example.org'"),
    ("href", "page.html", "href='page.html' is not an absolute http(s) URL"),
    ("href", "java\tscript:x", "href='java\\tscript:x' is not an absolute http(s) URL"),
    ("href", " data:text/html,x", "href=' data:text/html,x' is not an absolute http(s) URL"),
])
def test_url_rules(attr: str, value: str, problem: str) -> None:
    assert fragment_problems(f'<div><a {attr}="{value}">x</a></div>', "div") == [
        f"{problem} on <a>"]


def test_control_characters_are_ignored_when_reading_a_scheme() -> None:
    assert fragment_problems('<div><a href="ht\ttps://example.org/">x</a></div>', "div") == []


def test_an_empty_url_attribute_is_reported() -> None:
    assert fragment_problems("<div><img src></div>", "div") == [
        "src='' is not an absolute http(s) URL on <img>"]


@pytest.mark.parametrize("attr", ["onclick", "onload", "onmouseover"])
def test_event_handlers_are_reported(attr: str) -> None:
    assert fragment_problems(f'<div><b {attr}="x()">b</b></div>', "div") == [
        f"event handler {attr!r} on <b>"]


@pytest.mark.parametrize("attr", ["style", "srcdoc"])
def test_style_and_srcdoc_attributes_are_reported(attr: str) -> None:
    assert fragment_problems(f'<div><b {attr}="x">b</b></div>', "div") == [
        f"attribute {attr!r} on <b>"]


def test_duplicate_ids_are_reported_once_per_repeat_and_a_bare_id_is_not_an_id() -> None:
    html = '<div id="a"><p id="b"></p><p id="a"></p><p id></p><p id></p></div>'
    assert fragment_problems(html, "div") == ["duplicate id 'a'"]


@pytest.mark.parametrize("tag", VOID)
def test_void_elements_do_not_nest(tag: str) -> None:
    assert fragment_problems(f"<div><{tag}></div><p></p>", "div") == [TWO_ROOTS]
    assert fragment_problems(f"<div><{tag}/></div><p></p>", "div") == [TWO_ROOTS]
    assert fragment_problems(f"<div><{tag}></{tag}></div><p></p>", "div") == [TWO_ROOTS]


def test_a_self_closed_element_is_closed() -> None:
    assert fragment_problems("<div><span/></div><p></p>", "div") == [TWO_ROOTS]


def test_a_self_closed_forbidden_element_is_reported() -> None:
    assert fragment_problems("<div><embed/></div>", "div") == ["<embed> element"]


def test_the_root_is_checked() -> None:
    assert fragment_problems("<div></div><p></p>", "div") == [TWO_ROOTS]
    assert fragment_problems("<p></p>", "div") == ["expected one root <div>, found ['p']"]
    assert fragment_problems("", "div") == ["expected one root <div>, found []"]


def test_text_outside_the_root_is_reported_also_at_the_very_end() -> None:
    assert fragment_problems("<div></div> tail ", "div") == [
        "text outside the root element: 'tail'"]
    assert fragment_problems("&amp;<div></div>", "div") == [
        "text outside the root element: '&'"]
    assert fragment_problems("<div>inside</div>\n", "div") == []
    # a trailing "&b" could start a character reference: the parser holds it until close()
    assert fragment_problems("<div></div>a &b", "div") == [
        "text outside the root element: 'a &b'"]


def test_plain_http_urls_are_accepted() -> None:
    assert fragment_problems('<div><a href="http://example.org:8080/x">x</a></div>', "div") == []


def test_a_doctype_is_reported() -> None:
    assert fragment_problems("<!DOCTYPE html><div></div>", "div") == [
        "document type declaration"]


BASE = "https://site.example/a/"


def test_a_template_s_relative_links_and_images_are_resolved_against_the_item() -> None:
    """A feed reader shows the item away from the site: a relative link must still lead there;
    the text before, between and after the elements stays where it was."""
    html = 'lead <a href="x">l</a> mid <img src="../i.png"> tail <a href="#f">f</a>'
    assert absolute_links(html, BASE) == (
        'lead <a href="https://site.example/a/x">l</a> mid '
        '<img src="https://site.example/i.png"> tail <a href="https://site.example/a/#f">f</a>')


def test_absolute_links_adds_nothing_around_the_elements() -> None:
    assert absolute_links('<p>a</p><p>b</p>', BASE) == "<p>a</p><p>b</p>"


def test_a_link_that_cannot_be_resolved_is_dropped() -> None:
    assert absolute_links('<a href="http://[bad">b</a>', BASE) == "<a>b</a>"


@pytest.mark.parametrize("html", ["", "  \n"])
def test_an_empty_template_output_is_returned_as_it_is(html: str) -> None:
    assert absolute_links(html, BASE) == html
