"""WeasyPrint, driven safely and reproducibly, with per-process caches.

One ``FontConfiguration`` per worker process and parsed stylesheets cached by their text:
parsing the CSS and loading the @font-face files once saves a good share of every handout
after the first. Every document goes through ``SafeFetcher``, is tagged (PDF/UA-1),
gets no attachments whatever the HTML says, and carries only dates the HTML gives it.
What WeasyPrint cannot tag right is fixed afterwards with pikepdf (``pdf_tags``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ketapub import glyphs
from ketapub.renderers import pdf_actual_text, pdf_lang, pdf_tags
from ketapub.renderers.pdf_fetch import SafeFetcher

_FONT_CONFIG: Any = None
_CSS_CACHE: dict[str, Any] = {}
_CSS_CACHE_MAX = 16


def font_config() -> Any:
    """The process's one WeasyPrint font configuration, made on first use."""
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _quiet_weasyprint()
        pdf_lang.install()
        pdf_actual_text.install()
        _FONT_CONFIG = FontConfiguration()
        _remove_at_exit(_FONT_CONFIG)
    return _FONT_CONFIG


def _remove_at_exit(config: Any) -> None:
    """Remove WeasyPrint's font folder when the process exits.

    WeasyPrint keeps @font-face files in a temp folder that it removes when the font configuration
    is garbage collected, which a process that exits never does: every worker left one
    ``weasyprint-*`` folder behind. Remove it at exit, in the main process (atexit) and in worker
    processes (multiprocessing runs its finalizers, not atexit, and runs only those its own process
    registered).
    """
    import atexit
    from multiprocessing import util

    def remove() -> None:
        folder = getattr(config, "_folder", None)
        if folder:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
            config._folder = None

    atexit.register(remove)
    util.Finalize(config, remove, exitpriority=10)


def _quiet_weasyprint() -> None:
    """WeasyPrint warns about CSS it ignores on every document; keep errors only."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)


def stylesheet(css: str, templates_dir: Path) -> Any:
    """The parsed stylesheet for ``css`` (cached per process by its text).

    Args:
        css: the stylesheet's text.
        templates_dir: the built-in templates folder, its base URL.
    """
    from weasyprint import CSS

    key = hashlib.sha256(css.encode("utf-8")).hexdigest()
    sheet = _CSS_CACHE.get(key)
    if sheet is None:
        fetcher = SafeFetcher(templates_dir=templates_dir)
        sheet = CSS(string=css, url_fetcher=fetcher, font_config=font_config())
        if len(_CSS_CACHE) >= _CSS_CACHE_MAX:
            _CSS_CACHE.pop(next(iter(_CSS_CACHE)))
        _CSS_CACHE[key] = sheet
    return sheet


def _display_title(document: Any, pdf: Any) -> None:
    """PDF/UA: viewers show the document title, not the file name."""
    import pydyf

    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})


def _page_name(page: Any) -> str:
    """The CSS page type a WeasyPrint page was laid out as ("" for the default)."""
    page_type = getattr(getattr(page, "_page_box", None), "page_type", None)
    return str(getattr(page_type, "name", None) or "")


def write_pdf(html: str, css: str, assets: Mapping[str, tuple[str, bytes]],
              templates_dir: Path, print_shop: str | None = None) -> bytes:
    """Lay out ``html`` with ``css`` and return the PDF bytes.

    A URL the fetcher refuses is logged by it (``ketapub.pdf``) and left out of the document.

    Args:
        html: the document.
        css: its stylesheet.
        assets: in-memory files by URL path, as (media type, bytes).
        templates_dir: the built-in templates folder, whose files may be fetched.
        print_shop: for a print-shop PDF/X-4, the instant (ISO 8601) to date it with when the
            HTML gives none (PDF/X requires both dates, and WeasyPrint would take the wall
            clock); the file then carries the 3 mm bleed and crop marks of
            ``pdf_print.CSS``, an sRGB output intent, and still its tags and PDF/UA-1 claim
            (``pdf_print.finish``). Default None: a screen PDF.
    """
    return write_pdf_pages(html, css, assets, templates_dir, print_shop)[0]


def write_pdf_pages(html: str, css: str, assets: Mapping[str, tuple[str, bytes]],
                    templates_dir: Path, print_shop: str | None = None, extra_css: str = "",
                    ) -> tuple[bytes, list[str]]:
    """Like ``write_pdf()``, also giving each page's CSS page type.

    An assembler needs the page types ("" for none) to stamp each page as its layout would
    have drawn it.

    Args:
        html: the document.
        css: its stylesheet, parsed once per process.
        assets: in-memory files by URL path, as (media type, bytes).
        templates_dir: the built-in templates folder, whose files may be fetched.
        print_shop: as ``write_pdf()`` takes it.
        extra_css: a few rules after ``css``, parsed for this document only (a clinic's
            footer note on the stylesheet all clinics share); default none.
    """
    from weasyprint import CSS, HTML

    from ketapub.renderers import pdf_print

    fetcher = SafeFetcher(assets, templates_dir)
    fonts = font_config()
    css += glyphs.font_face_css(glyphs.fallbacks_for(set(html)))
    sheet = stylesheet(css + pdf_print.CSS if print_shop else css, templates_dir)
    variant = "pdf/x-4" if print_shop else "pdf/ua-1"
    extra: dict[str, Any] = {"pdf_tags": True, "output_intent": "srgb"} if print_shop else {}
    sheets = [sheet]
    if extra_css:
        sheets.append(CSS(string=extra_css, url_fetcher=SafeFetcher(templates_dir=templates_dir),
                          font_config=fonts))
    doc = HTML(string=html, url_fetcher=fetcher).render(
        font_config=fonts, stylesheets=sheets, pdf_variant=variant, **extra)
    if print_shop:
        doc.metadata.created = doc.metadata.created or print_shop
        doc.metadata.modified = doc.metadata.modified or print_shop
    # No attachments, ever: neither <link rel=attachment> nor <a rel=attachment>.
    doc.metadata.attachments = []
    for page in doc.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    names = [_page_name(page) for page in doc.pages]
    with _fixed_font_time():
        data: bytes = doc.write_pdf(pdf_variant=variant, pdf_identifier=True,
                                    attachments=None, finisher=_display_title, **extra)
    data = pdf_tags.finish(data)
    return (pdf_print.finish(data) if print_shop else data), names


_FONT_TIME = threading.Lock()


@contextmanager
def _fixed_font_time() -> Iterator[None]:
    """Keep the wall clock out of the fonts FontTools writes.

    FontTools stamps a font it writes (a subset, or an instance of a variable font such as the Noto
    fallbacks) with the wall clock in ``head.modified``; the PDF would then differ from one run to
    the next. While WeasyPrint writes the PDF, that stamp is 0 (the lock keeps two threads from
    restoring the clock under each other).
    """
    from fontTools.ttLib.tables import _h_e_a_d

    with _FONT_TIME:
        clock = _h_e_a_d.timestampNow
        _h_e_a_d.timestampNow = lambda: 0
        try:
            yield
        finally:
            _h_e_a_d.timestampNow = clock
