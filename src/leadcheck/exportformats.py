"""The formats `leadcheck export` writes, one entry each in EXPORT_FORMATS: a new format is one entry.

Outside the importing package so that the command line can name the formats without loading it;
the writers are imported when one runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from leadcheck.store import Store


@dataclass(frozen=True)
class ExportFormat:
    """One export format: what it writes, and whether it carries the release ledger."""

    name: str
    help: str  # what --format says of it
    write: Callable[[Store, TextIO], int]  # writes the workspace to the stream; returns the responses written
    # Carries the release ledger: a workspace restored from it holds back what was given. A format
    # without it is refused while the ledger has records, unless the user says it is not a backup.
    has_ledger: bool


def _json(store: Store, out: TextIO) -> int:
    from leadcheck.importing.export import write_json

    return write_json(store, out)


def _csv(store: Store, out: TextIO) -> int:
    from leadcheck.importing.export import write_csv

    return write_csv(store, out)


EXPORT_FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "json",
            "everything, instruments, leaders without responses and the release ledger included (for backups)",
            _json,
            has_ledger=True,
        ),
        ExportFormat("csv", "one row per response, without the ledger", _csv, has_ledger=False),
    )
}
DEFAULT_EXPORT = "json"


def formats_help() -> str:
    """--format's help: each format and what it holds."""
    return "; ".join(f"{f.name}: {f.help}" for f in EXPORT_FORMATS.values()) + "."
