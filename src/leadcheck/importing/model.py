"""The plain data an import passes between its steps: options in, checked responses out."""

from __future__ import annotations

from dataclasses import dataclass

from leadcheck.instrument.model import Instrument
from leadcheck.responses import IncomingResponse


@dataclass(frozen=True)
class ImportOptions:
    """What the command line says about the files (None: not given)."""

    layout: str = "auto"
    instrument: str | None = None  # --instrument: a shipped id or a path
    leader: str | None = None  # --leader: every row is about this leader
    group: str | None = None  # --as: every row is from this rater group
    leader_column: str | None = None
    group_column: str | None = None
    cohort: str | None = None
    ignore_columns: tuple[str, ...] = ()
    allow_missing_items: bool = False  # --allow-missing-items: items without a column count as skipped


@dataclass(frozen=True)
class Parsed:
    """One response read and checked, with the instrument it was checked against."""

    instrument: Instrument
    response: IncomingResponse
    where: str  # "responses.csv:14", for messages about the row as a whole
    identity_kind: str = ""  # what rater_identity is: "email", "response id", "rater", "export"


@dataclass(frozen=True)
class FileReport:
    """What one file held."""

    source: str
    layout: str  # e.g. "Google Forms", "response file"
    responses: int
