"""Glyphs never fail silently (issue 18, item 3): Spanish, Vietnamese, Chinese and Arabic
handouts draw every character with a real glyph of an embedded font, Arabic runs right to
left, and a character no handout font has is refused at load, at its line and column."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from helpers import SERIES, make_source, part
from PIL import Image, ImageDraw

import ketapub
from ketapub import glyphs
from ketapub.cli import main
from ketapub.errors import SourceError
from tools import require

SCRIPTS = Path(__file__).parent / "fixtures" / "scripts"
ALL_OUT = "2030-01-01T00:00:00+00:00"
# The font each language's text needs beyond Atkinson Hyperlegible (None: none).
FALLBACK = {"es": None, "vi": "Noto-Sans", "zh": "Noto-Sans-CJK", "ar": "Noto-Sans-Arabic"}
# Words of each part's last paragraph, in reading order, as pdftotext gives them.
LAST_LINE = {"es": "¿Tiene preguntas? ¡Llame a su médico! Añada «sal» con moderación.",
             "vi": "Hãy hỏi bác sĩ của bạn nếu bạn có câu hỏi.",
             "zh": "如果您有问题，请问您的医生。",
             # pdftotext sets a right-to-left line's final full stop at its visual end
             "ar": "اسأل طبيبك إذا كان لديك سؤال"}
BIDI_CONTROLS = dict.fromkeys(range(0x202A, 0x202F))  # pdftotext marks RTL lines with them


@pytest.fixture(scope="module")
def handouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("glyphs")
    found = {}
    for lang in FALLBACK:
        result = ketapub.build(SCRIPTS / lang, out / lang, as_of=ALL_OUT, formats=["pdf"])
        assert result.ok, result.errors
        (found[lang],) = sorted((out / lang / "pdf").glob("01-*.pdf"))
    return found


def _fonts(pdf: Path) -> list[tuple[str, str]]:
    """(name without subset prefix, embedded yes/no) per font, from pdffonts."""
    lines = subprocess.run([require("pdffonts"), str(pdf)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    return [(line.split()[0].partition("+")[2], line.split()[-5]) for line in lines]


def _codes_drawn(pdf: Path) -> dict[str, set[int]]:
    """The two-byte glyph codes each font draws (every font here is Identity-H)."""
    drawn: dict[str, set[int]] = {}
    with pikepdf.open(pdf) as doc:
        for page in doc.pages:
            fonts = page.Resources.Font
            current = ""
            for operands, op in pikepdf.parse_content_stream(page):
                if op == pikepdf.Operator("Tf"):
                    current = str(fonts[operands[0]].BaseFont).partition("+")[2]
                elif op in (pikepdf.Operator("Tj"), pikepdf.Operator("TJ")):
                    items = operands[0] if op == pikepdf.Operator("TJ") else [operands[0]]
                    for item in items:
                        if isinstance(item, pikepdf.String):
                            raw = bytes(item)
                            drawn.setdefault(current, set()).update(
                                int.from_bytes(raw[i:i + 2], "big")
                                for i in range(0, len(raw), 2))
    return drawn


def _text(pdf: Path) -> str:
    return " ".join(subprocess.run([require("pdftotext"), str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.translate(BIDI_CONTROLS).split())


@pytest.mark.parametrize("lang", FALLBACK)
def test_every_font_is_embedded_and_the_fallback_is_used_only_when_needed(
        handouts: dict[str, Path], lang: str) -> None:
    fonts = _fonts(handouts[lang])
    assert fonts and all(emb == "yes" for _, emb in fonts), fonts
    names = {name.removesuffix("-Bold") for name, _ in fonts}
    wanted = FALLBACK[lang]
    assert names == {"Atkinson-Hyperlegible"} | ({wanted} if wanted else set()), names


@pytest.mark.parametrize("lang", FALLBACK)
def test_no_character_is_drawn_as_notdef(handouts: dict[str, Path], lang: str) -> None:
    drawn = _codes_drawn(handouts[lang])
    assert drawn and all(codes for codes in drawn.values())
    assert not [font for font, codes in drawn.items() if 0 in codes], drawn.keys()


@pytest.mark.parametrize("lang", ["es", "vi", "zh", "ar"])
def test_text_extracts_in_reading_order(handouts: dict[str, Path], lang: str) -> None:
    assert LAST_LINE[lang] in _text(handouts[lang])


def test_arabic_extracts_as_written(handouts: dict[str, Path]) -> None:
    """Letters that share a glyph body (ض غ ن) and the marks that tell them apart come out
    as the source wrote them, in logical order: each glyph cluster of a right-to-left run
    carries its characters as /ActualText. Left-to-right text carries none."""
    text = _text(handouts["ar"])
    source = (SCRIPTS / "ar" / "parts" / "01-daght.md").read_text("utf-8")
    title = re.search(r'title: "(.*)"', source)[1]
    first = "ضغط الدم هو قوة الدم على جدران الشرايين"
    assert first in source and title in text and first in text
    assert text.index(title) < text.index(first) < text.index(LAST_LINE["ar"])
    # an address reads left to right on a right-to-left page (its slash stays at its end)
    assert "https://example.org/ar/daght/" in text
    for lang in FALLBACK:
        with pikepdf.open(handouts[lang]) as doc:
            spans = sum(page.Contents.read_bytes().count(b"/ActualText") for page in doc.pages)
        assert (spans > 0) == (lang == "ar"), lang


def test_arabic_is_laid_out_right_to_left(handouts: dict[str, Path]) -> None:
    """The Arabic body lines end at the right margin and start away from the left one."""
    html = subprocess.run([require("pdftotext"), "-bbox", str(handouts["ar"]), "-"],
                          capture_output=True, text=True, check=True).stdout
    with pikepdf.open(handouts["ar"]) as doc:
        width = float(doc.pages[0].MediaBox[2])
    boxes = [(float(a), float(b)) for a, b, word in re.findall(
        r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)<', html)
        if "\u0621" <= word[0] <= "\u064a"]
    assert boxes
    right = max(b for _, b in boxes)
    assert right > width * 0.8 and min(a for a, _ in boxes) > width * 0.1
    assert glyphs.font_face_css(glyphs.fallbacks_for("ض"))  # Arabic needs its fallback


def test_a_character_no_font_has_is_refused_at_its_line_and_column(tmp_path: Path) -> None:
    body = "Fine text.\n\nTake one pill \U0001f48a daily \U0001f642.\n"
    root = make_source(tmp_path / "s", {"01-one.md": part(1, "one", body)})
    with pytest.raises(SourceError) as exc:
        ketapub.load(root)
    (problem,) = [str(d) for d in exc.value.diagnostics]
    assert problem.startswith(f"{root}/parts/01-one.md:10:15: no glyph for U+1F48A (PILL) "
                              "(and U+1F642 on this line) in the handout fonts"), problem
    result = CliRunner().invoke(main, ["validate", str(root)])
    assert result.exit_code == 1 and "Traceback" not in result.output + result.stderr
    assert "01-one.md:10:15: no glyph for U+1F48A" in result.stderr


def test_an_escaped_character_is_refused_at_its_value(tmp_path: Path) -> None:
    series = SERIES + 'subtitle: "Smile \\U0001F642"\n'
    root = make_source(tmp_path / "s", series=series)
    with pytest.raises(SourceError) as exc:
        ketapub.load(root)
    (problem,) = [str(d) for d in exc.value.diagnostics]
    line = SERIES.count("\n") + 1
    assert problem.startswith(f"{root}/series.yaml:{line}:11: no glyph for U+1F642"), problem
    assert problem.endswith("(written as an escape)")


def test_characters_that_draw_nothing_need_no_glyph(tmp_path: Path) -> None:
    body = "Persian \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 and a soft\u00adhyphen.\n"
    root = make_source(tmp_path / "s", {"01-one.md": part(1, "one", body)})
    assert ketapub.load(root).parts[0].body.startswith("Persian")


def test_the_ebook_cover_draws_a_title_atkinson_lacks_with_a_fallback() -> None:
    from ketapub.renderers.epub_cover import _font

    assert Path(_font("Bold", 40, "Blood pressure").path).name == \
        "AtkinsonHyperlegible-Bold.ttf"
    assert Path(_font("Bold", 40, "血压指南 Guide").path).name == "NotoSansCJK-Regular.ttc"
    assert Path(_font("Bold", 40, "Huyết áp").path).name == "NotoSans[wdth,wght].ttf"
    # a glyph, not the box every missing character shares
    font = _font("Bold", 40, "血压")

    def drawn(char: str) -> bytes:
        img = Image.new("L", (60, 60))
        ImageDraw.Draw(img).text((5, 5), char, font=font, fill=255)
        return img.tobytes()

    box = drawn("\U0001f642")
    assert all(drawn(c) not in (box, bytes(3600)) for c in "血压")
