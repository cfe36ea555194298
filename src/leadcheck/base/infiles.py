"""Files a user names to be read (a template, a norms file, a roster): regular files, read with a size cap.

A named pipe, a terminal or /dev/zero passes "exists" and "is not a folder",
then blocks or reads until memory runs out; ``check_regular`` and
``read_capped`` refuse them at once, without waiting for a writer.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from leadcheck.base.errors import UsageError

_KINDS = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


def _mebibytes(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


def _refuse(path: Path, mode: int, what: str) -> None:
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise UsageError(f"{path}: is {kind}, not a regular file; expected the {what} as a file on disk")


def check_regular(path: Path, what: str) -> None:
    """UsageError unless ``path`` is a regular file (symbolic links followed); never opens it."""
    try:
        mode = path.stat().st_mode
    except OSError as e:
        raise UsageError(f"{path}: cannot read the {what} ({e.strerror or type(e).__name__})") from e
    _refuse(path, mode, what)


def read_capped(path: Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them; UsageError otherwise.

    Opened without blocking (a named pipe with no writer would wait forever), then
    checked to be a regular file before a byte is read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise UsageError(f"{path}: cannot read the {what} ({e.strerror or type(e).__name__})") from e
    with os.fdopen(fd, "rb") as f:
        _refuse(path, os.fstat(fd).st_mode, what)
        data = f.read(limit + 1)
    if len(data) > limit:
        raise UsageError(f"{path}: the {what} is larger than {_mebibytes(limit)}; expected a smaller file")
    return data
