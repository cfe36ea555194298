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

import math
from collections.abc import Sequence
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcheck.anonymity import OTHERS, POOLED, comment_threshold, leaks, partition
from leadcheck.cohort.statistics import cohort_stats
from leadcheck.cohort.summary import build_cohort_view
from leadcheck.instrument.model import Instrument
from leadcheck.instrument.validate import validate_text
from leadcheck.releases import audit, published, released_from
from leadcheck.report.bundle import load_bundle
from leadcheck.report.render import view_for, view_html
from leadcheck.responses import Response
from leadcheck.scorecard_json import scorecard_json
from leadcheck.scoring import (
    Released,
    Scorecard,
    _token,
    person_key,
    person_of,
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


def rank(rows: Sequence[dict[str, Fraction]]) -> int:
    """Rank of sparse rows by plain Gaussian elimination (written apart from leadcheck's own)."""
    pivots: list[tuple[str, dict[str, Fraction]]] = []
    count = 0
    for original in rows:
        row = dict(original)
        for column, pivot in pivots:
            if row.get(column):
                factor = row[column] / pivot[column]
                for k, v in pivot.items():
                    row[k] = row.get(k, Fraction(0)) - factor * v
        row = {k: v for k, v in row.items() if v}
        if row:
            pivots.append((min(row), row))
            count += 1
    return count


def isolated(figures: Sequence[frozenset[str]], tokens_of: dict[str, set[str]]) -> set[str]:
    """People some combination of the figures isolates (a rating of theirs, or a change in it)."""
    rows = [dict.fromkeys(f, Fraction(1)) for f in figures if f]
    base = rank(rows)
    out = set()
    for who, tokens in tokens_of.items():
        if rank(rows + [{t: Fraction(1)} for t in tokens]) - base < len(tokens):
            out.add(who)
    return out


def rater_tokens(responses: Sequence[Response], instrument: Instrument) -> dict[str, tuple[str, str, float]]:
    """Token -> (person, group, recoded value), worked out from the raw answers as the reader would."""
    out = {}
    for index, resp in enumerate(responses):
        person = person_key(resp, index)
        for item_id, value in resp.answers.items():
            if value is not None:
                item = instrument.items[item_id]
                rating = recode(instrument, item, value)
                out[_token(person, item_id, rating)] = (person, resp.group, rating)
    return out


def protected(instrument: Instrument, responses: Sequence[Response]) -> set[str]:
    return {
        person_key(r, i)
        for i, r in enumerate(responses)
        if r.group != "self" and instrument.group(r.group).min_raters > 1
    }


def check_card(card: Scorecard, instrument: Instrument, responses: Sequence[Response]) -> None:
    """Every attack on one report."""
    truth = rater_tokens(responses, instrument)
    shield = protected(instrument, responses)
    for dim in card.dimensions:
        for item in dim.items:
            # The figures are what their members say: n, mean, distribution.
            for channel, members in item.members.items():
                stat = item.others if channel == OTHERS else item.groups[channel]
                values = sorted(truth[t][2] for t in members)
                assert stat.n == len(values)
                assert stat.mean == pytest.approx(math.fsum(values) / len(values))
                assert stat.distribution == tuple(values.count(p) for p in range(1, 6))
                if channel not in (OTHERS, POOLED):
                    assert {truth[t][1] for t in members} == {channel}
                    assert len(values) >= instrument.group(channel).min_raters
            if POOLED in item.members:
                pooled_groups = {truth[t][1] for t in item.members[POOLED]}
                assert len(item.members[POOLED]) >= max(instrument.group(g).min_raters for g in pooled_groups)
            # The reader's linear algebra over every figure of the item.
            figures = list(item.members.values())
            tokens_of: dict[str, set[str]] = {}
            for f in figures:
                for t in f:
                    tokens_of.setdefault(truth[t][0], set()).add(t)
            assert not (isolated(figures, tokens_of) & shield), item.id
        # A competency figure is the mean of the item figures shown for the same group: it adds nothing.
        for channel, stat in [(OTHERS, dim.others), *dim.groups.items()]:
            if stat.mean is None:
                continue
            items = [i.others if channel == OTHERS else i.groups.get(channel) for i in dim.items]
            means = [s.mean for s in items if s is not None and s.mean is not None]
            assert stat.mean == pytest.approx(math.fsum(means) / len(means))
    # Comments: only when the groups asked have, together, the strictest threshold among them.
    for q in instrument.questions:
        asked = [r for r in responses if r.group != "self" and q.asks(r.group)]
        if q.id in card.comments:
            assert len(asked) >= comment_threshold(instrument, q)
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
    truth = rater_tokens(responses, instrument)
    published_tokens = {t for d in card.dimensions for i in d.items for m in i.members.values() for t in m}
    left_out = [
        (index, item_id)
        for index, resp in enumerate(responses)
        for item_id, value in resp.answers.items()
        if resp.group != "self"
        and value is not None
        and _token(person_key(resp, index), item_id, recode(instrument, instrument.items[item_id], value))
        not in published_tokens
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
    assert truth  # the reader's map is not empty
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


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_reports_released_one_after_another_never_single_a_rater_out(data: st.DataObject) -> None:
    """Raters arrive, correct their answers and withdraw between reports; the reader holds every report."""
    instrument = data.draw(instruments())
    pool = data.draw(responses_for(instrument, most=5))
    history: list[Released] = []
    everyone: list[Response] = []
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
        history.append(release(card))
        everyone.extend(corrected)
    shield = protected(instrument, everyone)  # persons come from the rater keys, the same in every round
    for item_id in instrument.items:
        figures = [m for rel in history if item_id in rel.items for m in rel.items[item_id].members.values()]
        tokens_of: dict[str, set[str]] = {}
        for f in figures:
            for t in f:
                tokens_of.setdefault(person_of(t), set()).add(t)
        assert not (isolated(figures, tokens_of) & shield), item_id
    # Any two releases showing a question's comments differ by the comments of enough raters, or not at all.
    for q in instrument.questions:
        shown = [rel.comments[q.id] for rel in history if rel.comments.get(q.id)]
        for n, before in enumerate(shown):
            for after in shown[n + 1 :]:
                changed = {person_of(t) for t in before ^ after}
                assert not changed or len(changed) >= comment_threshold(instrument, q)


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
    assert any("held back" in note for note in second.notes)
    # Two more peers: three new raters since the release, so the figures and comments move on.
    more = [Response("peer", {"c0-0": 1, "c0-1": 5}, {"keep": f"m{n}"}, rater=f"m{n}") for n in range(2)]
    third = score(instrument, [*peers, late, *more], "Ana", released=[release(first), release(second)])
    assert not any(i.held for i in third.dimensions[0].items)
    assert third.dimensions[0].items[0].groups["peer"].n == 6
    assert "the late peer" in third.comments["keep"]
    assert audit(instrument, [_row(first), _row(second), _row(third)]) == []


def test_a_withdrawn_comment_cannot_be_pinned_on_whoever_withdrew() -> None:
    instrument = validate_text(
        instrument_text({"manager": 1, "peer": 3, "direct_report": 3, "other": 3}, [1], 0.5), "a.yaml"
    ).instrument
    assert instrument is not None
    peers = [Response("peer", {"c0-0": 3}, {"keep": f"peer {n}"}, rater=f"p{n}") for n in range(4)]
    first = score(instrument, peers, "Ana")
    assert len(first.comments["keep"]) == 4
    second = score(instrument, peers[:3], "Ana", released=[release(first)])  # p3 withdrew
    assert "keep" not in second.comments and second.comments_held


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
    assert [f.where for f in findings] == ["item c0-0"]
    assert findings[0].what == "the ratings of 1 rater can be solved for from 2 releases"


def test_leaks_agrees_with_the_readers_own_algebra() -> None:
    a, b, c, d = "a:1", "b:1", "c:1", "d:1"
    person = {t: t[0] for t in (a, b, c, d, "a:2")}
    assert leaks([{a, b, c}, {a, b, c, d}], person) == {"d"}
    assert leaks([{a, b, c}, {b, c, d}], person) == set()
    assert leaks([{a, b}, {b, c}, {a, c}], person) == {"a", "b", "c"}
    # Two versions of one person's answer: their difference is theirs alone.
    assert leaks([{a, b, c}, {"a:2", b, c}], person) == {"a"}


def test_partition_is_the_one_rule_for_status_and_figures() -> None:
    instrument = validate_text(
        instrument_text({"manager": 1, "peer": 3, "direct_report": 3, "other": 3}, [1], 0.5), "a.yaml"
    ).instrument
    assert instrument is not None
    part = partition({"peer": [1, 2], "direct_report": [3]}, instrument.rater_groups)
    assert (part.shown, part.pooled, part.excluded_groups) == ({}, [1, 2, 3], ())


def _row(card: Scorecard):  # type: ignore[no-untyped-def]
    from leadcheck.releases import Release

    return Release(0, 0, "2026-01-01T00:00:00+00:00", "report", "", release(card))
