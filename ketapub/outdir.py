"""Outdir: which folders a build may replace, decided before any work and again under the lock.

A build swaps its output folder as a whole and removes the previous tree, so an ``-o`` that
names the wrong folder would lose what is in it. Only a folder that is new, empty or made by
ketapub (it holds a ketapub ``manifest.json``) is accepted; never ``/``, the home folder, the
empty path (the current directory), a mount point or a folder holding one (removing the old
tree would empty that file system), nor a symlink into a folder someone else owns (they
could plant the build's hidden siblings there).
"""

from __future__ import annotations

import json
import os
import pwd
import stat
from pathlib import Path

from ketapub.errors import KetapubError

MANIFEST = "manifest.json"
PLACEHOLDERS = frozenset({".gitkeep", ".keep"})
"""Empty files that keep an empty folder in version control: a folder holding only these is
empty for this check (they are carried over like any other file of the user's)."""
MAX_FOLDERS = 100_000
"""How many folders the mount-point walk looks at; a ketapub output holds a few dozen."""
_MAX_MANIFEST_BYTES = 64 * 1024 * 1024
_MANIFEST_KEYS = frozenset({"generator", "series", "as_of_released", "next_release",
                            "artifacts"})
_ARTIFACT_KEYS = frozenset({"path", "sha256", "bytes", "renderer", "input_hash",
                            "media_type", "brand", "variant", "parts", "released"})
_REQUIRED = ("path", "sha256", "bytes", "renderer", "input_hash", "media_type")


def check_output(out: str | os.PathLike[str], source: str | os.PathLike[str] | None = None,
                 error: type[KetapubError] = KetapubError) -> None:
    """Refuse an output folder that a build must not replace.

    One the module docstring lists, or one that is or holds the ``source`` folder or the current
    directory. The message says why, and what to do instead.

    Args:
        out: the output folder asked for (``-o``).
        source: the source folder, when the build reads one.
        error: the error class to raise (the CLI's usage error, for example).

    Raises:
        KetapubError: (of class ``error``) the folder must not be replaced.
    """
    raw = os.fspath(out)
    if raw == "":
        raise error("-o '': an empty path is the current directory, and a build replaces its "
                    "output folder as a whole; give -o a folder of its own, such as 'output'")
    path = Path(os.path.abspath(raw))
    real = Path(os.path.realpath(path))
    if real == Path(real.anchor):
        raise error(f"-o {raw}: is the root folder; give -o a folder of its own, such as "
                    "'output'")
    if real in _homes():
        raise error(f"-o {raw}: is the home folder, and a build replaces its output folder as "
                    "a whole; give -o a folder of its own, such as '~/ketapub-output'")
    check_output_location(Path(raw), None if source is None else Path(source), error)
    if path.is_symlink():
        _check_link_target(raw, path, error)
    if real.exists() and not real.is_dir():
        raise error(f"-o {raw}: exists and is not a folder; give -o a folder (new or made by "
                    "ketapub), or move the file away")
    check_contents(real, error, shown=raw)
    lock = real.parent / f".{real.name}.ketapub-lock"
    if lock.is_symlink():
        raise error(f"{lock}: is a symlink, and ketapub's lock file never is one; remove it "
                    "(someone may have planted it to make the build write elsewhere)")


def check_contents(real: Path, error: type[KetapubError] = KetapubError,
                   shown: str | None = None) -> None:
    """Refuse a folder that holds files but no ketapub manifest, or is or holds a mount point.

    ``real`` is the output folder (it may not exist yet).

    Args:
        real: the output folder (it may not exist yet).
        error: the error class to raise.
        shown: how to name the folder in the message; default: ``real``.
    """
    shown = str(real) if shown is None else shown
    real = Path(os.path.realpath(real))  # the mount table names resolved paths
    if not real.is_dir():
        return
    if not _is_empty(real) and not is_ketapub_manifest(real / MANIFEST):
        raise error(f"-o {shown}: the folder holds files and was not made by ketapub (no "
                    "ketapub manifest.json), and a build replaces its output folder as a "
                    "whole; give -o a new or empty folder, or the folder of an earlier build")
    try:
        inner = mount_inside(real)
    except OverflowError:
        raise error(f"-o {shown}: holds more than {MAX_FOLDERS} folders, far more than a "
                    "ketapub output; give -o a folder of its own, such as 'output'") from None
    if inner is not None:
        where = "is a mount point" if inner == real else f"holds a mount point ({inner})"
        raise error(f"-o {shown}: {where}, and a build replaces its output folder as a whole "
                    "(it would empty that file system); give -o a folder on one file system "
                    "with no mount inside, such as a folder inside the mount")


def is_ketapub_manifest(path: Path) -> bool:
    """Whether ``path`` is a manifest ketapub wrote.

    A regular file holding a JSON object with ``"generator": "ketapub"``, or (an older build's) only
    ketapub's keys and artifacts.

    Args:
        path: the file to read.
    """
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_MANIFEST_BYTES:
            return False
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    if data.get("generator") == "ketapub":
        return True
    artifacts = data.get("artifacts")
    return (set(data) <= _MANIFEST_KEYS and isinstance(artifacts, list)
            and all(isinstance(a, dict) and set(a) <= _ARTIFACT_KEYS
                    and all(k in a for k in _REQUIRED) for a in artifacts))


def mount_inside(real: Path) -> Path | None:
    """The first mount point at or under ``real`` (None when there is none).

    Two ways, both bounded: a folder whose ``st_dev`` differs from its parent's, found by a
    walk that never follows symlinks; and the kernel's mount table where it is readable, which
    also shows a bind mount of a folder of the same file system.

    Args:
        real: a folder, its symbolic links resolved.

    Raises:
        OverflowError: ``real`` holds more than ``MAX_FOLDERS`` folders.
    """
    try:
        root = os.lstat(real)
        parent = os.lstat(real.parent)
    except OSError:
        return None
    if root.st_dev != parent.st_dev or os.path.ismount(real):
        return real
    for mount in _mount_table():
        if mount == real or mount.is_relative_to(real):
            return mount
    seen = 0
    for dirpath, dirnames, _ in os.walk(real):
        for name in sorted(dirnames):
            folder = Path(dirpath, name)
            try:
                st = os.lstat(folder)
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode):
                continue
            if st.st_dev != root.st_dev:
                return folder
            seen += 1
            if seen > MAX_FOLDERS:
                raise OverflowError(str(real))
    return None


def _mount_table() -> list[Path]:
    try:
        text = Path("/proc/self/mountinfo").read_text("utf-8", "surrogateescape")
    except OSError:
        return []
    mounts = []
    for line in text.splitlines():
        fields = line.split(" ")
        if len(fields) > 4:
            point = fields[4].encode("utf-8", "surrogateescape").decode("unicode_escape")
            mounts.append(Path(point.encode("latin-1").decode("utf-8", "surrogateescape")))
    return sorted(mounts)


def _is_empty(folder: Path) -> bool:
    with os.scandir(folder) as it:
        for entry in it:
            if entry.name not in PLACEHOLDERS or not entry.is_file(follow_symlinks=False):
                return False
            if entry.stat(follow_symlinks=False).st_size:
                return False
    return True


def _homes() -> set[Path]:
    homes = set()
    for home in (os.environ.get("HOME"), _passwd_home()):
        if home:
            homes.add(Path(os.path.realpath(home)))
    return homes


def _passwd_home() -> str | None:
    try:
        return pwd.getpwuid(os.geteuid()).pw_dir
    except KeyError:
        return None


def _check_link_target(raw: str, link: Path, error: type[KetapubError]) -> None:
    """Refuse a symlink ``-o`` that leads into a folder the user does not own.

    The build writes its stage, lock and spool beside the target, where the owner could plant links.
    """
    target = Path(os.path.realpath(link))
    uid = os.geteuid()
    for folder in (target, target.parent):
        probe = folder
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        owner = os.stat(probe).st_uid
        if owner != uid:
            raise error(f"-o {raw}: is a symlink to {target}, in a folder owned by user "
                        f"{_user_name(owner)}, not by you; give -o a folder you own (or the "
                        "link's target itself)")


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def check_output_location(out: Path, source: Path | None = None,
                          error: type[KetapubError] = KetapubError) -> None:
    """Refuse an output folder that is, or holds, the source folder or the current directory.

    A build replaces its output folder as a whole, which would move those away (and leave a shell
    standing in a folder that is no longer there).

    Args:
        out: the output folder.
        source: the source folder, when the build reads one.
        error: the error class to raise.
    """
    target = Path(os.path.realpath(out))
    try:
        cwd: Path | None = Path.cwd()
    except OSError:  # the current directory was removed: nothing of it to protect
        cwd = None
    for what, folder in (("the source folder", source), ("the current directory", cwd)):
        if folder is not None and Path(os.path.realpath(folder)).is_relative_to(target):
            raise error(f"-o {out}: is {what} or a folder above it, and a build replaces its "
                        "output folder as a whole; give -o a folder of its own, such as "
                        "'output'")
