"""Laid-out pieces of PDFs, kept between builds by what they were laid out from.

A piece (a part of the booklet, its front matter, its page stamps) is the PDF WeasyPrint
makes of an HTML document and a stylesheet; laid out again from the same HTML, stylesheet,
assets, fonts and versions it gives the same bytes, so the key is the hash of all of them and
a hit is exactly what a layout would give. An edit of part 3 then lays out part 3 again, not
the five others.

Pieces are kept in this process (a few, for a warm process) and in a folder:
``KETAPUB_CACHE_DIR`` when set (empty: no folder), else ``$XDG_CACHE_HOME/ketapub`` or
``~/.cache/ketapub``. The folder only ever saves time: a missing, unreadable or damaged
entry is laid out again, the folder is pruned to the newest ``KEEP`` entries, and
nothing in an output depends on it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

from ketapub.renderers import pdf_engine

KEEP = 400
"""Entries the folder keeps (a six-part series in a few variants needs a few dozen)."""
_MEMORY = 24
_SCHEMA = b"ketapub-layout-2"
_memory: OrderedDict[str, tuple[bytes, list[str]]] = OrderedDict()


def folder() -> Path | None:
    """Where pieces are kept between processes (None: only in this process)."""
    chosen = os.environ.get("KETAPUB_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) / "layouts" if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ketapub" / "layouts"


def salt(assets: Mapping[str, tuple[str, bytes]]) -> str:
    """What a layout depends on besides its HTML and CSS.

    The assets it may show, the bundled fonts and the versions of the code that lays it out.

    Args:
        assets: in-memory files by URL path, as (media type, bytes).
    """
    digest = hashlib.sha256(_code())
    for path in sorted(assets):
        media_type, data = assets[path]
        digest.update(f"{path}\0{media_type}\0{len(data)}\0".encode())
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


@functools.cache
def _code() -> bytes:
    """The hash of what makes a piece's bytes besides its input.

    The versions, the code that lays out and tags, the bundled fonts (once per process).
    """
    import weasyprint

    from ketapub import __version__
    from ketapub.fonts import font_dir
    from ketapub.renderers import pdf_fetch, pdf_tags

    digest = hashlib.sha256(_SCHEMA)
    digest.update(f"{weasyprint.__version__}\0{__version__}\0".encode())
    for module in (pdf_engine, pdf_fetch, pdf_tags):
        digest.update(hashlib.sha256(Path(str(module.__file__)).read_bytes()).digest())
    for font in sorted(font_dir().glob("*")):
        digest.update(font.name.encode() + b"\0" + hashlib.sha256(font.read_bytes()).digest())
    return digest.digest()


def layout(html: str, css: str, assets: Mapping[str, tuple[str, bytes]], templates_dir: Path,
           salted: str, keep: bool = True, extra_css: str = "",
           ) -> tuple[bytes, list[str], bool]:
    """The PDF of ``html`` with ``css``, laid out now or kept from before.

    Also its pages' CSS page types, and whether it was laid out now (False: kept from before).

    Args:
        html: the document.
        css: its stylesheet.
        assets: in-memory files by URL path, as (media type, bytes).
        templates_dir: the built-in templates folder.
        salted: ``salt()`` of the assets.
        keep: keep the layout on disk for other processes; False: in this process only (a
            clinic's pieces: one per clinic, a thousand clinics would push every part out of
            the folder). Default True.
        extra_css: as ``pdf_engine.write_pdf_pages()`` takes it; default none.
    """
    digest = hashlib.sha256(salted.encode())
    for text in (css, extra_css, html):
        digest.update(hashlib.sha256(text.encode("utf-8")).digest())
    key = digest.hexdigest()
    hit = _memory.get(key)
    if hit is not None:
        _memory.move_to_end(key)
        return hit[0], list(hit[1]), False
    where = folder() if keep else None
    kept = _read(where / f"{key}.pdf") if where else None
    if kept is not None:
        _remember(key, kept)
        return kept[0], list(kept[1]), False
    data, names = pdf_engine.write_pdf_pages(html, css, assets, templates_dir,
                                             extra_css=extra_css)
    _remember(key, (data, names))
    if where:
        _write(where, key, data, names)
    return data, names, True


def _remember(key: str, value: tuple[bytes, list[str]]) -> None:
    _memory[key] = value
    while len(_memory) > _MEMORY:
        _memory.popitem(last=False)


def _read(path: Path) -> tuple[bytes, list[str]] | None:
    """An entry: the page types on the first line (a JSON list), then the PDF (None if unusable)."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head, sep, data = blob.partition(b"\n")
    if not sep or not data.startswith(b"%PDF-") or not data.rstrip().endswith(b"%%EOF"):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept longest
    try:
        names = json.loads(head)
    except ValueError:
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None
    return data, names


def _write(where: Path, key: str, data: bytes, names: list[str]) -> None:
    """Store an entry atomically (another build may read it at the same time).

    A folder that cannot be written only costs the next build this layout.
    """
    try:
        where.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(json.dumps(names).encode("ascii") + b"\n" + data)
        os.replace(tmp, where / f"{key}.pdf")
        entries = sorted(where.glob("*.pdf"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        return
