"""``ketapub build --dask-scheduler ADDRESS``: render on an existing Dask cluster.

The build runs here (loading, planning, writing) and each job renders on a worker of the
cluster, through the cluster's ``concurrent.futures`` executor; the bytes are those of a
local build. ``distributed`` is imported only when the option is given, so a build without
it neither needs nor pays for it.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import Any

from ketapub.errors import KetapubError, UsageError

TIMEOUT = 30.0
"""Seconds to wait for the scheduler to answer and for its first worker."""


@contextlib.contextmanager
def connect(address: str, timeout: float = TIMEOUT) -> Iterator[Executor]:
    """Yield the executor of a Dask cluster, connected for the block and closed after it.

    Args:
        address: where its scheduler listens, as ``dask scheduler`` prints it
            (``tcp://host:8786``).
        timeout: seconds to wait for the scheduler, then for its first worker.

    Raises:
        UsageError: ``distributed`` is not installed.
        KetapubError: the scheduler does not answer, or has no worker, in time.
    """
    try:
        import distributed
    except ImportError:
        raise UsageError(
            f"--dask-scheduler {address}: the 'distributed' package is not installed; "
            "install ketapub's dask extra (pip install 'ketapub[dask]') here and on every "
            "worker") from None
    with client_of(distributed, address, timeout) as client:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise KetapubError(
                f"ketapub: the Dask scheduler at {address} has no worker after {timeout:g} s "
                f"({type(exc).__name__}); start one with 'dask worker {address}'") from None
        yield client.get_executor()


@contextlib.contextmanager
def client_of(distributed: Any, address: str, timeout: float) -> Iterator[Any]:
    """Yield a connected ``distributed.Client``, closed after the block.

    Args:
        distributed: the imported ``distributed`` module.
        address: the scheduler's address.
        timeout: seconds to wait for it to answer.
    """
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        why = str(exc)
    else:
        with client:
            yield client
        return
    hook = sys.unraisablehook
    # the client that failed to connect complains on stderr as it is collected: not news
    sys.unraisablehook = lambda _unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook
    raise KetapubError(
        f"ketapub: cannot reach the Dask scheduler at {address} ({why}); check that "
        "'dask scheduler' runs there and that the address is the one it printed")
