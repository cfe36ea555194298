"""Exact thresholds, instrument-order ties, and findings ranked by the strength of their evidence."""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcheck import priorities
from leadcheck.base import exact
from leadcheck.base.responses import Response
from leadcheck.instrument.catalog import load_instrument
from leadcheck.instrument.model import Instrument, ScoringSettings
from leadcheck.scorecard_json import scorecard_json
from leadcheck.scoring import OVER, UNDER, agreement_category, is_blind_spot, score


@pytest.fixture(scope="module")
def psl() -> Instrument:
    return load_instrument("psl-360")


def with_scoring(inst: Instrument, **kwargs: float) -> Instrument:
    return dataclasses.replace(inst, scoring=dataclasses.replace(inst.scoring, **kwargs))


def mean(values: list[int]) -> float:
    return sum(values) / len(values)


def test_a_gap_of_exactly_the_threshold_counts_despite_floating_point() -> None:
    self_value, others = 13 / 3, 23 / 6
    assert self_value - others < 0.5  # what floats say: 0.49999999999999956
    assert agreement_category(self_value, others, 0.5, 4.0) == OVER
    assert agreement_category(others, self_value, 0.5, 4.0) == UNDER
    ten = mean([4] * 7 + [3] * 3)  # 3.7
    assert 4 - ten < 0.3
    assert is_blind_spot(4.0, ten, ScoringSettings(blind_spot_gap=0.3))


def test_blind_spot_of_exactly_the_threshold_through_scoring(psl: Instrument) -> None:
    inst = with_scoring(psl, blind_spot_gap=0.3, hidden_strength_gap=0.3)
    item = next(iter(inst.items))
    other = list(inst.items)[1]
    answers_self = dict.fromkeys(inst.items, 3)
    answers_self[item] = 4
    raters = [Response("self", answers_self)]
    # Others rate the item 3.7 (gap +0.3) and another 3.3 (gap -0.3): the leader's overall
    # difference is exactly 0, so the relative gap is exactly the threshold.
    for k in range(10):
        answers = dict.fromkeys(inst.items, 3)
        answers[item] = 4 if k < 7 else 3
        answers[other] = 4 if k < 3 else 3
        raters.append(Response("direct_report", answers))
    card = score(inst, raters, "Exact")
    assert card.levels.leniency == 0
    assert [f.item_id for f in card.blind_spots] == [item]


def test_equal_gaps_are_listed_in_instrument_order_not_by_id_text(psl: Instrument) -> None:
    items = list(psl.items)
    # Others rate a few items 3 and the rest 5; the leader rates everything 5: the same
    # relative gap on each of the few, which must be listed in instrument order.
    straight = [i for i in items if not psl.items[i].reverse]  # a reverse-scored 5 is recoded to 1
    few = [i for i in straight if i.endswith(("-2", "-10"))]
    self_answers = dict.fromkeys(items, 5)
    answers = {i: 3 if i in few else 5 for i in items}
    others = [Response("direct_report", answers) for _ in range(3)]
    card = score(psl, [Response("self", self_answers), *others], "Ties")
    listed = [f.item_id for f in card.blind_spots]
    assert listed == few  # e.g. ar-2 before ar-10
    assert listed.index("ar-2") < listed.index("ar-10")
    assert [f.item_id for f in card.highest] == [i for i in straight if i not in few][:5]


def test_min_item_fraction_is_compared_exactly(psl: Instrument) -> None:
    # 0.3 x 10 items is 3.0000000000000004 in floats: three answered items must still count.
    dim = next(d for d in psl.competencies if len(d.items) == 10)
    inst = with_scoring(psl, min_item_fraction=0.3)
    answers = {i.id: 4 for i in dim.items[:3]}
    card = score(inst, [Response("self", answers)], "Fraction")
    assert card.dimension(dim.id).self == 4.0


scores = st.lists(st.integers(1, 5), min_size=1, max_size=12)
limits = st.integers(1, 200).map(lambda k: k / 100)


@given(scores, scores, limits)
def test_categories_agree_with_rational_arithmetic(mine: list[int], theirs: list[int], limit: float) -> None:
    self_value, others = mean(mine), mean(theirs)
    gap = Fraction(sum(mine), len(mine)) - Fraction(sum(theirs), len(theirs))
    threshold = Fraction(round(limit * 100), 100)
    category = agreement_category(self_value, others, limit, 4.0)
    assert (category == OVER) == (gap >= threshold)
    assert (category == UNDER) == (gap <= -threshold)
    settings = ScoringSettings(blind_spot_gap=limit)
    assert is_blind_spot(self_value, others, settings) == (gap >= threshold)


@given(st.lists(st.lists(st.integers(1, 5), min_size=1, max_size=10), min_size=1, max_size=30))
def test_exact_recovers_means_of_rater_means(raters: list[list[int]]) -> None:
    true = sum(Fraction(sum(r), len(r)) for r in raters) / len(raters)
    computed = math.fsum(sum(r) / len(r) for r in raters) / len(raters)
    assert exact.exact(computed) == true


def test_t_quantile_matches_published_values() -> None:
    # Student's t, two-sided 95%: 12.706 (1 df), 2.365 (7), 2.262 (9), 1.984 (100).
    for df, t in ((1, 12.7062047), (7, 2.3646243), (9, 2.2621572), (100, 1.9839715)):
        assert priorities.t_quantile(df) == pytest.approx(t, abs=1e-6)


def test_findings_are_ranked_by_strength_of_evidence(psl: Instrument) -> None:
    items = list(psl.items)
    a, b, c = items[0], items[1], items[2]
    self_answers = dict.fromkeys(items, 3)
    self_answers.update({a: 5, b: 5, c: 5})
    raters = [Response("self", self_answers)]
    # Three raters each. a: all 4 (gap 1; three raters who agree still leave an interval of
    # ±1.43, the SD floored at 1/√3: tentative); b: 5, 5, 1 (gap 1.33, a wide interval:
    # tentative, and weaker than a); c: all 3 (gap 2, outside even the floored interval: clear).
    for answer_b in (5, 5, 1):
        answers = dict.fromkeys(items, 3)
        answers[a] = 4
        answers[b] = answer_b
        raters.append(Response("direct_report", answers))
    card = score(psl, raters, "Evidence")
    ranked = priorities.rank(card, card.blind_spots)
    assert [r.finding.item_id for r in ranked] == [c, a, b]
    assert [r.strength for r in ranked] == [priorities.CLEAR, priorities.TENTATIVE, priorities.TENTATIVE]
    tentative = ranked[2]
    assert tentative.low is not None and tentative.high is not None
    assert tentative.low < 3 and tentative.high == 5  # clipped to the scale
    assert ranked[1].low is not None and ranked[1].high is not None and ranked[1].high > ranked[1].low
    assert "inside" in tentative.evidence
    assert "outside" in ranked[0].evidence


def test_reverse_scored_items_are_marked_in_json(psl: Instrument) -> None:
    reverse = next(i for i in psl.items.values() if i.reverse)
    items = list(psl.items)
    self_answers = dict.fromkeys(items, 3)
    self_answers[reverse.id] = 1  # recoded to 5: a blind spot
    others = [Response("peer", dict.fromkeys(items, 3)) for _ in range(3)]
    card = score(psl, [Response("self", self_answers), *others], "Reverse")
    data = scorecard_json(card)
    spot = next(f for f in data["blind_spots"] if f["id"] == reverse.id)  # type: ignore[attr-defined]
    assert spot["reverse"] is True
    assert "higher score means this happens less often" in spot["meaning"]
    items_json = [i for c in data["competencies"] for i in c["items"]]  # type: ignore[attr-defined]
    assert all(i["reverse"] is psl.items[i["id"]].reverse for i in items_json)


def test_equal_scores_compare_equal_however_computed() -> None:
    a = (0.7 + 0.7 + 0.7) / 3  # 0.6999999999999998 in floats: a mean of three raters' 0.7
    b = 0.7
    assert a != b
    assert exact.canonical(a) == exact.canonical(b)
    from leadcheck.stats import percentile_rank

    population = [exact.canonical(v) for v in (a, b, 2.0)]
    assert percentile_rank(exact.canonical(a), population) == percentile_rank(exact.canonical(b), population)
