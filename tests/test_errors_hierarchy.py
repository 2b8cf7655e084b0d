"""One error hierarchy: every exception class ketapub defines lives in ``ketapub.errors`` and
derives from ``KetapubError``, and the names it had in its first module still import."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import ketapub
from ketapub import errors

SIGNALS = {"ketapub.cli.Terminated"}
"""Not errors: SIGTERM raised as a KeyboardInterrupt, so it stops a build like Ctrl-C."""


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(ketapub.__path__, "ketapub."):
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__.startswith("ketapub."):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def test_every_exception_class_is_defined_in_errors_under_ketapub_error() -> None:
    classes = _exception_classes()
    assert "ketapub.errors.BuildError" in classes and "ketapub.errors.SvgError" in classes
    elsewhere = sorted(name for name in classes
                       if not name.startswith("ketapub.errors.") and name not in SIGNALS)
    assert elsewhere == []
    outside = sorted(name for name, cls in classes.items()
                     if name not in SIGNALS and not issubclass(cls, errors.KetapubError))
    assert outside == []


@pytest.mark.parametrize(("module", "name"), [
    ("ketapub", "BuildError"), ("ketapub.build", "BuildError"),
    ("ketapub.write", "OutputChanged"), ("ketapub.write", "CaseCollision"),
    ("ketapub.sanitize", "SvgError"), ("ketapub.sanitize_svg", "SvgError"),
    ("ketapub.load.yamlpos", "YamlProblem"), ("ketapub.renderers.pdf_fetch", "FetchRefused"),
])
def test_old_import_names_still_work(module: str, name: str) -> None:
    assert getattr(importlib.import_module(module), name) is getattr(errors, name)


def test_errors_that_were_value_errors_still_are() -> None:
    assert issubclass(errors.SvgError, ValueError)
    assert issubclass(errors.FetchRefused, ValueError)
