"""What the partner API says of a part: its schema.org node, its HTML and its modules.

A module is a piece of the part a partner may embed alone: the lead (the text before the
first ``##`` section), each ``##`` section, and the FAQ on its own. Modules are cut from the
document tree (``RenderContext.document``), never from HTML, and each is a complete fragment:
the ``.ketapub`` root, its own footnotes and cited references, and the attribution block.
Its ids carry a per-module prefix (``ketapub-<slug>--<n>.``), so a page may show several
modules, or a module and the whole part, without two elements sharing an id.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from ketapub import i18n, markdown, tree
from ketapub.model import Part
from ketapub.readability import formula_for, score_markdown
from ketapub.render.alternates import part_alternates
from ketapub.render.attribution import attribution
from ketapub.render.base import RenderContext, Renderer
from ketapub.renderers import html_view as view

HEADING_LEVEL = 2
"""Level of the part's title in the API's HTML (the HTML renderer's default); the API does
not read the HTML renderer's options, so its bytes depend on its own inputs only."""


@dataclass(frozen=True)
class Module:
    """One embeddable piece of a part."""

    position: int
    kind: str
    """``lead``, ``section`` or ``faq``."""
    anchor: str | None
    """The heading's id in the part (None for the lead)."""
    name: str
    nodes: tuple[tree.Node, ...]
    html: str = ""


@dataclass(frozen=True)
class Content:
    """A part for the API: its HTML, its modules and its ``MedicalWebPage`` node."""

    html: str
    modules: tuple[Module, ...]
    page: dict[str, Any]


def split(document: tree.Document, title: str) -> list[Module]:
    """The lead, each ``##`` section and the FAQ of ``document``, in order.

    Blank text between blocks belongs to no module; a lead of nothing but blank text is no module.

    Args:
        document: the part's document tree.
        title: the part's title, which names the lead.
    """
    groups: list[tuple[str, str | None, str, list[tree.Node]]] = [("lead", None, title, [])]
    for node in document.children:
        if isinstance(node, tree.Faq):
            heading = next((c for c in node.children if isinstance(c, tree.Heading)), None)
            name = tree.text_of(heading) if heading is not None else ""
            groups.append(("faq", node.heading_id, name, [node]))
            groups.append(("after", None, "", []))  # what follows the FAQ is not in it
        elif isinstance(node, tree.Heading) and node.level == 2:
            groups.append(("section", node.id, tree.text_of(node), [node]))
        else:
            groups[-1][3].append(node)
    modules: list[Module] = []
    for kind, anchor, name, nodes in groups:
        if all(isinstance(n, tree.Text) and not n.text.strip() for n in nodes):
            continue
        if kind == "after":  # text after the FAQ without a heading of its own
            kind, name = "section", title
        modules.append(Module(len(modules) + 1, kind, anchor, name, tuple(nodes)))
    return modules


class ModuleTranslator(view.WebTranslator):
    """A module's HTML: a footnote keeps its number in the part (a module may show note 3 alone)."""

    def visit_note(self, node: tree.Note) -> str:
        """A footnote, numbered as in the part, since a module may show some notes alone."""
        return self.element("li", self.note_body(node), [
            ("id", self.id(f"fn.{node.number}")), ("class", "footnote-item"),
            ("value", str(node.number))]) + "\n"


def module_html(renderer: Renderer, ctx: RenderContext, part: Part, module: Module) -> str:
    """``module`` as a fragment of its own (``templates/api/module.html``).

    Args:
        renderer: the API renderer, for its templates.
        ctx: the render context.
        part: the part.
        module: one of its modules.
    """
    s = ctx.series
    document = ctx.document(part)
    used = {n.number for node in module.nodes for n in tree.walk(node)
            if isinstance(n, tree.NoteRef)}
    cited = sorted({(num, rid) for node in module.nodes for n in tree.walk(node)
                    if isinstance(n, tree.Citation) for rid, num in n.refs})
    notes = tuple(n for n in (document.notes.notes if document.notes else ())
                  if n.number in used)
    prefix = f"ketapub-{part.slug}--{module.position}."
    body = ModuleTranslator(ctx, s.part_url(part), ctx.web_url, prefix=prefix).visit(
        tree.Document(children=module.nodes, notes=tree.Notes(notes) if notes else None))
    by_id = {r.id: r for r in part.references}
    return renderer.render_template(
        ctx, "api/module.html", lang=s.language, dir=view.text_direction(s.language),
        words=i18n.labels(s.language), part=part, module=module, body=Markup(body),
        references=[(num, by_id[rid]) for num, rid in cited if rid in by_id],
        ref_prefix=markdown.reference_id(prefix, ""),
        v={"attribution": attribution(ctx, part)})


def part_html(renderer: Renderer, ctx: RenderContext, part: Part) -> str:
    """The part's whole fragment, as ``html/<slug>.html`` has it by default.

    Args:
        renderer: the API renderer, for its templates.
        ctx: the render context.
        part: the part.
    """
    s = ctx.series
    return renderer.render_template(
        ctx, "html/part.html", lang=s.language, dir=view.text_direction(s.language),
        words=i18n.labels(s.language), level=HEADING_LEVEL,
        v=view.part_view(ctx, part, ctx.web_url, HEADING_LEVEL))


def reading_level(ctx: RenderContext, part: Part) -> dict[str, Any] | None:
    """The part's reading level, as a schema.org ``DefinedTerm``.

    The part's reading level by the formula of the series language, as a schema.org ``DefinedTerm``
    for ``educationalLevel`` (None: no formula for the language).

    Args:
        ctx: the render context.
        part: the part.
    """
    language = ctx.series.language
    formula = formula_for(language)
    value = _score(part.body, language)
    if formula is None or value is None:
        return None
    name = f"{formula.name} {value:.1f}"
    if formula.higher_is_easier:
        name += f" ({formula.scale}: {formula.band(value)})"
    return {"@type": "DefinedTerm", "name": name, "termCode": f"{value:.1f}",
            "inDefinedTermSet": f"{formula.name} ({formula.scale})"}


@functools.lru_cache(maxsize=256)
def _score(body: str, language: str) -> float | None:
    """A body's readability score, computed once per process.

    The series, the changes list and the part's own document all show it.
    """
    return score_markdown(body, language).value


def series_node(ctx: RenderContext) -> dict[str, Any]:
    """The series as the ``isPartOf`` node of every API document.

    Args:
        ctx: the render context.
    """
    s = ctx.series
    return {"@type": "CreativeWorkSeries", "@id": s.base_url, "name": s.title,
            "url": s.base_url, "inLanguage": s.language}


def page(renderer: Renderer, ctx: RenderContext, part: Part) -> Content:
    """``part`` as the API shows it.

    Args:
        renderer: the API renderer, for its templates.
        ctx: the render context.
        part: a released part.
    """
    s = ctx.series
    url = s.part_url(part)
    modules = tuple(Module(m.position, m.kind, m.anchor, m.name, m.nodes,
                           module_html(renderer, ctx, part, m))
                    for m in split(ctx.document(part), part.title))
    html = part_html(renderer, ctx, part)
    node: dict[str, Any] = {
        "@type": "MedicalWebPage", "@id": url, "url": url,
        "name": part.title, "headline": part.title, "description": part.summary,
        "position": part.part, "inLanguage": s.language,
        "datePublished": part.publish_at.isoformat(),
        "dateModified": ctx.modified(part).isoformat(),
        "author": [{"@type": "Person", "name": n} for n in view.names(s, False)],
        "publisher": {"@type": "Organization", "name": s.publisher, "url": s.base_url},
        "copyrightHolder": {"@type": "Organization", "name": s.rights_holder},
        "isPartOf": series_node(ctx),
        "audience": {"@type": "MedicalAudience", "audienceType": "Patient"},
        "text": html,
        "hasPart": [_module_node(url, m) for m in modules],
    }
    if s.license:
        node["license"] = s.license_link or s.license
    if part.tags:
        node["keywords"] = list(part.tags)
    node.update(view.translation_links(part_alternates(ctx, part), "MedicalWebPage"))
    level = reading_level(ctx, part)
    if level is not None:
        node["educationalLevel"] = level
    review = ctx.review(part)
    if review is not None:
        reviewer: dict[str, Any] = {"@type": "Person", "name": review.reviewer}
        if review.credentials:
            reviewer["honorificSuffix"] = review.credentials
        node["reviewedBy"] = reviewer
        if review.on is not None:
            node["lastReviewed"] = review.on.isoformat()
    return Content(html, modules, node)


def content_hash(doc: dict[str, Any]) -> str:
    """sha256 (hex) of the canonical content.

    ``doc`` without its ``contentHash`` and ``encoding`` (links to other files of the build), as
    compact JSON with sorted keys. It changes exactly when something a partner shows changes.

    Args:
        doc: the part's document.
    """
    canonical = {k: v for k, v in doc.items() if k not in ("contentHash", "encoding")}
    blob = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _module_node(url: str, module: Module) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": "WebPageElement", "position": module.position,
                            "name": module.name, "genre": module.kind,
                            "encodingFormat": "text/html", "text": module.html}
    if module.anchor:
        node["@id"] = f"{url}#{module.anchor}"
        node["identifier"] = module.anchor
    if module.kind == "faq":
        node["additionalType"] = "https://schema.org/FAQPage"
    node["contentHash"] = content_hash(node)
    return node
