"""Shared fixtures: the example series, the kitchen-sink series, and fixed build instants."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

import ketapub

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
SINK = ROOT / "tests" / "fixtures" / "kitchen-sink"
# Parts 1-4 of the example are out, 5 and 6 are scheduled (Part 6: Sep 15, 2025).
CONTENT_AS_OF = "2025-09-01T12:00:00-04:00"
CONTENT_ALL_OUT = "2030-01-01T00:00:00+00:00"  # every part of the example is out
# Parts 1-2 of the kitchen sink are out, part 3 is scheduled for 2030.
SINK_AS_OF = "2025-06-01T00:00:00+00:00"


@pytest.fixture(scope="session", autouse=True)
def _layout_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Laid-out pieces of PDFs (``pdf_layouts``) are kept in this run's folder, never in
    the user's cache."""
    os.environ["KETAPUB_CACHE_DIR"] = str(tmp_path_factory.mktemp("layout-cache"))


ENGLISH_ONLY = shutil.ignore_patterns("translations")
"""``copytree(CONTENT, dest, ignore=ENGLISH_ONLY)``: the example series without its Spanish
edition, for tests of one format's rules that need not build it twice."""


@pytest.fixture(scope="session")
def content_series() -> ketapub.Series:
    """The example series in English only: the tests of one format's rules read one file
    per artifact; the Spanish edition has tests of its own (test_spanish_outputs.py)."""
    return english_only(ketapub.load(CONTENT))


@pytest.fixture(scope="session")
def content_editions() -> ketapub.Series:
    """The example series with its translations."""
    return ketapub.load(CONTENT)


def english_only(series: ketapub.Series) -> ketapub.Series:
    return series.model_copy(update={"translations": ()})


@pytest.fixture(scope="session")
def sink_series() -> ketapub.Series:
    return ketapub.load(SINK)


@pytest.fixture(scope="session")
def sink_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full build of the kitchen sink (every format, every brand, at ``SINK_AS_OF``),
    made once per test run and shared by the test modules that inspect it. Read only: copy it
    before changing anything.

    Under xdist the workers share it through the run's temporary folder; a lock makes the
    first worker that needs it build it while the others wait.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # this run's folder, above every worker's own
    out = root / "shared-sink-build"
    with open(root / "shared-sink-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "manifest.json").is_file():  # a build lands whole or not at all
            result = ketapub.build(SINK, out, as_of=SINK_AS_OF, brands=["all"])
            assert result.ok and len(result.rendered) > 15
    return out


@pytest.fixture(scope="session")
def content_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full build of the example series in English and Spanish (every format, every
    brand, every part out), made once per test run like ``sink_build`` and shared by the
    PDF/UA checks and the Spanish edition's checks. Read only."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    out = root / "shared-content-build"
    with open(root / "shared-content-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "manifest.json").is_file():
            result = ketapub.build(CONTENT, out, as_of=CONTENT_ALL_OUT, brands=["all"], jobs=2)
            assert result.ok, result.errors
    return out


@pytest.fixture
def sink_copy(tmp_path: Path) -> Path:
    """A writable copy of the kitchen-sink source, for tests that edit it."""
    dest = tmp_path / "src"
    shutil.copytree(SINK, dest)
    return dest


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A copy of the example series to edit, English only (its Spanish edition doubles
    every build; the tests of translations copy it whole)."""
    dest = tmp_path / "content"
    shutil.copytree(CONTENT, dest, ignore=ENGLISH_ONLY)
    return dest
