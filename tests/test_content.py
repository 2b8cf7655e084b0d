"""The example series in content/: what it promises to every user who builds it first.

Six parts on a fixed schedule, strictly valid, readable at grade 8 or below, citing only the
checked reference list of the content brief, with cross-references that resolve, and using the
whole Markdown dialect (table, callouts, FAQ, footnotes, definition list, figure with alt text).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import ketapub
from ketapub.cli import main
from ketapub.markdown import analyze
from ketapub.readability import GRADE_LIMIT, score_markdown
from ketapub.render.html_translator import HtmlTranslator
from tests.conftest import CONTENT, CONTENT_AS_OF

NEW_YORK = ZoneInfo("America/New_York")
SCHEDULE_DAYS = [(2025, 8, 11), (2025, 8, 18), (2025, 8, 25), (2025, 9, 1), (2025, 9, 8),
                 (2025, 9, 15)]
SVG = "{http://www.w3.org/2000/svg}"

# The checked reference list of the content brief, copied verbatim: every reference in the
# series must be exactly one of these, and every one of these must be used.
BRIEF_REFERENCES = {
    "Berman RM, et al. Antidepressant effects of ketamine in depressed patients. Biol "
    "Psychiatry. 2000;47(4):351-354.",
    "Zarate CA Jr, et al. A randomized trial of an N-methyl-D-aspartate antagonist in "
    "treatment-resistant major depression. Arch Gen Psychiatry. 2006;63(8):856-864.",
    "Li N, et al. mTOR-dependent synapse formation underlies the rapid antidepressant effects "
    "of NMDA antagonists. Science. 2010;329(5994):959-964.",
    "Rush AJ, et al. Acute and longer-term outcomes in depressed outpatients requiring one or "
    "several treatment steps: a STAR*D report. Am J Psychiatry. 2006;163(11):1905-1917.",
    "Murrough JW, et al. Antidepressant efficacy of ketamine in treatment-resistant major "
    "depression: a two-site randomized controlled trial. Am J Psychiatry. "
    "2013;170(10):1134-1142.",
    "Anand A, et al. Ketamine versus ECT for nonpsychotic treatment-resistant major "
    "depression. N Engl J Med. 2023;388(25):2315-2325.",
    "Ekstrand J, et al. Racemic ketamine as an alternative to electroconvulsive therapy for "
    "unipolar depression: a randomized, open-label, non-inferiority trial (KetECT). Int J "
    "Neuropsychopharmacol. 2022;25(5):339-349.",
    "Wilkinson ST, et al. The effect of a single dose of intravenous ketamine on suicidal "
    "ideation: a systematic review and individual participant data meta-analysis. Am J "
    "Psychiatry. 2018;175(2):150-158.",
    "Popova V, et al. Efficacy and safety of flexibly dosed esketamine nasal spray combined "
    "with a newly initiated oral antidepressant in treatment-resistant depression "
    "(TRANSFORM-2). Am J Psychiatry. 2019;176(6):428-438.",
    "Daly EJ, et al. Efficacy of esketamine nasal spray plus oral antidepressant treatment for "
    "relapse prevention in patients with treatment-resistant depression (SUSTAIN-1). JAMA "
    "Psychiatry. 2019;76(9):893-903.",
    "Feder A, et al. Efficacy of intravenous ketamine for treatment of chronic posttraumatic "
    "stress disorder. JAMA Psychiatry. 2014;71(6):681-688.",
    "Feder A, et al. A randomized controlled trial of repeated ketamine administration for "
    "chronic posttraumatic stress disorder. Am J Psychiatry. 2021;178(2):193-202.",
    "Rodriguez CI, et al. Randomized controlled crossover trial of ketamine in "
    "obsessive-compulsive disorder: proof-of-concept. Neuropsychopharmacology. "
    "2013;38(12):2475-2483.",
    "Glue P, et al. Ketamine's dose-related effects on anxiety symptoms in patients with "
    "treatment refractory anxiety disorders. J Psychopharmacol. 2017;31(10):1302-1305.",
    "Sigtermans MJ, et al. Ketamine produces effective and long-term pain relief in patients "
    "with complex regional pain syndrome type 1. Pain. 2009;145(3):304-311.",
    "Schwartzman RJ, et al. Outpatient intravenous ketamine for the treatment of complex "
    "regional pain syndrome: a double-blind placebo controlled study. Pain. "
    "2009;147(1-3):107-115.",
    "Cohen SP, et al. Consensus guidelines on the use of intravenous ketamine infusions for "
    "chronic pain. Reg Anesth Pain Med. 2018;43(5):521-546.",
    "Wilkinson ST, et al. Cognitive behavioral therapy to sustain the antidepressant effects "
    "of ketamine in treatment-resistant depression: a pilot open-label study. Psychother "
    "Psychosom. 2017;86(3):162-167.",
    "Dore J, et al. Ketamine assisted psychotherapy (KAP): patient demographics, clinical data "
    "and outcomes in three large practices administering ketamine with psychotherapy. J "
    "Psychoactive Drugs. 2019;51(2):189-198.",
}


@pytest.fixture(scope="module")
def ctx(content_series: ketapub.Series) -> ketapub.RenderContext:
    return ketapub.RenderContext(content_series,
                                 ketapub.resolve_as_of(CONTENT_AS_OF, content_series.tz))


@pytest.fixture(scope="module")
def html(content_series: ketapub.Series) -> dict[int, str]:
    """Each part's body as HTML, built as of the last day so every part link resolves."""
    late = ketapub.RenderContext(content_series, datetime(2026, 1, 1, tzinfo=UTC))
    return {p.part: HtmlTranslator(late).visit(late.document(p)) for p in content_series.parts}


def part_links(part: ketapub.Part) -> list:
    return analyze(part.body, part.source.path, part.body_line).links


def test_the_series_has_six_parts_in_order(content_series: ketapub.Series) -> None:
    assert [p.part for p in content_series.parts] == [1, 2, 3, 4, 5, 6]
    assert len({p.slug for p in content_series.parts}) == 6
    assert content_series.title == "The Clinical Science of Ketamine Therapy"
    assert content_series.language == "en-US"
    assert content_series.timezone == "America/New_York"
    assert "988" in (content_series.disclaimer or "")


def test_parts_publish_at_nine_in_new_york_on_the_scheduled_mondays(
        content_series: ketapub.Series) -> None:
    expected = [datetime(y, m, d, 9, 0, tzinfo=NEW_YORK) for y, m, d in SCHEDULE_DAYS]
    got = [p.publish_at for p in content_series.parts]
    assert all(g.tzinfo is not None for g in got)
    assert got == expected
    # Summer time all along: 09:00 EDT is 13:00 UTC.
    assert [g.astimezone(UTC) for g in got] == [
        datetime(y, m, d, 13, 0, tzinfo=UTC) for y, m, d in SCHEDULE_DAYS]


def test_as_of_september_first_parts_five_and_six_are_scheduled(
        ctx: ketapub.RenderContext) -> None:
    assert [p.part for p in ctx.released] == [1, 2, 3, 4]
    assert [p.part for p in ctx.unreleased] == [5, 6]
    assert ctx.available(ctx.series.get_part(6)) == "Available Sep 15, 2025"
    assert ctx.next_release == datetime(2025, 9, 8, 13, 0, tzinfo=UTC)


def test_schedule_json_as_of_september_first() -> None:
    result = CliRunner().invoke(main, ["schedule", str(CONTENT), "--as-of", CONTENT_AS_OF,
                                       "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(e["part"], e["status"]) for e in data["parts"]] == [
        (1, "released"), (2, "released"), (3, "released"), (4, "released"),
        (5, "scheduled"), (6, "scheduled")]
    assert data["parts"][5]["publish_at"] == "2025-09-15T09:00:00-04:00"
    assert data["next_release"].startswith("2025-09-08T09:00:00")


def test_validate_strict_exits_zero_and_reports_every_part() -> None:
    # as of a fixed instant: the series' review falls due one day (validate then warns)
    result = CliRunner().invoke(main, ["validate", str(CONTENT), "--strict",
                                       "--as-of", CONTENT_AS_OF])
    assert result.exit_code == 0, result.output
    assert "medical review" not in result.output
    assert "ok: 6 parts, 2 brands" in result.output
    for n in range(1, 7):
        assert re.search(rf"^\W*{n}\W", result.output, re.M), result.output


def test_strict_load_has_no_warnings() -> None:
    assert ketapub.load(CONTENT, strict=True).warnings == ()


@pytest.mark.parametrize("n", range(1, 7))
def test_each_part_reads_at_grade_eight_or_below(content_series: ketapub.Series,
                                                 n: int) -> None:
    grade = score_markdown(content_series.get_part(n).body).grade
    assert 0 < grade <= GRADE_LIMIT == 8.0


@pytest.mark.parametrize("n", range(1, 7))
def test_each_part_has_900_to_1400_words(content_series: ketapub.Series, n: int) -> None:
    assert 900 <= content_series.get_part(n).word_count <= 1400


def test_every_citation_resolves_and_every_reference_is_cited(
        content_series: ketapub.Series) -> None:
    for p in content_series.parts:
        ids = {r.id for r in p.references}
        cited = [c[0] for c in analyze(p.body, p.source.path, p.body_line).citations]
        assert cited, f"part {p.part} cites nothing"
        assert set(cited) <= ids, f"part {p.part}: unknown {set(cited) - ids}"
        assert set(p.citation_order) == ids, f"part {p.part}: uncited {ids - set(cited)}"
        assert [n for n, _ in p.numbered_references] == list(range(1, len(ids) + 1))


def test_references_are_exactly_the_briefs_nineteen(content_series: ketapub.Series) -> None:
    texts = [r.text for p in content_series.parts for r in p.references]
    assert [t for t in texts if t not in BRIEF_REFERENCES] == []
    assert sorted(texts) == sorted(BRIEF_REFERENCES)  # each used once, none left out
    assert len(texts) == 19


def test_every_part_links_to_another_part_and_every_link_resolves(
        content_series: ketapub.Series) -> None:
    forms = set()
    for p in content_series.parts:
        links = part_links(p)
        assert links, f"part {p.part} has no part: link"
        for link in links:
            target = content_series.get_part(int(link.target) if link.target.isdigit()
                                             else link.target)
            assert target is not None, (p.part, link)
            assert target.part != p.part
            if link.anchor:
                assert link.anchor in target.anchors, (p.part, link)
            forms.add("number" if link.target.isdigit() else
                      "slug#anchor" if link.anchor else "slug")
    assert {"number", "slug#anchor"} <= forms


def test_rendered_part_links_point_at_real_part_urls(content_series: ketapub.Series,
                                                     html: dict[int, str]) -> None:
    urls = {content_series.part_url(p) for p in content_series.parts}
    for n, body in html.items():
        hrefs = re.findall(r'<a href="([^"]+)" class="xref">', body)
        assert hrefs, f"part {n} renders no cross-reference"
        assert {h.split("#")[0] for h in hrefs} <= urls


def test_unreleased_part_links_show_the_release_date(ctx: ketapub.RenderContext) -> None:
    body = HtmlTranslator(ctx).visit(ctx.document(ctx.series.get_part(1)))  # links to Part 6
    assert '<span class="xref-unreleased">' in body
    assert "(Available Sep 15, 2025)" in body


@pytest.mark.parametrize("n", range(1, 7))
def test_each_part_has_a_faq_of_two_to_four_questions(content_series: ketapub.Series,
                                                      html: dict[int, str], n: int) -> None:
    part = content_series.get_part(n)
    assert 2 <= len(part.faq) <= 4
    assert all(item.question.endswith("?") and item.answer for item in part.faq)
    assert html[n].count('<div class="faq-item">') == len(part.faq)


@pytest.mark.parametrize("n", range(1, 7))
def test_each_part_has_explicit_anchored_sections_and_a_list(content_series: ketapub.Series,
                                                             html: dict[int, str],
                                                             n: int) -> None:
    body = content_series.get_part(n).body
    sections = re.findall(r"^## .+ \{#([a-z0-9-]+)\}$", body, re.M)
    assert 3 <= len(sections) - ("faq" in sections) <= 6
    assert len(sections) == len(re.findall(r"^## ", body, re.M))  # every section anchored
    assert "<ul>" in html[n] or "<ol>" in html[n]


def test_part_three_compares_iv_ketamine_and_esketamine_in_a_table(
        html: dict[int, str]) -> None:
    table = re.search(r"<table>.*?</table>", html[3], re.S)
    assert table
    for word in ("IV ketamine", "Spravato", "FDA status", "Setting", "Monitoring",
                 "Dose control", "Insurance", "48%"):
        assert word in table.group(0)
    assert all("<table>" not in html[n] for n in (1, 2, 4, 5, 6))


def test_part_six_has_the_before_a_session_callout(html: dict[int, str]) -> None:
    callouts = re.findall(r'<div class="callout callout-\w+" role="note">.*?</div>', html[6],
                          re.S)
    assert any("What to arrange before a session" in c and "ride home" in c for c in callouts)


def test_series_uses_footnotes_and_a_definition_list(html: dict[int, str]) -> None:
    assert sum('<section class="footnotes">' in b for b in html.values()) >= 3
    assert "<dl>" in html[1] and "<dt>Glutamate</dt>" in html[1]


def test_the_figure_is_a_titled_svg_with_alt_text(content_series: ketapub.Series,
                                                  html: dict[int, str]) -> None:
    images = [(p.part, src, alt) for p in content_series.parts
              for src, alt, *_ in analyze(p.body, p.source.path, p.body_line).images]
    assert [(n, src) for n, src, _ in images] == [(1, "assets/glutamate-cascade.svg")]
    alt = images[0][2]
    assert len(alt) > 40 and all(w in alt for w in ("NMDA", "AMPA", "BDNF", "synapses"))
    asset = content_series.get_asset("assets/glutamate-cascade.svg")
    assert asset is not None and asset.media_type == "image/svg+xml"
    root = ElementTree.fromstring(asset.data)
    assert root.tag == f"{SVG}svg"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text and title.text.strip()
    assert '<img src="assets/glutamate-cascade.svg" alt="' in html[1]


def test_two_clinic_brands_one_a4_one_letter_one_with_svg_logo(
        content_series: ketapub.Series) -> None:
    brands = {b.id: b for b in content_series.brands}
    assert len(brands) == 2
    assert sorted(b.page_size for b in brands.values()) == ["A4", "Letter"]
    logos = [b.logo for b in brands.values() if b.logo]
    assert len(logos) == 1 and logos[0].endswith(".svg")
    logo = content_series.get_asset(logos[0])
    assert logo is not None
    root = ElementTree.fromstring(logo.data)
    assert root.tag == f"{SVG}svg" and root.find(f"{SVG}title") is not None


def test_no_medical_review_is_claimed(content_series: ketapub.Series) -> None:
    assert content_series.medical_review is None
    assert all(p.reviewed_by is None and p.reviewed_on is None for p in content_series.parts)


def test_the_series_has_a_review_due_date_in_the_future_of_the_tests_instants() -> None:
    """The series' next review is due 2027-09-15, after every instant the tests validate
    content/ at (so validate --strict stays clean), and every part shows the date."""
    from ketapub.review_due import due

    series = ketapub.load(CONTENT)
    assert {due(series, p) for p in series.parts} == {datetime(2027, 9, 15).date()}
    text = ketapub.render(series, "txt", as_of=CONTENT_AS_OF, path=(
        "txt/01-from-anesthetic-to-antidepressant.txt")).popitem()[1].decode()
    assert "Next review due September 15, 2027." in text
