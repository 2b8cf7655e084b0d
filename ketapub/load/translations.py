"""Read ``translations/<lang>/``: the series in other languages, beside the original.

A translation folder holds ``series.yaml`` (the series' text in that language) and one file
per translated part, named as the original in ``parts/``. A translated part takes its text
(title, summary, body, and optionally slug, tags, URL and a later release instant) from its
file and everything else (number, references, review, withdrawal, corrections) from the
original, so a fact cannot drift between languages. Its ``translation_of`` stamp says which
version of the original it renders: a stamp that no longer matches, or a part with no
translation, is reported as a warning (an error under ``strict``), with the stamp to write.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ketapub import i18n, markdown, translation_of
from ketapub.errors import Severity
from ketapub.load import yamlpos
from ketapub.model import (
    LANG_RE,
    FaqItem,
    Part,
    Series,
    SeriesTranslationMeta,
    SourceRef,
    TranslationMeta,
)

if TYPE_CHECKING:
    from ketapub.load.source import _PartFile, _Source

FOLDER = "translations"


@dataclass
class Edition:
    """One language folder as read: its series text and its translated parts."""

    language: str
    meta: SeriesTranslationMeta | None
    parts: list[Part] = field(default_factory=list)


def read(src: _Source, series_meta: Any, originals: list[_PartFile], tz: ZoneInfo,
         want: Any) -> list[Edition]:
    """Every language folder under ``translations/``, ordered by language.

    Problems go to ``src.diags``.

    Args:
        src: the source being loaded; problems go to its diagnostics.
        series_meta: the original's ``series.yaml``, validated (None when invalid).
        originals: the loaded part files of the original.
        tz: the series timezone.
        want: loads an image the edition names.
    """
    root = src.root / FOLDER
    if not root.is_dir():
        return []
    editions = []
    for name in sorted(p.name for p in root.iterdir() if not p.name.startswith(".")):
        rel = f"{FOLDER}/{name}"
        if not (root / name).is_dir():
            src.diags.add(rel, 1, 1, f"{FOLDER}/ holds one folder per language, such as "
                          f"{FOLDER}/es/; move this file into one")
            continue
        if not LANG_RE.match(name):
            src.diags.add(rel, 1, 1, f"{name!r} is not a language tag; name the folder by "
                          "its BCP 47 tag, such as es or pt-BR")
            continue
        if series_meta is not None and name.lower() == series_meta.language.lower():
            src.diags.add(rel, 1, 1, f"{name!r} is the series' own language "
                          f"({series_meta.language}); its parts belong in parts/")
            continue
        editions.append(_read_edition(src, name, series_meta, originals, tz, want))
    return editions


def _read_edition(src: _Source, lang: str, series_meta: Any, originals: list[_PartFile],
                  tz: ZoneInfo, want: Any) -> Edition:
    from ketapub.load.source import _load_yaml, _ordered_files, _validate

    folder = f"{FOLDER}/{lang}"
    edition = Edition(lang, None)
    text = src.read_text(f"{folder}/series.yaml") if (src.root / folder / "series.yaml"
                                                      ).is_file() else None
    if text is None and not (src.root / folder / "series.yaml").is_file():
        src.diags.add(folder, 1, 1, f"{folder}/series.yaml is missing; give the series' "
                      "title and description in this language there")
    elif text is not None and (loaded := _load_yaml(src, f"{folder}/series.yaml", text)):
        edition.meta = _validate(SeriesTranslationMeta, loaded[0], f"{folder}/series.yaml",
                                 loaded[1], src.diags)
    by_name = {f.rel.rpartition("/")[2]: f for f in originals}
    translated: list[_PartFile] = []
    stamps: dict[str, tuple[int, int]] = {}
    for rel in _ordered_files(src, folder, (".md", ".markdown")):
        name = rel.rpartition("/")[2]
        original = by_name.get(name)
        if original is None:
            src.diags.add(rel, 1, 1, f"no part parts/{name} to translate; name a translation "
                          "after its original part's file (parts/NN-slug.md)")
            continue
        found = _read_part(src, rel, original, tz, stamps)
        if found is not None:
            translated.append(found)
    _check_slugs(src, translated)
    _check_links(src, translated, originals)
    for f in translated:
        for img, line, col in f.images:
            want(img, f.rel, line, col)
    edition.parts = sorted((f.part for f in translated if f.part is not None),
                           key=lambda p: p.part)
    _report_missing_and_stale(src, lang, originals, translated, stamps)
    return edition


def _read_part(src: _Source, rel: str, original: _PartFile, tz: ZoneInfo,
               stamps: dict[str, tuple[int, int]]) -> _PartFile | None:
    """Read one translated part file.

    ``stamps`` gets where its ``translation_of`` key is, for a stale-translation message
    (the YAML positions are at hand here, not later).
    """
    from ketapub.load.source import (
        _citation_order,
        _local_images,
        _PartFile,
        _read_front,
        _validate,
    )

    front = _read_front(src, rel)
    if front is None:
        return None
    pos, body, body_line = front.pos, front.body, front.body_line
    meta = (_validate(TranslationMeta, front.raw, rel, pos, src.diags,
                      context={"timezone": tz}) if front.parsed else None)
    analysis = markdown.analyze(body, src.diags.show(rel), body_line)
    src.diags.items.extend(analysis.diagnostics)
    images = _local_images(src, rel, analysis.images)
    base = original.part
    found = _PartFile(rel, None, original.number, meta.slug if meta and meta.slug
                      else original.slug, tuple(analysis.anchors), analysis.links, images)
    if meta is None or base is None or not _release_fits(src, rel, pos, meta, base):
        return found
    order = _citation_order(src, rel, base, pos, analysis.citations)
    stamps[rel] = pos.of_key(("translation_of",))
    update: dict[str, Any] = {
        "title": meta.title, "summary": meta.summary, "slug": meta.slug or base.slug,
        "publish_at": meta.publish_at or base.publish_at,
        "tags": base.tags if meta.tags is None else meta.tags, "url": meta.url,
        "source": SourceRef(path=rel, line=1), "body": body, "body_line": body_line,
        "anchors": tuple(analysis.anchors), "citation_order": order,
        "faq": tuple(FaqItem(question=q, answer=a, anchor=h) for q, a, h in analysis.faq),
        "images": tuple(dict.fromkeys(img for img, _, _ in images)),
        "word_count": analysis.words, "translation_of": meta.translation_of,
    }
    found.part = Part.model_validate(base.model_dump() | update, context={"timezone": tz})
    return found


def _release_fits(src: _Source, rel: str, pos: yamlpos.Positions, meta: TranslationMeta,
                  base: Part) -> bool:
    """A translation comes out with its original or later, and before the original ends."""
    when = meta.publish_at
    if when is None:
        return True
    line, col = pos.of_value(("publish_at",))
    if when < base.publish_at:
        src.diags.add(rel, line, col, f"publish_at ({when.isoformat()}) is before the "
                      f"original's ({base.publish_at.isoformat()}); a translation is "
                      "released with its original or later: remove publish_at or move it")
        return False
    if base.ends_at is not None and when >= base.ends_at:
        src.diags.add(rel, line, col, f"publish_at ({when.isoformat()}) is not before the "
                      f"original's end ({base.ends_at.isoformat()}); the translation "
                      "would never be out")
        return False
    return True


def _check_slugs(src: _Source, translated: list[_PartFile]) -> None:
    seen: dict[str, str] = {}
    for f in translated:
        if f.part is None:
            continue
        other = seen.setdefault(f.part.slug, f.rel)
        if other != f.rel:
            src.diags.add(f.rel, 1, 1, f"duplicate slug {f.part.slug!r}: also used by "
                          f"{src.diags.show(other)}; give each translation its own slug")


def _check_links(src: _Source, translated: list[_PartFile], originals: list[_PartFile]
                 ) -> None:
    """Check a translation's ``part:`` links against the parts of its language.

    They name parts by number, or by the slug in that language; an untranslated part is named
    as the original is.
    """
    from ketapub.load.source import _check_links as check

    have = {f.number for f in translated}
    stand_ins = [replace(f, links=[]) for f in originals if f.number not in have]
    check([*translated, *stand_ins], src.diags)


def _report_missing_and_stale(src: _Source, lang: str, originals: list[_PartFile],
                              translated: list[_PartFile],
                              stamps: dict[str, tuple[int, int]]) -> None:
    folder = f"{FOLDER}/{lang}"
    name = i18n.language_name(lang, "en")
    done = {f.number: f for f in translated}
    for original in originals:
        part = original.part
        if part is None:
            continue
        stamp = translation_of.body_digest(part.body)
        mine = done.get(original.number)
        file_name = original.rel.rpartition("/")[2]
        if mine is None:
            src.diags.add(folder, 1, 1, f"missing translation: part {part.part} "
                          f"({original.rel}) has no {name} translation; add "
                          f"{folder}/{file_name} with translation_of: \"{stamp}\"",
                          Severity.WARNING)
        elif mine.part is not None and mine.part.translation_of != stamp:
            line, col = stamps.get(mine.rel, (1, 1))
            src.diags.add(mine.rel, line, col, f"stale translation: {original.rel} changed "
                          f"since this translation (translation_of "
                          f"{mine.part.translation_of}, the original is now {stamp}); "
                          f"update the text, then write translation_of: \"{stamp}\"",
                          Severity.WARNING)


def views(original: Series, editions: list[Edition]) -> tuple[Series, ...]:
    """Each edition as a whole ``Series`` in its language.

    The original's metadata with the edition's text, and the parts translated into it.

    Args:
        original: the loaded original series.
        editions: what ``read()`` found.
    """
    out = []
    for ed in editions:
        if ed.meta is None:
            continue
        meta = ed.meta
        lang = ed.language
        shown = {k: markdown.typographic(v, lang) for k, v in
                 (("title", meta.title), ("subtitle", meta.subtitle),
                  ("description", meta.description)) if v is not None}
        ident = meta.identifier or (
            f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{original.identifier}#{lang}')}")
        parts = tuple(p.model_copy(update={"title": markdown.typographic(p.title, lang),
                                           "summary": markdown.typographic(p.summary, lang)})
                      for p in ed.parts)
        out.append(original.model_copy(update={
            **shown, "subtitle": shown.get("subtitle"), "language": lang,
            "disclaimer": meta.disclaimer if meta.disclaimer is not None
            else original.disclaimer,
            "identifier": ident, "parts": parts, "translations": (), "warnings": (),
            "broken_brands": (), "original_language": original.language,
        }))
    return tuple(out)
