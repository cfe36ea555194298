"""`leadcheck leaders` and `leadcheck status`: counts and thresholds, never an answer or a comment."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from leadcheck.base.responses import Answer
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import instrument_from_text
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
    assessment = store.assessments.current(store.leaders.get(leader))
    rid = store.responses.open(assessment, group, rater)
    for item, value in answers.items():
        store.responses.save_answer(rid, item, value)
    store.responses.save_comment(rid, "note", PRIVATE_COMMENT)
    if submit:
        store.responses.submit(rid)


@pytest.fixture
def workspace(db: Path) -> Path:
    """Ana: self done, a manager in progress, one peer of two needed. Bo: one peer and one direct report."""
    inst = instrument_from_text(MINI, "mini.yaml")
    with Store.open(db) as store:
        for name, cohort in (("Ana", "2024-spring"), ("Bo", "2024-fall")):
            store.assessments.current_or_new(store.leaders.ensure(name, cohort), inst)
        answer(store, "Ana", "self", SELF_IDENTITY, {"l-1": 4, "l-2": None})
        answer(store, "Ana", "manager", "m", {"l-1": 5, "l-2": 1}, submit=False)
        answer(store, "Ana", "peer", "p1", {"l-1": 3, "l-2": None})
        answer(store, "Bo", "peer", "p1", {"l-1": 3, "l-2": None})
        answer(store, "Bo", "direct_report", "d1", {"l-2": 2, "l-1": None})
    return db


# -- leaders -------------------------------------------------------------------------------------


def cells(line: str) -> list[str]:
    """A table row's cells: columns are two or more spaces apart."""
    return re.split(r"\s{2,}", line.strip())


@pytest.fixture
def fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import leadcheck.store.clock

    monkeypatch.setattr(leadcheck.store.clock, "now", lambda: "2024-03-05T10:07:00+00:00")


@pytest.mark.usefixtures("fixed_time", "workspace")
def test_leaders_lists_everyone_with_their_progress_by_group_label(run: Run) -> None:
    result = run("leaders")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Leaders · mini"  # one instrument for all: named once, no column
    assert cells(lines[1]) == [
        "leader",
        "cohort",
        "self",
        "Manager",
        "Peers",
        "Direct reports",
        "last answer",
    ]
    assert cells(lines[3]) == ["Ana", "2024-spring", "done", "1/1", "1/2", "0/2", "2024-03-05 10:07"]
    assert cells(lines[4]) == ["Bo", "2024-fall", "not started", "0/1", "1/2", "1/2", "2024-03-05 10:07"]
    assert "raters: responses so far / needed for the group to be shown; times in UTC" in result.stdout
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
        "min_raters": 1,
        "optional": False,
        "report": "shown",
    }
    assert ana["groups"]["peer"]["report"] == "hidden"
    assert ana["missing"] == ["peer 1/2", "direct_report 0/2"]
    assert ana["last_activity"].startswith("20")
    assert ana["last_answered"].startswith("20")
    assert PRIVATE_COMMENT not in result.stdout
    assert json.loads(run("leaders", "--cohort", "2024-spring", "--format", "json").stdout) == doc


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


@pytest.mark.usefixtures("fixed_time", "workspace")
def test_status_says_what_is_missing_per_leader(run: Run) -> None:
    result = run("status")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Status · mini"
    assert cells(lines[1]) == ["leader", "self", "still needed", "last answer"]
    assert cells(lines[3]) == ["Ana", "done", "Peers 1/2, Direct reports 0/2", "2024-03-05 10:07"]
    assert cells(lines[4]) == [
        "Bo",
        "not started",
        "Manager 0/1, Peers 1/2, Direct reports 1/2",
        "2024-03-05 10:07",
    ]
    assert lines[5] == "0 of 2 complete. still needed: raters so far / needed for the group to be shown; " + (
        "optional groups nobody answered in are not needed. Times in UTC."
    )


@pytest.mark.usefixtures("workspace")
def test_status_of_a_leader_shows_hidden_groups_and_unrated_items(run: Run) -> None:
    result = run("status", "Ana")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert cells(lines[1]) == ["group", "raters", "submitted", "in progress", "needed", "in the report"]
    rows = {cells(line)[0]: cells(line)[1:] for line in lines[3:7]}
    assert rows == {
        "Self": ["1", "1", "0", "1", "shown"],
        "Manager": ["1", "0", "1", "1", "shown"],
        "Peers": ["1", "1", "0", "2", "hidden (1 more needed)"],
        "Direct reports": ["0", "0", "0", "2", "none yet (2 needed)"],
    }
    assert result.stdout.endswith(
        "hidden: too few raters; left out of every figure to protect their anonymity.\n"
        "\n"
        "Items with no rating shown yet (3):\n"
        "  l-2  They interrupt.\n"
        "  d-1  They decide.\n"
        "  f-1  They are fair.\n"
        "\n"
        "Next:\n"
        "  Peers 1/2: `leadcheck rate Ana --as peer`\n"
        "  Direct reports 0/2: `leadcheck rate Ana --as direct_report`\n"
        "  or a form per rater: `leadcheck form Ana --as GROUP -o FILE`\n"
    )
    assert PRIVATE_COMMENT not in result.stdout


@pytest.mark.usefixtures("workspace")
def test_small_groups_that_reach_the_threshold_together_are_pooled(run: Run) -> None:
    result = run("status", "Bo")
    assert result.exit_code == 0
    lines = {cells(line)[0]: line.rstrip() for line in result.stdout.splitlines()[3:7]}
    assert lines["Self"].endswith("missing")
    assert lines["Peers"].endswith("pooled (1 more needed)")
    assert lines["Direct reports"].endswith("pooled (1 more needed)")
    assert "pooled: too few raters alone; reported together with the other small groups." in result.stdout
    assert "hidden:" not in result.stdout


@pytest.mark.usefixtures("workspace")
def test_status_of_a_leader_as_json(run: Run) -> None:
    doc = json.loads(run("status", "Ana", "--json").stdout)
    assert doc["missing"] == ["peer 1/2", "direct_report 0/2"]
    assert doc["unrated_items"] == ["l-2", "d-1", "f-1"]  # nothing released yet: the self's own ratings only
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
        store.leaders.ensure("Cy")
    assert run("status", "Cy").stdout == "Cy: no assessment yet\n"
    lines = run("status").stdout.splitlines()
    assert cells(lines[3]) == ["Cy", "-", "not started", "no assessment yet", "-"]  # no instrument yet


# -- the store's activity time ----------------------------------------------------------------------


def test_last_activity_follows_the_latest_answer(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import leadcheck.store.clock

    inst = instrument_from_text(MINI, "mini.yaml")
    monkeypatch.setattr(leadcheck.store.clock, "now", lambda: "2024-01-01T00:00:00+00:00")
    with Store.open(db) as store:
        ana = store.leaders.ensure("Ana")
        assert store.leaders.last_activity(ana) == "2024-01-01T00:00:00+00:00"
        rid = store.responses.open(store.assessments.current_or_new(ana, inst), "peer", "p")
        monkeypatch.setattr(leadcheck.store.clock, "now", lambda: "2024-03-05T10:00:00+00:00")
        store.responses.save_answer(rid, "l-1", 3)
        assert store.leaders.last_activity(ana) == "2024-03-05T10:00:00+00:00"
        monkeypatch.setattr(leadcheck.store.clock, "now", lambda: "2024-04-01T08:00:00+00:00")
        store.responses.submit(rid)
        assert store.leaders.last_activity(ana) == "2024-04-01T08:00:00+00:00"


def test_last_answered_is_when_the_answers_were_given_not_the_import(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import leadcheck.store.clock
    from leadcheck.base.responses import IncomingResponse
    from leadcheck.status import leader_status

    inst = instrument_from_text(MINI, "mini.yaml")
    monkeypatch.setattr(leadcheck.store.clock, "now", lambda: "2024-06-30T12:00:00+00:00")  # the import
    with Store.open(db) as store:
        survey = IncomingResponse(
            "Ana", "peer", {"l-1": 3}, {}, "s.csv:2", "r1", submitted_at="2024-05-02T08:15:00+00:00"
        )
        add_responses(store, [survey], inst)
        status = leader_status(store, store.leaders.get("Ana"))
        assert status.last_answered == "2024-05-02T08:15:00+00:00"
        assert status.last_activity == "2024-06-30T12:00:00+00:00"


def test_a_leader_nobody_answered_about_has_no_last_answer(db: Path) -> None:
    from leadcheck.status import leader_status

    inst = instrument_from_text(MINI, "mini.yaml")
    with Store.open(db) as store:
        store.assessments.current_or_new(store.leaders.ensure("Ana"), inst)
        assert leader_status(store, store.leaders.get("Ana")).last_answered is None


# -- optional groups --------------------------------------------------------------------------------

OPTIONAL = MINI.replace(
    "  - {id: direct_report, label: Direct reports, min_raters: 2}\n",
    "  - {id: direct_report, label: Direct reports, min_raters: 2}\n"
    "  - {id: other, label: Others, min_raters: 2}\n"
    "  - {id: coach, label: Coach, min_raters: 1, optional: true}\n",
)


@pytest.fixture
def optional_workspace(db: Path) -> Path:
    """Ana: nobody in the two optional groups (other by default, coach by choice); Bo: one of two others."""
    inst = instrument_from_text(OPTIONAL, "mini.yaml")
    assert [g.optional for g in inst.rater_groups] == [False, False, False, False, True, True]
    with Store.open(db) as store:
        for name in ("Ana", "Bo"):
            store.assessments.current_or_new(store.leaders.ensure(name), inst)
            answer(store, name, "self", SELF_IDENTITY, {"l-1": 4, "l-2": 4})
            answer(store, name, "manager", "m", {"l-1": 4, "l-2": 4})
            for rater in ("p1", "p2"):
                answer(store, name, "peer", rater, {"l-1": 4, "l-2": 4})
            for rater in ("d1", "d2"):
                answer(store, name, "direct_report", rater, {"l-1": 4, "l-2": 4})
        answer(store, "Bo", "other", "o1", {"l-1": 4, "l-2": 4})
    return db


@pytest.mark.usefixtures("optional_workspace")
def test_an_optional_group_with_nobody_is_not_missing(run: Run) -> None:
    lines = run("status").stdout.splitlines()
    assert cells(lines[3])[:3] == ["Ana", "done", "nothing"]
    assert cells(lines[4])[:3] == ["Bo", "done", "Others 1/2"]  # one other: their answers would be hidden
    assert lines[5].startswith("1 of 2 complete.")
    doc = json.loads(run("status", "--format", "json").stdout)
    assert doc[0]["missing"] == [] and doc[0]["groups"]["other"]["optional"] is True
    assert doc[1]["missing"] == ["other 1/2"]
    leaders = run("leaders").stdout.splitlines()
    assert cells(leaders[3])[-3:-1] == ["-", "-"]  # Others, Coach: optional, nobody
    assert "-: an optional group nobody has answered in (not missing)" in run("leaders").stdout
    detail = run("status", "Ana").stdout
    assert re.search(r"Coach +0 +0 +0 +1 +none \(optional\)", detail)


# -- widths -----------------------------------------------------------------------------------------------


@pytest.fixture
def cohort(db: Path) -> Path:
    """Twelve demo leaders on psl-360, with long names and a cohort, as a coach's workspace looks."""
    from leadcheck.demo import demo_leaders, demo_responses
    from leadcheck.instrument.catalog import load_instrument

    inst = load_instrument("psl-360")
    with Store.open(db) as store:
        add_responses(store, demo_responses(inst, demo_leaders(12, 3), 3, cohort="2024-spring-east"), inst)
    return db


def wide_lines(text: str, width: int) -> list[str]:
    from rich.cells import cell_len

    return [line for line in text.splitlines() if cell_len(line.rstrip()) > width]


@pytest.mark.usefixtures("cohort")
@pytest.mark.parametrize("command", ["leaders", "status"])
def test_tables_fit_100_columns_with_every_column(command: str, db: Path) -> None:
    from typer.testing import CliRunner

    from leadcheck.cli import app

    result = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1"}).invoke(app, ["--db", str(db), command])
    assert result.exit_code == 0, result.stderr
    assert wide_lines(result.stdout, 100) == []
    assert "Not shown at this width" not in result.stdout
    assert "last answer" in result.stdout
    assert "Direct" in result.stdout and "direct_report" not in result.stdout  # labels, not ids


@pytest.mark.usefixtures("cohort")
@pytest.mark.parametrize("columns", [80, 60, 40, 24])
@pytest.mark.parametrize("command", ["leaders", "status"])
def test_narrower_tables_give_up_columns_then_wrap_and_never_cut(
    command: str, columns: int, db: Path
) -> None:
    from typer.testing import CliRunner

    from leadcheck.cli import app
    from leadcheck.store import Store as S

    result = CliRunner(env={"COLUMNS": str(columns), "NO_COLOR": "1"}).invoke(app, ["--db", str(db), command])
    assert result.exit_code == 0, result.stderr
    assert wide_lines(result.stdout, columns) == []
    flat = " ".join(result.stdout.split())
    with S.open(db) as store:
        for leader in store.leaders.every():
            # Every name is there in full (a wrapped name's words are still all there, in order).
            assert all(word in flat for word in leader.name.split()), leader.name
