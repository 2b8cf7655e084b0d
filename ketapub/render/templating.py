"""One Jinja environment per renderer: strict, autoescaped, user templates first.

Search order: the user's ``--templates`` folders (highest first), the renderer's own extra
roots, then the built-in ``templates/``. A user template can extend the built-in one it
replaces as ``{% extends "ketapub:pdf/handout.html" %}``. Content is passed to templates as
data (already sanitised HTML marked safe), never as template source.
"""

from __future__ import annotations

import functools
import traceback
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from ketapub import i18n
from ketapub.errors import TemplateError
from ketapub.render.builtin import builtin_templates_dir

ESCAPED_SUFFIXES = (".html", ".htm", ".xhtml", ".xml", ".opf", ".ncx", ".svg", ".rss", ".atom")


def _autoescape(name: str | None) -> bool:
    return bool(name) and str(name).lower().endswith(ESCAPED_SUFFIXES)


@functools.lru_cache(maxsize=64)
def environment(renderer: str, user_dirs: tuple[str, ...] = (), extra_roots: tuple[str, ...] = (),
                language: str = "en", timezone: str = "UTC") -> jinja2.Environment:
    """The (cached, per process) environment for one renderer and template search path.

    Args:
        renderer: the renderer's name, in the templates as ``renderer``.
        user_dirs: the user's template folders, searched first.
        extra_roots: a third-party renderer's own built-in folders, searched next.
        language: the series language, for the ``date`` filter.
        timezone: the series timezone, for the ``date`` filter.
    """
    for d in user_dirs:
        if not Path(d).is_dir():
            raise TemplateError(f"{d}: template folder not found")
    builtin = jinja2.FileSystemLoader(str(builtin_templates_dir()))
    loaders: list[jinja2.BaseLoader] = []
    if user_dirs:
        loaders.append(jinja2.FileSystemLoader(list(user_dirs)))
    loaders += [jinja2.FileSystemLoader(list(extra_roots))] if extra_roots else []
    loaders += [jinja2.PrefixLoader({"ketapub": builtin}, delimiter=":"), builtin]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    tz = ZoneInfo(timezone)
    env.filters["date"] = lambda v, style="medium": i18n.format_date(v, language, tz, style)
    env.filters["isodate"] = lambda v: v.isoformat()
    env.globals["renderer"] = renderer
    return env


def _where(exc: BaseException) -> str:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.filename or exc.name}:{exc.lineno}:1"
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename and not frame.filename.endswith(".py"):
            return f"{frame.filename}:{frame.lineno}:1"
    return "<template>:1:1"


def render_template(env: jinja2.Environment, name: str, **values: Any) -> str:
    """Render ``name``; any template problem becomes a TemplateError naming file and line.

    Args:
        env: the environment, from ``environment()``.
        name: the template's name (``html/part.html``).
        **values: the template's variables.
    """
    try:
        return env.get_template(name).render(**values)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(
            f"{exc.name}:1:1: template not found in the template folders") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{_where(exc)}: {exc.message or exc}") from None


def template_files(renderer_dirs: tuple[str, ...]) -> list[Path]:
    """Every template file that could be used, for the input hash of incremental builds.

    Args:
        renderer_dirs: the template folders in use, before the built-ins.
    """
    files: list[Path] = []
    for d in (*renderer_dirs, str(builtin_templates_dir())):
        root = Path(d)
        if root.is_dir():
            files += sorted(p for p in root.rglob("*") if p.is_file())
    return files
