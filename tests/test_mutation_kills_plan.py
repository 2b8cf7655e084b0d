"""Input hashes, input by input: what each job's hash covers and what it leaves out.

A probe renderer plans one job of each shape (aggregate, per part, stylesheet, branded,
dependent) so every rule of ``ketapub.plan`` is checked without rendering anything.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest

import ketapub
from ketapub.errors import KetapubError
from ketapub.plan import linked_parts, plan
from ketapub.render.base import BuildOptions, Job, RenderContext, Renderer
from ketapub.render.options import RendererOptions, option
from ketapub.renderers.pdf import PdfOptions
from tests.helpers import SERIES, make_source, part

AS_OF = datetime(2025, 6, 1, tzinfo=UTC)
BRAND = 'id: clinic\nname: "Clinic"\n'


class ProbeOptions(RendererOptions):
    width: int = option(72, "columns")


class Probe(Renderer[ProbeOptions]):
    name: ClassVar[str] = "probe"
    extra_jobs: ClassVar[list[Job]] = []

    def plan(self, series: ketapub.Series, ctx: RenderContext) -> list[Job]:
        return [self.job("probe/early.zip", parts=(), depends_on=("probe/2.txt",)),
                self.job("probe/all.txt"),
                self.job("probe/1.txt", kind="part", part=1, parts=(1,)),
                self.job("probe/2.txt", kind="part", part=2, parts=(2,)),
                self.job("probe/style.css", parts=()),
                self.job("probe/1-clinic.txt", part=1, parts=(1,), brand="clinic"),
                self.job("probe/1.zip", parts=(1,), depends_on=("probe/1.txt", "elsewhere")),
                self.job("probe/late.zip", parts=(), depends_on=("probe/1.txt",)),
                *self.extra_jobs]

    def render(self, job: Job, ctx: RenderContext) -> ketapub.Artifact:
        raise NotImplementedError


def source(root: Path, bodies: dict[int, str] | None = None, series: str = SERIES,
           titles: dict[int, str] | None = None, asset: str = "<svg/>",
           brand: str = BRAND, third: str = "2030-01-01") -> Path:
    bodies = bodies or {}
    titles = titles or {}
    parts = {f"0{n}.md": part(n, slug, bodies.get(n, "Text.\n"), publish_at=at)
             for n, slug, at in ((1, "one", "2025-01-01"), (2, "two", "2025-02-01"),
                                 (3, "three", third))}
    for n, title in titles.items():
        parts[f"0{n}.md"] = parts[f"0{n}.md"].replace(f'"Part {n}"', f'"{title}"')
    figure = f'<svg xmlns="http://www.w3.org/2000/svg">{asset}</svg>'
    return make_source(root, parts, series=series,
                       files={"assets/a.svg": figure, "brands/clinic.yaml": brand})


def hashes(root: Path, as_of: datetime = AS_OF, options: BuildOptions | None = None,
           renderer: Renderer | None = None) -> dict[str, str]:
    ctx = RenderContext(ketapub.load(root), as_of, options or BuildOptions())
    return {j.path: j.input_hash for j in plan([renderer or Probe()], ctx)}


@pytest.fixture
def base(tmp_path: Path) -> dict[str, str]:
    return hashes(source(tmp_path / "base"))


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    assert before.keys() == after.keys()
    return {p for p in before if before[p] != after[p]}


def test_hashes_are_distinct_and_repeatable(tmp_path: Path, base: dict[str, str]) -> None:
    assert len(set(base.values())) == len(base)
    assert all(len(h) == 64 for h in base.values())
    assert hashes(source(tmp_path / "again")) == base


def test_an_unreleased_unlinked_part_edit_touches_the_aggregate_only(
        tmp_path: Path, base: dict[str, str]) -> None:
    after = hashes(source(tmp_path / "s", bodies={3: "New text.\n"}))
    assert changed(base, after) == {"probe/all.txt"}


def test_a_part_edit_touches_its_jobs_their_dependents_and_the_aggregate(
        tmp_path: Path, base: dict[str, str]) -> None:
    after = hashes(source(tmp_path / "s", bodies={1: "New text.\n"}))
    assert changed(base, after) == {"probe/all.txt", "probe/1.txt", "probe/1-clinic.txt",
                                    "probe/1.zip", "probe/late.zip"}


def test_a_release_touches_the_aggregate_and_the_parts_linking_to_it(tmp_path: Path) -> None:
    root = source(tmp_path / "s", bodies={1: "See [three](part:three).\n"})
    before, after = hashes(root), hashes(root, datetime(2031, 1, 1, tzinfo=UTC))
    assert changed(before, after) == {"probe/all.txt", "probe/1.txt", "probe/1-clinic.txt",
                                      "probe/1.zip", "probe/late.zip"}


def test_a_release_of_the_part_itself_changes_its_hash(tmp_path: Path) -> None:
    root = source(tmp_path / "s", third="2025-06-01T00:00:01Z")
    probe = Probe()
    type(probe).extra_jobs = [probe.job("probe/3.txt", parts=(3,))]
    try:
        before = hashes(root, renderer=probe)
        after = hashes(root, datetime(2025, 6, 1, 0, 0, 1, tzinfo=UTC), renderer=probe)
    finally:
        type(probe).extra_jobs = []
    assert changed(before, after) == {"probe/all.txt", "probe/3.txt"}


@pytest.mark.parametrize("link", ["part:2", "part:two", "<a href=\"part&#58;two\">x</a>"])
def test_a_linked_part_s_face_is_in_the_hash_its_body_is_not(tmp_path: Path, link: str) -> None:
    before = hashes(source(tmp_path / "a", bodies={1: f"See {link}.\n"}))
    body = hashes(source(tmp_path / "b", bodies={1: f"See {link}.\n", 2: "Other.\n"}))
    title = hashes(source(tmp_path / "c", bodies={1: f"See {link}.\n"}, titles={2: "New"}))
    assert changed(before, body) == {"probe/all.txt", "probe/2.txt", "probe/early.zip"}
    assert changed(before, title) == {"probe/all.txt", "probe/1.txt", "probe/1-clinic.txt",
                                      "probe/1.zip", "probe/2.txt", "probe/early.zip",
                                      "probe/late.zip"}


def test_a_link_in_the_disclaimer_ties_every_job_to_that_part_s_face(tmp_path: Path) -> None:
    series = SERIES + 'disclaimer: "Read part:three first."\n'
    before = hashes(source(tmp_path / "a", series=series))
    after = hashes(source(tmp_path / "b", series=series, titles={3: "Renamed"}))
    assert changed(before, after) == set(before)


def test_series_metadata_and_assets_touch_every_job(tmp_path: Path,
                                                     base: dict[str, str]) -> None:
    retitled = hashes(source(tmp_path / "a", series=SERIES.replace("Test Series", "Other")))
    figure = {1: "![A figure](assets/a.svg)\n"}
    before = hashes(source(tmp_path / "b", bodies=figure))
    after = hashes(source(tmp_path / "c", bodies=figure, asset="<g/>"))
    assert changed(base, retitled) == set(base)
    assert changed(before, after) == set(base)


def test_a_brand_edit_touches_that_brand_s_jobs_only(tmp_path: Path,
                                                      base: dict[str, str]) -> None:
    after = hashes(source(tmp_path / "s", brand=BRAND.replace('"Clinic"', '"Other"')))
    assert changed(base, after) == {"probe/1-clinic.txt"}
    # a colour too light for text is a load warning: still only this brand's jobs
    light = source(tmp_path / "light", brand=BRAND + 'accent_color: "#eeeeee"\n')
    assert ketapub.load(light).warnings
    assert changed(base, hashes(light)) == {"probe/1-clinic.txt"}


def test_a_job_s_hash_does_not_depend_on_the_other_renderers(tmp_path: Path,
                                                             base: dict[str, str]) -> None:
    class Other(Renderer):
        name: ClassVar[str] = "other"
        version: ClassVar[str] = "7"

        def plan(self, series: ketapub.Series, ctx: RenderContext) -> list[Job]:
            return [self.job("other/x.txt")]

        def render(self, job: Job, ctx: RenderContext) -> ketapub.Artifact:
            raise NotImplementedError

    ctx = RenderContext(ketapub.load(source(tmp_path / "s")), AS_OF)
    both = {j.path: j.input_hash for j in plan([Probe(), Other()], ctx)}
    assert {p: h for p, h in both.items() if p.startswith("probe/")} == base


def test_the_number_of_parts_touches_every_job(tmp_path: Path, base: dict[str, str]) -> None:
    root = source(tmp_path / "s")
    (root / "parts" / "04.md").write_text(part(4, "four", publish_at="2031-01-01"), "utf-8")
    assert changed(base, hashes(root)) == set(base)


def test_output_options_count_the_brand_and_large_print_selection_do_not(tmp_path: Path,
                                                           base: dict[str, str]) -> None:
    root = source(tmp_path / "s")
    assert hashes(root, options=BuildOptions(brands=("all",))) == base
    assert hashes(root, options=BuildOptions(large_print=True)) == base  # a job variant says so
    own = BuildOptions(renderers=(("probe", ProbeOptions(width=60)),))
    assert changed(base, hashes(root, options=own)) == set(base)
    # another renderer's options are not this renderer's input
    other = BuildOptions(renderers=(("pdf", PdfOptions(page_size="A4")),))
    assert hashes(root, options=other) == base
    # the defaults, given explicitly, are the same input as given by nobody
    assert hashes(root, options=BuildOptions(renderers=(("probe", ProbeOptions()),))) == base


def test_templates_count_by_content_not_by_folder(tmp_path: Path, base: dict[str, str]) -> None:
    root = source(tmp_path / "s")
    one, two = tmp_path / "t1", tmp_path / "t2"
    for folder in (one, two):
        (folder / "probe").mkdir(parents=True)
        (folder / "probe" / "x.txt").write_text("x", "utf-8")

    class Templated(Probe):
        template_roots: ClassVar[tuple[str, ...]] = ()

    first = hashes(root, options=BuildOptions(templates=(str(one),)), renderer=Templated())
    second = hashes(root, options=BuildOptions(templates=(str(two),)), renderer=Templated())
    assert first == second  # where the folder is does not count
    assert changed(base, first) == set(base)
    (two / "probe" / "x.txt").write_text("y", "utf-8")
    edited = hashes(root, options=BuildOptions(templates=(str(two),)), renderer=Templated())
    assert changed(first, edited) == set(base)
    (two / "probe" / "x.txt").rename(two / "probe" / "z.txt")
    renamed = hashes(root, options=BuildOptions(templates=(str(two),)), renderer=Templated())
    assert renamed != edited


def test_every_job_field_counts_but_the_hash_itself(tmp_path: Path) -> None:
    root = source(tmp_path / "s")
    ctx = RenderContext(ketapub.load(root), AS_OF)
    job = Job("probe", "probe/x.txt", parts=(1,))

    class One(Probe):
        jobs: ClassVar[list[Job]] = []

        def plan(self, series: ketapub.Series, ctx: RenderContext) -> list[Job]:
            return list(self.jobs)

    def one(j: Job) -> str:
        One.jobs = [j]
        return plan([One()], ctx)[0].input_hash

    first = one(job)
    assert one(replace(job, input_hash="stale")) == first
    assert one(replace(job, kind="other")) != first
    assert one(replace(job, params=(("k", "v"),))) != first


def test_planning_one_path_twice_is_an_error(tmp_path: Path) -> None:
    ctx = RenderContext(ketapub.load(source(tmp_path / "s")), AS_OF)
    with pytest.raises(KetapubError, match="planned twice"):
        plan([Probe(), Probe()], ctx)


def test_an_unsafe_path_is_an_error(tmp_path: Path) -> None:
    ctx = RenderContext(ketapub.load(source(tmp_path / "s")), AS_OF)
    Probe.extra_jobs = [Job("probe", "../escape.txt")]
    try:
        with pytest.raises(KetapubError):
            plan([Probe()], ctx)
    finally:
        Probe.extra_jobs = []


def test_a_dependency_cycle_is_an_error(tmp_path: Path) -> None:
    ctx = RenderContext(ketapub.load(source(tmp_path / "s")), AS_OF)
    Probe.extra_jobs = [Job("probe", "probe/a", depends_on=("probe/b",)),
                        Job("probe", "probe/b", depends_on=("probe/a",))]
    try:
        with pytest.raises(KetapubError, match=r"depends on itself through probe/\w -> probe/"):
            plan([Probe()], ctx)
    finally:
        Probe.extra_jobs = []


def test_linked_parts_finds_numbers_and_slugs_and_ignores_unknown_targets(
        tmp_path: Path) -> None:
    series = ketapub.load(source(tmp_path / "s"))
    assert linked_parts(series, "part:1 and [x](part:three) and part:9 and part:nope") == {1, 3}
    assert linked_parts(series, "part&#58;two") == {2}
    assert linked_parts(series, "no links") == set()


def test_an_update_coming_true_touches_the_aggregate_and_that_part_s_jobs(
        tmp_path: Path) -> None:
    root = source(tmp_path / "s")
    one = root / "parts" / "01.md"
    one.write_text(one.read_text("utf-8").replace(
        "publish_at:", 'updated_at: "2025-07-01T00:00:00Z"\npublish_at:'), "utf-8")
    before = hashes(root, datetime(2025, 6, 30, tzinfo=UTC))
    after = hashes(root, datetime(2025, 7, 1, tzinfo=UTC))
    assert changed(before, after) == {"probe/all.txt", "probe/1.txt", "probe/1-clinic.txt",
                                      "probe/1.zip", "probe/late.zip"}
