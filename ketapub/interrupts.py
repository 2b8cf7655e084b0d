"""Ctrl-C and SIGTERM held over code that would lose them.

Python raises ``KeyboardInterrupt`` (and the command line's ``Terminated``) in the main thread
wherever it next runs Python code. Inside a callback from native code (nh3's attribute filter)
or a fork's bookkeeping the exception cannot propagate: it is printed as "Exception ignored"
and lost, and the build goes on to the end. Held, the signal is taken right after, in plain
code.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

HELD = frozenset({signal.SIGINT, signal.SIGTERM})


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Block Ctrl-C and SIGTERM in this thread for the duration; deliver them after.

    Enough where every other thread blocks them too (a fork of the build's own pool).
    """
    old = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Run the block with Ctrl-C and SIGTERM noted, and raise them again after it.

    For native code that calls Python back. Blocking the signals in this thread would not do:
    another thread may receive them, and Python then runs the handler in the main thread at
    its next chance, inside the callback. Only the main thread runs handlers, so elsewhere
    (and where a handler was not set from Python) this changes nothing.
    """
    kept = {s: signal.getsignal(s) for s in sorted(HELD)}
    if threading.current_thread() is not threading.main_thread() or None in kept.values():
        yield
        return
    noted: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        noted.append(signum)

    for signum in kept:
        signal.signal(signum, note)
    try:
        yield
    finally:
        for signum, handler in kept.items():
            signal.signal(signum, handler)
        for again in dict.fromkeys(noted):
            signal.raise_signal(again)
