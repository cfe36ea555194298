"""The `leadcheck export` file format: its keys and versions, and text cells spreadsheets show, not run."""

from __future__ import annotations

import re

EXPORT_KEY = "leadcheck_export"
# 2: the release ledger ("releases") is part of the file. Version 1 files (no ledger) are still read;
# an older leadcheck refuses a version 2 file rather than restore it without its ledger.
EXPORT_VERSION = 2
READ_VERSIONS = (1, 2)
# Said of a JSON file whose [ and { nest too deeply to read (Python's parser recurses per level).
TOO_DEEP = "nesting is too deep (hundreds of levels of [ or {)"
NOT_OBSERVED = "n/a"
# A spreadsheet runs a cell starting with one of these as a formula; text cells that
# would are written with a leading "'" (and read back without it).
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def protect(text: str) -> str:
    """A text cell that spreadsheets will show, not run."""
    return "'" + text if _FORMULA.match(text) else text


def unprotect(text: str) -> str:
    return text[1:] if _ESCAPED.match(text) else text


WORKSPACE_ID = re.compile(r"[0-9a-f]{32}")  # as migration 3 makes them

RELEASE_KEYS = ("kind", "released_at", "file_digest", "figures")  # of a release row in an export
