"""Typed renderer options: each renderer declares its own; the build checks them once.

In the spirit of MkDocs' ``BasePlugin[Config]``: a renderer names its options class as its
type parameter, ``class PdfRenderer(Renderer[PdfOptions])``, and reads them typed with
``PdfRenderer.options(ctx)``. An options class is a frozen dataclass (made so by
subclassing ``RendererOptions``); each field is one option, its annotation the type,
and ``option()`` gives its default and one line of help::

    class PdfOptions(RendererOptions):
        page_size: PageSize | None = option(None, "A4 or Letter")

Values are checked with pydantic against the annotation, so ``Literal``, ``Annotated``
constraints (``Field(ge=1)``) and validators work: strictly for Python values (an ``int``
option takes an int, not ``"3"``), from text for the command line (``--set
html.heading_level=3``). A wrong name or value is a ``UsageError`` naming the renderer
and the option. Resolved options are hashed into every input hash of their renderer's jobs,
so changing one re-renders what it may change and nothing else.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Literal, Union, dataclass_transform

import pydantic

from ketapub.errors import UsageError


def option(default: Any, help: str) -> Any:
    """Declare one option of a ``RendererOptions`` class.

    Args:
        default: its value when nobody sets it (immutable: options are shared by workers).
        help: one line for ``ketapub renderers --options``.

    Returns:
        A dataclass field carrying ``help``, for a ``RendererOptions`` subclass.

    Examples:
        >>> from ketapub import RendererOptions, option
        >>> class SlidesOptions(RendererOptions):
        ...     columns: int = option(2, "Columns per slide.")
        >>> SlidesOptions()
        SlidesOptions(columns=2)
        >>> SlidesOptions(columns=3).columns
        3
    """
    return dataclasses.field(default=default, metadata={"help": help})


@dataclass_transform(frozen_default=True, field_specifiers=(option, dataclasses.field))
class RendererOptions:
    """Base of every renderer's options.

    Subclasses become frozen dataclasses, picklable and comparable, so a worker process and an input
    hash see exactly what the caller set.
    """

    __dataclass_fields__: ClassVar[dict[str, Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Make every subclass a frozen dataclass, so declaring options is declaring fields."""
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True)(cls)


class NoOptions(RendererOptions):
    """The options of a renderer that declares none."""


@dataclasses.dataclass(frozen=True)
class OptionInfo:
    """One declared option, as ``ketapub renderers --options`` lists it."""

    renderer: str
    name: str
    type: str
    default: Any
    help: str


def describe(renderer: str, kind: type[RendererOptions]) -> list[OptionInfo]:
    """The options ``kind`` declares, in declaration order.

    Args:
        renderer: the renderer's name.
        kind: its options class.
    """
    hints = _hints(kind)
    return [OptionInfo(renderer, f.name, type_name(hints[f.name]), f.default,
                       f.metadata.get("help", ""))
            for f in dataclasses.fields(kind)]


def type_name(tp: Any) -> str:
    """A short spelling of an option's type: ``int``, ``A4|Letter``, ``str|None``.

    Args:
        tp: the option's annotation.
    """
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return type_name(typing.get_args(tp)[0])
    if origin is Literal:
        return "|".join(str(a) for a in typing.get_args(tp))
    if origin in (Union, types.UnionType):
        return "|".join(type_name(a) for a in typing.get_args(tp))
    if tp is type(None):
        return "None"
    return getattr(tp, "__name__", str(tp))


def resolve(given: Mapping[str, Any] | None, classes: Mapping[str, type[RendererOptions]],
            *, strict: bool = True) -> tuple[tuple[str, RendererOptions], ...]:
    """Check ``given`` (the API's ``options=``) and make each renderer's options.

    Args:
        given: ``{renderer: {option: value}}``, or ``{renderer: OptionsInstance}``.
        classes: renderer name -> its options class, for every renderer that may be named.
        strict: values are typed (Python callers); False: text to convert (``--set``).

    Returns:
        ``(name, options)`` pairs, sorted by name, for the renderers in ``given``.

    Raises:
        UsageError: an unknown renderer or option, or a value of the wrong type.
    """
    resolved: dict[str, RendererOptions] = {}
    for name, values in (given or {}).items():
        kind = _class_of(name, classes)
        if isinstance(values, RendererOptions):
            if not isinstance(values, kind):
                raise UsageError(f"options of renderer {name!r} must be a {kind.__name__}, "
                                 f"not a {type(values).__name__}")
            resolved[name] = values
            continue
        if not isinstance(values, Mapping):
            raise UsageError(f"options of renderer {name!r} must be a mapping of option "
                             f"names to values, not {values!r}")
        resolved[name] = make(name, kind, values, strict=strict)
    return tuple(sorted(resolved.items()))


def make(renderer: str, kind: type[RendererOptions], values: Mapping[str, Any], *,
         strict: bool) -> RendererOptions:
    """An instance of ``kind`` with ``values`` checked one by one.

    Args:
        renderer: the renderer's name, for messages.
        kind: its options class.
        values: option name -> value (text from the command line when not ``strict``).
        strict: refuse a value of another type (Python callers) instead of converting
            text (``"3"`` to 3, ``"yes"`` to True).
    """
    hints = _hints(kind)
    checked: dict[str, Any] = {}
    for key, value in values.items():
        if key not in hints:
            known = ", ".join(f.name for f in dataclasses.fields(kind)) or "none"
            raise UsageError(f"renderer {renderer!r} has no option {key!r}; its options: "
                             f"{known}")
        try:
            checked[key] = _adapter(kind, key).validate_python(value, strict=strict)
        except pydantic.ValidationError as exc:
            reason = "; ".join(e["msg"] for e in exc.errors())
            raise UsageError(f"option {renderer}.{key} (of renderer {renderer!r}) takes "
                             f"{type_name(hints[key])}, not {value!r}: {reason}") from None
    return kind(**checked)


def parse_settings(settings: Iterable[str]) -> dict[str, dict[str, str]]:
    """Parse ``--set`` settings into options per renderer.

    ``["pdf.page_size=Letter", ...]`` (the command line's ``--set``) as ``{"pdf": {"page_size":
    "Letter"}}``; a setting given twice is refused.

    Args:
        settings: ``RENDERER.OPTION=VALUE`` texts.

    Returns:
        The values, still text, by renderer and option; ``make()`` converts them.

    Raises:
        UsageError: a setting is not ``RENDERER.OPTION=VALUE``, or sets an option twice.

    Examples:
        >>> parse_settings(["pdf.page_size=Letter", "html.heading_level=3"])
        {'pdf': {'page_size': 'Letter'}, 'html': {'heading_level': '3'}}
    """
    parsed: dict[str, dict[str, str]] = {}
    for text in settings:
        key, eq, value = text.partition("=")
        renderer, dot, name = key.strip().partition(".")
        if not (eq and dot and renderer and name):
            raise UsageError(f"--set {text!r}: write RENDERER.OPTION=VALUE, e.g. "
                             "pdf.page_size=Letter")
        if name in parsed.setdefault(renderer, {}):
            raise UsageError(f"option {renderer}.{name} is set twice")
        parsed[renderer][name] = value
    return parsed


def _class_of(name: str, classes: Mapping[str, type[RendererOptions]]
              ) -> type[RendererOptions]:
    if name not in classes:
        raise UsageError(f"options for unknown renderer {name!r}; installed: "
                         f"{', '.join(sorted(classes)) or 'none'}")
    return classes[name]


def _hints(kind: type[RendererOptions]) -> dict[str, Any]:
    return typing.get_type_hints(kind, include_extras=True)


def _adapter(kind: type[RendererOptions], key: str) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(_hints(kind)[key])
