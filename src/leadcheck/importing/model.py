"""The plain data an import passes between its steps: options in, checked responses out."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from leadcheck.base.problems import Location
from leadcheck.base.responses import IncomingResponse
from leadcheck.instrument.model import Instrument
from leadcheck.store.plans import Focus


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
    group_map: tuple[tuple[str, str], ...] = ()  # --group-map LABEL=GROUP: a survey's answer -> a rater group


@dataclass(frozen=True)
class Round:
    """Which of its leader's assessments an export puts a response (or nothing yet) in.

    In the workspace a round is found again by its leader, instrument snapshot,
    ``created_at`` and ``nth`` (see ``store.assessments.ensure``); ``number`` is
    how the export counts it, for messages.
    """

    created_at: str  # when the round was started, as the export says
    number: int  # the leader's 1st, 2nd, ... assessment on the instrument id, in the export
    nth: int = 1  # among the export's rounds of the leader on the same snapshot started at the same time

    @property
    def key(self) -> tuple[str, int]:
        return self.created_at, self.nth


@dataclass(frozen=True, slots=True)  # one per row an import keeps: no __dict__ each
class Parsed:
    """One response read and checked, with the instrument it was checked against."""

    instrument: Instrument
    response: IncomingResponse
    where: Location  # responses.csv:14, for messages about the row as a whole
    identity_kind: str = ""  # what rater_identity is: "email", "response id", "rater", "export"
    round: Round | None = None  # from an export; None: the leader's current round
    campaign_rater: int | None = None  # a returned questionnaire: the roster row of its rater
    spooled: int = -1  # the plan's spool holds its answers, comments and source (-1: the response does)


@dataclass(frozen=True)
class PlannedRound:
    """An assessment round an export names, to be found or created before its responses are stored."""

    leader: str
    instrument: Instrument
    round: Round
    where: Location


@dataclass(frozen=True)
class LedgerRow:
    """A release record as the export carries it; ``figures`` is the ledger's text, never read here."""

    kind: str
    released_at: str
    file_digest: str
    figures: str


@dataclass(frozen=True)
class PlannedRelease:
    """A release record an export carries, to be restored in its round once the round is stored."""

    leader: str
    instrument: Instrument
    round: Round
    row: LedgerRow


@dataclass(frozen=True)
class PlannedPlan:
    """A development plan an export carries, to be restored in its round once the round is stored."""

    leader: str
    instrument: Instrument
    round: Round
    made_on: str
    focus: tuple[Focus, ...]


@dataclass(frozen=True)
class PlannedLeader:
    """A leader an export lists, with or without responses."""

    name: str
    cohort: str | None
    where: Location


@dataclass(frozen=True)
class FileReport:
    """What one file held."""

    source: str
    layout: str  # e.g. "Google Forms", "response file"
    responses: int


@dataclass
class Unchanged:
    """Export records of responses the workspace already holds: counted, not kept, as nothing is stored."""

    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (snapshot, leader, group)
    instruments: dict[str, Instrument] = field(default_factory=dict)  # content hash -> instrument

    def add(self, p: Parsed) -> None:
        key = (p.instrument.content_hash, p.response.leader, p.response.group)
        self.counts[key] = self.counts.get(key, 0) + 1
        self.instruments.setdefault(p.instrument.content_hash, p.instrument)

    def update(self, other: Unchanged) -> None:
        for key, count in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + count
        self.instruments.update(other.instruments)

    def __iter__(self) -> Iterator[tuple[Instrument, str, str, int]]:
        """(instrument, leader as written, rater group, how many records)."""
        for (content_hash, leader, group), count in self.counts.items():
            yield self.instruments[content_hash], leader, group, count
