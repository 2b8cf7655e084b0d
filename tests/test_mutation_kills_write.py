"""Tests that pin the atomic writer's behaviour (ketapub/write.py) a user relies on: an output
folder that is always a whole build, the user's own files and modes kept, the manifest
read safely, and nothing of a build left beside the output."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketapub import write
from ketapub.errors import KetapubError
from ketapub.write import Entry
from tests.test_output_folder import mounted


def _entry(path: str, data: bytes, **kw) -> Entry:
    return Entry(path=path, sha256=write.sha256(data), bytes=len(data), renderer="r",
                 input_hash="h", media_type="text/plain", **kw)


def _build(out: Path, files: dict[str, bytes], meta=None, new=None) -> None:
    entries = {p: _entry(p, d) for p, d in files.items()}
    write.commit(out, files if new is None else new, entries, meta or {"as_of": "x"})


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text("utf-8"))


def test_entry_as_json_lists_parts_or_released():
    e = _entry("a.txt", b"a", brand="b", variant="large-print", parts=(2, 1))
    data = e.as_json()
    assert data == {"path": "a.txt", "sha256": write.sha256(b"a"), "bytes": 1, "renderer": "r",
                    "input_hash": "h", "media_type": "text/plain", "brand": "b",
                    "variant": "large-print", "parts": [2, 1]}
    whole = _entry("b.txt", b"b", released=(1, 2)).as_json()
    assert whole["parts"] is None and whole["released"] == [1, 2]
    assert _entry("c.txt", b"c").as_json()["released"] is None
    assert _entry("c.txt", b"c").as_json()["variant"] == ""


def test_manifest_bytes_is_sorted_json_with_generator():
    a, b = _entry("b.txt", b"b"), _entry("a.txt", b"a")
    raw = write.manifest_bytes([a, b], {"as_of": "2026", "title": "Ä"})
    assert raw.endswith(b"}\n")
    assert "Ä".encode() in raw  # not escaped
    body = json.loads(raw)
    assert body["generator"] == "ketapub" and body["as_of"] == "2026"
    assert [x["path"] for x in body["artifacts"]] == ["a.txt", "b.txt"]
    assert list(body) == ["generator", "as_of", "title", "artifacts"]
    assert raw.startswith(b'{\n  "generator"')


def test_sha256_is_hex_of_the_bytes():
    assert write.sha256(b"") == ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
                                 "7852b855")


def test_commit_writes_files_and_manifest(tmp_path):
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A", "sub/b.txt": b"B"}, meta={"as_of": "now"})
    assert (out / "a.txt").read_bytes() == b"A"
    assert (out / "sub/b.txt").read_bytes() == b"B"
    m = _manifest(out)
    assert m["as_of"] == "now" and [a["path"] for a in m["artifacts"]] == ["a.txt", "sub/b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    got = write.read_manifest(out)
    assert set(got) == {"a.txt", "sub/b.txt"}
    assert got["a.txt"].sha256 == write.sha256(b"A")


def test_second_build_replaces_and_removes_stale_artifacts(tmp_path):
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A", "old.txt": b"O", "d/x.txt": b"X"})
    _build(out, {"a.txt": b"A2"})
    assert (out / "a.txt").read_bytes() == b"A2"
    assert not (out / "old.txt").exists()
    assert not (out / "d").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_unchanged_files_are_kept_by_link(tmp_path):
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A", "b.txt": b"B"})
    ino = os.stat(out / "a.txt").st_ino
    entries = {"a.txt": _entry("a.txt", b"A"), "b.txt": _entry("b.txt", b"B2")}
    write.commit(out, {"b.txt": b"B2"}, entries, {})
    assert (out / "a.txt").read_bytes() == b"A"
    assert os.stat(out / "a.txt").st_ino == ino
    assert (out / "b.txt").read_bytes() == b"B2"


def test_changed_output_raises_and_changes_nothing(tmp_path):
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A"})
    entries = {"a.txt": _entry("a.txt", b"other")}
    with pytest.raises(write.OutputChanged):
        write.commit(out, {}, entries, {})
    assert (out / "a.txt").read_bytes() == b"A"
    with pytest.raises(write.OutputChanged):
        write.commit(out, {}, {"new.txt": _entry("new.txt", b"n")}, {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_unsafe_entry_path_is_refused(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError):
        write.commit(out, {"../x": b"x"}, {"../x": _entry("../x", b"x")}, {})
    assert not (tmp_path / "x").exists()
    assert not out.exists()


def test_user_files_symlinks_and_empty_folders_are_kept(tmp_path):
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A", "gen/g.txt": b"G"})
    (out / ".gitkeep").write_text("")
    (out / "notes").mkdir()
    (out / "notes/readme.md").write_text("mine")
    (out / "empty").mkdir()
    (out / "empty/deeper").mkdir()
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "secret").write_text("s")
    (out / "link").symlink_to(target)
    (out / "flink").symlink_to("a.txt")
    _build(out, {"a.txt": b"A2"})
    assert (out / ".gitkeep").exists()
    assert (out / "notes/readme.md").read_text() == "mine"
    assert (out / "empty/deeper").is_dir()
    assert (out / "link").is_symlink() and os.readlink(out / "link") == str(target)
    assert (out / "flink").is_symlink() and os.readlink(out / "flink") == "a.txt"
    assert not (out / "gen").exists()  # held only artifacts
    assert (target / "secret").read_text() == "s"
    assert (out / "a.txt").read_bytes() == b"A2"


def test_user_file_in_artifact_folder_keeps_folder(tmp_path):
    out = tmp_path / "out"
    _build(out, {"gen/g.txt": b"G"})
    (out / "gen/mine.txt").write_text("m")
    _build(out, {"a.txt": b"A"})
    assert (out / "gen/mine.txt").read_text() == "m"
    assert not (out / "gen/g.txt").exists()


def test_user_file_replaced_by_new_artifact_gets_artifact(tmp_path):
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A"})
    (out / "b.txt").write_text("user")
    _build(out, {"a.txt": b"A", "b.txt": b"B"})
    assert (out / "b.txt").read_bytes() == b"B"


def test_modes_of_files_and_folders_are_kept(tmp_path):
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A", "d/b.txt": b"B"})
    os.chmod(out / "a.txt", 0o600)
    os.chmod(out / "manifest.json", 0o640)
    os.chmod(out / "d", 0o700)
    os.chmod(out, 0o750)
    (out / "u").mkdir()
    os.chmod(out / "u", 0o711)
    _build(out, {"a.txt": b"A2", "d/b.txt": b"B2"})
    assert stat.S_IMODE(os.stat(out / "a.txt").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(out / "manifest.json").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(out / "d").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o750
    assert stat.S_IMODE(os.stat(out / "u").st_mode) == 0o711


def test_keep_mode_ignores_a_different_kind(tmp_path):
    f = tmp_path / "f"
    f.write_text("x")
    os.chmod(f, 0o600)
    d = tmp_path / "d"
    d.mkdir()
    os.chmod(d, 0o755)
    write._keep_mode(f, d)
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o755
    link = tmp_path / "l"
    link.symlink_to(f)
    g = tmp_path / "g"
    g.write_text("y")
    os.chmod(g, 0o644)
    write._keep_mode(link, g)
    assert stat.S_IMODE(os.stat(g).st_mode) == 0o644
    write._keep_mode(tmp_path / "missing", g)
    assert stat.S_IMODE(os.stat(g).st_mode) == 0o644


def test_spooled_files_are_moved_in(tmp_path):
    out = tmp_path / "out"
    folder = write.spool_folder(out)
    assert folder.parent == tmp_path
    assert folder.name.startswith(f".out{write.SPOOL_INFIX}{os.getpid()}-")
    p = write.spool(folder, "d/a.txt", b"A")
    assert p == folder / "d/a.txt" and p.read_bytes() == b"A"
    with pytest.raises(ValueError):
        write.spool(folder, "../evil", b"x")
    assert not (tmp_path / "evil").exists()
    write.commit(out, {"d/a.txt": p}, {"d/a.txt": _entry("d/a.txt", b"A")}, {})
    assert (out / "d/a.txt").read_bytes() == b"A"
    assert not p.exists()


def test_read_manifest_ignores_unsafe_and_bad(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert write.read_manifest(out) == {}
    art = {"sha256": "s", "bytes": 1, "renderer": "r", "input_hash": "h", "media_type": "m"}
    data = {"generator": "ketapub", "as_of_released": [1, 2], "artifacts": [
        {**art, "path": "../outside"}, {**art, "path": "manifest.json"},
        {**art, "path": "/abs"},
        {**art, "path": "ok.txt", "brand": 3, "variant": "large-print", "parts": [1]},
        {**art, "path": "whole.txt", "brand": "b", "variant": None, "parts": None},
        {**art, "path": "own.txt", "parts": None, "released": [3]},
        {**art, "path": "bad.txt", "parts": [1, "2"], "released": [True]},
    ]}
    (out / "manifest.json").write_text(json.dumps(data))
    got = write.read_manifest(out)
    assert sorted(got) == ["bad.txt", "ok.txt", "own.txt", "whole.txt"]
    assert got["ok.txt"].brand is None and got["ok.txt"].variant == "large-print"
    assert got["ok.txt"].parts == (1,)
    assert got["whole.txt"].brand == "b" and got["whole.txt"].variant is None
    assert got["whole.txt"].parts is None
    assert got["own.txt"].released == (3,)
    assert got["bad.txt"].parts is None and got["bad.txt"].released is None
    (out / "manifest.json").write_text("[1]")
    assert write.read_manifest(out) == {}
    (out / "manifest.json").write_text('{"artifacts": [{"path": "x"}]}')
    assert write.read_manifest(out) == {}
    (out / "manifest.json").write_text("not json")
    assert write.read_manifest(out) == {}


def test_an_entry_without_released_counts_as_built_as_of_the_manifest(tmp_path):
    """A manifest older than per-entry ``released`` lists what its build had released only
    once, at the top: an entry without its own list takes that one (an explicit null stays
    unknown), so ``serve`` holds the file until those parts are out, not until all are."""
    out = tmp_path / "out"
    out.mkdir()
    art = {"sha256": "s", "bytes": 1, "renderer": "r", "input_hash": "h", "media_type": "m"}
    data = {"as_of_released": [1, 2], "artifacts": [
        {**art, "path": "old.txt"}, {**art, "path": "null.txt", "released": None},
        {**art, "path": "part.txt", "parts": [2]}]}
    (out / "manifest.json").write_text(json.dumps(data))
    got = write.read_manifest(out)
    assert got["old.txt"].parts is None and got["old.txt"].released == (1, 2)
    assert got["null.txt"].released is None
    assert got["part.txt"].parts == (2,)
    data["as_of_released"] = "1, 2"
    (out / "manifest.json").write_text(json.dumps(data))
    assert write.read_manifest(out)["old.txt"].released is None


def test_tampered_manifest_never_touches_outside(tmp_path):
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A"})
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    m = _manifest(out)
    m["artifacts"].append({**m["artifacts"][0], "path": "../victim.txt"})
    (out / "manifest.json").write_text(json.dumps(m))
    _build(out, {"a.txt": b"A2"})
    assert victim.read_text() == "keep"


def test_recover_puts_back_old_tree_and_removes_leftovers(tmp_path):
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A"})
    old = write.sibling(out, write.OLD_SUFFIX)
    os.rename(out, old)
    stage = write.sibling(out, write.STAGE_SUFFIX)
    (stage / "x").mkdir(parents=True)
    (stage / "x/f").write_text("f")
    trash = tmp_path / f".out{write.TRASH_INFIX}1-ab"
    trash.mkdir()
    assert write._leftovers(out)
    write.tidy(out)
    assert (out / "a.txt").read_bytes() == b"A"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert not write._leftovers(out)


def test_recover_does_not_restore_old_without_manifest(tmp_path):
    out = tmp_path / "out"
    old = write.sibling(out, write.OLD_SUFFIX)
    old.mkdir()
    (old / "f").write_text("x")
    write.recover(out)
    assert not out.exists() and not old.exists()


def test_recover_keeps_existing_output(tmp_path):
    out = tmp_path / "out"
    _build(out, {"a.txt": b"NEW"})
    old = write.sibling(out, write.OLD_SUFFIX)
    old.mkdir()
    (old / "manifest.json").write_text("{}")
    write.recover(out)
    assert (out / "a.txt").read_bytes() == b"NEW"
    assert not old.exists()


def test_each_leftover_kind_is_detected(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert not write._leftovers(out)
    for make in (lambda: write.sibling(out, write.STAGE_SUFFIX).mkdir(),
                 lambda: write.sibling(out, write.OLD_SUFFIX).symlink_to("nowhere"),
                 lambda: (tmp_path / f".out{write.TRASH_INFIX}x").write_text("")):
        make()
        assert write._leftovers(out)
        write.tidy(out)
        assert not write._leftovers(out)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_dead_spools_go_live_ones_stay(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    live = write.spool_folder(out)
    (live / "f").write_text("x")
    dead = tmp_path / f".out{write.SPOOL_INFIX}{_dead_pid()}-abc"
    dead.mkdir()
    (dead / "f").write_text("x")
    odd = tmp_path / f".out{write.SPOOL_INFIX}notapid-abc"
    odd.mkdir()
    other = tmp_path / f".other{write.SPOOL_INFIX}{_dead_pid()}-abc"
    other.mkdir()
    assert write._dead_spools(out) == [dead]
    assert write._leftovers(out)
    write.tidy(out)
    assert live.exists() and odd.exists() and other.exists() and not dead.exists()
    assert not write._leftovers(out)


def test_remove_tree_never_follows_symlinks(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep").write_text("k")
    tree = tmp_path / "tree"
    (tree / "a/b").mkdir(parents=True)
    (tree / "a/b/f").write_text("f")
    (tree / "a/link").symlink_to(target)
    (tree / "flink").symlink_to(target / "keep")
    write.remove_tree(tree)
    assert not tree.exists() and not tree.is_symlink()
    assert (target / "keep").read_text() == "k"
    lone = tmp_path / "file"
    lone.write_text("x")
    write.remove_tree(lone)
    assert not lone.exists()
    link = tmp_path / "toplink"
    link.symlink_to(target)
    write.remove_tree(link)
    assert not link.is_symlink() and (target / "keep").exists()
    write.remove_tree(tmp_path / "missing")


def test_user_files_lists_sorted_without_entering_links(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b/z").write_text("")
    (tmp_path / "b/a").write_text("")
    (tmp_path / "c").write_text("")
    (tmp_path / "a").mkdir()
    (tmp_path / "a/x").write_text("")
    (tmp_path / "ln").symlink_to(tmp_path / "b")
    assert list(write._user_files(tmp_path)) == ["c", "ln", "a/x", "b/a", "b/z"]


def test_lock_file_is_gone_after_and_a_planted_symlink_is_refused(tmp_path):
    out = tmp_path / "out"
    lock = write.sibling(out, write.LOCK_SUFFIX)
    assert lock == tmp_path / ".out.ketapub-lock"
    with write.locked(out):
        assert lock.exists()
    assert not lock.exists()
    lock.symlink_to(tmp_path / "victim")
    with pytest.raises(KetapubError, match="symlink"):
        _build(out, {"a.txt": b"A"})
    assert not (tmp_path / "victim").exists()
    assert not out.exists()


def test_lock_excludes_another_process(tmp_path):
    out = tmp_path / "out"
    code = ("import sys, time; from pathlib import Path; from ketapub import write\n"
            "with write.locked(Path(sys.argv[1])):\n"
            "    print('got', flush=True)\n")
    with write.locked(out):
        proc = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE,
                                text=True)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=3)
    assert proc.communicate(timeout=60)[0] == "got\n"


def test_output_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "out"
    f.write_text("precious")
    with pytest.raises(KetapubError, match="not a folder"):
        _build(f, {"a.txt": b"A"})
    assert f.read_text() == "precious"
    write.check_output_folder(tmp_path)
    write.check_output_folder(tmp_path / "new")

    class Mine(KetapubError):
        pass

    with pytest.raises(Mine):
        write.check_output_folder(f, Mine)


def test_foreign_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious").write_text("p")
    with pytest.raises(KetapubError):
        _build(out, {"a.txt": b"A"})
    assert sorted(p.name for p in out.iterdir()) == ["precious"]


def test_output_symlink_is_built_through(tmp_path):
    real = tmp_path / "real"
    _build(real, {"a.txt": b"A"})
    link = tmp_path / "site"
    link.symlink_to(real)
    _build(link, {"a.txt": b"B"})
    assert link.is_symlink()
    assert (real / "a.txt").read_bytes() == b"B"
    (tmp_path / f".real{write.TRASH_INFIX}1").mkdir()
    write.tidy(link)
    assert not (tmp_path / f".real{write.TRASH_INFIX}1").exists()


def test_relative_output_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _build(Path("out"), {"a.txt": b"A"})
    _build(Path("out"), {"a.txt": b"B"})
    assert (tmp_path / "out/a.txt").read_bytes() == b"B"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_new_output_under_missing_parents(tmp_path):
    out = tmp_path / "x/y/out"
    _build(out, {"a.txt": b"A"})
    assert (out / "a.txt").read_bytes() == b"A"


def test_case_collisions(tmp_path):
    write.check_case_collisions(["a.txt", "b.txt", "a.txt"])
    with pytest.raises(write.CaseCollision, match=r"A\.txt"):
        write.check_case_collisions(["a.txt", "b.txt", "A.txt"])
    with pytest.raises(write.CaseCollision):
        write.check_case_collisions(["A.txt", "a.txt", "a.txt"])


def _open_fds_under(folder: Path) -> list[str]:
    """What this process holds open under ``folder`` (a leaked descriptor shows here)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith(f"{folder}/"):
                found.append(target)
    return found


@contextlib.contextmanager
def _as_an_ordinary_user() -> Iterator[None]:
    """Permissions apply in the body as they do for an ordinary user: for root, the effective
    capabilities (which read and write past permissions) are dropped, and given back after."""
    if os.geteuid() != 0:
        yield
        return
    libc = ctypes.CDLL(None, use_errno=True)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    saved = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable; two 32-bit words
    assert libc.capget(header, saved) == 0, ctypes.get_errno()
    dropped = (ctypes.c_uint32 * 6)(*saved)
    dropped[0] = dropped[3] = 0
    assert libc.capset(header, dropped) == 0, ctypes.get_errno()
    try:
        yield
    finally:
        assert libc.capset(header, saved) == 0, ctypes.get_errno()


def _renameat2_exchanges_here(folder: Path) -> bool:
    """Whether the kernel and file system under ``folder`` can exchange two folders."""
    a, b = folder / "probe-a", folder / "probe-b"
    a.mkdir()
    b.mkdir()
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        return libc.renameat2(-100, os.fsencode(a), -100, os.fsencode(b), 2) == 0
    finally:
        a.rmdir()
        b.rmdir()


def test_a_commit_over_an_output_exchanges_the_trees_and_never_moves_the_output_away(
        tmp_path, monkeypatch):
    """Where renameat2(RENAME_EXCHANGE) works, no instant lacks the output folder: it is never
    renamed away (the two-rename fallback is only for where the kernel cannot exchange)."""
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A"})
    renames = []
    real_rename = os.rename

    def recording_rename(src, dst, *args, **kwargs):
        renames.append((Path(src).name, Path(dst).name))
        return real_rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", recording_rename)
    _build(out, {"a.txt": b"B"})
    monkeypatch.undo()
    assert (out / "a.txt").read_bytes() == b"B"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    if _renameat2_exchanges_here(tmp_path):
        assert renames == []
    else:
        assert renames == [("out", ".out.ketapub-old"), (".out.ketapub-stage", "out")]


def test_the_hidden_sibling_names_are_fixed_so_any_version_recovers_them(tmp_path):
    """The names beside the output are an on-disk format (docs/topics/outputs.md names them):
    what a killed build of one version left is recovered by the next, so they never change."""
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A"})
    os.rename(out, tmp_path / ".out.ketapub-old")
    (tmp_path / ".out.ketapub-stage/sub").mkdir(parents=True)
    (tmp_path / ".out.ketapub-trash-1-ab/sub").mkdir(parents=True)
    (tmp_path / f".out.ketapub-spool-{_dead_pid()}-ab").mkdir()
    write.tidy(out)
    assert (out / "a.txt").read_bytes() == b"A"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_leftover_that_cannot_be_removed_is_set_aside_and_never_blocks_a_build(tmp_path):
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A"})
    stage = tmp_path / ".out.ketapub-stage"
    (stage / "stuck").mkdir(parents=True)
    (stage / "stuck/f").write_text("f")
    os.chmod(stage / "stuck", 0o500)  # its file cannot be unlinked, so neither can it
    try:
        with _as_an_ordinary_user():
            write.tidy(out)
            aside = [p.name for p in tmp_path.iterdir() if p.name != "out"]
            assert len(aside) == 1 and aside[0].startswith(
                f".out.ketapub-trash-{os.getpid()}-"), aside
            assert (tmp_path / aside[0] / "stuck/f").read_text() == "f"
            _build(out, {"a.txt": b"B"})  # the stage name is free again
            assert (out / "a.txt").read_bytes() == b"B"
            assert (tmp_path / aside[0] / "stuck/f").exists()
    finally:
        for folder in tmp_path.glob(".out.ketapub-*/stuck"):
            os.chmod(folder, 0o700)
    write.tidy(out)  # once it can go, it goes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_tidy_from_inside_the_output_folder(tmp_path, monkeypatch):
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A"})
    (tmp_path / ".out.ketapub-stage").mkdir()
    monkeypatch.chdir(out)
    write.tidy(Path("."))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_empty_folder_of_the_user_inside_a_dropped_artifact_folder_is_kept(tmp_path):
    out = tmp_path / "out"
    _build(out, {"gen/g.txt": b"G"})
    (out / "gen/mine/deeper").mkdir(parents=True)
    _build(out, {"a.txt": b"A"})
    assert (out / "gen/mine/deeper").is_dir()
    assert not (out / "gen/g.txt").exists()


def test_no_descriptor_is_left_open(tmp_path):
    out = tmp_path / "out"
    with write.locked(out):
        assert len(_open_fds_under(tmp_path)) == 1
    write._fsync_dir(tmp_path)
    write._fsync_dir(tmp_path / "missing")  # nothing to sync: no error either
    _build(out, {"a.txt": b"A"})
    _build(out, {"a.txt": b"B"})
    assert _open_fds_under(tmp_path) == []


def test_a_waiter_whose_lock_file_was_removed_locks_afresh_and_leaks_nothing(tmp_path):
    """The holder unlinks the lock file before it lets go; the builder that waited on it
    sees that, closes it and locks the file there now."""
    out = tmp_path / "out"
    got = threading.Event()

    def waiter() -> None:
        with write.locked(out):
            got.set()

    with write.locked(out):
        thread = threading.Thread(target=waiter, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while len(_open_fds_under(tmp_path)) < 2:  # the waiter has opened the lock file
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert not got.is_set()
    thread.join(60)
    assert got.is_set()
    assert _open_fds_under(tmp_path) == []
    assert not (tmp_path / ".out.ketapub-lock").exists()


def test_a_wait_for_the_lock_cut_short_leaks_nothing(tmp_path):
    """A signal (Ctrl-C, a time limit) while waiting for the lock closes the lock file."""
    out = tmp_path / "out"

    class Stop(Exception):
        pass

    def stop(signum, frame):
        raise Stop

    previous = signal.signal(signal.SIGALRM, stop)
    try:
        with write.locked(out):
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            with pytest.raises(Stop), write.locked(out):  # the same file, opened again: waits
                pass
            assert len(_open_fds_under(tmp_path)) == 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert _open_fds_under(tmp_path) == []


def test_the_lock_file_mode_and_errors_other_than_a_symlink(tmp_path):
    out = tmp_path / "out"
    lock = tmp_path / ".out.ketapub-lock"
    umask = os.umask(0o022)
    try:
        with write.locked(out):
            mode = stat.S_IMODE(os.stat(lock).st_mode)
    finally:
        os.umask(umask)
    assert mode == 0o644
    lock.mkdir()  # not a symlink: the error is the system's own, not the planted-link one
    with pytest.raises(IsADirectoryError), write.locked(out):
        pass


def _other_file_system(than: Path) -> Path:
    """A new folder on a file system other than ``than``'s (the test's own tmp folder)."""
    for base in (Path("/dev/shm"), Path(__file__).resolve().parent):
        if base.is_dir() and os.stat(base).st_dev != os.stat(than).st_dev:
            return Path(tempfile.mkdtemp(dir=base))
    raise AssertionError(f"no second file system next to {than}")


def test_exchange_reports_what_it_cannot_do_and_raises_what_went_wrong(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "f").write_text("a")
    assert write._exchange(a, b) is True
    assert (b / "f").read_text() == "a" and not (a / "f").exists()
    other = _other_file_system(tmp_path)
    try:  # across file systems (EXDEV): not an error, the caller renames twice instead
        assert write._exchange(a, other) is False
        assert (b / "f").exists() and other.is_dir()
    finally:
        shutil.rmtree(other)
    with pytest.raises(FileNotFoundError) as info:  # anything else is the caller's to see
        write._exchange(tmp_path / "missing", b)
    assert info.value.errno == errno.ENOENT and str(tmp_path / "missing") in str(info.value)


class _LibcWithoutRenameat2(ctypes.CDLL):
    """A C library older than renameat2 (glibc before 2.28): the symbol is missing."""

    def __getattr__(self, name: str):
        if name == "renameat2":
            raise AttributeError(name)
        return super().__getattr__(name)


@pytest.mark.parametrize("libc", ["not found", "without renameat2"])
def test_where_the_trees_cannot_be_exchanged_two_renames_swap_them(tmp_path, monkeypatch, libc):
    """Where the C library is not found (``find_library`` returns None on some systems) or
    has no renameat2, the fallback swap still puts the whole new build in place."""
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A", "old.txt": b"O"})
    if libc == "not found":
        monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    else:
        monkeypatch.setattr(ctypes, "CDLL", _LibcWithoutRenameat2)
    assert write._exchange(tmp_path / "x", tmp_path / "y") is False
    _build(out, {"a.txt": b"B"})
    monkeypatch.undo()
    assert (out / "a.txt").read_bytes() == b"B" and not (out / "old.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_artifacts_and_kept_files_several_folders_deep(tmp_path):
    out = tmp_path / "out"
    folder = write.spool_folder(tmp_path / "new/parents/out")  # its parents are made
    assert folder.parent == tmp_path / "new/parents"
    spooled = write.spool(folder, "s/t/u.txt", b"U")
    _build(out, {"a/b/c.txt": b"C", "k/l/m.txt": b"M", "s/t/u.txt": b"U"},
           new={"a/b/c.txt": b"C", "k/l/m.txt": b"M", "s/t/u.txt": spooled})
    (out / "mine/deep").mkdir(parents=True)
    (out / "mine/deep/note.txt").write_text("n")
    _build(out, {"a/b/c.txt": b"C2", "k/l/m.txt": b"M", "s/t/u.txt": b"U"},
           new={"a/b/c.txt": b"C2"})  # k/l/m.txt and s/t/u.txt are kept from the old tree
    assert (out / "a/b/c.txt").read_bytes() == b"C2"
    assert (out / "k/l/m.txt").read_bytes() == b"M"
    assert (out / "s/t/u.txt").read_bytes() == b"U"
    assert (out / "mine/deep/note.txt").read_text() == "n"


def test_a_file_on_another_file_system_is_copied_where_it_cannot_be_linked(tmp_path):
    other = _other_file_system(tmp_path)
    try:
        (other / "f").write_bytes(b"F")
        write._link_or_copy(other / "f", tmp_path / "d/f")
        assert (tmp_path / "d/f").read_bytes() == b"F"
        assert os.stat(tmp_path / "d/f").st_ino != os.stat(other / "f").st_ino
    finally:
        shutil.rmtree(other)


def test_remove_tree_never_enters_a_mount_point(tmp_path):
    """A folder on another file system inside the tree (a mount) keeps its files."""
    tree = tmp_path / "tree"
    point = tree / "sub/mnt"
    with mounted(tmp_path, point, "-t", "tmpfs", "tmpfs"):
        (point / "theirs").write_text("t")
        (tree / "sub/mine").write_text("m")
        write.remove_tree(tree)
        assert (point / "theirs").read_text() == "t"
        assert not (tree / "sub/mine").exists()


def test_tidy_without_leftovers_takes_no_lock(tmp_path):
    """A build that finds nothing beside the output does not wait for one that commits."""
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A"})
    done = threading.Event()

    def tidy() -> None:
        write.tidy(out)
        done.set()

    with write.locked(out):
        thread = threading.Thread(target=tidy, daemon=True)
        thread.start()
        thread.join(30)
        assert done.is_set()


def _a_pid_of_another_user() -> tuple[int, subprocess.Popen | None]:
    """A running process this one may not signal (``kill`` fails with EPERM), and the child
    started for it (to be ended by the caller), if one had to be started."""
    if os.geteuid() == 0:  # root may signal anything: start one as nobody, drop root's powers
        child = subprocess.Popen(["sleep", "600"], user=65534, group=65534)
        return child.pid, child
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid != os.geteuid():
                    return int(entry.name), None
    raise AssertionError("no process of another user is running")


def test_every_dead_spool_is_found_past_odd_names_and_other_users_builds(tmp_path):
    """Spools are listed in the folder's own order: a name without a process id, or a build
    of another user (its process may not be signalled), never ends the search early."""
    out = tmp_path / "out"
    out.mkdir()
    pid, child = _a_pid_of_another_user()
    try:
        dead = set()
        for n in range(10):
            (tmp_path / f".out{write.SPOOL_INFIX}odd{n}-x").mkdir()
            (tmp_path / f".out{write.SPOOL_INFIX}{pid}-{n}").mkdir()
            dead.add(tmp_path / f".out{write.SPOOL_INFIX}{_dead_pid()}-{n}")
        for folder in dead:
            folder.mkdir()
        with _as_an_ordinary_user():
            found = write._dead_spools(out)
        assert set(found) == dead and len(found) == 10
    finally:
        if child is not None:
            child.kill()
            child.wait()


def test_a_spool_on_another_file_system_is_copied_in(tmp_path):
    out = tmp_path / "out"
    other = _other_file_system(tmp_path)
    try:
        spooled = write.spool(other, "d/a.txt", b"A")
        _build(out, {"d/a.txt": b"A"}, new={"d/a.txt": spooled})
        assert (out / "d/a.txt").read_bytes() == b"A"
    finally:
        shutil.rmtree(other)


def test_commit_itself_clears_what_a_killed_build_left(tmp_path):
    """A build killed between the two renames of the fallback swap left the previous tree
    aside and a stage: the next commit puts the tree back (keeping its unchanged files from
    it) and stages afresh, even when nothing tidied before."""
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A"})
    os.rename(out, tmp_path / ".out.ketapub-old")
    (tmp_path / ".out.ketapub-stage").mkdir()
    _build(out, {"a.txt": b"A", "b.txt": b"B"}, new={"b.txt": b"B"})
    assert (out / "a.txt").read_bytes() == b"A" and (out / "b.txt").read_bytes() == b"B"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_commit_from_inside_the_output_folder(tmp_path, monkeypatch):
    """``.`` names the output folder itself: the stage and the lock go beside it, not in it."""
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A"})
    monkeypatch.chdir(out)
    _build(Path("."), {"a.txt": b"B"})
    assert (out / "a.txt").read_bytes() == b"B"
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_commit_that_fails_leaves_the_output_as_it_was_and_nothing_beside_it(tmp_path):
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A"})
    gone = tmp_path / "spooled-then-lost.txt"
    with pytest.raises(FileNotFoundError):
        _build(out, {"a.txt": b"B"}, new={"a.txt": gone})
    assert (out / "a.txt").read_bytes() == b"A"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_rewritten_file_keeps_its_owner(tmp_path):
    """A file the user gave to another owner (or group) keeps it when a build rewrites it."""
    out = tmp_path / "out"
    _build(out, {"a.txt": b"A"})
    if os.geteuid() == 0:
        owner = (65534, 65534)
    else:  # an ordinary user may give a file to another of their groups
        groups = [g for g in os.getgroups() if g != os.getegid()]
        assert groups, "the test needs root or a user in a second group"
        owner = (os.geteuid(), groups[0])
    os.chown(out / "a.txt", *owner)
    _build(out, {"a.txt": b"B"})
    st = os.stat(out / "a.txt")
    assert (out / "a.txt").read_bytes() == b"B" and (st.st_uid, st.st_gid) == owner


def test_looking_for_dead_spools_sends_a_live_builder_no_signal(tmp_path):
    """The liveness probe is signal 0: a build still running must not be hung up or killed."""
    out = tmp_path / "out"
    out.mkdir()
    builder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / f".out{write.SPOOL_INFIX}{builder.pid}-abc").mkdir()
        assert write._dead_spools(out) == []
        time.sleep(0.2)
        assert builder.poll() is None
    finally:
        builder.kill()
        builder.wait()
