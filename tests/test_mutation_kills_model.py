"""The model's validators, field by field: what each accepts, refuses and normalises.

The models are validated directly (as the loader does, with the series time zone in the
validation context), so every rule of ``ketapub.model`` is checked without a source folder.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from ketapub.model import (
    Asset,
    Author,
    Brand,
    MedicalReview,
    Part,
    PartMeta,
    Reference,
    Series,
    SeriesMeta,
    SourceRef,
    lines,
    one_line,
    page_size_name,
    parse_instant,
    slugify,
)

NY = ZoneInfo("America/New_York")


def series_data(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Sleep Well", "description": "About sleep.", "language": "en",
        "base_url": "https://example.org/s/", "publisher": "Press",
        "authors": [{"name": "A. Writer"}],
    }
    data.update(over)
    return data


def part_data(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Part one", "part": 1, "slug": "one", "summary": "The first.",
        "publish_at": "2025-01-01",
    }
    data.update(over)
    return data


def loaded_part(**over: Any) -> Part:
    data = part_data(source={"path": "parts/01-one.md", "line": 1}, body="Text.\n",
                     body_line=7)
    data.update(over)
    return Part.model_validate(data)


def refused(model: type, data: dict[str, Any], context: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data, context=context)
    return str(info.value)


# -- slugify -----------------------------------------------------------------------------


def test_slugify_makes_ascii_words_joined_by_hyphens() -> None:
    assert slugify("Café au Lait: Part 2") == "cafe-au-lait-part-2"
    assert slugify("Ünïcödé ñ") == "unicode-n"


def test_slugify_of_a_title_without_letters_is_series() -> None:
    assert slugify("!!! ???") == "series"
    assert slugify("日本語") == "series"


# -- parse_instant -----------------------------------------------------------------------


def test_an_aware_datetime_keeps_its_time_and_offset() -> None:
    value = datetime(2025, 8, 11, 9, 30, tzinfo=timezone(timedelta(hours=-4)))
    assert parse_instant(value, NY) == value
    assert parse_instant(value, NY).utcoffset() == timedelta(hours=-4)


def test_a_naive_datetime_is_wall_clock_in_the_series_zone() -> None:
    result = parse_instant(datetime(2025, 8, 11, 9, 30), NY)
    assert result.tzinfo is NY
    assert result.astimezone(UTC) == datetime(2025, 8, 11, 13, 30, tzinfo=UTC)


def test_a_date_is_midnight_in_the_series_zone() -> None:
    result = parse_instant(date(2025, 8, 11), NY)
    assert result == datetime(2025, 8, 11, 0, 0, tzinfo=NY)
    assert result.astimezone(UTC) == datetime(2025, 8, 11, 4, 0, tzinfo=UTC)


def test_a_date_string_is_midnight_in_the_series_zone() -> None:
    result = parse_instant("  2025-08-11 ", NY)
    assert (result.hour, result.minute, result.tzinfo) == (0, 0, NY)
    assert result.astimezone(UTC) == datetime(2025, 8, 11, 4, 0, tzinfo=UTC)


def test_date_time_strings_in_every_documented_form() -> None:
    assert parse_instant("2025-08-11T09:00", NY).astimezone(UTC) == datetime(
        2025, 8, 11, 13, 0, tzinfo=UTC)
    assert parse_instant("2025-08-11T09:00:00-04:00", UTC).astimezone(UTC) == datetime(
        2025, 8, 11, 13, 0, tzinfo=UTC)
    assert parse_instant("2025-08-11T13:00:00Z", NY) == datetime(2025, 8, 11, 13, 0, tzinfo=UTC)
    # a lower-case "z" is read as "Z" (Python's parser refuses it)
    assert parse_instant("2025-08-11T13:00:00z", NY) == datetime(2025, 8, 11, 13, 0, tzinfo=UTC)
    # ISO 8601's basic form: eleven characters, a date-time, not a date
    assert parse_instant("20250811T09", UTC) == datetime(2025, 8, 11, 9, 0, tzinfo=UTC)


def test_a_string_that_is_no_date_is_refused_with_the_forms_to_use() -> None:
    with pytest.raises(ValueError, match="not an ISO 8601 date") as info:
        parse_instant("next tuesday", UTC)
    assert str(info.value).endswith(
        "; use 2025-08-11, 2025-08-11T09:00, 2025-08-11T09:00:00-04:00 or 2025-08-11T13:00:00Z")
    with pytest.raises(ValueError, match="not an ISO 8601 date"):
        parse_instant("2025-13-45", UTC)


def test_a_value_of_another_type_is_refused() -> None:
    with pytest.raises(ValueError, match="expected an ISO 8601 date"):
        parse_instant(20250811, UTC)


def test_instants_from_1900_up_to_but_not_including_3000() -> None:
    first = datetime(1900, 1, 1, tzinfo=UTC)
    assert parse_instant("1900-01-01T00:00:00Z", NY) == first
    assert parse_instant(first, NY) == first
    last = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert parse_instant(last, NY) == last
    for bad in ("1899-12-31T23:59:59Z", "3000-01-01T00:00:00Z", "3000-01-01T12:00:00Z",
                "1900-01-01T12:00:00+13:00"):
        with pytest.raises(ValueError, match="out of range") as info:
            parse_instant(bad, NY)
        assert str(info.value).endswith("; instants must be from 1900-01-01 to 2999-12-31")
        assert bad in str(info.value)


def test_an_out_of_range_value_is_shown_as_written() -> None:
    with pytest.raises(ValueError) as info:
        parse_instant(datetime(3100, 5, 6, 7, 8, tzinfo=UTC), UTC)
    assert str(info.value).startswith("3100-05-06T07:08:00+00:00 is out of range")
    with pytest.raises(ValueError) as info:
        parse_instant(date(1800, 2, 3), UTC)
    assert str(info.value).startswith("1800-02-03 is out of range")


def test_an_instant_whose_zone_shift_overflows_is_out_of_range_not_a_crash() -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_instant("0001-01-01T00:00:00+09:00", UTC)
    with pytest.raises(ValueError, match="out of range"):
        parse_instant(date(1, 1, 1), ZoneInfo("Asia/Tokyo"))


# -- the time zone of the validation context ---------------------------------------------


def test_part_instants_use_the_zone_of_the_context() -> None:
    meta = PartMeta.model_validate(part_data(publish_at="2025-08-11T09:00",
                                             updated_at="2025-08-12"),
                                   context={"timezone": NY})
    assert meta.publish_at.astimezone(UTC) == datetime(2025, 8, 11, 13, 0, tzinfo=UTC)
    assert meta.updated_at == datetime(2025, 8, 12, 4, 0, tzinfo=UTC)


def test_part_instants_without_a_context_or_zone_are_utc() -> None:
    for context in (None, {}, {"timezone": "America/New_York"}):
        meta = PartMeta.model_validate(part_data(publish_at="2025-08-11T09:00"),
                                       context=context)
        assert meta.publish_at == datetime(2025, 8, 11, 9, 0, tzinfo=UTC)
        assert meta.publish_at.utcoffset() == timedelta(0)
        assert meta.updated_at is None


# -- one_line and lines ------------------------------------------------------------------


def test_one_line_joins_lines_and_trims_the_ends() -> None:
    assert one_line(" a folded\nscalar \t with\r\n\u2028breaks \n") == "a folded scalar with breaks"
    assert one_line("no\u00a0break") == "no\u00a0break"  # a no-break space is kept
    assert one_line(5) == 5
    assert one_line(None) is None


def test_lines_keeps_meaningful_line_breaks_only() -> None:
    assert lines("  1 Main   St \n\n  Springfield\u2028 USA \n") == "1 Main St\nSpringfield\nUSA"
    assert lines(None) is None
    assert lines(7) == 7


def test_an_address_keeps_its_lines_and_refuses_what_is_not_text() -> None:
    brand = Brand(id="c", name="C", address="1 Main St\r\n  Springfield \n")
    assert brand.address == "1 Main St\nSpringfield"
    with pytest.raises(ValidationError):
        Brand.model_validate({"id": "c", "name": "C", "address": 123})


def test_one_line_fields_are_normalised() -> None:
    author = Author(name="  A.\n Writer ", role="Editor\n")
    assert (author.name, author.role) == ("A. Writer", "Editor")
    meta = SeriesMeta.model_validate(series_data(description="One\nparagraph.\n"))
    assert meta.description == "One paragraph."


def test_required_text_may_be_one_character_but_not_blank() -> None:
    assert Author(name="A").name == "A"
    refused(Author, {"name": " \n "})


# -- slugs, URLs, colours, paths ---------------------------------------------------------


def test_slugs() -> None:
    assert Brand(id="clinic-2", name="C").id == "clinic-2"
    for bad in ("Clinic", "a--b", "-a", "a_b", "a\n", ""):
        refused(Brand, {"id": bad, "name": "C"})


@pytest.mark.parametrize("slug", ["hub", "index", "booklet", "cards", "assets", "fragments",
                                  "ketapub", "large-print"])
def test_a_part_slug_that_outputs_use_is_refused(slug: str) -> None:
    assert "outputs use" in refused(PartMeta, part_data(slug=slug))


def test_a_part_slug_that_outputs_do_not_use_is_kept() -> None:
    assert PartMeta.model_validate(part_data(slug="hubs")).slug == "hubs"


def test_http_urls() -> None:
    brand = Brand(id="c", name="C", website="https://example.org/a?b#c")
    assert brand.website == "https://example.org/a?b#c"
    assert Brand(id="c", name="C", website="http://x").website == "http://x"
    for bad in ("ftp://example.org/", "javascript:alert(1)", "https:///path",
                "https://exa mple.org/", "//example.org/", "https://example.org/\u200b"):
        refused(Brand, {"id": "c", "name": "C", "website": bad})


def test_hex_colours_are_lower_cased_and_checked() -> None:
    assert Brand(id="c", name="C", accent_color="#1F6F8B").accent_color == "#1f6f8b"
    assert Brand(id="c", name="C", accent_color="#ABC").accent_color == "#abc"
    for bad in ("1f6f8b", "#12345", "#ggg", "red"):
        refused(Brand, {"id": "c", "name": "C", "accent_color": bad})


def test_relative_paths_are_kept_with_slashes_and_in_nfc() -> None:
    assert Brand(id="c", name="C", logo="assets/logo.png").logo == "assets/logo.png"
    assert Brand(id="c", name="C", logo="assets\\logo.png").logo == "assets/logo.png"
    assert Brand(id="c", name="C", logo="assets/cafe\u0301.png").logo == "assets/caf\u00e9.png"
    assert SeriesMeta.model_validate(series_data(cover="a/b.png")).cover == "a/b.png"


@pytest.mark.parametrize("bad", ["", "/etc/passwd", "\\srv\\x.png", "C:/x.png", "c:x.png",
                                 "a/../b.png", "..", "a\\..\\b.png", "a\x00b.png",
                                 "assets/http://x/y.png", "a%2e%2e/b.png"])
def test_paths_that_leave_the_source_folder_are_refused(bad: str) -> None:
    refused(Brand, {"id": "c", "name": "C", "logo": bad})


def test_a_path_with_dots_in_a_name_is_fine() -> None:
    assert Brand(id="c", name="C", logo="assets/a..b.png").logo == "assets/a..b.png"


def test_invisible_format_characters_are_refused_where_readers_dial_or_mail() -> None:
    brand = Brand(id="c", name="C", phone="+1 555 0100", email="a@b.org")
    assert (brand.phone, brand.email) == ("+1 555 0100", "a@b.org")
    for field, bad in (("phone", "+1 555\u202e0100"), ("phone", "555\u200b0100"),
                       ("email", "a\u200d@b.org"), ("website", "https://exa\u00admple.org/")):
        assert "invisible character" in refused(Brand, {"id": "c", "name": "C", field: bad})
    assert Brand(id="c", name="C").phone is None


def test_e_mail_addresses() -> None:
    for bad in ("a.org", "a@b", "a b@c.org", "<a@b.org>", "a@b@c.org"):
        refused(Brand, {"id": "c", "name": "C", "email": bad})


# -- page sizes, titles ------------------------------------------------------------------


def test_page_sizes_in_any_case() -> None:
    assert page_size_name(" letter ") == "Letter"
    assert page_size_name("a4") == "A4"
    assert Brand(id="c", name="C", page_size="LETTER").page_size == "Letter"
    assert Brand(id="c", name="C", page_size="Letter").page_size == "Letter"
    assert SeriesMeta.model_validate(series_data(page_size="a4")).page_size == "A4"
    assert SeriesMeta.model_validate(series_data(page_size="A4")).page_size == "A4"
    assert SeriesMeta.model_validate(series_data()).page_size == "A4"
    assert page_size_name(4) == 4
    for bad in ("A5", 4, "legal"):
        refused(Brand, {"id": "c", "name": "C", "page_size": bad})


def test_a_title_of_300_characters_is_the_longest() -> None:
    assert len(PartMeta.model_validate(part_data(title="t" * 300)).title) == 300
    assert "over the limit of 300" in refused(PartMeta, part_data(title="t" * 301))
    meta = SeriesMeta.model_validate(series_data(subtitle="s" * 300))
    assert meta.subtitle == "s" * 300
    refused(SeriesMeta, series_data(subtitle="s" * 301))


# -- references --------------------------------------------------------------------------


def test_a_reference_with_every_field() -> None:
    ref = Reference(id="smith:2020.a-b_c", text="Smith 2020.", url="https://example.org/p",
                    doi="10.1000/xyz123")
    assert (ref.id, ref.url, ref.doi) == ("smith:2020.a-b_c", "https://example.org/p",
                                          "10.1000/xyz123")
    assert ref.link == "https://example.org/p"


def test_a_reference_links_to_its_doi_when_it_has_no_url() -> None:
    assert Reference(id="a", text="A.", doi="10.1000/xyz").link == "https://doi.org/10.1000/xyz"
    assert Reference(id="a", text="A.").link is None
    assert Reference(id="a", text="A.").doi is None


def test_citation_keys() -> None:
    for bad in ("-a", ".a", "a b", "a@b", ""):
        refused(Reference, {"id": bad, "text": "A."})


def test_dois() -> None:
    for bad in ("doi:10.1000/x", "10.10/x", "10.1000/", "10.1000/a b", "10.1000/ab\u200bc"):
        refused(Reference, {"id": "a", "text": "A.", "doi": bad})


def test_duplicate_reference_ids_are_refused_distinct_ones_kept() -> None:
    refs = [{"id": "b", "text": "B."}, {"id": "a", "text": "A."}]
    meta = PartMeta.model_validate(part_data(references=refs))
    assert [r.id for r in meta.references] == ["b", "a"]
    again = [{"id": "b", "text": "B2."}, {"id": "a", "text": "A2."}]
    msg = refused(PartMeta, part_data(references=[*refs, *again]))
    assert "duplicate reference id(s): a, b" in msg


# -- parts -------------------------------------------------------------------------------


def test_part_front_matter_with_every_field() -> None:
    meta = PartMeta.model_validate(part_data(
        updated_at="2025-02-01", tags=["sleep\n", "rest"], reviewed_by="Dr. X",
        reviewed_on="2025-01-15", references=[{"id": "a", "text": "A."}],
        url="https://example.org/elsewhere/"))
    assert isinstance(meta, PartMeta)
    assert meta.updated_at == datetime(2025, 2, 1, tzinfo=UTC)
    assert meta.tags == ("sleep", "rest")
    assert (meta.reviewed_by, meta.reviewed_on) == ("Dr. X", date(2025, 1, 15))
    assert meta.url == "https://example.org/elsewhere/"


def test_the_part_number_is_a_whole_number_from_one() -> None:
    assert PartMeta.model_validate(part_data(part=3)).part == 3
    for bad in (True, False, "3", 3.0, 0, None):
        refused(PartMeta, part_data(part=bad))


def test_an_update_may_not_precede_the_release() -> None:
    same = PartMeta.model_validate(part_data(publish_at="2025-01-01", updated_at="2025-01-01"))
    assert same.updated_at == same.publish_at
    assert "cannot precede" in refused(
        PartMeta, part_data(publish_at="2025-01-02", updated_at="2025-01-01T23:59"))


def test_a_loaded_part() -> None:
    p = loaded_part(part=3, anchors=["a"], citation_order=["y", "x"],
                    faq=[{"question": "Q?", "answer": "A.", "anchor": "q"}],
                    images=["assets/a.png"], word_count=12,
                    references=[{"id": "x", "text": "X."}, {"id": "y", "text": "Y."}])
    assert p.number == "03"
    assert (p.anchors, p.images, p.word_count) == (("a",), ("assets/a.png",), 12)
    assert p.faq[0].question == "Q?"
    assert [(n, r.id) for n, r in p.numbered_references] == [(1, "y"), (2, "x")]
    bare = loaded_part()
    assert (bare.word_count, bare.anchors, bare.numbered_references) == (0, (), ())
    assert bare.body == "Text.\n"
    assert loaded_part(part=12).number == "12"


def test_the_body_and_asset_bytes_stay_out_of_reprs() -> None:
    assert "Text." not in repr(loaded_part())
    asset = Asset(path="assets/a.png", media_type="image/png", data=b"SECRETBYTES", sha256="0")
    assert asset.data == b"SECRETBYTES"
    assert "SECRETBYTES" not in repr(asset)


def test_a_source_ref_is_line_one_by_default() -> None:
    assert SourceRef(path="series.yaml").line == 1


def test_a_medical_review() -> None:
    review = MedicalReview(reviewer="Dr. Y", credentials="MD\n", reviewed_on="2025-01-02")
    assert (review.credentials, review.reviewed_on) == ("MD", date(2025, 1, 2))


# -- models are strict and frozen --------------------------------------------------------


def test_unknown_keys_are_refused_and_models_are_frozen() -> None:
    assert "extra" in refused(Author, {"name": "A", "nmae": "B"})
    author = Author(name="A")
    with pytest.raises(ValidationError):
        author.name = "B"  # type: ignore[misc]


# -- brands ------------------------------------------------------------------------------


def test_a_brand_with_every_field() -> None:
    brand = Brand(id="c", name="C", phone="1\n2", email="x@y.org", address="A\nB",
                  website="https://c.example/", logo="assets/l.png", accent_color="#FFF",
                  page_size="letter")
    assert (brand.phone, brand.email, brand.address, brand.website, brand.logo,
            brand.accent_color, brand.page_size) == (
        "1 2", "x@y.org", "A\nB", "https://c.example/", "assets/l.png", "#fff", "Letter")


# -- series ------------------------------------------------------------------------------


def test_series_metadata_with_every_field() -> None:
    meta = SeriesMeta.model_validate(series_data(
        slug="sleep", subtitle="A\nguide", timezone="Europe/Paris", identifier="isbn:1",
        license="CC BY\n4.0", cover="assets/c.png", disclaimer="*Not advice.*",
        medical_review={"reviewer": "Dr. Y", "reviewed_on": "2025-01-02"}, page_size="Letter",
        authors=[{"name": "A"}, {"name": "B", "role": "Editor"}]))
    assert (meta.slug, meta.subtitle, meta.timezone, meta.identifier, meta.license) == (
        "sleep", "A guide", "Europe/Paris", "isbn:1", "CC BY 4.0")
    assert (meta.cover, meta.disclaimer, meta.page_size) == ("assets/c.png", "*Not advice.*",
                                                             "Letter")
    assert meta.medical_review is not None
    assert meta.medical_review.reviewer == "Dr. Y"
    assert [a.role for a in meta.authors] == [None, "Editor"]


def test_series_defaults_and_derived_values() -> None:
    meta = SeriesMeta.model_validate(series_data(title="Sleep: Well!"))
    assert meta.timezone == "UTC"
    assert meta.slug == "sleep-well"
    base_url_uuid = uuid.uuid5(uuid.NAMESPACE_URL, "https://example.org/s/")
    assert meta.identifier == f"urn:uuid:{base_url_uuid}"  # stable: a function of base_url
    assert meta.subtitle is None and meta.cover is None


def test_at_least_one_author() -> None:
    assert len(SeriesMeta.model_validate(series_data(authors=[{"name": "A"}])).authors) == 1
    refused(SeriesMeta, series_data(authors=[]))


def test_language_tags() -> None:
    for good in ("en", "en-US", "es-419", "zh-Hant-TW"):
        assert SeriesMeta.model_validate(series_data(language=good)).language == good
    for bad in ("e", "english", "en_US", "en-", "en\n"):
        assert "BCP 47" in refused(SeriesMeta, series_data(language=bad))


def test_time_zones() -> None:
    ok = SeriesMeta.model_validate(series_data(timezone="America/New_York"))
    assert ok.timezone == "America/New_York"
    for bad in ("Mars/Olympus", "America", "../etc/passwd", ""):
        assert "IANA time zone" in refused(SeriesMeta, series_data(timezone=bad))


def test_the_base_url_ends_with_one_slash() -> None:
    assert SeriesMeta.model_validate(series_data(base_url="https://e.org/s")).base_url == (
        "https://e.org/s/")
    assert SeriesMeta.model_validate(series_data(base_url="https://e.org/s/")).base_url == (
        "https://e.org/s/")


def make_series(**over: Any) -> Series:
    data = series_data(
        parts=[loaded_part(), loaded_part(part=2, slug="two", url="https://other.example/2")],
        brands=[Brand(id="a", name="A"), Brand(id="b", name="B")],
        assets=[Asset(path="assets/caf\u00e9.png", media_type="image/png", data=b"x",
                      sha256="1"),
                Asset(path="assets/b.png", media_type="image/png", data=b"y", sha256="2")],
        timezone="America/New_York", warnings=[], broken_brands=[])
    data.update(over)
    return Series.model_validate(data)


def test_series_lookups() -> None:
    s = make_series()
    assert s.tz == NY
    assert s.get_part(2) is s.parts[1] and s.get_part("two") is s.parts[1]
    assert s.get_part(1) is s.parts[0] and s.get_part("one") is s.parts[0]
    assert s.get_part(3) is None and s.get_part("three") is None
    assert s.get_brand("b") is s.brands[1] and s.get_brand("a") is s.brands[0]
    assert s.get_brand("z") is None
    assert s.get_asset("assets/cafe\u0301.png") is s.assets[0]
    assert s.get_asset("assets/b.png") is s.assets[1]
    assert s.get_asset("assets/c.png") is None
    assert s.source_hash == ""


def test_part_urls() -> None:
    s = make_series()
    assert s.part_url(s.parts[0]) == "https://example.org/s/one/"
    assert s.part_url(s.parts[1]) == "https://other.example/2"


def test_the_series_slug_is_the_given_one_else_derived() -> None:
    assert make_series(slug="custom").series_slug == "custom"
    assert make_series().series_slug == "sleep-well"


def test_warnings_and_broken_brands_stay_out_of_dumps_and_reprs() -> None:
    s = make_series()
    dumped = s.model_dump()
    assert "warnings" not in dumped and "broken_brands" not in dumped
    assert "parts" in dumped
    assert "warnings=" not in repr(s) and "broken_brands=" not in repr(s)
