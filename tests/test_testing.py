"""ketapub.testing, the helpers plugin authors test their renderers with."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

import ketapub
from ketapub import Artifact, Job, RenderContext, Renderer, RenderError, Series, testing
from ketapub.renderers.epub import EpubRenderer
from ketapub.renderers.feeds import RssRenderer
from ketapub.renderers.jsonfeed import JsonFeedRenderer

LATER = "2031-01-01T00:00:00+00:00"


class TitlesRenderer(Renderer):
    """An unregistered renderer, as a plugin's own test would define it."""

    name = "titles"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        return [self.job("titles/summary.txt", depends_on=("titles/list.txt",)),
                self.job("titles/list.txt")]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        if job.path == "titles/list.txt":
            text = "".join(f"{p.part}: {p.title}\n" for p in ctx.released)
        else:
            info = ctx.deps["titles/list.txt"]
            text = f"{info.bytes} bytes, sha256 {info.sha256}\n"
        return Artifact(job.path, text.encode(), "text/plain", self.name)


def test_sample_series_has_what_a_renderer_must_handle() -> None:
    series = testing.sample_series()
    when = ketapub.resolve_as_of(testing.SAMPLE_AS_OF)
    assert [p.part for p in series.parts if ketapub.released(p, when)] == [1, 2]
    assert not ketapub.released(series.parts[2], when)
    first = series.parts[0]
    assert first.citation_order == ("smith",)
    assert first.images == ("assets/chart.svg",)
    assert series.get_asset("assets/chart.svg") is not None
    assert "(part:3)" in first.body and "[^1]:" in first.body and "| Form | Dose |" in first.body
    assert testing.UNRELEASED_MARKER in series.parts[2].body
    assert series.warnings == ()


def test_written_sample_loads_to_the_same_series(tmp_path: Path) -> None:
    root = testing.write_sample_series(tmp_path / "sample")
    assert ketapub.load(root) == testing.sample_series()


def test_render_artifacts_gives_the_bytes_of_a_real_render() -> None:
    artifacts = testing.render_artifacts([JsonFeedRenderer, RssRenderer()])
    real = ketapub.render(testing.sample_series(), "jsonfeed,rss", as_of=testing.SAMPLE_AS_OF)
    assert list(artifacts) == list(real)
    assert {p: a.data for p, a in artifacts.items()} == real
    assert all(isinstance(a, Artifact) and a.path == p for p, a in artifacts.items())


def test_render_artifacts_renders_dependencies_first_and_fills_deps() -> None:
    artifacts = testing.render_artifacts(TitlesRenderer)
    assert list(artifacts) == ["titles/summary.txt", "titles/list.txt"]
    listing = artifacts["titles/list.txt"].data
    assert listing == b"1: First part\n2: Second part\n"
    assert artifacts["titles/summary.txt"].data.decode() == (
        f"{len(listing)} bytes, sha256 {hashlib.sha256(listing).hexdigest()}\n")


def test_render_artifacts_follows_the_instant() -> None:
    later = testing.render_artifacts(TitlesRenderer, as_of=LATER)
    assert later["titles/list.txt"].data.endswith(b"3: Third part\n")


def test_render_artifacts_checks_the_plan_and_the_result() -> None:
    class Escaping(TitlesRenderer):
        name = "escaping"

        def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
            return [self.job("../outside.txt")]

    class Mislabelled(TitlesRenderer):
        name = "mislabelled"

        def render(self, job: Job, ctx: RenderContext) -> Artifact:
            return Artifact("elsewhere.txt", b"", "text/plain", self.name)

    with pytest.raises(RenderError, match="leaves the output folder"):
        testing.render_artifacts(Escaping)
    with pytest.raises(RenderError, match=re.escape("elsewhere.txt")):
        testing.render_artifacts(Mislabelled)


def test_assert_artifact() -> None:
    artifacts = testing.render_artifacts(TitlesRenderer)
    assert testing.assert_artifact(artifacts, "titles/list.txt") is artifacts["titles/list.txt"]
    missing = re.escape("no artifact 'titles/x.txt'; made: titles/summ")
    with pytest.raises(AssertionError, match=missing):
        testing.assert_artifact(artifacts, "titles/x.txt")


def test_assert_well_formed_xml() -> None:
    rss = testing.render_artifacts(RssRenderer)["feed/rss.xml"]
    testing.assert_well_formed_xml(rss)
    testing.assert_well_formed_xml(b"<a>\n<b/></a>")
    with pytest.raises(AssertionError, match=r"broken.xml:2:\d+: not well-formed"):
        testing.assert_well_formed_xml(Artifact("broken.xml", b"<a>\n<b></a>", "text/xml"))
    with pytest.raises(AssertionError, match="not well-formed"):  # no entity expansion
        testing.assert_well_formed_xml(b"<a>&unknown;</a>")


def test_unreleased_phrases_come_from_unreleased_bodies_only() -> None:
    phrases = testing.unreleased_phrases(testing.sample_series(), testing.SAMPLE_AS_OF)
    assert phrases == {3: ["the third part is not out until 2030 and no output may show it"]}
    assert testing.unreleased_phrases(testing.sample_series(), LATER) == {}


def test_assert_no_unreleased_text_passes_on_a_build_as_of_the_instant() -> None:
    artifacts = testing.render_artifacts([JsonFeedRenderer, RssRenderer, EpubRenderer])
    testing.assert_no_unreleased_text(artifacts, testing.sample_series(), testing.SAMPLE_AS_OF)


def test_assert_no_unreleased_text_finds_a_leak_in_text_json_and_zip() -> None:
    series = testing.sample_series()
    later = testing.render_artifacts([JsonFeedRenderer, EpubRenderer], as_of=LATER)
    with pytest.raises(AssertionError) as caught:
        testing.assert_no_unreleased_text(later, series, testing.SAMPLE_AS_OF)
    message = str(caught.value)
    assert "feed/feed.json: part 3's 'the third part is not out" in message
    assert ".epub!EPUB/" in message  # found inside the ebook's ZIP container
    # escaped as JSON and as HTML, wrapped over lines: still found
    leak = json.dumps({"x": "<p>the third\n part is not out until 2030 and no output"
                            " may&#32;show it</p>"}, ensure_ascii=True)
    with pytest.raises(AssertionError, match=re.escape("leak.json")):
        testing.assert_no_unreleased_text([Artifact("leak.json", leak.encode(), "")],
                                          series, testing.SAMPLE_AS_OF)
    # the same artifacts pass once the part is out
    testing.assert_no_unreleased_text(later, series, LATER)


def test_artifact_texts_of_binary_data_is_empty() -> None:
    assert testing.artifact_texts(Artifact("a.png", b"\x89PNG\r\n\x1a\n\xff\xfe", "")) == {}


def test_the_developer_guide_examples_run() -> None:
    """The developer guide's outline renderer and its test, run as written."""
    guide = Path(__file__).resolve().parent.parent / "docs" / "guides" / "developer.md"
    section = guide.read_text("utf-8").split("### The document tree", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 2
    scope: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "docs/guides/developer.md", "exec"), scope)
    scope["test_outline"]()  # type: ignore[operator]
    outline = testing.render_artifacts(scope["OutlineRenderer"], as_of=LATER)  # type: ignore[arg-type]
    assert outline["outline/third.txt"].data == b""


def test_phrases_a_released_part_shares_are_no_leak() -> None:
    content = ketapub.load(Path(__file__).resolve().parent.parent / "content")
    phrases = testing.unreleased_phrases(content, "2025-09-01T12:00:00-04:00")
    assert set(phrases) == {5, 6}
    assert "after a restful night of sleep" not in phrases[6]  # part 3 says it too
    assert any("restful night" in p for p in testing.unreleased_phrases(
        content, "2025-08-01T00:00:00-04:00")[6])  # before part 3 is out, it counts
