"""The documentation's gallery: real outputs of a series, as pictures that link to the files.

``make docs`` builds ``content/`` (every part out, every brand, large print) and this module
turns the build into PNG thumbnails: the first page of every handout, the booklet's cover and
contents, a branded and a large-print handout (``pdftoppm``); the EPUB's cover and a part
page, a fragment pasted into a partner's page and the feed as a reader lists it (headless
Chromium, as the browser tests drive it); and the release schedule drawn as an SVG timeline.
Everything lands in the built site, never in the repository, so the pictures cannot churn
git. ``docs/gen_pages.py`` calls :func:`gallery` during ``mkdocs build``.

Environment: ``KETAPUB_DOCS_SOURCE`` (default ``content``) is the series to show;
``KETAPUB_DOCS_BUILD`` names a folder the series is built into and kept in, so a later docs
build only renders what changed (ketapub's incremental build); ``KETAPUB_DOCS_AS_OF``
(default: the last part's release instant) is the instant of the build.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import ketapub

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--font-render-hinting=none"]
THUMB_WIDTH = 360
"""Width in pixels of every thumbnail (pdftoppm scales each page to it)."""


@dataclass(frozen=True)
class Picture:
    """One gallery entry: a thumbnail and the file it shows."""

    section: str
    caption: str
    image: str
    """Path of the PNG or SVG under the gallery folder."""
    target: str
    """Path of the file it links to under the gallery folder."""


SECTIONS = ("Handouts", "Booklet", "Handouts for clinics", "Ebook", "On partners' sites",
            "Release schedule")
"""The gallery's sections, in order (other pages link to them)."""

Writer = Callable[[str, bytes], None]
"""Writes one file of the gallery (its path under the gallery folder, its bytes)."""


def build(source: Path, out: Path, as_of: str | None) -> ketapub.Series:
    """Build ``source`` into ``out`` with every renderer, brand and large print."""
    series = ketapub.load(source)
    when = as_of or max(p.publish_at for p in series.parts).isoformat()
    ketapub.build(series, out, as_of=when, brands=["all"], large_print=True, jobs=2)
    return series


def pdf_page(pdf: Path, page: int) -> bytes:
    """One page of a PDF as a PNG, ``THUMB_WIDTH`` pixels wide."""
    with tempfile.TemporaryDirectory() as tmp:
        stem = Path(tmp) / "page"
        subprocess.run(["pdftoppm", "-png", "-f", str(page), "-l", str(page), "-singlefile",
                        "-scale-to-x", str(THUMB_WIDTH), "-scale-to-y", "-1", str(pdf),
                        str(stem)], check=True, capture_output=True)
        return stem.with_suffix(".png").read_bytes()


def timeline(series: ketapub.Series) -> str:
    """The release schedule as an SVG: one dot per part on a line from the first release to
    the last, its date and title beside it (drawn here; no chart library)."""
    parts = sorted(series.parts, key=lambda p: p.publish_at)
    first, last = parts[0].publish_at.timestamp(), parts[-1].publish_at.timestamp()
    span = max(last - first, 1.0)
    width, left, right, row = 760, 40, 40, 34
    height = 60 + row * len(parts)

    def x(p: ketapub.Part) -> float:
        return left + (width - left - right) * (p.publish_at.timestamp() - first) / span

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" font-family="sans-serif" '
           'font-size="13">',
           f"<title>Release schedule of {html.escape(series.title)}</title>",
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<line x1="{left}" y1="30" x2="{width - right}" y2="30" stroke="#555" '
           'stroke-width="2"/>']
    for i, p in enumerate(parts):
        px, y = round(x(p), 1), 60 + row * i
        day = p.publish_at.astimezone(series.tz).strftime("%d %b %Y %H:%M")
        anchor = "end" if px > width / 2 else "start"
        tx = px - 8 if anchor == "end" else px + 8
        out += [f'<line x1="{px}" y1="30" x2="{px}" y2="{y - 4}" stroke="#bbb" '
                'stroke-dasharray="3 3"/>',
                f'<circle cx="{px}" cy="30" r="6" fill="#1f6f8b"/>',
                f'<circle cx="{px}" cy="{y - 4}" r="3" fill="#1f6f8b"/>',
                f'<text x="{tx}" y="{y}" text-anchor="{anchor}"><tspan font-weight="bold">'
                f"Part {p.part}</tspan> · {html.escape(day)} · "
                f"{html.escape(_short(p.title, 60))}</text>"]
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A partner clinic's page</title>
<link rel="stylesheet" href="{css}">
<style>
body {{ margin: 0; font-family: Georgia, serif; background: #f4f1ea; color: #333; }}
header {{ background: #2d4a3e; color: #fff; padding: 14px 28px; font-size: 22px; }}
main {{ display: flex; gap: 24px; padding: 24px 28px; }}
article {{ flex: 1; background: #fff; padding: 8px 24px; }}
aside {{ width: 200px; font-size: 14px; }}
</style></head>
<body><header>Riverside Family Clinic · Patient library</header>
<main><article>{fragment}</article>
<aside><h2>Our services</h2><p>Appointments, mental health care, and a patient library
written by others and pasted in as it is.</p></aside></main></body></html>
"""

READER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ margin: 0; font-family: sans-serif; display: flex; color: #222; }}
nav {{ width: 300px; background: #f2f2f2; border-right: 1px solid #ddd; height: 100vh; }}
nav h1 {{ font-size: 15px; padding: 12px 16px; margin: 0; background: #e4e4e4; }}
nav div {{ padding: 10px 16px; border-bottom: 1px solid #ddd; font-size: 13px; }}
nav div.on {{ background: #dbe9f4; }}
nav small {{ color: #666; display: block; }}
main {{ flex: 1; padding: 16px 28px; font-family: Georgia, serif; line-height: 1.5; }}
main h2 {{ font-family: sans-serif; }}
</style></head>
<body><nav><h1>{title}</h1>{items}</nav><main><h2>{first_title}</h2>
<p><small>{first_date}</small></p>{first_body}</main></body></html>
"""


def feed_reader(feed: dict[str, object]) -> str:
    """A feed reader's two panes for a JSON Feed: the items listed, the newest one open."""
    items = [i for i in feed.get("items", []) if isinstance(i, dict)]  # type: ignore[union-attr]
    listed = "".join(
        f'<div class="{"on" if n == 0 else ""}">{html.escape(str(i.get("title", "")))}'
        f'<small>{html.escape(str(i.get("date_published", ""))[:10])}</small></div>'
        for n, i in enumerate(items))
    top = items[0] if items else {}
    return READER_PAGE.format(
        title=html.escape(str(feed.get("title", ""))), items=listed,
        first_title=html.escape(str(top.get("title", ""))),
        first_date=html.escape(str(top.get("date_published", ""))),
        first_body=str(top.get("content_html", "")))


def screenshots(pages: list[tuple[Path, str]], width: int = 1000, height: int = 760
                ) -> dict[str, bytes]:
    """Screenshot each (page file, name) in one headless Chromium, ``THUMB_WIDTH`` wide."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("the docs gallery needs Chromium; `make docs` installs it")
    shots = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height},
                                    device_scale_factor=THUMB_WIDTH * 2 / width)
            for path, name in pages:
                page.goto(path.as_uri())
                page.wait_for_load_state("load")
                shots[name] = page.screenshot(animations="disabled")
        finally:
            browser.close()
    return shots


def gallery(write: Writer, source: Path | None = None, out: Path | None = None,
            as_of: str | None = None) -> tuple[list[Picture], str]:
    """Build the series and write the gallery's pictures and files with ``write``; returns
    the pictures and the instant of the build.

    Args:
        write: called with each file's path under the gallery folder and its bytes.
        source: the series (default ``$KETAPUB_DOCS_SOURCE``, else ``content/``).
        out: the folder to build into and keep (default ``$KETAPUB_DOCS_BUILD``, else a
            temporary folder).
        as_of: the build's instant (default ``$KETAPUB_DOCS_AS_OF``, else the last release).
    """
    source = source or Path(os.environ.get("KETAPUB_DOCS_SOURCE") or ROOT / "content")
    as_of = as_of or os.environ.get("KETAPUB_DOCS_AS_OF") or None
    kept = out or (Path(os.environ["KETAPUB_DOCS_BUILD"])
                   if os.environ.get("KETAPUB_DOCS_BUILD") else None)
    with tempfile.TemporaryDirectory() as tmp:
        built = kept or Path(tmp) / "output"
        series = build(source, built, as_of)
        return _pictures(series, built, Path(tmp), write), as_of_label(series, as_of)


def _pictures(series: ketapub.Series, built: Path, tmp: Path, write: Writer) -> list[Picture]:
    pictures: list[Picture] = []

    def add(section: str, caption: str, image: str, data: bytes, target: Path) -> None:
        rel = target.relative_to(built).as_posix()
        write(f"files/{rel}", target.read_bytes())
        write(image, data)
        pictures.append(Picture(section, caption, image, f"files/{rel}"))

    pdf = built / "pdf"
    for p in series.parts:
        handout = pdf / f"{p.number}-{p.slug}.pdf"
        if handout.is_file():
            add("Handouts", f"Part {p.part}: {p.title}", f"img/handout-{p.number}.png",
                pdf_page(handout, 1), handout)
    booklet = pdf / "booklet.pdf"
    add("Booklet", "The booklet's cover", "img/booklet-cover.png", pdf_page(booklet, 1),
        booklet)
    add("Booklet", "The booklet's contents", "img/booklet-contents.png", pdf_page(booklet, 2),
        booklet)
    first = series.parts[0]
    name = f"{first.number}-{first.slug}.pdf"
    for brand in series.brands[:1]:
        add("Handouts for clinics",
            f"Part {first.part} branded for {brand.name} (accent, logo, contact box)",
            f"img/branded-{brand.id}.png", pdf_page(pdf / brand.id / name, 1),
            pdf / brand.id / name)
    add("Handouts for clinics", f"Part {first.part} in large print (18 pt)",
        "img/large-print.png", pdf_page(pdf / "large-print" / name, 1),
        pdf / "large-print" / name)
    pictures += _browser_pictures(series, built, tmp, write)
    write("img/timeline.svg", timeline(series).encode())
    schedule = built / "feed" / "schedule.ics"
    write("files/feed/schedule.ics", schedule.read_bytes())
    pictures.append(Picture("Release schedule", "Every part on the calendar of its release",
                            "img/timeline.svg", "files/feed/schedule.ics"))
    return pictures


def _browser_pictures(series: ketapub.Series, built: Path, tmp: Path, write: Writer
                      ) -> list[Picture]:
    book = next((built / "epub").glob("*.epub"))
    unpacked = tmp / "epub"
    with zipfile.ZipFile(book) as z:
        z.extractall(unpacked)
    docs = sorted(unpacked.rglob("*.xhtml"))
    cover = next(d for d in docs if d.name == "cover.xhtml")
    part = next(d for d in docs if d.name.startswith("part-"))
    first = series.parts[0]
    host = tmp / "host.html"
    fragment = (built / "html" / f"{first.slug}.html").read_text("utf-8")
    host.write_text(HOST_PAGE.format(css=(built / "html" / "ketapub.css").as_uri(),
                                     fragment=fragment), "utf-8")
    reader = tmp / "reader.html"
    feed = json.loads((built / "feed" / "feed.json").read_text("utf-8"))
    reader.write_text(feed_reader(feed), "utf-8")
    shots = screenshots([(cover, "epub-cover"), (part, "epub-part"), (host, "fragment"),
                         (reader, "feed")])
    rel_book = book.relative_to(built).as_posix()
    write(f"files/{rel_book}", book.read_bytes())
    frag = f"html/{first.slug}.html"
    for path in (frag, "html/ketapub.css", "feed/feed.json", "feed/rss.xml", "feed/atom.xml"):
        write(f"files/{path}", (built / path).read_bytes())
    out = [Picture("Ebook", "The EPUB's cover", "img/epub-cover.png", f"files/{rel_book}"),
           Picture("Ebook", f"A part page of the EPUB ({part.name})", "img/epub-part.png",
                   f"files/{rel_book}"),
           Picture("On partners' sites", f"The fragment of part {first.part} pasted into a "
                   "clinic's page with ketapub.css", "img/fragment.png", f"files/{frag}"),
           Picture("On partners' sites", "The JSON Feed as a feed reader lists it",
                   "img/feed.png", "files/feed/feed.json")]
    for name in ("epub-cover", "epub-part", "fragment", "feed"):
        write(f"img/{name}.png", shots[name])
    return out


def page(pictures: list[Picture], as_of: str) -> str:
    """The gallery page, Markdown: each picture a link to its file."""
    out = ["# Gallery", "",
           "Real outputs of the example series in `content/`, made by the docs build "
           f"(`make docs`) as of {as_of}: each picture links to the file it shows.", ""]
    for section in (s for s in SECTIONS if any(p.section == s for p in pictures)):
        out += [f"## {section}", "", '<div class="kp-gallery" markdown>', ""]
        for p in (p for p in pictures if p.section == section):
            out += [f'<figure markdown="span">[![{html.escape(p.caption)}](gallery/{p.image})]'
                    f"(gallery/{p.target})<figcaption>{html.escape(p.caption)}</figcaption>"
                    "</figure>", ""]
        out += ["</div>", ""]
    return "\n".join(out)


def as_of_label(series: ketapub.Series, as_of: str | None) -> str:
    """The instant the gallery shows, as a reader reads it."""
    if as_of:
        return as_of
    last = max(p.publish_at for p in series.parts)
    return f"{datetime.isoformat(last)}, when its last part is released"
