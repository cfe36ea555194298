"""Findings relative to each source's own level, evidence intervals, importance ordering (leadcheck.findings)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadcheck import findings, importance, priorities
from leadcheck.base import text as txt
from leadcheck.base.responses import Response
from leadcheck.instrument.catalog import load_instrument
from leadcheck.instrument.model import Instrument, importance_key
from leadcheck.scoring import score


@pytest.fixture(scope="module")
def psl() -> Instrument:
    return load_instrument("psl-360")


def _responses(inst: Instrument, self_shift: int, others: list[dict[str, int]]) -> list[Response]:
    """Others' answers as given; the leader's: others' rounded mean on each item, moved by ``self_shift``."""
    low, top = inst.scale.min, inst.scale.max
    mean = {k: round(sum(a[k] for a in others) / len(others)) for k in others[0]}
    self_answers = {k: max(low, min(top, v + self_shift)) for k, v in mean.items()}
    return [Response("self", self_answers)] + [
        Response("peer" if n else "manager", a, rater=f"r{n}") for n, a in enumerate(others)
    ]


def _others(inst: Instrument, seed: int, raters: int = 4) -> list[dict[str, int]]:
    import random

    rng = random.Random(seed)
    return [{i: rng.randint(1, 4) for i in inst.items} for _ in range(raters)]


def test_a_lenient_self_rater_does_not_get_a_blind_spot_everywhere(psl: Instrument) -> None:
    others = _others(psl, 1)
    plain = score(psl, _responses(psl, 0, others), "A")
    lenient = score(psl, _responses(psl, 1, others), "A")
    raw_blind = sum(
        1
        for d in lenient.dimensions
        for i in d.items
        if i.self is not None and i.others.mean is not None and i.self - i.others.mean >= 0.75
    )
    # A leader who sees what others see, one point higher everywhere: raw gaps call many items
    # blind spots, the centred rule next to none.
    assert raw_blind >= 10
    assert len(lenient.blind_spots) <= raw_blind // 5
    assert lenient.levels.leniency > plain.levels.leniency
    for f in lenient.blind_spots:
        assert f.relative_gap is not None and f.relative_gap >= Fraction(3, 4)
        assert f.relative_gap == findings.relative_gap(f.self, f.others, lenient.levels)


def test_a_hidden_strength_is_a_strength_and_never_among_the_lowest(psl: Instrument) -> None:
    for seed in range(6):
        card = score(psl, _responses(psl, -1, _others(psl, seed, 5)), "B")
        lowest = {f.item_id for f in card.lowest}
        for f in card.hidden_strengths:
            assert f.others is not None and f.others >= psl.scoring.high_score
            assert f.item_id not in lowest


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=2, max_value=12),
    value=st.integers(min_value=1, max_value=5),
    spread=st.floats(min_value=0, max_value=2.5),
)
def test_intervals_stay_on_the_scale_and_are_never_zero_wide(n: int, value: int, spread: float) -> None:
    bounds = findings.interval(float(value), spread, n, 1, 5)
    assert bounds is not None
    low, high = bounds
    assert 1 <= low <= value <= high <= 5
    assert high > low


def test_three_raters_who_agree_give_a_wide_interval_not_certainty() -> None:
    bounds = findings.interval(3.0, 0.0, 3, 1, 5)
    assert bounds is not None
    assert txt.score(bounds[0]) == "1.57" and txt.score(bounds[1]) == "4.43"
    assert findings.certainty_words(bounds, 3).startswith("uncertain")
    # One rater: no interval at all.
    assert findings.interval(3.0, None, 1, 1, 5) is None


def test_no_finding_is_clear_on_a_degenerate_interval(psl: Instrument) -> None:
    # Three peers and a manager all answer 3; the leader answers 5 on one item and 3 elsewhere.
    item = next(iter(psl.items))
    same = dict.fromkeys(psl.items, 3)
    responses = [Response("self", {**same, item: 5})] + [
        Response(g, same, rater=f"r{n}") for n, g in enumerate(["manager", "peer", "peer", "peer"])
    ]
    card = score(psl, responses, "C")
    ranked = priorities.rank(card, card.blind_spots)
    assert [r.finding.item_id for r in ranked] == [item]
    r = ranked[0]
    assert r.low is not None and r.high is not None and r.high > r.low
    assert r.weight != float("inf")


def test_exact_rounding_half_to_even() -> None:
    # 3.275 as a float is 3.27499999...; the exact value rounds half to even to 3.28.
    assert txt.score(13.1 / 4) == "3.28"
    assert txt.signed(4.1 - 13.1 / 4) == "+0.82"  # exactly 0.825: half to even
    assert txt.score(0.125) == "0.12" and txt.score(0.375) == "0.38"


def test_importance_orders_the_development_priorities(psl: Instrument) -> None:
    others = _others(psl, 3)
    card = score(psl, _responses(psl, 0, others), "D")
    plain = [d.id for d in priorities.development_priorities(card, 3)]
    # The leader and the manager call the third-lowest area the most important for the role.
    target = plain[2]
    answers = {importance_key(d.id): (5 if d.id == target else 2) for d in psl.dimensions}
    rated = [
        Response("self", answers),
        Response("manager", answers),
        Response("peer", {importance_key(target): 1}),
    ]
    weights = importance.ratings(psl, rated)
    assert weights[target] == 5  # peers are not asked
    ordered = [d.id for d in priorities.development_priorities(replace(card, importance=weights), 3)]
    assert ordered[0] == target
    assert set(ordered) == set(plain) or len(ordered) == 3


def test_importance_is_optional(psl: Instrument) -> None:
    plain = replace(psl, importance=None)
    assert importance.ratings(plain, [Response("self", {importance_key("self-aware"): 5})]) == {}
    assert psl.importance is not None and psl.importance.groups == ("self", "manager")
