"""The workspace's connection: opening (checked, migrated), closing and write transactions."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from leadcheck.base.errors import NotFoundError, StoreError
from leadcheck.base.notices import notify
from leadcheck.store import migrations
from leadcheck.store.failures import (
    SQLITE_BUSY,
    SQLITE_CANTOPEN,
    SQLITE_LOCKED,
    SQLITE_PERM,
    SQLITE_READONLY,
    database_error,
    refuse_damaged,
    refuse_foreign,
    result_code,
)

# How long a write waits for another process's write to end, in all; in steps of
# BUSY_STEP_MS, telling the user after the first step (notices.notify).
LOCK_WAIT_SECONDS = 120.0
BUSY_STEP_MS = 1000
# Any other statement that meets a lock (rare in WAL mode) waits this long.
BUSY_TIMEOUT_MS = 30_000

Self = TypeVar("Self", bound="Connection")


class Connection:
    """A workspace file, open. Open with ``open(path)``; use as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.read_only = False
        self.lock_wait = LOCK_WAIT_SECONDS

    # -- opening -----------------------------------------------------------------

    @classmethod
    def open(cls: type[Self], path: Path | str, create: bool = True) -> Self:
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
    def _open(cls: type[Self], path: Path, read_only: bool) -> Self:
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
            refuse_foreign(conn, path)
            refuse_damaged(conn, path)
            store = cls(conn, path)
            store.read_only = read_only
            if read_only:
                if store.schema_version > len(migrations.MIGRATIONS):
                    store._migrate()  # says: made by a newer leadcheck
                if store.schema_version < len(migrations.MIGRATIONS):
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

    @classmethod
    def peek(cls: type[Self], path: Path) -> Self | None:
        """The workspace at ``path`` opened read-only as it is: no check, no migration, no wait for a
        lock beyond half a second; None when it cannot be opened. For shell completion, which must
        never write and may offer nothing; every command opens with ``open``."""
        from urllib.parse import quote

        try:
            conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=0.5)
        except sqlite3.Error:
            return None
        conn.row_factory = sqlite3.Row
        peeked = cls(conn, path)
        peeked.read_only = True
        return peeked

    def close(self) -> None:
        self.conn.close()

    def __enter__(self: Self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read_only_error(self) -> StoreError:
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
            raise self.read_only_error()
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

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """The caller's transaction when one is open (no savepoint: an error here undoes all of it,
        as it propagates), else a transaction of its own. For the repositories' bulk writes, where a
        savepoint per batch would only add statements."""
        if self.conn.in_transaction and not self.read_only:
            yield self.conn
        else:
            with self.transaction() as c:
                yield c

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

    def compact(self) -> None:
        """Rewrite the file without its free pages, and empty the write-ahead log: what was deleted
        is then in neither (``secure_delete`` has overwritten it already)."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.execute("VACUUM")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(migrations.MIGRATIONS):
            raise StoreError(
                f"{self.path}: made by a newer leadcheck (schema {version}); upgrade leadcheck to open it"
            )
        if version == len(migrations.MIGRATIONS):
            return
        with self.transaction() as c:
            # Re-read inside the lock: another process may have migrated meanwhile.
            migrations.apply(c)
        # The old key's pages may linger in the write-ahead log: fold it in and empty it.
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @property
    def workspace_id(self) -> str:
        """This workspace's id: not secret; it names the key file."""
        return str(self.conn.execute("SELECT value FROM meta WHERE key = 'workspace_id'").fetchone()[0])

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])
