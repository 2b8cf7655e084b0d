"""Signals and stray files: SIGTERM stops a build exactly as Ctrl-C does, and a build leaves
nothing beside its output folder (no spool, stage or lock file), nor lets one of a killed
build linger. An output folder that would swallow the source or the shell's working
directory is refused before any work.

The signal tests run the real ``ketapub build`` command with two worker processes and signal
it once its workers exist and a first artifact is spooled.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import ketapub
from ketapub import sanitize, write
from ketapub.cli import main
from tests.conftest import CONTENT, CONTENT_AS_OF
from tests.helpers import make_source

MESSAGE = "interrupted; the output folder is as the last completed build left it"
SPOOL = write.SPOOL_INFIX


def _ketapub() -> list[str]:
    script = Path(sys.executable).with_name("ketapub")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "ketapub.cli"]


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                kids = {int(k) for k in (task / "children").read_text().split()}
            except OSError:
                continue
            todo += sorted(kids - found)
            found |= kids
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped running


def _beside(out: Path) -> list[str]:
    """Hidden things ketapub could leave next to ``out`` (spool, stage, old tree, lock)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def _tree(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


def _kill(proc: subprocess.Popen[bytes], workers: set[int]) -> None:
    """After a failure: leave no process behind (orphaned workers hold the pipes open)."""
    for pid in workers | _descendants(proc.pid):
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    proc.kill()
    proc.communicate()


def _wait_for(what: str, check, seconds: float = 90) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _as_from_a_shell() -> None:
    """In the child: Ctrl-C with its default meaning, as a shell starts a command. A process
    that inherits SIGINT ignored (from a test runner, a service manager) never sees it, and
    Python then installs no KeyboardInterrupt for it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_workers_removes_the_spool_and_keeps_the_previous_output(
        tmp_path: Path, signum: int, status: int) -> None:
    out = tmp_path / "out"
    ketapub.build(CONTENT, out, formats=["jsonfeed"], as_of=CONTENT_AS_OF)
    before = _tree(out)
    # thirteen PDFs on two workers: seconds of rendering, signalled in the middle
    workers: set[int] = set()
    # an empty layout cache: with the pieces other tests laid out, the build could end
    # before the signal lands
    cold = {**os.environ, "KETAPUB_CACHE_DIR": str(tmp_path / "layout-cache")}
    proc = subprocess.Popen(
        [*_ketapub(), "build", str(CONTENT), "-o", str(out), "--format", "pdf,jsonfeed",
         "--brand", "all", "--as-of", CONTENT_AS_OF, "--jobs", "2", "--force", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, env=cold,
        preexec_fn=_as_from_a_shell)
    try:
        _wait_for("the worker processes", lambda: len(_descendants(proc.pid)) >= 2)
        _wait_for("a first spooled artifact", lambda: any(
            SPOOL in name for name in _beside(out)) or proc.poll() is not None)
        workers = _descendants(proc.pid)
        assert proc.poll() is None, "the build finished before it could be signalled"
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
    except BaseException:
        _kill(proc, workers)
        raise
    assert proc.returncode == status, stderr.decode()
    assert MESSAGE in stderr.decode()
    assert "Traceback" not in stderr.decode()
    _wait_for("the workers to be gone", lambda: not any(_alive(p) for p in workers), 5)
    assert _beside(out) == []  # no spool, stage, old tree or lock file
    assert _tree(out) == before


SLEEPY = textwrap.dedent('''
    import sys, time
    from ketapub import Artifact, Renderer
    from ketapub.render.registry import installed

    class Sleepy(Renderer):
        """Two jobs that would keep their workers busy for ten minutes."""
        name = "sleepy"
        def plan(self, series, ctx):
            return [self.job(f"sleepy/{i}.txt") for i in range(2)]
        def render(self, job, ctx):
            time.sleep(600)
            return Artifact(job.path, b"late", "text/plain", self.name)

    installed().register(Sleepy)
    from ketapub.cli import main
    main(sys.argv[1:], prog_name="ketapub")
''')


def test_sigterm_stops_busy_workers_instead_of_waiting_for_their_jobs(tmp_path: Path) -> None:
    script = tmp_path / "sleepy_build.py"
    script.write_text(SLEEPY, "utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, str(script), "build", str(CONTENT), "-o", str(out), "--format",
         "sleepy", "--as-of", CONTENT_AS_OF, "--jobs", "2", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    workers: set[int] = set()
    try:
        _wait_for("the worker processes", lambda: len(_descendants(proc.pid)) >= 2)
        workers = _descendants(proc.pid)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)  # the jobs alone would take ten minutes
    except BaseException:
        _kill(proc, workers)
        raise
    assert proc.returncode == 143, stderr.decode()
    assert MESSAGE in stderr.decode() and "Traceback" not in stderr.decode()
    _wait_for("the workers to be gone", lambda: not any(_alive(p) for p in workers), 5)
    assert not out.exists() and _beside(out) == []


STALLING = textwrap.dedent('''
    import os, sys, time
    from pathlib import Path
    from ketapub import Artifact, Renderer
    from ketapub.render.registry import installed

    class Bulky(Renderer):
        """A job whose artifact is far larger than a pipe holds, returned when the test says so."""
        name = "bulky"
        def plan(self, series, ctx):
            return [self.job(f"bulky/{i}.bin") for i in range(2)]
        def render(self, job, ctx):
            if job.path != "bulky/0.bin":
                return Artifact(job.path, b"small", "application/octet-stream", self.name)
            here = Path(os.environ["BULKY_DIR"])
            (here / "rendering").touch()
            while not (here / "go").exists():
                time.sleep(0.01)
            return Artifact(job.path, bytes(16 << 20), "application/octet-stream", self.name)

    installed().register(Bulky)
    from ketapub.cli import main
    main(sys.argv[1:], prog_name="ketapub")
''')


def _waiting_in(pid: int, call: str) -> bool:
    """Whether a thread of ``pid`` sleeps in the kernel function ``call`` (its wchan)."""
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            if call in (task / "wchan").read_text():
                return True
        except OSError:
            continue
    return False


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_while_a_worker_sends_half_a_result_does_not_hang(
        tmp_path: Path, signum: int, status: int) -> None:
    """The pool's manager thread has read part of a result when the worker dies: it must not
    wait for the rest. Made certain by stopping the build while the worker sends (it fills
    the pipe and waits), stopping the worker, and letting the build read what came."""
    script = tmp_path / "bulky_build.py"
    script.write_text(STALLING, "utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, str(script), "build", str(CONTENT), "-o", str(out), "--format",
         "bulky", "--as-of", CONTENT_AS_OF, "--jobs", "2", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
        env={**os.environ, "BULKY_DIR": str(tmp_path)}, preexec_fn=_as_from_a_shell)
    workers: set[int] = set()
    try:
        _wait_for("the bulky job", lambda: (tmp_path / "rendering").is_file())
        workers = _descendants(proc.pid)
        os.kill(proc.pid, signal.SIGSTOP)
        (tmp_path / "go").touch()
        # the bulky result fills the pipe; on a machine short of pipe memory (a pipe of a
        # page or two) the small one may be the one sending
        _wait_for("a worker to fill the result pipe", lambda: any(
            _waiting_in(w, "pipe_write") for w in workers))
        sender = next(w for w in workers if _waiting_in(w, "pipe_write"))
        os.kill(sender, signal.SIGSTOP)
        os.kill(proc.pid, signal.SIGCONT)
        _wait_for("the build to read half the result", lambda: _waiting_in(proc.pid, "pipe_read"))
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)  # without the fix it waits for ever
    except BaseException:
        _kill(proc, workers)
        raise
    assert proc.returncode == status, stderr.decode()
    assert MESSAGE in stderr.decode() and "Traceback" not in stderr.decode()
    _wait_for("the workers to be gone", lambda: not any(_alive(p) for p in workers), 5)
    assert not out.exists() and _beside(out) == []


def test_a_signal_while_the_sanitiser_calls_back_is_not_lost(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """nh3 calls back into Python for each attribute it keeps. Ctrl-C raised in that callback
    cannot cross nh3: it was printed as "Exception ignored" and dropped, and the build went on
    to the end. Here the signal lands while the callback runs (it sends it)."""
    real = sanitize.url_is_safe

    def signalled(url: str) -> bool:
        os.kill(os.getpid(), signal.SIGINT)
        return real(url)

    monkeypatch.setattr(sanitize, "url_is_safe", signalled)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # a runner may ignore it
    try:
        with pytest.raises(KeyboardInterrupt):
            sanitize.clean_raw('<p><a href="https://example.org/">a link</a></p>')
    finally:
        signal.signal(signal.SIGINT, previous)


def test_the_next_build_removes_a_dead_spool_even_when_nothing_changes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ketapub.build(CONTENT, out, formats=["jsonfeed"], as_of=CONTENT_AS_OF)
    child = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                            "from ketapub import write; "
                            "d = write.spool_folder(Path(sys.argv[1])); "
                            "write.spool(d, 'pdf/01-half.pdf', b'half'); print(d)", str(out)],
                           capture_output=True, text=True, check=True)
    dead = Path(child.stdout.strip())  # as a killed build leaves it: its process is gone
    assert dead.is_dir() and SPOOL in dead.name
    result = ketapub.build(CONTENT, out, formats=["jsonfeed"], as_of=CONTENT_AS_OF)
    assert result.rendered == ()  # nothing changed, so nothing was committed
    assert not dead.exists()
    assert _beside(out) == []


def test_the_lock_file_is_removed_and_a_waiting_builder_locks_the_live_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    lock = write.sibling(out, write.LOCK_SUFFIX)
    ketapub.build(CONTENT, out, formats=["jsonfeed"], as_of=CONTENT_AS_OF)
    assert not lock.exists()  # removed after the commit

    waiting = threading.Event()
    real_flock = fcntl.flock

    def flock(fd: int, op: int) -> None:
        if threading.current_thread().name == "second":
            waiting.set()
        real_flock(fd, op)

    monkeypatch.setattr(fcntl, "flock", flock)
    holding, release, seen = threading.Event(), threading.Event(), []

    def second() -> None:
        with write.locked(out):
            seen.append(os.stat(lock).st_ino)
            holding.set()
            release.wait(30)

    with write.locked(out):
        thread = threading.Thread(target=second, name="second")
        thread.start()
        assert waiting.wait(30)  # the second builder opened the file and waits on its lock
        time.sleep(0.05)
    assert holding.wait(30)
    try:
        # the first holder unlinked the file it locked; the second now holds the one at the
        # path, so a third builder must wait for it
        assert lock.exists()
        with open(lock, "rb") as third, pytest.raises(BlockingIOError):
            real_flock(third.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert seen == [os.stat(lock).st_ino]
    finally:
        release.set()
        thread.join(30)
    assert not lock.exists()


@pytest.mark.parametrize(("cwd", "source", "out", "what"), [
    ("src", ".", ".", "the source folder"),
    ("src", ".", "..", "the source folder"),
    ("work/deep", "../../src", "..", "the current directory"),
    ("work", "../src", ".", "the current directory"),
])
def test_an_output_folder_holding_the_source_or_the_working_directory_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cwd: str, source: str, out: str,
        what: str) -> None:
    shutil.copytree(CONTENT, tmp_path / "src")
    (tmp_path / "work/deep").mkdir(parents=True)
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    monkeypatch.chdir(tmp_path / cwd)
    result = CliRunner().invoke(main, ["build", source, "-o", out, "--format", "jsonfeed",
                                       "--as-of", CONTENT_AS_OF, "-q"])
    assert result.exit_code == 2, result.output
    assert f"-o {out}: is {what} or a folder above it" in result.output
    assert "give -o a folder of its own" in result.output
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == before
    assert Path.cwd() == tmp_path / cwd


def test_the_api_refuses_an_output_folder_that_is_the_source(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src")
    with pytest.raises(ketapub.UsageError, match="is the source folder"):
        ketapub.build(src, src / "..", formats=["jsonfeed"], as_of="2025-06-01")
    assert not (tmp_path / "manifest.json").exists()
