"""Safe fetching: a PDF may read series assets and built-in files only. Hostile URLs in a
user template, a CSS url(), an attachment link and an SVG <image> must leave no trace in the
PDF, and a real HTTP server on 127.0.0.1 must see no request."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from conftest import SINK_AS_OF

import ketapub
from ketapub.render.base import builtin_templates_dir
from ketapub.renderers.pdf_fetch import FetchRefused, SafeFetcher

SECRET = b"TOP-SECRET-LOCAL-FILE-7f3a"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/svg+xml")
            self.end_headers()
            self.wfile.write(b'<svg xmlns="http://www.w3.org/2000/svg"><text>'
                             + SECRET + b"</text></svg>")

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("outside") / "secret.txt"
    path.write_bytes(SECRET + b"\n")
    return path


def test_fetcher_serves_assets_fonts_templates_and_data() -> None:
    fetcher = SafeFetcher({"assets/a.svg": ("image/svg+xml", b"<svg/>")}, builtin_templates_dir())
    assert fetcher.fetch("ketapub-asset:assets/a.svg").read() == b"<svg/>"
    font = fetcher.fetch("ketapub-font:AtkinsonHyperlegible-Regular.ttf")
    assert font.read()[:4] == b"\x00\x01\x00\x00"
    assert b"@page" in fetcher.fetch("ketapub-template:pdf/print.css").read()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    assert fetcher.refused == []


def test_fetcher_refuses_everything_else(server: tuple[str, list[str]], secret_file: Path) -> None:
    base, hits = server
    fetcher = SafeFetcher({"assets/a.svg": ("image/svg+xml", b"<svg/>")}, builtin_templates_dir())
    hostile = [
        "file:///etc/passwd", secret_file.as_uri(), f"{base}/x.png", "http://localhost/x",
        "https://example.org/x.png", "ftp://127.0.0.1/x", "ketapub-asset:../series.yaml",
        "ketapub-asset:/etc/passwd", "ketapub-asset:assets/../assets/a.svg",
        "ketapub-asset:assets/missing.svg", "ketapub-font:../../../../etc/passwd",
        "ketapub-font:AtkinsonHyperlegible-Regular.otf",
        "ketapub-template:../pyproject.toml", "ketapub-template:/etc/passwd",
        "ketapub-template:pdf/../../pyproject.toml", "javascript:alert(1)",
    ]
    for url in hostile:
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
    assert fetcher.refused == hostile
    assert hits == []


def _hostile_source(root: Path, base: str, secret: Path) -> Path:
    import shutil

    from conftest import SINK

    shutil.copytree(SINK, root)
    (root / "assets" / "diagram.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="100" height="50"><rect width="100" height="50" fill="#ccd"/>'
        f'<image href="{secret.as_uri()}" width="10" height="10"/>'
        f'<image xlink:href="{base}/svg-image.svg" width="10" height="10"/>'
        '<image href="file:///etc/passwd" width="10" height="10"/></svg>', "utf-8")
    part = root / "parts" / "01-everything.md"
    part.write_text(part.read_text("utf-8") + (
        f'\n<a rel="attachment" href="{secret.as_uri()}">raw attachment</a>\n'
        f'\n<img src="{base}/raw-img.png" alt="x">\n'), "utf-8")
    return root


def _hostile_templates(root: Path, base: str, secret: Path) -> Path:
    """A user template that tries every door: images, attachments, CSS, loopback."""
    (root / "pdf").mkdir(parents=True)
    (root / "pdf" / "handout.html").write_text(
        '{% extends "ketapub:pdf/handout.html" %}{% block content %}{{ super() }}'
        f'<link rel="attachment" href="{secret.as_uri()}">'
        '<link rel="attachment" href="file:///etc/passwd">'
        f'<a rel="attachment" href="{secret.as_uri()}">attached</a>'
        '<a rel="attachment" href="ketapub-asset:assets/diagram.svg">asset attached</a>'
        f'<img src="{secret.as_uri()}" alt="a"><img src="file:///etc/passwd" alt="b">'
        f'<img src="{base}/template-img.png" alt="c">'
        f'<img src="ketapub-template:../pyproject.toml" alt="d">'
        f'<style>@import url("{secret.as_uri()}"); @import url("{base}/import.css");'
        f'body {{ background: url("{secret.as_uri()}"); }}'
        f'.kicker {{ background-image: url("{base}/bg.png"); }}'
        f'@font-face {{ font-family: X; src: url("{base}/font.ttf"); }}'
        'p { font-family: X, "Atkinson Hyperlegible"; }</style>'
        '{% endblock %}', "utf-8")
    return root


def test_hostile_sources_and_templates_leave_no_trace(tmp_path: Path,
                                                      server: tuple[str, list[str]],
                                                      secret_file: Path) -> None:
    base, hits = server
    source = _hostile_source(tmp_path / "src", base, secret_file)
    templates = _hostile_templates(tmp_path / "tpl", base, secret_file)
    path = "pdf/01-everything.pdf"
    data = ketapub.render(source, "pdf", as_of=SINK_AS_OF, path=path,
                          templates=[str(templates)])[path]
    assert hits == [], f"the loopback server was contacted: {hits}"
    out = tmp_path / "h.pdf"
    out.write_bytes(data)
    with pikepdf.open(out) as pdf:
        assert "/EmbeddedFiles" not in pdf.Root.get("/Names", {})
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                assert annot.get("/Subtype") != "/FileAttachment"
        blobs = [obj.read_bytes() for obj in pdf.objects if isinstance(obj, pikepdf.Stream)]
    for blob in [data, *blobs]:
        assert SECRET not in blob
        assert b"root:x:0:0" not in blob
        assert b"[build-system]" not in blob
    assert b"/FileAttachment" not in data and b"/EmbeddedFile" not in data
    # The document itself still rendered, with the legitimate pieces.
    import pypdf

    first = pypdf.PdfReader(out).pages[0]
    assert "Everything at once" in first.extract_text()
    fonts = {str(f.get_object().get("/BaseFont")) for f in first["/Resources"]["/Font"].values()}
    assert any("Atkinson" in name for name in fonts)
