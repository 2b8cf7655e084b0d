"""A fast parse of HTML whose every element is closed in order, as the dialect writes it.

html5lib builds a body's tree by the HTML5 rules, which the author's raw HTML needs (implied
end tags, misnested inline tags), one character at a time in Python. A body without raw HTML
is the dialect's own HTML, as the sanitiser serialised it: every element closed, in order,
attributes double-quoted. Its tree is the nesting of the tags as they come. Anything else (a
stray or misnested end tag, an unclosed element, a ``<`` that starts no tag) answers None:
html5lib then decides.
"""

from __future__ import annotations

import html
import re
from xml.etree.ElementTree import Element

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})
_PIECE = re.compile(r'<(/?)([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*="[^"<]*")*)\s*>|([^<]+)')
_ATTR = re.compile(r'([a-z][a-z0-9-]*)="([^"]*)"')


def parse(text: str) -> Element | None:
    """The fragment's tree when every element is closed in order, else None.

    Args:
        text: sanitised canonical HTML without raw HTML.
    """
    root = Element("DOCUMENT_FRAGMENT")
    stack, last, pos = [root], None, 0  # last: the element whose tail text goes on
    for m in _PIECE.finditer(text):
        if m.start() != pos:
            return None
        pos = m.end()
        closing, tag, attrs, data = m.groups()
        if data is not None:
            data = html.unescape(data)
            if last is not None:
                last.tail = (last.tail or "") + data
            else:
                stack[-1].text = (stack[-1].text or "") + data
        elif closing:
            if len(stack) < 2 or stack[-1].tag != tag:
                return None
            last = stack.pop()
        else:
            el = Element(tag, dict(_ATTR.findall(attrs)))
            el.attrib = {k: html.unescape(v) for k, v in el.attrib.items()}
            stack[-1].append(el)
            last = el
            if tag not in VOID:
                stack.append(el)
                last = None
    return root if pos == len(text) and len(stack) == 1 else None
