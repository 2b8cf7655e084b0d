"""The tree holds everything the old HTML pipeline wrote: written back as that pipeline wrote
a body (``tests/tree_html.py``), it gives the very same HTML. Goes with ``part_html``."""

from __future__ import annotations

import posixpath
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pytest

import ketapub
from ketapub import dialect, markdown
from ketapub.render.base import RenderContext
from tests.conftest import CONTENT, SINK
from tests.tree_html import old_html


@pytest.mark.parametrize("source", [CONTENT, SINK], ids=["content", "sink"])
def test_every_part_writes_back_to_the_old_html(source: Path) -> None:
    series = ketapub.load(source)
    ctx = RenderContext(series, datetime.fromisoformat("2031-01-01T00:00:00+00:00"))
    for part in series.parts:
        old = ctx.part_html(part, lambda p, a: f"L{p.part}#{a}", asset_url=lambda p: p)
        old = old.replace(series.base_url, "https://x/")  # linked files: their web URL
        assert old_html(ctx.document(part), series.language) == old, part.part


BODIES = [
    '<div lang="fr">\n\nBonjour *x*\n\n</div>\n',
    "<div>\nraw <b>bold\n\n- a\n- b\n",
    "<details><summary>S</summary>\n\nhidden\n\n</details>\n",
    "- a\n- b\n  - c\n\n1. x\n2. y\n\n3) z\n",
    "- a\n\n- b\n",
    "- a\n  > q\n- b\n  ```py\n  code\n  ```\n  c\n- \n- <div>x</div>\n",
    "> [!NOTE]\n> body *em*\n\n> [!WARNING]\n\n> quote\n> > nested\n",
    "| | A | B |\n|---|---|---|\n| r1 | 1 | 2 |\n",
    "| a | b |\n|:-:|--:|\n| <abbr title=t>x</abbr> | `y` |\n\n| h |\n|---|\n",
    "T\n: d\n\nT2\n\n: d2\n",
    '[x](javascript:alert(1)) [p](part:2#sec "ti") [f](assets/a%20b.pdf#p=2)',
    '[t](https://e.org "T") [f](assets/form.pdf "Form")',
    '![alt *e*](assets/x.png "ti") ![no](nope.png) [@r1; @r2] [@zz]',
    "note[^1] again[^1] other[^b] ^[inline]\n\n[^1]: one\n[^b]: - list\n  - foot\n",
    "## Frequently asked questions\n\n### Q1?\n\nA1\n\n### Q2\n\nA2\n\n## Head {#hid}\n",
    "### \"Quoted\" 'single' it's\n\n    indented\n\n```\nfence <x>\n```\n\n***\n",
    '<span lang="de">Hallo <i>x</span></i>\n\na <sub>1 <b>2</sub> 3</b>\n',
    "<table><tr><td>raw</td></tr></table>\n\n<p>raw p</p><p>two</p>\n\ntext <br> more <wbr>\n",
    "line one  \nline two\\\nthree &amp; &copy; <!-- c -->\n\n<pre>\n\nkeep</pre>\n",
    "<ul><li>raw li\n\n- md li\n\n<dl><dt>x</dt>\n",
]


@pytest.mark.parametrize("body", BODIES)
def test_tricky_bodies_write_back_to_the_old_html(body: str) -> None:
    parts = {"1": 1, "2": 2, "sec": 2}
    assets = frozenset({"assets/x.png"})

    def resolve(target: str, anchor: str | None) -> tuple[str | None, str]:
        return f"L{parts[target]}#{anchor}", ""

    def asset(path: str) -> str | None:
        clean = posixpath.normpath(markdown.local_path(path))
        return clean if clean in assets else None

    options = markdown.HtmlOptions(resolve_part_link=resolve, asset_url=asset,
                                   file_url=lambda p: "https://x/" + quote(p, safe="/"))
    old = markdown.to_html(body, ("r1", "r2"), options)
    doc = dialect.document(body, language="en", citation_order=("r1", "r2"),
                           parts=parts.items(), assets=assets)
    assert old_html(doc) == old
