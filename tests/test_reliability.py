"""Nothing is lost: a build that is killed, fails or overruns leaves the output folder exactly as
the last completed build left it (every manifest file present with its hash, no stray files).

The kill tests SIGKILL a build before every step that changes a file (deterministically, for
each step in turn), and the real ``ketapub build`` command in a subprocess at random moments.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import ketapub
from ketapub import Artifact, Renderer, write
from ketapub.budget import Budget
from ketapub.cli import main
from tests.conftest import SINK, SINK_AS_OF

# A CLI run with two extra renderers: "slow" (20 artifacts of ~256 KB, a few ms each) and
# "flaky" (fails on the paths named in $FLAKY_FAIL). $GEN changes every byte they make.
# $KILL_AT=between-renames kills it inside the two-rename swap; =no-exchange forces that swap.
SCRIPT = textwrap.dedent('''
    import os, signal, sys, time
    from ketapub import Artifact, Renderer, RenderError, write
    from ketapub.render.registry import installed

    GEN = os.environ.get("GEN", "0")

    class Slow(Renderer):
        name = "slow"
        version = GEN
        def plan(self, series, ctx):
            return [self.job(f"slow/{i:02d}.bin") for i in range(20)]
        def render(self, job, ctx):
            time.sleep(float(os.environ.get("SLOW_SLEEP", "0.005")))
            data = (f"{GEN}:{job.path}\\n" * 20000).encode()
            return Artifact(job.path, data, "application/octet-stream", self.name)

    class Flaky(Renderer):
        name = "flaky"
        version = GEN
        def plan(self, series, ctx):
            return [self.job(f"flaky/{n}.txt") for n in ("a", "b", "c")]
        def render(self, job, ctx):
            if job.path in os.environ.get("FLAKY_FAIL", "").split(","):
                raise RenderError(job.path, "the flaky renderer failed on purpose")
            if job.path == os.environ.get("FLAKY_CRASH"):
                raise ZeroDivisionError("division by zero")
            return Artifact(job.path, f"{GEN} {job.path}\\n".encode(), "text/plain", self.name)

    kill_at = os.environ.get("KILL_AT", "")
    if kill_at == "between-renames":
        write._exchange = lambda a, b: False
        real_rename, renames = os.rename, [0]
        def rename_then_die(a, b):
            real_rename(a, b)
            renames[0] += 1
            if renames[0] == 1:
                os.kill(os.getpid(), signal.SIGKILL)
        os.rename = rename_then_die
    elif kill_at == "no-exchange":
        write._exchange = lambda a, b: False

    reg = installed()
    reg.register(Slow)
    reg.register(Flaky)
    from ketapub.cli import main
    main(sys.argv[1:], prog_name="ketapub")
''')

USER_FILE = "README-user.txt"


def _run(script: Path, out: Path, gen: int, env: dict[str, str] | None = None,
         formats: str = "slow,flaky,jsonfeed") -> subprocess.Popen[bytes]:
    environ = {**os.environ, "GEN": str(gen), **(env or {})}
    cmd = [sys.executable, str(script), "build", str(SINK), "-o", str(out), "--format", formats,
           "--as-of", SINK_AS_OF, "-j", "1", "-q"]
    return subprocess.Popen(cmd, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parent.parent)


def _complete(script: Path, out: Path, gen: int, **kw: object) -> subprocess.CompletedProcess[str]:
    proc = _run(script, out, gen, **kw)  # type: ignore[arg-type]
    stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout.decode(),
                                       stderr.decode())


def state(out: Path) -> dict[str, str]:
    """Check that ``out`` is exactly one completed build; return {path: sha256} of it."""
    manifest = json.loads((out / write.MANIFEST).read_text("utf-8"))
    listed = {a["path"]: a for a in manifest["artifacts"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == set(listed) | {write.MANIFEST, USER_FILE}, \
        f"stray or missing files: {on_disk ^ (set(listed) | {write.MANIFEST, USER_FILE})}"
    for path, a in listed.items():
        data = (out / path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == a["sha256"], f"{path} does not match"
        assert len(data) == a["bytes"]
    return {p: a["sha256"] for p, a in listed.items()}


def generation(out: Path) -> str:
    """Which build's bytes are in ``out`` (every slow artifact must agree)."""
    gens = {(out / f"slow/{i:02d}.bin").read_bytes().split(b":", 1)[0] for i in range(20)}
    assert len(gens) == 1, f"artifacts from different builds mixed: {gens}"
    return gens.pop().decode()


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "run_build.py"
    path.write_text(SCRIPT, "utf-8")
    return path


@pytest.fixture
def built(tmp_path: Path, script: Path) -> Path:
    """An output folder holding one completed build (generation 0) plus a user's own file
    (put there after the build: a folder of the user's files is never built into)."""
    out = tmp_path / "out"
    out.mkdir()
    done = _complete(script, out, 0)
    assert done.returncode == 0, done.stderr
    (out / USER_FILE).write_text("mine\n")
    assert generation(out) == "0"
    return out


def test_sigkill_at_random_moments_never_leaves_a_mixed_or_partial_output(
        built: Path, script: Path) -> None:
    out = built
    t0 = time.perf_counter()
    assert _complete(script, out, 1).returncode == 0
    full = time.perf_counter() - t0
    last_completed = "1"
    rng = random.Random(9)
    outcomes = {"old": 0, "new": 0}
    for gen in range(2, 10):  # every step is killed deterministically below; this adds timing
        proc = _run(script, out, gen)
        time.sleep(rng.uniform(0.05, full * 1.3))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        state(out)
        now = generation(out)
        assert now in (last_completed, str(gen))
        outcomes["new" if now == str(gen) else "old"] += 1
        last_completed = now
    # a killed build may leave only the hidden stage sibling; the next build removes it
    done = _complete(script, out, 99)
    assert done.returncode == 0, done.stderr
    assert generation(out) == "99"
    state(out)
    assert not write.sibling(out, write.STAGE_SUFFIX).exists()
    assert not write.sibling(out, write.OLD_SUFFIX).exists()
    assert not _spools(out)  # spools of killed builds are removed too
    assert outcomes["old"] > 0, outcomes  # some kills landed before the swap


# --- SIGKILL before every file-system step of a build -------------------------------------
# A forked child builds under an audit hook (sys.addaudithook: test code only, the library
# carries no test hook) that logs each call changing files under the test's folder (open for
# writing, mkdir, rename/replace, link, symlink, remove, rmdir, rmtree, and the lookup of
# renameat2 just before the exchange) and SIGKILLs itself just before the Nth. What a killed
# process leaves on disk is decided by which of these calls ran (a write between two of them
# lands only in the hidden spool or stage), so killing before each one, for every N, reaches
# every state a SIGKILL can leave. A dry run lists the steps; each kill must stop before the
# same step of the same list.

GEN_PATHS = ("gen/a/0.bin", "gen/b/1.bin", "gen/b/2.bin")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_CHANGING = {"os.mkdir", "os.rename", "os.link", "os.symlink", "os.remove", "os.rmdir",
             "shutil.rmtree", "os.truncate", "os.chmod", "os.utime"}


class _Generation(Renderer):
    """Artifacts in two folders whose bytes change with every build (its version)."""

    name = "gen"

    def plan(self, series: ketapub.Series, ctx: ketapub.RenderContext) -> list[ketapub.Job]:
        return [self.job(path) for path in GEN_PATHS]

    def render(self, job: ketapub.Job, ctx: ketapub.RenderContext) -> Artifact:
        data = f"{type(self).version}:{job.path}\n".encode() * 2000
        return Artifact(job.path, data, "application/octet-stream", self.name)


class _Stable(Renderer):
    """An artifact that never changes: the commit hard-links it from the previous tree."""

    name = "stable"

    def plan(self, series: ketapub.Series, ctx: ketapub.RenderContext) -> list[ketapub.Job]:
        return [self.job("stable/same.txt")]

    def render(self, job: ketapub.Job, ctx: ketapub.RenderContext) -> Artifact:
        return Artifact(job.path, b"same\n", "text/plain", self.name)


def _build_generation(series: ketapub.Series, out: Path, gen: int) -> ketapub.BuildResult:
    reg = ketapub.Registry()
    reg.register(type("Generation", (_Generation,), {"version": str(gen)}))
    reg.register(_Stable)
    return ketapub.build(series, out, formats=["gen", "stable"], registry=reg,
                         as_of=SINK_AS_OF)


def _step(event: str, args: tuple[object, ...], base: str) -> str | None:
    """A short name for an audit event that changes files under ``base``; else None."""
    if event == "ctypes.dlsym":
        return "renameat2" if args[1] == "renameat2" else None
    if event == "open":
        if not isinstance(args[2], int) or not args[2] & _WRITE_FLAGS:
            return None
    elif event not in _CHANGING:
        return None
    paths = [a for a in (args[:1] if event == "open" else args)
             if isinstance(a, str | bytes | os.PathLike)]
    shown = []
    for path in paths:
        text = os.fsdecode(path)
        if os.path.isabs(text) and not text.startswith(base):
            return None  # bytecode caches and the like: not the build's files
        shown.append(re.sub(r"ketapub-spool-[^/]*", "ketapub-spool-*", text.removeprefix(base)))
    return " ".join([event, *shown])


def _child_build(series: ketapub.Series, out: Path, gen: int, swap: str, kill_at: int,
                 log: Path) -> None:
    if swap == "two-renames":  # as on a file system without renameat2(RENAME_EXCHANGE)
        write._exchange = lambda a, b: False
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    base, count = str(out.parent) + os.sep, 0

    def hook(event: str, args: tuple[object, ...]) -> None:
        nonlocal count
        step = _step(event, args, base)
        if step is not None:
            count += 1
            os.write(fd, f"{step}\n".encode())
            if count == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    sys.addaudithook(hook)
    _build_generation(series, out, gen)


def _killed_build(series: ketapub.Series, out: Path, gen: int, swap: str,
                  kill_at: int) -> tuple[int | None, list[str]]:
    """Build generation ``gen`` in a forked child killed before step ``kill_at`` (0: never);
    return its exit code and the steps it logged."""
    log = out.parent / "steps.log"
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=_child_build, args=(series, out, gen, swap, kill_at, log))
    child.start()
    child.join(120)
    assert child.exitcode is not None, "the build did not end"
    steps = log.read_text().splitlines()
    log.unlink()
    return child.exitcode, steps


def generation_of(out: Path) -> str:
    """Check ``out`` is one complete build of the kill-step renderers; return its generation."""
    state(out)
    gens = {(out / path).read_bytes().split(b":", 1)[0] for path in GEN_PATHS}
    assert len(gens) == 1, f"artifacts from different builds mixed: {gens}"
    assert (out / "stable/same.txt").read_bytes() == b"same\n"
    assert (out / USER_FILE).read_text() == "mine\n"
    return gens.pop().decode()


@pytest.mark.parametrize("swap", ["exchange", "two-renames"])
def test_sigkill_before_every_step_leaves_the_old_or_the_new_tree_and_the_next_build_recovers(
        tmp_path: Path, sink_series: ketapub.Series, swap: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    _build_generation(sink_series, out, 0)
    (out / USER_FILE).write_text("mine\n")  # a user's file in a ketapub output is carried over
    code, steps = _killed_build(sink_series, out, 1, swap, 0)  # the dry run: not killed
    assert code == 0 and generation_of(out) == "1"
    # the steps include rendering to the spool, filling the stage, its manifest and the swap
    assert any(".out.ketapub-spool-*/gen/b/2.bin" in s for s in steps), steps
    assert any(s.startswith("os.rename .out.ketapub-spool-*/gen/a/0.bin") for s in steps)
    assert any(s.startswith("os.link out/stable/same.txt") for s in steps), steps
    assert "open .out.ketapub-stage/manifest.json" in steps
    if swap == "exchange":
        assert "renameat2" in steps
    else:
        assert "os.rename out .out.ketapub-old" in steps
    last = 1
    seen = []
    for n in range(1, len(steps) + 1):
        gen = last + 1
        code, done = _killed_build(sink_series, out, gen, swap, n)
        assert code == -signal.SIGKILL, (n, steps[n - 1])
        assert done == steps[:n]  # the same steps, stopped just before the nth
        if out.exists():
            now = generation_of(out)  # one complete tree: the previous build's or this one's
            assert now in (str(last), str(gen)), (n, steps[n - 1])
            seen.append("new" if now == str(gen) else "old")
        else:  # the one window of the two-rename swap: the previous tree waits beside it
            assert swap == "two-renames", (n, steps[n - 1])
            assert generation_of(write.sibling(out, write.OLD_SUFFIX)) == str(last)
            seen.append("gap")
        # the next build recovers and lands whole, leaving nothing behind
        _build_generation(sink_series, out, gen + 1)
        assert generation_of(out) == str(gen + 1)
        assert not write.sibling(out, write.STAGE_SUFFIX).exists()
        assert not write.sibling(out, write.OLD_SUFFIX).exists()
        assert not _spools(out)
        last = gen + 1
    # the new tree appears at one step, and never goes back
    swapped = seen.index("new")
    expected_gap = ["gap"] if swap == "two-renames" else []
    assert seen == ["old"] * (swapped - len(expected_gap)) + expected_gap + \
        ["new"] * (len(seen) - swapped), list(zip(steps, seen, strict=True))


def _spools(out: Path) -> list[Path]:
    return list(out.parent.glob(f".{out.name}{write.SPOOL_INFIX}*"))


def test_recover_puts_back_the_previous_tree_after_a_kill_between_renames(
        built: Path, script: Path) -> None:
    before = state(built)
    proc = _run(script, built, 1, env={"KILL_AT": "between-renames"})
    proc.communicate(timeout=60)
    assert not built.exists()
    write.recover(built.absolute())
    assert state(built) == before


def test_fallback_swap_without_renameat2_also_lands(built: Path, script: Path) -> None:
    done = _complete(script, built, 1, env={"KILL_AT": "no-exchange"})
    assert done.returncode == 0, done.stderr
    assert generation(built) == "1"
    state(built)


def test_a_failing_renderer_keeps_the_others_and_its_previous_file(
        built: Path, script: Path) -> None:
    before = state(built)
    done = _complete(script, built, 1, env={"FLAKY_FAIL": "flaky/b.txt",
                                           "FLAKY_CRASH": "flaky/c.txt"})
    assert done.returncode == 1
    assert "flaky/b.txt: the flaky renderer failed on purpose" in done.stderr
    assert "flaky/c.txt: ZeroDivisionError: division by zero" in done.stderr
    assert "Traceback" not in done.stderr
    after = state(built)
    assert generation(built) == "1"  # the other artifacts landed
    assert (built / "flaky/a.txt").read_text() == "1 flaky/a.txt\n"
    assert after["flaky/b.txt"] == before["flaky/b.txt"]  # previous file and hash kept
    assert (built / "flaky/b.txt").read_text() == "0 flaky/b.txt\n"
    assert (built / "flaky/c.txt").read_text() == "0 flaky/c.txt\n"
    assert (built / USER_FILE).read_text() == "mine\n"
    # and the next good build replaces them
    assert _complete(script, built, 2).returncode == 0
    assert (built / "flaky/b.txt").read_text() == "2 flaky/b.txt\n"
    state(built)


def test_a_failure_on_the_first_build_writes_the_rest(tmp_path: Path, script: Path) -> None:
    out = tmp_path / "fresh"
    done = _complete(script, out, 0, env={"FLAKY_FAIL": "flaky/a.txt"})
    assert done.returncode == 1 and "flaky/a.txt:" in done.stderr
    listed = json.loads((out / write.MANIFEST).read_text())["artifacts"]
    assert "flaky/a.txt" not in {a["path"] for a in listed}
    assert not (out / "flaky/a.txt").exists()
    assert (out / "flaky/b.txt").is_file()


# --- render budget: a job that overruns is stopped, reported, and the rest lands -----------
# The overrunning job never ends (however long the budget), and the budget is generous for
# the jobs that must finish (a fork and a few milliseconds of work), so no outcome depends on
# how busy the machine is.

BUDGET_SECONDS = 10

HANG = textwrap.dedent('''
    import time
    from ketapub import Artifact, Renderer

    class Hang(Renderer):
        name = "hang"
        def plan(self, series, ctx):
            return [self.job("hang/stuck.txt"), self.job("hang/fine.txt"),
                    self.job("hang/greedy.txt")]
        def render(self, job, ctx):
            while job.path == "hang/stuck.txt":  # never finishes
                time.sleep(60)
            if job.path == "hang/greedy.txt":
                hog = bytearray(2 * 1024 ** 3)
                return Artifact(job.path, bytes(hog[:1]), "text/plain", self.name)
            return Artifact(job.path, b"fine\\n", "text/plain", self.name)
''')


@pytest.fixture
def hang_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ketapub.Registry:
    (tmp_path / "hang_plugin.py").write_text(HANG)
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    mod = importlib.import_module("hang_plugin")
    reg = ketapub.Registry()
    reg.register(mod.Hang)
    from ketapub.renderers.jsonfeed import JsonFeedRenderer

    reg.register(JsonFeedRenderer)
    return reg


def test_a_render_over_its_time_and_memory_budget_is_stopped_and_reported(
        tmp_path: Path, hang_registry: ketapub.Registry) -> None:
    out = tmp_path / "out"
    t0 = time.monotonic()
    with pytest.raises(ketapub.BuildError) as info:
        ketapub.build(SINK, out, formats=["hang", "jsonfeed"], as_of=SINK_AS_OF,
                      registry=hang_registry,
                      budget=Budget(seconds=BUDGET_SECONDS, memory_mb=256), jobs=2)
    # the stuck job never returns: the build ended because it was stopped at its budget
    assert time.monotonic() - t0 >= BUDGET_SECONDS
    messages = {e.artifact: str(e) for e in info.value.result.errors}
    assert set(messages) == {"hang/stuck.txt", "hang/greedy.txt"}
    assert f"exceeded the time budget of {BUDGET_SECONDS} s" in messages["hang/stuck.txt"]
    assert "memory budget of 256 MB" in messages["hang/greedy.txt"]
    assert (out / "hang/fine.txt").read_bytes() == b"fine\n"
    assert (out / "feed/feed.json").is_file()
    listed = {a["path"] for a in json.loads((out / "manifest.json").read_text())["artifacts"]}
    assert listed == {"hang/fine.txt", "feed/feed.json"}


def test_cli_timeout_option_reports_the_artifact_and_exits_1(
        tmp_path: Path, hang_registry: ketapub.Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    build_mod = sys.modules["ketapub.build"]

    monkeypatch.setattr(build_mod, "installed", lambda: hang_registry)
    result = CliRunner().invoke(main, ["build", str(SINK), "-o", str(tmp_path / "o"),
                                       "--format", "hang,jsonfeed", "--as-of", SINK_AS_OF,
                                       "--timeout", str(BUDGET_SECONDS),
                                       "--memory-limit", "256", "-q"])
    assert result.exit_code == 1, result.output
    assert f"hang/stuck.txt: exceeded the time budget of {BUDGET_SECONDS} s" in result.output
    assert "hang/greedy.txt: exceeded the memory budget of 256 MB" in result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "o/hang/fine.txt").is_file()
    assert (tmp_path / "o/feed/feed.json").is_file()


# --- the output folder's own safety --------------------------------------------------------

def test_a_tampered_manifest_cannot_make_a_build_touch_files_outside(tmp_path: Path) -> None:
    out = tmp_path / "site" / "out"
    ketapub.build(SINK, out, formats=["jsonfeed"], as_of=SINK_AS_OF)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    manifest = json.loads((out / "manifest.json").read_text())
    for bad in ("../../victim.txt", "/etc/passwd", "feed/../../../victim.txt", "a/./b"):
        manifest["artifacts"].append({"path": bad, "sha256": "0" * 64, "bytes": 9,
                                      "renderer": "jsonfeed", "input_hash": "x",
                                      "media_type": "text/plain"})
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert set(write.read_manifest(out)) == {"feed/feed.json"}
    ketapub.build(SINK, out, formats=["jsonfeed"], as_of=SINK_AS_OF, force=True)
    assert victim.read_text() == "precious\n"
    assert {a.path for a in ketapub.build(SINK, out, formats=["jsonfeed"],
                                          as_of=SINK_AS_OF).artifacts} == {"feed/feed.json"}


def test_a_symlink_the_user_put_in_the_output_is_kept_as_a_link_never_read(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    ketapub.build(SINK, out, formats=["jsonfeed"], as_of=SINK_AS_OF)
    secret = tmp_path / "secret.txt"
    secret.write_text("do not copy\n")
    (out / "link.txt").symlink_to(secret)
    ketapub.build(SINK, out, formats=["jsonfeed"], as_of="2031-01-01")  # part 3 is out
    assert b"SECRET-UNRELEASED-TEXT" in (out / "feed/feed.json").read_bytes()
    assert (out / "link.txt").is_symlink()
    assert os.readlink(out / "link.txt") == str(secret)


def test_a_build_that_cannot_write_its_output_says_so_without_a_traceback(
        tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder\n")
    result = CliRunner().invoke(main, ["build", str(SINK), "-o", str(blocker / "out"),
                                       "--format", "jsonfeed", "--as-of", SINK_AS_OF, "-q"])
    assert result.exit_code == 1, result.output
    assert re.search(r"/file: cannot write (next to )?the output folder", result.output)
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output


def test_concurrent_commits_are_serialised_and_never_mix(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ketapub.build(SINK, out, formats=["jsonfeed"], as_of=SINK_AS_OF)
    entry = write.read_manifest(out)["feed/feed.json"]
    # a build that believes the file still has an older hash must not commit over it
    stale = write.Entry(entry.path, "f" * 64, entry.bytes, entry.renderer, entry.input_hash,
                        entry.media_type)
    with pytest.raises(write.OutputChanged):
        write.commit(out.absolute(), {}, {stale.path: stale}, {})
    assert write.read_manifest(out)["feed/feed.json"] == entry


def test_recover_removes_the_spool_of_a_killed_build_but_not_a_live_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    live = write.spool_folder(out)  # this process: alive
    child = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                            "from ketapub import write; "
                            "print(write.spool_folder(Path(sys.argv[1])))", str(out)],
                           capture_output=True, text=True, check=True)
    dead = Path(child.stdout.strip())  # its process has exited
    write.spool(dead, "pdf/x.pdf", b"half")
    assert dead.is_dir() and dead.name.startswith(".out.ketapub-spool-")
    write.recover(out.absolute())
    assert not dead.exists()
    assert live.is_dir()
