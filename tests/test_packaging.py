"""What a user gets from ``pip install ketapub``: every import is a declared dependency, and
the wheel, installed with its dependencies and no extras into a clean virtual environment,
builds every format of every source with its own ``ketapub`` command."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tomllib
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import ketapub
from ketapub.build import select_renderers
from ketapub.plan import plan
from ketapub.render.base import BuildOptions, RenderContext
from ketapub.schedule import resolve_as_of
from tests.conftest import CONTENT, CONTENT_AS_OF, ROOT, SINK, SINK_AS_OF

pytestmark = pytest.mark.slow

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
# An instant after every release of a source that names no instant of its own.
LATE = "2100-01-01T00:00:00+00:00"
# The sources the installed command builds: (folder, as_of). A fixture folder listed here is
# built as soon as it exists.
SOURCES: list[tuple[Path, str]] = [
    (CONTENT, CONTENT_AS_OF),
    (SINK, SINK_AS_OF),
    (ROOT / "tests" / "fixtures" / "yaml-styles", LATE),
]


def _dist_name(requirement: str) -> str:
    """The normalised (PEP 503) distribution name of a requirement string."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    assert name, requirement
    return re.sub(r"[-_.]+", "-", name.group()).lower()


def _declared(*groups: str) -> set[str]:
    """Distribution names of ``[project].dependencies`` (group ``""``) or of extras."""
    project = PYPROJECT["project"]
    reqs = [r for g in groups
            for r in (project["dependencies"] if g == "" else
                      project["optional-dependencies"][g])]
    return {_dist_name(r) for r in reqs}


def third_party_imports(package: Path) -> dict[str, list[str]]:
    """Top-level module -> ``file:line`` of every absolute import of a module that is neither
    the standard library nor the package itself, including imports inside functions."""
    found: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top not in sys.stdlib_module_names and top != package.name:
                    where = f"{path.relative_to(package.parent).as_posix()}:{node.lineno}"
                    found.setdefault(top, []).append(where)
    return found


def undeclared_imports(package: Path, declared: set[str],
                       imports: dict[str, list[str]] | None = None) -> list[str]:
    """One line per import (of ``imports``, default all of ``package``'s) whose distribution
    ``declared`` does not name."""
    providers = importlib.metadata.packages_distributions()
    problems = []
    found = third_party_imports(package) if imports is None else imports
    for module, places in sorted(found.items()):
        dists = {_dist_name(d) for d in providers.get(module, [])}
        if not dists:
            problems.append(f"{places[0]}: {module!r} is provided by no installed distribution")
        elif not dists & declared:
            problems.append(f"{places[0]}: {module!r} comes from {sorted(dists)}, which "
                            "[project].dependencies does not name")
    return problems


OPTIONAL = {"distributed": "dask"}
"""Modules an extra brings (``dask[distributed]``), imported by one module only when asked
(``build --dask-scheduler``), so a plain install never needs them."""


def test_every_import_is_a_runtime_dependency() -> None:
    imports = third_party_imports(ROOT / "ketapub")
    # the scan sees imports at module level and inside functions alike
    assert {"jinja2", "html5lib", "pydyf", "weasyprint"} <= imports.keys()
    runtime = {m: places for m, places in imports.items() if m not in OPTIONAL}
    assert [p.partition(":")[0] for p in imports["distributed"]] == ["ketapub/dask_executor.py"]
    assert all(any(r.startswith(f"{extra}[") for r in PYPROJECT["project"][
        "optional-dependencies"][extra]) for extra in OPTIONAL.values())
    assert undeclared_imports(ROOT / "ketapub", _declared(""), runtime) == []


def test_an_import_of_an_undeclared_distribution_is_reported(tmp_path: Path) -> None:
    package = tmp_path / "ketapub"
    package.mkdir()
    (package / "mod.py").write_text("import os\nfrom . import x\n\n\ndef f():\n"
                                    "    from pytest import fixture\n    import ketapub.cli\n")
    assert undeclared_imports(package, _declared("")) == [
        "ketapub/mod.py:6: 'pytest' comes from ['pytest'], which [project].dependencies "
        "does not name"]


# --- the wheel in a clean virtual environment ----------------------------------------------

@dataclass(frozen=True)
class CleanInstall:
    wheel: Path
    bin: Path
    env: dict[str, str]
    outside: Path
    """A working directory outside the repository."""

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                              env=self.env, cwd=self.outside, timeout=timeout)

    def python(self, code: str) -> subprocess.CompletedProcess[str]:
        return self.run(self.bin / "python", "-c", code)


def _clean_environ(venv_dir: Path) -> dict[str, str]:
    """This process's environment without anything of the test environment: no PYTHON*
    variables, no virtual environment, no user site-packages, PATH without this venv."""
    test_prefix = sys.prefix
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTHON") and k not in ("VIRTUAL_ENV", "PATH")
           and test_prefix not in v and str(ROOT) not in v}
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep)
            if p and not p.startswith(test_prefix) and not p.startswith(str(ROOT))]
    env["PATH"] = os.pathsep.join([str(venv_dir / "bin"), *path])
    env["PYTHONNOUSERSITE"] = "1"
    return env


@pytest.fixture(scope="module")
def clean_install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CleanInstall]:
    """The wheel built from this checkout and installed, with its dependencies from the
    package index (pip's cache is used) and no extras, into a new virtual environment that
    does not see this one's site-packages."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                            "--outdir", str(dist), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    [wheel] = dist.glob("ketapub-*.whl")
    venv_dir = tmp / "venv"
    venv.EnvBuilder(system_site_packages=False, with_pip=True, clear=True).create(venv_dir)
    outside = tmp / "work"
    outside.mkdir()
    install = CleanInstall(wheel, venv_dir / "bin", _clean_environ(venv_dir), outside)
    pip = install.run(install.bin / "python", "-m", "pip", "install", "--quiet",
                      "--disable-pip-version-check", wheel, timeout=1200)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    yield install


def _expected_paths(source: Path, as_of: str) -> set[str]:
    """What a build of every installed renderer with every brand must write, as planned by
    this checkout."""
    series = ketapub.load(source)
    ctx = RenderContext(series=series, as_of=resolve_as_of(as_of, series.tz),
                        options=BuildOptions(brands=("all",)))
    return {job.path for job in plan(select_renderers(None), ctx)}


# building the wheel, the environment (pip's cache) and every source takes a few minutes
@pytest.mark.timeout(1200)
def test_wheel_in_a_clean_venv_builds_every_format_of_every_source(
        clean_install: CleanInstall) -> None:
    inst = clean_install
    # the wheel carries the typing marker and every built-in template
    names = zipfile.ZipFile(inst.wheel).namelist()
    assert "ketapub/py.typed" in names
    builtin = sorted(p.relative_to(ROOT / "templates").as_posix()
                     for p in (ROOT / "templates").rglob("*") if p.is_file())
    assert builtin
    assert [b for b in builtin if f"ketapub/templates/{b}" not in names] == []

    # the environment is the wheel's own: ketapub from its site-packages, nothing from the
    # checkout or the test environment on sys.path, and none of the test or dev extras
    probe = inst.python(
        "import json, sys, ketapub, importlib.metadata as m\n"
        "print(json.dumps({'file': ketapub.__file__, 'path': sys.path,"
        " 'dists': sorted(d.metadata['Name'] for d in m.distributions())}))")
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout)
    venv_dir = str(inst.bin.parent)
    assert seen["file"].startswith(venv_dir), seen["file"]
    assert [p for p in seen["path"] if p.startswith((sys.prefix, str(ROOT)))] == []
    installed = {_dist_name(d) for d in seen["dists"]}
    extras_only = _declared("test", "dev") - _declared("")
    assert "pytest" in extras_only and "ketapub" in installed
    assert installed & extras_only == set()
    no_pytest = inst.python("import pytest")
    assert no_pytest.returncode == 1 and "ModuleNotFoundError" in no_pytest.stderr
    # every third-party module the package imports (even lazily) imports there
    modules = sorted(m for m in third_party_imports(ROOT / "ketapub") if m not in OPTIONAL)
    imported = inst.python("import importlib\n"
                           f"for m in {modules!r}: importlib.import_module(m)\n")
    assert imported.returncode == 0, imported.stderr

    # the installed command lists every renderer the project declares
    listed = inst.run(inst.bin / "ketapub", "renderers")
    assert listed.returncode == 0, listed.stderr
    declared = sorted(PYPROJECT["project"]["entry-points"]["ketapub.renderers"])
    assert [r for r in declared if not re.search(rf"\b{r}\b", listed.stdout)] == []

    sources = [(src, as_of) for src, as_of in SOURCES if src.is_dir()]
    assert [src for src, _ in sources][:2] == [CONTENT, SINK]
    for source, as_of in sources:
        name = source.name
        checked = inst.run(inst.bin / "ketapub", "validate", source)
        assert checked.returncode == 0, f"{name}: {checked.stdout}{checked.stderr}"
        out = inst.outside / f"out-{name}"
        result = inst.run(inst.bin / "ketapub", "build", source, "-o", out, "--as-of", as_of,
                          "--brand", "all", "-q")
        assert result.returncode == 0, f"{name}: {result.stdout}{result.stderr}"
        manifest = json.loads((out / "manifest.json").read_text("utf-8"))
        made = {e["path"]: e for e in manifest["artifacts"]}
        on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
        assert made.keys() == _expected_paths(source, as_of), name
        assert on_disk == made.keys() | {"manifest.json"}, name
        assert {e["renderer"] for e in made.values()} == set(declared), name
        empty = [p for p, e in made.items() if e["bytes"] == 0 or (out / p).stat().st_size == 0]
        assert empty == [], name
