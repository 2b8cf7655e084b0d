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
import posixpath
import re
import subprocess
import sys
import textwrap
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from helpers import SERIES, make_source, part
from lxml import etree
from PIL import Image

import ketapub
from ketapub.cli import main
from ketapub.errors import Severity, SourceError

NFC = unicodedata.normalize("NFC", "café")
NFD = unicodedata.normalize("NFD", "café")
AS_OF = "2025-06-01T00:00:00Z"
RAW_TERMINAL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                          "\u200b\u200e\u200f\u2060]")
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
    title = "Bold [bold]move[/bold] \u202eevil\u2066 [/]\u200b\u200f"
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
    assert "[bold]move[/bold] \\u202eevil\\u2066 [/]\\u200b\\u200f" in out  # shown, not read


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


def test_the_pdf_fetchers_log_line_shows_escapes(caplog: pytest.LogCaptureFixture) -> None:
    """The refusal is logged (to the terminal when nothing else handles logging)."""
    from ketapub.renderers.pdf_fetch import FetchRefused, SafeFetcher

    with caplog.at_level("WARNING", logger="ketapub.pdf"), pytest.raises(FetchRefused):
        SafeFetcher().fetch("file:///etc/\x1b]0;owned\x07\u202epasswd")
    (record,) = caplog.records
    assert "file:///etc/\\x1b]0;owned\\x07\\u202epasswd" in record.getMessage()
    assert not RAW_TERMINAL.search(record.getMessage())


# --- 18. non-ASCII asset names -------------------------------------------------------------

SPELLINGS = [(disk, md) for disk in (NFC, NFD) for md in (NFC, NFD)]


def asset_source(root: Path, disk: str, md: str, cover: str | None = None) -> Path:
    series = SERIES + (f"cover: assets/{cover}-cover.png\n" if cover else "")
    body = (f"![A figure](assets/{md}.png)\n\nThe [form](assets/{md}-form.pdf) and "
            f"<assets/{md}.png>.\n")
    files: dict[str, str | bytes] = {f"assets/{disk}.png": png(),
                                     f"assets/{disk}-form.pdf": b"%PDF-1.4\n"}
    if cover:
        files[f"assets/{disk}-cover.png"] = png("blue")
    return make_source(root, {"01-one.md": part(1, "one", body)}, series=series, files=files)


@pytest.mark.parametrize(("disk", "md"), SPELLINGS, ids=["nfc-nfc", "nfc-nfd", "nfd-nfc",
                                                          "nfd-nfd"])
def test_non_ascii_asset_names_load_and_publish_as_encoded_urls(tmp_path: Path, disk: str,
                                                                md: str) -> None:
    root = asset_source(tmp_path / "s", disk, md)
    series = ketapub.load(root, strict=True)
    assert [a.path for a in series.assets] == [f"assets/{NFC}.png"]
    assert series.parts[0].images == (f"assets/{NFC}.png",)
    out = tmp_path / "out"
    ketapub.build(series, out, formats=["html", "rss", "atom", "jsonfeed"], as_of=AS_OF)
    url = "https://example.org/s/assets/caf%C3%A9.png"
    fragment = (out / "html/one.html").read_text("utf-8")
    assert f'src="{url}"' in fragment
    assert 'href="https://example.org/s/assets/caf%C3%A9-form.pdf"' in fragment
    preview = (out / "html/index.html").read_text("utf-8")
    assert 'src="assets/caf%C3%A9.png"' in preview
    copied = os.listdir(out / "html/assets")
    assert copied == [f"{NFC}.png"]  # the name the encoded URL decodes to
    for feed in ("feed/rss.xml", "feed/atom.xml", "feed/feed.json"):
        text = (out / feed).read_text("utf-8")
        assert url in text or url.replace("/", "\\/") in text, feed
        assert "caf%25" not in text and "café" not in unquote(text).split("assets/")[0][-5:]


@pytest.mark.parametrize(("disk", "md"), [(NFD, NFC), (NFC, NFD)], ids=["nfd-nfc", "nfc-nfd"])
def test_non_ascii_assets_in_epub_and_pdf(tmp_path: Path, disk: str, md: str) -> None:
    import pypdf

    from tools import epubcheck

    root = asset_source(tmp_path / "s", disk, md, cover=md)
    series = ketapub.load(root, strict=True)
    assert series.cover == f"assets/{NFC}-cover.png"
    out = tmp_path / "out"
    ketapub.build(series, out, formats=["epub", "pdf"], as_of=AS_OF)
    book = out / "epub/test-series.epub"
    with zipfile.ZipFile(book) as z:
        names = set(z.namelist())
        opf = etree.fromstring(z.read("EPUB/content.opf"))
        ns = {"o": "http://www.idpf.org/2007/opf"}
        hrefs = {unquote(i.get("href")) for i in opf.iterfind(".//o:manifest/o:item", ns)}
        assert {f"EPUB/{h}" for h in hrefs} <= names
        doc = etree.fromstring(z.read("EPUB/part-01.xhtml"))
        srcs = [img.get("src") for img in doc.iter("{http://www.w3.org/1999/xhtml}img")]
        assert len(srcs) == 1
        assert z.read(posixpath.join("EPUB", unquote(srcs[0]))) == png()
        assert any(z.read(n) == png("blue") for n in names if n.startswith("EPUB/media/"))
    result = epubcheck(book)
    assert (result.fatals, result.errors, result.warnings) == (0, 0, 0), result.output
    reader = pypdf.PdfReader(out / "pdf/01-one.pdf")
    images = [img for page in reader.pages for img in page.images]
    assert len(images) == 1  # the figure reached the PDF through the fetcher


def test_names_twice_on_disk_in_nfc_and_nfd_are_ambiguous(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01-one.md": part(1, "one", f"![x](assets/{NFC}.png)\n")},
                       files={f"assets/{NFC}.png": png(), f"assets/{NFD}.png": png("blue")})
    errors = load_error(root)
    assert len(errors) == 1 and "parts/01-one.md:8:6: " in errors[0]
    assert "differ only in how their letters are encoded" in errors[0]


# --- names a web server could decode into another path ------------------------------------


@pytest.mark.parametrize(("written", "on_disk"), [
    ("assets/a%2fb.png", "assets/a/b.png"),          # an escaped slash
    ("assets/a%2Fb.png", "assets/a/b.png"),
    ("assets/a%252fb.png", "assets/a%2fb.png"),      # a name that holds "%2f"
    ("assets/100%25.png", "assets/100%.png"),        # any '%'
    ("assets/a\\b.png", "assets/a\\b.png"),          # a backslash
    ("assets/a%5cb.png", "assets/a\\b.png"),
])
def test_asset_names_with_percent_or_backslash_are_refused(tmp_path: Path, written: str,
                                                           on_disk: str) -> None:
    body = f"Text.\n\n![x]({written})\n"
    root = make_source(tmp_path / "s", {"01-one.md": part(1, "one", body)},
                       files={on_disk: png()})
    errors = load_error(root)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{root}/parts/01-one.md:10:6: image ")
    assert "web server may decode" in errors[0]


@pytest.mark.parametrize("written", ["assets/form%2f..%2fx.pdf", "assets/50%25.pdf",
                                     "assets/a%5Cb.pdf"])
def test_linked_file_names_with_percent_or_backslash_are_refused(tmp_path: Path,
                                                                 written: str) -> None:
    root = make_source(tmp_path / "s", {"01-one.md": part(1, "one", f"[f]({written})\n")},
                       files={"assets/50%.pdf": b"%PDF", "assets/a\\b.pdf": b"%PDF"})
    errors = load_error(root)
    assert len(errors) == 1 and "parts/01-one.md:8:5: link to " in errors[0], errors
    assert "web server may decode" in errors[0]


def test_cover_name_with_percent_is_refused(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", series=SERIES + "cover: assets/c%2fover.png\n",
                       files={"assets/c%2fover.png": png()})
    errors = load_error(root)
    assert len(errors) == 1 and "series.yaml:9:8: cover: " in errors[0], errors


# --- hard links ----------------------------------------------------------------------------


@pytest.mark.parametrize("rel", ["parts/02-two.md", "series.yaml", "brands/clinic.yaml",
                                 "assets/figure.png"])
def test_hard_links_are_refused(tmp_path: Path, rel: str) -> None:
    outside = tmp_path / "secret"
    outside.mkdir()
    texts = {"parts/02-two.md": part(2, "two"), "series.yaml": SERIES,
             "brands/clinic.yaml": "id: clinic\nname: Clinic\n"}
    body = "![A figure](assets/figure.png)\n" if rel.startswith("assets/") else "Text.\n"
    root = make_source(tmp_path / "s", {"01-one.md": part(1, "one", body)})
    target = root / rel
    target.parent.mkdir(exist_ok=True)
    target.unlink(missing_ok=True)
    secret = outside / "file"
    secret.write_bytes(png() if rel.startswith("assets/") else texts[rel].encode())
    os.link(secret, target)
    with pytest.raises(SourceError) as exc:
        ketapub.load(root, strict=True)
    messages = [str(d) for d in exc.value.diagnostics if "hard link" in d.message]
    where = "parts/01-one.md:8:13" if rel.startswith("assets/") else f"{rel}:1:1"
    assert messages and messages[0].startswith(f"{root}/{where}: "), exc.value


# --- invisible characters ------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\u202e", "\u2067", "\u200b", "\u2060"])
def test_invisible_characters_in_titles_and_bodies_are_flagged(tmp_path: Path,
                                                               char: str) -> None:
    text = part(1, "one", f"Take 1{char}0 mg.\n").replace('"Part 1"', f'"Part{char} 1"')
    root = make_source(tmp_path / "s", {"01-one.md": text})
    warnings = [str(d) for d in ketapub.load(root).warnings]
    code = f"U+{ord(char):04X}"
    assert any(w.startswith(f"{root}/parts/01-one.md:2:8: warning: invisible character(s) "
                            f"{code}") for w in warnings), warnings
    assert any(w.startswith(f"{root}/parts/01-one.md:8:7: warning: invisible character(s) "
                            f"{code}") for w in warnings), warnings
    assert run("validate", str(root), "--strict")[0] == 1


def test_ordinary_joiners_of_persian_and_arabic_pass(tmp_path: Path) -> None:
    # (an emoji ZWJ sequence is refused: no handout font draws emoji, see ketapub.glyphs)
    body = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 and \u0647\u200d.\n"
    root = make_source(tmp_path / "s", {"01-one.md": part(1, "one", body)})
    assert ketapub.load(root, strict=True).warnings == ()


@pytest.mark.parametrize(("key", "value"), [
    ("phone", "+1 555 \u202e0100"), ("phone", "+1\u200b555 0100"), ("phone", "555\u00ad0100"),
    ("email", "front\u200bdesk@example.org"), ("website", "https://exa\u202emple.org/"),
])
def test_invisible_characters_are_refused_where_a_reader_dials_or_visits(
        tmp_path: Path, key: str, value: str) -> None:
    brand = f"id: clinic\nname: Clinic\n{key}: {json.dumps(value)}\n"
    root = make_source(tmp_path / "s", files={"brands/clinic.yaml": brand})
    series = ketapub.load(root)
    assert series.brands == ()
    (broken,) = series.broken_brands
    assert [str(p) for p in broken.problems] == [
        p for p in (str(d) for d in broken.problems) if p.startswith(f"{root}/brands/clinic."
                                                                     f"yaml:3:")]
    assert any("invisible character" in p.message for p in broken.problems), broken.problems


def test_invisible_characters_are_refused_in_slugs_and_urls(tmp_path: Path) -> None:
    text = part(1, "one\u200b", extra="url: \"https://example.org/\u202ex\"\n")
    root = make_source(tmp_path / "s", {"01-one.md": text})
    errors = load_error(root)
    assert any(":4:7: slug: " in e for e in errors), errors
    assert any(":7:6: url: " in e and "invisible character U+202E" in e for e in errors)


# --- validate --strict refuses what the build would -----------------------------------------


def test_assets_that_differ_only_in_case_are_refused_at_load(tmp_path: Path) -> None:
    body = "![One](assets/Figure.png)\n\n![Two](assets/figure.png)\n"
    root = make_source(tmp_path / "s", {"01-one.md": part(1, "one", body)},
                       files={"assets/Figure.png": png(), "assets/figure.png": png("blue")})
    code, _, err = run("validate", str(root), "--strict")
    assert code == 1
    assert f"{root}/parts/01-one.md:10:8: assets 'assets/Figure.png' and 'assets/figure.png' " \
        "differ only in case" in err


@pytest.mark.parametrize("body", ["See [the site](https:example.org).\n",
                                  "See <a href=\"https:example.org\">the site</a>.\n",
                                  "See [the site](HTTP:/example.org).\n"])
def test_malformed_http_links_are_caught_by_validate_strict(tmp_path: Path, body: str) -> None:
    root = make_source(tmp_path / "s", {"01-one.md": part(1, "one", body)})
    code, _, err = run("validate", str(root), "--strict")
    assert code == 1
    assert f"{root}/parts/01-one.md:8:" in err and "malformed" in err, err
    # without --strict the build lands, the link dropped to its text
    out = tmp_path / "out"
    ketapub.build(ketapub.load(root), out, formats=["html"], as_of=AS_OF)
    fragment = (out / "html/one.html").read_text("utf-8")
    assert "the site" in fragment and "example.org\"" not in fragment
