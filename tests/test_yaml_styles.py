"""A series written in every YAML scalar style builds in every format, and every output shows
each value as intended: one-line fields on one line, an address on its own lines, and every
value escaped the way its format wants (RFC 5545 TEXT, XML, JSON, HTML, PDF metadata).

The fixture (tests/fixtures/yaml-styles) uses plain, single- and double-quoted scalars (with
escapes), folded ``>`` and ``>+``, literal ``|`` and ``|-``, ``#`` with and without a space
before it, accents, CJK, symbols, right-to-left text, values of a few thousand characters, and
flow and block collections.
"""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

import feedparser
import html5lib
import icalendar
import pypdf
import pytest
from click.testing import CliRunner
from lxml import etree

import ketapub
from ketapub.cli import main
from tests.conftest import ROOT
from tests.tools import epubcheck, require

FIXTURE = ROOT / "tests" / "fixtures" / "yaml-styles"
AS_OF = "2025-03-01T00:00:00+00:00"  # every part is out and part 1's update has come
BRAND = "styles-clinic"
SLUGS = ("plain-and-quoted", "double-quoted", "block-scalars")
HANDOUTS = ("01-plain-and-quoted", "02-double-quoted", "03-block-scalars")
LONG_SENTENCE = ("and punctuation; commas, semicolons and a backslash \\ that every format "
                 "must escape its own way.")


def flat(text: str) -> str:
    """Text with every run of whitespace as one space, for comparing extracted text."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def series() -> ketapub.Series:
    return ketapub.load(FIXTURE, strict=True)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture built by the command line, every format, every brand, warnings as errors."""
    dest = tmp_path_factory.mktemp("yaml-styles") / "out"
    result = CliRunner().invoke(main, ["build", str(FIXTURE), "-o", str(dest), "--brand", "all",
                                       "--as-of", AS_OF, "--strict", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    return dest


# --- the model: each style loads as the value the writer meant -----------------------------


def test_every_scalar_style_loads_as_the_intended_value(series: ketapub.Series) -> None:
    assert series.title == "Plain title with C#minor, café and <angle> brackets"  # " #": comment
    assert series.subtitle == "Folded and kept: the trailing blank lines stay in YAML"  # >+
    assert series.description == (  # > with a more-indented line and a final newline
        "A folded description spread over several lines, which YAML joins with spaces; this "
        "more-indented line keeps its line break, and the value ends with a newline. Commas, "
        "semicolons; a backslash \\ and a # too.")
    assert series.publisher == "Single-quoted: O'Reilly-style press # not a comment"
    assert series.license == "Creative Commons Attribution 4.0 (CC-BY-4.0)"  # "\t" and "\n"
    assert [(a.name, a.role) for a in series.authors] == [
        ("Zoë Ångström", "Writer"), ("山田 太郎", "Editor"), ("سارة المصري", None)]
    assert series.medical_review is not None
    assert (series.medical_review.reviewer, series.medical_review.credentials) == (
        "Dr Ümit Öztürk", "MD, PhD")
    # Markdown keeps its line breaks: they separate paragraphs.
    assert series.disclaimer == ("**For education only**, not medical advice.\n\nA literal "
                                 "block: these line breaks\nstay as written, and Markdown joins "
                                 "them.\n")
    one, two, three = series.parts
    assert one.title == "Plain part with C#sharp and F#minor, über-café"
    assert one.summary == ("Single-quoted: it’s got a # that is not a comment, and “double "
                           "quotes” inside.")  # typographic quotes, as in the bodies
    assert one.tags == ("plain", "single quoted", 'double "quoted"', "c#")
    assert [r.text for r in one.references] == [
        "Smith J. A folded reference over two lines. J Test. 2020;1:1-2.",
        "Doe A. A reference in a flow mapping, 2021."]
    assert two.title == "Double-quoted: tab here, newline there, été and 𠮷"
    assert two.summary == "Escapes: “quoted”, back\\slash, a # after a space (not a comment), café."
    assert two.tags == ("block sequence", "日本語", "kanji 𠮷")
    assert two.reviewed_by == "Dr Ümit Öztürk"
    assert three.title == "Literal, stripped: 日本語のタイトル and ⚕"
    assert len(three.summary) > 3000 and three.summary.count(LONG_SENTENCE) == 16
    assert three.summary.startswith("Sentence 1 of a very long folded summary: it mixes العربية")
    assert len(three.references[0].text) > 1400
    one_line = [series.title, series.subtitle, series.description, series.publisher,
                series.license, *(a.name for a in series.authors),
                *(f for p in series.parts for f in (p.title, p.summary, *p.tags)),
                *(r.text for p in series.parts for r in p.references)]
    for value in one_line:
        assert value == flat(value), value  # no line break, no doubled or edge space
    (brand,) = series.brands
    assert brand.name == "Clinique Étoile & Söhne <Test>"
    assert brand.phone == "+81 3 5555 0100 # not a comment"
    # An address keeps its lines (blank ones dropped, spaces inside a line collapsed).
    assert brand.address == "12 Rue de l'Été\nBâtiment B, 3ᵉ étage\n75001 Paris"


def test_blank_one_line_value_is_still_missing(tmp_path: Path) -> None:
    # A folded scalar of only spaces and line breaks is empty once normalised: a required
    # field so written is reported, not published as a blank title.
    src = tmp_path / "s"
    src.mkdir()
    (src / "series.yaml").write_text((FIXTURE / "series.yaml").read_text("utf-8").replace(
        "title: Plain title with C#minor, café and <angle> brackets", 'title: "\\n \\t "'),
        "utf-8")
    (src / "parts").mkdir()
    (src / "parts" / "01.md").write_text(
        "---\ntitle: One\npart: 1\nslug: one\nsummary: S.\npublish_at: 2025-01-01\n---\nText.\n",
        "utf-8")
    with pytest.raises(ketapub.SourceError) as info:
        ketapub.load(src)
    assert "series.yaml:3:8: title" in str(info.value)


# --- every format ----------------------------------------------------------------------------


def test_every_format_is_built(out: Path) -> None:
    made = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    expected = {"manifest.json", "epub/yaml-styles.epub", "feed/rss.xml", "feed/atom.xml",
                "feed/feed.json", "feed/schedule.ics", "pdf/booklet.pdf", "html/hub.html",
                "html/index.html", "html/ketapub.css", "html/fragments.json",
                "html/assets/diagram.svg", "assets/diagram.svg",
                *(f"pdf/{h}.pdf" for h in HANDOUTS), *(f"pdf/{BRAND}/{h}.pdf" for h in HANDOUTS),
                *(f"html/{s}.html" for s in SLUGS), *(f"html/cards/{s}.html" for s in SLUGS),
                *(f"txt/{h}.txt" for h in HANDOUTS), *(f"md/{h}.md" for h in HANDOUTS),
                "api/series.json", "api/changes.json", *(f"api/parts/{s}.json" for s in SLUGS),
                *(f"embed/{s}.html" for s in SLUGS)}
    assert set(made) == expected


@pytest.mark.slow
def test_epubcheck_finds_nothing_and_the_metadata_is_intact(out: Path, series) -> None:
    book = out / "epub" / "yaml-styles.epub"
    result = epubcheck(book)
    assert (result.fatals, result.errors, result.warnings) == (0, 0, 0), result.output
    with zipfile.ZipFile(book) as z:
        opf = etree.fromstring(z.read("EPUB/content.opf"))
    ns = {"dc": "http://purl.org/dc/elements/1.1/", "opf": "http://www.idpf.org/2007/opf"}
    md = opf.find("opf:metadata", ns)
    assert md.xpath("dc:title[@id='title']/text()", namespaces=ns) == [series.title]
    assert md.xpath("dc:title[@id='subtitle']/text()", namespaces=ns) == [series.subtitle]
    assert md.xpath("dc:description/text()", namespaces=ns) == [series.description]
    assert md.xpath("dc:publisher/text()", namespaces=ns) == [series.publisher]
    assert md.xpath("dc:creator/text()", namespaces=ns) == [a.name for a in series.authors]


def test_rss_and_atom_parse_cleanly_with_every_value(out: Path, series) -> None:
    by_url = {series.part_url(p): p for p in series.parts}
    for name in ("rss.xml", "atom.xml"):
        feed = feedparser.parse((out / "feed" / name).read_bytes())
        assert feed.bozo == 0, (name, feed.get("bozo_exception"))
        assert feed.feed.title == series.title
        assert feed.feed.subtitle == series.description
        assert len(feed.entries) == 3
        for entry in feed.entries:
            part = by_url[entry.link]
            assert entry.title == part.title
            assert entry.summary == part.summary
            assert [t.term for t in entry.tags] == list(part.tags)


def test_json_feed_is_json_with_every_value(out: Path, series) -> None:
    feed = json.loads((out / "feed" / "feed.json").read_bytes())
    assert (feed["title"], feed["description"]) == (series.title, series.description)
    assert [a["name"] for a in feed["authors"]] == [a.name for a in series.authors]
    items = {i["id"]: i for i in feed["items"]}
    for part in series.parts:
        item = items[series.part_url(part)]
        assert (item["title"], item["summary"], item["tags"]) == (
            part.title, part.summary, list(part.tags))
    index = json.loads((out / "html" / "fragments.json").read_bytes())
    assert [f["summary"] for f in index["fragments"]] == [p.summary for p in series.parts]


def _escaped(text: str) -> str:
    """An RFC 5545 TEXT value (section 3.3.11)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _unescaped(value: str) -> str:
    """The text of an RFC 5545 TEXT value."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def test_calendar_parses_and_every_text_property_round_trips(out: Path, series) -> None:
    data = (out / "feed" / "schedule.ics").read_bytes()
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in ln and len(ln) <= 75 for ln in lines)
    cal = icalendar.Calendar.from_ical(data)
    # icalendar parses NAME and the X-WR- properties as raw values: read them as TEXT.
    for prop, value in (("NAME", series.title), ("X-WR-CALNAME", series.title),
                        ("X-WR-CALDESC", series.description)):
        assert _unescaped(str(cal[prop])) == value
    unfolded = data.decode("utf-8").replace("\r\n ", "")
    assert f"\r\nX-WR-CALDESC:{_escaped(series.description)}\r\n" in unfolded
    assert f"\r\nNAME:{_escaped(series.title)}\r\n" in unfolded
    events = {str(e["URL"]): e for e in cal.walk("VEVENT")}
    for part in series.parts:
        ev = events[series.part_url(part)]
        assert str(ev["SUMMARY"]) == part.title
        assert str(ev["DESCRIPTION"]) == part.summary  # 3,500 characters, folded at 75 octets
        cats = ev.get("CATEGORIES")
        cats = cats if isinstance(cats, list) else [cats]
        assert [str(c) for cat in cats for c in cat.cats] == list(part.tags)
        assert f"\r\nDESCRIPTION:{_escaped(part.summary)}\r\n" in unfolded


def _pdftotext(path: Path) -> str:
    return subprocess.run([require("pdftotext"), str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_pdfs_open_and_carry_the_title_and_summary(out: Path, series) -> None:
    for folder in ("pdf", f"pdf/{BRAND}"):
        for name, part in zip(HANDOUTS, series.parts, strict=True):
            path = out / folder / f"{name}.pdf"
            reader = pypdf.PdfReader(path)
            assert reader.metadata.title == part.title
            assert reader.metadata.subject == part.summary
            assert reader.metadata.keywords == ", ".join(part.tags)
            text = flat(_pdftotext(path))
            assert part.title in text
            if part.part < 3:  # Latin text: the summary reads back as written
                assert part.summary in flat(reader.pages[0].extract_text())
            else:  # right-to-left runs come back reordered; the rest as written
                for n in range(1, 17):
                    assert f"Sentence {n} of a very long folded summary: it mixes" in text
                assert text.count("that every format must escape its own way.") == 16
    booklet = pypdf.PdfReader(out / "pdf" / "booklet.pdf")
    assert booklet.metadata.title == series.title
    assert booklet.metadata.subject == series.description


def test_branded_handout_prints_the_address_on_its_lines(out: Path) -> None:
    reader = pypdf.PdfReader(out / "pdf" / BRAND / "01-plain-and-quoted.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Clinique Étoile & Söhne <Test>\n12 Rue de l'Été\nBâtiment B, 3ᵉ étage\n75001 Paris\n" \
        in text
    assert "Phone: +81 3 5555 0100 # not a comment" in text


def test_fragments_parse_and_show_the_values(out: Path, series) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    parser.parse((out / "html" / "index.html").read_text("utf-8"))
    for path in ["html/hub.html", *(f"html/{s}.html" for s in SLUGS),
                 *(f"html/cards/{s}.html" for s in SLUGS)]:
        root = parser.parseFragment((out / path).read_text("utf-8"))
        text = flat("".join(root.itertext()))
        assert series.title in text, path
    for part in series.parts:
        html = (out / "html" / f"{part.slug}.html").read_text("utf-8")
        root = parser.parseFragment(html)
        assert part.title in flat("".join(root.itertext()))
        (script,) = root.iter("script")
        graph = json.loads(script.text)["@graph"]
        assert (graph[0]["headline"], graph[0]["description"]) == (part.title, part.summary)
        card = parser.parseFragment((out / "html" / "cards" / f"{part.slug}.html")
                                    .read_text("utf-8"))
        assert part.summary in flat("".join(card.itertext()))
    hub = flat("".join(parser.parseFragment((out / "html" / "hub.html").read_text("utf-8"))
                       .itertext()))
    assert series.description in hub

