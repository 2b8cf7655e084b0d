"""HTML fragments in a real browser: headless Chromium (driven by Playwright) loads the
preview page and fragments pasted into a hostile-looking partner page, served over HTTP on
127.0.0.1. One browser for the whole module."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

import ketapub
from tests.conftest import CONTENT, CONTENT_AS_OF, SINK, SINK_AS_OF
from tests.tools import NODE_MODULES, chromium

pytestmark = pytest.mark.slow

AXE = NODE_MODULES / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# A partner page that styles everything it can reach: element, universal and class
# selectors that collide with names fragments use, and ids/classes of its own.
HOST_CSS = """
* { letter-spacing: 0.05em; }
html { font-size: 62.5%; }
body { margin: 0 3rem; font-family: Georgia, serif; background: #fffbe6; color: #222; }
h1, h2, h3, h4 { font-size: 48px; color: #b00020; text-transform: uppercase; margin: 3em 0; }
p { margin: 60px 0; font-family: "Comic Sans MS", cursive; line-height: 3; color: #333; }
a { color: #006400; text-decoration: none; font-weight: 900; }
article { border: 8px dashed #b00020; padding: 40px; }
ol, ul { list-style: none; padding: 0; }
li { margin-left: 50px; }
img { width: 12px; height: 12px; }
table { display: none; }
section { display: none; }
nav { float: right; width: 10%; }
.callout, .faq, .citation, .footnotes { display: none; }
.summary, .title, .card { outline: 3px dotted #b00020; font-size: 14px; }
.note { background: #ffe0e0; }
#main { max-width: 60rem; }
#main .intro { font-style: italic; }
"""


def host_page(fragments: list[str], with_css: bool) -> str:
    link = '<link rel="stylesheet" href="/html/ketapub.css">' if with_css else ""
    body = "\n".join(f'<div class="partner-slot">{f}</div>' for f in fragments)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Partner clinic news</title>
<link rel="icon" href="/favicon.svg">
<style>{HOST_CSS}</style>{link}</head>
<body><main id="main">
<h1 class="title">Partner clinic news</h1>
<p class="intro summary">Our own introduction, styled by our own rules.</p>
<article class="card note" id="dosing"><h2 id="faq">Our own article</h2>
<p>Host text with <a href="/about">a host link</a>.</p>
<ol class="footnotes"><li id="fn1">host list</li></ol>
<div class="callout">host callout</div></article>
{body}
<p id="everything">Host footer paragraph with the ids <span id="everything-dosing">a part
slug</span> and <span id="p1-dosing">a part number</span> would give.</p>
</main></body></html>
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A local web server whose origin is also the series' base_url, so the fragments'
    absolute image URLs resolve on 127.0.0.1 (nothing may leave the machine)."""
    root = tmp_path_factory.mktemp("site")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_port}"
    src = root.parent / "src"
    shutil.copytree(SINK, src)
    yaml = src / "series.yaml"
    yaml.write_text(yaml.read_text().replace('"https://example.org/sink"', f'"{origin}/"'))
    result = ketapub.build(src, root, formats=["html"], as_of=SINK_AS_OF)
    assert result.ok  # the build puts the images at base_url + assets/..., nothing to copy
    assert ketapub.build(CONTENT, root / "content", formats=["html"], as_of=CONTENT_AS_OF).ok
    (root / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    frags = [(root / "html" / p).read_text() for p in
             ("hub.html", "everything.html", "second-part.html", "cards/future-part.html")]
    (root / "host.html").write_text(host_page(frags, with_css=True))
    (root / "host-plain.html").write_text(host_page(frags, with_css=False))
    yield origin, root
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Visit:
    """A page load that records console errors, page errors and every request."""

    def __init__(self, browser: Browser, url: str, scheme: str = "light", width: int = 1000):
        self.context = browser.new_context(color_scheme=scheme,
                                           viewport={"width": width, "height": 900})
        # generous: a timeout only ends a wait that failed, and a busy machine is slow
        self.context.set_default_timeout(120_000)
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console",
                     lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed {r.url}"))
        self.page.goto(url, wait_until="load")
        # images are lazy: bring every one into view so it loads (and is checked)
        for img in self.page.locator("img").all():
            img.scroll_into_view_if_needed()
        self.page.wait_for_function(
            "() => [...document.images].every(i => i.complete)")

    def axe(self, selector: str | None = None) -> list[dict]:
        self.page.add_script_tag(path=str(AXE))
        context = f"document.querySelectorAll({selector!r})" if selector else "document"
        return self.page.evaluate(
            f"async () => (await axe.run({context})).violations.map(v => ({{id: v.id, "
            "impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ') + ': ' + "
            "n.failureSummary)}))")

    def close(self) -> None:
        self.context.close()


# Used sizes of auto-sized boxes follow the fragments' content, not a style of the host.
LAYOUT = {"height", "block-size", "perspective-origin", "transform-origin"}


def outside(requests: list[str], origin: str) -> list[str]:
    return [u for u in requests if not u.startswith(origin + "/")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_preview_page_is_accessible_quiet_and_self_contained(browser, site, scheme, tmp_path):
    origin, _ = site
    visit = Visit(browser, f"{origin}/html/index.html", scheme)
    try:
        assert visit.errors == []
        assert outside(visit.requests, origin) == []
        assert f"{origin}/html/ketapub.css" in visit.requests
        assert visit.page.evaluate(
            "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
        assert visit.axe() == []
        bg = visit.page.evaluate(
            "() => getComputedStyle(document.querySelector('.ketapub-part')).backgroundColor")
        assert bg == ("rgb(21, 25, 30)" if scheme == "dark" else "rgb(255, 255, 255)")
        shot = tmp_path / f"index-{scheme}.png"
        visit.page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
    finally:
        visit.close()


@pytest.mark.parametrize("edition", ["html", "html/es"])
def test_example_series_preview_fits_a_phone_and_has_no_axe_violations(browser, site, edition):
    """The preview page holds every fragment, card and the hub of its language."""
    origin, _ = site
    visit = Visit(browser, f"{origin}/content/{edition}/index.html", "dark", width=375)
    try:
        assert visit.errors == [] and outside(visit.requests, origin) == []
        assert visit.page.locator("html").get_attribute("lang") == (
            "es" if edition.endswith("/es") else "en-US")
        assert visit.page.locator(".ketapub-part").count() == 4
        assert visit.page.locator(".ketapub-card").count() == 6
        assert visit.page.locator(".ketapub-hub").count() == 1
        wider = visit.page.evaluate("""() => [...document.querySelectorAll('.ketapub')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.id || e.className)""")
        assert wider == [], "fragment content wider than the fragment on a phone"
        assert visit.axe() == []
    finally:
        visit.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_fragments_in_a_hostile_host_page_stay_accessible_and_offline(browser, site, scheme,
                                                                      tmp_path):
    origin, _ = site
    visit = Visit(browser, f"{origin}/host.html", scheme)
    try:
        assert visit.errors == []
        assert outside(visit.requests, origin) == []
        assert f"{origin}/assets/diagram.svg" in visit.requests  # the absolute image URL
        assert visit.axe(".ketapub") == []
        ids = visit.page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)")
        assert len(ids) == len(set(ids)), "two fragments (or fragment and host) share an id"
        visit.page.screenshot(path=str(tmp_path / f"host-{scheme}.png"), full_page=True)
    finally:
        visit.close()


def test_fragments_look_right_despite_aggressive_host_styles(browser, site):
    origin, _ = site
    visit = Visit(browser, f"{origin}/host.html")
    try:
        style = visit.page.evaluate("""() => {
          const q = s => document.querySelector(s);
          const cs = (s, p) => getComputedStyle(q(s))[p];
          return {
            title: [cs('#ketapub-everything--title', 'fontSize'), cs('#ketapub-everything--title',
                    'textTransform'), cs('#ketapub-everything--title', 'color')],
            para: [cs('.ketapub-part .ketapub-body p', 'marginTop'),
                   cs('.ketapub-part .ketapub-body p', 'lineHeight'),
                   cs('.ketapub-part .ketapub-body p', 'fontFamily')],
            link: [cs('.ketapub-part a.xref', 'color'),
                   cs('.ketapub-part a.xref', 'textDecorationLine')],
            callout: cs('.ketapub .callout', 'display'),
            faq: cs('.ketapub .faq', 'display'),
            table: cs('.ketapub table', 'display'),
            bullets: cs('.ketapub-body ul > li', 'listStyleType'),
            img: q('.ketapub img').getBoundingClientRect().width,
            border: cs('.ketapub-part', 'borderTopStyle'),
            hub: cs('.ketapub-hub', 'float'),
            refs: cs('.ketapub-references', 'display'),
          };
        }""")
        assert style["title"] == ["26.4px", "none", "rgb(27, 31, 36)"]
        assert style["para"][0] == "0px" and style["para"][1] != "48px"
        assert "Comic Sans" not in style["para"][2]
        assert style["link"] == ["rgb(11, 87, 164)", "underline"]
        assert style["callout"] == "block" and style["faq"] == "block"
        assert style["table"] == "table" and style["bullets"] == "disc"
        assert style["img"] > 100
        assert style["border"] == "solid" and style["hub"] == "none"
        assert style["refs"] == "block"
    finally:
        visit.close()


def test_ketapub_css_does_not_change_the_host_page_elements(browser, site):
    """Every computed property of every host element is the same with and without
    ketapub.css (the fragments' own elements are left out)."""
    origin, _ = site
    script = """() => {
      const out = [];
      const all = [document.documentElement, ...document.querySelectorAll('*')];
      for (const el of all) {
        if (el.closest('.ketapub') || el.closest('head')) continue;
        const cs = getComputedStyle(el);
        const props = {};
        for (const name of cs) props[name] = cs.getPropertyValue(name);
        out.push([el.tagName + '#' + el.id + '.' + el.className, props]);
      }
      return out;
    }"""
    results = []
    for page in ("host-plain.html", "host.html"):
        visit = Visit(browser, f"{origin}/{page}")
        try:
            results.append(visit.page.evaluate(script))
        finally:
            visit.close()
    plain, styled = results
    assert [name for name, _ in plain] == [name for name, _ in styled]
    assert len(plain) > 15
    for (name, before), (_, after) in zip(plain, styled, strict=True):
        changed = {k: (before[k], after.get(k)) for k in before
                   if before[k] != after.get(k) and k not in LAYOUT}
        assert changed == {}, (name, changed)
