"""``ketapub cci PART``: find the part, score it, print the score and how each item was got."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ketapub.errors import UsageError

DISCLAIMER = ("A helper, not a validated instrument: the automatic items are mechanical "
              "checks, the others are the author's answers; the CDC recommends two "
              "independent reviewers and testing with the audience.")


def _find(part: str, source: str) -> tuple[str, int]:
    """(series folder, part number) named by PART: a number, or a part file."""
    if part.strip().isdigit():
        return source, int(part)
    path = Path(part)
    if not path.is_file():
        raise UsageError(f"{part!r} is neither a part number nor a part file")
    folder = str(path.parent.parent)
    from ketapub.load import load

    for p in load(folder).parts:
        if (Path(folder) / p.source.path).resolve() == path.resolve():
            return folder, p.part
    raise UsageError(f"{part!r} is not a part of the series in {folder}")


def run_cci(part: str, source: str, out: Callable[[str], None]) -> int:
    """Print one part's Clear Communication Index.

    Args:
        part: a part number or a part file.
        source: the source folder.
        out: where the report's lines go.

    Returns:
        The exit status.
    """
    from ketapub import cci
    from ketapub.lint import lint_series, part_text, shown_path
    from ketapub.load import load

    folder, number = _find(part, source)
    series = load(folder)
    chosen = next((p for p in series.parts if p.part == number), None)
    if chosen is None:
        known = ", ".join(str(p.part) for p in series.parts)
        raise UsageError(f"the series has no part {number}; its parts are {known}")
    shown = shown_path(folder, chosen.source.path)
    findings = [f for f in lint_series(series, folder).findings if f.path == shown]

    result = cci.score_part(series, chosen, part_text(series, chosen, shown), findings)
    out(f"{shown}: part {chosen.part}, {chosen.title}")
    out(f"CDC Clear Communication Index: {result.total} out of 100 ({result.points} of "
        f"{result.possible} applicable items)")
    for item in result.items:
        shown_answer = item.answer or "-"
        note = f" ({item.note})" if item.note else ""
        out(f"  {item.number:>2}  {shown_answer:<3} {item.points}  {item.how}{note}: "
            f"{cci.ITEMS[item.number]}")
    labels: tuple[tuple[cci.How, str], ...] = (
        ("automatic", "automatic"), ("answered", "answered"),
        ("overridden", "answered over the automatic score"),
        ("implied", "implied by other answers"),
        ("unanswered", "unanswered (no point; answer them under cci:)"))
    for how, label in labels:
        numbers = result.numbers(how)
        if numbers:
            out(f"{label.capitalize()}: {', '.join(map(str, numbers))}")
    out(DISCLAIMER)
    return 0
