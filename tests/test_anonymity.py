"""The attacker lives here: a reader holding every published figure, from one report or many, tries
to solve for one rater's answers, and must fail.

The reader is as strong as we can make them: they know who was invited, in
which group, and who skipped or did not observe each item (so they know which
raters stand behind each figure). Every mean, count and distribution is a sum
over such a set; min, max and SD are functions of the same multiset. A rater's
rating is exposed when a linear combination of published sets isolates it, so
we check with exact rational linear algebra, independently of the library's
own check, that none does; and that a competency figure adds nothing to its
item figures; and that answers left out of the figures move nothing at all.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcheck.anonymity import OTHERS, POOLED, Thresholds, comment_threshold, partition, publishable
from leadcheck.base.responses import Response
from leadcheck.cohort.statistics import cohort_stats
from leadcheck.cohort.summary import build_cohort_view
from leadcheck.instrument.model import Instrument
from leadcheck.instrument.validate import validate_text
from leadcheck.releases import audit, published, released_from
from leadcheck.report.bundle import load_bundle
from leadcheck.report.render import view_for, view_html
from leadcheck.scorecard_json import scorecard_json
from leadcheck.scoring import (
    Released,
    Scorecard,
    _raters,
    recode,
    score,
)

GROUPS = ("manager", "peer", "direct_report", "other")
BUNDLE = load_bundle()


def instrument_text(
    thresholds: dict[str, int], items: Sequence[int], fraction: float, extra: str = ""
) -> str:
    groups = "\n".join(
        f"  - {{id: {g}, label: {g.replace('_', ' ').title()}, min_raters: {thresholds[g]}}}" for g in GROUPS
    )
    competencies = "\n".join(
        f"  - id: c{c}\n    name: C{c}\n    description: Competency {c}.\n    items:\n"
        + "\n".join(
            f"      - {{id: c{c}-{i}, self: I do {c}.{i}., others: They do {c}.{i}.}}" for i in range(n)
        )
        for c, n in enumerate(items)
    )
    return f"""id: attack
version: "1"
title: Attack
description: Random instruments for the attacker.
scale:
  not_observed: true
  points:
    - {{value: 1, label: One}}
    - {{value: 2, label: Two}}
    - {{value: 3, label: Three}}
    - {{value: 4, label: Four}}
    - {{value: 5, label: Five}}
rater_groups:
  - {{id: self, label: Self}}
{groups}
competencies:
{competencies}
questions:
  - {{id: keep, self: Keep?, others: Keep?}}
  - {{id: dr, self: Reports?, others: Reports?, groups: [direct_report]}}
scoring:
  min_item_fraction: {fraction}
{extra}"""


@st.composite
def instruments(draw: st.DrawFn) -> Instrument:
    thresholds = {"manager": draw(st.integers(1, 2))} | {g: draw(st.integers(2, 4)) for g in GROUPS[1:]}
    items = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    fraction = draw(st.sampled_from([0.0, 0.5, 1.0]))
    result = validate_text(instrument_text(thresholds, items, fraction), "attack.yaml")
    assert result.instrument is not None, result.problems
    return result.instrument


@st.composite
def responses_for(draw: st.DrawFn, instrument: Instrument, most: int = 6) -> list[Response]:
    out = []
    answer = st.one_of(st.none(), st.integers(1, 5))
    for group in ("self", *GROUPS):
        for n in range(draw(st.integers(0, 1 if group == "self" else most))):
            answered = draw(st.lists(st.sampled_from(list(instrument.items)), unique=True))
            answers = {i: draw(answer) for i in answered}
            comments = {q: f"{group} {n} on {q}" for q in draw(st.sets(st.sampled_from(["keep", "dr"])))}
            out.append(Response(group, answers, comments, rater=f"{group}-{n}"))
    return out


# -- the reader's tools ----------------------------------------------------------------------------


def reader_atoms(sets: Sequence[frozenset[str]]) -> list[set[str]]:
    """Atoms of the partition the sets generate (written apart from leadcheck's own)."""
    atoms: list[set[str]] = []
    for s in sets:
        split: list[set[str]] = []
        for atom in atoms:
            inside, outside = atom & s, atom - s
            split.extend(x for x in (inside, outside) if x)
        rest = set(s) - set().union(*atoms) if atoms else set(s)
        atoms = split + ([rest] if rest else [])
    return atoms


def too_small(atom: set[str], instrument: Instrument, floor: int = 1) -> bool:
    """An atom breaks the promise when its protected raters are fewer than their strictest threshold."""
    if len({t.split(":")[1] for t in atom}) < floor:
        return True
    protected = {t.split(":")[1] for t in atom if instrument.group(t.split(":")[0]).min_raters > 1}
    groups = {t.split(":")[0] for t in atom if instrument.group(t.split(":")[0]).min_raters > 1}
    return bool(protected) and len(protected) < max(instrument.group(g).min_raters for g in groups)


def truth_of(responses: Sequence[Response], instrument: Instrument) -> dict[str, tuple[str, object]]:
    """Member name -> (group, answer) for every answer, worked out from the raw answers."""
    out: dict[str, tuple[str, object]] = {}
    for r in _raters(instrument, responses):
        for item_id in instrument.items:
            out[r.member(item_id, r.raw.get(item_id))] = (r.group, r.raw.get(item_id))
    return out


def check_card(card: Scorecard, instrument: Instrument, responses: Sequence[Response]) -> None:
    """Every attack on one report: figures are what their sets say, and no set cuts a small atom."""
    truth = truth_of(responses, instrument)
    for dim in card.dimensions:
        for item in dim.items:
            for channel, members in item.members.items():
                if channel.startswith("state:"):
                    continue
                stat = item.others if channel == OTHERS else item.groups[channel]
                answers = [truth[t][1] for t in members]
                if channel == OTHERS:
                    # All others' ratings are those of the groups shown and pooled; its "not observed"
                    # counts every group whose set is published (for its state too).
                    assert stat.not_observed == sum(1 for a in answers if a == "not observed")
                    shown = [m for c, m in item.members.items() if c in item.groups]
                    answers = [truth[t][1] for t in set().union(*shown)] if shown else []
                    assert stat.n == sum(1 for a in answers if isinstance(a, int))
                    continue
                values = sorted(
                    recode(instrument, instrument.items[item.id], a) for a in answers if isinstance(a, int)
                )
                assert stat.n == len(values)
                assert stat.not_observed == sum(1 for a in answers if a == "not observed")
                assert stat.mean == pytest.approx(math.fsum(values) / len(values))
                assert stat.distribution == tuple(values.count(p) for p in range(1, 6))
                if channel not in (OTHERS, POOLED):
                    assert {truth[t][0] for t in members} == {channel}
                    assert len(values) >= instrument.group(channel).min_raters
            assert not any(too_small(a, instrument) for a in reader_atoms(list(item.members.values())))
        # A competency figure is the mean of the item figures shown for the same group: it adds nothing.
        for channel, stat in [(OTHERS, dim.others), *dim.groups.items()]:
            if stat.mean is None:
                continue
            items = [i.others if channel == OTHERS else i.groups.get(channel) for i in dim.items]
            means = [s.mean for s in items if s is not None and s.mean is not None]
            assert stat.mean == pytest.approx(math.fsum(means) / len(means))
    # Comments: the list is about every answer of the raters asked, and that set is a good atom.
    for q in instrument.questions:
        asked = [r for r in responses if r.group != "self" and q.asks(r.group)]
        if q.id in card.comments:
            floor = comment_threshold(instrument, q)
            assert not too_small(set(card.comment_members[q.id].members), instrument, floor)
            assert len(card.comment_members[q.id].members) == len(asked)
            assert all(text in {r.comments.get(q.id) for r in asked} for text in card.comments[q.id])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_figure_of_one_report_singles_a_rater_out(data: st.DataObject) -> None:
    instrument = data.draw(instruments())
    responses = data.draw(responses_for(instrument))
    check_card(score(instrument, responses, "Ana"), instrument, responses)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_ratings_left_out_move_no_published_number(data: st.DataObject) -> None:
    """Change one left-out rating (not whether it was given): the report and the cohort do not move."""
    instrument = data.draw(instruments())
    responses = data.draw(responses_for(instrument))
    card = score(instrument, responses, "Ana")
    published_sets = {
        (i.id, t) for d in card.dimensions for i in d.items for c, m in i.members.items() for t in m
    }
    left_out = [
        (index, item_id)
        for index, r in enumerate(_raters(instrument, responses))
        for item_id in r.items
        if r.group != "self" and (item_id, r.member(item_id, r.raw.get(item_id))) not in published_sets
    ]
    if not left_out:
        return
    index, item_id = data.draw(st.sampled_from(left_out))
    old = responses[index].answers[item_id]
    new_value = data.draw(st.integers(1, 5).filter(lambda v: v != old))
    changed = list(responses)
    changed[index] = Response(
        responses[index].group,
        {**responses[index].answers, item_id: new_value},
        responses[index].comments,
        rater=responses[index].rater,
    )
    again = score(instrument, changed, "Ana")
    assert scorecard_json(again) == scorecard_json(card)
    day = date(2026, 1, 1)
    assert view_html(view_for(again, generated=day), BUNDLE) == view_html(
        view_for(card, generated=day), BUNDLE
    )
    before = cohort_stats([card], {"Ana": responses})
    after = cohort_stats([again], {"Ana": changed})
    assert build_cohort_view(after, "c", {"Ana": "Ana"}) == build_cohort_view(before, "c", {"Ana": "Ana"})


def test_the_skip_pattern_attack_of_the_issue_fails() -> None:
    """Issue 11's attack: x = 2N*competency - N*item1 - (N-1)*item2 recovered a rater who skipped."""
    instrument = validate_text(
        instrument_text({"manager": 1, "peer": 4, "direct_report": 3, "other": 3}, [2], 0.5), "a.yaml"
    ).instrument
    assert instrument is not None
    peers = [
        Response("peer", {"c0-0": 1, "c0-1": 2}, rater="p1"),
        Response("peer", {"c0-0": 4, "c0-1": 5}, rater="p2"),
        Response("peer", {"c0-0": 3, "c0-1": 3}, rater="p3"),
        Response("peer", {"c0-0": 5}, rater="p4"),  # skips the second item
        Response("peer", {"c0-0": 2, "c0-1": 4}, rater="p5"),
    ]
    card = score(instrument, peers, "Ana")
    dim = card.dimensions[0]
    first, second = (i.groups["peer"].mean for i in dim.items)
    n = dim.items[0].groups["peer"].n
    assert first is not None and second is not None and dim.groups["peer"].mean is not None
    guess = 2 * n * dim.groups["peer"].mean - n * first - (n - 1) * second
    assert guess != pytest.approx(5)  # p4's answer to the first item is not recovered
    assert dim.groups["peer"].mean == pytest.approx((first + second) / 2)
    check_card(card, instrument, peers)


def test_a_question_asked_of_one_small_group_shows_no_comment() -> None:
    instrument = validate_text(
        instrument_text({"manager": 1, "peer": 3, "direct_report": 3, "other": 3}, [2], 0.5), "a.yaml"
    ).instrument
    assert instrument is not None
    raters = [Response("peer", {"c0-0": 3}, {"keep": f"peer {n}"}, rater=f"p{n}") for n in range(5)]
    lone = Response("direct_report", {"c0-0": 2}, {"dr": "the only direct report wrote this"}, rater="d")
    card = score(instrument, [*raters, lone], "Ana")
    assert "dr" not in card.comments  # only direct reports were asked, and there is one
    assert len(card.comments["keep"]) == 5
    more = [Response("direct_report", {"c0-0": 4}, {"dr": f"report {n}"}, rater=f"d{n}") for n in range(2)]
    assert len(score(instrument, [*raters, lone, *more], "Ana").comments["dr"]) == 3


def test_a_higher_comment_threshold_per_instrument() -> None:
    text = instrument_text(
        {"manager": 1, "peer": 3, "direct_report": 3, "other": 3}, [1], 0.5, "  min_comment_raters: 6\n"
    )
    instrument = validate_text(text, "a.yaml").instrument
    assert instrument is not None
    raters = [Response("peer", {"c0-0": 3}, {"keep": f"peer {n}"}, rater=f"p{n}") for n in range(5)]
    assert score(instrument, raters, "Ana").comments == {}
    sixth = Response("peer", {"c0-0": 3}, {"keep": "peer 5"}, rater="p5")
    assert len(score(instrument, [*raters, sixth], "Ana").comments["keep"]) == 6


# -- many releases -------------------------------------------------------------------------------


def release(card: Scorecard) -> Released:
    """What the ledger keeps of a report, read back as the next scoring sees it."""
    return released_from(published(card))


def ledger_is_sound(instrument: Instrument, history: Sequence[Released]) -> None:
    """The reader's own check over every release: no item or question set cuts a small atom."""
    for item_id in instrument.items:
        sets = [m for rel in history if item_id in rel.items for m in rel.items[item_id].members.values()]
        assert not any(too_small(a, instrument) for a in reader_atoms(sets)), item_id
    for q in instrument.questions:
        sets = [rel.comments[q.id].members for rel in history if q.id in rel.comments]
        floor = comment_threshold(instrument, q)
        assert not any(too_small(a, instrument, floor) for a in reader_atoms(sets)), q.id


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_reports_released_one_after_another_never_cut_a_small_atom(data: st.DataObject) -> None:
    """Raters arrive, correct their answers and withdraw between reports; the reader holds every report."""
    instrument = data.draw(instruments())
    pool = data.draw(responses_for(instrument, most=5))
    history: list[Released] = []
    for _ in range(data.draw(st.integers(2, 4))):
        present = [r for r in pool if data.draw(st.booleans())]
        corrected = [
            Response(
                r.group,
                {k: (v if v is None else 6 - v) for k, v in r.answers.items()},
                r.comments,
                rater=r.rater,
            )
            if data.draw(st.integers(0, 4)) == 0
            else r
            for r in present
        ]
        card = score(instrument, corrected, "Ana", released=history)
        check_card(card, instrument, corrected) if not card.held else None
        history.append(release(card))
    ledger_is_sound(instrument, history)
    assert audit(instrument, [_row_of(r) for r in history]) == []


# -- the brute-force reader ----------------------------------------------------------------------
#
# A reader who knows the whole timeline (who answered before which release, who left, who corrected
# an answer) and holds every release tries every assignment of answers to every rater, keeps those
# that print exactly what was printed (every figure: n, mean, SD, range, counts per point, not
# observed, rwg, held marks, group states and counts, comments), and asks whether a protected
# rater's answer is the same in all of them while their group did not all answer alike.

ONE_ITEM = validate_text(
    instrument_text({"manager": 1, "peer": 3, "direct_report": 2, "other": 3}, [1], 0.5), "a.yaml"
).instrument
assert ONE_ITEM is not None
ANSWERS: tuple[int | None, ...] = (1, 4, None)


def printed(card: Scorecard) -> object:
    """Everything a report prints about others, as one comparable value (no member names)."""
    doc = scorecard_json(card)
    return json.dumps(doc, sort_keys=True, default=str)


def releases_for(
    timeline: Sequence[Sequence[tuple[str, str, str]]], values: dict[str, int | None]
) -> list[object]:
    """Score each release of ``timeline`` (raters as (name, group, version)) on ``values``."""
    history: list[Released] = []
    out = []
    for present in timeline:
        responses = [
            Response(group, {} if values[version] == "skip" else {"c0-0": values[version]}, rater=name)
            for name, group, version in present
        ]
        card = score(ONE_ITEM, responses, "Ana", released=history)
        history.append(release(card))
        out.append(printed(card))
    return out


@st.composite
def timelines(draw: st.DrawFn) -> list[list[tuple[str, str, str]]]:
    names = [
        ("m", "manager"),
        ("p1", "peer"),
        ("p2", "peer"),
        ("p3", "peer"),
        ("p4", "peer"),
        ("d1", "direct_report"),
        ("d2", "direct_report"),
    ]
    chosen = draw(st.lists(st.sampled_from(names), min_size=2, max_size=5, unique=True))
    out = []
    versions = {n: 0 for n, _ in chosen}
    for _ in range(draw(st.integers(2, 3))):
        present = [(n, g) for n, g in chosen if draw(st.booleans())]
        for n, _ in present:
            if draw(st.integers(0, 4)) == 0:
                versions[n] += 1  # a correction: a new answer, unknown to the reader
        out.append([(n, g, f"{n}.{versions[n]}") for n, g in present])
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timeline=timelines(), data=st.data())
def test_the_brute_force_reader_determines_no_protected_answer(
    timeline: list[list[tuple[str, str, str]]], data: st.DataObject
) -> None:
    variables = sorted({v for present in timeline for _, _, v in present})
    if len(variables) > 5:
        return
    truth = {v: data.draw(st.sampled_from(ANSWERS)) for v in variables}
    seen = releases_for(timeline, truth)
    consistent = [
        dict(zip(variables, combo, strict=True))
        for combo in itertools.product(ANSWERS, repeat=len(variables))
        if releases_for(timeline, dict(zip(variables, combo, strict=True))) == seen
    ]
    group_of = {v: g for present in timeline for _, g, v in present}
    for v in variables:
        group = group_of[v]
        if ONE_ITEM.group(group).min_raters <= 1:
            continue
        if len({c[v] for c in consistent}) > 1:
            continue
        # Determined: only allowed when everyone of that group in every release it was in agreed.
        peers_alike = all(
            len({truth[w] for _, g, w in present if g == group}) == 1
            for present in timeline
            if any(w == v for _, _, w in present)
        )
        assert peers_alike, f"{v} determined: {truth}"


def test_the_swap_of_issue_20_is_held() -> None:
    """Class 1: one leaves, one arrives. Old main called {a,b,c} then {b,c,d} safe; the counts per
    point of the two releases give both the leaver's and the arrival's rating."""
    peers = [Response("peer", {"c0-0": v}, rater=n) for n, v in (("a", 1), ("b", 3), ("c", 3))]
    first = score(ONE_ITEM, peers, "Ana")
    swapped = [*peers[1:], Response("peer", {"c0-0": 5}, rater="d")]
    second = score(ONE_ITEM, swapped, "Ana", released=[release(first)])
    assert second.held
    assert second.dimensions[0].items[0].groups == first.dimensions[0].items[0].groups
    assert not publishable([{"a", "b", "c"}, {"b", "c", "d"}], Thresholds({"p": 3}))


def test_managers_comments_wait_for_as_many_people_as_their_form_promises() -> None:
    """A manager's form says comments show once at least 3 people were asked: two managers are not enough."""
    instrument = validate_text(
        instrument_text({"manager": 1, "peer": 3, "direct_report": 3, "other": 3}, [1], 0.5), "a.yaml"
    ).instrument
    assert instrument is not None
    managers = [Response("manager", {"c0-0": 3}, {"keep": f"manager {n}"}, rater=f"m{n}") for n in range(3)]
    assert score(instrument, managers[:2], "Ana").comments == {}
    assert len(score(instrument, managers, "Ana").comments["keep"]) == 3


def test_the_atoms_rule_by_hand() -> None:
    t = Thresholds({"peer": 3, "manager": 1})
    a, b, c, d, e, f = (f"peer:{x}:1" for x in "abcdef")
    m = "manager:m:1"
    assert publishable([{a, b, c}], t)
    assert not publishable([{a, b}], t)
    assert not publishable([{a, b, c}, {a, b, c, d}], t)  # a late peer
    assert publishable([{a, b, c}, {a, b, c, d, e, f}], t)  # three late peers together
    assert not publishable([{a, b, c}, {"peer:a:2", b, c}], t)  # a corrected answer
    assert publishable([{a, b, c}, {a, b, c, m}], t)  # a manager may stand alone
    assert not publishable([{a, b, m}], t)  # but never counts toward the peers' threshold
    assert not publishable([{a, b, c, d}, {a, b}, {c, d, e, f}], t)


def test_a_late_peer_is_held_back_until_enough_have_arrived() -> None:
    """Issue 11's attack: report at 3 peers, a 4th answers, report again: 4*m2 - 3*m1 was their answer."""
    instrument = validate_text(
        instrument_text({"manager": 1, "peer": 3, "direct_report": 3, "other": 3}, [2], 0.5), "a.yaml"
    ).instrument
    assert instrument is not None
    peers = [Response("peer", {"c0-0": v, "c0-1": v}, {"keep": f"c{v}"}, rater=f"p{v}") for v in (2, 3, 4)]
    first = score(instrument, peers, "Ana")
    late = Response("peer", {"c0-0": 5, "c0-1": 1}, {"keep": "the late peer"}, rater="late")
    second = score(instrument, [*peers, late], "Ana", released=[release(first)])
    figures = [(i.others, i.groups, i.rwg) for i in first.dimensions[0].items]
    assert [(i.others, i.groups, i.rwg) for i in second.dimensions[0].items] == figures
    assert second.dimensions[0].others == first.dimensions[0].others
    assert all(i.held for i in second.dimensions[0].items)
    assert all(i["held"] for i in scorecard_json(second)["competencies"][0]["items"])
    assert "the late peer" not in second.comments["keep"]
    assert second.raters == first.raters  # the counts printed are the release's too
    assert any("held back" in note for note in second.notes)
    # Two more peers: three new raters since the release, so the figures and comments move on.
    more = [Response("peer", {"c0-0": 1, "c0-1": 5}, {"keep": f"m{n}"}, rater=f"m{n}") for n in range(2)]
    third = score(instrument, [*peers, late, *more], "Ana", released=[release(first), release(second)])
    assert not any(i.held for i in third.dimensions[0].items)
    assert third.dimensions[0].items[0].groups["peer"].n == 6
    assert "the late peer" in third.comments["keep"]
    assert audit(instrument, [_row(first), _row(second), _row(third)]) == []


def test_a_not_observed_late_rater_holds_every_item_alike() -> None:
    """Class 2: the hold marks say nothing about which items a late rater rated or did not observe."""
    instrument = validate_text(
        instrument_text({"manager": 1, "peer": 3, "direct_report": 3, "other": 3}, [3], 0.5), "a.yaml"
    ).instrument
    assert instrument is not None
    peers = [Response("peer", {"c0-0": v, "c0-1": v, "c0-2": v}, rater=f"p{v}") for v in (2, 3, 4)]
    first = score(instrument, peers, "Ana")
    late = Response("peer", {"c0-0": 5, "c0-1": None}, rater="late")  # skips c0-2
    second = score(instrument, [*peers, late], "Ana", released=[release(first)])
    assert [i.held for i in second.dimensions[0].items] == [True, True, True]
    assert [i.others for i in second.dimensions[0].items] == [i.others for i in first.dimensions[0].items]


def test_a_withdrawn_comment_cannot_be_pinned_on_whoever_withdrew() -> None:
    instrument = validate_text(
        instrument_text({"manager": 1, "peer": 3, "direct_report": 3, "other": 3}, [1], 0.5), "a.yaml"
    ).instrument
    assert instrument is not None
    peers = [Response("peer", {"c0-0": 3}, {"keep": f"peer {n}"}, rater=f"p{n}") for n in range(4)]
    first = score(instrument, peers, "Ana")
    assert len(first.comments["keep"]) == 4
    second = score(instrument, peers[:3], "Ana", released=[release(first)])  # p3 withdrew
    # The held release prints the same four comments, in the words the ledger kept: nothing moves.
    assert second.comments_held and second.comments == first.comments


def test_a_first_comment_after_an_empty_list_is_held() -> None:
    """Class 5: a question shown empty in one release must not publish its first comment alone next."""
    instrument = validate_text(
        instrument_text({"manager": 1, "peer": 3, "direct_report": 3, "other": 3}, [1], 0.5), "a.yaml"
    ).instrument
    assert instrument is not None
    peers = [Response("peer", {"c0-0": 3}, rater=f"p{n}") for n in range(3)]
    first = score(instrument, peers, "Ana")
    assert first.comments == {}
    wrote = [*peers[:2], Response("peer", {"c0-0": 3}, {"keep": "only mine"}, rater="p2")]
    second = score(instrument, wrote, "Ana", released=[release(first)])
    assert "only mine" not in [c for cs in second.comments.values() for c in cs]


def test_a_corrected_answer_is_held_too() -> None:
    instrument = validate_text(
        instrument_text({"manager": 1, "peer": 3, "direct_report": 3, "other": 3}, [1], 0.5), "a.yaml"
    ).instrument
    assert instrument is not None
    peers = [Response("peer", {"c0-0": v}, rater=f"p{v}") for v in (2, 3, 4)]
    first = score(instrument, peers, "Ana")
    fixed = [*peers[:2], Response("peer", {"c0-0": 1}, rater="p4")]  # p4 changes 4 -> 1
    second = score(instrument, fixed, "Ana", released=[release(first)])
    assert second.dimensions[0].items[0].held
    assert second.dimensions[0].items[0].others.mean == first.dimensions[0].items[0].others.mean


def test_the_audit_finds_what_unguarded_releases_give_away() -> None:
    instrument = validate_text(
        instrument_text({"manager": 1, "peer": 3, "direct_report": 3, "other": 3}, [1], 0.5), "a.yaml"
    ).instrument
    assert instrument is not None
    peers = [Response("peer", {"c0-0": v}, rater=f"p{v}") for v in (2, 3, 4)]
    late = Response("peer", {"c0-0": 5}, rater="late")
    unguarded = [score(instrument, peers, "Ana"), score(instrument, [*peers, late], "Ana")]  # no ledger used
    findings = audit(instrument, [_row(c) for c in unguarded])
    # The comment list was published about the late peer's answer too (no comment is an answer).
    assert [f.where for f in findings] == ["item c0-0", "question keep"]
    assert findings[0].what == (
        "1 set of answers published by 2 releases can be told apart from the rest with as few as 1 rater, "
        "fewer than the group's threshold"
    )
    swapped = [peers[0], peers[1], late]
    findings = audit(instrument, [_row(c) for c in (unguarded[0], score(instrument, swapped, "Ana"))])
    assert [f.where for f in findings] == ["item c0-0", "question keep"]


def test_partition_is_the_one_rule_for_status_and_figures() -> None:
    instrument = validate_text(
        instrument_text({"manager": 1, "peer": 3, "direct_report": 3, "other": 3}, [1], 0.5), "a.yaml"
    ).instrument
    assert instrument is not None
    part = partition({"peer": [1, 2], "direct_report": [3]}, instrument.rater_groups)
    assert (part.shown, part.pooled, part.excluded_groups) == ({}, [1, 2, 3], ())


def _row_of(figures: Released):  # type: ignore[no-untyped-def]
    from leadcheck.releases import Release

    return Release(0, 0, "2026-01-01T00:00:00+00:00", "report", "", figures)


def _row(card: Scorecard):  # type: ignore[no-untyped-def]
    return _row_of(release(card))
