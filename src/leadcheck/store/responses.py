"""Responses: one rater's answers and comments about one assessment, read in batches and saved."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

from leadcheck.base.errors import NotFoundError
from leadcheck.base.responses import Answer, Response
from leadcheck.store import clock
from leadcheck.store.assessments import Assessment
from leadcheck.store.connection import Connection
from leadcheck.store.raters import RaterIdentities

# Responses read together: their answers and comments come in one query each. Below SQLite's
# smallest limit on bound values (999), and enough that a query's own cost is spread thin.
BATCH = 500


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


# The id column of the answers and of the comments tables.
_ID_COLUMNS = {"answers": "item_id", "comments": "question_id"}


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


class Responses:
    """The workspace's responses (``store.responses``); raters are named by ``raters``' keyed hashes."""

    def __init__(self, db: Connection, raters: RaterIdentities) -> None:
        self.db = db
        self.raters = raters

    def _load(self, rows: Sequence[sqlite3.Row]) -> list[Response]:
        """The responses of these ``responses`` rows, with answers and comments: two queries per BATCH rows."""
        out: list[Response] = []
        for start in range(0, len(rows), BATCH):
            out += _load_batch(self.db.conn, rows[start : start + BATCH])
        return out

    def of_assessment(self, assessment: Assessment, submitted_only: bool = False) -> list[Response]:
        """Every response to the assessment with at least one answer or comment, oldest first."""
        sql = "SELECT * FROM responses WHERE assessment_id = ?"
        if submitted_only:
            sql += " AND submitted_at IS NOT NULL"
        rows = self.db.conn.execute(sql + " ORDER BY id", (assessment.id,)).fetchall()
        return [r for r in self._load(rows) if r.answers or r.comments]

    def by_id(self, response_id: int) -> Response:
        row = self.db.conn.execute("SELECT * FROM responses WHERE id = ?", (response_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no response {response_id}")
        return self._load([row])[0]

    def every(self) -> Iterator[tuple[sqlite3.Row, Response]]:
        """Every response with its ``responses`` row, oldest first, streamed BATCH at a time.

        Three queries per BATCH responses, however they are spread over leaders;
        memory holds one batch.
        """
        last = 0
        while True:
            rows = self.db.conn.execute(
                "SELECT * FROM responses WHERE id > ? ORDER BY id LIMIT ?", (last, BATCH)
            ).fetchall()
            if not rows:
                return
            yield from zip(rows, _load_batch(self.db.conn, rows), strict=True)
            last = rows[-1]["id"]

    def ids_beyond(self, table: str, known: Mapping[str, object]) -> list[str]:
        """Item ids (``table`` "answers") or question ids ("comments") stored but not in ``known``, in
        the order responses first give them. Answers outside every snapshot are rare: the usual case
        is one scan in SQLite, with nothing to order."""
        column = _ID_COLUMNS[table]
        conn = self.db.conn
        stored = [row[0] for row in conn.execute(f"SELECT DISTINCT {column} FROM {table}")]  # noqa: S608
        extra = [i for i in stored if i not in known]
        if not extra:
            return []
        marks = ",".join("?" * len(extra))
        sql = f"SELECT {column} FROM {table} WHERE {column} IN ({marks}) ORDER BY response_id, rowid"  # noqa: S608
        return list(dict.fromkeys(row[0] for row in conn.execute(sql, extra)))

    def group_of(self, assessment: Assessment, rater: str) -> str | None:
        """The rater group ``rater`` (a keyed hash) answered the assessment in, or None."""
        row = self.db.conn.execute(
            "SELECT rater_group FROM responses WHERE assessment_id = ? AND rater_hash = ?",
            (assessment.id, rater),
        ).fetchone()
        return str(row[0]) if row else None

    def raters_of(self, assessment_id: int) -> dict[str, str]:
        """Every rater (keyed hash) who answered the assessment (a round or a pulse), with their group."""
        rows = self.db.conn.execute(
            "SELECT rater_hash, rater_group FROM responses WHERE assessment_id = ?", (assessment_id,)
        )
        return {str(r[0]): str(r[1]) for r in rows}

    def _rows(self, raters: Collection[tuple[int, str]]) -> list[sqlite3.Row]:
        """The ``responses`` rows of these (assessment id, rater hash) pairs: one query."""
        if not raters:
            return []
        ids = sorted({a for a, _ in raters})
        hashes = sorted({h for _, h in raters})
        sql = "SELECT * FROM responses WHERE assessment_id IN ({}) AND rater_hash IN ({})".format(  # noqa: S608
            ",".join("?" * len(ids)), ",".join("?" * len(hashes))
        )
        found = self.db.conn.execute(sql, [*ids, *hashes])
        return [row for row in found if (row["assessment_id"], row["rater_hash"]) in raters]

    def stored(self, raters: Collection[tuple[int, str]]) -> dict[tuple[int, str], Response]:
        """The stored responses of these (assessment id, rater hash) pairs, by pair, with their
        answers and comments: three queries for up to WRITE_BATCH pairs."""
        rows = self._rows(raters)
        return {
            (row["assessment_id"], row["rater_hash"]): resp
            for row, resp in zip(rows, self._load(rows), strict=True)
        }

    def replace_many(self, replaced: Sequence[int], new: Sequence[NewResponse]) -> None:
        """Remove the responses ``replaced`` (ids) with their answers and comments, then store complete
        responses ``new`` (each at most WRITE_BATCH, no rater twice in an assessment): one statement
        to remove, one executemany each for the responses, their answers and their comments, and one
        query for the new ids. Blank comments are left out. Inside the caller's transaction, if any."""
        with self.db.writing() as c:
            if replaced:
                marks = ",".join("?" * len(replaced))
                c.execute(f"DELETE FROM responses WHERE id IN ({marks})", list(replaced))  # noqa: S608
            if new:
                self._insert_many(c, new)

    def _insert_many(self, c: sqlite3.Connection, new: Sequence[NewResponse]) -> None:
        c.executemany(
            "INSERT INTO responses (assessment_id, rater_group, rater_hash, started_at, submitted_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(r.assessment_id, r.group, r.rater, r.stamp, r.stamp) for r in new],
        )
        ids = {
            (row["assessment_id"], row["rater_hash"]): row["id"]
            for row in self._rows({(r.assessment_id, r.rater) for r in new})
        }
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

    # -- one answer at a time (interactive flows) ------------------------------------------

    def open(self, assessment: Assessment, group: str, rater_identity: str) -> int:
        """The id of this rater's response to the assessment, started if new (stored under the
        identity's keyed hash)."""
        rater = self.raters.hash(rater_identity)
        with self.db.transaction() as c:
            c.execute(
                "INSERT INTO responses (assessment_id, rater_group, rater_hash, started_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (assessment_id, rater_hash) DO NOTHING",
                (assessment.id, group, rater, clock.now()),
            )
            row = c.execute(
                "SELECT id FROM responses WHERE assessment_id = ? AND rater_hash = ?", (assessment.id, rater)
            ).fetchone()
        return int(row[0])

    def save_answer(self, response_id: int, item_id: str, value: Answer) -> None:
        """Save one answer at once (None: not observed)."""
        with self.db.transaction() as c:
            c.execute(
                "INSERT INTO answers (response_id, item_id, value, answered_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (response_id, item_id) DO UPDATE SET value = excluded.value, "
                "answered_at = excluded.answered_at",
                (response_id, item_id, value, clock.now()),
            )

    def save_comment(self, response_id: int, question_id: str, text: str) -> None:
        """Save one comment at once; a blank one removes the comment."""
        with self.db.transaction() as c:
            if text.strip():
                c.execute(
                    "INSERT INTO comments (response_id, question_id, text) VALUES (?, ?, ?) "
                    "ON CONFLICT (response_id, question_id) DO UPDATE SET text = excluded.text",
                    (response_id, question_id, text),
                )
            else:
                c.execute(
                    "DELETE FROM comments WHERE response_id = ? AND question_id = ?",
                    (response_id, question_id),
                )

    def submit(self, response_id: int) -> None:
        """Mark a response as finished."""
        with self.db.transaction() as c:
            c.execute("UPDATE responses SET submitted_at = ? WHERE id = ?", (clock.now(), response_id))
