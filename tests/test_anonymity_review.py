"""Attacks an independent review found on issue 20's promise; each test states the promise and failed
while it was broken.

A reader holds every output ever produced for a leader (summaries, reports, status). Each test builds a
small workspace, produces outputs in the order a coach would, and solves for one protected rater's answer.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from leadcheck.base.errors import ImportProblemError
from leadcheck.base.responses import IncomingResponse, Response
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import instrument_from_text
from leadcheck.scorecard_json import scorecard_json
from leadcheck.scoring import score
from leadcheck.store import Store

Run = Callable[..., Result]
LEADER = "Lee"
TINY = """
id: tiny-360
version: "1.0.0"
title: Tiny 360
description: Two items, one question.
scale:
  points:
    - {value: 1, label: Never}
    - {value: 2, label: Rarely}
    - {value: 3, label: Sometimes}
    - {value: 4, label: Often}
    - {value: 5, label: Always}
  not_observed: true
rater_groups:
  - {id: self, label: Self, min_raters: 1}
  - {id: manager, label: Manager, min_raters: 1}
  - {id: peer, label: Peers, min_raters: 3}
  - {id: direct_report, label: Direct reports, min_raters: 3}
  - {id: other, label: Other raters, min_raters: 3}
competencies:
  - id: c1
    name: Comp One
    description: First.
    items:
      - {id: i1, self: I do one., others: This leader does one.}
      - {id: i2, self: I do two., others: This leader does two.}
questions:
  - {id: keep, self: What should I keep?, others: What should this leader keep?}
"""
INST = instrument_from_text(TINY, "tiny.yaml")
Row = tuple[str, dict[str, int | None], str, str | None]  # group, answers, rater identity, survey time


def add(db: Path, rows: list[Row]) -> None:
    incoming = [
        IncomingResponse(LEADER, group, answers, {}, f"t:{n}", ident, stamp)
        for n, (group, answers, ident, stamp) in enumerate(rows)
    ]
    with Store.open(db) as store:
        add_responses(store, incoming, INST)


def items(run: Run) -> dict[str, dict[str, Any]]:
    result = run("summary", LEADER, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    return {i["id"]: i for d in doc["competencies"] for i in d["items"]}


def taken_out(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> dict[str, list[int]]:
    """Per item, the scale points whose count dropped between two published spreads."""
    return {
        k: [
            p
            for p, (x, y) in enumerate(
                zip(before[k]["distribution"], after[k]["distribution"], strict=True), 1
            )
            if x > y
        ]
        for k in before
    }


def added(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> dict[str, list[int]]:
    return taken_out(after, before)


def test_purge_before_gives_back_the_purged_raters_ratings(run: Run, db: Path) -> None:
    """A retention purge of one old answer drops the assessment's ledger; the next summary, set against
    the one the reader already holds, gives that rater's ratings back (and `audit` certifies it)."""
    add(
        db,
        [
            ("peer", {"i1": 5, "i2": 1}, "a@x", "2026-10-01T09:00:00+00:00"),  # answered early
            ("peer", {"i1": 2, "i2": 4}, "b@x", "2026-11-15T09:00:00+00:00"),
            ("peer", {"i1": 4, "i2": 4}, "c@x", "2026-11-15T10:00:00+00:00"),
            ("peer", {"i1": 3, "i2": 2}, "d@x", "2026-11-15T11:00:00+00:00"),
        ],
    )
    first = items(run)
    assert run("purge", "--before", "2026-11-01", "-y").exit_code == 0
    second = items(run)
    # The reader solves: the purged peer rated i1 5 and i2 1.
    assert taken_out(first, second) != {"i1": [5], "i2": [1]}


def test_purge_before_keeps_the_ledger_when_answers_carry_later_survey_times(run: Run, db: Path) -> None:
    """Survey times written without a zone are read as UTC: east of UTC they lie after the release. A purge
    before a date between the two removes the release and no answer; a late rater then comes out whole."""
    later = "2026-12-31T05:00:00+00:00"  # the survey's local time, read as UTC; the release is earlier
    add(
        db,
        [
            ("peer", {"i1": 2, "i2": 4}, "a@x", later),
            ("peer", {"i1": 4, "i2": 4}, "b@x", later),
            ("peer", {"i1": 3, "i2": 2}, "c@x", later),
        ],
    )
    first = items(run)
    add(db, [("peer", {"i1": 5, "i2": 1}, "d@x", later)])
    assert all(i["held"] for i in items(run).values())  # held, as the rule says
    assert run("purge", "--before", "2026-12-31", "-y").exit_code == 0
    third = items(run)
    assert added(first, third) != {"i1": [5], "i2": [1]}


def test_a_csv_export_that_would_restore_unguarded_is_refused(run: Run, db: Path, tmp_path: Path) -> None:
    """`export --format csv` only warned that it leaves the ledger out; imported into a fresh workspace, the
    late rater the original held back was published at once."""
    add(db, [("peer", {"i1": 2, "i2": 4}, "a@x", None), ("peer", {"i1": 4, "i2": 4}, "b@x", None)])
    add(db, [("peer", {"i1": 3, "i2": 2}, "c@x", None)])
    items(run)  # a summary: a release
    add(db, [("peer", {"i1": 5, "i2": 1}, "d@x", None)])
    csv = tmp_path / "backup.csv"
    refused = run("export", "--format", "csv", "-o", str(csv))
    # No CSV that restores unguarded, by default; --without-ledger is a spreadsheet, said so in its help.
    assert refused.exit_code == 2 and not csv.exists()
    assert "--without-ledger" in refused.stderr and "--format json" in refused.stderr


def test_a_json_backup_after_a_summary_can_be_restored(run: Run, db: Path, tmp_path: Path) -> None:
    """The JSON export is the README's backup; once any summary was shown its ledger row has no file
    digest, and `import` refuses the whole file: the only restorable backup left is the CSV above."""
    add(db, [(g, {"i1": 3, "i2": 3}, f"{n}@x", None) for n, g in enumerate(["peer"] * 3)])
    items(run)  # a summary: a release without a file
    backup = tmp_path / "backup.json"
    assert run("export", "-o", str(backup)).exit_code == 0
    from typer.testing import CliRunner

    from leadcheck.cli import app

    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "LEADCHECK_DB": None})
    done = runner.invoke(app, ["--db", str(tmp_path / "restored.db"), "import", str(backup)])
    assert done.exit_code == 0, done.stderr


def test_status_does_not_tell_what_a_held_back_rater_answered(run: Run, db: Path) -> None:
    """`status --format json` lists the items nobody rated, live and outside the ledger: while the report
    holds a late peer back, the list says which items that peer rated."""
    add(db, [("peer", {"i1": v, "i2": None}, f"{n}@x", None) for n, v in enumerate([2, 4, 3])])
    items(run)
    before = json.loads(run("status", LEADER, "--format", "json").stdout)["unrated_items"]
    add(db, [("peer", {"i1": None, "i2": 4}, "late@x", None)])
    assert all(i["held"] for i in items(run).values())
    after = json.loads(run("status", LEADER, "--format", "json").stdout)["unrated_items"]
    # before == ["i2"], after == []: the late peer rated i2.
    assert before == after


def test_group_states_do_not_single_out_a_lone_hidden_raters_answers() -> None:
    """One report: two peers, one direct report, one other rater, each group below 3. Each item pools the
    hidden groups that rated it, so a group is "combined ... left out elsewhere" exactly when its raters
    skipped an item. Brute force over every assignment (a low rating, a high one, not observed) that
    agrees with everything the report prints: the lone other rater's answer to each item is determined."""
    raters = [("peer", "p1"), ("peer", "p2"), ("direct_report", "d1"), ("other", "o1")]

    def printed(assign: tuple[int | None, ...]) -> str:
        responses = [Response("self", {"i1": 3, "i2": 3}, {}, "t", 0, "self")]
        for n, (group, who) in enumerate(raters):
            responses.append(
                Response(group, {"i1": assign[2 * n], "i2": assign[2 * n + 1]}, {}, "t", n + 1, who)
            )
        card = score(INST, responses, LEADER)
        cover = tuple((g.id, g.shown, g.pooled, g.excluded) for g in card.groups)  # counts: "fewer than 3"
        return json.dumps(scorecard_json(card), sort_keys=True) + repr(cover)

    truth = (5, 1, 1, 5, 5, 5, None, 1)  # o1 did not observe i1 and rated i2
    seen = printed(truth)
    agree = [a for a in itertools.product([1, 5, None], repeat=8) if printed(a) == seen]
    o1_i1 = {a[6] is None for a in agree}
    assert len(o1_i1) > 1, "the report alone says the lone other rater did not observe i1"


def test_an_answer_given_under_a_stricter_version_keeps_that_versions_promise(run: Run, db: Path) -> None:
    """Responses are filed under the leader's current round by instrument id, whatever version they were
    answered on. A peer who answered tiny-360 1.0.0 (its form and `rate` promise: shown from 3 peers) is
    filed under a round on 1.1.0 (peers shown from 2) and printed beside a single other peer."""
    lower = instrument_from_text(
        TINY.replace('version: "1.0.0"', 'version: "1.1.0"').replace(
            "{id: peer, label: Peers, min_raters: 3}", "{id: peer, label: Peers, min_raters: 2}"
        ),
        "tiny11.yaml",
    )
    with Store.open(db) as store:
        add_responses(store, [IncomingResponse(LEADER, "peer", {"i1": 2, "i2": 4}, {}, "a", "a@x")], lower)
        with pytest.raises(ImportProblemError) as refused:
            add_responses(store, [IncomingResponse(LEADER, "peer", {"i1": 5, "i2": 1}, {}, "b", "b@x")], INST)
    # Filed under 1.1.0, the 1.0.0 peer's rating would sit in a figure of two; the other peer knows it.
    assert str(refused.value) == (
        "b: this response was given on tiny-360 1.0.0, whose form promised Peers that they are shown only "
        'from 3; "Lee"\'s current round is on a version that shows them from 2, so it cannot go there. '
        "Import it with the round's version (--instrument), or start a new round on this version "
        "(leadcheck assess --new)"
    )
    assert "peer" not in items(run)["i1"]["groups"]


def _report_text(run: Run, path: Path) -> str:
    import html
    import re

    done = run("report", LEADER, "-o", str(path))
    assert done.exit_code == 0, done.stderr
    t = re.sub(r"<(style|svg).*?</\1>", "", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", t)))


def test_a_held_report_does_not_say_whose_comment_changed(run: Run, db: Path, tmp_path: Path) -> None:
    """A held release "repeats the last release whole, so the hold itself says nothing about any item or
    any one rater". But a comment list whose printed comment changed is dropped: with one comment printed,
    the reader learns that its author (and no one else) changed their answer to that question."""
    rows: list[tuple[str, dict[str, int | None], dict[str, str], str]] = [
        ("peer", {"i1": 2, "i2": 4}, {"keep": "Keeps calm"}, "a@x"),
        ("peer", {"i1": 4, "i2": 4}, {}, "b@x"),
        ("peer", {"i1": 3, "i2": 2}, {}, "c@x"),
    ]

    def put(rs: list[tuple[str, dict[str, int | None], dict[str, str], str]]) -> None:
        with Store.open(db) as store:
            add_responses(store, [IncomingResponse(LEADER, g, a, c, "t", i) for g, a, c, i in rs], INST)

    put(rows)
    assert "Keeps calm" in _report_text(run, tmp_path / "1.html")
    put([("peer", {"i1": 2, "i2": 4}, {"keep": "Keeps calm, mostly"}, "a@x")])  # the author edits it
    second = _report_text(run, tmp_path / "2.html")
    assert "repeats the last release" in second
    assert "Keeps calm" in second  # today the comment section is gone: the author of "Keeps calm" moved


def test_a_restored_backup_still_knows_a_rater_who_sends_their_form_again(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """A JSON backup restored into a new workspace keeps the stored keyed rater hashes, but the new
    workspace has its own key: the same peer sending the same form again is a new rater. Two peers become
    "3 peers", the group is shown, and the odd one out in each spread is the other peer's rating."""
    add(db, [("peer", {"i1": 2, "i2": 4}, "a@x", None), ("peer", {"i1": 5, "i2": 5}, "b@x", None)])
    backup = tmp_path / "backup.json"
    assert run("export", "-o", str(backup)).exit_code == 0
    from typer.testing import CliRunner

    from leadcheck.cli import app

    other = tmp_path / "restored.db"
    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "LEADCHECK_DB": None})
    assert runner.invoke(app, ["--db", str(other), "import", str(backup)]).exit_code == 0
    add(other, [("peer", {"i1": 2, "i2": 4}, "a@x", None)])  # peer A sends the same form again

    def run_other(*args: str) -> Result:
        return runner.invoke(app, ["--db", str(other), *args])

    shown = items(run_other)
    # i1 spread [0, 2, 0, 0, 1] and i2 [0, 0, 0, 2, 1]: A's pair and B's 5 and 5.
    assert "peer" not in shown["i1"]["groups"]
