"""An independent PDF/UA-1 checker, written with pikepdf because veraPDF cannot be installed.

Each check is named by the veraPDF PDF/UA-1 profile's rule id (ISO 14289-1 clause and test
number, "7.2-20"). Checks that veraPDF's PDF/UA-1 profile has no rule for, but that its
clause requires and a reader notices, carry an ``x-`` id under that clause
("x-7.18.5-overlap": link annotations inside link annotations). The checker reads only the
PDF: the structure tree, the parent tree, the page content streams, annotations and fonts,
never what ketapub meant to write.

    python tests/pdfua_rules.py FILE.pdf ...
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

# Every rule this module checks, with what a finding under it means.
RULES: dict[str, str] = {
    "5-1": "the XMP metadata declares PDF/UA (pdfuaid:part 1)",
    "7.1-1": "no Artifact inside tagged content",
    "7.1-2": "no tagged content inside an Artifact",
    "7.1-3": "every painted object is an Artifact or tagged content the structure tree reaches",
    "x-7.1-leader": "a dot leader (a row of four or more dots) is an Artifact, not text a "
                    "structure element reads aloud",
    "7.1-8": "the catalog has a Metadata stream",
    "7.1-9": "the metadata has a dc:title",
    "7.1-10": "ViewerPreferences DisplayDocTitle is true",
    "x-7.1-marked": "MarkInfo Marked is true and a StructTreeRoot exists",
    "7.2-3": "a Table holds only Caption, TR, THead, TBody, TFoot",
    "7.2-4": "a TR is inside Table, THead, TBody or TFoot",
    "7.2-8": "a TH is inside a TR",
    "7.2-9": "a TD is inside a TR",
    "7.2-10": "a TR holds only TH and TD",
    "7.2-17": "an LI is inside an L",
    "7.2-18": "an LBody is inside an LI",
    "7.2-19": "an L holds only Caption, L and LI",
    "7.2-20": "an LI holds only Lbl and LBody",
    "7.2-29": "every Lang is a language tag",
    "7.2-33": "the catalog has a Lang",
    "7.3-1": "a Figure has Alt or ActualText",
    "x-7.3-bbox": "a Figure's layout BBox lies on its page and holds the images it tags",
    "7.4.2-1": "headings start at H1 and never skip a level going down",
    "7.4.4-2": "H and H1-H6 are not mixed",
    "7.5-1": "a TH has a Scope (the tables here use no Headers/IDs)",
    "7.18.3-1": "a page with annotations has Tabs /S",
    "7.18.5-1": "a Link annotation is the kid of a Link structure element",
    "7.18.5-2": "a Link annotation has Contents",
    "x-7.18.5-overlap": "no link annotation overlaps another on the same page",
    "7.21.4.1-1": "every font program is embedded",
    "7.21.7-1": "every font maps its codes to Unicode (ToUnicode)",
}

# Operators that put something on the page (text, paths, images, shadings).
PAINT = {"Tj", "TJ", "'", '"', "Do", "f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh",
         "BI", "INLINE IMAGE"}
SHOW = {"Tj", "TJ", "'", '"'}
LEADER = re.compile(r"[.\u00b7\u2024\u2027\u2026\u2219]{4,}")
LANG_TAG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
HEADING = re.compile(r"^H([1-6])$")
TOLERANCE = 2.0  # points: rounding in the PDF writer


@dataclass(frozen=True)
class Finding:
    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule} {self.where}: {self.message}"


@dataclass
class Elem:
    """A structure element as the checker sees it."""

    obj: pikepdf.Dictionary
    type: str
    parent: Elem | None
    page: int | None  # the page index its /Pg names, inherited by marked-content kids
    kids: list[Elem] = field(default_factory=list)
    mcids: list[tuple[int, int]] = field(default_factory=list)  # (page index, MCID)
    objrs: list[pikepdf.Object] = field(default_factory=list)

    @property
    def kid_types(self) -> list[str]:
        return [k.type for k in self.kids]


def _key(obj: pikepdf.Object) -> tuple[int, int]:
    return (obj.objgen if obj.is_indirect else (0, id(obj)))


class Checker:
    def __init__(self, pdf: pikepdf.Pdf, name: str = "") -> None:
        self.pdf = pdf
        self.name = name
        self.findings: list[Finding] = []
        self.page_index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
        self.elems: list[Elem] = []  # document order
        self.by_key: dict[tuple[int, int], Elem] = {}
        self.reached_mcids: set[tuple[int, int]] = set()
        self.role_map: dict[str, str] = {}
        self.texts: dict[tuple[int, int], str] = {}  # (page index, MCID) -> text it shows

    # --- helpers ----------------------------------------------------------------------
    def add(self, rule: str, where: str, message: str) -> None:
        assert rule in RULES, rule
        self.findings.append(Finding(rule, f"{self.name}{':' if self.name else ''}{where}",
                                     message))

    def std(self, name: str) -> str:
        seen = set()
        while name in self.role_map and name not in seen:
            seen.add(name)
            name = self.role_map[name]
        return name

    def where(self, elem: Elem) -> str:
        path = []
        e: Elem | None = elem
        while e is not None:
            path.append(e.type)
            e = e.parent
        page = f"p{elem.page + 1} " if elem.page is not None else ""
        return page + "/".join(reversed(path[-6:] if len(path) > 6 else path))

    # --- the structure tree -----------------------------------------------------------
    def build_tree(self) -> None:
        root = self.pdf.Root.get("/StructTreeRoot")
        info = self.pdf.Root.get("/MarkInfo")
        marked = info.get("/Marked") if isinstance(info, pikepdf.Dictionary) else None
        if root is None or marked is not True:
            self.add("x-7.1-marked", "catalog", "not a tagged PDF")
            return
        role_map = root.get("/RoleMap")
        if isinstance(role_map, pikepdf.Dictionary):
            self.role_map = {str(k)[1:]: str(v)[1:] for k, v in role_map.items()}
        self._walk_kids(root.get("/K"), None, None, set())

    def _walk_kids(self, kids: pikepdf.Object | None, parent: Elem | None,
                   page: int | None, seen: set[tuple[int, int]]) -> None:
        if kids is None:
            return
        items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        for kid in items:
            if isinstance(kid, int):
                if parent is not None and page is not None:
                    parent.mcids.append((page, int(kid)))
                    self.reached_mcids.add((page, int(kid)))
                continue
            if not isinstance(kid, pikepdf.Dictionary):
                continue
            kind = kid.get("/Type")
            if kind == "/MCR":
                pg = self._page_of(kid, page)
                if parent is not None and pg is not None and "/MCID" in kid:
                    parent.mcids.append((pg, int(kid.MCID)))
                    self.reached_mcids.add((pg, int(kid.MCID)))
                continue
            if kind == "/OBJR":
                if parent is not None and "/Obj" in kid:
                    parent.objrs.append(kid.Obj)
                continue
            if "/S" not in kid:
                continue
            key = _key(kid)
            if key in seen:
                continue
            seen.add(key)
            elem = Elem(kid, self.std(str(kid.S)[1:]), parent, self._page_of(kid, page))
            self.elems.append(elem)
            self.by_key[key] = elem
            if parent is not None:
                parent.kids.append(elem)
            self._walk_kids(kid.get("/K"), elem, elem.page, seen)

    def _page_of(self, obj: pikepdf.Dictionary, inherited: int | None) -> int | None:
        pg = obj.get("/Pg")
        if isinstance(pg, pikepdf.Dictionary) and pg.is_indirect:
            return self.page_index.get(pg.objgen, inherited)
        return inherited

    def parent_tree(self) -> dict[int, pikepdf.Object]:
        root = self.pdf.Root.get("/StructTreeRoot")
        out: dict[int, pikepdf.Object] = {}
        if root is None or "/ParentTree" not in root:
            return out

        def walk(node: pikepdf.Object, depth: int = 0) -> None:
            if depth > 32 or not isinstance(node, pikepdf.Dictionary):
                return
            nums = node.get("/Nums")
            if isinstance(nums, pikepdf.Array):
                for i in range(0, len(nums) - 1, 2):
                    out[int(nums[i])] = nums[i + 1]
            for kid in node.get("/Kids", []):
                walk(kid, depth + 1)

        walk(root.ParentTree)
        return out

    # --- document-level rules ---------------------------------------------------------
    def check_catalog(self) -> None:
        cat = self.pdf.Root
        prefs = cat.get("/ViewerPreferences")
        if not (isinstance(prefs, pikepdf.Dictionary) and prefs.get("/DisplayDocTitle") is True):
            self.add("7.1-10", "catalog", "DisplayDocTitle is not true")
        lang = cat.get("/Lang")
        if lang is None or not str(lang):
            self.add("7.2-33", "catalog", "no Lang")
        for where, value in self._langs():
            if not LANG_TAG.match(value):
                self.add("7.2-29", where, f"Lang {value!r} is not a language tag")
        if "/Metadata" not in cat:
            self.add("7.1-8", "catalog", "no Metadata stream")
            return
        xmp = bytes(cat.Metadata.read_bytes()).decode("utf-8", "replace")
        if "dc:title" not in xmp:
            self.add("7.1-9", "metadata", "no dc:title")
        if not re.search(r"pdfuaid:part(>|=\"|=')\s*1", xmp):
            self.add("5-1", "metadata", "no pdfuaid:part 1")

    def _langs(self) -> Iterator[tuple[str, str]]:
        if "/Lang" in self.pdf.Root:
            yield "catalog", str(self.pdf.Root.Lang)
        for elem in self.elems:
            if "/Lang" in elem.obj:
                yield self.where(elem), str(elem.obj.Lang)

    # --- structure rules --------------------------------------------------------------
    def check_structure(self) -> None:
        for e in self.elems:
            parent = e.parent.type if e.parent else ""
            kids = e.kid_types
            if e.type == "Table":
                body = [k for k in kids if k != "Caption"]
                if any(k not in {"TR", "THead", "TBody", "TFoot"} for k in body) or \
                        kids.count("Caption") > 1 or \
                        ("Caption" in kids and kids.index("Caption") not in (0, len(kids) - 1)):
                    self.add("7.2-3", self.where(e), f"Table holds {kids}")
            elif e.type == "TR":
                if parent not in {"Table", "THead", "TBody", "TFoot"}:
                    self.add("7.2-4", self.where(e), f"TR inside {parent}")
                if any(k not in {"TH", "TD"} for k in kids):
                    self.add("7.2-10", self.where(e), f"TR holds {kids}")
            elif e.type == "TH":
                if parent != "TR":
                    self.add("7.2-8", self.where(e), f"TH inside {parent}")
                if self._attribute(e, "/Scope") is None and "/Headers" not in e.obj and \
                        self._attribute(e, "/Headers") is None:
                    self.add("7.5-1", self.where(e), "TH without Scope")
            elif e.type == "TD":
                if parent != "TR":
                    self.add("7.2-9", self.where(e), f"TD inside {parent}")
            elif e.type == "LI":
                if parent != "L":
                    self.add("7.2-17", self.where(e), f"LI inside {parent}")
                if any(k not in {"Lbl", "LBody"} for k in kids):
                    self.add("7.2-20", self.where(e), f"LI holds {kids}")
            elif e.type == "LBody":
                if parent != "LI":
                    self.add("7.2-18", self.where(e), f"LBody inside {parent}")
            elif e.type == "L":
                rest = kids[1:] if kids[:1] == ["Caption"] else kids
                if any(k not in {"L", "LI"} for k in rest):
                    self.add("7.2-19", self.where(e), f"L holds {kids}")
            elif e.type == "Figure":
                alt = e.obj.get("/Alt")
                actual = e.obj.get("/ActualText")
                if not (alt is not None and str(alt)) and not (actual is not None and str(actual)):
                    self.add("7.3-1", self.where(e), "Figure without Alt or ActualText")

    def _attribute(self, elem: Elem, name: str) -> pikepdf.Object | None:
        attrs = elem.obj.get("/A")
        items = list(attrs) if isinstance(attrs, pikepdf.Array) else [attrs]
        for item in items:
            if isinstance(item, pikepdf.Dictionary) and name in item:
                return item[name]
        return None

    def check_headings(self) -> None:
        levels = [(e, int(m.group(1))) for e in self.elems if (m := HEADING.match(e.type))]
        if levels and any(e.type == "H" for e in self.elems):
            self.add("7.4.4-2", "structure", "uses both H and H1-H6")
        previous = 0
        for elem, level in levels:
            if (previous == 0 and level != 1) or level > previous + 1:
                self.add("7.4.2-1", self.where(elem),
                         f"H{level} follows {'H' + str(previous) if previous else 'nothing'}")
            previous = level

    # --- content streams --------------------------------------------------------------
    def check_content(self) -> None:
        for index, page in enumerate(self.pdf.pages):
            counts: Counter[tuple[str, str]] = Counter()
            stack: list[tuple[str, int | None]] = []
            fonts = _page_fonts(page)
            font: tuple[dict[int, str], int] = ({}, 1)
            for instruction in pikepdf.parse_content_stream(page):
                operands, op = instruction.operands, str(instruction.operator)
                if op == "Tf":
                    font = fonts.get(str(operands[0]), ({}, 1))
                if op in SHOW:
                    tagged = [m for _, m in stack if m is not None]
                    if tagged:
                        key = (index, tagged[-1])
                        self.texts[key] = self.texts.get(key, "") + _show(operands, font)
                if op in {"BMC", "BDC"}:
                    tag = str(operands[0])[1:]
                    mcid = None
                    if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and \
                            "/MCID" in operands[1]:
                        mcid = int(operands[1].MCID)
                    in_artifact = any(t == "Artifact" for t, _ in stack)
                    in_tagged = any(m is not None for _, m in stack)
                    if tag == "Artifact" and in_tagged:
                        counts[("7.1-1", "Artifact inside tagged content")] += 1
                    if mcid is not None and in_artifact:
                        counts[("7.1-2", "tagged content inside an Artifact")] += 1
                    stack.append((tag, mcid))
                elif op == "EMC":
                    if stack:
                        stack.pop()
                elif op in PAINT:
                    if any(t == "Artifact" for t, _ in stack):
                        continue
                    mcids = [m for _, m in stack if m is not None]
                    if not mcids:
                        counts[("7.1-3", "painted outside any Artifact or tagged content")] += 1
                    elif (index, mcids[-1]) not in self.reached_mcids:
                        counts[("7.1-3", "tagged content the structure tree never reaches "
                                "(read aloud out of order, or not at all)")] += 1
            for (rule, message), n in sorted(counts.items()):
                self.add(rule, f"p{index + 1}", f"{message} ({n} operators)")

    def read(self, obj: pikepdf.Object, page: int | None = None) -> list[str]:
        """What an element reads aloud: the text of each piece of its marked content, its
        own and its descendants', in the tree's order."""
        pg = obj.get("/Pg")
        if isinstance(pg, pikepdf.Dictionary) and pg.is_indirect:
            page = self.page_index.get(pg.objgen, page)
        kids = obj.get("/K")
        out: list[str] = []
        for kid in list(kids) if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, int) and page is not None:
                out.append(self.texts.get((page, int(kid)), ""))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                mcr_page = self._page_of(kid, page)
                out.append(self.texts.get((mcr_page, int(kid.MCID)), "")
                           if mcr_page is not None and "/MCID" in kid else "")
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                out += self.read(kid, page)
        return out

    def check_leaders(self) -> None:
        """What a screen reader reads of each element: its own marked content's text."""
        for e in self.elems:
            text = "".join(self.texts.get(key, "") for key in e.mcids)
            if LEADER.search(re.sub(r"\s", "", text)):
                self.add("x-7.1-leader", self.where(e),
                         f"reads a dot leader: {text.strip()[:40]!r}")

    # --- figures --------------------------------------------------------------------
    def check_figures(self) -> None:
        drawn = self._drawn_boxes()
        for e in self.elems:
            if e.type != "Figure":
                continue
            bbox = self._attribute(e, "/BBox")
            page = e.page if e.page is not None else (e.mcids[0][0] if e.mcids else None)
            if bbox is None or page is None:
                self.add("x-7.3-bbox", self.where(e), "Figure without a layout BBox")
                continue
            x0, y0, x1, y1 = (float(v) for v in bbox)
            mx0, my0, mx1, my1 = (float(v) for v in self.pdf.pages[page].mediabox)
            if x0 < mx0 - TOLERANCE or y0 < my0 - TOLERANCE or x1 > mx1 + TOLERANCE or \
                    y1 > my1 + TOLERANCE or x1 < x0 or y1 < y0:
                self.add("x-7.3-bbox", self.where(e),
                         f"BBox {[round(v) for v in (x0, y0, x1, y1)]} is not inside the page "
                         f"{[round(v) for v in (mx0, my0, mx1, my1)]}")
                continue
            boxes = [box for mcid in e.mcids for box in drawn.get(mcid, [])]
            if not boxes:
                continue
            ix0, iy0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
            ix1, iy1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
            if ix0 < x0 - TOLERANCE or iy0 < y0 - TOLERANCE or ix1 > x1 + TOLERANCE or \
                    iy1 > y1 + TOLERANCE:
                self.add("x-7.3-bbox", self.where(e),
                         f"BBox {[round(v) for v in (x0, y0, x1, y1)]} does not hold what it "
                         f"tags, drawn at {[round(v) for v in (ix0, iy0, ix1, iy1)]}")

    def _drawn_boxes(self) -> dict[tuple[int, int], list[tuple[float, float, float, float]]]:
        """Where each tagged piece of content is drawn, in page space, by (page, MCID): the
        points of its paths and the boxes of the images and forms it draws."""
        out: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
        for index, page in enumerate(self.pdf.pages):
            resources = page.obj.get("/Resources")
            xobjects = resources.get("/XObject") if isinstance(
                resources, pikepdf.Dictionary) else None
            ctm = pikepdf.Matrix()
            saved: list[pikepdf.Matrix] = []
            stack: list[int | None] = []
            for instruction in pikepdf.parse_content_stream(page):
                operands, op = instruction.operands, str(instruction.operator)
                points: list[tuple[float, float]] = []
                if op == "q":
                    saved.append(ctm)
                elif op == "Q":
                    ctm = saved.pop() if saved else pikepdf.Matrix()
                elif op == "cm":
                    ctm = pikepdf.Matrix(*(float(v) for v in operands)) @ ctm
                elif op in {"BMC", "BDC"}:
                    mcid = None
                    if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
                        mcid = int(operands[1].MCID) if "/MCID" in operands[1] else None
                    stack.append(mcid)
                elif op == "EMC":
                    if stack:
                        stack.pop()
                elif op in {"m", "l", "c", "v", "y"}:
                    values = [float(v) for v in operands]
                    points = list(zip(values[::2], values[1::2], strict=True))
                elif op == "re":
                    x, y, w, h = (float(v) for v in operands)
                    points = [(x, y), (x + w, y + h)]
                elif op == "Do":
                    xobj = xobjects.get(str(operands[0])) if xobjects else None
                    if xobj is None:
                        continue
                    if xobj.get("/Subtype") == "/Image":
                        points = [(0, 0), (1, 1)]
                    elif "/BBox" in xobj:
                        x0, y0, x1, y1 = (float(v) for v in xobj.BBox)
                        inner = pikepdf.Matrix(*(float(v) for v in xobj.get(
                            "/Matrix", [1, 0, 0, 1, 0, 0])))
                        points = [inner.transform((x, y)) for x in (x0, x1) for y in (y0, y1)]
                mcids = [m for m in stack if m is not None]
                if not points or not mcids:
                    continue
                corners = [ctm.transform(p) for p in points]
                if op == "re" or op == "Do":
                    corners += [ctm.transform((a[0], b[1])) for a in points for b in points]
                xs = [c[0] for c in corners]
                ys = [c[1] for c in corners]
                out.setdefault((index, mcids[-1]), []).append(
                    (min(xs), min(ys), max(xs), max(ys)))
        return out

    # --- annotations ----------------------------------------------------------------
    def check_annotations(self) -> None:
        parents = self.parent_tree()
        for index, page in enumerate(self.pdf.pages):
            annots = [a for a in page.obj.get("/Annots", []) if isinstance(a, pikepdf.Dictionary)]
            if annots and page.obj.get("/Tabs") != "/S":
                self.add("7.18.3-1", f"p{index + 1}", "annotations but Tabs is not /S")
            links = [a for a in annots if a.get("/Subtype") == "/Link"]
            for n, annot in enumerate(links):
                where = f"p{index + 1} link {n + 1}"
                contents = annot.get("/Contents")
                if contents is None or not str(contents):
                    self.add("7.18.5-2", where, "link annotation without Contents")
                parent = parents.get(int(annot.StructParent)) if "/StructParent" in annot \
                    else None
                elem = self.by_key.get(_key(parent)) if isinstance(
                    parent, pikepdf.Dictionary) else None
                if elem is None:
                    self.add("7.18.5-1", where, "link annotation outside the structure tree")
                elif elem.type != "Link":
                    self.add("7.18.5-1", where, f"link annotation tagged as {elem.type}, "
                             "not Link")
            rects = [_rect(a) for a in links]
            overlaps = sum(1 for i in range(len(rects)) for j in range(i + 1, len(rects))
                           if _overlap(rects[i], rects[j]))
            if overlaps:
                self.add("x-7.18.5-overlap", f"p{index + 1}",
                         f"{overlaps} pairs of overlapping link annotations "
                         f"({len(links)} links)")

    # --- fonts ----------------------------------------------------------------------
    def check_fonts(self) -> None:
        seen: set[tuple[int, int]] = set()
        for index, page in enumerate(self.pdf.pages):
            for font in _fonts(page.obj.get("/Resources")):
                if _key(font) in seen:
                    continue
                seen.add(_key(font))
                name = str(font.get("/BaseFont", "?"))
                subtype = font.get("/Subtype")
                if subtype != "/Type3":
                    desc_font = font.DescendantFonts[0] if subtype == "/Type0" else font
                    desc = desc_font.get("/FontDescriptor")
                    if not isinstance(desc, pikepdf.Dictionary) or not any(
                            k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                        self.add("7.21.4.1-1", f"p{index + 1}", f"font {name} not embedded")
                if "/ToUnicode" not in font:
                    self.add("7.21.7-1", f"p{index + 1}", f"font {name} has no ToUnicode")

    def run(self) -> list[Finding]:
        self.build_tree()
        self.check_catalog()
        self.check_structure()
        self.check_headings()
        self.check_content()
        self.check_leaders()
        self.check_figures()
        self.check_annotations()
        self.check_fonts()
        return self.findings


def _rect(annot: pikepdf.Dictionary) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in annot.Rect)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Overlapping by more than a rounding error (touching lines do not count)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w > 1 and h > 1


def _page_fonts(page: pikepdf.Page) -> dict[str, tuple[dict[int, str], int]]:
    """The page's fonts by resource name: code -> text (ToUnicode) and code length."""
    resources = page.obj.get("/Resources")
    fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
    out = {}
    for name, font in (fonts.items() if isinstance(fonts, pikepdf.Dictionary) else []):
        width = 2 if font.get("/Subtype") == "/Type0" else 1
        cmap = font.get("/ToUnicode")
        out[str(name)] = (_to_unicode(cmap.read_bytes()) if isinstance(cmap, pikepdf.Stream)
                          else {}, width)
    return out


def _to_unicode(cmap: bytes) -> dict[int, str]:
    """A ToUnicode CMap's bfchar and bfrange entries."""
    out: dict[int, str] = {}

    def text(hexdigits: bytes) -> str:
        return bytes.fromhex(hexdigits.decode()).decode("utf-16-be", "replace")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        pairs = re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block)
        out.update((int(src, 16), text(dst)) for src, dst in pairs)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, rest in re.findall(
                rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]*>|\[[^\]]*\])", block):
            first, last = int(low, 16), int(high, 16)
            if rest.startswith(b"["):
                out.update((first + n, text(dst)) for n, dst in enumerate(
                    re.findall(rb"<([0-9a-fA-F]*)>", rest)))
            else:
                start = text(rest[1:-1])
                out.update((first + n, start[:-1] + chr(ord(start[-1]) + n))
                           for n in range(min(last - first + 1, 65536)) if start)
    return out


def _show(operands: list[pikepdf.Object], font: tuple[dict[int, str], int]) -> str:
    """The text a Tj, TJ, ' or " operator shows in ``font``."""
    mapping, width = font
    strings = [bytes(o) for o in operands if isinstance(o, pikepdf.String)]
    for o in operands:
        if isinstance(o, pikepdf.Array):
            strings += [bytes(s) for s in o if isinstance(s, pikepdf.String)]
    return "".join(mapping.get(int.from_bytes(s[i:i + width], "big"), "\ufffd")
                   for s in strings for i in range(0, len(s) - width + 1, width))


def _fonts(resources: pikepdf.Object | None, depth: int = 0) -> Iterator[pikepdf.Dictionary]:
    if not isinstance(resources, pikepdf.Dictionary) or depth > 8:
        return
    for font in resources.get("/Font", {}).values():
        if isinstance(font, pikepdf.Dictionary):
            yield font
    for xobj in resources.get("/XObject", {}).values():
        if isinstance(xobj, pikepdf.Stream) and xobj.get("/Subtype") == "/Form":
            yield from _fonts(xobj.get("/Resources"), depth + 1)


def check(path: Path | str) -> list[Finding]:
    """Every finding of every rule in :data:`RULES` for the PDF at ``path``."""
    with pikepdf.open(path) as pdf:
        return Checker(pdf, Path(path).name).run()


def summary(findings: list[Finding]) -> dict[str, int]:
    return dict(sorted(Counter(f.rule for f in findings).items()))


if __name__ == "__main__":
    status = 0
    for arg in sys.argv[1:]:
        found = check(arg)
        print(f"{arg}: {summary(found) or 'no findings'}")
        for finding in found[:40]:
            print(f"  {finding}")
        status |= bool(found)
    sys.exit(status)
