"""The source-format reference.

Every key of ``series.yaml``, part front matter and brand files, read from the pydantic models of
``ketapub.model``.

A field's documentation is the string literal under it in the class body (an attribute
docstring), read from the source with ``ast`` because pydantic keeps no trace of it.
Types are shown as the code spells them (``Title``, ``HttpUrl | None``), so the named
aliases of the model module keep their names, and each alias is explained once from its own
docstring. Examples come from a real source folder (``content/`` by default).
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from pydantic import BaseModel

from ketapub import model


@dataclass(frozen=True)
class FieldDoc:
    """One key of a source file, as the reference page shows it."""

    key: str
    type: str
    """The annotation as written in the model's source."""
    required: bool
    default: str
    """The default, as YAML would spell it (empty when required)."""
    doc: str
    """The attribute docstring under the field, dedented; empty when it has none."""


def attribute_docs(module: ModuleType) -> dict[str, dict[str, tuple[str, str]]]:
    """The annotation and attribute docstring of every field of every class of ``module``.

    Class name -> field name -> (annotation source, docstring), read from its source; a
    module-level name's docstring is under ``""``.

    Args:
        module: a module whose classes declare fields with annotations.
    """
    source = inspect.getsource(module)
    tree = ast.parse(source)
    found: dict[str, dict[str, tuple[str, str]]] = {"": {}}

    def walk(body: list[ast.stmt], into: dict[str, tuple[str, str]]) -> None:
        for i, node in enumerate(body):
            name, annotation = _target(node, source)
            if name is None:
                continue
            nxt = body[i + 1] if i + 1 < len(body) else None
            doc = ""
            if (isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant)
                    and isinstance(nxt.value.value, str)):
                doc = inspect.cleandoc(nxt.value.value)
            into[name] = (annotation, doc)

    walk(tree.body, found[""])
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            walk(node.body, found.setdefault(node.name, {}))
    return found


def _target(node: ast.stmt, source: str) -> tuple[str | None, str]:
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, ast.unparse(_Unannotate().visit(node.annotation))
    if (isinstance(node, ast.Assign) and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)):
        return node.targets[0].id, ""
    return None, ""


class _Unannotate(ast.NodeTransformer):
    """``Annotated[Line, AfterValidator(...)]`` -> ``Line``.

    The validators are explained by the docstring, not by their private names.
    """

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "Annotated":
            inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
            return self.visit(inner)
        self.generic_visit(node)
        return node


def markdown(doc: str) -> str:
    """A docstring's reStructuredText roles and double-backtick literals as Markdown code.

    Args:
        doc: a docstring.
    """
    doc = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", doc)
    return re.sub(r"``([^`]+)``", r"`\1`", doc)


def fields(kind: type[BaseModel], docs: Mapping[str, Mapping[str, tuple[str, str]]]
           ) -> list[FieldDoc]:
    """The keys ``kind`` accepts, in declaration order, base classes first.

    Args:
        kind: a pydantic model of the source format.
        docs: ``attribute_docs()`` of its module.
    """
    out = []
    for name, info in kind.model_fields.items():
        annotation, doc = "", ""
        for klass in kind.__mro__:
            if name in docs.get(klass.__name__, {}):
                annotation, doc = docs[klass.__name__][name]
                break
        required = info.is_required()
        default = "" if required else _yaml_default(
            info.get_default(call_default_factory=True))
        out.append(FieldDoc(info.alias or name, annotation, required, default, markdown(doc)))
    return out


def _yaml_default(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, tuple | list | dict) and not value:
        return "[]" if not isinstance(value, dict) else "{}"
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


@dataclass(frozen=True)
class Document:
    """A kind of source file and the model that is its schema."""

    title: str
    anchor: str
    where: str
    model: type[BaseModel]


DOCUMENTS = (
    Document("series.yaml", "series-yaml", "`series.yaml` at the top of the source folder",
             model.SeriesMeta),
    Document("Part front matter", "part-front-matter",
             "the YAML between the `---` lines at the top of each `parts/NN-slug.md`",
             model.PartMeta),
    Document("Brand files", "brand-files", "each `brands/<id>.yaml` (a clinic profile)",
             model.Brand),
    Document("Translated series.yaml", "translated-series-yaml",
             "`translations/<lang>/series.yaml`: the series' text in that language",
             model.SeriesTranslationMeta),
    Document("Translated part front matter", "translated-part-front-matter",
             "the front matter of each `translations/<lang>/NN-slug.md`, named as its "
             "original in `parts/`", model.TranslationMeta),
)
NESTED = (model.Author, model.MedicalReview, model.Reference, model.Withdrawal, model.Change)
"""Models written inside another key (``authors``, ``withdrawn``, ``changes``...)."""


def examples(source: Path) -> dict[str, dict[str, Any]]:
    """Values written in a real source folder, per document title.

    The series, the first part (and brand) that sets each key.

    Args:
        source: a series folder (``series.yaml``, ``parts/``, ``brands/``).
    """
    found: dict[str, dict[str, Any]] = {d.title: {} for d in DOCUMENTS}
    sources = (("series.yaml", [source / "series.yaml"], _yaml_file),
               ("Part front matter", sorted((source / "parts").glob("*.md")), _front_matter),
               ("Brand files", sorted((source / "brands").glob("*.yaml")), _yaml_file),
               ("Translated series.yaml", sorted((source / "translations").glob("*/series.yaml")),
                _yaml_file),
               ("Translated part front matter", sorted((source / "translations").glob("*/*.md")),
                _front_matter))
    for title, paths, read in sources:
        for path in paths:
            for key, value in read(path).items():
                found[title].setdefault(key, value)
    for kind in NESTED:  # the first item of a list of them, or the mapping itself
        found.setdefault(kind.__name__, {})
    for values in list(found.values()):
        for key, value in values.items():
            inner = value[0] if isinstance(value, list) and value else value
            nested = _nested_for(key)
            if nested is not None and isinstance(inner, dict):
                for k, v in inner.items():
                    found[nested.__name__].setdefault(k, v)
    return found


def _yaml_file(path: Path) -> dict[str, Any]:
    value = yaml.safe_load(path.read_text("utf-8")) if path.is_file() else None
    return value if isinstance(value, dict) else {}


def _front_matter(path: Path) -> dict[str, Any]:
    m = re.match(r"---\n(.*?)\n---\n", path.read_text("utf-8"), re.DOTALL)
    value = yaml.safe_load(m.group(1)) if m else None
    return value if isinstance(value, dict) else {}


_NESTED_KEYS: dict[str, type[BaseModel]] = {
    "authors": model.Author, "medical_review": model.MedicalReview,
    "references": model.Reference, "withdrawn": model.Withdrawal, "changes": model.Change}


def _nested_for(key: str) -> type[BaseModel] | None:
    return _NESTED_KEYS.get(key)


def _example(key: str, value: Any) -> str:
    text = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=88)
    lines = text.rstrip("\n").split("\n")
    if len(lines) > 6:
        lines = [*lines[:5], "  # ..."]
    return "\n".join(lines)


def _type_cell(annotation: str, aliases: Iterable[str]) -> str:
    """The annotation with each documented alias and nested model linked to its entry."""
    names = set(aliases) | {k.__name__ for k in NESTED} | {"Interval"}
    out = re.sub(r"[A-Za-z_][A-Za-z0-9_]*",
                 lambda m: (f"[{m.group(0)}](#{m.group(0).lower()})" if m.group(0) in names
                            else m.group(0)), annotation.replace("|", "or"))
    return out


def alias_docs(docs: Mapping[str, Mapping[str, tuple[str, str]]]) -> dict[str, str]:
    """The model module's named types (``Title``, ``HttpUrl``...) with what they accept.

    What they accept is their docstring, else the validator their name is built from.

    Args:
        docs: what ``attribute_docs()`` read of ``ketapub.model``.
    """
    described = {
        "Slug": "lowercase letters, digits and single hyphens (`spravato-explained`)",
        "PartSlug": "a [Slug](#slug) that is not a name the outputs use "
                    f"({', '.join(sorted(model.RESERVED_SLUGS))})",
        "HttpUrl": "an absolute `http://` or `https://` URL, without invisible characters",
        "HexColor": "a CSS hex colour, quoted (`\"#1f6f8b\"`: unquoted, `#` starts a comment)",
        "RelPath": "a path under the source folder (`assets/logo.svg`): no `..`, no URL, "
                   "no `%`",
        "PageSize": "`A4` or `Letter`, in any case",
        "CciItem": "a Clear Communication Index item number, 1 to "
                   f"{model.CCI_ITEMS} (see `ketapub cci`)",
        "Title": f"one-line text of at most {model.MAX_TITLE} characters",
    }
    out = {}
    for name, (_, doc) in docs[""].items():
        if name in described or (doc and name[0].isupper() and not name.isupper()):
            out[name] = markdown(described.get(name) or doc)
    out["Interval"] = markdown(inspect.cleandoc(model.Interval.__doc__ or ""))
    return dict(sorted(out.items()))


def page(source: Path) -> str:
    """The whole reference page, Markdown.

    Args:
        source: a series folder whose values serve as examples.
    """
    docs = attribute_docs(model)
    aliases = alias_docs(docs)
    samples = examples(source)
    out = ["# Source format reference", "",
           "<!-- Made from ketapub/model.py by ketapub.docs_gen.source_format; edit the "
           "docstrings there. -->", "",
           "Every key ketapub reads from a source folder, made from the models that validate "
           "it (`ketapub.model`): the type as the code declares it, whether it is required, "
           "its default, what it means (the field's docstring) and, where the example series "
           "in `content/` sets it, the value it uses there. Unknown keys are errors with a "
           "\"did you mean\" hint. Dates and instants take the forms "
           f"{model.DATE_FORMS}; a time without an offset is in the series `timezone`.", ""]
    for document in DOCUMENTS:
        out += _section(document.title, document.anchor, f"Written in {document.where}.",
                        fields(document.model, docs), samples.get(document.title, {}), aliases)
    out += ["## Values inside keys", ""]
    for kind in NESTED:
        doc = markdown(inspect.cleandoc(kind.__doc__ or ""))
        out += _section(kind.__name__, kind.__name__.lower(), doc, fields(kind, docs),
                        samples.get(kind.__name__, {}), aliases, level="###")
    out += ["## Types", "", "The named types the tables use.", ""]
    for name, doc in aliases.items():
        out += [f"### {name}", "", doc, ""]
    return "\n".join(out).rstrip() + "\n"


def _section(title: str, anchor: str, intro: str, items: list[FieldDoc],
             samples: Mapping[str, Any], aliases: Mapping[str, str], level: str = "##"
             ) -> list[str]:
    out = [f"{level} {title} {{#{anchor}}}", "", intro, "",
           "| key | type | required | default |", "| --- | --- | --- | --- |"]
    for f in items:
        out.append(f"| [`{f.key}`](#{anchor}-{f.key.replace('_', '-')}) | "
                   f"{_type_cell(f.type, aliases)} | {'yes' if f.required else 'no'} | "
                   f"{'' if f.required else '`' + f.default + '`'} |")
    out.append("")
    for f in items:
        out += [f"{level}# `{f.key}` {{#{anchor}-{f.key.replace('_', '-')}}}", "",
                f"{_type_cell(f.type, aliases)}, "
                + ("required." if f.required else f"optional (default `{f.default}`)."), ""]
        if f.doc:
            out += [f.doc, ""]
        if f.key in samples:
            out += ["```yaml", _example(f.key, samples[f.key]), "```", ""]
    return out
