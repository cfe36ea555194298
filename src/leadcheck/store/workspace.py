"""The workspace as one object: the connection, with each kind of record's part a method away."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from leadcheck.instrument.model import Instrument
from leadcheck.responses import Answer, Response
from leadcheck.store import assessments, leaders, responses
from leadcheck.store.assessments import Assessment
from leadcheck.store.connection import Connection
from leadcheck.store.leaders import Leader
from leadcheck.store.plans import Plans
from leadcheck.store.raters import RaterIdentities
from leadcheck.store.snapshots import Snapshots


class Store(Connection):
    """A workspace file. Open with ``Store.open(path)``; use as a context manager.

    The rules live in the part modules (``leaders``, ``assessments``,
    ``responses``, ``snapshots``, ``raters``, ``plans``); the methods here only pass
    the workspace to them, so callers need one object.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        super().__init__(conn, path)
        self.raters = RaterIdentities(self)
        self.snapshots = Snapshots(self)
        self.plans = Plans(self)

    @property
    def key_replaced(self) -> bool:
        """The key file was missing and a new key made for a workspace with answers (see ``raters``)."""
        return self.raters.key_replaced

    @key_replaced.setter
    def key_replaced(self, value: bool) -> None:  # the CLI clears it once it has said so
        self.raters.key_replaced = value

    def rater_hash(self, identity: str) -> str:
        """A keyed hash (HMAC-SHA256 with this workspace's key, kept outside the file) of a rater's identity."""
        return self.raters.hash(identity)

    # -- leaders -------------------------------------------------------------------

    def find_leader(self, name: str) -> Leader | None:
        """The leader called ``name``, case and spacing aside (the exact spelling first), or None."""
        return leaders.find(self, name)

    def get_leader(self, name: str) -> Leader:
        """The leader called ``name``; NotFoundError with a suggestion otherwise."""
        return leaders.get(self, name)

    def ensure_leader(self, name: str, cohort: str | None = None) -> Leader:
        """The leader called ``name``, created if new; sets the cohort when one is given."""
        return leaders.ensure(self, name, cohort)

    def leaders(self, cohort: str | None = None) -> list[Leader]:
        """Every leader (of ``cohort`` when given), by name."""
        return leaders.every(self, cohort)

    def cohorts(self) -> list[str]:
        return leaders.cohorts(self)

    def last_activity(self, leader: Leader) -> str:
        """When anything was last recorded for the leader (added, assessed, answered, submitted), ISO 8601."""
        return leaders.last_activity(self, leader)

    # -- assessments and their snapshots --------------------------------------------

    def assessments(self, leader: Leader, instrument_id: str | None = None) -> list[Assessment]:
        """The leader's assessments, oldest first."""
        return assessments.of_leader(self, leader, instrument_id)

    def current_assessment(self, leader: Leader, instrument_id: str | None = None) -> Assessment:
        """The leader's current (newest) assessment, on ``instrument_id`` when given; NotFoundError before any."""
        return assessments.current(self, leader, instrument_id)

    def assessment_for(self, leader: Leader, instrument: Instrument, new: bool = False) -> Assessment:
        """The leader's current assessment on this instrument id, created when there is none (or ``new``)."""
        return assessments.current_or_new(self, leader, instrument, new)

    def find_assessment(
        self, leader: Leader, content_hash: str, created_at: str, nth: int = 1
    ) -> Assessment | None:
        """The leader's ``nth`` assessment on this snapshot made at ``created_at``, or None."""
        return assessments.find(self, leader, content_hash, created_at, nth)

    def ensure_assessment(
        self, leader: Leader, instrument: Instrument, created_at: str, nth: int = 1
    ) -> Assessment:
        """The round an export names, found or created (see ``assessments.ensure``)."""
        return assessments.ensure(self, leader, instrument, created_at, nth)

    def last_answered(self, assessment: Assessment) -> str | None:
        """When the newest answer to the assessment was given (ISO 8601), or None before any."""
        return assessments.last_answered(self, assessment)

    def instrument(self, assessment: Assessment) -> Instrument:
        """The exact instrument snapshot an assessment was made with."""
        found = self.snapshots.instrument(assessment.instrument_hash)
        assert found is not None, "every assessment's snapshot is stored with it"
        return found

    def instrument_sources(self) -> Iterator[tuple[str, str]]:
        """(content hash, YAML text) of every stored instrument snapshot."""
        return self.snapshots.sources()

    # -- responses -----------------------------------------------------------------

    def responses(self, assessment: Assessment, submitted_only: bool = False) -> list[Response]:
        """Every response to the assessment with at least one answer or comment, oldest first."""
        return responses.of_assessment(self, assessment, submitted_only)

    def response(self, response_id: int) -> Response:
        return responses.by_id(self, response_id)

    def open_response(self, assessment: Assessment, group: str, rater_identity: str) -> int:
        """The id of this rater's response to the assessment, started if new."""
        return responses.open_response(self, assessment, group, self.raters.hash(rater_identity))

    def save_answer(self, response_id: int, item_id: str, value: Answer) -> None:
        """Save one answer at once (None: not observed)."""
        responses.save_answer(self, response_id, item_id, value)

    def save_comment(self, response_id: int, question_id: str, text: str) -> None:
        responses.save_comment(self, response_id, question_id, text)

    def submit_response(self, response_id: int) -> None:
        """Mark a response as finished."""
        responses.submit(self, response_id)
