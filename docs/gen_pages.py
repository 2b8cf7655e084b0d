"""Pages the docs build makes from the code (run by the mkdocs-gen-files plugin).

Nothing here is written into the repository: the pages and the gallery exist only in the
built site. ``KETAPUB_DOCS_GALLERY=0`` leaves the gallery's pictures out (a page says how to
make them) for a quick preview while writing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import mkdocs_gen_files

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import click  # noqa: E402
from click._utils import UNSET  # noqa: E402

from ketapub import cli  # noqa: E402
from ketapub.docs_gen import options_page, source_format, template_ref  # noqa: E402
from tools import docs_gallery  # noqa: E402


def _shown_defaults(command: click.Command) -> None:
    """Click 8.3+ marks an option given no default with a sentinel, which mkdocs-click
    prints as ``Sentinel.UNSET``; show what the option then is: a flag off, else none."""
    for param in command.params:
        if isinstance(param, click.Option) and param.default is UNSET:
            param.default = False if param.is_flag else None
    for sub in getattr(command, "commands", {}).values():
        _shown_defaults(sub)


_shown_defaults(cli.main)  # in this docs build only: the command line keeps click's own


def _write(name: str, text: str) -> None:
    with mkdocs_gen_files.open(name, "w") as f:
        f.write(text)


_write("reference/source-format.md", source_format.page(ROOT / "content"))
_write("reference/options.md", options_page.page())
_write("reference/templates.md", template_ref.page())


def _write_bytes(name: str, data: bytes) -> None:
    with mkdocs_gen_files.open(f"gallery/{name}", "wb") as f:
        f.write(data)


if os.environ.get("KETAPUB_DOCS_GALLERY", "1") == "0":
    _write("gallery.md", "# Gallery\n\nThis preview was built with `KETAPUB_DOCS_GALLERY=0`; "
           "`make docs` makes the pictures.\n\n"
           + "".join(f"## {s}\n\n(not made)\n\n" for s in docs_gallery.SECTIONS))
else:
    pictures, as_of = docs_gallery.gallery(_write_bytes)
    _write("gallery.md", docs_gallery.page(pictures, as_of))
