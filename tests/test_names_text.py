"""Names and text that reach terminals, URLs and outputs.

Terminal escapes in file names and titles, non-ASCII asset names (NFC and NFD, on disk and
in the Markdown), names a web server could decode into another path, hard links, invisible
bidi and zero-width characters, and what ``validate --strict`` must refuse because the build
would.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import make_source, part
from PIL import Image

import ketapub
from ketapub.cli import main
from ketapub.errors import Severity, SourceError

NFC = unicodedata.normalize("NFC", "café")
NFD = unicodedata.normalize("NFD", "café")
AS_OF = "2025-06-01T00:00:00Z"
RAW_TERMINAL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What must never reach a terminal raw (newlines separate messages)."""


def png(colour: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buf, "PNG")
    return buf.getvalue()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def load_error(root: Path) -> list[str]:
    with pytest.raises(SourceError) as exc:
        ketapub.load(root)
    return [str(d) for d in exc.value.diagnostics if d.severity is Severity.ERROR]


# --- 15. terminal escapes ----------------------------------------------------------------

HOSTILE_NAME = "02-\x1b]0;owned\x07\x1b[2J[bold red]x\u202eevil\x9b31m.md"


def test_diagnostics_show_escapes_in_file_names_one_message_per_line(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01-one.md": part(1, "one"),
                                       HOSTILE_NAME: "no front matter\n",
                                       "03-a\nb.md": "no front matter either\n"})
    code, _, err = run("validate", str(root))
    assert code == 1
    assert not RAW_TERMINAL.search(err), err
    lines = err.splitlines()
    assert len(lines) == 3, lines  # two diagnostics and the count, each on its own line
    assert "02-\\x1b]0;owned\\x07\\x1b[2J[bold red]x\\u202eevil\\x9b31m.md:1:1: " \
        "missing front matter" in lines[0] + lines[1]
    assert any(line.startswith(f"{root}/parts/03-a\\x0ab.md:1:1: ") for line in lines)


def test_validate_table_and_schedule_show_escapes_and_no_markup(tmp_path: Path) -> None:
    title = "Bold [bold]move[/bold] \u202eevil\u2066 [/]"
    body = part(2, "two", extra="").replace('"Part 2"', json.dumps(title))
    root = make_source(tmp_path / "s", {"01-one.md": part(1, "one"),
                                       "02-\x1b[31mred\u202e.md": body})
    code, out, err = run("validate", str(root))
    assert code == 0, err
    assert not RAW_TERMINAL.search(out + err), out
    assert "02-\\x1b[31mred\\u202e.md" in out
    code, out, err = run("schedule", str(root), "--as-of", AS_OF)
    assert code == 0, err
    assert not RAW_TERMINAL.search(out + err), out
    assert "[bold]move[/bold] \\u202eevil\\u2066 [/]" in out  # brackets shown, not read


def test_schedule_json_escapes_bidi_controls_and_stays_the_same_json(tmp_path: Path) -> None:
    title = "Dose \u202e01 gm\u2069 and \u0085 line"
    body = part(1, "one").replace('"Part 1"', json.dumps(title))
    root = make_source(tmp_path / "s", {"01-one.md": body})
    code, out, err = run("schedule", str(root), "--json", "--as-of", AS_OF)
    assert code == 0, err
    assert not RAW_TERMINAL.search(out), out
    assert "\\u202e01 gm\\u2069" in out
    assert json.loads(out)["parts"][0]["title"].startswith("Dose \u202e01 gm\u2069")


def test_renderers_table_shows_escapes_of_a_plugin(tmp_path: Path) -> None:
    """A real entry point whose description holds escapes and markup."""
    site = tmp_path / "site"
    (site / "evilplug-1.0.dist-info").mkdir(parents=True)
    (site / "evilplug-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: evilplug\nVersion: 1.0\n")
    (site / "evilplug-1.0.dist-info" / "entry_points.txt").write_text(
        "[ketapub.renderers]\nevil = evilplug:Evil\n")
    (site / "evilplug.py").write_text(textwrap.dedent('''\
        from ketapub import Renderer

        class Evil(Renderer):
            name = "evil"
            description = "clears \\x1b[2J your [red]screen[/] \\u202egnp."

            def plan(self, ctx):
                return []

            def render(self, job, ctx):
                raise NotImplementedError
        '''))
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run([sys.executable, "-m", "ketapub.cli", "renderers"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "evil" in proc.stdout
    assert not RAW_TERMINAL.search(proc.stdout + proc.stderr), proc.stdout
    assert "clears \\x1b[2J your [red]screen[/] \\u202egnp." in proc.stdout


def test_serve_line_shows_escapes_in_the_output_folder(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01-one.md": part(1, "one")})
    out = tmp_path / "out\x1b[2J\u202e"
    proc = subprocess.Popen([sys.executable, "-m", "ketapub.cli", "serve", str(root),
                             "-o", str(out), "--port", "0"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        lines = [proc.stderr.readline() for _ in range(2)]  # type: ignore[union-attr]
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    text = "".join(lines)
    assert "serving " in text, text
    assert not RAW_TERMINAL.search(text.replace("\n", "")), text
    assert "out\\x1b[2J\\u202e at http://127.0.0.1:" in text
