"""The text of marked content, read from a page's content stream through its fonts' ToUnicode maps.

What tagging fixes need to know of a piece of content before changing how it is marked
(``pdf_leaders``, ``pdf_markers``).
"""

from __future__ import annotations

import re

import pikepdf

_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9a-fA-F]*)>")
_SHOW = {"Tj", "TJ", "'", '"'}


def mcid_of(instruction: pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage,
          ) -> int | None:
    """The MCID of a ``BDC`` operator's marked content, or None.

    Args:
        instruction: a content stream instruction.
    """
    if str(instruction.operator) != "BDC" or len(instruction.operands) != 2:
        return None
    props = instruction.operands[1]
    return int(props.MCID) if isinstance(props, pikepdf.Dictionary) and "/MCID" in props \
        else None


def texts(page: pikepdf.Page, wanted: set[int]) -> dict[int, str]:
    """The text each wanted MCID's marked content shows (MCIDs that show none left out).

    Args:
        page: the page.
        wanted: the MCIDs to read.
    """
    if not wanted:
        return {}
    fonts = _Fonts(page)
    out: dict[int, list[str]] = {}
    stack: list[int | None] = []
    font: tuple[dict[int, str], int] | None = None
    for instruction in pikepdf.parse_content_stream(page):
        op, operands = str(instruction.operator), instruction.operands
        mcid = stack[-1] if stack else None
        if op in ("BDC", "BMC"):
            stack.append(mcid_of(instruction))
        elif op == "EMC" and stack:
            stack.pop()
        elif op == "Tf":
            font = fonts.get(str(operands[0]))
        elif op in _SHOW and mcid is not None and mcid in wanted:
            out.setdefault(mcid, []).append(_decode(list(operands), font))
    return {mcid: "".join(parts) for mcid, parts in out.items()}


class _Fonts:
    """A page's fonts' ToUnicode maps, read when first used."""

    def __init__(self, page: pikepdf.Page) -> None:
        resources = page.obj.get("/Resources")
        found = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
        self.fonts = found if isinstance(found, pikepdf.Dictionary) else pikepdf.Dictionary()
        self.maps: dict[str, tuple[dict[int, str], int]] = {}

    def get(self, name: str) -> tuple[dict[int, str], int] | None:
        if name not in self.maps and name in self.fonts:
            self.maps[name] = _unicode_map(self.fonts[name])
        return self.maps.get(name)


def _decode(operands: list[pikepdf.Object], font: tuple[dict[int, str], int] | None) -> str:
    r"""The text of a text-showing operator; "\ufffd" for what the font does not map."""
    strings: list[bytes] = []
    for operand in operands:
        if isinstance(operand, pikepdf.String):
            strings.append(bytes(operand))
        elif isinstance(operand, pikepdf.Array):
            strings += [bytes(s) for s in operand if isinstance(s, pikepdf.String)]
    if font is None:
        return "\ufffd"
    mapping, width = font
    return "".join(mapping.get(int.from_bytes(s[i:i + width], "big"), "\ufffd")
                   for s in strings for i in range(0, len(s) - width + 1, width))


def _unicode_map(font: pikepdf.Object) -> tuple[dict[int, str], int]:
    """The font's code -> text map (its ToUnicode CMap) and its code length in bytes."""
    width = 2 if isinstance(font, pikepdf.Dictionary) and font.get("/Subtype") == "/Type0" \
        else 1
    cmap = font.get("/ToUnicode") if isinstance(font, pikepdf.Dictionary) else None
    if not isinstance(cmap, pikepdf.Stream):
        return {}, width
    data = cmap.read_bytes()
    mapping: dict[int, str] = {}
    for block in _BFCHAR.findall(data):
        values = _HEX.findall(block)
        for src, dst in zip(values[::2], values[1::2], strict=False):
            mapping[int(src, 16)] = _utf16(dst)
    for block in _BFRANGE.findall(data):
        for line in block.splitlines():
            values = _HEX.findall(line)
            if len(values) < 3:
                continue
            low, high = int(values[0], 16), int(values[1], 16)
            if b"[" in line:
                for n, dst in enumerate(values[2:]):
                    mapping[low + n] = _utf16(dst)
            elif high - low < 65536:
                first = int(values[2], 16)
                for n in range(high - low + 1):
                    mapping[low + n] = chr(first + n) if first + n < 0x110000 else "\ufffd"
    return mapping, width


def _utf16(hexdigits: bytes) -> str:
    return bytes.fromhex(hexdigits.decode("ascii")).decode("utf-16-be", "replace")


def _tree(tree: pikepdf.Object | None, key: str) -> list[tuple[pikepdf.Object, pikepdf.Object]]:
    """The (key, value) pairs of a PDF number tree or name tree.

    A number tree (``/Nums``) or a name tree (``/Names``), its ``/Kids`` followed.
    """
    out: list[tuple[pikepdf.Object, pikepdf.Object]] = []
    todo = [tree] if isinstance(tree, pikepdf.Dictionary) else []
    while todo:
        node = todo.pop()
        pairs = node.get(key)
        if isinstance(pairs, pikepdf.Array):
            out += [(pairs[i], pairs[i + 1]) for i in range(0, len(pairs) - 1, 2)]
        todo += [kid for kid in node.get("/Kids", []) if isinstance(kid, pikepdf.Dictionary)]
    return out


def number_tree(tree: pikepdf.Object | None) -> dict[int, pikepdf.Object]:
    """The entries of a number tree (Nums and Kids), by key.

    Args:
        tree: the tree's root, or None.
    """
    return {int(key): value for key, value in _tree(tree, "/Nums")}


def name_tree(tree: pikepdf.Object | None) -> dict[bytes, pikepdf.Object]:
    """The entries of a name tree (Names and Kids), by name.

    Args:
        tree: the tree's root, or None.
    """
    return {bytes(key): value for key, value in _tree(tree, "/Names")}
