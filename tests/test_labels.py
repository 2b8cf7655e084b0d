"""Labels (issue 18, item 6): every string a format prints comes from ketapub/i18n.py, each
supported language has every label with the same placeholders, and every label a template
or renderer asks for exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from ketapub import i18n

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
# The names the renderers give the label table in templates: t (PDF), words (HTML, text,
# Markdown, feeds), strings (EPUB).
IN_TEMPLATE = re.compile(r"\b(?:t|words|strings)(?:\.([a-z_0-9]+)|\[\"([a-z_0-9]+)\"\])")
IN_PYTHON = re.compile(r"(?:\blabels\([^()]*\)|\bself\.labels|\bt|\bwords)\[\"([a-z_0-9]+)\"\]")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def _placeholders(label: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(label) if name}


@pytest.mark.parametrize("language", i18n.SUPPORTED)
def test_a_supported_language_has_every_label_with_the_same_placeholders(
        language: str) -> None:
    english, other = i18n.LABELS["en"], i18n.LABELS[language]
    assert sorted(set(english) - set(other)) == [], f"{language} lacks these labels"
    assert sorted(set(other) - set(english)) == [], f"{language} has labels English lacks"
    assert {k: _placeholders(v) for k, v in other.items()} == \
        {k: _placeholders(v) for k, v in english.items()}
    assert all(v.strip() for v in other.values())


def _used_in_templates() -> dict[str, str]:
    used = {}
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix in (".html", ".xhtml", ".ncx", ".txt", ".md"):
            for expr in JINJA.findall(path.read_text("utf-8")):
                for a, b in IN_TEMPLATE.findall(expr):
                    used.setdefault(a or b, path.relative_to(ROOT).as_posix())
    return used


def _used_in_python() -> dict[str, str]:
    used = {}
    for path in sorted((ROOT / "ketapub").rglob("*.py")):
        for key in IN_PYTHON.findall(path.read_text("utf-8")):
            used.setdefault(key, path.relative_to(ROOT).as_posix())
    return used


def test_every_label_a_template_or_renderer_uses_exists() -> None:
    templates, python = _used_in_templates(), _used_in_python()
    assert len(templates) > 20 and len(python) > 10  # the scan finds what is there
    missing = {k: where for k, where in (templates | python).items()
               if k not in i18n.LABELS["en"]}
    assert missing == {}


def test_templates_print_no_words_of_their_own() -> None:
    """Outside Jinja expressions, comments, tags, scripts and styles a template holds no
    words: its printed text comes from the labels."""
    found = {}
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in (".html", ".xhtml", ".ncx"):
            continue
        text = re.sub(r"\{#.*?#\}", "", path.read_text("utf-8"), flags=re.S)
        # blocks that fill in a class or attributes, not text
        text = re.sub(r"\{%-? block \w+_(?:class|attrs) -?%\}.*?\{%-? endblock", "", text,
                      flags=re.S)
        text = re.sub(r"<(style|script)\b.*?</\1>", "", text, flags=re.S)
        text = re.sub(r"<!--.*?-->|<![^>]*>|<\?.*?\?>", "", text, flags=re.S)
        text = JINJA.sub(" ", text)
        text = re.sub(r"<[^>]*>", " ", text)
        text = re.sub(r"[\w:-]+=\"[^\"]*\"", " ", text)  # attributes a block adds to a tag
        words = re.findall(r"[^\W\d_]{2,}", text)
        if words:
            found[path.relative_to(ROOT).as_posix()] = words
    assert found == {}
