"""Atheris fuzz target for the loader: any bytes as a part file (and as series.yaml) must load
or raise SourceError with ``path:line:column`` diagnostics, never another exception.

    .venv/bin/pip install atheris        # or: pip install -e '.[dev]'
    .venv/bin/python fuzz/fuzz_load.py -max_total_time=300 -rss_limit_mb=2048 -timeout=10 \
        /tmp/ketapub-corpus

See fuzz/README.md.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import ketapub
    from ketapub.errors import SourceError

SERIES = (b'title: "Fuzz"\ndescription: "d"\nlanguage: en\nbase_url: "https://example.org/"\n'
          b'publisher: "p"\nauthors:\n  - name: "a"\n')
LOCATION = re.compile(r"^.+:\d+:\d+: \S")
ROOT = Path(tempfile.mkdtemp(prefix="ketapub-fuzz-"))


def TestOneInput(data: bytes) -> None:  # the name atheris expects
    fdp = atheris.FuzzedDataProvider(data)
    as_series = fdp.ConsumeBool()
    payload = fdp.ConsumeBytes(fdp.remaining_bytes())
    (ROOT / "parts").mkdir(parents=True, exist_ok=True)
    (ROOT / "series.yaml").write_bytes(payload if as_series else SERIES)
    (ROOT / "parts" / "01.md").write_bytes(
        b"---\ntitle: t\npart: 1\nslug: s\nsummary: s\npublish_at: 2025-01-01\n---\nx\n"
        if as_series else payload)
    try:
        ketapub.load(ROOT)
    except SourceError as exc:
        for d in exc.diagnostics:
            if not LOCATION.match(str(d)) or d.line < 1 or d.column < 1:
                raise AssertionError(f"diagnostic without a location: {d!r}") from None


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
