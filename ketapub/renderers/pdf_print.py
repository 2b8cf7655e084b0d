"""Print-shop PDF/X-4: 3 mm bleed, crop marks, TrimBox and BleedBox, an sRGB output intent.

WeasyPrint (70) writes PDF/X-1a, X-3, X-4 and X-5g; X-4 keeps transparency and RGB with an
output intent, so the booklet's colours need no conversion. It sets TrimBox and a BleedBox up
to 10 pt outside it and draws crop marks in the outer half of the CSS bleed. The CSS bleed is
therefore 8 mm (marks from 4 to 8 mm outside the trim, clear of the artwork) and
``finish()`` sets the BleedBox to exactly 3 mm outside the TrimBox, the bleed print shops
ask for. The PDF/X variant writes its own XMP, so ``finish()`` puts PDF/UA-1's back, and
replaces the random XMP DocumentID it writes with one derived from the file: the same
document gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid

import pikepdf

BLEED_MM = 3.0
MARKS_MM = 8.0
CSS = f"\n@page {{ bleed: {MARKS_MM:g}mm; marks: crop; }}\n"
"""Appended to the document's stylesheet: the area the crop marks are drawn in."""
_PT = 72 / 25.4
_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")
_PDFUA = (b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">'
          b"<pdfuaid:part>1</pdfuaid:part></rdf:Description>")


def finish(data: bytes) -> bytes:
    """``data`` made ready for a print shop.

    ``data`` with a BleedBox 3 mm outside each TrimBox, the PDF/UA-1 identification and a DocumentID
    that depends on the document only.

    Args:
        data: a print-shop PDF WeasyPrint wrote.
    """
    with pikepdf.open(io.BytesIO(data)) as pdf:
        digest = hashlib.sha256()
        for page in pdf.pages:
            contents = page.obj.Contents  # the drawing of every page
            for stream in contents if isinstance(contents, pikepdf.Array) else [contents]:
                digest.update(stream.read_bytes())
        document_id = f"xmp.did:{uuid.UUID(bytes=digest.digest()[:16])}"
        bleed = BLEED_MM * _PT
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.obj.TrimBox)
            page.obj.BleedBox = pikepdf.Array([round(v, 4) for v in (
                x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed)])
        xmp = _DOCUMENT_ID.sub(document_id.encode("ascii"), pdf.Root.Metadata.read_bytes())
        pdf.Root.Metadata.write(xmp.replace(b"</rdf:RDF>", _PDFUA + b"</rdf:RDF>", 1))
        # The ID WeasyPrint wrote hashes its random DocumentID; qpdf keeps a file's first ID,
        # so drop it and let both be derived from the content.
        if "/ID" in pdf.trailer:
            del pdf.trailer.ID
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
        return out.getvalue()
