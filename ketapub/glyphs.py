"""Which font draws each character of a handout, so no glyph is ever drawn as a box.

Atkinson Hyperlegible (the handout face) covers Latin for Western European languages only.
Three OFL-licensed Noto families, Python dependencies like it, fill in what it lacks: Noto
Sans (Vietnamese, Greek, Cyrillic, most symbols), Noto Sans Arabic, and Noto Sans CJK
(Chinese, Japanese, Korean). DejaVu Sans (Hebrew, Armenian, Georgian, more symbols) is used
when the system has it (Debian's fonts-dejavu-core, which ``make rundeps`` installs); without
it those characters are refused like any other. A character no font has (an emoji, a rare
script) is refused when the source is loaded, at its line and column, rather than printed as
a box.
A handout whose text all lies in Atkinson Hyperlegible gets no fallback @font-face at all,
so its PDF is as before and WeasyPrint never opens the 19 MB CJK collection for it.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Fallback:
    """One fallback family: the CSS name it is declared under and its files by style."""

    family: str
    files: tuple[tuple[str, str], ...]
    """(CSS font-style, file name) pairs; the files are variable in weight (or one weight)."""
    weight: str
    features: str = ""
    """Extra @font-face descriptors."""

    def path(self, name: str) -> Path:
        """The path of the font file ``name`` in this family's package.

        Args:
            name: a file name of the family (``NotoSans-Regular.ttf``).
        """
        return _package_dir(self.family) / name


SYSTEM_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
"""Where Debian's fonts-dejavu-core puts DejaVu Sans."""


def _package_dir(family: str) -> Path:
    if family == "DejaVu Sans":
        return SYSTEM_DEJAVU
    if family == "Noto Sans":
        import fontpkg_noto_sans as sans

        return Path(sans.ROOT) / "files"
    if family == "Noto Sans Arabic":
        import fontpkg_noto_sans_arabic as arabic

        return Path(arabic.ROOT) / "files"
    import noto_cjk_sans_otc as cjk

    return Path(str(cjk.FONT_PATH)).parent


FALLBACKS: tuple[Fallback, ...] = (
    # Noto Sans without glyph composition ("ccmp"): it draws ọ as o plus a dot, and a PDF
    # maps each glyph to one text only, so copied and read-aloud text lost letters ("c de"
    # for "code"); the font has every precomposed letter it maps. Noto Sans Arabic keeps
    # it: without, the dots of medial letters are not drawn.
    Fallback("Noto Sans", (("normal", "NotoSans[wdth,wght].ttf"),
                           ("italic", "NotoSans-Italic[wdth,wght].ttf")), "100 900",
             ' font-feature-settings: "ccmp" 0;'),
    Fallback("Noto Sans Arabic", (("normal", "NotoSansArabic[wdth,wght].ttf"),), "100 900"),
    # One weight (Regular): bold CJK text is emboldened by the renderer. The collection's
    # first face is the Japanese one; every face maps the same characters.
    Fallback("Noto Sans CJK", (("normal", "NotoSansCJK-Regular.ttc"),), "400"),
    Fallback("DejaVu Sans", (("normal", "DejaVuSans.ttf"),), "400"),
)
"""In the order they are tried after Atkinson Hyperlegible."""

SILENT = frozenset({"Cc", "Cf", "Zl", "Zp"})
"""Categories that draw nothing (controls, joiners, direction marks): no glyph needed."""


def _silent(char: str) -> bool:
    code = ord(char)
    return (unicodedata.category(char) in SILENT or 0xFE00 <= code <= 0xFE0F
            or 0xE0100 <= code <= 0xE01EF)


@functools.cache
def _cmap(path: Path) -> frozenset[int]:
    """The code points a font file (or a collection's first face) maps to a glyph.

    Only the code points are wanted, not the glyphs' names: a placeholder name per glyph
    spares fontTools reading them, which for the CJK collection (65,535 glyphs named by its
    CFF charset) took half of the 0.23 s its cmap cost each process that lays out a handout
    needing a fallback (a footnote's ``↩`` needs DejaVu Sans, after the three Noto families).
    """
    from fontTools.ttLib import TTCollection, TTFont

    if not path.is_file():
        return frozenset()  # a system font this machine lacks: its characters are refused
    if path.suffix == ".ttc":
        font = TTCollection(str(path), lazy=True).fonts[0]
    else:
        font = TTFont(str(path), lazy=True)
    font.setGlyphOrder([f"g{gid}" for gid in range(font["maxp"].numGlyphs)])
    return frozenset(font.getBestCmap())


@functools.cache
def _primary() -> frozenset[int]:
    """Atkinson Hyperlegible's code points, read once per process.

    ``undrawable()`` asks for each character of a text that has one it lacks (47,000 asks
    for the example series).
    """
    from ketapub.fonts import font_file

    return _cmap(font_file("Regular"))


def _fallback_cmap(fallback: Fallback) -> frozenset[int]:
    return _cmap(fallback.path(fallback.files[0][1]))


def fallbacks_for(chars: Iterable[str]) -> tuple[Fallback, ...]:
    """The fallback families some of ``chars`` need (none when Atkinson has them all).

    Args:
        chars: the characters a handout shows.
    """
    primary = _primary()
    missing = {c for c in chars if ord(c) not in primary and not _silent(c)}
    wanted: list[Fallback] = []
    for fallback in FALLBACKS:
        if not missing:
            break
        cmap = _fallback_cmap(fallback)
        covered = {c for c in missing if ord(c) in cmap}
        if covered:
            wanted.append(fallback)
            missing -= covered
    return tuple(wanted)


def drawable_by(fallback: Fallback, char: str) -> bool:
    """Whether ``fallback`` itself has a glyph for ``char``.

    Args:
        fallback: a fallback family.
        char: one character.
    """
    return ord(char) in _fallback_cmap(fallback)


def drawable(char: str) -> bool:
    """Whether some handout font has a glyph for ``char`` (or it draws nothing).

    Args:
        char: one character.
    """
    code = ord(char)
    if code in _primary() or _silent(char):
        return True
    return any(code in _fallback_cmap(f) for f in FALLBACKS)


def undrawable(text: str) -> Iterator[tuple[int, int, list[str]]]:
    """(line, column, characters) for each line holding characters no handout font can draw.

    The column of the first, every distinct one in order, 1-based.

    Args:
        text: a text to check, such as a part file's.
    """
    primary = _primary()
    if all(ord(c) in primary for c in set(text)):
        return
    for n, line in enumerate(text.split("\n"), start=1):
        bad = [(col, c) for col, c in enumerate(line, start=1) if not drawable(c)]
        if bad:
            yield n, bad[0][0], list(dict.fromkeys(c for _, c in bad))


def message(chars: list[str]) -> str:
    """The diagnostic for characters no handout font draws, and how to fix it.

    Args:
        chars: the characters of one line no handout font draws, first first.
    """
    first, *more = chars
    name = unicodedata.name(first, "unnamed character")
    also = (" (and " + ", ".join(f"U+{ord(c):04X}" for c in more[:8])
            + (", ..." if len(more) > 8 else "") + " on this line)") if more else ""
    return (f"no glyph for U+{ord(first):04X} ({name}){also} in the handout fonts (Atkinson "
            "Hyperlegible, " + ", ".join(f.family for f in FALLBACKS) + "); replace it with "
            "words or a character they have, or show it as an image with alt text")


def font_face_css(fallbacks: Iterable[Fallback]) -> str:
    """@font-face rules for ``fallbacks`` and the font stacks that use them.

    Appended to a handout's stylesheet only when its text needs them.

    Args:
        fallbacks: the families a handout needs (``fallbacks_for()``).
    """
    chosen = tuple(fallbacks)
    if not chosen:
        return ""
    rules = [f'@font-face {{ font-family: "{f.family}"; font-weight: {f.weight}; '
             f'font-style: {style}; src: url("ketapub-font:{name}");{f.features} }}'
             for f in chosen for style, name in f.files]
    stack = ", ".join(['"Atkinson Hyperlegible"', *(f'"{f.family}"' for f in chosen)])
    rules.append(f"html, code, pre, kbd, samp {{ font-family: {stack}, sans-serif; }}")
    boxes = " ".join(f"@{box} {{ font-family: {stack}; }}"
                     for box in ("top-left", "top-right", "bottom-center", "bottom-left"))
    rules.append(f"@page {{ {boxes} }}")
    if any(f.family == "Noto Sans" for f in chosen):
        # Vietnamese stacks diacritics Atkinson lacks: one face per word, not letters
        # mixed from two.
        rules.append(':lang(vi) { font-family: "Noto Sans", sans-serif; }')
    return "\n" + "\n".join(rules) + "\n"


def font_path(name: str) -> Path | None:
    """The file of a fallback font by its bare name (for the PDF fetcher).

    Args:
        name: the font file's name, as the stylesheet's ``ketapub-font:`` URL gives it.
    """
    for fallback in FALLBACKS:
        for _, file_name in fallback.files:
            if file_name == name:
                return fallback.path(name)
    return None
