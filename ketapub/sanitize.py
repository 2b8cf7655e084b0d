"""The allow-list for HTML: what raw HTML in content may keep, and the final pass over output.

Two layers. Raw HTML written in a part is audited tag by tag (so each removal is reported
with its line) and cleaned with a small allow-list. Then the whole rendered body goes through
nh3 once more with the allow-list of what the Markdown renderer itself emits. Anything not
listed is dropped; URLs keep only http, https, mailto, tel or a relative reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import nh3

from ketapub import interrupts
from ketapub.sanitize_svg import SvgError, clean_svg, css_is_local, drop_element

__all__ = ["SvgError", "audit", "clean_marked", "clean_output", "clean_raw", "clean_svg",
           "css_is_local", "drop_element", "url_is_safe"]

URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

# What an author may write as raw HTML: formatting and structure only; no ids, classes,
# styles, forms, media, frames or scripts.
RAW_TAGS = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp",
    "rt", "ruby", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
})
RAW_GENERIC_ATTRS = frozenset({"lang", "dir", "title"})
RAW_ATTRS: dict[str, set[str]] = {
    "a": {"href"},
    "abbr": {"title"},
    "ol": {"start", "reversed", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "q": {"cite"},
}
URL_ATTRS = frozenset({"href", "src", "cite", "action", "formaction", "srcset", "poster",
                       "xlink:href", "background", "data"})

# What the Markdown renderer emits on top of RAW_*.
OUTPUT_TAGS = RAW_TAGS | {"img", "section", "aside", "nav", "h1"}
OUTPUT_GENERIC_ATTRS = RAW_GENERIC_ATTRS | {"id", "class", "role", "aria-label",
                                             "aria-labelledby", "aria-describedby"}
OUTPUT_ATTRS: dict[str, set[str]] = {
    **{k: set(v) for k, v in RAW_ATTRS.items()},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "td": {"colspan", "rowspan", "style"},
}

# Elements dropped with everything inside them (their text is code or a foreign document).
DROP_CONTENT_TAGS = frozenset({"script", "style", "svg", "math", "iframe", "noscript",
                               "template", "object", "embed", "applet", "textarea", "select"})

_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
CONTROL_RE = _CONTROL


def url_is_safe(url: str) -> bool:
    """True for relative references and the allowed schemes (after browser-style cleanup).

    An ``http(s):`` URL must go on with ``//`` (``https:example.org`` is a typo that browsers read
    differently, and the fragment check of HTML outputs refuses it).

    Args:
        url: a URL as the author wrote it.
    """
    squeezed = _CONTROL.sub("", url)
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", squeezed)
    if not match:
        return not squeezed.startswith(("//", "\\\\", "/\\", "\\/"))
    scheme = match.group(1).lower()
    if scheme in ("http", "https") and not squeezed[match.end():].startswith("//"):
        return False
    return scheme in URL_SCHEMES


def _clean(html: str, **options: Any) -> str:
    """``nh3.clean()`` with Ctrl-C and SIGTERM taken after it.

    Raised in ``_attribute_filter``, which nh3 calls back, the interrupt would be printed as
    ignored and lost, and the build would go on (``ketapub.interrupts``).
    """
    with interrupts.deferred():
        return nh3.clean(html, **options)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr in URL_ATTRS and not url_is_safe(value):
        return None
    if attr in _SPAN_LIMITS:
        return clamp_span(attr, value)
    return value


def clean_raw(html: str) -> str:
    """Clean an author's raw HTML block with the raw allow-list.

    Args:
        html: the raw HTML block.
    """
    return _clean(
        html,
        tags=set(RAW_TAGS),
        attributes={**{k: set(v) for k, v in RAW_ATTRS.items()}, "*": set(RAW_GENERIC_ATTRS)},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
        clean_content_tags=set(DROP_CONTENT_TAGS),
        attribute_filter=_attribute_filter,
    )


def clean_output(html: str) -> str:
    """Final pass over a rendered body: only what the renderer itself may emit survives.

    Args:
        html: the rendered body.
    """
    return _clean(
        html,
        tags=set(OUTPUT_TAGS),
        attributes={**OUTPUT_ATTRS, "*": set(OUTPUT_GENERIC_ATTRS)},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
        filter_style_properties={"text-align"},
        clean_content_tags=set(DROP_CONTENT_TAGS),
        attribute_filter=_attribute_filter,
    )


@dataclass(frozen=True)
class Removal:
    """Something the sanitiser takes out of raw HTML (or changes), reported to the author."""

    what: str
    offset: int
    """Character offset in the raw snippet's line, for the column of the message."""
    line: int = 0
    """Line of the snippet it is on (0: the first)."""
    removed: bool = True
    """False when the sanitiser keeps the thing but changes it (a span clamped)."""


MAX_COLSPAN = 50
MAX_ROWSPAN = 500
"""Table spans a printed page can hold (browsers clamp at 1,000 and 65,534, which a layout
engine still tries to lay out: a 53-byte ``colspan`` drove a PDF render to 24 GB)."""
_SPAN_LIMITS = {"colspan": MAX_COLSPAN, "rowspan": MAX_ROWSPAN}


def clamp_span(attr: str, value: str) -> str:
    """A span attribute's value as a layout engine may take it: 1 to its limit.

    Leading zeros do not count (``0000000007`` is 7), and only ASCII digits do (``int`` refuses
    ``²``, which ``isdigit`` accepts).

    Args:
        attr: ``colspan`` or ``rowspan``.
        value: the attribute's value as written.
    """
    digits, limit = value.strip().lstrip("0"), _SPAN_LIMITS[attr]
    if not (digits.isascii() and digits.isdigit()):
        return "1"  # also "0" and "": no span is narrower than one cell
    return str(min(int(digits) if len(digits) <= 9 else limit, limit))


def _tag_columns(raw_html: str) -> dict[tuple[int, str], list[int]]:
    """Columns of every ``<tag`` per (line, lowercased tag), in order (to place messages)."""
    found: dict[tuple[int, str], list[int]] = {}
    for n, text in enumerate(raw_html.split("\n")):
        for m in _TAG_START.finditer(text):
            found.setdefault((n, m.group(1).lower()), []).append(m.start())
    return found


_TAG_START = re.compile(r"<([A-Za-z][A-Za-z0-9:-]*)")


def audit(raw_html: str) -> list[Removal]:
    """List what ``clean_raw()`` removes from ``raw_html`` or changes in it.

    Removed elements, attributes and URLs; changed table spans over the limits.

    Parsed by libxml2's HTML parser, which is linear on any input (the standard library's
    parser is quadratic on unterminated tags: 60 KB of ``<a `` took 53 s).

    Args:
        raw_html: the raw HTML the author wrote.
    """
    from lxml import etree

    parser = etree.HTMLParser(recover=True, no_network=True, remove_comments=True,
                              remove_pis=False, huge_tree=True, default_doctype=False)
    try:
        root = etree.fromstring(f"<html><body>{raw_html}</body></html>", parser)
    except (etree.ParserError, ValueError):  # nothing parsable: nothing to report
        return []
    body = root.find("body") if root is not None else None
    if body is None:
        return []
    columns = _tag_columns(raw_html)
    removals: list[Removal] = []

    def add(node: object, what: str, removed: bool = True) -> None:
        line = max(0, (node.sourceline or 1) - 1)  # type: ignore[attr-defined]
        tag = str(node.tag).lower() if isinstance(node.tag, str) else ""  # type: ignore
        spots = columns.get((line, tag)) or [0]
        removals.append(Removal(what, spots[0], line, removed))

    dropped: set[object] = set()
    for node in body.iterdescendants():
        if not isinstance(node.tag, str):
            add(node, "processing instruction")
            continue
        tag = node.tag.lower()
        if node.getparent() in dropped:
            dropped.add(node)
            continue
        if tag not in RAW_TAGS:
            add(node, f"<{tag}> element")
            if tag in DROP_CONTENT_TAGS:
                dropped.add(node)
            _consume(columns, node)
            continue
        for what, removed in _attribute_problems(tag, dict(node.attrib)):
            add(node, what, removed)
        _consume(columns, node)
    return removals + _declarations(raw_html)


def _attribute_problems(tag: str, attributes: dict[str, str]) -> list[tuple[str, bool]]:
    """What ``clean_raw()`` does to the attributes of one allowed element.

    (what, whether it is removed rather than changed) for each it removes or changes.
    """
    allowed = RAW_ATTRS.get(tag, set()) | RAW_GENERIC_ATTRS
    found: list[tuple[str, bool]] = []
    for name, value in attributes.items():
        name = name.lower()
        if name not in allowed:
            found.append((f"attribute {name!r} on <{tag}>", True))
        elif name in URL_ATTRS and not url_is_safe(value):
            scheme = _CONTROL.sub("", value).split(":", 1)[0].lower()
            bad = (f"malformed {scheme}: URL (no '//' after '{scheme}:')"
                   if scheme in URL_SCHEMES else f"{scheme}: URL")
            found.append((f"{bad} in <{tag} {name}>", True))
        elif name in _SPAN_LIMITS and clamp_span(name, value) != value.strip():
            found.append((f"{name}={value.strip()[:12]!r} on <{tag}> set to "
                          f"{clamp_span(name, value)} (spans are 1 to {_SPAN_LIMITS[name]})",
                          False))
    return found


def _declarations(raw_html: str) -> list[Removal]:
    """Processing instructions and markup declarations, which the parser drops unseen."""
    found = []
    for what, pattern in (("processing instruction", _PI), ("markup declaration", _DECL)):
        for m in pattern.finditer(raw_html):
            start = m.start()
            line_start = raw_html.rfind("\n", 0, start) + 1
            found.append(Removal(what, start - line_start, raw_html.count("\n", 0, start)))
    return found


_PI = re.compile(r"<\?")
_DECL = re.compile(r"<!(?!--)")


def _consume(columns: dict[tuple[int, str], list[int]], node: object) -> None:
    """Move past the ``<tag`` this element was placed at, so the next one gets the next."""
    line = max(0, (node.sourceline or 1) - 1)  # type: ignore[attr-defined]
    spots = columns.get((line, str(node.tag).lower()))  # type: ignore[attr-defined]
    if spots and len(spots) > 1:
        spots.pop(0)


MARKER_ATTRS = frozenset({"data-ketapub", "data-ketapub-arg", "data-ketapub-lines"})
"""What the dialect marks its own elements with in a body's canonical HTML (what each one
means, for the document tree). Only ``clean_marked()`` keeps them, never raw HTML."""


def clean_marked(html: str) -> str:
    """``clean_output()``'s pass over a body's canonical HTML.

    The same allow-list, plus the dialect's marker attributes.

    Args:
        html: a body's canonical HTML, with the dialect's marks.
    """
    return _clean(
        html,
        tags=set(OUTPUT_TAGS),
        attributes={**OUTPUT_ATTRS, "*": set(OUTPUT_GENERIC_ATTRS) | MARKER_ATTRS},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
        filter_style_properties={"text-align"},
        clean_content_tags=set(DROP_CONTENT_TAGS),
        attribute_filter=_attribute_filter,
    )
