"""`leadcheck summary`: the terminal tables and the documented JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from leadcheck.base import text as txt
from leadcheck.base.responses import IncomingResponse
from leadcheck.demo import demo_leaders, demo_responses
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.scorecard_json import scorecard_json
from leadcheck.scorecards import scored_leader
from leadcheck.store import Store


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    db = tmp_path / "workspace.db"
    inst = load_instrument("psl-360")
    with Store.open(db) as store:
        add_responses(store, demo_responses(inst, demo_leaders(4, seed=7), seed=7), inst)
    return db


def _first_leader(db: Path) -> str:
    with Store.open(db) as store:
        return store.leaders.every()[0].name


def test_json_is_the_scorecard(cli, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    name = _first_leader(workspace)
    run = cli("--db", workspace, "summary", name, "--json")
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout)
    with Store.open(workspace) as store:
        expected = scorecard_json(scored_leader(store, name).card)
    assert doc["leader"] == name
    assert doc["instrument"]["id"] == "psl-360"
    for key in ("raters", "competencies", "values", "blind_spots", "hidden_strengths", "highest", "lowest"):
        assert doc[key] == json.loads(json.dumps(expected[key]))
    first = doc["competencies"][0]
    assert set(first) >= {"id", "name", "self", "others", "gap", "groups", "items"}
    assert set(first["items"][0]) >= {"id", "self", "others", "gap", "groups"}
    assert all(set(g) >= {"n", "mean"} for g in first["groups"].values())
    assert doc["previous"] is None


def test_terminal_tables(cli, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "120")
    name = _first_leader(workspace)
    run = cli("--db", workspace, "summary", name)
    assert run.exit_code == 0, run.stderr
    for heading in (
        "Becoming Self-Aware",
        "Stewardship of Public Trust",
        "Blind spots",
        "Lowest rated by others",
    ):
        assert heading in run.stdout
    assert "All others" in run.stdout


def test_hidden_group_is_not_in_the_json(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inst = load_instrument("psl-360")
    answers = dict.fromkeys(inst.items, 3)  # the midpoint: reverse-scoring leaves it at 3
    lone = dict.fromkeys(inst.items, 1)
    db = tmp_path / "w.db"
    with Store.open(db) as store:
        add_responses(
            store,
            [
                IncomingResponse("Ana", "self", answers, {}, "t"),
                IncomingResponse("Ana", "manager", answers, {}, "t", "m"),
                IncomingResponse("Ana", "peer", lone, {}, "t", "p1"),
            ],
            inst,
        )
    doc = json.loads(cli("--db", db, "summary", "Ana", "--json").stdout)
    assert doc["raters"] == {"self": 1, "manager": 1}
    assert doc["hidden_groups"] == ["peer"]
    assert all(c["others"] == 3.0 for c in doc["competencies"])
    text = cli("--db", db, "summary", "Ana").stdout
    assert "Hidden for anonymity" in text and "Peers" in text


def test_reassessment_shows_the_change(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inst = load_instrument("psl-360")
    db = tmp_path / "w.db"
    with Store.open(db) as store:
        leader = store.leaders.ensure("Ana")
        add_responses(
            store, [IncomingResponse("Ana", "manager", dict.fromkeys(inst.items, 2), {}, "t", "m")], inst
        )
        store.assessments.current_or_new(leader, inst, new=True)
        add_responses(
            store, [IncomingResponse("Ana", "manager", dict.fromkeys(inst.items, 3), {}, "t", "m")], inst
        )
    doc = json.loads(cli("--db", db, "summary", "Ana", "--json").stdout)
    # Nine items up by one, the reverse-scored one down by one: (9 - 1) / 10.
    assert doc["previous"]["changes"]["self-aware"]["others"] == pytest.approx(0.8)


def test_unknown_leader_suggests_a_name(cli, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    name = _first_leader(workspace)
    run = cli("--db", workspace, "summary", name[:-1])
    assert run.exit_code == 1
    assert run.stderr.strip() == f'error: no leader "{name[:-1]}" in {workspace}; did you mean "{name}"?'


def test_missing_workspace(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = cli("--db", tmp_path / "nope.db", "summary", "Ana")
    assert run.exit_code == 1
    assert "no workspace here" in run.stderr
    assert not (tmp_path / "nope.db").exists()


def test_at_80_columns_the_tables_give_up_the_bar_then_the_groups_never_the_numbers(  # type: ignore[no-untyped-def]
    cli, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # a narrow terminal; piped output is 80 wide too
    name = _first_leader(workspace)
    doc = json.loads(cli("--db", workspace, "summary", name, "--json").stdout)
    run = cli("--db", workspace, "summary", name)
    assert run.exit_code == 0, run.stderr
    text = run.stdout
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in text
    tables = text.split("Blind spots")[0]
    assert "█" not in tables  # the bar goes first
    if "(rater groups need a wider terminal; --format json has every figure)" in text:
        assert "Direct" not in tables.split("(rater groups")[1]
    else:
        assert "Direct" in tables and "reports" in tables
    for competency in doc["competencies"]:
        heading = next(i for i, line in enumerate(lines) if line.startswith(competency["name"] + " ("))
        overall = next(line for line in lines[heading:] if "Overall" in line)
        # Figures print as leadcheck.base.text rounds them: from the exact fraction, half to even.
        gap = re.escape(txt.signed(competency["gap"], plain=True))
        self_, others = txt.score(competency["self"]), txt.score(competency["others"])
        figures = rf"^Overall +{self_} .*{others} +{competency['others_n']} .*{gap}$"
        assert re.search(figures, overall.rstrip()), overall
    # The item column keeps room for words: at least 28 characters before it wraps.
    first = doc["competencies"][0]["items"][0]["id"]
    row = next(line for line in lines if line.startswith(f"{first} "))
    assert len(re.split(r"\s{2,}", row)[0]) >= 26


def test_a_wide_terminal_shows_every_group(cli, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "160")
    run = cli("--db", workspace, "summary", _first_leader(workspace))
    assert "(rater groups" not in run.stdout
    header = next(line for line in run.stdout.splitlines() if "All others" in line)
    assert "Self" in header and "Manager" in header and "Direct reports" in header and "Gap" in header


def test_at_100_columns_every_group_shows_by_label(
    cli, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "100")
    name = _first_leader(workspace)
    doc = json.loads(cli("--db", workspace, "summary", name, "--format", "json").stdout)
    text = cli("--db", workspace, "summary", name).stdout
    assert max(cell_len(line.rstrip()) for line in text.splitlines()) <= 100
    assert "(rater groups" not in text
    headers = " ".join(text.split("Blind spots")[0].split())
    for group in doc["groups"]:
        for word in group["label"].split():  # the header may wrap between words
            assert word in headers
    assert "direct_report" not in text


@pytest.mark.parametrize("columns", ["60", "40"])
def test_narrow_terminals_never_cut_a_number(  # type: ignore[no-untyped-def]
    cli, workspace: Path, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    name = _first_leader(workspace)
    doc = json.loads(cli("--db", workspace, "summary", name, "--format", "json").stdout)
    text = cli("--db", workspace, "summary", name).stdout
    assert "…" not in text
    for competency in doc["competencies"]:
        assert f"{competency['others']:.2f}" in text
