"""The page ``ketapub watch`` serves at ``/``: every output of the build on one page.

HTML fragments inline (they are made to be pasted into other pages), handouts and booklet as
embedded PDFs, the EPUB's reading order (its spine, with each document's title), the feeds
with their item titles, and a link to every other file of the manifest. Everything read from
the output folder is shown as text (escaped); only the fragments, which passed the fragment
policy when they were rendered, are inserted as HTML.

The page alone carries the script that listens to ``/_ketapub/events`` and reloads or shows
the error overlay; it is made per request and never written to the output folder.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import posixpath
import zipfile
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from lxml import etree
from markupsafe import Markup

from ketapub import i18n, write
from ketapub.model import Series
from ketapub.watch_events import EVENTS_PATH, State

EMBEDDED_PDFS = 12
"""PDFs embedded at most; the rest (branded, large print) are listed as links."""
_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                       huge_tree=False)
_OPF = "{http://www.idpf.org/2007/opf}"
_ATOM = "{http://www.w3.org/2005/Atom}"
_FEEDS = {"rss": "RSS", "atom": "Atom", "jsonfeed": "JSON Feed"}

SCRIPT = Markup("""<script>
(() => {
  const page = Number(document.documentElement.dataset.build);
  const overlay = document.getElementById("ketapub-overlay");
  const text = overlay.querySelector("pre");
  const status = document.getElementById("ketapub-status");
  const show = (state) => {
    if (state.problems.length) {
      text.textContent = state.problems.join("\\n");
      overlay.hidden = false;
    } else if (state.build !== page) {
      location.reload();
    } else {
      overlay.hidden = true;
    }
    if (state.pending.length) {
      status.textContent = "Still rendering: " + state.pending.join(", ");
    }
  };
  const events = new EventSource(EVENTS_URL);
  for (const name of ["hello", "reload", "build-error"]) {
    events.addEventListener(name, (e) => show(JSON.parse(e.data)));
  }
})();
</script>""".replace("EVENTS_URL", json.dumps(EVENTS_PATH)))

_SCRIPT_BODY = SCRIPT.removeprefix("<script>").removesuffix("</script>")
CSP = ("default-src 'self'; img-src * data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'sha256-" + base64.b64encode(hashlib.sha256(
           _SCRIPT_BODY.encode("utf-8")).digest()).decode("ascii") + "'; "
       "object-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
"""The preview's Content-Security-Policy: the reloading script above runs, no other script
does, whatever a fragment or a user's template holds."""

STYLE = Markup("""<style>
  body { margin: 0 auto; max-width: 60rem; padding: 1rem; font-family: system-ui, sans-serif; }
  .watch-section { margin: 2rem 0; border-top: 1px solid #888; }
  .watch-pdf { width: 100%; height: 32rem; border: 1px solid #888; }
  #ketapub-overlay { position: fixed; inset: 1rem; z-index: 1000; overflow: auto;
    background: #fff8f8; color: #600; border: 3px solid #b00; padding: 1rem; }
  #ketapub-overlay[hidden] { display: none; }
  #ketapub-overlay pre { white-space: pre-wrap; font-size: 1rem; }
</style>""")


def _url(path: str, sha256: str = "") -> str:
    """The served URL of an output path; the hash makes a browser fetch a changed file."""
    return "/" + quote(path) + (f"?v={sha256[:12]}" if sha256 else "")


def _link(entry: write.Entry) -> Markup:
    return Markup('<a href="{}">{}</a>').format(_url(entry.path, entry.sha256), entry.path)


def _fragments(out: Path, entries: list[write.Entry]) -> list[Markup]:
    found = []
    for e in entries:
        if e.renderer == "html" and e.path.count("/") == 1 and e.media_type.startswith(
                "text/html") and posixpath.basename(e.path) not in ("index.html", "hub.html"):
            try:
                html = (out / e.path).read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            found.append(Markup('<section class="watch-fragment" data-path="{}">{}</section>')
                         .format(e.path, Markup(html)))
    return found


def _pdfs(entries: list[write.Entry]) -> list[Markup]:
    pdfs = [e for e in entries if e.media_type == "application/pdf"]
    # unbranded standard outputs first: the ones an editor checks after each edit
    pdfs.sort(key=lambda e: (e.brand is not None, bool(e.variant), e.path))
    shown = []
    for i, e in enumerate(pdfs):
        if i < EMBEDDED_PDFS:
            shown.append(Markup('<figure><figcaption>{}</figcaption><object class="watch-pdf" '
                                'data="{}" type="application/pdf">{}</object></figure>')
                         .format(_link(e), _url(e.path, e.sha256), _link(e)))
        else:
            shown.append(Markup("<li>{}</li>").format(_link(e)))
    return shown


def epub_spine(data: bytes | Path) -> list[tuple[str, str]]:
    """(document, title) of each item of an EPUB's spine, in reading order.

    Args:
        data: the EPUB's bytes, or its path.
    """
    with zipfile.ZipFile(data if isinstance(data, Path) else io.BytesIO(data)) as z:
        container = etree.fromstring(z.read("META-INF/container.xml"), _XML)
        rootfile = container.find(".//{*}rootfile")
        opf_path = rootfile.get("full-path", "") if rootfile is not None else ""
        opf = etree.fromstring(z.read(opf_path), _XML)
        base = posixpath.dirname(opf_path)
        hrefs = {item.get("id"): item.get("href", "")
                 for item in opf.iter(f"{_OPF}item")}
        spine = []
        for ref in opf.iter(f"{_OPF}itemref"):
            href = hrefs.get(ref.get("idref"), "")
            name = posixpath.normpath(posixpath.join(base, href))
            try:
                doc = etree.fromstring(z.read(name), _XML)
                titles = doc.xpath("//*[local-name()='title']")
                title = "".join(titles[0].itertext()).strip() if titles else ""
            except (KeyError, etree.XMLSyntaxError):
                title = ""
            spine.append((href, title))
        return spine


def feed_titles(entry: write.Entry, data: bytes) -> list[str]:
    """The item titles of an RSS, Atom or JSON feed, in its order.

    Args:
        entry: the feed's manifest entry (its renderer says which format).
        data: the feed's bytes.
    """
    if entry.renderer == "jsonfeed":
        return [str(i.get("title", "")) for i in json.loads(data).get("items", [])]
    root = etree.fromstring(data, _XML)
    if entry.renderer == "atom":
        return ["".join(t.itertext()) for t in root.iter(f"{_ATOM}title")
                if t.getparent() is not None and t.getparent().tag == f"{_ATOM}entry"]
    return ["".join(t.itertext()) for t in root.iterfind("./channel/item/title")]


def _epubs(out: Path, entries: list[write.Entry]) -> list[Markup]:
    shown = []
    for e in entries:
        if e.media_type != "application/epub+zip":
            continue
        try:
            spine = epub_spine(out / e.path)
        except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
            shown.append(Markup("<p>{}: cannot read its contents ({})</p>").format(
                _link(e), exc))
            continue
        items = Markup("").join(Markup("<li>{} <code>{}</code></li>").format(t or "(untitled)",
                                                                             h)
                                for h, t in spine)
        shown.append(Markup("<p>{}, reading order:</p><ol class=\"watch-spine\">{}</ol>")
                     .format(_link(e), items))
    return shown


def _feeds(out: Path, entries: list[write.Entry]) -> list[Markup]:
    shown = []
    for e in entries:
        if e.renderer not in _FEEDS:
            continue
        try:
            titles = feed_titles(e, (out / e.path).read_bytes())
        except (OSError, ValueError, etree.XMLSyntaxError) as exc:
            shown.append(Markup("<p>{}: cannot read it ({})</p>").format(_link(e), exc))
            continue
        items = Markup("").join(Markup("<li>{}</li>").format(t) for t in titles)
        shown.append(Markup('<p>{} {}, {} items:</p><ul class="watch-feed">{}</ul>').format(
            _FEEDS[e.renderer], _link(e), len(titles), items))
    return shown


def preview_editions(series: Series | None) -> tuple[tuple[str, str, bool], ...]:
    """Each language edition's fragments preview page, for ``page`` to link.

    (language, path of the page, is the original) per edition of a translated series; ()
    for an untranslated one.

    Args:
        series: the series being watched; None before its first load.
    """
    if series is None or len(series.editions) < 2:
        return ()
    return tuple((e.language, e.output_path("html/index.html"), e.original_language is None)
                 for e in series.editions)


def _languages(entries: list[write.Entry],
               editions: Iterable[tuple[str, str, bool]]) -> tuple[Markup, Markup]:
    """The head's hreflang links and a visible line to each language's preview page.

    Only the pages this build made; the original is also x-default.
    """
    made = {e.path: e for e in entries}
    shown = [(lang, made[path], original) for lang, path, original in editions
             if path in made]
    if len(shown) < 2:
        return Markup(""), Markup("")
    head = Markup("").join(
        Markup('<link rel="alternate" hreflang="{}" href="{}">').format(
            code, _url(e.path))
        for lang, e, original in shown for code in ((lang, "x-default") if original else (lang,)))
    line = Markup(" | ").join(
        Markup('<a href="{}" lang="{}" hreflang="{}">{}</a>').format(
            _url(e.path), lang, lang, i18n.language_name(lang.split("-")[0]))
        for lang, e, _ in shown)
    return head, Markup('<p id="ketapub-languages">Fragments preview in: {}</p>').format(line)


def _section(title: str, items: Iterable[Markup], *, listed: bool = False) -> Markup:
    body = Markup("").join(items)
    if listed:
        body = Markup("<ul>{}</ul>").format(body)
    return Markup('<section class="watch-section"><h2>{}</h2>{}</section>').format(title, body)


def page(out: Path, title: str, state: State,
         editions: Iterable[tuple[str, str, bool]] = ()) -> bytes:
    """The preview page of the build in ``out`` as of ``state``.

    Args:
        out: the output folder.
        title: the series title.
        state: the watcher's current state.
        editions: the language editions' preview pages (``preview_editions()``); default
            (): none linked.
    """
    manifest = write.read_manifest(out)
    entries = sorted(manifest.values(), key=lambda e: e.path)
    pdfs = _pdfs(entries)
    embedded = [m for m in pdfs if m.startswith("<figure")]
    listed = [m for m in pdfs if m.startswith("<li")]
    status = (f"Build {state.build}: {state.rendered} artifacts rendered by the last rebuild"
              if state.build else "No build yet")
    if state.pending:
        status += "; still rendering: " + ", ".join(state.pending)
    css = next((e for e in entries if e.path == "html/ketapub.css"), None)
    head = Markup('<link rel="stylesheet" href="{}">').format(
        _url(css.path, css.sha256)) if css else Markup("")
    alternates, languages = _languages(entries, editions)
    head += alternates
    body = Markup("").join([
        _section("HTML fragments", _fragments(out, entries)),
        _section("PDF handouts and booklet", embedded),
        _section("More PDFs", listed, listed=True) if listed else Markup(""),
        _section("EPUB", _epubs(out, entries)),
        _section("Feeds", _feeds(out, entries)),
        _section("Every file", (Markup("<li>{} ({})</li>").format(_link(e), e.media_type)
                                for e in entries), listed=True),
    ])
    overlay = Markup('<div id="ketapub-overlay" role="alert"{}><h2>The last rebuild failed'
                     '</h2><pre>{}</pre><p>The page shows the last good build.</p></div>'
                     ).format(Markup("") if state.problems else Markup(" hidden"),
                              "\n".join(state.problems))
    html = Markup('<!DOCTYPE html>\n<html lang="en" data-build="{}"><head><meta charset="utf-8">'
                  '<meta name="viewport" content="width=device-width, initial-scale=1">'
                  '<title>{}: preview</title><link rel="icon" href="data:,">{}{}</head>'
                  '<body>{}<header><h1>{}: preview</h1><p id="ketapub-status">{}</p>{}'
                  '</header><main>{}</main>{}</body></html>\n').format(
        state.build, title, head, STYLE, overlay, title, status, languages, body, SCRIPT)
    return str(html).encode("utf-8")
