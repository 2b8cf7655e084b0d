"""Every error type crosses a process boundary, so one failing job fails only itself.

A ``RenderError`` that could not be unpickled used to kill the process pool's result reader:
the first failing job under ``--jobs 2`` took 7 of 13 artifacts down with BrokenProcessPool.

Importing ``distributed`` installs tblib's pickling support, which pickles every exception
by its ``__dict__`` and so hides the bug; the checks that must see plain pickling run in a
fresh interpreter that has never imported it.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pickle
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

import ketapub
import ketapub.sanitize_svg
import ketapub.write
from ketapub.errors import Diagnostic, KetapubError, RenderError
from ketapub.render.registry import Registry
from tests.conftest import ROOT
from tests.failing_renderer import HalfFailing
from tests.helpers import make_source

pipeline = importlib.import_module("ketapub.build")


def _all_error_classes() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    todo: list[type[BaseException]] = [KetapubError, ketapub.sanitize_svg.SvgError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return sorted(set(found), key=lambda c: c.__qualname__)


def _instance(cls: type[BaseException]) -> BaseException:
    params = list(inspect.signature(cls.__init__).parameters)[1:]
    samples = {"artifact": "pdf/01-x.pdf", "message": "it broke", "line": 7, "column": 3,
               "diagnostics": [Diagnostic("parts/01-x.md", 3, 5, "bad")],
               "name": "broken", "entry_point": "broken = pkg.mod:Cls", "package": "pkg 1.0",
               "cause": ImportError("no module named pkg.mod")}
    if cls is pipeline.BuildError:
        result = pipeline.BuildResult(
            out=Path("out"), as_of=datetime(2025, 1, 1, tzinfo=UTC),
            artifacts=(), rendered=(), skipped=(), removed=(), next_release=None, seconds=0.0,
            errors=(RenderError("a.txt", "x"),))
        return cls(result)
    if params in (["args", "kwargs"], []):
        return cls("it broke")
    return cls(*(samples[p] for p in params))


def _round_trip(cls: type[BaseException]) -> None:
    err = _instance(cls)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls
    assert str(back) == str(err)
    assert {k: v for k, v in vars(back).items() if k != "result"} == {
        k: v for k, v in vars(err).items() if k != "result"}


def _fresh_python(code: str) -> str:
    """Run ``code`` in a new interpreter that imports this module but not ``distributed``."""
    prelude = ("import sys\nimport tests.test_errors_cross_processes as t\n"
               "assert 'tblib' not in sys.modules and 'distributed' not in sys.modules\n")
    proc = subprocess.run([sys.executable, "-c", prelude + code], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_every_error_type_pickles_with_its_message_and_fields() -> None:
    names = _fresh_python("for c in t._all_error_classes():\n"
                          "    t._round_trip(c)\n    print(c.__qualname__)\n").split()
    assert {"RenderError", "SourceError", "BuildError", "SvgError", "UsageError",
            "YamlProblem", "FetchRefused", "OutputChanged", "CaseCollision"} <= set(names)


def _source(tmp_path: Path) -> Path:
    return make_source(tmp_path / "src")


def _registry() -> Registry:
    reg = Registry()
    reg.register(HalfFailing)
    return reg


def _check(result: pipeline.BuildResult, out: Path) -> None:
    assert sorted(result.rendered) == ["half/1.txt", "half/6.txt"]
    failed = {e.artifact: str(e) for e in result.errors}
    assert failed == {
        "half/2.txt": "half/2.txt: planned failure 2",
        "half/3.txt": "half/3.txt: parts/x.md:3:1: planned source problem",
        "half/4.txt": "half/4.txt: planned failure 4",
        "half/5.txt": "half/5.txt: ValueError: planned bug",
    }
    assert (out / "half/1.txt").read_text() == "ok 1\n"
    assert (out / "half/6.txt").read_text() == "ok 6\n"
    assert "BrokenProcessPool" not in "".join(failed.values())


def _build_failing(src: Path, out: Path, jobs: int) -> None:
    with pytest.raises(pipeline.BuildError) as info:
        ketapub.build(src, out, formats=["halffail"], registry=_registry(),
                      as_of="2025-06-01", jobs=jobs)
    _check(info.value.result, out)


@pytest.mark.parametrize("jobs", [1, 2])
def test_failing_jobs_fail_alone_in_process_and_in_worker_processes(
        tmp_path: Path, jobs: int) -> None:
    src, out = _source(tmp_path), tmp_path / "out"
    _fresh_python(f"from pathlib import Path\n"
                  f"t._build_failing(Path({str(src)!r}), Path({str(out)!r}), {jobs})\n")


def test_failing_jobs_fail_alone_in_a_foreign_process_pool(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with ProcessPoolExecutor(2) as pool, pytest.raises(pipeline.BuildError) as info:
        ketapub.build(_source(tmp_path), out, formats=["halffail"], registry=_registry(),
                      as_of="2025-06-01", executor=pool)
    _check(info.value.result, out)


@pytest.mark.slow
def test_failing_jobs_fail_alone_on_a_dask_cluster(tmp_path: Path) -> None:
    import distributed

    out = tmp_path / "out"
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       dashboard_address=None)
    try:
        with distributed.Client(cluster) as client, \
                pytest.raises(pipeline.BuildError) as info:
            ketapub.build(_source(tmp_path), out, formats=["halffail"], registry=_registry(),
                          as_of="2025-06-01", executor=client.get_executor())
    finally:
        cluster.close()
    _check(info.value.result, out)

