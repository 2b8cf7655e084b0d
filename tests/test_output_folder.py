"""Building into an existing folder never loses the user's things.

Every refusal is exit 2 with a message saying why, and leaves the folder as it was: the same
entries, bytes, modes, owners and inodes (a swapped tree would have new ones). Mount points
are real mounts (tmpfs and bind mounts; the suite runs as root here and in CI).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import ketapub
from ketapub import outdir, write
from ketapub.cli import main
from ketapub.errors import KetapubError, UsageError
from tests.conftest import SINK, SINK_AS_OF

NOBODY = 65534


def snapshot(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under ``root`` (and ``root``): type, mode, owner, inode, and its bytes or
    link target; symlinks are never followed, mounted file systems are entered."""
    def one(path: Path) -> tuple[object, ...]:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            content: object = os.readlink(path)
        elif stat.S_ISREG(st.st_mode):
            content = path.read_bytes()
        else:
            content = None
        return (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid,
                st.st_ino, content)

    shot = {".": one(root)}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath, name)
            shot[path.relative_to(root).as_posix()] = one(path)
    return shot


def siblings(folder: Path) -> list[str]:
    """What a build leaves beside ``folder`` (stage, lock, spool, trash)."""
    return sorted(p.name for p in folder.parent.iterdir() if ".ketapub-" in p.name)


def build(out: str | Path, *extra: str) -> Result:
    return CliRunner().invoke(main, ["build", str(SINK), "-o", str(out), "--format", "jsonfeed",
                                     "--as-of", SINK_AS_OF, "-q", *extra])


def assert_refused(result: Result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


def ketapub_output(root: Path) -> Path:
    out = root / "out"
    done = build(out)
    assert done.exit_code == 0, done.output
    return out


@contextmanager
def mounted(within: Path, point: Path, *how: str) -> Iterator[None]:
    """``mount`` ``how`` at ``point`` for the block; every mount under ``within`` (the test's
    own folder) is unmounted afterwards, also one a build moved elsewhere."""
    point.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", *how, str(point)], check=True, capture_output=True)
    try:
        yield
    finally:
        for mount in sorted(outdir._mount_table(), key=lambda p: len(p.parts), reverse=True):
            if mount.is_relative_to(within):
                subprocess.run(["umount", str(mount)], check=True, capture_output=True)


@pytest.fixture
def shm_folder() -> Iterator[Path]:
    """A folder of its own on /dev/shm, a file system other than the test's."""
    folder = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


# --- a folder ketapub did not make ----------------------------------------------------

FOREIGN = {
    "a note": {"notes.txt": b"my notes\n"},
    "the user's own manifest.json": {"manifest.json": b'{"name": "my app", "version": 3}\n'},
    "a manifest with artifacts of another shape": {
        "manifest.json": b'{"artifacts": [{"path": "a.txt", "size": 1}]}\n'},
    "a manifest that is a list": {"manifest.json": b'[{"generator": "ketapub"}]\n'},
    "a manifest that is not JSON": {"manifest.json": b'generator: ketapub\n'},
    "only an empty folder": {"photos/": None},
    "a hidden file": {".env": b"TOKEN=1\n"},
    "a .gitkeep that is not empty": {".gitkeep": b"keep this text\n"},
    "a .gitkeep and a file": {".gitkeep": b"", "index.html": b"<p>site</p>\n"},
}


def _fill(folder: Path, files: dict[str, bytes | None]) -> None:
    for name, data in files.items():
        if data is None:
            (folder / name).mkdir(mode=0o700)
        else:
            (folder / name).write_bytes(data)
            (folder / name).chmod(0o600)


@pytest.mark.parametrize("kind", sorted(FOREIGN))
def test_a_non_empty_folder_ketapub_did_not_make_is_refused_and_untouched(
        tmp_path: Path, kind: str) -> None:
    out = tmp_path / "site"
    out.mkdir(mode=0o700)
    _fill(out, FOREIGN[kind])
    before = snapshot(out)
    assert_refused(build(out), f"-o {out}:", "not made by ketapub", "new or empty folder")
    assert snapshot(out) == before
    assert siblings(out) == []


def test_a_manifest_json_that_is_a_symlink_to_a_ketapub_manifest_is_not_one(
        tmp_path: Path) -> None:
    real = ketapub_output(tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "manifest.json").symlink_to(real / "manifest.json")
    (site / "page.html").write_text("<p>mine</p>\n")
    before = snapshot(site)
    assert_refused(build(site), "not made by ketapub")
    assert snapshot(site) == before


def test_the_python_api_refuses_the_same_way(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "manifest.json").write_text('{"name": "my app"}\n')
    before = snapshot(site)
    with pytest.raises(UsageError, match="not made by ketapub"):
        ketapub.build(SINK, site, formats=["jsonfeed"], as_of=SINK_AS_OF)
    assert snapshot(site) == before


def test_a_commit_refuses_a_folder_that_became_foreign_before_the_lock(tmp_path: Path) -> None:
    """The check runs again under the lock: a folder filled between the build's start and its
    commit is not replaced either."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>mine</p>\n")
    before = snapshot(site)
    entry = write.Entry("a.txt", write.sha256(b"a"), 1, "test", "x", "text/plain")
    with pytest.raises(KetapubError, match="not made by ketapub"):
        write.commit(site, {"a.txt": b"a"}, {"a.txt": entry}, {})
    assert snapshot(site) == before and siblings(site) == []


@pytest.mark.parametrize("shape", ["current", "older, without generator"])
def test_a_ketapub_manifest_is_recognised_also_from_older_builds(tmp_path: Path,
                                                                 shape: str) -> None:
    out = ketapub_output(tmp_path)
    (out / "notes.txt").write_text("mine\n")
    if shape != "current":
        data = json.loads((out / "manifest.json").read_text())
        del data["generator"]
        (out / "manifest.json").write_text(json.dumps(data))
    assert outdir.is_ketapub_manifest(out / "manifest.json")
    again = build(out, "--force")
    assert again.exit_code == 0, again.output
    assert (out / "notes.txt").read_text() == "mine\n"  # stray files are carried over


@pytest.mark.parametrize("content", [{}, {".gitkeep": b""}, {".keep": b"", ".gitkeep": b""}])
def test_an_empty_folder_or_one_holding_only_empty_placeholders_is_built_into(
        tmp_path: Path, content: dict[str, bytes]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    _fill(out, content)
    done = build(out)
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir()) == sorted(["feed", "manifest.json", *content])


# --- folders that are never an output -------------------------------------------------

def test_the_empty_path_is_the_current_directory_and_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = ketapub_output(tmp_path)  # even a ketapub output: "" is never meant
    monkeypatch.chdir(here)
    before = snapshot(here)
    assert_refused(build(""), "-o '': an empty path is the current directory")
    assert snapshot(here) == before
    with pytest.raises(UsageError, match="empty path"):
        ketapub.build(SINK, "", formats=["jsonfeed"], as_of=SINK_AS_OF)
    assert snapshot(here) == before


def test_the_root_folder_is_refused() -> None:
    before = sorted(os.listdir("/"))
    for root in ("/", "//", "/tmp/..", "/."):
        assert_refused(build(root), f"-o {root}: is the root folder")
    assert sorted(os.listdir("/")) == before


def test_the_home_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home" / "ana"
    home.mkdir(parents=True, mode=0o700)
    (home / "thesis.tex").write_text("\\begin{document}\n")
    (home / "manifest.json").write_text(
        (ketapub_output(tmp_path) / "manifest.json").read_text())  # even if it looks built
    monkeypatch.setenv("HOME", str(home))
    before = snapshot(home)
    (tmp_path / "link-to-home").symlink_to(home)
    for spelled in (str(home), str(home) + "/", str(home / "x" / ".."),
                    str(tmp_path / "link-to-home")):
        assert_refused(build(spelled), "is the home folder")
    assert snapshot(home) == before and siblings(home) == []
    # the account's home counts too, whatever $HOME says
    account = pwd.getpwuid(os.geteuid()).pw_dir
    assert_refused(build(account), f"-o {account}: is the home folder")


# --- mount points ---------------------------------------------------------------------

def test_an_output_folder_that_is_a_mount_point_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    link = tmp_path / "link"
    link.symlink_to(out)
    with mounted(tmp_path, out, "-t", "tmpfs", "-o", "mode=700", "tmpfs"):
        before = snapshot(out)
        for spelled in (str(out), str(link), f"{out}/."):
            assert_refused(build(spelled), f"-o {spelled}: is a mount point")
        assert snapshot(out) == before
        assert siblings(out) == [] and link.is_symlink()


@pytest.mark.parametrize("where", ["media", "pdf/usb", "feed/deep/er/disk"])
@pytest.mark.parametrize("how", ["tmpfs", "bind of another file system", "bind, same one"])
def test_a_ketapub_output_holding_a_mount_point_is_refused_and_the_mount_kept(
        tmp_path: Path, shm_folder: Path, where: str, how: str) -> None:
    out = ketapub_output(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "family-photo.jpg").write_bytes(b"\xff\xd8 precious")
    options = {"tmpfs": ("-t", "tmpfs", "tmpfs"), "bind, same one": ("--bind", str(elsewhere)),
               "bind of another file system": ("--bind", str(shm_folder))}[how]
    (shm_folder / "shared.txt").write_text("shared")
    with mounted(tmp_path, out / where, *options):
        if how == "tmpfs":
            (out / where / "family-photo.jpg").write_bytes(b"\xff\xd8 precious")
        before = snapshot(out)
        assert_refused(build(out, "--force"), f"-o {out}: holds a mount point ({out / where})")
        assert snapshot(out) == before
        assert siblings(out) == []
    assert (elsewhere / "family-photo.jpg").read_bytes() == b"\xff\xd8 precious"


# --- leftovers of killed builds --------------------------------------------------------

def test_a_leftover_stage_that_is_a_file_does_not_block_later_builds(tmp_path: Path) -> None:
    out = ketapub_output(tmp_path)
    write.sibling(out, write.STAGE_SUFFIX).write_bytes(b"half")
    write.sibling(out, write.OLD_SUFFIX).write_bytes(b"half")
    for _ in range(2):
        done = build(out, "--force")
        assert done.exit_code == 0, done.output
    assert siblings(out) == []


def test_a_leftover_stage_holding_a_mount_never_empties_it_nor_blocks_builds(
        tmp_path: Path) -> None:
    """What the old writer left: the previous tree with a mount inside, which it could not
    remove (after emptying the mount). Later builds go on; the mount's files stay."""
    out = ketapub_output(tmp_path)
    stage = write.sibling(out, write.STAGE_SUFFIX)
    (stage / "feed").mkdir(parents=True)
    (stage / "feed" / "feed.json").write_text("{}")
    with mounted(tmp_path, stage / "media", "-t", "tmpfs", "tmpfs"):
        (stage / "media" / "photo.jpg").write_bytes(b"precious")
        for _ in range(3):
            done = build(out, "--force")
            assert done.exit_code == 0, done.output
        moved = [p for p in out.parent.iterdir() if write.TRASH_INFIX in p.name]
        assert len(moved) == 1  # set aside once, never re-created
        assert (moved[0] / "media" / "photo.jpg").read_bytes() == b"precious"
        assert not (moved[0] / "feed").exists()  # what could go went
        assert not stage.exists()
        assert json.loads((out / "manifest.json").read_text())["generator"] == "ketapub"


def test_remove_tree_stops_at_mount_points(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "a").mkdir(parents=True)
    (tree / "a" / "f").write_text("x")
    with mounted(tmp_path, tree / "a" / "m", "-t", "tmpfs", "tmpfs"):
        (tree / "a" / "m" / "kept").write_text("precious")
        write.remove_tree(tree)
        assert (tree / "a" / "m" / "kept").read_text() == "precious"
        assert not (tree / "a" / "f").exists()


# --- symlinks -------------------------------------------------------------------------

def _someone_elses(folder: Path) -> Path:
    folder.mkdir(parents=True)
    os.chown(folder, NOBODY, NOBODY)
    return folder


@pytest.mark.parametrize("owned", ["the folder holding the target", "the target"])
def test_an_output_symlink_into_someone_elses_folder_is_refused(tmp_path: Path,
                                                                owned: str) -> None:
    theirs = tmp_path / "theirs"
    if owned == "the target":
        theirs.mkdir()
        target = _someone_elses(theirs / "site")
    else:
        target = _someone_elses(theirs) / "site"
        target.mkdir()
        os.chown(target, os.geteuid(), os.getegid())
    link = tmp_path / "out"
    link.symlink_to(target)
    before = snapshot(theirs)
    assert_refused(build(link), f"-o {link}: is a symlink to {target}", "not by you")
    assert snapshot(theirs) == before


def test_an_output_symlink_into_ones_own_folder_is_built_through(tmp_path: Path) -> None:
    target = tmp_path / "mine" / "site"
    target.mkdir(parents=True)
    link = tmp_path / "out"
    link.symlink_to(target)
    done = build(link)
    assert done.exit_code == 0, done.output
    assert link.is_symlink() and (target / "manifest.json").is_file()


def test_a_planted_lock_symlink_is_never_followed(tmp_path: Path) -> None:
    out = ketapub_output(tmp_path)
    victim = tmp_path / "victim" / "created-by-ketapub"
    victim.parent.mkdir()
    lock = write.sibling(out, write.LOCK_SUFFIX)
    lock.symlink_to(victim)
    before = snapshot(out)
    assert_refused(build(out, "--force"), f"{lock}: is a symlink")
    # also where no check ran before: the writer itself opens the lock with O_NOFOLLOW
    entry = write.Entry("a.txt", write.sha256(b"a"), 1, "test", "x", "text/plain")
    with pytest.raises(KetapubError, match="is a symlink"):
        write.commit(out, {"a.txt": b"a"}, {"a.txt": entry}, {})
    assert not victim.exists() and lock.is_symlink()
    assert snapshot(out) == before


# --- modes and owners -----------------------------------------------------------------

def test_modes_owners_and_empty_folders_are_kept_across_builds(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir(mode=0o700)
    out.chmod(0o700)  # whatever the umask
    first = build(out)
    assert first.exit_code == 0, first.output
    assert stat.S_IMODE(os.lstat(out).st_mode) == 0o700
    (out / "feed").chmod(0o750)
    os.chown(out / "feed", NOBODY, NOBODY)
    (out / "feed" / "feed.json").chmod(0o640)
    (out / "manifest.json").chmod(0o600)
    (out / "drafts" / "empty").mkdir(parents=True, mode=0o711)
    (out / "drafts").chmod(0o701)
    os.chown(out / "drafts" / "empty", NOBODY, 0)
    kept = ("feed", "feed/feed.json", "manifest.json", "drafts", "drafts/empty", ".")
    before = snapshot(out)
    # a later as_of releases another part: feed.json and manifest.json are rewritten
    for extra in (("--as-of", "2030-01-02"), ("--format", "rss", "--as-of", "2030-01-03")):
        done = build(out, *extra)
        assert done.exit_code == 0, done.output
        after = snapshot(out)
        assert {k: after[k][:4] for k in kept} == {k: before[k][:4] for k in kept}
        assert after["feed/feed.json"][4] != before["feed/feed.json"][4]  # a new file
        assert after["."][4] != before["."][4]  # a new tree, swapped in
    assert (out / "feed" / "rss.xml").is_file()
