"""Language taglines per brand (issue 18, item 4): a brand's ``languages`` put the shipped
language-assistance tagline of each, with the brand's phone, on its handouts, each tagged
with its language in the PDF; an unknown code or a brand without a phone is refused."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from helpers import make_source
from pdfua_rules import check

import ketapub
from ketapub import glyphs, taglines
from ketapub.errors import SourceError
from tools import require

SOURCE = Path(__file__).parent / "fixtures" / "scripts" / "es"
PHONE = "+1 555-0142"
LANGUAGES = ["en", "es", "zh-Hant", "ar"]


@pytest.fixture(scope="module")
def handout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("taglines")
    shutil.copytree(SOURCE, root / "src")
    (root / "src" / "brands").mkdir()
    (root / "src" / "brands" / "clinic.yaml").write_text(
        f'id: clinic\nname: Clinic\nphone: "{PHONE}"\nlanguages: [{", ".join(LANGUAGES)}]\n',
        "utf-8")
    result = ketapub.build(root / "src", root / "out", as_of="2030-01-01T00:00:00Z",
                           formats=["pdf"], brands=["clinic"])
    assert result.ok, result.errors
    return root / "out" / "pdf" / "clinic" / "01-presion.pdf"


def _langs(pdf: Path) -> list[str]:
    """Lang of each structure element that has one, in tree order."""
    found: list[str] = []

    def walk(node: pikepdf.Object) -> None:
        if isinstance(node, pikepdf.Dictionary):
            if "/Lang" in node:
                found.append(str(node.Lang))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                walk(kid)

    with pikepdf.open(pdf) as doc:
        walk(doc.Root.StructTreeRoot)
    return found


def test_each_listed_language_has_its_tagline_with_the_phone(handout: Path) -> None:
    text = " ".join(subprocess.run([require("pdftotext"), str(handout), "-"],
                                   capture_output=True, text=True, check=True).stdout.split())
    for code in ("en", "es", "zh-Hant"):
        before, _, after = taglines.table()[code].partition("{phone}")
        assert f"{before}{PHONE}{after}".replace(" ", "") in text.replace(" ", ""), code
    # Arabic extracts only in part (ketapub.glyphs): its phone is counted, not its words.
    assert text.count(PHONE) == len(LANGUAGES) + 2  # and the contact box and footer


def test_each_tagline_is_tagged_with_its_language(handout: Path) -> None:
    assert _langs(handout) == LANGUAGES
    assert check(handout) == []


def test_the_shipped_table_is_printable_and_has_one_phone_each() -> None:
    assert {"en", "es"} <= set(taglines.languages())
    for code, text in taglines.table().items():
        assert text.count("{phone}") == 1, code
        assert list(glyphs.undrawable(text)) == [], code


@pytest.mark.parametrize(("brand", "where", "what"), [
    ("id: c\nname: C\nphone: '1'\nlanguages: [es, xx]\n", "4:", "no language-assistance "
     "tagline for 'xx'; use one of "),
    ("id: c\nname: C\nlanguages: [es]\n", "3:", "languages need a phone beside them"),
])
def test_an_unknown_language_or_a_missing_phone_is_refused(
        tmp_path: Path, brand: str, where: str, what: str) -> None:
    root = make_source(tmp_path / "s", files={"brands/c.yaml": brand})
    with pytest.raises(SourceError) as exc:
        ketapub.load(root, strict=True)
    found = [str(d) for d in exc.value.diagnostics if what in str(d)]
    assert found and found[0].startswith(f"{root}/brands/c.yaml:{where}"), exc.value
