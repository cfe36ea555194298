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
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadcheck.store.workspace import Store

# Assessments read per query: below SQLite's smallest limit on bound values (999).
BATCH = 400

_READS = (
    (
        "responses",
        "SELECT assessment_id, id, rater_group, rater_hash, started_at, submitted_at FROM responses "
        "WHERE assessment_id IN ({marks}) ORDER BY id",
    ),
    (
        "answers",
        "SELECT r.assessment_id, a.rowid, a.response_id, a.item_id, a.value, a.answered_at "
        "FROM answers a JOIN responses r ON r.id = a.response_id "
        "WHERE r.assessment_id IN ({marks}) ORDER BY a.rowid",
    ),
    (
        "comments",  # which questions were answered, not what was written: it decides who counts
        "SELECT r.assessment_id, c.rowid, c.response_id, c.question_id "
        "FROM comments c JOIN responses r ON r.id = c.response_id "
        "WHERE r.assessment_id IN ({marks}) ORDER BY c.rowid",
    ),
    (
        "releases",
        "SELECT assessment_id, id, released_at, kind, file_digest, figures FROM releases "
        "WHERE assessment_id IN ({marks}) ORDER BY id",
    ),
    (
        "snapshot",
        "SELECT id, instrument_row, created_at FROM assessments WHERE id IN ({marks}) ORDER BY id",
    ),
)


def states(store: Store, assessment_ids: Sequence[int], salt: str) -> dict[int, str]:
    """Each assessment's state now: a digest of what its figures are computed from, and of ``salt``."""
    digests = {a: hashlib.sha256(salt.encode()) for a in assessment_ids}
    for start in range(0, len(assessment_ids), BATCH):
        chunk = list(assessment_ids[start : start + BATCH])
        marks = ",".join("?" * len(chunk))
        for name, sql in _READS:
            cursor = store.conn.cursor()
            cursor.row_factory = None
            for row in cursor.execute(sql.format(marks=marks), chunk):  # only marks are formatted in
                digests[row[0]].update(f"{name}\x1f{row!r}\x1e".encode())
    return {a: d.hexdigest() for a, d in digests.items()}


def kept(store: Store, wanted: Mapping[int, str]) -> dict[int, Any]:
    """The kept figures of the assessments in ``wanted`` whose state is still the one given."""
    ids = list(wanted)
    found: dict[int, Any] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT assessment_id, state, figures FROM figure_cache WHERE assessment_id IN ({marks})"  # noqa: S608
        for assessment_id, state, figures in store.conn.execute(sql, chunk):
            if wanted.get(assessment_id) == state:
                found[assessment_id] = json.loads(figures)
    return found


def keep(store: Store, rows: Iterable[tuple[int, str, Any]]) -> None:
    """Keep (assessment id, state, figures as JSON-able data) rows, replacing older ones.

    Nothing is kept in a workspace opened read-only, or when another process holds
    the write lock: keeping is only ever a saving, never a reason to fail.
    """
    from leadcheck.errors import StoreError

    data = [(a, s, json.dumps(f, separators=(",", ":"), sort_keys=True)) for a, s, f in rows]
    if not data or store.read_only:
        return
    try:
        with store.transaction() as c:
            c.executemany(
                "INSERT INTO figure_cache (assessment_id, state, figures) VALUES (?, ?, ?) "
                "ON CONFLICT (assessment_id) DO UPDATE SET state = excluded.state, figures = excluded.figures",
                data,
            )
    except StoreError:
        return


def clear(store: Store) -> None:
    """Forget every kept figure (inside the caller's transaction)."""
    store.conn.execute("DELETE FROM figure_cache")
