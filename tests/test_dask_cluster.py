"""Distributed for real: a Dask scheduler and two workers started as separate processes
(``dask scheduler``, ``dask worker``) on 127.0.0.1, a build of branded handouts through a
``distributed.Client`` connected to them, and the same bytes as a build on this machine.

The scheduler picks its own free port and writes its address to a file the workers and the
client read; every process is stopped in a ``finally``. The suite builds
``KETAPUB_DASK_BRANDS`` clinics' handouts of a two-part series (default 10 clinics, 20
branded handouts: a PDF handout takes a quarter of a second or more on this machine, and the
test builds each one twice); ``KETAPUB_DASK_BRANDS=100`` builds 200.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cloudpickle
import distributed
import pytest
from click.testing import CliRunner

import ketapub
from ketapub import dask_executor
from ketapub.cli import main
from tests.conftest import ROOT
from tests.helpers import make_source, part

BRANDS = int(os.environ.get("KETAPUB_DASK_BRANDS", "10"))
AS_OF = "2026-01-01"
DASK = str(Path(sys.executable).with_name("dask"))


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _source(root: Path, brands: int) -> Path:
    clinics = {f"brands/clinic-{i:03d}.yaml":
               f'id: clinic-{i:03d}\nname: "Clinic {i}"\nphone: "+1 555 {i:04d}"\n'
               f'email: "desk{i}@clinic.example"\naccent_color: "#{(i * 2654435) % 0xFFFFFF:06x}"\n'
               f"page_size: {'Letter' if i % 2 else 'A4'}\n" for i in range(brands)}
    return make_source(root, {
        "01-one.md": part(1, "one", "A short part about **one** thing.\n"),
        "02-two.md": part(2, "two", "Another short part, with a [link](part:one).\n"),
    }, files=clinics)


def _worker_state() -> tuple[int, bool]:
    """In a worker: its process id, and whether it laid out a PDF (font configuration)."""
    engine = sys.modules.get("ketapub.renderers.pdf_engine")
    return os.getpid(), engine is not None and engine._FONT_CONFIG is not None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a scheduler with two single-threaded worker processes."""
    base = tmp_path_factory.mktemp("dask")
    address_file = base / "scheduler.json"
    common = {"cwd": ROOT, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
              "env": {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}}
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(address_file)],
                              **common)]  # type: ignore[call-overload]
    try:
        deadline = time.monotonic() + 120
        while not address_file.is_file() and time.monotonic() < deadline:
            assert procs[0].poll() is None, "dask scheduler exited"
            time.sleep(0.1)
        address = json.loads(address_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for n in range(2):
            procs.append(subprocess.Popen(
                [DASK, "worker", "--scheduler-file", str(address_file), "--no-nanny",
                 "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard",
                 "--name", f"w{n}", "--memory-limit", "0"], **common))  # type: ignore[call-overload]
        yield address
    finally:
        # workers first: a worker whose scheduler is gone keeps trying to reconnect
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_branded_handouts_on_a_dask_cluster_have_the_bytes_of_a_local_build(
        cluster: str, tmp_path: Path) -> None:
    """The cluster build goes through the command line (``build --dask-scheduler``), which
    connects its own ``distributed.Client``."""
    src = _source(tmp_path / "src", BRANDS)
    # the workers cannot import this test module: send _worker_state by value
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with distributed.Client(cluster, timeout=120) as client:
        client.wait_for_workers(2, timeout=120)
        started = time.perf_counter()
        made = CliRunner().invoke(main, [
            "build", str(src), "-o", str(tmp_path / "dask"), "--as-of", AS_OF, "--format",
            "pdf", "--brand", "all", "--quiet", "--dask-scheduler", cluster])
        seconds = time.perf_counter() - started
        assert made.exit_code == 0, made.output
        state = client.run(_worker_state)
    on_dask = tree(tmp_path / "dask")
    branded = [p for p in on_dask if p.startswith("pdf/clinic-")]
    assert len(branded) == 2 * BRANDS
    # both workers are processes of their own (not this one), and both laid out PDFs
    assert len(state) == 2 and {pid for pid, _ in state.values()} - {os.getpid()}
    assert all(laid_out for _, laid_out in state.values()), state
    local = ketapub.build(src, tmp_path / "local", jobs=2, as_of=AS_OF, formats=["pdf"],
                          brands=["all"])
    assert local.ok and sorted(local.rendered) == sorted(
        p for p in on_dask if p.startswith("pdf/"))
    assert on_dask == tree(tmp_path / "local")
    print(f"{len(branded)} branded handouts on 2 Dask workers in {seconds:.1f} s")


def test_a_scheduler_that_does_not_answer_is_named_with_what_to_check() -> None:
    with pytest.raises(ketapub.KetapubError) as caught, \
            dask_executor.connect("tcp://127.0.0.1:9", timeout=0.5):
        pass
    assert str(caught.value).startswith(
        "ketapub: cannot reach the Dask scheduler at tcp://127.0.0.1:9 (Timed out")
    assert "check that 'dask scheduler' runs there" in str(caught.value)


def test_without_distributed_the_option_says_what_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    src = _source(tmp_path / "src", 1)
    result = CliRunner().invoke(main, ["build", str(src), "-o", str(tmp_path / "o"),
                                       "--dask-scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2, result.output
    assert ("ketapub: --dask-scheduler tcp://127.0.0.1:8786: the 'distributed' package is not "
            "installed; install ketapub's dask extra") in result.output
    assert not (tmp_path / "o").exists()
