"""Fragments inside real-looking host themes compute as on a bare page.

Every fragment of the example series and of the kitchen sink (parts, hub, cards) is pasted
into three host pages whose stylesheets are in ``tests/fixtures/host-themes``: a
WordPress-like theme (``.entry-content th/ul/li/a...`` rules, custom bullets, a drop
capital), a Bootstrap 5 page (Reboot, typography, tables) and an older theme that styles by
id (``#content table th``, ``#main ul``, a few ``!important`` rules), with ``ketapub.css``
loaded before the theme and after it. Headless Chromium computes the style of every element
of every fragment, and of its ``::before``, ``::after`` and ``::marker``, and each must
equal the same element's on a bare page, but for what a fragment inherits on purpose: the
host's font family (see docs/topics/outputs.md). The WordPress page is also compared in the
dark scheme. One browser, one page per host and order; the styles are gathered in
page JavaScript and come back as one JSON value."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route, sync_playwright

import ketapub
from tests.conftest import CONTENT, CONTENT_AS_OF, SINK, SINK_AS_OF
from tests.tools import chromium

pytestmark = pytest.mark.slow

THEMES = Path(__file__).parent / "fixtures" / "host-themes"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# The slot a host gives a pasted fragment: one width on every page, so used sizes that
# follow the width (auto margins of a centred image) can be compared too.
SLOT = ('<div class="host-slot" style="width: 640px !important; max-width: none !important; '
        'margin: 0 !important; '
        'padding: 0 !important; border: 0 !important; float: none !important">')

HOSTS = {
    "wordpress": """<body class="single single-post wp-embed-responsive">
<header class="site-header"><p class="site-title"><a href="/">Clinic news</a></p></header>
<main class="site-main"><article class="post type-post">
<header class="entry-header"><h1 class="entry-title">Our article</h1></header>
<div class="entry-content">
<p>Our own first paragraph, with <a href="/about">a link</a>.</p>
<table class="host-table"><tr><th>Host header</th></tr></table>
<ul class="host-list"><li>host item</li></ul>
{slots}
</div></article></main></body>""",
    "bootstrap": """<body><div class="container"><div class="row"><div class="col">
<h1>Our article</h1><p class="lead">Our own lead paragraph.</p>
<table class="host-table table"><tr><th>Host header</th></tr></table>
<ul class="host-list"><li>host item</li></ul>
{slots}
</div></div></div></body>""",
    "ids": """<body><div id="wrapper"><div id="main"><div id="content">
<h2>Our article</h2><p>Our own paragraph with <a href="/about">a link</a>.</p>
<table class="host-table"><tr><th>Host header</th></tr></table>
<ul class="host-list"><li>host item</li></ul>
{slots}
</div></div></div></body>""",
}

# What a host's theme does to its own elements: proof that each theme's rules are live.
HOST_OWN = {
    "wordpress": {"th": ("textTransform", "uppercase"), "li": ("listStyleType", "none")},
    "bootstrap": {"th": ("textAlign", "left"), "li": ("lineHeight", "24px")},
    "ids": {"th": ("textTransform", "uppercase"), "li": ("listStyleType", "square")},
}

# Used values that follow the text's own measure (which the inherited font changes).
LAYOUT = ["font-family", "width", "height", "inline-size", "block-size", "perspective-origin",
          "transform-origin"]

COLLECT = """async (skip) => {
  // every image loaded, lazy or not: an image not loaded is as wide as its alt text
  await Promise.all([...document.images].map((img) => {
    img.loading = 'eager';
    return img.decode().catch(() => null);
  }));
  // the property names once (walking each style's own list is several times slower);
  // of custom properties only ours: the host's reach us but style nothing of ours
  const SKIP = new Set(skip);
  const first = document.querySelector('.host-slot > *');
  const names = [...getComputedStyle(first)].filter((name) => !SKIP.has(name)
    && (!name.startsWith('--') || name.startsWith('--ketapub-'))).sort();
  const table = new Map();
  const intern = (s) => {
    if (!table.has(s)) table.set(s, table.size);
    return table.get(s);
  };
  const style = (el, pseudo) => {
    const cs = getComputedStyle(el, pseudo);
    if ((pseudo === '::before' || pseudo === '::after')
        && (cs.content === 'none' || cs.content === 'normal')) return intern('no box');
    return intern(names.map((name) => name + ': ' + cs.getPropertyValue(name)).join('\\n'));
  };
  const rows = [];
  document.querySelectorAll('.host-slot').forEach((slot, s) => {
    const root = slot.firstElementChild;
    const slotFont = getComputedStyle(slot).fontFamily;
    [root, ...root.querySelectorAll('*')].forEach((el, i) => {
      const cs = getComputedStyle(el);
      const pseudos = ['', '::before', '::after'];
      if (cs.display === 'list-item') pseudos.push('::marker');
      if (el.tagName === 'P') pseudos.push('::first-letter');
      rows.push({key: `${s}/${i} ${el.tagName.toLowerCase()}.${el.className}`,
                 font: cs.fontFamily, slotFont, pseudos,
                 styles: pseudos.map((pseudo) => style(el, pseudo || null))});
    });
  });
  const own = {};
  for (const tag of ['th', 'li']) {
    const el = document.querySelector(`.host-${tag === 'th' ? 'table' : 'list'} ${tag}`);
    if (el) own[tag] = getComputedStyle(el);
  }
  return {rows, table: [...table.keys()],
          own: Object.fromEntries(Object.entries(own).map(([t, cs]) =>
            [t, {textTransform: cs.textTransform, listStyleType: cs.listStyleType,
                 textAlign: cs.textAlign, lineHeight: cs.lineHeight,
                 backgroundColor: cs.backgroundColor}]))};
}"""


def page_html(body: str, host_css: str, ketapub_css: str, first: bool) -> str:
    sheets = ([f"<style>{ketapub_css}</style>", f"<style>{host_css}</style>"] if first
              else [f"<style>{host_css}</style>", f"<style>{ketapub_css}</style>"])
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Host</title>{''.join(sheets)}</head>\n{body}\n</html>")


@pytest.fixture(scope="module")
def fragments(tmp_path_factory) -> tuple[list[str], str, dict[str, Path]]:
    """Every fragment of both series, ketapub.css, and where their images are."""
    frags: list[str] = []
    assets: dict[str, Path] = {}
    for name, source, as_of in (("content", CONTENT, CONTENT_AS_OF), ("sink", SINK, SINK_AS_OF)):
        out = tmp_path_factory.mktemp(name)
        assert ketapub.build(source, out, formats=["html"], as_of=as_of).ok
        html = out / "html"
        files = sorted(p for p in html.glob("*.html") if p.name != "index.html")
        files += sorted((html / "cards").glob("*.html"))
        frags += [p.read_text("utf-8") for p in files]
        base = ketapub.load(source).base_url.rstrip("/") + "/"
        assets[base + "assets/"] = html / "assets"
    css = (out / "html" / "ketapub.css").read_text("utf-8")
    assert len(frags) > 15
    return frags, css, assets


@pytest.fixture(scope="module")
def styles(fragments) -> Iterator[dict[str, dict]]:
    """The collected styles of every host page (and order) and of the bare page."""
    frags, css, assets = fragments
    slots = "\n".join(f"{SLOT}{f}</div>" for f in frags)

    def serve(route: Route) -> None:
        url = route.request.url
        for prefix, folder in assets.items():
            path = folder / url[len(prefix):]
            if url.startswith(prefix) and path.is_file():
                ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                route.fulfill(body=path.read_bytes(), content_type=ctype)
                return
        route.abort()  # nothing leaves the machine

    bare = page_html(f"<body>\n{slots}\n</body>", "", css, True)
    pages = {"bare": ("light", bare), "bare, dark": ("dark", bare)}
    for host, body in HOSTS.items():
        host_css = (THEMES / f"{host}.css").read_text("utf-8")
        for first in (True, False):
            pages[f"{host}, ketapub.css {'first' if first else 'last'}"] = ("light", page_html(
                body.replace("{slots}", slots), host_css, css, first))
    # the dark scheme: our colours switch, the theme's dark rules still do not reach in
    pages["wordpress, dark"] = ("dark", page_html(
        HOSTS["wordpress"].replace("{slots}", slots),
        (THEMES / "wordpress.css").read_text("utf-8"), css, False))
    result: dict[str, dict] = {}
    with sync_playwright() as p:
        browser: Browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(120_000)
            context.route("**/*", serve)
            page = context.new_page()
            for name, (scheme, html) in pages.items():
                page.emulate_media(color_scheme=scheme)
                page.set_content(html, wait_until="load")
                result[name] = page.evaluate(COLLECT, LAYOUT)
        finally:
            browser.close()
    yield result


def _declarations(text: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in text.split("\n") if ": " in line)


def differences(host: dict, bare: dict) -> list[str]:
    """Every element (or pseudo-element) whose style differs, with the properties."""
    out = []
    assert [r["key"] for r in host["rows"]] == [r["key"] for r in bare["rows"]]
    for h, b in zip(host["rows"], bare["rows"], strict=True):
        if h["pseudos"] != b["pseudos"]:
            out.append(f"{h['key']}: {b['pseudos']} on a bare page, {h['pseudos']} here")
            continue
        for which, hi, bi in zip(h["pseudos"], h["styles"], b["styles"], strict=True):
            hs, bs = host["table"][hi], bare["table"][bi]
            if hs == bs:
                continue
            hd, bd = _declarations(hs), _declarations(bs)
            diff = {k: (bd.get(k), hd.get(k)) for k in sorted(hd.keys() | bd.keys())
                    if hd.get(k) != bd.get(k)}
            if diff:
                out.append(f"{h['key']}{which}: {diff}")
    return out


@pytest.mark.parametrize("page", [f"{h}, ketapub.css {o}" for h in HOSTS
                                  for o in ("first", "last")] + ["wordpress, dark"])
def test_every_fragment_computes_as_on_a_bare_page(styles, page):
    host, bare = styles[page], styles["bare, dark" if "dark" in page else "bare"]
    assert len(bare["rows"]) > 800  # every element of every fragment
    problems = differences(host, bare)
    assert problems == [], f"{len(problems)} differ, first: " + "\n".join(problems[:15])


@pytest.mark.parametrize("host", list(HOSTS))
def test_the_theme_rules_are_live_on_the_hosts_own_elements(styles, host):
    """The comparison means something only if each theme does reach what it styles."""
    own = styles[f"{host}, ketapub.css last"]["own"]
    for tag, (prop, value) in HOST_OWN[host].items():
        assert own[tag][prop] == value, (host, tag, prop)
    assert styles["bare"]["own"] == {}


def test_the_dark_scheme_is_compared_in_dark(styles):
    """The dark pages really are dark: our background switches, and so does the theme's."""
    dark, light = styles["wordpress, dark"], styles["wordpress, ketapub.css last"]
    background = [d for d in styles["bare, dark"]["table"][0].split("\n")
                  if d.startswith("background-color: ")]
    assert background == ["background-color: rgb(21, 25, 30)"]
    assert light["own"]["th"]["backgroundColor"] == "rgb(250, 250, 250)"
    assert dark["own"]["th"]["backgroundColor"] == "rgb(34, 34, 34)"  # the theme's dark rule


@pytest.mark.parametrize("host", list(HOSTS))
def test_fragments_inherit_the_hosts_font_family_and_keep_their_code_font(styles, host):
    page, bare = styles[f"{host}, ketapub.css last"], styles["bare"]
    host_fonts = {r["slotFont"] for r in page["rows"]}
    assert len(host_fonts) == 1 and host_fonts != {r["slotFont"] for r in bare["rows"]}
    (host_font,) = host_fonts
    (bare_font,) = {r["slotFont"] for r in bare["rows"]}
    own = 0
    for h, b in zip(page["rows"], bare["rows"], strict=True):
        if b["font"] == bare_font:  # text in the page's font on a bare page ...
            assert h["font"] == host_font, h["key"]  # ... is in the host's
        else:  # code: our monospace stack, wherever the fragment is
            assert h["font"] == b["font"] and "monospace" in b["font"], h["key"]
            own += 1
    assert own >= 3  # inline code, a code block and its code
