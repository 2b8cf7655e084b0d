"""HTML fragments for partner sites: structure, schedule, links, structured data, scoped CSS,
safety against hostile content, and validity (the Nu HTML Checker, once per module)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import html5lib
import pytest
import tinycss2

import ketapub
from ketapub import sanitize
from tests.conftest import CONTENT_AS_OF, SINK_AS_OF
from tests.tools import NODE_MODULES, java

FRAGMENT_PATHS = ("html/everything.html", "html/second-part.html")
FORBIDDEN = {"script", "style", "iframe", "frame", "object", "embed", "form", "input", "button",
             "select", "textarea", "meta", "base", "link", "svg", "math", "noscript", "template"}
URL_ATTRS = {"href", "src", "srcset", "action", "formaction", "poster", "cite", "data",
             "xlink:href", "background"}


# --- helpers ----------------------------------------------------------------------------


def parse_fragment(text: str):
    """Strict HTML5 parse (raises on any parse error) of a fragment, as a browser would."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parseFragment(text)


def parse_document(text: str):
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)


def elements(root):
    return [e for e in root.iter() if isinstance(e.tag, str) and e.tag != "DOCUMENT_FRAGMENT"]


def text_of(root) -> str:
    return "".join(root.itertext())


def scheme(url: str) -> str:
    squeezed = re.sub(r"[\x00-\x20\x7f]+", "", url)
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", squeezed)
    return m.group(1).lower() if m else ""


def unsafe_things(root, *, absolute: bool) -> list[str]:
    """Everything a partner page must never receive from us, found by a browser-grade parse."""
    found = []
    for el in elements(root):
        if el.tag == "script":
            if el.get("type") != "application/ld+json":
                found.append("script element")
        elif el.tag in FORBIDDEN:
            found.append(f"<{el.tag}>")
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{name} on <{el.tag}>")
            if name.lower() in ("style", "srcdoc"):
                found.append(f"{name} on <{el.tag}>")
            if name.lower() in URL_ATTRS:
                s = scheme(value)
                if s in ("javascript", "data", "file", "vbscript"):
                    found.append(f"{s}: URL")
                elif absolute and not (s in ("http", "https", "mailto", "tel")
                                       or (name == "href" and value.startswith("#"))):
                    found.append(f"relative URL {value!r}")
    return found


@pytest.fixture(scope="module")
def sink_html(sink_series) -> dict[str, bytes]:
    return ketapub.render(sink_series, "html", as_of=SINK_AS_OF)


@pytest.fixture(scope="module")
def content_html(content_series) -> dict[str, bytes]:
    return ketapub.render(content_series, "html", as_of=CONTENT_AS_OF)


def fragments_of(out: dict[str, bytes]) -> dict[str, str]:
    """Every embeddable fragment (parts, cards, hub), not the preview page or CSS."""
    return {p: d.decode() for p, d in out.items()
            if p.endswith(".html") and p != "html/index.html"}


# --- plan and schedule -----------------------------------------------------------------


def test_plan_makes_fragments_for_released_parts_cards_for_every_part(sink_html):
    assert set(sink_html) == {
        "html/everything.html", "html/second-part.html", "html/hub.html",
        "html/cards/everything.html", "html/cards/second-part.html",
        "html/cards/future-part.html", "html/ketapub.css", "html/index.html",
        "html/fragments.json", "html/assets/diagram.svg",
        "assets/diagram.svg"}  # where fragments point: base_url + the asset's path


def test_jobs_declare_the_parts_they_show_for_incremental_builds(sink_series):
    from ketapub.render.base import RenderContext
    from ketapub.renderers.html import HtmlRenderer

    ctx = RenderContext(series=sink_series, as_of=ketapub.resolve_as_of(SINK_AS_OF,
                                                                        sink_series.tz))
    parts = {j.path: j.parts for j in HtmlRenderer().plan(sink_series, ctx)}
    assert parts["html/everything.html"] == (1,)
    assert parts["html/cards/future-part.html"] == (3,)
    assert parts["html/ketapub.css"] == () and parts["html/assets/diagram.svg"] == ()
    assert parts["html/hub.html"] is None and parts["html/index.html"] is None


def test_unreleased_text_appears_in_no_output(sink_html, content_html):
    for data in sink_html.values():
        assert b"SECRET-UNRELEASED-TEXT" not in data
    unreleased_heading = b"Section {#section}"
    assert all(unreleased_heading not in d for d in sink_html.values())
    # The example series: parts 5-6 are scheduled, so no fragment for them.
    assert "html/05-chronic-pain.html" not in content_html
    assert not any(p.startswith("html/chronic-pain") for p in content_html)


def test_unreleased_card_shows_title_summary_and_date_without_link(sink_html):
    root = parse_fragment(sink_html["html/cards/future-part.html"].decode())
    card = elements(root)[0]
    assert card.tag == "article" and "ketapub-scheduled" in card.get("class")
    text = " ".join(text_of(root).split())
    assert "Future part" in text and "Not released until 2030." in text
    assert "Available 1 Jan 2030" in text and "Part 3 of 3" in text
    # no link to the part: only the attribution's links to the series and the licence
    links = [e.get("href") for e in elements(root) if e.tag == "a"]
    assert links == ["https://example.org/sink/", "https://creativecommons.org/licenses/by/4.0/"]


def test_released_card_links_to_the_part_page(sink_html):
    root = parse_fragment(sink_html["html/cards/everything.html"].decode())
    links = [e.get("href") for e in elements(root) if e.tag == "a"]
    # the title, then the attribution: the original, the series, the licence
    assert links == ["https://example.org/sink/everything/", "https://example.org/sink/everything/",
                     "https://example.org/sink/", "https://creativecommons.org/licenses/by/4.0/"]
    assert "Part 1 of 3" in text_of(root)


def test_hub_lists_every_part_linking_only_released_ones(content_html, content_series):
    root = parse_fragment(content_html["html/hub.html"].decode())
    nav = elements(root)[0]
    assert nav.tag == "nav" and "ketapub" in nav.get("class").split()
    entries = [e for e in elements(root) if e.tag == "li"]
    assert len(entries) == len(content_series.parts) == 6
    for part, li in zip(content_series.parts, entries, strict=True):
        text = " ".join(text_of(li).split())
        assert part.title in text and part.summary in text
        hrefs = [e.get("href") for e in elements(li) if e.tag == "a"]
        if part.part <= 4:
            assert hrefs == [content_series.part_url(part)]
            assert "Available" not in text
        else:
            assert hrefs == [] and "Available" in text
    assert "Available Sep 15, 2025" in text_of(entries[5])


def test_hub_changes_when_a_part_is_released(content_series):
    later = ketapub.render(content_series, "html", as_of="2025-09-16T00:00:00-04:00")
    assert "html/patient-experience.html" in later
    root = parse_fragment(later["html/hub.html"].decode())
    assert "Available" not in text_of(root)


def test_fragments_json_indexes_every_part_with_status_and_release(sink_html):
    index = json.loads(sink_html["html/fragments.json"])
    items = {i["slug"]: i for i in index["fragments"]}
    assert [i["part"] for i in index["fragments"]] == [1, 2, 3]
    assert items["everything"]["status"] == "released"
    assert items["everything"]["fragment"] == "everything.html"
    assert f"html/{items['everything']['card']}" in sink_html
    assert items["everything"]["url"] == "https://example.org/sink/everything/"
    assert items["future-part"]["status"] == "scheduled"
    assert items["future-part"]["fragment"] is None
    assert items["future-part"]["release"] == "2030-01-01T09:00:00+00:00"
    assert items["future-part"]["available"] == "Available 1 Jan 2030"
    assert index["next_release"] == "2030-01-01T09:00:00+00:00"
    for item in index["fragments"]:
        if item["fragment"]:
            assert f"html/{item['fragment']}" in sink_html


# --- fragment structure ------------------------------------------------------------------


def test_part_fragment_is_one_article_with_lang_and_no_document_shell(sink_html):
    text = sink_html["html/everything.html"].decode()
    root = parse_fragment(text)
    top = [c for c in root if isinstance(c.tag, str)]
    assert len(top) == 1 and top[0].tag == "article"
    assert (root.text or "").strip() == "" and (top[0].tail or "").strip() == ""
    assert top[0].get("lang") == "en-GB"
    assert "ketapub" in top[0].get("class").split()
    assert not re.search(r"<!doctype|<(html|head|body)[\s>]", text, re.IGNORECASE)


def test_heading_levels_start_at_h2_by_default_and_follow_the_option(sink_series):
    def levels(out):
        root = parse_fragment(out["html/everything.html"].decode())
        return [int(e.tag[1]) for e in elements(root) if re.fullmatch(r"h[1-6]", e.tag)]

    default = levels(ketapub.render(sink_series, "html", as_of=SINK_AS_OF,
                                    path="html/everything.html"))
    assert default[0] == 2 and min(default) == 2 and 3 in default
    deeper = levels(ketapub.render(sink_series, "html", as_of=SINK_AS_OF, heading_level=3,
                                   path="html/everything.html"))
    assert deeper[0] == 3 and min(deeper) == 3
    assert deeper == [min(6, n + 1) for n in default]


def test_ids_are_prefixed_so_fragments_never_clash(sink_html):
    seen: dict[str, str] = {}
    for path in ("html/everything.html", "html/second-part.html", "html/hub.html",
                 "html/cards/everything.html", "html/cards/second-part.html"):
        root = parse_fragment(sink_html[path].decode())
        slug = path.rsplit("/", 1)[1].removesuffix(".html")
        for el in elements(root):
            if el.get("id"):
                assert el.get("id") not in seen, (el.get("id"), path, seen.get(el.get("id")))
                seen[el.get("id")] = path
                if path in FRAGMENT_PATHS:
                    assert slug in el.get("id")
    # footnotes and references carry the prefix too
    assert "ketapub-everything.fn.1" in seen and "ketapub-everything.fnref.1" in seen
    assert "ketapub-everything.ref.knuth1984" in seen and "ketapub-everything.dosing" in seen
    # and everything is namespaced away from a host page's own ids
    assert all(i.startswith("ketapub-") for i in seen)


def test_in_page_links_point_at_ids_of_the_same_fragment(sink_html):
    checked = 0
    for path in FRAGMENT_PATHS:
        root = parse_fragment(sink_html[path].decode())
        ids = {e.get("id") for e in elements(root) if e.get("id")}
        local = [a.get("href")[1:] for a in elements(root)
                 if a.tag == "a" and a.get("href").startswith("#")]
        assert [i for i in local if i not in ids] == [], path
        checked += len(local)
    assert checked >= 4  # footnotes, their back links, citations, the part's own section link


def test_every_url_in_fragments_is_absolute_and_part_links_resolve_to_the_web(sink_html):
    for path, text in fragments_of(sink_html).items():
        root = parse_fragment(text)
        assert unsafe_things(root, absolute=True) == [], path
    root = parse_fragment(sink_html["html/everything.html"].decode())
    hrefs = [e.get("href") for e in elements(root) if e.tag == "a"]
    assert "https://example.org/sink/second-part/#details" in hrefs
    assert not any(h.startswith("part:") for h in hrefs)
    srcs = [e.get("src") for e in elements(root) if e.tag == "img"]
    assert srcs == ["https://example.org/sink/assets/diagram.svg"]
    text = " ".join(text_of(root).split())
    assert "unreleased part (Available 1 Jan 2030)" in text


def test_fragment_links_back_to_the_publisher_page(sink_html):
    root = parse_fragment(sink_html["html/everything.html"].decode())
    bookmark = [e for e in elements(root) if e.tag == "a" and e.get("rel") == "bookmark"]
    assert [a.get("href") for a in bookmark] == ["https://example.org/sink/everything/"]
    footer = next(e for e in elements(root) if e.tag == "footer")
    assert "Originally published by Sink & Sons Publishing" in text_of(footer)


def test_article_metadata_is_visible(sink_html):
    root = parse_fragment(sink_html["html/everything.html"].decode())
    text = " ".join(text_of(root).split())
    assert "Everything at once: tables, notes & ünïcode" in text
    assert "By Ada Lovelace" in text and "Edited by Grace Hopper" in text
    assert "Published 10 Jan 2025" in text and "Updated 12 Jan 2025" in text
    assert "Medically reviewed by Dr Part Reviewer on 9 Jan 2025" in text
    times = {e.get("datetime") for e in elements(root) if e.tag == "time"}
    assert "2025-01-10T00:00:00+00:00" in times
    # the series-level review applies where a part has none
    second = " ".join(text_of(parse_fragment(sink_html["html/second-part.html"].decode()))
                      .split())
    assert "Medically reviewed by Dr Test Reviewer, MD on 5 Jan 2025" in second
    assert "Educational only, not medical advice." in second


def test_every_fragment_shows_the_disclaimer(sink_html):
    """The contract: the disclaimer is shown on every fragment, the hub and cards too."""
    fragments = [p for p in sink_html if p.endswith(".html") and p != "html/index.html"]
    assert "html/hub.html" in fragments and "html/cards/future-part.html" in fragments
    for path in fragments:
        root = parse_fragment(sink_html[path].decode())
        notes = [e for e in elements(root) if e.get("class") == "ketapub-disclaimer"]
        assert len(notes) == 1 and notes[0].get("role") == "note", path
        assert "Educational only, not medical advice." in " ".join(text_of(notes[0]).split())


def test_reference_list_is_numbered_in_citation_order(sink_html):
    root = parse_fragment(sink_html["html/everything.html"].decode())
    refs = next(e for e in elements(root) if e.get("class") == "ketapub-references")
    items = [e for e in elements(refs) if e.tag == "li"]
    assert [e.get("id") for e in items] == ["ketapub-everything.ref.knuth1984",
                                            "ketapub-everything.ref.lamport1994"]
    assert "https://doi.org/10.1093/comjnl/27.2.97" in text_of(items[0])


def jsonld(text: str) -> dict:
    root = parse_fragment(text)
    scripts = [e for e in elements(root) if e.tag == "script"]
    assert len(scripts) == 1 and scripts[0].get("type") == "application/ld+json"
    return json.loads(scripts[0].text)


def test_faq_and_article_metadata_are_schema_org_json_ld(sink_html):
    data = jsonld(sink_html["html/everything.html"].decode())
    assert data["@context"] == "https://schema.org"
    by_type = {n["@type"]: n for n in data["@graph"]}
    faq = by_type["FAQPage"]
    assert [q["name"] for q in faq["mainEntity"]] == ["Is this a question?",
                                                      "Is there a second one?"]
    assert faq["mainEntity"][1]["acceptedAnswer"]["text"] == (
        "Yes. It has two paragraphs. This is the second paragraph.")
    article = by_type["Article"]
    assert article["headline"] == "Everything at once: tables, notes & ünïcode"
    assert article["datePublished"] == "2025-01-10T00:00:00+00:00"
    assert article["dateModified"] == "2025-01-12T10:30:00+00:00"
    assert article["publisher"]["name"] == "Sink & Sons Publishing"
    assert article["url"] == "https://example.org/sink/everything/"
    review = by_type["MedicalWebPage"]
    assert review["reviewedBy"]["name"] == "Dr Part Reviewer"
    assert review["lastReviewed"] == "2025-01-09"


def test_tables_need_no_inline_styles_and_have_no_empty_headers(sink_html, content_html):
    sink = parse_fragment(sink_html["html/everything.html"].decode())
    cells = [e for e in elements(sink) if e.tag in ("th", "td")]
    assert [c.get("class") for c in cells[:3]] == [
        "ketapub-align-left", "ketapub-align-center", "ketapub-align-right"]
    assert not [c for c in cells if c.get("style")]
    # Part 3 of the example has a comparison table with an empty corner cell
    spravato = parse_fragment(content_html["html/spravato-explained.html"].decode())
    headers = [e for e in elements(spravato) if e.tag == "th"]
    assert headers and all(text_of(h).strip() for h in headers)


def test_css_selectors_are_all_scoped_under_ketapub(sink_html):
    css = sink_html["html/ketapub.css"].decode()
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    selectors: list[str] = []
    media: list[str] = []
    normal: list[str] = []
    # one cascade layer holds it all (its !important declarations outrank the host's)
    (layer,) = rules
    assert layer.type == "at-rule" and layer.lower_at_keyword == "layer"
    assert tinycss2.serialize(layer.prelude).strip() == "ketapub"

    def walk(nodes) -> None:
        for node in nodes:
            assert node.type != "error", node
            if node.type == "at-rule":
                assert node.lower_at_keyword == "media", f"@{node.at_keyword} is global"
                media.append(tinycss2.serialize(node.prelude).strip())
                walk(tinycss2.parse_rule_list(node.content, skip_comments=True,
                                              skip_whitespace=True))
            elif node.type == "qualified-rule":
                selectors.extend(s.strip() for s in
                                 tinycss2.serialize(node.prelude).split(","))
                normal.extend(d.name for d in tinycss2.parse_declaration_list(
                    node.content, skip_comments=True, skip_whitespace=True)
                    if d.type == "declaration" and not d.important)

    walk(tinycss2.parse_rule_list(layer.content, skip_comments=True, skip_whitespace=True))
    assert len(selectors) > 50
    assert normal and all(name.startswith("--ketapub-") for name in normal), set(normal)
    for sel in selectors:
        first = re.split(r"[\s>+~]", sel, maxsplit=1)[0]
        assert re.fullmatch(r"(\.ketapub|:where\(\.ketapub\))(\.[a-z-]+)*(:[a-z-]+(\([^)]*\))?)*",
                            first), sel
        assert not re.search(r":root|(^|[\s>+~(])(html|body)(?![\w-])", sel), sel
    assert "(prefers-color-scheme: dark)" in media and "print" in media


def test_xss_corpus_in_a_hostile_source_comes_out_inert(sink_copy):
    part = sink_copy / "parts" / "02-second.md"
    hostile_title = 'Evil </script><script>alert("t")</script> {{ 7*7 }}'
    text = part.read_text().replace('title: "Second part"', "title: " + json.dumps(hostile_title))
    text = text.replace('summary: "The second part, released."',
                        'summary: "<img src=x onerror=alert(1)> sum"')
    payloads = "\n\n".join([
        '<script>alert("xss-script")</script>',
        '<p><img src="x" onerror="alert(\'xss-onerror\')"></p>',
        '<p><a href="jav&#x09;ascript:alert(\'xss-tab\')">tab link</a></p>',
        "[md tab](jav&#x09;ascript:alert(1)) and [md js](javascript:alert(2))",
        "A [relative link](../elsewhere/page.html?a=1&b=2) resolves on the publisher's site.",
        "<svg><script>alert('xss-svg')</script></svg>",
        '<svg onload="alert(3)"><circle r="1"/></svg>',
        '<iframe src="https://evil.example/frame"></iframe>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        "<style>.ketapub{background:url(https://evil.example/x.png)}</style>",
        '<div style="background:url(https://evil.example/y.png)">styled div</div>',
        '<form action="https://evil.example/"><input name="q"><button>Go</button></form>',
        '<p><a href="data:text/html;base64,PHNjcmlwdD4=">data link</a>'
        ' <a href="file:///etc/passwd">file link</a></p>',
        '<object data="https://evil.example/x.swf"></object><base href="https://evil.example/">',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(4)>",
        "Template: {{ 7*7 }} {% for x in range(3) %}loop{% endfor %} {{ config }}",
        "## Frequently asked questions\n\n### Close it </script><!-- ?\n\nAnswer </script> & <b>.",
    ])
    part.write_text(text + "\n\n" + payloads + "\n")
    series = ketapub.load(sink_copy)
    out = ketapub.render(series, "html", as_of=SINK_AS_OF)
    for path, body in fragments_of(out).items():
        root = parse_fragment(body)
        assert unsafe_things(root, absolute=True) == [], path
        assert "evil.example" not in body, path
    index = parse_document(out["html/index.html"].decode())
    body = index.find("body")
    assert unsafe_things(body, absolute=False) == []
    frag = out["html/second-part.html"].decode()
    root = parse_fragment(frag)
    text = text_of(root)
    assert "Template: {{ 7*7 }} {% for x in range(3) %}loop{% endfor %} {{ config }}" in text
    assert "looplooploop" not in text and "Evil 49" not in text and "Template: 49" not in text
    hrefs = [e.get("href") for e in elements(root) if e.tag == "a"]
    assert "https://example.org/sink/elsewhere/page.html?a=1&b=2" in hrefs
    shown = hostile_title.replace('"t"', "\u201ct\u201d")  # titles get typographic quotes
    assert shown in text  # shown as text, escaped
    data = jsonld(frag)  # content could not close the script element early
    by_type = {n["@type"]: n for n in data["@graph"]}
    assert by_type["Article"]["headline"] == shown
    assert by_type["FAQPage"]["mainEntity"][-1]["name"].startswith("Close it <!--")
    script_body = frag.split('<script type="application/ld+json">', 1)[1].split("</script>")[0]
    assert "<" not in script_body and ">" not in script_body
    assert [e.tag for e in elements(root)].count("script") == 1


def test_output_is_deterministic(sink_series, sink_html):
    again = ketapub.render(sink_series, "html", as_of=SINK_AS_OF)
    assert again == sink_html


def test_preview_page_uses_local_asset_copies(sink_series, sink_html):
    doc = parse_document(sink_html["html/index.html"].decode())
    srcs = {e.get("src") for e in elements(doc) if e.tag == "img"}
    assert srcs == {"assets/diagram.svg"}
    # the copy is the cleaned asset, byte for byte
    [asset] = [a for a in sink_series.assets if a.path == "assets/diagram.svg"]
    assert sink_html["html/assets/diagram.svg"] == sanitize.clean_svg(asset.data)[0]
    sheets = [e.get("href") for e in elements(doc) if e.tag == "link"
              and e.get("rel") == "stylesheet"]
    assert sheets == ["ketapub.css"]


def test_a_user_template_can_extend_the_built_in_fragment(tmp_path, sink_series):
    html_dir = tmp_path / "tpl" / "html"
    html_dir.mkdir(parents=True)
    (html_dir / "part.html").write_text(
        '{% extends "ketapub:html/part.html" %}{% block footer_extra %}'
        '<p class="partner-note">Shared with {{ series.publisher }}</p>{% endblock %}')
    out = ketapub.render(sink_series, "html", as_of=SINK_AS_OF, path="html/everything.html",
                         templates=(str(tmp_path / "tpl"),))
    root = parse_fragment(out["html/everything.html"].decode())
    note = [e for e in elements(root) if e.get("class") == "partner-note"]
    assert [text_of(n) for n in note] == ["Shared with Sink & Sons Publishing"]
    assert elements(root)[0].tag == "article"


def test_a_template_that_adds_script_is_refused(tmp_path, sink_series):
    html_dir = tmp_path / "tpl" / "html"
    html_dir.mkdir(parents=True)
    (html_dir / "card.html").write_text(
        '<article class="ketapub" lang="en"><p onclick="x()">{{ v.part.title }}</p></article>\n')
    with pytest.raises(ketapub.RenderError, match="event handler 'onclick'"):
        ketapub.render(sink_series, "html", as_of=SINK_AS_OF, path="html/cards/everything.html",
                       templates=(str(tmp_path / "tpl"),))


# --- validity: the Nu HTML Checker, one JVM run for every file ------------------------------


def test_nu_html_checker_finds_no_errors(tmp_path, sink_html, content_html, content_editions):
    """The fragments, cards, hub and preview of both example editions and the kitchen sink,
    and the Spanish embed pages."""
    vnu = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
    assert vnu.is_file(), "vnu-jar is missing; run `make test`, which installs it"
    made = ketapub.render(content_editions, "html,embed", as_of=CONTENT_AS_OF)
    spanish = {path.replace("/es/", "/", 1): data for path, data in made.items()
               if path.startswith("html/es/")}
    files: list[Path] = []
    for name, out, lang in (("sink", sink_html, "en"), ("content", content_html, "en"),
                            ("content-es", spanish, "es")):
        index = tmp_path / f"{name}-index.html"
        index.write_bytes(out["html/index.html"])
        files.append(index)
        for path, text in sorted(fragments_of(out).items()):
            wrapped = tmp_path / f"{name}-{path.replace('/', '_')}"
            wrapped.write_text(f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset='
                               f'"utf-8"><title>{path}</title></head><body><main>\n{text}'
                               "</main></body></html>\n", encoding="utf-8")
            files.append(wrapped)
    embeds = []
    for path, data in sorted(made.items()):
        if path.startswith("embed/es/"):
            embeds.append(tmp_path / f"content-es-{path.replace('/', '_')}")
            embeds[-1].write_bytes(data)
    # The checker's CSS parser predates cascade layers (CSS Cascade 5, in every browser
    # since 2022): it calls the embed page's @layer unknown, which is its gap, not ours.
    proc = subprocess.run([*java(), "-jar", str(vnu), "--errors-only", "--filterpattern",
                           ".*CSS: Unrecognized at-rule “@layer”.*", *map(str, files),
                           *map(str, embeds)], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert len(files) >= 16 and len(embeds) == 4
    # the Spanish preview, its four released parts, six cards and the hub
    assert len([f for f in files if f.name.startswith("content-es-")]) == 12


def test_note_markers_are_raised_numbers_and_citations_stay_bracketed(sink_html):
    page = sink_html["html/everything.html"].decode()
    para = re.search(r"A citation .*?A footnote<sup.*?</sup>\.", page)[0]
    assert re.sub(r"<[^>]*>", "", para) == "A citation [1] and two at once [1, 2]. A footnote1."
    assert re.search(r'<sup class="footnote-ref"><a [^>]*aria-label="Note 1">1</a></sup>', para)
    assert para.count('aria-label="Reference ') == 3
