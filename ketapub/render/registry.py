"""The renderer registry, built from the ``ketapub.renderers`` entry-point group.

Built-in renderers register exactly like third-party ones. Entry points are loaded lazily
(importing a renderer costs nothing until it is used); a name that two different
distributions claim is refused, as is a class that is not a ``Renderer``. A plugin
that fails to load is a ``PluginError`` naming it and its entry point, so a default
build can skip it with a warning instead of failing because of someone else's typo.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points

from ketapub.errors import PluginError, RendererError
from ketapub.render.base import Renderer

GROUP = "ketapub.renderers"


class Registry:
    """Renderer classes by name: entry points (loaded on first use) and classes added by hand.

    Args:
        entries: entry points of the ``ketapub.renderers`` group; default none (use
            ``from_entry_points()`` for the installed ones).

    Examples:
        A registry of the built-in feed renderers only, for ``ketapub.build()``'s
        ``registry``:

        >>> from ketapub import Registry
        >>> from ketapub.renderers.feeds import AtomRenderer, RssRenderer
        >>> registry = Registry()
        >>> for renderer in (RssRenderer, AtomRenderer):
        ...     registry.register(renderer)
        >>> registry.names()
        ['atom', 'rss']
        >>> registry.get("rss") is RssRenderer
        True
    """

    def __init__(self, entries: Iterable[EntryPoint] = ()):
        self._entries: dict[str, EntryPoint] = {}
        self._classes: dict[str, type[Renderer]] = {}
        self._broken: dict[str, PluginError] = {}
        for ep in sorted(entries, key=lambda e: (e.name, e.value)):
            known = self._entries.get(ep.name)
            if known is not None and known.value != ep.value:
                raise RendererError(
                    f"renderer name {ep.name!r} is claimed twice: by {known.value} and by "
                    f"{ep.value}; uninstall one of the packages")
            self._entries[ep.name] = ep

    @classmethod
    def from_entry_points(cls, group: str = GROUP) -> Registry:
        """A registry of every installed renderer.

        Args:
            group: the entry-point group to read; default ``ketapub.renderers``.
        """
        return cls(entry_points(group=group))

    def register(self, renderer: type[Renderer], *, override: bool = False) -> None:
        """Add a renderer class by hand (tests, applications); refuses duplicates.

        Args:
            renderer: a ``Renderer`` subclass with a ``name``.
            override: replace a renderer of the same name instead of refusing; default False.
        """
        _check_class(renderer, repr(renderer))
        name = renderer.name
        if not override and (name in self._entries or name in self._classes):
            raise RendererError(f"a renderer named {name!r} is already registered; "
                                "pass override=True to replace it")
        self._classes[name] = renderer
        self._broken.pop(name, None)

    def names(self) -> list[str]:
        """Every registered name, sorted, whether or not its plugin loads."""
        return sorted(set(self._entries) | set(self._classes))

    def entry_point(self, name: str) -> str | None:
        """``name = module:Class`` as the plugin's package declares it; None if added by hand.

        Args:
            name: the renderer's name.
        """
        ep = self._entries.get(name)
        return None if ep is None else _describe(ep)

    def get(self, name: str) -> type[Renderer]:
        """The renderer class called ``name``, importing its plugin on first use.

        Args:
            name: the renderer's name (``pdf``, ``jsonfeed``, a plugin's name).

        Raises:
            RendererError: no renderer has that name.
            PluginError: its plugin fails to import or is not a valid renderer.
        """
        if name in self._classes:
            return self._classes[name]
        if name in self._broken:
            raise self._broken[name]
        ep = self._entries.get(name)
        if ep is None:
            raise RendererError(f"unknown renderer {name!r}; installed: "
                                f"{', '.join(self.names()) or 'none'}")
        try:
            loaded = ep.load()
            _check_class(loaded, ep.value)
            if loaded.name != name:
                raise RendererError(f"it is a renderer named {loaded.name!r}; make the entry "
                                    "point's name and the class's name the same")
        except Exception as exc:  # a broken plugin must not look like a ketapub bug
            problem = PluginError(name, _describe(ep), _package(ep), exc)
            self._broken[name] = problem
            raise problem from exc
        self._classes[name] = loaded
        return loaded

    def create(self, name: str) -> Renderer:
        """A new instance of the renderer called ``name`` (see ``get()``).

        Args:
            name: the renderer's name.
        """
        return self.get(name)()

    def usable(self) -> tuple[list[str], list[PluginError]]:
        """The names whose plugin loads, and one error per plugin that does not.

        Every entry point is imported; what fails is remembered, so asking again is cheap.
        """
        names: list[str] = []
        broken: list[PluginError] = []
        for name in self.names():
            try:
                self.get(name)
            except PluginError as problem:
                broken.append(problem)
            else:
                names.append(name)
        return names, broken


def _describe(ep: EntryPoint) -> str:
    return f"{ep.name} = {ep.value}"


def _package(ep: EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None
    try:
        return f"{dist.metadata['Name']} {dist.version}"
    except Exception:  # a dist-info without METADATA: name what we can
        return None


def _check_class(obj: object, where: str) -> None:
    if not (isinstance(obj, type) and issubclass(obj, Renderer)):
        raise RendererError(f"{where} is not a ketapub Renderer subclass")
    if not obj.name:
        raise RendererError(f"{where} has no 'name'")


@functools.cache
def installed() -> Registry:
    """The registry of installed renderers (built once per process; takes no arguments).

    Examples:
        >>> from ketapub import installed
        >>> {"pdf", "epub", "rss", "atom", "jsonfeed", "html"} <= set(installed().names())
        True
    """
    return Registry.from_entry_points()
