"""The template reference.

For every built-in template, what it extends, includes and imports, the blocks a template that
extends it can override, and the variables it reads.

The names and blocks are read from the templates themselves (Jinja's parser and
``jinja2.meta``); only what each variable means is written here, in
``VARIABLES``. A template that starts using a variable this table does not describe
fails the suite (``tests/test_docs_gen.py``) and the docs build, so the page cannot fall
behind the templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.meta
from jinja2 import nodes

from ketapub.render.builtin import builtin_templates_dir
from ketapub.render.templating import environment

EVERYWHERE = {
    "ctx": "the `RenderContext` of the build: `ctx.released`, `ctx.modified(part)`, "
           "`ctx.updated(part)`, `ctx.review_line(part)`... (see the Python API)",
    "series": "the loaded `Series` (every key of `series.yaml`, its `parts` and `brands`)",
    "renderer": "the name of the renderer rendering the template (`pdf`, `html`...)",
}
"""Variables every template can read, whichever renderer renders it."""

VARIABLES: dict[str, dict[str, str]] = {
    "": {  # the same meaning in every folder unless a folder says otherwise
        "dir": "`ltr` or `rtl`: the direction of the series language",
        "lang": "the series language (BCP 47), for `lang` attributes",
        "words": "the fixed words of the output in the series language (`ketapub.i18n` "
                 "labels: `words.references`, `words.part_of`...)",
        "part": "the `Part` being rendered (its front matter keys, `number`, `body`...)",
        "body": "the part's body, already translated for this format (safe HTML in HTML "
                "templates, text in text ones): content is never a template",
        "disclaimer": "the series disclaimer, translated for this format (empty when none)",
        "references": "the part's numbered references, `(number, Reference)` pairs",
        "review": "the medical review line with its due date, as every format prints it "
                  "(`ctx.review_line`)",
        "changes": "the corrections shown as of the build (\"What changed\"), newest first",
    },
    "api": {
        "module": "the module of the part this template renders (lead, a `##` section or "
                  "the FAQ): `module.genre`, `module.position`, `module.nodes`",
        "ref_prefix": "the id prefix of the module's reference list entries",
        "v": "`v.attribution`: the attribution block's values",
    },
    "embed": {
        "canonical": "the part's public URL (`<link rel=\"canonical\">`)",
        "css": "`ketapub.css`, inlined",
        "fragment": "the part's HTML fragment (`html/part.html` with the title as `h1`)",
        "oembed": "the part's oEmbed endpoint URL (the discovery `<link>`)",
        "origin": "the origin (`scheme://host`) of `base_url`, the only one the page's "
                  "Content-Security-Policy lets images come from",
    },
    "epub": {
        "strings": "the ebook's fixed words in the series language",
        "upcoming": "parts not yet released, with the date each will be",
        "cover_alt": "the cover image's alt text",
        "cover_href": "the cover image's path inside the ebook",
        "landmarks": "the navigation document's landmarks (`(type, href, title)`)",
        "toc": "the table of contents entries (`TocEntry`: title, href, children)",
        "dates": "the part's published and updated line",
        "label": "the part's label (\"Part 2 of 6\")",
        "prefix": "the id prefix of the part's document",
        "edition": "the edition line of the title page (as of which instant it is made)",
        "rights": "the rights line of the title page (copyright holder and licence)",
        "depth": "the depth of the NCX table of contents",
    },
    "feed": {
        "changes_heading": "the \"What changed\" heading in the series language",
        "references_heading": "the \"References\" heading in the series language",
        "id_prefix": "`ketapub-<slug>.`: every id of the item starts with it",
    },
    "html": {
        "v": "the view of what the fragment shows, made by `ketapub.renderers.html_view` "
             "(`part_view`, `card_view`, `hub_view`): titles, dates, links, attribution",
        "level": "the heading level of a part's title (the `html.heading_level` option)",
        "cards": "the preview page's cards, one per part (rendered `html/card.html`)",
        "embeds": "the preview page's copy-and-paste codes per released part (fragment, "
                  "iframe, feed URLs)",
        "fragments": "the preview page's fragments, one per released part",
        "hub": "the preview page's hub (rendered `html/hub.html`)",
        "alternates": "the page in every language it is out in, itself included, for "
                      "hreflang links (`Alternate`: language, name, url, current, "
                      "original); empty for an untranslated series",
    },
    "md": {
        "destination": "a function: a link destination escaped for Markdown",
        "text": "a function: text escaped for Markdown (`*`, `_`, `[`...)",
    },
    "txt": {
        "links": "the numbered links of the part, listed at the end (`[1] https://...`)",
        "notes": "the part's footnotes, as text",
        "underline": "a function: a heading's underline (`=`, `-`, `~`) its width in columns",
        "wrap": "a function: text wrapped at 72 columns",
    },
    "pdf": {
        "t": "the handouts' fixed words in the series language (`t.published_on`, "
             "`t.page_of`...)",
        "authors": "the series authors' names, joined",
        "brand": "the clinic's `Brand` of a branded handout (none for the standard one)",
        "logo": "the clinic's logo URL inside the PDF (none without a logo)",
        "taglines": "the clinic's language-assistance taglines: `(lang, dir, before, "
                    "after)` around its phone number",
        "slots": "heights (CSS px) left empty for the clinic's header and contact box, "
                 "which are stamped on afterwards (none: lay them out in place)",
        "url": "the part's public URL (printed, and in the QR code)",
        "qr": "the QR code of the URL, an SVG data URL",
        "qr_alt": "the QR code's alt text",
        "languages": "the handout in every language its part is out in, for the \"This "
                     "page in\" line (`Alternate`: language, name, url, current); empty "
                     "when it is out in one language only",
        "total": "the number of parts in the series (\"Part 2 of 6\")",
        "cover": "the booklet cover image's URL (none without `cover`)",
        "entries": "the booklet's parts: `part`, `released`, `body`, `available`, "
                   "`review` each",
        "first": "the first release instant (the booklet's creation date)",
        "modified": "the booklet's modification date (the newest update as of the build)",
        "only": "`\"front\"`: the cover, contents and about alone, to which the handouts "
                "are bound (none: the whole booklet, laid out at once)",
        "pages": "the first page of each part in the whole booklet, when laid out in pieces",
        "accent": "the accent colour (the brand's, else ketapub's)",
        "footer_note": "the clinic and its phone as a CSS string, on every page of a "
                       "branded handout (none otherwise)",
        "large": "true for large print",
        "page": "the page size's CSS (`A4`, `letter`)",
        "page_prefix": "the page number label's text before the number, as a CSS string",
        "page_middle": "the page number label's text between the number and the total",
        "page_suffix": "the page number label's text after the total",
        "series_title": "the series title as a CSS string (running head)",
    },
}
"""What each variable means, per template folder (``""``: every folder)."""


@dataclass(frozen=True)
class TemplateInfo:
    """What one template file declares and reads."""

    name: str
    """Its path under ``templates/`` (what ``--templates`` folders replace)."""
    extends: tuple[str, ...]
    includes: tuple[str, ...]
    """Templates it includes or imports."""
    blocks: tuple[str, ...]
    """Blocks it defines, in order (a template that extends it overrides them)."""
    macros: tuple[str, ...]
    variables: tuple[str, ...]
    """Variables it reads from the renderer, sorted."""


def inspect_template(name: str, source: str, env: jinja2.Environment | None = None
                     ) -> TemplateInfo:
    """Parse one template and list what it declares and reads.

    Args:
        name: its path under ``templates/``.
        source: its text.
        env: the environment to parse with (default: ketapub's, with its filters).
    """
    ast = (env or environment("docs")).parse(source)
    extends = tuple(str(n.template.value) for n in ast.find_all(nodes.Extends)
                    if isinstance(n.template, nodes.Const))
    named = (getattr(n, "template", None) for n in ast.find_all((nodes.Include, nodes.Import,
                                                                 nodes.FromImport)))
    includes = tuple(dict.fromkeys(str(t.value) for t in named if isinstance(t, nodes.Const)))
    imported = {n.target for n in ast.find_all(nodes.Import)}
    found = jinja2.meta.find_undeclared_variables(ast) - imported
    return TemplateInfo(
        name, extends, includes,
        tuple(b.name for b in ast.find_all(nodes.Block)),
        tuple(m.name for m in ast.find_all(nodes.Macro)),
        tuple(sorted(found)))


def templates(root: Path | None = None) -> list[TemplateInfo]:
    """Every template under ``root`` (default: the built-in ``templates/``), by path.

    Args:
        root: a template folder laid out as the built-in one (``pdf/``, ``html/``...).
    """
    base = root or builtin_templates_dir()
    env = environment("docs")
    return [inspect_template(p.relative_to(base).as_posix(), p.read_text("utf-8"), env)
            for p in sorted(base.rglob("*")) if p.is_file()]


def describe(template: str, variable: str) -> str | None:
    """What ``variable`` means in ``template`` (None: nobody wrote it down yet).

    Args:
        template: a path under ``templates/`` (``pdf/handout.html``).
        variable: a name the template reads.
    """
    folder = template.split("/", 1)[0]
    return (VARIABLES.get(folder, {}).get(variable) or VARIABLES[""].get(variable)
            or EVERYWHERE.get(variable))


def undocumented(infos: list[TemplateInfo]) -> list[str]:
    """``template: variable`` for each variable a template reads that has no description.

    Args:
        infos: from ``templates()``.
    """
    return [f"{t.name}: {v}" for t in infos for v in t.variables if describe(t.name, v) is None]


def _section(t: TemplateInfo) -> list[str]:
    """One template's section of the page."""
    out = [f"### `{t.name}`", ""]
    facts = [f"{what} " + ", ".join(f"`{x}`" for x in names)
             for what, names in (("extends", t.extends), ("includes", t.includes),
                                 ("blocks", t.blocks), ("macros", t.macros)) if names]
    said = "; ".join(facts) + "."
    out += [said[0].upper() + said[1:] if facts else
            "No blocks or macros." if t.variables else
            "A plain file: no blocks, macros or variables.", ""]
    if t.variables:
        out += ["| variable | meaning |", "| --- | --- |"]
        out += [f"| `{v}` | {describe(t.name, v)} |" for v in t.variables]
        out.append("")
    return out


def page(infos: list[TemplateInfo] | None = None) -> str:
    """The reference page, Markdown; raises ``ValueError`` naming any undocumented variable.

    Args:
        infos: the templates to document (default: the built-in ones).
    """
    infos = templates() if infos is None else infos
    missing = undocumented(infos)
    if missing:
        raise ValueError("template variables without a description in "
                         "ketapub/docs_gen/template_ref.py VARIABLES: " + ", ".join(missing))
    out = ["# Templates reference", "",
           "<!-- Made from templates/ by ketapub.docs_gen.template_ref. -->", "",
           "Every built-in template, read from the template itself: what it extends and "
           "includes, the blocks a template of yours that extends it can override, its "
           "macros, and every variable it reads. Replace a template by putting a file of "
           "the same path in a `--templates` folder; extend the built-in one with "
           "`{% extends \"ketapub:pdf/handout.html\" %}`. Templates are rendered with "
           "`StrictUndefined` (a misspelt variable is an error naming the file and line) "
           "and autoescaping for HTML, XHTML, XML, OPF, NCX and SVG.", "",
           "Every template can also read:", ""]
    out += [f"- `{k}`: {v}" for k, v in EVERYWHERE.items()]
    out += ["", "and the filters `date` (`{{ part.publish_at|date(\"long\") }}`, in the "
            "series language and timezone) and `isodate`.", ""]
    for folder in sorted({t.name.split("/", 1)[0] for t in infos}):
        out += [f"## `{folder}/`", ""]
        for t in (t for t in infos if t.name.startswith(folder + "/")):
            out += _section(t)
    return "\n".join(out).rstrip() + "\n"
