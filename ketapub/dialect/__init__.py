"""The Markdown dialect: from a part body to its document tree (:mod:`ketapub.tree`).

A body is parsed once (``ketapub.markdown``), written once as canonical HTML whose elements
say what they mean (:mod:`ketapub.dialect.canonical`), sanitised once, and built into the
tree once (:mod:`ketapub.dialect.treebuild`). Trees are cached per process: every renderer
and view of a part walks the same tree.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from ketapub import markdown, sanitize, tree
from ketapub.dialect import canonical, treebuild


def document(body: str, *, language: str, citation_order: Iterable[str] = (),
             parts: Iterable[tuple[str, int]] = (),
             assets: Iterable[str] = ()) -> tree.Document:
    """The sanitised document tree of a body.

    Args:
        body: the Markdown.
        language: the series language (typographic quotes).
        citation_order: reference ids in the order the part numbers them.
        parts: (number as text or slug, part number) of every part, to resolve ``part:`` links.
        assets: asset paths of the series (an image naming another gets ``asset`` None).
    """
    return _document(body, language, tuple(citation_order), tuple(sorted(parts)),
                     frozenset(assets))


@functools.lru_cache(maxsize=256)
def _document(body: str, language: str, citation_order: tuple[str, ...],
              parts: tuple[tuple[str, int], ...], assets: frozenset[str]) -> tree.Document:
    tokens, env = markdown._parsed(body, language)
    policy = canonical.Policy(parts=dict(parts), assets=assets,
                              citations={cid: n for n, cid in enumerate(citation_order, 1)})
    md = markdown._html_renderer(language)
    html = canonical.render(tokens, policy, md.options, dict(env))
    return treebuild.parse(sanitize.clean_marked(html))
