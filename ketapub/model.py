"""The validated, immutable model every renderer reads: Series, Part, Brand and friends.

The field docstrings double as the schema documentation. Validation is strict: unknown keys
are errors (``extra="forbid"``), and every model is frozen so renderers cannot change what
another renderer sees. Models pickle, so worker processes receive them as they are.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ketapub.errors import Diagnostic

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\Z")  # \Z: "$" also matches before a final "\n"
HEX_COLOR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})\Z")
LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*\Z")
REF_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_:.\-]*\Z")
DATE_FORMS = "2025-08-11, 2025-08-11T09:00, 2025-08-11T09:00:00-04:00 or 2025-08-11T13:00:00Z"
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
"""Instants are bounded, so every zone, calendar and feed format can hold them (near year 1
or 9999 a time-zone shift overflows Python's datetime)."""
DATE_RANGE = "from 1900-01-01 to 2999-12-31"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def slugify(text: str) -> str:
    """File-name form of a title: lowercase ASCII words joined by hyphens.

    Args:
        text: a title.

    Examples:
        >>> slugify("Café: ¿qué es la ketamina?")
        'cafe-que-es-la-ketamina'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower())) or "series"


def parse_instant(value: Any, tz: ZoneInfo) -> datetime:
    """An aware datetime from a YAML date, datetime or ISO 8601 string.

    A date alone means 00:00 of that day and a time without offset means that wall-clock
    time, both in ``tz`` (the series timezone).

    Args:
        value: a date, a datetime, or an ISO 8601 string.
        tz: the series timezone.
    """
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        result = datetime.combine(value, time(0, 0))
    elif isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                result = datetime.combine(date.fromisoformat(text), time(0, 0))
            else:
                result = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise ValueError(
                f"{value!r} is not an ISO 8601 date or date-time; use {DATE_FORMS}") from None
    else:
        raise ValueError(f"expected an ISO 8601 date or date-time such as {DATE_FORMS}")
    if result.tzinfo is None:
        result = result.replace(tzinfo=tz)
    try:
        in_range = EARLIEST <= result.astimezone(UTC) < LATEST
    except (OverflowError, ValueError):
        in_range = False
    if not in_range:
        shown = value.isoformat() if isinstance(value, date) else str(value)
        raise ValueError(f"{shown} is out of range; instants must be {DATE_RANGE}")
    return result


def _tz_from(info: ValidationInfo) -> ZoneInfo:
    ctx = info.context or {}
    tz = ctx.get("timezone")
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo("UTC")


# Line breaks and the spaces YAML leaves around them: folded (``>``) and literal (``|``)
# scalars, ``>+`` keep-chomping, ``"\n"``/``"\t"`` escapes. Not no-break or other typographic
# spaces, which an author writes on purpose.
_BREAKS = re.compile("[ \t\n\r\f\v\x85\u2028\u2029]+")


def one_line(value: Any) -> Any:
    r"""A one-line field as every output shows it.

    Runs of spaces and line breaks become one space, none at either end. Feeds, calendars, PDF
    metadata and HTML attributes have no place for a line break, and a folded YAML scalar always
    ends with one.

    Args:
        value: the field's value; anything but text is returned as it is.

    Examples:
        >>> one_line("Ketamine\n  and   esketamine\n")
        'Ketamine and esketamine'
    """
    return _BREAKS.sub(" ", value).strip(" ") if isinstance(value, str) else value


def lines(value: Any) -> Any:
    r"""A field whose line breaks mean something (a postal address).

    Each line made ``one_line()``, blank lines dropped, lines joined by ``\n``.

    Args:
        value: the field's value; anything but text is returned as it is.
    """
    if not isinstance(value, str):
        return value
    kept = (one_line(line) for line in re.split("[\n\r\v\f\x85\u2028\u2029]", value))
    return "\n".join(line for line in kept if line)


def _check_slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise ValueError(
            f"{value!r} is not a slug; use lowercase letters, digits and single hyphens "
            f"(e.g. {slugify(value)!r})"
        )
    return value


def _check_http_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/?#]+[^\s]*\Z", value):
        raise ValueError(f"{value!r} is not an absolute http(s) URL")
    return value


def _check_hex(value: str) -> str:
    if not HEX_COLOR_RE.match(value):
        raise ValueError(f"{value!r} is not a CSS hex colour; write it like '#1f6f8b'")
    return value.lower()


def _check_rel_path(value: str) -> str:
    r"""A relative path under the source folder, in one normal form.

    ``\`` is read as ``/`` and its names are in NFC: the form asset paths take, whatever the file
    system or the editor used (see ``ketapub.markdown.local_path()``).
    """
    if not value or value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value):
        raise ValueError(f"{value!r} must be a relative path under the source folder")
    if "\x00" in value or ".." in re.split(r"[\\/]", value) or "://" in value:
        raise ValueError(f"{value!r} must stay inside the source folder (no '..', no URLs)")
    if "%" in value:
        raise ValueError(f"{value!r}: a file name with '%' is published as a URL that a web "
                         "server may decode into another path; rename the file without it")
    return unicodedata.normalize("NFC", value.replace("\\", "/"))


INVISIBLE_FORMAT = "Cf"
"""Unicode's format characters: bidi controls, zero-width spaces and joiners, soft hyphens."""


def _check_no_format_chars(value: str | None) -> str | None:
    """Refuse invisible format characters in a value a reader dials, mails or visits.

    A bidi override or a zero-width space makes a phone number, address or URL show differently from
    what it is (or fail when copied).
    """
    if value is None:
        return value
    for i, ch in enumerate(value):
        if unicodedata.category(ch) == INVISIBLE_FORMAT:
            raise ValueError(f"holds the invisible character U+{ord(ch):04X} at character "
                             f"{i + 1}, which makes it read differently from what it is; "
                             "type it again without it")
    return value


Slug = Annotated[str, AfterValidator(_check_slug)]
RESERVED_SLUGS = frozenset({"hub", "index", "booklet", "cards", "assets", "fragments",
                            "ketapub", "large-print"})
"""Names outputs use beside the parts' own (``html/hub.html``, ``html/index.html``,
``pdf/booklet.pdf``, ``html/cards/``, ``html/assets/``, ``html/fragments.json``, ...)."""


def _check_part_slug(value: str) -> str:
    if value in RESERVED_SLUGS:
        raise ValueError(f"{value!r} is a name ketapub's outputs use; choose another slug "
                         f"(reserved: {', '.join(sorted(RESERVED_SLUGS))})")
    return value


PartSlug = Annotated[Slug, AfterValidator(_check_part_slug)]
HttpUrl = Annotated[str, AfterValidator(_check_no_format_chars),
                    AfterValidator(_check_http_url)]
HexColor = Annotated[str, AfterValidator(_check_hex)]
RelPath = Annotated[str, AfterValidator(_check_rel_path)]
Line = Annotated[str, BeforeValidator(one_line)]
"""Free text on one line (see ``one_line()``)."""
Text = Annotated[str, BeforeValidator(one_line), Field(min_length=1)]
"""Required free text on one line, not empty once normalised."""
PAGE_SIZES = ("A4", "Letter")


def page_size_name(value: Any) -> Any:
    """The canonical spelling of a page size written in any case (``letter`` -> ``Letter``).

    Anything else unchanged, for the validator to refuse.

    Args:
        value: the field's value.
    """
    if isinstance(value, str):
        return {p.lower(): p for p in PAGE_SIZES}.get(value.strip().lower(), value)
    return value


PageSize = Annotated[Literal["A4", "Letter"], BeforeValidator(page_size_name)]

CCI_ITEMS = 20
"""Items of the CDC Clear Communication Index (its full score sheet), numbered from 1."""
CCI_CORE = 11
"""Items 1 to 11 (part A, core) apply to every material: never "na"."""


def _cci_item(value: Any) -> int:
    """A CCI item number: ``7`` or ``"7"`` (YAML keys arrive as text)."""
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= CCI_ITEMS:
        raise ValueError(f"{value!r} is not an item of the Clear Communication Index; its "
                         f"items are numbered 1 to {CCI_ITEMS} (see `ketapub cci --help`)")
    return int(text)


def _cci_answer(value: Any) -> Any:
    """YAML's ``yes``/``no`` arrive as booleans; ``n/a`` is ``na``."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, str):
        low = value.strip().lower()
        return "na" if low in ("n/a", "na", "not applicable") else low
    return value


CciAnswer = Annotated[Literal["yes", "no", "na"], BeforeValidator(_cci_answer)]
"""An answer to a CCI item: ``yes``, ``no`` or ``na`` (not applicable)."""
CciItem = Annotated[int, BeforeValidator(_cci_item)]


MAX_TITLE = 300
"""Characters in a title or subtitle: covers, feed readers and tabs show a few dozen, and
layout work grows with it."""


def _check_title(value: str) -> str:
    if len(value) > MAX_TITLE:
        raise ValueError(f"is {len(value):,} characters long, over the limit of {MAX_TITLE}; "
                         "shorten it (put the rest in the summary or description)")
    return value


Title = Annotated[Text, AfterValidator(_check_title)]


_CC = re.compile(r"CC-(BY(?:-NC)?(?:-SA|-ND)?)-(\d\.\d)\Z", re.IGNORECASE)


def creative_commons_url(spdx: str) -> str | None:
    """The Creative Commons page of a CC licence given as its SPDX id, else None.

    Args:
        spdx: the licence as written (``CC-BY-4.0``).

    Examples:
        >>> creative_commons_url("CC-BY-NC-SA-4.0")
        'https://creativecommons.org/licenses/by-nc-sa/4.0/'
        >>> creative_commons_url("CC0-1.0")
        'https://creativecommons.org/publicdomain/zero/1.0/'
        >>> creative_commons_url("MIT") is None
        True
    """
    text = spdx.strip()
    if text.upper() == "CC0-1.0":
        return "https://creativecommons.org/publicdomain/zero/1.0/"
    m = _CC.match(text)
    if m is None:
        return None
    return f"https://creativecommons.org/licenses/{m.group(1).lower()}/{m.group(2)}/"


class Author(_Frozen):
    """An author of the series, credited in the ebook, the feeds and the attribution."""

    name: Text
    """Display name."""
    role: Line | None = None
    """Free text such as 'Writer' or 'Editor'; EPUB maps known roles to MARC relators."""


class Reference(_Frozen):
    """A bibliographic reference a part cites as ``[@id]``."""

    id: str
    """Key cited in the body as ``[@id]``."""
    text: Text
    """The full bibliographic entry, as it should be printed."""
    url: HttpUrl | None = None
    """Where the work is online; shown as the reference's link."""
    doi: str | None = None
    """The work's DOI (``10.1000/xyz123``), linked through doi.org when there is no ``url``."""

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not REF_ID_RE.match(v):
            raise ValueError(f"{v!r} is not a citation key; use letters, digits, '_', '-', ':'")
        return v

    @field_validator("doi")
    @classmethod
    def _doi(cls, v: str | None) -> str | None:
        _check_no_format_chars(v)
        if v is not None and not re.match(r"^10\.\d{4,9}/\S+\Z", v):
            raise ValueError(f"{v!r} is not a DOI; write it like 10.1000/xyz123")
        return v

    @property
    def link(self) -> str | None:
        """Where a reader can find the work: its URL, else its DOI resolver URL."""
        if self.url:
            return self.url
        return f"https://doi.org/{self.doi}" if self.doi else None


class MedicalReview(_Frozen):
    """Who reviewed the medical content, and when, shown with each part it covers."""

    reviewer: Text
    """Who reviewed the medical content, as printed ("Dr Ana Ruiz")."""
    credentials: Line | None = None
    """Printed after the name ("MD, Psychiatry")."""
    reviewed_on: date
    """The review date; the next review is due from it (``review_interval``)."""


INTERVAL_RE = re.compile(r"^\s*(\d{1,3})\s*(day|week|month|year)s?\s*\Z", re.IGNORECASE)


class Interval(_Frozen):
    """A review interval such as ``12 months`` or ``6 weeks``, written in YAML as text.

    Months and years are calendar ones: counted from 31 January, one month is the last day
    of February, so a due date never spills into the month after.
    """

    count: Annotated[int, Field(ge=1)]
    """How many units: 1 or more."""
    unit: Literal["day", "week", "month", "year"]
    """Days, weeks, or calendar months or years."""

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        m = INTERVAL_RE.match(value) if isinstance(value, str) else None
        if m is None:
            raise ValueError(f"{value!r} is not an interval; write a whole number and a unit, "
                             "like '12 months', '6 weeks', '90 days' or '1 year'")
        return {"count": int(m.group(1)), "unit": m.group(2).lower()}

    def after(self, start: date) -> date:
        """The date this interval after ``start``.

        Args:
            start: the date counted from.
        """
        if self.unit in ("day", "week"):
            return start + timedelta(days=self.count * (7 if self.unit == "week" else 1))
        months = self.count * (12 if self.unit == "year" else 1)
        year, month = divmod(start.month - 1 + months, 12)
        year += start.year
        last = calendar.monthrange(year, month + 1)[1]
        return date(year, month + 1, min(start.day, last))

    def __str__(self) -> str:
        """``12 months``, ``1 week``: the interval as written."""
        return f"{self.count} {self.unit}{'' if self.count == 1 else 's'}"


def _check_due(owner: str, reviewed_on: date | None, next_review: date | None,
               interval: Interval | None) -> None:
    """Check that a due date and an interval, when both are given, agree.

    Both a due date and an interval may be given only when they agree, so a reader never sees a date
    the interval contradicts; one of them is enough.
    """
    if next_review is None or interval is None:
        return
    if reviewed_on is None:
        raise ValueError(f"next_review and review_interval are both given but {owner} has no "
                         "reviewed_on to count the interval from; keep one of them")
    counted = interval.after(reviewed_on)
    if counted != next_review:
        raise ValueError(f"next_review ({next_review.isoformat()}) disagrees with "
                         f"review_interval ({interval}) after reviewed_on "
                         f"({reviewed_on.isoformat()}), which gives {counted.isoformat()}; "
                         "keep one of them")
    if next_review <= reviewed_on:
        raise ValueError(f"next_review ({next_review.isoformat()}) is not after reviewed_on")


class Withdrawal(_Frozen):
    """A part taken down.

    From ``on`` it leaves every output and ``serve`` answers 410 Gone with ``reason``.
    """

    on: datetime
    """The instant it is withdrawn. A date alone is 00:00, a naive time wall-clock, in the
    series zone."""
    reason: Text
    """Why, in a sentence readers see (the 410 page, the hub, the card)."""

    @field_validator("on", mode="before")
    @classmethod
    def _instant(cls, v: Any, info: ValidationInfo) -> Any:
        return parse_instant(v, _tz_from(info))


class Change(_Frozen):
    """One correction of a published part, shown as "What changed" from ``on``."""

    on: datetime
    """When the change was made public. A date alone is 00:00 in the series zone."""
    note: Text
    """What changed, in a sentence."""

    @field_validator("on", mode="before")
    @classmethod
    def _instant(cls, v: Any, info: ValidationInfo) -> Any:
        return parse_instant(v, _tz_from(info))


class FaqItem(_Frozen):
    """One question of a part's FAQ block, extracted at load time for structured data."""

    question: str
    """The question as plain text: the text of its level-3 heading."""
    answer: str
    """The answer as plain text."""
    anchor: str
    """The question heading's id, which links to it."""


class SourceRef(_Frozen):
    """Where something came from: a path relative to the source folder, and a line."""

    path: str
    """Relative to the source folder, with ``/`` separators."""
    line: int = 1
    """1-based."""


class Asset(_Frozen):
    """A file under the source folder that the series uses (image, logo, cover)."""

    path: str
    """Relative to the source folder (``assets/chart.svg``), as parts name it."""
    media_type: str
    """From the file name's suffix; the loader checks that the contents are that image."""
    data: bytes = Field(repr=False)
    """The bytes; an SVG already made inert."""
    sha256: str
    """The hex sha256 of ``data``, in input hashes: an edited asset re-renders its users."""


class PartMeta(_Frozen):
    """The front matter of a part file (the schema of ``parts/*.md``)."""

    title: Title
    """Shown on every format; one line."""
    part: Annotated[int, Field(ge=1)]
    """The part's number, 1 or more, unique in the series: its order and its file names."""
    slug: PartSlug
    """The part's file-name and URL form, unique in the series."""
    summary: Text
    """One paragraph, on one line: the feeds, the cards, the hub and the ebook show it."""
    publish_at: datetime
    """Release instant. A date alone is 00:00, a naive time is wall-clock, in the series zone."""
    updated_at: datetime | None = None
    """When the part was last revised; feeds show it once it has come. Same forms as
    ``publish_at``."""
    tags: tuple[Line, ...] = ()
    """Subjects: feed categories, ebook subjects, calendar categories."""
    reviewed_by: Line | None = None
    """Who reviewed this part; without it, the series' ``medical_review`` is shown."""
    reviewed_on: date | None = None
    """When ``reviewed_by`` reviewed it."""
    next_review: date | None = None
    """When the part's review is next due; overrides the series' ``next_review`` and
    ``review_interval``."""
    review_interval: Interval | None = None
    """``12 months``, ``6 weeks``...: the next review is due this long after the review
    date shown with the part (its ``reviewed_on``, else the series'). Overrides the series'."""
    expires_at: datetime | None = None
    """From this instant the part is no longer published (as a withdrawal, with the reason
    "expired"). Same forms as ``publish_at``."""
    withdrawn: Withdrawal | None = None
    """``{on, reason}``: from ``on`` the part is no longer published."""
    changes: tuple[Change, ...] = ()
    """Corrections, each ``{on, note}``; shown as "What changed" once ``on`` has come."""
    references: tuple[Reference, ...] = ()
    """The works the body cites as ``[@id]``, numbered by first citation."""
    url: HttpUrl | None = None
    """The part's own public URL; default: ``base_url`` + slug + ``/``."""
    cci: dict[CciItem, CciAnswer] = Field(default_factory=dict)
    """Answers to the CDC Clear Communication Index items ``ketapub cci`` cannot score from
    the text (item number: yes, no or na); see ``ketapub.cci``."""

    @field_validator("publish_at", "updated_at", "expires_at", mode="before")
    @classmethod
    def _instant(cls, v: Any, info: ValidationInfo) -> Any:
        return None if v is None else parse_instant(v, _tz_from(info))

    @field_validator("part", mode="before")
    @classmethod
    def _int_only(cls, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"{v!r} is not a whole number; write the part number like 3")
        return v

    @field_validator("cci")
    @classmethod
    def _cci_core(cls, v: dict[int, str]) -> dict[int, str]:
        core = sorted(n for n, a in v.items() if a == "na" and n <= CCI_CORE)
        if core:
            raise ValueError(f"item {core[0]} is a core item (1 to {CCI_CORE}), which always "
                             "applies; answer yes or no")
        return dict(sorted(v.items()))

    @model_validator(mode="after")
    def _order(self) -> PartMeta:
        if self.updated_at is not None and self.updated_at < self.publish_at:
            raise ValueError(
                f"updated_at ({self.updated_at.isoformat()}) is before publish_at "
                f"({self.publish_at.isoformat()}); an update cannot precede the release"
            )
        seen: set[str] = set()
        repeated: set[str] = set()
        for r in self.references:
            (repeated if r.id in seen else seen).add(r.id)
        dupes = sorted(repeated)
        if dupes:
            raise ValueError(f"duplicate reference id(s): {', '.join(dupes)}")
        for key, when in (("expires_at", self.expires_at),
                          ("withdrawn.on", self.withdrawn.on if self.withdrawn else None)):
            if when is not None and when <= self.publish_at:
                raise ValueError(f"{key} ({when.isoformat()}) is not after publish_at "
                                 f"({self.publish_at.isoformat()}); a part must be out "
                                 "before it can end")
        for i, change in enumerate(self.changes):
            if change.on < self.publish_at:
                raise ValueError(f"changes.{i}.on ({change.on.isoformat()}) is before "
                                 f"publish_at ({self.publish_at.isoformat()}); a correction "
                                 "cannot precede the release")
        _check_due("the part", self.reviewed_on, self.next_review, self.review_interval)
        return self

    @property
    def ends_at(self) -> datetime | None:
        """The instant the part stops being published.

        The earlier of ``expires_at`` and ``withdrawn.on`` (None: never).
        """
        ends = [d for d in (self.expires_at, self.withdrawn.on if self.withdrawn else None)
                if d is not None]
        return min(ends, key=lambda d: d.astimezone(UTC)) if ends else None


class Part(PartMeta):
    """A loaded part: its front matter plus what the loader learned from the body."""

    source: SourceRef
    """The part file, for messages."""
    body: str = Field(repr=False)
    """The Markdown body, exactly as written (never evaluated as a template)."""
    body_line: int
    """Line of the file where the body starts, for messages about the body."""
    anchors: tuple[str, ...] = ()
    """Every heading id in the body (explicit ``{#id}`` and generated)."""
    citation_order: tuple[str, ...] = ()
    """Reference ids in the order they are numbered: first citation first."""
    faq: tuple[FaqItem, ...] = ()
    """The questions of the body's FAQ block, for structured data."""
    images: tuple[str, ...] = ()
    """Asset paths of the images the body shows."""
    word_count: int = 0
    """Words in the body, as ``ketapub validate`` reports them."""
    translation_of: str | None = None
    """In a translation: the ``translation_of`` stamp its file gives (see
    ``ketapub.translation_of``); None in the original language."""

    @property
    def number(self) -> str:
        """Two-digit part number used in file names (``NN``)."""
        return f"{self.part:02d}"

    @property
    def numbered_references(self) -> tuple[tuple[int, Reference], ...]:
        """(number, reference) in citation order, the numbers the body's citations show."""
        by_id = {r.id: r for r in self.references}
        return tuple((i, by_id[rid]) for i, rid in enumerate(self.citation_order, 1))


STAMP_RE = re.compile(r"^[0-9a-f]{12}\Z")


def _check_stamp(value: str) -> str:
    if not STAMP_RE.match(value):
        raise ValueError(f"{value!r} is not a translation_of stamp: 12 lowercase hex digits "
                         "(python tools/translation_of.py parts/NN-slug.md prints it)")
    return value


class TranslationMeta(_Frozen):
    """The front matter of a translated part (``translations/<lang>/NN-slug.md``).

    The text a reader sees in that language. Everything else (number, references, review,
    withdrawal, corrections) is the original part's.
    """

    title: Title
    summary: Text
    translation_of: Annotated[str, AfterValidator(_check_stamp)]
    """The stamp of the original body this text translates; when the original changes the
    stamps differ and ``ketapub validate`` reports the translation as stale."""
    slug: PartSlug | None = None
    """The part's slug in this language (its file names and public page); default: the
    original's."""
    publish_at: datetime | None = None
    """The translation's own release instant, never before the original's; default: the
    original's."""
    tags: tuple[Line, ...] | None = None
    """Tags in this language; default: the original's."""
    url: HttpUrl | None = None
    """The translated part's public page; default ``base_url`` + ``<lang>/<slug>/``."""

    @field_validator("publish_at", mode="before")
    @classmethod
    def _instant(cls, v: Any, info: ValidationInfo) -> Any:
        return None if v is None else parse_instant(v, _tz_from(info))


class SeriesTranslationMeta(_Frozen):
    """``translations/<lang>/series.yaml``.

    The series' text in that language; every other key is inherited from ``series.yaml``.
    """

    title: Title
    subtitle: Annotated[Line, AfterValidator(_check_title)] | None = None
    description: Text
    disclaimer: str | None = None
    """Markdown shown on every handout, ebook and fragment of this language; default: the
    original's."""
    identifier: str | None = None
    """The ebook identifier of this edition; default: a UUID derived from the original's
    identifier and the language."""


def _check_tagline_language(code: str) -> str:
    from ketapub import taglines

    if code not in taglines.table():
        raise ValueError(taglines.unknown_message(code))
    return code


class Brand(_Frozen):
    """A clinic profile (``brands/*.yaml``) for branded handouts."""

    id: Slug
    """What ``--brand ID`` and the folder ``pdf/<id>/`` name the brand by."""
    name: Text
    """The clinic's name, in the handout's header."""
    phone: Annotated[Line, AfterValidator(_check_no_format_chars)] | None = None
    """Printed in the contact box, and beside the language-assistance taglines."""
    email: Annotated[str, AfterValidator(_check_no_format_chars)] | None = None
    """Printed in the contact box."""
    address: Annotated[str, BeforeValidator(lines)] | None = None
    """Postal address; its line breaks are kept (each line normalised like a one-line field)."""
    website: HttpUrl | None = None
    """Printed in the contact box."""
    logo: RelPath | None = None
    """An image under the source folder, in the handout's header."""
    accent_color: HexColor | None = None
    """A CSS hex colour (``#1f6f8b``; 3, 4, 6 or 8 digits) for the clinic's handouts."""
    page_size: PageSize | None = None
    """The clinic's paper (A4 or Letter), unless the ``page_size`` option is set; default:
    the series'."""
    languages: tuple[Annotated[str, AfterValidator(_check_tagline_language)], ...] = ()
    """Languages whose free language-assistance tagline the handouts carry (with the phone)."""

    @model_validator(mode="after")
    def _languages_need_a_phone(self) -> Brand:
        if self.languages and not self.phone:
            raise ValueError("languages need a phone beside them: the taglines tell which "
                             "number to call; add phone")
        return self

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+\Z", v):
            raise ValueError(f"{v!r} is not an e-mail address")
        return v


class BrokenBrand(_Frozen):
    """A brand file with problems.

    Left out of the series, an error only for a build that makes branded output for it (so a typo in
    one clinic's profile blocks nothing else).
    """

    id: str
    """The id the file gives (its file name when it gives none)."""
    path: str
    """The brand file, as diagnostics show it."""
    problems: tuple[Diagnostic, ...]
    """Its errors, every one of them."""


class SeriesMeta(_Frozen):
    """The schema of ``series.yaml``."""

    title: Title
    """Shown on every format; one line."""
    slug: Slug | None = None
    """File-name form of the title; derived from the title when absent."""
    subtitle: Annotated[Line, AfterValidator(_check_title)] | None = None
    """Shown under the title: the booklet's and the ebook's covers, the hub."""
    description: Text
    """One paragraph, on one line whatever the YAML style (see ``one_line()``)."""
    language: str
    """BCP 47 tag such as ``en``, ``en-US`` or ``es``."""
    base_url: HttpUrl
    """The series' public web address; part URLs and feed links are made from it
    (a ``/`` is added when missing)."""
    timezone: str = "UTC"
    """IANA name (``America/New_York``) in which naive times and dates are read."""
    publisher: Text
    """Named in the ebook, the feeds, the attribution and the partner API."""
    authors: tuple[Author, ...] = Field(min_length=1)
    """At least one; credited in the ebook, the feeds and the attribution."""
    identifier: str | None = None
    """The ebook's and the feeds' stable id; default: a UUID URN derived from
    ``base_url``."""
    license: Line | None = None
    """The licence, as text or an SPDX id (``CC-BY-4.0``), in every attribution."""
    license_url: HttpUrl | None = None
    """Where the licence text is, linked from every attribution block. Default: the Creative
    Commons page of a CC licence written as its SPDX id (``CC-BY-4.0``, ``CC0-1.0``), else none
    (the licence is then shown as text)."""
    copyright_holder: Line | None = None
    """Who holds the copyright, named in every attribution block and the partner API.
    Default: the ``publisher``."""
    cover: RelPath | None = None
    """An image under the source folder: the ebook's and the booklet's cover (the ebook
    generates one without it)."""
    disclaimer: str | None = None
    """Markdown shown on every handout, the ebook's front matter and every fragment."""
    medical_review: MedicalReview | None = None
    """The review shown with every part that names no reviewer of its own."""
    next_review: date | None = None
    """When every part's review is next due, unless a part says otherwise."""
    review_interval: Interval | None = None
    """``12 months``, ``6 weeks``...: each part's next review is due this long after the
    review date shown with it (its ``reviewed_on``, else ``medical_review.reviewed_on``)."""
    page_size: PageSize = "A4"
    """The handouts' paper: A4 or Letter (a brand or ``--page-size`` may override)."""
    websub_hub: HttpUrl | None = None
    """A WebSub hub the feeds name with ``rel="hub"`` (``ketapub serve --websub-hub`` pings
    it at each release instant); None: the feeds name no hub."""

    @field_validator("language")
    @classmethod
    def _lang(cls, v: str) -> str:
        if not LANG_RE.match(v):
            raise ValueError(f"{v!r} is not a BCP 47 language tag; write e.g. 'en' or 'en-US'")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a folder
            raise ValueError(
                f"{v!r} is not an IANA time zone; write e.g. 'UTC' or 'America/New_York'"
            ) from None
        return v

    @field_validator("base_url")
    @classmethod
    def _trailing_slash(cls, v: str) -> str:
        return v if v.endswith("/") else v + "/"

    @model_validator(mode="after")
    def _derive(self) -> SeriesMeta:
        if self.slug is None:
            object.__setattr__(self, "slug", slugify(self.title))
        if self.identifier is None:
            ident = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, self.base_url)}"
            object.__setattr__(self, "identifier", ident)
        reviewed = self.medical_review.reviewed_on if self.medical_review else None
        _check_due("medical_review", reviewed, self.next_review, self.review_interval)
        return self


def edition_path(language: str, path: str) -> str:
    """``path`` of an original output moved to the ``language`` edition.

    The language becomes a folder under the top folder (``feed/es/rss.xml``), except an ebook, whose
    name takes it before the extension (``epub/x.es.epub``): one folder of ebooks.

    Args:
        language: the edition's language.
        path: the original output's path.
    """
    top, sep, rest = path.partition("/")
    if not sep:
        return f"{language}/{path}"
    if top == "epub" and "/" not in rest:
        stem, dot, ext = rest.rpartition(".")
        return f"epub/{stem}.{language}.{ext}" if dot else f"epub/{rest}.{language}"
    return f"{top}/{language}/{rest}"


def original_path(language: str, path: str) -> str:
    """The inverse of ``edition_path()``.

    Args:
        language: the edition's language.
        path: the edition's output path.
    """
    top, _, rest = path.partition("/")
    if top == language:
        return rest
    if top == "epub" and "/" not in rest:
        return "epub/" + rest.replace(f".{language}.", ".", 1).removesuffix(f".{language}")
    return f"{top}/{rest.removeprefix(language + '/')}"


class Series(SeriesMeta):
    """A loaded series: metadata, parts ordered by number, brands ordered by id, assets."""

    parts: tuple[Part, ...]
    """Ordered by number."""
    brands: tuple[Brand, ...] = ()
    """Ordered by id; brand files with problems are in ``broken_brands`` instead."""
    assets: tuple[Asset, ...] = ()
    """Every file of the source that the series uses, ordered by path."""
    source_hash: str = ""
    """sha256 over every source file read; identical sources give identical hashes."""
    warnings: tuple[Diagnostic, ...] = Field(default=(), exclude=True, repr=False)
    """What the loader noticed but let pass (each an error under ``strict``)."""
    broken_brands: tuple[BrokenBrand, ...] = Field(default=(), exclude=True, repr=False)
    """Brand files with problems, ordered by id; their problems are also warnings."""
    translations: tuple[Series, ...] = Field(default=(), exclude=True, repr=False)
    """The editions in other languages (``translations/<lang>/``), ordered by language; each
    a whole series of the parts translated into it. Empty in a translation."""
    original_language: str | None = Field(default=None, exclude=True)
    """In a translation: the language of the original series; None in the original."""

    @property
    def tz(self) -> ZoneInfo:
        """The series timezone, in which naive instants are read."""
        return ZoneInfo(self.timezone)

    @property
    def series_slug(self) -> str:
        """The slug the series' files are named by: ``slug``, else the title's."""
        return self.slug or slugify(self.title)  # set at validation; never None here

    @property
    def rights_holder(self) -> str:
        """The copyright holder: ``copyright_holder``, else the publisher."""
        return self.copyright_holder or self.publisher

    @property
    def license_link(self) -> str | None:
        """The licence's URL.

        ``license_url``, else the Creative Commons page of a CC licence written as its SPDX id, else
        None.
        """
        if self.license_url:
            return self.license_url
        return creative_commons_url(self.license or "")

    def part_url(self, part: Part) -> str:
        """The public web URL of a part.

        Its own ``url``, else ``base_url`` + slug (in a translation ``base_url`` + language + slug).

        Args:
            part: a part of this series.
        """
        if part.url:
            return part.url
        folder = f"{self.language}/" if self.original_language is not None else ""
        return f"{self.base_url}{folder}{part.slug}/"

    def output_path(self, path: str) -> str:
        """Where an output of this edition goes.

        ``path`` itself in the original language; in a translation ``pdf/x.pdf`` becomes
        ``pdf/es/x.pdf`` (every top folder alike) and ``epub/x.epub`` becomes ``epub/x.es.epub``.

        Args:
            path: the output path a renderer plans, as for the original.
        """
        if self.original_language is None:
            return path
        return edition_path(self.language, path)

    def file_url(self, path: str) -> str:
        """Absolute URL of this edition's output ``path`` (see ``output_path()``).

        Args:
            path: an output path as a renderer plans it, unescaped.
        """
        return self.base_url + quote(self.output_path(path).lstrip("/"), safe="/")

    @property
    def editions(self) -> tuple[Series, ...]:
        """This series and its translations, original first (a translation: itself)."""
        return (self, *self.translations)

    def edition(self, language: str) -> Series | None:
        """The edition in ``language`` (this series for its own language), or None.

        Args:
            language: a language tag as the ``translations/`` folder names it.
        """
        return next((e for e in self.editions if e.language == language), None)

    def get_part(self, key: int | str) -> Part | None:
        """The part with this number or slug, or None.

        Args:
            key: a part number (``3``) or slug (``"sleep"``).
        """
        for p in self.parts:
            if p.part == key or p.slug == key:
                return p
        return None

    def get_asset(self, path: str) -> Asset | None:
        """The asset at ``path`` (``assets/x.png``), or None.

        Args:
            path: the asset's path in the source folder.
        """
        path = unicodedata.normalize("NFC", path)
        for a in self.assets:
            if a.path == path:
                return a
        return None

    def get_brand(self, brand_id: str) -> Brand | None:
        """The brand (clinic profile) with this id, or None.

        Args:
            brand_id: the ``id`` written in the brand file.
        """
        for b in self.brands:
            if b.id == brand_id:
                return b
        return None
