"""The one version of leadcheck's code that every cache is keyed by: a digest of the package's own files.

A cache keeps what code computed (a leader's figures, a cohort's PDFs, compiled
templates); what it keeps is right only for the code that made it. Rather than a
hand-kept list of the modules that matter, every file shipped in the package
counts: its modules and templates, and in an installed wheel its instruments and
report templates too. A change to any of them, however remote from the cache,
costs a recomputation, never a stale result.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent  # base/ -> the package
_SKIPPED_FOLDERS = {"__pycache__"}
_SKIPPED_SUFFIXES = {".pyc", ".pyo"}


@functools.cache
def code_version() -> str:
    """The digest of this leadcheck's package, computed once per process (a few milliseconds)."""
    return package_digest(PACKAGE)


def package_digest(folder: Path) -> str:
    """A SHA-256 of every file below ``folder`` (its path and its bytes), bytecode left out."""
    digest = hashlib.sha256()
    for path in _files(folder):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\x00")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, folders, names in os.walk(folder):
        folders[:] = sorted(f for f in folders if f not in _SKIPPED_FOLDERS)
        found.extend(Path(root, name) for name in names if Path(name).suffix not in _SKIPPED_SUFFIXES)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())
