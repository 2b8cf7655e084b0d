"""Where the built-in templates are.

A module of its own, so the template machinery and the renderer interface can both name it without
importing each other.
"""

from __future__ import annotations

import functools
from pathlib import Path


@functools.cache
def builtin_templates_dir() -> Path:
    """Built-in templates: inside the installed package, else the repository's templates/."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "templates"
    return packaged if packaged.is_dir() else here.parent / "templates"
