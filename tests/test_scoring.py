"""Scoring rules, hand-checked, and anonymity as a property an attacker cannot break."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcheck.base.responses import Answer, Response
from leadcheck.cohort.statistics import cohort_stats
from leadcheck.instrument.catalog import load_instrument
from leadcheck.instrument.model import Instrument
from leadcheck.instrument.validate import validate_text
from leadcheck.scorecard_json import scorecard_json
from leadcheck.scoring import (
    AGREE_HIGH,
    AGREE_LOW,
    OVER,
    POOLED,
    UNDER,
    agreement_category,
    partition,
    score,
)

SMALL = """
id: small
version: "1"
title: Small
description: Two competencies for hand-checked scoring.
scale:
  points:
    - {value: 1, label: Never}
    - {value: 2, label: Rarely}
    - {value: 3, label: Sometimes}
    - {value: 4, label: Often}
    - {value: 5, label: Always}
rater_groups:
  - {id: self, label: Self}
  - {id: manager, label: Manager, min_raters: 1}
  - {id: peer, label: Peers, min_raters: 3}
  - {id: direct_report, label: Direct reports, min_raters: 3}
  - {id: other, label: Others, min_raters: 3}
competencies:
  - id: listen
    name: Listening
    description: Hears people out.
    items:
      - {id: a, self: I a., others: They a.}
      - {id: b, self: I b., others: They b.}
      - {id: c, self: I interrupt., others: They interrupt., reverse: true}
      - {id: d, self: I d., others: They d.}
  - id: decide
    name: Deciding
    description: Decides well.
    items:
      - {id: e, self: I e., others: They e.}
      - {id: f, self: I f., others: They f.}
questions:
  - {id: keep, self: Keep?, others: Keep?}
scoring:
  blind_spot_gap: 1.0
  hidden_strength_gap: 1.0
"""


@pytest.fixture(scope="module")
def small() -> Instrument:
    inst = validate_text(SMALL, "small.yaml").instrument
    assert inst is not None
    return inst


def r(group: str, comments: Mapping[str, str] | None = None, **answers: Answer) -> Response:
    return Response(group, answers, comments or {})


def test_reverse_items_are_recoded_and_not_observed_is_missing(small: Instrument) -> None:
    card = score(small, [r("self", a=5, b=None, c=1, d=4)], "Ana")
    listen = card.dimension("listen")
    by_id = {i.id: i for i in listen.items}
    assert by_id["c"].self == 5.0  # 1 + 5 - 1
    assert by_id["b"].self is None
    assert listen.self == pytest.approx((5 + 5 + 4) / 3)


def test_a_rater_counts_for_a_competency_only_with_half_its_items(small: Instrument) -> None:
    one_of_four = r("manager", a=4)
    two_of_four = r("manager", a=2, b=4)
    assert score(small, [one_of_four]).dimension("listen").others.n == 0
    card = score(small, [two_of_four])
    assert card.dimension("listen").others.n == 1
    assert card.dimension("listen").others.mean == 3.0


def test_others_weights_each_rater_once_not_each_group(small: Instrument) -> None:
    responses = [
        r("manager", a=1, b=1, c=5, d=1, e=1, f=1),
        r("peer", a=5, b=5, c=1, d=5, e=5, f=5),
        r("peer", a=5, b=5, c=1, d=5, e=5, f=5),
        r("peer", a=5, b=5, c=1, d=5, e=5, f=5),
    ]
    listen = score(small, responses).dimension("listen")
    assert listen.others.mean == pytest.approx((1 + 5 + 5 + 5) / 4)  # not (1 + 5) / 2
    assert listen.groups["manager"].mean == 1.0
    assert listen.groups["peer"].n == 3


def test_item_statistics(small: Instrument) -> None:
    responses = [r("peer", a=2), r("peer", a=4), r("peer", a=4), r("peer", a=None)]
    item = score(small, responses).dimension("listen").items[0]
    assert item.others.n == 3
    assert item.others.mean == pytest.approx(10 / 3)
    assert item.others.sd == pytest.approx(math.sqrt(4 / 3))
    assert (item.others.min, item.others.max) == (2, 4)
    assert item.others.distribution == (0, 1, 0, 2, 0)
    assert item.others.not_observed == 1
    # rwg = 1 - s^2 / ((5^2 - 1) / 12) = 1 - (4/3) / 2
    assert item.rwg == pytest.approx(1 / 3)
    assert item.low_consensus


def test_gap_blind_spots_hidden_strengths_highest_lowest(small: Instrument) -> None:
    responses = [
        r("self", a=5, b=1, c=3, d=3, e=4, f=2),
        r("manager", a=2, b=4, c=3, d=3, e=4, f=2),
    ]
    card = score(small, responses)
    assert [f.item_id for f in card.blind_spots] == ["a"]
    assert card.blind_spots[0].gap == 3.0
    assert [f.item_id for f in card.hidden_strengths] == ["b"]
    assert [f.item_id for f in card.highest[:2]] == ["b", "e"]  # ties keep instrument order
    assert [f.item_id for f in card.lowest[:2]] == ["a", "f"]


@pytest.mark.parametrize(
    ("self_value", "others", "expected"),
    [
        (4.5, 3.5, OVER),
        (3.1, 3.5, AGREE_LOW),
        (3.0, 3.5, UNDER),  # exactly the gap counts
        (4.2, 4.4, AGREE_HIGH),
        (2.0, 4.0, UNDER),
        (3.5, 3.0, OVER),  # exactly the gap counts
        (None, 3.0, None),
    ],
)
def test_agreement_category(self_value: float | None, others: float, expected: str | None) -> None:
    assert agreement_category(self_value, others, 0.5, 4.0) == expected


# -- anonymity ---------------------------------------------------------------------------------


def test_a_lone_peer_is_left_out_of_every_number(small: Instrument) -> None:
    manager = r("manager", a=3, b=3, c=3, d=3, e=3, f=3)
    lone_peer = r("peer", a=1, b=1, c=5, d=1, e=1, f=1)
    card = score(small, [manager, lone_peer])
    listen = card.dimension("listen")
    assert listen.others.mean == 3.0  # the peer's 1s are not in "others"
    assert "peer" not in listen.groups
    assert card.raters == {"manager": 1}
    assert scorecard_json(card)["hidden_groups"] == ["peer"]


def test_small_groups_are_pooled_when_the_pool_meets_the_threshold(small: Instrument) -> None:
    responses = [
        r("peer", a=4, b=4, c=2, d=4),
        r("peer", a=2, b=2, c=4, d=2),
        r("direct_report", a=5, b=5, c=1, d=5),
    ]
    listen = score(small, responses).dimension("listen")
    assert set(listen.groups) == {POOLED}
    assert listen.groups[POOLED].n == 3
    assert listen.others.n == 3


def test_partition_rule() -> None:
    from leadcheck.instrument.model import RaterGroup

    groups = [RaterGroup("self", "Self", 1), RaterGroup("peer", "P", 3), RaterGroup("other", "O", 2)]
    p = partition({"peer": [1.0, 2.0], "other": [3.0]}, groups)
    assert (p.shown, p.pooled_groups, sorted(p.pooled)) == ({}, ("peer", "other"), [1.0, 2.0, 3.0])
    p = partition({"peer": [1.0], "other": [3.0]}, groups)
    assert (p.shown, p.pooled, p.excluded_groups) == ({}, [], ("peer", "other"))


def test_hidden_comments_are_never_attributed_and_small_pools_are_dropped(small: Instrument) -> None:
    lone = r("peer", {"keep": "the lone peer wrote this"}, a=1, b=1)
    manager = r("manager", {"keep": "manager note"}, a=3, b=3)
    card = score(small, [lone, manager], "Ana")
    # Two raters were asked, below the strictest threshold among the groups asked (peers: 3):
    # no comment is shown, not even the manager's, so the lone peer's cannot be told apart by absence.
    assert card.comments == {}
    # Managers (threshold 1) never count toward the peers' threshold: a lone peer's comment
    # printed beside three managers' would be the only one not written by a manager.
    crowd = [r("manager", {"keep": f"note {i}"}, a=3) for i in range(3)]
    card = score(small, [lone, *crowd], "Ana")
    assert card.comments == {}
    peers = [r("peer", {"keep": f"peer note {i}"}, a=3) for i in range(2)]
    card = score(small, [lone, *peers, *crowd], "Ana")
    assert "the lone peer wrote this" in card.comments["keep"]


def test_comment_order_is_shuffled_but_fixed_per_leader(small: Instrument) -> None:
    texts = [f"comment {i}" for i in range(12)]
    responses = [r("peer", {"keep": t}, a=3) for t in texts]
    first = score(small, responses, "Ana").comments["keep"]
    again = score(small, list(reversed(responses)), "Ana").comments["keep"]
    assert first == again
    assert sorted(first) == sorted(texts)
    assert list(first) != sorted(texts)


GROUP_IDS = ["manager", "peer", "direct_report", "other"]


@st.composite
def rater_sets(draw: st.DrawFn) -> list[Response]:
    raters = []
    for group in ["self", *GROUP_IDS]:
        count = draw(st.integers(0, 1 if group in ("self", "manager") else 5))
        for _ in range(count):
            answers = draw(
                st.dictionaries(
                    st.sampled_from(list("abcdef")),
                    st.one_of(st.none(), st.integers(1, 5)),
                    min_size=0,
                    max_size=6,
                )
            )
            raters.append(Response(group, answers))
    return raters


def _figures(doc: Mapping[str, object]) -> list[Mapping[str, object]]:
    """Item figures: competency figures are means of these (tests/test_anonymity.py checks that)."""
    out: list[Mapping[str, object]] = []
    for dim in doc["competencies"]:  # type: ignore[attr-defined]
        out.extend(dim["items"])
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses=rater_sets(), data=st.data())
def test_hidden_ratings_cannot_be_recovered_from_published_figures(
    small: Instrument, responses: list[Response], data: st.DataObject
) -> None:
    """An attacker holds every published figure; they must not learn any hidden rater's answers.

    1. Differencing: in every figure, "others" minus every published group leaves
       nothing, so subtraction recovers no one.
    2. Thresholds: every published group figure rests on at least its
       threshold of raters; the combined group on the strictest threshold of
       the groups it pools.
    3. Invariance: the ratings of any group that was excluded from a figure can
       be changed at will and that figure does not move.
    """
    card = score(small, responses, "Ana")
    doc = scorecard_json(card)
    for fig in _figures(doc):
        others = fig["others"]
        others_n = fig.get("others_n", 0)
        groups = fig["groups"]
        total = sum(g["n"] for g in groups.values())  # type: ignore[attr-defined]
        assert total == others_n
        if others is not None:
            weighted = sum(g["n"] * g["mean"] for g in groups.values())  # type: ignore[attr-defined]
            assert weighted == pytest.approx(others * others_n)  # type: ignore[operator]
        for gid, g in groups.items():  # type: ignore[attr-defined]
            if gid == POOLED:
                continue
            assert g["n"] >= small.group(gid).min_raters
    for dim in card.dimensions:
        for fig_groups, n in [(i.groups, i.others.n) for i in dim.items]:
            if POOLED in fig_groups:
                named = sum(s.n for g, s in fig_groups.items() if g != POOLED)
                pooled = n - named
                assert pooled == fig_groups[POOLED].n
                pooled_groups = {
                    x.group for x in responses if x.group not in fig_groups and x.group != "self"
                }
                assert pooled >= max(small.group(g).min_raters for g in pooled_groups)

    # Invariance: rewrite the ratings (not which items were answered: counts are
    # public) of every group excluded from all figures; nothing may move.
    excluded = {g.id for g in card.groups if g.excluded and not g.shown and not g.pooled}
    if not excluded:
        return
    changed = [
        Response(
            x.group, {k: None if v is None else data.draw(st.integers(1, 5)) for k, v in x.answers.items()}
        )
        if x.group in excluded
        else x
        for x in responses
    ]
    again = scorecard_json(score(small, changed, "Ana"))
    assert again["competencies"] == doc["competencies"]


def test_self_is_never_part_of_others(small: Instrument) -> None:
    card = score(small, [r("self", a=1, b=1, c=5, d=1), r("manager", a=5, b=5, c=1, d=5)])
    assert card.dimension("listen").others.mean == 5.0
    assert card.dimension("listen").self == 1.0


# -- cohort, re-assessment, shipped instruments ---------------------------------------------------


def test_cohort_statistics(small: Instrument) -> None:
    def leader(level: int, peers: int = 6) -> list[Response]:
        return [r("self", a=level, b=level, c=6 - level, d=level, e=3, f=3)] + [
            r("peer", a=level, b=min(5, level + 1), c=6 - level, d=level, e=3, f=4) for _ in range(peers)
        ]

    # Alpha is over leaders (their published all-others item means); below ALPHA_MIN_LEADERS (10)
    # leaders it is not published; the count is.
    few = {"A": leader(2, 3), "B": leader(3, 3), "C": leader(5, 3)}
    reliability = cohort_stats([score(small, rs, n) for n, rs in few.items()], few).dimensions[0].reliability
    assert (reliability.n, reliability.alpha) == (3, None)

    data = {"A": leader(2), "B": leader(3), "C": leader(5)}
    cards = [score(small, responses, name) for name, responses in data.items()]
    stats = cohort_stats(cards, data)
    listen = stats.dimensions[0]
    assert listen.percentiles == {"A": pytest.approx(100 / 6), "B": 50.0, "C": pytest.approx(500 / 6)}
    assert listen.mean == pytest.approx(sum(c.dimension("listen").others.mean or 0 for c in cards) / 3)
    assert stats.response_rates["peer"] == 1.0
    assert stats.response_rates["direct_report"] == 0.0
    assert stats.self_rate == 1.0
    assert sum(stats.categories.values()) == 6


def test_reassessment_change(small: Instrument) -> None:
    before = score(small, [r("self", a=2, b=2), r("manager", a=2, b=2)])
    after = score(small, [r("self", a=3, b=3), r("manager", a=4, b=4)])
    from leadcheck.change import compare

    change = compare(before, after).dimension("listen")
    assert change is not None
    assert change.self_change == 1.0
    assert change.others_change == 2.0


def test_psl_360_scores_and_serialises() -> None:
    import json

    inst = load_instrument("psl-360")
    answers = dict.fromkeys(inst.items, 4)
    card = score(inst, [Response("self", answers)] + [Response("peer", answers)] * 3, "Ana")
    doc = json.loads(json.dumps(scorecard_json(card)))
    assert [c["id"] for c in doc["competencies"]] == [c.id for c in inst.competencies]
    assert [v["id"] for v in doc["values"]] == [v.id for v in inst.values]
    assert doc["raters"] == {"self": 1, "peer": 3}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses=rater_sets(), data=st.data())
def test_a_figure_does_not_move_with_the_ratings_it_excludes(
    small: Instrument, responses: list[Response], data: st.DataObject
) -> None:
    """Per item: change the ratings of the groups left out of that item's figure; it stays put."""
    card = score(small, responses, "Ana")
    doc = scorecard_json(card)
    items = {i["id"]: i for dim in doc["competencies"] for i in dim["items"]}  # type: ignore[attr-defined]
    for dim in card.dimensions:
        for item in dim.items:
            counted = set(item.groups) - {POOLED}
            if POOLED in item.groups:
                counted |= {x.group for x in responses if x.group not in counted}
            left_out = {x.group for x in responses if x.group not in counted and x.group != "self"}
            if not left_out:
                continue
            changed = [
                Response(
                    x.group,
                    {
                        k: (data.draw(st.integers(1, 5)) if k == item.id and v is not None else v)
                        for k, v in x.answers.items()
                    },
                )
                if x.group in left_out
                else x
                for x in responses
            ]
            again = scorecard_json(score(small, changed, "Ana"))
            again_items = {
                i["id"]: i
                for d in again["competencies"]  # type: ignore[attr-defined]
                for i in d["items"]
            }
            assert again_items[item.id] == items[item.id]


@given(st.lists(st.integers(1, 7), min_size=2, max_size=20), st.integers(7, 9))
def test_item_rwg_is_the_library_rwg(values: list[int], points: int) -> None:
    # One home for rwg: scoring publishes stats.item_rwg, the unchecked form of stats.rwg.
    from leadcheck import scoring, stats

    assert stats.item_rwg([float(v) for v in values], points) == stats.rwg(values, points)
    assert stats.item_rwg([float(values[0])], points) is None
    assert not hasattr(scoring, "_rwg")  # no second copy of the formula


def test_a_rating_hidden_in_its_item_never_enters_the_competency(small: Instrument) -> None:
    """The leak a reviewer found: two direct reports' ratings of item f were hidden in f's
    figure (only two answered), yet counted in the competency's figure, where subtracting
    the item figures gave them back."""
    responses = [
        r("self", e=4, f=4),
        r("manager", e=4, f=4),
        r("direct_report", e=4, f=1),
        r("direct_report", e=4, f=1),
        r("direct_report", e=4, f=None),
    ]
    decide = score(small, responses).dimension("decide")
    f = decide.items[1]
    assert "direct_report" not in f.groups
    assert f.others.n == 1  # the manager only
    assert decide.groups["direct_report"].mean == 4.0  # from item e alone: f's hidden 1s are not in it
    assert decide.others.mean == 4.0


def test_not_observed_is_counted_for_an_item_nobody_observed(small: Instrument) -> None:
    responses = [r("manager", a=3, b=None), *[r("peer", a=3, b=None) for _ in range(3)], r("other", b=None)]
    b = score(small, responses).dimension("listen").items[1]
    assert b.others.n == 0
    assert b.others.not_observed == 4  # the lone "other" rater's answer is not published, even as a count


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses=rater_sets(), data=st.data())
def test_ratings_left_out_of_an_item_move_no_published_figure(
    small: Instrument, responses: list[Response], data: st.DataObject
) -> None:
    """Change any rating that an item's figure leaves out: no figure anywhere may move.
    Change a rating that only the combined group shows: no named group's figure may move."""
    card = score(small, responses, "Ana")
    doc = scorecard_json(card)
    for dim in card.dimensions:
        for item in dim.items:
            named = set(item.groups) - {POOLED}
            pooled_groups = (
                {x.group for x in responses if x.group not in named and x.group != "self"}
                if POOLED in item.groups
                else set()
            )
            for index, x in enumerate(responses):
                if x.group == "self" or x.answers.get(item.id) is None or x.group in named:
                    continue
                new_value = data.draw(st.integers(1, 5))
                changed = list(responses)
                changed[index] = Response(x.group, {**x.answers, item.id: new_value})
                again = scorecard_json(score(small, changed, "Ana"))
                if x.group in pooled_groups:
                    for before, after in zip(doc["competencies"], again["competencies"], strict=True):  # type: ignore[call-overload]
                        for fig_before, fig_after in [
                            (before, after),
                            *zip(before["items"], after["items"], strict=True),
                        ]:
                            own_before = {g: v for g, v in fig_before["groups"].items() if g != POOLED}
                            own_after = {g: v for g, v in fig_after["groups"].items() if g != POOLED}
                            assert own_before == own_after
                else:
                    assert again["competencies"] == doc["competencies"]


def test_cohort_alpha_uses_only_the_published_item_means(small: Instrument) -> None:
    """Cronbach's alpha in the cohort summary is the alpha of the leaders' published all-others item
    means (one row per leader): no rating a report does not publish enters it."""
    from leadcheck.stats import cronbach_alpha

    def leader(n: int) -> list[Response]:
        base = 1 + n % 5
        return [r("self", a=3, b=3, c=3, d=3, e=3, f=3)] + [
            r("peer", a=base, b=min(5, base + k % 2), c=6 - base, d=max(1, base - k % 3), e=3, f=1 + k % 5)
            for k in range(4)
        ]

    data = {f"L{n:02d}": leader(n) for n in range(12)}
    cards = [score(small, responses, name) for name, responses in data.items()]
    listen = cohort_stats(cards, data).dimensions[0]
    rows = [[i.others.mean for i in c.dimension("listen").items] for c in cards]
    assert all(m is not None for row in rows for m in row)
    assert listen.reliability.n == 12
    assert listen.reliability.alpha == pytest.approx(cronbach_alpha(rows), rel=1e-12)
    # And no responses at all: alpha is read from the scorecards alone.
    assert cohort_stats(cards, {}).dimensions[0].reliability == listen.reliability
