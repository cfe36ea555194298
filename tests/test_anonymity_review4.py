"""Attacks a fourth review tried on the pulse survey: what its pages, summaries and the cohort's progress
publish about one rater, alone or set beside every other output. Each test states the promise and failed
while it was broken (or, where the code held, keeps the attack as a regression test).

A reader holds every output ever produced for a leader, and the roster (who was asked, and when).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from leadcheck.base.responses import IncomingResponse
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.validate import validate_text
from leadcheck.pulse import results, rounds
from leadcheck.pulse.view import build_view
from leadcheck.releases import record
from leadcheck.scoring import score
from leadcheck.store import Store
from leadcheck.store.plans import Focus

from .test_anonymity_pulse import TEAM, Answered, _response


def pulses(
    db: Path,
    round_raters: Sequence[tuple[str, str]],
    answered: Sequence[Sequence[Answered]],
    release_round: bool = True,
) -> list[Any]:
    """A round answered by ``round_raters`` (group, rater) and its report given, a plan on both items,
    then each list of pulse answers filed in turn into the same pulse, each followed by the summary's
    JSON and the page."""
    instrument = validate_text(TEAM, "team.yaml").instrument
    assert instrument is not None
    out: list[Any] = []
    with Store.open(db) as store:
        incoming = [_response(g, r, {"a": 3, "b": 3}, {}) for g, r in round_raters]
        add_responses(store, incoming, instrument)
        leader = store.leaders.get("Ana")
        current = store.assessments.current(leader)
        if release_round:  # the round's report, given before the plan
            record(
                store,
                current,
                score(instrument, store.responses.of_assessment(current), "Ana"),
                kind="summary",
            )
        store.plans.save(
            leader.id,
            current.id,
            [Focus("a", "x", "team", "2027-01-01"), Focus("b", "y", "team", "2027-01-01")],
        )
        for batch in answered:
            target = rounds.open_pulse(store, leader)
            batch_in: list[IncomingResponse] = [_response(*a) for a in batch]
            add_responses(store, batch_in, target.instrument, assessment=target.pulse)
            scored = results.scored_pulse(store, target)
            results.publish(store, scored, "summary")
            found = results.results(store, scored)
            out.append((found.as_dict(), build_view(found)))
    return out


PEERS6 = [("manager", "m"), *(("peer", f"p{n}") for n in range(1, 7))]
FIRST = [
    ("manager", "m", {"a": 1, "b": 0}, {}),
    *(("peer", f"p{n}", {"a": n - 2, "b": 1}, {}) for n in (1, 2, 3)),
]


def test_a_held_pulse_does_not_say_whether_the_rater_it_holds_back_is_new(tmp_path: Path) -> None:
    """Six peers answered the round; p1, p2 and p3 answered the pulse, which was shown ("0 new"). One
    more peer answers: alone, they are held back, and the pulse repeats its release. But the "raters new
    since the round" count was counted from the answers as they are, not as released: it went to 1 when
    the held peer was not one of the round's (x, a form passed on) and stayed 0 when they were (p4): the
    hold itself said who the held rater is, and which answers are held."""
    seen = [
        pulses(tmp_path / f"{who}.db", PEERS6, [FIRST, [("peer", who, {"a": 3, "b": -3}, {})]])
        for who in ("p4", "x")
    ]
    assert seen[0][0] == seen[1][0]
    assert seen[0][1][0]["held"]
    assert seen[0][1] == seen[1][1], "the held pulse tells a new rater from one of the round's"


def test_a_late_answer_to_the_round_held_back_there_moves_no_count_of_the_pulse(tmp_path: Path) -> None:
    """The round's report showed peers p1, p2, p3; the pulse shows them and x, y, z ("3 new"). Then x files
    a late answer to the round: alone, the round's figures hold it back. But the pulse counted the round's
    raters from the answers as they are: "2 new", so the pulse said what the round's hold kept back (a
    late answer arrived, from one of the pulse's new raters)."""
    instrument = validate_text(TEAM, "team.yaml").instrument
    assert instrument is not None
    seen = []
    with Store.open(tmp_path / "w.db") as store:
        round_raters = [("manager", "m"), ("peer", "p1"), ("peer", "p2"), ("peer", "p3")]
        add_responses(store, [_response(g, r, {"a": 3, "b": 3}, {}) for g, r in round_raters], instrument)
        leader = store.leaders.get("Ana")
        current = store.assessments.current(leader)
        record(
            store, current, score(instrument, store.responses.of_assessment(current), "Ana"), kind="summary"
        )
        store.plans.save(leader.id, current.id, [Focus("a", "x", "team", "2027-01-01")])
        target = rounds.open_pulse(store, leader)
        answered = [("manager", "m"), *(("peer", p) for p in ("p1", "p2", "p3", "x", "y", "z"))]
        add_responses(
            store,
            [_response(g, r, {"a": 1}, {}) for g, r in answered],
            target.instrument,
            assessment=target.pulse,
        )
        for late in (False, True):
            if late:
                add_responses(
                    store, [_response("peer", "x", {"a": 5, "b": 5}, {})], instrument, assessment=current
                )
                again = score(
                    instrument,
                    store.responses.of_assessment(current),
                    "Ana",
                    released=released_round(store, current),
                )
                assert again.held  # the round holds x back
            scored = results.scored_pulse(store, target)
            results.publish(store, scored, "summary")
            seen.append(results.results(store, scored).as_dict())
    assert seen[0]["raters"] == {"manager": 1, "peer": 6}
    assert seen[0]["raters_new_since_round"] == 3
    assert seen[0] == seen[1], "the pulse's count says a late answer to the round arrived"


def released_round(store: Store, current: Any) -> Any:
    from leadcheck.releases import released_figures

    return released_figures(store, current)


PEERS4 = [("manager", "m"), *(("peer", f"p{n}") for n in range(1, 5))]


def test_a_count_of_new_raters_does_not_name_the_one_rater_added_since_the_round(tmp_path: Path) -> None:
    """Four peers answered the round; Pat is added to the roster since (the leader knows). The pulse
    shows five peers, "1 of them gave no answers in the round": Pat answered, and which answers are the
    four's. Like a count of shared raters, the count splits the raters into who stayed, left and joined;
    each must be none or at least the threshold, or the count is withheld. The figures still count Pat."""
    four = [("peer", f"p{n}", {"a": 1, "b": 0}, {}) for n in range(1, 5)]
    ((doc, _),) = pulses(tmp_path / "w.db", PEERS4, [[*four, ("peer", "pat", {"a": 3, "b": 3}, {})]])
    assert doc["raters"] == {"peer": 5}
    assert doc["raters_new_since_round"] is None, "the count names Pat as the one who answered"


def test_a_count_of_new_raters_is_set_beside_the_counts_the_same_pulse_printed_before(tmp_path: Path) -> None:
    """Six peers answered the round. The pulse showed p1, p2, p3, x, y and z: "3 new". Four more answer
    it, p4, p5, p6 and w: against the round alone 6 stayed, none left and 4 joined, "4 new", but beside
    the pulse's first count, w is the one of the four added who was not in the round."""
    one = [("peer", p, {"a": 1, "b": 0}, {}) for p in ("p1", "p2", "p3", "x", "y", "z")]
    two = [("peer", p, {"a": 2, "b": 1}, {}) for p in ("p4", "p5", "p6", "w")]
    (first, _), (second, _) = pulses(tmp_path / "w.db", PEERS6[1:], [one, two])
    assert first["raters_new_since_round"] == 3
    assert second["raters"] == {"peer": 10} and not second["held"]
    assert second["raters_new_since_round"] is None, "the count names w as the new rater of the four"


def test_a_backup_does_not_silently_drop_what_the_pulses_published(tmp_path: Path) -> None:
    """The pulse showed peers p1, p2, p3; p4's answer came later and is held back. The JSON export, "for
    a backup", left out the pulses and their release records without a word: restored from it, the
    workspace had no record of the pulse, the plan's pulse was sent again, p1, p2 and p3 gave the same
    answers and p4 theirs, and the new pulse showed all four: the difference is p4's answer. An export
    that leaves published figures out says so and needs --without-ledger, as the CSV export does."""
    from typer.testing import CliRunner

    from leadcheck.cli import app

    db, restored, backup = tmp_path / "w.db", tmp_path / "restored.db", tmp_path / "backup.json"
    peer4 = ("peer", "p4", {"a": 3, "b": -3}, {})
    ((first, _), (held, _)) = pulses(db, PEERS6, [FIRST, [peer4]])
    assert held["held"]
    runner = CliRunner(env={"LEADCHECK_DB": None})
    done = runner.invoke(app, ["--db", str(db), "export", "--format", "json", "-o", str(backup)])
    if done.exit_code != 0:  # refused: the backup would leave what the pulses published out
        assert "pulse" in done.stderr
        done = runner.invoke(
            app, ["--db", str(db), "export", "--format", "json", "--without-ledger", "-o", str(backup)]
        )
        assert done.exit_code == 0, done.stderr
        return
    assert runner.invoke(app, ["--db", str(restored), "import", str(backup)]).exit_code == 0
    ((again, _),) = pulses(restored, [], [[*FIRST, peer4]])
    assert again["held"] or again["behaviours"] == first["behaviours"], "the restored pulse gives p4 away"


def test_purging_an_old_pulse_does_not_release_what_it_held_back_in_a_later_one(tmp_path: Path) -> None:
    """Pulse 1 (answered in 2025) showed p1, p2 and p3. Pulse 2 has their same answers and p4's: set
    beside pulse 1's release, p4 alone would be an atom, so it shows nothing. `purge --before 2026-01-01`
    removed pulse 1's answers and with them its release records: pulse 2 then showed all four, and the
    difference from pulse 1's page (which the leader keeps) is p4's answer. A pulse's records stay while
    its round, or any pulse of it, keeps answers (so does the dry run's count)."""
    from datetime import date

    from leadcheck.purge import Selection, purge

    instrument = validate_text(TEAM, "team.yaml").instrument
    assert instrument is not None
    peers = [("peer", f"p{n}", {"a": n - 2, "b": 1}, {}) for n in (1, 2, 3)]
    with Store.open(tmp_path / "w.db") as store:
        add_responses(store, [_response(g, r, {"a": 3, "b": 3}, {}) for g, r in PEERS6], instrument)
        leader = store.leaders.get("Ana")
        current = store.assessments.current(leader)
        store.plans.save(leader.id, current.id, [Focus("a", "x", "team", "2027-01-01")])
        seen = []
        for n, (batch, when) in enumerate(
            ((peers, "2025-06-01T10:00:00"), ([*peers, ("peer", "p4", {"a": 3}, {})], None))
        ):
            target = rounds.open_pulse(store, leader, new=n > 0)
            incoming = [
                IncomingResponse("Ana", g, a, c, "test", rater_identity=r, submitted_at=when)
                for g, r, a, c in batch
            ]
            add_responses(store, incoming, target.instrument, assessment=target.pulse)
            scored = results.scored_pulse(store, target)
            results.publish(store, scored, "summary")
            seen.append(results.results(store, scored).as_dict())
        assert seen[1]["withheld"]
        assert purge(store, Selection(before=date(2026, 1, 1)), dry_run=True).releases == 0
        purge(store, Selection(before=date(2026, 1, 1)))
        scored = results.scored_pulse(store, target)
        results.publish(store, scored, "summary")
        after = results.results(store, scored).as_dict()
    assert after["withheld"] or after["behaviours"] == seen[0]["behaviours"], "the purge gives p4 away"


def test_a_changed_plan_starts_a_pulse_that_is_still_set_beside_the_old_ones(tmp_path: Path) -> None:
    """Held (a regression test): the plan drops behaviour b, so the next pulse is a new one on a alone. The
    same three peers give the same answer to a, with a comment, and p4 answers too: set beside the first
    pulse's release, p4 alone would be an atom in a's figure and in the comment list, whatever p4 said."""
    instrument = validate_text(TEAM, "team.yaml").instrument
    assert instrument is not None
    seen = []
    for d in (-3, 0, 3, None):
        with Store.open(tmp_path / f"{d}.db") as store:
            add_responses(store, [_response(g, r, {"a": 3, "b": 3}, {}) for g, r in PEERS6], instrument)
            leader = store.leaders.get("Ana")
            current = store.assessments.current(leader)
            out = []
            for focus, batch in (
                (["a", "b"], [("peer", f"p{n}", {"a": n - 2, "b": 1}, {"keep": f"k{n}"}) for n in (1, 2, 3)]),
                (["a"], [("peer", f"p{n}", {"a": n - 2}, {"keep": f"k{n}"}) for n in (1, 2, 3)]),
            ):
                store.plans.save(leader.id, current.id, [Focus(i, "x", "team", "2027-01-01") for i in focus])
                target = rounds.open_pulse(store, leader)
                if len(focus) == 1:
                    batch = [*batch, ("peer", "p4", {"a": d}, {"keep": f"p4 said {d}"})]
                add_responses(
                    store, [_response(*a) for a in batch], target.instrument, assessment=target.pulse
                )
                scored = results.scored_pulse(store, target)
                results.publish(store, scored, "summary")
                found = results.results(store, scored)
                out.append((found.as_dict(), found.comments))
            assert out[1][0]["pulse"] == 2
        seen.append(out)


def test_a_round_never_released_is_not_described_by_a_pulse(tmp_path: Path) -> None:
    """The plan was made before any report of the round (`plan` allows it). The pulse counted the raters
    new since the round from the round's answers as they are: "3 new" of p1, p2, p3, x, y and z, then "2
    new" once x's late answer to the round came in: the pulse described a round nobody was shown, and
    said when one of its raters answered it. With nothing of the round released, the count is withheld."""
    round_raters = [("peer", p) for p in ("p1", "p2", "p3")]
    answered = [("peer", p, {"a": 1, "b": 0}, {}) for p in ("p1", "p2", "p3", "x", "y", "z")]
    ((doc, _),) = pulses(tmp_path / "w.db", round_raters, [answered], release_round=False)
    assert doc["raters"] == {"peer": 6}
    assert doc["raters_new_since_round"] is None
