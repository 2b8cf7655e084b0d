"""The EPUB renderer: package document, nav and NCX by XPath, real EPUBCheck (and Ace by
DAISY) runs, byte-identical rebuilds, unreleased text kept out, accessible structure.

Each book is built once per module and each validator runs once per book.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree

import ketapub
from ketapub.i18n import LABELS
from tests.conftest import CONTENT_AS_OF, SINK, SINK_AS_OF
from tests.tools import NODE_MODULES, chromium, epubcheck

ALL_OUT = "2025-10-01T00:00:00+00:00"  # every part of the example series is out
SPANISH = "epub/clinical-science-of-ketamine-therapy.es.epub"
NS = {
    "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
OPF = "EPUB/content.opf"


def make(series: ketapub.Series, as_of: str) -> bytes:
    (data,) = ketapub.render(series, "epub", as_of=as_of).values()
    return data


def entries(book: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        return {n: z.read(n) for n in z.namelist()}


def xml(data: bytes) -> etree._Element:
    return etree.fromstring(data)


@pytest.fixture(scope="module")
def books(content_series, content_editions, sink_series, tmp_path_factory) -> dict[str, Path]:
    """The three books the issue names and the Spanish edition of the example (two parts
    still to come), written once for the validators."""
    out = tmp_path_factory.mktemp("epub")
    made = {
        "content": make(content_series, CONTENT_AS_OF),
        "content-all": make(content_series, ALL_OUT),
        "sink": make(sink_series, SINK_AS_OF),
        "content-es": ketapub.render(content_editions, "epub", as_of=CONTENT_AS_OF,
                                     path=SPANISH)[SPANISH],
    }
    paths = {}
    for name, data in made.items():
        paths[name] = out / f"{name}.epub"
        paths[name].write_bytes(data)
    return paths


@pytest.fixture(scope="module")
def sink(books) -> dict[str, bytes]:
    return entries(books["sink"].read_bytes())


@pytest.fixture(scope="module")
def content(books) -> dict[str, bytes]:
    return entries(books["content"].read_bytes())


@pytest.fixture(scope="module")
def spanish(books) -> dict[str, bytes]:
    return entries(books["content-es"].read_bytes())


def xhtml_docs(files: dict[str, bytes]) -> dict[str, etree._Element]:
    return {n: xml(d) for n, d in sorted(files.items()) if n.endswith(".xhtml")}


# --- validators ---------------------------------------------------------------------------

def run_ace(book: Path, outdir: Path) -> dict:
    ace = NODE_MODULES / ".bin" / "ace-puppeteer"
    assert ace.exists(), "Ace by DAISY is not installed; run `make test`, which installs it"
    proc = subprocess.run(
        [str(ace), "--silent", "--force", "--outdir", str(outdir), str(book)],
        capture_output=True, text=True, timeout=240,
        env={**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium()})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((outdir / "report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validated(books, tmp_path_factory) -> dict[tuple[str, str], object]:
    """EPUBCheck on each book and Ace on three, once each, side by side."""
    out = tmp_path_factory.mktemp("ace")
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = {("epubcheck", n): pool.submit(epubcheck, p) for n, p in books.items()}
        runs |= {("ace", n): pool.submit(run_ace, books[n], out / n)
                 for n in ("sink", "content", "content-es")}
        return {key: f.result() for key, f in runs.items()}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["content", "content-all", "sink", "content-es"])
def test_epubcheck_reports_nothing(validated, name):
    result = validated["epubcheck", name]
    assert (result.fatals, result.errors, result.warnings) == (0, 0, 0), result.output


@pytest.mark.slow
@pytest.mark.parametrize("name", ["content", "sink", "content-es"])
def test_ace_by_daisy_finds_no_violations(validated, name):
    data = validated["ace", name]
    found = [(a["earl:testSubject"]["url"], b["earl:test"]["dct:title"])
             for a in data["assertions"] for b in a.get("assertions", [])]
    assert found == [] and data["earl:result"]["earl:outcome"] == "pass"
    meta = data["a11y-metadata"]
    assert meta["empty"] == []
    assert {"schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
            "schema:accessibilityHazard", "schema:accessibilitySummary",
            "dcterms:conformsTo"} <= set(meta["present"])


# --- reproducibility and the container ------------------------------------------------------

def test_rebuild_is_byte_identical(books):
    # A fresh load and render of the same source and instant: the same bytes.
    assert make(ketapub.load(SINK), SINK_AS_OF) == books["sink"].read_bytes()


def test_rebuild_in_another_process_is_byte_identical(books, tmp_path):
    # Another interpreter with another hash seed, through the CLI: still the same bytes.
    cmd = [sys.executable, "-c", "from ketapub.cli import main; main()", "build", str(SINK),
           "-o", str(tmp_path), "--format", "epub", "--as-of", SINK_AS_OF]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240,
                          env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (made,) = (tmp_path / "epub").glob("*.epub")
    assert made.read_bytes() == books["sink"].read_bytes()


def test_build_instant_does_not_leak_into_the_book(sink_series, books):
    # Same released parts at a later instant: the same book, byte for byte (no clock).
    assert make(sink_series, "2029-12-31T00:00:00+00:00") == books["sink"].read_bytes()


def test_container_order_timestamps_and_mimetype(books, sink_series):
    with zipfile.ZipFile(books["sink"]) as z:
        infos = z.infolist()
    assert infos[0].filename == "mimetype"
    assert infos[0].compress_type == zipfile.ZIP_STORED and infos[0].extra == b""
    assert books["sink"].read_bytes()[30:38] == b"mimetype"
    names = [i.filename for i in infos]
    assert names[1:3] == ["META-INF/container.xml", OPF]
    assert names[3:] == sorted(names[3:])
    modified = max(p.updated_at or p.publish_at for p in sink_series.parts[:2]).astimezone(UTC)
    assert {i.date_time for i in infos} == {modified.timetuple()[:6]}
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos[1:])


# --- package document ---------------------------------------------------------------------

def test_opf_metadata(sink, sink_series):
    opf = xml(sink[OPF])
    md = opf.find("opf:metadata", NS)

    def meta(prop: str) -> list[str]:
        return [m.text for m in md.xpath(f"opf:meta[@property='{prop}']", namespaces=NS)]

    uid = opf.get("unique-identifier")
    assert md.xpath(f"dc:identifier[@id='{uid}']/text()", namespaces=NS) == [
        sink_series.identifier]
    assert opf.get(XML_LANG) == "en-GB"
    assert md.xpath("dc:title[@id='title']/text()", namespaces=NS) == [sink_series.title]
    assert md.xpath("dc:language/text()", namespaces=NS) == ["en-GB"]
    assert md.xpath("dc:publisher/text()", namespaces=NS) == ["Sink & Sons Publishing"]
    assert md.xpath("dc:description/text()", namespaces=NS) == [sink_series.description]
    assert md.xpath("dc:rights/text()", namespaces=NS) == ["License: CC-BY-4.0"]
    assert md.xpath("dc:subject/text()", namespaces=NS) == ["testing", "unicode ü"]
    creators = md.xpath("dc:creator", namespaces=NS)
    assert [c.text for c in creators] == ["Ada Lovelace", "Grace Hopper"]
    ids = [c.get("id") for c in creators]
    assert len(set(ids)) == 2
    roles = [md.xpath(f"opf:meta[@refines='#{i}'][@property='role']", namespaces=NS)[0]
             for i in ids]
    assert [(r.text, r.get("scheme")) for r in roles] == [("aut", "marc:relators"),
                                                         ("edt", "marc:relators")]
    (modified,) = meta("dcterms:modified")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", modified)
    # Part 2 (2025-02-10 09:00 Europe/London, i.e. UTC) is the newest released change.
    assert modified == "2025-02-10T09:00:00Z"
    (coll,) = md.xpath("opf:meta[@property='belongs-to-collection']", namespaces=NS)
    assert coll.text == sink_series.title
    refines = f"opf:meta[@refines='#{coll.get('id')}']"
    assert md.xpath(f"{refines}[@property='group-position']/text()", namespaces=NS) == ["1"]
    assert md.xpath(f"{refines}[@property='collection-type']/text()", namespaces=NS) == [
        "series"]


def test_opf_accessibility_metadata(content):
    md = xml(content[OPF]).find("opf:metadata", NS)

    def meta(prop: str) -> list[str]:
        return [m.text for m in md.xpath(f"opf:meta[@property='{prop}']", namespaces=NS)]

    assert set(meta("schema:accessMode")) == {"textual", "visual"}
    assert meta("schema:accessModeSufficient") == ["textual"]
    assert {"structuralNavigation", "tableOfContents", "alternativeText",
            "readingOrder"} <= set(meta("schema:accessibilityFeature"))
    assert meta("schema:accessibilityHazard") == ["none"]
    (summary,) = meta("schema:accessibilitySummary")
    assert len(summary) > 80
    assert meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert meta("a11y:certifiedBy") == ["ketapub Example Press"]


def test_manifest_and_spine(sink):
    opf = xml(sink[OPF])
    items = {i.get("id"): i for i in opf.xpath("//opf:manifest/opf:item", namespaces=NS)}
    for item in items.values():
        assert "EPUB/" + unquote(item.get("href")) in sink
    listed = {"EPUB/" + unquote(i.get("href")) for i in items.values()}
    assert listed == set(sink) - {"mimetype", "META-INF/container.xml", OPF}
    assert [i.get("href") for i in items.values() if "nav" in i.get("properties", "")] == [
        "nav.xhtml"]
    (cover,) = [i for i in items.values() if i.get("properties") == "cover-image"]
    assert cover.get("media-type").startswith("image/")
    spine = [items[r.get("idref")].get("href") for r in opf.xpath("//opf:spine/opf:itemref",
                                                                  namespaces=NS)]
    assert spine == ["cover.xhtml", "titlepage.xhtml", "notice.xhtml", "nav.xhtml",
                     "part-01.xhtml", "part-02.xhtml", "coming-soon.xhtml"]
    assert opf.xpath("//opf:spine/@toc", namespaces=NS) == ["ncx"]
    assert items["ncx"].get("media-type") == "application/x-dtbncx+xml"


# --- navigation -----------------------------------------------------------------------------

def test_nav_toc_and_landmarks(content):
    nav = xml(content["EPUB/nav.xhtml"])
    (toc,) = nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)
    top = toc.xpath("x:ol/x:li/x:a", namespaces=NS)
    hrefs = [a.get("href") for a in top]
    assert hrefs == ["titlepage.xhtml", "notice.xhtml", "part-01.xhtml", "part-02.xhtml",
                     "part-03.xhtml", "part-04.xhtml", "coming-soon.xhtml"]
    assert top[2].text.startswith("Part 1: ")
    # Sections of a part are nested under it and point at real ids.
    nested = toc.xpath("x:ol/x:li[3]/x:ol/x:li/x:a/@href", namespaces=NS)
    part1 = xml(content["EPUB/part-01.xhtml"])
    assert nested and all(part1.xpath(f"//*[@id='{h.split('#')[1]}']") for h in nested)
    # Unreleased parts: on the contents page as title and "Available <date>" without a link
    # (the contract); the nav itself links only the "Coming soon" page.
    assert not toc.xpath("x:ol/x:li[last()]/x:ol", namespaces=NS)
    (upcoming,) = nav.xpath("//x:section[@class='toc-upcoming']", namespaces=NS)
    items = [" ".join("".join(li.itertext()).split())
             for li in upcoming.xpath(".//x:li", namespaces=NS)]
    assert items == ["Part 5: Ketamine for chronic pain (Available Sep 8, 2025)",
                     "Part 6: The patient experience: integrating science with self "
                     "(Available Sep 15, 2025)"]
    assert not upcoming.xpath(".//x:a", namespaces=NS)
    marks = {a.get(EPUB_TYPE): a.get("href")
             for a in nav.xpath("//x:nav[@epub:type='landmarks']//x:a", namespaces=NS)}
    assert marks == {"cover": "cover.xhtml", "titlepage": "titlepage.xhtml",
                     "toc": "nav.xhtml#toc", "bodymatter": "part-01.xhtml"}


def test_ncx_matches_the_nav(content, content_series):
    ncx = xml(content["EPUB/toc.ncx"])
    assert ncx.xpath("//ncx:meta[@name='dtb:uid']/@content", namespaces=NS) == [
        content_series.identifier]
    nav = xml(content["EPUB/nav.xhtml"])
    nav_top = nav.xpath("//x:nav[@epub:type='toc']/x:ol/x:li/x:a/@href", namespaces=NS)
    assert ncx.xpath("/ncx:ncx/ncx:navMap/ncx:navPoint/ncx:content/@src",
                     namespaces=NS) == nav_top
    all_nav = nav.xpath("//x:nav[@epub:type='toc']//x:a/@href", namespaces=NS)
    points = ncx.xpath("//ncx:navPoint", namespaces=NS)
    assert [p.find("ncx:content", NS).get("src") for p in points] == all_nav
    assert [int(p.get("playOrder")) for p in points] == list(range(1, len(points) + 1))
    assert len({p.get("id") for p in points}) == len(points)


# --- content --------------------------------------------------------------------------------

def test_unreleased_text_absent(sink):
    assert "EPUB/part-03.xhtml" not in sink
    for name, data in sink.items():
        assert b"SECRET-UNRELEASED-TEXT" not in data, name
    soon = xml(sink["EPUB/coming-soon.xhtml"])
    text = " ".join(soon.itertext())
    assert "Future part" in text and "Available 1 Jan 2030" in text
    assert not soon.xpath("//x:a", namespaces=NS)


def test_all_parts_out_gives_six_parts_and_no_coming_soon(books):
    files = entries(books["content-all"].read_bytes())
    assert sorted(n for n in files if re.fullmatch(r"EPUB/part-\d\d\.xhtml", n)) == [
        f"EPUB/part-0{n}.xhtml" for n in range(1, 7)]
    assert "EPUB/coming-soon.xhtml" not in files


def test_part_links_are_internal_and_resolve(sink):
    part1 = xml(sink["EPUB/part-01.xhtml"])
    hrefs = part1.xpath("//x:a[@class='xref']/@href", namespaces=NS)
    assert hrefs == ["part-02.xhtml", "part-02.xhtml#p2.details"]
    assert part1.xpath("//x:span[@class='xref-unreleased']", namespaces=NS)
    for name, doc in xhtml_docs(sink).items():
        base = PurePosixPath(name).parent
        for href in doc.xpath("//x:a/@href | //x:img/@src", namespaces=NS):
            url = urlsplit(href)
            if url.scheme:
                continue
            target = str(base / unquote(url.path)) if url.path else name
            assert target in sink, f"{name}: {href}"
            if url.fragment:
                assert xml(sink[target]).xpath(f"//*[@id='{url.fragment}']"), f"{name}: {href}"


def test_footnotes_are_epub3_notes_with_backlinks(sink):
    doc = xml(sink["EPUB/part-01.xhtml"])
    refs = doc.xpath("//x:a[@epub:type='noteref']", namespaces=NS)
    assert refs
    for ref in refs:
        assert ref.get("role") == "doc-noteref"
        (note,) = doc.xpath(f"//*[@id='{ref.get('href')[1:]}']")
        assert note.tag == f"{{{NS['x']}}}aside" and note.get(EPUB_TYPE) == "footnote"
        assert note.get("role") == "doc-footnote"
        backs = note.xpath(f".//x:a[@href='#{ref.get('id')}']", namespaces=NS)
        assert [b.get("role") for b in backs] == ["doc-backlink"]


def test_references_numbered_per_part(sink):
    doc = xml(sink["EPUB/part-01.xhtml"])
    (section,) = doc.xpath("//x:section[@epub:type='bibliography']", namespaces=NS)
    items = section.xpath("x:ol/x:li", namespaces=NS)
    assert [li.get("id") for li in items] == ["p1.ref.knuth1984", "p1.ref.lamport1994"]
    assert [li.get("value") for li in items] == ["1", "2"]
    assert "https://doi.org/10.1093/comjnl/27.2.97" in "".join(items[0].itertext())
    cites = doc.xpath("//x:a[@role='doc-biblioref']/@href", namespaces=NS)
    assert set(cites) == {"#p1.ref.knuth1984", "#p1.ref.lamport1994"}


@pytest.mark.parametrize("book", ["sink", "content"])
def test_heading_structure(book, sink, content):
    files = {"sink": sink, "content": content}[book]
    for name, doc in xhtml_docs(files).items():
        levels = [int(h.tag[-1]) for h in doc.iter()
                  if isinstance(h.tag, str) and re.fullmatch(r"\{[^}]+\}h[1-6]", h.tag)]
        if re.search(r"part-\d\d\.xhtml$", name):
            assert levels.count(1) == 1 and levels[0] == 1, name
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, f"{name}: h{before} then h{after}"


@pytest.mark.parametrize("book", ["sink", "content", "content-es"])
def test_language_on_every_document(book, sink, content, spanish, sink_series,
                                    content_series):
    files = {"sink": sink, "content": content, "content-es": spanish}[book]
    lang = {"sink": sink_series.language, "content": content_series.language,
            "content-es": "es"}[book]
    docs = xhtml_docs(files)
    assert len(docs) >= 6
    for name, doc in docs.items():
        assert (doc.get("lang"), doc.get(XML_LANG)) == (lang, lang), name
        # no element inside says another language
        assert {e.get("lang") for e in doc.iter() if e.get("lang")} == {lang}, name
        assert {e.get(XML_LANG) for e in doc.iter() if e.get(XML_LANG)} == {lang}, name
    assert xml(files["EPUB/toc.ncx"]).get(XML_LANG) == lang
    opf = xml(files[OPF])
    assert opf.get(XML_LANG) == lang
    assert opf.xpath("//dc:language/text()", namespaces=NS) == [lang]


def test_spanish_nav_and_landmarks_say_spanish_labels(spanish, content_editions):
    es = LABELS["es"]
    nav = xml(spanish["EPUB/nav.xhtml"])
    assert nav.xpath("//x:title/text()", namespaces=NS) == [es["contents"]]
    assert nav.xpath("//x:nav[@epub:type='toc']/x:h1/text()", namespaces=NS) == [
        es["contents"]]
    assert nav.xpath("//x:nav[@epub:type='landmarks']/x:h2/text()", namespaces=NS) == [
        es["landmarks"]]
    marks = {a.get(EPUB_TYPE): a.text
             for a in nav.xpath("//x:nav[@epub:type='landmarks']//x:a", namespaces=NS)}
    edition = content_editions.edition("es")
    assert marks == {"cover": es["cover"], "titlepage": es["titlepage"],
                     "toc": es["contents"], "bodymatter": es["start"]}
    (toc,) = nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)
    top = [" ".join("".join(a.itertext()).split())
           for a in toc.xpath("x:ol/x:li/x:a", namespaces=NS)]
    released = [p for p in edition.parts if p.part <= 4]
    assert top == [es["titlepage"], es["notice"],
                   *(f"{es['part'].format(n=p.part)}: {p.title}" for p in released),
                   es["coming_soon"]]
    (upcoming,) = nav.xpath("//x:section[@class='toc-upcoming']", namespaces=NS)
    items = [" ".join("".join(li.itertext()).split())
             for li in upcoming.xpath(".//x:li", namespaces=NS)]
    assert items == ["Parte 5: La ketamina para el dolor crónico (Disponible el 8 sept 2025)",
                     "Parte 6: La experiencia del paciente: unir la ciencia con uno mismo "
                     "(Disponible el 15 sept 2025)"]
    ncx = xml(spanish["EPUB/toc.ncx"])
    assert ncx.xpath("//ncx:docTitle/ncx:text/text()", namespaces=NS) == [edition.title]


def test_images_are_packaged_with_alt_text(sink, content):
    for files in (sink, content):
        for name, doc in xhtml_docs(files).items():
            for img in doc.xpath("//x:img", namespaces=NS):
                assert img.get("alt", "").strip(), name
                assert "EPUB/" + unquote(img.get("src")) in files
    assert "EPUB/media/assets/diagram.svg" in sink
    assert "EPUB/media/assets/logo.svg" not in sink  # a brand logo the book never shows


def test_two_way_table_gets_row_headers(content):
    doc = xml(content["EPUB/part-03.xhtml"])
    assert not [th for th in doc.xpath("//x:th", namespaces=NS) if not "".join(th.itertext())]
    assert doc.xpath("//x:tbody/x:tr/x:th[@scope='row']", namespaces=NS)


def test_generated_cover_is_a_png_drawn_from_the_series(sink, sink_series):
    from PIL import Image

    from ketapub.renderers.epub_cover import HEIGHT, WIDTH, cover_png

    opf = xml(sink[OPF])
    (item,) = opf.xpath("//opf:item[@properties='cover-image']", namespaces=NS)
    assert (item.get("href"), item.get("media-type")) == ("cover.png", "image/png")
    image = Image.open(io.BytesIO(sink["EPUB/cover.png"]))
    assert (image.format, image.size) == ("PNG", (WIDTH, HEIGHT))
    page = xml(sink["EPUB/cover.xhtml"])
    (img,) = page.xpath("//x:img", namespaces=NS)
    assert img.get("src") == "cover.png"
    for words in (sink_series.title, "Every construct", "Sink & Sons Publishing"):
        assert words in img.get("alt")
    # the text is drawn: another title, subtitle or publisher, another image
    cover = sink["EPUB/cover.png"]
    text = (sink_series.title, sink_series.subtitle, sink_series.publisher)
    for i, other in enumerate(("Another title", "Another subtitle", "Another Press")):
        assert cover_png(*text[:i], other, *text[i + 1:]) != cover, other
    # the same text gives the same bytes in a fresh process (another hash seed)
    code = ("import sys; from ketapub.renderers.epub_cover import cover_png; "
            "sys.stdout.buffer.write(cover_png(*sys.argv[1:]))")
    fresh = subprocess.run([sys.executable, "-c", code, *text], capture_output=True,
                           check=True, timeout=120, env={**os.environ, "PYTHONHASHSEED": "7"})
    assert fresh.stdout == cover


def test_cover_text_wraps_cuts_long_words_and_ends_in_an_ellipsis():
    from ketapub.renderers.epub_cover import _font, wrap

    font = _font("Bold", 100)
    lines = wrap("The Clinical Science of Ketamine Therapy", font, 1280, 6)
    assert len(lines) > 1 and all(font.getlength(x) <= 1280 for x in lines)
    assert " ".join(lines) == "The Clinical Science of Ketamine Therapy"
    long = wrap("W" * 200, font, 1280, 6)
    assert all(font.getlength(x) <= 1280 for x in long) and "".join(long).startswith("WWW")
    assert long[-1].endswith("\u2026") and len(long) == 6


def test_series_cover_is_used(sink_copy):
    (sink_copy / "assets" / "cover.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 15"><rect width="10" '
        'height="15" fill="#123"/></svg>', encoding="utf-8")
    yaml = sink_copy / "series.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + 'cover: "assets/cover.svg"\n',
                    encoding="utf-8")
    files = entries(make(ketapub.load(sink_copy), SINK_AS_OF))
    opf = xml(files[OPF])
    assert opf.xpath("//opf:item[@properties='cover-image']/@href", namespaces=NS) == [
        "media/assets/cover.svg"]
    assert "EPUB/cover.svg" not in files


def test_no_book_before_the_first_release(sink_series):
    assert ketapub.render(sink_series, "epub", as_of="2024-01-01T00:00:00+00:00") == {}


def test_note_markers_are_raised_numbers_and_citations_stay_bracketed(sink):
    page = sink["EPUB/part-01.xhtml"].decode()
    para = re.search(r"A citation .*?A footnote<sup.*?</sup>\.", page)[0]
    assert re.sub(r"<[^>]*>", "", para) == "A citation [1] and two at once [1, 2]. A footnote1."
    assert re.search(r'<sup class="footnote-ref"><a [^>]*aria-label="Note 1"[^>]*>1</a></sup>',
                     para)
    assert para.count('aria-label="Reference ') == 3
