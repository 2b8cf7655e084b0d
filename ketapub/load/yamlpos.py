"""YAML parsing that remembers where every key and value is, for ``file:line:column`` errors.

PyYAML's safe composer gives nodes with marks; we build plain Python values from them and
a map from each value's path (a tuple of keys and indexes) to its position. Duplicate keys
and anchors/aliases are refused: both hide mistakes, and aliases allow exponential blow-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from ketapub.errors import YamlProblem

try:  # the C parser is much faster; fall back when libyaml is absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]


@dataclass
class Positions:
    """1-based (line, column) of values and keys, by path."""

    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    line_offset: int = 0
    comments: dict[Path, tuple[int, int, str]] = field(default_factory=dict)
    """Values that are null because a ``#`` turned the rest of their line into a comment
    (``accent_color: #123456``): the line and column of the ``#``, and the comment."""

    def commented(self) -> list[tuple[Path, int, int, str]]:
        """(path, line, column, comment) of each value a comment left empty, in order."""
        return sorted(((path, line + self.line_offset, col, text)
                       for path, (line, col, text) in self.comments.items()),
                      key=lambda c: (c[1], c[2]))

    def of_value(self, path: Path) -> tuple[int, int]:
        """(line, column) of the value at ``path``, else of its nearest written parent.

        Args:
            path: the keys and indexes down to the value.
        """
        for n in range(len(path), -1, -1):
            pos = self.values.get(path[:n])
            if pos:
                return pos[0] + self.line_offset, pos[1]
        return 1 + self.line_offset, 1

    def of_key(self, path: Path) -> tuple[int, int]:
        """(line, column) of the key at ``path``, else of its value.

        Args:
            path: the keys and indexes down to the key.
        """
        pos = self.keys.get(path)
        if pos:
            return pos[0] + self.line_offset, pos[1]
        return self.of_value(path)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _reader_problem(text: str, exc: yaml.reader.ReaderError) -> YamlProblem:
    """A character YAML refuses (a control character), at its own line and column."""
    pos = max(0, min(int(exc.position), len(text)))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
    return YamlProblem(line, col, f"control character U+{char:04X} is not allowed in YAML; "
                       "remove it")


def _tab_problem(text: str, line: int, col: int, line_offset: int,
                 problem: str) -> YamlProblem | None:
    """A tab where YAML expects spaces, named as such, at the tab itself.

    PyYAML says "found character that cannot start any token". None when the problem is not a tab.
    """
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    here = lines[line - 1]
    # PyYAML's own tab messages may point at the line rather than at the tab
    at_mark = here[col - 1:col] == "\t"
    tab = col - 1 if at_mark else here.find("\t") if "tab" in problem else -1
    if tab < 0:
        return None
    where = f"{line + line_offset}:{tab + 1}"
    if re.fullmatch(r"[ ]*(?:-[ ]*)*", here[:tab]):  # only indentation (and "- ") before
        return YamlProblem(line, tab + 1, f"a tab is used for indentation at {where}; YAML "
                           "indents with spaces: replace the tab with spaces")
    return YamlProblem(line, tab + 1, f"a tab at {where} cannot start a YAML value; use "
                       "spaces instead of the tab")


def _comment_after(text: str, line: int, col: int) -> tuple[int, str] | None:
    """A comment that stands where a value was meant, with its column.

    (column, comment) when the rest of the line from ``col`` is a comment that stands where a value
    was meant: right after ``key: `` or ``- ``, or one that reads like a value (``#123456``: no
    space after the ``#``). An aligned ``key:    # note`` is a comment.
    """
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    here = lines[line - 1]
    rest = here[col - 1:].lstrip(" \t")
    if not rest.startswith("#"):
        return None
    at = len(here) - len(rest)
    before = here[:at]
    if before.endswith((": ", "- ")) or rest[1:2] not in ("", " ", "\t"):
        return at + 1, rest.rstrip()
    return None


def parse(text: str, line_offset: int = 0) -> tuple[Any, Positions]:
    """Parse one YAML document into plain values and their positions.

    ``line_offset`` is the file line before the document's first; the lines of a YamlProblem do not
    include it.

    Args:
        text: the YAML text.
        line_offset: the file line before the document's first; default 0.
    """
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise _reader_problem(text, exc) from None
    try:
        try:
            root = loader.get_single_node()
        except yaml.reader.ReaderError as exc:
            raise _reader_problem(text, exc) from None
        except yaml.MarkedYAMLError as exc:
            raise _syntax_problem(text, exc, line_offset) from None
        except yaml.YAMLError as exc:
            raise YamlProblem(1, 1, f"invalid YAML: {exc}") from None
        positions = Positions(line_offset=line_offset)
        if root is None:
            return None, positions
        return _Builder(text, loader, positions).build(root, ()), positions
    finally:
        loader.dispose()


def _syntax_problem(text: str, exc: yaml.MarkedYAMLError, line_offset: int) -> YamlProblem:
    """A syntax error said plainly.

    A tab as a tab, a character that cannot start a value with the advice to quote it.
    """
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or exc.context or "invalid YAML"
    if "tab" in problem or "cannot start any token" in problem:
        tab = _tab_problem(text, line, col, line_offset, problem)
        if tab is not None:
            return tab
        char = text.split("\n")[line - 1][col - 1:col] if mark else ""
        if char.strip() and "cannot start any token" in problem:
            return YamlProblem(line, col, f"invalid YAML: {char!r} cannot start a "
                               "plain value; put the value in quotes")
    return YamlProblem(line, col, f"invalid YAML: {problem}")


class _Builder:
    """Plain values from the node tree, recording where each key and value is.

    Anchors, aliases, merge keys and keys that are not plain words are refused.
    """

    def __init__(self, text: str, loader: _Loader, positions: Positions):
        self.text, self.loader, self.positions = text, loader, positions
        self.seen: set[int] = set()

    def build(self, node: yaml.Node, path: Path) -> Any:
        if id(node) in self.seen:
            line, col = _mark(node)
            raise YamlProblem(line, col, "YAML anchors and aliases are not supported; "
                              "write the value out")
        self.seen.add(id(node))
        self.positions.values[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if (node.tag == "tag:yaml.org,2002:null" and node.value == ""
                and isinstance(node, yaml.ScalarNode) and not node.style):
            comment = _comment_after(self.text, *_mark(node))
            if comment is not None:
                self.positions.comments[path] = (_mark(node)[0], *comment)
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            line, col = _mark(node)
            raise YamlProblem(line, col, f"invalid YAML value: {exc}") from None
        except ValueError as exc:  # e.g. an impossible timestamp such as 2025-02-30
            line, col = _mark(node)
            raise YamlProblem(line, col, f"invalid value: {exc}") from None

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                line, col = _mark(key_node)
                raise YamlProblem(line, col, "YAML merge keys ('<<') are not supported")
            key = self.loader.construct_object(key_node) if isinstance(
                key_node, yaml.ScalarNode) else None
            if isinstance(key, bool) and not key_node.style:
                key = key_node.value  # a name as written: YAML 1.1 reads `on:` as true
            if not isinstance(key, str | int) or isinstance(key, bool):
                line, col = _mark(key_node)
                raise YamlProblem(line, col, "keys must be plain words")
            key = str(key)
            if key in out:
                line, col = _mark(key_node)
                raise YamlProblem(line, col, f"duplicate key {key!r}; keep only one")
            self.positions.keys[(*path, key)] = _mark(key_node)
            out[key] = self.build(value_node, (*path, key))
        return out
