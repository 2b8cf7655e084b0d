"""Build progress: a rich progress bar with an ETA on a terminal, plain lines otherwise."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from ketapub.render.base import Job
from ketapub.terminal import visible


class Reporter:
    """A ``progress`` callback for ``ketapub.build()`` that draws or prints.

    Args:
        console: where to draw the bar (live on a terminal) or print.
        enabled: False reports nothing; default True.
    """

    def __init__(self, console: Console, enabled: bool = True):
        self.console = console
        self.enabled = enabled
        self.live = enabled and console.is_terminal
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> Reporter:
        """Start the live bar (only on a terminal)."""
        if self.live:
            self._progress = Progress(
                TextColumn("[bold]building"), BarColumn(), MofNCompleteColumn(),
                TextColumn("ETA"), TimeRemainingColumn(),
                TextColumn("{task.description}", markup=False),
                console=self.console, transient=True)
            self._progress.start()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Stop the live bar, leaving the terminal clean."""
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, event: str, job: Job, done: int, total: int) -> None:
        """Advance the bar for a finished job; the build's ``progress`` callback."""
        if not self.enabled or event != "done":
            return
        if self._progress is not None:
            if self._task is None:
                self._task = self._progress.add_task("", total=total)
            self._progress.update(self._task, completed=done, total=total,
                                  description=visible(job.path))
        else:
            self.console.print(f"[{done}/{total}] {visible(job.path)}", markup=False,
                               highlight=False)
