"""Embed pages in headless Chromium: alone (axe-core, no console error, nothing fetched from
elsewhere) and inside the sandboxed iframe that oEmbed and the preview hand out, on a host
page of another origin. Two local servers on 127.0.0.1: the series' site (its origin is the
series' base_url) and the partner's."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from playwright.sync_api import Error as PlaywrightError

import ketapub
from ketapub.model import edition_path
from ketapub.render import embedding
from tests.conftest import CONTENT, CONTENT_AS_OF, SINK, SINK_AS_OF
from tests.test_browser_html import AXE, Visit, _Quiet, outside
from tests.test_browser_html import browser as browser  # the module's one browser

AXE_RUN = ("async () => {{ {source}\n return (await axe.run(document)).violations.map(v => "
           "({{id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ') + ': ' + "
           "n.failureSummary)}})); }}")


def axe(target) -> list[dict]:
    """axe-core on a page or frame whose CSP forbids adding a script: evaluated as the
    tools' own code (the page's policy binds the page's scripts, not the browser's)."""
    return target.evaluate(AXE_RUN.format(source=AXE.read_text("utf-8")))

pytestmark = pytest.mark.slow


def _serve(root) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> Iterator[SimpleNamespace]:
    root = tmp_path_factory.mktemp("embed-site")
    site, origin = _serve(root)
    src = root.parent / "embed-src"
    shutil.copytree(SINK, src)
    yaml = src / "series.yaml"
    yaml.write_text(yaml.read_text().replace('"https://example.org/sink"', f'"{origin}/"'))
    assert ketapub.build(src, root, formats=["html", "embed"], as_of=SINK_AS_OF).ok
    series = ketapub.load(src)
    released = [p for p in series.parts if (root / embedding.embed_path(p)).exists()]
    assert len(released) == 2
    host_root = tmp_path_factory.mktemp("partner-site")
    frames = "\n".join(f"<h2>{p.title}</h2>\n{embedding.iframe(series, p)}" for p in released)
    (host_root / "host.html").write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Partner</title>'
        '<link rel="icon" href="data:,"></head><body><main><h1>Partner news</h1>\n'
        f"{frames}\n</main></body></html>\n")
    partner, partner_origin = _serve(host_root)
    # The example's Spanish edition on a site of its own (its origin is its base_url too).
    content_root = tmp_path_factory.mktemp("content-site")
    content_site, content_origin = _serve(content_root)
    content_src = content_root.parent / "content-src"
    shutil.copytree(CONTENT, content_src)
    yaml = content_src / "series.yaml"
    yaml.write_text(yaml.read_text().replace('"https://learn.example.org/ketamine/"',
                                             f'"{content_origin}/"'))
    assert ketapub.build(content_src, content_root, formats=["html", "embed"],
                         as_of=CONTENT_AS_OF).ok
    spanish = ketapub.load(content_src).edition("es")
    assert spanish is not None
    spanish_out = [p for p in spanish.parts
                   if (content_root / edition_path("es", embedding.embed_path(p))).exists()]
    assert len(spanish_out) == 4
    yield SimpleNamespace(origin=origin, partner=partner_origin, released=released,
                          pages={"sink": [(origin, embedding.embed_path(p), p.title)
                                          for p in released],
                                 "content-es": [(content_origin,
                                                 edition_path("es", embedding.embed_path(p)),
                                                 p.title) for p in spanish_out]})
    site.shutdown()
    partner.shutdown()
    content_site.shutdown()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("edition", ["sink", "content-es"])
def test_embed_page_alone_is_accessible_quiet_and_self_contained(browser, sites, scheme,
                                                                 edition):
    for origin, path, title in sites.pages[edition]:
        visit = Visit(browser, f"{origin}/{path}", scheme)
        try:
            assert visit.errors == []
            assert outside(visit.requests, origin) == []
            assert visit.page.evaluate(
                "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
            assert visit.page.locator("h1").inner_text() == title
            if edition == "content-es":
                assert visit.page.locator("html").get_attribute("lang") == "es"
            assert axe(visit.page) == []
            with pytest.raises(PlaywrightError, match="Content Security Policy"):
                visit.page.add_script_tag(content="document.title = 'script ran'")
            # the inline stylesheet applies; nothing else styles the page
            assert visit.page.evaluate("() => document.styleSheets.length") == 1
            bg = visit.page.evaluate(
                "() => getComputedStyle(document.querySelector('.ketapub-part'))"
                ".backgroundColor")
            assert bg == ("rgb(21, 25, 30)" if scheme == "dark" else "rgb(255, 255, 255)")
        finally:
            visit.close()


def test_embed_page_works_in_the_sandboxed_iframe_on_another_origin(browser, sites):
    visit = Visit(browser, f"{sites.partner}/host.html")
    try:
        assert visit.errors == [], "a console error in the host page or an embedded frame"
        frames = [f for f in visit.page.frames if f != visit.page.main_frame]
        assert len(frames) == len(sites.released)
        sandboxes = visit.page.evaluate(
            "() => [...document.querySelectorAll('iframe')].map(f => f.sandbox.value)")
        assert sandboxes == [embedding.IFRAME_SANDBOX] * len(sites.released)
        for frame, part in zip(frames, sites.released, strict=True):
            frame.wait_for_load_state("load")
            assert frame.url == f"{sites.origin}/{embedding.embed_path(part)}"
            assert frame.locator("h1").inner_text() == part.title
            assert frame.locator(".ketapub-attribution a[rel=license]").count() == 1
            assert frame.evaluate(
                "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
            # sandboxed: an opaque origin, no script may run (the CSP says the same)
            assert frame.evaluate("() => self.origin") == "null"
            width = frame.evaluate("() => document.documentElement.scrollWidth")
            assert width <= embedding.EMBED_WIDTH
        requested = [u for u in visit.requests if not u.startswith(sites.partner + "/")]
        assert requested and all(u.startswith(sites.origin + "/") for u in requested)
        assert visit.axe() == []
    finally:
        visit.close()
