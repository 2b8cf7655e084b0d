"""Language-assistance taglines (Section 1557 style) for branded handouts.

A brand lists ``languages``; its handouts then say, in each, that language assistance is
free and which number to call. The texts come from ``taglines.json`` in this package: the
HHS sample taglines, never a translation of ketapub's own, so a language is available only
when a sourced text is (``LANGUAGES``).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from types import MappingProxyType
from typing import Any

RTL = frozenset({"ar"})
"""Tagline languages written right to left."""


@functools.cache
def table() -> MappingProxyType[str, str]:
    """Language code -> tagline with a ``{phone}`` placeholder."""
    data: dict[str, Any] = json.loads(
        resources.files("ketapub").joinpath("taglines.json").read_text("utf-8"))
    return MappingProxyType(dict(data["taglines"]))


def languages() -> tuple[str, ...]:
    """The language codes a language-assistance tagline is shipped for."""
    return tuple(sorted(table()))


def unknown_message(code: str) -> str:
    """The diagnostic for a language without a shipped tagline.

    Args:
        code: the language code asked for.
    """
    return (f"no language-assistance tagline for {code!r}; use one of "
            f"{', '.join(languages())} (only languages with a published sample text are "
            "shipped)")
