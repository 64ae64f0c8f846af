"""Where a command may write, found out before any work starts: every output path is
checked against ``micrograd.files``' rules (a regular file or none, in a writable directory,
never read-only), an empty path is refused, and two outputs of one command may not name the
same file. Writing goes through ``write_atomically``; a failure is said in one line."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Sequence

from ..files import check_target, file_kind, writable_by_us, write_atomically
from .arguments import CommandError

#: The files ``--steps DIR`` writes into DIR (a frame's SVG or DOT source, the page).
STEP_FILES = re.compile(r"step_\d{3,}\.(svg|dot)|steps\.html")


def output_file(path: str, option: str) -> Path:
    """``path`` as a Path, once write_atomically's rules are known to allow writing it: its
    directory exists and is writable, and it is absent or a regular file, not read-only."""
    if not path:
        raise CommandError(f"{option}: the path is empty; give a file name")
    try:
        check_target(path)
    except OSError as e:
        raise CommandError(f"{option} {path!r}: {reason(e, path)}") from None
    return Path(path)


def output_directory(path: str, option: str) -> Path:
    """``path`` as a Path, once it is known to be a directory we may write into, or one
    that can be created (from the permission bits, so the answer is the same for root)."""
    if not path:
        raise CommandError(f"{option}: the path is empty; give a directory name")
    target = Path(os.path.abspath(path))
    existing = target
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    try:
        st = existing.stat()
    except OSError as e:
        raise CommandError(f"{option} {path!r}: cannot use {existing}: {e.strerror}") from None
    if not stat.S_ISDIR(st.st_mode):
        what = "it" if existing == target else f"{existing} on the way there"
        raise CommandError(f"{option} {path!r}: {what} is {file_kind(st.st_mode)}, not a directory")
    if not writable_by_us(st):
        what = "the directory" if existing == target else f"its parent {existing}"
        raise CommandError(f"{option} {path!r}: {what} is not writable (mode {stat.S_IMODE(st.st_mode):#o})")
    return target


def distinct(files: Sequence[tuple[str, Path]], directories: Sequence[tuple[str, Path]] = ()) -> None:
    """Refuse two outputs of one command that would write the same file (symbolic links
    resolved), or a file among those a ``--steps`` directory gets: the last write would win."""
    seen: dict[str, str] = {}
    for option, path in files:
        real = os.path.realpath(path)
        if real in seen:
            raise CommandError(f"{seen[real]} and {option} both name {str(path)!r}; give each output a file of its own")
        seen[real] = option
    for option, directory in directories:
        inside = os.path.realpath(directory)
        for real, other in seen.items():
            if os.path.dirname(real) == inside and STEP_FILES.fullmatch(os.path.basename(real)):
                raise CommandError(f"{other} names {real}, which {option} {str(directory)!r} writes too; "
                                   "give it another file name or directory")


def reason(e: OSError, path: object) -> str:
    """What went wrong writing ``path``, in one line: write_atomically's own message (which
    names the file), or the system's reason."""
    return str(e) if e.strerror is None else f"cannot write {e.filename or path}: {e.strerror}"


def write(path: Path, data: bytes | str) -> None:
    """``write_atomically``, with a failure said in one line."""
    try:
        write_atomically(path, data)
    except OSError as e:
        raise CommandError(reason(e, path)) from None
