"""The public API accepts what ``build`` accepts, and documents every parameter."""

from __future__ import annotations

import inspect
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import ketapub
from ketapub import Registry, UsageError
from tests.helpers import make_source, part


@pytest.fixture
def series(tmp_path: Path) -> ketapub.Series:
    """Two parts in America/New_York: 9:00 on 10 and 17 March 2025 (EDT, UTC-4)."""
    return ketapub.load(make_source(tmp_path / "src", {
        "01-one.md": part(1, "one", publish_at="2025-03-10T09:00:00"),
        "02-two.md": part(2, "two", publish_at="2025-03-17T09:00:00")}))


def test_schedule_functions_accept_every_as_of_form(series: ketapub.Series,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    two = series.get_part(2)
    assert two is not None
    second = datetime(2025, 3, 17, 13, 0, tzinfo=UTC)  # 9:00 EDT
    # ISO strings: date-only and naive are wall-clock in the series timezone, like build
    assert ketapub.next_release(series, "2025-03-12") == second
    assert ketapub.next_release(series, "2025-03-17") == second  # midnight: not yet
    assert ketapub.next_release(series, "2025-03-17T09:00:00") is None
    assert ketapub.next_release(series, "2025-03-17T12:59:59Z") == second
    assert ketapub.next_release(series, date(2025, 3, 12)) == second
    assert ketapub.next_release(series, datetime(2025, 3, 17, 9, 0)) is None  # naive: NY
    assert not ketapub.released(two, "2025-03-17T08:59:59")
    assert ketapub.released(two, "2025-03-17T09:00:00")
    assert not ketapub.released(two, "2025-03-17")
    assert ketapub.released(two, "2025-03-17T13:00:00+00:00")
    assert not ketapub.released(two, "2025-03-17T12:59:59.999999+00:00")
    assert ketapub.released(two, date(2025, 3, 18))
    assert not ketapub.released(two, datetime(2025, 3, 17, 8, 0))
    # a naive time is in the zone asked for
    assert ketapub.released(two, "2025-03-17T13:00:00", tz=ZoneInfo("UTC"))
    # None: SOURCE_DATE_EPOCH (1 April 2025), as for build
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2025, 4, 1, tzinfo=UTC)
                                                    .timestamp())))
    assert ketapub.released(two) and ketapub.next_release(series) is None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2025, 3, 12, tzinfo=UTC)
                                                    .timestamp())))
    assert not ketapub.released(two) and ketapub.next_release(series) == second
    with pytest.raises(UsageError, match="'next tuesday' is not an ISO 8601 date"):
        ketapub.next_release(series, "next tuesday")
    with pytest.raises(UsageError, match="is not an ISO 8601"):
        ketapub.released(two, "17/03/2025")


def test_formats_as_a_str_is_a_name_or_a_comma_list(series: ketapub.Series,
                                                    tmp_path: Path) -> None:
    one = ketapub.build(series, tmp_path / "one", formats="jsonfeed", as_of="2025-04-01")
    assert [a.path for a in one.artifacts] == ["feed/feed.json"]
    two = ketapub.build(series, tmp_path / "two", formats="rss, atom", as_of="2025-04-01")
    assert [a.path for a in two.artifacts] == ["feed/atom.xml", "feed/rss.xml"]
    mixed = ketapub.build(series, tmp_path / "mixed", formats=("rss,atom", "jsonfeed", "rss"),
                          as_of="2025-04-01")
    assert [a.path for a in mixed.artifacts] == ["feed/atom.xml", "feed/feed.json",
                                                 "feed/rss.xml"]
    assert list(ketapub.render(series, "jsonfeed", as_of="2025-04-01")) == ["feed/feed.json"]
    both = ketapub.render(series, "rss,atom", as_of="2025-04-01")
    assert list(both) == ["feed/rss.xml", "feed/atom.xml"]
    assert both == ketapub.render(series, ["rss", "atom"], as_of="2025-04-01")
    assert both["feed/rss.xml"] == (tmp_path / "two" / "feed" / "rss.xml").read_bytes()
    assert list(ketapub.render(series, "rss,atom", as_of="2025-04-01",
                               path="feed/atom.xml")) == ["feed/atom.xml"]
    with pytest.raises(UsageError, match="no renderer selected"):
        ketapub.build(series, tmp_path / "none", formats=" , ", as_of="2025-04-01")
    with pytest.raises(ketapub.RendererError, match="unknown renderer 'j'"):
        ketapub.render(series, ["j"], as_of="2025-04-01")


# --- every public function documents every parameter ---------------------------------

def _documented(doc: str) -> dict[str, str]:
    """``{name: description}`` from the ``Args:`` section of a Google-style docstring."""
    lines = doc.splitlines()
    if "Args:" not in lines:
        return {}
    found: dict[str, str] = {}
    name = None
    for line in lines[lines.index("Args:") + 1:]:
        if not line.strip() or not line.startswith("    "):
            break
        entry = re.match(r"    (\*{0,2}\w+): (\S.*)$", line)
        if entry:
            name = entry.group(1).lstrip("*")
            found[name] = entry.group(2)
        elif line.startswith("        ") and name is not None:
            found[name] += " " + line.strip()
        else:
            break
    return found


def _public_callables() -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name in ketapub.__all__:
        obj = getattr(ketapub, name)
        if callable(obj) and not isinstance(obj, type):
            out.append((name, obj))
        elif isinstance(obj, type):  # and the public methods a caller or a plugin uses
            for attr, member in sorted(vars(obj).items()):
                fn = getattr(member, "__func__", member)
                if not attr.startswith("_") and inspect.isfunction(fn):
                    out.append((f"{name}.{attr}", fn))
    out.append(("Registry", Registry.__init__))
    return out


@pytest.mark.parametrize(("name", "fn"), _public_callables(),
                         ids=[n for n, _ in _public_callables()])
def test_public_function_documents_every_parameter(name: str, fn: Any) -> None:
    doc = inspect.getdoc(fn) if name != "Registry" else inspect.getdoc(Registry)
    assert doc, f"{name} has no docstring"
    params = {p.name: p for p in inspect.signature(fn).parameters.values()
              if p.name not in ("self", "cls")}
    documented = _documented(doc)
    assert sorted(documented) == sorted(params), f"{name}: Args: do not match the signature"
    for pname, p in params.items():
        if p.default is not inspect.Parameter.empty:
            assert "default" in documented[pname], f"{name}({pname}) does not say its default"


def test_the_check_sees_a_missing_parameter() -> None:
    def f(a: int, b: int = 2) -> None:
        """Sum.

        Args:
            a: the first.
        """
    assert sorted(_documented(inspect.getdoc(f) or "")) == ["a"]


def test_api_functions_the_public_list_names() -> None:
    names = {n for n, _ in _public_callables()}
    assert {"build", "render", "load", "next_release", "released", "make_app",
            "resolve_as_of", "installed", "Registry.usable", "Renderer.render",
            "RenderContext.document", "Series.get_part"} <= names
