"""`leadcheck leaders` and `leadcheck status`: counts and thresholds, never an answer or a comment."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from leadcheck.instrument.catalog import instrument_from_text
from leadcheck.responses import Answer
from leadcheck.store import SELF_IDENTITY, Store

from .conftest import MINI_360

# The shared mini instrument with a fourth group, direct reports, for the pooling of small groups.
PEERS = "  - {id: peer, label: Peers, min_raters: 2}\n"
MINI = MINI_360.read_text(encoding="utf-8").replace(
    PEERS, PEERS + "  - {id: direct_report, label: Direct reports, min_raters: 2}\n"
)

PRIVATE_COMMENT = "A private remark"

Run = Callable[..., Result]


def answer(
    store: Store, leader: str, group: str, rater: str, answers: dict[str, Answer], submit: bool = True
) -> None:
    assessment = store.latest_assessment(store.get_leader(leader))
    rid = store.open_response(assessment, group, rater)
    for item, value in answers.items():
        store.save_answer(rid, item, value)
    store.save_comment(rid, "note", PRIVATE_COMMENT)
    if submit:
        store.submit_response(rid)


@pytest.fixture
def workspace(db: Path) -> Path:
    """Ana: self done, a manager in progress, one peer of two needed. Bo: one peer and one direct report."""
    inst = instrument_from_text(MINI, "mini.yaml")
    with Store.open(db) as store:
        for name, cohort in (("Ana", "2024-spring"), ("Bo", "2024-fall")):
            store.assessment_for(store.ensure_leader(name, cohort), inst)
        answer(store, "Ana", "self", SELF_IDENTITY, {"l-1": 4, "l-2": None})
        answer(store, "Ana", "manager", "m", {"l-1": 5, "l-2": 1}, submit=False)
        answer(store, "Ana", "peer", "p1", {"l-1": 3, "l-2": None})
        answer(store, "Bo", "peer", "p1", {"l-1": 3, "l-2": None})
        answer(store, "Bo", "direct_report", "d1", {"l-2": 2, "l-1": None})
    return db


# -- leaders -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("workspace")
def test_leaders_lists_everyone_with_their_progress(run: Run) -> None:
    result = run("leaders")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    ana = next(line for line in lines if "Ana" in line)
    bo = next(line for line in lines if "Bo " in line)
    for cell in ("2024-spring", "mini", "done", "manager 1/1, peer 1/2, direct_report 0/2"):
        assert cell in ana
    for cell in ("2024-fall", "not started", "manager 0/1, peer 1/2, direct_report 1/2"):
        assert cell in bo
    assert PRIVATE_COMMENT not in result.stdout


@pytest.mark.usefixtures("workspace")
def test_leaders_of_one_cohort_as_json(run: Run) -> None:
    result = run("leaders", "--cohort", "2024-spring", "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert [d["name"] for d in doc] == ["Ana"]
    ana = doc[0]
    assert ana["instruments"] == ["mini"]
    assert ana["instrument"]["id"] == "mini"
    assert ana["self"] == "done"
    assert ana["groups"]["manager"] == {
        "label": "Manager",
        "raters": 1,
        "submitted": 0,
        "in_progress": 1,
        "partial": 0,
        "min_raters": 1,
        "report": "shown",
    }
    assert ana["groups"]["peer"]["report"] == "hidden"
    assert ana["missing"] == ["peer 1/2", "direct_report 0/2"]
    assert ana["last_activity"].startswith("20")
    assert PRIVATE_COMMENT not in result.stdout


@pytest.mark.usefixtures("workspace")
def test_an_unknown_cohort_is_named(run: Run, db: Path) -> None:
    result = run("leaders", "--cohort", "2023")
    assert result.exit_code == 1
    assert result.stderr == f'error: no cohort "2023" in {db}; cohorts: 2024-fall, 2024-spring\n'


def test_a_missing_workspace_is_a_clear_error(run: Run, db: Path) -> None:
    for command in ("leaders", "status"):
        result = run(command)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: {db}: no workspace here;")
        assert not db.exists()


def test_an_empty_workspace(run: Run, db: Path) -> None:
    Store.open(db).close()
    for command in ("leaders", "status"):
        result = run(command)
        assert (result.exit_code, result.stdout) == (
            0,
            "No leaders yet: add one with `leadcheck assess` or `leadcheck import`.\n",
        )


# -- status ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("workspace")
def test_status_says_what_is_missing_per_leader(run: Run) -> None:
    result = run("status")
    assert result.exit_code == 0
    assert result.stdout == (
        "Ana (mini): peer 1/2, direct_report 0/2\n"
        "Bo  (mini): self not done, manager 0/1, peer 1/2, direct_report 1/2\n"
    )


@pytest.mark.usefixtures("workspace")
def test_status_of_a_leader_shows_hidden_groups_and_unrated_items(run: Run) -> None:
    result = run("status", "Ana")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[1].split() == [
        "group",
        "raters",
        "submitted",
        "in",
        "progress",
        "needed",
        "in",
        "the",
        "report",
    ]
    rows = {line.split()[0]: line.rstrip().split(None, 5)[1:] for line in lines[2:6]}
    assert rows == {
        "self": ["1", "1", "0", "1", "shown"],
        "manager": ["1", "0", "1", "1", "shown"],
        "peer": ["1", "1", "0", "2", "hidden (1 more needed)"],
        "direct_report": ["0", "0", "0", "2", "none yet (2 needed)"],
    }
    assert result.stdout.endswith(
        "hidden: too few raters; left out of every figure to protect their anonymity.\n"
        "\n"
        "Items nobody rated yet (2):\n"
        "  d-1  They decide.\n"
        "  f-1  They are fair.\n"
    )
    assert PRIVATE_COMMENT not in result.stdout


@pytest.mark.usefixtures("workspace")
def test_small_groups_that_reach_the_threshold_together_are_pooled(run: Run) -> None:
    result = run("status", "Bo")
    assert result.exit_code == 0
    lines = {line.split()[0]: line.rstrip() for line in result.stdout.splitlines()[2:6]}
    assert lines["self"].endswith("missing")
    assert lines["peer"].endswith("pooled (1 more needed)")
    assert lines["direct_report"].endswith("pooled (1 more needed)")
    assert "pooled: too few raters alone; reported together with the other small groups." in result.stdout
    assert "hidden:" not in result.stdout


@pytest.mark.usefixtures("workspace")
def test_status_of_a_leader_as_json(run: Run) -> None:
    doc = json.loads(run("status", "Ana", "--json").stdout)
    assert doc["missing"] == ["peer 1/2", "direct_report 0/2"]
    assert doc["unrated_items"] == ["d-1", "f-1"]
    assert {g: v["report"] for g, v in doc["groups"].items()} == {
        "self": "shown",
        "manager": "shown",
        "peer": "hidden",
        "direct_report": "none",
    }
    assert PRIVATE_COMMENT not in json.dumps(doc)


@pytest.mark.usefixtures("workspace")
def test_status_of_an_unknown_leader(run: Run, db: Path) -> None:
    result = run("status", "Anna")
    assert (result.exit_code, result.stderr) == (1, f'error: no leader "Anna" in {db}; did you mean "Ana"?\n')


def test_status_of_a_leader_without_assessment(run: Run, db: Path) -> None:
    with Store.open(db) as store:
        store.ensure_leader("Cy")
    assert run("status", "Cy").stdout == "Cy: no assessment yet\n"
    assert run("status").stdout == "Cy: no assessment yet\n"


# -- the store's activity time ----------------------------------------------------------------------


def test_last_activity_follows_the_latest_answer(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import leadcheck.store

    inst = instrument_from_text(MINI, "mini.yaml")
    monkeypatch.setattr(leadcheck.store, "now", lambda: "2024-01-01T00:00:00+00:00")
    with Store.open(db) as store:
        ana = store.ensure_leader("Ana")
        assert store.last_activity(ana) == "2024-01-01T00:00:00+00:00"
        rid = store.open_response(store.assessment_for(ana, inst), "peer", "p")
        monkeypatch.setattr(leadcheck.store, "now", lambda: "2024-03-05T10:00:00+00:00")
        store.save_answer(rid, "l-1", 3)
        assert store.last_activity(ana) == "2024-03-05T10:00:00+00:00"
        monkeypatch.setattr(leadcheck.store, "now", lambda: "2024-04-01T08:00:00+00:00")
        store.submit_response(rid)
        assert store.last_activity(ana) == "2024-04-01T08:00:00+00:00"
