"""An import's staging area: one temporary SQLite database holding every response it keeps.

The checks across responses (a rater's later response replaces the
earlier, one snapshot per new leader, a rater keeps one group, ...) need
every row's leader, rater, instrument and place, but never at once: they
are queries over an index. So each row the plan keeps is one row of the
``kept`` table, not a Python object, and apply reads the rows back one
leader at a time: memory holds the rows of one query's page, never the
file's.

None of those checks needs the answers, so each response's answers,
comments and source go to the ``spooled`` table as they are read (``spool``),
apart from the rows the checks scan, and come back a batch at a time when
the plan is applied (``load_batch``): memory holds the answers of one batch.

The database is a file created readable by this user only and unlinked at
once, so nobody else can open it and it is gone when it is closed or the
process ends, however it ends; ``close`` (or the plan being let go of)
closes it. It never has a journal: nothing here is rolled back.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import tempfile
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from leadcheck.base.problems import Location
from leadcheck.base.responses import Answer, IncomingResponse
from leadcheck.importing.model import Parsed, Round
from leadcheck.instrument.model import SELF, Instrument
from leadcheck.store import leader_key

# Shared by every response kept without its answers and comments.
NO_ANSWERS: Mapping[str, Answer] = MappingProxyType({})
NO_COMMENTS: Mapping[str, str] = MappingProxyType({})

# The leader's 1st, 2nd, ... round on an instrument id (as an export numbers it), by leader key and id.
Rounds = Mapping[tuple[str, str, int], Round]

_SCHEMA = """
CREATE TABLE kept (
    seq INTEGER PRIMARY KEY,      -- file order, across the files of one import
    leader TEXT NOT NULL,         -- as the file writes it (trimmed)
    leader_key TEXT NOT NULL,     -- as leaders are compared (store.leader_key)
    instrument TEXT NOT NULL,     -- the content hash of the instrument the row was checked against
    instrument_id TEXT NOT NULL,
    in_round TEXT,                -- that hash again when an export names the row's round; else NULL
    round_created TEXT,
    round_number INTEGER,
    round_nth INTEGER,
    rater TEXT NOT NULL,          -- the rater as the store tells them apart; "" for the leader themself
    grp TEXT NOT NULL,
    rater_identity TEXT,
    submitted_at TEXT,
    cohort TEXT,
    path TEXT NOT NULL,
    line INTEGER NOT NULL,
    col INTEGER NOT NULL,
    part TEXT NOT NULL,
    identity_kind TEXT NOT NULL,
    campaign_rater INTEGER,
    spooled INTEGER NOT NULL,
    later INTEGER                 -- the seq of the same rater's later row, which replaces this one
);
CREATE INDEX kept_rater ON kept (leader_key, instrument_id, in_round, round_created, round_nth, rater, seq);
CREATE INDEX kept_leader ON kept (leader_key, instrument_id, seq);
CREATE INDEX kept_batch ON kept (instrument, leader_key, round_created, round_nth, seq);
CREATE TABLE anonymous (digest TEXT PRIMARY KEY, seen INTEGER NOT NULL) WITHOUT ROWID;
-- A response's answers, comments and source as JSON, by the number ``spool`` gave it (from 0).
CREATE TABLE spooled (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
"""

_INSERT = (
    "INSERT INTO kept (leader, leader_key, instrument, instrument_id, in_round, round_created, "
    "round_number, round_nth, rater, grp, rater_identity, submitted_at, cohort, path, line, col, part, "
    "identity_kind, campaign_rater, spooled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _open() -> sqlite3.Connection:
    """A new database in a file only this user can read, unlinked before anything is written to it."""
    fd, path = tempfile.mkstemp(prefix="leadcheck-import-", suffix=".db")
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    finally:
        os.close(fd)
        Path(path).unlink()
    try:
        # No journal: nothing here is ever rolled back (an import that fails drops it all), and
        # a journal would be a second file, with a name. The page cache is SQLite's default, so
        # memory stays the same however many rows and answers the file holds.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("PRAGMA cache_size = -2048")  # KiB (SQLite's default): in memory, whatever the rows
        conn.executescript(_SCHEMA)
        conn.execute("BEGIN")  # one transaction, never committed: the file goes with the connection
    except BaseException:
        conn.close()
        raise
    conn.row_factory = sqlite3.Row
    return conn


class Staging:
    """The rows of an import, in file order, each found again by its leader, rater or place, and
    their answers and comments, read back by number."""

    def __init__(self) -> None:
        self._conn = _open()
        self._finalizer = weakref.finalize(self, self._conn.close)  # closed with the plan
        self._instruments: dict[str, Instrument] = {}  # content hash -> the instrument (a few)
        self._last = 0
        self._spooled = 0  # the number the next spooled response gets

    def spool(self, parsed: Parsed) -> Parsed:
        """Put away ``parsed``'s answers, comments and source; the Parsed without them, numbered."""
        r = parsed.response
        body = json.dumps([r.answers, r.comments, r.source], ensure_ascii=False, separators=(",", ":"))
        number = self._spooled
        self._conn.execute("INSERT INTO spooled (id, body) VALUES (?, ?)", (number, body))
        self._spooled += 1
        light = dataclasses.replace(r, answers=NO_ANSWERS, comments=NO_COMMENTS, source="")
        return dataclasses.replace(parsed, response=light, spooled=number)

    def load(self, parsed: Parsed) -> Parsed:
        """``parsed`` with its answers, comments and source back (as it was before ``spool``)."""
        return self.load_batch([parsed])[0]

    def load_batch(self, batch: Sequence[Parsed]) -> list[Parsed]:
        """Each of ``batch`` (at most 900) with its answers, comments and source back: one query."""
        numbers = [p.spooled for p in batch if p.spooled >= 0]
        bodies: dict[int, str] = {}
        if numbers:
            marks = ",".join("?" * len(numbers))
            sql = f"SELECT id, body FROM spooled WHERE id IN ({marks})"  # noqa: S608 (only marks)
            bodies = dict(self._conn.execute(sql, numbers).fetchall())
        return [_with_answers(p, bodies[p.spooled]) if p.spooled >= 0 else p for p in batch]

    @property
    def last(self) -> int:
        """The number of the last row added (0: none yet); rows added later number above it."""
        return self._last

    def add(self, p: Parsed) -> None:
        """Keep a response the plan has checked on its own (its answers already spooled)."""
        r, inst, in_round = p.response, p.instrument, p.round
        self._instruments.setdefault(inst.content_hash, inst)
        where = p.where
        # Normalised as the store normalises it before hashing.
        rater = "" if r.group == SELF else (r.rater_identity or "").strip().casefold()
        cursor = self._conn.execute(
            _INSERT,
            (
                r.leader,
                leader_key(r.leader),
                inst.content_hash,
                inst.id,
                None if in_round is None else inst.content_hash,
                None if in_round is None else in_round.created_at,
                None if in_round is None else in_round.number,
                None if in_round is None else in_round.nth,
                rater,
                r.group,
                r.rater_identity,
                r.submitted_at,
                r.cohort,
                where.path,
                where.line,
                where.column,
                where.part,
                p.identity_kind,
                p.campaign_rater,
                p.spooled,
            ),
        )
        assert cursor.lastrowid is not None
        self._last = cursor.lastrowid

    def nth_anonymous(self, digest: str) -> int:
        """How many responses with this content digest were seen so far, this one included."""
        row = self._conn.execute("SELECT seen FROM anonymous WHERE digest = ?", (digest,)).fetchone()
        seen = 1 if row is None else int(row["seen"]) + 1
        self._conn.execute("INSERT OR REPLACE INTO anonymous (digest, seen) VALUES (?, ?)", (digest, seen))
        return seen

    def number_rounds(self, after: int, rounds: Rounds) -> None:
        """Give the rows added after row ``after`` the rounds an export numbered once it was read whole."""
        for (key, instrument_id, number), numbered in rounds.items():
            self._conn.execute(
                "UPDATE kept SET round_created = ?, round_nth = ? WHERE leader_key = ? AND instrument_id = ? "
                "AND seq > ? AND round_number = ?",
                (numbered.created_at, numbered.nth, key, instrument_id, after, number),
            )

    def replace_earlier(self) -> list[tuple[Parsed, Parsed]]:
        """Let a rater's later row (in file order) replace their earlier one about the same leader.

        The same rater: the same leader, instrument id, round (when an export
        names it) and rater. Each (earlier, later) pair, in the order of the
        index; only the last row of each rater is kept.
        """
        pairs: list[tuple[int, int]] = []
        previous: tuple[int, tuple[object, ...] | None] = (0, None)
        cursor = self._conn.execute(
            "SELECT seq, leader_key, instrument_id, in_round, round_created, round_nth, rater FROM kept "
            "ORDER BY leader_key, instrument_id, in_round, round_created, round_nth, rater, seq"
        )
        for row in cursor:
            rater = tuple(row)[1:]
            if rater == previous[1]:
                pairs.append((previous[0], row["seq"]))
            previous = (row["seq"], rater)
        self._conn.executemany("UPDATE kept SET later = ? WHERE seq = ?", ((b, a) for a, b in pairs))
        return [(self._row(a), self._row(b)) for a, b in pairs]

    # "later IS NULL" in a query: the rows kept in the end, those no later row of the same rater replaces.

    def __iter__(self) -> Iterator[Parsed]:
        """The rows kept, in file order."""
        return self._parsed("SELECT * FROM kept WHERE later IS NULL ORDER BY seq")

    def with_another_snapshot(self) -> Iterator[tuple[Parsed, Parsed]]:
        """(first, row): a row in a leader's current round checked against another snapshot of the
        instrument than their first such row was, in file order."""
        cursor = self._conn.execute(
            "SELECT f.seq AS first, p.seq AS row FROM "
            "(SELECT leader_key, instrument_id, MIN(seq) AS seq FROM kept WHERE later IS NULL "
            "AND round_created IS NULL GROUP BY leader_key, instrument_id) AS g "
            "JOIN kept AS f ON f.seq = g.seq "
            "JOIN kept AS p ON p.leader_key = g.leader_key AND p.instrument_id = g.instrument_id "
            "WHERE p.later IS NULL AND p.round_created IS NULL AND p.instrument != f.instrument "
            "ORDER BY p.seq"
        )
        for row in cursor.fetchall():  # one per such row: each is also a problem
            yield self._row(row["first"]), self._row(row["row"])

    def in_current_round(self, leader: str, instrument_id: str) -> Iterator[Parsed]:
        """The rows for a leader's current round (no round named) on an instrument id, in file order."""
        return self._parsed(
            "SELECT * FROM kept WHERE leader_key = ? AND instrument_id = ? AND later IS NULL "
            "AND round_created IS NULL ORDER BY seq",
            (leader_key(leader), instrument_id),
        )

    def of_leader(self, leader: str) -> Iterator[Parsed]:
        """The rows about a leader, in file order."""
        return self._parsed(
            "SELECT * FROM kept WHERE leader_key = ? AND later IS NULL ORDER BY seq", (leader_key(leader),)
        )

    def first_of_each_leader(self) -> Iterator[tuple[str, Location]]:
        """Each leader's name as first written, and where, in the order they first appear."""
        cursor = self._conn.execute(
            "SELECT leader, path, line, col, part, MIN(seq) AS first FROM kept "
            "WHERE later IS NULL GROUP BY leader_key ORDER BY first"
        )
        for row in cursor:
            yield row["leader"], _location(row)

    def batches(self) -> Iterator[tuple[Instrument, Round | None, Iterator[Parsed]]]:
        """The rows by instrument snapshot, leader and round, each batch in file order, batches in
        the order they first appear: how apply stores them, one leader at a time."""
        groups = self._conn.execute(
            "SELECT instrument, leader_key, round_created, round_nth, MIN(seq) AS first FROM kept "
            "WHERE later IS NULL GROUP BY instrument, leader_key, round_created, round_nth ORDER BY first"
        )
        for group in groups:
            rows = self._parsed(
                "SELECT * FROM kept WHERE instrument = ? AND leader_key = ? AND round_created IS ? "
                "AND round_nth IS ? AND later IS NULL ORDER BY seq",
                tuple(group)[:4],
            )
            first = next(rows)
            yield first.instrument, first.round, _chain(first, rows)

    def campaign_raters(self) -> list[int]:
        """The roster rows of the returned questionnaires kept, in file order."""
        cursor = self._conn.execute(
            "SELECT campaign_rater FROM kept WHERE later IS NULL AND campaign_rater IS NOT NULL ORDER BY seq"
        )
        return [int(row[0]) for row in cursor]

    def close(self) -> None:
        """Let go of the database (and its file); the rows and answers are gone."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def _row(self, seq: int) -> Parsed:
        return next(self._parsed("SELECT * FROM kept WHERE seq = ?", (seq,)))

    def _parsed(self, query: str, args: tuple[object, ...] = ()) -> Iterator[Parsed]:
        for row in self._conn.execute(query, args):
            yield self._from(row)

    def _from(self, row: sqlite3.Row) -> Parsed:
        """The Parsed ``add`` was given (without its answers, comments and source: see ``load``)."""
        response = IncomingResponse(
            leader=row["leader"],
            group=row["grp"],
            answers=NO_ANSWERS,
            comments=NO_COMMENTS,
            source="",
            rater_identity=row["rater_identity"],
            submitted_at=row["submitted_at"],
            cohort=row["cohort"],
        )
        created = row["round_created"]
        return Parsed(
            self._instruments[row["instrument"]],
            response,
            _location(row),
            row["identity_kind"],
            None if created is None else Round(created, row["round_number"], row["round_nth"]),
            row["campaign_rater"],
            row["spooled"],
        )


def _location(row: sqlite3.Row) -> Location:
    return Location(row["path"], row["line"], row["col"], row["part"])


def _chain(first: Parsed, rest: Iterator[Parsed]) -> Iterator[Parsed]:
    yield first
    yield from rest


def _with_answers(parsed: Parsed, body: str) -> Parsed:
    answers, comments, source = json.loads(body)
    typed: dict[str, Answer] = answers
    response = dataclasses.replace(parsed.response, answers=typed, comments=comments, source=source)
    return dataclasses.replace(parsed, response=response, spooled=-1)
