"""Print the ``translation_of`` stamp of part files, and check translations against them.

    python tools/translation_of.py content/parts/01-*.md       # stamp of each original
    python tools/translation_of.py --check content/translations/es

With --check, each translation's ``translation_of`` is compared with the stamp of the original
of the same file name in the series' ``parts/``; exit 1 if one is stale or missing.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ketapub.translation_of import file_digest

_STAMP = re.compile(r"^translation_of:[ \t]*[\"']?([0-9a-fA-F]+)[\"']?[ \t]*$", re.MULTILINE)


def check(folder: Path) -> int:
    """Compare every translation in ``folder`` (translations/<lang>/) with its original."""
    parts = folder.parent.parent / "parts"
    bad = 0
    for tr in sorted(folder.glob("*.md")):
        original = parts / tr.name
        text = tr.read_text(encoding="utf-8")
        found = _STAMP.search(text)
        line = text.count("\n", 0, found.start()) + 1 if found else 1
        if not original.is_file():
            print(f"{tr}:1:1: no original {tr.name} in {parts}")
            bad += 1
            continue
        want = file_digest(original.read_text(encoding="utf-8"))
        if found is None or found.group(1).lower() != want:
            print(f"{tr}:{line}:1: translation_of should be {want} for {original.name} "
                  "once the translation matches it")
            bad += 1
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--check", action="store_true", help="check translations/<lang>/ folders")
    ap.add_argument("paths", nargs="+", type=Path)
    args = ap.parse_args(argv)
    if args.check:
        return max(check(p) for p in args.paths)
    for p in args.paths:
        print(f"{file_digest(p.read_text(encoding='utf-8'))}  {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
