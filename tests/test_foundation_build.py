"""The pipeline, the public API and the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import ketapub
from ketapub.cli import main
from tests.conftest import CONTENT, ROOT, SINK, SINK_AS_OF
from tests.helpers import SERIES, make_source, part


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_build_writes_manifest_and_artifacts(tmp_path: Path) -> None:
    result = ketapub.build(SINK, tmp_path / "out", formats=["jsonfeed"], as_of=SINK_AS_OF)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    [entry] = manifest["artifacts"]
    data = (tmp_path / "out" / "feed" / "feed.json").read_bytes()
    import hashlib

    from ketapub.build import select_renderers
    from ketapub.plan import plan

    series = ketapub.load(SINK)
    [job] = plan(select_renderers(["jsonfeed"]),
                 ketapub.RenderContext(series, ketapub.resolve_as_of(SINK_AS_OF, series.tz)))
    assert entry == {"path": "feed/feed.json", "sha256": hashlib.sha256(data).hexdigest(),
                     "bytes": len(data), "renderer": "jsonfeed",
                     "input_hash": job.input_hash, "media_type": "application/feed+json",
                     "brand": None, "variant": "", "parts": None,
                     "released": manifest["as_of_released"]}
    assert len(job.input_hash) == 64 and job.input_hash != entry["sha256"]
    assert manifest["as_of_released"] == [1, 2]
    assert manifest["next_release"] == "2030-01-01T09:00:00+00:00"
    assert result.next_release is not None and result.rendered == ("feed/feed.json",)


def test_jsonfeed_has_released_parts_newest_first(tmp_path: Path) -> None:
    data = ketapub.render(SINK, "jsonfeed", as_of=SINK_AS_OF)["feed/feed.json"]
    feed = json.loads(data)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["id"] for i in feed["items"]] == ["https://example.org/sink/second-part/",
                                                 "https://example.org/sink/everything/"]
    assert b"SECRET-UNRELEASED-TEXT" not in data
    assert feed["feed_url"] == "https://example.org/sink/feed/feed.json"


def test_render_in_memory_touches_no_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = ketapub.render(ketapub.load(SINK), "jsonfeed", as_of=SINK_AS_OF)
    assert set(out) == {"feed/feed.json"} and list(tmp_path.iterdir()) == []


def test_two_builds_a_second_apart_are_byte_identical(tmp_path: Path) -> None:
    formats = ["jsonfeed"]
    ketapub.build(SINK, tmp_path / "a", formats=formats, as_of="2025-06-01T00:00:00Z")
    ketapub.build(SINK, tmp_path / "b", formats=formats, as_of="2025-06-01T00:00:01Z")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_source_date_epoch_sets_as_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1736500000")  # 2025-01-10T09:06:40Z
    result = ketapub.build(SINK, tmp_path / "o", formats=["jsonfeed"])
    assert result.as_of.isoformat() == "2025-01-10T09:06:40+00:00"
    assert len(json.loads((tmp_path / "o/feed/feed.json").read_text())["items"]) == 1


def test_no_change_rebuild_renders_nothing_and_keeps_user_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".gitkeep").write_text("")
    ketapub.build(SINK, out, formats=["jsonfeed"], as_of=SINK_AS_OF)
    before = tree(out)
    again = ketapub.build(SINK, out, formats=["jsonfeed"], as_of=SINK_AS_OF)
    assert again.rendered == () and again.skipped == ("feed/feed.json",)
    assert tree(out) == before and ".gitkeep" in before
    # a release changes the input hash, so the feed is rendered again
    later = ketapub.build(SINK, out, formats=["jsonfeed"], as_of="2030-01-02")
    assert later.rendered == ("feed/feed.json",)
    assert b"SECRET-UNRELEASED-TEXT" in (out / "feed/feed.json").read_bytes()


def test_outputs_of_renderers_not_run_are_kept(tmp_path: Path, sink_series) -> None:
    from tests.test_foundation_registry import PLUGIN  # noqa: F401  (same plugin shape)

    out = tmp_path / "out"
    ketapub.build(sink_series, out, formats=["jsonfeed"], as_of=SINK_AS_OF)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [a["path"] for a in manifest["artifacts"]] == ["feed/feed.json"]


def test_no_wall_clock_or_machine_path_in_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ketapub.build(SINK, out, formats=["jsonfeed"], as_of=SINK_AS_OF)
    for rel, data in tree(out).items():
        assert str(tmp_path).encode() not in data, rel
        assert str(ROOT).encode() not in data, rel


# --- command line -----------------------------------------------------------------------

def test_cli_build_and_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["build", str(SINK), "-o", str(tmp_path / "o"), "--format",
                              "jsonfeed", "--as-of", SINK_AS_OF])
    assert ok.exit_code == 0, ok.output
    assert "feed/feed.json" in ok.output and "next release: 2030-01-01T09:00:00+00:00" in ok.output
    usage = runner.invoke(main, ["build", str(SINK), "--format", "nope"])
    assert usage.exit_code == 2 and "unknown renderer 'nope'; installed:" in usage.output
    assert runner.invoke(main, ["build", "--jobs", "zero"]).exit_code == 2
    assert runner.invoke(main, ["frobnicate"]).exit_code == 2
    bad_as_of = runner.invoke(main, ["build", str(SINK), "--as-of", "soon"])
    assert bad_as_of.exit_code == 2


def test_an_output_path_that_is_a_file_is_refused_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("precious", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(SINK), "-o", str(target), "--format",
                                       "jsonfeed", "--as-of", SINK_AS_OF])
    assert result.exit_code == 2, result.output
    assert f"{target}: exists and is not a folder" in result.output
    assert target.read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no stage left


def test_cli_bad_source_prints_locations_without_traceback(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01.md": part(1, "one", extra="colour: red\n")},
                       series=SERIES + "publsher: x\n")
    proc = subprocess.run([sys.executable, "-c", "from ketapub.cli import main; main()",
                           "build", str(root), "-o", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    # the location, what is wrong, then how to fix it
    assert any(ln.startswith(f"{root}/parts/01.md:7:1: unknown key 'colour'; ") for ln in lines)
    assert any(ln.startswith(f"{root}/series.yaml:9:1: unknown key 'publsher'") for ln in lines)
    assert not (tmp_path / "o").exists()


def test_cli_validate_reports_grades(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(SINK), "--strict"])
    assert result.exit_code == 0, result.output
    assert "grade" in result.output and "ok: 3 parts" in result.output
    hard = make_source(tmp_path / "h", {"01.md": part(1, "one", body=(
        "Pharmacological interventions necessitate comprehensive multidisciplinary "
        "consideration of individualized contraindications, notwithstanding "
        "institutional recommendations regarding administration.\n"))})
    warned = CliRunner().invoke(main, ["validate", str(hard)])
    assert warned.exit_code == 0 and "warning: readability grade" in warned.output
    assert CliRunner().invoke(main, ["validate", str(hard), "--strict"]).exit_code == 1


def test_cli_renderers_lists_builtins() -> None:
    result = CliRunner().invoke(main, ["renderers"])
    assert "jsonfeed" in result.output and "JsonFeedRenderer" in result.output


def test_missing_source_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "source folder not found" in result.output


def test_example_content_validates_strictly() -> None:
    result = CliRunner().invoke(main, ["validate", str(CONTENT), "--strict"])
    assert result.exit_code == 0, result.output


def test_cli_summary_groups_by_renderer_when_there_are_many_artifacts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ketapub.cli as cli

    monkeypatch.setattr(cli, "SUMMARY_ROWS", 1)
    result = CliRunner().invoke(main, ["build", str(SINK), "-o", str(tmp_path / "o"),
                                       "--format", "jsonfeed,rss", "--as-of", SINK_AS_OF])
    assert result.exit_code == 0, result.output
    assert "total size" in result.output and "│ rss " in result.output
    assert "feed/rss.xml │" not in result.output


def test_cli_page_size_is_taken_in_any_case(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(SINK), "-o", str(tmp_path / "o"), "-q",
                                       "--format", "jsonfeed", "--as-of", SINK_AS_OF,
                                       "--page-size", "letter"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "feed" / "feed.json").is_file()


def test_a_broken_brand_blocks_only_the_builds_that_ask_for_it(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", files={
        "brands/c.yaml": "id: c\nname: C\naccent_color: \"red\"\ncolour: blue\n",
        "brands/d.yaml": "id: d\nname: D\n"})
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(main, [*args[:1], str(root), *args[1:]])
        return result.exit_code, result.stderr

    # no branded output asked for, or none made: a warning naming the file and its problems
    for args in (["build", "-o", str(tmp_path / "a"), "--format", "jsonfeed"],
                 ["build", "-o", str(tmp_path / "b"), "--format", "html", "--brand", "c"],
                 ["validate"]):
        code, err = run(*args)
        assert code == 0, err
        assert f"{root}/brands/c.yaml:3:15: warning: accent_color:" in err
        assert f"{root}/brands/c.yaml:4:1: warning: unknown key 'colour'" in err
    assert (tmp_path / "b" / "html").is_dir()
    # branded handouts of that brand asked for: an error, and nothing written
    for brand in ("c", "all"):
        code, err = run("build", "-o", str(tmp_path / brand), "--format", "pdf",
                        "--brand", brand)
        assert code == 1, err
        assert f"{root}/brands/c.yaml:3:15: accent_color:" in err
        assert (f"{root}/brands/c.yaml:1:1: brand 'c' cannot be built: 2 problems in this file; "
                f"fix them, or build without --brand {brand}") in err
        assert not (tmp_path / brand).exists()
    code, err = run("validate", "--strict")
    assert code == 1
    assert err.splitlines()[:2] == [
        f"{root}/brands/c.yaml:3:15: accent_color: 'red' is not a CSS hex colour; write it "
        "like '#1f6f8b'",
        f"{root}/brands/c.yaml:4:1: unknown key 'colour'; known keys: id, name, phone, email, "
        "address, website, logo, accent_color, page_size, languages"]
    with pytest.raises(ketapub.SourceError):
        ketapub.render(ketapub.load(root), "pdf", brands=["c"], as_of="2025-06-01")


def test_source_defaults_to_the_series_folder_you_are_in(tmp_path: Path) -> None:
    root = make_source(tmp_path / "series", {"01-one.md": part(1, "one")})
    cli = [sys.executable, "-c", "from ketapub.cli import main; main()"]

    def run(*args: str, cwd: Path = root) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        return subprocess.run([*cli, *args], cwd=cwd, capture_output=True, text=True,
                              timeout=120, env=env)

    proc = run("schedule", "--json", "--as-of", "2025-06-01")
    assert proc.returncode == 0, proc.stderr
    assert [p["slug"] for p in json.loads(proc.stdout)["parts"]] == ["one"]
    proc = run("validate")
    assert proc.returncode == 0, proc.stderr
    assert "ok: 1 parts" in proc.stdout
    proc = run("build", "-o", "out", "--format", "jsonfeed", "-q", "--as-of", "2025-06-01")
    assert proc.returncode == 0, proc.stderr
    assert (root / "out" / "feed" / "feed.json").is_file()
    # a problem is shown relative to the folder you are in
    (root / "parts" / "01-one.md").write_text(part(1, "one", extra="sumary: x\n"), "utf-8")
    proc = run("validate")
    assert proc.returncode == 1
    assert proc.stderr.startswith("parts/01-one.md:7:1: unknown key 'sumary'")
    # elsewhere, SOURCE is still content/
    proc = run("schedule", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("content:1:1: source folder not found")
    (tmp_path / "content").mkdir()
    make_source(tmp_path / "content", {"01-two.md": part(1, "two")})
    proc = run("schedule", "--json", "--as-of", "2025-06-01", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [p["slug"] for p in json.loads(proc.stdout)["parts"]] == ["two"]


def test_serve_defaults_to_the_series_folder_you_are_in(tmp_path: Path) -> None:
    root = make_source(tmp_path / "series", {"01-one.md": part(1, "one")})
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", "from ketapub.cli import main; main()",
                             "serve", "-o", "out", "--port", "0"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = ""
        while "serving" not in line:
            line = proc.stderr.readline()
            assert line, "ketapub serve exited early"
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/feed/feed.json",
                                    timeout=30) as response:
            feed = json.load(response)
        assert [item["title"] for item in feed["items"]] == ["Part 1"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
