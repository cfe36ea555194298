"""The exception hierarchy and the exit codes every command shares."""

from __future__ import annotations

import enum
from pathlib import Path


class ExitCode(enum.IntEnum):
    """Exit codes: stable, documented in the README, never negative."""

    OK = 0
    INVALID = 1  # problems found, or a LeadcheckError
    USAGE = 2  # the command was asked for something that cannot be
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
    TERMINATED = 143  # SIGTERM (128 + SIGTERM)


# The names commands have always imported.
OK = ExitCode.OK
INVALID = ExitCode.INVALID
USAGE = ExitCode.USAGE


class LeadcheckError(Exception):
    """Base of every error leadcheck reports to a user as one clear line."""

    exit_code: int = INVALID


class UsageError(LeadcheckError):
    """The command was asked for something that cannot be (a missing path, a bad option)."""

    exit_code = USAGE


class InstrumentError(LeadcheckError):
    """An instrument could not be found, read or validated."""


class StoreError(LeadcheckError):
    """The response store could not be opened, migrated or written."""


class NotFoundError(LeadcheckError):
    """A leader, assessment or cohort named on the command line does not exist."""


class ImportProblemError(LeadcheckError):
    """A response file or CSV export holds data that cannot be imported."""


class PlanError(LeadcheckError):
    """A development plan could not be read, checked or found."""


class ReportError(LeadcheckError):
    """A report could not be rendered or written."""


class CampaignError(LeadcheckError):
    """A rater campaign step failed: a form or invitation could not be made, written or sent."""


class OutputError(LeadcheckError):
    """A file named with -o could not be written."""


class SchedulerError(LeadcheckError):
    """The Dask scheduler could not be reached, or has no worker to render on."""


class NormsError(LeadcheckError):
    """A norms file could not be built, read, or used with this instrument."""


# -- files that cannot be written ------------------------------------------------------------------

FOLDER = "folder"  # the path is a folder
NO_FOLDER = "no-folder"  # the folder it would go in does not exist
UNWRITABLE_FOLDER = "unwritable-folder"  # no temporary file could be made in its folder
WRITE = "write"  # the path, or the device it names, could not be written


def cannot_write(kind: str, path: Path, reason: str = "") -> str:
    """The one wording of a file that cannot be written, whichever command writes it.

    ``kind`` is one of FOLDER, NO_FOLDER, UNWRITABLE_FOLDER, WRITE; ``reason``
    is the system's (strerror), never anything read from a file.
    """
    if kind == FOLDER:
        return f"{path}: is a folder; name a file to write"
    if kind == NO_FOLDER:
        return f"{path}: the folder {path.parent} does not exist"
    return (
        f"{path}: cannot write the file ({reason}); choose a folder you can write to, or another file with -o"
    )


class TargetError(OutputError):
    """A file could not be written, before or while writing it (see ``cannot_write`` for ``kind``)."""

    def __init__(self, kind: str, path: Path, error: OSError | None = None) -> None:
        self.kind = kind
        self.path = Path(path)
        self.error = error
        super().__init__(cannot_write(kind, self.path, self.reason))

    @property
    def reason(self) -> str:
        if self.error is None:
            return "No such file or directory" if self.kind == NO_FOLDER else "Is a directory"
        return self.error.strerror or type(self.error).__name__
