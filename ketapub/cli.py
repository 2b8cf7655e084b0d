"""The command line: build, validate, schedule, renderers, serve.

Exit status: 0 success; 1 the source or a render failed (each problem printed as
``path:line:column: message``, never a traceback); 2 wrong usage; 130 Ctrl-C, 143 SIGTERM
(both stop a build the same way).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console
from rich.table import Table

from ketapub import schedule as sched
from ketapub.errors import (
    KetapubError,
    PluginError,
    RendererError,
    Severity,
    SourceError,
    UsageError,
)
from ketapub.terminal import cell, json_visible, visible

if TYPE_CHECKING:
    from datetime import datetime

    from ketapub.model import Series

err = Console(stderr=True, highlight=False, soft_wrap=True)
stdout = Console(highlight=False, soft_wrap=True)


def say(console: Console, text: object, *, newlines: bool = False) -> None:
    """Print one message.

    Content in it (file names, titles, quoted values) may hold terminal escapes or bidi overrides,
    so every control is shown as an escape (see ``ketapub.terminal``); no rich markup is read
    from it.

    Args:
        console: stdout's or stderr's console.
        text: the message; its ``str()`` is printed.
        newlines: keep its line breaks (a traceback); default False.
    """
    console.print(visible(text, newlines=newlines), markup=False)


def _debugging() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.meta.get(DEBUG))


def _traceback(exc: BaseException) -> None:
    if _debugging():
        say(err, "".join(traceback.format_exception(exc)).rstrip(), newlines=True)


def _fail(exc: KetapubError) -> NoReturn:
    if isinstance(exc, PluginError):  # an installed plugin is broken: not a usage mistake
        _traceback(exc)
        say(err, f"ketapub: {exc}")
        sys.exit(1)
    if isinstance(exc, SourceError):
        for d in exc.diagnostics:
            say(err, str(d))
        n = sum(1 for d in exc.diagnostics if d.severity is Severity.ERROR)
        say(err, f"{n} problem{'s' if n != 1 else ''} found; nothing was written.")
        sys.exit(1)
    if isinstance(exc, UsageError | RendererError):
        say(err, f"ketapub: {exc}")
        sys.exit(2)
    from ketapub.build import BuildError

    if isinstance(exc, BuildError):
        for e in exc.result.errors:
            if _debugging() and e.detail:
                say(err, e.detail.rstrip(), newlines=True)
            say(err, str(e))
        say(err, f"{len(exc.result.errors)} artifact(s) failed; the others were written and "
            "the failed ones keep their previous files.")
        sys.exit(1)
    _traceback(exc)
    say(err, str(exc))
    sys.exit(1)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that a stopped build cleans up the same way.

    Raised where Ctrl-C raises KeyboardInterrupt, so that a service manager or ``kill`` stops a
    build exactly as Ctrl-C does (workers stopped, spool removed).
    """


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            previous = signal.signal(signal.SIGTERM, _on_sigterm)
        except ValueError:  # not the main thread: leave signals to the host program
            previous = None
        try:
            return fn(*args, **kwargs)
        except KetapubError as exc:
            _fail(exc)
        except KeyboardInterrupt as exc:
            say(err, "interrupted; the output folder is as the last completed build left it")
            sys.exit(143 if isinstance(exc, Terminated) else 130)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _print_warnings(warnings: Any) -> None:
    for d in warnings:
        if isinstance(d, PluginError):
            say(err, f"ketapub: warning: {d}; built without it (fix or uninstall "
                f"{d.package or 'its package'}, or choose renderers with --format)")
        else:
            say(err, str(d))


DEBUG = "ketapub.debug"
debug_option = click.option(
    "--debug", is_flag=True, expose_value=False, is_eager=True,
    callback=lambda ctx, _param, value: ctx.meta.update({DEBUG: True}) if value else None,
    help="Print the traceback behind a failure (a render, a plugin that fails to import).")


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


SUMMARY_ROWS = 60
"""Above this many artifacts the build summary groups them by renderer."""


def default_source(_ctx: click.Context | None = None, _param: object = None,
                   value: str | None = None) -> str:
    """The source folder a command works on when none is given.

    SOURCE as given, else the current folder when it holds series.yaml (a user working inside a
    series folder), else ``content``.

    Args:
        _ctx: click's context (unused).
        _param: click's parameter (unused).
        value: SOURCE as given, or None.
    """
    if value is not None:
        return value
    return "." if Path("series.yaml").is_file() else "content"


source_arg = click.argument("source", required=False, callback=default_source,
                            type=click.Path(file_okay=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ketapub")
@debug_option
def main() -> None:
    """Turn one article-series source into PDF handouts, an EPUB, feeds and HTML fragments."""


@main.command()
@source_arg
@click.option("-o", "--out", default="output", show_default=True, type=click.Path(),
              help="Output folder.")
@click.option("--format", "formats", multiple=True, metavar="NAME",
              help="Renderer to run (repeat or comma-separate); default: all installed.")
@click.option("--as-of", metavar="ISO8601", help="Build as of this instant (default: now, or "
              "SOURCE_DATE_EPOCH when set). Naive times are in the series timezone.")
@click.option("--templates", multiple=True, type=click.Path(file_okay=False, exists=True),
              metavar="DIR", help="Template folder searched before the built-ins (repeatable).")
@click.option("--brand", "brands", multiple=True, metavar="ID|all",
              help="Also make branded handouts for this clinic profile, or all of them.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: one per core).")
@click.option("--dask-scheduler", metavar="ADDRESS", default=None,
              help="Render on the workers of this Dask cluster (tcp://host:8786, as 'dask "
              "scheduler' prints it) instead of local processes; needs the dask extra.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--large-print", is_flag=True, help="Also make large-print handouts and booklet "
              "(body 16 pt or more) under pdf/large-print/ and pdf/<brand>/large-print/.")
@click.option("--set", "settings", multiple=True, metavar="RENDERER.OPTION=VALUE",
              help="Set a renderer's option (repeatable), e.g. pdf.page_size=Letter; "
              "'ketapub renderers --options' lists them.")
@click.option("--page-size", type=click.Choice(["A4", "Letter"], case_sensitive=False),
              default=None, help="Shorthand for --set pdf.page_size=SIZE: page size of "
              "handouts and booklet (default: brand, series, else A4).")
@click.option("--heading-level", type=click.IntRange(1, 5), default=None,
              help="Shorthand for --set html.heading_level=N: heading level of a part "
              "title in HTML fragments (default 2).")
@click.option("--force", is_flag=True, help="Render everything, even unchanged artifacts.")
@click.option("--ahead", is_flag=True, help="Also render each future release state into the "
              "hidden .embargo/ folder, so 'ketapub serve' switches every file at the instant.")
@click.option("--quiet", "-q", is_flag=True, help="Print only problems.")
@click.option("--verbose", "-v", is_flag=True, help="Also say why a branded handout or the "
              "booklet was laid out whole instead of stamped or assembled, and how much of "
              "the booklet was laid out again.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS", help="Stop any one render that takes longer (it fails; the "
              "rest of the build lands).")
@click.option("--memory-limit", type=click.IntRange(min=1), default=None, metavar="MB",
              help="Stop any one render that allocates more than this.")
@debug_option
@_guard
def build(source: str, out: str, formats: tuple[str, ...], as_of: str | None,
          templates: tuple[str, ...], brands: tuple[str, ...], jobs: int | None, strict: bool,
          large_print: bool, settings: tuple[str, ...], page_size: str | None,
          heading_level: int | None, force: bool, quiet: bool, timeout: float | None = None,
          memory_limit: int | None = None, ahead: bool = False, verbose: bool = False,
          dask_scheduler: str | None = None) -> None:
    """Build SOURCE into the output folder.

    SOURCE defaults to the current folder when it holds series.yaml, else content/.
    """
    from ketapub.budget import Budget, load_within
    from ketapub.build import build as run_build
    from ketapub.build import options_for, select_renderers
    from ketapub.load import load
    from ketapub.outdir import check_output
    from ketapub.progress import Reporter
    from ketapub.render.options import parse_settings
    from ketapub.worker_log import shown

    check_output(out, source, UsageError)  # before any work
    shorthands = [f"pdf.page_size={page_size}"] if page_size else []
    shorthands += [f"html.heading_level={heading_level}"] if heading_level else []
    options = options_for(parse_settings((*shorthands, *settings)), text=True)
    budget = Budget(timeout, memory_limit) if timeout or memory_limit else None
    # loading is work on untrusted input too: under the same budget as rendering
    series = (load_within(budget, source, strict=strict) if budget
              else load(source, strict=strict))
    _print_warnings(series.warnings)
    skipped: list[PluginError] = []  # installed plugins that fail to import: warned, left out
    chosen = [r.name for r in select_renderers(formats or None, strict=strict, skipped=skipped)]
    _print_warnings(skipped)
    told = shown(lambda line: say(err, line)) if verbose else contextlib.nullcontext()
    with contextlib.ExitStack() as stack:
        executor = None
        if dask_scheduler:
            from ketapub.dask_executor import connect

            executor = stack.enter_context(connect(dask_scheduler))
        with told, Reporter(err, enabled=not quiet) as reporter:
            result = run_build(series, out, formats=chosen, as_of=as_of,
                               templates=templates, brands=brands, jobs=jobs, strict=strict,
                               large_print=large_print, options=dict(options), force=force,
                               progress=reporter, budget=budget, ahead=ahead,
                               executor=executor)
    if not quiet:
        _summary(result, out, series.tz)


def _summary(result: Any, out: str, tz: Any) -> None:
    """The table of what the build made, and the next release."""
    from ketapub.embargo import is_embargo_path

    artifacts = [a for a in result.artifacts if not is_embargo_path(a.path)]
    table = Table(title=cell(f"ketapub build: {len(artifacts)} artifacts in {out}"),
                  title_justify="left")
    rendered = set(result.rendered)
    if len(artifacts) <= SUMMARY_ROWS:
        table.add_column("artifact")
        table.add_column("renderer")
        table.add_column("size", justify="right")
        table.add_column("status")
        for a in artifacts:
            table.add_row(cell(a.path), cell(a.renderer), _size(a.bytes),
                          "rendered" if a.path in rendered else "unchanged")
    else:  # hundreds of branded handouts: one row per renderer, not per file
        for col in ("renderer", "artifacts", "rendered", "total size"):
            table.add_column(col, justify="left" if col == "renderer" else "right")
        for name in sorted({a.renderer for a in artifacts}):
            mine = [a for a in artifacts if a.renderer == name]
            table.add_row(cell(name), str(len(mine)), str(sum(a.path in rendered for a in mine)),
                          _size(sum(a.bytes for a in mine)))
    out_console = Console(highlight=False, width=max(100, stdout.width))
    out_console.print(table)
    _ahead_summary(out_console, result)
    nxt = result.next_release
    say(out_console,
        f"{len(result.rendered)} rendered, {len(result.skipped)} unchanged, "
        f"{len(result.removed)} removed in {result.seconds:.2f} s; next release: "
        + (nxt.astimezone(tz).isoformat() if nxt else "none (every part is released)"))


def _ahead_summary(console: Console, result: Any) -> None:
    """One line for the files of the future release states (``--ahead``), if any."""
    from ketapub.embargo import is_embargo_path

    ahead = [a.path for a in result.artifacts if is_embargo_path(a.path)]
    if ahead:
        states = len({path.split("/")[1] for path in ahead})
        say(console, f"ahead: {len(ahead)} files of {states} future release "
            f"state{'' if states == 1 else 's'} in .embargo/ "
            f"({len(set(ahead) & set(result.rendered))} rendered now)")


@main.command()
@source_arg
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--as-of", metavar="ISO8601", help="Instant to check review due dates at "
              "(default: SOURCE_DATE_EPOCH, else now).")
@_guard
def validate(source: str, strict: bool, as_of: str | None = None) -> None:
    """Check SOURCE, its readability and its medical review dates.

    Reports each part's readability, by a formula for its language, and medical reviews due
    within 30 days or overdue.
    """
    from ketapub.load import load

    series = load(source, strict=strict)
    _print_warnings(series.warnings)
    late = _review_warnings(series, source, as_of, strict)
    over = []
    for edition in series.editions:  # each language by its own formula
        over += _readability_table(edition)
    for p, msg in over:
        folder = source.rstrip("/")
        shown = f"{folder}/{p.source.path}" if folder not in ("", ".") else p.source.path
        line = f"{shown}:{p.body_line}:1: "
        say(err, line + ("" if strict else "warning: ") + msg)
    for d in late:  # an overdue review fails --strict
        say(err, str(d))
    if strict and (over or late):
        sys.exit(1)
    languages = ("; translated into " + ", ".join(e.language for e in series.translations)
                 if series.translations else "")
    say(stdout, f"ok: {len(series.parts)} parts, {len(series.brands)} brands, "
        f"{len(series.assets)} assets{languages}")


def _readability_table(series: Series) -> list[tuple[Any, str]]:
    """Print one language's table of parts and readability.

    Return the parts over the formula's limit with the reason.
    """
    from ketapub.readability import formula_for, score_markdown

    formula = formula_for(series.language)
    lang = f" [{series.language}]" if series.original_language else ""
    table = Table(title=cell(f"{series.title}{lang}: {len(series.parts)} parts"),
                  title_justify="left")
    for col in ("part", "file", "words") + (("readability",) if formula else ()):
        table.add_column(col, justify="right" if col in ("part", "words") else "left")
    over = []
    for p in series.parts:
        score = score_markdown(p.body, series.language)
        table.add_row(str(p.part), cell(p.source.path), str(p.word_count),
                      *((cell(score.describe()),) if formula else ()))
        if (problem := score.problem()) is not None:
            over.append((p, problem))
    Console(highlight=False, width=max(130, stdout.width)).print(table)
    if formula is None:
        say(stdout, f"no readability formula for {series.language}; readability is not "
            "checked")
    return over


def _review_warnings(series: Any, source: str, as_of: str | None,
                     strict: bool) -> list[Any]:
    """Print the review due messages as of ``as_of``.

    Return the overdue ones when ``strict`` makes them errors (printed with the other errors, at the
    end).
    """
    from ketapub.review_due import check, overdue

    reviews = check(series, sched.resolve_as_of(as_of, series.tz), source)
    fatal = [strict and overdue(d) for d in reviews]
    _print_warnings([d for d, f in zip(reviews, fatal, strict=True) if not f])
    return [d.as_error() for d, f in zip(reviews, fatal, strict=True) if f]


@main.command()
@source_arg
@click.option("--as-of", metavar="ISO8601", help="Instant to evaluate the schedule at.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (ISO 8601 instants).")
@_guard
def schedule(source: str, as_of: str | None, as_json: bool) -> None:
    """Show each part's release instant and status, and the next release.

    A series with translations shows each language's schedule after the original's.
    """
    from ketapub.load import load

    series = load(source)
    when = sched.resolve_as_of(as_of, series.tz)
    nxt = sched.next_release(series, when)
    nxt_change = sched.next_change(series, when)
    if as_json:
        data: dict[str, Any] = {
            "series": series.title,
            "timezone": series.timezone,
            "as_of": when.isoformat(),
            "next_release": nxt.isoformat() if nxt else None,
            "next_change": nxt_change.astimezone(series.tz).isoformat() if nxt_change else None,
            "parts": [_schedule_json(e) for e in sched.entries(series, when)],
        }
        if series.translations:
            data["translations"] = {
                e.language: {"title": e.title,
                             "parts": [_schedule_json(x) for x in sched.entries(e, when)]}
                for e in series.translations}
        click.echo(json_visible(json.dumps(data, indent=2, ensure_ascii=False)))
        return
    console = Console(highlight=False, width=max(110, stdout.width))
    for edition in series.editions:
        console.print(_schedule_table(edition, when))
    say(console, "next release: " + (nxt.astimezone(series.tz).isoformat() if nxt else "none"))


def _schedule_table(series: Series, when: datetime) -> Table:
    entries = sched.entries(series, when)
    lang = f" [{series.language}]" if series.original_language else ""
    table = Table(title=cell(f"{series.title}{lang} (as of "
                             f"{when.astimezone(series.tz).isoformat()})"),
                  title_justify="left")
    extra = _schedule_extra(entries)
    for col in ("part", "title", f"release ({series.timezone})", "status", *extra):
        table.add_column(cell(col))
    for e in entries:
        table.add_row(str(e.part), cell(e.title), cell(e.release.strftime("%Y-%m-%d %H:%M %Z")),
                      e.status, *(cell(show(e)) for show in extra.values()))
    return table


def _out(text: str) -> None:
    say(stdout, text, newlines=True)


@main.command()
@source_arg
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: the findings as one JSON object, for CI.")
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@click.option("--explain", metavar="KPnnn", help="Print what a code means and exit.")
@_guard
def lint(source: str, fmt: str, strict: bool, explain: str | None) -> None:
    """Check the prose of SOURCE's parts: coded plain-language and accessibility findings."""
    from ketapub.lint.command import run_lint

    sys.exit(run_lint(source, fmt, strict, explain, _out))


@main.command()
@click.argument("part")
@click.option("--source", default=None, metavar="DIR",
              help="Series folder, when PART is a number (default: as for build).")
@_guard
def cci(part: str, source: str | None) -> None:
    """Score PART (a number or a part file) on the CDC Clear Communication Index.

    Items 7, 8 and 15 are scored from the text; answer the others (numbered 1 to 20 as on
    the CDC's full score sheet) in the part's front matter: cci: {1: yes, 12: na}. A
    helper, not a validated instrument.
    """
    from ketapub.cci_command import run_cci

    sys.exit(run_cci(part, source or default_source(), _out))


def _schedule_json(e: sched.Entry) -> dict[str, Any]:
    """One part of ``schedule --json``: ``ends_at`` only for a part that ends."""
    return {"part": e.part, "slug": e.slug, "title": e.title,
            "publish_at": e.release.isoformat(), "status": e.status,
            **({"ends_at": e.ends.isoformat()} if e.ends else {}),
            "review_due": e.review_due.isoformat() if e.review_due else None}


def _schedule_extra(entries: list[sched.Entry]) -> dict[str, Callable[[sched.Entry], str]]:
    """The table's optional columns, each only when some part has a value for it."""
    columns: dict[str, Callable[[sched.Entry], str]] = {
        "ends": lambda e: e.ends.strftime("%Y-%m-%d %H:%M:%S %Z") if e.ends else "",
        "review due": lambda e: e.review_due.isoformat() if e.review_due else ""}
    return {name: show for name, show in columns.items() if any(show(e) for e in entries)}


@main.command()
@click.option("--options", "show_options", is_flag=True,
              help="List every renderer's options (set them with build --set).")
@debug_option
@_guard
def renderers(show_options: bool) -> None:
    """List the installed renderers; a plugin that fails to import is listed as broken."""
    from ketapub.render.registry import installed

    reg = installed()
    _, broken = reg.usable()
    failed = {p.name: p for p in broken}
    table = _options_table(reg, failed) if show_options else _renderers_table(reg, failed)
    Console(highlight=False, width=max(110, stdout.width)).print(table)
    for failure in broken:
        _traceback(failure)
        say(err, f"ketapub: broken renderer: {failure}")
    if broken:
        sys.exit(1)


def _renderers_table(reg: Any, failed: dict[str, PluginError]) -> Table:
    table = Table(title="installed renderers", title_justify="left")
    table.add_column("name")
    table.add_column("class")
    table.add_column("description")
    for name in reg.names():
        if name in failed:
            table.add_row(cell(name), cell(failed[name].entry_point.split(" = ", 1)[1]),
                          "BROKEN: fails to load (see below)")
            continue
        cls = reg.get(name)
        table.add_row(cell(name), cell(f"{cls.__module__}.{cls.__qualname__}"),
                      cell(cls.description))
    return table


def _options_table(reg: Any, failed: dict[str, PluginError]) -> Table:
    """One row per option: ``--set RENDERER.OPTION=VALUE`` sets it."""
    from ketapub.render.options import describe

    table = Table(title="renderer options (build --set RENDERER.OPTION=VALUE)",
                  title_justify="left")
    for col in ("option", "type", "default", "help"):
        table.add_column(col)
    for name in reg.names():
        if name in failed:
            table.add_row(cell(name), "", "", "BROKEN: fails to load (see below)")
            continue
        declared = describe(name, reg.get(name).options_class)
        if not declared:
            table.add_row(cell(name), "", "", "no options")
        for o in declared:
            table.add_row(cell(f"{o.renderer}.{o.name}"), cell(o.type), cell(repr(o.default)),
                          cell(o.help))
    return table


@main.command()
@source_arg
@click.option("-o", "--out", default="output", show_default=True,
              type=click.Path(file_okay=False), help="Built output folder to serve.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--templates", multiple=True, type=click.Path(file_okay=False, exists=True),
              metavar="DIR", help="Template folder searched before the built-ins (repeatable).")
@click.option("--threads", type=click.IntRange(min=1), default=4, show_default=True,
              help="Worker threads.")
@click.option("--websub-hub", default=None, metavar="URL",
              help="WebSub hub to ping at each release instant (default: the series' "
              "websub_hub, if set).")
@click.option("--watch", "watching", is_flag=True, help="Build, preview and rebuild on each "
              "edit instead: 'ketapub watch' with these options (see it for the others).")
@_guard
def serve(source: str, out: str, host: str, port: int, templates: tuple[str, ...],
          threads: int, websub_hub: str | None = None, watching: bool = False) -> None:
    """Serve the output folder.

    Feeds are evaluated at each request, so a part appears the instant it is released, with no
    rebuild.
    """
    if watching:
        if websub_hub is not None:
            raise UsageError("--websub-hub: a watched preview pings no hub; serve the "
                             "built folder without --watch to ping one")
        click.get_current_context().invoke(watch, source=source, out=out, host=host,
                                           port=port, templates=templates)
        return
    import waitress

    from ketapub.serve import make_app

    if websub_hub is not None and not websub_hub.startswith(("https://", "http://")):
        raise UsageError(f"--websub-hub: {websub_hub!r} is not an http(s) URL")
    app = make_app(source, out, templates=templates, websub_hub=websub_hub)
    if not app.states() and any(
            not sched.released(p) for p in app.series.parts):
        say(err, f"ketapub: the build in {out} holds no future release state; a part "
            "released while serving shows in the live feeds only, its other files wait for "
            "a rebuild (build with --ahead to switch everything at the instant)")
    pinger = app.pinger(log=sys.stderr)
    stop_pinger = pinger.start() if pinger is not None else None
    if not (Path(out) / "manifest.json").is_file():
        say(err, f"ketapub: no build in {out} (no manifest.json); only the live feeds are "
            "served until you run 'ketapub build'")
    server = waitress.create_server(app, host=host, port=port, threads=threads,
                                    ident="ketapub")
    shown = f"[{host}]" if ":" in host else host
    live = ", ".join(sorted(app.live_paths()))
    click.echo(visible(f"serving {out} at http://{shown}:{server.effective_port}/ "
                       f"(feeds live: {live}); Ctrl+C stops"), err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if stop_pinger is not None:
            stop_pinger()


@main.command()
@source_arg
@click.option("-o", "--out", default="output", show_default=True,
              type=click.Path(file_okay=False), help="Output folder, kept up to date.")
@click.option("--format", "formats", multiple=True, metavar="NAME",
              help="Renderer to run (repeat or comma-separate); default: all installed.")
@click.option("--as-of", metavar="ISO8601", help="Build as of this instant (default: now).")
@click.option("--templates", multiple=True, type=click.Path(file_okay=False, exists=True),
              metavar="DIR", help="Template folder searched before the built-ins (repeatable); "
              "watched too.")
@click.option("--brand", "brands", multiple=True, metavar="ID|all",
              help="Also make branded handouts for this clinic profile, or all of them.")
@click.option("--large-print", is_flag=True, help="Also make large-print handouts and booklet.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes kept warm (default: one per core; 1: none).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@_guard
def watch(source: str, out: str, formats: tuple[str, ...], as_of: str | None,
          templates: tuple[str, ...], brands: tuple[str, ...], large_print: bool,
          jobs: int | None, host: str, port: int, strict: bool) -> None:
    """Build SOURCE, preview every output, and rebuild on each edit.

    The preview is served at /; an edit of the source or a template rebuilds only what it
    changed, and the preview reloads itself.
    """
    from ketapub.build import format_names
    from ketapub.outdir import check_output
    from ketapub.watch import Watcher, serve_watch

    check_output(out, source, UsageError)
    watcher = Watcher(source, out, as_of=as_of, formats=format_names(formats or None),
                      templates=templates, brands=brands, large_print=large_print,
                      jobs=jobs, strict=strict, report=lambda line: say(err, line))
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C and SIGTERM stop it cleanly
        serve_watch(watcher, host, port, threads=8, ready=lambda url: say(
            err, f"ketapub watch: preview at {url}; watching {source}; Ctrl+C stops"))
    say(err, "ketapub watch: stopped")


def run() -> None:  # pragma: no cover - console entry point alias
    """Run the command line (an alias of ``main()`` for console entry points)."""
    main()


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]) or "ketapub")
