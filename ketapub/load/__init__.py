"""Load: read a source folder into a validated :class:`~ketapub.model.Series`."""

from ketapub.load.source import load

__all__ = ["load"]
