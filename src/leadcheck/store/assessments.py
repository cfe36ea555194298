"""Assessments and their rounds: which snapshot a leader is assessed on, and which round is current.

A pulse (leadcheck.pulse) is an assessment too, naming the round it follows (``pulse_of``); it is
never a round: every query here but ``by_id``, ``find`` and ``pulses_of`` leaves pulses out.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from leadcheck.base.errors import NotFoundError, StoreError
from leadcheck.instrument.model import Instrument
from leadcheck.store import clock
from leadcheck.store.connection import Connection
from leadcheck.store.leaders import Leader
from leadcheck.store.snapshots import Snapshots


@dataclass(frozen=True)
class Assessment:
    """One leader assessed on one instrument snapshot."""

    id: int
    leader: Leader
    instrument_id: str
    instrument_version: str
    instrument_hash: str
    created_at: str
    pulse_of: int | None = None  # a pulse: the round whose plan it asks about


_SELECT = (
    "SELECT a.id, a.created_at, a.leader_id, a.pulse_of, l.name, l.cohort, i.instrument_id, i.version, "
    "i.content_hash FROM assessments a JOIN leaders l ON l.id = a.leader_id "
    "JOIN instruments i ON i.id = a.instrument_row "
)
_ROUND = "a.pulse_of IS NULL"  # a round, not a pulse


def _assessment(row: sqlite3.Row) -> Assessment:
    leader = Leader(row["leader_id"], row["name"], row["cohort"])
    return Assessment(
        row["id"],
        leader,
        row["instrument_id"],
        row["version"],
        row["content_hash"],
        row["created_at"],
        row["pulse_of"],
    )


# Constant queries (values are bound): the current assessment of every leader of a cohort.
_NEWEST_IN_COHORT = (
    _SELECT + "WHERE l.cohort = ? AND a.id = (SELECT max(a2.id) FROM assessments a2 "  # noqa: S608
    "WHERE a2.leader_id = a.leader_id AND a2.pulse_of IS NULL) ORDER BY l.name"
)
_NEWEST_IN_COHORT_ON = (
    _SELECT + "WHERE l.cohort = ? AND a.id = (SELECT max(a2.id) FROM assessments a2 "  # noqa: S608
    "JOIN instruments i2 ON i2.id = a2.instrument_row WHERE a2.leader_id = a.leader_id "
    "AND a2.pulse_of IS NULL AND i2.instrument_id = ?) ORDER BY l.name"
)


def not_assessed_yet(instrument_id: str | None = None) -> str:
    """The one wording of a leader without an assessment (on ``instrument_id``): "no assessment yet"."""
    on = f" on {instrument_id}" if instrument_id else ""
    return f"no assessment{on} yet"


def no_assessment(leader: Leader | None, instrument_id: str | None = None) -> NotFoundError:
    """The one "no assessment yet" error; ``leader`` None when the message around it names them."""
    if leader is None:
        return NotFoundError(not_assessed_yet(instrument_id))
    return NotFoundError(f'leader "{leader.name}" has {not_assessed_yet(instrument_id)}')


def round_numbers(assessments: list[Assessment]) -> dict[int, int]:
    """Each assessment's round (by id): its number among its leader's assessments on the same
    instrument id, 1 for the first. ``assessments`` holds every one of those leaders', oldest first."""
    counts: dict[tuple[int, str], int] = {}
    numbers: dict[int, int] = {}
    for a in assessments:
        key = (a.leader.id, a.instrument_id)
        counts[key] = numbers[a.id] = counts.get(key, 0) + 1
    return numbers


class Assessments:
    """The workspace's assessments (``store.assessments``), each on a snapshot kept by ``snapshots``."""

    def __init__(self, db: Connection, snapshots: Snapshots) -> None:
        self.db = db
        self.snapshots = snapshots

    def of_leader(self, leader: Leader, instrument_id: str | None = None) -> list[Assessment]:
        """The leader's assessment rounds (on ``instrument_id`` when given), oldest first."""
        sql = _SELECT + f"WHERE {_ROUND} AND a.leader_id = ?"
        args: list[Any] = [leader.id]
        if instrument_id is not None:
            sql += " AND i.instrument_id = ?"
            args.append(instrument_id)
        return [_assessment(r) for r in self.db.conn.execute(sql + " ORDER BY a.id", args)]

    def current_or_none(self, leader: Leader, instrument_id: str | None = None) -> Assessment | None:
        """The leader's current assessment: the newest round (on ``instrument_id`` when given), never
        a pulse; None before any."""
        sql = _SELECT + f"WHERE {_ROUND} AND a.leader_id = ?"
        args: list[Any] = [leader.id]
        if instrument_id is not None:
            sql += " AND i.instrument_id = ?"
            args.append(instrument_id)
        row = self.db.conn.execute(sql + " ORDER BY a.id DESC LIMIT 1", args).fetchone()
        return _assessment(row) if row is not None else None

    def current(self, leader: Leader, instrument_id: str | None = None) -> Assessment:
        """The leader's current assessment (see ``current_or_none``); NotFoundError before any."""
        found = self.current_or_none(leader, instrument_id)
        if found is None:
            raise no_assessment(leader, instrument_id)
        return found

    def current_in_cohort(self, cohort: str, instrument_id: str | None = None) -> list[Assessment]:
        """Each leader of ``cohort``'s current assessment (on ``instrument_id`` when given), by leader
        name: one query, however many leaders (a leader without one is left out)."""
        if instrument_id is None:
            return [_assessment(row) for row in self.db.conn.execute(_NEWEST_IN_COHORT, (cohort,))]
        sql, args = _NEWEST_IN_COHORT_ON, (cohort, instrument_id)
        return [_assessment(row) for row in self.db.conn.execute(sql, args)]

    def by_id(self, assessment_id: int) -> Assessment:
        return _assessment(self.db.conn.execute(_SELECT + "WHERE a.id = ?", (assessment_id,)).fetchone())

    def by_id_or_none(self, assessment_id: int) -> Assessment | None:
        """The assessment (a round or a pulse) with this id, or None when it is no longer there."""
        row = self.db.conn.execute(_SELECT + "WHERE a.id = ?", (assessment_id,)).fetchone()
        return _assessment(row) if row is not None else None

    def pulses_of(self, round_id: int) -> list[Assessment]:
        """The pulses that followed a round, oldest first."""
        rows = self.db.conn.execute(_SELECT + "WHERE a.pulse_of = ? ORDER BY a.id", (round_id,))
        return [_assessment(r) for r in rows]

    def start_pulse(self, of: Assessment, instrument: Instrument) -> int:
        """Start a pulse after round ``of`` on its generated ``instrument`` (its snapshot stored if new);
        its id. Inside the caller's transaction when one is open."""
        with self.db.writing() as c:
            row_id = self.snapshots.save(c, instrument)
            cur = c.execute(
                "INSERT INTO assessments (leader_id, instrument_row, created_at, pulse_of) VALUES (?, ?, ?, ?)",
                (of.leader.id, row_id, clock.now(), of.id),
            )
        return int(cur.lastrowid or 0)

    def nth_of(self, assessment: Assessment) -> int:
        """Which of its leader's assessments on its snapshot started in the same second it is (``find``'s nth)."""
        row = self.db.conn.execute(
            "SELECT count(*) FROM assessments a JOIN instruments i ON i.id = a.instrument_row "
            "WHERE a.leader_id = ? AND i.content_hash = ? AND a.created_at = ? AND a.id <= ?",
            (assessment.leader.id, assessment.instrument_hash, assessment.created_at, assessment.id),
        ).fetchone()
        return int(row[0])

    def every(self) -> list[Assessment]:
        """Every assessment round in the workspace (pulses aside), oldest first (one query)."""
        return [_assessment(r) for r in self.db.conn.execute(_SELECT + f"WHERE {_ROUND} ORDER BY a.id")]

    def start(self, leader: Leader, instrument: Instrument, created_at: str | None = None) -> int:
        """Start an assessment of the leader on ``instrument`` (its snapshot stored if new), made now
        or at ``created_at``; its id. Inside the caller's transaction, saved (or not) with it."""
        with self.db.writing() as c:
            row_id = self.snapshots.save(c, instrument)
            cur = c.execute(
                "INSERT INTO assessments (leader_id, instrument_row, created_at) VALUES (?, ?, ?)",
                (leader.id, row_id, created_at or clock.now()),
            )
        return int(cur.lastrowid or 0)

    def current_or_new(self, leader: Leader, instrument: Instrument, new: bool = False) -> Assessment:
        """The leader's current assessment on this instrument id, created when there is none (or ``new``).

        An existing assessment keeps the instrument snapshot it started with,
        even when the YAML file has changed since.
        """
        if not new:
            existing = self.current_or_none(leader, instrument.id)
            if existing is not None:
                return existing
        return self.by_id(self.start(leader, instrument))

    def find(self, leader: Leader, content_hash: str, created_at: str, nth: int = 1) -> Assessment | None:
        """The leader's ``nth`` assessment (oldest first) on this snapshot made at ``created_at``, or None.

        ``nth`` tells apart rounds started in the same second on the same snapshot.
        """
        rows = self.db.conn.execute(
            _SELECT + "WHERE a.leader_id = ? AND i.content_hash = ? AND a.created_at = ? "
            "ORDER BY a.id LIMIT 1 OFFSET ?",
            (leader.id, content_hash, created_at, nth - 1),
        ).fetchall()
        return _assessment(rows[0]) if rows else None

    def ensure(self, leader: Leader, instrument: Instrument, created_at: str, nth: int = 1) -> Assessment:
        """The round an export names: found by ``find``, else created with that ``created_at``.

        Finding it again is what makes importing the same export twice change nothing.
        """
        if nth < 1:
            raise StoreError(f"an assessment round is counted from 1, not {nth}")
        with self.db.transaction():
            found = self.find(leader, instrument.content_hash, created_at, nth)
            while found is None:
                self.start(leader, instrument, created_at)
                found = self.find(leader, instrument.content_hash, created_at, nth)
        return found

    def last_answered(self, assessment: Assessment) -> str | None:
        """When the newest answer to the assessment was given (ISO 8601), or None before any.

        Imported answers carry their survey's submission time when the file has
        one, so this is when raters answered, not when the file was imported.
        """
        row = self.db.conn.execute(
            "SELECT MAX(ans.answered_at) FROM answers ans JOIN responses r ON r.id = ans.response_id "
            "WHERE r.assessment_id = ?",
            (assessment.id,),
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    def instrument(self, assessment: Assessment) -> Instrument:
        """The exact instrument snapshot an assessment was made with."""
        found = self.snapshots.instrument(assessment.instrument_hash)
        assert found is not None, "every assessment's snapshot is stored with it"
        return found
