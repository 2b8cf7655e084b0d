"""The Spanish edition of the example series (content/translations/es/).

A translation must say everything the English says and nothing more: the same sections,
citations, cross-references, notes, callouts, table, figure and FAQ, and exactly the same
numbers (doses, percentages, dates, counts). It must record which English text it renders
(``translation_of``), read easily on a Spanish scale, and say that no medical translator has
reviewed it.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from ketapub.markdown import analyze, heading_slug
from ketapub.readability import score_markdown
from ketapub.translation_of import body_digest, file_digest, part_body
from tests.conftest import CONTENT

SPANISH = CONTENT / "translations" / "es"
ORIGINALS = sorted((CONTENT / "parts").glob("*.md"))
NAMES = [p.name for p in ORIGINALS]

NUMBER = re.compile(r"\d+(?:\.\d+)?")
EXPLICIT_ID = re.compile(r"\{#([A-Za-z][\w-]*)\}")
CALLOUT = re.compile(r"\[!(NOTE|WARNING|TIP)\]")
FOOTNOTE = re.compile(r"\[\^(\w+)\]")
LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+\.)[ \t]", re.MULTILINE)
TABLE_ROW = re.compile(r"^\|.*\|[ \t]*$", re.MULTILINE)


def front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text.split("\n---", 1)[0].removeprefix("---\n"))
    assert isinstance(data, dict)
    return data


def body(path: Path) -> str:
    return part_body(path.read_text(encoding="utf-8"))


# --- translation_of -----------------------------------------------------------------------

def test_translation_of_is_the_sha256_prefix_of_the_normalized_body() -> None:
    assert body_digest("abc") == "ba7816bf8f01"  # the FIPS 180-2 test vector of SHA-256
    # line endings and the blank lines around the text are not part of it...
    assert body_digest("\n \nabc\r\n\r\n\t\n") == body_digest("abc")
    assert body_digest("a\r\nb\rc\n") == body_digest("a\nb\nc")
    # ...but every visible change, a blank line inside included, is
    assert body_digest("a\n\nb") != body_digest("a\nb")
    assert body_digest("Ketamine 0.5 mg") != body_digest("Ketamine 0.6 mg")
    assert file_digest("---\ntitle: x\n---\n\nabc\n") == body_digest("abc")
    assert file_digest("---\r\ntitle: x\r\n...\r\nabc") == body_digest("abc")


@pytest.mark.parametrize("name", NAMES)
def test_each_part_has_a_current_spanish_translation(name: str) -> None:
    meta = front_matter(SPANISH / name)
    original = (CONTENT / "parts" / name).read_text(encoding="utf-8")
    assert meta["translation_of"] == file_digest(original), (
        f"{name}: the English changed since it was translated; update the translation, then "
        f"write translation_of: \"{file_digest(original)}\"")
    assert meta["title"] and meta["summary"]
    assert meta["title"] != front_matter(CONTENT / "parts" / name)["title"]
    # what is not text (part number, schedule, references) is the original's
    assert not {"part", "publish_at", "references", "cci"} & set(meta)


def test_changing_one_english_paragraph_makes_only_that_translation_stale(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content_copy = tmp_path / "content"  # with its translations (conftest's copy has none)
    shutil.copytree(CONTENT, content_copy)
    spec = importlib.util.spec_from_file_location(
        "translation_of_tool", CONTENT.parent / "tools" / "translation_of.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    folder = content_copy / "translations" / "es"
    assert tool.main(["--check", str(folder)]) == 0
    part = content_copy / "parts" / "02-treatment-resistant-depression.md"
    part.write_text(part.read_text(encoding="utf-8").replace(
        "Ketamine is one of them.", "Ketamine is one of them, and ECT is another."),
        encoding="utf-8")
    capsys.readouterr()
    assert tool.main(["--check", str(folder)]) == 1
    stale = capsys.readouterr().out.splitlines()
    want = file_digest(part.read_text(encoding="utf-8"))
    assert stale == [f"{folder}/02-treatment-resistant-depression.md:4:1: translation_of should "
                     f"be {want} for 02-treatment-resistant-depression.md once the translation "
                     "matches it"]


# --- faithful to the English ----------------------------------------------------------------

@pytest.fixture(scope="module", params=NAMES)
def pair(request: pytest.FixtureRequest) -> tuple[str, str]:
    name = request.param
    return body(CONTENT / "parts" / name), body(SPANISH / name)


def test_the_translation_keeps_every_number_and_no_other(pair: tuple[str, str]) -> None:
    en, es = pair
    assert Counter(NUMBER.findall(es)) == Counter(NUMBER.findall(en))


def test_the_translation_keeps_sections_citations_and_cross_references(
        pair: tuple[str, str]) -> None:
    en, es = pair
    a, b = analyze(en, "en.md", 1), analyze(es, "es.md", 1)
    assert not b.diagnostics
    assert EXPLICIT_ID.findall(es) == EXPLICIT_ID.findall(en)
    assert [c[0] for c in b.citations] == [c[0] for c in a.citations]
    assert [(ln.target, ln.anchor) for ln in b.links] == [(ln.target, ln.anchor) for ln in a.links]


def test_the_translation_keeps_the_dialect_features_in_place(pair: tuple[str, str]) -> None:
    en, es = pair
    for pattern in (CALLOUT, FOOTNOTE):
        assert pattern.findall(es) == pattern.findall(en)
    assert len(LIST_ITEM.findall(es)) == len(LIST_ITEM.findall(en))
    assert len(TABLE_ROW.findall(es)) == len(TABLE_ROW.findall(en))
    a, b = analyze(en, "en.md", 1), analyze(es, "es.md", 1)
    assert len(b.faq) == len(a.faq) >= 2  # "Preguntas frecuentes" is a FAQ block too
    # the same figures, each with its labels translated (assets/es/ beside assets/)
    assert [i[0] for i in b.images] == [i[0].replace("assets/", "assets/es/", 1)
                                        for i in a.images]
    for image, *_ in b.images:
        original = (CONTENT / image.replace("assets/es/", "assets/", 1)).read_text("utf-8")
        translated = (CONTENT / image).read_text("utf-8")
        assert translated.count("<text") >= original.count("<text") - 2
        assert "Li et al., 2010" in translated and "Ketamine" not in translated
    for (_, alt_en, *_), (_, alt_es, *_) in zip(a.images, b.images, strict=True):
        assert alt_es and alt_es != alt_en  # the figure's alt text is translated


# --- readability and honesty ------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_each_translation_reads_easily_on_the_spanish_scale(name: str) -> None:
    score = score_markdown(body(SPANISH / name), "es")
    assert score.formula is not None and score.formula.name == "Szigriszt-Pazos"
    assert not score.too_hard, score.describe()
    assert "bastante fácil" in score.describe()  # INFLESZ 65-80, easier than "normal"


def test_the_spanish_series_strings_say_no_medical_translator_reviewed_them() -> None:
    meta = yaml.safe_load((SPANISH / "series.yaml").read_text(encoding="utf-8"))
    english = yaml.safe_load((CONTENT / "series.yaml").read_text(encoding="utf-8"))
    assert set(meta) == {"title", "subtitle", "description", "disclaimer"}
    assert all(meta[k] != english[k] for k in meta)
    for text in (meta["description"], meta["disclaimer"]):
        assert "traductor médico" in " ".join(text.split())
    assert "**988**" in meta["disclaimer"] and "**911**" in meta["disclaimer"]


# --- the dialect in Spanish -------------------------------------------------------------------

def test_a_spanish_faq_heading_opens_a_faq_block_and_only_that_one() -> None:
    faq = "## Preguntas frecuentes\n\n### ¿Duele?\n\nNo.\n\n### ¿Cuánto dura?\n\nUna hora.\n"
    assert [q for q, _, _ in analyze(faq, "es.md", 1).faq] == ["¿Duele?", "¿Cuánto dura?"]
    assert analyze(faq.replace("Preguntas frecuentes", "Otras preguntas"), "es.md", 1).faq == []


def test_generated_anchors_keep_accented_letters() -> None:
    assert heading_slug("¿Qué tan rápido actúa la ketamina?") == "que-tan-rapido-actua-la-ketamina"
    assert heading_slug("Niños y señales") == "ninos-y-senales"
    assert heading_slug("How quickly can ketamine work?") == "how-quickly-can-ketamine-work"
