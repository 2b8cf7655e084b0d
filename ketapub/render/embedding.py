"""Where the partner outputs live and how a partner embeds them.

One definition each, so the preview's embed code, the embed pages, the partner API and ``serve``'s
oEmbed endpoint give the same URLs and the same iframe.
"""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import Markup

from ketapub.model import Part, Series

EMBED_WIDTH = 640
"""Width (CSS pixels) of the iframe of an embed page, unless a consumer asks for less."""
EMBED_HEIGHT = 720
"""Height of that iframe: the page scrolls inside it (no script resizes the frame)."""
OEMBED_PATH = "oembed"
"""The oEmbed endpoint, under ``base_url`` (``serve`` answers it)."""
IFRAME_SANDBOX = "allow-popups allow-popups-to-escape-sandbox"
"""The embed page needs nothing of its host: no script, no forms, no same-origin access.
Pop-ups are allowed so that a reader may open a link in a new tab."""


def embed_path(part: Part) -> str:
    """``embed/<slug>.html``: the standalone page of a part for an iframe.

    Args:
        part: the part.
    """
    return f"embed/{part.slug}.html"


def fragment_path(part: Part) -> str:
    """``html/<slug>.html``: the part's fragment.

    Args:
        part: the part.
    """
    return f"html/{part.slug}.html"


def api_part_path(part: Part) -> str:
    """``api/parts/<slug>.json``: the part in the partner API.

    Args:
        part: the part.
    """
    return f"api/parts/{part.slug}.json"


def web_url(series: Series, path: str) -> str:
    """Absolute URL of an output file under ``base_url`` (as ``RenderContext.web_url``).

    Args:
        series: the series or edition, for its ``base_url`` and output paths.
        path: an output path as a renderer plans it (``html/ketapub.css``), unescaped.
    """
    return series.file_url(path)


def oembed_url(series: Series, part: Part) -> str:
    """The oEmbed request for ``part``'s public URL, as discovery links name it.

    Args:
        series: the series, for its ``base_url``.
        part: the part.
    """
    return (f"{series.base_url}{OEMBED_PATH}?url={quote(series.part_url(part), safe='')}"
            "&format=json")


def iframe(series: Series, part: Part, width: int = EMBED_WIDTH,
           height: int = EMBED_HEIGHT) -> Markup:
    """The iframe a partner pastes (and oEmbed returns).

    The embed page, sandboxed, lazy, titled for screen readers, at most ``width`` wide on a narrow
    screen.

    Args:
        series: the series.
        part: the part embedded.
        width: the width in CSS pixels; default EMBED_WIDTH.
        height: the height in CSS pixels; default EMBED_HEIGHT.
    """
    return Markup('<iframe src="{src}" title="{title}" width="{w}" height="{h}" '
                  'sandbox="{sandbox}" loading="lazy" referrerpolicy="strict-origin" '
                  'style="border:0;max-width:100%"></iframe>').format(
        src=web_url(series, embed_path(part)), title=part.title, w=width, h=height,
        sandbox=IFRAME_SANDBOX)


def part_for_url(series: Series, url: str) -> Part | None:
    """The part a consumer's URL names.

    Its public page, its embed page or its fragment (a ``#fragment`` and a missing final ``/`` are
    ignored); None for any other URL.

    Args:
        series: the series.
        url: the URL a consumer gives (an oEmbed ``url``).
    """
    wanted = url.split("#", 1)[0].strip()
    for part in series.parts:
        page = series.part_url(part)
        names = {page, page.rstrip("/"), web_url(series, embed_path(part)),
                 web_url(series, fragment_path(part))}
        if wanted in names:
            return part
    return None


FEEDS = ("feed/rss.xml", "feed/atom.xml", "feed/feed.json")
"""The series' feeds, which the preview offers beside each part's embed code."""


def embed_codes(series: Series, part: Part, fragment: str) -> dict[str, object]:
    """What the preview page offers to copy for ``part``.

    The fragment with its stylesheet, the iframe, the feed URLs, and the oEmbed request for its
    discovery link.

    Args:
        series: the series.
        part: the part.
        fragment: the part's HTML fragment, as the ``html`` renderer wrote it.
    """
    css = Markup('<link rel="stylesheet" href="{}">').format(web_url(series, "html/ketapub.css"))
    return {"part": part, "id": f"ketapub-{part.slug}--embed",
            "fragment": f"{css}\n{fragment.strip()}\n",
            "iframe": str(iframe(series, part)),
            "feeds": "\n".join(web_url(series, f) for f in FEEDS),
            "oembed": oembed_url(series, part)}
