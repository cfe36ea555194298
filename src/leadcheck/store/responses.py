"""Responses: one rater's answers and comments about one assessment, read in batches and saved."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from leadcheck.errors import NotFoundError
from leadcheck.responses import Answer, Response
from leadcheck.store import clock

if TYPE_CHECKING:
    from leadcheck.store.assessments import Assessment
    from leadcheck.store.workspace import Store

# Responses read together: their answers and comments come in one query each. Below SQLite's
# smallest limit on bound values (999), and enough that a query's own cost is spread thin.
BATCH = 500


def load(store: Store, rows: Sequence[sqlite3.Row]) -> list[Response]:
    """The responses of these ``responses`` rows, with answers and comments: two queries per BATCH rows."""
    out: list[Response] = []
    for start in range(0, len(rows), BATCH):
        out += _load_batch(store.conn, rows[start : start + BATCH])
    return out


def _load_batch(conn: sqlite3.Connection, rows: Sequence[sqlite3.Row]) -> list[Response]:
    ids = [row["id"] for row in rows]
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: a third of the time of sqlite3.Row here
    marks = ",".join("?" * len(ids))  # only these marks are formatted into the queries below
    answers: dict[int, dict[str, Answer]] = {i: {} for i in ids}
    comments: dict[int, dict[str, str]] = {i: {} for i in ids}
    answers_sql = f"SELECT response_id, item_id, value FROM answers WHERE response_id IN ({marks})"  # noqa: S608
    comments_sql = f"SELECT response_id, question_id, text FROM comments WHERE response_id IN ({marks})"  # noqa: S608
    for rid, item, value in cursor.execute(answers_sql + " ORDER BY rowid", ids):
        answers[rid][item] = value
    for rid, question, text in cursor.execute(comments_sql + " ORDER BY rowid", ids):
        comments[rid][question] = text
    return [
        Response(
            row["rater_group"],
            answers[row["id"]],
            comments[row["id"]],
            row["submitted_at"] or "",
            row["id"],
            row["rater_hash"],
        )
        for row in rows
    ]


def of_assessment(store: Store, assessment: Assessment, submitted_only: bool = False) -> list[Response]:
    """Every response to the assessment with at least one answer or comment, oldest first."""
    sql = "SELECT * FROM responses WHERE assessment_id = ?"
    if submitted_only:
        sql += " AND submitted_at IS NOT NULL"
    rows = store.conn.execute(sql + " ORDER BY id", (assessment.id,)).fetchall()
    return [r for r in load(store, rows) if r.answers or r.comments]


def by_id(store: Store, response_id: int) -> Response:
    row = store.conn.execute("SELECT * FROM responses WHERE id = ?", (response_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no response {response_id}")
    return load(store, [row])[0]


def every(store: Store) -> Iterator[tuple[sqlite3.Row, Response]]:
    """Every response with its ``responses`` row, oldest first, streamed BATCH at a time.

    Three queries per BATCH responses, however they are spread over leaders;
    memory holds one batch.
    """
    last = 0
    while True:
        rows = store.conn.execute(
            "SELECT * FROM responses WHERE id > ? ORDER BY id LIMIT ?", (last, BATCH)
        ).fetchall()
        if not rows:
            return
        yield from zip(rows, _load_batch(store.conn, rows), strict=True)
        last = rows[-1]["id"]


# The id column of the answers and of the comments tables.
_ID_COLUMNS = {"answers": "item_id", "comments": "question_id"}


def ids_beyond(store: Store, table: str, known: Mapping[str, object]) -> list[str]:
    """Item ids (``table`` "answers") or question ids ("comments") stored but not in ``known``, in the
    order responses first give them. Answers outside every snapshot are rare: the usual case is one
    scan in SQLite, with nothing to order."""
    column = _ID_COLUMNS[table]
    stored = [row[0] for row in store.conn.execute(f"SELECT DISTINCT {column} FROM {table}")]  # noqa: S608
    extra = [i for i in stored if i not in known]
    if not extra:
        return []
    marks = ",".join("?" * len(extra))
    sql = f"SELECT {column} FROM {table} WHERE {column} IN ({marks}) ORDER BY response_id, rowid"  # noqa: S608
    return list(dict.fromkeys(row[0] for row in store.conn.execute(sql, extra)))


def group_of(conn: sqlite3.Connection, assessment_id: int, rater: str) -> sqlite3.Row | None:
    """The id and rater group of the response of ``rater`` (a keyed hash) to the assessment, or None."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT id, rater_group FROM responses WHERE assessment_id = ? AND rater_hash = ?",
        (assessment_id, rater),
    ).fetchone()
    return row


# Responses written together: two IN lists of at most this many values stay below 999 bound values.
WRITE_BATCH = 400


@dataclass(frozen=True)
class NewResponse:
    """A complete response to store, submitted at ``stamp``, by ``rater`` (a keyed hash)."""

    assessment_id: int
    group: str
    rater: str
    stamp: str
    answers: Mapping[str, Answer]
    comments: Mapping[str, str]


def stored(
    conn: sqlite3.Connection, raters: Collection[tuple[int, str]]
) -> dict[tuple[int, str], sqlite3.Row]:
    """The stored responses of these (assessment id, rater hash) pairs, by pair: one query for up to
    WRITE_BATCH pairs."""
    if not raters:
        return {}
    ids = sorted({a for a, _ in raters})
    hashes = sorted({h for _, h in raters})
    sql = "SELECT * FROM responses WHERE assessment_id IN ({}) AND rater_hash IN ({})".format(  # noqa: S608
        ",".join("?" * len(ids)), ",".join("?" * len(hashes))
    )
    found = {(row["assessment_id"], row["rater_hash"]): row for row in conn.execute(sql, [*ids, *hashes])}
    return {pair: row for pair, row in found.items() if pair in raters}


def insert_many(c: sqlite3.Connection, new: Sequence[NewResponse]) -> None:
    """Store complete responses (at most WRITE_BATCH, no rater twice in an assessment): one
    executemany each for the responses, their answers and their comments, and one query for the new
    ids. Blank comments are left out."""
    if not new:
        return
    c.executemany(
        "INSERT INTO responses (assessment_id, rater_group, rater_hash, started_at, submitted_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [(r.assessment_id, r.group, r.rater, r.stamp, r.stamp) for r in new],
    )
    ids = {pair: row["id"] for pair, row in stored(c, {(r.assessment_id, r.rater) for r in new}).items()}
    c.executemany(
        "INSERT INTO answers (response_id, item_id, value, answered_at) VALUES (?, ?, ?, ?)",
        [
            (ids[r.assessment_id, r.rater], item, value, r.stamp)
            for r in new
            for item, value in r.answers.items()
        ],
    )
    c.executemany(
        "INSERT INTO comments (response_id, question_id, text) VALUES (?, ?, ?)",
        [
            (ids[r.assessment_id, r.rater], q, text)
            for r in new
            for q, text in r.comments.items()
            if text.strip()
        ],
    )


def delete_many(c: sqlite3.Connection, response_ids: Sequence[int]) -> None:
    """Remove responses (at most WRITE_BATCH), with their answers and comments: one statement."""
    if response_ids:
        marks = ",".join("?" * len(response_ids))
        c.execute(f"DELETE FROM responses WHERE id IN ({marks})", list(response_ids))  # noqa: S608


# -- one answer at a time (interactive flows) ----------------------------------------------


def open_response(store: Store, assessment: Assessment, group: str, rater: str) -> int:
    """The id of this rater's (a keyed hash) response to the assessment, started if new."""
    with store.transaction() as c:
        c.execute(
            "INSERT INTO responses (assessment_id, rater_group, rater_hash, started_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (assessment_id, rater_hash) DO NOTHING",
            (assessment.id, group, rater, clock.now()),
        )
        row = c.execute(
            "SELECT id FROM responses WHERE assessment_id = ? AND rater_hash = ?", (assessment.id, rater)
        ).fetchone()
    return int(row[0])


def save_answer(store: Store, response_id: int, item_id: str, value: Answer) -> None:
    """Save one answer at once (None: not observed)."""
    with store.transaction() as c:
        c.execute(
            "INSERT INTO answers (response_id, item_id, value, answered_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (response_id, item_id) DO UPDATE SET value = excluded.value, "
            "answered_at = excluded.answered_at",
            (response_id, item_id, value, clock.now()),
        )


def save_comment(store: Store, response_id: int, question_id: str, text: str) -> None:
    """Save one comment at once; a blank one removes the comment."""
    with store.transaction() as c:
        if text.strip():
            c.execute(
                "INSERT INTO comments (response_id, question_id, text) VALUES (?, ?, ?) "
                "ON CONFLICT (response_id, question_id) DO UPDATE SET text = excluded.text",
                (response_id, question_id, text),
            )
        else:
            c.execute(
                "DELETE FROM comments WHERE response_id = ? AND question_id = ?", (response_id, question_id)
            )


def submit(store: Store, response_id: int) -> None:
    """Mark a response as finished."""
    with store.transaction() as c:
        c.execute("UPDATE responses SET submitted_at = ? WHERE id = ?", (clock.now(), response_id))
