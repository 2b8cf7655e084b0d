"""The Markdown dialect: from a part body to its document tree (``ketapub.tree``).

One module per job: ``parser`` (markdown-it and the dialect's plugins), ``safety`` (raw
HTML and links checked as a body is parsed), ``analysis`` (what a body holds, learnt at
load time), ``canonical``, ``wellformed`` and ``treebuild`` (the tree), ``links`` and
``ids`` (what a destination names, the ids the dialect makes). A body is parsed once,
written once as canonical HTML, sanitised once and built into the tree once; trees are
cached per process, so every renderer and view of a part walks the same tree.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from ketapub import tree
from ketapub.dialect import canonical, parser, treebuild

DIALECT = "4"
"""Bump when the HTML a body renders to changes for the same source (planning hashes it, so
an incremental build re-renders what an older dialect made). 2: typographic quotes. 3: links
to files under assets/ written as their published URL. 4: ids of references and footnotes
hold a "." (ref.x, fn.1), apart from every heading id."""


def document(body: str, *, language: str, citation_order: Iterable[str] = (),
             parts: Iterable[tuple[str, int]] = (),
             assets: Iterable[str] = ()) -> tree.Document:
    r"""The sanitised document tree of a body.

    Args:
        body: the Markdown.
        language: the series language (typographic quotes).
        citation_order: reference ids in the order the part numbers them.
        parts: (number as text or slug, part number) of every part, to resolve ``part:`` links.
        assets: asset paths of the series (an image naming another gets ``asset`` None).

    Returns:
        The tree, cached per process: the same body is parsed once.

    Examples:
        >>> doc = document("## Dosing {#dose}\n\nTake *one*.", language="en")
        >>> [type(node).__name__ for node in doc.children]
        ['Heading', 'Paragraph']
        >>> doc.children[0].id
        'dose'
    """
    return _document(body, language, tuple(citation_order), tuple(sorted(parts)),
                     frozenset(assets))


@functools.lru_cache(maxsize=256)
def _document(body: str, language: str, citation_order: tuple[str, ...],
              parts: tuple[tuple[str, int], ...], assets: frozenset[str]) -> tree.Document:
    tokens, env = parser.parsed(body, language)
    policy = canonical.Policy(parts=dict(parts), assets=assets,
                              citations={cid: n for n, cid in enumerate(citation_order, 1)})
    return treebuild.build(tokens, env, policy)
