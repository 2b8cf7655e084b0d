"""MkDocs hooks of the documentation build."""

from __future__ import annotations

from typing import Any


def on_page_content(html: str, **_: Any) -> str:
    """Click makes ``--help`` anew for each command, with no default set: mkdocs-click prints
    its sentinel (``Sentinel.UNSET``); a flag not given is off (docs/gen_pages.py settles
    every other option's default the same way)."""
    return html.replace("<code>Sentinel.UNSET</code>", "<code>False</code>")
