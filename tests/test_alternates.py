"""Every language version links all the others (issue 18, item 2): hreflang in the preview
and embed pages, Atom alternates, JSON-LD translations, "This page in" in fragments and
handouts.

The walk builds content/ (English and Spanish) once, collects every language link of every
page, follows each to the file or part it names, and asserts the links are reciprocal: the
versions of one page all list the same set (themselves included), with the original as
x-default. The schedule test uses the translation fixture series, whose Spanish part 3 comes
out a month after the English one.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import feedparser
import pikepdf
import pypdf
import pytest
from conftest import CONTENT, CONTENT_AS_OF, english_only
from lxml import etree, html
from pdfua_rules import check

import ketapub
from ketapub import schedule
from ketapub import watch_preview as preview
from ketapub.watch_events import State
from tests.test_translations import SPANISH_THIRD_OUT, translated

ATOM = "{http://www.w3.org/2005/Atom}"
AS_OF = datetime.fromisoformat(CONTENT_AS_OF)
Links = dict[str, str]
"""hreflang -> URL, x-default included."""


@pytest.fixture(scope="module")
def series() -> ketapub.Series:
    return ketapub.load(CONTENT)


@pytest.fixture(scope="module")
def out(series, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("alternates") / "out"
    result = ketapub.build(series, out, as_of=CONTENT_AS_OF, formats="html,embed,atom,api")
    assert result.ok, result.errors
    return out


def _jsonld(article: html.HtmlElement) -> dict:
    script = next(s for s in article.iter("script") if s.get("type") == "application/ld+json")
    return next(n for n in json.loads(script.text)["@graph"] if n["@type"] == "Article")


def _lines(page: html.HtmlElement) -> dict[str, tuple[str, Links]]:
    """Each "This page in" line of a page, by the URL of the part its fragment shows (read
    from the fragment's JSON-LD): the fragment's language and the languages it names, its
    own (the entry marked aria-current, not a link) at that URL."""
    found = {}
    for nav in page.find_class("ketapub-languages"):
        article = next(nav.iterancestors("article"))
        own = _jsonld(article)["url"]
        shown = {a.get("hreflang"): a.get("href") for a in nav.iter("a")}
        current = [s for s in nav.iter("span") if s.get("aria-current") == "page"]
        assert len(current) == 1 and not any(a.get("aria-current") for a in nav.iter("a"))
        assert all(a.get("lang") == a.get("hreflang") for a in nav.iter("a"))
        shown[current[0].get("lang")] = own
        found[own] = (article.get("lang"), shown)
    return found


@pytest.fixture(scope="module")
def links(series, out) -> dict[str, dict[str, tuple[str, Links]]]:
    """kind -> a page's own URL -> (its language, the language links it shows, its own
    included): ``head`` the hreflang links of preview and embed pages, ``line`` the "This
    page in" lines (a fragment's, also inside its embed page and the preview: the same
    each time), ``atom`` a feed's, ``entry`` an Atom entry's."""
    base = series.base_url
    found: dict[str, dict[str, tuple[str, Links]]] = {"head": {}, "line": {}, "atom": {},
                                                      "entry": {}}
    for path in sorted(out.rglob("*.html")):
        page = html.fromstring(path.read_text("utf-8"))
        head = {e.get("hreflang"): e.get("href") for e in page.iter("link")
                if e.get("rel") == "alternate" and e.get("hreflang")}
        if head:
            found["head"][base + path.relative_to(out).as_posix()] = (page.get("lang"), head)
        for own, line in _lines(page).items():
            assert found["line"].setdefault(own, line) == line, f"{path}: {own}'s line differs"
    for feed in sorted(out.rglob("atom.xml")):
        root = etree.parse(str(feed)).getroot()
        lang = root.get("{http://www.w3.org/XML/1998/namespace}lang")
        own = next(e.get("href") for e in root.findall(f"{ATOM}link") if e.get("rel") == "self")
        shown = {e.get("hreflang"): e.get("href") for e in root.findall(f"{ATOM}link")
                 if e.get("hreflang")}
        found["atom"][own] = (lang, {**shown, lang: own})
        for entry in root.findall(f"{ATOM}entry"):
            shown = {e.get("hreflang"): e.get("href") for e in entry.findall(f"{ATOM}link")
                     if e.get("hreflang")}
            found["entry"][entry.findtext(f"{ATOM}id")] = (lang, shown)
    return found


def _part_at(series: ketapub.Series, url: str) -> tuple[ketapub.Series, object] | None:
    for edition in series.editions:
        for part in edition.parts:
            if edition.part_url(part) == url:
                return edition, part
    return None


def test_every_kind_of_page_carries_language_links(links, series):
    # the preview pages (2), the embed pages of the four parts out (8), their fragments (8),
    # both Atom feeds and their entries (4 each)
    assert {k: len(v) for k, v in links.items()} == {"head": 10, "line": 8, "atom": 2,
                                                     "entry": 8}
    assert [e.language for e in series.editions] == ["en-US", "es"]


def test_language_links_are_reciprocal_and_agree_on_x_default(links, series, out):
    base = series.base_url
    original = series.language
    for kind, pages in links.items():
        for own, (lang, shown) in pages.items():
            assert shown.get(lang) == own, f"{own} does not list itself as {lang}"
            assert set(shown) - {"x-default"} == {e.language for e in series.editions}
            if "x-default" in shown or kind == "head":
                assert shown["x-default"] == shown[original], own
            for other_lang, url in shown.items():
                if other_lang == "x-default":
                    continue
                # followed: the other version exists and lists exactly the same set
                assert url in pages, f"{own} links {url}, which has no {kind} links"
                assert pages[url] == (other_lang, shown), f"{own} and {url} disagree"
                if kind in ("head", "atom"):  # a file of this build
                    assert (out / url.removeprefix(base)).is_file(), url
                else:  # a part's page: that edition's part, out as of the build
                    found = _part_at(series, url)
                    assert found is not None, url
                    edition, part = found
                    assert edition.language == other_lang
                    assert schedule.published(part, AS_OF)


def test_json_ld_links_each_translation_and_its_original(series, out):
    """workTranslation on the original's Article and MedicalWebPage, translationOfWork on
    the translation's, each naming the other's node, inLanguage on both."""
    checked = 0
    for fragment in sorted((out / "html").glob("*.html")):
        if fragment.name in ("index.html", "hub.html"):
            continue
        en = _jsonld(html.fromstring(fragment.read_text("utf-8")))
        es = _jsonld(html.fromstring((out / "html/es" / fragment.name).read_text("utf-8")))
        assert en["inLanguage"] == "en-US" and es["inLanguage"] == "es"
        assert en["workTranslation"] == [{"@type": "Article", "@id": es["@id"],
                                          "url": es["url"], "inLanguage": "es"}]
        assert es["translationOfWork"] == {"@type": "Article", "@id": en["@id"],
                                           "url": en["url"], "inLanguage": "en-US"}
        assert "translationOfWork" not in en and "workTranslation" not in es
        api_en = json.loads((out / "api/parts" / fragment.with_suffix(".json").name).read_text())
        api_es = json.loads((out / "api/es/parts" / fragment.with_suffix(".json").name)
                            .read_text())
        assert api_en["workTranslation"] == [{"@type": "MedicalWebPage", "@id": api_es["@id"],
                                              "url": api_es["url"], "inLanguage": "es"}]
        assert api_es["translationOfWork"]["@id"] == api_en["@id"] == api_en["url"]
        checked += 1
    assert checked == 4


def test_the_line_names_languages_in_themselves(out):
    fragment = html.fromstring((out / "html/es/spravato-explained.html").read_text("utf-8"))
    nav = fragment.find_class("ketapub-languages")[0]
    assert nav.get("aria-label") == "Idiomas: Spravato (esketamina) explicado"  # one per part
    assert " ".join(nav.text_content().split()) == "Esta página en: English | Español"


def test_atom_feeds_parse_with_their_language_links(out, series):
    feed = feedparser.parse((out / "feed/atom.xml").read_bytes())
    assert not feed.bozo
    spanish = [link.href for link in feed.feed.links if link.get("hreflang") == "es"]
    assert spanish == [series.base_url + "feed/es/atom.xml"]
    entry = feed.entries[0]
    assert entry.link == series.base_url + "beyond-depression/"  # still the entry's own page
    own = series.base_url + "beyond-depression/"
    assert [(link.get("hreflang"), link.href) for link in entry.links
            if link.rel == "alternate"] == [
        (None, own), ("es", series.base_url + "es/beyond-depression/"), ("en-US", own)]


def test_the_watch_preview_links_each_language_preview(series, out):
    state = State(1)
    page = html.fromstring(preview.page(out, "T", state, preview.preview_editions(series)))
    head = [(e.get("hreflang"), e.get("href")) for e in page.iter("link") if e.get("hreflang")]
    assert head == [("en-US", "/html/index.html"), ("x-default", "/html/index.html"),
                    ("es", "/html/es/index.html")]
    line = page.get_element_by_id("ketapub-languages")
    assert [(a.get("hreflang"), a.text) for a in line.iter("a")] == [
        ("en-US", "English"), ("es", "Español")]
    # an untranslated series: no line, no hreflang
    alone = html.fromstring(preview.page(out, "T", state,
                                         preview.preview_editions(english_only(series))))
    assert not [e for e in alone.iter("link") if e.get("hreflang")]
    assert not alone.xpath('//*[@id="ketapub-languages"]')


# --- the schedule: a translation not yet out is linked nowhere -----------------------------

@pytest.fixture(scope="module")
def release(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """The fixture series built one second before the Spanish part 3 comes out, then at that
    instant into the same folder (an incremental build: the English files of part 3 must be
    made again). Files of part 3 by path, per instant."""
    src = translated(tmp_path_factory.mktemp("translated") / "src")
    out = src.parent / "out"
    wanted = ["html/third.html", "embed/third.html", "feed/atom.xml", "api/parts/third.json",
              "pdf/03-third.pdf"]
    seen = {}
    for name, when in (("before", SPANISH_THIRD_OUT - timedelta(seconds=1)),
                       ("at", SPANISH_THIRD_OUT)):
        result = ketapub.build(src, out, as_of=when, formats="html,embed,atom,api,pdf")
        assert result.ok, result.errors
        seen[name] = {p: (out / p).read_bytes() for p in wanted}
        seen[name]["spanish"] = (out / "pdf/es/01-first.pdf").read_bytes()
        if name == "at":
            seen[name]["es-third"] = (out / "pdf/es/03-tercera.pdf").read_bytes()
    return seen


def _third_entry(feed: bytes) -> list[tuple[str, str]]:
    root = etree.fromstring(feed)
    entry = next(e for e in root.findall(f"{ATOM}entry")
                 if e.findtext(f"{ATOM}id") == "https://example.org/sample/third/")
    return [(e.get("hreflang"), e.get("href")) for e in entry.findall(f"{ATOM}link")
            if e.get("hreflang")]


def _pdf_links(data: bytes) -> list[str]:
    """The links of a handout to other handouts (its language line's)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [str(a.A.URI) for page in pdf.pages for a in page.get("/Annots", [])
                if a.get("/Subtype") == "/Link" and "/A" in a and "/URI" in a.A
                and "/pdf/" in str(a.A.URI)]


def test_a_translation_is_linked_from_its_release_on_never_before(release):
    before, at = release["before"], release["at"]
    spanish = "https://example.org/sample/es/tercera/"
    assert b"ketapub-languages" not in before["html/third.html"]
    assert b"workTranslation" not in before["html/third.html"]
    assert f'href="{spanish}" lang="es" hreflang="es"'.encode() in at["html/third.html"]
    assert b"workTranslation" in at["html/third.html"]
    assert b"hreflang" not in before["embed/third.html"]
    assert (b'hreflang="es" href="https://example.org/sample/embed/es/tercera.html"'
            in at["embed/third.html"])
    assert _third_entry(before["feed/atom.xml"]) == []
    assert _third_entry(at["feed/atom.xml"]) == [
        ("es", spanish), ("en", "https://example.org/sample/third/")]
    assert b"workTranslation" not in before["api/parts/third.json"]
    assert json.loads(at["api/parts/third.json"])["workTranslation"][0]["url"] == spanish
    assert _pdf_links(before["pdf/03-third.pdf"]) == []
    assert _pdf_links(at["pdf/03-third.pdf"]) == [
        "https://example.org/sample/pdf/es/03-tercera.pdf"]


def test_handouts_carry_the_line_tagged_for_pdf_ua(release, tmp_path):
    assert _pdf_links(release["at"]["es-third"]) == ["https://example.org/sample/pdf/03-third.pdf"]
    assert _pdf_links(release["at"]["spanish"]) == ["https://example.org/sample/pdf/01-first.pdf"]
    for name, data in (("en.pdf", release["at"]["pdf/03-third.pdf"]),
                       ("es.pdf", release["at"]["es-third"])):
        (tmp_path / name).write_bytes(data)
        assert check(tmp_path / name) == [], name
    words = " ".join(pypdf.PdfReader(tmp_path / "es.pdf").pages[0].extract_text().split())
    assert "Esta página en: English | Español" in words
