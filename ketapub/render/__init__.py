"""Render: the renderer interface, the plugin registry and the template environment."""

from ketapub.render.base import Artifact, ArtifactInfo, BuildOptions, Job, RenderContext, Renderer
from ketapub.render.registry import Registry, installed

__all__ = ["Artifact", "ArtifactInfo", "BuildOptions", "Job", "Registry", "RenderContext",
           "Renderer", "installed"]
