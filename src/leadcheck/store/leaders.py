"""Leaders: the rules for their names, and finding, listing and adding them (by an indexed key)."""

from __future__ import annotations

import difflib
import json
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from leadcheck.errors import NotFoundError, StoreError
from leadcheck.store import clock

if TYPE_CHECKING:
    from leadcheck.store.connection import Connection

# Longer than this, a "name" is a pasted paragraph or a column of the wrong kind.
MAX_LEADER_NAME = 200

# Joiners shape letters in Arabic, Persian and Indic names; they are allowed, but never tell
# two names apart.
_JOINERS = "\u200c\u200d"


def leader_key(name: str) -> str:
    """A leader's name as compared: case, runs of whitespace, joiners and width ignored
    ("ana  lopez", and "Ana Lopez" in full-width letters, are "Ana Lopez")."""
    return " ".join(
        unicodedata.normalize("NFKC", name.translate(dict.fromkeys(map(ord, _JOINERS)))).split()
    ).casefold()


def _spoofing_character(name: str) -> str | None:
    """The first character of ``name`` that changes how a name looks without being seen
    (right-to-left overrides, zero-width spaces) or imitates ordinary letters (full-width
    Latin), as the code point and its Unicode name (``U+202E RIGHT-TO-LEFT OVERRIDE``); None when there is none."""
    for ch in name:
        if (unicodedata.category(ch) == "Cf" and ch not in _JOINERS) or "\uff01" <= ch <= "\uff5e":
            return f"U+{ord(ch):04X} {unicodedata.name(ch, 'FORMAT CHARACTER')}"
    return None


def leader_name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a leader's name (what was found, what was expected), or None."""
    # JSON's quoting escapes line breaks and tabs: the message stays on one line.
    shown = "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch) == "Cf" else ch
        for ch in json.dumps(name, ensure_ascii=False)
    )
    if len(shown) > 60:
        shown = shown[:56] + '..."'
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in name):
        return (
            f"leader name {shown} holds a line break, tab or other control character; "
            "expected a name on one line"
        )
    spoof = _spoofing_character(name)
    if spoof is not None:
        return (
            f"leader name {shown} holds {spoof}, which changes how the name is shown or imitates "
            "ordinary letters; type the name with ordinary characters"
        )
    length = len(name.strip())
    if length > MAX_LEADER_NAME:
        return f"leader name {shown} is {length} characters long; expected at most {MAX_LEADER_NAME}"
    return None


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
    cur = c.execute(
        "INSERT INTO leaders (name, name_key, cohort, created_at) VALUES (?, ?, ?, ?)",
        (name, leader_key(name), cohort, clock.now()),
    )
    return int(cur.lastrowid or 0)


def set_cohort(c: sqlite3.Connection, leader_id: int, cohort: str) -> None:
    c.execute("UPDATE leaders SET cohort = ? WHERE id = ?", (cohort, leader_id))


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
