"""Writing a file so that it is never half-written, and never written where it should not be.

The data goes to a temporary file beside the target, is flushed to disk, and is renamed
over the target (``os.replace`` is atomic), so a reader or a crash sees the old file or
the new one, nothing between. What ``write_atomically`` promises:

- **Only regular files are replaced.** A target that exists and is not a regular file
  is refused, nothing written, with an ``OSError`` naming the path and what it is:
  ``IsADirectoryError`` for a directory, ``NotARegularFileError`` for a FIFO, a
  character or block device or a socket. A missing directory is a
  ``FileNotFoundError``, a file where a directory should be a ``NotADirectoryError``.
- **A symbolic link is written through**: the link is resolved (every link on the way)
  and the file it points to is replaced, atomically, in that file's own directory.
  The link stays a link.
- **A read-only file is not replaced** unless ``overwrite_readonly=True``, and a
  directory we may not write into is refused (both ``PermissionError``). "Read-only" is read from the permission bits, not
  from what the system would allow, so the rule is the same for every user: the bits of
  the owner if we own the file, of the group if it is one of ours, else of others; as
  root (whom the system lets write anything) a file or directory counts as read-only
  when it has no write bit at all (e.g. 0444). Where the system knows no effective user
  (Python in WebAssembly, Pyodide), the real one stands in for it.
- **An existing file keeps its permission bits** (and its owner and group where we may
  set them); a new file gets ``0o666`` less the umask, as ``open()`` would give it.
  The process umask is never changed.
- **Temporary files are named** ``.NAME.<pid>.<8 hex digits>.tmp`` (NAME: the target's
  name, cut to 200 bytes) and removed when a write fails. A write that was killed
  leaves its temporary file behind; each later write of the same target removes such
  files when process <pid> no longer exists, or when they are more than
  ``STALE_AFTER`` seconds old. No other file is touched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time

#: A temporary file this old (seconds since it was last written) is stale even if its
#: process number is in use again: no save takes a day.
STALE_AFTER = 24 * 3600
_NAME_BYTES = 200  # of the target's name inside a temporary file's name (a name may have 255)


class NotARegularFileError(OSError):
    """The target exists and is neither a regular file nor a directory: a FIFO, a device
    node or a socket, which a write must not replace by a file."""


def write_atomically(path: str | os.PathLike, data: str | bytes, *, overwrite_readonly: bool = False) -> None:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically.

    Refuses (an ``OSError`` saying why, nothing written): a missing directory, a target
    that is a directory or any other non-regular file, a directory we may not write
    into, and a read-only file unless ``overwrite_readonly`` is true. A symbolic link is
    followed and its target replaced. See the module docstring for every rule.
    """
    real = check_target(path, overwrite_readonly=overwrite_readonly)
    directory, name = os.path.split(real)
    try:
        old = os.stat(real)
    except FileNotFoundError:
        old = None
    remove_stale_temporaries(real)
    fd, tmp = _create_temporary(directory, name, old)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _sync_directory(directory)


def check_target(path: str | os.PathLike, *, overwrite_readonly: bool = False) -> str:
    """The file that writing ``path`` would replace (``path`` with every symbolic link
    resolved), after checking that it may be written; an ``OSError`` naming ``path``
    and the reason otherwise. Nothing is created."""
    named = os.fspath(path)
    real = os.path.realpath(named)  # links resolved in order, each before a ".." after it
    path = os.path.abspath(named)  # as the user named it, for messages
    shown = f"{path} (a link to {real})" if os.path.islink(named) else path
    directory = os.path.dirname(real)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:  # a file where a directory should be: name it
        parent = directory
        while not os.path.lexists(parent):
            parent = os.path.dirname(parent)
        raise _error(NotADirectoryError, f"cannot write {shown}: {parent} is not a directory", errno.ENOTDIR) from None
    except OSError as e:  # a loop of links, a name too long
        if e.errno == errno.ELOOP:
            raise _error(OSError, f"cannot write {path}: its symbolic links lead round in a loop", e.errno) from None
        raise _error(type(e), f"cannot write {shown}: {e.strerror}", e.errno) from None
    if st is None:
        if not os.path.isdir(directory):
            if os.path.exists(directory):
                raise _error(NotADirectoryError, f"cannot write {shown}: {directory} is not a directory", errno.ENOTDIR)
            raise _error(FileNotFoundError, f"cannot write {shown}: the directory {directory} does not exist", errno.ENOENT)
    elif stat.S_ISDIR(st.st_mode):
        raise _error(IsADirectoryError, f"cannot write {shown}: it is a directory", errno.EISDIR)
    elif not stat.S_ISREG(st.st_mode):
        raise _error(NotARegularFileError, f"cannot write {shown}: it is {file_kind(st.st_mode)}, not a regular file", None)
    elif not overwrite_readonly and not writable_by_us(st):
        mode = stat.S_IMODE(st.st_mode)
        raise _error(PermissionError, f"cannot write {shown}: it is read-only (mode {mode:#o}); make it writable first to replace it", errno.EACCES)
    dir_st = os.stat(directory)
    if not writable_by_us(dir_st):
        mode = stat.S_IMODE(dir_st.st_mode)
        raise _error(PermissionError, f"cannot write {shown}: the directory {directory} is not writable (mode {mode:#o})", errno.EACCES)
    return real


def _error(kind: type[OSError], message: str, number: int | None) -> OSError:
    """An OSError of ``kind`` whose text is ``message`` alone, with ``errno`` set (setting
    ``filename`` too would make ``str()`` show "[Errno n] None: path" instead)."""
    e = kind(message)
    e.errno = number
    return e


def file_kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words: "a directory", "a FIFO (named pipe)", ..."""
    for test, words in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return words
    return f"a special file (type {stat.S_IFMT(mode):#o})"


def writable_by_us(st: os.stat_result) -> bool:
    """Whether the permission bits of ``st`` let this process write: the owner's write bit
    if we own it, the group's if its group is one of ours, else the others'. For root,
    whom the system lets write anything, any write bit at all."""
    ids = effective_ids()
    if ids is None:  # Windows: one read-only flag, shown as the owner's bit
        return bool(st.st_mode & stat.S_IWUSR)
    uid, gid = ids
    if uid == 0:
        return bool(st.st_mode & 0o222)
    if st.st_uid == uid:
        return bool(st.st_mode & stat.S_IWUSR)
    if st.st_gid == gid or st.st_gid in (os.getgroups() if hasattr(os, "getgroups") else ()):
        return bool(st.st_mode & stat.S_IWGRP)
    return bool(st.st_mode & stat.S_IWOTH)


def effective_ids() -> tuple[int, int] | None:
    """The user and group this process acts as: its effective ids; where the system has only
    real ones (Python in WebAssembly: Pyodide, whose files all belong to user 0, and whose
    file system, as for root, lets any write bit through), those, which are the same there
    for want of set-user-id programs; None where there are no such ids (Windows)."""
    uid = getattr(os, "geteuid", None) or getattr(os, "getuid", None)
    gid = getattr(os, "getegid", None) or getattr(os, "getgid", None)
    if uid is None or gid is None:
        return None
    return uid(), gid()


def remove_stale_temporaries(path: str | os.PathLike) -> list[str]:
    """Remove the temporary files that killed writes of ``path`` left beside it: those
    named ``.NAME.<pid>.<8 hex>.tmp`` whose process no longer exists or that were last
    written more than ``STALE_AFTER`` seconds ago. Returns the paths removed."""
    directory, name = os.path.split(os.path.abspath(os.fspath(path)))
    prefix = f".{_short(name)}."
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.[0-9a-f]{8}\.tmp")
    removed = []
    try:
        entries = os.listdir(directory)
    except OSError:
        return removed
    for entry in entries:
        m = pattern.fullmatch(entry) if entry.startswith(prefix) else None
        if m is None:
            continue
        candidate = os.path.join(directory, entry)
        try:
            st = os.lstat(candidate)
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        if _process_exists(int(m.group(1))) and time.time() - st.st_mtime <= STALE_AFTER:
            continue
        with contextlib.suppress(FileNotFoundError):  # another write removed it first
            os.unlink(candidate)
            removed.append(candidate)
    return removed


def _short(name: str) -> str:
    """The target's name as used inside a temporary file's name: at most 200 bytes, so
    that the temporary name stays under the usual limit of 255."""
    raw = os.fsencode(name)
    return name if len(raw) <= _NAME_BYTES else os.fsdecode(raw[:_NAME_BYTES])


def _process_exists(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of ours may be writing it now
    if os.name != "posix":
        return True  # no safe way to ask; the age rule applies
    try:
        os.kill(pid, 0)  # signal 0: is there such a process? nothing is sent
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, and belongs to someone else
    except (OverflowError, OSError):
        return False  # not a process number at all
    return True


def _create_temporary(directory: str, name: str, old: os.stat_result | None) -> tuple[int, str]:
    """Create ``.NAME.<pid>.<random>.tmp`` in ``directory``; returns (descriptor, path).

    For a new target the file is created with mode 0o666 and the kernel takes the umask
    off, exactly as for ``open()``: the umask is never read, because reading it
    (``os.umask``) means setting it, process-wide, and a file another thread created in
    that moment would get the wrong mode. For an existing target the file is created
    0o600 and then given the target's own bits with ``fchmod``, which the umask does not
    touch.
    """
    create_mode = 0o666 if old is None else 0o600
    while True:
        tmp = os.path.join(directory, f".{_short(name)}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), create_mode)
        except FileExistsError:
            continue
        except PermissionError as e:
            target = os.path.join(directory, name)
            raise _error(PermissionError, f"cannot write {target}: no permission to create a file in {directory}", e.errno) from None
        break
    if old is not None:
        try:
            ids = effective_ids()
            if hasattr(os, "fchown") and ids is not None and (old.st_uid, old.st_gid) != ids:
                with contextlib.suppress(PermissionError):
                    os.fchown(fd, old.st_uid, old.st_gid)
            os.fchmod(fd, stat.S_IMODE(old.st_mode))
        except BaseException:
            os.close(fd)
            os.unlink(tmp)
            raise
    return fd, tmp


def _sync_directory(directory: str) -> None:
    """Flush the rename itself to disk (POSIX); where a directory cannot be opened or
    synced, the rename is still atomic, only perhaps not yet durable."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
