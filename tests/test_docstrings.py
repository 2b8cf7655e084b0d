"""The package documents itself: examples that run, and every argument of the API described.

The docstrings are the Python API reference (``help()``, the documentation site), in Google
style. ruff's pydocstyle rules check their form; this module checks what ruff cannot: that
each example still gives what it shows, that each function of ``ketapub`` has one, and that
each public class documents its constructor's arguments (``tests/test_api.py`` checks the
arguments of the API's functions and methods).
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import pydoc
import re
from pathlib import Path

import pytest

import ketapub

PACKAGE = Path(ketapub.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


WITH_EXAMPLES = sorted(_module_name(p) for p in PACKAGE.rglob("*.py")
                       if ">>> " in p.read_text(encoding="utf-8"))


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(ketapub.__path__, "ketapub."))


def _args_documented(doc: str) -> set[str]:
    """The names an ``Args:`` section of ``doc`` describes (``a, b: ...`` describes both)."""
    lines = doc.split("\n")
    names: set[str] = set()
    for i, line in enumerate(lines):
        if line.strip() != "Args:":
            continue
        indent = len(line) - len(line.lstrip())
        item_indent = None
        for entry in lines[i + 1:]:
            if not entry.strip():
                continue
            here = len(entry) - len(entry.lstrip())
            if here <= indent:
                break
            item_indent = here if item_indent is None else item_indent
            m = re.match(r"\s*([\w*, ]+?)(?: \(.+?\))?:", entry)
            if here == item_indent and m:
                names.update(n.strip().lstrip("*") for n in m.group(1).split(","))
    return names


def _parameters(fn: object) -> list[str]:
    return [p for p in inspect.signature(fn).parameters if p not in ("self", "cls")]


def test_docstrings_are_written_for_mkdocstrings():
    """Docstrings are Markdown for mkdocstrings and plain text for ``help()``.

    A Sphinx role such as ``:func:`build``` shows there as it is written, so names are written
    as code (````build()````); and only an ``Examples:`` section has its ``>>>`` lines shown
    as code (``Example:`` is read as a note, its lines run together).
    """
    wrong = re.compile(r":(?:func|class|mod|meth|data|attr|exc|obj):`|^\s*Example:\s*$")
    found = [f"{p.relative_to(PACKAGE.parent)}:{n}" for p in sorted(PACKAGE.rglob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").split("\n"), 1)
             if wrong.search(line)]
    assert not found


def test_modules_with_examples_are_found():
    assert "ketapub.build" in WITH_EXAMPLES
    assert "ketapub.schedule" in WITH_EXAMPLES


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_examples_run(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for t in finder.find(module, name) if t.examples]
    assert tests, f"{name} holds '>>> ' but no example doctest finds"
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def _is_function(obj: object) -> bool:
    """A function, also one wrapped by a cache (``installed``)."""
    return callable(obj) and not inspect.isclass(obj)


def test_every_api_function_has_an_example():
    functions = [n for n in ketapub.__all__ if _is_function(getattr(ketapub, n))]
    assert {"build", "installed"} <= set(functions)
    without = [n for n in functions
               if not re.search(r"^\s*Examples:\s*\n(?:.*\n)*?\s*>>> ",
                                inspect.getdoc(getattr(ketapub, n)) or "", re.M)]
    assert not without


def test_help_of_build_documents_its_arguments():
    text = pydoc.render_doc(ketapub.build, renderer=pydoc.plaintext)
    assert "README" not in text
    for section in ("Args:", "Returns:", "Raises:", "Examples:"):
        assert section in text
    for name in ("source", "out", "formats", "as_of", "budget", "progress", "ahead", "jobs"):
        assert re.search(rf"^\s+{name}: \S", text, re.M), name


def test_every_constructor_argument_is_documented():
    """A public class with its own ``__init__`` lists its arguments under ``Args:``.

    Google style puts them in the class docstring (pydocstyle's D107 is off for that reason);
    an ``Args:`` section of ``__init__`` counts too.
    """
    undocumented: dict[str, set[str]] = {}
    for name in _modules():
        module = importlib.import_module(name)
        for cls_name, cls in vars(module).items():
            if (cls_name.startswith("_") or not inspect.isclass(cls)
                    or cls.__module__ != name or "__init__" not in vars(cls)):
                continue
            init = vars(cls)["__init__"]
            code = getattr(init, "__code__", None)
            if code is None or code.co_filename != module.__file__:
                continue  # made by @dataclass: its fields have docstrings of their own
            documented = (_args_documented(inspect.cleandoc(cls.__doc__ or ""))
                          | _args_documented(inspect.getdoc(init) or ""))
            missing = set(_parameters(init)) - documented
            if missing:
                undocumented[f"{name}.{cls_name}"] = missing
    assert not undocumented
