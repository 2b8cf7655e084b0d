"""PDF handouts and the series booklet (WeasyPrint), branded per clinic, tagged, print-ready.

Outputs: ``pdf/NN-<slug>.pdf`` per released part, ``pdf/booklet.pdf`` for the whole series,
and ``pdf/<brand>/NN-<slug>.pdf`` per selected clinic profile; with ``pdf.imposed``,
``pdf/booklet-imposed.pdf`` (``pdf_impose``) next to the booklet; with large print, the same
again under ``pdf/large-print/`` and ``pdf/<brand>/large-print/`` (a variant in its own
place, so a build makes both and neither overwrites the other). With ``pdf.print_shop``,
every handout and booklet of the build once more as PDF/X-4 for a print shop
(``pdf_print``), in the same tree under ``pdf/print-shop/``
(``pdf/print-shop/<brand>/large-print/NN-<slug>.pdf``). The heavy lifting lives in
``pdf_html`` (HTML from templates), ``pdf_engine`` (WeasyPrint with per-process caches) and
``pdf_fetch`` (the only way a document may read a file); all three are imported in
``render`` so that planning and no-change rebuilds never import WeasyPrint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketapub import Artifact, Job, RenderContext, Renderer, RenderError, Series
from ketapub.model import Brand, PageSize, Part
from ketapub.paths import LARGE_PRINT, PRINT_SHOP
from ketapub.render.options import RendererOptions, option
from ketapub.render.shared import booklet_path, handout_path, imposed_booklet_path

if TYPE_CHECKING:  # imported in render: planning never imports WeasyPrint
    from ketapub.renderers.pdf_html import PdfDocument

PRINT_SHOP_LARGE = f"{PRINT_SHOP}/{LARGE_PRINT}"
"""The variant of large-print print-shop files: made only by a build with both, so a build
without large print neither makes nor removes them."""


class PdfOptions(RendererOptions):
    """Options of the PDF renderer (``--set pdf.OPTION=VALUE``)."""

    page_size: PageSize | None = option(
        None, "page size of handouts and booklet, A4 or Letter in any case (default: the "
        "brand's, else the series')")
    imposed: bool = option(
        False, "also make pdf/booklet-imposed.pdf: the booklet two pages per landscape sheet "
        "side in saddle-stitch order, to print duplex (flip on short edge), fold and staple")
    print_shop: bool = option(
        False, "also make pdf/print-shop/: the handouts and booklet as PDF/X-4 with 3 mm "
        "bleed, crop marks, TrimBox and BleedBox and an sRGB output intent")


class PdfRenderer(Renderer[PdfOptions]):
    """The ``pdf`` renderer: handouts, the booklet, branded and large-print variants."""

    name = "pdf"
    version = "5"
    lays_out_pages = True
    description = ("PDF handouts per released part, the series booklet, and branded "
                   "handouts per clinic (pdf/)")

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        """Handouts per released part and brand, the booklet, and the variants asked for."""
        brands: list[str | None] = [None, *sorted(b.id for b in ctx.brands())]
        sizes = (False, True) if ctx.options.large_print else (False,)
        jobs = [job for large in sizes for job in self._screen(ctx, brands, large)]
        if self.options(ctx).print_shop:
            for large in sizes:
                variant = PRINT_SHOP_LARGE if large else PRINT_SHOP
                jobs += [self.job(_shop(handout_path(p, brand, large)), kind="handout",
                                  part=p.part, brand=brand, parts=(p.part,), variant=variant)
                         for brand in brands for p in ctx.released]
                jobs.append(self.job(_shop(booklet_path(large)), kind="booklet",
                                     variant=variant))
        return jobs

    def _screen(self, ctx: RenderContext, brands: list[str | None], large: bool) -> list[Job]:
        """The handouts and booklets (not the print shop's) of one print size."""
        variant = LARGE_PRINT if large else ""
        jobs = []
        for brand in brands:
            jobs += [self.job(handout_path(p, brand, large), kind="handout", part=p.part,
                              brand=brand, parts=(p.part,), variant=variant)
                     for p in ctx.released]
            if brand is None:  # bound from the handouts' layouts: started once they are out
                bound = tuple(handout_path(p, None, large) for p in ctx.released)
                jobs.append(self.job(booklet_path(large), kind="booklet", variant=variant,
                                     depends_on=bound))
                if self.options(ctx).imposed:
                    jobs.append(self.job(imposed_booklet_path(large), kind="imposed",
                                         variant=variant, depends_on=bound))
        return jobs

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        """One PDF, laid out by WeasyPrint or assembled from pieces already laid out."""
        from ketapub.renderers import pdf_engine

        large = job.variant in (LARGE_PRINT, PRINT_SHOP_LARGE)
        shop = job.variant in (PRINT_SHOP, PRINT_SHOP_LARGE)
        data = self._without_layout(job, ctx, large, shop)
        if data is None:
            doc = self._document(job, ctx, large)
            try:
                # PDF/X must carry its dates: the build's instant when the document has none.
                dated = ctx.as_of.isoformat() if shop else None
                data = pdf_engine.write_pdf(doc.html, doc.css, doc.assets, doc.templates_dir,
                                            print_shop=dated)
            except RenderError:
                raise
            except Exception as exc:  # WeasyPrint failure: report it as this artifact's error
                raise RenderError(job.path, f"WeasyPrint could not lay out the document: "
                                  f"{type(exc).__name__}: {exc}") from None
        if job.kind == "imposed":
            from ketapub.renderers import pdf_impose

            data = pdf_impose.impose(data)
        return Artifact(job.path, data, "application/pdf", self.name)

    def _document(self, job: Job, ctx: RenderContext, large: bool) -> PdfDocument:
        """The HTML and CSS of a document laid out whole."""
        from ketapub.renderers import pdf_html

        if job.kind in ("booklet", "imposed"):
            return pdf_html.booklet(self, ctx, large)
        part, brand = self._part_and_brand(job, ctx)
        return pdf_html.handout(self, ctx, part, brand, large)

    def _part_and_brand(self, job: Job, ctx: RenderContext) -> tuple[Part, Brand | None]:
        if job.kind != "handout" or job.part is None:
            raise RenderError(job.path, f"unknown PDF job kind {job.kind!r}")
        part = ctx.series.get_part(job.part)
        if part is None or not ctx.is_released(part):
            raise RenderError(job.path, f"part {job.part} is not released as of "
                              f"{ctx.as_of.isoformat()}")
        brand = ctx.series.get_brand(job.brand) if job.brand else None
        if job.brand and brand is None:
            raise RenderError(job.path, f"unknown brand {job.brand!r}")
        return part, brand

    def _without_layout(self, job: Job, ctx: RenderContext, large: bool,
                        shop: bool) -> bytes | None:
        """The handout's shared layout, the booklet bound from it, a branded handout stamped.

        None when the document is to be laid out whole (a print-shop PDF/X-4 always is).
        """
        if shop:
            return None
        if job.kind in ("booklet", "imposed"):
            return self._assembled_booklet(job, ctx, large)
        part, brand = self._part_and_brand(job, ctx)
        if brand is not None:
            return self._stamped(job, ctx, part, brand, large)
        from ketapub.renderers import pdf_chapter

        try:  # the layout the booklet binds in, made once for both
            return pdf_chapter.handout(self, ctx, part, large)[0]
        except RenderError:
            raise
        except Exception as exc:  # WeasyPrint failure: report it as this artifact's error
            raise RenderError(job.path, f"WeasyPrint could not lay out the document: "
                              f"{type(exc).__name__}: {exc}") from None

    def _stamped(self, job: Job, ctx: RenderContext, part: Part, brand: Brand,
                 large: bool) -> bytes | None:
        """The branded handout with the clinic stamped on a shared layout (``pdf_brand``).

        None when it must be laid out whole.
        """
        from ketapub.renderers import pdf_assemble, pdf_brand

        try:
            return pdf_brand.render(self, ctx, part, brand, large)
        except pdf_assemble.AssembleError as exc:
            raise RenderError(job.path, f"cannot stamp the clinic on: {exc}") from None
        except Exception as exc:  # WeasyPrint failure: report it as this artifact's error
            raise RenderError(job.path, f"WeasyPrint could not lay out the document: "
                              f"{type(exc).__name__}: {exc}") from None

    def _assembled_booklet(self, job: Job, ctx: RenderContext, large: bool) -> bytes | None:
        """The booklet joined from parts laid out once each (``pdf_booklet``).

        None when it must be laid out whole.
        """
        from ketapub.renderers import pdf_assemble, pdf_booklet

        try:
            made = pdf_booklet.render(self, ctx, large)
            return made[0] if made else None
        except RenderError:
            raise
        except pdf_assemble.AssembleError as exc:
            raise RenderError(job.path, f"cannot assemble the booklet: {exc}") from None
        except Exception as exc:  # WeasyPrint failure: report it as this artifact's error
            raise RenderError(job.path, f"WeasyPrint could not lay out the document: "
                              f"{type(exc).__name__}: {exc}") from None


def _shop(path: str) -> str:
    """``pdf/x/y.pdf`` in the print shop's tree: ``pdf/print-shop/x/y.pdf``."""
    return f"pdf/{PRINT_SHOP}/{path.removeprefix('pdf/')}"
