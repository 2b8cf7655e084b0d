"""The partner API (api/), embed pages (embed/), the attribution block, and serve's partner
endpoints (oEmbed, ``api/changes.json?since=``), over a real waitress server on 127.0.0.1
with an injected clock. One build of the kitchen sink for the module."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import pytest
from markupsafe import escape

import ketapub
from ketapub import Artifact, Job, RenderContext, Renderer, Series
from ketapub import oembed as oembed_module
from ketapub.fragment_policy import fragment_problems
from ketapub.model import creative_commons_url
from ketapub.render.base import RenderContext as Ctx
from ketapub.renderers.html_api_modules import split
from tests.conftest import SINK, SINK_AS_OF
from tests.test_serve import Clock, request, running

SECOND = timedelta(seconds=1)
REQUIRED = {"@context", "@type", "@id", "url", "name", "description", "inLanguage",
            "datePublished", "dateModified", "lastReviewed", "reviewedBy", "license",
            "copyrightHolder", "isPartOf", "educationalLevel", "text", "hasPart",
            "contentHash", "position", "publisher", "author"}


class HandoutStub(Renderer):
    """Quick stand-in for the PDF renderer: the API links the handout when it is made."""

    name = "pdf"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        return [self.job(f"pdf/{p.number}-{p.slug}.pdf", part=p.part, parts=(p.part,))
                for p in ctx.released]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        return Artifact(job.path, b"%PDF-1.7\n" + job.path.encode(), "application/pdf",
                        self.name)


@pytest.fixture(scope="module")
def registry() -> ketapub.Registry:
    reg = ketapub.Registry.from_entry_points()
    reg.register(HandoutStub, override=True)
    return reg


@pytest.fixture(scope="module")
def built(tmp_path_factory, registry, sink_series) -> SimpleNamespace:
    out = tmp_path_factory.mktemp("partner") / "out"
    result = ketapub.build(SINK, out, formats=["html", "api", "embed", "pdf"],
                           as_of=SINK_AS_OF, registry=registry)
    assert result.ok
    ctx = Ctx(series=sink_series, as_of=ketapub.resolve_as_of(SINK_AS_OF))
    return SimpleNamespace(out=out, series=sink_series, ctx=ctx,
                           released=[p for p in sink_series.parts if ctx.is_released(p)])


def load(out: Path, path: str) -> dict:
    return json.loads((out / path).read_text("utf-8"))


def instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, f"{text} has no UTC offset"
    return value


# --- the part documents ------------------------------------------------------------------


def test_part_documents_are_medical_web_pages_with_every_required_key(built):
    assert built.released and len(built.released) < len(built.series.parts)
    for part in built.released:
        doc = load(built.out, f"api/parts/{part.slug}.json")
        assert set(doc) >= REQUIRED, REQUIRED - set(doc)
        assert doc["@context"] == "https://schema.org" and doc["@type"] == "MedicalWebPage"
        assert doc["@id"] == doc["url"] == built.series.part_url(part)
        assert doc["name"] == part.title and doc["description"] == part.summary
        assert doc["inLanguage"] == built.series.language and doc["position"] == part.part
        assert instant(doc["datePublished"]) == part.publish_at
        assert instant(doc["dateModified"]) == built.ctx.modified(part)
        assert instant(doc["dateModified"]) >= instant(doc["datePublished"])
        review = built.ctx.review(part)
        assert date.fromisoformat(doc["lastReviewed"]) == review.on
        assert doc["reviewedBy"] == {"@type": "Person", "name": review.reviewer,
                                     **({"honorificSuffix": review.credentials}
                                        if review.credentials else {})}
        assert doc["license"] == creative_commons_url(built.series.license)
        assert doc["copyrightHolder"] == {"@type": "Organization",
                                          "name": built.series.publisher}
        assert doc["isPartOf"]["@type"] == "CreativeWorkSeries"
        assert doc["isPartOf"]["url"] == built.series.base_url
        level = doc["educationalLevel"]
        assert level["@type"] == "DefinedTerm" and level["name"].startswith(
            "Flesch-Kincaid grade " + level["termCode"])
        assert float(level["termCode"]) == ketapub.readability.score_markdown(
            part.body, built.series.language).value


def test_the_html_is_the_fragment_and_the_hash_is_of_the_canonical_content(built):
    for part in built.released:
        doc = load(built.out, f"api/parts/{part.slug}.json")
        assert doc["text"] == (built.out / f"html/{part.slug}.html").read_text("utf-8")
        canonical = {k: v for k, v in doc.items() if k not in ("contentHash", "encoding")}
        blob = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert doc["contentHash"] == hashlib.sha256(blob.encode()).hexdigest()
        for module in doc["hasPart"]:
            rest = {k: v for k, v in module.items() if k != "contentHash"}
            blob = json.dumps(rest, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            assert module["contentHash"] == hashlib.sha256(blob.encode()).hexdigest()


def test_content_hash_is_the_same_whatever_else_the_build_made(built):
    alone = ketapub.render(built.series, "api", as_of=SINK_AS_OF)
    for part in built.released:
        doc = load(built.out, f"api/parts/{part.slug}.json")
        other = json.loads(alone[f"api/parts/{part.slug}.json"])
        assert "encoding" not in other and other["contentHash"] == doc["contentHash"]


def test_encodings_link_the_other_forms_the_build_made(built):
    manifest = {a["path"]: a for a in load(built.out, "manifest.json")["artifacts"]}
    for part in built.released:
        doc = load(built.out, f"api/parts/{part.slug}.json")
        paths = {f"html/{part.slug}.html", f"embed/{part.slug}.html",
                 f"pdf/{part.number}-{part.slug}.pdf"}
        seen = set()
        for enc in doc["encoding"]:
            url = enc.get("contentUrl") or enc["embedUrl"]
            path = url.removeprefix(built.series.base_url)
            seen.add(path)
            assert enc["sha256"] == manifest[path]["sha256"]
            assert enc["contentSize"] == f"{manifest[path]['bytes']} B"
        assert seen == paths


def _headings(body: str) -> list[str]:
    """The ``##`` headings of a Markdown body, anchors cut: read from the source text."""
    return [re.sub(r"\s*\{#[^}]*\}\s*$", "", line[3:]).strip()
            for line in body.splitlines() if line.startswith("## ")]


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"] or "")
        if (values.get("href") or "").startswith("#"):
            self.hrefs.append((values["href"] or "")[1:])


def test_modules_are_the_lead_each_section_and_the_faq_alone(built):
    part = built.series.get_part("everything")
    doc = load(built.out, f"api/parts/{part.slug}.json")
    modules = doc["hasPart"]
    assert [m["position"] for m in modules] == list(range(1, len(modules) + 1))
    assert modules[0]["genre"] == "lead" and "@id" not in modules[0]
    assert [m["name"] for m in modules[1:]] == _headings(part.body)
    faq = [m for m in modules if m["genre"] == "faq"]
    assert len(faq) == 1 and faq[0]["additionalType"] == "https://schema.org/FAQPage"
    assert faq[0]["text"].count('class="faq-item"') == len(part.faq) > 0
    assert all('class="faq' not in m["text"] for m in modules if m["genre"] != "faq")
    page, numbered = "", 0
    for m in modules:
        assert fragment_problems(m["text"], "section") == []
        assert m["text"].startswith('<section class="ketapub ketapub-module"')
        assert 'class="ketapub-attribution"' in m["text"]
        if m["genre"] != "lead":
            assert m["@id"] == f"{doc['url']}#{m['identifier']}"
            assert m["identifier"] in part.anchors
        # a module's notes are the ones its text refers to, numbered as in the part
        refs = re.findall(r'class="footnote-ref"><a [^>]*>(\d+)</a>', m["text"])
        notes = re.findall(r'<li id="[^"]*\.fn\.(\d+)" class="footnote-item" value="(\d+)"',
                           m["text"])
        assert sorted(set(refs)) == sorted(n for n, _ in notes)
        assert all(n == v for n, v in notes)
        numbered += len(notes)
        # every in-page link of a module lands inside that module
        ids = _Ids()
        ids.feed(m["text"])
        assert set(ids.hrefs) <= set(ids.ids), set(ids.hrefs) - set(ids.ids)
        page += m["text"]
    assert numbered == doc["text"].count('class="footnote-item"') > 0
    # every module and the whole fragment on one page: no id twice
    every = _Ids()
    every.feed(page + doc["text"])
    assert len(every.ids) == len(set(every.ids))


def test_split_keeps_every_block_of_the_tree_once(built):
    for part in built.series.parts:
        document = built.ctx.document(part)
        modules = split(document, part.title)
        kept = [n for m in modules for n in m.nodes]
        blocks = [n for n in document.children
                  if not (isinstance(n, ketapub.tree.Text) and not n.text.strip())]
        assert [id(n) for n in kept if n in blocks] == [id(n) for n in blocks]


# --- series and changes ---------------------------------------------------------------------


def test_series_and_changes_list_only_the_released_parts(built):
    series = load(built.out, "api/series.json")
    assert series["@type"] == "CreativeWorkSeries" and series["@id"] == built.series.base_url
    assert [p["@id"] for p in series["hasPart"]] == [built.series.part_url(p)
                                                     for p in built.released]
    assert instant(series["dateModified"]) == built.ctx.last_modified
    assert series["copyrightHolder"]["name"] == built.series.publisher
    for entry in series["hasPart"]:
        part_doc = load(built.out, entry["encoding"][0]["contentUrl"].removeprefix(
            built.series.base_url))
        assert entry["contentHash"] == part_doc["contentHash"]
    for part in built.series.parts:
        shown = part in built.released
        assert (built.out / f"api/parts/{part.slug}.json").exists() == shown
        assert (built.out / f"embed/{part.slug}.html").exists() == shown
    changes = load(built.out, "api/changes.json")
    items = [e["item"] for e in changes["itemListElement"]]
    assert changes["@type"] == "ItemList" and changes["numberOfItems"] == len(items)
    assert [e["position"] for e in changes["itemListElement"]] == list(range(1, len(items) + 1))
    modified = [instant(i["dateModified"]) for i in items]
    assert modified == sorted(modified) and len(items) == len(built.released)


def test_changes_are_ordered_by_date_modified_not_by_part(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SINK, src)
    first = src / "parts" / "01-everything.md"
    # part 1 updated after part 2's release: it is the latest change
    first.write_text(first.read_text().replace('updated_at: "2025-01-12T10:30:00Z"',
                                               'updated_at: "2025-03-01T08:00:00Z"'))
    files = ketapub.render(ketapub.load(src), "api", as_of=SINK_AS_OF)
    items = [e["item"] for e in json.loads(files["api/changes.json"])["itemListElement"]]
    assert [i["url"].rstrip("/").rsplit("/", 1)[1] for i in items] == ["second-part",
                                                                        "everything"]
    assert [instant(i["dateModified"]) for i in items] == sorted(
        instant(i["dateModified"]) for i in items)


# --- the attribution block --------------------------------------------------------------------


def test_every_fragment_carries_the_attribution_from_the_series_metadata(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SINK, src)
    yaml = src / "series.yaml"
    yaml.write_text(yaml.read_text() + 'copyright_holder: "Holder & Co"\n'
                    'license_url: "https://example.org/terms"\n')
    files = ketapub.render(ketapub.load(src), "html", as_of=SINK_AS_OF)
    fragments = [p for p in files if p.endswith(".html") and p != "html/index.html"]
    assert len(fragments) >= 5
    for path in fragments:
        html = files[path].decode()
        block = re.search(r'<p class="ketapub-attribution">(.*?)</p>', html, re.S)
        assert block, path
        text = block.group(1)
        assert "© Holder &amp; Co" in text
        assert '<a rel="license" href="https://example.org/terms">CC-BY-4.0</a>' in text
        if path != "html/cards/future-part.html":  # the original, by its publisher
            assert "Originally published by Sink &amp; Sons Publishing" in text
    everything = files["html/everything.html"].decode()
    assert ('rel="bookmark">Everything at once' in everything
            and '<time datetime="2025-01-09">' in everything.split("ketapub-attribution")[1])
    # a card of an unreleased part: no link to it, no review date
    card = files["html/cards/future-part.html"].decode().split("ketapub-attribution")[1]
    assert "future-part/" not in card and "<time" not in card


def test_license_url_defaults_to_the_creative_commons_page_and_is_checked(tmp_path):
    assert creative_commons_url("CC-BY-SA-4.0") == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert creative_commons_url("cc0-1.0") == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert creative_commons_url("All rights reserved") is None
    src = tmp_path / "src"
    shutil.copytree(SINK, src)
    (src / "series.yaml").write_text((src / "series.yaml").read_text()
                                     + "license_url: terms.html\n")
    with pytest.raises(ketapub.SourceError) as err:
        ketapub.load(src)
    assert "license_url" in str(err.value) and "absolute http(s) URL" in str(err.value)


# --- serve: oEmbed and ?since= ----------------------------------------------------------------


@pytest.fixture(scope="module")
def server(built, registry):
    clock = Clock(ketapub.resolve_as_of(SINK_AS_OF))
    app = ketapub.make_app(built.series, built.out, clock=clock, registry=registry)
    with running(app) as port:
        yield SimpleNamespace(clock=clock, port=port, built=built)


def oembed(server, url: str, extra: str = "") -> tuple[int, object, bytes]:
    return request(server.port, f"/oembed?url={quote(url, safe='')}&format=json{extra}")


def test_oembed_answers_a_rich_iframe_of_the_embed_page(server):
    s = server.built.series
    part = s.get_part("second-part")
    server.clock.now = ketapub.resolve_as_of(SINK_AS_OF)
    for url in (s.part_url(part), s.part_url(part).rstrip("/"),
                f"{s.base_url}embed/{part.slug}.html", f"{s.base_url}html/{part.slug}.html"):
        status, headers, body = oembed(server, url)
        assert status == 200, url
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        assert headers["X-Content-Type-Options"] == "nosniff"
        data = json.loads(body)
        assert data["version"] == "1.0" and data["type"] == "rich"
        assert data["title"] == part.title and data["provider_url"] == s.base_url
        src = re.search(r'<iframe src="([^"]+)"', data["html"]).group(1)
        assert src == f"{s.base_url}embed/{part.slug}.html"
        assert f'width="{data["width"]}"' in data["html"]
        assert f'height="{data["height"]}"' in data["html"]
        assert 'sandbox="' in data["html"]
        # the iframe's page is served
        assert request(server.port, urlsplit(src).path.removeprefix("/sink"))[0] == 200
    status, _, body = oembed(server, s.part_url(part), "&maxwidth=300&maxheight=200")
    data = json.loads(body)
    assert status == 200 and (data["width"], data["height"]) == (300, 200)
    big = oembed(server, s.part_url(part), "&maxwidth=5000")
    assert json.loads(big[2])["width"] == json.loads(oembed(server, s.part_url(part))[2])["width"]


def test_oembed_refuses_what_it_cannot_answer(server):
    s = server.built.series
    server.clock.now = ketapub.resolve_as_of(SINK_AS_OF)
    url = quote(s.part_url(s.get_part("second-part")), safe="")
    assert request(server.port, f"/oembed?url={url}&format=xml")[0] == 501
    status, headers, body = request(server.port, f"/oembed?url={url}&maxwidth=wide")
    assert status == 400 and b"maxwidth" in body and headers["Cache-Control"] == "no-store"
    assert request(server.port, "/oembed?format=json")[0] == 400
    assert oembed(server, "https://elsewhere.example/x/")[0] == 404
    assert oembed(server, s.part_url(s.get_part("future-part")))[0] == 404


def test_oembed_and_the_embed_page_switch_at_the_release_instant(server):
    s = server.built.series
    part = s.get_part("second-part")
    server.clock.now = part.publish_at - SECOND
    status, headers, _ = oembed(server, s.part_url(part))
    assert status == 404 and headers["Cache-Control"] == "no-store"
    assert request(server.port, f"/embed/{part.slug}.html")[0] == 404
    assert request(server.port, f"/api/parts/{part.slug}.json")[0] == 404
    listed = json.loads(request(server.port, "/api/series.json")[2])
    assert part.slug not in json.dumps(listed)
    server.clock.now = part.publish_at
    assert oembed(server, s.part_url(part))[0] == 200
    types = {path: request(server.port, path)[:2] for path in (
        f"/embed/{part.slug}.html", f"/api/parts/{part.slug}.json", "/api/series.json",
        "/api/changes.json")}
    assert {p: (status, headers["Content-Type"]) for p, (status, headers) in types.items()} == {
        f"/embed/{part.slug}.html": (200, "text/html; charset=utf-8"),
        f"/api/parts/{part.slug}.json": (200, "application/ld+json; charset=utf-8"),
        "/api/series.json": (200, "application/ld+json; charset=utf-8"),
        "/api/changes.json": (200, "application/ld+json; charset=utf-8")}
    listed = json.loads(request(server.port, "/api/series.json")[2])
    assert [p["url"] for p in listed["hasPart"]][-1] == s.part_url(part)


def test_oembed_follows_the_release_instant_whatever_files_exist(built):
    """Even an output that holds a part's embed page early (built ahead of the clock) gets
    no oEmbed answer for it before its instant."""
    s = built.series
    part = s.get_part("future-part")
    url = quote(s.part_url(part), safe="")
    before = oembed_module.respond(s, part.publish_at - SECOND, f"url={url}", lambda p: True)
    at = oembed_module.respond(s, part.publish_at, f"url={url}", lambda p: True)
    assert (before.status, before.cache) == ("404 Not Found", "no-store")
    assert at.status == "200 OK" and json.loads(at.body)["title"] == part.title
    missing = oembed_module.respond(s, part.publish_at, f"url={url}", lambda p: False)
    assert missing.status == "404 Not Found"  # no embed page to show
    # a part that expired is no longer embedded either
    ended = s.model_copy(update={"parts": tuple(
        p.model_copy(update={"expires_at": p.publish_at + SECOND}) if p.part == part.part
        else p for p in s.parts)})
    gone = oembed_module.respond(ended, part.publish_at + SECOND, f"url={url}", lambda p: True)
    assert gone.status == "404 Not Found"
    assert oembed_module.respond(ended, part.publish_at, f"url={url}",
                                 lambda p: True).status == "200 OK"


def test_discovery_links_name_an_endpoint_that_answers(server):
    server.clock.now = ketapub.resolve_as_of(SINK_AS_OF)
    base = urlsplit(server.built.series.base_url).path
    pages = ["html/index.html", *(f"embed/{p.slug}.html" for p in server.built.released)]
    found = 0
    for page in pages:
        html = (server.built.out / page).read_text("utf-8")
        for href in re.findall(r'<link rel="alternate" type="application/json\+oembed" '
                               r'href="([^"]+)"', html):
            found += 1
            target = urlsplit(href.replace("&amp;", "&"))
            status, _, body = request(server.port, target.path.removeprefix(base.rstrip("/"))
                                      + "?" + target.query)
            assert status == 200 and json.loads(body)["type"] == "rich"
    assert found == 2 * len(server.built.released)


def test_changes_since_filters_by_date_modified_and_refuses_a_bad_instant(server):
    server.clock.now = ketapub.resolve_as_of(SINK_AS_OF)
    whole = json.loads(request(server.port, "/api/changes.json")[2])
    items = [e["item"] for e in whole["itemListElement"]]
    assert len(items) == 2
    second = items[1]["dateModified"]  # inclusive, given with an unencoded "+" offset
    for query in (second, quote(second, safe=""), second.replace("+00:00", "Z")):
        status, headers, body = request(server.port, f"/api/changes.json?since={query}")
        data = json.loads(body)
        assert status == 200 and data["numberOfItems"] == 1
        assert data["itemListElement"] == [{"@type": "ListItem", "position": 1,
                                            "item": items[1]}]
        assert headers["ETag"] != request(server.port, "/api/changes.json")[1]["ETag"]
    assert json.loads(request(server.port, "/api/changes.json?since=2000-01-01")[2]) == whole
    for bad in ("yesterday", "2025-13-01", ""):
        status, headers, body = request(server.port, f"/api/changes.json?since={bad}")
        assert status == 400, bad
        assert headers["Content-Type"] == "text/plain; charset=utf-8"
        assert b"since" in body and b"ISO 8601" in body and b"Traceback" not in body


def test_embed_pages_are_standalone_and_script_free(built):
    for part in built.released:
        html = (built.out / f"embed/{part.slug}.html").read_text("utf-8")
        assert html.startswith("<!DOCTYPE html>")
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts == ['<script type="application/ld+json">']
        assert "Content-Security-Policy" in html and "default-src 'none'" in html
        assert re.findall(r"<h1\b", html) == ["<h1"] and escape(part.title) in html
        assert f'<link rel="canonical" href="{built.series.part_url(part)}">' in html
        assert '<link rel="stylesheet"' not in html and "<style>" in html
        assert 'class="ketapub-attribution"' in html
        links = re.findall(r'(?:href|src)="([^"#][^"]*)"', html)
        assert links and all(u.startswith(("https://", "mailto:")) for u in links
                             if u != "data:,"), links


def test_the_preview_offers_copyable_embed_code_per_released_part(built):
    html = (built.out / "html/index.html").read_text("utf-8")
    assert set(re.findall(r"<script\b[^>]*>", html)) == {'<script type="application/ld+json">'}
    for part in built.released:
        iframe = re.search(rf'id="ketapub-{part.slug}--embed-iframe"[^>]*>([^<]*)</pre>',
                           html)
        assert iframe and f"embed/{part.slug}.html" in iframe.group(1)
        fragment = re.search(rf'id="ketapub-{part.slug}--embed-fragment"[^>]*>([^<]*)'
                             "</pre>", html)
        assert fragment and "html/ketapub.css" in fragment.group(1)
        assert f'id="ketapub-{part.slug}"' in fragment.group(1).replace("&#34;", '"')
        feeds = re.search(rf'id="ketapub-{part.slug}--embed-feeds"[^>]*>([^<]*)</pre>', html)
        assert feeds and feeds.group(1).split() == [f"{built.series.base_url}{f}" for f in (
            "feed/rss.xml", "feed/atom.xml", "feed/feed.json")]
