"""Figures derived from an assessment, kept so a report need not score its whole cohort again.

A single report shows the leader's position within their cohort, which needs
every cohort leader's scorecard; scoring them all on every report made one
report's cost grow with the cohort. What the comparison needs from each
leader (a few published means) is kept here beside a **state**: a SHA-256 of
everything scoring reads for that assessment (its responses, answers, which
questions were commented on, its releases and its instrument snapshot) and of
the code that turns them into figures. A kept row is used only while the
state it was made from is still the state now, so no write anywhere needs to
remember to clear it; a stale row is simply replaced.

The figures kept are those the leader's own report publishes (means after the
anonymity rules), never answers. ``leadcheck purge`` empties the table.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from leadcheck.base.errors import StoreError
from leadcheck.store.connection import Connection

# Assessments read per query: below SQLite's smallest limit on bound values (999).
BATCH = 400

# Per assessment, one string of everything scoring reads (SQLite builds it, in C: a cohort of
# 1,000 leaders has half a million answers). Fields are joined with the unit separator, rows with
# the record separator. Answers and comments come in the order SQLite's plan reads them (the same
# for the same rows): an order that changes costs a recomputation, never a stale figure.
_FIELD = "char(31)"
_READS = (
    # responses: who answered, in which group, when (a new or replaced response has a new id)
    "SELECT assessment_id, group_concat(id || {f} || rater_group || {f} || rater_hash || {f} || started_at "
    "|| {f} || ifnull(submitted_at, ''), char(30)) FROM (SELECT * FROM responses "
    "WHERE assessment_id IN ({marks}) ORDER BY id) GROUP BY assessment_id",
    # answers: every value, where it stands (an answer changed in place keeps its row)
    "SELECT assessment_id, group_concat(rowid || {f} || response_id || {f} || item_id || {f} "
    "|| ifnull(value, 'n'), char(30)) FROM (SELECT a.rowid AS rowid, a.response_id AS response_id, "
    "a.item_id AS item_id, a.value AS value, r.assessment_id AS assessment_id "
    "FROM answers a JOIN responses r ON r.id = a.response_id "
    "WHERE r.assessment_id IN ({marks})) GROUP BY assessment_id",
    # comments: which questions were answered, not what was written (it decides who counts)
    "SELECT assessment_id, group_concat(rowid || {f} || response_id || {f} || question_id, char(30)) "
    "FROM (SELECT c.rowid AS rowid, c.response_id AS response_id, c.question_id AS question_id, "
    "r.assessment_id AS assessment_id FROM comments c JOIN responses r ON r.id = c.response_id "
    "WHERE r.assessment_id IN ({marks})) GROUP BY assessment_id",
    # releases: what was published before holds figures back
    "SELECT assessment_id, group_concat(id || {f} || file_digest || {f} || figures, char(30)) "
    "FROM (SELECT * FROM releases WHERE assessment_id IN ({marks}) ORDER BY id) GROUP BY assessment_id",
    # the instrument snapshot the assessment was made with
    "SELECT id, instrument_row || {f} || created_at FROM assessments WHERE id IN ({marks})",
)


def enabled() -> bool:
    """False when ``LEADCHECK_FIGURE_CACHE`` is ``off``: every figure is scored afresh (for measuring
    what the cache saves, bench/mechanisms.py)."""
    return os.environ.get("LEADCHECK_FIGURE_CACHE", "").strip().lower() not in ("off", "0", "no")


class FigureCache:
    """The figures kept per assessment (``store.figures``)."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def states(self, assessment_ids: Sequence[int], salt: str) -> dict[int, str]:
        """Each assessment's state now: a digest of what its figures are computed from, and of ``salt``."""
        digests = {a: hashlib.sha256(salt.encode()) for a in assessment_ids}
        for start in range(0, len(assessment_ids), BATCH):
            chunk = list(assessment_ids[start : start + BATCH])
            marks = ",".join("?" * len(chunk))
            for part, sql in enumerate(_READS):
                found = dict(self.db.conn.execute(sql.format(f=_FIELD, marks=marks), chunk).fetchall())
                for a in chunk:  # an assessment with no rows of a kind says so too
                    digests[a].update(f"\x1d{part}\x1d{found.get(a, '')}".encode())
        return {a: d.hexdigest() for a, d in digests.items()}

    def kept(self, wanted: Mapping[int, str]) -> dict[int, Any]:
        """The kept figures of the assessments in ``wanted`` whose state is still the one given."""
        ids = list(wanted)
        found: dict[int, Any] = {}
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT assessment_id, state, figures FROM figure_cache WHERE assessment_id IN ({marks})"  # noqa: S608
            for assessment_id, state, figures in self.db.conn.execute(sql, chunk):
                if wanted.get(assessment_id) == state:
                    found[assessment_id] = json.loads(figures)
        return found

    def keep(self, rows: Iterable[tuple[int, str, Any]]) -> None:
        """Keep (assessment id, state, figures as JSON-able data) rows, replacing older ones.

        Nothing is kept in a workspace opened read-only, or while another process holds
        the write lock (no waiting for it either): keeping is only ever a saving, never a
        reason to fail or to wait.
        """
        data = [(a, s, json.dumps(f, separators=(",", ":"), sort_keys=True)) for a, s, f in rows]
        if not data or self.db.read_only:
            return
        waits, self.db.lock_wait = self.db.lock_wait, 0.0  # never wait for a long import just to keep figures
        try:
            with self.db.transaction() as c:
                c.executemany(
                    "INSERT INTO figure_cache (assessment_id, state, figures) VALUES (?, ?, ?) "
                    "ON CONFLICT (assessment_id) DO UPDATE SET state = excluded.state, figures = excluded.figures",
                    data,
                )
        except StoreError:
            return
        finally:
            self.db.lock_wait = waits

    def clear(self) -> None:
        """Forget every kept figure (inside the caller's transaction)."""
        self.db.conn.execute("DELETE FROM figure_cache")
