"""Planted-bug check: does the suite notice when the code is wrong?

Each entry of ``BUGS`` is a small, plausible mistake (one exact text replaced in one file)
and the tests that must catch it. For every bug this script copies the repository to a
temporary folder once, applies that one patch there, runs the named tests with this
project's virtual environment (``PYTHONPATH`` points at the copy, so the copy's code is the
one imported, by pytest and by every subprocess it starts), restores the file, and reports
the bug as caught (the tests failed) or survived (they passed). Before that, the named tests
run once on the unpatched copy: a test that fails anyway proves nothing.

    python tests/planted/run.py              # every bug
    python tests/planted/run.py serve-slug   # some bugs, by name
    python tests/planted/run.py --list       # the table, nothing run

Exit status: 0 when every bug was caught, 1 when one survived, a patch no longer applies
(the code moved: update its entry) or the baseline failed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Bug:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]
    """pytest arguments: node ids or files, optionally ``-k`` and an expression."""
    loses: str
    """What a user would lose, for the table."""


BUGS: tuple[Bug, ...] = (
    # --- the ten of the audit ------------------------------------------------------------
    Bug("part-url-unchecked", "ketapub/model.py",
        "    url: HttpUrl | None = None\n\n    @field_validator(\"publish_at\"",
        "    url: str | None = None\n\n    @field_validator(\"publish_at\"",
        ("tests/test_guards.py", "-k", "part_url"),
        "javascript: URLs reach the RSS, the JSON Feed and the calendar"),
    Bug("serve-slug", "ketapub/serve.py",
        "        need = entry.parts if entry.parts is not None else entry.released\n",
        "        need = entry.released\n",
        ("tests/test_guards.py", "-k", "slug"),
        "a part's fragment is served one second before its release"),
    Bug("rebuild-ignores-options", "ketapub/plan.py",
        '"renderer": asdict(renderer.options(ctx))})',
        '"renderer": None})',
        ("tests/test_guards.py", "-k", "option"),
        "--heading-level 3 after a build re-renders nothing"),
    Bug("fragment-allows-style", "ketapub/fragment_policy.py",
        'elif name in ("style", "srcdoc"):', 'elif name in ("srcdoc",):',
        ("tests/test_guards.py", "-k", "overlays"),
        "partner pages can be overlaid"),
    Bug("format-drops-others", "ketapub/build.py",
        "        if entry.renderer not in self.renderers:\n            return False\n",
        "",
        ("tests/test_variants.py", "-k", "format_ics"),
        "a --format ics build deletes feed/rss.xml"),
    Bug("release-strict", "ketapub/schedule.py",
        "    return part.publish_at <= _instant(as_of, tz)",
        "    return part.publish_at < _instant(as_of, tz)",
        ("tests/test_foundation_schedule.py",),
        "a part appears a moment after its release instant"),
    Bug("svg-xlink-href", "ketapub/sanitize_svg.py",
        '    if (ns is None and local == "href") or (ns == XLINK_NS and local == "href"):\n',
        '    if ns == XLINK_NS and local == "href":\n        return None\n'
        '    if ns is None and local == "href":\n',
        ("tests/test_hostile.py", "tests/test_svg_sanitizer.py", "-k",
         "warns_with_file_and_line or fetch_or_navigate"),
        "an SVG asset keeps xlink:href links to javascript: and remote files"),
    Bug("swap-remove-then-rename", "ketapub/write.py",
        "    elif _exchange(stage, out):\n"
        "        remove_tree(stage)\n"
        "    else:\n"
        "        old = sibling(out, OLD_SUFFIX)\n"
        "        os.rename(out, old)\n"
        "        os.rename(stage, out)\n"
        "        remove_tree(old)\n",
        "    else:\n"
        "        shutil.rmtree(out)\n"
        "        os.rename(stage, out)\n",
        ("tests/test_reliability.py", "-k",
         "before_every_step or between_renames or fallback_swap"),
        "a crash during the swap leaves no output folder"),
    Bug("unchanged-by-size", "ketapub/build.py",
        "                or not on_disk.intact(job.path)):",
        "                or (on_disk.out / job.path).stat().st_size != entry.bytes):",
        ("tests/test_guards.py", "-k", "edited_to_the_same_size"),
        "an output file edited in place (same size) is never repaired"),
    Bug("relink-edited-file", "ketapub/build.py",
        "if prev and prev.sha256 == entries[path].sha256 and on_disk.intact(path):",
        "if prev and prev.sha256 == entries[path].sha256 and (out / path).is_file():",
        ("tests/test_guards.py", "-k", "edited_to_the_same_size"),
        "a re-rendered file is not written over an edited copy of the same size"),
    # --- more, across the modules ----------------------------------------------------------
    Bug("manifest-input-hash", "ketapub/build.py",
        "job.path, digest, size, job.renderer, job.input_hash, artifact.media_type,",
        "job.path, digest, size, job.renderer, digest, artifact.media_type,",
        ("tests/test_foundation_build.py", "-k", "writes_manifest"),
        "every incremental build renders everything again"),
    Bug("next-release-latest", "ketapub/schedule.py",
        "return min(upcoming, key=lambda d: d.astimezone(UTC)) if upcoming else None",
        "return max(upcoming, key=lambda d: d.astimezone(UTC)) if upcoming else None",
        ("tests/test_foundation_schedule.py", "-k", "next_release"),
        "feeds are cached past the next release"),
    Bug("sanitize-style-properties", "ketapub/sanitize.py",
        '| MARKER_ATTRS},\n        url_schemes=set(URL_SCHEMES),\n        link_rel=None,\n'
        '        strip_comments=True,\n        filter_style_properties={"text-align"},\n',
        '| MARKER_ATTRS},\n        url_schemes=set(URL_SCHEMES),\n        link_rel=None,\n'
        '        strip_comments=True,\n',
        ("tests/test_mutation_kills_sanitize_marked.py",),
        "table cells keep any CSS (position, background images)"),
    Bug("sanitize-noop", "ketapub/sanitize.py",
        'may emit survives."""\n    return nh3.clean(',
        'may emit survives."""\n    return html or nh3.clean(',
        ("tests/test_fuzz.py", "-k", "forbidden"),
        "the final pass lets anything through"),
    Bug("url-control-chars", "ketapub/sanitize.py",
        '    squeezed = _CONTROL.sub("", url)\n', "    squeezed = url.strip()\n",
        ("tests/test_foundation_markdown.py", "tests/test_fuzz.py", "-k",
         "link or url or forbidden"),
        "java&#9;script: links slip through"),
    Bug("fragment-allows-base", "ketapub/fragment_policy.py",
        '"meta", "base", "link"', '"meta", "link"',
        ("tests/test_guards.py", "-k", "overlays"),
        "a <base> in a template redirects every relative link of the partner's page"),
    Bug("safe-path-hidden", "ketapub/paths.py",
        'return not path.startswith(".") and not any(', "return not any(",
        ("tests/test_fuzz.py", "-k", "safe_paths"),
        "a plugin's .ketapub-stage/ or .git/ path writes into a hidden folder"),
    Bug("plan-ignores-brand", "ketapub/plan.py",
        '"brand": self.brands.get(job.brand) if job.brand else None,', '"brand": None,',
        ("tests/test_guards.py", "-k", "brand"),
        "an edited brand profile leaves its branded handouts unchanged"),
    Bug("serve-max-age", "ketapub/serve.py",
        "max_age = MAX_AGE if nxt is None else", "max_age = MAX_AGE if True else",
        ("tests/test_serve.py", "-k", "appears_at_its_instant"),
        "readers' caches hide a release for up to five minutes"),
    Bug("serve-if-modified-since", "ketapub/serve.py",
        "return response.last_modified.replace(microsecond=0) <= since",
        "return since is not None",
        ("tests/test_serve.py", "-k", "validators_then_304"),
        "a client that cached before a release never sees it"),
    Bug("serve-server-name", "ketapub/cli.py", 'ident="ketapub")', ")",
        ("tests/test_serve.py", "-k", "ketapub_serve_command"),
        "the server advertises its WSGI server and version"),
    Bug("part-number-bool", "ketapub/model.py",
        "if isinstance(v, bool) or not isinstance(v, int):", "if not isinstance(v, int):",
        ("tests/test_guards.py", "-k", "part_number"),
        "part: true is taken as part 1"),
    Bug("pdf-template-symlink", "ketapub/renderers/pdf_fetch.py",
        "if real.is_relative_to(root) and real.is_file():", "if real.is_file():",
        ("tests/test_guards.py", "-k", "fetcher"),
        "a link in a template folder lets a PDF embed any file of the machine"),
    Bug("feed-ids-clash", "ketapub/render/feed_items.py",
        "super().__init__(ctx, prefix=content_id_prefix(part))", "super().__init__(ctx)",
        ("tests/test_feed_items.py", "-k", "prefixed_unique"),
        "a reader showing several items on one page meets faq and fn.1 twice"),
    Bug("css-reset-yields", "templates/html/ketapub.css",
        "    all: revert !important;\n", "    all: revert;\n",
        ("tests/test_host_themes.py", "-k", "bare_page"),
        "a theme's .entry-content th rule makes the fragment's table headers tiny grey capitals"),
    Bug("feed-oldest-first", "ketapub/renderers/feeds.py",
        "key=lambda p: (p.publish_at.astimezone(UTC), p.part),\n                     reverse=True)",
        "key=lambda p: (p.publish_at.astimezone(UTC), p.part))",
        ("tests/test_feeds.py", "-k", "newest_first"),
        "feed readers that keep the first items show the oldest parts"),
    Bug("cover-ignores-subtitle", "ketapub/renderers/epub_cover.py",
        "def cover_png(title: str, subtitle: str | None, publisher: str) -> bytes:\n",
        "def cover_png(title: str, subtitle: str | None, publisher: str) -> bytes:\n"
        "    subtitle = None\n",
        ("tests/test_epub.py", "-k", "cover_is_a_png"),
        "the ebook cover drops the subtitle"),
    Bug("booklet-part-page-break", "templates/pdf/print.css",
        ".part { break-before: page; }", ".part { break-before: auto; }",
        ("tests/test_pdf.py", "-k", "booklet_contents_has_page_numbers"),
        "a part starts mid-page in the booklet, below the end of the previous one"),
    Bug("fragments-index-card-path", "ketapub/renderers/html.py",
        '"card": f"cards/{p.slug}.html",', '"card": f"card/{p.slug}.html",',
        ("tests/test_hostile.py", "-k", "html_fragments_are_inert"),
        "partners reading fragments.json fetch cards that do not exist"),
    Bug("citation-href-prefix", "ketapub/render/html_translator.py",
        'return "#" + self.id("ref." + ref_id)', 'return "#ref." + ref_id',
        ("tests/test_html.py", "-k", "in_page_links"),
        "a citation in a partner's fragment links nowhere"),
)


def _copy(dest: Path) -> Path:
    """The repository without its environment and caches; node_modules is linked."""
    skip = {".git", ".venv", "node_modules", "output", "__pycache__", ".pytest_cache",
            ".hypothesis", ".ruff_cache"}
    shutil.copytree(ROOT, dest, ignore=lambda _d, names: [n for n in names if n in skip],
                    symlinks=True)
    if (ROOT / "node_modules").is_dir():
        (dest / "node_modules").symlink_to(ROOT / "node_modules")
    return dest


def _pytest(copy: Path, tests: tuple[str, ...], timeout: float) -> tuple[int, str]:
    python = ROOT / ".venv" / "bin" / "python"
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [str(python if python.exists() else sys.executable), "-m", "pytest", "-q", "-x",
           "-n", "0", "-p", "no:cacheprovider", *tests]
    try:
        proc = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, "timed out"
    tail = (proc.stdout.strip().splitlines() or [""])[-1]
    return proc.returncode, tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="bugs to plant (default: all)")
    parser.add_argument("--list", action="store_true", help="print the table and stop")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the run of the unpatched tests")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per pytest run")
    args = parser.parse_args(argv)
    known = {b.name: b for b in BUGS}
    unknown = [n for n in args.names if n not in known]
    if unknown:
        parser.error(f"unknown bug(s): {', '.join(unknown)}; see --list")
    bugs = [known[n] for n in args.names] if args.names else list(BUGS)
    if args.list:
        for b in bugs:
            print(f"{b.name:28} {b.file:36} {' '.join(b.tests)}\n{'':28} {b.loses}")
        return 0
    failed = False
    with tempfile.TemporaryDirectory(prefix="ketapub-planted-") as tmp:
        copy = _copy(Path(tmp) / "repo")
        # the copy must be the code under test, not the checkout the venv was installed from
        probe = subprocess.run(
            [str(ROOT / ".venv/bin/python"), "-c", "import ketapub; print(ketapub.__file__)"],
            cwd=copy, env={**os.environ, "PYTHONPATH": str(copy)}, capture_output=True,
            text=True, check=True).stdout.strip()
        if not Path(probe).is_relative_to(copy):
            print(f"the copy is not what gets imported ({probe})", file=sys.stderr)
            return 1
        if not args.no_baseline:
            for b in bugs:
                code, tail = _pytest(copy, b.tests, args.timeout)
                print(f"{'baseline':9} {b.name:28} {'passes' if code == 0 else 'FAILS'}"
                      f" unpatched  ({tail})", flush=True)
                failed |= code != 0
            if failed:
                return 1
        print(f"{'result':9} {'bug':28} {'seconds':>7}  tests")
        for b in bugs:
            target = copy / b.file
            original = target.read_text("utf-8")
            if original.count(b.old) != 1:
                print(f"{'NO PATCH':9} {b.name:28} {'':>7}  the old text occurs "
                      f"{original.count(b.old)} times in {b.file}: update this entry")
                failed = True
                continue
            target.write_text(original.replace(b.old, b.new), "utf-8")
            started = time.monotonic()
            try:
                code, tail = _pytest(copy, b.tests, args.timeout)
            finally:
                target.write_text(original, "utf-8")
            caught = code == 1  # tests failed; 2-5 are usage errors, -1 a timeout
            failed |= not caught
            verdict = "caught" if caught else "SURVIVED" if code == 0 else f"ERROR {code}"
            print(f"{verdict:9} {b.name:28} {time.monotonic() - started:7.0f}  "
                  f"{' '.join(b.tests)}  ({tail})", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
