"""Render budgets: each job runs in its own worker process that is killed when it overruns.

A pathological part (or a renderer bug) must not hang an unattended build or eat the
machine's memory. With a ``Budget``, ``BudgetExecutor`` forks one process per job,
waits at most ``seconds`` for its result and caps the memory it may add (``memory_mb``, on
top of what the worker inherits). A job that overruns is killed and reported as that
artifact's ``RenderError``; the pipeline keeps the artifact's previous
file and lands the rest of the build.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import resource
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from ketapub.errors import KetapubError, RenderError, SourceError


@dataclass(frozen=True)
class Budget:
    """Limits for one render job. ``None`` means no limit of that kind."""

    seconds: float | None = None
    """Wall-clock time a job may take."""
    memory_mb: int | None = None
    """Memory (address space) a job may allocate beyond what its worker starts with."""

    def __post_init__(self) -> None:
        """Refuse a budget of zero or less, which no job could meet."""
        if self.seconds is not None and self.seconds <= 0:
            raise ValueError("the time budget must be positive")
        if self.memory_mb is not None and self.memory_mb <= 0:
            raise ValueError("the memory budget must be positive")


def _vm_size() -> int:
    """This process's current address-space size in bytes (0 when unknown)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _child(conn: Connection, budget: Budget, fn: Callable[..., Any], args: tuple[Any, ...],
           kwargs: dict[str, Any]) -> None:
    # made before the limit: sending the result may itself run out of memory
    over = pickle.dumps(("error", f"exceeded the memory budget of {budget.memory_mb} MB"))
    if budget.memory_mb is not None:
        limit = _vm_size() + budget.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    result: tuple[Any, ...]
    try:
        result = ("ok", fn(*args, **kwargs))
    except MemoryError:
        result = ("error", f"exceeded the memory budget of {budget.memory_mb} MB")
    except SourceError as exc:  # located problems: the caller gets them whole
        result = ("raise", exc)
    except BaseException as exc:  # a renderer bug: report it; its traceback only for --debug
        if isinstance(exc, RenderError):
            message = str(exc).removeprefix(f"{exc.artifact}: ")
        elif isinstance(exc, KetapubError):
            message = str(exc)
        else:
            message = f"{type(exc).__name__}: {exc}"
        result = ("error", message, "".join(traceback.format_exception(exc)))
    try:
        conn.send(result)
    except MemoryError:
        with contextlib.suppress(BaseException):  # no room left even for that: the parent
            conn.send_bytes(over)                 # reports a dead worker
    finally:
        conn.close()


def _job_path(args: tuple[Any, ...]) -> str:
    from ketapub.render.base import Job

    return next((a.path for a in args if isinstance(a, Job)), "<job>")


class BudgetExecutor(Executor):
    """An executor that runs every call in a fresh, killable worker process under a budget.

    Args:
        budget: the seconds and megabytes each call may use.
        max_workers: calls running at once; default 1.
    """

    def __init__(self, budget: Budget, max_workers: int = 1):
        self.budget = budget
        self._threads = ThreadPoolExecutor(max_workers=max(1, max_workers))
        self._live: set[Any] = set()
        self._lock = threading.Lock()
        methods = multiprocessing.get_all_start_methods()
        self._mp: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn(*args, **kwargs)`` in a worker process of its own, under the budget.

        Args:
            fn: a picklable callable.
            *args: its positional arguments.
            **kwargs: its keyword arguments.
        """
        return self._threads.submit(self._run, fn, args, kwargs)

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        path = _job_path(args)
        recv, send = self._mp.Pipe(duplex=False)
        proc = self._mp.Process(target=_child, args=(send, self.budget, fn, args, kwargs),
                                daemon=True)
        with self._lock:
            proc.start()
            self._live.add(proc)
        send.close()
        try:
            if not recv.poll(self.budget.seconds):
                proc.kill()
                raise RenderError(path, f"exceeded the time budget of {self.budget.seconds:g} s "
                                  "and was stopped; the previous file is kept")
            try:
                status, payload, *detail = recv.recv()
            except EOFError:
                proc.join()
                code = proc.exitcode
                how = f"signal {-code}" if code is not None and code < 0 else f"status {code}"
                raise RenderError(path, f"the render worker died ({how}); "
                                  "the previous file is kept") from None
        finally:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()
            recv.close()
            with self._lock:
                self._live.discard(proc)
        if status == "ok":
            return payload
        if status == "raise":
            raise payload
        error = RenderError(path, str(payload))
        error.detail = detail[0] if detail else None  # the worker's own traceback
        raise error

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking jobs; without ``wait``, kill the running workers now.

        Args:
            wait: wait for the running calls; default True.
            cancel_futures: cancel the calls not started yet; default False.
        """
        if not wait:
            with self._lock:
                for proc in list(self._live):
                    proc.kill()
        self._threads.shutdown(wait=wait, cancel_futures=cancel_futures)



def load_within(budget: Budget, source: Any, strict: bool = False) -> Any:
    """``ketapub.load(source)`` in a killable worker under ``budget``.

    A pathological source must not hang an unattended build or eat its memory before rendering even
    starts.

    Args:
        budget: the seconds and megabytes the load may use.
        source: the source folder, as ``ketapub.load()`` takes it.
        strict: treat warnings as errors; default False.

    Returns:
        The loaded series, as ``ketapub.load()`` returns it.

    Raises:
        SourceError: the source has problems, as ``ketapub.load()`` raises it.
        KetapubError: loading overran the budget.
    """
    from ketapub.load import load

    pool = BudgetExecutor(budget, 1)
    try:
        return pool.submit(load, source, strict=strict).result()
    except RenderError as exc:
        raise KetapubError(f"{source}: loading the source stopped: "
                           f"{exc.message.split('; ')[0]}; nothing was written") from None
    finally:
        pool.shutdown(wait=True)
