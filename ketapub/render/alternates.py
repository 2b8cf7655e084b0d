"""Which language versions of a part a file links, so every format links the same ones.

A part is the same part in every edition (same number). An edition's version of it is linked
only once it is out there as of the build (released, not ended): a reader following
"Español" never lands on a page still under embargo, and hreflang stays reciprocal, since
every edition asks the same question at the same instant. A part out in one language only
links nothing: a language switch with one language is noise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ketapub import i18n, schedule
from ketapub.model import Part, Series
from ketapub.render.base import RenderContext


@dataclass(frozen=True)
class Alternate:
    """One language version of a part (or of a whole-edition file) that a file links.

    Its language, its name in itself ("Español"), the URL of the linked file, whether it is
    the file's own language, whether it is the original (``x-default``).
    """

    language: str
    name: str
    url: str
    current: bool
    original: bool
    part: Part | None
    """The edition's version of the part; None for a whole-edition file."""


def names(editions: tuple[Series, ...]) -> dict[str, str]:
    """Each edition's language named in itself, by language tag.

    Without its region ("English" for en-US) unless two editions share the language (then
    "Português (Brasil)" and "Português (Portugal)"): a reader picks a language, not a country.

    Args:
        editions: the series' editions, original first.
    """
    bases = [e.language.replace("_", "-").split("-")[0] for e in editions]
    return {e.language: i18n.language_name(e.language if bases.count(base) > 1 else base)
            for e, base in zip(editions, bases, strict=True)}


def _url(edition: Series, part: Part, where: Callable[[Part], str] | None) -> str:
    return edition.part_url(part) if where is None else edition.file_url(where(part))


def part_alternates(ctx: RenderContext, part: Part,
                    where: Callable[[Part], str] | None = None) -> tuple[Alternate, ...]:
    """Every edition's version of ``part`` that is out as of the build.

    Original first then by language, the current edition's included; () when fewer than two
    are out.

    Args:
        ctx: the context of the edition that writes the file.
        part: the part, as this edition has it.
        where: the output path of the linked file for a part as the original's renderer
            names it (``embedding.embed_path``); each edition's URL of it is used. None:
            the part's public page (``part_url``).
    """
    found = []
    named = names(ctx.editions)
    for edition in ctx.editions:
        version = edition.get_part(part.part)
        if version is None or not schedule.published(version, ctx.as_of):
            continue
        found.append(Alternate(edition.language, named[edition.language],
                               _url(edition, version, where),
                               edition.language == ctx.series.language,
                               edition.original_language is None, version))
    return tuple(found) if len(found) > 1 else ()


def edition_alternates(ctx: RenderContext, path: str) -> tuple[Alternate, ...]:
    """The whole-edition file at ``path`` (a preview page, a feed) in every edition.

    Original first, the current one included; () for an untranslated series. Every edition
    makes such a file, whatever it has released yet.

    Args:
        ctx: the context of the edition that writes the file.
        path: the file's path as the original's renderer names it (``feed/atom.xml``).
    """
    editions = ctx.editions
    if len(editions) < 2:
        return ()
    named = names(editions)
    return tuple(Alternate(e.language, named[e.language], e.file_url(path),
                           e.language == ctx.series.language, e.original_language is None,
                           None)
                 for e in editions)
