"""Links in the PDFs lead somewhere: the printed web address, e-mail and clinic website on a
handout's last page are links a reader can follow, tagged as Link (issue 15, item 7); a
citation in the booklet goes to its entry in that part's reference list."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
from conftest import SINK, SINK_AS_OF

import ketapub

BRANDED = "pdf/sink-clinic/01-everything.pdf"


def _last_page_links(data: bytes) -> dict[str, str]:
    """URI -> the structure type of the element that holds the annotation."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        nums = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
        parents = dict(zip((int(n) for n in nums[::2]), nums[1::2], strict=True))
        out = {}
        for annot in pdf.pages[-1].obj.get("/Annots", []):
            uri = annot.get("/A", {}).get("/URI")
            if uri is not None:
                out[str(uri)] = str(parents[int(annot.StructParent)].S)
        return out


def test_web_address_email_and_website_are_tagged_links(sink_series: ketapub.Series) -> None:
    data = ketapub.render(SINK, "pdf", as_of=SINK_AS_OF, path=BRANDED,
                          brands=["sink-clinic"])[BRANDED]
    brand = sink_series.get_brand("sink-clinic")
    part = sink_series.parts[0]
    assert brand is not None and brand.email and brand.website
    links = _last_page_links(data)
    url = ketapub.render(SINK, "jsonfeed", as_of=SINK_AS_OF)["feed/feed.json"].decode()
    part_url = next(u for u in links if u.startswith("http") and part.slug in u)
    assert part_url in url  # the same canonical address the feeds give
    assert links[part_url] == "/Link"
    assert links[f"mailto:{brand.email}"] == "/Link"
    assert links[str(brand.website)] == "/Link"


def _internal_links(pdf: pikepdf.Pdf) -> list[str]:
    found = []
    for page in pdf.pages:
        for annot in page.get("/Annots", []):
            if annot.get("/Subtype") != "/Link":
                continue
            dest = annot.get("/Dest")
            action = annot.get("/A")
            if dest is None and action is not None and action.get("/S") == "/GoTo":
                dest = action.get("/D")
            if isinstance(dest, pikepdf.String):
                found.append(str(dest))
    return found


def test_booklet_citations_link_to_their_reference_entries(sink_build: Path) -> None:
    with pikepdf.open(sink_build / "pdf" / "booklet.pdf") as pdf:
        anchors = set(pikepdf.NameTree(pdf.Root.Names.Dests).keys())
        links = _internal_links(pdf)
    # part 1 of the kitchen sink cites knuth1984 twice and lamport1994 once
    assert links.count("p1.ref.knuth1984") == 2 and links.count("p1.ref.lamport1994") == 1
    assert {"p1.ref.knuth1984", "p1.ref.lamport1994"} <= anchors
    assert [link for link in links if link not in anchors] == []
