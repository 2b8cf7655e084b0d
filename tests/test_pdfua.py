"""PDF/UA-1 of every PDF ketapub makes, checked by an independent pikepdf checker named by
veraPDF's rule ids (``pdfua_rules``), and by ``pdfua`` from PyPI.

The PDFs: every one of the example series with every part out and every brand (19), the
kitchen sink's (plain, branded, large print, booklets), a branded large-print handout and
the hostile fixture's. A rule that fails today is marked ``xfail(strict=True)`` with the
item of issue 15 it belongs to: fixing it turns the test red until the mark goes.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from conftest import CONTENT, ROOT
from pdfua_rules import RULES, Checker, Elem, Finding, check

import ketapub

ALL_OUT = "2030-01-01T00:00:00+00:00"
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
LARGE_BRANDED = "pdf/harbor-light/large-print/03-spravato-explained.pdf"

# Rules that fail today, with the item of issue 15 that fixes them. Remove an entry
# when its item is fixed: the test then asserts the rule as any other.
KNOWN: dict[str, str] = {
}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory, sink_build: Path,
         content_build: Path) -> list[Path]:
    root = tmp_path_factory.mktemp("pdfua")
    content = content_build / "pdf"
    large = ketapub.render(CONTENT, "pdf", as_of=ALL_OUT, path=LARGE_BRANDED,
                           brands=["harbor-light"], large_print=True)
    (root / "large.pdf").write_bytes(large[LARGE_BRANDED])
    hostile = root / "hostile"
    result = ketapub.build(HOSTILE, hostile, as_of=ALL_OUT, formats=["pdf"], brands=["all"],
                           jobs=2)
    assert result.ok, result.errors
    found = [*sorted(content.rglob("*.pdf")), root / "large.pdf",
             *sorted((sink_build / "pdf").rglob("*.pdf")), *sorted(hostile.rglob("*.pdf"))]
    assert len(list(content.rglob("*.pdf"))) == 38  # English and Spanish, 19 each
    return found


@pytest.fixture(scope="module")
def findings(pdfs: list[Path]) -> list[Finding]:
    return [f for path in pdfs for f in check(path)]


def _rule_params() -> list[object]:
    return [pytest.param(rule, marks=pytest.mark.xfail(strict=True, reason=KNOWN[rule]))
            if rule in KNOWN else rule for rule in RULES]


@pytest.mark.parametrize("rule", _rule_params())
def test_every_pdf_keeps_the_rule(rule: str, findings: list[Finding]) -> None:
    broken = [str(f) for f in findings if f.rule == rule]
    assert not broken, f"{RULES[rule]}:\n" + "\n".join(broken[:20])


def test_pdfua_from_pypi_reports_no_error(pdfs: list[Path]) -> None:
    """pdfua (PyPI) as a second opinion: no ERROR or WARNING finding on any PDF (one of its
    rules, UA-14-001, raises on these files and is reported as skipped, not as a finding)."""
    from pdfua import Severity, validate

    errors = []
    for path in pdfs:
        report = validate(str(path))
        errors += [f"{path.name}: {f.rule_id} {f.message}" for f in report.findings
                   if f.severity in (Severity.ERROR, Severity.WARNING)]
    assert not errors, "\n".join(errors)


def test_the_booklet_contents_read_part_title_and_page(pdfs: list[Path],
                                                        content_build: Path) -> None:
    """Each contents entry reads "Part 3", its title, its page number: no leader dots."""
    series = ketapub.load(CONTENT)
    booklet = content_build / "pdf" / "booklet.pdf"
    assert booklet in pdfs
    with pikepdf.open(booklet) as pdf:
        checker = Checker(pdf)
        checker.run()
        entries = [[t.strip() for t in checker.read(e.obj) if t.strip()]
                   for e in checker.elems if e.type == "Link" and e.page == 1 and _in_list(e)]
    assert [e[:2] for e in entries] == [[f"Part {p.part}", p.title] for p in series.parts]
    assert all(len(e) == 3 and e[2].isdigit() for e in entries), entries


def _in_list(elem: Elem) -> bool:
    parent = elem.parent
    while parent is not None and parent.type != "LI":
        parent = parent.parent
    return parent is not None


# --- the checker catches what it names: a clean-enough PDF, broken one rule at a time ---

@pytest.fixture(scope="module")
def sample(sink_build: Path) -> Path:
    """A branded handout with a logo, a figure, a table, lists, links and headings."""
    return sink_build / "pdf" / "sink-clinic" / "01-everything.pdf"


def _broken(sample: Path, tmp_path: Path, change: object) -> set[str]:
    """The rules with a finding after ``change`` edits a copy of ``sample`` that it did not
    have before (a finding names its place and how many operators it counts)."""
    before = {_plain(f) for f in check(sample)}
    with pikepdf.open(sample) as pdf:
        change(pdf)  # type: ignore[operator]
        pdf.save(tmp_path / "broken.pdf")
    after = check(tmp_path / "broken.pdf")
    return {f.rule for f in after if _plain(f) not in before}


def _plain(finding: Finding) -> tuple[str, str, str]:
    """A finding without its file name."""
    return finding.rule, finding.where.split(":", 1)[-1], finding.message


def _elems(pdf: pikepdf.Pdf, kind: str) -> list[pikepdf.Dictionary]:
    out: list[pikepdf.Dictionary] = []

    def walk(node: pikepdf.Object) -> None:
        items = list(node) if isinstance(node, pikepdf.Array) else [node]
        for item in items:
            if isinstance(item, pikepdf.Dictionary) and "/S" in item:
                if kind == item.S:
                    out.append(item)
                if "/K" in item:
                    walk(item.K)

    walk(pdf.Root.StructTreeRoot.K)
    assert out, f"the sample has no {kind}"
    return out


def _set(obj: pikepdf.Dictionary, key: str, value: object) -> None:
    obj[key] = value


def _fonts(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    return [f for f in pdf.pages[0].Resources.Font.values()]


CHANGES: dict[str, object] = {
    "7.1-10": lambda pdf: _set(pdf.Root.ViewerPreferences, "/DisplayDocTitle", False),
    "7.2-33": lambda pdf: pdf.Root.__delitem__("/Lang"),
    "7.2-29": lambda pdf: _set(pdf.Root, "/Lang", pikepdf.String("en_US")),
    "7.1-8": lambda pdf: pdf.Root.__delitem__("/Metadata"),
    "x-7.1-marked": lambda pdf: _set(pdf.Root.MarkInfo, "/Marked", False),
    "7.3-1": lambda pdf: _elems(pdf, "/Figure")[0].__delitem__("/Alt"),
    "7.4.2-1": lambda pdf: _set(_elems(pdf, "/H1")[0], "/S", pikepdf.Name("/H3")),
    "7.4.4-2": lambda pdf: _set(_elems(pdf, "/H2")[0], "/S", pikepdf.Name("/H")),
    "7.2-10": lambda pdf: _set(_elems(pdf, "/TD")[0], "/S", pikepdf.Name("/P")),
    "7.2-9": lambda pdf: _set(_elems(pdf, "/TR")[-1], "/S", pikepdf.Name("/Div")),
    "7.2-19": lambda pdf: _set(_elems(pdf, "/LI")[0], "/S", pikepdf.Name("/P")),
    "7.2-18": lambda pdf: _set(_elems(pdf, "/LI")[0], "/S", pikepdf.Name("/Div")),
    "7.2-20": lambda pdf: _set(_elems(pdf, "/LBody")[0], "/S", pikepdf.Name("/P")),
    "7.18.5-1": lambda pdf: _set(_elems(pdf, "/Link")[0], "/S", pikepdf.Name("/Span")),
    "7.18.3-1": lambda pdf: next(p for p in pdf.pages if "/Annots" in p).obj.__delitem__(
        "/Tabs"),
    "7.21.4.1-1": lambda pdf: _fonts(pdf)[0].DescendantFonts[0].FontDescriptor.__delitem__(
        "/FontFile2"),
    "7.21.7-1": lambda pdf: _fonts(pdf)[0].__delitem__("/ToUnicode"),
    "7.1-3": lambda pdf: _set(pdf.Root.StructTreeRoot, "/K", pikepdf.Array()),
}


@pytest.mark.parametrize("rule", sorted(CHANGES))
def test_the_checker_finds_a_planted_violation(rule: str, sample: Path, tmp_path: Path) -> None:
    assert rule in _broken(sample, tmp_path, CHANGES[rule])
