"""The loader: one test per error kind, asserting the file, the line and the message."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

import ketapub
from ketapub.errors import Severity, SourceError
from tests.helpers import SERIES, make_source, part


def errors_of(root: Path, strict: bool = False) -> list[str]:
    with pytest.raises(SourceError) as info:
        ketapub.load(root, strict=strict)
    return [str(d) for d in info.value.diagnostics]


def one(root: Path, strict: bool = False) -> str:
    errs = errors_of(root, strict)
    assert len(errs) == 1, errs
    return errs[0]


def test_loads_a_minimal_source(tmp_path: Path) -> None:
    s = ketapub.load(make_source(tmp_path / "s"))
    assert [p.slug for p in s.parts] == ["one"]
    assert s.series_slug == "test-series"  # derived from the title
    assert s.identifier == ketapub.load(make_source(tmp_path / "t")).identifier  # stable
    assert s.identifier.startswith("urn:uuid:")
    assert s.parts[0].publish_at == datetime(2025, 1, 1, 5, 0, tzinfo=UTC)  # 00:00 New York


def test_unknown_key_in_series_suggests_the_right_one(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", series=SERIES + "publsher: X\n")
    msg = one(root)
    assert msg.startswith(f"{root}/series.yaml:9:1: unknown key 'publsher'")
    assert "did you mean 'publisher'?" in msg


def test_unknown_key_in_front_matter_points_into_the_part(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01-a.md": part(1, "a", extra="sumary: x\n")})
    msg = one(root)
    assert msg.startswith(f"{root}/parts/01-a.md:7:1: unknown key 'sumary'")
    assert "did you mean 'summary'?" in msg


def test_unknown_nested_key_in_authors(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", series=SERIES.replace('- name: "A. Writer"',
                                                            '- nmae: "A. Writer"'))
    errs = errors_of(root)
    assert any("series.yaml:8:5: unknown key 'authors.0.nmae'; did you mean 'name'?" in e
               for e in errs), errs


def test_missing_required_key(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", series=SERIES.replace('title: "Test Series"\n', ""))
    assert "missing required key 'title'" in one(root)


def test_duplicate_part_number_names_both_files(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01-a.md": part(1, "a"), "02-b.md": part(1, "b")})
    msg = one(root)
    assert f"{root}/parts/02-b.md:2:1: duplicate part 1" in msg
    assert f"{root}/parts/01-a.md" in msg


def test_bad_date_lists_the_accepted_forms(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01-a.md": part(1, "a", publish_at="next tuesday")})
    msg = one(root)
    assert msg.startswith(f"{root}/parts/01-a.md:6:13: publish_at:")
    assert "2025-08-11T09:00" in msg and "ISO 8601" in msg


def test_impossible_calendar_date(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01-a.md": part(1, "a", publish_at="2025-02-30")})
    assert f"{root}/parts/01-a.md:6:13:" in one(root)


def test_invalid_utf8_gives_line_and_column(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s")
    (root / "parts" / "01-one.md").write_bytes(part(1, "one").encode() + b"ok \xff bad\n")
    msg = one(root)
    assert msg.startswith(f"{root}/parts/01-one.md:9:4: invalid UTF-8")


def test_missing_front_matter(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01-a.md": "# Just a heading\n"})
    msg = one(root)
    assert msg.startswith(f"{root}/parts/01-a.md:1:1: missing front matter")


def test_bad_slug_suggests_one(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01-a.md": part(1, "Bad_Slug")})
    msg = one(root)
    assert msg.startswith(f"{root}/parts/01-a.md:4:7: slug:")
    assert "'bad-slug'" in msg


def test_asset_path_leaving_the_source_is_refused(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", series=SERIES + "cover: ../outside.png\n")
    msg = one(root)
    assert msg.startswith(f"{root}/series.yaml:9:8: cover:") and "inside the source" in msg


def test_image_path_leaving_the_source_is_refused(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01-a.md": part(1, "a", "![x](../../etc/passwd.png)\n")})
    assert "must be a path under the source folder" in one(root)


def test_symlink_out_of_the_source_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.png"
    outside.write_bytes(b"\x89PNG secret")
    root = make_source(tmp_path / "s", {"01-a.md": part(1, "a", "![x](assets/pic.png)\n")})
    (root / "assets").mkdir()
    os.symlink(outside, root / "assets" / "pic.png")
    msg = one(root)
    assert f"{root}/parts/01-a.md:" in msg and "leads outside the source folder" in msg


def test_dangling_part_link_and_anchor(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {
        "01-a.md": part(1, "a", "See [b](part:b#nope) and [c](part:9).\n"),
        "02-b.md": part(2, "b", "## Real {#real}\n"),
    })
    errs = errors_of(root)
    assert any(e.startswith(f"{root}/parts/01-a.md:8:9: ") and "part 2 has no anchor '#nope'" in e
               for e in errs), errs
    assert any("link to unknown part 'part:9'" in e for e in errs), errs


def test_unknown_citation_suggests_a_key(tmp_path: Path) -> None:
    extra = "references:\n  - id: smith2020\n    text: \"Smith. A study. 2020.\"\n"
    root = make_source(tmp_path / "s",
                       {"01-a.md": part(1, "a", "Claim [@smith2002].\n", extra=extra)})
    errs = errors_of(root)
    assert any(e.startswith(f"{root}/parts/01-a.md:11:8: ") and "unknown citation [@smith2002]" in e
               and "did you mean [@smith2020]?" in e for e in errs), errs


def test_updated_before_publish(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01-a.md": part(
        1, "a", publish_at="2025-02-01", extra="updated_at: 2025-01-01\n")})
    msg = one(root)
    assert msg.startswith(f"{root}/parts/01-a.md:7:13: updated_at")
    assert "before publish_at" in msg


def test_brand_colour_must_be_hex(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", files={
        "brands/c.yaml": "id: c\nname: C\naccent_color: \"red; background: url(x)\"\n"})
    msg = one(root, strict=True)
    assert msg.startswith(f"{root}/brands/c.yaml:3:15: accent_color:") and "hex colour" in msg


@pytest.mark.parametrize("colour", ["#abc", "#abcd", "#a1b2c3", "#a1b2c3d4"])
def test_brand_colour_takes_every_css_hex_form(tmp_path: Path, colour: str) -> None:
    root = make_source(tmp_path / "s", files={
        "brands/c.yaml": f'id: c\nname: C\naccent_color: "{colour}"\n'})
    assert ketapub.load(root).brands[0].accent_color == colour


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", series=SERIES + "oops: [unclosed\n")
    assert one(root).startswith(f"{root}/series.yaml:10:")


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", series=SERIES + 'title: "Again"\n')
    msg = one(root)
    assert msg.startswith(f"{root}/series.yaml:9:1: duplicate key 'title'")


def test_every_problem_is_collected_before_failing(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {
        "01-a.md": part(1, "a", extra="colour: x\n"),
        "02-b.md": part(2, "B B"),
        "03-c.md": "no front matter\n",
    }, series=SERIES + "langage: en\n")
    files = {e.split(":")[0] for e in errors_of(root)}
    assert files == {f"{root}/series.yaml", f"{root}/parts/01-a.md", f"{root}/parts/02-b.md",
                     f"{root}/parts/03-c.md"}


def test_missing_alt_text_is_a_warning_and_an_error_when_strict(tmp_path: Path) -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>'
    root = make_source(tmp_path / "s", {"01-a.md": part(1, "a", "Text.\n\n![](assets/x.svg)\n")},
                       files={"assets/x.svg": svg})
    series = ketapub.load(root)
    assert [w.severity for w in series.warnings] == [Severity.WARNING]
    assert "has no alt text" in str(series.warnings[0])
    assert str(series.warnings[0]).startswith(f"{root}/parts/01-a.md:10:5: warning:")
    assert "has no alt text" in one(root, strict=True)


def test_removed_raw_html_is_a_warning_with_its_line(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01-a.md": part(
        1, "a", "Fine.\n\n<div onclick=\"x()\">hi</div>\n\n<script>alert(1)</script>\n")})
    warnings = [str(w) for w in ketapub.load(root).warnings]
    assert any(w.startswith(f"{root}/parts/01-a.md:10:") and "'onclick'" in w for w in warnings)
    assert any(w.startswith(f"{root}/parts/01-a.md:12:") and "<script>" in w for w in warnings)
    assert len(errors_of(root, strict=True)) == 2


def test_part_files_are_ordered_by_number_not_name(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"a.md": part(2, "two"), "b.md": part(1, "one")})
    assert [p.part for p in ketapub.load(root).parts] == [1, 2]


def test_timezone_must_be_iana(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", series=SERIES.replace("America/New_York", "Mars/Base"))
    assert "not an IANA time zone" in one(root)


def test_models_are_immutable(sink_series: ketapub.Series) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        sink_series.parts[0].title = "changed"  # type: ignore[misc]
    assert isinstance(sink_series.parts, tuple)


def test_raw_control_character_in_yaml_is_located(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01-a.md": part(1, "a").replace(
        'title: "Part 1"', 'title: "Part\x01 1"')})
    assert one(root) == (f"{root}/parts/01-a.md:2:13: control character U+0001 is not allowed "
                         "in YAML; remove it")


def test_disclaimer_cross_references_are_checked_where_they_are_written(tmp_path: Path) -> None:
    block = SERIES + ("disclaimer: |\n  Read [Part 9](part:9) first.\n"
                      "  Then [this](part:one#nope).\n")
    root = make_source(tmp_path / "block", series=block)
    errs = errors_of(root)
    assert errs[0].startswith(f"{root}/series.yaml:10:17: link to unknown part 'part:9'")
    assert errs[1].startswith(f"{root}/series.yaml:11:15: part 1 has no anchor '#nope'")
    quoted = SERIES + 'disclaimer: "See [Part 9](part:9)."\n'
    root = make_source(tmp_path / "quoted", series=quoted)
    assert one(root).startswith(f"{root}/series.yaml:9:27: link to unknown part 'part:9'")
    fine = SERIES + 'disclaimer: "See [Part 1](part:1) and [it](part:one)."\n'
    assert ketapub.load(make_source(tmp_path / "fine", series=fine)).disclaimer


def test_a_problem_inside_a_paragraph_is_located_on_its_own_line(tmp_path: Path) -> None:
    body = "A first line of the paragraph,\nthen [a link](part:9) on the second.\n"
    root = make_source(tmp_path / "s", {"01-one.md": part(1, "one", body)})
    # front matter: 7 lines, so the paragraph is on lines 8-9 of the file
    assert one(root).startswith(f"{root}/parts/01-one.md:9:15: link to unknown part")


@pytest.mark.parametrize(("colour", "ratio"), [("#ffcc00", "1.5"), ("#0000ff80", "3.3"),
                                               ("#777", "4.5")])
def test_a_brand_accent_too_light_for_text_is_a_warning(tmp_path: Path, colour: str,
                                                        ratio: str) -> None:
    root = make_source(tmp_path / "s", files={
        "brands/c.yaml": f'id: c\nname: C\naccent_color: "{colour}"\n'})
    (warning,) = [str(w) for w in ketapub.load(root).warnings]
    assert warning.startswith(f"{root}/brands/c.yaml:3:15: warning: accent_color {colour} has a "
                              f"contrast of {ratio}:1 on white")
    assert one(root, strict=True).startswith(f"{root}/brands/c.yaml:3:15:")


def test_a_dark_enough_accent_passes(tmp_path: Path) -> None:
    from ketapub.load.source import contrast_on_white

    assert contrast_on_white("#767676") >= 4.5 > contrast_on_white("#777777")
    assert round(contrast_on_white("#000"), 1) == 21.0
    root = make_source(tmp_path / "s", files={
        "brands/c.yaml": 'id: c\nname: C\naccent_color: "#1f4e5f"\n'})
    assert ketapub.load(root, strict=True).warnings == ()


def test_a_missing_image_is_located_where_the_body_shows_it(tmp_path: Path) -> None:
    body = ("Intro.\n\n"
            "- item ![a](assets/in-list.svg)\n\n"
            "| h | i |\n|---|---|\n| ![t](assets/cell.svg) | ![u](assets/cell.svg) |\n\n"
            "> ![q](assets/quoted.svg)\n\n"
            "Twice ![x](assets/same.svg) and ![y](assets/same.svg).\n")
    root = make_source(tmp_path / "s", {"01-one.md": part(1, "one", body)})
    # front matter: 7 lines, so the body starts on line 8 of the file
    where = [e.split(": ", 1)[0].removeprefix(f"{root}/") for e in errors_of(root)]
    assert where == ["parts/01-one.md:10:13", "parts/01-one.md:14:8", "parts/01-one.md:14:32",
                     "parts/01-one.md:16:8", "parts/01-one.md:18:12",
                     "parts/01-one.md:18:38"]
    assert "file 'assets/in-list.svg' does not exist" in errors_of(root)[0]


def test_two_links_to_one_target_on_a_line_are_located_at_their_own_columns(
        tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {"01-one.md": part(
        1, "one", "See [a](part:9) or [b](part:9).\n")})
    assert [e.split(": ", 1)[0] for e in errors_of(root)] == [
        f"{root}/parts/01-one.md:8:9", f"{root}/parts/01-one.md:8:24"]


@pytest.mark.parametrize("broken", [{"publish_at": "next tuesday"},
                                    {"extra": "sumary: x\n"}])
def test_a_part_with_bad_front_matter_is_still_a_link_target(
        tmp_path: Path, broken: dict[str, str]) -> None:
    links = "See [2](part:2), [b](part:b#real) and [gone](part:9).\n"
    root = make_source(tmp_path / "s", {"01-a.md": part(1, "a", links),
                                        "02-b.md": part(2, "b", "## Real {#real}\n", **broken)})
    errs = errors_of(root)
    assert [e.split(": ", 1)[0].removeprefix(f"{root}/") for e in errs] == [
        "parts/01-a.md:8:46", "parts/02-b.md:" + ("6:13" if "publish_at" in broken else "7:1")]
    assert "link to unknown part 'part:9'" in errs[0]


def test_a_part_whose_front_matter_does_not_parse_is_known_by_its_file_name(
        tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", {
        "01-a.md": part(1, "a", "See [2](part:2) and [b](part:b#real).\n"),
        "02-b.md": part(2, "b", "## Real {#real}\n", extra="oops: [unclosed\n")})
    (err,) = errors_of(root)
    assert err.startswith(f"{root}/parts/02-b.md:8:") and "invalid YAML" in err


def test_a_hash_that_turns_a_series_value_into_a_comment_is_an_error(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", series=SERIES + "subtitle: #1 in care\n")
    assert one(root) == (f"{root}/series.yaml:9:11: subtitle has no value: an unquoted '#' "
                         "starts a YAML comment, so #1 in care is ignored; quote it: "
                         "subtitle: \"#1 in care\"")
    aligned = make_source(tmp_path / "t", series=SERIES + "subtitle:    # none yet\n")
    assert ketapub.load(aligned, strict=True).subtitle is None  # a comment, meant as one


def test_a_hash_in_front_matter_is_reported_for_required_keys_and_list_items(
        tmp_path: Path) -> None:
    text = part(1, "one", extra="tags:\n  - #dosing\n").replace('title: "Part 1"', "title: # TBD")
    root = make_source(tmp_path / "s", {"01-one.md": text})
    assert errors_of(root) == [
        f"{root}/parts/01-one.md:2:8: title has no value: the rest of the line is a YAML "
        "comment; write the value before the '#', or quote it if it starts with '#'",
        f"{root}/parts/01-one.md:8:5: tags.0 has no value: an unquoted '#' starts a YAML "
        "comment, so #dosing is ignored; quote it: - \"#dosing\""]


def test_a_tab_in_yaml_is_called_a_tab(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", series=SERIES.replace('  - name: "A. Writer"',
                                                            '\t- name: "A. Writer"'))
    assert one(root) == (f"{root}/series.yaml:8:1: a tab is used for indentation at 8:1; YAML "
                         "indents with spaces: replace the tab with spaces")
    front = part(1, "one", extra="tags:\n  -\tdosing\n")
    root = make_source(tmp_path / "p", {"01-one.md": front})
    assert one(root).startswith(f"{root}/parts/01-one.md:8:4: a tab is used for indentation "
                                "at 8:4;")


def test_page_size_is_taken_in_any_case_and_spelled_canonically(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", series=SERIES + "page_size: letter\n", files={
        "brands/c.yaml": "id: c\nname: C\npage_size: a4\n",
        "brands/d.yaml": "id: d\nname: D\npage_size: LETTER\n"})
    series = ketapub.load(root, strict=True)
    assert series.page_size == "Letter"
    assert [b.page_size for b in series.brands] == ["A4", "Letter"]
    bad = make_source(tmp_path / "b", series=SERIES + "page_size: A5\n")
    assert one(bad).startswith(f"{bad}/series.yaml:9:12: page_size: Input should be 'A4' or "
                               "'Letter'")


def test_every_problem_of_a_brand_file_is_reported_at_once(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", files={"brands/c.yaml": (
        "id: c\nname: C\naccent_color: \"red\"\ncolour: blue\nlogo: assets/gone.png\n")})
    assert [e.split(": ", 1)[0] for e in errors_of(root, strict=True)] == [
        f"{root}/brands/c.yaml:3:15", f"{root}/brands/c.yaml:4:1", f"{root}/brands/c.yaml:5:7"]
    assert "file 'assets/gone.png' does not exist" in errors_of(root, strict=True)[2]


def test_a_broken_brand_is_left_out_with_warnings(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", files={
        "brands/c.yaml": "id: c\nname: C\naccent_color: #123456\nlogo: assets/gone.png\n",
        "brands/d.yaml": "id: d\nname: D\n"})
    series = ketapub.load(root)
    assert [b.id for b in series.brands] == ["d"]
    (broken,) = series.broken_brands
    assert (broken.id, broken.path, len(broken.problems)) == ("c", f"{root}/brands/c.yaml", 2)
    assert [str(w) for w in sorted(series.warnings)] == [
        f"{root}/brands/c.yaml:1:1: warning: brand 'c' is left out: 2 problems in this file; "
        "a build of its branded handouts (--brand c or --brand all) fails until they are fixed",
        f"{root}/brands/c.yaml:3:15: warning: " + broken.problems[0].message,
        f"{root}/brands/c.yaml:4:7: warning: " + broken.problems[1].message]
    assert "has no value" in broken.problems[0].message


def test_a_character_that_cannot_start_a_yaml_value_is_named(tmp_path: Path) -> None:
    root = make_source(tmp_path / "s", series=SERIES + "subtitle: @home\tcare\n")
    assert one(root) == (f"{root}/series.yaml:9:11: invalid YAML: '@' cannot start a plain "
                         "value; put the value in quotes")
