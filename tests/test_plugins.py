"""Third-party renderer plugins that fail: a warning by default, an error when it matters.

The plugins are installed the way pip installs them (a package and its dist-info with
``entry_points.txt`` on a sys.path folder) and driven through the real command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import ketapub
from ketapub import Registry
from ketapub.errors import KetapubError as PluginError
from tests.helpers import make_source, part

BROKEN = '''
import ketapub_missing_dependency  # the typo that breaks this plugin

from ketapub import Renderer


class BrokenRenderer(Renderer):
    name = "broken"
'''

WORKING = '''
from ketapub import Artifact, Job, RenderContext, Renderer, Series


class TitlesRenderer(Renderer):
    name = "titles"
    description = "one line per released part"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        return [self.job("titles.txt")]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        text = "".join(f"{p.part}: {p.title}\\n" for p in ctx.released)
        return Artifact(job.path, text.encode(), "text/plain", self.name)
'''

BOOM = '''
from ketapub import Artifact, Job, RenderContext, Renderer, Series


def _explode_here(n: int) -> int:
    raise ValueError(f"cannot count to {n}")


class BoomRenderer(Renderer):
    name = "boom"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        return [self.job("boom.txt")]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        return Artifact(job.path, bytes(_explode_here(3)), "text/plain", self.name)
'''


def _install(site: Path, module: str, dist: str, code: str, entries: str) -> None:
    (site / module).mkdir(parents=True)
    (site / module / "__init__.py").write_text(code)
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[ketapub.renderers]\n{entries}\n")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A broken plugin and a working one, installed side by side."""
    site = tmp_path / "site"
    _install(site, "ketapub_broken", "ketapub-broken", BROKEN,
             "broken = ketapub_broken:BrokenRenderer")
    _install(site, "ketapub_titles", "ketapub-titles", WORKING,
             "titles = ketapub_titles:TitlesRenderer")
    return site


@pytest.fixture
def boom_site(site: Path) -> Path:
    """Plus a plugin whose renderer raises deep inside its own code."""
    _install(site, "ketapub_boom", "ketapub-boom", BOOM, "boom = ketapub_boom:BoomRenderer")
    return site


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return make_source(tmp_path / "src", {"01-one.md": part(1, "one", body="Short words.\n")})


def _cli(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, "-c", "from ketapub.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=300)


WARNING = ("ketapub: warning: renderer 'broken' (entry point 'broken = "
           "ketapub_broken:BrokenRenderer', from ketapub-broken 1.0) failed to import: "
           "ModuleNotFoundError: No module named 'ketapub_missing_dependency'; built without "
           "it (fix or uninstall ketapub-broken 1.0, or choose renderers with --format)")


def test_default_build_warns_of_a_broken_plugin_and_builds_the_others(
        site: Path, source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _cli(site, "build", str(source), "-o", str(out), "--as-of", "2025-06-01", "-q",
                "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    assert WARNING in proc.stderr.splitlines()
    assert "Traceback" not in proc.stderr
    assert (out / "titles.txt").read_text() == "1: Part 1\n"  # the working plugin ran
    assert (out / "feed" / "feed.json").is_file()  # and so did every built-in
    assert any((out / "pdf").glob("*.pdf"))


def test_broken_plugin_is_an_error_under_strict_or_when_asked_for(
        site: Path, source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    strict = _cli(site, "build", str(source), "-o", str(out), "--as-of", "2025-06-01",
                  "--strict")
    assert strict.returncode == 1, strict.stderr
    assert ("ketapub: renderer 'broken' (entry point 'broken = ketapub_broken:BrokenRenderer', "
            "from ketapub-broken 1.0) failed to import: ModuleNotFoundError: No module named "
            "'ketapub_missing_dependency'") in strict.stderr.splitlines()
    assert "Traceback" not in strict.stderr
    assert not out.exists()
    asked = _cli(site, "build", str(source), "-o", str(out), "--format", "titles,broken",
                 "--as-of", "2025-06-01")
    assert asked.returncode == 1, asked.stderr
    assert "renderer 'broken' (entry point 'broken = ketapub_broken:BrokenRenderer'" \
        in asked.stderr
    assert not out.exists()
    # a build that does not name it never imports it, so it has nothing to say about it
    other = _cli(site, "build", str(source), "-o", str(out), "--format", "titles",
                 "--as-of", "2025-06-01", "-q")
    assert other.returncode == 0, other.stderr
    assert other.stderr == ""


def test_renderers_lists_the_broken_plugin_as_broken(site: Path) -> None:
    proc = _cli(site, "renderers")
    assert proc.returncode == 1
    row = next(ln for ln in proc.stdout.splitlines() if " broken " in ln)
    assert "ketapub_broken:BrokenRenderer" in row and "BROKEN" in row
    assert any(" titles " in ln and "ketapub_titles.TitlesRenderer" in ln
               for ln in proc.stdout.splitlines())
    assert ("ketapub: broken renderer: renderer 'broken' (entry point 'broken = "
            "ketapub_broken:BrokenRenderer', from ketapub-broken 1.0) failed to import: "
            "ModuleNotFoundError: No module named 'ketapub_missing_dependency'"
            ) in proc.stderr.splitlines()
    assert "Traceback" not in proc.stderr
    debug = _cli(site, "--debug", "renderers")
    assert "Traceback (most recent call last)" in debug.stderr
    assert "import ketapub_missing_dependency" in debug.stderr  # the plugin's own line


@pytest.mark.parametrize("how", [("--jobs", "1"), ("--jobs", "2"), ("--timeout", "120")],
                         ids=["in-process", "worker-pool", "budget-worker"])
def test_debug_prints_the_traceback_of_a_render_failure(boom_site: Path, source: Path,
                                                        tmp_path: Path, how: tuple[str, str]
                                                        ) -> None:
    site = boom_site
    args = ["build", str(source), "-o", str(tmp_path / "out"), "--format", "boom,titles",
            "--as-of", "2025-06-01", *how]
    plain = _cli(site, *args)
    assert plain.returncode == 1
    assert "boom.txt: ValueError: cannot count to 3" in plain.stderr.splitlines()
    assert "Traceback" not in plain.stderr
    debug = _cli(site, *args, "--debug")
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "in _explode_here" in debug.stderr  # the frame inside the plugin, even from a worker
    assert "boom.txt: ValueError: cannot count to 3" in debug.stderr.splitlines()
    assert (tmp_path / "out" / "titles.txt").is_file()


def test_api_build_skips_a_broken_plugin_with_a_warning(site: Path, tmp_path: Path,
                                                        sink_series: ketapub.Series) -> None:
    eps = [EntryPoint("broken", "ketapub_broken:BrokenRenderer", "ketapub.renderers"),
           EntryPoint("jsonfeed", "ketapub.renderers.jsonfeed:JsonFeedRenderer",
                      "ketapub.renderers")]
    sys.path.insert(0, str(site))
    try:
        result = ketapub.build(sink_series, tmp_path / "out", as_of="2025-06-01",
                               registry=Registry(eps))
        with pytest.raises(PluginError, match=r"renderer 'broken' \(entry point 'broken = "
                           r"ketapub_broken:BrokenRenderer'\) failed to import"):
            ketapub.build(sink_series, tmp_path / "strict", as_of="2025-06-01",
                          registry=Registry(eps), strict=True)
    finally:
        sys.path.remove(str(site))
        sys.modules.pop("ketapub_broken", None)
    assert [a.path for a in result.artifacts] == ["feed/feed.json"]
    assert [w.name for w in result.warnings if isinstance(w, PluginError)] == ["broken"]
    assert not (tmp_path / "strict").exists()
