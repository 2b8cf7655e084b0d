"""The one rule for output paths: relative, POSIX, normalised, inside the output folder.

Renderers plan paths (checked by ``safe_output_path()``, which says what is wrong), the
server maps URLs onto them, and the writer trusts a manifest's paths only when
``is_safe_path()`` accepts them; all three ask the same question here.
"""

from __future__ import annotations

import posixpath

from ketapub.errors import RenderError

LARGE_PRINT = "large-print"
"""The large-print variant: its folder (``pdf/large-print/``, ``pdf/<brand>/large-print/``)
and the ``Job.variant`` of its jobs. No brand may take this id, so the paths cannot collide."""
PRINT_SHOP = "print-shop"
"""The print-shop variant (``pdf.print_shop``): PDF/X-4 with bleed and crop marks, in
``pdf/print-shop/``."""
RESERVED_BRAND_IDS = frozenset({LARGE_PRINT, PRINT_SHOP})


def is_safe_path(path: object) -> bool:
    """Whether ``path`` is a safe relative path inside the output folder.

    True for a normalised relative POSIX path that stays inside the output folder and names nothing
    hidden (no segment-leading dot at the top).

    Args:
        path: any value, from a renderer or a manifest.
    """
    if not isinstance(path, str) or not path or "\x00" in path or "\\" in path:
        return False
    if path.startswith("/") or posixpath.normpath(path) != path:
        return False
    return not path.startswith(".") and not any(seg in ("", ".", "..")
                                                for seg in path.split("/"))


def safe_output_path(path: str) -> str:
    """``path`` if ``is_safe_path()`` accepts it; else a RenderError saying why.

    Args:
        path: the path a renderer planned.
    """
    if is_safe_path(path):
        return path
    if not path or "\x00" in path or "\\" in path or path.startswith("/"):
        raise RenderError(path or "<empty>", "output paths must be relative POSIX paths")
    raise RenderError(path, "output path leaves the output folder or is not normalised")
