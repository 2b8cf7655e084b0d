"""Parallel builds: worker processes give exactly the bytes of a sequential build."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import ketapub
from tests.conftest import SINK, SINK_AS_OF


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _worker_state() -> tuple[bool, int]:
    import sys

    engine = sys.modules.get("ketapub.renderers.pdf_engine")
    pipeline = sys.modules.get("ketapub.build")
    return (engine is not None and engine._FONT_CONFIG is not None,
            len(pipeline._SHARED) if pipeline else 0)


def test_worker_processes_and_a_foreign_pool_match_a_sequential_build(
        tmp_path: Path, sink_build: Path) -> None:
    """The kitchen sink (every construct, a brand) against the run's shared sequential build."""
    kwargs = {"as_of": SINK_AS_OF, "brands": ["all"]}
    par = ketapub.build(SINK, tmp_path / "par", jobs=2, **kwargs)
    # a pool the caller owns, started with "spawn": nothing is inherited from this process,
    # so the workers must decode the build state they are sent (once each) and load fonts
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        foreign = ketapub.build(SINK, tmp_path / "foreign", executor=pool, **kwargs)
        fonts, shared = pool.submit(_worker_state).result()
    assert fonts and shared == 1
    assert len(par.rendered) > 15 and any("/sink-clinic/" in p for p in par.rendered)
    assert par.rendered == foreign.rendered
    expected = tree(sink_build)
    assert tree(tmp_path / "par") == expected
    assert tree(tmp_path / "foreign") == expected
