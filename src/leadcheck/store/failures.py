"""What SQLite's failures mean for a user: damaged, foreign, full, read-only or locked workspaces."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from pathlib import Path

from leadcheck.base.errors import StoreError

# SQLite's primary result codes (sqlite3.h), for error messages a user can act on.
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 10, 11, 13, 14, 26
# Below this much free space, an I/O error opening or writing the workspace is a full disk.
LOW_SPACE_BYTES = 4 * 1024 * 1024

# Tables the first migration creates: every leadcheck workspace has them all.
_FIRST_TABLES = frozenset(
    {"meta", "instruments", "leaders", "assessments", "responses", "answers", "comments"}
)


def refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """StoreError for an SQLite file another program made: it has tables, but not leadcheck's.

    A leadcheck workspace has a schema version (PRAGMA user_version), every
    table of the first migration, and its mark in ``meta``: a 64-hex-digit
    ``rater_key`` at schema 1, a 32-hex-digit ``workspace_id`` from schema 2 on
    (the key then lives outside the file, leadcheck.base.keys); an empty file has
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


def refuse_damaged(conn: sqlite3.Connection, path: Path) -> None:
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
