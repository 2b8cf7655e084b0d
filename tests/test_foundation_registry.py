"""The renderer registry and the template search path."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path

import jinja2
import pytest

import ketapub
from ketapub import Artifact, Job, Registry, RenderContext, Renderer, RendererError, Series
from ketapub.errors import TemplateError
from ketapub.render.base import builtin_templates_dir
from ketapub.render.templating import environment, render_template
from tests.helpers import code_lines

PLUGIN = '''
from ketapub import Artifact, Job, RenderContext, Renderer, Series


class TitlesRenderer(Renderer):
    name = "titles"
    description = "one line per released part"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        return [self.job("titles.txt")]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        text = "".join(f"{p.part}: {p.title}\\n" for p in ctx.released)
        return Artifact(job.path, text.encode(), "text/plain", self.name)


class NotARenderer:
    name = "bogus"
'''


@pytest.fixture
def plugin_path(tmp_path: Path) -> Path:
    """A third-party package installed the way pip would: a module and its dist-info."""
    site = tmp_path / "site"
    (site / "ketapub_titles").mkdir(parents=True)
    (site / "ketapub_titles" / "__init__.py").write_text(PLUGIN)
    info = site / "ketapub_titles-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ketapub-titles\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[ketapub.renderers]\ntitles = ketapub_titles:TitlesRenderer\n")
    return site


def test_builtins_register_through_entry_points() -> None:
    names = Registry.from_entry_points().names()
    assert {"jsonfeed", "pdf", "epub", "rss", "atom", "html"} <= set(names)


def test_third_party_renderer_installed_through_its_entry_point(plugin_path: Path,
                                                                 tmp_path: Path,
                                                                 sink_series: Series) -> None:
    sys.path.insert(0, str(plugin_path))
    try:
        registry = Registry.from_entry_points()
        assert "titles" in registry.names()
        result = ketapub.build(sink_series, tmp_path / "out", formats=["titles"],
                               as_of="2025-06-01", registry=registry)
    finally:
        sys.path.remove(str(plugin_path))
        sys.modules.pop("ketapub_titles", None)
    assert [a.path for a in result.artifacts] == ["titles.txt"]
    assert (tmp_path / "out" / "titles.txt").read_text().startswith("1: Everything at once")
    # and the command line sees it too
    env = {**os.environ, "PYTHONPATH": str(plugin_path)}
    out = subprocess.run([sys.executable, "-c", "from ketapub.cli import main; main()",
                          "renderers"], capture_output=True, text=True, env=env, timeout=240)
    assert "titles" in out.stdout and "ketapub_titles.TitlesRenderer" in out.stdout


def test_duplicate_name_from_two_packages_is_refused() -> None:
    eps = [EntryPoint("pdf", "a.mod:PdfRenderer", "ketapub.renderers"),
           EntryPoint("pdf", "b.mod:OtherPdf", "ketapub.renderers")]
    with pytest.raises(RendererError, match="claimed twice"):
        Registry(eps)


def test_same_entry_point_seen_twice_is_fine() -> None:
    ep = EntryPoint("jsonfeed", "ketapub.renderers.jsonfeed:JsonFeedRenderer", "ketapub.renderers")
    assert Registry([ep, ep]).names() == ["jsonfeed"]


def test_register_refuses_duplicates_unless_overriding() -> None:
    class Mine(Renderer):
        name = "jsonfeed"

        def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
            return []

        def render(self, job: Job, ctx: RenderContext) -> Artifact:
            raise NotImplementedError

    reg = Registry.from_entry_points()
    with pytest.raises(RendererError, match="already registered"):
        reg.register(Mine)
    reg.register(Mine, override=True)
    assert reg.get("jsonfeed") is Mine


def test_unknown_name_lists_installed() -> None:
    with pytest.raises(RendererError, match=r"unknown renderer 'nope'; installed: .*jsonfeed"):
        Registry.from_entry_points().get("nope")


def test_wrong_class_is_refused(plugin_path: Path) -> None:
    eps = [EntryPoint("bogus", "ketapub_titles:NotARenderer", "ketapub.renderers")]
    sys.path.insert(0, str(plugin_path))
    try:
        with pytest.raises(RendererError, match="is not a ketapub Renderer subclass"):
            Registry(eps).get("bogus")
        with pytest.raises(RendererError, match="not a ketapub Renderer"):
            Registry().register(object)  # type: ignore[arg-type]
    finally:
        sys.path.remove(str(plugin_path))
        sys.modules.pop("ketapub_titles", None)


# --- templates -----------------------------------------------------------------------

def _some_builtin_template() -> str:
    root = builtin_templates_dir()
    files = sorted(p for p in root.rglob("*.html") if p.is_file())
    assert files, "no built-in HTML template found"
    return files[0].relative_to(root).as_posix()


def test_user_templates_win_and_can_extend_the_builtin(tmp_path: Path) -> None:
    name = _some_builtin_template()
    first, second = tmp_path / "first", tmp_path / "second"
    (first / name).parent.mkdir(parents=True)
    (second / name).parent.mkdir(parents=True)
    (first / name).write_text('{% extends "ketapub:' + name + '" %}')
    (second / name).write_text("second")
    env = environment("test", (str(first), str(second)))
    assert env.get_template(name).filename == str(first / name)
    assert env.get_template("ketapub:" + name).filename == str(builtin_templates_dir() / name)
    env2 = environment("test", (str(second),))
    assert env2.get_template(name).filename == str(second / name)
    assert environment("test", ()).get_template(name).filename == \
        str(builtin_templates_dir() / name)


def test_autoescape_covers_xhtml_opf_ncx_and_strict_undefined(tmp_path: Path) -> None:
    for ext in ("html", "xhtml", "xml", "opf", "ncx", "svg"):
        (tmp_path / f"t.{ext}").write_text("{{ v }}")
    (tmp_path / "t.txt").write_text("{{ v }}")
    (tmp_path / "u.html").write_text("{{ missing }}")
    (tmp_path / "bad.html").write_text("line one\n{% if %}\n")
    env = environment("autoescape-test", (str(tmp_path),))
    for ext in ("html", "xhtml", "xml", "opf", "ncx", "svg"):
        assert env.get_template(f"t.{ext}").render(v="<&>") == "&lt;&amp;&gt;"
    assert env.get_template("t.txt").render(v="<&>") == "<&>"
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("u.html").render()
    with pytest.raises(TemplateError, match=r"bad\.html:2:1: "):
        render_template(env, "bad.html")
    with pytest.raises(TemplateError, match=r"u\.html:1:1: 'missing' is undefined"):
        render_template(env, "u.html")


def test_plugin_example_is_small() -> None:
    source = Path(ketapub.__file__).parent / "renderers" / "jsonfeed.py"
    lines = [ln for ln in code_lines(source.read_text()) if ln.strip()]
    assert len(lines) <= 60  # its docstrings do not count: they explain the example
    assert "from ketapub import" in source.read_text()
    assert textwrap.dedent("import ketapub.render") not in source.read_text()
