"""Guards that an audit of planted bugs found untested: each test here failed against one
of those bugs (see tests/planted/run.py, which plants them again on demand)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
import pytest
from icalendar import Calendar

import ketapub
from ketapub import Artifact, Job, RenderContext, Renderer, Series
from ketapub.errors import SourceError
from ketapub.render.options import RendererOptions, option
from tests.conftest import CONTENT, SINK, SINK_AS_OF
from tests.helpers import make_source, part
from tests.test_serve import BUILT_AS_OF, PART5, SECOND, Clock, request, running

# --- a part's url: reaches the feeds and the calendar, so only http(s) is accepted ----------


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "//evil.example/x",
                                 "ftp://example.org/x", "https://", "https://example.org/a b"])
def test_a_part_url_that_is_not_absolute_http_is_refused_with_its_location(
        tmp_path: Path, url: str) -> None:
    src = make_source(tmp_path / "src", {"01.md": part(1, "one", extra=f'url: "{url}"\n')})
    with pytest.raises(SourceError) as info:
        ketapub.load(src)
    [message] = [str(d) for d in info.value.diagnostics]
    assert message.startswith(f"{src}/parts/01.md:7:6: url: {url!r}"), message
    assert "absolute http(s) URL" in message


def test_a_part_url_is_the_link_of_its_feed_entries_and_calendar_event(tmp_path: Path) -> None:
    url = "https://partner.example/read/1?from=feed"
    src = make_source(tmp_path / "src", {"01.md": part(1, "one", extra=f'url: "{url}"\n')})
    series = ketapub.load(src)
    as_of = "2025-06-01T00:00:00Z"
    feed = json.loads(ketapub.render(series, "jsonfeed", as_of=as_of)["feed/feed.json"])
    assert [i["url"] for i in feed["items"]] == [url]
    rss = feedparser.parse(ketapub.render(series, "rss", as_of=as_of)["feed/rss.xml"])
    assert [e.link for e in rss.entries] == [url]
    cal = Calendar.from_ical(ketapub.render(series, "ics", as_of=as_of)["feed/schedule.ics"])
    assert [str(e["URL"]) for e in cal.walk("VEVENT")] == [url]


# --- the server never shows a part's files before its release, whatever they are named -----


@pytest.fixture(scope="module")
def html_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html-site") / "out"
    ketapub.build(CONTENT, out, formats=["html"], as_of=BUILT_AS_OF)
    return out


# (a card shows no text of its part, only what the hub shows: it is served from the start;
# tests/test_serve_embargo.py covers it)
@pytest.mark.parametrize("path", ["/html/chronic-pain.html"])
def test_files_named_after_a_parts_slug_are_not_served_before_its_release(
        html_site: Path, content_series: Series, path: str) -> None:
    assert (html_site / path[1:]).is_file()  # built ahead of the clock
    clock = Clock(PART5 - SECOND)
    app = ketapub.make_app(content_series, html_site, clock=clock)
    with running(app) as port:
        assert request(port, path)[0] == 404
        assert request(port, "/html/beyond-depression.html")[0] == 200  # part 4
        clock.now = PART5
        status, _, body = request(port, path)
        assert status == 200 and body == (html_site / path[1:]).read_bytes()


# --- options that change the bytes re-render on the next build ------------------------------


class EchoOptions(RendererOptions):
    greeting: str = option("hello", "the first line")
    width: int = option(72, "the second line")


class OptionsEcho(Renderer[EchoOptions]):
    """Prints its options, to see when a rebuild renders it again."""

    name = "options-echo"
    description = "its options, one per line"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        return [self.job("echo/options.txt", part=1, parts=(1,))]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        o = self.options(ctx)
        return Artifact(job.path, f"{o.greeting}\n{o.width}\n".encode(), "text/plain",
                        self.name)


# Large print is not here: it is a variant with its own paths (pdf/large-print/...), made
# beside the standard files; tests/test_variants.py covers it.
@pytest.mark.parametrize("option,value", [("greeting", "bonjour"), ("width", 60)])
def test_a_changed_option_renders_again(tmp_path: Path, option: str, value: object) -> None:
    registry = ketapub.Registry.from_entry_points()
    registry.register(OptionsEcho)
    out = tmp_path / "out"
    first = ketapub.build(SINK, out, formats=["options-echo"], as_of=SINK_AS_OF,
                          registry=registry)
    assert first.rendered == ("echo/options.txt",)
    again = ketapub.build(SINK, out, formats=["options-echo"], as_of=SINK_AS_OF,
                          registry=registry, options={"options-echo": {option: value}})
    assert again.rendered == ("echo/options.txt",)
    assert str(value) in (out / "echo/options.txt").read_text().splitlines()


def test_another_renderers_option_renders_only_that_renderer_again(tmp_path: Path) -> None:
    registry = ketapub.Registry.from_entry_points()
    registry.register(OptionsEcho)
    out = tmp_path / "out"
    ketapub.build(SINK, out, formats=["options-echo", "html"], as_of=SINK_AS_OF,
                  registry=registry)
    again = ketapub.build(SINK, out, formats=["options-echo", "html"], as_of=SINK_AS_OF,
                          registry=registry, options={"html": {"heading_level": 3}})
    assert "echo/options.txt" in again.skipped
    assert "html/everything.html" in again.rendered


def test_heading_level_after_a_build_rerenders_the_fragments(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ketapub.build(SINK, out, formats=["html"], as_of=SINK_AS_OF)
    again = ketapub.build(SINK, out, formats=["html"], as_of=SINK_AS_OF, heading_level=3)
    assert {"html/everything.html", "html/second-part.html"} <= set(again.rendered)
    fragment = (out / "html/everything.html").read_text("utf-8")
    assert "<h3" in fragment and "<h2" not in fragment


# --- a user template cannot make a fragment overlay the partner's page ----------------------


@pytest.mark.parametrize("markup,problem", [
    ('<p style="position:fixed;inset:0;z-index:99">', "attribute 'style' on <p>"),
    ('<p srcdoc="&lt;script&gt;x()&lt;/script&gt;">', "attribute 'srcdoc' on <p>"),
    ('<base href="https://evil.example/"><p>', "<base> element"),
    ('<iframe src="https://evil.example/"></iframe><p>', "<iframe> element"),
    ('<form action="https://evil.example/"></form><p>', "<form> element"),
])
def test_a_template_that_adds_overlays_frames_or_forms_is_refused(
        tmp_path: Path, sink_series: Series, markup: str, problem: str) -> None:
    html_dir = tmp_path / "tpl" / "html"
    html_dir.mkdir(parents=True)
    (html_dir / "card.html").write_text(
        f'<article class="ketapub" lang="en">{markup}{{{{ v.part.title }}}}</p>'
        "</article>\n")
    with pytest.raises(ketapub.RenderError, match=re.escape(problem)):
        ketapub.render(sink_series, "html", as_of=SINK_AS_OF,
                       path="html/cards/everything.html", templates=(str(tmp_path / "tpl"),))


# --- an output file edited in place is repaired by the next build ---------------------------


def test_an_output_file_edited_to_the_same_size_is_repaired(tmp_path: Path) -> None:
    formats = ["jsonfeed"]
    out = tmp_path / "out"
    ketapub.build(SINK, out, formats=formats, as_of=SINK_AS_OF)
    target = out / "feed/feed.json"
    good = target.read_bytes()
    edited = good.replace(b"Second part", b"Secxnd part", 1)
    assert edited != good and len(edited) == len(good)
    target.write_bytes(edited)
    again = ketapub.build(SINK, out, formats=formats, as_of=SINK_AS_OF)
    assert again.rendered == ("feed/feed.json",)
    assert target.read_bytes() == good
    # an intact output is still skipped without rendering
    assert ketapub.build(SINK, out, formats=formats, as_of=SINK_AS_OF).rendered == ()



# --- a brand profile is part of what its branded artifacts show -----------------------------


class BrandEcho(Renderer):
    """One artifact per brand profile, printing the profile's name."""

    name = "brand-echo"
    description = "each brand's name"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        return [self.job(f"echo/{b.id}.txt", brand=b.id, parts=()) for b in series.brands]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        brand = ctx.series.get_brand(job.brand or "")
        assert brand is not None
        return Artifact(job.path, f"{brand.name}\n".encode(), "text/plain", self.name)


def test_an_edited_brand_profile_renders_its_branded_artifacts_again(sink_copy: Path) -> None:
    registry = ketapub.Registry.from_entry_points()
    registry.register(BrandEcho)
    out = sink_copy.parent / "out"
    ketapub.build(sink_copy, out, formats=["brand-echo"], as_of=SINK_AS_OF, registry=registry)
    [profile] = [p for p in (sink_copy / "brands").glob("*.yaml")
                 if "sink-clinic" in p.read_text("utf-8")]
    text = profile.read_text("utf-8")
    name = ketapub.load(sink_copy).get_brand("sink-clinic").name
    profile.write_text(text.replace(name, "Renamed Clinic", 1), "utf-8")
    again = ketapub.build(sink_copy, out, formats=["brand-echo"], as_of=SINK_AS_OF,
                          registry=registry)
    assert again.rendered == ("echo/sink-clinic.txt",)
    assert (out / "echo/sink-clinic.txt").read_text() == "Renamed Clinic\n"


# --- front matter: a part number is a whole number, not a yes/no ---------------------------


@pytest.mark.parametrize("value", ["true", "false", "1.0", '"1"'])
def test_a_part_number_that_is_not_a_whole_number_is_refused(tmp_path: Path,
                                                             value: str) -> None:
    text = part(1, "one").replace("part: 1\n", f"part: {value}\n")
    src = make_source(tmp_path / "src", {"01.md": text})
    with pytest.raises(SourceError) as info:
        ketapub.load(src)
    [message] = [str(d) for d in info.value.diagnostics]
    assert message.startswith(f"{src}/parts/01.md:3:7: part: ") and "whole number" in message


# --- the PDF fetcher: a link inside a template folder does not lead out of it ---------------


def test_the_pdf_fetcher_does_not_follow_a_template_link_out_of_its_folder(
        tmp_path: Path) -> None:
    from ketapub.renderers.pdf_fetch import FetchRefused, SafeFetcher

    secret = tmp_path / "secret.css"
    secret.write_text("TOP-SECRET-OUTSIDE", "utf-8")
    templates = tmp_path / "templates"
    (templates / "pdf").mkdir(parents=True)
    (templates / "pdf" / "own.css").write_text("p { color: black }", "utf-8")
    (templates / "pdf" / "linked.css").symlink_to(secret)
    fetcher = SafeFetcher({}, templates)
    assert fetcher.fetch("ketapub-template:pdf/own.css").read() == b"p { color: black }"
    with pytest.raises(FetchRefused):
        fetcher.fetch("ketapub-template:pdf/linked.css")
    assert fetcher.refused == ["ketapub-template:pdf/linked.css"]
