"""The documentation site: the reference pages are made from the code (a model field's
docstring, a renderer option, a template variable each show on their page, and a variable
no one described fails), and ``mkdocs build --strict`` passes with the gallery (every
internal link and anchor checked)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ketapub import model, testing
from ketapub.docs_gen import options_page, source_format, template_ref
from ketapub.render.options import RendererOptions, option
from ketapub.render.registry import Registry
from ketapub.renderers.jsonfeed import JsonFeedRenderer
from tests.conftest import CONTENT, ROOT


def test_every_key_of_every_source_file_is_on_the_page() -> None:
    page = source_format.page(CONTENT)
    for document in source_format.DOCUMENTS:
        for key in document.model.model_fields:
            assert f"[`{key}`](#{document.anchor}-{key.replace('_', '-')})" in page
    assert "| [`page_size`](#series-yaml-page-size) | [PageSize](#pagesize) | no | `A4` |" in page
    assert "| [`title`](#series-yaml-title) | [Title](#title) | yes |  |" in page
    # the docstring under the field, as Markdown, and the value content/ sets as its example
    assert "A WebSub hub the feeds name with `rel=\"hub\"`" in page
    assert "```yaml\npage_size: Letter\n```" in page
    assert "accent_color: '#1f6f8b'" in page  # from content/brands/harbor-light.yaml


def test_a_field_docstring_changed_in_the_model_changes_the_page(tmp_path: Path) -> None:
    """The page reads the model's source: edit a docstring there and the page says it."""
    source = Path(model.__file__).read_text("utf-8")
    old = '    """A WebSub hub the feeds name with ``rel="hub"``'
    assert old in source
    changed = source.replace(old, '    """Changed for the test: a hub named ``rel="hub"``')
    module = type(model)("changed_model")
    module.__file__ = str(tmp_path / "changed_model.py")
    Path(module.__file__).write_text(changed, "utf-8")
    sys.modules["changed_model"] = module
    try:
        exec(compile(changed, module.__file__, "exec"), module.__dict__)
        docs = source_format.attribute_docs(module)
    finally:
        del sys.modules["changed_model"]
    fields = {f.key: f for f in source_format.fields(module.SeriesMeta, docs)}
    assert fields["websub_hub"].doc.startswith("Changed for the test: a hub named `rel=\"hub\"`")
    assert fields["websub_hub"].type == "HttpUrl | None"
    assert fields["timezone"].default == "UTC" and not fields["timezone"].required


def test_the_options_page_is_each_renderers_declaration() -> None:
    class TitlesOptions(RendererOptions):
        prefix: str = option("Part", "written before each <number>")

    class TitlesRenderer(JsonFeedRenderer):  # a renderer with options of its own
        name = "titles"

    TitlesRenderer.options_class = TitlesOptions
    reg = Registry()
    reg.register(TitlesRenderer)
    reg.register(JsonFeedRenderer)
    page = options_page.page(reg)
    assert "| `titles.prefix` | `str` | `'Part'` | written before each &lt;number> |" in page
    assert "## `jsonfeed` {#jsonfeed}" in page and "No options." in page
    installed = options_page.page()
    assert "| `html.heading_level` | `int` | `2` |" in installed
    assert "| `pdf.page_size` |" in installed


def test_the_template_extractor_reads_blocks_variables_and_includes() -> None:
    info = template_ref.inspect_template(
        "pdf/x.html", '{% extends "pdf/base.html" %}{% import "pdf/_blocks.html" as blocks %}'
        "{% block content %}{{ part.title }}{% for p in entries %}{{ p }}{% endfor %}"
        "{{ blocks.qr_block(qr) }}{% endblock %}{% macro m(a) %}{{ a }}{{ t.x }}{% endmacro %}")
    assert info.extends == ("pdf/base.html",)
    assert info.includes == ("pdf/_blocks.html",)
    assert info.blocks == ("content",)
    assert info.macros == ("m",)
    assert info.variables == ("entries", "part", "qr", "t")  # not p, a, nor the import


def test_every_variable_a_built_in_template_reads_is_documented() -> None:
    infos = template_ref.templates()
    assert template_ref.undocumented(infos) == []
    handout = next(t for t in infos if t.name == "pdf/handout.html")
    assert {"part", "brand", "taglines", "slots"} <= set(handout.variables)
    assert "content" in handout.blocks
    page = template_ref.page(infos)
    assert "### `pdf/handout.html`" in page and "| `slots` |" in page


def test_a_variable_the_docs_do_not_describe_fails() -> None:
    infos = [*template_ref.templates(), template_ref.inspect_template(
        "html/new.html", "{{ v.title }} {{ shiny_new_thing }}")]
    assert template_ref.undocumented(infos) == ["html/new.html: shiny_new_thing"]
    with pytest.raises(ValueError, match=r"html/new\.html: shiny_new_thing"):
        template_ref.page(infos)


@pytest.mark.slow
def test_the_site_builds_strict_with_its_gallery(tmp_path: Path) -> None:
    """``mkdocs build --strict`` (every link and anchor checked) with the gallery made from
    the small sample series, so the test stays cheap; ``make docs`` shows ``content/``."""
    source = testing.write_sample_series(tmp_path / "series")
    site = tmp_path / "site"
    env = {**os.environ, "KETAPUB_DOCS_SOURCE": str(source),
           "KETAPUB_DOCS_AS_OF": testing.SAMPLE_AS_OF.isoformat(), "NO_MKDOCS_2_WARNING": "1",
           "DISABLE_MKDOCS_2_WARNING": "true", "KETAPUB_DOCS_BUILD": str(tmp_path / "built")}
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                          "-d", str(site)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    gallery = (site / "gallery" / "index.html").read_text("utf-8")
    for image in ("handout-01.png", "booklet-cover.png", "booklet-contents.png",
                  "large-print.png", "epub-cover.png", "epub-part.png", "fragment.png",
                  "feed.png", "timeline.svg"):
        data = (site / "gallery" / "img" / image).read_bytes()
        assert data.startswith(b"\x89PNG" if image.endswith(".png") else b"<svg"), image
        assert image in gallery
    assert 'href="files/pdf/booklet.pdf"' in gallery
    assert (site / "gallery" / "files" / "pdf" / "booklet.pdf").is_file()
    # the references are in the site, made from the code
    assert "websub_hub" in (site / "reference" / "source-format" / "index.html").read_text()
    assert "heading_level" in (site / "reference" / "options" / "index.html").read_text()
    assert "taglines" in (site / "reference" / "templates" / "index.html").read_text()
    cli = (site / "reference" / "cli" / "index.html").read_text()
    assert "--large-print" in cli and "--websub-hub" in cli
    assert "Sentinel" not in cli and "<code>--debug</code>" in cli  # defaults shown as values
    api = (site / "reference" / "api" / "index.html").read_text()
    assert "ketapub.build" in api and "RenderContext" in api
