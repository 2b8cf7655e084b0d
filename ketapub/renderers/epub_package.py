"""The EPUB container: ebooklib writes the package document, we make it reproducible.

ebooklib 0.20 gets three things wrong for us, each handled here: every creator gets the id
``creator`` unless given a uid (two authors -> duplicate ids), ``dcterms:modified`` is the
local wall clock unless ``mtime`` is passed (and it is formatted with a ``Z`` whatever its
zone, so we pass UTC), and ``write_epub`` swallows write errors (we drive ``EpubWriter``
directly). Its zip carries the current time on every entry, so the archive is re-packed:
``mimetype`` first and stored, then the container, the package document and the rest in
sorted order, each with one fixed timestamp and fixed permissions.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

OPF_PATH = "EPUB/content.opf"
RESERVED_PREFIXES = ("rendition: http://www.idpf.org/vocab/rendition/#",)


@dataclass(frozen=True)
class Resource:
    """One manifest item: ``href`` is relative to the package document."""

    id: str
    href: str
    media_type: str
    data: bytes = field(repr=False)
    properties: tuple[str, ...] = ()


@dataclass(frozen=True)
class Meta:
    """One metadata entry: ``ns`` "DC" for ``dc:*`` elements, None for ``<meta>``."""

    ns: str | None
    name: str
    value: str
    attrs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Creator:
    """A ``dc:creator`` of the package, with its role."""

    name: str
    uid: str
    role: str | None = None
    """A MARC relator code, or None when the role has none."""


@dataclass(frozen=True)
class Package:
    """Everything the EPUB's package document and container hold, ready to write."""

    identifier: str
    title: str
    language: str
    modified: datetime
    creators: tuple[Creator, ...]
    metadata: tuple[Meta, ...]
    resources: tuple[Resource, ...]
    spine: tuple[str, ...]
    """Ids of the resources in reading order."""
    guide: tuple[tuple[str, str, str], ...] = ()
    """EPUB 2 guide entries (type, title, href) for older readers."""


def _book(pkg: Package) -> object:
    from ebooklib import epub

    book = epub.EpubBook()
    book.IDENTIFIER_ID = "pub-id"  # set_identifier replaces the random one EpubBook() made
    book.set_identifier(pkg.identifier)
    book.title = pkg.title
    book.add_metadata("DC", "title", pkg.title, {"id": "title"})
    book.set_language(pkg.language)
    for c in pkg.creators:
        book.add_author(c.name, role=c.role, uid=c.uid)
    for m in pkg.metadata:
        book.add_metadata(m.ns, m.name, m.value, dict(m.attrs))
    items = {}
    for r in pkg.resources:
        item = epub.EpubItem(uid=r.id, file_name=r.href, media_type=r.media_type, content=r.data)
        item.properties = list(r.properties)
        items[r.id] = book.add_item(item)
    book.spine = [items[i] for i in pkg.spine]
    book.guide = [{"type": t, "title": title, "href": href} for t, title, href in pkg.guide]
    return book


def write(pkg: Package) -> bytes:
    """The finished, reproducible EPUB.

    Args:
        pkg: everything the book holds.
    """
    from ebooklib import epub

    modified = pkg.modified.astimezone(UTC)
    buf = io.BytesIO()
    writer = epub.EpubWriter(buf, _book(pkg), {
        "mtime": modified, "raise_exceptions": True, "epub2_guide": bool(pkg.guide),
        "epub3_landmark": False, "epub3_pages": False, "compresslevel": 9,
    })
    writer.process()
    writer.write()
    return repack(buf.getvalue(), modified, pkg.language)


def _finish_opf(data: bytes, language: str) -> bytes:
    """Tidy the package document's root element for EPUB and accessibility checkers.

    Drop ebooklib's re-declaration of the reserved ``rendition:`` prefix, and state the package's
    language on the root (``xml:lang``), which accessibility checkers expect.
    """
    from lxml import etree

    root = etree.fromstring(data)
    root.set("{http://www.w3.org/XML/1998/namespace}lang", language)
    prefixes = [p for p in _split_prefixes(root.get("prefix", "")) if p not in RESERVED_PREFIXES]
    if prefixes:
        root.set("prefix", " ".join(prefixes))
    elif "prefix" in root.attrib:
        del root.attrib["prefix"]
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def _split_prefixes(value: str) -> list[str]:
    words = value.split()
    return [f"{words[i]} {words[i + 1]}" for i in range(0, len(words) - 1, 2)]


def repack(data: bytes, when: datetime, language: str) -> bytes:
    """Re-zip with fixed order, timestamps and attributes; ``mimetype`` first, uncompressed.

    Args:
        data: the EPUB ebooklib wrote.
        when: the timestamp of every member.
        language: the book's language, stated on the package's root.
    """
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    first = ["mimetype", "META-INF/container.xml", OPF_PATH]
    order: Sequence[str] = [n for n in first if n in names] + sorted(set(names) - set(first))
    stamp = max(when.replace(tzinfo=None), datetime(1980, 1, 1)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dest:
        for name in order:
            content = src.read(name)
            if name == OPF_PATH:
                content = _finish_opf(content, language)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            stored = name == "mimetype"
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            dest.writestr(info, content, compresslevel=None if stored else 9)
    return out.getvalue()
