"""Instrument snapshots: the exact YAML each assessment was made with, stored once and parsed once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from leadcheck.instrument.model import Instrument
from leadcheck.store import clock
from leadcheck.store.connection import Connection


class Snapshots:
    """The stored snapshots, each parsed at most once per open workspace (the one parser of them)."""

    def __init__(self, db: Connection) -> None:
        self.db = db
        self._parsed: dict[str, Instrument] = {}

    def save(self, c: sqlite3.Connection, instrument: Instrument) -> int:
        """The row id of ``instrument``'s snapshot, stored if new."""
        c.execute(
            "INSERT INTO instruments (instrument_id, version, content_hash, source, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (content_hash) DO NOTHING",
            (instrument.id, instrument.version, instrument.content_hash, instrument.source_text, clock.now()),
        )
        row = c.execute(
            "SELECT id FROM instruments WHERE content_hash = ?", (instrument.content_hash,)
        ).fetchone()
        return int(row[0])

    def instrument(self, content_hash: str) -> Instrument | None:
        """The stored snapshot with this content hash, parsed (InstrumentError when invalid); None when
        the workspace has none."""
        cached = self._parsed.get(content_hash)
        if cached is not None:
            return cached
        row = self.db.conn.execute(
            "SELECT instrument_id, version, source FROM instruments WHERE content_hash = ?", (content_hash,)
        ).fetchone()
        if row is None:
            return None
        from leadcheck.instrument.catalog import instrument_from_text

        inst = instrument_from_text(row["source"], f"<snapshot of {row['instrument_id']} {row['version']}>")
        self._parsed[content_hash] = inst
        return inst

    def hashes(self) -> list[str]:
        """The content hash of every stored snapshot, oldest first."""
        return [row[0] for row in self.db.conn.execute("SELECT content_hash FROM instruments ORDER BY id")]

    def sources(self) -> Iterator[tuple[str, str]]:
        """(content hash, YAML text) of every stored instrument snapshot."""
        for row in self.db.conn.execute("SELECT content_hash, source FROM instruments ORDER BY id"):
            yield row[0], row[1]
