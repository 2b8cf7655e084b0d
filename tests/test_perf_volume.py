"""Volume: memory stays flat as the number of artifacts (or brands) grows, because finished
artifacts stream to disk instead of piling up in the parent; progress shows an ETA."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

from rich.console import Console

import ketapub
from ketapub import Artifact, Job, RenderContext, Renderer, Series
from ketapub.progress import Reporter
from ketapub.render.options import RendererOptions, option
from tests.conftest import ROOT
from tests.helpers import make_source, part

MB = 1024 * 1024


class BulkOptions(RendererOptions):
    count: int = option(1, "how many artifacts")


class BulkRenderer(Renderer[BulkOptions]):
    """A renderer of many large artifacts (8 MB each), to see where their bytes live."""

    name = "bulk"
    description = "test: large artifacts"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        count = self.options(ctx).count
        return [self.job(f"bulk/{i:04d}.bin", parts=()) for i in range(count)]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        seed = hashlib.sha256(job.path.encode()).digest()
        return Artifact(job.path, seed * (8 * MB // len(seed)), "application/octet-stream",
                        self.name)


PEAK = """
import json, resource, sys
import ketapub
from ketapub import Registry
from tests.test_perf_volume import BulkRenderer
src, out, count, jobs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
kind = sys.argv[5]
if kind == "bulk":
    reg = Registry()
    reg.register(BulkRenderer)
    r = ketapub.build(src, out, formats=["bulk"], registry=reg,
                      options={"bulk": {"count": int(count)}},
                      jobs=jobs, as_of="2025-06-01")
else:
    r = ketapub.build(src, out, formats=["pdf"], brands=["all"], jobs=jobs, as_of="2025-06-01")
self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rendered": len(r.rendered), "self": self_kb * 1024,
                  "children": kids_kb * 1024}))
"""


def peak(src: Path, out: Path, count: int, jobs: int, kind: str) -> dict[str, int]:
    done = subprocess.run([sys.executable, "-c", PEAK, str(src), str(out), str(count),
                           str(jobs), kind], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_parent_memory_is_flat_in_the_number_of_artifacts(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src")
    for jobs in (1, 2):  # rendered here, and in worker processes
        few = peak(src, tmp_path / f"few{jobs}", 4, jobs, "bulk")
        many = peak(src, tmp_path / f"many{jobs}", 24, jobs, "bulk")  # 192 MB of artifacts
        assert (few["rendered"], many["rendered"]) == (4, 24)
        # holding every artifact until the end would add 20 x 8 MB = 160 MB
        assert many["self"] - few["self"] < 64 * MB, (jobs, few, many)
        assert len(list((tmp_path / f"many{jobs}" / "bulk").iterdir())) == 24


def _with_brands(root: Path, count: int) -> Path:
    files: dict[str, str | bytes] = {
        f"brands/clinic-{i:03d}.yaml": (f"id: clinic-{i:03d}\nname: \"Clinic {i}\"\n"
                                        f"phone: \"+1 555 01{i:02d}\"\naccent_color: \"#1d4e89\"\n")
        for i in range(count)}
    return make_source(root, {"01-one.md": part(1, "one", "Some text.\n\n## A section\n\n"
                                                 "More text here.\n")}, files=files)


def test_memory_is_flat_in_the_number_of_brands(tmp_path: Path) -> None:
    few = peak(_with_brands(tmp_path / "s5", 4), tmp_path / "o5", 0, 2, "pdf")
    many = peak(_with_brands(tmp_path / "s40", 32), tmp_path / "o40", 0, 2, "pdf")
    assert (few["rendered"], many["rendered"]) == (4 + 2, 32 + 2)  # + handout and booklet
    # generous bounds: allocator noise and WeasyPrint caches, not growth per brand
    assert many["self"] < few["self"] * 1.25 + 32 * MB, (few, many)
    assert many["children"] < few["children"] * 1.25 + 48 * MB, (few, many)


def test_progress_bar_shows_counts_and_an_eta(tmp_path: Path) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120)
    src = _with_brands(tmp_path / "src", 3)
    with Reporter(console) as reporter:
        result = ketapub.build(src, tmp_path / "out", formats=["jsonfeed", "html"],
                               as_of="2025-06-01", progress=reporter)
    text = buffer.getvalue()
    total = len(result.rendered)
    assert "building" in text and "ETA" in text and f"{total}/{total}" in text
