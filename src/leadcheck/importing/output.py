"""Writing a file so that readers never see half of it: a temporary file, then a rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from leadcheck.errors import LeadcheckError


class OutputError(LeadcheckError):
    """A file named with -o could not be written."""


def _cannot_write(path: Path, error: OSError) -> OutputError:
    reason = error.strerror or type(error).__name__
    return OutputError(
        f"{path}: cannot write the file ({reason}); choose a folder you can write to, or another file with -o"
    )


@contextlib.contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text stream whose content replaces ``path`` only when the block ends without an error.

    A symbolic link is followed: its target is replaced, the link stays. Something
    that exists but is not a regular file (``/dev/stdout``, a FIFO, a device) is
    written to directly, never replaced. A folder, or a place that cannot be
    written, is an OutputError.
    """
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; name a file to write")
    if path.exists() and not path.is_file():
        try:
            with path.open("w", encoding="utf-8", newline="") as stream:
                yield stream
        except BrokenPipeError:
            raise
        except OSError as e:
            raise _cannot_write(path, e) from e
        return
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise _cannot_write(path, e) from e
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        temp.replace(target)
    except BrokenPipeError:
        temp.unlink(missing_ok=True)
        raise
    except OSError as e:
        temp.unlink(missing_ok=True)
        raise _cannot_write(path, e) from e
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
