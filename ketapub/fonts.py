"""The packaged typeface, Atkinson Hyperlegible.

A Python dependency, not a system font, so every machine lays out and draws with the same files.
"""

from __future__ import annotations

from pathlib import Path


def font_dir() -> Path:
    """The folder of the packaged Atkinson Hyperlegible font files."""
    import fontpkg_atkinson_hyperlegible as pkg

    return Path(pkg.ROOT) / "files"


def font_file(style: str = "Regular") -> Path:
    """The packaged Atkinson Hyperlegible file of one style.

    Args:
        style: ``Regular``, ``Bold``, ``Italic`` or ``BoldItalic``; default ``Regular``.
    """
    return font_dir() / f"AtkinsonHyperlegible-{style}.ttf"
