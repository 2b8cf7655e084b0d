"""No output carries a date after its as_of: an ``updated_at`` still to come is not yet true.

Built before part 1's ``updated_at`` (every part already released), every artifact of a full
build is read (PDF metadata and text, every file of the EPUB and its zip timestamps, feeds,
calendar, fragments, manifest) and every date in it must be on or before as_of. Built again,
incrementally, once as_of has passed the update, the update shows everywhere, and the jobs
that show part 1 are re-rendered (their input hash changed) while part 2's handout is not.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import feedparser
import icalendar
import pypdf
import pytest
from lxml import etree

import ketapub
from tests.conftest import ROOT
from tests.tools import require

FIXTURE = ROOT / "tests" / "fixtures" / "yaml-styles"
# Parts: 2025-01-06 09:00, 2025-01-13 09:30, 2025-01-20 00:00 (Tokyo). Part 1 is updated
# 2025-02-02 10:00 Tokyo (01:00 UTC).
BEFORE = "2025-01-25T00:00:00+00:00"
AFTER = "2025-02-03T00:00:00+00:00"
NEWEST_RELEASE = datetime(2025, 1, 19, 15, tzinfo=UTC)  # part 3, 2025-01-20 00:00 Tokyo
UPDATE = datetime(2025, 2, 2, 1, tzinfo=UTC)
BRAND = "styles-clinic"
PART1 = {"pdf/01-plain-and-quoted.pdf", f"pdf/{BRAND}/01-plain-and-quoted.pdf",
         "html/plain-and-quoted.html", "html/cards/plain-and-quoted.html"}
DC = "{http://purl.org/dc/elements/1.1/}"

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
DATE_FORMS = [  # (pattern, (year, month, day) group indexes; a month group may be a name)
    (re.compile(r"(?<![\dA-Za-z])(\d{4})-(\d\d)-(\d\d)"), (1, 2, 3)),  # ISO 8601
    (re.compile(r"(?<![\dA-Za-z])(\d{4})(\d\d)(\d\d)T\d"), (1, 2, 3)),  # iCalendar basic
    (re.compile(r"D:(\d{4})(\d\d)(\d\d)"), (1, 2, 3)),  # PDF dates
    (re.compile(r"(\d{1,2}) " + _MONTH + r"\.? (\d{4})", re.I), (3, 2, 1)),  # RFC 822, en-GB
    (re.compile(_MONTH + r"\.? (\d{1,2}), (\d{4})", re.I), (3, 1, 2)),  # "February 2, 2025"
]


def dates_in(text: str) -> list[date]:
    """Every calendar date written in ``text`` in any form an output uses."""
    found = []
    for pattern, (y, m, d) in DATE_FORMS:
        for match in pattern.finditer(text):
            month = match[m]
            number = int(month) if month.isdigit() else MONTHS.index(
                next(n for n in MONTHS if n.startswith(month[:3].lower()))) + 1
            found.append(date(int(match[y]), number, int(match[d])))
    return found


def artifact_texts(out: Path) -> dict[str, str]:
    """Every artifact as text a reader (or a program) can see, by path."""
    texts: dict[str, str] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        if path.suffix == ".pdf":
            reader = pypdf.PdfReader(path)
            meta = {k: str(v) for k, v in (reader.metadata or {}).items()}
            xmp = reader.xmp_metadata
            xmp_dates = [str(d) for d in (xmp.xmp_create_date, xmp.xmp_modify_date,
                                          xmp.xmp_metadata_date) if d] if xmp else []
            text = subprocess.run([require("pdftotext"), str(path), "-"], capture_output=True,
                                  text=True, check=True).stdout
            texts[rel] = json.dumps(meta) + "\n" + "\n".join(xmp_dates) + "\n" + text
        elif path.suffix == ".epub":
            with zipfile.ZipFile(path) as z:
                stamps = [f"{i.date_time[0]:04d}-{i.date_time[1]:02d}-{i.date_time[2]:02d}"
                          for i in z.infolist()]
                members = [z.read(i).decode("utf-8", "replace") for i in z.infolist()
                           if not i.filename.endswith((".png", ".jpg", ".ttf", ".otf"))]
            texts[rel] = "\n".join(stamps + members)
        elif path.suffix in (".xml", ".json", ".ics", ".html", ".css"):
            texts[rel] = path.read_text("utf-8")
    return texts


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One output folder built before the update, then incrementally after it."""
    base = tmp_path_factory.mktemp("as-of-dates")
    out = base / "out"
    first = ketapub.build(FIXTURE, out, as_of=BEFORE, brands=["all"], jobs=2)
    assert first.ok, first.errors
    before = base / "before"
    shutil.copytree(out, before)
    second = ketapub.build(FIXTURE, out, as_of=AFTER, brands=["all"], jobs=2)
    assert second.ok, second.errors
    return {"before": before, "after": out, "rendered": set(second.rendered)}


def test_date_scanner_reads_every_form() -> None:
    text = ("2025-02-02T10:00 20250202T010000Z D:20250202100000 Sun, 02 Feb 2025 "
            "February 2, 2025 Feb 2, 2025 2 February 2025")
    assert dates_in(text) == [date(2025, 2, 2)] * 7


def test_no_output_dates_anything_after_as_of(builds) -> None:
    texts = artifact_texts(builds["before"])
    # manifest, 7 PDFs, the EPUB, 4 feeds, 10 HTML files, 3 embed pages, 5 API files
    assert len(texts) == 31
    limit = datetime.fromisoformat(BEFORE).date()
    late = {path: sorted({d for d in dates_in(text) if d > limit})
            for path, text in texts.items()}
    assert {path: found for path, found in late.items() if found} == {}
    # The scan is not vacuous: every kind of artifact carries dates, and they were read.
    for path in ("pdf/01-plain-and-quoted.pdf", f"pdf/{BRAND}/01-plain-and-quoted.pdf",
                 "pdf/booklet.pdf", "epub/yaml-styles.epub", "feed/rss.xml", "feed/atom.xml",
                 "feed/feed.json", "feed/schedule.ics", "html/plain-and-quoted.html",
                 "html/cards/plain-and-quoted.html", "html/fragments.json", "html/hub.html",
                 "api/parts/plain-and-quoted.json", "api/changes.json",
                 "embed/plain-and-quoted.html"):
        assert dates_in(texts[path]), path


def _modified_dates(out: Path) -> dict[str, datetime]:
    """The modification date of part 1, or of the whole series, as each format states it."""
    rss = feedparser.parse((out / "feed/rss.xml").read_bytes())
    atom = etree.parse(str(out / "feed/atom.xml")).getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    (entry,) = [e for e in atom.iterfind("a:entry", ns)
                if e.findtext("a:id", namespaces=ns).endswith("/plain-and-quoted/")]
    jsonfeed = json.loads((out / "feed/feed.json").read_bytes())
    (item,) = [i for i in jsonfeed["items"] if i["_ketapub"]["part"] == 1]
    with zipfile.ZipFile(out / "epub/yaml-styles.epub") as z:
        opf = etree.fromstring(z.read("EPUB/content.opf"))
    (epub_modified,) = opf.xpath("//*[@property='dcterms:modified']/text()")
    cal = icalendar.Calendar.from_ical((out / "feed/schedule.ics").read_bytes())
    stamps = {e.decoded("DTSTAMP") for e in cal.walk("VEVENT")}
    assert len(stamps) == 1
    html = (out / "html/plain-and-quoted.html").read_text("utf-8")
    jsonld = json.loads(re.search(r"<script[^>]*>(.*?)</script>", html, re.S)[1])
    fragments = json.loads((out / "html/fragments.json").read_bytes())
    pdf = pypdf.PdfReader(out / "pdf/01-plain-and-quoted.pdf").metadata
    booklet = pypdf.PdfReader(out / "pdf/booklet.pdf").metadata

    def iso(value: str) -> datetime:
        return datetime.fromisoformat(value).astimezone(UTC)

    return {
        "rss lastBuildDate": datetime(*rss.feed.updated_parsed[:6], tzinfo=UTC),
        "atom feed updated": iso(atom.findtext("a:updated", namespaces=ns)),
        "atom entry updated": iso(entry.findtext("a:updated", namespaces=ns)),
        "json date_modified": iso(item["date_modified"]),
        "epub dcterms:modified": iso(epub_modified),
        "ics DTSTAMP": stamps.pop().astimezone(UTC),
        "json-ld dateModified": iso(jsonld["@graph"][0]["dateModified"]),
        "fragments.json part": iso(fragments["fragments"][0]["modified"]),
        "fragments.json series": iso(fragments["modified"]),
        "pdf ModDate": pdf.modification_date.astimezone(UTC),
        "booklet ModDate": booklet.modification_date.astimezone(UTC),
    }


def _dc_date(out: Path) -> str:
    with zipfile.ZipFile(out / "epub/yaml-styles.epub") as z:
        return etree.fromstring(z.read("EPUB/content.opf")).findtext(f".//{DC}date")


def test_before_the_update_every_modified_date_is_a_release(builds) -> None:
    dates = _modified_dates(builds["before"])
    part1 = datetime(2025, 1, 6, 0, tzinfo=UTC)  # 09:00 Tokyo
    assert dates == {
        "rss lastBuildDate": NEWEST_RELEASE, "atom feed updated": NEWEST_RELEASE,
        "atom entry updated": part1, "json date_modified": part1,
        "epub dcterms:modified": NEWEST_RELEASE,
        "ics DTSTAMP": NEWEST_RELEASE, "json-ld dateModified": part1,
        "fragments.json part": part1, "fragments.json series": NEWEST_RELEASE,
        "pdf ModDate": part1, "booklet ModDate": NEWEST_RELEASE,
    }
    assert _dc_date(builds["before"]) == "2025-01-20"  # in the series zone, Tokyo
    out = builds["before"]
    assert "Updated" not in (out / "html/plain-and-quoted.html").read_text("utf-8")
    with zipfile.ZipFile(out / "epub/yaml-styles.epub") as z:
        assert "Updated" not in z.read("EPUB/part-01.xhtml").decode()


def test_once_as_of_passes_updated_at_the_update_shows(builds) -> None:
    dates = _modified_dates(builds["after"])
    assert dates == {key: UPDATE for key in dates}
    assert _dc_date(builds["after"]) == "2025-02-02"  # in the series zone, Tokyo
    out = builds["after"]
    fragment = (out / "html/plain-and-quoted.html").read_text("utf-8")
    assert 'Updated <time datetime="2025-02-02T10:00:00+09:00">Feb 2, 2025</time>' in fragment
    with zipfile.ZipFile(out / "epub/yaml-styles.epub") as z:
        assert "Published Jan 6, 2025 · Updated Feb 2, 2025" in z.read(
            "EPUB/part-01.xhtml").decode()
    for pdf in ("pdf/01-plain-and-quoted.pdf", "pdf/booklet.pdf"):
        text = " ".join(subprocess.run([require("pdftotext"), str(out / pdf), "-"],
                                       capture_output=True, text=True, check=True
                                       ).stdout.split())
        assert "Published January 6, 2025 · Updated February 2, 2025" in text, pdf


def test_crossing_updated_at_changes_the_input_hash(builds) -> None:
    # The source did not change, only as_of: what shows part 1's dates is made again...
    rendered = builds["rendered"]
    assert rendered >= PART1 | {"feed/rss.xml", "feed/atom.xml", "feed/feed.json",
                                "feed/schedule.ics", "epub/yaml-styles.epub",
                                "pdf/booklet.pdf", "html/hub.html", "html/fragments.json"}
    # ...and what does not show them is not.
    assert not rendered & {"pdf/02-double-quoted.pdf", f"pdf/{BRAND}/03-block-scalars.pdf",
                           "html/double-quoted.html", "html/cards/block-scalars.html"}


def test_booklet_before_the_first_release_has_no_date_to_come() -> None:
    # Nothing is out yet: the booklet lists what is coming, dated by nothing rather than by
    # the first release (which is still ahead).
    data = ketapub.render(FIXTURE, "pdf", as_of="2025-01-01T00:00:00+00:00",
                          path="pdf/booklet.pdf")["pdf/booklet.pdf"]
    meta = pypdf.PdfReader(io.BytesIO(data)).metadata
    assert meta.title and meta.creation_date is None and meta.modification_date is None
