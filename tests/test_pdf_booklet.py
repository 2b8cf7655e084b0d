"""The booklet bound from its parts' handouts (issue 19, item 2): the contents give the page
each part really starts on, every page carries its number and running head, a chapter shows
its handout page for page, links between parts land on their target's page, a build lays out
each part once (for its handout; the booklet binds that layout), an edit of one part lays out
that part only, and the result is the same bytes whether pieces come from the cache or are
laid out anew."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from conftest import CONTENT, ENGLISH_ONLY

from ketapub import Job, RenderContext, Renderer
from ketapub.build import plan_build, resolve
from ketapub.execute import render_one
from ketapub.renderers import pdf_assemble, pdf_booklet, pdf_layouts
from tools import require

ALL_OUT = "2030-01-01T00:00:00+00:00"


def _planned(source: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, large: bool = False,
             ) -> tuple[Renderer, list[Job], RenderContext]:
    """The pdf renderer, its jobs and context for ``source``, with pieces kept in ``cache``
    only (the process's own memory of pieces is emptied first)."""
    monkeypatch.setenv("KETAPUB_CACHE_DIR", str(cache))
    monkeypatch.setattr(pdf_layouts, "_memory", type(pdf_layouts._memory)())
    setup = resolve(source, formats="pdf", as_of=ALL_OUT, registry=None, strict=False,
                    budget=None, brands=(), large_print=large, templates=(), options=None,
                    page_size=None, heading_level=None)
    jobs, ctx = plan_build(setup)
    return setup.renderers[0], jobs, ctx


def _booklet(source: Path, cache: Path, monkeypatch: pytest.MonkeyPatch,
             large: bool = False) -> tuple[bytes, int]:
    """The assembled booklet of ``source``, and how many pieces were laid out for it."""
    renderer, _, ctx = _planned(source, cache, monkeypatch, large)
    made = pdf_booklet.render(renderer, ctx, large)
    assert made is not None
    return made


def _after_handouts(source: Path, cache: Path, monkeypatch: pytest.MonkeyPatch,
                    ) -> tuple[bytes, int, bytes]:
    """The booklet rendered after the build's handout jobs, as a build orders them, how many
    pieces the booklet laid out itself, and the handout of part 3."""
    renderer, jobs, ctx = _planned(source, cache, monkeypatch)
    booklet = next(j for j in jobs if j.kind == "booklet")
    assert set(booklet.depends_on) == {j.path for j in jobs if j.kind == "handout"}
    handouts = {j.part: render_one(renderer, j, ctx).data for j in jobs if j.kind == "handout"}
    made = pdf_booklet.render(renderer, ctx, False)
    assert made is not None
    return made[0], made[1], handouts[3]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A clean build, a rebuild after an edit of part 3 with the pieces kept, and a clean
    build of the edited source."""
    root = tmp_path_factory.mktemp("booklet")
    source = root / "src"
    shutil.copytree(CONTENT, source, ignore=ENGLISH_ONLY)
    with pytest.MonkeyPatch.context() as mp:
        clean, clean_laid = _booklet(source, root / "cache", mp)
        again, again_laid = _booklet(source, root / "cache", mp)
        part3 = next((source / "parts").glob("03-*"))
        text = part3.read_text(encoding="utf-8")
        part3.write_text(text.rstrip("\n") + "\n\nOne more sentence for the edit.\n",
                         encoding="utf-8")
        edited, edited_laid = _booklet(source, root / "cache", mp)
        fresh, fresh_laid = _booklet(source, root / "cache-fresh", mp)
        part3.write_text(text, encoding="utf-8")
        bound, bound_laid, handout3 = _after_handouts(source, root / "cache-bound", mp)
    path = root / "booklet.pdf"
    path.write_bytes(clean)
    (root / "handout3.pdf").write_bytes(handout3)
    yield {"clean": clean, "clean_laid": clean_laid, "again": again, "again_laid": again_laid,
           "edited": edited, "edited_laid": edited_laid, "fresh": fresh,
           "fresh_laid": fresh_laid, "path": path, "bound": bound, "bound_laid": bound_laid,
           "handout3": root / "handout3.pdf"}


def _pages(path: Path) -> list[str]:
    out = subprocess.run([require("pdftotext"), "-layout", str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1]


def test_contents_give_the_page_each_part_starts_on(runs: dict[str, object]) -> None:
    pages = _pages(runs["path"])  # type: ignore[arg-type]
    for n in range(1, 7):
        line = next(ln for ln in pages[1].splitlines() if f"Part {n} " in ln)
        listed = int(line.split()[-1])
        assert f"Part {n} of 6" in pages[listed - 1], (n, listed)  # its handout's masthead
        assert f"Part {n} of 6" not in pages[listed - 2], (n, listed)


def test_every_page_but_the_cover_has_its_number_and_heads(runs: dict[str, object]) -> None:
    pages = _pages(runs["path"])  # type: ignore[arg-type]
    total = len(pages)
    assert "Page 1 of" not in pages[0]
    assert [f"Page {n} of {total}" in page for n, page in enumerate(pages, start=1)][1:] == \
        [True] * (total - 1)
    # each page carries one page number: the handouts' own ("Page 2 of 5") are gone
    assert [len(re.findall(r"Page \d+ of \d+", page)) for page in pages[1:]] == \
        [1] * (total - 1)
    starts = [int(next(ln for ln in pages[1].splitlines() if f"Part {n} " in ln).split()[-1])
              for n in (3, 4)]
    heads = [page.strip().split("\n")[0] for page in pages]
    # a chapter opens with its handout's masthead and no running head above it ...
    assert heads[starts[0] - 1].startswith("The Clinical Science of Ketamine Therapy · Part 3")
    assert "Spravato (esketamine) explained" not in heads[starts[0] - 1]
    # ... and part 3's title heads exactly its other pages, up to the page before part 4
    assert [n + 1 for n, head in enumerate(heads) if "Spravato (esketamine) explained" in head
            and head.startswith("The Clinical Science of Ketamine Therapy ")] \
        == list(range(starts[0] + 1, starts[1]))


def test_a_chapter_shows_its_handout_page_for_page(runs: dict[str, object]) -> None:
    """The booklet binds the handout's own layout: the same lines on each page but the margins'."""
    pages = _pages(runs["path"])  # type: ignore[arg-type]
    start = int(next(ln for ln in pages[1].splitlines() if "Part 3 " in ln).split()[-1])
    handout = _pages(runs["handout3"])  # type: ignore[arg-type]

    def body(page: str) -> list[str]:
        lines = [" ".join(ln.split()) for ln in page.splitlines() if ln.strip()]
        return [ln for ln in lines if not re.fullmatch(r"Page \d+ of \d+", ln)
                and not (ln.startswith("The Clinical Science of Ketamine Therapy Spravato"))]

    chapter = pages[start - 1:start - 1 + len(handout)]
    assert [body(p) for p in chapter] == [body(p) for p in handout]
    assert sum(len(body(p)) for p in handout) > 100  # the whole part, not an empty page
    assert "In an emergency" in handout[-1] and "In an emergency" in chapter[-1]  # disclaimer


def test_links_between_parts_land_on_their_target(runs: dict[str, object]) -> None:
    with pikepdf.open(runs["path"]) as pdf:  # type: ignore[arg-type]
        dests = pdf_assemble.name_tree(pdf.Root.Names.Dests)
        index = {p.obj.objgen: n for n, p in enumerate(pdf.pages)}
        starts = {int(name[1:]): index[d[0].objgen] for name, d in dests.items()
                  if name[:1] == b"p" and name[1:].isdigit()}
        crossing = 0
        for n, page in enumerate(pdf.pages):
            for annot in page.obj.get("/Annots", []):
                if "/Dest" not in annot:
                    assert not bytes(annot.A.get("/URI", b"")).startswith(b"ketapub-dest:")
                    continue
                name = bytes(annot.Dest)
                target = index[dests[name][0].objgen]
                part = int(name[1:].split(b".")[0].split(b"-")[0])
                later = [s for s in starts.values() if s > starts[part]]
                assert starts[part] <= target < min(later, default=len(pdf.pages)), name
                crossing += n >= 2 and not starts[part] <= n < min(
                    later, default=len(pdf.pages))
        assert crossing >= 5  # "see Part 3" from other parts, not only the contents


def test_an_edit_lays_out_that_part_only(runs: dict[str, object]) -> None:
    assert runs["clean_laid"] == 8  # six parts, the front matter, the stamps
    assert runs["again_laid"] == 0
    assert runs["edited_laid"] == 1
    assert runs["again"] == runs["clean"]
    assert runs["edited"] != runs["clean"]


def test_each_part_is_laid_out_once_in_a_build(runs: dict[str, object]) -> None:
    """After the handout jobs, the booklet lays out its front matter and stamps, no part."""
    assert runs["bound_laid"] == 2
    assert runs["bound"] == runs["clean"]


def test_kept_and_fresh_pieces_give_the_same_bytes(runs: dict[str, object]) -> None:
    assert runs["fresh_laid"] == 8
    assert runs["edited"] == runs["fresh"]


def test_a_damaged_cache_entry_is_laid_out_again(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETAPUB_CACHE_DIR", str(tmp_path))
    html = '<!DOCTYPE html><html lang="en"><title>t</title><body><p>x</p></body></html>'
    salted = "s"
    first, _, laid = pdf_layouts.layout(html, "", {}, Path("."), salted)
    assert laid
    monkeypatch.setattr(pdf_layouts, "_memory", type(pdf_layouts._memory)())
    for entry in (tmp_path / "layouts").glob("*.pdf"):
        entry.write_bytes(b"\n%PDF-1.7 cut short")
    again, _, laid = pdf_layouts.layout(html, "", {}, Path("."), salted)
    assert laid and again == first


def test_a_kept_piece_keeps_its_page_types(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-page piece of the default page type comes back from the folder as one page."""
    monkeypatch.setenv("KETAPUB_CACHE_DIR", str(tmp_path))
    html = '<!DOCTYPE html><html lang="en"><title>t</title><body><p>x</p></body></html>'
    data, names, laid = pdf_layouts.layout(html, "", {}, Path("."), "one page")
    assert laid and names == [""]
    monkeypatch.setattr(pdf_layouts, "_memory", type(pdf_layouts._memory)())
    assert pdf_layouts.layout(html, "", {}, Path("."), "one page") == (data, [""], False)
