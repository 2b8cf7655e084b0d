"""Benchmark: ketapub against the usual pandoc + WeasyPrint pipeline and against the floor.

One run on a temporary copy of ``content/`` in English (all six parts released; its Spanish
edition left out, as the pandoc pipeline makes the English outputs):

- ketapub's full cold build (every installed renderer, no brands; then again with the
  series' own brands) in a fresh process, on two cores and pinned to one;
- the pandoc pipeline making the same outputs (EPUB, six HTML pages, six handout PDFs and
  a booklet PDF; one pandoc call per output, ``--pdf-engine=weasyprint``), when pandoc is
  installed, one call after the other as a Makefile would, and two at a time;
- the floor: WeasyPrint alone laying out and writing ketapub's own handout and booklet
  HTML (asked from the pdf renderer), in one process pinned to one core;
- a no-change rebuild (and whether it imported WeasyPrint) and a one-part edit;
- handouts per second and peak memory with 20 and 200 generated clinic brands;
- the cost of one more part: full builds of a 6-part and a 30-part series (the six parts,
  five times over), ``(T30 - T6) / 24``;
- edit -> reloaded preview in a warm ``ketapub watch`` (``bench/watch_latency.py``).

Each timing is the median of ``--repeat`` runs (default 3), printed with the load average
the machine had when the median run started; the last table sets every figure against the
pandoc pipeline, the floor and the targets of issue 19.

Every ketapub and floor figure comes from a fresh Python process, started the way a user
starts the command line, so imports count. Run ``make bench`` (or ``python bench/run.py``,
``--brands 20,200``, ``--json FILE``).
"""

from __future__ import annotations

import argparse
import compileall
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import watch_latency  # noqa: E402 - beside this file

PARTS = 30
AS_OF = "2025-10-01T00:00:00+00:00"  # all six parts of the example are out
MB = 1024 * 1024

# Runs in a fresh interpreter: one build, reported as JSON on stdout.
BUILD = r"""
import json, os, resource, sys, time
started = time.perf_counter()
args = json.loads(sys.argv[1])
# Laid-out pieces are kept per output folder: a cold build starts with none, a rebuild of
# the same folder (no change, one-part edit) finds what the build before it laid out.
os.environ["KETAPUB_CACHE_DIR"] = args["out"] + ".layouts"
if args.get("cpus"):
    os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[: args["cpus"]]))
import ketapub
imported = time.perf_counter()
r = ketapub.build(args["src"], args["out"], formats=args.get("formats"), as_of=args["as_of"],
                  brands=args.get("brands", []), jobs=args["jobs"])
done = time.perf_counter()
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
me = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "build": done - imported, "in_process": done - started, "rendered": len(r.rendered),
    "handouts": sum(1 for p in r.rendered if p.startswith("pdf/") and "booklet" not in p),
    "weasyprint": any(m.split(".")[0] == "weasyprint" for m in sys.modules),
    "self_rss": me.ru_maxrss * 1024, "children_rss": kids.ru_maxrss * 1024,
    "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime}))
"""

# The floor: WeasyPrint laying out ketapub's own HTML, nothing else timed: the six handouts
# and the booklet laid out whole; and each distinct page once: the handouts and the booklet's
# front matter (cover, contents, about), which is all a booklet bound from its handouts shows.
FLOOR = r"""
import json, os, sys, time
os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
src, out, as_of = sys.argv[1:4]
t0, c0 = time.perf_counter(), time.process_time()
import weasyprint  # what any in-process use of WeasyPrint pays once
t1, c1 = time.perf_counter(), time.process_time()
import ketapub
from ketapub.render.base import BuildOptions, RenderContext
from ketapub.render.registry import installed
from ketapub.renderers import pdf_html
from ketapub.schedule import resolve_as_of
series = ketapub.load(src)
ctx = RenderContext(series=series, as_of=resolve_as_of(as_of, series.tz), options=BuildOptions())
renderer = installed().create("pdf")
docs = [(f"{p.number}.pdf", pdf_html.handout(renderer, ctx, p, None)) for p in ctx.released]
booklet = pdf_html.booklet(renderer, ctx)
front = pdf_html.booklet(renderer, ctx, only="front")
from ketapub.renderers import pdf_engine
def write(name, doc):
    data = pdf_engine.write_pdf(doc.html, doc.css, doc.assets, doc.templates_dir)
    with open(os.path.join(out, name), "wb") as fh:
        fh.write(data)
t2, c2 = time.perf_counter(), time.process_time()
for name, doc in docs:
    write(name, doc)
t3, c3 = time.perf_counter(), time.process_time()
write("booklet.pdf", booklet)
t4, c4 = time.perf_counter(), time.process_time()
write("front.pdf", front)
t5, c5 = time.perf_counter(), time.process_time()
print(json.dumps({"import": t1 - t0, "import_cpu": c1 - c0, "layout": t4 - t2,
                  "layout_cpu": c4 - c2, "documents": len(docs) + 1,
                  "layout_once": (t3 - t2) + (t5 - t4),
                  "layout_once_cpu": (c3 - c2) + (c5 - c4)}))
"""


def run_build(**args: Any) -> dict[str, Any]:
    """One ketapub build in a fresh process; ``wall`` includes start-up and imports."""
    load = os.getloadavg()[0]
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", BUILD, json.dumps(args)], cwd=ROOT,
                          capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"build failed:\n{done.stderr}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "wall": wall, "load": load}


def floor(src: Path, out: Path) -> dict[str, Any]:
    out.mkdir(parents=True)
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", FLOOR, str(src), str(out), AS_OF], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"floor failed:\n{done.stderr}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]),
            "wall": time.perf_counter() - t}


def pandoc_commands(src: Path, out: Path) -> list[list[str]]:
    """One pandoc call per output: what a Makefile around pandoc would run."""
    import yaml

    title = yaml.safe_load((src / "series.yaml").read_text("utf-8"))["title"]
    parts = sorted(str(p) for p in (src / "parts").glob("*.md"))
    engine = ["--pdf-engine=weasyprint", f"--resource-path={src}"]
    cmds = [["pandoc", p, "-s", "-o", str(out / f"{Path(p).stem}.html")] for p in parts]
    cmds += [["pandoc", p, "-o", str(out / f"{Path(p).stem}.pdf"), *engine] for p in parts]
    cmds.append(["pandoc", *parts, "-o", str(out / "booklet.pdf"), "--toc",
                 "--metadata", f"title={title}", *engine])
    cmds.append(["pandoc", *parts, "-o", str(out / "series.epub"), "--toc",
                 "--metadata", f"title={title}", f"--resource-path={src}"])
    return cmds


def pandoc(src: Path, out: Path, parallel: int) -> float | None:
    if shutil.which("pandoc") is None:
        return None
    out.mkdir(parents=True)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def call(cmd: list[str]) -> None:
        subprocess.run(cmd, cwd=src, env=env, check=True, capture_output=True)

    t = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(call, pandoc_commands(src, out)))
    seconds = time.perf_counter() - t
    made = sorted(p.name for p in out.iterdir())
    assert len(made) == 14, made
    return seconds


ENGLISH_ONLY = shutil.ignore_patterns("translations")
"""``content/`` without its Spanish edition: the outputs the pandoc pipeline makes."""


def with_brands(base: Path, dest: Path, count: int) -> Path:
    shutil.copytree(base, dest)
    shutil.rmtree(dest / "brands", ignore_errors=True)
    (dest / "brands").mkdir()
    for i in range(count):
        (dest / "brands" / f"clinic-{i:03d}.yaml").write_text(
            f'id: clinic-{i:03d}\nname: "Clinic {i}"\nphone: "+1 555 {i:04d}"\n'
            f'email: "desk{i}@clinic.example"\naccent_color: "#{(i * 2654435) % 0xFFFFFF:06x}"\n'
            f"page_size: {'Letter' if i % 2 else 'A4'}\n", "utf-8")
    return dest


def with_parts(base: Path, dest: Path, count: int) -> Path:
    """``base`` with its parts repeated until there are ``count`` (new numbers and slugs,
    the same text and release instants): the same kind of part, more of them."""
    shutil.copytree(base, dest)
    originals = sorted((base / "parts").glob("*.md"))
    for n in range(len(originals) + 1, count + 1):
        src = originals[(n - 1) % len(originals)]
        copy = (n - 1) // len(originals)
        text = src.read_text("utf-8")
        text = re.sub(r"(?m)^part: \d+$", f"part: {n}", text, count=1)
        text = re.sub(r"(?m)^slug: (.+)$", rf"slug: \1-{copy}", text, count=1)
        text = re.sub(r'(?m)^title: "(.+)"$', rf'title: "\1 ({copy})"', text, count=1)
        (dest / "parts" / f"{n:02d}-{src.stem[3:]}-{copy}.md").write_text(text, "utf-8")
    return dest


def edit_one_part(src: Path) -> None:
    part = sorted((src / "parts").glob("03-*.md"))[0]
    part.write_text(part.read_text("utf-8") + "\nOne more sentence, added by the benchmark.\n",
                    "utf-8")


def median(samples: list[dict[str, Any]], key: str = "wall") -> dict[str, Any]:
    """The median run by ``key`` (a whole run, so its other figures belong with it), with
    the range of ``key`` over all runs."""
    ranked = sorted(samples, key=lambda run: run[key])
    return {**ranked[(len(ranked) - 1) // 2], "lo": ranked[0][key], "hi": ranked[-1][key]}


def median_seconds(samples: list[float | None]) -> float | None:
    got = sorted(x for x in samples if x is not None)
    return got[(len(got) - 1) // 2] if got else None


def spread(run: dict[str, Any] | list[float | None]) -> str:
    """"range a-b" over the repeats, or nothing for a single run."""
    if isinstance(run, list):
        got = sorted(x for x in run if x is not None)
        lo, hi = (got[0], got[-1]) if got else (0.0, 0.0)
    else:
        lo, hi = run["lo"], run["hi"]
    return f"; range {lo:.2f}-{hi:.2f}" if hi > lo else ""


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else "n/a"


def targets(say: Any, *, full2: dict[str, Any], pd1: float | None, fl: dict[str, Any],
            edit: dict[str, Any], noop: dict[str, Any], full30: dict[str, Any],
            watch: dict[str, Any], volume: dict[int, dict[str, Any]]) -> None:
    """Every figure of issue 19's targets, against the pandoc pipeline and the floor, with
    the load average when its median run started."""
    per_part = (full30["wall"] - full2["wall"]) / (PARTS - 6)
    rows: list[tuple[str, float | None, bool, str, bool | None, float | None]] = [
        # (figure, value, is a time, target, met, load)
        ("full build, 2 workers (s)", full2["wall"], True, "<= 0.30 x pandoc",
         None if not pd1 else full2["wall"] / pd1 <= 0.30, full2["load"]),
        ("one-part edit, command line (s)", edit["wall"], True,
         f"<= 0.35 x full: {ratio(edit['wall'], full2['wall'])}",
         edit["wall"] / full2["wall"] <= 0.35, edit["load"]),
        ("edit -> reloaded preview, watch (s)", watch["preview"], True, "<= 1.0 s",
         watch["preview"] <= 1.0, watch["load"]),
        ("edit -> every output, watch (s)", watch["everything"], True, "", None, None),
        ("no-change rebuild, build call (s)", noop["build"], True, "<= 0.3 s",
         noop["build"] <= 0.3, noop["load"]),
        (f"one more part, (T{PARTS} - T6) / {PARTS - 6} (s)", per_part, True, "<= 0.13 s",
         per_part <= 0.13, full30["load"]),
    ]
    if volume:
        big, small = volume[max(volume)], volume[min(volume)]
        rate = big["handouts"] / big["wall"]
        rows.append((f"branded handouts per second ({max(volume)} brands)", rate, False,
                     ">= 30", rate >= 30, big["load"]))
        if len(volume) > 1:
            grow = max(big["self_rss"] / small["self_rss"],
                       big["children_rss"] / small["children_rss"])
            rows.append((f"peak RSS, {max(volume)} vs {min(volume)} brands (x)", grow, False,
                         "flat (<= 1.10)", grow <= 1.10, big["load"]))
    say("\nissue 19 targets (median runs)")
    say(f"  {'figure':44s} {'value':>7s} {'x pandoc':>8s} {'x floor':>7s}  "
        f"{'target':22s} {'met':6s} load")
    for name, value, is_time, target, met, load in rows:
        vs_pandoc = ratio(value, pd1) if is_time else ""
        vs_floor = ratio(value, fl["wall"]) if is_time else ""
        shown = "n/a" if value is None else f"{value:.2f}"
        verdict = "" if met is None and not target else ("n/a" if met is None else
                                                          "met" if met else "MISSED")
        say(f"  {name:44s} {shown:>7s} {vs_pandoc:>8s} {vs_floor:>7s}  {target:22s} "
            f"{verdict:6s} {'' if load is None else f'{load:.1f}'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--brands", default="20,200", help="brand counts (comma list; '' skips)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each timing; the median is reported (default 3)")
    opts = ap.parse_args()
    brand_counts = [int(n) for n in opts.brands.split(",") if n.strip()]
    # Bytecode as an installed package has it (pip compiles it on install): a checkout run
    # with PYTHONDONTWRITEBYTECODE set compiles each module of ketapub in every fresh process
    # and every worker (0.1-0.2 s each), which no user's build pays.
    compileall.compile_dir(ROOT / "ketapub", quiet=1)
    tmp = Path(tempfile.mkdtemp(prefix="ketapub-bench-"))
    figures: dict[str, Any] = {"cpus": len(os.sched_getaffinity(0)),
                               "load_before": os.getloadavg()[0]}
    try:
        src = tmp / "src"
        # English only: the pandoc pipeline makes the English outputs (the Spanish edition
        # would double ketapub's side of every comparison)
        shutil.copytree(ROOT / "content", src, ignore=ENGLISH_ONLY)
        say = functools.partial(print, flush=True)
        say(f"ketapub benchmark on content/ as of {AS_OF}; {figures['cpus']} CPUs, "
            f"load average {figures['load_before']:.2f}; median of {opts.repeat} runs")
        if figures["load_before"] > 0.5 * figures["cpus"]:
            say("  (the machine is busy: wall-clock figures are inflated; CPU seconds hold)")

        # Every timing is taken ``--repeat`` times, the kinds interleaved round by round so
        # that a change in the machine's load touches them all; the median run is reported.
        runs: dict[str, list[Any]] = {k: [] for k in ("full2", "full1", "floor", "pd1", "pd2",
                                                       "branded", "noop", "edit", "edit_b",
                                                       "full30")}
        src30 = with_parts(src, tmp / "src30", PARTS)
        for r in range(opts.repeat):
            runs["full30"].append(run_build(src=str(src30), out=str(tmp / f"out30-{r}"),
                                            as_of=AS_OF, jobs=2))
            runs["full2"].append(run_build(src=str(src), out=str(tmp / f"out2-{r}"),
                                           as_of=AS_OF, jobs=2))
            runs["full1"].append(run_build(src=str(src), out=str(tmp / f"out1-{r}"),
                                           as_of=AS_OF, jobs=1, cpus=1))
            runs["floor"].append(floor(src, tmp / f"floor-{r}"))
            runs["pd1"].append(pandoc(src, tmp / f"pandoc1-{r}", 1))
            runs["pd2"].append(pandoc(src, tmp / f"pandoc2-{r}", 2))
            runs["branded"].append(run_build(src=str(src), out=str(tmp / f"outb-{r}"),
                                             as_of=AS_OF, jobs=2, brands=["all"]))
        for _ in range(opts.repeat):
            runs["noop"].append(run_build(src=str(src), out=str(tmp / "out2-0"), as_of=AS_OF,
                                          jobs=2))
        for _ in range(opts.repeat):  # each round a new sentence in part 3
            edit_one_part(src)
            runs["edit"].append(run_build(src=str(src), out=str(tmp / "out2-0"), as_of=AS_OF,
                                          jobs=2))
            runs["edit_b"].append(run_build(src=str(src), out=str(tmp / "outb-0"),
                                            as_of=AS_OF, jobs=2, brands=["all"]))
        shutil.copytree(ROOT / "content", tmp / "watch-src", ignore=ENGLISH_ONLY)
        runs["watch"] = watch_latency.measure(tmp / "watch-src", tmp / "watch-out", AS_OF,
                                              opts.repeat)
        for fl_run in runs["floor"]:
            fl_run["wall"] = fl_run["import"] + fl_run["layout"]
            fl_run["cpu"] = fl_run["import_cpu"] + fl_run["layout_cpu"]
            fl_run["once"] = fl_run["import"] + fl_run["layout_once"]
            fl_run["once_cpu"] = fl_run["import_cpu"] + fl_run["layout_once_cpu"]
        full2, full1, fl, branded = (median(runs[k]) for k in ("full2", "full1", "floor",
                                                                "branded"))
        noop, edit, edit_b, full30 = (median(runs[k]) for k in ("noop", "edit", "edit_b",
                                                                 "full30"))
        watch = median(runs["watch"], "preview")
        pd1 = median_seconds(runs["pd1"])
        pd2 = median_seconds(runs["pd2"])
        figures["runs"] = runs
        figures.update(full_2cores=full2, full_1core=full1, no_change=noop, floor=fl,
                       pandoc_sequential=pd1, pandoc_2_at_a_time=pd2, full_branded=branded,
                       one_part_edit=edit, one_part_edit_branded=edit_b,
                       full_30_parts=full30, watch_edit_to_preview=watch)
        volume = {}
        for n in brand_counts:
            bsrc = with_brands(src, tmp / f"b{n}", n)
            volume[n] = run_build(src=str(bsrc), out=str(tmp / f"ob{n}"), as_of=AS_OF,
                                  jobs=2, formats=["pdf"], brands=["all"])
            if n == min(brand_counts):
                edit_one_part(bsrc)
                volume[n]["edit"] = run_build(src=str(bsrc), out=str(tmp / f"ob{n}"),
                                              as_of=AS_OF, jobs=2, formats=["pdf"],
                                              brands=["all"])
            if n == max(brand_counts):
                volume[n]["no_change"] = run_build(src=str(bsrc), out=str(tmp / f"ob{n}"),
                                                   as_of=AS_OF, jobs=2, formats=["pdf"],
                                                   brands=["all"])
            shutil.rmtree(tmp / f"ob{n}", ignore_errors=True)
        figures["brands"] = volume
        figures["load_after"] = os.getloadavg()[0]

        floor_s, floor_cpu = fl["wall"], fl["cpu"]
        rows = [
            ("ketapub full build, 2 workers", full2["wall"],
             f"{full2['rendered']} artifacts, {full2['cpu']:.1f} s CPU{spread(full2)}"),
            ("ketapub full build, 1 core", full1["wall"],
             f"{full1['cpu']:.1f} s CPU{spread(full1)}"),
            ("floor: WeasyPrint alone, 1 core", floor_s,
             f"{fl['documents']} PDFs, {floor_cpu:.1f} s CPU; of which importing WeasyPrint "
             f"{fl['import']:.2f} s{spread(fl)}"),
            ("floor, each page laid out once, 1 core", fl["once"],
             f"6 handouts and the booklet's front matter, {fl['once_cpu']:.1f} s CPU"),
            ("pandoc + WeasyPrint, one call at a time", pd1, f"14 calls{spread(runs['pd1'])}"),
            ("pandoc + WeasyPrint, two at a time", pd2, f"14 calls{spread(runs['pd2'])}"),
            ("no-change rebuild (build call)", noop["build"],
             f"process {noop['wall']:.2f} s; WeasyPrint imported: {noop['weasyprint']}"),
            ("one-part edit", edit["wall"], f"{edit['rendered']} re-rendered{spread(edit)}"),
            ("full build with the 2 content brands", branded["wall"],
             f"{branded['rendered']} artifacts{spread(branded)}"),
            ("one-part edit with the 2 brands", edit_b["wall"],
             f"{edit_b['rendered']} re-rendered{spread(edit_b)}"),
        ]
        say("\nseconds (wall clock)")
        for name, secs, note in rows:
            say(f"  {name:42s} {secs:7.2f}  {note}" if secs is not None
                else f"  {name:42s}     n/a  pandoc not installed")
        say("\nratios (target)")
        checks = [
            ("full build / pandoc pipeline", full2["wall"], pd1, 0.30),
            ("full build on 1 core / floor", full1["wall"], floor_s, 1.15),
            ("same, in CPU seconds", full1["cpu"], floor_cpu, 1.15),
            ("full build on 2 cores / floor", full2["wall"], floor_s, 1.0),
            ("no-change rebuild, seconds", noop["build"], 1.0, 0.3),
            ("one-part edit / full build", edit["wall"], full2["wall"], 0.35),
            ("one-part edit / full build, 2 brands", edit_b["wall"], branded["wall"], 0.35),
            ("floor / pandoc pipeline (for scale)", floor_s, pd1, 0.30),
            ("floor, each page once / pandoc (for scale)", fl["once"], pd1, 0.30),
            ("full build on 2 cores / that floor", full2["wall"], fl["once"], 1.0),
        ]
        if volume:
            n = min(volume)
            checks.append((f"one-part edit / full build, {n} brands (pdf)",
                           volume[n]["edit"]["wall"], volume[n]["wall"], 0.35))
        for name, a, b, target in checks:
            value = ratio(a, b)
            met = "n/a" if value == "n/a" else ("met" if float(value) <= target else "MISSED")
            say(f"  {name:42s} {value:>6s}  (<= {target}) {met}")
        if volume:
            say("\nbranded handouts (pdf only, 2 workers)")
            for n, v in volume.items():
                say(f"  {n:4d} brands: {v['handouts']:5d} handouts in {v['wall']:7.1f} s = "
                    f"{v['handouts'] / v['wall']:5.1f}/s; peak RSS parent "
                    f"{v['self_rss'] / MB:5.0f} MB, largest worker "
                    f"{v['children_rss'] / MB:5.0f} MB")
            big = volume[max(volume)]["no_change"]
            say(f"  no-change rebuild with {max(volume)} brands: build call "
                f"{big['build']:.2f} s, process {big['wall']:.2f} s, "
                f"WeasyPrint imported: {big['weasyprint']}")
            if len(volume) > 1:
                lo, hi = volume[min(volume)], volume[max(volume)]
                say(f"  peak RSS {max(volume)} vs {min(volume)} brands: parent "
                    f"{ratio(hi['self_rss'], lo['self_rss'])}x, worker "
                    f"{ratio(hi['children_rss'], lo['children_rss'])}x")
        targets(say, full2=full2, pd1=pd1, fl=fl, edit=edit, noop=noop, full30=full30,
                watch=watch, volume=volume)
        say(f"\nload average after: {figures['load_after']:.2f}")
        if opts.json:
            Path(opts.json).write_text(json.dumps(figures, indent=2, default=str) + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
