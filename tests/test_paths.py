"""Paths: nothing in a source, a template name or a renderer's plan can make ketapub read
outside the source and template folders or write outside the output folder."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

import ketapub
from ketapub import Artifact, Renderer, write
from ketapub.cli import main
from ketapub.errors import SourceError, TemplateError
from tests.helpers import SERIES, make_source, part

AS_OF = "2025-06-01T00:00:00Z"
SECRET = b"\x89PNG\r\n\x1a\nTOP-SECRET-OUTSIDE"
LOCATION = re.compile(r"^\S+:\d+:\d+: ")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file next to (outside) the source folder that must never be read."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(SECRET)
    return secret


def _errors(src: Path, strict: bool = False) -> list[str]:
    with pytest.raises(SourceError) as info:
        ketapub.load(src, strict=strict)
    messages = [str(d) for d in info.value.diagnostics]
    assert all(LOCATION.match(m) for m in messages), messages
    return messages


@pytest.mark.parametrize("slug", ["../evil", "a/b", "Evil", "%2e%2e", "..", "/abs", "a\\\\b",
                                  "C:evil", "évil", "", "first\\n"])
def test_part_slugs_cannot_name_paths(tmp_path: Path, slug: str) -> None:
    src = make_source(tmp_path / "src", {"01.md": part(1, f'"{slug}"')})
    messages = _errors(src)
    assert any("01.md:4:7: slug:" in m for m in messages), messages


def test_a_nul_in_a_slug_never_reaches_a_path(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src", {"01.md": part(1, '"on\\0e"')})
    series = ketapub.load(src)  # the control character is removed, with a warning
    assert series.parts[0].slug == "one"
    assert any("U+0000" in str(w) for w in series.warnings)
    with pytest.raises(SourceError):
        ketapub.load(src, strict=True)


@pytest.mark.parametrize("brand_id", ["../evil", "Clinic", "a/b", "%2e%2e"])
def test_brand_ids_cannot_name_paths_or_differ_only_in_case(tmp_path: Path,
                                                             brand_id: str) -> None:
    src = make_source(tmp_path / "src", files={"brands/b.yaml": f'id: "{brand_id}"\nname: B\n'})
    assert any("brands/b.yaml:1:5: id:" in m for m in _errors(src, strict=True))


@pytest.mark.parametrize("image", ["../secret.png", "/etc/passwd.png",
                                   "assets/../../secret.png", "assets/%2e%2e/%2e%2e/secret.png",
                                   "assets/..%2f..%2fsecret.png"])
def test_image_paths_cannot_leave_the_source(tmp_path: Path, outside: Path, image: str) -> None:
    src = make_source(tmp_path / "src", {"01.md": part(1, "one", f"![x]({image})\n")})
    [message] = _errors(src)
    # the line and column of the image's path, then what is wrong with it
    assert message.startswith(f"{src}/parts/01.md:8:6: ")
    # named as the path it would open; an escaped '/' is refused as written
    shown = image if "%2f" in image else unquote(image)
    assert f" {shown!r} " in message


def test_a_file_url_image_is_removed_never_read(tmp_path: Path, outside: Path) -> None:
    src = make_source(tmp_path / "src",
                      {"01.md": part(1, "one", f"![x](file://{outside})\n")})
    series = ketapub.load(src, strict=False)
    assert series.assets == ()
    assert any(str(w).startswith(f"{src}/parts/01.md:8:") and "remote image" in str(w)
               for w in series.warnings), series.warnings
    assert all(SECRET not in p.body.encode() for p in series.parts)


@pytest.mark.parametrize("key,value", [("cover", "../secret.png"), ("cover", "/etc/x.png"),
                                       ("cover", "assets/../../secret.png")])
def test_series_paths_cannot_leave_the_source(tmp_path: Path, outside: Path, key: str,
                                              value: str) -> None:
    src = make_source(tmp_path / "src", series=SERIES + f'{key}: "{value}"\n')
    assert any(f"series.yaml:9:8: {key}:" in m for m in _errors(src))


def test_brand_logo_cannot_leave_the_source(tmp_path: Path, outside: Path) -> None:
    src = make_source(tmp_path / "src", files={"brands/b.yaml": "id: b\nname: B\n"
                                               "logo: ../secret.png\n"})
    assert any("brands/b.yaml:3:7: logo:" in m for m in _errors(src, strict=True))


def test_symlinks_leading_out_are_refused(tmp_path: Path, outside: Path) -> None:
    src = make_source(tmp_path / "src", {"01.md": part(1, "one", "![x](assets/link.png)\n")},
                      files={"brands/b.yaml": "id: b\nname: B\nlogo: assets/logo.png\n"})
    (src / "assets").mkdir()
    (src / "assets/link.png").symlink_to(outside)
    (src / "assets/logo.png").symlink_to(outside)
    outside_part = tmp_path / "outside.md"
    outside_part.write_text(part(2, "two"))
    (src / "parts/02.md").symlink_to(outside_part)
    messages = _errors(src)
    assert sum("leads outside the source folder" in m for m in messages) == 3, messages


def test_a_symlinked_parts_folder_leading_out_is_refused(tmp_path: Path) -> None:
    elsewhere = make_source(tmp_path / "elsewhere")
    src = make_source(tmp_path / "src", parts={})
    (src / "parts").rmdir()
    (src / "parts").symlink_to(elsewhere / "parts")
    assert any("leads outside the source folder" in m for m in _errors(src))


# --- templates ----------------------------------------------------------------------------

def test_template_names_cannot_leave_the_template_folders(tmp_path: Path) -> None:
    from ketapub.render.templating import environment, render_template

    (tmp_path / "tpl").mkdir()
    (tmp_path / "secret.txt").write_text("TOP-SECRET")
    env = environment("jsonfeed", (str(tmp_path / "tpl"),))
    for name in ("../secret.txt", "/etc/passwd", "..\\secret.txt", "ketapub:../../secret.txt",
                 "%2e%2e/secret.txt"):
        with pytest.raises(TemplateError):
            render_template(env, name)
    (tmp_path / "tpl/inc.html").write_text('{% include "../secret.txt" %}')
    with pytest.raises(TemplateError):
        render_template(env, "inc.html")


def test_a_missing_templates_folder_is_a_usage_error(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src")
    result = CliRunner().invoke(main, ["build", str(src), "-o", str(tmp_path / "o"),
                                       "--templates", str(tmp_path / "nope"),
                                       "--format", "jsonfeed"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# --- output paths -------------------------------------------------------------------------

def _renderer(paths: list[str]) -> ketapub.Registry:
    class Paths(Renderer):
        name = "paths"

        def plan(self, series, ctx):  # type: ignore[no-untyped-def]
            return [self.job(p) for p in paths]

        def render(self, job, ctx):  # type: ignore[no-untyped-def]
            return Artifact(job.path, b"x", "text/plain", self.name)

    reg = ketapub.Registry()
    reg.register(Paths)
    return reg


@pytest.mark.parametrize("bad", ["../escape.txt", "/tmp/abs.txt", "a/../../escape.txt",
                                 "a\x00b.txt", "a\\..\\..\\b.txt", "./a.txt", "", ".hidden/x",
                                 "a//b.txt"])
def test_planned_output_paths_stay_inside_the_output_folder(tmp_path: Path, bad: str) -> None:
    src = make_source(tmp_path / "site" / "src")
    out = tmp_path / "site" / "out"
    with pytest.raises(ketapub.KetapubError) as info:
        ketapub.build(src, out, formats=["paths"], registry=_renderer([bad]), as_of=AS_OF)
    assert "output path" in str(info.value)
    assert not out.exists()
    assert {p.name for p in (tmp_path / "site").iterdir()} <= {"src", ".out.ketapub-lock"}
    assert not (tmp_path / "escape.txt").exists() and not Path("/tmp/abs.txt").exists()


def test_output_paths_differing_only_in_case_are_refused(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src")
    with pytest.raises(ketapub.KetapubError, match=re.escape(
            "collides with 'html/Part.html' on case-insensitive file systems")):
        ketapub.build(src, tmp_path / "out", formats=["paths"], as_of=AS_OF,
                      registry=_renderer(["html/Part.html", "html/part.html"]))
    assert not (tmp_path / "out").exists()


def test_a_symlinked_output_folder_is_written_in_place_of_its_target(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src")
    target = tmp_path / "site"
    target.mkdir()
    (tmp_path / "out").symlink_to(target)
    for _ in range(2):
        ketapub.build(src, tmp_path / "out", formats=["jsonfeed"], as_of=AS_OF, force=True)
    assert (tmp_path / "out").is_symlink()
    assert (target / "feed/feed.json").is_file()
    # nothing beside either: the lock file goes with the build that took it
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_every_planned_path_of_the_built_in_renderers_is_safe(tmp_path: Path) -> None:
    from tests.conftest import SINK, SINK_AS_OF

    series = ketapub.load(SINK)
    for name in ketapub.installed().names():
        for path in ketapub.render(series, name, as_of=SINK_AS_OF, brands=("all",)):
            assert write.is_safe_path(path), (name, path)
            resolved = (tmp_path / path).resolve()
            assert tmp_path.resolve() in resolved.parents
