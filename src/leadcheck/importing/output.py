"""Files named with -o for forms and exports, written atomically (leadcheck.atomic)."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from leadcheck.atomic import TargetError, atomic_open
from leadcheck.errors import LeadcheckError


class OutputError(LeadcheckError):
    """A file named with -o could not be written."""


def _cannot_write(path: Path, reason: str) -> OutputError:
    return OutputError(
        f"{path}: cannot write the file ({reason}); choose a folder you can write to, or another file with -o"
    )


@contextlib.contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text stream whose content replaces ``path`` only when the block ends without an error.

    Symlinks and special files are handled as leadcheck.atomic.atomic_open
    handles them; a folder, or a place that cannot be written, is an OutputError.
    """
    try:
        with atomic_open(path, "w") as stream:
            yield stream  # type: ignore[misc]
    except TargetError as e:
        if e.kind == "folder":
            raise OutputError(f"{path}: is a folder; name a file to write") from e
        reason = os.strerror(errno.ENOENT) if e.kind == "no-folder" else e.reason
        raise _cannot_write(path, reason) from e
    except BrokenPipeError:
        raise
    except OSError as e:
        raise _cannot_write(path, e.strerror or type(e).__name__) from e
