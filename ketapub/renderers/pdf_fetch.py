"""The only way WeasyPrint may read anything while making a PDF.

Three opaque URL schemes, nothing else: ``ketapub-asset:<path>`` (a series asset, already in
memory), ``ketapub-font:<file>`` (the packaged typeface) and ``ketapub-template:<path>`` (a file
of the built-in templates folder), plus self-contained ``data:`` URLs (the QR code). No
network, no ``file:``, no redirects: any other URL is refused and remembered, so a hostile
template or an SVG asset with an ``<image href="file:///etc/passwd">`` cannot pull a byte of
the machine into the document.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote

from ketapub import glyphs
from ketapub.errors import FetchRefused
from ketapub.fonts import font_dir
from ketapub.renderers.pdf_libraries import linker_cache_only
from ketapub.terminal import visible

with linker_cache_only():  # the first import of WeasyPrint: see pdf_libraries
    from weasyprint.urls import URLFetcher, URLFetcherResponse

LOG = logging.getLogger("ketapub.pdf")

ASSET = "ketapub-asset:"
FONT = "ketapub-font:"
TEMPLATE = "ketapub-template:"
_DATA_RE = re.compile(r"^data:([^,;]*)((?:;[^,;]*)*),(.*)$", re.S)
_SAFE_NAME = re.compile(r"^[^\W_][^\x00-\x1f\x7f-\x9f\\%]*\Z")
"""A name starting with a letter or digit of any alphabet (``café.png`` is an asset), with no
control character, backslash or ``%`` once decoded."""


def _clean(rel: str) -> str | None:
    """A normalised relative path, or None when it is absolute, escapes or looks odd."""
    rel = unquote(rel.split("#", 1)[0].split("?", 1)[0])
    norm = posixpath.normpath(rel)
    if not _SAFE_NAME.match(rel) or norm != rel or norm.startswith(("..", "/")):
        return None
    return norm


class SafeFetcher(URLFetcher):
    """A WeasyPrint 70 URL fetcher that serves in-memory assets and built-in files only.

    Args:
        assets: in-memory files by URL path, as (media type, bytes); default none.
        templates_dir: the built-in templates folder whose files may be fetched; default none.
    """

    def __init__(self, assets: Mapping[str, tuple[str, bytes]] | None = None,
                 templates_dir: Path | None = None) -> None:
        # No handlers are used at all: ``fetch`` never reaches urllib's opener.
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self._assets = dict(assets or {})
        self._templates = templates_dir
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """The bytes of ``url`` if it is a series asset or a built-in file; else refuse it."""
        try:
            media_type, data = self._resolve(url)
        except FetchRefused:
            self.refused.append(url)
            LOG.warning("refused to fetch %s: a PDF may use only series assets and "
                        "built-in files", visible(url[:200]))  # logged to a terminal
            raise
        return URLFetcherResponse(url, data, {"Content-Type": media_type})

    def _resolve(self, url: str) -> tuple[str, bytes]:
        found: tuple[str, bytes] | None = None
        if url.startswith(ASSET):
            rel = _clean(url[len(ASSET):])
            if rel is not None and rel in self._assets:
                found = self._assets[rel]
        elif url.startswith(FONT):
            found = _font(_clean(url[len(FONT):]))
        elif url.startswith(TEMPLATE) and self._templates is not None:
            found = _template(self._templates, _clean(url[len(TEMPLATE):]))
        elif url.startswith("data:"):
            found = _data_url(url)
        if found is None:
            raise FetchRefused(url)
        return found


def _font(name: str | None) -> tuple[str, bytes] | None:
    """A bundled font file by its bare name."""
    if name is not None and "/" not in name and name.endswith((".ttf", ".ttc")):
        path = glyphs.font_path(name) or font_dir() / name
        if path.is_file():
            return ("font/collection" if name.endswith(".ttc") else "font/ttf"), path.read_bytes()
    return None


def _template(templates: Path, rel: str | None) -> tuple[str, bytes] | None:
    """A file of the template folder, never one a link inside it leads out to."""
    if rel is not None:
        path = templates / rel
        root = templates.resolve()
        real = path.resolve()
        if real.is_relative_to(root) and real.is_file():
            media_type = mimetypes.guess_type(rel)[0] or "application/octet-stream"
            return media_type, real.read_bytes()
    return None


def _data_url(url: str) -> tuple[str, bytes]:
    """Decode a ``data:`` URL (self-contained: it cannot reach anything)."""
    match = _DATA_RE.match(url)
    if not match:
        raise FetchRefused(url)
    media_type = match.group(1) or "text/plain"
    params, payload = match.group(2), match.group(3)
    if ";base64" in params:
        try:
            return media_type, base64.b64decode(payload, validate=False)
        except ValueError:
            raise FetchRefused(url) from None
    return media_type, unquote(payload).encode("utf-8")
