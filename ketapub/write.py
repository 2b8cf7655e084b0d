"""Write: put a build's artifacts in the output folder so that it is never half-written.

The new tree is staged next to the output folder (a hidden sibling on the same file system),
files that did not change are hard-linked from the current tree, ``manifest.json`` is written
last, and the two folders are swapped with one ``renameat2(RENAME_EXCHANGE)`` call: at every
instant the output folder is either the whole previous build or the whole new one. Where the
kernel or file system cannot exchange, a two-rename swap is used (a window of microseconds).
Files in the output folder that ketapub did not make (a ``.gitkeep``, a README) are kept
(symlinks stay symlinks: their targets are never read), and so are empty folders; every
folder and rewritten file of the new tree keeps the mode and owner of the one it replaces.
A lock file next to the output folder serialises commits, so two builds started by cron at
once cannot mix their trees (it is removed when the commit ends, so nothing of a build stays
beside the output), and a ``manifest.json`` from elsewhere cannot name a path outside the
output folder. Which folders may be an output at all is decided in ``ketapub.outdir``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ketapub import outdir
from ketapub.embargo import is_embargo_path
from ketapub.errors import CaseCollision, KetapubError, OutputChanged
from ketapub.outdir import check_output_location  # noqa: F401  (its old home)
from ketapub.paths import is_safe_path

MANIFEST = outdir.MANIFEST
STAGE_SUFFIX = ".ketapub-stage"
OLD_SUFFIX = ".ketapub-old"
LOCK_SUFFIX = ".ketapub-lock"
TRASH_INFIX = ".ketapub-trash-"
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
    brand: str | None = None
    variant: str | None = ""
    """The job's variant ("" standard, "large-print"); None when unknown (a manifest written
    before variants were recorded): such an entry is removed only by a build covering all."""
    parts: tuple[int, ...] | None = None
    """Parts whose text the file shows (the job's ``shows``): ``serve`` hands it out only once
    all are released. None: a whole-series file (booklet, ebook, index), or unknown (a
    manifest written before this was recorded), held by ``released`` instead."""
    released: tuple[int, ...] | None = None
    """For a whole-series file: the parts released as of the build that made it; ``serve``
    hands it out only once all of those are released (so a build ahead of the clock shows
    nothing early). None when unknown: held until every part of the series is out."""
    edition: str = ""
    """The language of the translation the file belongs to ("" the original): ``parts``
    and ``released`` count by that edition's schedule."""

    def as_json(self) -> dict[str, Any]:
        """The entry as the manifest lists it."""
        data = {"path": self.path, "sha256": self.sha256, "bytes": self.bytes,
                "renderer": self.renderer, "input_hash": self.input_hash,
                "media_type": self.media_type, "brand": self.brand, "variant": self.variant,
                "parts": None if self.parts is None else list(self.parts)}
        if self.parts is None:
            data["released"] = None if self.released is None else list(self.released)
        if self.edition:
            data["edition"] = self.edition
        return data


_REQUIRED = ("path", "sha256", "bytes", "renderer", "input_hash", "media_type")


@dataclass(frozen=True)
class Same:
    """A value of ``commit()``'s ``new``.

    The file has the bytes of the artifact at ``path`` of this commit (``old``: of the output folder
    as the last build left it), so it is hard-linked, not written again (a handout that is the same
    in several release states of the embargo area).
    """

    path: str
    old: bool = False


def managed_path(path: object) -> bool:
    """A path a manifest may list: a public one, or one of the embargo area.

    Args:
        path: any value read from a manifest or planned.
    """
    return is_safe_path(path) or is_embargo_path(path)


def read_manifest(out: Path) -> dict[str, Entry]:
    """The artifacts of the build currently in ``out`` (empty when there is none).

    Entries whose path would leave the output folder (a tampered or foreign manifest) are
    ignored, so nothing outside ``out`` is ever linked, kept or overwritten because of them.
    An entry without ``parts`` (a manifest older than that field) counts as a whole-series
    file built as of the manifest's ``as_of_released``, the safe reading for ``serve``.
    The files of the embargo area (``embargoed``) are read too, under their own paths.

    Args:
        out: the output folder.
    """
    try:
        data = json.loads((out / MANIFEST).read_text("utf-8"))
        built = _numbers(data.get("as_of_released"))
        entries = {a["path"]: Entry(**{k: a[k] for k in _REQUIRED},
                                    brand=_str_or_none(a.get("brand")),
                                    variant=_str_or_none(a.get("variant")),
                                    parts=_numbers(a.get("parts")),
                                    released=(_numbers(a["released"]) if "released" in a
                                              else built),
                                    edition=_str_or_none(a.get("edition")) or "")
                   for a in [*data.get("artifacts", []), *data.get("embargoed", [])]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    return {p: e for p, e in entries.items() if managed_path(p) and p != MANIFEST}


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _numbers(value: object) -> tuple[int, ...] | None:
    """A list of part numbers from manifest.json; None when absent or not such a list."""
    if not isinstance(value, list) or not all(type(n) is int for n in value):
        return None
    return tuple(value)


def manifest_bytes(entries: Iterable[Entry], meta: Mapping[str, Any]) -> bytes:
    """The manifest's bytes.

    The public files under ``artifacts``; the embargo area's, when there are any, apart under
    ``embargoed`` (a partner reading the list sees only what is out).

    Args:
        entries: every artifact of the build, public and embargoed.
        meta: the build's own keys (``as_of``, ``next_release``...).
    """
    ordered = sorted(entries, key=lambda e: e.path)
    body = {"generator": "ketapub", **meta,
            "artifacts": [e.as_json() for e in ordered if not is_embargo_path(e.path)]}
    embargoed = [e.as_json() for e in ordered if is_embargo_path(e.path)]
    if embargoed:
        body["embargoed"] = embargoed
    return (json.dumps(body, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode()


def sha256(data: bytes) -> str:
    """The hex sha256 of ``data``, as the manifest lists it.

    Args:
        data: the bytes.
    """
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
    if src.is_symlink():  # keep a user's symlink as a link; never read what it points to
        os.symlink(os.readlink(src), dst)
        return
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def _user_files(out: Path) -> Iterator[str]:
    """Relative paths of files and symlinks under ``out``, never descending into symlinks."""
    for dirpath, dirnames, filenames in os.walk(out):
        base = Path(dirpath)
        for d in list(dirnames):
            if (base / d).is_symlink():
                dirnames.remove(d)
                filenames.append(d)
        dirnames.sort()
        for name in sorted(filenames):
            yield (base / name).relative_to(out).as_posix()


def sibling(out: Path, suffix: str) -> Path:
    """A hidden sibling of ``out``, on the same file system, so renames are atomic.

    Args:
        out: the output folder.
        suffix: what tells the siblings apart (``.ketapub-stage``).
    """
    return out.parent / f".{out.name}{suffix}"


def recover(out: Path) -> None:
    """Remove what an interrupted earlier build left next to the output folder.

    If a build was killed between the two renames of the fallback swap, the output folder is
    missing and the previous tree sits in the hidden ``-old`` sibling: it is put back.
    Call with the lock held (``commit()`` does).

    Args:
        out: the output folder.
    """
    old = sibling(out, OLD_SUFFIX)
    if not out.exists() and not out.is_symlink() and (old / MANIFEST).is_file():
        os.rename(old, out)
    for suffix in (STAGE_SUFFIX, OLD_SUFFIX):
        leftover = sibling(out, suffix)
        remove_tree(leftover)
        if leftover.exists() or leftover.is_symlink():
            # something in it cannot go (a mount point, an immutable file): move it aside, so
            # that it never blocks a later build, and try again at each build
            os.rename(leftover, out.parent / f".{out.name}{TRASH_INFIX}{os.getpid()}-"
                      f"{os.urandom(4).hex()}")
    for leftover in (*_dead_spools(out), *out.parent.glob(f".{out.name}{TRASH_INFIX}*")):
        remove_tree(leftover)


def remove_tree(path: Path) -> None:
    """Remove ``path`` (a file, a symlink or a folder) as far as it can be removed.

    Unlike ``shutil.rmtree`` it never enters a folder on another file system (a mount point:
    removing its files would empty that file system), and a file it cannot remove only stays.

    Args:
        path: what to remove.
    """
    try:
        top = os.lstat(path)
    except OSError:
        return
    if not stat.S_ISDIR(top.st_mode):
        with suppress(OSError):
            os.unlink(path)
        return
    folders = []
    for dirpath, dirnames, filenames in os.walk(path):
        folders.append(dirpath)
        for name in list(dirnames):
            with suppress(OSError):
                st = os.lstat(os.path.join(dirpath, name))
                if stat.S_ISLNK(st.st_mode):
                    filenames.append(name)
                if stat.S_ISLNK(st.st_mode) or st.st_dev != top.st_dev:
                    dirnames.remove(name)
        for name in filenames:
            with suppress(OSError):
                os.unlink(os.path.join(dirpath, name))
    for folder in reversed(folders):
        with suppress(OSError):
            os.rmdir(folder)


def _leftovers(out: Path) -> bool:
    """Whether anything of an earlier build lies next to ``out`` (cheap: no lock taken)."""
    return (any(sibling(out, s).exists() or sibling(out, s).is_symlink()
                for s in (STAGE_SUFFIX, OLD_SUFFIX)) or bool(_dead_spools(out))
            or any(out.parent.glob(f".{out.name}{TRASH_INFIX}*")))


def tidy(out: Path) -> None:
    """Remove what killed builds left next to ``out``, at the start of a build.

    See ``recover()``. A build that makes no change never commits, so it would not get to them
    otherwise.

    Args:
        out: the output folder.
    """
    out = out.absolute()
    if out.is_symlink():
        out = out.resolve()
    if out.parent.is_dir() and _leftovers(out):
        with locked(out):
            recover(out)


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder (a hidden sibling lock file).

    The kernel drops the lock when a process dies, so a killed build never blocks the next.
    The holder unlinks the lock file before it lets go, so none is left beside the output;
    a builder that was waiting on the unlinked file then finds it gone (or another in its
    place) and locks afresh, so two holders never lock different files at once.

    Args:
        out: the output folder.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    path = sibling(out, LOCK_SUFFIX)
    while True:
        try:  # never through a symlink someone planted: it would create or lock their file
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            raise KetapubError(f"{path}: is a symlink, and ketapub's lock file never is one; "
                               "remove it (someone may have planted it to make the build "
                               "write elsewhere)") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = None
        except BaseException:
            os.close(fd)
            raise
        if current == os.fstat(fd).st_ino:
            break
        os.close(fd)  # the holder before us removed it: lock the one there now
    try:
        yield
    finally:
        with suppress(OSError):
            os.unlink(path)
        os.close(fd)


SPOOL_INFIX = ".ketapub-spool-"


def spool_folder(out: Path) -> Path:
    """A private folder next to ``out`` (same file system) for a build's finished artifacts.

    Its name carries the build's process id, so ``recover()`` can remove the spool of a
    killed build without touching the spool of one still running.

    Args:
        out: the output folder.
    """
    import tempfile

    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}{SPOOL_INFIX}{os.getpid()}-",
                                 dir=parent))


def _dead_spools(out: Path) -> list[Path]:
    """Spool folders (named by ``spool_folder()``) whose build process no longer runs."""
    prefix = f".{out.name}{SPOOL_INFIX}"
    dead = []
    for entry in out.parent.glob(f"{prefix}*"):
        pid_text = entry.name[len(prefix):].split("-", 1)[0]
        if not pid_text.isdigit():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            dead.append(entry)
        except OSError:
            continue
    return dead


def spool(folder: Path, path: str, data: bytes) -> Path:
    """Write one finished artifact under ``folder``.

    A build streams artifacts to a spool folder on the output folder's file system as they
    finish, instead of holding every artifact's bytes until ``commit()``, which then moves
    them into the new tree (pass the returned paths as values of ``new``).

    Args:
        folder: the build's spool folder.
        path: the artifact's output path.
        data: its bytes.

    Returns:
        Where it went.
    """
    if not is_safe_path(path):
        raise ValueError(f"{path!r} is not a safe output path")
    target = folder / path
    _write_file(target, data)
    return target


def _put(src: Path, dst: Path) -> None:
    """Move a spooled file into the staged tree (copy when it is on another file system)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def commit(out: Path, new: Mapping[str, bytes | Path | Same], entries: Mapping[str, Entry],
           meta: Mapping[str, Any]) -> None:
    """Make ``out`` hold exactly ``entries``.

    From ``new``: bytes or a spooled file; else, unchanged, from ``out``.

    A value of ``new`` is the artifact's bytes, the path of a file ``spool()`` wrote, or
    ``Same`` (a link to another artifact's file).

    Args:
        out: the output folder.
        new: by path, the bytes, the spooled file or ``Same`` of each artifact to write.
        entries: by path, every artifact the folder must hold.
        meta: the manifest's own keys.

    Raises:
        OutputChanged: a file to keep no longer has the hash ``entries`` expects (another
            build committed in between); nothing is changed then.
    """
    out = out.absolute()
    if out.is_symlink():  # the user's own link to where the site lives: swap there
        out = out.resolve()
    check_output_folder(out)
    for path in entries:
        if not managed_path(path):
            raise ValueError(f"{path!r} is not a safe output path")
    with locked(out):
        outdir.check_contents(out)  # again, now that no other build can change it
        _commit(out, new, entries, meta)


def _commit(out: Path, new: Mapping[str, bytes | Path | Same], entries: Mapping[str, Entry],
            meta: Mapping[str, Any]) -> None:
    recover(out)
    old_manifest = read_manifest(out)
    _check_unchanged(out, new, entries, old_manifest)
    stage = sibling(out, STAGE_SUFFIX)
    stage.mkdir(parents=True)
    try:
        _fill(stage, out, new, entries, old_manifest)
        _write_file(stage / MANIFEST, manifest_bytes(entries.values(), meta))
        _keep_mode(out / MANIFEST, stage / MANIFEST)
        if out.is_dir():
            _keep_folders(out, stage, set(old_manifest) | {MANIFEST})
        _fsync_dir(stage)
        _swap(stage, out)
        _fsync_dir(out.parent)
    except BaseException:
        remove_tree(stage)
        raise


def _check_unchanged(out: Path, new: Mapping[str, bytes | Path | Same],
                     entries: Mapping[str, Entry],
                     old_manifest: Mapping[str, Entry]) -> None:
    """Every file taken over from ``out`` must still be what the manifest says."""
    for path, entry in sorted(entries.items()):
        data = new.get(path)
        source = data.path if isinstance(data, Same) and data.old else path  # linked from out
        if path not in new or source != path:
            prev = old_manifest.get(source)
            if prev is None or prev.sha256 != entry.sha256:
                raise OutputChanged(f"{out / path}: changed in the output folder during this "
                                    "build (another build finished first); run it again")


def _fill(stage: Path, out: Path, new: Mapping[str, bytes | Path | Same],
          entries: Mapping[str, Entry], old_manifest: Mapping[str, Entry]) -> None:
    """Put every artifact in ``stage``, then what the user put in the output folder.

    An artifact is new bytes, a spooled file, the file already in ``out``, or a link to another
    artifact once that one is in.
    """
    links = sorted(p for p in entries if isinstance(new.get(p), Same))
    for path in sorted(set(entries) - set(links)):
        target = stage / path
        if path in new:
            data = new[path]
            if isinstance(data, Same):  # pragma: no cover - filtered out above
                continue
            if isinstance(data, Path):
                _put(data, target)
            else:
                _write_file(target, data)
            _keep_mode(out / path, target)
        elif path in old_manifest:
            _link_or_copy(out / path, target)
        else:  # pragma: no cover - build.py never asks for this
            raise FileNotFoundError(path)
    for path in links:
        _link_or_copy(_origin(stage, out, new, path), stage / path)
    # carry over what the user put in the output folder themselves
    managed = set(old_manifest) | {MANIFEST}
    if out.is_dir():
        for rel in _user_files(out):
            if rel not in managed and not (stage / rel).exists():
                _link_or_copy(out / rel, stage / rel)


def _origin(stage: Path, out: Path, new: Mapping[str, bytes | Path | Same], path: str) -> Path:
    """The file a ``Same`` at ``path`` links to, through links to links.

    One of the output folder (``old``) or one already in ``stage``.
    """
    src = new[path]
    if not isinstance(src, Same):
        raise TypeError(f"{path!r} is not a link to another artifact")
    seen = {path}
    while not src.old:
        nxt = new.get(src.path)
        if not isinstance(nxt, Same):
            break
        if src.path in seen:
            raise ValueError(f"{path!r} links to itself through {sorted(seen)}")
        seen.add(src.path)
        src = nxt
    return (out if src.old else stage) / src.path


def _swap(stage: Path, out: Path) -> None:
    """Put ``stage`` in place of ``out``: one atomic exchange where the system has it."""
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        os.rename(stage, out)
    elif _exchange(stage, out):
        remove_tree(stage)
    else:
        old = sibling(out, OLD_SUFFIX)
        os.rename(out, old)
        os.rename(stage, out)
        remove_tree(old)


def _keep_mode(old: Path, new: Path) -> None:
    """Give ``new`` the mode and owner of ``old``, the file or folder it replaces.

    The owner where the process may; so a build never widens what the user narrowed (700 stays 700).
    """
    try:
        st = os.lstat(old)
        now = os.lstat(new)
    except OSError:
        return
    if stat.S_IFMT(st.st_mode) != stat.S_IFMT(now.st_mode) or stat.S_ISLNK(st.st_mode):
        return
    if (st.st_uid, st.st_gid) != (now.st_uid, now.st_gid):
        with suppress(OSError):  # only root may give a file away; others keep their own
            os.chown(new, st.st_uid, st.st_gid, follow_symlinks=False)
    if stat.S_IMODE(st.st_mode) != stat.S_IMODE(now.st_mode):
        os.chmod(new, stat.S_IMODE(st.st_mode))


def _keep_folders(out: Path, stage: Path, managed: Iterable[str]) -> None:
    """Give the stage's folders the modes and owners of those they replace.

    Give every folder of ``stage`` the mode and owner of the folder of ``out`` it replaces, and
    carry over the user's empty folders (one that held only artifacts of the previous build goes
    with them). Deepest first, so a folder made read-only is not entered again.
    """
    ketapub_made = {parent for path in managed for parent in PurePosixPath(path).parents}
    folders = []
    for dirpath, dirnames, _ in os.walk(out):
        dirnames[:] = sorted(d for d in dirnames if not os.path.islink(os.path.join(dirpath, d)))
        folders.append(Path(dirpath).relative_to(out))
    for rel in folders:
        if PurePosixPath(rel.as_posix()) not in ketapub_made:
            with suppress(FileExistsError, NotADirectoryError):  # now a file of the new build
                (stage / rel).mkdir(parents=True, exist_ok=True)
    for rel in sorted(folders, key=lambda r: len(r.parts), reverse=True):
        _keep_mode(out / rel, stage / rel)


def check_output_folder(out: Path, error: type[KetapubError] = KetapubError) -> None:
    """Refuse an output path that is something other than a folder.

    The swap would put the build in its place and the file would be lost.

    Args:
        out: the output folder.
        error: the error class to raise.
    """
    if out.exists() and not out.is_dir():
        raise error(f"{out}: exists and is not a folder; give -o a folder (new or made by "
                    "ketapub), or move the file away")


def check_case_collisions(paths: Iterable[str]) -> None:
    """Refuse output paths that differ only in case.

    On a case-insensitive file system (macOS, Windows, many USB drives) one would silently overwrite
    the other.

    Args:
        paths: every planned output path.
    """
    seen: dict[str, str] = {}
    for path in paths:
        key = path.casefold()
        if key in seen and seen[key] != path:
            raise CaseCollision(f"{path}: output path collides with {seen[key]!r} on "
                                "case-insensitive file systems; rename one of them")
        seen.setdefault(key, path)
