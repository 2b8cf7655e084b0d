"""Hostile content is inert in every format.

tests/fixtures/hostile is a source written by an attacker: raw scripts, event handlers,
javascript:/data:/file: links (also obfuscated), iframes, forms, meta refresh, CSS that
imports local files, loopback and cloud-metadata URLs, an SVG logo with scripts and external
images, Jinja syntax, XML specials and control characters in titles and authors. Without
``--strict`` it builds, with a warning naming file and line for each thing removed; with
``--strict`` it fails with the same messages. Every output is checked with a real parser.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import html5lib
import pytest
from click.testing import CliRunner
from lxml import etree

import ketapub
from ketapub import sanitize, write
from ketapub.cli import main
from tests.tools import epubcheck, require

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
AS_OF = "2025-06-01T00:00:00Z"
PASSWD_MARKERS = (b"root:x:0:0", b"root:*:0:0", b"/bin/bash", b"/usr/sbin/nologin")
URL_ATTRS = ("href", "src", "action", "formaction", "poster", "data", "srcset", "background",
             "cite", "xlink:href", "{http://www.w3.org/1999/xlink}href")
BAD_ELEMENTS = {"iframe", "frame", "object", "embed", "form", "input", "button", "base",
                "applet", "foreignobject"}
FORMATS = ("pdf", "epub", "rss", "atom", "jsonfeed", "html")

# (file, text on the line, what the warning must say): each thing the build removes.
EXPECTED_WARNINGS = [
    ("parts/01-attack.md", "<script>alert('raw script')", "removed <script> element"),
    ("parts/01-attack.md", 'onclick="alert', "removed attribute 'onclick' on <p>"),
    ("parts/01-attack.md", 'onclick="alert', "removed attribute 'onmouseover' on <p>"),
    ("parts/01-attack.md", "[javascript link]", "removed javascript: link"),
    ("parts/01-attack.md", "[obfuscated link]", "removed javascript: link"),
    ("parts/01-attack.md", "[data link]", "removed data: link"),
    ("parts/01-attack.md", "[file link]", "removed file: link"),
    ("parts/01-attack.md", "raw obfuscated anchor", "removed javascript: URL in <a href>"),
    ("parts/01-attack.md", 'rel="attachment"', "removed attribute 'rel' on <a>"),
    ("parts/01-attack.md", 'rel="attachment"', "removed file: URL in <a href>"),
    ("parts/01-attack.md", '<img src="file:', "removed <img> element"),
    ("parts/01-attack.md", "<iframe", "removed <iframe> element"),
    ("parts/01-attack.md", "<form", "removed <form> element"),
    ("parts/01-attack.md", "<meta http-equiv", "removed <meta> element"),
    ("parts/01-attack.md", "<style>body", "removed <style> element"),
    ("parts/01-attack.md", "<object", "removed <object> element"),
    ("parts/01-attack.md", "<embed", "removed <embed> element"),
    ("parts/01-attack.md", "<svg><script>", "removed <svg> element"),
    ("parts/01-attack.md", "<base href", "removed <base> element"),
    ("parts/01-attack.md", "![remote image]", "remote image"),
    ("parts/01-attack.md", "![file image]", "removed file: link"),
    ("parts/01-attack.md", "[^1]: A footnote", "removed <script> element"),
    ("parts/01-attack.md", "[^1]: A footnote", "removed javascript: link"),
    ("parts/01-attack.md", "line three of a block", "removed <script> element"),
    ("parts/01-attack.md", 'onerror="x()"', "removed attribute 'onerror' on <p>"),
    ("parts/02-controls.md", "form feed", "removed control character(s) U+000C, U+001B"),
    ("series.yaml", "title:", "removed control character(s) U+0007, U+001B"),
    ("series.yaml", "- name: \"Mallory", "removed control character(s) U+0000, U+007F, U+0085"),
    ("assets/evil-logo.svg", "onload=", "removed attribute 'onload' on <svg> from SVG"),
    ("assets/evil-logo.svg", "<script>", "removed <script> element from SVG"),
    ("assets/evil-logo.svg", "onclick=", "removed attribute 'onclick' on <rect> from SVG"),
    ("assets/evil-logo.svg", "169.254.169.254", "external reference"),
    ("assets/evil-logo.svg", "file:///etc/passwd", "external reference"),
    ("assets/evil-logo.svg", "<foreignObject", "removed <foreignObject> element from SVG"),
    ("assets/evil-logo.svg", "javascript:alert('a')", "external reference"),
    ("assets/evil-logo.svg", "<use href", "external reference"),
    ("assets/evil-logo.svg", "<style>@import", "removed <style> element"),
]


def _line_of(rel: str, needle: str) -> int:
    lines = (HOSTILE / rel).read_text("utf-8").split("\n")
    return next(i for i, text in enumerate(lines, 1) if needle in text)


def _expected_lines() -> list[tuple[str, str]]:
    """(``path:line:``, message fragment) for each expected warning."""
    return [(f"{HOSTILE}/{rel}:{_line_of(rel, needle)}:", what)
            for rel, needle, what in EXPECTED_WARNINGS]


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile") / "out"
    result = ketapub.build(HOSTILE, out, as_of=AS_OF, brands=["all"], jobs=2)
    assert {a.renderer for a in result.artifacts} >= set(FORMATS)
    return out


def _files(out: Path, suffix: str) -> list[Path]:
    return sorted(p for p in out.rglob(f"*{suffix}") if p.is_file())


# --- messages ------------------------------------------------------------------------------

def test_without_strict_it_builds_and_warns_with_file_and_line_for_each_removal(
        tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(HOSTILE), "-o", str(tmp_path / "o"),
                                       "--format", "jsonfeed", "--as-of", AS_OF, "-q"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for where, what in _expected_lines():
        assert any(line.startswith(where) and "warning: " in line and what in line
                   for line in lines), f"no warning {what!r} at {where}"
    assert all(re.match(r"^\S+:\d+:\d+: warning: ", line) for line in lines), lines
    assert "Traceback" not in result.output


def test_with_strict_the_same_source_fails_with_those_messages(tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = CliRunner().invoke(main, ["build", str(HOSTILE), "-o", str(out), "--strict",
                                       "--format", "jsonfeed", "--as-of", AS_OF])
    assert result.exit_code == 1, result.output
    for where, what in _expected_lines():
        assert any(line.startswith(where) and what in line and "warning:" not in line
                   for line in result.output.splitlines()), f"no error {what!r} at {where}"
    assert "nothing was written" in result.output
    assert not out.exists()
    assert "Traceback" not in result.output


def test_validate_strict_fails_too() -> None:
    result = CliRunner().invoke(main, ["validate", str(HOSTILE), "--strict"])
    assert result.exit_code == 1
    assert "removed <script> element" in result.output


# --- every output -----------------------------------------------------------------------------

def test_nothing_of_the_machine_leaks_into_any_output(hostile_out: Path) -> None:
    for path in hostile_out.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        blobs = [data]
        if path.suffix == ".epub":
            with zipfile.ZipFile(path) as z:
                blobs += [z.read(n) for n in z.namelist()]
        for blob in blobs:
            for marker in PASSWD_MARKERS:
                assert marker not in blob, f"{path} holds {marker!r}"


def test_jinja_syntax_in_content_is_text_never_evaluated(hostile_out: Path) -> None:
    fragment = (hostile_out / "html/attack.html").read_text("utf-8")
    assert "{{ 7*7 }}" in fragment and "{% for x in range(3) %}X{% endfor %}" in fragment
    assert "XXX" not in fragment
    feed = json.loads((hostile_out / "feed/feed.json").read_text("utf-8"))
    assert feed["title"].startswith("Hostile[31m {{ 7*7 }} {% for x in range(3) %}loop")
    assert feed["authors"][0]["name"] == "Mallory <img src=x onerror=alert(1)> ]]> & {{ 6*7 }}"
    text = subprocess.run([require("pdftotext"), str(hostile_out / "pdf/01-attack.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "{{ 7*7 }}" in text
    assert "looplooploop" not in text


def _check_html_tree(doc: etree._Element, where: str) -> None:
    """No element, attribute or URL in a parsed document that could run, fetch or frame."""
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        tag = etree.QName(el).localname.lower()
        assert tag not in BAD_ELEMENTS, f"{where}: <{tag}>"
        if tag == "script":
            assert el.get("type") == "application/ld+json", f"{where}: executable <script>"
            json.loads(el.text or "")  # a hostile title did not break out of the data block
        if tag == "meta":
            assert (el.get("http-equiv") or "").lower() != "refresh", f"{where}: meta refresh"
        if tag == "style":
            css = (el.text or "").lower()
            assert "url(" not in css or "file:" not in css, f"{where}: style url(file:)"
            assert "@import" not in css, f"{where}: @import"
        if tag == "link" and el.get("href") == "data:,":  # the preview page's empty favicon
            continue
        if tag == "link":
            href = el.get("href") or ""
            assert not re.match(r"^[a-z]+:", href) or href.startswith("https://"), where
        for name, value in el.attrib.items():
            local = etree.QName(name).localname.lower() if name.startswith("{") else name.lower()
            assert not local.startswith("on"), f"{where}: {local}= on <{tag}>"
            assert local != "style" or "url(" not in value.lower(), f"{where}: style url()"
            if local in URL_ATTRS or name in URL_ATTRS:
                assert sanitize.url_is_safe(value), f"{where}: {local}={value!r}"
                assert "/etc/passwd" not in value, f"{where}: {local}={value!r}"
                if local in ("src", "srcset", "data", "poster", "background"):
                    assert "127.0.0.1" not in value and "169.254" not in value, where


def test_html_fragments_are_inert(hostile_out: Path) -> None:
    pages = _files(hostile_out / "html", ".html")
    assert len(pages) >= 5
    for page in pages:
        text = page.read_text("utf-8")
        doc = html5lib.parse(text, treebuilder="lxml", namespaceHTMLElements=False)
        _check_html_tree(doc.getroot(), str(page))
        assert not re.search(r"=\s*[\"']?\s*(java|vb)script:", text, re.IGNORECASE), page
    # fragments.json holds plain text and links only: every link is a web URL or one of the
    # fragment files next to it
    index = json.loads((hostile_out / "html/fragments.json").read_text("utf-8"))
    values = list(_json_strings(index))
    urls = [v for k, v in values if k == "url"]
    files = [v for k, v in values if k in ("fragment", "card", "hub", "stylesheet", "preview")]
    assert len(urls) >= 3 and len(files) >= 5, values
    for url in urls:
        assert re.match(r"https?://[^/\s]+/", url) and sanitize.url_is_safe(url), url
    for name in files:
        assert write.is_safe_path(name) and (hostile_out / "html" / name).is_file(), name
    for asset in _files(hostile_out / "html", ".svg"):
        _check_svg(asset.read_bytes(), str(asset))


def _json_strings(value: object, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _json_strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v, key)
    elif isinstance(value, str):
        yield key, value


def _check_svg(data: bytes, where: str) -> None:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    _check_html_tree(root, where)
    for el in root.iter():
        if isinstance(el.tag, str):
            assert etree.QName(el).localname not in ("script", "foreignObject"), where
            for name, value in el.attrib.items():
                if etree.QName(name).localname == "href":
                    assert value.startswith("#"), f"{where}: href={value!r}"


def test_feeds_are_well_formed_and_inert(hostile_out: Path) -> None:
    import feedparser

    for name in ("rss.xml", "atom.xml"):
        data = (hostile_out / "feed" / name).read_bytes()
        etree.fromstring(data)  # well-formed XML despite <, &, ]]> and controls in the source
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, (name, parsed.get("bozo_exception"))
        assert parsed.feed.title.startswith("Hostile")
        # specials survive as text (the quotes typographic, as in every displayed title)
        assert '<b>&amp; ]]> \u201cq\u201d' in parsed.feed.title
        for entry in parsed.entries:
            for content in [*entry.get("content", []), entry.get("summary_detail", {})]:
                value = content.get("value", "") if content else ""
                doc = html5lib.parse(value, treebuilder="lxml", namespaceHTMLElements=False)
                _check_html_tree(doc.getroot(), f"{name} item")
    feed = json.loads((hostile_out / "feed/feed.json").read_text("utf-8"))
    for item in feed["items"]:
        doc = html5lib.parse(item["content_html"], treebuilder="lxml",
                             namespaceHTMLElements=False)
        _check_html_tree(doc.getroot(), "feed.json item")
    from icalendar import Calendar

    ics = (hostile_out / "feed/schedule.ics").read_bytes()
    Calendar.from_ical(ics)
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", ics)


def test_epub_is_inert_and_epubcheck_clean(hostile_out: Path) -> None:
    book = next((hostile_out / "epub").glob("*.epub"))
    result = epubcheck(book)
    assert (result.fatals, result.errors) == (0, 0), result.output
    with zipfile.ZipFile(book) as z:
        for name in z.namelist():
            data = z.read(name)
            if name.endswith((".xhtml", ".opf", ".ncx")):
                doc = etree.fromstring(data)
                _check_html_tree(doc, f"{book.name}!{name}")
            if name.endswith(".svg"):
                _check_svg(data, f"{book.name}!{name}")


def test_pdfs_have_no_embedded_files_actions_or_local_links(hostile_out: Path) -> None:
    import pikepdf

    pdfs = _files(hostile_out / "pdf", ".pdf")
    assert len(pdfs) == 5  # two handouts, the booklet, two branded handouts
    for path in pdfs:
        with pikepdf.open(path) as pdf:
            names = pdf.Root.get("/Names")
            assert names is None or "/EmbeddedFiles" not in names, f"{path}: embedded files"
            assert "/OpenAction" not in pdf.Root or "/JS" not in str(pdf.Root.OpenAction)
            assert "/AA" not in pdf.Root
            for page in pdf.pages:
                for annot in page.get("/Annots", []):
                    subtype = str(annot.get("/Subtype"))
                    assert subtype != "/FileAttachment", f"{path}: file attachment"
                    action = annot.get("/A")
                    if action is None:
                        continue
                    kind = str(action.get("/S"))
                    assert kind in ("/URI", "/GoTo"), f"{path}: {kind} action"
                    if kind == "/URI":
                        uri = str(action.URI)
                        assert sanitize.url_is_safe(uri), f"{path}: link to {uri!r}"
                        assert not uri.lower().startswith(("file:", "javascript:", "data:"))
        raw = path.read_bytes()
        for needle in (b"/EmbeddedFile", b"/JavaScript", b"/Launch", b"/FileAttachment"):
            assert needle not in raw, f"{path}: {needle!r}"


def test_pdf_with_the_hostile_logo_renders_the_cleaned_svg(hostile_out: Path) -> None:
    text = subprocess.run([require("pdftotext"), str(hostile_out / "pdf/evil/01-attack.pdf"),
                           "-"], capture_output=True, text=True, check=True).stdout
    assert "Evil Clinic <script>alert(1)</script>" in text  # shown as text, not run


# --- nothing is fetched, by any renderer ------------------------------------------------------

class _Canary(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def canary() -> Iterator[tuple[str, list[str]]]:
    _Canary.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", _Canary.hits
    finally:
        server.shutdown()
        server.server_close()


def test_no_renderer_fetches_any_url_from_the_content(tmp_path: Path,
                                                      canary: tuple[str, list[str]]) -> None:
    base, hits = canary
    src = tmp_path / "src"
    shutil.copytree(HOSTILE, src)
    for path in src.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".svg", ".yaml"):
            text = path.read_text("utf-8")
            text = re.sub(r"http://(127\.0\.0\.1(:\d+)?|169\.254\.169\.254)/", base, text)
            path.write_text(text, "utf-8")
    assert base in (src / "parts/01-attack.md").read_text()
    ketapub.build(src, tmp_path / "out", as_of=AS_OF, brands=["all"], jobs=1)
    assert hits == []


def test_the_pdf_fetcher_refuses_anything_that_is_not_an_asset(
        tmp_path: Path, canary: tuple[str, list[str]]) -> None:
    from ketapub.renderers.pdf_fetch import FetchRefused, SafeFetcher

    base, hits = canary
    fetcher = SafeFetcher({"assets/x.svg": ("image/svg+xml", b"<svg/>")})
    for url in (base + "x.png", "file:///etc/passwd", "http://169.254.169.254/",
                "ketapub-asset:../../etc/passwd", "ketapub-asset:/etc/passwd",
                "ketapub-asset:assets/%2e%2e/%2e%2e/etc/passwd", "ftp://127.0.0.1/"):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
    assert fetcher.fetch("ketapub-asset:assets/x.svg") is not None
    assert hits == []


def test_a_hostile_template_cannot_fetch_either(tmp_path: Path,
                                                 canary: tuple[str, list[str]]) -> None:
    """Templates are trusted code, yet even they cannot make the PDF fetch or read files."""
    base, hits = canary
    tpl = tmp_path / "tpl" / "pdf"
    tpl.mkdir(parents=True)
    (tpl / "handout.html").write_text(
        '{% extends "ketapub:pdf/handout.html" %}{% block content %}'
        f'<img src="{base}x.png"><img src="file:///etc/passwd">'
        f'<link rel="stylesheet" href="{base}evil.css">'
        '<a rel="attachment" href="file:///etc/passwd">x</a>{{ super() }}{% endblock %}',
        "utf-8")
    data = ketapub.render(HOSTILE, "pdf", as_of=AS_OF, path="pdf/01-attack.pdf",
                          templates=[str(tmp_path / "tpl")])
    pdf = data["pdf/01-attack.pdf"]
    assert hits == []
    for marker in PASSWD_MARKERS:
        assert marker not in pdf
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        names = doc.Root.get("/Names")
        assert names is None or "/EmbeddedFiles" not in names
