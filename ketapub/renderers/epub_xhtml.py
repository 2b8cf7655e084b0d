"""HTML5 body -> well-formed XHTML for EPUB content documents.

The dialect renders HTML5 serialisation (``<img ...>`` not self-closed). An EPUB reading
system parses XHTML as XML, so the body is re-parsed with html5lib (the HTML5 parsing
algorithm) and serialised as XML. On the way, footnotes become EPUB 3 notes
(``epub:type="noteref"`` / ``"footnote"`` with back-links) that reading systems can show as
pop-ups, and every image is checked for alt text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OPS_NS = "http://www.idpf.org/2007/ops"
XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_TYPE = f"{{{OPS_NS}}}type"


@dataclass(frozen=True)
class Heading:
    """A level-2 section of a content document, for the nav and the NCX."""

    id: str
    text: str


def _classes(el: Any) -> set[str]:
    return set((el.get("class") or "").split())


def _parse(html: str) -> Any:
    """The fragment as children of a ``<div>`` that declares the ``epub`` prefix."""
    import html5lib
    from lxml import etree

    parsed = html5lib.parseFragment(f"<div>{html}</div>", treebuilder="lxml",
                                    namespaceHTMLElements=False)
    (div,) = [el for el in parsed if isinstance(el.tag, str)]
    root = etree.Element("div", nsmap={"epub": OPS_NS})
    root.text = div.text
    for child in list(div):
        root.append(child)
    return root


def _serialise(root: Any) -> str:
    """The children of ``root`` as XML, without the wrapper (which holds the ns declaration)."""
    from lxml import etree

    root.tail = None
    text = etree.tostring(root, encoding="unicode", method="xml")
    if text.endswith("/>"):  # an empty fragment
        return ""
    return text[text.index(">") + 1:text.rindex("</div>")]


def _notes(root: Any, notes_title: str, notes_id: str) -> None:
    """markdown-it footnotes -> EPUB 3 noterefs and one ``<aside>`` footnote per note."""
    from lxml import etree

    from ketapub.sanitize import drop_element

    for sup in root.iter("sup"):
        if "footnote-ref" in _classes(sup):
            for a in sup.iter("a"):
                a.set(EPUB_TYPE, "noteref")
                a.set("role", "doc-noteref")
    for hr in list(root.iter("hr")):
        if "footnotes-sep" in _classes(hr):
            drop_element(hr)
    for section in list(root.iter("section")):
        if "footnotes" not in _classes(section):
            continue
        items = [li for li in section.iter("li") if "footnote-item" in _classes(li)]
        new = etree.Element("section", {"class": "footnotes", "aria-labelledby": notes_id})
        new.set(EPUB_TYPE, "footnotes")
        heading = etree.SubElement(new, "h2", {"id": notes_id})
        heading.text = notes_title
        for n, li in enumerate(items, 1):
            aside = etree.SubElement(new, "aside", {"id": li.get("id", f"{notes_id}-{n}"),
                                                    "class": "footnote", "role": "doc-footnote"})
            aside.set(EPUB_TYPE, "footnote")
            aside.text = li.text
            for child in list(li):
                aside.append(child)
            for a in aside.iter("a"):
                if "footnote-backref" in _classes(a):
                    a.set("role", "doc-backlink")
                    a.set("aria-label", f"Back to note reference {n}")
            first = aside[0] if len(aside) and aside[0].tag == "p" else None
            label = etree.Element("span", {"class": "footnote-label"})
            label.text = f"{n}."
            if first is not None:
                label.tail = " " + (first.text or "")
                first.text = None
                first.insert(0, label)
        new.tail = section.tail
        section.getparent().replace(section, new)


def _tables(root: Any) -> None:
    """An empty top-left header cell marks a two-way table: its first column holds row
    headers. An empty ``th`` says nothing to a screen reader, so it becomes a ``td``."""
    for table in root.iter("table"):
        head_rows = [tr for thead in table.iter("thead") for tr in thead.iter("tr")]
        if not head_rows:
            continue
        cells = [c for c in head_rows[0] if c.tag in ("th", "td")]
        for c in cells:
            if c.tag == "th":
                c.set("scope", "col")
        if not cells or "".join(cells[0].itertext()).strip():
            continue
        cells[0].tag = "td"
        cells[0].attrib.pop("scope", None)
        for tbody in table.iter("tbody"):
            for tr in tbody.iter("tr"):
                first = next((c for c in tr if c.tag in ("th", "td")), None)
                if first is not None:
                    first.tag = "th"
                    first.set("scope", "row")


def body_xhtml(html: str, *, notes_title: str = "Notes", notes_id: str = "notes") -> str:
    """Sanitised HTML5 body -> XHTML markup to place inside an XHTML ``<body>``."""
    root = _parse(html)
    _notes(root, notes_title, notes_id)
    _tables(root)
    for img in root.iter("img"):
        if img.get("alt") is None:  # the loader already warned; keep the document valid
            img.set("alt", "")
    for section in root.iter("section"):
        first_id = section[0].get("id") if len(section) else None
        if "faq" in _classes(section) and first_id:
            section.set("aria-labelledby", first_id)
    return _serialise(root)


def check_document(data: bytes, name: str) -> Any:
    """Parse a finished content document as XML; a problem names the document."""
    from lxml import etree

    from ketapub.errors import RenderError

    try:
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise RenderError(name, f"not well-formed XHTML: {exc}") from None


def headings(doc: Any) -> list[Heading]:
    """The ``h2`` sections of a parsed content document, in order."""
    out = []
    for h in doc.iter(f"{{{XHTML_NS}}}h2"):
        hid = h.get("id")
        text = " ".join("".join(h.itertext()).split())
        if hid and text:
            out.append(Heading(hid, text))
    return out
