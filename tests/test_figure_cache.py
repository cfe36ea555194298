"""The figure cache: one report does not score its whole cohort again, and never shows stale figures.

A report's cohort position needs every cohort leader's published means. They are
kept in the workspace with a digest of everything they were computed from
(leadcheck.store.figurecache); these tests change each of those things in turn and
check that the norms then equal norms computed from scratch.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadcheck import norms, scorecards
from leadcheck.demo import demo_leaders, demo_responses
from leadcheck.importing.model import IncomingResponse
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.purge import Selection, purge
from leadcheck.releases import record
from leadcheck.store import Assessment, Store

COHORT = "c"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A cohort of 11 rated leaders (one more than norms need) on psl-360."""
    path = tmp_path / "w.db"
    inst = load_instrument("psl-360")
    with Store.open(path) as store:
        add_responses(store, demo_responses(inst, demo_leaders(11, 3), 3, cohort=COHORT), inst)
    return path


def fresh_norms(store: Store) -> norms.Norms:
    """The cohort's norms with nothing kept: every leader scored now."""
    store.conn.execute("DELETE FROM figure_cache")
    return norms.build_from_store(store, [COHORT], "psl-360")


def kept_rows(store: Store) -> int:
    return int(store.conn.execute("SELECT count(*) FROM figure_cache").fetchone()[0])


@pytest.fixture
def scorings(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The assessment ids scored, in order (scorecards.score_assessment counted)."""
    seen: list[int] = []
    real = scorecards.score_assessment

    def counting(store: Store, assessment: Assessment, *args: object) -> object:
        seen.append(assessment.id)
        return real(store, assessment, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(scorecards, "score_assessment", counting)
    yield seen


def test_a_second_build_scores_no_one_and_gives_the_same_norms(db: Path, scorings: list[int]) -> None:
    with Store.open(db) as store:
        first = norms.build_from_store(store, [COHORT], "psl-360")
        assert len(scorings) == 11 and kept_rows(store) == 11
        scorings.clear()
        second = norms.build_from_store(store, [COHORT], "psl-360")
        assert scorings == []
        assert second == first == fresh_norms(store)


def test_a_scorecard_the_caller_holds_is_not_scored_again(db: Path, scorings: list[int]) -> None:
    with Store.open(db) as store:
        leader = store.leaders.every(COHORT)[0]
        own = scorecards.score_latest(store, leader)
        scorings.clear()
        norms.cohort_norms(store, COHORT, "psl-360", {own.assessment.id: own.card})
        assert own.assessment.id not in scorings and len(scorings) == 10


def _raters_answers(store: Store, leader_index: int) -> list[tuple[int, str, int]]:
    """(response id, item id, value) of the other raters' answers about one leader, in stored order."""
    current = store.assessments.current(store.leaders.every(COHORT)[leader_index])
    rows = store.conn.execute(
        "SELECT a.response_id, a.item_id, a.value FROM answers a JOIN responses r ON r.id = a.response_id "
        "WHERE r.assessment_id = ? AND r.rater_group != 'self' AND a.value IS NOT NULL ORDER BY a.rowid",
        (current.id,),
    ).fetchall()
    return [(int(rid), str(item), int(value)) for rid, item, value in rows]


def test_an_answer_changed_in_place_is_seen(db: Path) -> None:
    """The interactive save rewrites one answer where it stands: same row, same response."""
    with Store.open(db) as store:
        before = norms.build_from_store(store, [COHORT], "psl-360")
        response_id, item, value = _raters_answers(store, 2)[0]
        store.responses.save_answer(response_id, item, 1 if value != 1 else 5)
        after = norms.build_from_store(store, [COHORT], "psl-360")
        assert after.items[item] != before.items[item]  # the change moves the norm group
        assert after == fresh_norms(store)


def test_two_answers_swapped_in_one_second_are_seen(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A checksum of sums would miss two values trading places at the same timestamp; the digest does not."""
    from leadcheck.store import clock

    monkeypatch.setattr(clock, "now", lambda: "2026-01-01T00:00:00+00:00")
    with Store.open(db) as store:
        rows = _raters_answers(store, 4)
        (rid, item_a, a), (_, item_b, b) = next(
            (x, y) for x, y in itertools.pairwise(rows) if x[0] == y[0] and x[2] != y[2]
        )
        store.responses.save_answer(rid, item_a, a)  # same stamp everywhere from here on
        store.responses.save_answer(rid, item_b, b)
        norms.build_from_store(store, [COHORT], "psl-360")
        store.responses.save_answer(rid, item_a, b)
        store.responses.save_answer(rid, item_b, a)
        assert norms.build_from_store(store, [COHORT], "psl-360") == fresh_norms(store)


def test_a_new_response_and_a_release_are_seen(db: Path) -> None:
    inst = load_instrument("psl-360")
    with Store.open(db) as store:
        norms.build_from_store(store, [COHORT], "psl-360")
        name = store.leaders.every(COHORT)[5].name
        add_responses(
            store,
            [IncomingResponse(name, "peer", dict.fromkeys(inst.items, 1), {}, "late-peer", cohort=COHORT)],
            inst,
        )
        assert norms.build_from_store(store, [COHORT], "psl-360") == fresh_norms(store)
        leader = store.leaders.every(COHORT)[6]
        scored = scorecards.score_latest(store, leader)
        record(store, scored.assessment, scored.card, "0" * 64)
        assert norms.build_from_store(store, [COHORT], "psl-360") == fresh_norms(store)


def test_figures_made_by_other_code_are_not_used(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store.open(db) as store:
        norms.build_from_store(store, [COHORT], "psl-360")
        store.conn.execute("UPDATE figure_cache SET figures = replace(figures, '3.', '1.')")
        monkeypatch.setattr(norms, "code_version", lambda: "another version of leadcheck")
        assert norms.build_from_store(store, [COHORT], "psl-360") == fresh_norms(store)


def test_purge_removes_kept_figures(db: Path) -> None:
    with Store.open(db) as store:
        norms.build_from_store(store, [COHORT], "psl-360")
        name = store.leaders.every(COHORT)[0].name
        purge(store, Selection(leader=name))
        assert kept_rows(store) == 0
        norms.build_from_store(store, [COHORT], "psl-360")
        assert kept_rows(store) == 10


def test_a_read_only_workspace_still_builds_norms(db: Path) -> None:
    with Store.open(db) as store:
        expected = fresh_norms(store)
        store.conn.execute("DELETE FROM figure_cache")
    # As Store.open falls back to when the file or its folder cannot be written (root ignores modes).
    with Store._open(db, read_only=True) as store:
        assert store.read_only
        assert norms.build_from_store(store, [COHORT], "psl-360") == expected
    assert sqlite3.connect(db).execute("SELECT count(*) FROM figure_cache").fetchone()[0] == 0


def test_a_report_in_a_cohort_with_kept_figures_scores_only_its_leader(
    db: Path, tmp_path: Path, scorings: list[int]
) -> None:
    from typer.testing import CliRunner

    from leadcheck.cli import app

    runner = CliRunner(env={"NO_COLOR": "1", "LEADCHECK_DB": None})
    with Store.open(db) as store:
        name = store.leaders.every(COHORT)[3].name
        norms.build_from_store(store, [COHORT], "psl-360")
    scorings.clear()
    result = runner.invoke(app, ["--db", str(db), "report", name, "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.stderr
    assert len(scorings) == 1
    assert f"among 11 leaders (this cohort, {COHORT})" in (tmp_path / "r.html").read_text()


def test_a_writer_holding_the_workspace_is_not_waited_for(db: Path) -> None:
    """Another program importing holds the write lock: the figures are computed, not kept, at once."""
    from leadcheck.base import notices

    said: list[str] = []
    notices.listeners.append(said.append)
    other = sqlite3.connect(db, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with Store.open(db) as store:
            assert store.lock_wait > 0
            built = norms.build_from_store(store, [COHORT], "psl-360")
            assert store.lock_wait > 0  # as it was
        other.execute("ROLLBACK")
        assert said == []
        with Store.open(db) as store:
            assert kept_rows(store) == 0
            assert built == fresh_norms(store)
    finally:
        other.close()
        notices.listeners.remove(said.append)


def test_switched_off_it_keeps_nothing_and_gives_the_same_norms(
    db: Path, scorings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """LEADCHECK_FIGURE_CACHE=off (how bench/mechanisms.py measures what the cache saves): every leader
    is scored each time, nothing is kept, and the norms are those the cache gives."""
    monkeypatch.setenv("LEADCHECK_FIGURE_CACHE", "off")
    with Store.open(db) as store:
        off = norms.build_from_store(store, [COHORT], "psl-360")
        norms.build_from_store(store, [COHORT], "psl-360")
        assert kept_rows(store) == 0
        assert len(scorings) == 2 * 11
        monkeypatch.delenv("LEADCHECK_FIGURE_CACHE")
        scorings.clear()
        assert norms.build_from_store(store, [COHORT], "psl-360") == off
        assert kept_rows(store) == 11
        assert len(scorings) == 11
