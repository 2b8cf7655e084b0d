"""No function of the package is too branchy to read alone (issue: one document tree, #11).

Cyclomatic complexity as radon counts it (``radon cc -s ketapub``); 15 is the ceiling the
code was brought under when build(), load() and the dialect were split into named steps.
"""

from __future__ import annotations

from radon.complexity import cc_visit

from tests.conftest import ROOT

CEILING = 15


def test_no_function_in_the_package_is_above_complexity_15() -> None:
    found = []
    for path in sorted((ROOT / "ketapub").rglob("*.py")):
        for block in cc_visit(path.read_text("utf-8")):
            if block.complexity > CEILING:
                found.append(f"{path.relative_to(ROOT)}:{block.lineno} {block.fullname} "
                             f"({block.complexity})")
    assert found == []
