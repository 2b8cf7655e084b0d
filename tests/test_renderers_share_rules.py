"""Renderers share rules through one module, never by importing each other, and a format's
differences are methods it overrides, never a test of its own name.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

import ketapub
from ketapub import ArtifactInfo, RenderContext, Renderer
from ketapub.render.shared import handout_path
from ketapub.renderers.feeds import AtomRenderer, RssRenderer
from tests.conftest import ROOT
from tests.helpers import SERIES, make_source, part

RENDERERS = ROOT / "ketapub" / "renderers"
ATOM = "{http://www.w3.org/2005/Atom}"
LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10">'
        '<rect width="10" height="10"/></svg>')


def _family(module: str) -> str:
    """``pdf`` for pdf.py, pdf_html.py, pdf_fetch.py: a renderer and its helper modules."""
    return module.split("_")[0]


def _imported_renderer_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "ketapub.renderers":
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "ketapub.renderers."):
            found.add(node.module.split(".")[2])  # type: ignore[union-attr]
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[2] for a in node.names
                         if a.name.startswith("ketapub.renderers."))
    return found


def test_no_renderer_imports_another() -> None:
    modules = sorted(p for p in RENDERERS.glob("*.py") if p.name != "__init__.py")
    assert {"feeds.py", "calendar.py", "pdf.py"} <= {p.name for p in modules}
    crossing = {p.stem: sorted(m for m in _imported_renderer_modules(p)
                               if _family(m) != _family(p.stem))
                for p in modules}
    assert {k: v for k, v in crossing.items() if v} == {}
    # the check sees an import when there is one (html uses its own helper modules)
    assert _imported_renderer_modules(RENDERERS / "html.py") == {"html_view"}


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> RenderContext:
    """Two released parts with their handouts made in the same build, an SVG cover (a logo
    for Atom, no channel image for RSS) and two authors."""
    src = make_source(tmp_path_factory.mktemp("feeds") / "src", {
        "01-one.md": part(1, "one"), "02-two.md": part(2, "two", publish_at="2025-01-08")},
        series=SERIES + '  - name: "B. Editor"\ncover: cover.svg\n', files={"cover.svg": LOGO})
    series = ketapub.load(src)
    deps = {handout_path(p): ArtifactInfo(handout_path(p), "0" * 64, 1000 + p.part,
                                          "application/pdf") for p in series.parts}
    return RenderContext(series=series, as_of=datetime(2025, 2, 1, tzinfo=UTC), deps=deps)


def _render(renderer: Renderer, ctx: RenderContext) -> bytes:
    (job,) = renderer.plan(ctx.series, ctx)
    return renderer.render(job, ctx).data


@pytest.mark.parametrize("base", [RssRenderer, AtomRenderer])
def test_a_feed_renderer_under_another_name_writes_the_same_feed(
        base: type[Renderer], ctx: RenderContext) -> None:
    renamed = type("Renamed", (base,), {"name": f"my-{base.name}"})
    assert _render(renamed(), ctx) == _render(base(), ctx)


def test_rss_and_atom_each_write_authors_enclosures_and_logo_their_way(
        ctx: RenderContext) -> None:
    rss = etree.fromstring(_render(RssRenderer(), ctx))
    assert rss.find("channel/image") is None  # RSS takes PNG, JPEG or GIF only
    item = rss.find("channel/item")
    assert [c.text for c in item.iter("{http://purl.org/dc/elements/1.1/}creator")] == [
        "A. Writer", "B. Editor"]
    assert item.find("author") is None
    (enclosure,) = item.findall("enclosure")
    assert enclosure.attrib == {"url": "https://example.org/s/pdf/02-two.pdf",
                                "length": "1002", "type": "application/pdf"}
    atom = etree.fromstring(_render(AtomRenderer(), ctx))
    assert atom.findtext(f"{ATOM}logo") == "https://example.org/s/cover.svg"
    entry = atom.find(f"{ATOM}entry")
    assert [a.findtext(f"{ATOM}name") for a in entry.findall(f"{ATOM}author")] == [
        "A. Writer", "B. Editor"]
    (link,) = [e for e in entry.findall(f"{ATOM}link") if e.get("rel") == "enclosure"]
    assert (link.get("href"), link.get("length")) == ("https://example.org/s/pdf/02-two.pdf",
                                                      "1002")
