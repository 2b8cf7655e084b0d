"""Every error ketapub raises on purpose, in one hierarchy under ``KetapubError``.

Errors carry where the problem is, so every message reads ``path:line:column: what``. A
loader or renderer collects ``Diagnostic`` values and raises one ``SourceError``
holding all of them, so a user fixes every problem in one pass.

- the source: ``SourceError``; inside the loader, ``YamlProblem`` and
  ``SvgError``, which it turns into diagnostics with the file's name;
- renderers and plugins: ``RendererError``, ``PluginError``, ``TemplateError``,
  ``RenderError``, and ``FetchRefused`` inside a PDF layout (logged, not raised);
- a build: ``BuildError`` (some artifacts failed), ``OutputChanged`` and
  ``CaseCollision`` (the output folder), ``UsageError`` (the caller's request).

The modules that raised them first re-export them (``ketapub.build.BuildError``,
``ketapub.write.OutputChanged``, ``ketapub.sanitize.SvgError`` ...), so old imports work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


class Severity(StrEnum):
    """How bad a ``Diagnostic`` is: an error fails the load, a warning only under strict."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in the source: where it is and how to fix it.

    Examples:
        >>> from ketapub import Diagnostic, Severity
        >>> print(Diagnostic("parts/01-first.md", 3, 7, "image has no alt text; say what "
        ...                  "it shows", Severity.WARNING))
        parts/01-first.md:3:7: warning: image has no alt text; say what it shows
    """

    path: str
    """The file: the source folder as given, then the path in it (``content/parts/01-a.md``)."""
    line: int
    """1-based."""
    column: int
    """1-based."""
    message: str
    """What is wrong, and how to fix it."""
    severity: Severity = Severity.ERROR
    """An error fails the load; a warning fails it only under ``strict``."""

    def __str__(self) -> str:
        """``path:line:column: message``, as editors and terminals link it."""
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{self.path}:{self.line}:{self.column}: {prefix}{self.message}"

    def as_error(self) -> Diagnostic:
        """This diagnostic as an error: what ``strict`` makes of a warning."""
        return Diagnostic(self.path, self.line, self.column, self.message, Severity.ERROR)


def restore_error(cls: type[BaseException], args: tuple[Any, ...],
                  state: dict[str, Any]) -> BaseException:
    """Rebuild a pickled error without calling its ``__init__``.

    See ``KetapubError.__reduce__()``.

    Args:
        cls: the error's class.
        args: its ``args``.
        state: its attributes.
    """
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class KetapubError(Exception):
    """Base class of every error ketapub raises on purpose.

    Every subclass crosses a process boundary intact (worker processes, Dask), whatever its
    ``__init__`` takes: it is pickled as its message and its attributes. (The default pickles
    only the message and calls ``__init__`` with it: a ``RenderError`` from a worker then
    broke the pool's result reader.)
    """

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle with the attributes, so the error crosses worker processes whole."""
        return restore_error, (type(self), self.args, dict(self.__dict__))


class SourceError(KetapubError):
    """The source folder has one or more problems; ``diagnostics`` lists all of them.

    Args:
        diagnostics: every problem found; kept sorted by file and position.
    """

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics: tuple[Diagnostic, ...] = tuple(sorted(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class RendererError(KetapubError):
    """A renderer is missing, duplicated or not a renderer (a plugin or usage problem)."""


class PluginError(RendererError):
    """An installed renderer plugin fails to import or is not a valid renderer.

    Args:
        name: the renderer's name.
        entry_point: its declaration (``name = module:Class``), kept as ``entry_point``.
        package: the distribution that declares it (``"name version"``), or None.
        cause: the exception importing or checking it raised; its message is part of this
            error's.
    """

    def __init__(self, name: str, entry_point: str, package: str | None, cause: BaseException):
        self.name = name
        self.entry_point = entry_point
        self.package = package
        origin = f", from {package}" if package else ""
        if isinstance(cause, KetapubError):
            what = f"is not a valid renderer: {cause}"
        else:
            what = f"failed to import: {type(cause).__name__}: {cause}"
        super().__init__(f"renderer {name!r} (entry point '{entry_point}'{origin}) {what}")


class TemplateError(KetapubError):
    """A template failed to load or render; the message names the template file and line."""


class RenderError(KetapubError):
    """An artifact failed to render; carries the artifact path and the cause.

    Args:
        artifact: the path of the artifact that failed.
        message: what went wrong, and how to fix it.
    """

    def __init__(self, artifact: str, message: str):
        self.artifact = artifact
        self.message = message
        self.detail: str | None = None
        """The traceback of the cause, when there was one (``ketapub build --debug``)."""
        super().__init__(f"{artifact}: {message}")


class UsageError(KetapubError):
    """The caller asked for something impossible (bad option value, bad folder)."""


class Outcome(Protocol):
    """What ``BuildError`` needs of a build's result (``ketapub.BuildResult`` is one).

    Named here so this module, which every other imports, imports none of them.
    """

    @property
    def errors(self) -> tuple[RenderError, ...]:
        """The failed artifacts' errors."""


class BuildError(KetapubError):
    """Some artifacts failed; the others were written.

    ``result`` (the ``ketapub.BuildResult``) tells what landed.

    Args:
        result: the build's result (a ``BuildResult``): what landed.
    """

    def __init__(self, result: Outcome):
        self.result = result
        super().__init__("\n".join(str(e) for e in result.errors))


class OutputChanged(KetapubError):
    """The output folder changed under a running build (another build committed first)."""


class CaseCollision(KetapubError):
    """Two output paths differ only in case."""


class YamlProblem(KetapubError):
    """A YAML text the loader refuses, with where.

    ``line`` and ``column`` are in the file; the loader adds the file's name when it reports the
    problem.

    Args:
        line: the 1-based line in the YAML text.
        column: the 1-based column.
        message: what is wrong, and how to fix it.
    """

    def __init__(self, line: int, column: int, message: str):
        self.line, self.column, self.message = line, column, message
        super().__init__(message)


class SvgError(KetapubError, ValueError):
    """An SVG asset cannot be made safe (not well-formed, a DTD, amplification), at ``line``.

    Also a ValueError, as it was before it joined this hierarchy.

    Args:
        line: the 1-based line in the SVG file.
        message: what is wrong.
    """

    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(message)


class FetchRefused(KetapubError, ValueError):
    """A URL outside what a PDF may use.

    Also a ValueError, as it was before it joined this hierarchy.
    """


class BadQuery(KetapubError, ValueError):
    """A query string ``serve`` cannot answer; it is answered with a 400.

    Such as ``?since=`` that is no instant, or an oEmbed ``maxwidth`` that is no size; the message
    says what is wrong and how to fix it, never with a traceback.
    """


class AssembleError(KetapubError, ValueError):
    """PDFs that cannot be joined or stamped as asked.

    A name defined twice, a link to a name no piece defines, a stamp of another page size.
    """
