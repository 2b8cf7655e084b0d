"""What a link or image destination names: a part (``part:``), a source file, a web address."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from ketapub import sanitize

PART_LINK = re.compile(r"^part:([a-z0-9]+(?:-[a-z0-9]+)*)(?:#([A-Za-z0-9_\-]+))?\Z")


def link_is_valid(url: str) -> bool:
    """Whether a link is kept.

    ``part:``, or safe once percent-decoded too (``jav%09ascript:`` must not pass as a relative
    link).

    Args:
        url: a link destination as written.
    """
    return url.startswith("part:") or (sanitize.url_is_safe(url)
                                       and sanitize.url_is_safe(unquote(url)))


def local_path(href: str) -> str:
    """The source path a local image or link destination names.

    Query and fragment dropped, percent escapes decoded and the name NFC-normalised. markdown-it
    writes ``café.png`` as ``caf%C3%A9.png``, and an editor may save the é as e + U+0301 (NFD):
    every spelling names the one asset, whose path is the NFC form of its name.

    Args:
        href: an image or link destination.
    """
    return unicodedata.normalize("NFC", unquote(href.split("#", 1)[0].split("?", 1)[0]))


def source_file(href: str) -> str | None:
    """The source path of a link to a file under ``assets/``, else None.

    The source path a link names when it is a file under ``assets/`` (``assets/form.pdf``, query and
    fragment dropped, see ``local_path()``), else None. Such links are checked at load and written
    as the file's published URL, the same in every output.

    Args:
        href: a link destination.
    """
    path = local_path(href)
    return path if path.startswith("assets/") and len(path) > len("assets/") else None
