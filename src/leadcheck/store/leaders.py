"""Leaders: the rules for their names, and finding, listing and adding them (by an indexed key)."""

from __future__ import annotations

import difflib
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from leadcheck.errors import NotFoundError, StoreError
from leadcheck.names import JOINERS, MAX_NAME, name_problem
from leadcheck.store import clock

if TYPE_CHECKING:
    from leadcheck.store.connection import Connection

MAX_LEADER_NAME = MAX_NAME
_JOINERS = JOINERS


def leader_key(name: str) -> str:
    """A leader's name as compared: case, runs of whitespace, joiners and width ignored
    ("ana  lopez", and "Ana Lopez" in full-width letters, are "Ana Lopez")."""
    return " ".join(
        unicodedata.normalize("NFKC", name.translate(dict.fromkeys(map(ord, _JOINERS)))).split()
    ).casefold()


def leader_name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a leader's name (what was found, what was expected), or None."""
    return name_problem(name, "leader name")


def cohort_name_problem(cohort: str) -> str | None:
    """What is wrong with ``cohort`` as a cohort's name (the same rule as every name), or None."""
    if not cohort.strip():
        return "a cohort name is empty; expected a name such as spring-2027, or no --cohort"
    return name_problem(cohort, "cohort name")


def checked_cohort(cohort: str | None) -> str | None:
    """``cohort`` as stored; StoreError when it cannot be a cohort's name."""
    if cohort is None:
        return None
    problem = cohort_name_problem(cohort)
    if problem is not None:
        raise StoreError(problem)
    return cohort


@dataclass(frozen=True)
class Leader:
    """A person being assessed."""

    id: int
    name: str
    cohort: str | None


def checked_name(name: str) -> str:
    """``name`` as stored (surrounding spaces dropped); StoreError when it cannot be a leader's name."""
    name = name.strip()
    problem = leader_name_problem(name) if name else "a leader needs a name"
    if problem is not None:
        raise StoreError(problem)
    return name


def _leader(row: sqlite3.Row) -> Leader:
    return Leader(row["id"], row["name"], row["cohort"])


def find_row(db: Connection, name: str) -> sqlite3.Row | None:
    """The exact name first; else the oldest leader whose name differs only in case and spacing.

    One indexed query: the stored ``name_key`` is ``leader_key(name)`` (migration 4).
    """
    name = name.strip()
    key = leader_key(name)
    if not key:  # nothing to compare loosely: only the very same name
        row: sqlite3.Row | None = db.conn.execute("SELECT * FROM leaders WHERE name = ?", (name,)).fetchone()
        return row
    return db.conn.execute(  # type: ignore[no-any-return]
        "SELECT * FROM leaders WHERE name_key = ? ORDER BY name = ? DESC, id LIMIT 1", (key, name)
    ).fetchone()


def find(db: Connection, name: str) -> Leader | None:
    """The leader called ``name``, case and spacing aside (the exact spelling first), or None."""
    row = find_row(db, name)
    return _leader(row) if row else None


def by_id(db: Connection, leader_id: int) -> Leader:
    return _leader(db.conn.execute("SELECT * FROM leaders WHERE id = ?", (leader_id,)).fetchone())


def get(db: Connection, name: str) -> Leader:
    """The leader called ``name``; NotFoundError with a suggestion otherwise."""
    leader = find(db, name)
    if leader is None:
        names = [r[0] for r in db.conn.execute("SELECT name FROM leaders ORDER BY name")]
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        hint = f'did you mean "{close[0]}"?' if close else "see `leadcheck leaders`"
        raise NotFoundError(f'no leader "{name}" in {db.path}; {hint}')
    return leader


def insert(c: sqlite3.Connection, name: str, cohort: str | None) -> int:
    """Add a leader (``name`` already checked, see ``checked_name``); its id."""
    cohort = checked_cohort(cohort)
    cur = c.execute(
        "INSERT INTO leaders (name, name_key, cohort, created_at) VALUES (?, ?, ?, ?)",
        (name, leader_key(name), cohort, clock.now()),
    )
    return int(cur.lastrowid or 0)


def set_cohort(c: sqlite3.Connection, leader_id: int, cohort: str) -> None:
    c.execute("UPDATE leaders SET cohort = ? WHERE id = ?", (checked_cohort(cohort), leader_id))


def ensure(db: Connection, name: str, cohort: str | None = None) -> Leader:
    """The leader called ``name``, created if new; sets the cohort when one is given."""
    name = checked_name(name)
    with db.transaction() as c:
        row = find_row(db, name)
        leader_id = insert(c, name, cohort) if row is None else int(row["id"])
        if cohort is not None and (row is None or row["cohort"] != cohort):
            set_cohort(c, leader_id, cohort)
    return by_id(db, leader_id)


def every(db: Connection, cohort: str | None = None) -> list[Leader]:
    """Every leader (of ``cohort`` when given), by name."""
    if cohort is None:
        rows = db.conn.execute("SELECT * FROM leaders ORDER BY name")
    else:
        rows = db.conn.execute("SELECT * FROM leaders WHERE cohort = ? ORDER BY name", (cohort,))
    return [_leader(r) for r in rows]


def cohorts(db: Connection) -> list[str]:
    return [
        r[0]
        for r in db.conn.execute(
            "SELECT DISTINCT cohort FROM leaders WHERE cohort IS NOT NULL ORDER BY cohort"
        )
    ]


def last_activity(db: Connection, leader: Leader) -> str:
    """When anything was last recorded for the leader (added, assessed, answered, submitted), ISO 8601."""
    row = db.conn.execute(
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
