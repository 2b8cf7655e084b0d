"""The renderer options reference.

Each installed renderer's declared options (the ``RendererOptions``
class it names), as ``ketapub renderers --options`` lists them, with the renderer's own docstring.
"""

from __future__ import annotations

import inspect

from ketapub.docs_gen.source_format import markdown
from ketapub.render.options import describe
from ketapub.render.registry import Registry, installed


def page(registry: Registry | None = None) -> str:
    """The page, Markdown: one section per renderer, one row per option.

    Args:
        registry: the renderers to document (default: the installed ones).
    """
    reg = registry or installed()
    out = ["# Renderers and their options", "",
           "<!-- Made from the renderers' option classes by "
           "ketapub.docs_gen.options_page. -->", "",
           "Every installed renderer, its `--format` name and the options it declares. Set "
           "one with `ketapub build --set RENDERER.OPTION=VALUE` or "
           "`ketapub.build(..., options={RENDERER: {OPTION: VALUE}})`; "
           "`ketapub renderers --options` prints the same table. An option changes only its "
           "own renderer's files, so changing one re-renders those and nothing else.", "",
           "| renderer | class | what it makes |", "| --- | --- | --- |"]
    names = reg.names()
    for name in names:
        cls = reg.get(name)
        out.append(f"| [`{name}`](#{name}) | `{cls.__module__}.{cls.__qualname__}` | "
                   f"{_text(cls.description)} |")
    out.append("")
    for name in names:
        cls = reg.get(name)
        out += [f"## `{name}` {{#{name}}}", "", f"`{cls.__module__}.{cls.__qualname__}`: "
                f"{_text(cls.description)}.", ""]
        doc = inspect.getdoc(cls)
        if doc and doc != inspect.getdoc(cls.__mro__[1]):
            out += [markdown(doc), ""]
        declared = describe(name, cls.options_class)
        if not declared:
            out += ["No options.", ""]
            continue
        kind = cls.options_class
        out += [f"Options class: `{kind.__module__}.{kind.__qualname__}`.", "",
                "| option | type | default | what it does |", "| --- | --- | --- | --- |"]
        for o in declared:
            out.append(f"| `{name}.{o.name}` | `{o.type}` | `{o.default!r}` | {_text(o.help)} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _text(text: str) -> str:
    """Plain text in Markdown: ``<series-slug>`` is a placeholder, not an HTML tag."""
    return text.replace("<", "&lt;")
