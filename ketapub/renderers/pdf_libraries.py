"""WeasyPrint's system libraries found by the dynamic linker's cache alone.

Importing WeasyPrint loads Pango, HarfBuzz and fontconfig through cffi, trying several
names per library, most of them Windows or macOS spellings. On Linux each name goes to
``ctypes.util.find_library``, which asks ``ldconfig -p`` and, for a name it lacks, compiles
and links with gcc and then ld to look for it: 20 such misses cost 0.2 s in every process
that lays out a PDF (each build worker, and the build itself for a small edit).

While WeasyPrint is imported, ``find_library`` asks the linker's cache only. That changes no
library loaded: a name gcc or ld could find comes back as the bare soname, which dlopen must
then find in its own search, and WeasyPrint also tries each library's soname
(``libpango-1.0.so.0``) as given, which dlopen loads directly.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def linker_cache_only() -> Iterator[None]:
    """Let ``ctypes.util.find_library`` answer from ``ldconfig -p`` alone, within the block.

    Elsewhere than glibc Linux (no ``ldconfig`` search in ``ctypes.util``), or once WeasyPrint
    is loaded, nothing changes.
    """
    quick = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if not sys.platform.startswith("linux") or quick is None or "weasyprint" in sys.modules:
        yield
        return
    search = ctypes.util.find_library
    ctypes.util.find_library = quick
    try:
        yield
    finally:
        ctypes.util.find_library = search
