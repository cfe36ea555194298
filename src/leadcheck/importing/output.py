"""Files named with -o for forms and exports, written atomically (leadcheck.base.atomic)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from leadcheck.base.atomic import atomic_open
from leadcheck.base.errors import WRITE, OutputError, cannot_write


@contextlib.contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text stream whose content replaces ``path`` only when the block ends without an error.

    Symlinks and special files are handled as leadcheck.base.atomic.atomic_open
    handles them; a folder, or a place that cannot be written, is an OutputError
    (leadcheck.base.errors.TargetError is one).
    """
    try:
        with atomic_open(path, "w") as stream:
            yield stream  # type: ignore[misc]
    except (OutputError, BrokenPipeError):
        raise
    except OSError as e:
        raise OutputError(cannot_write(WRITE, path, e.strerror or type(e).__name__)) from e
