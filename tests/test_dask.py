"""A build runs on a Dask cluster through ``Client.get_executor()`` and gives the bytes of a
sequential build: the executor API is any ``concurrent.futures.Executor``."""

from __future__ import annotations

from pathlib import Path

import distributed
import pytest

import ketapub
from tests.conftest import SINK, SINK_AS_OF


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _worker_state() -> bool:
    import sys

    engine = sys.modules.get("ketapub.renderers.pdf_engine")
    return engine is not None and engine._FONT_CONFIG is not None


def test_dask_cluster_build_is_byte_identical_to_sequential(
        tmp_path: Path, sink_build: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kwargs = {"as_of": SINK_AS_OF, "brands": ["all"]}
    # a cache of layouts of its own (the workers inherit it): with the pieces earlier tests
    # laid out, a worker given only the booklet might find all it needs and lay out nothing
    monkeypatch.setenv("KETAPUB_CACHE_DIR", str(tmp_path / "cache"))
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       dashboard_address=None)
    try:
        with distributed.Client(cluster) as client:
            on_dask = ketapub.build(SINK, tmp_path / "dask", executor=client.get_executor(),
                                    **kwargs)
            # both worker processes rendered PDFs: each holds its own font configuration
            state = client.run(_worker_state)
    finally:
        cluster.close()
    assert len(state) == 2 and all(state.values()), state
    assert len(on_dask.rendered) > 10
    assert any(p.startswith("pdf/sink-clinic/") for p in on_dask.rendered)
    # the same files and bytes as a sequential build (its manifest lists what it rendered)
    assert tree(tmp_path / "dask") == tree(sink_build)
