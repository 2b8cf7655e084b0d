"""Parallel builds: worker processes give exactly the bytes of a sequential build."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import ketapub
from ketapub import execute
from ketapub.execute import page_layouts
from ketapub.render.registry import installed
from tests.conftest import SINK, SINK_AS_OF


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _worker_fonts() -> bool:
    import sys

    engine = sys.modules.get("ketapub.renderers.pdf_engine")
    return engine is not None and engine._FONT_CONFIG is not None


def test_worker_processes_and_a_foreign_pool_match_a_sequential_build(
        tmp_path: Path, sink_build: Path) -> None:
    """The kitchen sink (every construct, a brand) against the run's shared sequential build."""
    kwargs = {"as_of": SINK_AS_OF, "brands": ["all"]}
    par = ketapub.build(SINK, tmp_path / "par", jobs=2, **kwargs)
    # a pool the caller owns, started with "spawn": nothing is inherited from this process,
    # so the workers must decode the build state they are sent and load fonts
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        foreign = ketapub.build(SINK, tmp_path / "foreign", executor=pool, **kwargs)
        fonts = pool.submit(_worker_fonts).result()
    assert fonts
    assert len(par.rendered) > 15 and any("/sink-clinic/" in p for p in par.rendered)
    assert par.rendered == foreign.rendered
    expected = tree(sink_build)
    assert tree(tmp_path / "par") == expected
    assert tree(tmp_path / "foreign") == expected


def _build_state_left() -> list[str]:
    """Module globals of ketapub that still hold a build's context or renderers."""
    import sys

    from ketapub.render.base import RenderContext, Renderer

    def holds(value: object, depth: int = 0) -> bool:
        if isinstance(value, RenderContext | Renderer):
            return True
        if depth < 3 and isinstance(value, dict):
            return any(holds(v, depth + 1) for v in value.values())
        if depth < 3 and isinstance(value, list | tuple | set):
            return any(holds(v, depth + 1) for v in value)
        return False

    return [f"{name}.{key}" for name, module in list(sys.modules.items())
            if name.startswith("ketapub") for key, value in vars(module).items()
            if holds(value)]


def test_no_build_state_outlives_a_build_in_a_worker_or_here(tmp_path: Path) -> None:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        ketapub.build(SINK, tmp_path / "out", executor=pool, as_of=SINK_AS_OF,
                      formats=["html"])
        assert pool.submit(_build_state_left).result() == []
    assert _build_state_left() == []


def test_a_pool_that_serves_two_builds_gives_each_its_own_options(tmp_path: Path) -> None:
    """Nothing of one build stays in a worker for the next: the same worker renders two
    builds that differ only in an option, and each gets the bytes of its own options."""
    kwargs = {"as_of": SINK_AS_OF, "formats": ["html"]}
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        for level in (2, 3, 2):
            out = tmp_path / f"h{level}"
            ketapub.build(SINK, out, executor=pool, force=True, heading_level=level, **kwargs)
            assert tree(out) == {"manifest.json": (out / "manifest.json").read_bytes(),
                                 **ketapub.render(SINK, "html", heading_level=level,
                                                  as_of=SINK_AS_OF)}


class _Plugin(ketapub.Renderer):
    """A renderer from outside ketapub: its jobs keep worker processes of their own."""

    name = "plugin-in-test"

    def plan(self, series: ketapub.Series, ctx: ketapub.RenderContext) -> list[ketapub.Job]:
        return []

    def render(self, job: ketapub.Job, ctx: ketapub.RenderContext) -> ketapub.Artifact:
        return ketapub.Artifact(job.path, b"", "text/plain", self.name)


def test_a_build_with_few_page_layouts_lays_them_out_in_one_worker_unless_a_plugin_is_in_it(
        ) -> None:
    reg = installed()
    pdf, feed, plugin = reg.create("pdf"), reg.create("jsonfeed"), _Plugin()
    edit = [ketapub.Job("pdf", "pdf/03.pdf"), ketapub.Job("pdf", "pdf/booklet.pdf"),
            ketapub.Job("jsonfeed", "feed/feed.json")]
    full = [*edit, ketapub.Job("pdf", "pdf/04.pdf")]
    assert page_layouts(edit, [pdf, feed]) == 2 == execute.FEW_LAYOUTS
    assert page_layouts(full, [pdf, feed]) == 3
    # one worker lays out the two, this process renders the feed meanwhile
    split = execute.Pool.choose(None, 2, None, len(edit), page_layouts(edit, [pdf, feed]))
    assert split.split and isinstance(split.executor, ProcessPoolExecutor)
    assert split.executor._max_workers == 1
    split.close()
    # nothing but the two: no worker at all
    here = execute.Pool.choose(None, 2, None, 2, page_layouts(edit[:2], [pdf, feed]))
    assert here.executor is None
    with_plugin = [*edit, ketapub.Job("plugin-in-test", "x.txt")]
    for todo in (full, with_plugin):
        pool = execute.Pool.choose(None, 2, None, len(todo),
                                   page_layouts(todo, [pdf, feed, plugin]))
        assert isinstance(pool.executor, ProcessPoolExecutor) and not pool.split
        pool.close()
    assert page_layouts(with_plugin, [pdf, feed, plugin]) is None


def test_jobs_others_wait_for_start_first_then_aggregates_then_plan_order() -> None:
    """The handouts the booklet binds lead: the booklet, the longest chain, waits for them."""
    hub = ketapub.Job("html", "html/hub.html")
    fragment = ketapub.Job("html", "html/one.html", parts=(1,))
    handouts = [ketapub.Job("pdf", f"pdf/0{n}.pdf", parts=(n,)) for n in (1, 2)]
    booklet = ketapub.Job("pdf", "pdf/booklet.pdf", depends_on=("pdf/01.pdf", "pdf/02.pdf"))
    queue = execute._Queue.of([hub, fragment, *handouts, booklet])
    assert [j.path for j in queue.ready] == ["pdf/01.pdf", "pdf/02.pdf", "html/hub.html",
                                             "html/one.html"]
    queue.ready.clear()
    queue.ended(handouts[0])
    assert not queue.ready
    queue.ended(handouts[1])
    assert list(queue.ready) == [booklet]


SPLIT_EDIT = r"""
import json, sys
import ketapub
before = {m for m in ("weasyprint", "ebooklib") if m in sys.modules}
r = ketapub.build(sys.argv[1], sys.argv[2], as_of=sys.argv[3], jobs=2)
print(json.dumps({"rendered": r.rendered, "before": sorted(before),
                  "here": sorted(m for m in ("weasyprint", "ebooklib") if m in sys.modules)}))
"""


def test_a_split_build_lays_out_in_its_worker_and_renders_the_rest_here(tmp_path: Path) -> None:
    """An edit's handout and booklet are laid out in the one worker (this process never imports
    WeasyPrint), its ebook is made here (this process imports ebooklib), and the files are a
    sequential build's."""
    src = tmp_path / "src"
    shutil.copytree(SINK, src)
    ketapub.build(src, tmp_path / "out", as_of=SINK_AS_OF, jobs=2)
    part = sorted((src / "parts").glob("*.md"))[0]
    part.write_text(part.read_text("utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", SPLIT_EDIT, str(src), str(tmp_path / "out"),
                           SINK_AS_OF], capture_output=True, text=True, check=True)
    edited = json.loads(done.stdout.strip().splitlines()[-1])
    pdfs = [p for p in edited["rendered"] if p.startswith("pdf/")]
    assert len(pdfs) == 2 and any(p.startswith("epub/") for p in edited["rendered"]), edited
    assert edited["before"] == [] and edited["here"] == ["ebooklib"], edited
    ketapub.build(src, tmp_path / "seq", as_of=SINK_AS_OF, jobs=1)
    assert tree(tmp_path / "out") == tree(tmp_path / "seq")
