"""The campaign roster: nominated raters of each leader, and the tokens of the forms they were sent.

The rules (which addresses are valid, how tokens look, what a nomination
file holds) live in ``leadcheck.campaign.roster``; this holds the rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from leadcheck.store import clock
from leadcheck.store.connection import Connection

NOMINATED, INVITED, RETURNED, REMOVED = "nominated", "invited", "returned", "removed"
STATES = (NOMINATED, INVITED, RETURNED, REMOVED)


@dataclass(frozen=True)
class RosterRater:
    """One nominated rater of one leader, as the coach sees them."""

    id: int
    leader: str
    leader_id: int
    cohort: str | None
    name: str
    email: str
    group: str
    state: str
    due_date: str | None
    invited_at: str | None
    reminded_at: str | None
    returned_at: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "leader": self.leader,
            "cohort": self.cohort,
            "name": self.name,
            "email": self.email,
            "group": self.group,
            "state": self.state,
            "due_date": self.due_date,
            "invited_at": self.invited_at,
            "reminded_at": self.reminded_at,
            "returned_at": self.returned_at,
        }


def _rater(row: sqlite3.Row) -> RosterRater:
    return RosterRater(
        row["id"],
        row["leader"],
        row["leader_id"],
        row["cohort"],
        row["name"] or "",
        row["email"] or "",
        row["rater_group"],
        row["state"],
        row["due_date"],
        row["invited_at"],
        row["reminded_at"],
        row["returned_at"],
    )


_SELECT = (
    "SELECT r.*, l.name AS leader, l.cohort FROM campaign_raters r JOIN leaders l ON l.id = r.leader_id "
)


class Roster:
    """The roster's rows and tokens (``store.roster``). Writes join the caller's transaction, if any."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def nominate(self, leader_id: int, name: str, email: str, group: str) -> None:
        """Add a rater to a leader's roster, nominated now."""
        with self.db.writing() as c:
            c.execute(
                "INSERT INTO campaign_raters (leader_id, name, email, rater_group, state, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (leader_id, name, email, group, NOMINATED, clock.now()),
            )

    def raters(
        self, leader_id: int | None = None, cohort: str | None = None, include_removed: bool = False
    ) -> list[RosterRater]:
        """The roster, by leader then group then id; one leader's or one cohort's when given."""
        sql = _SELECT + "WHERE 1 = 1"
        args: list[object] = []
        if leader_id is not None:
            sql += " AND r.leader_id = ?"
            args.append(leader_id)
        if cohort is not None:
            sql += " AND l.cohort = ?"
            args.append(cohort)
        if not include_removed:
            sql += f" AND r.state != '{REMOVED}'"
        rows = self.db.conn.execute(sql + " ORDER BY l.name, r.leader_id, r.rater_group, r.id", args)
        return [_rater(r) for r in rows]

    def remove(self, rater_id: int) -> None:
        """Take a rater off: their name and email forgotten, their forms refused (state removed)."""
        with self.db.transaction() as c:
            c.execute(
                "UPDATE campaign_raters SET state = ?, name = NULL, email = NULL, removed_at = ? WHERE id = ?",
                (REMOVED, clock.now(), rater_id),
            )

    def delete_leader(self, leader_id: int) -> int:
        """Delete every roster row and token of one leader; how many raters were deleted."""
        with self.db.transaction() as c:
            return c.execute("DELETE FROM campaign_raters WHERE leader_id = ?", (leader_id,)).rowcount

    def delete_older_than(self, before: str) -> int:
        """Delete roster rows (and their tokens) nominated before ``before`` (ISO 8601); how many."""
        with self.db.transaction() as c:
            return c.execute("DELETE FROM campaign_raters WHERE created_at < ?", (before,)).rowcount

    def add_token(self, token_hash: str, rater_id: int, assessment_id: int) -> None:
        """Keep a form's token (its keyed hash only) for a rater and an assessment."""
        with self.db.writing() as c:
            c.execute(
                "INSERT INTO campaign_tokens (token_hash, rater_id, assessment_id, issued_at) VALUES (?, ?, ?, ?)",
                (token_hash, rater_id, assessment_id, clock.now()),
            )

    def token(self, token_hash: str) -> tuple[RosterRater, int] | None:
        """The rater and the assessment id of the form with this token hash, or None."""
        conn = self.db.conn
        row = conn.execute(
            "SELECT rater_id, assessment_id FROM campaign_tokens WHERE token_hash = ?", (token_hash,)
        ).fetchone()
        if row is None:
            return None
        rater = conn.execute(_SELECT + "WHERE r.id = ?", (row["rater_id"],)).fetchone()
        return _rater(rater), int(row["assessment_id"])

    def sent_for(self, assessment_id: int) -> set[int]:
        """The roster ids of the raters a form (a token) was issued to for the assessment or pulse."""
        rows = self.db.conn.execute(
            "SELECT DISTINCT rater_id FROM campaign_tokens WHERE assessment_id = ?", (assessment_id,)
        )
        return {int(r[0]) for r in rows}

    def has_token(self, token_hash: str) -> bool:
        row = self.db.conn.execute("SELECT 1 FROM campaign_tokens WHERE token_hash = ?", (token_hash,))
        return row.fetchone() is not None

    def delete_token(self, token_hash: str) -> None:
        with self.db.writing() as c:
            c.execute("DELETE FROM campaign_tokens WHERE token_hash = ?", (token_hash,))

    def mark_invited(self, rater_id: int, due_date: str | None, reminder: bool) -> None:
        """A rater sent their form now (or, ``reminder``, reminded of it)."""
        stamp = clock.now()
        with self.db.writing() as c:
            if reminder:
                c.execute(
                    "UPDATE campaign_raters SET reminded_at = ?, due_date = COALESCE(?, due_date) WHERE id = ?",
                    (stamp, due_date, rater_id),
                )
            else:
                c.execute(
                    "UPDATE campaign_raters SET state = ?, invited_at = ?, due_date = ? WHERE id = ?",
                    (INVITED, stamp, due_date, rater_id),
                )

    def restore(self, rater: RosterRater) -> None:
        """Put a rater's row back as ``rater`` shows it."""
        with self.db.writing() as c:
            c.execute(
                "UPDATE campaign_raters SET state = ?, invited_at = ?, reminded_at = ?, due_date = ? WHERE id = ?",
                (rater.state, rater.invited_at, rater.reminded_at, rater.due_date, rater.id),
            )

    def mark_returned(self, rater_ids: Sequence[int]) -> None:
        """Invited raters whose forms were imported (only the state says so, never when)."""
        with self.db.writing() as c:
            c.executemany(
                "UPDATE campaign_raters SET state = ? WHERE id = ? AND state = ?",
                [(RETURNED, rater_id, INVITED) for rater_id in rater_ids],
            )
