"""Writing a file so that no reader ever sees half of it: a temporary file, then a rename."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from leadcheck.base.errors import FOLDER, NO_FOLDER, UNWRITABLE_FOLDER, WRITE, TargetError


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as ``atomic_open`` does: never a half file.

    A folder, a missing folder or one that cannot be written to is a TargetError,
    worded by ``errors.cannot_write`` whichever command writes the file.
    """
    with atomic_open(Path(path), "wb") as stream:
        stream.write(data)


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
        raise TargetError(WRITE, path, e) from e
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise TargetError(FOLDER, path)
    if found is not None and not stat.S_ISREG(found.st_mode):
        try:
            with path.open(mode, encoding=encoding, newline=newline) as stream:
                yield stream
        except BrokenPipeError:
            raise  # `-o /dev/stdout | head`: the reader left; the command stops quietly
        except OSError as e:
            raise TargetError(WRITE, path, e) from e
        return
    target = path.resolve() if path.is_symlink() else path
    if not target.parent.is_dir():
        raise TargetError(NO_FOLDER, target)
    sweep_leftovers(target.parent)
    try:
        fd, temp_name = _temporary(target)
    except OSError as e:
        raise TargetError(UNWRITABLE_FOLDER, target, e) from e
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as stream:
            yield stream
            stream.flush()
            if found is not None:
                # Replacing a file keeps its permissions (and, where allowed, its owner),
                # also when it was reached through a symbolic link.
                os.fchmod(stream.fileno(), stat.S_IMODE(found.st_mode))
                with contextlib.suppress(OSError):
                    os.fchown(stream.fileno(), found.st_uid, found.st_gid)
            os.fsync(stream.fileno())
        temp.replace(target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


# Temporary files are named after the target, the writing process and a random part, so a
# later write can tell the leftovers of a process killed with -9 from a write in progress.
_LEFTOVER = re.compile(r"\..+\.(?P<pid>[0-9]+)-[a-z0-9_]{8}\.part")


def _temporary(target: Path) -> tuple[int, str]:
    """A new, empty temporary file beside ``target``, with the permissions a new file gets
    from the umask (as a shell's ``>`` would), never more."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        name = target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.part"
        try:
            return os.open(name, flags, 0o666), str(name)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(target.parent))


def sweep_leftovers(folder: Path) -> None:
    """Remove the temporary files of leadcheck writers that died before finishing (kill -9,
    a power cut): named as ``_temporary`` names them, by a process that no longer runs."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            m = _LEFTOVER.fullmatch(entry.name)
            if m is None or int(m["pid"]) == os.getpid() or _running(int(m["pid"])):
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False):
                    Path(entry.path).unlink()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: not ours to judge
    except OverflowError:
        return False
    return True
