"""Mutation testing for the modules where a bug costs users most.

A small driver over :mod:`ast`, not mutmut or cosmic-ray: ketapub's tests run the CLI in
subprocesses and load renderers through entry points, which trampoline-based tools do not see,
and one pytest start per mutant (a second or two of imports) would make a run take hours. So:

* each module is copied with the rest of the package into ``mutants/`` and one mutant at a time
  is written over the copy; ``PYTHONPATH`` and ``sys.path`` put the copy first, so the tests,
  the entry points and every subprocess the tests start import the mutant;
* a parent process imports the heavy third-party libraries once and forks a child per mutant
  that runs ``pytest -x`` on the tests chosen for that module (``MODULES`` below);
* a mutant is *killed* when the tests fail or exceed the time limit (a few times the clean
  run's), *survived* when they pass.

Operators: arithmetic and comparison swaps, ``and``/``or``, dropping ``not``, ``True``/``False``,
``n`` to ``n + 1``, strings to ``"XX…XX"``, negating a bare ``if``/``while`` condition,
``break``/``continue`` swaps, ``return x`` to ``return None`` and replacing a statement with
``pass``. Not mutated: docstrings (also those under attributes), annotations, imports, ``__all__``,
f-strings and the text of exception and log messages (wording, not behaviour).

Survivors judged equivalent (no test can tell them apart) are listed with a reason in
``mutation/equivalent.md``; the score counts them neither killed nor survived.

    .venv/bin/python mutation/mutate.py                 # every module, one after another
    .venv/bin/python mutation/mutate.py schedule plan   # some of them
    .venv/bin/python mutation/mutate.py --list plan     # the mutants, without running them
    .venv/bin/python mutation/mutate.py --survivors plan  # only those the last run left alive
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import hashlib
import importlib
import json
import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "mutants"
EQUIVALENT = ROOT / "mutation" / "equivalent.md"

# module -> the fast tests that exercise it (pytest arguments, run from the repository root);
# the kill tests come first so that ``-x`` stops early. test_incremental.py is left out of
# plan's: it builds everything several times (over a minute), once per mutant.
MODULES: dict[str, list[str]] = {
    "schedule": ["ketapub/schedule.py", "tests/test_mutation_kills_schedule.py",
                 "tests/test_foundation_schedule.py"],
    "fragment_policy": ["ketapub/fragment_policy.py",
                        "tests/test_mutation_kills_fragment_policy.py",
                        "tests/test_html.py::test_a_template_that_adds_script_is_refused"],
    "pdf_fetch": ["ketapub/renderers/pdf_fetch.py", "tests/test_mutation_kills_pdf_fetch.py",
                  "tests/test_pdf_fetch.py"],
    "plan": ["ketapub/plan.py", "tests/test_mutation_kills_plan.py",
             "tests/test_foundation_markdown.py::test_the_dialect_version_is_in_every_input_hash",
             "tests/test_serve_declared.py::test_declaring_a_job_live_changes_no_input_hash"],
    "sanitize": ["ketapub/sanitize.py", "tests/test_mutation_kills_sanitize.py",
                 "tests/test_mutation_kills_sanitize_marked.py",
                 "tests/test_foundation_markdown.py", "tests/test_hardening_input.py",
                 "tests/test_tree.py",
                 "-k", "span or nesting or not test_hardening"],
    "sanitize_svg": ["ketapub/sanitize_svg.py", "tests/test_mutation_kills_sanitize_svg.py",
                     "tests/test_mutation_kills_sanitize.py",
                     "tests/test_svg_sanitizer.py"],
    "serve": ["ketapub/serve.py", "tests/test_mutation_kills_serve.py",
              "tests/test_serve_declared.py", "tests/test_serve.py"],
    "model": ["ketapub/model.py", "tests/test_mutation_kills_model.py",
              "tests/test_foundation_load.py"],
    "write": ["ketapub/write.py", "tests/test_mutation_kills_write.py",
              "tests/test_foundation_build.py"],
}

# Libraries imported once by the parent so that each forked child starts warm.
WARM = ["pytest", "_pytest.python", "hypothesis", "pydantic", "jinja2", "yaml", "nh3", "lxml.html",
        "markdown_it", "mdit_py_plugins.front_matter", "click", "rich.console", "babel.dates",
        "icalendar", "feedgen.feed", "feedparser", "ebooklib.epub", "PIL.Image", "segno",
        "waitress", "weasyprint", "pypdf", "html5lib"]


# ---------------------------------------------------------------------------------------------
# Mutants


@dataclass
class Mutant:
    line: int
    col: int
    what: str
    apply: Callable[[], None]
    revert: Callable[[], None]

    def key(self, rel: str) -> str:
        return f"{rel}:{self.line}:{self.col}: {self.what}"


BINOPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult, ast.Mod: ast.FloorDiv, ast.BitOr: ast.BitAnd, ast.BitAnd: ast.BitOr,
}
CMPOPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
          ast.Mod: "%", ast.BitOr: "|", ast.BitAnd: "&", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
          ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in",
          ast.Is: "is", ast.IsNot: "is not", ast.And: "and", ast.Or: "or"}
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical"}


def _is_docstring(stmt: ast.stmt) -> bool:
    """A string on its own: a docstring, or the documentation of the attribute above it."""
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str))


def _is_message(node: ast.AST) -> bool:
    """A raise or a logging call: its strings are wording, not behaviour."""
    if isinstance(node, ast.Raise):
        return True
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in LOG_METHODS)


def _set(obj: ast.AST, field: str, new: object) -> tuple[Callable[[], None], Callable[[], None]]:
    old = getattr(obj, field)
    return (lambda: setattr(obj, field, new)), (lambda: setattr(obj, field, old))


def _set_item(seq: list, index: int, new: object) -> tuple[Callable[[], None],
                                                            Callable[[], None]]:
    old = seq[index]

    def apply() -> None:
        seq[index] = new

    def revert() -> None:
        seq[index] = old
    return apply, revert


def mutants_of(tree: ast.Module) -> list[Mutant]:
    """Every mutant of ``tree``, in source order; each mutates the tree in place, then reverts."""
    found: list[Mutant] = []

    def add(node: ast.AST, what: str, pair: tuple[Callable[[], None], Callable[[], None]]) -> None:
        found.append(Mutant(getattr(node, "lineno", 0), getattr(node, "col_offset", 0) + 1,
                            what, *pair))

    def visit(node: ast.AST, quiet: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom | ast.JoinedStr):
            return
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return  # the export list: names, not behaviour
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) \
                and node.test.id == "TYPE_CHECKING":
            return
        quiet = quiet or _is_message(node)
        if isinstance(node, ast.BinOp) and type(node.op) in BINOPS:
            new = BINOPS[type(node.op)]
            add(node, f"{SYMBOL[type(node.op)]!r} -> {SYMBOL[new]!r}", _set(node, "op", new()))
        elif isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                new = CMPOPS[type(op)]
                add(node, f"{SYMBOL[type(op)]!r} -> {SYMBOL[new]!r}",
                    _set_item(node.ops, i, new()))
        elif isinstance(node, ast.BoolOp):
            new = ast.Or if isinstance(node.op, ast.And) else ast.And
            add(node, f"{SYMBOL[type(node.op)]!r} -> {SYMBOL[new]!r}", _set(node, "op", new()))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
            add(node, f"drop {'not' if isinstance(node.op, ast.Not) else 'unary -'}",
                _set(node, "op", ast.UAdd()) if isinstance(node.op, ast.USub)
                else _set(node, "op", _Identity()))
        elif isinstance(node, ast.Constant) and not quiet:
            value = node.value
            if isinstance(value, bool):
                add(node, f"{value} -> {not value}", _set(node, "value", not value))
            elif isinstance(value, int | float):
                add(node, f"{value!r} -> {value + 1!r}", _set(node, "value", value + 1))
            elif isinstance(value, str):
                add(node, f"{_short(repr(value))} -> 'XX...XX'",
                    _set(node, "value", f"XX{value}XX"))
        if isinstance(node, ast.If | ast.While | ast.IfExp) and isinstance(
                node.test, ast.Name | ast.Attribute | ast.Call | ast.Subscript):
            add(node, f"negate {_short(ast.unparse(node.test))}",
                _set(node, "test", ast.UnaryOp(ast.Not(), node.test)))
        for field, value in ast.iter_fields(node):
            if field in ("annotation", "returns", "decorator_list", "type_params"):
                continue
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                statements(node, value, quiet)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        visit(item, quiet)
            elif isinstance(value, ast.AST):
                visit(value, quiet)

    def statements(owner: ast.AST, body: list[ast.stmt], quiet: bool) -> None:
        for i, stmt in enumerate(body):
            if _is_docstring(stmt):
                continue
            replacement: ast.stmt | None = None
            what = ""
            if isinstance(stmt, ast.Break | ast.Continue):
                replacement = ast.Continue() if isinstance(stmt, ast.Break) else ast.Break()
                what = f"{type(stmt).__name__.lower()} -> {type(replacement).__name__.lower()}"
            elif isinstance(stmt, ast.Return) and stmt.value is not None and not (
                    isinstance(stmt.value, ast.Constant) and stmt.value.value is None):
                replacement, what = ast.Return(ast.Constant(None)), "return None"
            elif not isinstance(owner, ast.Module) and (  # module level: definitions, not logic
                    isinstance(stmt, ast.Expr | ast.Assign | ast.AugAssign | ast.Raise
                               | ast.Delete | ast.Assert)
                    or (isinstance(stmt, ast.AnnAssign) and stmt.value is not None)):
                first = ast.unparse(stmt).splitlines()[0]
                replacement, what = ast.Pass(), f"drop {_short(first)}"
            if replacement is not None:
                ast.copy_location(replacement, stmt)
                add(stmt, what, _set_item(body, i, replacement))
            visit(stmt, quiet)

    statements(tree, tree.body, False)
    seen: dict[str, int] = {}
    for mutant in found:  # nested operators can start at one column: number the repeats
        plain = f"{mutant.line}:{mutant.col}: {mutant.what}"
        seen[plain] = seen.get(plain, 0) + 1
        if seen[plain] > 1:
            mutant.what += f" (#{seen[plain]})"
    return found


class _Identity(ast.UAdd):
    """Stands for a dropped ``not``; :func:`_drop_identity` unwraps it before unparsing."""


class _DropIdentity(ast.NodeTransformer):
    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        return node.operand if isinstance(node.op, _Identity) else node


def _short(text: str) -> str:
    return text if len(text) <= 50 else text[:47] + "..."


def render(tree: ast.Module) -> str:
    return ast.unparse(ast.fix_missing_locations(_DropIdentity().visit(copy.deepcopy(tree))))


# ---------------------------------------------------------------------------------------------
# Running


def prepare(name: str) -> Path:
    """A clean copy of the package (and a link to the templates) under ``mutants/``, one per
    module, so that runs of two modules never write into each other's copy."""
    target = WORK / "tree" / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "ketapub", target / "ketapub",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (target / "templates").symlink_to(ROOT / "templates", target_is_directory=True)
    return target


def run_tests(tree: Path, args: list[str], log: Path, timeout: float) -> tuple[str, float]:
    """Fork a child that runs pytest on ``tree``; 'killed', 'survived', 'timeout' or 'error'."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.setsid()
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.environ["PYTHONPATH"] = os.pathsep.join(
                [str(tree), *filter(None, [os.environ.get("PYTHONPATH")])])
            os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
            sys.dont_write_bytecode = True
            sys.path.insert(0, str(tree))
            os.chdir(ROOT)
            import pytest
            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                                "--timeout", str(int(timeout) + 5), *args])
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(int(code))
        except BaseException:  # the child must never return into the driver's loop
            import traceback
            traceback.print_exc()
            sys.stderr.flush()
            os._exit(70)
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            elapsed = time.monotonic() - start
            if done:
                break
            if elapsed > timeout:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return "timeout", elapsed
            time.sleep(0.05)
    except BaseException:  # interrupted: take the child and its subprocesses along
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        raise
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return "survived", elapsed
    if code in (1, 2, 3, 4):  # tests failed, or collection / conftest import broke on it
        return "killed", elapsed
    if code < 0:  # the tests died of a signal: the mutant signalled its own process
        return "killed", elapsed
    return "error", elapsed


def load_equivalent() -> dict[str, str]:
    """``key -> reason`` from the list of equivalent mutants."""
    result: dict[str, str] = {}
    if EQUIVALENT.exists():
        for line in EQUIVALENT.read_text(encoding="utf-8").splitlines():
            m = re.match(r"^- `(?P<key>[^`]+)`: (?P<why>.+)$", line)
            if m:
                result[m["key"]] = m["why"]
    return result


def mutate_module(name: str, list_only: bool, factor: float,
                  survivors_only: bool = False) -> dict[str, object]:
    rel, *selection = MODULES[name]
    # a kill-test file not written yet is left out rather than failing the run
    tests = [a for a in selection if not a.endswith(".py") or (ROOT / a).exists()]
    source = (ROOT / rel).read_text(encoding="utf-8")
    tree = ast.parse(source)
    found = mutants_of(tree)
    equivalent = load_equivalent()
    if list_only:
        for mutant in found:
            print(mutant.key(rel))
        return {}
    source_sha = hashlib.sha256(source.encode()).hexdigest()
    report = WORK / f"{name}.json"
    dead: dict[str, dict[str, object]] = {}
    if survivors_only and report.exists():
        # Killed stays killed while the module is the same and its tests only grew.
        previous = json.loads(report.read_text(encoding="utf-8"))
        if previous.get("source_sha256") == source_sha and set(previous["tests"]) <= set(tests):
            dead = {r["key"]: r for r in previous["results"]
                    if r["outcome"] in ("killed", "timeout")}
    work = prepare(name)
    target = work / rel
    logs = WORK / "logs" / name
    if not dead:
        shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True, exist_ok=True)
    target.write_text(render(tree), encoding="utf-8")  # unparsed but unmutated: the baseline
    outcome, baseline = run_tests(work, tests, logs / "baseline.log", 1800)
    if outcome != "survived":
        raise SystemExit(f"{name}: the tests fail without any mutant ({outcome}): "
                         f"see {logs / 'baseline.log'}")
    timeout = max(10.0, baseline * factor)
    print(f"{name}: {len(found)} mutants, clean run {baseline:.1f} s, limit {timeout:.0f} s"
          + (f", {len(dead)} killed in the previous run not run again" if dead else ""),
          flush=True)
    results: list[dict[str, object]] = []
    for number, mutant in enumerate(found, 1):
        mutant.apply()
        try:
            text = render(tree)
        finally:
            mutant.revert()
        try:
            compile(text, rel, "exec")
        except SyntaxError:
            continue
        key = mutant.key(rel)
        if key in dead:
            results.append(dead[key])
            continue
        target.write_text(text, encoding="utf-8")
        outcome, took = run_tests(work, tests, logs / f"{number:04d}.log", timeout)
        if outcome == "survived" and key in equivalent:
            outcome = "equivalent"
        results.append({"key": key, "outcome": outcome, "seconds": round(took, 1)})
        if outcome in ("survived", "error"):
            print(f"  {outcome.upper():9} {key}  (log {number:04d})", flush=True)
    target.write_text(source, encoding="utf-8")
    keys = {mutant.key(rel) for mutant in found}
    for key in sorted(k for k in equivalent if k.startswith(f"{rel}:") and k not in keys):
        print(f"  STALE     {key} is listed as equivalent but is no mutant", flush=True)
    counts = {k: sum(r["outcome"] == k for r in results)
              for k in ("killed", "timeout", "survived", "equivalent", "error")}
    scored = len(results) - counts["equivalent"]
    dead = counts["killed"] + counts["timeout"]
    score = 100.0 * dead / scored if scored else 100.0
    summary = {"module": rel, "mutants": len(results), **counts, "score": round(score, 1)}
    report.write_text(json.dumps({**summary, "source_sha256": source_sha, "tests": tests,
                                  "results": results}, indent=1), encoding="utf-8")
    print(f"{name}: {dead}/{scored} killed ({score:.1f} %), {counts['equivalent']} equivalent, "
          f"{counts['survived']} survived, {counts['error']} errors", flush=True)
    return summary


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE",
                        help=f"some of: {', '.join(MODULES)} (default: all)")
    parser.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    parser.add_argument("--survivors", action="store_true",
                        help="run only the mutants the previous run did not kill (same module "
                             "source, tests only added): for checking new killing tests")
    parser.add_argument("--timeout-factor", type=float, default=4.0,
                        help="a mutant's time limit, in clean runs (default 4)")
    opts = parser.parse_args(argv)
    names = opts.modules or list(MODULES)
    unknown = sorted(set(names) - set(MODULES))
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}: choose from {', '.join(MODULES)}")
    if not opts.list:
        for module in WARM:  # not ketapub: each child imports the mutated copy afresh
            with contextlib.suppress(ImportError):
                importlib.import_module(module)
        assert "ketapub" not in sys.modules
    summaries = [mutate_module(n, opts.list, opts.timeout_factor, opts.survivors)
                 for n in names]
    if not opts.list:
        print(f"\n{'module':34} {'mutants':>7} {'killed':>7} {'equiv.':>7} {'survived':>8} "
              f"{'score':>7}")
        for s in summaries:
            print(f"{s['module']:34} {s['mutants']:7} {s['killed'] + s['timeout']:7} "
                  f"{s['equivalent']:7} {s['survived']:8} {s['score']:6.1f}%")
    return 0 if all(s.get("survived", 0) == 0 for s in summaries) else 1


if __name__ == "__main__":
    sys.exit(main())
