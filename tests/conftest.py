"""Shared fixtures: the example series, the kitchen-sink series, and fixed build instants."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import ketapub

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
SINK = ROOT / "tests" / "fixtures" / "kitchen-sink"
# Parts 1-4 of the example are out, 5 and 6 are scheduled (Part 6: Sep 15, 2025).
CONTENT_AS_OF = "2025-09-01T12:00:00-04:00"
# Parts 1-2 of the kitchen sink are out, part 3 is scheduled for 2030.
SINK_AS_OF = "2025-06-01T00:00:00+00:00"


@pytest.fixture(scope="session")
def content_series() -> ketapub.Series:
    return ketapub.load(CONTENT)


@pytest.fixture(scope="session")
def sink_series() -> ketapub.Series:
    return ketapub.load(SINK)


@pytest.fixture
def sink_copy(tmp_path: Path) -> Path:
    """A writable copy of the kitchen-sink source, for tests that edit it."""
    dest = tmp_path / "src"
    shutil.copytree(SINK, dest)
    return dest


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "content"
    shutil.copytree(CONTENT, dest)
    return dest
