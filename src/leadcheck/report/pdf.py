"""Writing a report's file: atomically, a failure worded as a report's."""

from __future__ import annotations

from pathlib import Path

from leadcheck.errors import ReportError


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (leadcheck.atomic): never a half file.

    A folder, a missing folder or one that cannot be written to is a ReportError.
    """
    from leadcheck.atomic import atomic_open
    from leadcheck.errors import TargetError

    try:
        with atomic_open(Path(path), "wb") as stream:
            stream.write(data)
    except TargetError as e:
        raise ReportError(str(e)) from e
