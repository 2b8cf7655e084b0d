"""What a job logs in a worker process reaches the build's own process.

A renderer says why it took a slower road (a branded handout laid out whole, a booklet not
assembled) on a ``ketapub`` logger at INFO. In a worker process (ours, a budgeted one, a
Dask worker) nobody listens, so `captured()` keeps the job's records and they travel
back with its artifact; `replay()` hands them to the same loggers in the parent, where
``ketapub build --verbose`` or the calling program's logging configuration shows them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator

ROOT = "ketapub"
"""The logger whose records (and its children's) travel back."""


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record as plain text: its arguments and traceback may not pickle."""
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
        kept = logging.makeLogRecord(record.__dict__)
        kept.msg, kept.args, kept.exc_info, kept.exc_text = message, None, None, None
        self.records.append(kept)


@contextlib.contextmanager
def captured() -> Iterator[list[logging.LogRecord]]:
    """Keep, in a worker, the ``ketapub`` records of INFO and above logged inside the block.

    Yields the list they are kept in, in order; they are not printed here (the parent
    prints them after ``replay()``).
    """
    logger = logging.getLogger(ROOT)
    keep = _Keep()
    # a forked worker inherits the parent's handlers: they would print the records twice
    handlers, level, propagate = logger.handlers, logger.level, logger.propagate
    logger.handlers = [keep]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield keep.records
    finally:
        logger.handlers, logger.propagate = handlers, propagate
        logger.setLevel(level)


def replay(records: list[logging.LogRecord]) -> None:
    """Log ``records`` from a worker here, each on its own logger, if its level lets it through.

    Args:
        records: what ``captured()`` kept in the worker.
    """
    for record in records:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)


class _Say(logging.Handler):
    def __init__(self, write: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self.write = write

    def emit(self, record: logging.LogRecord) -> None:
        self.write(f"ketapub: {record.getMessage()}")


@contextlib.contextmanager
def shown(write: Callable[[str], None]) -> Iterator[None]:
    """Pass ``ketapub`` records of INFO and above to ``write`` while the block runs.

    A worker's records included, each as ``ketapub: message`` (``build --verbose``).

    Args:
        write: called with each line.
    """
    logger = logging.getLogger(ROOT)
    handler, level = _Say(write), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
