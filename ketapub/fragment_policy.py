"""The last gate before a fragment leaves the renderer: is it inert and self-contained?

Content is sanitised by the foundation already; this check also covers the templates (a
user's ``--templates`` override included), so a fragment a partner pastes into their page
can never carry script, styles, frames, forms or relative/unsafe URLs.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

FORBIDDEN_TAGS = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "input", "button", "select", "textarea", "meta", "base", "link", "svg", "math", "noscript",
    "template", "portal", "html", "head", "body", "title",
})
URL_ATTRS = frozenset({"href", "src", "srcset", "action", "formaction", "poster", "cite",
                       "data", "xlink:href", "background", "ping", "manifest"})
JSON_LD = "application/ld+json"
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _url_problem(attr: str, value: str) -> str | None:
    url = _CONTROL.sub("", value)
    if attr == "href" and url.startswith("#") and len(url) > 1:
        return None
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", url)
    if scheme and scheme.group(1).lower() in ("http", "https"):
        return None if url.split(":", 1)[1].startswith("//") else f"malformed URL {value!r}"
    if scheme and attr == "href" and scheme.group(1).lower() in ("mailto", "tel"):
        return None
    return f"{attr}={value!r} is not an absolute http(s) URL"


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.roots: list[str] = []
        self.depth = 0
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.depth == 0:
            self.roots.append(tag)
        if tag not in ("img", "br", "hr", "wbr", "source", "col"):
            self.depth += 1
        if tag == "script" and values.get("type") == JSON_LD:
            pass
        elif tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name!r} on <{tag}>")
            elif name in ("style", "srcdoc"):
                self.problems.append(f"attribute {name!r} on <{tag}>")
            elif name in URL_ATTRS:
                problem = _url_problem(name, value or "")
                if problem:
                    self.problems.append(f"{problem} on <{tag}>")
            elif name == "id" and value is not None:
                if value in self.ids:
                    self.problems.append(f"duplicate id {value!r}")
                self.ids.add(value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("img", "br", "hr", "wbr", "source", "col"):
            self.depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("img", "br", "hr", "wbr", "source", "col"):
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth == 0 and data.strip():
            self.problems.append(f"text outside the root element: {data.strip()[:40]!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("document type declaration")


def fragment_problems(html: str, root: str) -> list[str]:
    """Why ``html`` is not an inert fragment with the single root element ``root``.

    Args:
        html: the fragment.
        root: the one element it must be (``article``).
    """
    checker = _Checker()
    checker.feed(html)
    checker.close()
    problems = list(checker.problems)
    if checker.roots != [root]:
        problems.append(f"expected one root <{root}>, found {checker.roots}")
    return problems


def absolute_links(html: str, base: str) -> str:
    """``html`` with every link and image URL resolved against ``base`` (fragments too).

    For a user's template, whose markup ketapub does not write: a feed reader shows an item
    away from the site, so a relative link the template wrote must still lead somewhere.
    What ketapub writes itself is absolute already.

    Args:
        html: HTML a user's template wrote.
        base: the URL relative links resolve against.
    """
    import lxml.html

    if not html.strip():
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    root.make_links_absolute(base, resolve_base_href=False, handle_failures="discard")
    return (root.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode", method="html") for child in root)
