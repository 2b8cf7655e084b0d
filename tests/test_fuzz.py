"""Property-based tests: generated front matter and Markdown in the dialect.

Every generated source either loads or fails with ``path:line:column: message`` diagnostics
(never another exception); every loaded source renders well-formed output in every format;
sanitising twice equals sanitising once; every planned path stays inside the output folder.
Example counts are modest to keep the suite fast; fuzz/fuzz_load.py runs the loader for longer.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import html5lib
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

import ketapub
from ketapub import glyphs, sanitize, write
from ketapub.errors import SourceError
from ketapub.load.source import CONTROL_CHARS
from tests.helpers import SERIES

LOCATION = re.compile(r"^.+:\d+:\d+: \S")
AS_OF = "2030-01-01T00:00:00Z"
FAST_FORMATS = ("html", "jsonfeed", "rss", "atom")
SETTINGS = settings(deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
words = st.text(st.sampled_from("abc xyz<>&\"'{}%#*_[]()!@:;-/\\`~\t\n\x00\x07é日𠮷"),
                max_size=30)
slugs = st.one_of(st.from_regex(r"\A[a-z0-9]{1,8}(-[a-z0-9]{1,5}){0,2}\Z"), words)
instants = st.one_of(st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()),
                     st.sampled_from(["2025-01-01", "2025-02-30", "yesterday", "", "2025-06-01T"
                                      "09:00:00+25:00", "2025-06-01T09:00Z"]), st.integers())

BLOCKS = [
    "# Heading {#top}", "## Frequently asked questions", "### A question?", "Answer text.",
    "> [!NOTE]\n> A note.", "> [!WARNING]", "> quote\n>> nested", "- item\n  - nested",
    "1. one\n2. two", "| a | b |\n|---|---|\n| 1 | 2 |", "Term\n: Definition",
    "Text[^n].\n\n[^n]: Footnote.", "[part one](part:1)", "[bad](part:99)", "[x](part:one#nope)",
    "[@ref]", "[@missing]", "![alt](assets/none.svg)", "![](assets/x.png)", "<div>raw</div>",
    "<script>alert(1)</script>", "<p onclick=x>h</p>", "[js](javascript:alert(1))",
    "[obf](jav&#x09;ascript:x)", "`code {{ x }}`", "```\nfenced <b>\n```", "{{ 7*7 }} {% if %}",
    "***", "<!-- comment -->", "<![CDATA[ x ]]>", "&amp; &#0; &#x110000; &bogus;", "\\",
    "## Heading {#bad id}", "## Dup {#d}\n\n## Dup2 {#d}", "[^undefined]", "<",
]
bodies = st.lists(st.one_of(st.sampled_from(BLOCKS), words), max_size=10).map("\n\n".join)


@st.composite
def front_matter(draw: st.DrawFn, n: int) -> str:
    meta: dict[str, Any] = {
        "title": draw(st.one_of(text, st.just(""))),
        "part": draw(st.one_of(st.just(n), st.integers(-2, 3), st.booleans(), words)),
        "slug": draw(slugs),
        "summary": draw(text),
        "publish_at": draw(instants),
    }
    for key, strat in (("updated_at", instants), ("tags", st.lists(words, max_size=3)),
                       ("references", st.just([{"id": "ref", "text": "A reference."}])),
                       ("url", st.sampled_from(["https://example.org/x", "javascript:x", "//x"])),
                       ("unknwon", text)):
        if draw(st.booleans()):
            meta[key] = draw(strat)
    for key in list(meta):
        if draw(st.integers(0, 9)) == 0:
            del meta[key]
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    if draw(st.integers(0, 7)) == 0:  # sometimes broken YAML
        dumped = dumped.replace(":", draw(st.sampled_from(["", ": :", ":\t[", ": &a *a"])), 1)
    return dumped


@st.composite
def sources(draw: st.DrawFn) -> dict[str, str]:
    files = {"series.yaml": SERIES}
    if draw(st.integers(0, 9)) == 0:
        files["series.yaml"] = SERIES.replace("language: en", draw(st.sampled_from(
            ["language: 'e n'", "language: [en]", "langauge: en", "language: en\nlanguage: fr"])))
    for n in range(1, draw(st.integers(1, 3)) + 1):
        files[f"parts/{n:02d}.md"] = (f"---\n{draw(front_matter(n))}---\n{draw(bodies)}\n"
                                      if draw(st.integers(0, 12)) else draw(words))
    return files


BAD_BLOCKS = {"[bad](part:99)", "[x](part:one#nope)", "[@missing]", "![alt](assets/none.svg)",
              "![](assets/x.png)", "## Heading {#bad id}", "## Dup {#d}\n\n## Dup2 {#d}"}
good_bodies = st.lists(st.one_of(st.sampled_from([b.replace(" {#top}", "") for b in BLOCKS
                                                  if b not in BAD_BLOCKS]),
                                 words.map(lambda w: w.replace("\x00", ""))),
                       max_size=12).map("\n\n".join)


# (a character no handout font draws is refused at load: ketapub.glyphs)
clean_text = text.map(lambda t: "".join(c for c in CONTROL_CHARS.sub("", t)
                                        if glyphs.drawable(c))).filter(str.strip)


@st.composite
def good_sources(draw: st.DrawFn) -> dict[str, str]:
    """Sources that mostly load: valid front matter, any body without known load errors."""
    files = {"series.yaml": SERIES}
    slugs_used = ["one", "two", "three"]
    for n in range(1, draw(st.integers(1, 3)) + 1):
        meta = {"title": draw(clean_text), "part": n, "slug": slugs_used[n - 1],
                "summary": draw(clean_text),
                "publish_at": draw(st.sampled_from(["2025-01-01", "2031-01-01T09:00"])),
                "tags": draw(st.lists(words, max_size=2)),
                "references": [{"id": "ref", "text": draw(clean_text)}]}
        files[f"parts/{n:02d}.md"] = (f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n"
                                      f"{draw(good_bodies)}\n[@ref]\n")
    return files


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, "utf-8", errors="surrogatepass")
    return root


def _load(files: dict[str, str]) -> ketapub.Series | None:
    with tempfile.TemporaryDirectory() as tmp:
        root = _write(Path(tmp) / "src", files)
        try:
            return ketapub.load(root)
        except SourceError as exc:
            assert exc.diagnostics
            for d in exc.diagnostics:
                assert LOCATION.match(str(d)), str(d)
                assert d.line >= 1 and d.column >= 1
            return None


def _check_outputs(name: str, outputs: dict[str, bytes]) -> None:
    for path, data in outputs.items():
        assert write.is_safe_path(path), path
        if path.endswith(".xml"):
            etree.fromstring(data)
        elif path.endswith(".json"):
            json.loads(data)
        elif path.endswith(".html"):
            html5lib.HTMLParser(strict=False).parse(data)
            assert b"<script>alert" not in data
        elif path.endswith(".epub"):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for member in z.namelist():
                    if member.endswith((".xhtml", ".opf", ".ncx", ".xml")):
                        etree.fromstring(z.read(member))
        elif path.endswith(".pdf"):
            assert data.startswith(b"%PDF")


@settings(SETTINGS, max_examples=60)
@given(sources())
def test_generated_sources_load_or_fail_with_located_messages(files: dict[str, str]) -> None:
    _load(files)


@settings(SETTINGS, max_examples=25)
@given(good_sources())
def test_loaded_sources_render_well_formed_fast_formats(files: dict[str, str]) -> None:
    series = _load(files)
    assert series is not None, "a good source must load"
    for name in FAST_FORMATS:
        _check_outputs(name, ketapub.render(series, name, as_of=AS_OF))


@settings(SETTINGS, max_examples=4)
@given(good_sources())
def test_loaded_sources_render_epub_and_pdf(files: dict[str, str]) -> None:
    series = _load(files)
    assert series is not None, "a good source must load"
    for name in ("epub", "pdf"):
        _check_outputs(name, ketapub.render(series, name, as_of=AS_OF))


html_fragments = st.lists(st.one_of(
    st.sampled_from(["<p>", "</p>", "<a href='javascript:x'>", "<a href=\"https://e.org\">",
                     "</a>", "<img src=x onerror=y>", "<table><tr><td style='text-align:left;"
                     "color:red'>", "<script>", "<svg>", "<!--", "-->", "<![CDATA[", "&lt;",
                     "&amp;", "<b", "<h2 id=x class=y>", "<div role=note>", "<math>", "\x00"]),
    words), max_size=15).map("".join)


@settings(SETTINGS, max_examples=300)
@given(html_fragments)
def test_sanitising_twice_equals_sanitising_once(html: str) -> None:
    once = sanitize.clean_output(html)
    assert sanitize.clean_output(once) == once
    raw = sanitize.clean_raw(html)
    assert sanitize.clean_raw(raw) == raw


# Listed here, not taken from the sanitiser, so a loosened allow-list fails this test.
FORBIDDEN_TAGS = {"script", "style", "svg", "math", "iframe", "object", "embed", "img",
                  "template", "noscript", "form", "input", "textarea", "select", "link", "meta"}
SAFE_URL = re.compile(r"^(https?:|mailto:|tel:|[^:/?#]*(?:[/?#]|$))", re.IGNORECASE)


def _problems(html: str, *, img_ok: bool) -> list[str]:
    """Elements, attributes and URLs a sanitised fragment must never hold."""
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", " ", html)  # lxml refuses them
    doc = html5lib.parse(text, treebuilder="lxml", namespaceHTMLElements=False)
    found = []
    for el in doc.getroot().iter():
        if not isinstance(el.tag, str):
            found.append("comment or processing instruction")
            continue
        tag = etree.QName(el).localname.lower()
        if tag in FORBIDDEN_TAGS and not (img_ok and tag == "img"):
            found.append(f"<{tag}>")
        for name, value in el.attrib.items():
            local = etree.QName(name).localname.lower() if name.startswith("{") else name
            if local.startswith("on") or local in ("srcdoc", "formaction", "action"):
                found.append(f"{local}= on <{tag}>")
            if local == "style" and not re.fullmatch(r"\s*(text-align:\s*[a-z]+;?\s*)?",
                                                     value):
                found.append(f"style={value!r}")
            if local in ("href", "src", "cite") and not SAFE_URL.match(
                    re.sub(r"[\x00-\x20\x7f]+", "", value)):
                found.append(f"{local}={value!r}")
    return found


@settings(SETTINGS, max_examples=300)
@given(html_fragments)
def test_sanitised_html_holds_no_forbidden_element_attribute_or_url(html: str) -> None:
    assert _problems(sanitize.clean_output(html), img_ok=True) == []
    assert _problems(sanitize.clean_raw(html), img_ok=False) == []


def test_the_forbidden_html_check_sees_what_the_sanitiser_removes() -> None:
    bad = ("<p onclick=x style='color:red'><script>1</script><a href='javascript:x'>a</a>"
           "<img src=x onerror=y><svg></svg><td style='text-align:left;color:red'></td>"
           "<!-- c --></p>")
    assert len(_problems(bad, img_ok=False)) >= 8


path_like = st.lists(st.sampled_from(["a", "b.txt", ".", "..", "/", "\\", ".hidden", "%2e",
                                      "\x00", "~", "é"]), max_size=6).map("".join)


@settings(SETTINGS, max_examples=200)
@given(st.one_of(st.text(max_size=30), path_like))
@example("feed/rss.xml")
@example("pdf/../../etc/passwd")
@example(".ketapub-stage/feed/rss.xml")
def test_only_safe_paths_pass_the_output_path_check(path: str) -> None:
    from ketapub.paths import safe_output_path

    segments = path.split("/")
    stays = (bool(path) and "\x00" not in path and "\\" not in path
             and not path.startswith((".", "/")) and ".." not in segments
             and segments == list(PurePosixPath(path).parts))
    try:
        assert safe_output_path(path) == path
        accepted = True
    except ketapub.RenderError as exc:
        assert exc.artifact == (path or "<empty>")
        accepted = False
    # accepted exactly when the path is already normalised, relative, inside and not hidden
    assert accepted == stays, path
    assert write.is_safe_path(path) == accepted
