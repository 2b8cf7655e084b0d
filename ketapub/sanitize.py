"""The allow-list for HTML: what raw HTML in content may keep, and the final pass over output.

Two layers. Raw HTML written in a part is audited tag by tag (so each removal is reported
with its line) and cleaned with a small allow-list. Then the whole rendered body goes through
nh3 once more with the allow-list of what the Markdown renderer itself emits. Anything not
listed is dropped; URLs keep only http, https, mailto, tel or a relative reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3

from ketapub.sanitize_svg import SvgError, clean_svg, css_is_local, drop_element

__all__ = ["SvgError", "audit", "clean_output", "clean_raw", "clean_svg", "css_is_local",
           "drop_element", "url_is_safe"]

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
    """True for relative references and the allowed schemes (after browser-style cleanup)."""
    squeezed = _CONTROL.sub("", url)
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", squeezed)
    if not match:
        return not squeezed.startswith(("//", "\\\\", "/\\", "\\/"))
    return match.group(1).lower() in URL_SCHEMES


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr in URL_ATTRS and not url_is_safe(value):
        return None
    return value


def clean_raw(html: str) -> str:
    """Clean an author's raw HTML block with the raw allow-list."""
    return nh3.clean(
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
    """Final pass over a rendered body: only what the renderer itself may emit survives."""
    return nh3.clean(
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
    """Something the sanitiser takes out of raw HTML, reported to the author."""

    what: str
    offset: int
    """Character offset in the raw snippet's line, for the column of the message."""
    line: int = 0
    """Line of the snippet it is on (0: the first)."""


class _Auditor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.removals: list[Removal] = []
        self._dropped_depth = 0

    def _offset(self) -> int:
        return self.getpos()[1]

    def _add(self, what: str) -> None:
        self.removals.append(Removal(what, self._offset(), self.getpos()[0] - 1))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in RAW_TAGS:
            self._add(f"<{tag}> element")
            return
        allowed = RAW_ATTRS.get(tag, set()) | RAW_GENERIC_ATTRS
        for name, value in attrs:
            if name not in allowed:
                self._add(f"attribute {name!r} on <{tag}>")
            elif name in URL_ATTRS and value is not None and not url_is_safe(value):
                scheme = _CONTROL.sub("", value).split(":", 1)[0].lower()
                self._add(f"{scheme}: URL in <{tag} {name}>")

    handle_startendtag = handle_starttag

    def handle_pi(self, data: str) -> None:
        self._add("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self._add("markup declaration")


def audit(raw_html: str) -> list[Removal]:
    """List what :func:`clean_raw` would remove from ``raw_html`` (elements, attributes, URLs)."""
    auditor = _Auditor()
    auditor.feed(raw_html)
    auditor.close()
    return auditor.removals
