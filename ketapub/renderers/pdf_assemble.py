"""A tagged-PDF assembler: WeasyPrint's PDFs joined into one, with stamps laid over pages.

WeasyPrint lays out one document at a time. Laying out each piece once (a part of the
booklet, a handout's body) and joining or stamping the results afterwards is far cheaper
than laying the whole out again for every change, but only if the result stays a tagged
PDF: a screen reader must meet every piece of content once, in reading order.

``merge()`` joins documents page after page. The first one is the base (catalog,
metadata, language, viewer preferences); the structure tree of every other one goes under
the base's Document element, its pages' and annotations' keys into the parent tree are
renumbered past the base's, and its IDTree, RoleMap, outlines, named destinations and page
labels are merged. A name defined twice is an error: a link could no longer say where it
goes.

``stamp_artifact()`` lays a page of another PDF over a page as ``/Artifact`` content
(page numbers, running heads: what a screen reader must skip); ``stamp_tagged()`` copies
a page's tagged content onto a page, shifted, with its own structure elements put in the
tree where they are read (a clinic's header and contact box: the logo a Figure with its
Alt). Both leave the page's own content as it was.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pikepdf

from ketapub.errors import AssembleError
from ketapub.renderers.pdf_marked import name_tree, number_tree

__all__ = ["DEST", "AssembleError", "destinations", "document_element", "merge", "name_tree",
           "number_tree", "open_pdf", "resolve_links", "save", "stamp_artifact", "stamp_tagged",
           "strip_pagination", "write_destinations"]

_RESOURCE_OPERAND = {"Tf": 0, "Do": 0, "gs": 0, "sh": 0, "cs": 0, "CS": 0}
"""Operator -> index of the operand that names a resource."""
_PATH_PAINT = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*"}
_PAINT = {"Tj", "TJ", "'", '"', "Do", "sh", "BI", "INLINE IMAGE"}
"""What paints text, images and shadings (path painting becomes ``n``)."""
_CATEGORIES = ("/Font", "/XObject", "/ExtGState", "/Shading", "/ColorSpace", "/Pattern",
               "/Properties")


def open_pdf(data: bytes) -> pikepdf.Pdf:
    """``data`` opened with pikepdf (close it, or use it in a ``with``).

    Args:
        data: the PDF's bytes.
    """
    return pikepdf.open(io.BytesIO(data))


def save(pdf: pikepdf.Pdf) -> bytes:
    """The bytes of ``pdf``, with a file ID derived from its content (same input, same bytes).

    Args:
        pdf: the PDF.
    """
    if "/ID" in pdf.trailer:
        del pdf.trailer.ID  # qpdf keeps an existing ID: the base document's, not ours
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


# --- number trees, name trees ---------------------------------------------------------

def _flat_numbers(entries: dict[int, pikepdf.Object]) -> pikepdf.Dictionary:
    return pikepdf.Dictionary(Nums=pikepdf.Array(
        [x for key in sorted(entries) for x in (key, entries[key])]))


def _flat_names(entries: dict[bytes, pikepdf.Object]) -> pikepdf.Dictionary:
    return pikepdf.Dictionary(Names=pikepdf.Array(
        [x for name in sorted(entries) for x in (pikepdf.String(name), entries[name])]))


def destinations(pdf: pikepdf.Pdf) -> dict[bytes, pikepdf.Object]:
    """Named destinations, from the Dests name tree and an old-style Dests dictionary.

    Args:
        pdf: the PDF.
    """
    names = pdf.Root.get("/Names")
    out = name_tree(names.get("/Dests")) if isinstance(names, pikepdf.Dictionary) else {}
    old = pdf.Root.get("/Dests")
    if isinstance(old, pikepdf.Dictionary):
        for key, value in old.items():
            out.setdefault(key[1:].encode("utf-8"), value)
    return out


# --- the structure tree ---------------------------------------------------------------

def _struct_root(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    """The StructTreeRoot of ``pdf`` (made if missing) whose only kid is a Document."""
    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary):
        root = pdf.Root.StructTreeRoot = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
        pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    kids = _items(root.get("/K"))
    if len(kids) == 1 and isinstance(kids[0], pikepdf.Dictionary) and \
            kids[0].get("/S") == "/Document":
        return root
    document = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, P=root,
        K=pikepdf.Array(kids)))
    for kid in kids:
        if isinstance(kid, pikepdf.Dictionary):
            kid.P = document
    root.K = pikepdf.Array([document])
    return root


def document_element(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    """The Document element every top-level structure element of ``pdf`` hangs from.

    Args:
        pdf: a tagged PDF.
    """
    document = _struct_root(pdf).K[0]
    if not isinstance(document, pikepdf.Dictionary):  # _struct_root made it one
        raise AssembleError("the structure tree has no Document element")
    if not isinstance(document.get("/K"), pikepdf.Array):
        document.K = pikepdf.Array(_items(document.get("/K")))
    return document


def _items(value: pikepdf.Object | None) -> list[pikepdf.Object]:
    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def _top_elements(pdf: pikepdf.Pdf) -> list[pikepdf.Object]:
    """The elements under a document's Document element (or under its root)."""
    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary):
        return []
    kids = _items(root.get("/K"))
    if len(kids) == 1 and isinstance(kids[0], pikepdf.Dictionary) and \
            kids[0].get("/S") == "/Document":
        return _items(kids[0].get("/K"))
    return kids


def _next_key(pdf: pikepdf.Pdf, parents: dict[int, pikepdf.Object]) -> int:
    """One past every key in use: the parent tree's, the pages' and the annotations'."""
    keys = set(parents)
    for page in pdf.pages:
        if "/StructParents" in page.obj:
            keys.add(int(page.obj.StructParents))
        for annot in _items(page.obj.get("/Annots")):
            if isinstance(annot, pikepdf.Dictionary) and "/StructParent" in annot:
                keys.add(int(annot.StructParent))
    return max(keys, default=-1) + 1


# --- merge ------------------------------------------------------------------------------

@dataclass
class _Joined:
    """What ``merge()`` collects from every document before writing it into the base."""

    out: pikepdf.Pdf
    document: pikepdf.Dictionary
    parents: dict[int, pikepdf.Object]
    next_key: int
    ids: dict[bytes, pikepdf.Object]
    role_map: dict[str, pikepdf.Object]
    dests: dict[bytes, pikepdf.Object]
    labels: list[tuple[int, pikepdf.Object | None]]
    outline: list[pikepdf.Dictionary]


def merge(documents: Sequence[bytes | pikepdf.Pdf], nest_outline: bool = False) -> pikepdf.Pdf:
    """One PDF of every page of ``documents``, in order, with one structure tree.

    The first document is the base: its catalog, metadata and language are the result's.

    Args:
        documents: tagged PDFs, the base first (as bytes); the others as bytes or open PDFs
            (left open: copied from, not changed).
        nest_outline: put the bookmarks of the other documents under the base's last
            top-level bookmark (a booklet's parts under its title, as one layout nests them);
            default False.
    """
    if not documents:
        raise AssembleError("nothing to merge")
    if not isinstance(documents[0], bytes):
        raise AssembleError("the base document must be given as bytes")
    out = pikepdf.open(io.BytesIO(documents[0]))
    root = _struct_root(out)
    parents = number_tree(root.get("/ParentTree"))
    joined = _Joined(out, document_element(out), parents, _next_key(out, parents),
                     name_tree(root.get("/IDTree")), dict(root.get("/RoleMap", {}).items()),
                     destinations(out), _page_labels(out, 0), _outline_items(out))
    for data in documents[1:]:
        if isinstance(data, pikepdf.Pdf):
            _join(joined, data)
            continue
        with pikepdf.open(io.BytesIO(data)) as src:
            _join(joined, src)
    root.ParentTree = out.make_indirect(_flat_numbers(joined.parents))
    root.ParentTreeNextKey = joined.next_key
    if joined.ids:
        root.IDTree = _flat_names(joined.ids)
    if joined.role_map:
        root.RoleMap = pikepdf.Dictionary(joined.role_map)
    write_destinations(out, joined.dests)
    outline = joined.outline
    base_items = len(_outline_items(out))
    if nest_outline and base_items and len(outline) > base_items:
        head = outline[base_items - 1]
        _write_outline(out, _outline_children(head) + outline[base_items:], head)
        outline = outline[:base_items]
    _write_outline(out, outline)
    _write_page_labels(out, joined.labels)
    return out


def _join(joined: _Joined, src: pikepdf.Pdf) -> None:
    """Append the pages of ``src``, with everything that goes with them.

    The pages of ``src`` after the others, its tree under the Document, its keys past the others',
    its names, bookmarks and labels collected.
    """
    out = joined.out
    first = len(out.pages)
    with warnings.catch_warnings():  # its named destinations are merged by merge()
        warnings.simplefilter("ignore")
        out.pages.extend(src.pages)
    shift = joined.next_key
    src_root = src.Root.get("/StructTreeRoot")
    src_parents = number_tree(src_root.get("/ParentTree")) \
        if isinstance(src_root, pikepdf.Dictionary) else {}
    joined.next_key = shift + _next_key(src, src_parents)
    for page in out.pages[first:]:
        _shift_keys(page, shift)
    for key, value in src_parents.items():
        joined.parents[key + shift] = _copy(out, value)
    for kid in _top_elements(src):
        copied = _copy(out, kid)
        if isinstance(copied, pikepdf.Dictionary):
            copied.P = joined.document
        joined.document.K.append(copied)
    if isinstance(src_root, pikepdf.Dictionary):
        _merge_unique(joined.ids, {k: _copy(out, v) for k, v in
                                   name_tree(src_root.get("/IDTree")).items()},
                      "structure element ID")
        _merge_roles(joined.role_map, src_root.get("/RoleMap"))
    _merge_unique(joined.dests, {k: _copy(out, v) for k, v in destinations(src).items()},
                  "named destination")
    joined.labels += _page_labels(src, first)
    joined.outline += [item for item in (_copy(out, i) for i in _outline_items(src))
                       if isinstance(item, pikepdf.Dictionary)]


def _merge_roles(role_map: dict[str, pikepdf.Object], new: pikepdf.Object | None) -> None:
    for role, standard in (new.items() if isinstance(new, pikepdf.Dictionary) else []):
        if role in role_map and role_map[role] != standard:
            raise AssembleError(f"role {role} is mapped to both {role_map[role]} and "
                                f"{standard}")
        role_map[role] = standard


def _shift_keys(page: pikepdf.Page, shift: int) -> None:
    if "/StructParents" in page.obj:
        page.obj.StructParents = int(page.obj.StructParents) + shift
    for annot in _items(page.obj.get("/Annots")):
        if isinstance(annot, pikepdf.Dictionary) and "/StructParent" in annot:
            annot.StructParent = int(annot.StructParent) + shift


def _copy(pdf: pikepdf.Pdf, obj: pikepdf.Object) -> pikepdf.Object:
    """``obj`` of another PDF in ``pdf`` (direct containers copied item by item)."""
    if not isinstance(obj, pikepdf.Object) or obj.is_indirect:
        return pdf.copy_foreign(obj) if isinstance(obj, pikepdf.Object) else obj
    if isinstance(obj, pikepdf.Array):
        return pikepdf.Array([_copy(pdf, item) for item in obj])
    if isinstance(obj, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copy(pdf, value) for key, value in obj.items()})
    return obj


def _merge_unique(into: dict[bytes, pikepdf.Object], new: dict[bytes, pikepdf.Object],
                  what: str) -> None:
    for name in sorted(new):
        if name in into:
            raise AssembleError(f"{what} {name.decode('utf-8', 'replace')!r} is defined in "
                                "two documents")
        into[name] = new[name]


def write_destinations(pdf: pikepdf.Pdf, dests: dict[bytes, pikepdf.Object]) -> None:
    """Make ``dests`` the named destinations of ``pdf``, in place of those it had.

    Args:
        pdf: the PDF.
        dests: destinations by name.
    """
    if "/Dests" in pdf.Root:
        del pdf.Root.Dests
    names = pdf.Root.get("/Names")
    if not dests:
        if isinstance(names, pikepdf.Dictionary) and "/Dests" in names:
            del names.Dests
        return
    if not isinstance(names, pikepdf.Dictionary):
        names = pdf.Root.Names = pikepdf.Dictionary()
    names.Dests = pdf.make_indirect(_flat_names(dests))


def _outline_items(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """The top-level outline items of ``pdf``, in order."""
    outlines = pdf.Root.get("/Outlines")
    return _outline_children(outlines) if isinstance(outlines, pikepdf.Dictionary) else []


def _outline_children(node: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    items: list[pikepdf.Dictionary] = []
    item = node.get("/First")
    while isinstance(item, pikepdf.Dictionary) and len(items) < 100_000:
        items.append(item)
        item = item.get("/Next")
    return items


def _write_outline(pdf: pikepdf.Pdf, items: list[pikepdf.Dictionary],
                   parent: pikepdf.Dictionary | None = None) -> None:
    """Link ``items`` in order as the outline children of ``parent``.

    ``items`` as the children of ``parent`` (default: the outline root), linked in order, with the
    parent's count of visible descendants (negative: closed).
    """
    if not items and parent is None:
        if "/Outlines" in pdf.Root:
            del pdf.Root.Outlines
        return
    outlines = parent if parent is not None else pdf.Root.get("/Outlines")
    if not isinstance(outlines, pikepdf.Dictionary):
        outlines = pdf.Root.Outlines = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.Outlines))
    visible = 0
    for n, item in enumerate(items):
        item.Parent = outlines
        for key, other in (("/Prev", n - 1), ("/Next", n + 1)):
            if 0 <= other < len(items):
                item[key] = items[other]
            elif key in item:
                del item[key]
        count = int(item.get("/Count", 0))
        visible += 1 + max(count, 0)
    outlines.First, outlines.Last = items[0], items[-1]
    closed = parent is not None and int(parent.get("/Count", 0)) < 0
    outlines.Count = -visible if closed else visible


def _page_labels(pdf: pikepdf.Pdf, first: int) -> list[tuple[int, pikepdf.Object | None]]:
    """(page index in the result, label dictionary) of each range.

    None: plain numbers (a document without labels).
    """
    labels = number_tree(pdf.Root.get("/PageLabels"))
    if not labels:
        return [(first, None)]
    return [(first + key, value) for key, value in sorted(labels.items())]


def _write_page_labels(pdf: pikepdf.Pdf, labels: list[tuple[int, pikepdf.Object | None]]
                       ) -> None:
    """PageLabels only when a document had some.

    A document without any keeps counting from where the one before it ended.
    """
    if all(label is None for _, label in labels):
        if "/PageLabels" in pdf.Root:
            del pdf.Root.PageLabels
        return
    entries: dict[int, pikepdf.Object] = {}
    for start, label in labels:
        entries[start] = _copy(pdf, label) if label is not None else \
            pikepdf.Dictionary(S=pikepdf.Name.D, St=start + 1)
    pdf.Root.PageLabels = _flat_numbers(entries)


DEST = "ketapub-dest:"
"""A link to a named destination of another document: ``ketapub-dest:p3.dosing``.
WeasyPrint drops a ``#p3.dosing`` link whose target is not in the document it lays out,
so a piece links out with this URI and ``resolve_links()`` points it back inside."""


def resolve_links(pdf: pikepdf.Pdf) -> None:
    """Turn links to ``DEST`` URIs into links to named destinations.

    Every link to a ``DEST`` URI becomes a link to that named destination, the way WeasyPrint
    writes an internal link. A destination no document defines is an error.

    Args:
        pdf: the assembled PDF.
    """
    dests = destinations(pdf)
    for number, page in enumerate(pdf.pages, start=1):
        for annot in _items(page.obj.get("/Annots")):
            action = annot.get("/A") if isinstance(annot, pikepdf.Dictionary) else None
            uri = action.get("/URI") if isinstance(action, pikepdf.Dictionary) else None
            if not isinstance(uri, pikepdf.String) or not bytes(uri).startswith(DEST.encode()):
                continue
            name = bytes(uri)[len(DEST):]
            if name not in dests:
                raise AssembleError(f"page {number}: a link goes to {name.decode()!r}, "
                                    "which no document defines")
            del annot.A
            annot.Dest = annot.Contents = pikepdf.String(name)


# --- stamps -----------------------------------------------------------------------------

def _wrap(pdf: pikepdf.Pdf, page: pikepdf.Page, stamp: bytes) -> None:
    """Draw ``stamp`` after the page's content, in the page's initial graphics state.

    WeasyPrint leaves a transformation in force at the end of a page.
    """
    page.contents_coalesce()
    body = page.obj.Contents.read_bytes()
    page.obj.Contents = pdf.make_stream(b"q\n" + body + b"\nQ\n" + stamp)


def _fresh(page: pikepdf.Page, category: str, stem: str) -> str:
    resources = page.obj.get("/Resources")
    used = resources.get(category) if isinstance(resources, pikepdf.Dictionary) else None
    if not isinstance(used, pikepdf.Dictionary):
        return f"/{stem}0"
    n = 0
    while f"/{stem}{n}" in used:
        n += 1
    return f"/{stem}{n}"


def _resources(page: pikepdf.Page) -> pikepdf.Dictionary:
    if "/Resources" not in page.obj:
        page.obj.Resources = pikepdf.Dictionary()
    resources = page.obj.Resources
    if not isinstance(resources, pikepdf.Dictionary):
        raise AssembleError("a page's resources are not a dictionary")
    return resources


def _same_size(page: pikepdf.Page, stamp: pikepdf.Page) -> None:
    if [round(float(v), 2) for v in page.mediabox] != \
            [round(float(v), 2) for v in stamp.mediabox]:
        raise AssembleError("a stamp must have the size of the page it is laid over")


def stamp_artifact(pdf: pikepdf.Pdf, page: pikepdf.Page, stamp: pikepdf.Page,
                   kind: str = "/Pagination") -> None:
    """Lay ``stamp`` over ``page`` as an artifact.

    Lay ``stamp`` (a page of the same size, of any PDF) over ``page`` as one Form XObject inside
    ``/Artifact`` marked content of type ``kind``; its own marks are dropped.

    Args:
        pdf: the PDF being assembled.
        page: its page to stamp.
        stamp: a page of the same size, of any PDF.
        kind: the artifact's type; default ``/Pagination``.
    """
    _same_size(page, stamp)
    form = pdf.make_stream(pikepdf.unparse_content_stream(list(_unmarked(stamp))))
    form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
    form.BBox = pikepdf.Array([float(v) for v in stamp.mediabox])
    if "/Resources" in stamp.obj:
        form.Resources = _copy(pdf, stamp.obj.Resources) \
            if not stamp.obj.is_owned_by(pdf) else stamp.obj.Resources
    name = _fresh(page, "/XObject", "KpStamp")
    resources = _resources(page)
    if "/XObject" not in resources:
        resources.XObject = pikepdf.Dictionary()
    resources.XObject[name] = form
    _wrap(pdf, page, f"/Artifact << /Type {kind} >> BDC q {name} Do Q EMC\n".encode("ascii"))


def _unmarked(page: pikepdf.Page) -> Iterator[pikepdf.ContentStreamInstruction
                                              | pikepdf.ContentStreamInlineImage]:
    for instr in pikepdf.parse_content_stream(page):
        if str(instr.operator) not in ("BDC", "BMC", "EMC"):
            yield instr


def _is_page_furniture(instr: pikepdf.ContentStreamInstruction
                       | pikepdf.ContentStreamInlineImage) -> bool:
    """The start of a pagination artifact (the stamp's own page numbers and margins)."""
    if str(instr.operator) != "BDC" or instr.operands[0] != "/Artifact":
        return False
    props = instr.operands[1]
    return isinstance(props, pikepdf.Dictionary) and props.get("/Type") == "/Pagination"


def stamp_tagged(pdf: pikepdf.Pdf, page: pikepdf.Page, source: pikepdf.Pdf, index: int,
                 parent: pikepdf.Dictionary, at: int, shift: tuple[float, float] = (0, 0),
                 ) -> list[pikepdf.Dictionary]:
    """Copy a tagged page of another PDF onto ``page``, with its structure elements.

    The structure elements go into ``parent``'s kids at index ``at``, so they are read there.
    Its pagination artifacts (its own page numbers) are left out; its links come along.

    Args:
        pdf: the PDF being assembled.
        page: its page to copy onto.
        source: another tagged PDF, laid out for a page of this size.
        index: the 0-based page of ``source`` to copy.
        parent: the structure element the copied elements go under.
        at: their index among ``parent``'s kids.
        shift: (x right, y up) in points to move the content by; default (0, 0).

    Returns:
        The structure elements added.
    """
    stamp = source.pages[index]
    _same_size(page, stamp)
    if source is pdf:
        raise AssembleError("a tagged stamp comes from another document")
    root = _struct_root(pdf)
    parents = number_tree(root.get("/ParentTree"))
    found = page.obj.get("/StructParents")
    key = _next_key(pdf, parents) if found is None else int(found)
    page.obj.StructParents = key
    marks = parents.setdefault(key, pdf.make_indirect(pikepdf.Array()))
    base = len(marks)
    src_root = source.Root.StructTreeRoot
    src_parents = number_tree(src_root.get("/ParentTree"))
    renames = _copy_resources(pdf, page, stamp)
    ops = pikepdf.unparse_content_stream(
        list(_retagged(stamp, renames, base)))
    dx, dy = shift
    _wrap(pdf, page, f"q 1 0 0 1 {dx:.4f} {dy:.4f} cm\n".encode("ascii") + ops + b"\nQ\n")
    src_key = stamp.obj.get("/StructParents")
    for elem in _items(src_parents.get(int(src_key))) if src_key is not None else []:
        marks.append(_copy(pdf, elem) if isinstance(elem, pikepdf.Dictionary)
                     else None)
    next_key = _next_key(pdf, parents)
    annots = _items(page.obj.get("/Annots"))
    for annot in _items(stamp.obj.get("/Annots")):
        copied = _copy(pdf, annot)
        x0, y0, x1, y1 = (float(v) for v in copied.Rect)
        copied.Rect = pikepdf.Array([round(v, 4) for v in (x0 + dx, y0 + dy, x1 + dx, y1 + dy)])
        copied.P = page.obj
        if "/StructParent" in annot:
            parents[next_key] = _copy(pdf, src_parents[int(annot.StructParent)])
            copied.StructParent = next_key
            next_key += 1
        annots.append(copied)
    if annots:
        page.obj.Annots = pikepdf.Array(annots)
        page.obj.Tabs = pikepdf.Name.S
    on_page = stamp.obj.objgen
    added: list[pikepdf.Dictionary] = []
    for elem in _top_elements(source):
        if not _on_page(elem, on_page):
            continue
        copied = _copy(pdf, elem)
        if not isinstance(copied, pikepdf.Dictionary):
            raise AssembleError("a structure element of the stamp is not a dictionary")
        copied.P = parent
        _move(copied, page.obj, base, shift)
        added.append(copied)
    kids = _items(parent.get("/K"))
    parent.K = pikepdf.Array([*kids[:at], *added, *kids[at:]])
    root.ParentTree = pdf.make_indirect(_flat_numbers(parents))
    root.ParentTreeNextKey = _next_key(pdf, parents)
    return added


def _on_page(elem: pikepdf.Object, page: tuple[int, int]) -> bool:
    """True if ``elem`` or any element under it has content on ``page``."""
    todo = [elem]
    while todo:
        node = todo.pop()
        if not isinstance(node, pikepdf.Dictionary):
            continue
        pg = node.get("/Pg")
        if isinstance(pg, pikepdf.Dictionary) and pg.objgen == page:
            return True
        todo += [k for k in _items(node.get("/K")) if isinstance(k, pikepdf.Dictionary)
                 and "/S" in k]
    return False


def _move(elem: pikepdf.Dictionary, page: pikepdf.Dictionary, base: int,
          shift: tuple[float, float]) -> None:
    """A copied subtree on ``page``: its MCIDs past ``base``, its boxes moved by ``shift``."""
    todo = [elem]
    while todo:
        node = todo.pop()
        node.Pg = page  # all its content is on this one page
        attrs = node.get("/A")
        for attr in _items(attrs):
            if isinstance(attr, pikepdf.Dictionary) and "/BBox" in attr:
                x0, y0, x1, y1 = (float(v) for v in attr.BBox)
                attr.BBox = pikepdf.Array([round(v, 3) for v in (
                    x0 + shift[0], y0 + shift[1], x1 + shift[0], y1 + shift[1])])
        kids = _items(node.get("/K"))
        todo += [kid for kid in kids if isinstance(kid, pikepdf.Dictionary) and "/S" in kid]
        if "/K" in node:
            node.K = pikepdf.Array([_moved_kid(kid, page, base) for kid in kids])


def _moved_kid(kid: pikepdf.Object, page: pikepdf.Dictionary, base: int) -> pikepdf.Object:
    """A kid of a moved element: an MCID past ``base``, a reference on ``page``."""
    if isinstance(kid, int):
        return kid + base
    if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
        kid.MCID = int(kid.MCID) + base
        kid.Pg = page
    elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
        kid.Pg = page
    return kid


def _copy_resources(pdf: pikepdf.Pdf, page: pikepdf.Page, stamp: pikepdf.Page
                    ) -> dict[str, str]:
    """The stamp's resources added to the page's under fresh names: old name -> new."""
    src = stamp.obj.get("/Resources")
    renames: dict[str, str] = {}
    if not isinstance(src, pikepdf.Dictionary):
        return renames
    resources = _resources(page)
    for category in _CATEGORIES:
        entries = src.get(category)
        if not isinstance(entries, pikepdf.Dictionary):
            continue
        if category not in resources:
            resources[category] = pikepdf.Dictionary()
        target = resources[category]
        for name in sorted(entries.keys()):
            fresh = _fresh(page, category, name[1:] + "_k")
            target[fresh] = _copy(pdf, entries[name])
            renames[f"{category}{name}"] = fresh
    return renames


def _retagged(stamp: pikepdf.Page, renames: dict[str, str], base: int,
              ) -> Iterator[pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage]:
    """The stamp's content with resources renamed and MCIDs past ``base``.

    What its pagination artifacts paint is left out (their state changes stay, the page may rely on
    them); its other artifacts (borders, backgrounds) stay artifacts.
    """
    for instr in _without_furniture(stamp):
        yield _renamed(instr, str(instr.operator), renames, base)


def _without_furniture(page: pikepdf.Page) -> Iterator[pikepdf.ContentStreamInstruction
                                                        | pikepdf.ContentStreamInlineImage]:
    """The page's content less what its pagination artifacts paint.

    Their state changes stay (later content may rely on a colour or font they set), a path they
    paint is only ended, and the artifacts' own marks go.
    """
    depth = 0  # inside an artifact: how deep
    for instr in pikepdf.parse_content_stream(page):
        op = str(instr.operator)
        if not depth and _is_page_furniture(instr):
            depth = 1
        elif not depth:
            yield instr
        elif op in ("BDC", "BMC"):
            depth += 1
        elif op == "EMC":
            depth -= 1
        elif op in _PATH_PAINT:
            yield pikepdf.ContentStreamInstruction([], pikepdf.Operator("n"))
        elif op not in _PAINT:
            yield instr


def strip_pagination(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    """Take the running heads and page numbers off ``page``: its pagination artifacts.

    A page laid out for one document (a handout) can then be stamped with those of another (the
    booklet it is bound into).

    Args:
        pdf: the PDF ``page`` belongs to.
        page: the page.
    """
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(
        list(_without_furniture(page))))


def _renamed(instr: pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage,
             op: str, renames: dict[str, str], base: int,
             ) -> pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage:
    if isinstance(instr, pikepdf.ContentStreamInlineImage):
        return instr
    operands = list(instr.operands)
    category = {"Tf": "/Font", "Do": "/XObject", "gs": "/ExtGState", "sh": "/Shading",
                "cs": "/ColorSpace", "CS": "/ColorSpace"}.get(op)
    if category is not None:
        index = _RESOURCE_OPERAND[op]
        operands[index] = pikepdf.Name(renames.get(f"{category}{operands[index]}",
                                                   str(operands[index])))
    elif op in ("scn", "SCN") and operands and isinstance(operands[-1], pikepdf.Name):
        operands[-1] = pikepdf.Name(renames.get(f"/Pattern{operands[-1]}", str(operands[-1])))
    elif op == "BDC" and len(operands) == 2:
        props = operands[1]
        if isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
            operands[1] = pikepdf.Dictionary({**dict(props.items()),
                                              "/MCID": int(props.MCID) + base})
        elif isinstance(props, pikepdf.Name):
            operands[1] = pikepdf.Name(renames.get(f"/Properties{props}", str(props)))
    else:
        return instr
    return pikepdf.ContentStreamInstruction(operands, instr.operator)
