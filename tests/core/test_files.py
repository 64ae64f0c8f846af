"""write_atomically: the whole new content or the old file, never half of one; never a
special file, a read-only file or a link replaced; no umask touched; no temporary left
for good."""

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

import pytest

from micrograd.files import STALE_AFTER, NotARegularFileError, effective_ids, write_atomically, writable_by_us


def test_writes_text_and_bytes(tmp_path):
    write_atomically(tmp_path / "a.txt", "héllo\n")
    write_atomically(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "a.txt").read_bytes() == "héllo\n".encode("utf-8")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "model.json"
    target.write_text("old")

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["model.json"]


def test_a_missing_directory_or_a_directory_target_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="the directory .*nowhere does not exist"):
        write_atomically(tmp_path / "nowhere" / "a.json", "x")
    with pytest.raises(IsADirectoryError, match="it is a directory"):
        write_atomically(tmp_path, "x")


def test_an_existing_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "secret.json"
    target.write_text("old")
    target.chmod(0o600)
    write_atomically(target, "new")
    assert target.read_text() == "new" and (target.stat().st_mode & 0o777) == 0o600


# --- what is refused ------------------------------------------------------------------


def _socket_file(path):
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    return sock


@pytest.mark.parametrize("kind, words", [("fifo", r"a FIFO \(named pipe\)"), ("socket", "a socket"), ("device", "a character device")])
def test_a_special_file_is_refused_with_its_path_and_kind(tmp_path, monkeypatch, kind, words):
    monkeypatch.chdir(tmp_path)  # short relative names: a socket's path has a length limit
    target = tmp_path / kind
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "socket":
        sock = _socket_file(kind)
    else:
        try:
            os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a second /dev/null
        except PermissionError:
            pytest.skip("creating a device node needs the CAP_MKNOD privilege")
    before = os.lstat(target)
    with pytest.raises(NotARegularFileError, match=f"cannot write {re.escape(str(target))}: it is {words}, not a regular file"):
        write_atomically(target, "new")
    after = os.lstat(target)
    assert (after.st_ino, stat.S_IFMT(after.st_mode)) == (before.st_ino, stat.S_IFMT(before.st_mode))  # the same file
    assert sorted(os.listdir(tmp_path)) == [kind]  # and no temporary file
    if kind == "socket":
        sock.close()


def test_a_read_only_file_is_refused_unless_asked(tmp_path):
    target = tmp_path / "model.json"
    target.write_text("old")
    target.chmod(0o444)
    with pytest.raises(PermissionError, match=r"model\.json: it is read-only \(mode 0o444\)"):
        write_atomically(target, "new")
    assert target.read_text() == "old"
    write_atomically(target, "new", overwrite_readonly=True)
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o444


def test_a_directory_without_write_permission_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(PermissionError, match=r"the directory .*locked is not writable \(mode 0o555\)"):
            write_atomically(locked / "a.json", "x")
        assert os.listdir(locked) == []
    finally:
        locked.chmod(0o755)


def test_a_file_where_a_directory_should_be_is_named(tmp_path):
    (tmp_path / "plain").write_text("")
    with pytest.raises(NotADirectoryError, match=r"plain is not a directory"):
        write_atomically(tmp_path / "plain" / "sub" / "a.json", "x")


@pytest.mark.parametrize(
    "owner, group, mode, writable",
    [
        ("us", "ours", 0o644, True), ("us", "ours", 0o444, False), ("us", "ours", 0o464, False),
        ("other", "ours", 0o464, True), ("other", "ours", 0o646, False),
        ("other", "other", 0o646, True), ("other", "other", 0o664, False),
    ],
)
def test_permission_bits_that_apply_to_a_user(monkeypatch, owner, group, mode, writable):
    monkeypatch.setattr(os, "geteuid", lambda: 1000, raising=False)
    monkeypatch.setattr(os, "getegid", lambda: 1000, raising=False)
    monkeypatch.setattr(os, "getgroups", lambda: [1000, 27], raising=False)
    st = os.stat_result((stat.S_IFREG | mode, 0, 0, 1, 1000 if owner == "us" else 2000, 27 if group == "ours" else 3000, 0, 0, 0, 0))
    assert writable_by_us(st) is writable


@pytest.mark.parametrize("mode, writable", [(0o444, False), (0o555, False), (0o644, True), (0o446, True), (0o200, True)])
def test_for_root_any_write_bit_makes_a_file_writable(monkeypatch, mode, writable):
    monkeypatch.setattr(os, "geteuid", lambda: 0, raising=False)
    st = os.stat_result((stat.S_IFREG | mode, 0, 0, 1, 1000, 1000, 0, 0, 0, 0))
    assert writable_by_us(st) is writable


def _only_real_ids(monkeypatch, uid=None, gid=None):
    """The ids of Python in WebAssembly (Pyodide): os.getuid and os.getgid, no effective ones, no groups."""
    for name in ("geteuid", "getegid", "getgroups"):
        monkeypatch.delattr(os, name, raising=False)
    if uid is not None:
        monkeypatch.setattr(os, "getuid", lambda: uid, raising=False)
        monkeypatch.setattr(os, "getgid", lambda: gid, raising=False)


def test_an_existing_file_is_replaced_where_there_are_only_real_ids(tmp_path, monkeypatch):
    # Pyodide has no os.geteuid: replacing any existing file (every re-run of a save) failed there
    _only_real_ids(monkeypatch)
    target = tmp_path / "model.json"
    target.write_text("old")
    target.chmod(0o640)
    write_atomically(target, "new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o640
    target.chmod(0o444)
    with pytest.raises(PermissionError, match="it is read-only"):
        write_atomically(target, "newer")
    write_atomically(target, "newer", overwrite_readonly=True)
    assert target.read_text() == "newer" and stat.S_IMODE(target.stat().st_mode) == 0o444
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("uid, owner, mode, writable", [
    (1000, 1000, 0o644, True), (1000, 1000, 0o444, False), (1000, 1000, 0o464, False), (1000, 2000, 0o646, True),
    (1000, 2000, 0o664, False), (0, 2000, 0o020, True), (0, 2000, 0o555, False),
])
def test_the_real_ids_stand_in_for_the_effective_ones(monkeypatch, uid, owner, mode, writable):
    _only_real_ids(monkeypatch, uid=uid, gid=uid)
    assert effective_ids() == (uid, uid)
    st = os.stat_result((stat.S_IFREG | mode, 0, 0, 1, owner, 3000, 0, 0, 0, 0))
    assert writable_by_us(st) is writable


def test_without_any_ids_the_owners_bit_is_the_read_only_flag(monkeypatch):
    _only_real_ids(monkeypatch)
    monkeypatch.delattr(os, "getuid", raising=False)
    assert effective_ids() is None
    for mode, writable in ((0o644, True), (0o444, False), (0o466, False)):
        assert writable_by_us(os.stat_result((stat.S_IFREG | mode, 0, 0, 1, 1, 1, 0, 0, 0, 0))) is writable


# --- symbolic links -------------------------------------------------------------------------


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    real = elsewhere / "t.svg"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.svg"
    link.symlink_to(os.path.relpath(real, tmp_path))
    second = tmp_path / "second.svg"  # a link to the link
    second.symlink_to("link.svg")
    write_atomically(second, "new")
    assert second.is_symlink() and link.is_symlink()
    assert os.readlink(link) == os.path.relpath(real, tmp_path)
    assert real.read_text() == "new" and stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["elsewhere", "link.svg", "second.svg"]
    assert os.listdir(elsewhere) == ["t.svg"]


def test_the_temporary_file_goes_beside_the_links_target(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "t.json").write_text("old")
    (tmp_path / "a" / "link.json").symlink_to(tmp_path / "b" / "t.json")
    renames = []
    real_replace = os.replace

    def recording_replace(src, dst):
        renames.append((os.path.dirname(src), os.path.basename(src), dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", recording_replace)
    write_atomically(tmp_path / "a" / "link.json", "new")
    [(directory, name, dst)] = renames
    assert directory == str(tmp_path / "b") and dst == str(tmp_path / "b" / "t.json")
    assert re.fullmatch(rf"\.t\.json\.{os.getpid()}\.[0-9a-f]{{8}}\.tmp", name)


def test_a_link_to_nowhere_creates_its_target_or_names_the_missing_directory(tmp_path):
    (tmp_path / "link.json").symlink_to("made.json")
    write_atomically(tmp_path / "link.json", "new")
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "made.json").read_text() == "new"
    (tmp_path / "lost.json").symlink_to(tmp_path / "gone" / "t.json")
    with pytest.raises(FileNotFoundError, match=r"lost\.json \(a link to .*gone/t\.json\): the directory .*gone does not exist"):
        write_atomically(tmp_path / "lost.json", "x")


def test_a_loop_of_links_is_refused(tmp_path):
    (tmp_path / "loop").symlink_to("loop")
    with pytest.raises(OSError, match=r"cannot write .*/loop: its symbolic links lead round in a loop"):
        write_atomically(tmp_path / "loop", "x")
    assert (tmp_path / "loop").is_symlink()


# --- modes and the umask ------------------------------------------------------------------------


@pytest.fixture
def umask_027():
    umask = os.umask  # kept: a test may replace os.umask by a trap
    old = umask(0o027)  # the test sets it; the code under test must never
    yield
    umask(old)


def test_a_new_file_gets_0666_less_the_umask_and_the_umask_is_never_touched(tmp_path, monkeypatch, umask_027):
    def forbidden(mask):
        raise AssertionError("write_atomically changed the process umask")

    monkeypatch.setattr(os, "umask", forbidden)
    write_atomically(tmp_path / "new.json", "x")
    (tmp_path / "by_open.json").write_text("x")
    by_open = stat.S_IMODE((tmp_path / "by_open.json").stat().st_mode)
    assert by_open == (0o666 if sys.platform == "emscripten" else 0o640)  # Emscripten's file system has no umask
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == by_open


def test_files_other_threads_create_meanwhile_keep_the_umask(tmp_path, monkeypatch, umask_027):
    umask = os.umask

    def held_umask(mask):  # any change of the umask lasts a while, so the other thread sees it
        old = umask(mask)
        time.sleep(0.002)
        return old

    monkeypatch.setattr(os, "umask", held_umask)
    monkeypatch.setattr(os, "fsync", lambda fd: None)  # not the point here, and slow
    (tmp_path / "theirs").mkdir()
    done = threading.Event()
    modes = []

    def create_files():
        k = 0
        while not done.is_set():
            path = tmp_path / "theirs" / f"f{k}"
            with open(path, "w"):
                pass
            modes.append(stat.S_IMODE(path.stat().st_mode))
            k += 1

    creator = threading.Thread(target=create_files)
    creator.start()
    try:
        for k in range(100):
            write_atomically(tmp_path / f"ours{k}.json", str(k))  # new files: their mode comes from the umask
    finally:
        done.set()
        creator.join()
    assert modes and set(modes) == {0o640}
    assert {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.glob("ours*.json")} == {0o640}


def test_an_existing_file_keeps_its_owner(tmp_path):
    if effective_ids()[0] != 0:
        pytest.skip("giving a file to another user needs root")
    target = tmp_path / "theirs.json"
    target.write_text("old")
    os.chown(target, 4321, 4321)
    target.chmod(0o604)
    write_atomically(target, "new")
    st = target.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), target.read_text()) == (4321, 4321, 0o604, "new")


# --- temporary files left by killed writes ------------------------------------------------------


def _dead_pid() -> int:
    """The number of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temporaries_of_dead_writers_are_removed_on_the_next_write(tmp_path):
    dead, alive = _dead_pid(), os.getppid()
    stale = [f".model.json.{dead}.0123abcd.tmp", f".model.json.{alive}.89abcdef.tmp"]
    kept = [
        f".model.json.{alive}.fedcba98.tmp",  # its writer may still be at work
        f".model.json.{os.getpid()}.00000000.tmp",  # ours: another thread's
        f".other.json.{dead}.0123abcd.tmp",  # another target's
        ".model.json.bak", f".model.json.{dead}.tmp", "model.json.tmp",  # not named as ours
    ]
    for name in stale + kept:
        (tmp_path / name).write_text("half")
    old = time.time() - STALE_AFTER - 60
    os.utime(tmp_path / stale[1], (old, old))  # a live process number, but a day old: reused
    write_atomically(tmp_path / "model.json", "new")
    assert sorted(os.listdir(tmp_path)) == sorted(kept + ["model.json"])


def test_a_write_killed_midway_leaves_a_temporary_the_next_write_removes(tmp_path):
    target = tmp_path / "model.json"
    target.write_text("old")
    script = (
        "import os, signal, sys; import micrograd.files as f\n"
        "real = os.replace\n"
        "os.replace = lambda a, b: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"f.write_atomically({str(target)!r}, 'x' * 100000)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", script], env=env)
    assert done.returncode == -signal.SIGKILL
    [left] = [p for p in os.listdir(tmp_path) if p != "model.json"]
    assert re.fullmatch(r"\.model\.json\.\d+\.[0-9a-f]{8}\.tmp", left)
    assert target.read_text() == "old"
    write_atomically(target, "new")
    assert os.listdir(tmp_path) == ["model.json"] and target.read_text() == "new"


def test_a_name_of_255_bytes_still_gets_a_temporary_file(tmp_path):
    name = "é" * 125 + "x.json"  # 256 bytes would be too long
    name = name[: len(name) - 1]
    assert len(os.fsencode(name)) == 255
    write_atomically(tmp_path / name, "x")
    assert os.listdir(tmp_path) == [name]


# --- callers inherit the rules ------------------------------------------------------------------------


def test_nn_save_refuses_a_fifo_and_a_read_only_file(tmp_path):
    import nn

    net = nn.MLP(2, [1], seed=0)
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(NotARegularFileError):
        net.save(tmp_path / "pipe")
    (tmp_path / "ro.json").write_text("{}")
    (tmp_path / "ro.json").chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        net.save(tmp_path / "ro.json")
    assert (tmp_path / "ro.json").read_text() == "{}"


def test_dot_dot_after_a_link_is_taken_from_the_links_target(tmp_path):
    (tmp_path / "deep" / "inner").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "deep" / "inner")
    write_atomically(str(tmp_path / "link" / ".." / "a.json"), "x")  # the system's reading: deep/a.json
    assert (tmp_path / "deep" / "a.json").read_text() == "x"
    assert not (tmp_path / "a.json").exists()
