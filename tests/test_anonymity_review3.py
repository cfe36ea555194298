"""Attacks a third review tried on what leadcheck newly publishes: change between rounds, shared raters,
the development plan, and the cohort summary. Each test states the promise and failed while it was
broken (or, where the code held, keeps the attack as a regression test).

A reader holds every output ever produced for a leader. Each test builds a small workspace, produces the
outputs in the order a coach would, and solves for something one protected rater answered.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from leadcheck.base.responses import IncomingResponse
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import instrument_from_text
from leadcheck.instrument.model import Instrument
from leadcheck.report.formats import Rendered, RenderTask
from leadcheck.store import Assessment, Store

from .test_anonymity_review import INST, LEADER, TINY

Run = Callable[..., Result]
COHORT = "Spring"
Answers = dict[str, int | None]


# Eight items in four competencies: enough for a first page that names behaviours to work on.
WIDE_COMPETENCIES = "\n" + "".join(
    f"  - id: c{c}\n    name: Comp {c}\n    description: Number {c}.\n    items:\n"
    + "".join(
        f"      - {{id: i{n}, self: I do {n}., others: This leader does {n}.}}\n" for n in (2 * c - 1, 2 * c)
    )
    for c in range(1, 5)
)
WIDE = instrument_from_text(
    TINY.replace("id: tiny-360", "id: wide-360").split("competencies:")[0]
    + "competencies:"
    + WIDE_COMPETENCIES,
    "wide.yaml",
)


def file(
    db: Path,
    rows: list[tuple[str, Answers, str]],
    new_round: bool = False,
    round_: int = -1,
    inst: Instrument = INST,
) -> None:
    """Store (group, answers, rater) rows for the leader, in a new round or in round ``round_``."""
    with Store.open(db) as store:
        leader = store.leaders.ensure(LEADER, COHORT)
        if new_round:
            store.assessments.current_or_new(leader, inst, new=True)
        rounds: list[Assessment] = store.assessments.of_leader(leader, inst.id)
        incoming = [
            IncomingResponse(LEADER, g, a, {}, f"t:{ident}", ident, cohort=COHORT) for g, a, ident in rows
        ]
        add_responses(store, incoming, inst, assessment=rounds[round_] if rounds else None)


def both(v: int) -> Answers:
    return {"i1": v, "i2": v}


def summary(run: Run) -> dict[str, Any]:
    result = run("summary", LEADER, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def summaries(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The cohort summary view of every cohort run, kept; nothing rendered."""
    from leadcheck.cohort.files import SUMMARY

    views: list[Any] = []

    def render(task: RenderTask) -> Rendered:
        if task.key == SUMMARY:
            views.append(task.view)
        return Rendered(task.key, b"%PDF-1.7 stub")

    monkeypatch.setattr("leadcheck.cohort.run.render_task", render)
    return views


def test_a_skipped_cohort_report_still_records_the_previous_round_its_summary_shows(
    run: Run, db: Path, tmp_path: Path, summaries: list[Any]
) -> None:
    """The cohort summary's "change against the previous assessment" is set from every leader's previous
    round as scored now. When a leader's report was unchanged (skipped), that previous round was not
    recorded: three late raters in round 1 came out in the cohort summary, a fourth in the next summary's
    change, and the two set side by side gave the fourth rater's ratings (7 x 26/7 - 6 x 3.5 = 5)."""
    file(db, [("peer", both(2), "a"), ("peer", both(3), "b"), ("peer", both(4), "c")])
    file(db, [("self", both(3), "me"), *(("peer", both(3), p) for p in "def")], new_round=True)
    out = str(tmp_path / "out")
    assert run("cohort", "report", COHORT, "-o", out, "-j", "1", "-q").exit_code == 0
    file(db, [("peer", both(3), "g"), ("peer", both(4), "h"), ("peer", both(5), "i")], round_=0)
    with Store.open(db) as store:  # another leader of the cohort: the summary is made again
        others = [IncomingResponse("Other", "peer", both(3), {}, "t", p, cohort=COHORT) for p in "xyz"]
        add_responses(store, others, INST)
    done = run("cohort", "report", COHORT, "-o", out, "-j", "1")
    assert "1 unchanged (skipped)" in done.stdout  # Lee's report
    changes = summaries[-1].changes
    assert changes is not None
    (_, now, change), *_ = changes.rows
    cohort_previous = Fraction(now.text) - Fraction(change.text.replace("−", "-").replace("+", ""))
    file(db, [("peer", both(5), "j")], round_=0)  # a late seventh rater in round 1
    before = summary(run)["previous"]["changes"]["c1"]
    n, mean = before["others_n_before"], Fraction(before["others_before"]).limit_denominator(100)
    assert cohort_previous == Fraction(7, 2)  # round 1's six raters, which no output of round 1 showed
    if n == 7:  # both published: the reader solves for the seventh rater
        assert 7 * mean - 6 * cohort_previous != 5, "the seventh rater of round 1 rated 5 and 5"


def offered(db: Path) -> list[str]:
    from leadcheck.development import offers
    from leadcheck.scorecards import released_card

    with Store.open(db) as store:
        current = store.assessments.of_leader(store.leaders.get(LEADER), WIDE.id)[-1]
        return [o.item_id for o in offers(released_card(store, current))]


def ramp(*values: int) -> Answers:
    return {f"i{n}": v for n, v in enumerate(values, start=1)}


def test_the_plan_offers_what_the_last_release_named_whatever_arrived_since(run: Run, db: Path) -> None:
    """`plan` offers first the behaviours the report named, "from the last release". A late peer whose
    answers are held back would reverse which items are lowest; what is offered, and in which order,
    must not move (it would say which way the held answers lean), and `plan --show` carries no figure."""
    peers = ramp(5, 5, 4, 4, 3, 3, 2, 2)
    file(db, [("self", ramp(*[3] * 8), "me"), *(("peer", peers, p) for p in "abc")], inst=WIDE)
    assert summary(run)["competencies"]  # a release
    first = offered(db)
    assert first
    file(db, [("peer", ramp(1, 1, 1, 1, 5, 5, 5, 5), "d")], inst=WIDE)  # held: {d} would be an atom
    assert all(i["held"] for c in summary(run)["competencies"] for i in c["items"])
    with Store.open(db) as store:  # scored afresh, ignoring the ledger, the late peer would move them
        from leadcheck.development import offers
        from leadcheck.scoring import score

        fresh = score(
            WIDE,
            store.responses.of_assessment(store.assessments.of_leader(store.leaders.get(LEADER))[-1]),
            LEADER,
        )
        assert [o.item_id for o in offers(fresh)] != first
    assert offered(db) == first
    plan = db.parent / "plan.yaml"
    plan.write_text(
        f"leadcheck_plan: 1\nfocus:\n  - item: {first[0]}\n    action: Ask first\n    tell: My team\n"
        "    by: 2099-01-01\n",
        encoding="utf-8",
    )
    assert run("plan", LEADER, "--file", str(plan)).exit_code == 0
    shown = run("plan", LEADER, "--show", "--format", "json")
    assert shown.exit_code == 0, shown.stderr
    doc = json.loads(shown.stdout)
    numbers = [v for f in doc["focus"] for v in f.values() if not isinstance(v, str)]
    assert numbers == [] and set(doc) == {"leader", "instrument", "round", "made_on", "focus"}
    # The page for raters: the leader's words and dates, no figure of any kind.
    from dataclasses import astuple
    from datetime import date

    from leadcheck.development import plan_page, plan_round

    with Store.open(db) as store:
        where = plan_round(store, LEADER)
        assert where.plan is not None
        page = plan_page(where.plan, where.instrument, LEADER, date(2030, 1, 1))
    fields = [*(getattr(page, f) for f in page.__dataclass_fields__ if f != "rows")]
    fields += [v for row in page.rows for v in astuple(row)]
    assert all(isinstance(v, str) for v in fields)  # text only: no mean, n or rank travels with it
    assert [r.item_id for r in page.rows] == [first[0]]


def changes(run: Run) -> dict[str, Any]:
    previous = summary(run)["previous"]
    assert previous is not None
    return previous  # type: ignore[no-any-return]


def test_a_held_rater_moves_no_verdict_interval_or_mean_of_either_round(run: Run, db: Path) -> None:
    """The verdict depends on each round's SD, n and mean. A late peer held back, in the current round or
    in the previous one, must move none of them, nor the verdict, nor the shared count: each is a figure
    of what was released, never of the answers as they are."""
    file(db, [("peer", both(v), p) for v, p in zip((2, 3, 3), "abc", strict=True)])
    file(db, [("peer", both(v), p) for v, p in zip((4, 4, 5), "abd", strict=True)], new_round=True)
    seen = changes(run)
    assert seen["changes"]["c1"]["verdict"] is not None
    file(db, [("peer", both(1), "x")])  # late, in round 2: {x} alone would be an atom
    assert changes(run) == seen
    file(db, [("peer", both(5), "y")], round_=0)  # late, in round 1
    assert changes(run) == seen


def test_a_count_of_shared_raters_is_set_beside_the_counts_of_every_earlier_round(run: Run, db: Path) -> None:
    """Three rounds. Round 2 kept a, b, c of round 1's six and printed "3 shared". Round 3 keeps all of
    round 2 and adds d (back from round 1), j and k: against round 2 alone 6 stayed and 3 joined, but
    beside round 1's count d's return is an atom of one ("joined round 3 and was in round 1"), so the
    count is withheld."""
    file(db, [("peer", both(3), p) for p in "abcdef"])
    file(db, [("peer", both(4), p) for p in "abcghi"], new_round=True)
    assert changes(run)["shared_raters"] == 3
    file(db, [("peer", both(5), p) for p in "abcghidjk"], new_round=True)
    assert changes(run)["shared_raters"] is None


def test_a_rater_who_changed_group_or_observed_nothing_is_counted_like_any_other(run: Run, db: Path) -> None:
    """d was a peer in round 1 and is a direct report in round 2 (with x and y): counted "in the same
    group", d left the peers alone, so the count is withheld. A newcomer who answered "not observed" to
    every item is a newcomer all the same: "3 shared" beside n = 4 would say the fourth is the one who
    observed nothing."""
    file(db, [("peer", both(3), p) for p in "abcd"])
    file(db, [*(("peer", both(4), p) for p in "abc"), *(("direct_report", both(2), p) for p in "dxy")], True)
    assert changes(run)["shared_raters"] is None
    file(db, [("peer", both(3), p) for p in "abc"], new_round=True)
    file(db, [("peer", {"i1": None, "i2": None}, "z")])
    assert changes(run)["shared_raters"] is None


# Version 2 of the tiny instrument shows peers from two raters: a new round may use it, but round 1's peers
# were promised three.
LOOSER = instrument_from_text(
    TINY.replace('version: "1.0.0"', 'version: "2.0.0"').replace(
        "{id: peer, label: Peers, min_raters: 3}", "{id: peer, label: Peers, min_raters: 2}"
    ),
    "tiny-2.yaml",
)


def test_a_shared_count_keeps_the_threshold_round_1s_raters_were_promised(run: Run, db: Path) -> None:
    """Round 1 (peers need 3) had five peers; round 2, on a version that shows peers from 2, has two of
    them, a and b, who both rated 5. Checked with the new version's threshold alone, "2 shared" was
    printed beside round 2's n = 2: a reader who assumes stayers rate alike reads round 1's a and b
    as 5 and 5, two of round 1's raters set apart from the other three."""
    file(db, [("peer", both(v), p) for v, p in zip((5, 5, 2, 3, 4), "abcde", strict=True)])
    file(db, [("peer", both(5), p) for p in "ab"], new_round=True, inst=LOOSER)
    seen = changes(run)
    assert seen["changes"]["c1"]["others_n_after"] == 2  # the new version shows them
    assert seen["shared_raters"] is None, "a and b of round 1 are singled out as the two who stayed"


def test_a_leader_whose_report_failed_after_scoring_is_recorded_before_the_cohort_summary_shows_them(
    run: Run, db: Path, tmp_path: Path, summaries: list[Any]
) -> None:
    """A norms file for another instrument fails every leader's report after they were scored, and the
    cohort summary is made all the same, from those scorings. Nothing was recorded: Lee's first three
    peers came out in the summary's item means; a fourth peer then came out whole in the next summary
    (4 x 3.5 - 3 x 3.0 = 5)."""
    past = tmp_path / "past.db"
    with Store.open(past) as store:
        add_responses(
            store,
            [
                IncomingResponse(f"Past {n}", "peer", ramp(*[3] * 8), {}, "t", f"{n}{p}", cohort="Past")
                for n in range(10)
                for p in "abc"
            ],
            WIDE,
        )
    norms = tmp_path / "norms.json"
    assert run("--db", str(past), "norms", "build", "Past", "-o", str(norms)).exit_code == 0
    file(db, [("peer", {"i1": v, "i2": 3}, p) for v, p in zip((2, 3, 4), "abc", strict=True)])
    done = run("cohort", "report", COHORT, "-o", str(tmp_path / "out"), "-j", "1", "--norms", str(norms))
    assert "the norms are for instrument wide-360" in done.stderr
    (view,) = summaries  # the summary was made, of Lee alone: the cohort's item means are Lee's
    i1 = next(row for row in (*view.strongest.rows, *view.weakest.rows) if row[0].text.startswith("i1 "))
    three = Fraction(i1[1].text)
    assert three == 3
    file(db, [("peer", {"i1": 5, "i2": 3}, "d")])
    after = next(i for c in summary(run)["competencies"] for i in c["items"] if i["id"] == "i1")
    if after["others_n"] == 4:  # published: the reader solves for d
        assert 4 * Fraction(after["others"]).limit_denominator(100) - 3 * three != 5, "peer d rated i1 5"


# WIDE asking the leader and the manager how important each competency is for the role.
IMPORTANT = instrument_from_text(
    TINY.replace("id: tiny-360", "id: important-360").split("competencies:")[0]
    + "importance:\n  self: How important is each for my role?\n  others: How important is each for this role?\n"
    + "  groups: [self, manager]\n"
    + "competencies:"
    + WIDE_COMPETENCIES,
    "important.yaml",
)


def test_plan_offers_the_behaviours_the_report_named_in_the_order_it_named_them(run: Run, db: Path) -> None:
    """Not a leak, a broken promise found on the way: with importance asked, the report orders what to
    work on by it (the leader rates Comp 2 the most important), but `plan` offered the same items in
    another order (i1 before i4), its card from the last release lacking the importance answers."""
    from leadcheck.development import offers
    from leadcheck.instrument.model import importance_key
    from leadcheck.scorecards import publish, released_card, scored_leader

    weights = {importance_key(f"c{c}"): 5 if c == 2 else 1 for c in range(1, 5)}
    with Store.open(db) as store:
        rows = [IncomingResponse(LEADER, "self", {**ramp(*[3] * 8), **weights}, {}, "t", None)]
        rows += [IncomingResponse(LEADER, "peer", ramp(2, 2, 3, 3, 3, 3, 5, 5), {}, "t", p) for p in "abc"]
        add_responses(store, rows, IMPORTANT)
        scored = scored_leader(store, LEADER)
        publish(store, scored, "report")
        named = [o.item_id for o in offers(scored.card)]
        assert named[0] == "i4"  # Comp 2 first: rated below high and the most important
        assert [o.item_id for o in offers(released_card(store, scored.assessment))] == named


def test_audit_holds_a_shared_count_to_the_threshold_each_round_promised() -> None:
    """A ledger written before the fix above printed "2 shared" of round 1's five peers (promised 3) and
    round 2's two (on the looser version). `audit` checked it with round 2's version alone and certified
    it; held to round 1's promise too, the two who stayed are an atom of two."""
    from leadcheck.anonymity import member
    from leadcheck.releases import Release, audit
    from leadcheck.scoring import Released

    def people(names: str) -> frozenset[str]:
        return frozenset(member("peer", p, "") for p in names)

    ledger = [
        Release(
            1, 2, "2026-01-01", "summary", "", Released({}, {}, {}, False, (people("abcde"), people("ab")))
        )
    ]
    assert audit(LOOSER, ledger) == []  # the current version's threshold alone
    (finding,) = audit(LOOSER, ledger, [INST, LOOSER])
    assert finding.where == "raters shared with another round"
