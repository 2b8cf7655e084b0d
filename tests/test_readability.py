"""Readability by a formula made for the series' language (test texts written for these tests)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ketapub.cli import main
from ketapub.readability import score_markdown, score_paragraphs, syllable_counter
from tests.helpers import SERIES, make_source, part

# Ordinary plain-language patient prose: sentences of about 14 words, everyday words.
PLAIN = {
    "es": "La presión arterial alta no suele dar síntomas, por eso es importante medirla con "
          "frecuencia. Puede medirla en casa, en la farmacia o en el centro de salud. Anote "
          "los resultados en una libreta y llévela a su próxima consulta. Si la cifra es alta "
          "varias veces seguidas, hable con su médico o con su enfermera.",
    "fr": "La tension artérielle élevée ne donne souvent aucun signe, c'est pourquoi il faut "
          "la mesurer souvent. Vous pouvez la mesurer chez vous, à la pharmacie ou chez votre "
          "médecin. Notez les résultats dans un carnet et apportez-le à votre prochain "
          "rendez-vous. Si le chiffre est élevé plusieurs fois de suite, parlez-en à votre "
          "médecin ou à votre infirmière.",
    "de": "Hoher Blutdruck macht oft keine Beschwerden, deshalb sollten Sie ihn regelmäßig "
          "messen. Sie können ihn zu Hause, in der Apotheke oder in der Praxis messen. "
          "Schreiben Sie die Werte in ein Heft und bringen Sie es zum nächsten Termin mit. "
          "Wenn der Wert mehrmals hintereinander zu hoch ist, sprechen Sie mit Ihrer Ärztin "
          "oder Ihrem Arzt.",
}
# The same advice as one long sentence of long words.
DENSE = {
    "es": "Las personas que padecen hipertensión arterial deben controlar periódicamente sus "
          "cifras de presión, ya que el tratamiento adecuado disminuye considerablemente el "
          "riesgo de complicaciones cardiovasculares y renales a largo plazo.",
    "fr": "Les personnes souffrant d'hypertension artérielle doivent contrôler régulièrement "
          "leur tension, puisque un traitement approprié diminue considérablement le risque de "
          "complications cardiovasculaires et rénales à long terme.",
    "de": "Menschen mit Bluthochdruck sollten ihre Blutdruckwerte regelmäßig kontrollieren, "
          "da eine angemessene Behandlung das Risiko von Herz-Kreislauf-Komplikationen und "
          "Nierenschäden langfristig erheblich verringert.",
}
SCALE = {"es": ("Szigriszt-Pazos", "INFLESZ", "warns below 55"),
         "fr": ("Kandel-Moles", "Flesch", "warns below 60"),
         "de": ("Flesch-Amstad", "Amstad", "warns below 60")}


@pytest.mark.parametrize("lang", ["es", "fr", "de"])
def test_plain_paragraph_passes_and_dense_one_warns(lang: str) -> None:
    plain = score_markdown(PLAIN[lang] + "\n", lang)
    assert plain.problem() is None, plain.describe()
    name, scale, limit = SCALE[lang]
    assert plain.describe().startswith(f"{name} ") and f"({scale}: " in plain.describe()
    assert plain.describe().endswith(f"; {limit})")
    dense = score_markdown(DENSE[lang] + "\n", lang)
    problem = dense.problem()
    assert problem is not None, dense.describe()
    assert problem.startswith(f"readability {name} ") and f"is below {limit[-2:]}" in problem


def test_plain_spanish_is_bastante_facil_not_english_grade_eleven() -> None:
    """The English formula would call this plain Spanish paragraph grade 10.7."""
    assert score_markdown(PLAIN["es"], "en").grade > 8  # what was reported before
    score = score_markdown(PLAIN["es"], "es-MX")  # a region uses its language's formula
    assert (score.words, score.sentences, score.syllables) == (56, 4, 105)
    assert score.describe() == "Szigriszt-Pazos 76.0 (INFLESZ: bastante fácil; warns below 55)"


# Hand-computed: wps = words / sentences, spw = syllables / words.
@pytest.mark.parametrize(("lang", "text", "counts", "expected"), [
    # mi 1, tí-a 2, le-í-a 3, un 1, po-e-ma 3 | hoy 1, a-hí 2, hay 1, a-gua 2, frí-a 2
    # 206.835 - 62.3 * 18/10 - 10/2 = 206.835 - 112.14 - 5 = 89.695
    ("es", "Mi tía leía un poema. Hoy ahí hay agua fría.", (10, 2, 18), 89.7),
    # le 1, mé-de-cin 3, a 1, ré-a-li-sé 4, une 1, cré-a-tion 3 | pre-nez 2, ce 1,
    # com-pri-mé 3;  207 - 1.015 * 9/2 - 73.6 * 19/9 = 207 - 4.5675 - 155.378 = 47.055
    ("fr", "Le médecin a réalisé une création. Prenez ce comprimé.", (9, 2, 19), 47.1),
    # der 1, Arzt 1, kommt 1, heu-te 2, A-bend 2 | das 1, The-a-ter 3, ist 1, neu 1
    # 180 - 9/2 - 58.5 * 13/9 = 180 - 4.5 - 84.5 = 91.0
    ("de", "Der Arzt kommt heute Abend. Das Theater ist neu.", (9, 2, 13), 91.0),
    # the cat sat on the mat 6 x 1 | it 1, was 1, hap-py 2
    # 0.39 * 9/2 + 11.8 * 10/9 - 15.59 = 1.755 + 13.111 - 15.59 = -0.724
    ("en", "The cat sat on the mat. It was happy.", (9, 2, 10), -0.7),
])
def test_formula_equals_the_hand_computed_value(lang: str, text: str,
                                                counts: tuple[int, int, int],
                                                expected: float) -> None:
    score = score_paragraphs([text], lang)
    assert (score.words, score.sentences, score.syllables) == counts
    assert score.value == expected


@pytest.mark.parametrize(("lang", "words"), [
    ("es", {"día": 2, "agua": 2, "leer": 2, "país": 2, "aéreo": 4, "cuidado": 3, "muy": 1,
            "y": 1, "ayuda": 3, "información": 4, "que": 1, "ahí": 2}),
    ("fr", {"table": 1, "fièvre": 1, "création": 3, "idée": 2, "eau": 1, "patient": 2,
            "aujourd'hui": 3, "médicament": 4}),
    ("de", {"Arzt": 1, "Abend": 2, "Theater": 3, "Patienten": 4, "heute": 2, "Idee": 2,
            "Übelkeit": 3, "Apotheke": 4}),
])
def test_syllables_of_tricky_words(lang: str, words: dict[str, int]) -> None:
    count = syllable_counter(lang)
    assert {w: count(w) for w in words} == words


def _series(tmp_path: Path, language: str, body: str) -> Path:
    return make_source(tmp_path / language, {"01-one.md": part(1, "one", body=body + "\n")},
                       series=SERIES.replace("language: en", f"language: {language}"))


def test_validate_uses_the_series_language(tmp_path: Path) -> None:
    plain = CliRunner().invoke(main, ["validate", str(_series(tmp_path, "es-MX", PLAIN["es"])),
                                      "--strict"])
    assert plain.exit_code == 0, plain.output
    assert "Szigriszt-Pazos 76.0 (INFLESZ: bastante fácil; warns below 55)" in plain.output
    assert re.search(r"│\s+56 │ Szigriszt", plain.output)  # "información" is one word
    assert "warning" not in plain.output
    src = _series(tmp_path, "fr", DENSE["fr"])
    dense = CliRunner().invoke(main, ["validate", str(src)])
    assert dense.exit_code == 0
    assert (f"{src}/parts/01-one.md:8:1: warning: readability Kandel-Moles 5.1 (Flesch: très "
            "difficile) is below 60, where 'standard' (about US grade 8) starts; use shorter "
            "sentences and shorter, common words") in dense.output.splitlines()
    assert CliRunner().invoke(main, ["validate", str(src), "--strict"]).exit_code == 1


@pytest.mark.parametrize("language", ["nl", "ja"])
def test_language_without_a_formula_says_so_once_and_warns_of_nothing(
        tmp_path: Path, language: str) -> None:
    parts = {f"0{n}-p{n}.md": part(n, f"p{n}", body=DENSE["de"] + "\n") for n in (1, 2)}
    src = make_source(tmp_path / language, parts,
                      series=SERIES.replace("language: en", f"language: {language}"))
    result = CliRunner().invoke(main, ["validate", str(src), "--strict"])
    assert result.exit_code == 0, result.output
    assert result.output.count(f"no readability formula for {language}") == 1
    assert "warning" not in result.output and "readability grade" not in result.output
