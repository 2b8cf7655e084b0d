"""Pathological input never crashes or hangs: each case gives a correct build or a clear
``path:line:column: message`` and exit 1, within a time bound, in a real subprocess.

The bounds are on CPU seconds, which a busy machine does not inflate; the wall-clock budgets
and subprocess timeouts only stop a real hang, so they are generous.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from lxml import etree

from tests.helpers import make_source, part

KETAPUB = [sys.executable, "-c", "from ketapub.cli import main; main(prog_name='ketapub')"]
AS_OF = "2025-06-01T00:00:00Z"
FAST = "html,jsonfeed,rss,atom"
TRACEBACK = re.compile(r"Traceback|Error:\s*$|^\s+File \"", re.MULTILINE)


# Wall-clock limits that only a hang reaches, however loaded the machine is.
HANG_BUDGET = "200"
HANG_TIMEOUT = 260


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(src: Path, out: Path, *args: str,
        cpu_seconds: float = 40) -> subprocess.CompletedProcess[str]:
    """Run ``ketapub build`` and check it took at most ``cpu_seconds`` of CPU (its own and its
    render workers'), a bound that does not move with the machine's load."""
    cmd = [*KETAPUB, "build", str(src), "-o", str(out), "--as-of", AS_OF, "-q", *args]
    before = _children_cpu()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=HANG_TIMEOUT,
                          env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    used = _children_cpu() - before
    assert not TRACEBACK.search(proc.stderr), proc.stderr[-3000:]
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-3000:])
    assert used < cpu_seconds, f"the build took {used:.1f} CPU seconds"
    return proc


def assert_well_formed(out: Path) -> None:
    for name in ("rss.xml", "atom.xml"):
        etree.fromstring((out / "feed" / name).read_bytes())
    json.loads((out / "feed/feed.json").read_text("utf-8"))
    import html5lib

    for page in (out / "html").glob("*.html"):
        html5lib.HTMLParser(strict=False).parse(page.read_bytes())


BODIES = {
    "nested-lists": "".join("  " * i + "- level\n" for i in range(400)),
    "nested-quotes": ">" * 3000 + " deep\n",
    "nested-emphasis": "*" * 5000 + "x" + "*" * 5000 + "\n",
    "nested-brackets": "[" * 5000 + "x" + "](" * 2000 + "\n",
    "table-20000-rows": "| a | b |\n|---|---|\n" + "".join(f"| {i} | r{i} |\n"
                                                       for i in range(20000)),
    "word-200000": "x" * 200_000 + "\n",
    "footnotes-3000": "".join(f"Note[^{i}].\n" for i in range(3000)) + "\n" + "".join(
        f"[^{i}]: Footnote {i}.\n" for i in range(3000)),
    "many-headings": "".join("## Same heading\n\ntext\n\n" for _ in range(1000)),
    "long-line-links": " ".join(f"[l{i}](https://example.org/{i})" for i in range(5000)),
}


@pytest.mark.parametrize("case", sorted(BODIES))
def test_pathological_bodies_build_fast_formats_in_bounded_time(case: str,
                                                                tmp_path: Path) -> None:
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", BODIES[case])})
    out = tmp_path / "out"
    proc = run(src, out, "--format", FAST, "--timeout", HANG_BUDGET)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_well_formed(out)


def test_a_long_table_in_the_pdf_breaks_across_pages(tmp_path: Path) -> None:
    """WeasyPrint lays out a table in time linear in its rows (about 7 ms of CPU a row), so
    300 rows prove the page breaking as well as 20,000 would; a job that never ends is the
    budget's test (tests/test_reliability.py)."""
    rows = "| a | b |\n|---|---|\n" + "".join(f"| {i} | row-{i} |\n" for i in range(300))
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", rows)})
    out = tmp_path / "out"
    proc = run(src, out, "--format", "pdf,jsonfeed", "--timeout", HANG_BUDGET)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "feed/feed.json").is_file()
    reader = pypdf.PdfReader(out / "pdf/01-one.pdf")
    assert len(reader.pages) >= 5
    text = "".join(page.extract_text() for page in reader.pages)
    assert "row-0" in text and "row-299" in text


def test_html_nested_deeper_than_the_limit_is_a_source_error(tmp_path: Path) -> None:
    body = "Intro.\n\n" + "<div>" * 3000 + "deep" + "</div>" * 3000 + "\n"
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", body)})
    proc = run(src, tmp_path / "out")
    assert proc.returncode == 1
    assert "parts/01-one.md:10:1: raw HTML nests more than 100 levels deep" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_html_nested_up_to_the_limit_builds_pdf_and_epub(tmp_path: Path) -> None:
    body = "<div>" * 100 + "deep" + "</div>" * 100 + "\n"
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", body)})
    out = tmp_path / "out"
    proc = run(src, out, "--format", "pdf,epub", "--timeout", HANG_BUDGET)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "pdf/01-one.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "epub/test-series.epub").is_file()


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if re.match(r"^\S+:\d+:\d+: ", line)]


def test_a_binary_file_as_a_part_is_a_clear_error(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src")
    (src / "parts" / "02-binary.md").write_bytes(bytes(range(256)) * 64)
    (src / "parts" / "03-latin1.md").write_bytes("---\ntitle: caf\xe9\n".encode("latin-1"))
    proc = run(src, tmp_path / "out")
    assert proc.returncode == 1
    lines = _error_lines(proc.stderr)
    assert any("02-binary.md:1:1: this is a binary file" in line for line in lines), lines
    assert any("03-latin1.md:2:11: invalid UTF-8 (byte 0xe9)" in line for line in lines), lines
    assert not (tmp_path / "out").exists()


def test_an_image_over_the_size_limit_is_a_clear_error(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", "![big](assets/big.png)\n")})
    (src / "assets").mkdir()
    with open(src / "assets/big.png", "wb") as fh:  # sparse: 25 MB on paper, no disk used
        fh.truncate(25 * 1024 * 1024)
    proc = run(src, tmp_path / "out")
    assert proc.returncode == 1
    assert re.search(r"parts/01-one\.md:8:\d+: 'assets/big\.png' is 26,214,400 bytes, over the "
                     r"limit", proc.stderr), proc.stderr


def test_a_decompression_bomb_image_is_refused(tmp_path: Path) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (30000, 30000)).save(buf, "PNG", optimize=True)
    assert len(buf.getvalue()) < 2 * 1024 * 1024  # small on disk, 900 megapixels inside
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", "![bomb](assets/b.png)\n")},
                      files={"assets/b.png": buf.getvalue()})
    proc = run(src, tmp_path / "out")
    assert proc.returncode == 1
    assert "assets/b.png:1:1: image is over the limit of 40,000,000 pixels" in proc.stderr
    Image.new("1", (8000, 6000)).save(buf := io.BytesIO(), "PNG")
    (src / "assets/b.png").write_bytes(buf.getvalue())
    proc = run(src, tmp_path / "out")
    assert "assets/b.png:1:1: image is 8000x6000 pixels, over the limit of 40,000,000" \
        in proc.stderr


def test_an_image_that_lies_about_its_type_is_refused(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", "![x](assets/x.png)\n")},
                      files={"assets/x.png": b"<svg xmlns='http://www.w3.org/2000/svg'/>"})
    proc = run(src, tmp_path / "out")
    assert proc.returncode == 1
    assert "assets/x.png:1:1: not a readable image/png image" in proc.stderr


def test_an_svg_with_entities_is_refused_not_expanded(tmp_path: Path) -> None:
    lol = ('<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY a "aaaaaaaaaa">\n'
           + "".join(f'<!ENTITY {chr(98 + i)} "&{chr(97 + i)};' * 1 + f'&{chr(97 + i)};' * 9
                     + '">\n' for i in range(8))
           + ']>\n<svg xmlns="http://www.w3.org/2000/svg"><text>&i;</text></svg>\n')
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", "![x](assets/x.svg)\n")},
                      files={"assets/x.svg": lol})
    proc = run(src, tmp_path / "out")
    assert proc.returncode == 1
    assert "assets/x.svg:2:1: SVG with entity declarations is refused" in proc.stderr


def test_a_yaml_bomb_is_refused(tmp_path: Path) -> None:
    bomb = ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n")
    src = make_source(tmp_path / "src", series=bomb)
    proc = run(src, tmp_path / "out")
    assert proc.returncode == 1
    assert "series.yaml:1:4:" in proc.stderr and "aliases are not supported" in proc.stderr
