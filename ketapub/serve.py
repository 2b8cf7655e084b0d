"""Live serving: the output folder, with the feeds evaluated at each request.

A WSGI application that serves a built output folder, with the feeds evaluated as of each request,
so a part appears in every feed at its release instant without a rebuild (and never a second
before).

Which files are live is what the renderers say, not a list of names kept here: a job planned
with ``Job.live`` (the feeds, the calendar, the HTML hub) lists what is released, so it is
rendered in memory as of the request and cached per release state, not per request: between
two releases every request gets the same bytes from the cache, and ``Cache-Control: max-age``
never runs past the next release. Everything else is a file of the output folder listed in its
``manifest.json``; no other path is ever opened (no ``..``, no hidden folders, no symlink out).
Whether a file may be served yet is read from its manifest entry, never guessed from its name:
a file that shows parts' text waits until all of them are released, and a whole-series file
(booklet, ebook) until every part released as of its build is (see ``write.Entry``).

A build made with ``ahead`` also holds every future release state in its embargo area (see
``ketapub.embargo``): from a state's instant on, every path is answered from that state's
folder, whatever renderer made the file, so feeds, cards, fragments, PDFs, the ebook and the
index all change at the same instant. ``/`` and any path ending in ``/`` answer the folder's
``index.html`` (``/`` the preview, ``html/index.html``). Every 404 is ``no-store``, so no
cache keeps one past a release.

Run it with any WSGI server, for example ``waitress.serve(make_app("content", "output"))``;
``ketapub serve`` does exactly that.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ketapub import changes_since, embargo, gone, oembed, schedule, websub, write
from ketapub.errors import KetapubError, PluginError, RenderError, SourceError
from ketapub.execute import render_one
from ketapub.http_query import Reply
from ketapub.load import load
from ketapub.model import Series
from ketapub.paths import safe_output_path
from ketapub.plan import plan
from ketapub.render.base import ArtifactInfo, BuildOptions, RenderContext
from ketapub.render.registry import Registry, installed
from ketapub.terminal import visible

Clock = Callable[[], datetime]
StartResponse = Callable[..., Any]

MAX_AGE = 300
"""Longest time (seconds) a client may reuse a response; shorter just before a release."""
_TEXT_TYPES = ("text/", "application/json", "application/feed+json", "application/rss+xml",
               "application/atom+xml", "application/xhtml+xml", "image/svg+xml")


@dataclass(frozen=True)
class Response:
    """A ready response body with its validators."""

    body: bytes
    media_type: str
    etag: str
    last_modified: datetime | None


def _now() -> datetime:
    return datetime.now(UTC)


def _with_charset(media_type: str) -> str:
    if "charset" not in media_type and media_type.startswith(_TEXT_TYPES):
        return f"{media_type}; charset=utf-8"
    return media_type


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


class FeedServer:
    """The WSGI application. Build it with ``make_app()``.

    Args:
        series: the loaded series.
        out: the built output folder to serve.
        clock: returns the current aware instant; default: the system clock.
        registry: where the live renderers are looked up; default None: the installed ones.
        options: the build options live files are rendered with; default None: the defaults.
        live: served path -> renderer name, rendered per request; default None: what the
            installed renderers declare live.
        source: the source folder, re-read when its files change; None: never re-read.
        reload_interval: seconds between checks of ``source``; None: never; default 1.0.
        websub_hub: the WebSub hub to name and ping; None: the series' ``websub_hub``.
    """

    def __init__(self, series: Series, out: Path, *, clock: Clock = _now,
                 registry: Registry | None = None, options: BuildOptions | None = None,
                 live: Mapping[str, str] | None = None, source: Path | None = None,
                 reload_interval: float | None = 1.0, websub_hub: str | None = None):
        self.series = series
        self.websub_hub = websub_hub
        """The WebSub hub to name and ping; None: the series' ``websub_hub`` (if any)."""
        self.source = source
        """Source folder re-read when its files change (None: the series never changes)."""
        self.reload_interval = reload_interval
        self._source_sig = _tree_signature(source) if source is not None else ()
        self._checked = time.monotonic()
        self._reload_lock = threading.Lock()
        self.out = out
        self.clock = clock
        self.registry = registry or installed()
        self.options = options or BuildOptions()
        self.live: dict[str, str] | None = None if live is None else {
            path: name for path, name in live.items() if self._usable(name)}
        """Path -> renderer of the files rendered per request, when the caller fixes them;
        None: the jobs the installed renderers plan with ``live`` (see ``live_paths()``)."""
        self._declared: tuple[tuple[Any, ...], dict[str, str]] | None = None
        self._plan_failed: set[str] = set()
        self._lock = threading.Lock()
        self.renders = 0
        """How many live renders ran (one per path and release state, not per request)."""
        self._cache: dict[tuple[Any, ...], Response] = {}
        self._manifest: tuple[tuple[int, int, int], dict[str, write.Entry],
                              tuple[embargo.State, ...]] | None = None
        self._gone_paths: tuple[tuple[Any, ...], dict[str, int]] | None = None

    def _usable(self, name: str) -> bool:
        """True when renderer ``name`` is installed and imports (else serve its built file)."""
        try:
            self.registry.get(name)
        except KetapubError:
            return False
        return True

    # --- WSGI -------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one WSGI request: GET and HEAD of the output folder, feeds evaluated now."""
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in ("GET", "HEAD"):
            return self._plain(start_response, "405 Method Not Allowed", "method not allowed\n",
                               [("Allow", "GET, HEAD")], method)
        rel = self._route(environ.get("PATH_INFO", ""))
        self._maybe_reload(environ)
        now = self.clock()
        query = environ.get("QUERY_STRING", "")
        if rel == oembed.PATH:  # the oEmbed endpoint: no file of the output
            return self._reply(start_response, method, oembed.respond(
                self.series, now, query, self._serves(now)))
        found: tuple[Response, int | None] | None = None
        try:
            live = self.live_paths(now, environ.get("wsgi.errors"))
            if rel is not None and rel in live:
                found = self._live(rel, live[rel], now)
            elif rel is not None and (ended := self._gone(rel, now)) is not None:
                return self._gone_response(start_response, ended, environ, method)
            elif rel is not None:
                found = self._static(rel, now)
        except KetapubError as exc:  # a broken template or plugin: say so, keep serving
            return self._plain(start_response, "500 Internal Server Error",
                               f"could not render: {exc}\n", [], method)
        if found is None:  # a 404 may be cached (RFC 9111): a CDN would keep it past a release
            return self._plain(start_response, "404 Not Found", "not found\n",
                               [("Cache-Control", "no-store")], method)
        response, max_age = found
        answer = self._queried(rel, query, response)
        if isinstance(answer, Reply):  # a query the file cannot answer: 400
            return self._reply(start_response, method, answer)
        response = answer
        headers = [*self._links(rel, now), ("ETag", response.etag),
                   ("Cache-Control", "no-cache" if max_age is None else
                    f"public, max-age={max_age}"),
                   ("Access-Control-Allow-Origin", "*"),
                   ("X-Content-Type-Options", "nosniff")]
        if response.last_modified is not None:
            headers.append(("Last-Modified", format_datetime(response.last_modified, usegmt=True)))
        if _not_modified(environ, response):
            start_response("304 Not Modified", headers)
            return []
        headers += [("Content-Type", _with_charset(response.media_type)),
                    ("Content-Length", str(len(response.body)))]
        start_response("200 OK", headers)
        return [] if method == "HEAD" else [response.body]

    @property
    def hub(self) -> str | None:
        """The WebSub hub the feeds are announced to, if any."""
        hub = self.websub_hub or self.series.websub_hub
        return None if hub is None else str(hub)

    def feed_urls(self, now: datetime | None = None) -> list[str]:
        """Public URLs of the live feeds (what a hub is pinged for and fetches).

        Args:
            now: the instant; default None: the server's clock.
        """
        live = self.live_paths(now)
        return sorted(self.series.base_url + quote(path, safe="/")
                      for path, name in live.items() if name in websub.FEED_RENDERERS)

    def _links(self, rel: str | None, now: datetime) -> list[tuple[str, str]]:
        """WebSub discovery for a feed (RFC 8288 ``Link``).

        Its hub and its own URL, the one way a JSON Feed can name them.
        """
        if rel is None or self.live_paths(now).get(rel) not in websub.FEED_RENDERERS:
            return []
        links = [f'<{self.series.base_url}{quote(rel, safe="/")}>; rel="self"']
        if self.hub is not None:
            links.insert(0, f'<{self.hub}>; rel="hub"')
        return [("Link", ", ".join(links))]

    def pinger(self, post: websub.Post = websub.http_post,
               log: Any = None) -> websub.Pinger | None:
        """What pings the WebSub hub at each release instant.

        What pings the hub at each release instant, by this server's clock (None when no hub is
        set). Start it with ``.start()``.

        Args:
            post: sends a ping; default: an HTTP POST.
            log: where sent pings and failures are reported; default None: nowhere.
        """
        hub = self.hub
        if hub is None:
            return None
        return websub.Pinger(hub, lambda: self.series, self.feed_urls, self.clock, post, log)

    @staticmethod
    def _plain(start_response: StartResponse, status: str, text: str,
               extra: list[tuple[str, str]], method: str) -> Iterable[bytes]:
        body = text.encode()
        start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                                ("Content-Length", str(len(body))),
                                ("X-Content-Type-Options", "nosniff"), *extra])
        return [] if method == "HEAD" else [body]

    def _gone(self, rel: str, now: datetime) -> gone.Gone | None:
        """The 410 of ``rel`` when it shows only parts expired or withdrawn at ``now``.

        A file built before the end (its manifest entry), or one the renderers made for the part
        before it ended (see ``ketapub.gone``).
        """
        series = self.series
        ended = {p.part for p in schedule.ended_parts(series, now)}
        if not ended:
            return None
        entry = self.view(now).get(rel)  # the files of the state that holds now
        who = gone.ended_shows(entry.parts, ended) if entry is not None else None
        if who is None and entry is None:
            key = (id(series), series.source_hash, tuple(sorted(ended)))
            if self._gone_paths is None or self._gone_paths[0] != key:
                paths = gone.planned_paths(series, self.registry, self.options,
                                           self.registry.names(), now)
                self._gone_paths = (key, paths)
            who = self._gone_paths[1].get(rel)
        part = series.get_part(who) if who is not None else None
        return gone.gone(series, part, now) if part is not None else None

    def _gone_response(self, start_response: StartResponse, page: gone.Gone,
                       environ: Mapping[str, Any], method: str) -> Iterable[bytes]:
        """410 Gone with the reason: HTML when Accept names text/html, else plain text."""
        html = "text/html" in environ.get("HTTP_ACCEPT", "")
        body = (page.html(self.series.language) if html else page.text()).encode("utf-8")
        start_response("410 Gone", [
            ("Content-Type", f"{'text/html' if html else 'text/plain'}; charset=utf-8"),
            ("Content-Length", str(len(body))), ("Cache-Control", f"public, max-age={MAX_AGE}"),
            ("Vary", "Accept"), ("X-Content-Type-Options", "nosniff")])
        return [] if method == "HEAD" else [body]

    def _serves(self, now: datetime) -> Callable[[str], bool]:
        """Whether a path of the output answers 200 at ``now`` (not gone, not embargoed)."""
        return lambda rel: self._gone(rel, now) is None and self._static(rel, now) is not None

    def _queried(self, rel: str | None, query: str, response: Response) -> Response | Reply:
        """``response`` as a partner's query asks for it.

        ``api/changes.json?since=`` only what changed since then; any other file as is.
        """
        if rel != changes_since.PATH or not query:
            return response
        body = changes_since.apply(self.series, query, response.body)
        if isinstance(body, Reply):
            return body
        return Response(body, response.media_type, _etag(body), response.last_modified)

    @staticmethod
    def _reply(start_response: StartResponse, method: str, reply: Reply) -> Iterable[bytes]:
        """A partner endpoint's answer (oEmbed, a refused query), with its own caching."""
        start_response(reply.status, [("Content-Type", reply.media_type),
                                      ("Content-Length", str(len(reply.body))),
                                      ("Cache-Control", reply.cache),
                                      ("Access-Control-Allow-Origin", "*"),
                                      ("X-Content-Type-Options", "nosniff")])
        return [] if method == "HEAD" else [reply.body]

    @staticmethod
    def _route(path_info: str) -> str | None:
        """The output-relative path a request names, or None when it may not be served."""
        try:  # WSGI hands over the decoded path as latin-1 code points; undo that
            path = path_info.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return None
        if not path.startswith("/") or path.startswith("//"):
            return None
        rel = path[1:]
        if rel == "":  # the address serve prints: the preview page
            rel = "html/index.html"
        elif rel.endswith("/"):
            rel += "index.html"
        if not rel or any(seg in ("", ".", "..") or seg.startswith(".")
                          for seg in rel.split("/")):
            return None
        try:
            return safe_output_path(rel)
        except RenderError:
            return None

    def _maybe_reload(self, environ: Mapping[str, Any]) -> None:
        """Pick up edits of the source (a rescheduled part, a fixed typo) without a restart.

        A source that no longer loads is reported on ``wsgi.errors``; the last good one stays. One
        request reloads; the others never wait for it and answer from the last good load (loading a
        large source takes seconds).
        """
        if self.source is None or self.reload_interval is None:
            return
        if time.monotonic() - self._checked < self.reload_interval:
            return
        if not self._reload_lock.acquire(blocking=False):
            return
        try:
            self._checked = time.monotonic()
            sig = _tree_signature(self.source)
            if sig == self._source_sig:
                return
            try:
                self.series = load(self.source)
            except KetapubError as exc:
                errors = environ.get("wsgi.errors")
                if errors is not None:
                    lines = (exc.diagnostics if isinstance(exc, SourceError) else (exc,))
                    shown = "\n".join(visible(line) for line in lines)  # no raw escapes
                    errors.write(f"ketapub serve: source not reloaded, keeping the last good "
                                 f"one:\n{shown}\n")
            self._source_sig = sig
        finally:
            self._reload_lock.release()

    # --- live feeds -------------------------------------------------------------------
    def live_paths(self, now: datetime | None = None, errors: Any = None) -> dict[str, str]:
        """The files that are rendered live, by path, as of ``now``.

        Path -> renderer name of the files rendered as of the request at ``now`` (default: the
        clock): ``live`` when given, else every job an installed renderer plans with
        ``Job.live``. Renderers plan by the released parts, so they are asked again when the release
        state or the source changes, never per request.

        A renderer that fails to import or to plan declares nothing (its built files are
        served under their embargo like any other); a planning failure is written once to
        ``errors`` (the request's ``wsgi.errors``) when given.

        Args:
            now: the instant of the request; default None: the server's clock.
            errors: a stream for a planning failure (the request's ``wsgi.errors``); default None.
        """
        if self.live is not None:
            return self.live
        series = self.series
        ctx = RenderContext(series=series, as_of=now or self.clock(), options=self.options)
        key = (id(series), series.source_hash, schedule.state(series, ctx.as_of))
        declared = self._declared
        if declared is not None and declared[0] == key:
            return declared[1]
        found: dict[str, str] = {}
        for name in self.registry.names():
            try:
                jobs = plan([self.registry.create(name)], ctx)
            except PluginError:  # fails to import: nothing of it is live (`renderers` says why)
                continue
            except Exception as exc:  # a plugin's bug must not take every other file down
                if errors is not None and name not in self._plan_failed:
                    errors.write(visible(f"ketapub serve: renderer {name!r} could not plan, "
                                         f"so none of its files is live: {exc}") + "\n")
                self._plan_failed.add(name)
                continue
            found.update((job.path, name) for job in jobs if job.live)
        self._declared = (key, found)
        return found

    def _live(self, rel: str, name: str, now: datetime) -> tuple[Response, int | None]:
        series = self.series  # one snapshot per request, even if the source reloads
        ctx = RenderContext(series=series, as_of=now, options=self.options)
        released = schedule.state(series, now)  # releases, ends, updates, corrections
        manifest = self.view(now)
        renderer = self.registry.create(name)
        jobs = plan([renderer], ctx)
        job = next((j for j in jobs if j.path == rel), None)
        if job is None:
            raise RenderError(rel, f"renderer {renderer.name!r} no longer makes this path")
        deps = {d: ArtifactInfo(d, manifest[d].sha256, manifest[d].bytes, manifest[d].media_type)
                for d in job.depends_on
                if d in manifest and self._file(manifest[d].path) is not None
                and not self._held(manifest[d], now)}
        key = (rel, series.source_hash, released,
               tuple(sorted((d, i.sha256) for d, i in deps.items())))
        with self._lock:  # one render per release state; feedgen also sets the locale
            response = self._cache.get(key)
            if response is None:
                ctx = RenderContext(series=series, as_of=now, options=self.options,
                                    planned=tuple(j.path for j in jobs)).with_deps(deps)
                artifact = render_one(renderer, job, ctx)
                self.renders += 1
                response = Response(artifact.data, artifact.media_type, _etag(artifact.data),
                                    _changed_at(series, now))
                if len(self._cache) > 256:
                    self._cache.clear()
                self._cache[key] = response
        nxt = schedule.next_change(series, now)
        max_age = MAX_AGE if nxt is None else max(0, min(MAX_AGE, int(
            (nxt - now).total_seconds())))
        return response, max_age

    # --- files of the output folder ----------------------------------------------------
    def _read_manifest(self) -> tuple[Any, dict[str, write.Entry], tuple[embargo.State, ...]]:
        """The output's manifest and its future release states, re-read on change.

        The file changes only with a rebuild, so it is read again only then.
        """
        path = self.out / write.MANIFEST
        try:
            st = path.stat()
            sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            return None, {}, ()
        cached = self._manifest
        if cached is not None and cached[0] == sig:
            return cached
        try:
            states = embargo.read_states(json.loads(path.read_bytes()).get("ahead"))
        except (OSError, ValueError, AttributeError):
            states = ()
        result = (sig, write.read_manifest(self.out), states)
        self._manifest = result
        return result

    def states(self) -> tuple[embargo.State, ...]:
        """The future release states the build holds (empty: built without ``ahead``)."""
        return self._read_manifest()[2]

    def state(self, now: datetime) -> embargo.State | None:
        """The future release state of the build that holds at ``now``.

        None: the public files are what is out.

        Args:
            now: the instant of the request (aware).
        """
        return embargo.current(self._read_manifest()[2], now)

    def view(self, now: datetime) -> dict[str, write.Entry]:
        """Served path -> manifest entry of every file out at ``now``'s release state.

        The public files until the first future state of the build comes, then that state's folder
        (its entries name where the file lies).

        Args:
            now: the instant of the request (aware).
        """
        _, manifest, states = self._read_manifest()
        state = embargo.current(states, now)
        if state is None:
            return {p: e for p, e in manifest.items() if not embargo.is_embargo_path(p)}
        prefix = state.folder + "/"
        return {p[len(prefix):]: e for p, e in manifest.items() if p.startswith(prefix)}

    def _file(self, rel: str) -> Path | None:
        """The regular file at ``rel`` inside the output folder, following no link out."""
        root = Path(os.path.realpath(self.out))
        target = Path(os.path.realpath(root / rel))
        if not target.is_relative_to(root) or target == root or not target.is_file():
            return None
        return target

    def _static(self, rel: str, now: datetime) -> tuple[Response, None] | None:
        """The file's response at ``now``.

        None when the release state has no such file or it is still under embargo.
        """
        entry = self.view(now).get(rel)
        if entry is None or self._held(entry, now):
            return None
        target = self._file(entry.path)
        if target is None:
            return None
        try:
            data = target.read_bytes()
            mtime = datetime.fromtimestamp(int(target.stat().st_mtime), UTC)
        except OSError:
            return None
        state = self.state(now)
        if state is not None:  # made before its instant, changed at it: an If-Modified-Since
            mtime = max(mtime, state.at)  # from before the release must not get a 304
        return Response(data, entry.media_type, _etag(data), mtime), None

    def _held(self, entry: write.Entry, now: datetime) -> bool:
        """Whether ``entry``'s file is still under embargo at ``now``.

        A file showing parts' text (``entry.parts``) waits until all of them are released; a
        whole-series file until every part released as of its build (``entry.released``; when
        unknown, every part of the series) is released now. A part no longer in the series
        never is: its file waits for a rebuild.
        """
        series = self.series.edition(entry.edition) if entry.edition else self.series
        if series is None:  # a language no longer translated: held until a rebuild
            return True
        need = entry.parts if entry.parts is not None else entry.released
        if need is None:
            need = tuple(p.part for p in series.parts)
        out_now = {p.part for p in schedule.released_parts(series, now)}
        return bool(set(need) - out_now)


def _tree_signature(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of every file under ``root`` (cheap to compare)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath, name)
            try:
                st = path.stat()
            except OSError:
                continue
            found.append((str(path.relative_to(root)), st.st_mtime_ns, st.st_size))
    return tuple(found)


def _changed_at(series: Series, now: datetime) -> datetime | None:
    """When the live feeds last changed.

    The latest release, update, correction, expiry or withdrawal instant up to ``now``.

    Never in the future (HTTP forbids it) and never earlier than a release already out, so
    an If-Modified-Since from before a release never gets a 304 after it.
    """
    dates = [d for p in series.parts
             for d in (p.publish_at, p.updated_at, p.ends_at, *(c.on for c in p.changes))
             if d is not None and d <= now]
    return max(dates).astimezone(UTC) if dates else None


def _not_modified(environ: Mapping[str, Any], response: Response) -> bool:
    """RFC 9110 conditional GET: If-None-Match wins; else If-Modified-Since."""
    inm = environ.get("HTTP_IF_NONE_MATCH")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or response.etag in tags
    ims = environ.get("HTTP_IF_MODIFIED_SINCE")
    if ims and response.last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return response.last_modified.replace(microsecond=0) <= since
    return False


def make_app(source: Series | str | os.PathLike[str] = "content",
             out: str | os.PathLike[str] = "output", *, clock: Clock | None = None,
             registry: Registry | None = None, templates: Iterable[str] = (),
             live: Mapping[str, str] | None = None,
             reload_interval: float | None = 1.0,
             websub_hub: str | None = None) -> FeedServer:
    """A WSGI application serving ``out`` with the feeds of ``source`` evaluated live.

    Live paths (the jobs renderers plan with ``Job.live``: feeds, calendar, hub) are rendered
    as of the request's instant, so a part appears the moment it is released, with no
    rebuild; every other file comes from the build's manifest.

    Args:
        source: a loaded ``Series``, or a source folder (re-read when its files
            change); default ``"content"``.
        out: the built output folder to serve; default ``"output"``.
        clock: returns the current aware instant; default None: the system clock (inject
            one in tests).
        registry: where the live renderers are looked up; default None: the installed ones.
        templates: folders searched for templates before the built-ins; default none.
        live: served path -> renderer name, rendered per request; a renderer that is not
            installed or fails to import is skipped and its built file served instead;
            default None: what the installed renderers declare live.
        reload_interval: seconds between checks of a source folder for edits; None: never;
            default 1.0.
        websub_hub: the WebSub hub named in the feeds' ``Link`` headers and pinged by
            ``FeedServer.pinger()``; default None: the series' ``websub_hub``.

    Returns:
        The WSGI application; serve it with any WSGI server (``ketapub serve`` uses waitress).

    Examples:
        The feed served before and after a release, from one build, with no rebuild:

        >>> import json, tempfile
        >>> from datetime import UTC, datetime
        >>> from ketapub import build, make_app, testing
        >>> series = testing.sample_series()
        >>> def titles(app, path):
        ...     reply = b"".join(app({"PATH_INFO": path}, lambda status, headers: None))
        ...     return [item["title"] for item in json.loads(reply)["items"]]
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     out = tmp + "/out"
        ...     _ = build(series, out, formats="jsonfeed", as_of="2025-03-01")
        ...     early = make_app(series, out, clock=lambda: datetime(2025, 3, 1, tzinfo=UTC))
        ...     late = make_app(series, out, clock=lambda: datetime(2030, 1, 1, tzinfo=UTC))
        ...     titles(early, "/feed/feed.json"), titles(late, "/feed/feed.json")
        (['Second part', 'First part'], ['Third part', 'Second part', 'First part'])
    """
    folder = None if isinstance(source, Series) else Path(source)
    series = source if isinstance(source, Series) else load(source)
    options = BuildOptions(templates=tuple(str(Path(t)) for t in templates))
    return FeedServer(series, Path(out), clock=clock or _now, registry=registry,
                      options=options, live=live, source=folder,
                      reload_interval=reload_interval, websub_hub=websub_hub)


__all__ = ["FeedServer", "make_app"]
