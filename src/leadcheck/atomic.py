"""Writing a file so that no reader ever sees half of it: a temporary file, then a rename."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


class TargetError(Exception):
    """Why a file could not be written, before or while writing it.

    ``kind`` is "folder" (the path is a folder), "no-folder" (its folder does
    not exist), "unwritable-folder" (no temporary file could be made there)
    or "write" (the path or the device it names could not be written).
    Callers turn it into their own message.
    """

    def __init__(self, kind: str, path: Path, error: OSError | None = None) -> None:
        super().__init__(f"{kind}: {path}")
        self.kind = kind
        self.path = path
        self.error = error

    @property
    def reason(self) -> str:
        if self.error is None:
            return "No such file or directory" if self.kind == "no-folder" else "Is a directory"
        return self.error.strerror or type(self.error).__name__


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """A stream whose content replaces ``path`` only when the block ends without an error.

    A symbolic link is kept: the file it points to is replaced. Something that
    exists but is not a regular file (``/dev/stdout``, a FIFO, a device) is
    written to directly, since a rename would replace the device itself.
    ``mode`` is "wb" or "w" (UTF-8 text, newlines as written).
    """
    encoding, newline = (None, None) if "b" in mode else ("utf-8", "")
    path = Path(path)
    try:
        found = path.stat()  # follows symlinks
    except FileNotFoundError:
        found = None
    except OSError as e:
        raise TargetError("write", path, e) from e
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise TargetError("folder", path)
    if found is not None and not stat.S_ISREG(found.st_mode):
        try:
            with path.open(mode, encoding=encoding, newline=newline) as stream:
                yield stream
        except BrokenPipeError:
            raise  # `-o /dev/stdout | head`: the reader left; the command stops quietly
        except OSError as e:
            raise TargetError("write", path, e) from e
        return
    target = path.resolve() if path.is_symlink() else path
    if not target.parent.is_dir():
        raise TargetError("no-folder", target.parent)
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as e:
        raise TargetError("unwritable-folder", target.parent, e) from e
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        temp.replace(target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
