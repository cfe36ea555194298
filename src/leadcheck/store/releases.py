"""The release ledger's rows: what each output published about an assessment, as JSON text.

What the figures mean, and the rule a later output is checked by, live in
``leadcheck.releases``; this holds the rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from leadcheck.store import clock
from leadcheck.store.connection import Connection


@dataclass(frozen=True)
class LedgerEntry:
    """One row of the ledger, its figures as the JSON text stored."""

    id: int
    assessment_id: int
    released_at: str
    kind: str
    file_digest: str
    figures: str


class ReleaseLedger:
    """The ledger's rows (``store.releases``)."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def of_assessment(self, assessment_id: int) -> list[LedgerEntry]:
        """Every release of an assessment, oldest first."""
        rows = self.db.conn.execute(
            "SELECT id, assessment_id, released_at, kind, file_digest, figures FROM releases "
            "WHERE assessment_id = ? ORDER BY id",
            (assessment_id,),
        )
        return [LedgerEntry(*row) for row in rows]

    def every(self) -> Iterator[LedgerEntry]:
        """Every release in the workspace, oldest first, streamed."""
        rows = self.db.conn.execute(
            "SELECT id, assessment_id, released_at, kind, file_digest, figures FROM releases ORDER BY id"
        )
        for row in rows:
            yield LedgerEntry(*row)

    def distinct_figures(self, assessment_id: int) -> list[str]:
        """Each distinct set of figures an assessment's releases published, in the order of its latest."""
        rows = self.db.conn.execute(
            "SELECT figures FROM releases WHERE assessment_id = ? GROUP BY figures ORDER BY max(id)",
            (assessment_id,),
        )
        return [str(row[0]) for row in rows]

    def published(self, assessment_id: int, figures: str) -> bool:
        """Whether a release of the assessment published exactly these figures."""
        row = self.db.conn.execute(
            "SELECT 1 FROM releases WHERE assessment_id = ? AND figures = ? LIMIT 1", (assessment_id, figures)
        ).fetchone()
        return row is not None

    def count(self) -> int:
        """How many releases the workspace holds."""
        return int(self.db.conn.execute("SELECT COUNT(*) FROM releases").fetchone()[0])

    def add(self, assessment_id: int, kind: str, file_digest: str, figures: str) -> None:
        """Record a release made now, committed at once (or with the caller's transaction)."""
        with self.db.transaction() as c:
            c.execute(
                "INSERT INTO releases (assessment_id, released_at, kind, file_digest, figures) "
                "VALUES (?, ?, ?, ?, ?)",
                (assessment_id, clock.now(), kind, file_digest, figures),
            )

    def restore(
        self, assessment_id: int, released_at: str, kind: str, file_digest: str, figures: str
    ) -> bool:
        """Add a release an export carries, unless the assessment has it already (same time, kind,
        file digest and figures); whether it was added. Inside the caller's transaction, if any."""
        values = (assessment_id, released_at, kind, file_digest, figures)
        with self.db.writing() as c:
            known = c.execute(
                "SELECT 1 FROM releases WHERE assessment_id = ? AND released_at = ? AND kind = ? "
                "AND file_digest = ? AND figures = ?",
                values,
            ).fetchone()
            if known is not None:
                return False
            c.execute(
                "INSERT INTO releases (assessment_id, released_at, kind, file_digest, figures) "
                "VALUES (?, ?, ?, ?, ?)",
                values,
            )
        return True
