"""What the SVG cleaner guarantees at its edges: the survivors of ``make mutate`` for
``ketapub/sanitize_svg.py`` (exact limits, prolog processing instructions, namespaced
attributes, a DTD that must never be read)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from PIL import Image

from ketapub.sanitize_svg import SvgError, clean_svg

SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def _svg(body: str, attrs: str = "") -> bytes:
    return f"{SVG_OPEN}{attrs}>{body}</svg>".encode()


def _png_base64() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (3, 2), "red").save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def test_an_inline_raster_wrapped_over_lines_is_kept() -> None:
    """Editors wrap long base64 at 76 columns: the white space is not part of the data."""
    data = _png_base64()
    wrapped = "\n".join(data[i:i + 8] for i in range(0, len(data), 8))
    cleaned, removed = clean_svg(_svg(f'<image href="data:image/png;base64,{wrapped}"/>'))
    assert removed == []
    assert b"data:image/png;base64,iVBORw0K " in cleaned  # newlines read as spaces


def test_base64_with_a_stray_character_is_refused_not_repaired() -> None:
    """A lenient decoder would skip the stray ``=`` and find a valid image behind it."""
    data = _png_base64()
    broken = data[:4] + "=" + data[4:]
    cleaned, removed = clean_svg(_svg(f'<image href="data:image/png;base64,{broken}"/>'))
    assert removed == [(1, "inline image with broken base64 in <image>")]
    assert b"base64" not in cleaned


def test_use_expansion_exactly_at_the_limit_is_accepted_and_one_more_refused() -> None:
    three = _svg("<rect/><rect/>")  # <svg> and two children: three elements drawn
    assert clean_svg(three, max_elements=3)[1] == []
    with pytest.raises(SvgError, match=r"more than 2 elements"):
        clean_svg(three, max_elements=2)
    four = _svg("<rect/><rect/><rect/>")
    with pytest.raises(SvgError, match=r"more than 3 elements"):
        clean_svg(four, max_elements=3)


def test_a_use_that_refers_to_its_own_ancestor_adds_nothing() -> None:
    """A reference cycle draws nothing more: <svg>, <g> and <use> are three elements."""
    cyclic = _svg('<g id="a"><use href="#a"/></g>')
    assert clean_svg(cyclic, max_elements=3)[1] == []
    with pytest.raises(SvgError):
        clean_svg(cyclic, max_elements=2)


def test_a_referenced_subtree_counts_once_per_use() -> None:
    # <svg>, <g>, <rect>, and one <use> drawing <g> and <rect> again: six elements
    body = _svg('<g id="a"><rect/></g><use href="#a"/>')
    assert clean_svg(body, max_elements=6)[1] == []
    with pytest.raises(SvgError):
        clean_svg(body, max_elements=5)


def test_an_external_dtd_is_never_loaded(tmp_path: Path) -> None:
    """Were the DTD read, its broken syntax would fail the parse before the DOCTYPE check."""
    dtd = tmp_path / "broken.dtd"
    dtd.write_text("<!ELEMENT svg ANY\n<<< not a DTD", "utf-8")
    doctype = f'<!DOCTYPE svg SYSTEM "{dtd.as_uri()}">'.encode()
    with pytest.raises(SvgError, match=r"^SVG with a <!DOCTYPE \.\.\.> is refused"):
        clean_svg(doctype + _svg(""))


def test_a_wrong_root_in_the_svg_namespace_names_no_namespace() -> None:
    with pytest.raises(SvgError) as info:
        clean_svg(b'<g xmlns="http://www.w3.org/2000/svg"/>')
    assert str(info.value) == ('the root element is <g>, not '
                               '<svg xmlns="http://www.w3.org/2000/svg">')


def test_the_root_element_s_own_attributes_are_cleaned() -> None:
    cleaned, removed = clean_svg(_svg("<rect/>", ' onload="alert(1)"'))
    assert removed == [(1, "attribute 'onload' on <svg>")]
    assert b"onload" not in cleaned


def test_a_processing_instruction_before_the_root_is_reported_on_its_line() -> None:
    cleaned, removed = clean_svg(b'<?xml version="1.0"?>\n<?xml-stylesheet href="x.css"?>\n'
                                 + _svg("<rect/>"))
    assert removed == [(2, "processing instruction")]
    assert b"stylesheet" not in cleaned


def test_xml_attributes_other_than_space_and_lang_are_removed() -> None:
    """``xml:base`` would change what every relative reference points to."""
    cleaned, removed = clean_svg(_svg('<text xml:space="preserve" xml:lang="fi">t</text>',
                                      ' xml:base="https://example.org/"'))
    assert removed == [
        (1, "attribute 'base' of namespace http://www.w3.org/XML/1998/namespace on <svg>")]
    assert b"example.org" not in cleaned and b'xml:space="preserve"' in cleaned


def test_a_bare_space_attribute_is_not_taken_for_xml_space() -> None:
    _, removed = clean_svg(_svg('<text space="preserve">t</text>'))
    assert removed == [(1, "attribute 'space' on <text>")]


def test_only_href_in_no_namespace_or_xlink_is_read_as_a_link() -> None:
    """Another namespace's ``href`` is no link to a renderer: removed, even when local; an
    ``xlink:title`` is an attribute of the xlink namespace, not a reference."""
    cleaned, removed = clean_svg(_svg('<a x:href="#a" xlink:title="see #a"/>',
                                      ' xmlns:x="urn:example:x"'))
    assert removed == [
        (1, "attribute 'href' of namespace urn:example:x on <a>"),
        (1, "attribute 'title' of namespace http://www.w3.org/1999/xlink on <a>")]
    assert b"#a" not in cleaned
