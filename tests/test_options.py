"""Typed renderer options: declared by each renderer, listed by ``renderers --options``, set
with ``--set RENDERER.OPTION=VALUE`` or ``build(options=...)``, refused with a usage error
that names the renderer and the option; a third-party renderer gets the same mechanism
through its entry point."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import ketapub
from ketapub import UsageError
from ketapub.build import build_options
from ketapub.cli import main
from ketapub.render.base import BuildOptions
from ketapub.renderers.html import HtmlOptions
from ketapub.renderers.pdf import PdfOptions
from tests.conftest import SINK, SINK_AS_OF
from tests.helpers import make_source, part

FRAGMENT = "html/everything.html"

GREET = '''
from ketapub import Artifact, Job, RenderContext, Renderer, RendererOptions, Series, option


class GreetOptions(RendererOptions):
    greeting: str = option("Hello", "the word before each title")
    shout: bool = option(False, "write it in capitals")


class GreetRenderer(Renderer[GreetOptions]):
    name = "greet"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        return [self.job("greet.txt")]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        o = self.options(ctx)
        text = "".join(f"{o.greeting}, {p.title}\\n" for p in ctx.released)
        return Artifact(job.path, (text.upper() if o.shout else text).encode(),
                        "text/plain", self.name)
'''


def _cli(*args: str, site: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **({"PYTHONPATH": str(site)} if site else {})}
    return subprocess.run([sys.executable, "-c", "from ketapub.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture
def greet_site(tmp_path: Path) -> Path:
    """A third-party renderer with options, installed as pip installs it."""
    site = tmp_path / "site"
    (site / "ketapub_greet").mkdir(parents=True)
    (site / "ketapub_greet" / "__init__.py").write_text(GREET)
    info = site / "ketapub_greet-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ketapub-greet\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[ketapub.renderers]\ngreet = ketapub_greet:GreetRenderer\n")
    return site


def _levels(html: bytes) -> set[str]:
    text = html.decode()
    return {f"h{n}" for n in range(1, 7) if f"<h{n}" in text}


# --- the Python API -----------------------------------------------------------------------

def test_build_options_know_no_pdf_or_html_field() -> None:
    assert {f.name for f in dataclasses.fields(BuildOptions)} == {
        "brands", "large_print", "templates", "renderers"}


def test_options_mapping_instance_and_shorthand_give_the_same_bytes() -> None:
    def fragment(**kw: object) -> bytes:
        return ketapub.render(SINK, "html", as_of=SINK_AS_OF, path=FRAGMENT, **kw)[FRAGMENT]

    mapping = fragment(options={"html": {"heading_level": 4}})
    assert "h4" in _levels(mapping) and "h2" not in _levels(mapping)
    assert fragment(options={"html": HtmlOptions(heading_level=4)}) == mapping
    assert fragment(heading_level=4) == mapping
    assert fragment() != mapping  # the default, 2


@pytest.mark.parametrize("options, words", [
    ({"pfd": {"page_size": "A4"}}, ["unknown renderer 'pfd'", "pdf"]),
    ({"pdf": {"size": "A4"}}, ["renderer 'pdf' has no option 'size'", "page_size"]),
    ({"pdf": {"page_size": "A5"}}, ["pdf.page_size", "'A5'", "A4|Letter"]),
    ({"html": {"heading_level": "3"}}, ["html.heading_level", "'3'", "int"]),
    ({"html": {"heading_level": 6}}, ["html.heading_level", "less than or equal to 5"]),
    ({"html": {"heading_level": True}}, ["html.heading_level", "True"]),
    ({"html": PdfOptions()}, ["renderer 'html'", "HtmlOptions"]),
    ({"html": 3}, ["renderer 'html'", "mapping"]),
])
def test_a_wrong_option_is_a_usage_error_naming_renderer_and_option(
        options: dict[str, object], words: list[str]) -> None:
    with pytest.raises(UsageError) as info:
        ketapub.render(SINK, "jsonfeed", as_of=SINK_AS_OF, options=options)
    for word in words:
        assert word in str(info.value)


def test_an_option_given_as_shorthand_and_in_options_is_refused() -> None:
    with pytest.raises(UsageError, match=r"html\.heading_level is given twice"):
        ketapub.render(SINK, "html", as_of=SINK_AS_OF, heading_level=3,
                       options={"html": {"heading_level": 4}})


def test_page_size_in_any_case_through_options() -> None:
    opts = build_options(options={"pdf": {"page_size": "letter"}})
    assert opts.of("pdf") == PdfOptions(page_size="Letter")
    assert opts.of("html") is None


# --- the command line ---------------------------------------------------------------------

def test_set_reaches_the_renderer_and_the_shorthand_still_works(tmp_path: Path) -> None:
    for flags in (["--set", "html.heading_level=3"], ["--heading-level", "3"]):
        out = tmp_path / flags[0].strip("-")
        result = CliRunner().invoke(main, ["build", str(SINK), "-o", str(out), "-q",
                                           "--format", "html", "--as-of", SINK_AS_OF,
                                           *flags])
        assert result.exit_code == 0, result.output
        levels = _levels((out / FRAGMENT).read_bytes())
        assert "h3" in levels and not levels & {"h1", "h2"}


@pytest.mark.parametrize("setting, words", [
    ("pfd.page_size=A4", ["unknown renderer 'pfd'"]),
    ("html.level=3", ["renderer 'html' has no option 'level'", "heading_level"]),
    ("html.heading_level=three", ["html.heading_level", "'three'", "int"]),
    ("html.heading_level=0", ["html.heading_level", "greater than or equal to 1"]),
    ("html.heading_level", ["RENDERER.OPTION=VALUE"]),
    ("heading_level=3", ["RENDERER.OPTION=VALUE"]),
])
def test_a_wrong_set_exits_2_naming_it_without_traceback(tmp_path: Path, setting: str,
                                                         words: list[str]) -> None:
    proc = _cli("build", str(SINK), "-o", str(tmp_path / "o"), "-q", "--format", "html",
                "--as-of", SINK_AS_OF, "--set", setting)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in proc.stderr
    assert not (tmp_path / "o").exists()


def test_an_option_set_twice_on_the_command_line_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(SINK), "-o", str(tmp_path / "o"), "-q",
                                       "--format", "html", "--heading-level", "3",
                                       "--set", "html.heading_level=4"])
    assert result.exit_code == 2
    assert "html.heading_level is set twice" in result.output


def test_renderers_options_lists_every_option_with_type_default_and_help() -> None:
    result = CliRunner().invoke(main, ["renderers", "--options"], terminal_width=200)
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:5]]
            for line in result.output.splitlines() if line.count("│") >= 5}
    assert rows["pdf.page_size"][:2] == ["A4|Letter|None", "None"]
    assert rows["html.heading_level"][:2] == ["int", "2"]
    assert "heading level" in rows["html.heading_level"][2]
    assert rows["jsonfeed"][2] == "no options"


# --- a third-party renderer, installed through its entry point ------------------------------

def test_a_plugin_declares_an_option_that_the_command_line_sets(
        greet_site: Path, tmp_path: Path) -> None:
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one")})
    out = tmp_path / "out"
    args = ["build", str(src), "-o", str(out), "-q", "--format", "greet", "--as-of",
            "2025-06-01"]
    proc = _cli(*args, site=greet_site)
    assert proc.returncode == 0, proc.stderr
    assert (out / "greet.txt").read_text() == "Hello, Part 1\n"  # the declared default
    proc = _cli(*args, "--set", "greet.greeting=Bonjour", "--set", "greet.shout=yes",
                site=greet_site)
    assert proc.returncode == 0, proc.stderr
    assert (out / "greet.txt").read_text() == "BONJOUR, PART 1\n"  # and re-rendered
    proc = _cli(*args, "--set", "greet.shout=maybe", site=greet_site)
    assert proc.returncode == 2 and "greet.shout" in proc.stderr and "bool" in proc.stderr
    listed = _cli("renderers", "--options", site=greet_site)
    assert "greet.greeting" in listed.stdout and "the word before each title" in listed.stdout


def test_a_plugin_option_through_the_api(greet_site: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(greet_site))
    registry = ketapub.Registry.from_entry_points()
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one")})
    got = ketapub.render(src, "greet", as_of="2025-06-01", registry=registry,
                         options={"greet": {"greeting": "Hi"}})
    assert got == {"greet.txt": b"Hi, Part 1\n"}
    with pytest.raises(UsageError, match=r"greet\.shout"):
        ketapub.render(src, "greet", as_of="2025-06-01", registry=registry,
                       options={"greet": {"shout": "yes"}})  # typed: a bool, not text
