"""Hostile or careless input found by a security test: every kind ends in a located message
and exit 1 (source) or 2 (usage), never a traceback, in validate, schedule and build alike."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import ketapub
from tests.helpers import SERIES, make_source, part

KETAPUB = [sys.executable, "-c", "from ketapub.cli import main; main(prog_name='ketapub')"]


def cli(*args: str | Path, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*KETAPUB, *map(str, args)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})}, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


OUT_OF_RANGE = "is out of range; instants must be from 1900-01-01 to 2999-12-31"


@pytest.mark.parametrize("publish_at", [
    "9999-12-31T20:00:00",          # naive, in America/New_York: past year 9999 in UTC
    "0001-01-01T01:00:00+05:00",    # before year 1 in UTC
    "1899-12-31",
    "3000-01-01T00:00:00Z",
])
def test_instants_out_of_range_are_located_errors(tmp_path: Path, publish_at: str) -> None:
    src = make_source(tmp_path / "src", {
        "01-one.md": part(1, "one", publish_at=publish_at),
        "02-two.md": part(2, "two", extra=f"updated_at: {publish_at!r}\n")})
    with pytest.raises(ketapub.SourceError) as info:
        ketapub.load(src)
    got = [(d.path, d.line, d.message) for d in info.value.diagnostics]
    assert [(Path(p).relative_to(src).as_posix(), n) for p, n, _ in got] == [
        ("parts/01-one.md", 6), ("parts/02-two.md", 7)]
    assert all(OUT_OF_RANGE in m for _, _, m in got), got


@pytest.mark.parametrize("command", ["validate", "schedule", "build"])
def test_an_instant_out_of_range_fails_every_command_cleanly(tmp_path: Path, command: str) -> None:
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", publish_at="9999-12-31")})
    args = [command, src] + (["-o", tmp_path / "out", "--format", "rss,ics"]
                             if command == "build" else [])
    proc = cli(*args)
    assert proc.returncode == 1, proc.stderr
    assert "parts/01-one.md:6:" in proc.stderr
    assert OUT_OF_RANGE in proc.stderr


@pytest.mark.parametrize("as_of", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00",
                                   "1800-01-01"])
def test_as_of_out_of_range_is_a_usage_error(tmp_path: Path, as_of: str) -> None:
    src = make_source(tmp_path / "src")
    for command in (["schedule", src], ["build", src, "-o", tmp_path / "out", "--format", "rss"]):
        proc = cli(*command, "--as-of", as_of)
        assert proc.returncode == 2, proc.stderr
        assert "out of range" in proc.stderr


@pytest.mark.parametrize("epoch", ["99999999999999", "-99999999999"])
def test_source_date_epoch_out_of_range_is_a_usage_error(tmp_path: Path, epoch: str) -> None:
    proc = cli("schedule", make_source(tmp_path / "src"), env={"SOURCE_DATE_EPOCH": epoch})
    assert proc.returncode == 2, proc.stderr
    assert "SOURCE_DATE_EPOCH" in proc.stderr


def test_the_bounds_themselves_are_accepted(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src", {
        "01-one.md": part(1, "one", publish_at="1900-01-01T00:00:00Z"),
        "02-two.md": part(2, "two", publish_at="2999-12-31T23:59:59Z")})
    proc = cli("build", src, "-o", tmp_path / "out", "--format", "rss,atom,jsonfeed,ics,html",
               "--as-of", "2999-12-31T23:59:59Z")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("zone", ["America", "Europe/", "../../etc/passwd", "/etc/localtime",
                                  "America/Nowhere", ""])
def test_a_timezone_that_is_no_zone_is_a_located_error(tmp_path: Path, zone: str) -> None:
    series = SERIES.replace("timezone: America/New_York", f"timezone: {zone!r}")
    with pytest.raises(ketapub.SourceError) as info:
        ketapub.load(make_source(tmp_path / "src", series=series))
    assert [(Path(d.path).name, d.line) for d in info.value.diagnostics] == [("series.yaml", 5)]
    assert "is not an IANA time zone" in info.value.diagnostics[0].message


@pytest.mark.parametrize("command", ["validate", "schedule"])
def test_a_timezone_folder_fails_commands_cleanly(tmp_path: Path, command: str) -> None:
    series = SERIES.replace("timezone: America/New_York", "timezone: America")
    proc = cli(command, make_source(tmp_path / "src", series=series))
    assert proc.returncode == 1, proc.stderr
    assert "series.yaml:5:" in proc.stderr


class _CountingFont:
    """The packaged font, counting how often text is measured (the wrapping's work)."""

    def __init__(self) -> None:
        from ketapub.renderers.epub_cover import _font

        self.font, self.calls, self.chars = _font("Bold", 104), 0, 0

    def getlength(self, text: str) -> float:
        self.calls += 1
        self.chars += len(text)
        return float(self.font.getlength(text))


@pytest.mark.parametrize("title", ["x" * 1_000, "x" * 100_000, "word " * 20_000,
                                   "W" * 50 + " " + "i" * 5_000])
def test_cover_wrapping_work_does_not_grow_with_the_title(title: str) -> None:
    from ketapub.renderers.epub_cover import TEXT_WIDTH, wrap

    font = _CountingFont()
    lines = wrap(title, font, TEXT_WIDTH, 6)
    assert len(lines) == 6 and lines[-1].endswith("…")
    assert all(font.font.getlength(line) <= TEXT_WIDTH for line in lines)
    # bounded by what six lines can show, not by the length of the title
    assert font.calls < 400, font.calls
    assert font.chars < 100_000, font.chars


def test_titles_over_the_limit_are_located_errors(tmp_path: Path) -> None:
    long = "Ketamine " * 40  # 360 characters
    series = SERIES.replace('title: "Test Series"', f'title: "{long}"') + f'subtitle: "{long}"\n'
    src = make_source(tmp_path / "src", {
        "01-one.md": part(1, "one").replace('title: "Part 1"', f'title: "{long}"')},
        series=series)
    with pytest.raises(ketapub.SourceError) as info:
        ketapub.load(src)
    got = sorted((Path(d.path).name, d.line) for d in info.value.diagnostics)
    assert got == [("01-one.md", 2), ("series.yaml", 1), ("series.yaml", 9)]
    assert all("over the limit of 300" in d.message for d in info.value.diagnostics)
    ketapub.load(make_source(tmp_path / "ok", series=SERIES.replace(
        'title: "Test Series"', f'title: "{"x" * 300}"')))


@pytest.mark.parametrize("slug", ["hub", "index", "booklet", "cards", "assets", "fragments",
                                  "ketapub", "large-print"])
def test_reserved_slugs_are_refused_at_the_slug(tmp_path: Path, slug: str) -> None:
    with pytest.raises(ketapub.SourceError) as info:
        ketapub.load(make_source(tmp_path / "src", {"01-x.md": part(1, slug)}))
    [d] = info.value.diagnostics
    assert (Path(d.path).name, d.line, d.column) == ("01-x.md", 4, 7)
    assert f"{slug!r} is a name ketapub's outputs use" in d.message


def test_a_reserved_slug_fails_validate_not_the_build(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one"), "02-hub.md": part(2, "hub")})
    proc = cli("validate", src, "--strict")
    assert proc.returncode == 1
    assert "parts/02-hub.md:4:7: slug: 'hub' is a name ketapub's outputs use" in proc.stderr


# --- raw HTML: spans, nesting, linear parsing ------------------------------------------------

def _load_body(tmp_path: Path, body: str) -> tuple[ketapub.Series | None, list[str]]:
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", body)})
    try:
        series = ketapub.load(src)
    except ketapub.SourceError as exc:
        return None, [f"{Path(d.path).name}:{d.line}:{d.column}: {d.message}"
                      for d in exc.diagnostics]
    return series, [f"{Path(d.path).name}:{d.line}:{d.column}: {d.message}"
                    for d in series.warnings]


@pytest.mark.parametrize("attr, value, kept", [
    ("colspan", "99999999", "50"), ("rowspan", "99999999", "500"), ("colspan", "0", "1"),
    ("colspan", "-3", "1"), ("rowspan", "2x", "1"), ("colspan", "1" * 40, "50")])
def test_table_spans_are_clamped_at_load_with_a_warning(
        tmp_path: Path, attr: str, value: str, kept: str) -> None:
    body = f"Intro.\n\n<table><tr><td {attr}=\"{value}\">x</td></tr></table>\n"
    series, warnings = _load_body(tmp_path, body)
    assert series is not None
    assert [w for w in warnings if attr in w] == [
        f"01-one.md:10:1: {attr}={value[:12]!r} on <td> set to {kept} (spans are 1 to "
        f"{50 if attr == 'colspan' else 500}); a printed page cannot lay out wider spans"]
    html = ketapub.render(series, "html", as_of="2025-06-01", path="html/one.html")
    assert f'{attr}="{kept}"'.encode() in html["html/one.html"]


def test_spans_within_the_limits_are_kept_silently(tmp_path: Path) -> None:
    series, warnings = _load_body(
        tmp_path, '<table><tr><th colspan="50" rowspan="2">x</th></tr></table>\n')
    assert series is not None and warnings == []


@pytest.mark.parametrize("html", [
    "<div></p>" * 300,                    # stray end tags close nothing
    "<div></span>" * 300,
    "<span></div>" * 300,
    "<div>" * 150,
    "<blockquote><div title=\"</div>\">" * 150,   # an end tag inside a value is no end tag
])
def test_raw_html_nesting_is_measured_on_the_parsed_tree(tmp_path: Path, html: str) -> None:
    series, errors = _load_body(tmp_path, "Intro.\n\n" + html + "\n")
    assert series is None
    assert any("raw HTML nests more than 100 levels deep" in e for e in errors), errors
    assert any(e.startswith("01-one.md:10:") for e in errors), errors


def test_balanced_nesting_under_the_limit_loads(tmp_path: Path) -> None:
    series, _ = _load_body(tmp_path, "<div>" * 90 + "x" + "</div>" * 90 + "\n\n"
                           + "<div></p></div>" * 500 + "\n")
    assert series is not None


@pytest.mark.parametrize("body", [
    "<div>\n" + "<a " * 20_000 + "\n",        # unterminated tags: 115 s before
    "<div>\n" + "<a title='" * 10_000 + "\n",  # unterminated quotes
    "<div>\n" + "<!--" * 20_000 + "\n",
    "x <a " * 20_000 + "\n",                           # inline
])
def test_pathological_raw_html_loads_in_linear_time(tmp_path: Path, body: str) -> None:
    import time

    started = time.process_time()
    _load_body(tmp_path, body)
    # minutes before (a quadratic parser); linear work is well under a second of CPU
    assert time.process_time() - started < 10


def _refs(n: int) -> str:
    return "references:\n" + "".join(f"  - {{id: r{i}, text: \"Ref {i}.\"}}\n" for i in range(n))


@pytest.mark.parametrize("name, extra, body", [
    ("uncited references", _refs(16_000), "Text.\n"),
    ("unknown citations", _refs(2_000), "".join(f"See [@x{i}].\n" for i in range(8_000))),
    ("cited references", _refs(8_000), "".join(f"See [@r{i}].\n" for i in range(8_000))),
    ("image lines", "", "".join(f"![fig {i}](assets/x{i % 7}.svg)\n" for i in range(8_000))),
    ("links", "", "".join(f"[l{i}](part:one#nope{i})\n\n" for i in range(4_000))),
])
def test_large_sources_load_in_linear_time(tmp_path: Path, name: str, extra: str,
                                           body: str) -> None:
    import time

    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", body, extra=extra)},
                      files={f"assets/x{i}.svg": svg for i in range(7)})
    started = time.process_time()
    try:
        ketapub.load(src)
    except ketapub.SourceError as exc:
        assert len(exc.diagnostics) > 100
    # tens of seconds before (list.index, ids.count and rescans in loops); linear is < 2 s
    assert time.process_time() - started < 15, name


def test_no_assert_guards_anything_in_the_package() -> None:
    """``python -O`` strips asserts: nothing in ketapub/ may rely on one."""
    import ast

    package = Path(ketapub.__file__).parent
    found = [f"{path.relative_to(package)}:{node.lineno}"
             for path in sorted(package.rglob("*.py"))
             for node in ast.walk(ast.parse(path.read_text("utf-8")))
             if isinstance(node, ast.Assert)]
    assert found == []


def test_calendar_text_cannot_forge_lines_even_under_python_O(tmp_path: Path) -> None:
    import icalendar

    forged = "Evil\\r\\nEND:VCALENDAR\\r\\nBEGIN:VEVENT\\r\\nSUMMARY:forged; x, y\\\\"
    series = (SERIES.replace('title: "Test Series"', f'title: "{forged}"')
              .replace('description: "A series for tests."', f'description: "{forged}"'))
    src = make_source(tmp_path / "src", {
        "01-one.md": part(1, "one").replace('title: "Part 1"', f'title: "{forged}"'),
        "02-two.md": part(2, "two")}, series=series)
    proc = subprocess.run([sys.executable, "-O", *KETAPUB[1:], "build", str(src), "-o",
                           str(tmp_path / "out"), "--format", "ics"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = (tmp_path / "out/feed/schedule.ics").read_bytes()
    cal = icalendar.Calendar.from_ical(data)
    lines = data.replace(b"\r\n ", b"").split(b"\r\n")  # unfolded content lines
    assert lines.count(b"BEGIN:VEVENT") == 2 and lines.count(b"END:VCALENDAR") == 1
    shown = "Evil END:VCALENDAR BEGIN:VEVENT SUMMARY:forged; x, y\\"
    def text(value: object) -> str:  # X- properties come back still escaped (RFC 5545 3.3.11)
        import re

        return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], str(value))

    assert text(cal["X-WR-CALNAME"]) == shown
    assert text(cal["X-WR-CALDESC"]) == shown
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == [shown, "Part 2"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_build_leaves_nothing_in_the_temp_folder(tmp_path: Path, jobs: str) -> None:
    """Every worker used to leave a weasyprint-* folder of fonts (65 MB a day of cron)."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one"), "02-two.md": part(2, "two")})
    proc = cli("build", src, "-o", tmp_path / "out", "--format", "pdf,epub,html",
               "--jobs", jobs, env={"TMPDIR": str(temp)})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out/pdf/booklet.pdf").is_file()
    assert sorted(p.name for p in temp.iterdir()) == []


# --- loading under the build's budget --------------------------------------------------------

def test_loading_runs_under_the_memory_budget(tmp_path: Path) -> None:
    from ketapub.budget import Budget
    from ketapub.errors import KetapubError

    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", extra=_refs(20_000))})
    # where 1 MB runs out varies (a MemoryError, or a C extension's SystemError): the load is
    # stopped in its worker either way and nothing is written
    with pytest.raises(KetapubError, match=r"loading the source stopped: .+; nothing was "
                                           r"written\Z"):
        ketapub.build(src, tmp_path / "out", formats=["rss"], as_of="2025-06-01",
                      budget=Budget(memory_mb=1))
    assert not (tmp_path / "out").exists()
    proc = cli("build", src, "-o", tmp_path / "out", "--format", "rss", "--memory-limit", "1")
    assert proc.returncode == 1, proc.stderr
    assert "loading the source stopped: " in proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_budgeted_load_reports_located_problems_like_any_load(tmp_path: Path) -> None:
    from ketapub.budget import Budget

    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", publish_at="1800-01-01")})
    with pytest.raises(ketapub.SourceError) as info:
        ketapub.build(src, tmp_path / "out", formats=["rss"], budget=Budget(seconds=120))
    assert [(Path(d.path).name, d.line) for d in info.value.diagnostics] == [("01-one.md", 6)]
    ok = ketapub.build(make_source(tmp_path / "ok"), tmp_path / "out", formats=["rss"],
                       as_of="2025-06-01", budget=Budget(seconds=120, memory_mb=2_000))
    assert ok.rendered == ("feed/rss.xml",)
