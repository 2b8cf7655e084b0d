"""The renderer interface: a renderer plans jobs from a series and renders one job to bytes.

Everything here is immutable and picklable, so a job can render in another process (or on
another machine, through any ``concurrent.futures.Executor``) and give the same bytes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar

from ketapub import i18n, review_due, schedule, tree
from ketapub.model import Brand, Change, Part, Series
from ketapub.render.builtin import (  # re-exported: plugins import it from here
    builtin_templates_dir as builtin_templates_dir,
)
from ketapub.render.options import NoOptions, RendererOptions

OptionsT = TypeVar("OptionsT", bound=RendererOptions)


@dataclass(frozen=True)
class BuildOptions:
    """What the caller asked for, beyond the source and the instant.

    The scopes a build covers (brands, large print), the template folders, and each renderer's own
    options.

    ``brands`` and ``large_print`` are here, not options of the PDF renderer, because they
    choose which outputs exist across every renderer (a third-party renderer may make
    branded or large-print files too) and a partial build removes old outputs by those
    scopes; they are not part of any input hash. Everything that only changes how one
    renderer writes its bytes is that renderer's option (``renderers``).
    """

    brands: tuple[str, ...] = ()
    """Brand ids whose branded handouts to make; ("all",) for every profile."""
    large_print: bool = False
    """Also make the large-print variant. Like ``brands`` it decides which jobs exist (a
    renderer plans them with ``variant="large-print"`` and renders by ``job.variant``); it is
    not part of an artifact's input hash."""
    templates: tuple[str, ...] = ()
    """User template folders, highest priority first."""
    renderers: tuple[tuple[str, RendererOptions], ...] = ()
    """(renderer name, its checked options), sorted by name; a renderer missing here uses
    its defaults. Read them with ``MyRenderer.options(ctx)``."""

    def of(self, renderer: str) -> RendererOptions | None:
        """The options set for ``renderer``, or None when it runs with its defaults.

        Args:
            renderer: the renderer's name.
        """
        return dict(self.renderers).get(renderer)


@dataclass(frozen=True)
class Job:
    """One artifact to make: where it goes and what it depends on."""

    renderer: str
    """The name of the renderer that planned the job and renders it."""
    path: str
    """Output-relative POSIX path, e.g. ``pdf/01-intro.pdf``."""
    kind: str = ""
    """What the renderer makes (``"handout"``, ``"feed"``...), for its own dispatch."""
    part: int | None = None
    """The part the artifact is about, if one."""
    brand: str | None = None
    """The brand id of a branded artifact, else None."""
    parts: tuple[int, ...] | None = None
    """Parts whose content this artifact shows (None: every part), for incremental builds."""
    depends_on: tuple[str, ...] = ()
    """Paths of other artifacts of the same build whose bytes this one needs (e.g. enclosures)."""
    params: tuple[tuple[str, Any], ...] = ()
    """Anything else the renderer needs at render time, as (key, value) pairs: hashed,
    so a change re-renders (read them with ``param()``)."""
    input_hash: str = ""
    """Set by the planner: a hash of everything the bytes depend on; unchanged, the
    file is kept."""
    variant: str = ""
    """"" for the standard artifact, "large-print" for its large-print twin. With ``renderer``
    and ``brand`` it makes the job's *variant scope*: a build removes an old output only
    from the scopes it was asked to make (see the README, "Partial builds")."""
    embargo: tuple[int, ...] | None = None
    """Parts that must all be released before ``serve`` hands the file out, when that is not
    ``parts``: ``()`` for a card (it shows what the hub shows of its part: title, summary,
    date, never its text), the parts that show a figure for the figure's copy. None: as
    ``parts``. Not hashed: it decides when the file is served, not its bytes."""
    live: bool = False
    """The file lists what is released (a feed, a calendar, a hub), so it changes at each
    release without a rebuild: ``serve`` renders it as of each request instead of handing
    out the built file. Not hashed: it decides how the file is served, not its bytes."""
    edition: str = ""
    """The language of the edition this job belongs to when it is a translation (``es``);
    "" for the original. Its ``path`` and ``depends_on`` are then the edition's output
    paths (``pdf/es/...``); the renderer is handed the job with the original's paths and a
    context of that edition (see ``ketapub.editions.render_job()``), so a renderer never
    deals with languages."""

    @property
    def shows(self) -> tuple[int, ...] | None:
        """The parts whose text the file shows, for its embargo.

        Parts whose text the file shows, so it is embargoed until all are released (None: every part
        released as of the build, a whole-series file).
        """
        return self.parts if self.embargo is None else self.embargo

    def param(self, key: str, default: Any = None) -> Any:
        """A value the renderer stored in ``params`` when it planned this job.

        Args:
            key: the parameter's name.
            default: returned when the job has no such parameter; default None.
        """
        return dict(self.params).get(key, default)


@dataclass(frozen=True)
class Artifact:
    """A rendered output: its bytes and how to serve them."""

    path: str
    """The job's path: where the bytes go in the output folder."""
    data: bytes = field(repr=False)
    """The file's bytes."""
    media_type: str
    """Served as the Content-Type (``application/pdf``)."""
    renderer: str = ""
    """The name of the renderer that made it."""


@dataclass(frozen=True)
class ArtifactInfo:
    """What a dependent job may know about another artifact of the same build."""

    path: str
    """The artifact's path in the output folder."""
    sha256: str
    """The hex sha256 of its bytes."""
    bytes: int
    """Its size (a feed enclosure's ``length``)."""
    media_type: str
    """Its Content-Type."""


@dataclass(frozen=True)
class Review:
    """Who medically reviewed what a reader sees, and when (``on`` None: no date given)."""

    reviewer: str
    credentials: str | None
    on: date | None

    @property
    def who(self) -> str:
        """The reviewer with their credentials, as a handout names them."""
        return f"{self.reviewer}, {self.credentials}" if self.credentials else self.reviewer


@dataclass(frozen=True)
class RenderContext:
    """Everything a renderer may use: the series, the instant, the options. Nothing else."""

    series: Series
    """The loaded series."""
    as_of: datetime
    """The build instant (aware, UTC): what is released is decided by it."""
    options: BuildOptions = BuildOptions()
    """The build's options: brands, large print, template folders, renderer
    options."""
    deps: Mapping[str, ArtifactInfo] = field(default_factory=dict)
    """The infos of the artifacts this job ``depends_on``, by path."""
    planned: tuple[str, ...] = ()
    """Every artifact path planned in this build (to know what else is being made)."""
    home: Series | None = None
    """In the context of a translation: the original series (which holds every edition);
    None in the original's own context."""

    # --- schedule -------------------------------------------------------------------
    def is_released(self, part: Part) -> bool:
        """True when ``part`` is published as of this build's instant.

        Released, and not expired or withdrawn (an ended part is shown nowhere but as withdrawn).

        Args:
            part: a part of the series.
        """
        return schedule.published(part, self.as_of)

    def is_withdrawn(self, part: Part) -> bool:
        """True when ``part`` has expired or been withdrawn as of this build's instant.

        Args:
            part: a part of the series.
        """
        return schedule.ended(part, self.as_of)

    @property
    def withdrawn(self) -> tuple[Part, ...]:
        """The parts expired or withdrawn as of this build's instant."""
        return schedule.ended_parts(self.series, self.as_of)

    def withdrawal(self, part: Part) -> str:
        """"Withdrawn 1 December 2026: <reason>" for an ended part, in the series language.

        Args:
            part: an expired or withdrawn part.
        """
        s = self.series
        end = part.ends_at
        if end is None:
            return ""
        return i18n.labels(s.language)["withdrawn_on"].format(
            date=self.format_date(end, "long"), reason=schedule.end_reason(part, s.language))

    def changes(self, part: Part) -> tuple[Change, ...]:
        """``part``'s corrections shown as of this build ("What changed"), newest first.

        Args:
            part: a part of the series.
        """
        return schedule.changes(part, self.as_of)

    @property
    def released(self) -> tuple[Part, ...]:
        """The parts released as of the build, by number."""
        return schedule.released_parts(self.series, self.as_of)

    @property
    def unreleased(self) -> tuple[Part, ...]:
        """The parts whose release is still to come (never an ended part)."""
        return schedule.unreleased_parts(self.series, self.as_of)

    @property
    def next_release(self) -> datetime | None:
        """The next release instant after the build's, or None when every part is out."""
        return schedule.next_release(self.series, self.as_of)

    @property
    def last_modified(self) -> datetime | None:
        """Newest ``modified()`` instant of a released part: the date feeds and books carry.

        Never after ``as_of``.
        """
        return schedule.last_modified(self.series, self.as_of)

    def modified(self, part: Part) -> datetime:
        """``part``'s last-modified date as of the build.

        Its ``updated_at`` once that has come, else its ``publish_at``. Use it (never
        ``part.updated_at``) for a part's modification date, so no output dates anything after
        ``as_of``.

        Args:
            part: a part of the series.
        """
        return schedule.modified(part, self.as_of)

    def updated(self, part: Part) -> datetime | None:
        """The date of ``part``'s "Updated" line.

        Its ``updated_at`` once that has come, else None (no line).

        Args:
            part: a part of the series.
        """
        return schedule.updated(part, self.as_of)

    def web_url(self, path: str) -> str:
        """Absolute URL of a published file (an asset, a feed), under ``base_url``.

        Args:
            path: the file's path under the site root (``feed/rss.xml``), unescaped; any
                character outside a URL's (``café.png``, a space) is percent-encoded as UTF-8.
        """
        return self.series.file_url(path)

    def web_link(self, part: Part, anchor: str | None = None) -> str:
        """A ``part:`` link policy for the web: the part's public URL (and anchor).

        Args:
            part: the linked part.
            anchor: a heading id in it; default None: the part itself.
        """
        url = self.series.part_url(part)
        return f"{url}#{anchor}" if anchor else url

    # --- words and dates in the series language ------------------------------------------
    def format_date(self, value: Any, style: str = "medium") -> str:
        """A date or instant written in the series language, in the series timezone.

        Args:
            value: a date or an aware datetime.
            style: a Babel date style (``short``, ``medium``, ``long``, ``full``); default
                ``"medium"``.
        """
        return i18n.format_date(value, self.series.language, self.series.tz, style)

    def available(self, part: Part) -> str:
        """"Available 1 September 2025" for an unreleased part, in the series language.

        For an expired or withdrawn part its ``withdrawal()`` line (so a cross-reference to it
        says why it cannot be read, in every format).

        Args:
            part: the part, whatever its status.
        """
        if self.is_withdrawn(part):
            return self.withdrawal(part)
        return i18n.available(part.publish_at, self.series.language, self.series.tz)

    def review(self, part: Part | None, *, fallback: bool = True) -> Review | None:
        """The medical review to print with ``part``.

        Its own when it names a reviewer (with or without a date), else the series' review, unless
        ``fallback`` is off (a part inside a whole-series artifact, which prints the series' review
        once). ``None``: the series'. One rule for every renderer, so no format credits a reviewer
        another does not.

        Args:
            part: the part shown, or None for the series as a whole.
            fallback: use the series' review when the part names no reviewer; default True.
        """
        if part is not None and part.reviewed_by:
            return Review(part.reviewed_by, None, part.reviewed_on)
        mr = self.series.medical_review
        if mr is None or (part is not None and not fallback):
            return None
        return Review(mr.reviewer, mr.credentials, mr.reviewed_on)

    def review_due(self, part: Part | None, *, fallback: bool = True) -> date | None:
        """When the review shown with ``part`` is next due (see ``ketapub.review_due``).

        With ``fallback`` off, only a due date of the part's own that differs from the series'
        (which a whole-series artifact prints once). ``None`` part: the series'.

        Args:
            part: the part shown, or None for the series as a whole.
            fallback: return the series' due date when the part has no other; default True.
        """
        if part is None or fallback:
            return review_due.due(self.series, part)
        return review_due.own_due(self.series, part)

    def review_text(self, review: Review | None, due: date | None = None) -> str:
        """The medical review line of a handout or page, in the series language.

        For example "Medically reviewed by Dr X, MD on 1 September 2025; next review due
        1 September 2026."; "" for neither a review nor a due date.

        Args:
            review: what ``review()`` returned.
            due: what ``review_due()`` returned; default None: no due date.
        """
        t = i18n.labels(self.series.language)
        later = self.format_date(due, "long") if due is not None else None
        if review is None:
            return t["next_review"].format(date=later) + "." if later else ""
        if review.on is None:
            text = t["reviewed_by"].format(who=review.who)
        else:
            text = t["reviewed"].format(who=review.who, date=self.format_date(review.on, "long"))
        return text + (f"; {t['review_due'].format(date=later)}." if later else ".")

    def review_line(self, part: Part | None, *, fallback: bool = True) -> str:
        """``review_text()`` of ``review()`` and ``review_due()`` of ``part``.

        The one line every format prints about its review.

        Args:
            part: the part shown, or None for the series as a whole.
            fallback: as for ``review()``; default True.
        """
        return self.review_text(self.review(part, fallback=fallback),
                                self.review_due(part, fallback=fallback))

    def brands(self) -> tuple[Brand, ...]:
        """The brands whose handouts this build makes (``options.brands``; "all": every one)."""
        wanted = self.options.brands
        if not wanted:
            return ()
        if "all" in wanted:
            return self.series.brands
        return tuple(b for b in self.series.brands if b.id in wanted)

    # --- content ----------------------------------------------------------------------
    def document(self, part: Part) -> tree.Document:
        """The sanitised document tree of ``part``'s body, made once per process.

        A ``Translator`` writes it in a format.

        Ids are the part's own (``dosing``, ``ref.smith``, ``fn.1``); cross-references name
        their target part by number and stay symbolic (released or not is the translator's
        question); images name the series asset they show.

        Args:
            part: a part of the series.
        """
        return self._tree(part.body, part.citation_order)

    def text_document(self, markdown_text: str) -> tree.Document:
        """The document tree of short Markdown such as the series disclaimer.

        Args:
            markdown_text: the Markdown.
        """
        return self._tree(markdown_text, ())

    def _tree(self, body: str, citation_order: tuple[str, ...]) -> tree.Document:
        from ketapub import dialect

        s = self.series
        parts = [(key, p.part) for p in s.parts for key in (str(p.part), p.slug)]
        return dialect.document(body, language=s.language, citation_order=citation_order,
                                parts=parts, assets=(a.path for a in s.assets))

    @property
    def editions(self) -> tuple[Series, ...]:
        """Every language edition of the series, original first (one when untranslated)."""
        return (self.home or self.series).editions

    def for_edition(self, language: str) -> RenderContext:
        """The context of the ``language`` edition.

        Its series, the same instant and options, the planned paths and dependencies as that
        edition's renderers name them.

        Args:
            language: the edition's language tag; the original's gives the original context.
        """
        from ketapub.model import original_path

        home = self.home or self.series
        series = home.edition(language)
        if series is None:
            raise KeyError(language)
        if series is home:
            return replace(self, series=home, home=None)
        mine = [original_path(language, p) for p in self.planned]
        planned = tuple(o for o, p in zip(mine, self.planned, strict=True) if o != p)
        unmapped = {original_path(language, k): replace(v, path=original_path(language, k))
                    for k, v in self.deps.items()}
        return replace(self, series=series, home=home, deps=unmapped, planned=planned)

    def with_deps(self, deps: Mapping[str, ArtifactInfo]) -> RenderContext:
        """This context with the infos of the artifacts a job depends on.

        Args:
            deps: path -> ``ArtifactInfo`` of each finished dependency.
        """
        return replace(self, deps=dict(deps))


class Renderer(ABC, Generic[OptionsT]):
    """Base class of every renderer, built-in or third-party.

    Subclasses set ``name`` (the ``--format`` name), optionally ``version`` (bump it when
    output changes so incremental builds re-render) and ``description``, and implement
    ``plan()`` and ``render()``. A renderer with options names their class as its type
    parameter, ``class PdfRenderer(Renderer[PdfOptions])`` (see
    ``ketapub.render.options``), and reads them with ``options()``. Register the
    class under the entry-point group ``ketapub.renderers``. Import heavy libraries inside
    ``render``, not at module level, so planning and no-change rebuilds stay fast.

    Examples:
        A renderer of one file listing the released parts' titles:

        >>> from ketapub import Artifact, Registry, Renderer, render, testing
        >>> class TitlesRenderer(Renderer):
        ...     name = "titles"
        ...     def plan(self, series, ctx):
        ...         return [self.job("titles.txt")]
        ...     def render(self, job, ctx):
        ...         text = ", ".join(p.title for p in ctx.released)
        ...         return Artifact(job.path, text.encode(), "text/plain", self.name)
        >>> registry = Registry()
        >>> registry.register(TitlesRenderer)
        >>> render(testing.sample_series(), "titles", as_of="2025-03-01", registry=registry)
        {'titles.txt': b'First part, Second part'}
    """

    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    description: ClassVar[str] = ""
    template_roots: ClassVar[tuple[str, ...]] = ()
    """Extra built-in template folders a third-party renderer ships (after user folders)."""
    options_class: ClassVar[type[RendererOptions]] = NoOptions
    """The options this renderer declares; set from ``Renderer[MyOptions]``."""
    lays_out_pages: ClassVar[bool] = False
    """True when each job lays out pages with an engine a worker process imports first
    (WeasyPrint): a build with few such jobs renders in its own process instead of paying
    that import in each worker (see `ketapub.execute.Pool.choose()`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Take a subclass's options class from its ``Renderer[Options]`` base."""
        super().__init_subclass__(**kwargs)
        for base in cls.__dict__.get("__orig_bases__", ()):
            args = getattr(base, "__args__", ())
            if (getattr(base, "__origin__", None) is Renderer and args
                    and isinstance(args[0], type) and issubclass(args[0], RendererOptions)):
                cls.options_class = args[0]

    @classmethod
    def options(cls, ctx: RenderContext) -> OptionsT:
        """This renderer's options in this build: what the caller set, else the defaults.

        Args:
            ctx: the build's context.
        """
        got = ctx.options.of(cls.name)
        return got if isinstance(got, cls.options_class) else cls.options_class()  # type: ignore[return-value]

    @abstractmethod
    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        """The artifacts this renderer will make for ``series`` as of ``ctx.as_of``.

        Args:
            series: the loaded series (also ``ctx.series``).
            ctx: the build's context: instant, options, released parts.
        """

    @abstractmethod
    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        """Make one planned artifact. Must be a pure function of (job, ctx).

        Args:
            job: one of the jobs ``plan()`` returned.
            ctx: the build's context, with ``deps`` filled for ``job.depends_on``.
        """

    def job(self, path: str, **fields: Any) -> Job:
        """Convenience constructor that fills in the renderer name.

        Args:
            path: the output-relative POSIX path of the artifact.
            fields: any other ``Job`` field (``parts``, ``depends_on``, ``params`` ...).
        """
        return Job(renderer=self.name, path=path, **fields)

    def templates(self, ctx: RenderContext) -> Any:
        """This renderer's Jinja environment (user folders first, then built-ins).

        Args:
            ctx: the build's context (its template folders and language).
        """
        from ketapub.render.templating import environment

        return environment(self.name, ctx.options.templates, type(self).template_roots,
                           ctx.series.language, ctx.series.timezone)

    def render_template(self, ctx: RenderContext, name: str, **values: Any) -> str:
        """Render template ``name`` with ``ctx``, ``series`` and ``values`` in scope.

        Args:
            ctx: the build's context.
            name: the template's path, e.g. ``html/part.html``.
            values: more variables for the template.
        """
        from ketapub.render.templating import render_template

        return render_template(self.templates(ctx), name, ctx=ctx, series=ctx.series, **values)
