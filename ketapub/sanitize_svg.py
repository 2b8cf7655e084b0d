"""SVG assets made inert by allow-list: parsed, never pattern-matched.

An SVG is a document that a browser, a reading system or WeasyPrint will happily make fetch,
navigate or run things. So an asset keeps only what draws a static picture: elements of the
SVG namespace that are listed here, attributes that are listed here (in no namespace, or
``xml:`` and ``xlink:href``), references to its own ``#id``s, inline rasters within the image
limits, and CSS whose every token was read by a real tokenizer (tinycss2) and refers to
nothing outside the document. Everything else is dropped and reported. DTDs are refused, and
so is an SVG whose ``<use>`` references would expand past a bound (no amplification).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Iterable
from typing import Any

from ketapub.errors import SvgError

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# Static drawing only: no script, foreignObject, animation, iframe/video/audio, cursor, view.
SVG_ELEMENTS = frozenset({
    "svg", "g", "defs", "symbol", "use", "title", "desc", "switch", "a",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
    "text", "tspan", "textPath", "image", "style",
    "linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask", "marker",
    "filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite",
    "feConvolveMatrix", "feDiffuseLighting", "feDisplacementMap", "feDistantLight",
    "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur",
    "feImage", "feMerge", "feMergeNode", "feMorphology", "feOffset", "fePointLight",
    "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence",
})

# Elements dropped without a warning: editor metadata that draws nothing.
SVG_QUIET_DROP = frozenset({"metadata"})

_PRESENTATION = {
    "alignment-baseline", "baseline-shift", "clip", "clip-path", "clip-rule", "color",
    "color-interpolation", "color-interpolation-filters", "color-profile", "color-rendering",
    "direction", "display", "dominant-baseline", "enable-background", "fill",
    "fill-opacity", "fill-rule", "filter", "flood-color", "flood-opacity", "font",
    "font-family", "font-size", "font-size-adjust", "font-stretch", "font-style",
    "font-variant", "font-weight", "glyph-orientation-horizontal",
    "glyph-orientation-vertical", "image-rendering", "kerning", "letter-spacing",
    "lighting-color", "marker", "marker-end", "marker-mid", "marker-start", "mask",
    "mask-type", "opacity", "overflow", "paint-order", "pointer-events", "shape-rendering",
    "stop-color", "stop-opacity", "stroke", "stroke-dasharray", "stroke-dashoffset",
    "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-opacity",
    "stroke-width", "text-anchor", "text-decoration", "text-rendering", "transform",
    "transform-origin", "unicode-bidi", "vector-effect", "visibility", "word-spacing",
    "writing-mode",
}
_GEOMETRY_AND_CORE = {
    "id", "class", "style", "lang", "tabindex", "role", "focusable",
    "aria-label", "aria-labelledby", "aria-describedby", "aria-hidden",
    "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr",
    "width", "height", "d", "points", "pathLength", "viewBox", "preserveAspectRatio",
    "version", "baseProfile", "dx", "dy", "rotate", "textLength", "lengthAdjust",
    "startOffset", "method", "spacing", "side", "offset", "gradientUnits",
    "gradientTransform", "spreadMethod", "patternUnits", "patternContentUnits",
    "patternTransform", "clipPathUnits", "maskUnits", "maskContentUnits", "markerUnits",
    "markerWidth", "markerHeight", "refX", "refY", "orient", "filterUnits",
    "primitiveUnits", "in", "in2", "result", "mode", "type", "values", "tableValues",
    "slope", "intercept", "amplitude", "exponent", "operator", "k1", "k2", "k3", "k4",
    "order", "kernelMatrix", "divisor", "bias", "targetX", "targetY", "edgeMode",
    "kernelUnitLength", "preserveAlpha", "surfaceScale", "diffuseConstant",
    "specularConstant", "specularExponent", "azimuth", "elevation", "z", "pointsAtX",
    "pointsAtY", "pointsAtZ", "limitingConeAngle", "scale", "xChannelSelector",
    "yChannelSelector", "stdDeviation", "radius", "baseFrequency", "numOctaves", "seed",
    "stitchTiles", "requiredFeatures", "requiredExtensions", "systemLanguage", "media",
    "href",
}
SVG_ATTRIBUTES = frozenset(_PRESENTATION | _GEOMETRY_AND_CORE)
_XML_ATTRIBUTES = frozenset({"space", "lang"})
# What a URL parser trims from both ends (C0 controls and space, per the URL standard); other
# white space such as U+00A0 stays part of the URL, so " #a" is local but "\xa0#a" is not.
_URL_TRIM = "".join(map(chr, range(0x21)))

# CSS functions that fetch or paint another resource even without ``url(``.
_CSS_FETCHING = frozenset({"url", "src", "image", "image-set", "-webkit-image-set",
                           "cross-fade", "-webkit-cross-fade", "element", "-moz-element"})
_RASTER = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,([A-Za-z0-9+/=\s]*)$",
                     re.IGNORECASE)

MAX_USE_EXPANSION = 20_000
"""Elements an SVG may draw once every ``<use>`` is resolved (a logo draws a few hundred)."""


def _split(name: str) -> tuple[str | None, str]:
    if name.startswith("{"):
        ns, local = name[1:].split("}", 1)
        return ns, local
    return None, name


def _css_tokens_are_local(tokens: Iterable[object]) -> bool:
    """True when no token of a CSS component list can fetch or navigate."""
    return all(_css_token_is_local(token) for token in tokens)


def _css_token_is_local(token: object) -> bool:
    import tinycss2.ast as css

    if isinstance(token, css.URLToken):
        return bool(token.value.strip(_URL_TRIM).startswith("#"))
    if isinstance(token, css.FunctionBlock):
        return _css_function_is_local(token)
    if isinstance(token, css.AtKeywordToken):
        return False  # no value holds one; @import in a style attribute is an attack
    if isinstance(token, css.IdentToken) and token.lower_value in (
            _CSS_FETCHING | {"-moz-binding", "behavior"}):
        return False  # ``url/**/(...)`` fetches nothing, but nothing legitimate says it
    if isinstance(token, css.ParenthesesBlock | css.SquareBracketsBlock
                  | css.CurlyBracketsBlock):
        return _css_tokens_are_local(token.content)
    return True


def _css_function_is_local(token: Any) -> bool:
    """``url("#id")`` and functions that fetch nothing, with local arguments."""
    import tinycss2.ast as css

    name = token.lower_name
    if name in _CSS_FETCHING:
        args = [t for t in token.arguments
                if not isinstance(t, css.WhitespaceToken | css.Comment)]
        if name != "url" or len(args) != 1 or not isinstance(args[0], css.StringToken) \
                or not args[0].value.strip(_URL_TRIM).startswith("#"):
            return False
    elif name in {"expression", "-moz-binding", "behavior"}:
        return False
    return _css_tokens_are_local(token.arguments)


def css_is_local(css_text: str, *, stylesheet: bool = False) -> bool:
    """Whether CSS refers to nothing outside the document.

    True when CSS (a stylesheet, or a declaration list / value) refers to nothing outside the
    document: no ``@import``, no at-rule but ``@media``, ``url()`` only to ``#id``, no
    ``image-set()`` and the like. Read by tinycss2, so escapes and odd quoting cannot hide a URL
    from the check.

    Args:
        css_text: the CSS.
        stylesheet: ``css_text`` is a whole stylesheet (a ``<style>`` element), not a declaration
            list or a value; default False.
    """
    import tinycss2
    import tinycss2.ast as css

    if not stylesheet:
        return _css_tokens_are_local(tinycss2.parse_component_value_list(css_text))
    for rule in tinycss2.parse_stylesheet(css_text):
        if isinstance(rule, css.WhitespaceToken | css.Comment):
            continue
        if isinstance(rule, css.AtRule):
            if rule.lower_at_keyword != "media":
                return False
            if not (_css_tokens_are_local(rule.prelude) and css_is_local(
                    tinycss2.serialize(rule.content or []), stylesheet=True)):
                return False
        elif isinstance(rule, css.QualifiedRule):
            if not (_css_tokens_are_local(rule.prelude)
                    and _css_tokens_are_local(rule.content)):
                return False
        else:  # a parse error
            return False
    return True


def _raster_problem(value: str, max_pixels: int) -> str | None:
    """None when ``value`` is an inline raster within ``max_pixels``, else why not."""
    match = _RASTER.match(value.strip(_URL_TRIM))
    if not match:
        return "not an inline PNG, JPEG, GIF or WebP"
    try:
        raw = base64.b64decode("".join(match.group(2).split()), validate=True)
    except (binascii.Error, ValueError):
        return "inline image with broken base64"
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(raw)) as img:
                fmt, (width, height) = (img.format or "").lower(), img.size
    except Image.DecompressionBombError:
        return f"inline image over the limit of {max_pixels:,} pixels"
    except Exception:  # Pillow raises many kinds for a broken file
        return "inline image that cannot be read"
    if fmt != match.group(1).lower().replace("jpg", "jpeg"):
        return f"inline image that is {fmt or 'unknown'}, not {match.group(1)}"
    if width * height > max_pixels:
        return f"inline image of {width}x{height} pixels, over the limit of {max_pixels:,}"
    return None


def _href_problem(element: str, value: str, max_pixels: int) -> str | None:
    value = value.strip(_URL_TRIM)
    if value.startswith("#"):
        return None
    if element in {"image", "feImage"} and value[:5].lower() == "data:":
        return _raster_problem(value, max_pixels)
    return f"external reference {value[:60]!r}"


def _use_expansion(root: object, limit: int) -> int:
    """How many elements the SVG draws, counted up to a limit.

    Every ``<use>`` is resolved, and the count stops past ``limit``; it is memoised per referenced
    id, so counting itself is linear.
    """
    nodes = list(root.iter())  # type: ignore[attr-defined]  # alive, so id() stays theirs
    ids: dict[str, Any] = {}
    for node in nodes:
        if isinstance(node.tag, str) and node.get("id") is not None:
            ids.setdefault(node.get("id"), node)
    memo: dict[int, int] = {}
    active: set[int] = set()

    def size(node: object) -> int:
        key = id(node)
        if key in memo:
            return memo[key]
        if key in active:  # a reference cycle draws nothing more
            return 0
        active.add(key)
        total = 1
        for child in node:  # type: ignore[attr-defined]
            if isinstance(child.tag, str):
                total += size(child)
            if total > limit:
                break
        if _split(node.tag)[1] == "use":  # type: ignore[attr-defined]
            ref = node.get("href") or node.get(f"{{{XLINK_NS}}}href") or ""  # type: ignore
            target = ids.get(ref.strip()[1:]) if ref.strip().startswith("#") else None
            if target is not None:
                total += size(target)
        active.discard(key)
        memo[key] = min(total, limit + 1)
        return memo[key]

    return size(root)


def clean_svg(data: bytes, max_pixels: int = 40_000_000,
              max_elements: int = MAX_USE_EXPANSION) -> tuple[bytes, list[tuple[int, str]]]:
    """Make an SVG asset inert; return its new bytes and (line, what) for each kind removed.

    Args:
        data: the SVG file's bytes.
        max_pixels: the largest width times height it may declare.
        max_elements: the most elements it may draw once ``<use>`` references are expanded.

    Raises:
        SvgError: it cannot be cleaned: not well-formed XML, a root that is not ``<svg>``, any
            DTD (entities can read files or blow up memory), or more than ``max_elements``
            elements once ``<use>`` references are expanded.
    """
    from lxml import etree

    root = _parse(data)
    removed = _Cleaner(max_pixels).clean(root)
    expanded = _use_expansion(root, max_elements)
    if expanded > max_elements:
        raise SvgError(1, f"SVG draws more than {max_elements:,} elements once its <use> "
                       "references are expanded; simplify it (flatten or rasterise it)")
    cleaned = etree.tostring(root, encoding="utf-8", xml_declaration=False)
    return cleaned + b"\n", removed


def _parse(data: bytes) -> Any:
    """The ``<svg>`` root of ``data``; no DTD, no entity, nothing but well-formed SVG."""
    from lxml import etree

    if b"<!ENTITY" in data or b"<!entity" in data:
        line = data[: data.find(b"<!")].count(b"\n") + 1
        raise SvgError(line, "SVG with entity declarations is refused (they can read local "
                       "files or blow up memory); remove the <!DOCTYPE ...> block")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True, dtd_validation=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise SvgError(exc.lineno or 1, f"not a well-formed SVG: {exc.msg}") from None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise SvgError(1, "SVG with a <!DOCTYPE ...> is refused (entities can read local "
                       "files or blow up memory); remove the <!DOCTYPE ...> block")
    if root.tag != f"{{{SVG_NS}}}svg":
        ns, local = _split(root.tag if isinstance(root.tag, str) else "?")
        where = "" if ns == SVG_NS else f" in namespace {ns or 'none'}"
        raise SvgError(root.sourceline or 1, f"the root element is <{local}>{where}, not "
                       f"<svg xmlns=\"{SVG_NS}\">")
    return root


class _Cleaner:
    """Drop every element and attribute of an SVG tree that could run, fetch or navigate.

    Drops from an SVG tree every element and attribute that could run, fetch or navigate, and lists
    (line, what) once per kind of thing removed.
    """

    def __init__(self, max_pixels: int):
        self.max_pixels = max_pixels
        self.removed: list[tuple[int, str]] = []
        self.seen: set[str] = set()

    def clean(self, root: Any) -> list[tuple[int, str]]:
        for node in list(root.iter()):
            if node is not root and node.getparent() is None:
                continue  # inside something already dropped
            if _attached(node, root):
                self._visit(node)
        for pi in list(root.itersiblings(preceding=True)):
            if not isinstance(pi.tag, str):
                self._report(pi.sourceline or 1, "processing instruction")
        return self.removed

    def _report(self, line: int, what: str) -> None:
        if what not in self.seen:  # an editor's file repeats the same thing hundreds of times
            self.seen.add(what)
            self.removed.append((line, what))

    def _drop(self, node: Any, what: str | None) -> None:
        if what:
            self._report(node.sourceline or 1, what)
        drop_element(node)

    def _visit(self, node: Any) -> None:
        if not isinstance(node.tag, str):
            self._drop(node, "processing instruction")
            return
        ns, name = _split(node.tag)
        if ns != SVG_NS or name not in SVG_ELEMENTS:
            if ns == SVG_NS and name in SVG_QUIET_DROP:
                self._drop(node, None)
            else:
                label = f"<{name}> element" if ns == SVG_NS else \
                    f"<{name}> element of namespace {ns or 'none'}"
                self._drop(node, label)
            return
        if name == "style" and (len(node) or not css_is_local(node.text or "",
                                                              stylesheet=True)):
            self._drop(node, "<style> element with external references")
            return
        for attr, value in list(node.attrib.items()):
            problem = _attribute_problem(name, attr, value, self.max_pixels)
            if problem:
                self._report(node.sourceline or 1, problem)
                del node.attrib[attr]


def _attached(node: object, root: object) -> bool:
    parent = node.getparent()  # type: ignore[attr-defined]
    while parent is not None and parent is not root:
        parent = parent.getparent()
    return node is root or parent is root


def _attribute_problem(element: str, attr: str, value: str, max_pixels: int) -> str | None:
    """Why ``attr`` must go from ``<element>``, or None when it stays."""
    ns, local = _split(attr)
    if ns == XML_NS and local in _XML_ATTRIBUTES:
        return None
    if (ns is None and local == "href") or (ns == XLINK_NS and local == "href"):
        problem = _href_problem(element, value, max_pixels)
        return f"{problem} in <{element}>" if problem else None
    if ns is not None:
        return f"attribute {local!r} of namespace {ns} on <{element}>"
    if local not in SVG_ATTRIBUTES:
        return f"attribute {local!r} on <{element}>"
    if not css_is_local(value):  # SVG 2 reads geometry attributes as CSS properties too
        return f"external url() in attribute {local!r} on <{element}>"
    return None


def drop_element(node: object) -> None:
    """Remove an lxml node but keep its tail text in place (also used for EPUB bodies).

    Args:
        node: the lxml element to remove.
    """
    parent = node.getparent()  # type: ignore[attr-defined]
    if parent is None:
        return
    tail = node.tail  # type: ignore[attr-defined]
    if tail:
        prev = node.getprevious()  # type: ignore[attr-defined]
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(node)
