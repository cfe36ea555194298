"""Leaders: finding, listing and adding them (by an indexed key on their name, see ``leadernames``)."""

from __future__ import annotations

import difflib
import sqlite3
from dataclasses import dataclass

from leadcheck.base.errors import NotFoundError
from leadcheck.store import clock
from leadcheck.store.connection import Connection
from leadcheck.store.leadernames import checked_cohort, checked_name, leader_key


@dataclass(frozen=True)
class Leader:
    """A person being assessed."""

    id: int
    name: str
    cohort: str | None


def _leader(row: sqlite3.Row) -> Leader:
    return Leader(row["id"], row["name"], row["cohort"])


class Leaders:
    """The workspace's leaders (``store.leaders``)."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def _find_row(self, name: str) -> sqlite3.Row | None:
        """The exact name first; else the oldest leader whose name differs only in case and spacing.

        One indexed query: the stored ``name_key`` is ``leader_key(name)`` (migration 4).
        """
        name = name.strip()
        key = leader_key(name)
        if not key:  # nothing to compare loosely: only the very same name
            row: sqlite3.Row | None = self.db.conn.execute(
                "SELECT * FROM leaders WHERE name = ?", (name,)
            ).fetchone()
            return row
        return self.db.conn.execute(  # type: ignore[no-any-return]
            "SELECT * FROM leaders WHERE name_key = ? ORDER BY name = ? DESC, id LIMIT 1", (key, name)
        ).fetchone()

    def find(self, name: str) -> Leader | None:
        """The leader called ``name``, case and spacing aside (the exact spelling first), or None."""
        row = self._find_row(name)
        return _leader(row) if row else None

    def by_id(self, leader_id: int) -> Leader:
        return _leader(self.db.conn.execute("SELECT * FROM leaders WHERE id = ?", (leader_id,)).fetchone())

    def get(self, name: str) -> Leader:
        """The leader called ``name``; NotFoundError with a suggestion otherwise."""
        leader = self.find(name)
        if leader is None:
            names = [r[0] for r in self.db.conn.execute("SELECT name FROM leaders ORDER BY name")]
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            hint = f'did you mean "{close[0]}"?' if close else "see `leadcheck leaders`"
            raise NotFoundError(f'no leader "{name}" in {self.db.path}; {hint}')
        return leader

    def add(self, name: str, cohort: str | None) -> Leader:
        """Add a leader (``name`` already checked, see ``leadernames.checked_name``); StoreError for a
        cohort no leader may have. Inside the caller's transaction, saved (or not) with it."""
        cohort = checked_cohort(cohort)
        with self.db.writing() as c:
            cur = c.execute(
                "INSERT INTO leaders (name, name_key, cohort, created_at) VALUES (?, ?, ?, ?)",
                (name, leader_key(name), cohort, clock.now()),
            )
        return Leader(int(cur.lastrowid or 0), name, cohort)

    def set_cohort(self, leader: Leader, cohort: str) -> Leader:
        """The leader, moved to ``cohort`` (inside the caller's transaction, if any)."""
        with self.db.writing() as c:
            c.execute("UPDATE leaders SET cohort = ? WHERE id = ?", (checked_cohort(cohort), leader.id))
        return Leader(leader.id, leader.name, cohort)

    def ensure(self, name: str, cohort: str | None = None) -> Leader:
        """The leader called ``name``, created if new; sets the cohort when one is given."""
        name = checked_name(name)
        with self.db.transaction():
            found = self.find(name)
            leader = self.add(name, cohort) if found is None else found
            if cohort is not None and leader.cohort != cohort:
                self.set_cohort(leader, cohort)
        return self.by_id(leader.id)

    def every(self, cohort: str | None = None) -> list[Leader]:
        """Every leader (of ``cohort`` when given), by name."""
        if cohort is None:
            rows = self.db.conn.execute("SELECT * FROM leaders ORDER BY name")
        else:
            rows = self.db.conn.execute("SELECT * FROM leaders WHERE cohort = ? ORDER BY name", (cohort,))
        return [_leader(r) for r in rows]

    def cohorts(self) -> list[str]:
        """Every cohort a leader is in, by name."""
        return [
            r[0]
            for r in self.db.conn.execute(
                "SELECT DISTINCT cohort FROM leaders WHERE cohort IS NOT NULL ORDER BY cohort"
            )
        ]

    def last_activity(self, leader: Leader) -> str:
        """When anything was last recorded for the leader (added, assessed, answered, submitted), ISO 8601."""
        row = self.db.conn.execute(
            "SELECT MAX(t) FROM ("
            "SELECT created_at AS t FROM leaders WHERE id = :id "
            "UNION ALL SELECT created_at FROM assessments WHERE leader_id = :id "
            "UNION ALL SELECT MAX(r.started_at, COALESCE(r.submitted_at, '')) FROM responses r "
            "JOIN assessments a ON a.id = r.assessment_id WHERE a.leader_id = :id "
            "UNION ALL SELECT ans.answered_at FROM answers ans JOIN responses r ON r.id = ans.response_id "
            "JOIN assessments a ON a.id = r.assessment_id WHERE a.leader_id = :id)",
            {"id": leader.id},
        ).fetchone()
        return str(row[0])
