"""Property: export, import into a fresh workspace, export again: the same leaders, cohorts, rounds, groups,
answers, comments."""

from __future__ import annotations

import io
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from leadcheck.base.responses import IncomingResponse
from leadcheck.cli import app
from leadcheck.importing.export import write_json
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.instrument.model import SELF, Instrument
from leadcheck.store import Store, leader_key, leader_name_problem

# Two shipped instruments (so a CSV export finds them again by hash) that share item ids (lc-1, ...).
INSTRUMENTS = (load_instrument("psl-360"), load_instrument("labor-management-partnership"))

names = (
    st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=16)
    .map(str.strip)
    .filter(bool)
    # Only names the name rule accepts (no look-alike or direction-changing characters): a name it
    # refuses never gets into a workspace to be exported.
    .filter(lambda name: leader_name_problem(name) is None)
)
# Comments keep their exact text: quotes, commas, line breaks, leading "=" (a spreadsheet formula), ...
comment_text = st.text(
    st.characters(categories=("L", "N", "P", "S", "Zs"), include_characters="\n\r\t'=+-@\""), max_size=40
).filter(str.strip)


# Few times, so that two rounds of a leader are sometimes started in the same second.
STARTS = ("2024-01-08T09:00:00+00:00", "2024-06-03T09:00:00+00:00", "2025-01-13T09:00:00+00:00")


@dataclass
class Round:
    instrument_id: str  # not the Instrument: hypothesis would print all of it in a falsifying example
    created_at: str
    responses: list[IncomingResponse]

    @property
    def instrument(self) -> Instrument:
        return next(i for i in INSTRUMENTS if i.id == self.instrument_id)


@dataclass
class Leader:
    name: str
    cohort: str | None
    rounds: list[Round]  # oldest first; [] for a leader with no assessment at all


@st.composite
def responses(
    draw: st.DrawFn, leader: str, cohort: str | None, inst: Instrument, count: int
) -> list[IncomingResponse]:
    """``count`` responses about one leader on one instrument, from any group."""
    out: list[IncomingResponse] = []
    scale = inst.scale
    for _ in range(count):
        answers = draw(
            st.dictionaries(
                st.sampled_from(list(inst.items)), st.none() | st.integers(scale.min, scale.max), max_size=6
            )
        )
        comments = draw(
            st.dictionaries(st.sampled_from([q.id for q in inst.questions]), comment_text, max_size=2)
        )
        group = draw(st.sampled_from(list(inst.groups)))
        out.append(
            IncomingResponse(
                leader=leader,
                group=group,
                answers=answers,
                comments=comments,
                source="test",
                # A rater answers in one group only (the store refuses a group change),
                # so the identity carries the group.
                rater_identity=f"{group}-rater-{draw(st.integers(0, 10**9))}",
                cohort=cohort,
            )
        )
    return out


@st.composite
def workspaces(draw: st.DrawFn) -> list[Leader]:
    """A few leaders with rounds on one or both instruments, answered or not.

    Always among them: a leader assessed twice on the same instrument (the
    same rater, self where there is a self group, in each round), and a leader
    with no response at all.
    """
    out: list[Leader] = []
    drawn = draw(st.lists(names, min_size=3, max_size=5, unique_by=leader_key))
    twice, unanswered, others = drawn[0], drawn[1], drawn[2:]
    cohort = draw(st.none() | names)
    inst = draw(st.sampled_from(INSTRUMENTS))
    starts = sorted(draw(st.lists(st.sampled_from(STARTS), min_size=2, max_size=2)))
    rounds = []
    # The same rater in both rounds: the leader themself, where the instrument has a self group.
    group = SELF if SELF in inst.groups else next(iter(inst.groups))
    for start in starts:
        first_item = next(iter(inst.items))
        own = IncomingResponse(twice, group, {first_item: inst.scale.min}, {}, "test", "same", cohort=cohort)
        rounds.append(
            Round(inst.id, start, [own, *draw(responses(twice, cohort, inst, draw(st.integers(0, 2))))])
        )
    out.append(Leader(twice, cohort, rounds))
    # No assessment at all (a leader put in a cohort), or a round nobody answered yet.
    empty = [Round(inst.id, STARTS[0], [])] if draw(st.booleans()) else []
    out.append(Leader(unanswered, draw(st.none() | names), empty))
    for name in others:
        cohort = draw(st.none() | names)
        rounds = []
        for inst in draw(st.lists(st.sampled_from(INSTRUMENTS), max_size=3)):
            count = draw(st.integers(0, 3))
            rounds.append(
                Round(inst.id, draw(st.sampled_from(STARTS)), draw(responses(name, cohort, inst, count)))
            )
        out.append(Leader(name, cohort, rounds))
    return out


def _build(db: Path, leaders: list[Leader]) -> None:
    with Store.open(db) as store:
        for leader in leaders:
            person = store.leaders.ensure(leader.name, leader.cohort)
            seen: dict[tuple[str, str], int] = {}
            for r in leader.rounds:
                key = (r.instrument.content_hash, r.created_at)
                seen[key] = seen.get(key, 0) + 1
                assessment = store.assessments.ensure(person, r.instrument, r.created_at, seen[key])
                if r.responses:
                    add_responses(store, r.responses, r.instrument, assessment=assessment)


def _content(document: dict[str, Any]) -> dict[str, Any]:
    """The export's data without what a new workspace changes (rater hashes, times), in a stable order."""
    keep = (
        "leader",
        "cohort",
        "instrument",
        "instrument_version",
        "instrument_hash",
        "assessment",
        "round",
        "group",
        "answers",
        "comments",
    )
    return {
        "leaders": document["leaders"],
        "responses": sorted(
            json.dumps({k: r[k] for k in keep}, sort_keys=True) for r in document["responses"]
        ),
        "instruments": sorted(i["hash"] for i in document["instruments"]),
    }


def _answered_only(document: dict[str, Any]) -> dict[str, Any]:
    """What a CSV export carries: the leaders and rounds that have responses, rounds numbered again."""
    answered = {(r["leader"], r["instrument"], r["round"]) for r in document["responses"]}
    renumbered: dict[tuple[str, str, int], int] = {}
    leaders = []
    for leader in document["leaders"]:
        rounds = []
        counts: dict[str, int] = {}
        for a in leader["assessments"]:
            key = (leader["name"], a["instrument"], a["round"])
            if key in answered:
                counts[a["instrument"]] = counts.get(a["instrument"], 0) + 1
                renumbered[key] = counts[a["instrument"]]
                rounds.append({**a, "round": renumbered[key]})
        if rounds:
            leaders.append({**leader, "assessments": rounds})
    kept = [
        {**r, "round": renumbered[(r["leader"], r["instrument"], r["round"])]} for r in document["responses"]
    ]
    hashes = {a["instrument_hash"] for leader in leaders for a in leader["assessments"]}
    instruments = [i for i in document["instruments"] if i["hash"] in hashes]
    return {**document, "leaders": leaders, "responses": kept, "instruments": instruments}


def _export(db: Path) -> dict[str, Any]:
    out = io.StringIO()
    with Store.open(db, create=False) as store:
        write_json(store, out)
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def _run(*args: str | Path) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.stderr
    if "import" in args:
        assert result.stderr == ""  # no warning: no response dropped as "the same rater again"
    return result.stdout


@pytest.mark.parametrize("fmt", ["json", "csv"])
@settings(max_examples=30, deadline=None)
@given(leaders=workspaces())
def test_export_import_export_gives_the_same_data(fmt: str, leaders: list[Leader]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        first, second, backup = Path(folder, "a.db"), Path(folder, "b.db"), Path(folder, f"backup.{fmt}")
        _build(first, leaders)
        _run("--db", first, "export", "--format", fmt, "-o", backup)
        _run("--db", second, "import", backup)
        before, after = _export(first), _export(second)
        # The JSON export has every leader and round; a CSV export, the answered ones.
        expected = before if fmt == "json" else _answered_only(before)
        assert _content(after) == _content(expected)
        # ... and importing it once more changes nothing.
        again = _run("--db", second, "import", backup)
        assert "Added 0, replaced 0, unchanged" in again
        assert "New " not in again
        assert _content(_export(second)) == _content(expected)
