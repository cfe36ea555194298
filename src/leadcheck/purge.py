"""Forgetting on request: remove a leader's, a cohort's or old personal data for good.

The workspace holds personal data in these tables: ``leaders`` (names,
cohorts), ``responses`` (a rater's group and keyed identity hash, times),
``answers``, ``comments``, ``releases`` (what each leader was given, with the
comments printed; a round that keeps some answers keeps its records, with the
purged raters' comment texts removed from them) and the
campaign roster (``campaign_raters``: raters' names and emails;
``campaign_tokens``: keyed hashes of their form tokens).
Purging deletes the rows with SQLite's ``secure_delete`` on (freed pages are
overwritten), then empties the write-ahead log and rebuilds the file
(``VACUUM``), so nothing survives in free pages or in the log.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date

from leadcheck.base.errors import NotFoundError, UsageError
from leadcheck.store import Store


@dataclass(frozen=True)
class Selection:
    """What to forget: one leader, one cohort, or everything older than a date."""

    leader: str | None = None
    cohort: str | None = None
    before: date | None = None

    def describe(self) -> str:
        if self.leader is not None:
            return f'leader "{self.leader}"'
        if self.cohort is not None:
            return f'cohort "{self.cohort}"'
        return f"everything answered or released before {self.before}"


@dataclass
class PurgeCount:
    """How many rows a purge removes (or, in a dry run, would remove)."""

    leaders: list[str] = field(default_factory=list)
    responses: int = 0
    answers: int = 0
    comments: int = 0
    releases: int = 0
    roster: int = 0  # nominated raters (names, emails) and their form tokens

    @property
    def empty(self) -> bool:
        return not (self.leaders or self.responses or self.releases or self.roster)


def _check(selection: Selection) -> None:
    given = [x for x in (selection.leader, selection.cohort, selection.before) if x is not None]
    if len(given) != 1:
        raise UsageError("say what to purge: one LEADER, or --cohort NAME, or --before DATE")


def _leader_ids(store: Store, selection: Selection) -> list[int]:
    if selection.leader is not None:
        return [store.leaders.get(selection.leader).id]
    if selection.cohort is not None:
        found = store.leaders.every(selection.cohort)
        if not found:
            known = ", ".join(store.leaders.cohorts()) or "none yet"
            raise NotFoundError(f'no cohort "{selection.cohort}" in the workspace (cohorts: {known})')
        return [leader.id for leader in found]
    return []


# Every query is a constant: what is selected comes in as parameters only.
_OF_LEADER = {
    "answers": "SELECT COUNT(*) FROM answers WHERE response_id IN (SELECT r.id FROM responses r "
    "JOIN assessments a ON a.id = r.assessment_id WHERE a.leader_id = ?)",
    "comments": "SELECT COUNT(*) FROM comments WHERE response_id IN (SELECT r.id FROM responses r "
    "JOIN assessments a ON a.id = r.assessment_id WHERE a.leader_id = ?)",
    "responses": "SELECT COUNT(*) FROM responses WHERE assessment_id IN "
    "(SELECT id FROM assessments WHERE leader_id = ?)",
    "releases": "SELECT COUNT(*) FROM releases WHERE assessment_id IN "
    "(SELECT id FROM assessments WHERE leader_id = ?)",
}
# The release records a purge before a date removes: those of assessments left with no response at all.
# An assessment that keeps some responses keeps its whole ledger: the leader may still hold those
# reports, and only the ledger makes the next one repeat them instead of giving the purged answers
# back by difference. Its members are keyed by the purged raters' keyed hashes, gone with them, so
# nothing in it can be inverted. Run after the responses are deleted.
# A pulse's release records stay too while its round, or any pulse of it, keeps responses: every later
# pulse of the round is set beside them (leadcheck.pulse.results), and without them, sent again to the
# same raters, would show what they hold back.
_DELETE_RELEASES_LEFT_EMPTY = (
    "DELETE FROM releases WHERE assessment_id NOT IN (SELECT assessment_id FROM responses) "
    "AND assessment_id NOT IN (SELECT p.id FROM assessments p WHERE p.pulse_of IN "
    "(SELECT assessment_id FROM responses UNION SELECT q.pulse_of FROM assessments q "
    "WHERE q.id IN (SELECT assessment_id FROM responses)))"
)
_BEFORE = {
    "answers": "SELECT COUNT(*) FROM answers WHERE response_id IN "
    "(SELECT id FROM responses WHERE COALESCE(submitted_at, started_at) < ?)",
    "comments": "SELECT COUNT(*) FROM comments WHERE response_id IN "
    "(SELECT id FROM responses WHERE COALESCE(submitted_at, started_at) < ?)",
    "responses": "SELECT COUNT(*) FROM responses WHERE COALESCE(submitted_at, started_at) < ?",
    "releases": "SELECT COUNT(*) FROM releases WHERE assessment_id NOT IN "
    "(SELECT assessment_id FROM responses WHERE COALESCE(submitted_at, started_at) >= ?1) "
    "AND assessment_id NOT IN (SELECT p.id FROM assessments p WHERE p.pulse_of IN "
    "(SELECT assessment_id FROM responses WHERE COALESCE(submitted_at, started_at) >= ?1 UNION "
    "SELECT q.pulse_of FROM assessments q WHERE q.id IN "
    "(SELECT assessment_id FROM responses WHERE COALESCE(submitted_at, started_at) >= ?1)))",
}


def _add_counts(count: PurgeCount, c: sqlite3.Connection, queries: dict[str, str], arg: object) -> None:
    for what, sql in queries.items():
        setattr(count, what, getattr(count, what) + int(c.execute(sql, (arg,)).fetchone()[0]))


def _scrub_comments(c: sqlite3.Connection, cutoff: str) -> None:
    """Remove the text of every comment the purged responses wrote from the release records kept.

    A record keeps the words it printed so that a held report can print them
    again; a purged rater's words go with them (a held report then prints no
    comment list at all, leadcheck.scoring).
    """
    from leadcheck.scoring import person_from_rater, person_of

    gone = {
        (assessment_id, person_from_rater(rater))
        for assessment_id, rater in c.execute(
            "SELECT assessment_id, rater_hash FROM responses WHERE COALESCE(submitted_at, started_at) < ?",
            (cutoff,),
        )
    }
    assessments = {a for a, _ in gone}
    for release_id, assessment_id, figures in c.execute(
        "SELECT id, assessment_id, figures FROM releases"
    ).fetchall():
        if assessment_id not in assessments:
            continue
        doc = json.loads(figures)
        changed = False
        for listed in doc.get("comments", {}).values():
            shown = listed.get("shown") if isinstance(listed, dict) else None
            if not isinstance(shown, dict):
                continue
            for token in shown:
                if (assessment_id, person_of(token)) in gone and shown[token] is not None:
                    shown[token] = None
                    changed = True
        if changed:
            c.execute(
                "UPDATE releases SET figures = ? WHERE id = ?",
                (json.dumps(doc, separators=(",", ":"), sort_keys=True), release_id),
            )


def _delete(store: Store, c: sqlite3.Connection, selection: Selection, ids: list[int]) -> PurgeCount:
    """Delete (inside the caller's transaction) and count what is removed."""
    count = PurgeCount()
    for leader_id in ids:
        _add_counts(count, c, _OF_LEADER, leader_id)
        count.roster += store.roster.delete_leader(leader_id)
        count.leaders.append(c.execute("SELECT name FROM leaders WHERE id = ?", (leader_id,)).fetchone()[0])
        c.execute("DELETE FROM leaders WHERE id = ?", (leader_id,))  # cascades to everything of theirs
    if ids:
        count.leaders.sort()
        return count
    cutoff = (selection.before or date.min).isoformat()
    _add_counts(count, c, _BEFORE, cutoff)
    count.roster = store.roster.delete_older_than(cutoff)
    _scrub_comments(c, cutoff)
    c.execute("DELETE FROM responses WHERE COALESCE(submitted_at, started_at) < ?", (cutoff,))
    c.execute(_DELETE_RELEASES_LEFT_EMPTY)
    # Assessments and leaders left with nothing, and created before the date, go too.
    c.execute(
        "DELETE FROM assessments WHERE created_at < ? AND id NOT IN (SELECT assessment_id FROM responses) "
        "AND id NOT IN (SELECT assessment_id FROM releases)",
        (cutoff,),
    )
    count.leaders = [
        row[0]
        for row in c.execute(
            "SELECT name FROM leaders WHERE created_at < ? AND id NOT IN (SELECT leader_id FROM assessments) "
            "ORDER BY name",
            (cutoff,),
        )
    ]
    c.execute(
        "DELETE FROM leaders WHERE created_at < ? AND id NOT IN (SELECT leader_id FROM assessments)",
        (cutoff,),
    )
    return count


def purge(store: Store, selection: Selection, dry_run: bool = False) -> PurgeCount:
    """Remove the selected personal data for good; in a dry run, only count it."""
    _check(selection)
    ids = _leader_ids(store, selection)
    with store.transaction(dry_run=dry_run) as c:
        count = _delete(store, c, selection, ids)
        if not count.empty:
            # Figures kept to speed up reports were computed from what is going: they go too.
            store.figures.clear()
    if not dry_run and not count.empty:
        store.compact()
    return count
