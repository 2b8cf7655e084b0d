"""The renderer registry, built from the ``ketapub.renderers`` entry-point group.

Built-in renderers register exactly like third-party ones. Entry points are loaded lazily
(importing a renderer costs nothing until it is used); a name that two different
distributions claim is refused, as is a class that is not a :class:`Renderer`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points

from ketapub.errors import RendererError
from ketapub.render.base import Renderer

GROUP = "ketapub.renderers"


class Registry:
    def __init__(self, entries: Iterable[EntryPoint] = ()):
        self._entries: dict[str, EntryPoint] = {}
        self._classes: dict[str, type[Renderer]] = {}
        for ep in sorted(entries, key=lambda e: (e.name, e.value)):
            known = self._entries.get(ep.name)
            if known is not None and known.value != ep.value:
                raise RendererError(
                    f"renderer name {ep.name!r} is claimed twice: by {known.value} and by "
                    f"{ep.value}; uninstall one of the packages")
            self._entries[ep.name] = ep

    @classmethod
    def from_entry_points(cls, group: str = GROUP) -> Registry:
        return cls(entry_points(group=group))

    def register(self, renderer: type[Renderer], *, override: bool = False) -> None:
        """Add a renderer class by hand (tests, applications); refuses duplicates."""
        _check_class(renderer, repr(renderer))
        name = renderer.name
        if not override and (name in self._entries or name in self._classes):
            raise RendererError(f"a renderer named {name!r} is already registered; "
                                "pass override=True to replace it")
        self._classes[name] = renderer

    def names(self) -> list[str]:
        return sorted(set(self._entries) | set(self._classes))

    def get(self, name: str) -> type[Renderer]:
        if name in self._classes:
            return self._classes[name]
        ep = self._entries.get(name)
        if ep is None:
            raise RendererError(f"unknown renderer {name!r}; installed: "
                                f"{', '.join(self.names()) or 'none'}")
        try:
            loaded = ep.load()
        except Exception as exc:  # a broken plugin must not look like a ketapub bug
            raise RendererError(f"renderer {name!r} ({ep.value}) failed to import: "
                                f"{type(exc).__name__}: {exc}") from exc
        _check_class(loaded, ep.value)
        if loaded.name != name:
            raise RendererError(f"entry point {name!r} points to a renderer named "
                                f"{loaded.name!r}; make them the same")
        self._classes[name] = loaded
        return loaded

    def create(self, name: str) -> Renderer:
        return self.get(name)()


def _check_class(obj: object, where: str) -> None:
    if not (isinstance(obj, type) and issubclass(obj, Renderer)):
        raise RendererError(f"{where} is not a ketapub Renderer subclass")
    if not obj.name:
        raise RendererError(f"{where} has no 'name'")


@functools.cache
def installed() -> Registry:
    """The registry of installed renderers (built once per process)."""
    return Registry.from_entry_points()
