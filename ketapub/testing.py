"""Test helpers for renderer authors: a small series, rendering to memory, and assertions.

A plugin's tests need a series that uses the dialect, an instant at which some parts are out
and one is not, and a way to run the renderer exactly as a build would, without a disk::

    from ketapub import testing

    artifacts = testing.render_artifacts(MyRenderer)          # the sample series, as of
    testing.assert_artifact(artifacts, "my/01-first.txt")     # SAMPLE_AS_OF
    testing.assert_no_unreleased_text(artifacts, testing.sample_series(), testing.SAMPLE_AS_OF)

Only ketapub's runtime dependencies are used, so the module works wherever ketapub does; the
assertions raise ``AssertionError``, which every test runner reports.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path

from ketapub.errors import RenderError
from ketapub.load import load
from ketapub.model import Series
from ketapub.plan import plan
from ketapub.render.base import Artifact, ArtifactInfo, BuildOptions, Job, RenderContext, Renderer
from ketapub.schedule import AsOf, resolve_as_of

SAMPLE_AS_OF = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
"""An instant at which the sample series has parts 1 and 2 out and part 3 still to come."""

UNRELEASED_MARKER = "UNRELEASED SAMPLE TEXT"
"""Words only the sample series' unreleased part 3 contains: no artifact made as of
``SAMPLE_AS_OF`` may show them."""

_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60">
<title>Sample chart</title>
<rect x="10" y="20" width="20" height="30" fill="#1f6f8b"/>
<rect x="50" y="10" width="20" height="40" fill="#1f6f8b"/>
</svg>
"""

SAMPLE_FILES: Mapping[str, str] = {
    "series.yaml": """\
title: "Sample Series"
description: "A small series that uses every construct renderers must handle."
language: en
base_url: "https://example.org/sample/"
timezone: UTC
publisher: "Sample Publisher"
authors:
  - name: "Sam Writer"
disclaimer: "Educational only, not medical advice."
""",
    "parts/01-first.md": """\
---
title: "First part"
part: 1
slug: first
summary: "The first part, out since January."
publish_at: 2025-01-01
references:
  - id: smith
    text: "Smith J. A study of samples. J Test. 2020;1:1-2."
    url: "https://example.org/smith"
---
The first part links to [the second part](part:2) and to [the third part](part:3),
cites a study [@smith] and has a footnote.[^1] Read more [on the web](https://example.org/more).

![A chart of two sample doses](assets/chart.svg)

## Doses {#doses}

| Form | Dose |
|:-----|-----:|
| Spray | 56 mg |
| Tablet | 10 mg |

[^1]: The footnote text of the first part.
""",
    "parts/02-second.md": """\
---
title: "Second part"
part: 2
slug: second
summary: "The second part, out since February."
publish_at: 2025-02-01
---
The second part points back to [the doses](part:first#doses).
""",
    "parts/03-third.md": f"""\
---
title: "Third part"
part: 3
slug: third
summary: "The third part, out in 2030."
publish_at: 2030-01-01
---
{UNRELEASED_MARKER}: the third part is not out until 2030 and no output may show it.
""",
    "assets/chart.svg": _SVG,
}
"""The sample series' source files (path under the source folder -> text)."""


def write_sample_series(dest: str | PathLike[str]) -> Path:
    """Write the sample series' source folder to ``dest`` and return its path.

    ``dest`` is created. For tests that run the command line or edit the source.

    Args:
        dest: the folder to create; it must not exist yet or be empty.
    """
    root = Path(dest)
    for name, text in SAMPLE_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return root


@functools.cache
def sample_series() -> Series:
    """The sample series, loaded (once per process) by the real loader.

    Three parts, the third unreleased as of ``SAMPLE_AS_OF``, with a cross-reference to a
    released and to an unreleased part, a citation, a footnote, an image asset, a table and a web
    link.
    """
    with tempfile.TemporaryDirectory(prefix="ketapub-sample-") as tmp:
        return load(write_sample_series(Path(tmp) / "sample"))


RendererLike = Renderer | type[Renderer]


def render_artifacts(renderers: RendererLike | Sequence[RendererLike],
                     series: Series | None = None, as_of: AsOf = SAMPLE_AS_OF, *,
                     options: BuildOptions | None = None) -> dict[str, Artifact]:
    """Plan and render as a build would, as of ``as_of``, writing nothing.

    The plan is checked as a build checks it (safe paths, no path twice), and a job's
    dependencies are rendered first so ``ctx.deps`` is filled.

    Args:
        renderers: a renderer (class or instance) or a sequence of them, registered or not.
        series: the series; default None: ``sample_series()``.
        as_of: the instant, as ``ketapub.build`` takes it; default ``SAMPLE_AS_OF``.
        options: the build options; default None: ``BuildOptions()``.

    Returns:
        ``{path: Artifact}`` in plan order.

    Examples:
        >>> from ketapub import testing
        >>> from ketapub.renderers.jsonfeed import JsonFeedRenderer
        >>> artifacts = testing.render_artifacts(JsonFeedRenderer)
        >>> testing.assert_artifact(artifacts, "feed/feed.json").media_type
        'application/feed+json'
        >>> testing.assert_no_unreleased_text(artifacts, testing.sample_series(),
        ...                                   testing.SAMPLE_AS_OF)
    """
    chosen = [renderers] if isinstance(renderers, Renderer | type) else list(renderers)
    by_name = {r.name: r for r in (c() if isinstance(c, type) else c for c in chosen)}
    series = series or sample_series()
    ctx = RenderContext(series=series, as_of=resolve_as_of(as_of, series.tz),
                        options=options or BuildOptions())
    jobs = {j.path: j for j in plan(list(by_name.values()), ctx)}
    ctx = replace(ctx, planned=tuple(jobs))
    done: dict[str, Artifact] = {}

    def make(job: Job) -> Artifact:
        if job.path not in done:
            deps = {d: make(jobs[d]) for d in job.depends_on if d in jobs}
            infos = {p: ArtifactInfo(p, _sha256(a.data), len(a.data), a.media_type)
                     for p, a in deps.items()}
            artifact = by_name[job.renderer].render(job, ctx.with_deps(infos))
            if artifact.path != job.path or not isinstance(artifact.data, bytes):
                raise RenderError(job.path, f"renderer returned {artifact.path!r} (bytes: "
                                  f"{isinstance(artifact.data, bytes)}) for this job")
            done[job.path] = artifact
        return done[job.path]

    return {path: make(job) for path, job in jobs.items()}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- assertions ------------------------------------------------------------------------


def assert_artifact(artifacts: Mapping[str, Artifact], path: str) -> Artifact:
    """The artifact at ``path``; an AssertionError listing what was made when there is none.

    Args:
        artifacts: what ``render_artifacts()`` returned.
        path: the output path expected.
    """
    if path not in artifacts:
        raise AssertionError(f"no artifact {path!r}; made: {', '.join(artifacts) or 'nothing'}")
    return artifacts[path]


def assert_well_formed_xml(artifact: Artifact | bytes) -> None:
    """Parse ``artifact`` as XML (no DTD, no entities, no network).

    An AssertionError with the line and column of the first error when it is not well formed.

    Args:
        artifact: an artifact or its bytes (a feed, an XHTML page, an SVG).
    """
    from lxml import etree

    data = artifact.data if isinstance(artifact, Artifact) else artifact
    where = artifact.path if isinstance(artifact, Artifact) else "<bytes>"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise AssertionError(f"{where}:{line}:{column}: not well-formed XML: {exc.msg}") from None


_WORD = re.compile(r"[^\W_]+")
_WORD_RUN = re.compile(r"[^\W_]+(?: [^\W_]+){3,}")


def unreleased_phrases(series: Series, as_of: AsOf) -> dict[int, list[str]]:
    """Phrases of the parts not released as of ``as_of``, to search artifacts for.

    Runs of four or more words of the body of each part not released as of ``as_of`` (or expired
    or withdrawn by then): what ``assert_no_unreleased_text()`` looks for. A run that a
    released part's body, a title, a summary or the series' own text also holds is left out (it is
    no sign of a leak), and so are titles and summaries, which hubs, cards and calendars show before
    the release.

    Args:
        series: the series.
        as_of: the build's instant.
    """
    ctx = RenderContext(series=series, as_of=resolve_as_of(as_of, series.tz))
    public = [p.body for p in ctx.released] + [p.title + "\n" + p.summary for p in series.parts]
    public += [series.title, series.description, series.disclaimer or ""]
    known = " " + " ".join(_WORD.findall("\n".join(public))) + " "  # words, in their order
    return {p.part: sorted({run for run in _WORD_RUN.findall(p.body) if f" {run} " not in known})
            for p in (*ctx.unreleased, *ctx.withdrawn)}


def artifact_texts(artifact: Artifact) -> dict[str, str]:
    """The text an artifact shows, by where it is.

    Where is its path, or ``path!member`` inside a ZIP container such as an EPUB; entities are
    decoded and whitespace collapsed. Images and PDFs give nothing: search a PDF's text with a
    PDF library.

    Args:
        artifact: any artifact.
    """
    if artifact.data.startswith(b"PK\x03\x04"):
        found: dict[str, str] = {}
        with zipfile.ZipFile(io.BytesIO(artifact.data)) as archive:
            for name in sorted(archive.namelist()):
                member = Artifact(f"{artifact.path}!{name}", archive.read(name), "")
                found.update(artifact_texts(member))
        return found
    try:
        text = artifact.data.decode("utf-8")
    except UnicodeDecodeError:
        return {}
    if "json" in artifact.media_type or artifact.path.endswith(".json"):
        text = "\n".join(_strings(json.loads(text)))
    return {artifact.path: " ".join(html.unescape(text).split())}


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def assert_no_unreleased_text(artifacts: Mapping[str, Artifact] | Iterable[Artifact],
                              series: Series, as_of: AsOf) -> None:
    """Fail when any artifact shows text of a part not released as of ``as_of``.

    See ``unreleased_phrases()`` and ``artifact_texts()`` for what is searched.

    Args:
        artifacts: what ``render_artifacts()`` returned, or artifacts.
        series: the series they were made from.
        as_of: the instant they were made as of.
    """
    items = artifacts.values() if isinstance(artifacts, Mapping) else artifacts
    phrases = unreleased_phrases(series, as_of)
    leaks = [f"{where}: part {n}'s {phrase!r}"
             for artifact in items for where, text in artifact_texts(artifact).items()
             for n, found in phrases.items() for phrase in found if phrase in text]
    if leaks:
        raise AssertionError("unreleased text shown:\n" + "\n".join(leaks))
