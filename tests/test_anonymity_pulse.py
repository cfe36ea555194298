"""The attacker against pulses: a reader who knows every other rater's answers tries to learn one
rater's from what a pulse publishes, alone or set beside an earlier pulse, and must fail.

Brute force: the target's answer is tried at every point of the scale of change (and "not observed");
everything published (the summary's JSON, the page's view, the cohort's verdicts) must be the same
whichever it was. Each test also shows the attack working without the rule, so it can fail.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from leadcheck.base.responses import Answer, IncomingResponse
from leadcheck.cohort.progress import pulse_verdicts
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.validate import validate_text
from leadcheck.pulse import results, rounds
from leadcheck.pulse.view import build_view
from leadcheck.scoring import score
from leadcheck.store import Store
from leadcheck.store.plans import Focus

TEAM = """id: team
version: "1"
title: Team
description: Peers need three.
scale:
  points:
    - {value: 1, label: One}
    - {value: 2, label: Two}
    - {value: 3, label: Three}
    - {value: 4, label: Four}
    - {value: 5, label: Five}
rater_groups:
  - {id: self, label: Self}
  - {id: manager, label: Manager, min_raters: 1}
  - {id: peer, label: Peers, min_raters: 3}
  - {id: direct_report, label: Direct reports, min_raters: 3}
competencies:
  - id: c
    name: C
    description: One.
    items:
      - {id: a, self: I do a., others: They do a.}
      - {id: b, self: I do b., others: They do b.}
questions:
  - {id: keep, self: Keep?, others: Keep?}
"""
CHANGES: tuple[Answer, ...] = (-3, -2, -1, 0, 1, 2, 3, None)
Answered = tuple[str, str, dict[str, Answer], dict[str, str]]  # group, rater, answers, comments


def _response(
    group: str, rater: str, answers: dict[str, Answer], comments: dict[str, str]
) -> IncomingResponse:
    return IncomingResponse("Ana", group, answers, comments, "test", rater_identity=rater)


def published(db: Path, pulses: Sequence[Sequence[Answered]]) -> list[Any]:
    """Everything a reader gets from each pulse in turn: the summary's JSON, the page, the cohort's verdicts."""
    instrument = validate_text(TEAM, "team.yaml").instrument
    assert instrument is not None
    round_raters = [("manager", "m"), ("peer", "p1"), ("peer", "p2"), ("peer", "p3")]
    out: list[Any] = []
    with Store.open(db) as store:
        add_responses(store, [_response(g, r, {"a": 3, "b": 3}, {}) for g, r in round_raters], instrument)
        leader = store.leaders.get("Ana")
        current = store.assessments.current(leader)
        store.plans.save(
            leader.id,
            current.id,
            [Focus("a", "x", "team", "2027-01-01"), Focus("b", "y", "team", "2027-01-01")],
        )
        for n, answered in enumerate(pulses):
            target = rounds.open_pulse(store, leader, new=n > 0)
            add_responses(
                store, [_response(*a) for a in answered], target.instrument, assessment=target.pulse
            )
            scored = results.scored_pulse(store, target)
            results.publish(store, scored, "summary")
            found = results.results(store, scored)
            view = build_view(found)
            verdicts = pulse_verdicts(store, [leader])
            out.append((found.as_dict(), found.comments, view, verdicts))
    return out


def test_a_lone_peer_among_three_protected_peers_shows_nothing_of_their_answer(tmp_path: Path) -> None:
    seen = []
    for n, (a, b) in enumerate(itertools.product(CHANGES, CHANGES)):
        if n % 5:  # every answer of each item, in 13 of the 64 pairs
            continue
        pulse = [
            ("manager", "m", {"a": 2, "b": 1}, {"keep": "the manager wrote this"}),
            ("peer", "p1", {"a": a, "b": b}, {"keep": f"the lone peer answered {a} and {b}"}),
        ]
        seen.append(published(tmp_path / f"{n}.db", [pulse]))
    assert all(s == seen[0] for s in seen)
    doc, comments, _, _ = seen[0][0]
    assert doc["hidden_groups"] == ["Peers"]
    assert [b["groups"] for b in doc["behaviours"]] == [
        {"manager": b["all_others"]} for b in doc["behaviours"]
    ]
    assert comments == ()  # two raters were asked: below the peers' threshold of three


def test_the_lone_peers_answer_would_show_without_the_rule() -> None:
    """The same pulse scored with every rater group shown from one rater: the peer's answer is printed."""
    loose = validate_text(TEAM.replace("min_raters: 3", "min_raters: 1"), "loose.yaml").instrument
    assert loose is not None
    from leadcheck.base.responses import Response
    from leadcheck.pulse.instrument import pulse_instrument
    from leadcheck.store.plans import Plan

    questionnaire = pulse_instrument(loose, Plan(1, 1, "2026-12-01", (Focus("a", "x", "t", "2027-01-01"),)))
    figures = {
        a: score(questionnaire, [Response("peer", {"a": a}, rater="p1")], "Ana").dimensions[0].items[0].groups
        for a in CHANGES
    }
    assert len({repr(f) for f in figures.values()}) == len(CHANGES)


def _second_pulse(tmp_path: Path, d: Answer, name: str) -> list[Any]:
    first = [("manager", "m", {"a": 1, "b": 0}, {})] + [
        ("peer", p, {"a": v, "b": 0}, {}) for p, v in (("p1", 1), ("p2", 2), ("p3", 0))
    ]
    # The second pulse: the same peers give the same answers, and a fourth peer (new) joins them.
    second = [*first, ("peer", "p4", {"a": d, "b": 0}, {})]
    return published(tmp_path / f"{name}.db", [first, second])


def test_a_second_pulse_does_not_single_out_the_rater_it_adds(tmp_path: Path) -> None:
    runs = [_second_pulse(tmp_path, d, f"d{n}") for n, d in enumerate(CHANGES)]
    assert all(run == runs[0] for run in runs)
    first, second = runs[0]
    assert first[0]["behaviours"][0]["groups"]["peer"]["improved"] == 2  # the first pulse shows the peers
    assert second[0]["withheld"] and second[0]["behaviours"] == []  # the second would add one peer alone
    assert second[3] == {}  # nor does the cohort's view count it


def test_the_difference_of_two_pulses_would_single_the_new_peer_out_without_the_ledger() -> None:
    """Scored apart, the two pulses' peer figures differ by exactly the fourth peer's answer."""
    instrument = validate_text(TEAM, "team.yaml").instrument
    assert instrument is not None
    from leadcheck.base.responses import Response
    from leadcheck.pulse.instrument import pulse_instrument
    from leadcheck.store.plans import Plan

    questionnaire = pulse_instrument(
        instrument, Plan(1, 1, "2026-12-01", (Focus("a", "x", "t", "2027-01-01"),))
    )
    peers = [Response("peer", {"a": v}, rater=p) for p, v in (("p1", 1), ("p2", 2), ("p3", 0))]
    first = score(questionnaire, peers, "Ana").dimensions[0].items[0].groups["peer"].distribution
    for d in (-3, 0, 3):
        second = score(questionnaire, [*peers, Response("peer", {"a": d}, rater="p4")], "Ana")
        distribution = second.dimensions[0].items[0].groups["peer"].distribution
        changed = [i - 3 for i, (x, y) in enumerate(zip(first, distribution, strict=True)) if x != y]
        assert changed == [d]  # the reader reads the new peer's answer off the difference
