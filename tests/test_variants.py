"""Variants have their own place, and a build removes only what it was asked to make.

Each job belongs to a variant scope (renderer, brand, large print). A partial build
(``--format``, ``--brand a``, no ``--large-print``) keeps every output of a scope it did not
cover, with its manifest entry; an old output goes only when the build covered its scope
and no longer makes it (a part unreleased or deleted, a brand gone under ``--brand all``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from pathlib import Path

import feedparser
import pypdf
import pytest

import ketapub
from ketapub import write
from tests.helpers import make_source, part
from tests.test_serve import Clock, request, running

AS_OF = "2025-06-01"  # both parts out
BEFORE_PART_2 = "2025-02-01"  # part 2 (1 March) not yet
HANDOUTS = ("01-x.pdf", "02-y.pdf")
SCOPES = ("pdf", "pdf/a", "pdf/b", "pdf/large-print", "pdf/a/large-print", "pdf/b/large-print")


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """Two short parts and two clinics: quick to render, every scope represented."""
    return make_source(tmp_path / "src", {
        "01-x.md": part(1, "x", "A short first part about treatment.\n"),
        "02-y.md": part(2, "y", "A short second part.\n", publish_at="2025-03-01"),
    }, files={"brands/a.yaml": "id: a\nname: Clinic A\n",
              "brands/b.yaml": "id: b\nname: Clinic B\n"})


def manifest(out: Path) -> dict[str, dict[str, object]]:
    data = json.loads((out / write.MANIFEST).read_text("utf-8"))
    return {a["path"]: a for a in data["artifacts"]}


def on_disk(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != write.MANIFEST}


def body_font_size(path: Path) -> float:
    """The most used text size on page 1, from the content stream (text matrix x CTM)."""
    sizes: Counter[float] = Counter()

    def visit(txt: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if txt.strip():
            scale = (tm[3] ** 2 + tm[2] ** 2) ** 0.5 * (cm[3] ** 2 + cm[2] ** 2) ** 0.5
            sizes[round(size * scale, 1)] += len(txt.strip())

    pypdf.PdfReader(path).pages[0].extract_text(visitor_text=visit)
    return sizes.most_common(1)[0][0]


def test_brand_a_after_brand_all_keeps_brand_b_and_its_entries(src: Path, tmp_path: Path
                                                               ) -> None:
    out = tmp_path / "out"
    ketapub.build(src, out, formats=["pdf"], as_of=AS_OF, brands=["all"])
    before, files = manifest(out), on_disk(out)
    assert {f"pdf/b/{h}" for h in HANDOUTS} <= set(before)

    result = ketapub.build(src, out, formats=["pdf"], as_of=AS_OF, brands=["a"])
    assert result.removed == ()
    assert manifest(out) == before  # b's entries too, unchanged
    assert on_disk(out) == files


def test_format_ics_after_a_full_build_keeps_every_other_format(src: Path, tmp_path: Path
                                                                ) -> None:
    # (a format without dependencies: a feed built alone has no handouts to attach)
    out = tmp_path / "out"
    ketapub.build(src, out, as_of=AS_OF, jobs=2)
    before, files = manifest(out), on_disk(out)
    assert {"feed/rss.xml", "feed/atom.xml", "feed/schedule.ics", "pdf/01-x.pdf",
            "pdf/booklet.pdf", "html/x.html", "html/hub.html"} <= set(before)
    assert any(p.startswith("epub/") for p in before)

    result = ketapub.build(src, out, formats=["ics"], as_of=AS_OF, force=True)
    assert result.rendered == ("feed/schedule.ics",)  # a real commit happened
    assert result.removed == ()
    assert manifest(out) == before
    assert on_disk(out) == files
    assert (out / "feed/rss.xml").read_bytes().startswith(b"<?xml")


def test_large_print_is_its_own_variant_beside_the_standard_one(src: Path, tmp_path: Path
                                                                ) -> None:
    out = tmp_path / "out"
    first = ketapub.build(src, out, formats=["pdf", "rss"], as_of=AS_OF, brands=["a"],
                          large_print=True)
    made = manifest(out)
    for path in ("pdf/01-x.pdf", "pdf/large-print/01-x.pdf", "pdf/booklet.pdf",
                 "pdf/large-print/booklet.pdf", "pdf/a/01-x.pdf", "pdf/a/large-print/01-x.pdf"):
        assert path in made and (out / path).is_file(), path
    assert made["pdf/large-print/01-x.pdf"]["variant"] == "large-print"
    assert made["pdf/a/large-print/01-x.pdf"]["brand"] == "a"
    standard, large = out / "pdf/01-x.pdf", out / "pdf/large-print/01-x.pdf"
    assert standard.read_bytes() != large.read_bytes()
    assert body_font_size(standard) == pytest.approx(12, abs=0.2)
    assert body_font_size(large) >= 16
    assert body_font_size(out / "pdf/a/large-print/01-x.pdf") >= 16
    assert body_font_size(out / "pdf/large-print/booklet.pdf") > body_font_size(
        out / "pdf/booklet.pdf")
    # the feed still attaches the unbranded standard handout
    feed = feedparser.parse((out / "feed/rss.xml").read_bytes())
    enclosures = sorted(link.href for e in feed.entries for link in e.enclosures)
    assert enclosures == ["https://example.org/s/pdf/01-x.pdf",
                          "https://example.org/s/pdf/02-y.pdf"]

    # large print is not in the other jobs' input hash: toggling it re-renders nothing
    again = ketapub.build(src, out, formats=["pdf", "rss"], as_of=AS_OF, brands=["a"])
    assert again.rendered == () and again.removed == ()
    assert manifest(out) == made  # a build without --large-print keeps the large-print files
    assert ketapub.build(src, out, formats=["pdf", "rss"], as_of=AS_OF, brands=["a"],
                         large_print=True).rendered == ()
    assert len(first.rendered) == len(made)

    # the server serves the large-print handout, and not before its part is out
    series = ketapub.load(src)
    clock = Clock(ketapub.resolve_as_of(AS_OF, series.tz))
    with running(ketapub.make_app(series, out, clock=clock)) as port:
        status, _, body = request(port, "/pdf/large-print/02-y.pdf")
        assert status == 200 and body == (out / "pdf/large-print/02-y.pdf").read_bytes()
        clock.now = ketapub.resolve_as_of(BEFORE_PART_2, series.tz)
        assert request(port, "/pdf/large-print/02-y.pdf")[0] == 404
        assert request(port, "/pdf/a/large-print/01-x.pdf")[0] == 200


def test_a_part_unreleased_or_deleted_goes_from_every_scope_the_build_covered(
        src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    ketapub.build(src, out, formats=["pdf"], as_of=AS_OF, brands=["all"], large_print=True)
    assert {f"{s}/{h}" for s in SCOPES for h in HANDOUTS} <= set(manifest(out))

    # as of before part 2's release, every scope covered: its six handouts go
    result = ketapub.build(src, out, formats=["pdf"], as_of=BEFORE_PART_2, brands=["all"],
                           large_print=True)
    assert result.removed == tuple(sorted(f"{s}/02-y.pdf" for s in SCOPES))
    listed = manifest(out)
    for scope in SCOPES:
        assert f"{scope}/02-y.pdf" not in listed and not (out / scope / "02-y.pdf").exists()
        assert f"{scope}/01-x.pdf" in listed and (out / scope / "01-x.pdf").is_file()

    # released again, then part 2 deleted: a build of brand a, standard print only,
    # removes it from the scopes it covered (pdf, pdf/a) and keeps it in the others
    ketapub.build(src, out, formats=["pdf"], as_of=AS_OF, brands=["all"], large_print=True)
    (src / "parts/02-y.md").unlink()
    result = ketapub.build(src, out, formats=["pdf"], as_of=AS_OF, brands=["a"])
    assert result.removed == ("pdf/02-y.pdf", "pdf/a/02-y.pdf")
    listed = manifest(out)
    for scope in ("pdf/b", "pdf/large-print", "pdf/a/large-print", "pdf/b/large-print"):
        assert f"{scope}/02-y.pdf" in listed and (out / scope / "02-y.pdf").is_file()

    # a clinic gone from the source: --brand all covers it, so its handouts go
    (src / "brands/b.yaml").unlink()
    result = ketapub.build(src, out, formats=["pdf"], as_of=AS_OF, brands=["all"],
                           large_print=True)
    assert not any(p.startswith("pdf/b/") for p in manifest(out))
    assert not (out / "pdf/b").exists()
    assert "pdf/b/01-x.pdf" in result.removed and "pdf/b/large-print/02-y.pdf" in result.removed


def test_an_old_manifest_without_scopes_is_kept_by_a_partial_build(src: Path, tmp_path: Path
                                                                   ) -> None:
    """Entries written before scopes were recorded: only a build of every scope removes them."""
    out = tmp_path / "out"
    ketapub.build(src, out, formats=["pdf"], as_of=AS_OF, brands=["all"])
    data = json.loads((out / write.MANIFEST).read_text("utf-8"))
    for a in data["artifacts"]:
        del a["brand"], a["variant"]
    (out / write.MANIFEST).write_text(json.dumps(data), "utf-8")
    shutil.rmtree(src / "brands")
    assert ketapub.build(src, out, formats=["pdf"], as_of=AS_OF).removed == ()
    assert (out / "pdf/b/01-x.pdf").is_file()
    result = ketapub.build(src, out, formats=["pdf"], as_of=AS_OF, brands=["all"],
                           large_print=True)
    assert set(result.removed) == {f"pdf/{b}/{h}" for b in "ab" for h in HANDOUTS}


def test_the_brand_id_large_print_is_refused_at_its_line(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src", files={
        "brands/big.yaml": "name: Big Letters Clinic\nid: large-print\n"})
    series = ketapub.load(src)  # a brand file with problems is left out, with a warning
    (d,) = [w for w in series.warnings if w.line > 1]  # the other: "brand ... is left out"
    assert (d.path, d.line, d.column) == (f"{src}/brands/big.yaml", 2, 5)
    assert "brand id 'large-print' is reserved" in d.message
    assert "choose another id" in d.message
    assert series.brands == ()
    with pytest.raises(ketapub.SourceError):
        ketapub.load(src, strict=True)
    with pytest.raises(ketapub.KetapubError, match="large-print"):
        ketapub.build(src, tmp_path / "out", formats=["pdf"], as_of=AS_OF, brands=["all"])
