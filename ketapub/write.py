"""Write: put a build's artifacts in the output folder so that it is never half-written.

The new tree is staged next to the output folder (a hidden sibling on the same file system),
files that did not change are hard-linked from the current tree, ``manifest.json`` is written
last, and the two folders are swapped with one ``renameat2(RENAME_EXCHANGE)`` call: at every
instant the output folder is either the whole previous build or the whole new one. Where the
kernel or file system cannot exchange, a two-rename swap is used (a window of microseconds).
Files in the output folder that ketapub did not make (a ``.gitkeep``, a README) are kept.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
STAGE_SUFFIX = ".ketapub-stage"
OLD_SUFFIX = ".ketapub-old"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@dataclass(frozen=True)
class Entry:
    """One artifact as listed in manifest.json."""

    path: str
    sha256: str
    bytes: int
    renderer: str
    input_hash: str
    media_type: str

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "bytes": self.bytes,
                "renderer": self.renderer, "input_hash": self.input_hash,
                "media_type": self.media_type}


def read_manifest(out: Path) -> dict[str, Entry]:
    """The artifacts of the build currently in ``out`` (empty when there is none)."""
    try:
        data = json.loads((out / MANIFEST).read_text("utf-8"))
        return {a["path"]: Entry(**{k: a[k] for k in Entry.__dataclass_fields__})
                for a in data.get("artifacts", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def manifest_bytes(entries: Iterable[Entry], meta: Mapping[str, Any]) -> bytes:
    body = {"generator": "ketapub", **meta,
            "artifacts": [e.as_json() for e in sorted(entries, key=lambda e: e.path)]}
    return (json.dumps(body, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _exchange(a: Path, b: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def sibling(out: Path, suffix: str) -> Path:
    return out.parent / f".{out.name}{suffix}"


def recover(out: Path) -> None:
    """Remove what an interrupted earlier build left next to the output folder."""
    for suffix in (STAGE_SUFFIX, OLD_SUFFIX):
        leftover = sibling(out, suffix)
        if leftover.exists():
            shutil.rmtree(leftover, ignore_errors=True)


def commit(out: Path, new: Mapping[str, bytes], entries: Mapping[str, Entry],
           meta: Mapping[str, Any], keep_from_old: Iterable[str] = ()) -> None:
    """Make ``out`` hold exactly ``entries`` (bytes from ``new`` or, unchanged, from ``out``).

    ``keep_from_old`` lists artifact paths whose current files stay as they are.
    """
    out = out.absolute()
    recover(out)
    old_manifest = read_manifest(out)
    stage = sibling(out, STAGE_SUFFIX)
    stage.mkdir(parents=True)
    try:
        keep = set(keep_from_old)
        for path in sorted(entries):
            target = stage / path
            if path in new:
                _write_file(target, new[path])
            elif path in keep or path in old_manifest:
                _link_or_copy(out / path, target)
            else:  # pragma: no cover - build.py never asks for this
                raise FileNotFoundError(path)
        # carry over what the user put in the output folder themselves
        managed = set(old_manifest) | {MANIFEST}
        if out.is_dir():
            for src in sorted(out.rglob("*")):
                rel = src.relative_to(out).as_posix()
                if src.is_file() and rel not in managed and not (stage / rel).exists():
                    _link_or_copy(src, stage / rel)
        _write_file(stage / MANIFEST, manifest_bytes(entries.values(), meta))
        _fsync_dir(stage)
        if not out.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            os.rename(stage, out)
        elif _exchange(stage, out):
            shutil.rmtree(stage, ignore_errors=True)
        else:
            old = sibling(out, OLD_SUFFIX)
            os.rename(out, old)
            os.rename(stage, out)
            shutil.rmtree(old, ignore_errors=True)
        _fsync_dir(out.parent)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
