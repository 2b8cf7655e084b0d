"""Load: read a source folder into a validated ``Series``."""

from ketapub.load.source import load

__all__ = ["load"]
