"""Atheris fuzz target for the SVG sanitiser: any bytes either are refused with SvgError
or come out as an SVG that nothing can make fetch, navigate or run.

    .venv/bin/python fuzz/fuzz_svg.py -max_total_time=300 -rss_limit_mb=2048 -timeout=10 \
        /tmp/ketapub-svg-corpus

See fuzz/README.md.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    import tinycss2
    import tinycss2.ast as css
    from lxml import etree

    from ketapub.sanitize_svg import SVG_NS, SvgError, clean_svg, css_is_local

LOCAL = ("#", "data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp")


def check_inert(cleaned: bytes) -> None:
    """Raise AssertionError when a cleaned SVG could still reach outside itself."""
    root = etree.fromstring(cleaned, etree.XMLParser(resolve_entities=False, no_network=True))
    for node in root.iter():
        if not isinstance(node.tag, str):
            raise AssertionError("a processing instruction survived")
        if not node.tag.startswith(f"{{{SVG_NS}}}"):
            raise AssertionError(f"foreign element {node.tag}")
        if node.tag == f"{{{SVG_NS}}}style":
            if not css_is_local(node.text or "", stylesheet=True):
                raise AssertionError("a stylesheet with external references survived")
            for rule in tinycss2.parse_stylesheet(node.text or ""):
                if isinstance(rule, css.AtRule) and rule.lower_at_keyword != "media":
                    raise AssertionError(f"@{rule.at_keyword} survived")
        for name, value in node.attrib.items():
            local = name.rsplit("}", 1)[-1]
            if local.lower().startswith("on"):
                raise AssertionError(f"event handler {local}")
            if local in ("href", "src") and not value.strip().startswith(LOCAL):
                raise AssertionError(f"{local}={value[:60]!r}")
            if not css_is_local(value):
                raise AssertionError(f"CSS reference in {local}={value[:60]!r}")


def TestOneInput(data: bytes) -> None:  # the name atheris expects
    try:
        cleaned, _ = clean_svg(data)
    except SvgError:
        return
    check_inert(cleaned)
    again, removed = clean_svg(cleaned)
    if again != cleaned or removed:
        raise AssertionError("cleaning a cleaned SVG changed it")


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
