"""Incremental builds: an artifact re-renders exactly when what it shows changed, and the
output folder is byte-identical to a clean build after every step (the rule is documented in
``ketapub/plan.py``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import ketapub
from tests.conftest import ROOT, SINK, SINK_AS_OF

LATER = "2030-01-02T00:00:00+00:00"  # part 3 of the kitchen sink is out
BRAND = "sink-clinic"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def per_part(number: str, slug: str) -> set[str]:
    """What shows one part: its handouts (plain and branded), fragment, card, plain text,
    Markdown, API document and embed page."""
    return {f"pdf/{number}-{slug}.pdf", f"pdf/{BRAND}/{number}-{slug}.pdf",
            f"html/{slug}.html", f"html/cards/{slug}.html", f"txt/{number}-{slug}.txt",
            f"md/{number}-{slug}.md", f"api/parts/{slug}.json", f"embed/{slug}.html"}


PART1, PART2 = per_part("01", "everything"), per_part("02", "second-part")
PART3 = per_part("03", "future-part")
AGGREGATES = {"pdf/booklet.pdf", "feed/rss.xml", "feed/atom.xml", "feed/feed.json",
              "feed/schedule.ics", "html/hub.html", "html/index.html", "html/fragments.json",
              "api/series.json", "api/changes.json"}


@dataclass
class Step:
    rendered: set[str]
    planned: set[str]
    differing: list[str]
    """Files whose bytes differ from a clean build of the same source."""


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory, sink_build: Path) -> dict[str, Step]:
    """One source edited step by step, built incrementally into one folder and cleanly
    into a fresh folder each time (for the first two steps, whose source is the unedited
    kitchen sink, that clean build is the run's shared one)."""
    base = tmp_path_factory.mktemp("incremental")
    src = base / "src"
    shutil.copytree(SINK, src)
    out = base / "out"
    parts = src / "parts"
    edits: list[tuple[str, str, Callable[[], None]]] = [
        ("initial", SINK_AS_OF, lambda: None),
        ("no change", SINK_AS_OF, lambda: None),
        ("part 2 body", SINK_AS_OF,
         lambda: _edit(parts / "02-second.md", "- A list item.", "- A list item, edited.")),
        ("unreleased part 3 body", SINK_AS_OF,
         lambda: _edit(parts / "03-future.md", "- item", "- item, edited")),
        ("part 3 released", LATER, lambda: None),
        ("part 2 title", LATER,
         lambda: _edit(parts / "02-second.md", 'title: "Second part"',
                       'title: "Second part, renamed"')),
    ]
    result: dict[str, Step] = {}
    for i, (name, as_of, edit) in enumerate(edits):
        edit()
        kwargs = {"as_of": as_of, "brands": ["all"], "jobs": 2}
        inc = ketapub.build(src, out, **kwargs)
        if name in ("initial", "no change"):
            clean = sink_build
        else:
            clean = base / f"clean{i}"
            ketapub.build(src, clean, **kwargs)
        planned = {a.path for a in inc.artifacts}
        a, b = tree(out), tree(clean)
        differing = sorted(p for p in set(a) | set(b) if a.get(p) != b.get(p))
        result[name] = Step(set(inc.rendered), planned, differing)
    return result


def aggregates(step: Step) -> set[str]:
    return AGGREGATES | {p for p in step.planned if p.startswith("epub/")}


def test_every_step_is_byte_identical_to_a_clean_build(steps: dict[str, Step]) -> None:
    assert {name: s.differing for name, s in steps.items()} == {key: [] for key in steps}


def test_no_change_rebuild_renders_nothing(steps: dict[str, Step]) -> None:
    assert len(steps["initial"].rendered) == len(steps["initial"].planned) > 15
    assert steps["no change"].rendered == set()


def test_part_body_edit_renders_that_part_and_the_aggregates_only(
        steps: dict[str, Step]) -> None:
    step = steps["part 2 body"]
    assert step.rendered == PART2 | aggregates(step)
    # part 1 links to part 2, but what a link shows (title, URL, release) did not change
    assert not step.rendered & (PART1 | {"html/ketapub.css", "html/assets/diagram.svg"})


def test_unreleased_part_edit_leaves_released_parts_alone(steps: dict[str, Step]) -> None:
    step = steps["unreleased part 3 body"]
    assert step.rendered == {"html/cards/future-part.html"} | aggregates(step)


def test_release_rerenders_parts_that_link_to_the_released_one(steps: dict[str, Step]) -> None:
    step = steps["part 3 released"]
    # part 1 links to part 3 (now a live link instead of "Available ..."), part 2 does not
    assert step.rendered == PART1 | PART3 | aggregates(step)
    assert step.planned >= PART3


def test_title_change_rerenders_parts_linking_to_it(steps: dict[str, Step]) -> None:
    step = steps["part 2 title"]
    assert step.rendered == PART1 | PART2 | aggregates(step)
    assert not step.rendered & PART3


def test_no_change_rebuild_does_not_import_weasyprint(tmp_path: Path, sink_build: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(sink_build, out)  # a complete build of the same source and options
    code = ("import sys, ketapub\n"
            f"r = ketapub.build({str(SINK)!r}, {str(out)!r}, as_of={SINK_AS_OF!r}, "
            "brands=['all'])\n"
            "assert r.rendered == () and len(r.skipped) > 15, r.rendered\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'weasyprint'))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]"
