"""What ``ketapub watch`` tells open preview pages: its latest state, as server-sent events.

One ``Broadcast`` holds the state of the last rebuild; each open preview holds one
``/_ketapub/events`` stream (``event_stream()``) that sends the state on connect (so a page
loaded just before a rebuild landed still reloads) and again after every rebuild. Nothing here
is ever written to the output folder: the stream exists only while the watcher runs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass

EVENTS_PATH = "/_ketapub/events"
HEARTBEAT = 15.0
"""Seconds between comments on an idle stream, so a closed page's thread is let go."""


@dataclass(frozen=True)
class State:
    """Where the watcher stands after its last rebuild."""

    build: int
    """Rebuilds that landed so far; a page showing an older number reloads."""
    problems: tuple[str, ...] = ()
    """``path:line:column: message`` of the last rebuild that failed (empty: it landed)."""
    rendered: int = 0
    """Artifacts the last rebuild rendered."""
    pending: tuple[str, ...] = ()
    """Renderers still running for the latest edit (laying out PDFs takes longest)."""

    def as_json(self) -> str:
        """The state as the preview's event stream sends it."""
        return json.dumps({"build": self.build, "problems": list(self.problems),
                           "rendered": self.rendered, "pending": list(self.pending)},
                          ensure_ascii=True, sort_keys=True)

    @property
    def event(self) -> str:
        """``build-error`` while the source or a render fails, else ``reload``."""
        return "build-error" if self.problems else "reload"


class Broadcast:
    """The latest ``State``, for any number of listeners in other threads.

    Args:
        state: the state to start with; default None: an empty first state.
    """

    def __init__(self, state: State | None = None):
        self._cond = threading.Condition()
        self._state = state or State(0)
        self._version = 0
        self._closed = False

    def publish(self, state: State) -> None:
        """Make ``state`` current and wake every waiting preview.

        Args:
            state: the new state.
        """
        with self._cond:
            self._state, self._version = state, self._version + 1
            self._cond.notify_all()

    def current(self) -> tuple[int, State]:
        """(version, state) now, for a preview to wait for a newer one."""
        with self._cond:
            return self._version, self._state

    def wait(self, seen: int, timeout: float) -> tuple[int, State] | None:
        """The state once its version is past ``seen`` (or the same one after ``timeout`` seconds).

        None once closed.

        Args:
            seen: the version the caller has.
            timeout: the longest wait, in seconds.
        """
        with self._cond:
            self._cond.wait_for(lambda: self._closed or self._version != seen, timeout)
            if self._closed:
                return None
            return self._version, self._state

    def close(self) -> None:
        """End every stream (the watcher stops)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


def _frame(name: str, state: State) -> bytes:
    return f"event: {name}\ndata: {state.as_json()}\n\n".encode("ascii")


def event_stream(broadcast: Broadcast, heartbeat: float = HEARTBEAT) -> Iterator[bytes]:
    """The body of one ``text/event-stream`` response.

    ``hello`` with the current state, then ``reload`` or ``build-error`` after each rebuild, until
    the broadcast closes.

    Args:
        broadcast: where the states come from.
        heartbeat: seconds between keep-alive comments; default HEARTBEAT.
    """
    version, state = broadcast.current()
    yield b"retry: 500\n" + _frame("hello", state)
    while True:
        got = broadcast.wait(version, heartbeat)
        if got is None:
            return
        if got[0] == version:
            yield b": idle\n\n"
            continue
        version, state = got
        yield _frame(state.event, state)
