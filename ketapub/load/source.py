"""Read a source folder (series.yaml, parts/*.md, brands/*.yaml, assets/) into a Series.

Every problem is collected, with the file, line and column where it is, before one
``SourceError`` is raised; a user fixes all of them in one pass.
Nothing outside the source folder is ever read: paths with ``..``, absolute paths and
symlinks that lead out are refused.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import posixpath
import re
import types
import typing
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from ketapub import glyphs, markdown, review_due, sanitize
from ketapub.errors import Diagnostic, Severity, SourceError
from ketapub.load import translations, yamlpos
from ketapub.model import (
    SLUG_RE,
    Asset,
    Brand,
    BrokenBrand,
    FaqItem,
    Part,
    PartMeta,
    Series,
    SeriesMeta,
    SourceRef,
    _check_rel_path,
)
from ketapub.paths import LARGE_PRINT, RESERVED_BRAND_IDS

MAX_TEXT_BYTES = 5 * 1024 * 1024
MAX_ASSET_BYTES = 20 * 1024 * 1024
MEDIA_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
MAX_IMAGE_PIXELS = 40_000_000
# Characters no output format can carry (XML 1.0 refuses them; terminals obey them):
# C0 controls but tab and newline, DEL, C1 controls, surrogates, U+FFFE and U+FFFF.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Invisible characters that make text read differently from what it is ("Trojan Source"):
# bidi embeddings, overrides and isolates, zero-width space, word joiner, a BOM inside text.
# Kept (an author may mean them) but flagged; ZWJ/ZWNJ and LRM/RLM are ordinary in Persian,
# Indic and emoji text and pass. Fields a reader dials or visits refuse all of them (model).
INVISIBLE_CHARS = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]")


class _Collector:
    """Collects diagnostics with paths shown the way the user named the source folder."""

    def __init__(self, display_root: str):
        self.display_root = display_root
        self.items: list[Diagnostic] = []

    def show(self, rel: str) -> str:
        return f"{self.display_root}/{rel}" if self.display_root not in ("", ".") else rel

    def add(self, rel: str, line: int, column: int, message: str,
            severity: Severity = Severity.ERROR) -> None:
        self.items.append(Diagnostic(self.show(rel), line, column, message, severity))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]


class _Source:
    """Safe reads under one root folder."""

    def __init__(self, root: Path, diags: _Collector):
        self.root = root
        self.real_root = root.resolve()
        self.diags = diags
        self.digest: dict[str, str] = {}
        self._listings: dict[Path, dict[str, list[str]]] = {}

    def _listing(self, folder: Path) -> dict[str, list[str]]:
        """The names in ``folder`` by their NFC form (read once per load)."""
        listing = self._listings.get(folder)
        if listing is None:
            listing = {}
            try:
                for entry in sorted(os.listdir(folder)):
                    listing.setdefault(unicodedata.normalize("NFC", entry), []).append(entry)
            except OSError:
                pass
            self._listings[folder] = listing
        return listing

    def locate(self, rel: str) -> str:
        """The path on disk of ``rel``, matching each name by its NFC form.

        ``café.png`` in a part names the file whether the file system stores the é composed (NFC) or
        as e + U+0301 (NFD, as macOS writes it). ``rel`` itself when nothing else matches.
        """
        if not rel or (self.root / rel).exists():
            return rel
        found = Path()
        for name in rel.split("/"):
            folder = self.root / found
            if not (folder / name).exists():
                same = self._listing(folder).get(unicodedata.normalize("NFC", name), [])
                if len(same) == 1:
                    name = same[0]
            found /= name
        return found.as_posix()

    def twins(self, rel: str) -> list[str]:
        """Names that differ from ``rel``'s only by Unicode normalisation.

        Names in ``rel``'s folder that are spelt like its name once NFC-normalised (a café.png saved
        both composed and decomposed): which one it names is ambiguous.
        """
        folder, _, name = rel.rpartition("/")
        return self._listing(self.root / folder).get(unicodedata.normalize("NFC", name), [])

    def inside(self, rel: str) -> Path | None:
        path = self.root / rel
        try:
            real = path.resolve()
        except (OSError, RuntimeError):
            return None
        if real != self.real_root and self.real_root not in real.parents:
            return None
        return path

    def read_bytes(self, rel: str, limit: int, line: int = 1, column: int = 1,
                   where: str | None = None) -> bytes | None:
        path = self.inside(self.locate(rel))
        report_at = where or rel
        if path is None:
            self.diags.add(report_at, line, column,
                           f"{rel!r} leads outside the source folder (a symlink or '..'); "
                           "keep every file inside it")
            return None
        try:
            stat = path.stat()
            size = stat.st_size
            if not path.is_file():
                raise IsADirectoryError(rel)
            if stat.st_nlink > 1:
                self.diags.add(report_at, line, column,
                               f"{rel!r} is a hard link ({stat.st_nlink} names for one file); "
                               "a hard link may share a file from outside the source folder, "
                               "so ketapub does not read it: replace it with a copy")
                return None
            if size > limit:
                self.diags.add(report_at, line, column,
                               f"{rel!r} is {size:,} bytes, over the limit of {limit:,}; "
                               "make it smaller")
                return None
            data = path.read_bytes()
        except FileNotFoundError:
            self.diags.add(report_at, line, column, f"file {rel!r} does not exist under the "
                           "source folder; check the path and its case")
            return None
        except OSError as exc:
            self.diags.add(report_at, line, column, f"cannot read {rel!r}: {exc.strerror}")
            return None
        self.digest[rel] = hashlib.sha256(data).hexdigest()
        return data

    def read_text(self, rel: str) -> str | None:
        data = self.read_bytes(rel, MAX_TEXT_BYTES)
        if data is None:
            return None
        if b"\x00" in data:
            line = data[: data.index(b"\x00")].count(b"\n") + 1
            self.diags.add(rel, line, 1, "this is a binary file, not UTF-8 text; parts and "
                           "YAML files must be plain text")
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            self.diags.add(rel, line, col, f"invalid UTF-8 (byte 0x{data[exc.start]:02x}); "
                           "save the file as UTF-8")
            return None
        text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        for line, col, chars in glyphs.undrawable(text):
            self.diags.add(rel, line, col, glyphs.message(chars))
        return text


def _model_for(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that owns the field at ``loc`` (to suggest key names)."""
    current: Any = model
    for key in loc:
        if isinstance(key, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(key))  # type: ignore[attr-defined]
        if field is None:
            return None
        current = _unwrap(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """The class inside an optional, sequence or annotated type.

    The class inside ``X | None``, ``tuple[X, ...]``, ``list[X]`` or ``Annotated[X, ...]`` (a model
    class when one is among the choices).
    """
    current = annotation
    while True:
        origin = typing.get_origin(current)
        if origin in (typing.Union, types.UnionType, tuple, list):
            args = [a for a in typing.get_args(current) if a not in (type(None), Ellipsis)]
            current = next((a for a in args if isinstance(a, type)
                            and issubclass(a, BaseModel)), args[0] if args else None)
        elif origin is typing.Annotated:
            current = typing.get_args(current)[0]
        else:
            return current


def _public_fields(model: type[BaseModel]) -> list[str]:
    schema: type[BaseModel] = model
    if model is Part:
        schema = PartMeta
    elif model is Series:
        schema = SeriesMeta
    return list(schema.model_fields)


M = typing.TypeVar("M", bound=BaseModel)


def _validate(schema: type[M], raw: dict[str, Any], rel: str, pos: yamlpos.Positions,
              diags: _Collector, model: type[BaseModel] | None = None,
              context: dict[str, Any] | None = None) -> M | None:
    """``raw`` validated as ``schema``, or None.

    Every problem is added to ``diags``, including values a ``#`` left empty, which would otherwise
    pass as absent.
    """
    model = model or schema
    commented = _commented_out(model, rel, pos, diags)
    try:
        result = schema.model_validate(raw, context=context)
    except ValidationError as exc:
        _validation_diagnostics(exc, model, rel, pos, diags, skip=commented)
        return None
    return None if commented else result


def _is_field(model: type[BaseModel], path: tuple[Any, ...]) -> bool:
    """Whether ``path`` leads to a field of ``model`` (or an item of a list field)."""
    while path and isinstance(path[-1], int):
        path = path[:-1]
    if not path:
        return False
    owner = _model_for(model, path[:-1]) if len(path) > 1 else model
    return owner is not None and str(path[-1]) in _public_fields(owner)


def _commented_out(model: type[BaseModel], rel: str, pos: yamlpos.Positions,
                   diags: _Collector) -> set[tuple[Any, ...]]:
    """Report each field whose value a ``#`` turned into a YAML comment.

    ``accent_color: #123456`` is null in YAML, and would pass silently as an absent optional key.
    """
    found: set[tuple[Any, ...]] = set()
    for path, line, col, comment in pos.commented():
        if not _is_field(model, path):
            continue  # an unknown key: reported as such
        found.add(path)
        key = ".".join(map(str, path))
        if comment[1:2] in ("", " ", "\t"):
            diags.add(rel, line, col, f"{key} has no value: the rest of the line is a YAML "
                      "comment; write the value before the '#', or quote it if it starts "
                      "with '#'")
            continue
        shown = (f"- \"{comment}\"" if isinstance(path[-1], int)
                 else f"{path[-1]}: \"{comment}\"")
        diags.add(rel, line, col, f"{key} has no value: an unquoted '#' starts a YAML comment, "
                  f"so {comment} is ignored; quote it: {shown}")
    return found


def _validation_diagnostics(exc: ValidationError, model: type[BaseModel], rel: str,
                            pos: yamlpos.Positions, diags: _Collector,
                            skip: Collection[tuple[Any, ...]] = ()) -> None:
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if loc in skip and err["type"] != "extra_forbidden":
            continue  # reported as a value a comment left empty
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            owner = _model_for(model, loc[:-1]) or model
            known = _public_fields(owner)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
            line, col = pos.of_key(loc)
            diags.add(rel, line, col, f"unknown key {'.'.join(map(str, loc))!r}; {hint}")
            continue
        if err["type"] == "missing":
            line, col = pos.of_value(loc[:-1])
            diags.add(rel, line, col, f"missing required key {'.'.join(map(str, loc))!r}; "
                      "add it")
            continue
        if loc and loc[-1] == "[key]":  # a mapping's key is wrong: point at the key
            line, col = pos.of_key(loc[:-1])
            diags.add(rel, line, col, f"{'.'.join(map(str, loc[:-1]))}: {msg}")
            continue
        loc = _where(loc, msg) or _named_key(model, msg)
        line, col = pos.of_value(loc)
        key = ".".join(map(str, loc))
        diags.add(rel, line, col, f"{key}: {msg}" if key else msg)


def _where(loc: tuple[Any, ...], msg: str) -> tuple[Any, ...]:
    """The value a whole-model or whole-field error is about, from its message."""
    core = re.match(r"item (\d+) is a core item", msg)
    if loc == ("cci",) and core:  # the answer of one CCI item
        return ("cci", core.group(1))
    if not loc and msg.startswith("updated_at"):
        return ("updated_at",)
    if not loc and msg.startswith("duplicate reference"):
        return ("references",)
    return loc


def _named_key(model: type[BaseModel], msg: str) -> tuple[Any, ...]:
    """Where a check across fields points.

    The key its message names first (``changes.0.on (...) is before``, ``next_review (...)
    disagrees``), else nowhere in particular.
    """
    named = tuple(int(k) if k.isdigit() else k for k in msg.split(" ", 1)[0].split("."))
    return named if _is_field(model, named) else ()


def _split_front_matter(text: str, rel: str, diags: _Collector) -> tuple[str, str, int] | None:
    """(yaml, body, body_first_line) or None with a diagnostic."""
    first = text.split("\n", 1)[0]
    if first.rstrip() != "---":
        diags.add(rel, 1, 1, "missing front matter: start the file with a line '---', then the "
                  "YAML keys (title, part, slug, summary, publish_at), then a line '---'")
        return None
    rest = text[len(first) + 1:]
    end = FRONT_MATTER_END.search(rest)
    if end is None:
        diags.add(rel, 1, 1, "front matter is not closed; add a line '---' after the YAML keys")
        return None
    yaml_text = rest[: end.start()]
    body = rest[end.end():].removeprefix("\n")
    body_line = 2 + yaml_text.count("\n") + 1
    return yaml_text, body, body_line


def _load_yaml(src: _Source, rel: str, text: str,
               offset: int = 0) -> tuple[Any, yamlpos.Positions] | None:
    try:
        value, pos = yamlpos.parse(text, offset)
    except yamlpos.YamlProblem as exc:
        src.diags.add(rel, exc.line + offset, exc.column, exc.message)
        return None
    _escaped_glyphs(value, (), text, rel, pos, src.diags)
    value = _strip_controls(value, (), rel, pos, src.diags)
    if not isinstance(value, dict):
        src.diags.add(rel, 1 + offset, 1, "expected YAML keys and values (a mapping) here")
        return None
    return value, pos


def _control_message(found: str) -> str:
    names = ", ".join(sorted({f"U+{ord(c):04X}" for c in found}))
    return (f"removed control character(s) {names}; no output can show them (write the "
            "text without escapes such as \\x1b or \\a)")


def _invisible_message(found: str) -> str:
    names = ", ".join(sorted({f"U+{ord(c):04X}" for c in found}))
    return (f"invisible character(s) {names} (bidi override or zero-width): they can make "
            "the text read differently from what it says; delete them unless you mean them")


def _escaped_glyphs(value: Any, path: tuple[Any, ...], text: str, rel: str,
                    pos: yamlpos.Positions, diags: _Collector) -> None:
    r"""A character no handout font draws, written as a YAML escape (\U0001F600).

    The file's text does not hold it (``_Source.read_text()`` reports those), so it is reported at
    the value.
    """
    if isinstance(value, str):
        escaped = [c for _, _, chars in glyphs.undrawable(value) for c in chars
                   if c not in text]
        if escaped:
            line, col = pos.of_value(path)
            diags.add(rel, line, col, f"{glyphs.message(list(dict.fromkeys(escaped)))} "
                      "(written as an escape)")
    elif isinstance(value, dict):
        for k, v in value.items():
            _escaped_glyphs(v, (*path, k), text, rel, pos, diags)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _escaped_glyphs(v, (*path, i), text, rel, pos, diags)


def _strip_controls(value: Any, path: tuple[Any, ...], rel: str, pos: yamlpos.Positions,
                    diags: _Collector) -> Any:
    """Remove control characters from every YAML string, with a warning at each value.

    Flag invisible characters (``INVISIBLE_CHARS``) with a warning too.
    """
    if isinstance(value, str):
        if invisible := "".join(INVISIBLE_CHARS.findall(value)):
            line, col = pos.of_value(path)
            diags.add(rel, line, col, _invisible_message(invisible), Severity.WARNING)
        found = "".join(CONTROL_CHARS.findall(value))
        if found:
            line, col = pos.of_value(path)
            diags.add(rel, line, col, _control_message(found), Severity.WARNING)
            return CONTROL_CHARS.sub("", value)
        return value
    if isinstance(value, dict):
        return {k: _strip_controls(v, (*path, k), rel, pos, diags) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_controls(v, (*path, i), rel, pos, diags) for i, v in enumerate(value)]
    return value


def _strip_body_controls(body: str, rel: str, first_line: int, diags: _Collector) -> str:
    if INVISIBLE_CHARS.search(body):
        for n, text in enumerate(body.split("\n")):
            if match := INVISIBLE_CHARS.search(text):
                diags.add(rel, first_line + n, match.start() + 1,
                          _invisible_message("".join(INVISIBLE_CHARS.findall(text))),
                          Severity.WARNING)
    if not CONTROL_CHARS.search(body):
        return body
    lines = body.split("\n")
    for n, text in enumerate(lines):
        match = CONTROL_CHARS.search(text)
        if match:
            diags.add(rel, first_line + n, match.start() + 1,
                      _control_message("".join(CONTROL_CHARS.findall(text))), Severity.WARNING)
            lines[n] = CONTROL_CHARS.sub("", text)
    return "\n".join(lines)


def _timezone(raw: dict[str, Any]) -> ZoneInfo:
    try:
        return ZoneInfo(str(raw.get("timezone") or "UTC"))
    except Exception:
        return ZoneInfo("UTC")


@dataclass
class _PartFile:
    """What one part file gave.

    The part (None when its front matter is invalid), and what link checking and image loading need,
    known even when the front matter is not.
    """

    rel: str
    part: Part | None
    number: int | None
    slug: str | None
    anchors: tuple[str, ...] = ()
    links: list[markdown.PartLink] = field(default_factory=list)
    images: list[tuple[str, int, int]] = field(default_factory=list)
    """(src, line, column) of each local image, where the body shows it."""


FILE_NAME_KEYS = re.compile(r"^0*(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)\.(?:md|markdown)\Z")


def _identity(rel: str, raw: dict[str, Any]) -> tuple[int | None, str | None]:
    """The number and slug a part is linked by, even when its front matter is invalid.

    From its front matter even when that is invalid elsewhere (else from a file name like
    ``02-dosing.md``), so one bad key does not also report every link to the part as dangling.
    """
    named = FILE_NAME_KEYS.match(posixpath.basename(rel))
    number = raw.get("part")
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        number = int(named.group(1)) if named else None
    slug = raw.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        slug = named.group(2) if named else None
    return number, slug


@dataclass
class _Front:
    """A part file read: its front matter and body, each problem reported on the way."""

    raw: Any
    """The front matter as parsed (``{}`` when its YAML does not parse)."""
    pos: yamlpos.Positions
    parsed: bool
    """Whether the YAML parsed (else there is nothing to validate)."""
    body: str
    """The body, invisible control characters taken out."""
    body_line: int


def _read_front(src: _Source, rel: str) -> _Front | None:
    """A part file's (or a translated part's) front matter and body.

    None when the file cannot be read or has no front matter, reported.
    """
    text = src.read_text(rel)
    split = _split_front_matter(text, rel, src.diags) if text is not None else None
    if split is None:
        return None
    yaml_text, body, body_line = split
    body = _strip_body_controls(body, rel, body_line, src.diags)
    loaded = _load_yaml(src, rel, yaml_text, offset=1)
    raw, pos = loaded if loaded is not None else ({}, yamlpos.Positions())
    return _Front(raw, pos, loaded is not None, body, body_line)


def _load_part(src: _Source, rel: str, tz: ZoneInfo) -> _PartFile | None:
    front = _read_front(src, rel)
    if front is None:
        return None
    raw, pos, body, body_line = front.raw, front.pos, front.body, front.body_line
    meta: PartMeta | None = None
    if front.parsed:
        meta = _validate(PartMeta, raw, rel, pos, src.diags, Part, {"timezone": tz})
    # The body is checked even under invalid front matter: every problem in one pass.
    analysis = markdown.analyze(body, src.diags.show(rel), body_line)
    src.diags.items.extend(analysis.diagnostics)
    images = _local_images(src, rel, analysis.images)
    for path, line, col in analysis.files:
        _check_linked_file(src, path, rel, line, col)
    number, slug = (meta.part, meta.slug) if meta is not None else _identity(rel, raw)
    found = _PartFile(rel, None, number, slug, tuple(analysis.anchors), analysis.links, images)
    if meta is None:
        return found
    order = _citation_order(src, rel, meta, pos, analysis.citations)
    found.part = Part(
        **dict(meta),
        source=SourceRef(path=rel, line=1),
        body=body,
        body_line=body_line,
        anchors=tuple(analysis.anchors),
        citation_order=order,
        faq=tuple(FaqItem(question=q, answer=a, anchor=h) for q, a, h in analysis.faq),
        images=tuple(dict.fromkeys(img for img, _, _ in images)),
        word_count=analysis.words,
    )
    return found


def _local_images(src: _Source, rel: str, found: Iterable[tuple[str, str, int, int]]
                  ) -> list[tuple[str, int, int]]:
    """The body's images that name a file under the source.

    Each without alt text, remote or with a refused name is reported where it is.
    """
    images: list[tuple[str, int, int]] = []
    for img_src, alt, line, col in found:
        if not alt:
            src.diags.add(rel, line, col, f"image {img_src!r} has no alt text; describe it "
                          "in the brackets: ![what it shows](...)", Severity.WARNING)
        if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", img_src) or img_src.startswith("//"):
            src.diags.add(rel, line, col, f"remote image {img_src!r} removed; ketapub never "
                          "fetches at build time: put the file under assets/",
                          Severity.WARNING)
            continue
        if (problem := _name_problem(img_src)) is not None:
            src.diags.add(rel, line, col, f"image {problem}")
            continue
        images.append((markdown.local_path(img_src), line, col))
    return images


def _citation_order(src: _Source, rel: str, meta: PartMeta, pos: yamlpos.Positions,
                    citations: Iterable[tuple[str, int, int]]) -> tuple[str, ...]:
    """Reference ids by first citation, then the ones never cited (a warning each).

    An unknown citation is an error, with a close match offered for the first few.
    """
    known_refs = {r.id for r in meta.references}
    order: dict[str, None] = {}  # insertion-ordered set: linear for any number of ids
    hints = 0
    for cid, line, col in citations:
        if cid not in known_refs:
            hints += 1  # a close match costs a pass over every id: offer the first few
            close = (difflib.get_close_matches(cid, sorted(known_refs), n=1)
                     if hints <= 20 else [])
            hint = (f"did you mean [@{close[0]}]?" if close
                    else "add it under 'references' in the front matter")
            src.diags.add(rel, line, col, f"unknown citation [@{cid}]; {hint}")
        elif cid not in order:
            order[cid] = None
    for idx, ref in enumerate(meta.references):
        if ref.id not in order:
            line, col = pos.of_value(("references", idx, "id"))
            src.diags.add(rel, line, col, f"reference {ref.id!r} is never cited; cite it as "
                          f"[@{ref.id}] or remove it", Severity.WARNING)
            order[ref.id] = None
    return tuple(order)


def _check_links(files: Iterable[_PartFile], diags: _Collector,
                 others: Iterable[tuple[str, list[markdown.PartLink]]] = ()) -> None:
    """Check that every ``part:`` link names a part and, when it has one, its anchor.

    Every ``part:`` link of the parts (and of ``others``: the disclaimer) must name a part and, with
    ``#anchor``, one of its anchors. A part with invalid front matter still counts (its own problems
    are reported on it, not on every link to it).
    """
    files = list(files)
    by_key: dict[str, _PartFile] = {}
    for f in files:
        for key in (f.number, f.slug):
            if key is not None:
                by_key.setdefault(str(key), f)
    for rel, links in [(f.rel, f.links) for f in files] + list(others):
        for link in links:
            target = by_key.get(link.target)
            if target is None:
                close = difflib.get_close_matches(link.target, sorted(by_key), n=1)
                hint = f"did you mean part:{close[0]}?" if close else "check the number or slug"
                diags.add(rel, link.line, link.column,
                          f"link to unknown part 'part:{link.target}'; {hint}")
            elif link.anchor and link.anchor not in target.anchors:
                close = difflib.get_close_matches(link.anchor, target.anchors, n=1)
                hint = (f"did you mean #{close[0]}?" if close
                        else f"add {{#{link.anchor}}} to a heading in {target.rel}")
                name = f"part {target.number}" if target.number is not None else target.rel
                diags.add(rel, link.line, link.column,
                          f"{name} has no anchor '#{link.anchor}'; {hint}")


def _disclaimer_links(src: _Source, meta: SeriesMeta | None, text: str | None,
                      pos: yamlpos.Positions) -> list[tuple[str, list[markdown.PartLink]]]:
    """The ``part:`` links of the series disclaimer, located in series.yaml.

    Its links to files under assets/ are checked here.
    """
    if meta is None or not meta.disclaimer or text is None:
        return []
    line, col = pos.of_value(("disclaimer",))
    lines = text.split("\n")
    indent = col - 1
    if lines[line - 1][col - 1:col] in ("|", ">"):  # a block scalar starts on the next line
        line += 1
        while line <= len(lines) and not lines[line - 1].strip():
            line += 1
        body_line = lines[line - 1] if line <= len(lines) else ""
        indent = len(body_line) - len(body_line.lstrip(" "))
    elif lines[line - 1][col - 1:col] in ("'", '"'):
        indent = col  # the text starts after the quote
    analysis = markdown.analyze(meta.disclaimer, "series.yaml", line)
    for path, file_line, file_col in analysis.files:
        _check_linked_file(src, path, "series.yaml", file_line, file_col + indent)
    return [("series.yaml", [replace(link, column=link.column + indent)
                             for link in analysis.links])]


def _name_problem(href: str) -> str | None:
    r"""Why a local destination (``assets/...``) cannot be published as a URL, or None.

    A name holding ``%`` or ``\`` (or a destination that escapes ``/`` or ``\`` as
    ``%2F``/``%5C``) is published as a URL that a partner's web server may decode into
    another path, so such names are refused rather than escaped.
    """
    if re.search(r"%(?:2f|5c)", href, re.IGNORECASE):
        return (f"{href!r} escapes a '/' or '\\' (%2F, %5C), which a web server may decode "
                "into another path; write the path with plain '/'")
    name = unquote(href.split("#", 1)[0].split("?", 1)[0])
    if "%" in name or "\\" in name:
        return (f"{name!r}: a file name with '%' or '\\' is published as a URL that a web "
                "server may decode into another path; rename the file without them")
    return None


def _check_linked_file(src: _Source, href: str, where: str, line: int, col: int) -> None:
    """A link to a file of the source (``assets/form.pdf``) must name one that is there.

    Every output links its published URL, so a typo would be a dead link in all of them.
    """
    if (problem := _name_problem(href)) is not None:
        src.diags.add(where, line, col, f"link to {problem}")
        return
    path = markdown.source_file(href) or href
    plain = unquote(href.split("#", 1)[0].split("?", 1)[0])
    clean = posixpath.normpath(plain)
    target = (src.inside(src.locate(path)) if clean == plain and not clean.startswith("..")
              else None)
    if target is None:
        src.diags.add(where, line, col, f"link to {plain!r} leaves the source folder or is not "
                      "a plain path; link a file under assets/ as assets/<name>")
    elif not target.is_file():
        src.diags.add(where, line, col, f"link to a missing file {plain!r}; put it under the "
                      "source folder at that path, or fix the link (check its case)")
    elif len(twins := src.twins(src.locate(path))) > 1:
        src.diags.add(where, line, col, _twins_message(plain, twins))


def _twins_message(rel: str, twins: list[str]) -> str:
    shown = ", ".join(ascii(t) for t in twins)
    return (f"{rel!r} names {len(twins)} files that differ only in how their letters are "
            f"encoded (Unicode NFC and NFD: {shown}); keep one of them")


def contrast_on_white(hex_colour: str) -> float:
    """WCAG 2 contrast ratio of a CSS hex colour (alpha blended onto white) against white.

    Args:
        hex_colour: a CSS hex colour (``#1f6f8b``; 3, 4, 6 or 8 digits).
    """
    digits = hex_colour.lstrip("#")
    if len(digits) in (3, 4):
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    alpha = int(digits[6:8], 16) / 255 if len(digits) == 8 else 1.0
    channels = [alpha * c + (1 - alpha) for c in channels]

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in channels)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


def _media_type(rel: str) -> str | None:
    return MEDIA_TYPES.get(Path(rel).suffix.lower())


def _load_asset(src: _Source, rel: str, where: str, line: int, col: int) -> Asset | None:
    media_type = _media_type(rel)
    if media_type is None:
        src.diags.add(where, line, col, f"{rel!r} is not a supported image; use "
                      f"{', '.join(sorted(MEDIA_TYPES))}")
        return None
    if len(twins := src.twins(src.locate(rel))) > 1:
        src.diags.add(where, line, col, _twins_message(rel, twins))
        return None
    data = src.read_bytes(rel, MAX_ASSET_BYTES, line, col, where=where)
    if data is None:
        return None
    data = _check_image(src, rel, media_type, data)
    if data is None:
        return None
    return Asset(path=rel, media_type=media_type, data=data,
                 sha256=hashlib.sha256(data).hexdigest())


def _check_image(src: _Source, rel: str, media_type: str, data: bytes) -> bytes | None:
    """Check an asset image: an inert SVG, or a raster that is safe to decode.

    An SVG made inert (see sanitize.clean_svg), or a raster image that is what its name says and
    small enough to decode (no decompression bombs); None with a diagnostic.
    """
    if media_type == "image/svg+xml":
        try:
            cleaned, removed = sanitize.clean_svg(data, max_pixels=MAX_IMAGE_PIXELS)
        except sanitize.SvgError as exc:
            src.diags.add(rel, exc.line, 1, str(exc))
            return None
        for line, what in removed:
            src.diags.add(rel, line, 1, f"removed {what} from SVG; images may not run code "
                          "or load anything (see SECURITY.md)", Severity.WARNING)
        return cleaned
    import io
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as img:
                fmt, (width, height) = img.format or "", img.size
    except Image.DecompressionBombError:
        src.diags.add(rel, 1, 1, f"image is over the limit of {MAX_IMAGE_PIXELS:,} pixels; "
                      "scale it down")
        return None
    except Exception as exc:  # Pillow raises many kinds for a broken file
        src.diags.add(rel, 1, 1, f"not a readable {media_type} image ({type(exc).__name__}); "
                      "export it again")
        return None
    if f"image/{fmt.lower()}" != media_type:
        src.diags.add(rel, 1, 1, f"the file is a {fmt or 'unknown'} image but its name says "
                      f"{media_type}; rename it")
        return None
    if width * height > MAX_IMAGE_PIXELS:
        src.diags.add(rel, 1, 1, f"image is {width}x{height} pixels, over the limit of "
                      f"{MAX_IMAGE_PIXELS:,} pixels; scale it down")
        return None
    return data


def _load_brand(src: _Source, rel: str, taken: set[str],
                want: typing.Callable[[str, str, int, int], None]
                ) -> tuple[Brand | None, dict[str, Any]]:
    """A brand file and its raw keys.

    Every problem of the file is reported, the logo's too when other keys are wrong (a user fixes
    all of them in one pass).
    """
    text = src.read_text(rel)
    loaded = _load_yaml(src, rel, text) if text is not None else None
    if loaded is None:
        return None, {}
    raw, pos = loaded
    brand = _validate(Brand, raw, rel, pos, src.diags)
    if brand is not None and brand.id in taken:
        line, col = pos.of_value(("id",))
        src.diags.add(rel, line, col, f"duplicate brand id {brand.id!r}; ids must be unique")
        brand = None
    if brand is not None and brand.id in RESERVED_BRAND_IDS:
        line, col = pos.of_value(("id",))
        src.diags.add(rel, line, col, f"brand id {brand.id!r} is reserved: large-print "
                      f"handouts go to pdf/{LARGE_PRINT}/, so a clinic by that id would share "
                      "their folder; choose another id")
        brand = None
    logo = raw.get("logo")
    line, col = pos.of_value(("logo",))
    if brand is not None:
        if brand.logo:
            want(brand.logo, rel, line, col)
        if brand.accent_color and (ratio := contrast_on_white(brand.accent_color)) < 4.5:
            line, col = pos.of_value(("accent_color",))
            src.diags.add(rel, line, col, f"accent_color {brand.accent_color} has a contrast "
                          f"of {ratio:.1f}:1 on white, and handouts set text in it (the FAQ's "
                          "\"Q.\"); readers need 4.5:1: choose a darker colour", Severity.WARNING)
    elif isinstance(logo, str) and _plain_rel_path(logo):
        _load_asset(src, logo.replace("\\", "/"), rel, line, col)  # checked, not kept
    return brand, raw


def _case_twins(assets: dict[str, Asset], wanted_at: dict[str, tuple[str, int, int]],
                diags: _Collector) -> None:
    """Assets whose paths differ only in case are refused.

    Outputs copy them side by side (``html/assets/``), which a case-insensitive file system cannot
    hold, so the build would fail on them; the second one named is reported where it is named.
    """
    seen: dict[str, str] = {}
    for rel in sorted(assets, key=lambda r: (wanted_at[r], r)):
        other = seen.setdefault(rel.casefold(), rel)
        if other != rel:
            where, line, col = wanted_at[rel]
            diags.add(where, line, col, f"assets {other!r} and {rel!r} differ only in case, "
                      "and outputs copy assets side by side, which a case-insensitive file "
                      "system cannot hold; rename one of them")


def _count(problems: Collection[object]) -> str:
    return f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"


def _plain_rel_path(value: str) -> bool:
    try:
        _check_rel_path(value)
    except ValueError:
        return False
    return True


def _ordered_files(src: _Source, folder: str, suffixes: tuple[str, ...]) -> list[str]:
    base = src.root / folder
    if not base.is_dir():
        return []
    if src.inside(folder) is None:
        src.diags.add(folder, 1, 1, "this folder leads outside the source folder; "
                      "replace the symlink with a real folder")
        return []
    return sorted(f"{folder}/{p.name}" for p in base.iterdir()
                  if p.suffix.lower() in suffixes and not p.name.startswith("."))


def load(source: str | os.PathLike[str] = "content", *, strict: bool = False) -> Series:
    """Load and validate a source folder.

    Every problem is found before any is reported, so one run lists them all, each with its
    file, line and column.

    Args:
        source: the folder holding ``series.yaml`` and ``parts/``; default ``"content"``.
        strict: treat warnings as errors; default False.

    Returns:
        The validated ``Series``; its ``warnings`` hold the load's warnings.

    Raises:
        SourceError: the folder has problems; ``diagnostics`` lists every one (with
            ``strict``, the warnings too).

    Examples:
        >>> import tempfile
        >>> from ketapub import load, testing
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     series = load(testing.write_sample_series(tmp))
        >>> series.title
        'Sample Series'
        >>> [(p.number, p.slug) for p in series.parts]
        [('01', 'first'), ('02', 'second'), ('03', 'third')]
    """
    root = Path(source)
    display = str(source).rstrip("/") or "."
    diags = _Collector(display)
    if not root.is_dir():
        raise SourceError([Diagnostic(display, 1, 1, "source folder not found; pass the folder "
                                      "that holds series.yaml and parts/, or run ketapub "
                                      "inside it")])
    src = _Source(root, diags)
    series = _read_series(src)
    loaded_parts = _read_parts(src, _timezone(series.raw))
    parts = [f.part for f in loaded_parts if f.part is not None]
    _check_unique(parts, diags)
    parts.sort(key=lambda p: (p.part, p.source.path))
    _check_links(loaded_parts, diags, _disclaimer_links(src, series.meta, series.text,
                                                        series.pos))
    if series.meta is not None:
        _check_review_dates(src, series, parts)
    assets = _Assets(src)
    brands, broken = _read_brands(src, assets.want, strict)
    _want_images(series, loaded_parts, assets.want, diags)
    editions = translations.read(src, series.meta, loaded_parts, _timezone(series.raw),
                                 assets.want)
    _case_twins(assets.found, assets.wanted_at, diags)
    if strict:
        diags.items = [d.as_error() for d in diags.items]
    if diags.errors or series.meta is None:
        if series.meta is None and not diags.errors:
            diags.add("series.yaml", 1, 1, "series.yaml is missing or empty")
        raise SourceError(diags.items)
    original = _series(src, series.meta, parts, brands, broken, assets.found)
    if not editions:
        return original
    return original.model_copy(update={"translations": translations.views(original,
                                                                          editions)})


@dataclass
class _SeriesFile:
    """series.yaml as read: its text, its mapping with positions, and its model when valid."""

    text: str | None
    raw: dict[str, Any]
    pos: yamlpos.Positions
    meta: SeriesMeta | None


def _read_series(src: _Source) -> _SeriesFile:
    text = src.read_text("series.yaml")
    read = _SeriesFile(text, {}, yamlpos.Positions(), None)
    if text is not None:
        loaded = _load_yaml(src, "series.yaml", text)
        if loaded is not None:
            read.raw, read.pos = loaded
            read.meta = _validate(SeriesMeta, read.raw, "series.yaml", read.pos, src.diags,
                                  Series)
    return read


def _read_parts(src: _Source, tz: Any) -> list[_PartFile]:
    part_files = _ordered_files(src, "parts", (".md", ".markdown"))
    if not part_files and (src.root / "parts").is_dir() is False:
        src.diags.add("parts", 1, 1, "no parts/ folder; add parts/01-<slug>.md files")
    elif not part_files:
        src.diags.add("parts", 1, 1, "parts/ holds no .md files; add at least one part")
    loaded = (_load_part(src, rel, tz) for rel in part_files)
    return [f for f in loaded if f is not None]


def _check_review_dates(src: _Source, series: _SeriesFile, parts: list[Part]) -> None:
    """A ``review_interval`` needs a review date to count from (see ``ketapub.review_due``).

    The part's ``reviewed_on`` or the series'.
    """
    for p in review_due.uncountable(series.meta, parts) if series.meta else ():
        if p.review_interval is not None:
            line, col = review_due.key_position(src.root / p.source.path, ("review_interval",))
            rel = p.source.path
        else:
            (line, col), rel = series.pos.of_value(("review_interval",)), "series.yaml"
        src.diags.add(rel, line, col, f"review_interval: part {p.part} has no review date to "
                      "count from; give it reviewed_on, give the series medical_review."
                      "reviewed_on, or write next_review as a date")


def _check_unique(parts: list[Part], diags: _Collector) -> None:
    """Each part needs its own number and slug."""
    for key in ("part", "slug"):
        seen: dict[Any, Part] = {}
        for p in parts:
            value = getattr(p, key)
            if value in seen:
                other = seen[value]
                diags.add(p.source.path, 2, 1, f"duplicate {key} {value!r}: also used by "
                          f"{diags.show(other.source.path)}; each part needs its own {key}")
            else:
                seen[value] = p


_Want = typing.Callable[[str, str, int, int], None]
"""``want(path, where, line, column)``: load the asset at ``path``, reported at ``where``."""


class _Assets:
    """The assets the source refers to, each loaded once, with where it was first wanted."""

    def __init__(self, src: _Source):
        self.src = src
        self.found: dict[str, Asset] = {}
        self.wanted_at: dict[str, tuple[str, int, int]] = {}

    def want(self, rel: str, where: str, line: int, col: int) -> None:
        rel = unicodedata.normalize("NFC", rel)
        self.wanted_at.setdefault(rel, (where, line, col))
        if rel not in self.found:
            asset = _load_asset(self.src, rel, where, line, col)
            if asset is not None:
                self.found[rel] = asset


def _read_brands(src: _Source, want: _Want, strict: bool
                 ) -> tuple[list[Brand], list[BrokenBrand]]:
    brands: list[Brand] = []
    broken: list[BrokenBrand] = []
    diags = src.diags
    for rel in _ordered_files(src, "brands", (".yaml", ".yml")):
        first = len(diags.items)
        brand, raw = _load_brand(src, rel, {b.id for b in brands}, want)
        found = diags.items[first:]
        problems = tuple(d for d in found if d.severity is Severity.ERROR)
        if not problems and brand is not None:
            brands.append(brand)
            continue
        # A broken brand blocks only a build that asks for it (see build.build): here its
        # problems are warnings (errors under strict), and one more says what that means.
        given = raw.get("id")
        bid = given if isinstance(given, str) and given else Path(rel).stem
        diags.items[first:] = [replace(d, severity=Severity.WARNING) for d in found]
        if not strict:
            diags.add(rel, 1, 1, f"brand {bid!r} is left out: {_count(problems)} in this "
                      f"file; a build of its branded handouts (--brand {bid} or --brand all) "
                      "fails until they are fixed", Severity.WARNING)
        broken.append(BrokenBrand(id=bid, path=diags.show(rel), problems=problems))
    return brands, broken


def _want_images(series: _SeriesFile, loaded_parts: list[_PartFile], want: _Want,
                 diags: _Collector) -> None:
    """The cover and every image of every part, which must be paths under the source."""
    if series.meta is not None and series.meta.cover:
        line, col = series.pos.of_value(("cover",))
        want(series.meta.cover, "series.yaml", line, col)
    for f in loaded_parts:
        for img, line, col in f.images:
            bad = img.startswith("/") or ".." in img.split("/")
            if bad:
                diags.add(f.rel, line, col, f"image {img!r} must be a path under the source "
                          "folder, such as assets/figure.svg")
                continue
            want(img, f.rel, line, col)


def _series(src: _Source, meta: SeriesMeta, parts: list[Part], brands: list[Brand],
            broken: list[BrokenBrand], assets: dict[str, Asset]) -> Series:
    """The loaded series: display text with typographic quotes, a digest of every file."""
    digest = hashlib.sha256()
    for rel in sorted(src.digest):
        digest.update(f"{rel}\0{src.digest[rel]}\n".encode())
    # Display text gets the typographic quotes the bodies get (the slug is already derived).
    lang = meta.language
    parts = [p.model_copy(update={"title": markdown.typographic(p.title, lang),
                                  "summary": markdown.typographic(p.summary, lang)})
             for p in parts]
    shown = {k: markdown.typographic(v, lang) for k, v in dict(meta).items()
             if k in ("title", "subtitle", "description") and isinstance(v, str)}
    return Series(
        **(dict(meta) | shown),
        parts=tuple(parts),
        brands=tuple(sorted(brands, key=lambda b: b.id)),
        assets=tuple(assets[k] for k in sorted(assets)),
        source_hash=digest.hexdigest(),
        warnings=tuple(src.diags.items),
        broken_brands=tuple(sorted(broken, key=lambda b: (b.id, b.path))),
    )
