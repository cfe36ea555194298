"""Development plans in the workspace: one per round, replaced whole, gone with the round."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadcheck.base.errors import StoreError
from leadcheck.instrument.catalog import load_instrument
from leadcheck.store import Store
from leadcheck.store.plans import MAX_FOCUS, Focus, focus_problem


def _round(store: Store, name: str = "Ana", new: bool = False) -> tuple[int, int]:
    with store.transaction():
        leader = store.leaders.ensure(name)
        assessment = store.assessments.current_or_new(leader, load_instrument("psl-360"), new=new)
    return leader.id, assessment.id


FOCUS = (
    Focus("sa-1", "Ask two peers for feedback after each review", "my team", "2027-02-01"),
    Focus("ar-2", "Name one owner per action in meeting notes", "my manager", "2027-03-01"),
)


def test_a_plan_is_stored_per_round_and_replaced_whole(tmp_path: Path) -> None:
    with Store.open(tmp_path / "w.db") as store:
        leader_id, first = _round(store)
        assert store.plans.of_round(first) is None and store.plans.latest(leader_id) is None
        saved = store.plans.save(leader_id, first, FOCUS)
        assert store.plans.of_round(first) == saved
        assert saved.focus == FOCUS and len(saved.made_on) == 10
        store.plans.save(leader_id, first, FOCUS[1:])
        assert store.plans.of_round(first).focus == FOCUS[1:]  # type: ignore[union-attr]
        _, second = _round(store, new=True)
        store.plans.save(leader_id, second, FOCUS[:1])
        assert store.plans.latest(leader_id).assessment_id == second  # type: ignore[union-attr]


def test_a_plan_goes_with_its_round_and_its_leader(tmp_path: Path) -> None:
    with Store.open(tmp_path / "w.db") as store:
        leader_id, first = _round(store)
        store.plans.save(leader_id, first, FOCUS)
        with store.transaction() as c:
            c.execute("DELETE FROM assessments WHERE id = ?", (first,))
        assert store.plans.of_round(first) is None
        assert store.conn.execute("SELECT count(*) FROM plan_focus").fetchone()[0] == 0


@pytest.mark.parametrize("count", [0, MAX_FOCUS + 1])
def test_a_plan_names_one_to_three_behaviours(tmp_path: Path, count: int) -> None:
    focus = [Focus(f"i{n}", "a", "b", "2027-01-01") for n in range(count)]
    assert focus_problem(focus) is not None
    with Store.open(tmp_path / "w.db") as store:
        leader_id, first = _round(store)
        with pytest.raises(StoreError, match="1 to 3 behaviours"):
            store.plans.save(leader_id, first, focus)
        assert store.plans.of_round(first) is None


def test_a_behaviour_is_named_once() -> None:
    assert "named twice" in (focus_problem([FOCUS[0], FOCUS[0]]) or "")
    assert focus_problem(FOCUS) is None
