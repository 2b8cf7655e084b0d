"""The printed web address, e-mail and clinic website on a handout's last page are links a
reader can follow from the PDF, tagged as Link (issue 15, item 7)."""

from __future__ import annotations

import io

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
