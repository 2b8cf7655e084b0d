"""One structured article-series source to handouts, an ebook, feeds and fragments.

ketapub turns one source into PDF handouts, an EPUB ebook, scheduled RSS/Atom/JSON feeds and
embeddable HTML fragments, each made by a pluggable renderer.

The public API::

    import ketapub
    series = ketapub.load("content")
    result = ketapub.build(series, "output", formats=["jsonfeed"], as_of="2025-09-01")
    data = ketapub.render(series, "jsonfeed", as_of="2025-09-01")   # {path: bytes}
"""

from ketapub.build import BuildError, BuildResult, build, render
from ketapub.errors import (
    Diagnostic,
    KetapubError,
    PluginError,
    RendererError,
    RenderError,
    Severity,
    SourceError,
    TemplateError,
    UsageError,
)
from ketapub.load import load
from ketapub.model import Asset, Author, Brand, FaqItem, MedicalReview, Part, Reference, Series
from ketapub.render.base import Artifact, ArtifactInfo, BuildOptions, Job, RenderContext, Renderer
from ketapub.render.options import RendererOptions, option
from ketapub.render.registry import Registry, installed
from ketapub.schedule import next_release, released, resolve_as_of
from ketapub.serve import make_app

__version__ = "0.1.0"

__all__ = [
    "Artifact", "ArtifactInfo", "Asset", "Author", "Brand", "BuildError", "BuildOptions",
    "BuildResult", "Diagnostic", "FaqItem", "Job", "KetapubError", "MedicalReview", "Part",
    "PluginError", "Reference", "Registry", "RenderContext", "RenderError", "Renderer",
    "RendererError", "RendererOptions", "Series", "Severity", "SourceError", "TemplateError",
    "UsageError",
    "build", "installed", "load", "make_app", "next_release", "option", "released", "render",
    "resolve_as_of",
]
