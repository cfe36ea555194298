"""The workspace: one SQLite file holding leaders, assessments, instrument snapshots and responses."""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from leadcheck.errors import ImportProblemError, NotFoundError, StoreError
from leadcheck.instrument.model import SELF, Instrument
from leadcheck.notices import notify
from leadcheck.responses import Answer, IncomingResponse, Response, content_digest

# How long a write waits for another process's write to end, in all; in steps of
# BUSY_STEP_MS, telling the user after the first step (notices.notify).
LOCK_WAIT_SECONDS = 120.0
BUSY_STEP_MS = 1000
# Any other statement that meets a lock (rare in WAL mode) waits this long.
BUSY_TIMEOUT_MS = 30_000
# SQLite's primary result codes (sqlite3.h), for error messages a user can act on.
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 10, 11, 13, 14, 26
# Below this much free space, an I/O error opening or writing the workspace is a full disk.
LOW_SPACE_BYTES = 4 * 1024 * 1024
# The rater identity of the leader themself: one self-assessment per assessment.
SELF_IDENTITY = "self"
# Longer than this, a "name" is a pasted paragraph or a column of the wrong kind.
MAX_LEADER_NAME = 200

# Each entry migrates the schema from version i to i + 1 (PRAGMA user_version).
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE instruments (
        id INTEGER PRIMARY KEY,
        instrument_id TEXT NOT NULL,
        version TEXT NOT NULL,
        content_hash TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE leaders (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        cohort TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX leaders_cohort ON leaders (cohort);
    CREATE TABLE assessments (
        id INTEGER PRIMARY KEY,
        leader_id INTEGER NOT NULL REFERENCES leaders (id) ON DELETE CASCADE,
        instrument_row INTEGER NOT NULL REFERENCES instruments (id),
        created_at TEXT NOT NULL
    );
    CREATE INDEX assessments_leader ON assessments (leader_id);
    CREATE TABLE responses (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
        rater_group TEXT NOT NULL,
        rater_hash TEXT NOT NULL,
        started_at TEXT NOT NULL,
        submitted_at TEXT,
        UNIQUE (assessment_id, rater_hash)
    );
    CREATE TABLE answers (
        response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        item_id TEXT NOT NULL,
        value INTEGER,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (response_id, item_id)
    );
    CREATE TABLE comments (
        response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (response_id, question_id)
    );
    """,
    # 2: the release ledger (leadcheck.releases). The rater key leaves the file (leadcheck.keys):
    # Store._migrate moves it out before this step deletes it.
    """
    CREATE TABLE releases (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
        released_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        file_digest TEXT NOT NULL,
        figures TEXT NOT NULL
    );
    CREATE INDEX releases_assessment ON releases (assessment_id);
    DELETE FROM meta WHERE key = 'rater_key';
    """,
    # 3: rater campaigns (leadcheck.campaign): the roster of nominated raters and the tokens of their
    # PDF questionnaires. Names and emails live only here; tokens are stored as keyed hashes.
    """
    INSERT OR IGNORE INTO meta (key, value) VALUES ('workspace_id', lower(hex(randomblob(16))));
    CREATE TABLE campaign_raters (
        id INTEGER PRIMARY KEY,
        leader_id INTEGER NOT NULL REFERENCES leaders (id) ON DELETE CASCADE,
        name TEXT,
        email TEXT,
        rater_group TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('nominated', 'invited', 'returned', 'removed')),
        due_date TEXT,
        created_at TEXT NOT NULL,
        invited_at TEXT,
        reminded_at TEXT,
        returned_at TEXT,
        removed_at TEXT,
        UNIQUE (leader_id, email)
    );
    CREATE INDEX campaign_raters_leader ON campaign_raters (leader_id);
    CREATE TABLE campaign_tokens (
        token_hash TEXT PRIMARY KEY,
        rater_id INTEGER NOT NULL REFERENCES campaign_raters (id) ON DELETE CASCADE,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
        issued_at TEXT NOT NULL
    );
    CREATE INDEX campaign_tokens_rater ON campaign_tokens (rater_id);
    """,
)


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


def now() -> str:
    """The current time, ISO 8601 in UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Leader:
    """A person being assessed."""

    id: int
    name: str
    cohort: str | None


@dataclass(frozen=True)
class Assessment:
    """One leader assessed on one instrument snapshot."""

    id: int
    leader: Leader
    instrument_id: str
    instrument_version: str
    instrument_hash: str
    created_at: str


@dataclass
class ImportSummary:
    """What an import did (or, in a dry run, would do)."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    new_leaders: list[str] = field(default_factory=list)
    per_leader: dict[str, dict[str, int]] = field(default_factory=dict)


class Store:
    """A workspace file. Open with ``Store.open(path)``; use as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.read_only = False
        self.lock_wait = LOCK_WAIT_SECONDS
        self._instrument_cache: dict[str, Instrument] = {}
        self._key: bytes | None = None
        # True when the key file was missing and a new key was made for a workspace with
        # answers: raters who answered before are no longer recognised when they answer again.
        self.key_replaced = False

    # -- opening -----------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, create: bool = True) -> Store:
        """Open (and create or migrate) the workspace at ``path``.

        Checked before anything is written: a file another program made is left
        byte for byte as it was; a damaged file is refused (SQLite's quick check);
        a workspace that cannot be written to (permissions, a read-only disk) is
        opened read-only, so commands that only read still work.
        """
        path = Path(path)
        if not create and not path.exists():
            raise NotFoundError(
                f"{path}: no workspace here; create one by collecting responses "
                "(leadcheck assess, import or demo), or choose another with --db"
            )
        if path.parent and not path.parent.exists():
            raise StoreError(f"{path}: the folder {path.parent} does not exist")
        if path.exists() and not path.is_file():
            raise StoreError(
                f"{path}: is not a file (a folder, a named pipe or a device); choose a file with --db"
            )
        read_only = path.exists() and not (
            os.access(path, os.W_OK) and os.access(path.parent if str(path.parent) else ".", os.W_OK)
        )
        try:
            return cls._open(path, read_only)
        except sqlite3.Error as e:
            if read_only or result_code(e) not in (SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM):
                raise database_error(e, path) from e
        try:  # the file or its folder turned out not to be writable (a read-only mount, say)
            return cls._open(path, read_only=True)
        except sqlite3.Error as e:
            raise database_error(e, path) from e

    @classmethod
    def _open(cls, path: Path, read_only: bool) -> Store:
        if read_only:
            # A read-only connection writes nothing, not even the -wal and -shm files when
            # the folder refuses them (immutable=1 then, as nothing else can write either).
            uri = f"{path.absolute().as_uri()}?mode=ro"
            if not os.access(path.parent if str(path.parent) else ".", os.W_OK):
                uri += "&immutable=1"
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        else:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Before anything writes: switching to WAL alone rewrites the file header.
            _refuse_foreign(conn, path)
            _refuse_damaged(conn, path)
            store = cls(conn, path)
            store.read_only = read_only
            if read_only:
                if store.schema_version > len(MIGRATIONS):
                    store._migrate()  # says: made by a newer leadcheck
                if store.schema_version < len(MIGRATIONS):
                    raise StoreError(
                        f"{path}: the workspace is read-only here and made by an older leadcheck; "
                        "open it once where it can be written to (a command that writes upgrades it)"
                    )
                return store
            conn.execute("PRAGMA foreign_keys = ON")
            # Deleted answers, comments and keys are overwritten, not left in free pages.
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            store._migrate()
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read_only(self) -> StoreError:
        return StoreError(
            f"{self.path}: the workspace is read-only here (file or folder permissions, or a "
            "read-only disk); this command needs to write to it: make it writable, or copy it "
            "to a folder you can write to and use --db"
        )

    @contextmanager
    def transaction(self, dry_run: bool = False) -> Iterator[sqlite3.Connection]:
        """A write transaction: all of it is saved, or none of it (and, in a dry run, never any).

        Inside another transaction it is a savepoint: on an error only its own
        writes are undone, and the rest is saved (or not) with the outer one.
        """
        nested = self.conn.in_transaction
        if self.read_only:
            raise self._read_only()
        if nested:
            self.conn.execute("SAVEPOINT nested")
        else:
            self._begin()
        try:
            yield self.conn
        except BaseException:
            # SQLite may have rolled back already (a full disk ends the whole transaction):
            # undoing again must not hide the error that says why.
            with contextlib.suppress(sqlite3.Error):
                self._end(nested, keep=False)
            raise
        self._end(nested, keep=not dry_run)

    def _begin(self) -> None:
        """BEGIN IMMEDIATE: the write lock up front, so two writers queue instead of failing
        mid-way. While another process writes, wait (saying so once) up to LOCK_WAIT_SECONDS."""
        started = time.monotonic()
        told = False
        while True:
            self.conn.execute(f"PRAGMA busy_timeout = {min(BUSY_STEP_MS, int(self.lock_wait * 1000))}")
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as e:
                if result_code(e) not in (SQLITE_BUSY, SQLITE_LOCKED):
                    raise
            finally:
                self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            waited = time.monotonic() - started
            if waited >= self.lock_wait:
                raise StoreError(
                    f"{self.path}: another program has been writing to the workspace for "
                    f"{waited:.0f} s (a long import?); nothing of this step was saved: run the "
                    "command again when it has finished (assess and rate resume where you stopped)"
                )
            if not told:
                told = True
                notify(
                    f"waiting for another program writing to {self.path} (up to "
                    f"{self.lock_wait:.0f} s; Ctrl-C stops, keeping everything saved so far)..."
                )

    def _end(self, nested: bool, keep: bool) -> None:
        if nested:
            if not self.conn.in_transaction:
                return
            if not keep:
                self.conn.execute("ROLLBACK TO nested")
            self.conn.execute("RELEASE nested")
        elif self.conn.in_transaction:  # SQLite may have rolled back already (disk full, ...)
            self.conn.execute("COMMIT" if keep else "ROLLBACK")

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: made by a newer leadcheck (schema {version}); upgrade leadcheck to open it"
            )
        if version == len(MIGRATIONS):
            return
        with self.transaction() as c:
            # Re-read inside the lock: another process may have migrated meanwhile.
            version = c.execute("PRAGMA user_version").fetchone()[0]
            for number in range(version, len(MIGRATIONS)):
                if number == 1:  # before step 2 deletes it from the file, the key moves out
                    self._key_out_of_file(c)
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        c.execute(statement)
                c.execute(f"PRAGMA user_version = {number + 1}")
        # The old key's pages may linger in the write-ahead log: fold it in and empty it.
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _key_out_of_file(self, c: sqlite3.Connection) -> None:
        """Give the workspace an id and its key a file of its own (leadcheck.keys)."""
        from leadcheck.keys import write_key

        row = c.execute("SELECT value FROM meta WHERE key = 'workspace_id'").fetchone()
        workspace_id = row[0] if row else secrets.token_hex(16)
        if row is None:
            c.execute("INSERT INTO meta (key, value) VALUES ('workspace_id', ?)", (workspace_id,))
        old = c.execute("SELECT value FROM meta WHERE key = 'rater_key'").fetchone()
        write_key(workspace_id, bytes.fromhex(old[0]) if old else None)

    @property
    def workspace_id(self) -> str:
        """This workspace's id: not secret; it names the key file."""
        return str(self.conn.execute("SELECT value FROM meta WHERE key = 'workspace_id'").fetchone()[0])

    def _rater_key(self) -> bytes:
        if self._key is None:
            from leadcheck.keys import read_key, write_key

            try:
                key = read_key(self.workspace_id)
            except StoreError:
                if self.read_only:  # another user's workspace, and its key: say what matters
                    raise self._read_only() from None
                raise
            if key is None and self.read_only:
                raise self._read_only()
            if key is None:
                # Lost or never copied: answers stay; only returning raters are no longer recognised.
                self.key_replaced = (
                    self.conn.execute("SELECT 1 FROM responses LIMIT 1").fetchone() is not None
                )
                key = write_key(self.workspace_id)
            self._key = key
        return self._key

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    # -- rater identity ------------------------------------------------------------

    def rater_hash(self, identity: str) -> str:
        """A keyed hash (HMAC-SHA256 with this workspace's key, kept outside the file) of a rater's identity."""
        normalised = identity.strip().casefold().encode("utf-8")
        return hmac.new(self._rater_key(), normalised, hashlib.sha256).hexdigest()

    # -- leaders -------------------------------------------------------------------

    def _leader(self, row: sqlite3.Row) -> Leader:
        return Leader(row["id"], row["name"], row["cohort"])

    def _leader_row(self, name: str) -> sqlite3.Row | None:
        """The exact name first; else the oldest leader whose name differs only in case and spacing."""
        found: sqlite3.Row | None = self.conn.execute(
            "SELECT * FROM leaders WHERE name = ?", (name.strip(),)
        ).fetchone()
        key = leader_key(name)
        if found is None and key:
            rows = self.conn.execute("SELECT * FROM leaders ORDER BY id")
            found = next((row for row in rows if leader_key(row["name"]) == key), None)
        return found

    def find_leader(self, name: str) -> Leader | None:
        """The leader called ``name``, case and spacing aside (the exact spelling first), or None."""
        row = self._leader_row(name)
        return self._leader(row) if row else None

    def get_leader(self, name: str) -> Leader:
        """The leader called ``name``; NotFoundError with a suggestion otherwise."""
        leader = self.find_leader(name)
        if leader is None:
            names = [r[0] for r in self.conn.execute("SELECT name FROM leaders ORDER BY name")]
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            hint = f'did you mean "{close[0]}"?' if close else "see `leadcheck leaders`"
            raise NotFoundError(f'no leader "{name}" in {self.path}; {hint}')
        return leader

    def ensure_leader(self, name: str, cohort: str | None = None) -> Leader:
        """The leader called ``name``, created if new; sets the cohort when one is given."""
        name = name.strip()
        if not name:
            raise StoreError("a leader needs a name")
        problem = leader_name_problem(name)
        if problem is not None:
            raise StoreError(problem)
        with self.transaction() as c:
            row = self._leader_row(name)
            if row is None:
                leader_id = c.execute(
                    "INSERT INTO leaders (name, cohort, created_at) VALUES (?, ?, ?)", (name, cohort, now())
                ).lastrowid
            else:
                leader_id = row["id"]
            if cohort is not None:
                c.execute("UPDATE leaders SET cohort = ? WHERE id = ?", (cohort, leader_id))
            found = c.execute("SELECT * FROM leaders WHERE id = ?", (leader_id,)).fetchone()
        return self._leader(found)

    def leaders(self, cohort: str | None = None) -> list[Leader]:
        if cohort is None:
            rows = self.conn.execute("SELECT * FROM leaders ORDER BY name")
        else:
            rows = self.conn.execute("SELECT * FROM leaders WHERE cohort = ? ORDER BY name", (cohort,))
        return [self._leader(r) for r in rows]

    def cohorts(self) -> list[str]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT cohort FROM leaders WHERE cohort IS NOT NULL ORDER BY cohort"
            )
        ]

    # -- instruments and assessments ---------------------------------------------------

    def _snapshot(self, c: sqlite3.Connection, instrument: Instrument) -> int:
        c.execute(
            "INSERT INTO instruments (instrument_id, version, content_hash, source, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (content_hash) DO NOTHING",
            (instrument.id, instrument.version, instrument.content_hash, instrument.source_text, now()),
        )
        row = c.execute(
            "SELECT id FROM instruments WHERE content_hash = ?", (instrument.content_hash,)
        ).fetchone()
        return int(row[0])

    def _assessment(self, row: sqlite3.Row) -> Assessment:
        leader = Leader(row["leader_id"], row["name"], row["cohort"])
        return Assessment(
            row["id"], leader, row["instrument_id"], row["version"], row["content_hash"], row["created_at"]
        )

    _ASSESSMENT_SQL = (
        "SELECT a.id, a.created_at, a.leader_id, l.name, l.cohort, i.instrument_id, i.version, i.content_hash "
        "FROM assessments a JOIN leaders l ON l.id = a.leader_id JOIN instruments i ON i.id = a.instrument_row "
    )

    def assessments(self, leader: Leader, instrument_id: str | None = None) -> list[Assessment]:
        """The leader's assessments, oldest first."""
        sql = self._ASSESSMENT_SQL + "WHERE a.leader_id = ?"
        args: list[Any] = [leader.id]
        if instrument_id is not None:
            sql += " AND i.instrument_id = ?"
            args.append(instrument_id)
        return [self._assessment(r) for r in self.conn.execute(sql + " ORDER BY a.id", args)]

    def latest_assessment(self, leader: Leader, instrument_id: str | None = None) -> Assessment:
        """The leader's newest assessment (on ``instrument_id`` when given)."""
        found = self.assessments(leader, instrument_id)
        if not found:
            on = f" on {instrument_id}" if instrument_id else ""
            raise NotFoundError(f'leader "{leader.name}" has no assessment{on} yet')
        return found[-1]

    def assessment_for(self, leader: Leader, instrument: Instrument, new: bool = False) -> Assessment:
        """The leader's current assessment on this instrument id, created when there is none (or ``new``).

        An existing assessment keeps the instrument snapshot it started with,
        even when the YAML file has changed since.
        """
        if not new:
            existing = self.assessments(leader, instrument.id)
            if existing:
                return existing[-1]
        with self.transaction() as c:
            row_id = self._snapshot(c, instrument)
            cur = c.execute(
                "INSERT INTO assessments (leader_id, instrument_row, created_at) VALUES (?, ?, ?)",
                (leader.id, row_id, now()),
            )
            new_id = cur.lastrowid
        row = self.conn.execute(self._ASSESSMENT_SQL + "WHERE a.id = ?", (new_id,)).fetchone()
        return self._assessment(row)

    def find_assessment(
        self, leader: Leader, content_hash: str, created_at: str, nth: int = 1
    ) -> Assessment | None:
        """The leader's ``nth`` assessment (oldest first) on this snapshot made at ``created_at``, or None.

        ``nth`` tells apart rounds started in the same second on the same snapshot.
        """
        rows = self.conn.execute(
            self._ASSESSMENT_SQL + "WHERE a.leader_id = ? AND i.content_hash = ? AND a.created_at = ? "
            "ORDER BY a.id LIMIT 1 OFFSET ?",
            (leader.id, content_hash, created_at, nth - 1),
        ).fetchall()
        return self._assessment(rows[0]) if rows else None

    def ensure_assessment(
        self, leader: Leader, instrument: Instrument, created_at: str, nth: int = 1
    ) -> Assessment:
        """The round an export names: found by ``find_assessment``, else created with that ``created_at``.

        Finding it again is what makes importing the same export twice change nothing.
        """
        if nth < 1:
            raise StoreError(f"an assessment round is counted from 1, not {nth}")
        with self.transaction() as c:
            found = self.find_assessment(leader, instrument.content_hash, created_at, nth)
            while found is None:
                row_id = self._snapshot(c, instrument)
                c.execute(
                    "INSERT INTO assessments (leader_id, instrument_row, created_at) VALUES (?, ?, ?)",
                    (leader.id, row_id, created_at),
                )
                found = self.find_assessment(leader, instrument.content_hash, created_at, nth)
        return found

    def instrument(self, assessment: Assessment) -> Instrument:
        """The exact instrument snapshot an assessment was made with."""
        cached = self._instrument_cache.get(assessment.instrument_hash)
        if cached is not None:
            return cached
        from leadcheck.instrument.catalog import instrument_from_text

        row = self.conn.execute(
            "SELECT source FROM instruments WHERE content_hash = ?", (assessment.instrument_hash,)
        ).fetchone()
        inst = instrument_from_text(
            row[0], f"<snapshot of {assessment.instrument_id} {assessment.instrument_version}>"
        )
        self._instrument_cache[assessment.instrument_hash] = inst
        return inst

    # -- responses, one answer at a time (interactive flows) ---------------------------------

    def open_response(self, assessment: Assessment, group: str, rater_identity: str) -> int:
        """The id of this rater's response to the assessment, started if new."""
        rater = self.rater_hash(rater_identity)
        with self.transaction() as c:
            c.execute(
                "INSERT INTO responses (assessment_id, rater_group, rater_hash, started_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (assessment_id, rater_hash) DO NOTHING",
                (assessment.id, group, rater, now()),
            )
            row = c.execute(
                "SELECT id FROM responses WHERE assessment_id = ? AND rater_hash = ?", (assessment.id, rater)
            ).fetchone()
        return int(row[0])

    def save_answer(self, response_id: int, item_id: str, value: Answer) -> None:
        """Save one answer at once (None: not observed)."""
        with self.transaction() as c:
            c.execute(
                "INSERT INTO answers (response_id, item_id, value, answered_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (response_id, item_id) DO UPDATE SET value = excluded.value, "
                "answered_at = excluded.answered_at",
                (response_id, item_id, value, now()),
            )

    def clear_answer(self, response_id: int, item_id: str) -> None:
        """Forget one answer (the item was skipped after all)."""
        with self.transaction() as c:
            c.execute("DELETE FROM answers WHERE response_id = ? AND item_id = ?", (response_id, item_id))

    def save_comment(self, response_id: int, question_id: str, text: str) -> None:
        with self.transaction() as c:
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

    def submit_response(self, response_id: int) -> None:
        """Mark a response as finished."""
        with self.transaction() as c:
            c.execute("UPDATE responses SET submitted_at = ? WHERE id = ?", (now(), response_id))

    def response(self, response_id: int) -> Response:
        row = self.conn.execute("SELECT * FROM responses WHERE id = ?", (response_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no response {response_id}")
        return self._responses([row])[0]

    def _responses(self, rows: Sequence[sqlite3.Row]) -> list[Response]:
        out: list[Response] = []
        for row in rows:
            answers: dict[str, Answer] = {
                a["item_id"]: a["value"]
                for a in self.conn.execute(
                    "SELECT item_id, value FROM answers WHERE response_id = ? ORDER BY rowid", (row["id"],)
                )
            }
            comments = {
                c["question_id"]: c["text"]
                for c in self.conn.execute(
                    "SELECT question_id, text FROM comments WHERE response_id = ? ORDER BY rowid",
                    (row["id"],),
                )
            }
            out.append(
                Response(
                    row["rater_group"],
                    answers,
                    comments,
                    row["submitted_at"] or "",
                    row["id"],
                    row["rater_hash"],
                )
            )
        return out

    def responses(self, assessment: Assessment, submitted_only: bool = False) -> list[Response]:
        """Every response to the assessment with at least one answer or comment, oldest first."""
        sql = "SELECT * FROM responses WHERE assessment_id = ?"
        if submitted_only:
            sql += " AND submitted_at IS NOT NULL"
        rows = self.conn.execute(sql + " ORDER BY id", (assessment.id,)).fetchall()
        return [r for r in self._responses(rows) if r.answers or r.comments]

    # -- responses in bulk (imports) ----------------------------------------------------

    def _rater(self, resp: IncomingResponse) -> str:
        """The keyed hash a response's rater is stored under."""
        if resp.group == SELF:
            # One self-assessment per assessment, whoever typed it.
            return self.rater_hash(SELF_IDENTITY)
        return self.rater_hash(resp.rater_identity or "content:" + content_digest(resp))

    def stored_group(
        self, resp: IncomingResponse, instrument_id: str, assessment: Assessment | None = None
    ) -> str | None:
        """The rater group this response's rater already answered in, about the same leader, or None.

        Looked up where ``add_responses`` would store the response: in
        ``assessment`` when given, else the leader's current assessment on
        ``instrument_id``.
        """
        if assessment is None:
            leader = self.find_leader(resp.leader)
            found = self.assessments(leader, instrument_id) if leader is not None else []
            if not found:
                return None
            assessment = found[-1]
        row = self.conn.execute(
            "SELECT rater_group FROM responses WHERE assessment_id = ? AND rater_hash = ?",
            (assessment.id, self._rater(resp)),
        ).fetchone()
        return str(row[0]) if row else None

    def add_responses(
        self,
        incoming: Sequence[IncomingResponse],
        instrument: Instrument,
        dry_run: bool = False,
        assessment: Assessment | None = None,
    ) -> ImportSummary:
        """Store many complete responses in one transaction: all of them, or (on any error) none.

        Inside a transaction of the caller's, they are saved (or not) with it.

        A leader is found by name with case and spacing ignored ("ana  lopez"
        is the stored "Ana Lopez"); a new one is created as first written.

        Each response is filed under its leader's current (newest) assessment
        on ``instrument.id``, created when there is none; or, when
        ``assessment`` is given (a round an export names, see
        ``ensure_assessment``), under that one, which must be about the
        responses' leader and made with ``instrument``.

        A rater seen before for the same assessment (same keyed identity) is
        not counted twice: identical answers are skipped, changed ones replace
        the earlier response. Identities are whatever the importer made them:
        emails are global, while response ids that number each form anew are
        scoped to their form by the importer, so two forms never collide.

        A rater stays in the rater group they first answered in: a response
        whose rater is stored under another group is refused with
        ImportProblemError (nothing is stored), never moved between groups.
        Importers check this first with ``stored_group`` and report it with
        the file and line.
        """
        if assessment is not None and assessment.instrument_hash != instrument.content_hash:
            raise StoreError(
                f"responses checked against {instrument.id} {instrument.version} cannot be filed under an "
                f"assessment made with another snapshot ({assessment.instrument_hash[:12]})"
            )
        summary = ImportSummary()
        by_key: dict[str, int] = {}  # leader_key -> leader id, for the leaders of this call
        with self.transaction(dry_run=dry_run):
            for resp in incoming:
                name = resp.leader.strip()
                problem = leader_name_problem(name) if name else "a leader needs a name"
                if problem is not None:
                    raise StoreError(f"{resp.source}: {problem}")
                key = leader_key(name)
                if key in by_key:
                    leader_row = self.conn.execute(
                        "SELECT * FROM leaders WHERE id = ?", (by_key[key],)
                    ).fetchone()
                else:
                    leader_row = self._leader_row(name)
                if leader_row is None:
                    self.conn.execute(
                        "INSERT INTO leaders (name, cohort, created_at) VALUES (?, ?, ?)",
                        (name, resp.cohort, now()),
                    )
                    summary.new_leaders.append(name)
                    leader_row = self.conn.execute("SELECT * FROM leaders WHERE name = ?", (name,)).fetchone()
                elif resp.cohort is not None and leader_row["cohort"] != resp.cohort:
                    self.conn.execute(
                        "UPDATE leaders SET cohort = ? WHERE id = ?", (resp.cohort, leader_row["id"])
                    )
                leader = self._leader(leader_row)
                by_key[key] = leader.id
                if assessment is not None:
                    if assessment.leader.id != leader.id:
                        raise StoreError(
                            f'{resp.source}: a response about "{leader.name}" cannot be filed under an '
                            f'assessment of "{assessment.leader.name}"'
                        )
                    assessment_id = assessment.id
                elif found := self.assessments(leader, instrument.id):
                    assessment_id = found[-1].id
                else:
                    row_id = self._snapshot(self.conn, instrument)
                    assessment_id = int(
                        self.conn.execute(
                            "INSERT INTO assessments (leader_id, instrument_row, created_at) VALUES (?, ?, ?)",
                            (leader.id, row_id, now()),
                        ).lastrowid
                        or 0
                    )
                rater = self._rater(resp)
                existing = self.conn.execute(
                    "SELECT id, rater_group FROM responses WHERE assessment_id = ? AND rater_hash = ?",
                    (assessment_id, rater),
                ).fetchone()
                if existing is not None and existing["rater_group"] != resp.group:
                    raise ImportProblemError(
                        f'{resp.source}: this rater already answered about "{leader.name}" as '
                        f"{existing['rater_group']}, here as {resp.group}; a rater answers in one group "
                        "only: correct the group, or leave this response out"
                    )
                counts = summary.per_leader.setdefault(leader.name, {})
                if existing is not None:
                    old = self._responses(
                        [
                            self.conn.execute(
                                "SELECT * FROM responses WHERE id = ?", (existing["id"],)
                            ).fetchone()
                        ]
                    )[0]
                    if dict(old.answers) == dict(resp.answers) and dict(old.comments) == dict(resp.comments):
                        summary.unchanged += 1
                        continue
                    self.conn.execute("DELETE FROM responses WHERE id = ?", (existing["id"],))
                    summary.replaced += 1
                else:
                    summary.added += 1
                counts[resp.group] = counts.get(resp.group, 0) + 1
                stamp = resp.submitted_at or now()
                response_id = self.conn.execute(
                    "INSERT INTO responses (assessment_id, rater_group, rater_hash, started_at, submitted_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (assessment_id, resp.group, rater, stamp, stamp),
                ).lastrowid
                self.conn.executemany(
                    "INSERT INTO answers (response_id, item_id, value, answered_at) VALUES (?, ?, ?, ?)",
                    [(response_id, item, value, stamp) for item, value in resp.answers.items()],
                )
                self.conn.executemany(
                    "INSERT INTO comments (response_id, question_id, text) VALUES (?, ?, ?)",
                    [(response_id, q, text) for q, text in resp.comments.items() if text.strip()],
                )
        return summary

    # -- reading everything (export, cohort runs) ------------------------------------------

    # The round of an assessment: its number among its leader's assessments on the same instrument id.
    _ROUND_SQL = (
        "(SELECT COUNT(*) FROM assessments a2 JOIN instruments i2 ON i2.id = a2.instrument_row "
        "WHERE a2.leader_id = a.leader_id AND i2.instrument_id = i.instrument_id AND a2.id <= a.id)"
    )

    def iter_export(self) -> Iterator[dict[str, Any]]:
        """Every response as a plain record, oldest first, streamed.

        ``assessment`` (when the round was started) and ``round`` (1 for the
        leader's first assessment on the instrument id, 2 for the next, ...)
        say which of the leader's assessments the response belongs to.
        """
        rows = self.conn.execute(
            "SELECT r.*, l.name AS leader, l.cohort, i.instrument_id, i.version, i.content_hash, "
            "a.created_at AS assessment, " + self._ROUND_SQL + " AS round "
            "FROM responses r JOIN assessments a ON a.id = r.assessment_id "
            "JOIN leaders l ON l.id = a.leader_id JOIN instruments i ON i.id = a.instrument_row "
            "ORDER BY r.id"
        )
        for row in rows:
            resp = self._responses([row])[0]
            yield {
                "leader": row["leader"],
                "cohort": row["cohort"],
                "instrument": row["instrument_id"],
                "instrument_version": row["version"],
                "instrument_hash": row["content_hash"],
                "assessment": row["assessment"],
                "round": row["round"],
                "group": resp.group,
                "rater": row["rater_hash"],
                "started_at": row["started_at"],
                "submitted_at": row["submitted_at"],
                "answers": dict(resp.answers),
                "comments": dict(resp.comments),
            }

    def iter_leaders(self) -> Iterator[dict[str, Any]]:
        """Every leader, by name, with their assessments (oldest first) as plain records, streamed.

        Leaders with no response, and rounds nobody answered yet, are here too;
        ``round`` numbers a leader's assessments on each instrument id as
        ``iter_export`` does.
        """
        for leader in self.leaders():
            rounds: dict[str, int] = {}
            records: list[dict[str, Any]] = []
            for assessment in self.assessments(leader):
                rounds[assessment.instrument_id] = rounds.get(assessment.instrument_id, 0) + 1
                records.append(
                    {
                        "instrument": assessment.instrument_id,
                        "instrument_version": assessment.instrument_version,
                        "instrument_hash": assessment.instrument_hash,
                        "created_at": assessment.created_at,
                        "round": rounds[assessment.instrument_id],
                    }
                )
            yield {"name": leader.name, "cohort": leader.cohort, "assessments": records}

    def instrument_sources(self) -> Iterator[tuple[str, str]]:
        """(content hash, YAML text) of every stored instrument snapshot."""
        for row in self.conn.execute("SELECT content_hash, source FROM instruments ORDER BY id"):
            yield row[0], row[1]

    # -- activity (leaders, status) ---------------------------------------------------------

    def last_answered(self, assessment: Assessment) -> str | None:
        """When the newest answer to the assessment was given (ISO 8601), or None before any.

        Imported answers carry their survey's submission time when the file has
        one, so this is when raters answered, not when the file was imported.
        """
        row = self.conn.execute(
            "SELECT MAX(ans.answered_at) FROM answers ans JOIN responses r ON r.id = ans.response_id "
            "WHERE r.assessment_id = ?",
            (assessment.id,),
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    def last_activity(self, leader: Leader) -> str:
        """When anything was last recorded for the leader (added, assessed, answered, submitted), ISO 8601."""
        row = self.conn.execute(
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


# Tables the first migration creates: every leadcheck workspace has them all.
_FIRST_TABLES = frozenset(
    {"meta", "instruments", "leaders", "assessments", "responses", "answers", "comments"}
)


def _refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """StoreError for an SQLite file another program made: it has tables, but not leadcheck's.

    A leadcheck workspace has a schema version (PRAGMA user_version), every
    table of the first migration, and its mark in ``meta``: a 64-hex-digit
    ``rater_key`` at schema 1, a 32-hex-digit ``workspace_id`` from schema 2 on
    (the key then lives outside the file, leadcheck.keys); an empty file has
    none of them. Another program's file with a ``meta`` table and
    user_version 1 is not taken for one (nor switched to WAL).
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables and version == 0:
        return
    mark, pattern = ("rater_key", r"[0-9a-f]{64}") if version == 1 else ("workspace_id", r"[0-9a-f]{32}")
    value = None
    if tables >= _FIRST_TABLES:
        with contextlib.suppress(sqlite3.Error):
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (mark,)).fetchone()
            value = row[0] if row else None
    if version == 0 or not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise StoreError(
            f"{path}: not a leadcheck workspace (it is an SQLite database of another program); "
            "choose another file with --db"
        )


def _refuse_damaged(conn: sqlite3.Connection, path: Path) -> None:
    """StoreError for a workspace with damaged pages, before any command reads on past them.

    SQLite's quick check reads every page once (about 0.35 s for a million answers,
    see bench/store_bench.py): a damaged file is found at once, not half-way through
    an import, and never read on as if it were whole.
    """
    problems = [row[0] for row in conn.execute("PRAGMA quick_check(1)")]
    if problems != ["ok"]:
        raise StoreError(_damaged(path))


def _damaged(path: Path) -> str:
    return (
        f"{path}: the workspace is damaged (SQLite found corrupt pages); nothing was changed. "
        "Restore it from a backup (leadcheck export), or try `sqlite3 FILE .recover` on a copy"
    )


# SQLite's own text for each code (sqlite3_errstr), for Python 3.10, whose errors carry no code.
_CODE_TEXTS = {
    "database or disk is full": SQLITE_FULL,
    "database disk image is malformed": SQLITE_CORRUPT,
    "file is not a database": SQLITE_NOTADB,
    "attempt to write a readonly database": SQLITE_READONLY,
    "database is locked": SQLITE_BUSY,
    "database table is locked": SQLITE_LOCKED,
    "unable to open database file": SQLITE_CANTOPEN,
    "disk I/O error": SQLITE_IOERR,
    "access permission denied": SQLITE_PERM,
}


def result_code(e: sqlite3.Error) -> int:
    """SQLite's primary result code of ``e`` (SQLITE_FULL, ...), 0 when unknown."""
    code = getattr(e, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    return _CODE_TEXTS.get(str(e), 0)


def database_error(e: sqlite3.Error, path: Path) -> StoreError:
    """The StoreError for an SQLite error on the workspace at ``path``: what happened and what to do.

    Built from SQLite's result code only: its message may quote a value.
    """
    code = result_code(e)
    if code == SQLITE_CORRUPT:
        return StoreError(_damaged(path))
    if code == SQLITE_NOTADB:
        return StoreError(
            f"{path}: not a leadcheck workspace (not an SQLite database); choose another file with --db"
        )
    if code == SQLITE_FULL or (code in (SQLITE_IOERR, SQLITE_CANTOPEN) and _low_space(path)):
        return StoreError(
            f"{path}: the disk is full; nothing of this command was saved. Free some space and run it again"
        )
    if code == SQLITE_READONLY:
        return StoreError(
            f"{path}: the workspace is read-only here (file or folder permissions, or a read-only disk); "
            "make it writable, or copy it to a folder you can write to and use --db"
        )
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return StoreError(
            f"{path}: another program is writing to the workspace; run the command again when it has finished"
        )
    if code in (SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_PERM):
        return StoreError(
            f"{path}: cannot read or write the workspace (an I/O error: check the disk, and that its "
            "folder can be written to for SQLite's journal)"
        )
    name = getattr(e, "sqlite_errorname", None) or type(e).__name__
    return StoreError(f"{path}: the workspace could not be used ({name})")


def _low_space(path: Path) -> bool:
    try:
        stats = os.statvfs(path.parent if str(path.parent) else ".")
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < LOW_SPACE_BYTES
