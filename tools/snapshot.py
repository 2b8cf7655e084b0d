"""Build the example series and the kitchen sink, every format, every variant, into one folder.

A refactoring that must not change outputs is checked by snapshotting before and after and
comparing the two folders (``diff -r before after``; PDFs are reproducible byte for byte).

    python tools/snapshot.py DEST
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import ketapub

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
SINK = ROOT / "tests" / "fixtures" / "kitchen-sink"
YAML = ROOT / "tests" / "fixtures" / "yaml-styles"

# (name, source, instant, options): parts still scheduled, every part out, and the
# options that change a renderer's output (heading level, page size).
BUILDS: list[tuple[str, Path, str, dict[str, object]]] = [
    ("content", CONTENT, "2025-09-01T12:00:00-04:00",
     {"brands": ["all"], "large_print": True}),
    ("content-all-out", CONTENT, "2030-01-01T00:00:00+00:00", {}),
    ("content-h3-letter", CONTENT, "2025-09-01T12:00:00-04:00",
     {"heading_level": 3, "page_size": "Letter", "formats": ["html", "pdf"]}),
    ("sink", SINK, "2025-06-01T00:00:00+00:00", {"brands": ["all"], "large_print": True}),
    ("sink-h4", SINK, "2031-01-01T00:00:00+00:00",
     {"heading_level": 4, "formats": ["html", "epub", "rss", "atom", "jsonfeed"]}),
    ("yaml-styles", YAML, "2030-01-01T00:00:00+00:00", {"brands": ["all"]}),
]


def main(dest: str) -> int:
    out = Path(dest)
    if out.exists():
        shutil.rmtree(out)
    for name, source, as_of, options in BUILDS:
        result = ketapub.build(source, out / name, as_of=as_of, **options)  # type: ignore[arg-type]
        if not result.ok:
            print(f"{name}: {result.errors}", file=sys.stderr)
            return 1
        print(f"{name}: {len(result.rendered)} artifacts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
