"""The workspace at scale: leaders found by an indexed key, batched reads, work linear in the import."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from leadcheck.base.problems import Problems
from leadcheck.base.responses import IncomingResponse
from leadcheck.importing import ImportOptions, apply_plan, csvfile, plan_import
from leadcheck.importing.closenames import CLOSE_NAME, CloseNames, closeness, digits_of
from leadcheck.importing.export import iter_export, iter_leaders
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.store import MIGRATIONS, Store, leader_key

from .conftest import EXAMPLES

MINIMAL = EXAMPLES / "valid" / "minimal.yaml"


@contextmanager
def statements(store: Store) -> Iterator[list[str]]:
    """Every SQL statement the workspace runs inside the block."""
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        store.conn.set_trace_callback(None)


def _responses(leaders: list[str], per_leader: int) -> list[IncomingResponse]:
    return [
        IncomingResponse(
            name, "peer", {"li-1": 1 + n % 5}, {"keep": f"c{n}"}, f"f.csv:{n}", f"{name}-{n}@x.org"
        )
        for name in leaders
        for n in range(per_leader)
    ]


def test_migration_4_indexes_the_names_of_an_existing_workspace(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        for script in MIGRATIONS[:3]:
            conn.executescript(script)
        conn.execute("PRAGMA user_version = 3")
        conn.execute("INSERT INTO leaders (name, created_at) VALUES ('Ana  Lopez', 't'), ('Zoë Adams', 't')")
    with Store.open(db) as store:
        assert store.schema_version == len(MIGRATIONS) == 8
        keys = {row[0]: row[1] for row in store.conn.execute("SELECT name, name_key FROM leaders")}
        assert keys == {"Ana  Lopez": "ana lopez", "Zoë Adams": "zoë adams"}
        assert store.leaders.get("ANA lopez").name == "Ana  Lopez"
        with statements(store) as seen:
            store.leaders.find("zoë   ADAMS")
        assert len(seen) == 1
        plan = store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM leaders WHERE name_key = ? ORDER BY name = ? DESC, id LIMIT 1",
            ("x", "x"),
        ).fetchall()
        assert "leaders_name_key" in " ".join(str(row[-1]) for row in plan)


def test_a_new_leader_gets_its_name_key(tmp_path: Path) -> None:
    with Store.open(tmp_path / "w.db") as store:
        store.leaders.ensure(" Ana\u00a0LOPEZ ")
        rows = store.conn.execute("SELECT name, name_key FROM leaders").fetchall()
        assert [tuple(row) for row in rows] == [("Ana\u00a0LOPEZ", "ana lopez")]


def test_the_exact_spelling_is_found_before_an_older_look_alike(tmp_path: Path) -> None:
    with Store.open(tmp_path / "w.db") as store, store.transaction() as c:
        # Two spellings of one key can only come from older versions; the exact one wins, else the oldest.
        c.execute("INSERT INTO leaders (name, name_key, created_at) VALUES ('ana lopez', 'ana lopez', 't')")
        c.execute("INSERT INTO leaders (name, name_key, created_at) VALUES ('Ana Lopez', 'ana lopez', 't')")
        assert store.leaders.get("Ana Lopez").id == 2
        assert store.leaders.get("ANA LOPEZ").id == 1


def test_export_reads_a_number_of_statements_independent_of_responses_per_leader(tmp_path: Path) -> None:
    inst = load_instrument(MINIMAL)
    counts = []
    for per_leader in (2, 40, 200):
        with Store.open(tmp_path / f"w{per_leader}.db") as store:
            add_responses(store, _responses(["Ana", "Ben"], per_leader), inst)
            with statements(store) as seen:
                records = list(iter_export(store))
                list(iter_leaders(store))
            assert len(records) == 2 * per_leader
            counts.append(len(seen))
    assert counts[0] == counts[1] == counts[2]


def test_export_reads_in_batches(tmp_path: Path) -> None:
    inst = load_instrument(MINIMAL)
    with Store.open(tmp_path / "w.db") as store:
        add_responses(store, _responses(["Ana"], 1_200), inst)
        with statements(store) as seen:
            records = list(iter_export(store))
        assert [r["comments"]["keep"] for r in records] == [f"c{n}" for n in range(1_200)]
        assert len(seen) <= 1 + 3 * 4  # the assessments, then three queries for each 500 responses


def test_importing_does_no_work_per_known_leader(tmp_path: Path) -> None:
    inst = load_instrument(MINIMAL)
    counts = []
    for known in (1, 300):  # the first leader stores the snapshot and reads the rater key
        with Store.open(tmp_path / f"w{known}.db") as store:
            add_responses(store, _responses([f"Known {n}" for n in range(known)], 1), inst)
            with statements(store) as seen:
                add_responses(store, _responses(["Ana", "Ben", "Cy"], 3), inst)
            counts.append(len(seen))
    assert counts[0] == counts[1]


def _closest_by_comparing_all(names: dict[str, str], key: str) -> str:
    best, best_ratio = "", float(CLOSE_NAME)
    for other_key, other in names.items():
        if digits_of(other_key) != digits_of(key):
            continue
        ratio = fuzz.ratio(key, other_key)
        if ratio > best_ratio or (ratio == best_ratio and not best):
            best, best_ratio = other, ratio
    return best


def test_close_names_are_those_comparing_all_would_find() -> None:
    rng = random.Random(10)
    index = CloseNames()
    everyone: dict[str, str] = {}
    for _ in range(1_500):
        # A small alphabet and short names: many near misses, of every length from 1 to 14.
        name = "".join(rng.choice("abc d1") for _ in range(rng.randint(1, 14))).strip() or "a"
        key = leader_key(name)
        if key in everyone:
            continue
        assert index.closest(key) == _closest_by_comparing_all(everyone, key), key
        index.add(key, name)
        everyone[key] = name


@pytest.mark.parametrize(
    ("known", "new", "expected"),
    [
        ("Ana Lopes", "Ana Lopez", "Ana Lopes"),
        ("Leader 1", "Leader 2", ""),  # codes that differ only in digits: two people
        ("L0001", "L0002", ""),  # the codes --anonymize writes
        ("Team 12 Lead", "Team 12 Laed", "Team 12 Lead"),  # same numbers, a typo in the letters
        ("Søren Whitfield", "Soren Whitfield", "Søren Whitfield"),
        ("Ana Lopes", "Bruno Costa", ""),
    ],
)
def test_close_names_typos_and_codes(known: str, new: str, expected: str) -> None:
    index = CloseNames()
    index.add(leader_key(known), known)
    assert index.closest(leader_key(new)) == expected


def test_close_names_of_codes_are_linear() -> None:
    """4,000 codes take about four times as long as 1,000, not sixteen (compared only with equal numbers)."""
    timings = []
    for n in (1_000, 4_000):
        index = CloseNames()
        start = time.perf_counter()
        warned = 0
        for i in range(n):
            key = leader_key(f"Leader {i}")
            warned += bool(index.closest(key))
            index.add(key, f"Leader {i}")
        timings.append(time.perf_counter() - start)
        assert warned == 0
    assert timings[1] < 8 * timings[0] + 0.05


def _calls(seen: list[str]) -> list[str]:
    """The statements as the code runs them: an executemany's rows (traced one by one) as one, and
    a DELETE once (SQLite traces it again for each row its foreign keys cascade to)."""
    out: list[str] = []
    for sql in seen:
        head = sql[:24]
        if out and (out[-1] == sql or (head.startswith("INSERT INTO") and out[-1][:24] == head)):
            continue
        out.append(sql)
    return out


def test_importing_runs_a_number_of_statements_independent_of_responses_per_leader(tmp_path: Path) -> None:
    inst = load_instrument(MINIMAL)
    counts = []
    for per_leader in (2, 130):  # up to 390 responses: one batch of writes (WRITE_BATCH)
        with Store.open(tmp_path / f"w{per_leader}.db") as store:
            add_responses(store, _responses(["Known"], 1), inst)  # the snapshot and the rater key
            with statements(store) as seen:
                add_responses(store, _responses(["Ana", "Ben", "Cy"], per_leader), inst)
            counts.append(len(_calls(seen)))
    assert counts[0] == counts[1]


def test_importing_corrections_runs_a_number_of_statements_independent_of_responses(tmp_path: Path) -> None:
    inst = load_instrument(MINIMAL)
    counts = []
    for per_leader in (2, 130):  # up to 390 responses: one batch of writes (WRITE_BATCH)
        with Store.open(tmp_path / f"w{per_leader}.db") as store:
            add_responses(store, _responses(["Ana", "Ben", "Cy"], per_leader), inst)
            changed = [
                dataclasses.replace(r, comments={"keep": "changed"}) for r in _responses(["Ana"], per_leader)
            ]
            with statements(store) as seen:
                summary = add_responses(store, changed, inst)
            assert summary.replaced == per_leader
            counts.append(len(_calls(seen)))
    assert counts[0] == counts[1]


def test_importing_writes_in_batches(tmp_path: Path) -> None:
    inst = load_instrument(MINIMAL)
    with Store.open(tmp_path / "w.db") as store:
        add_responses(store, _responses(["Known"], 1), inst)
        with statements(store) as seen:
            summary = add_responses(store, _responses(["Ana"], 1_200), inst)
        assert summary.added == 1_200
        # Per 400 responses: look up earlier ones (3), delete, insert responses, their ids, answers,
        # comments; and the leader, its assessment and the transaction around them.
        assert len(_calls(seen)) <= 12 + 3 * 7


def test_a_csv_table_keeps_only_its_first_records_and_reads_the_rest_again() -> None:
    text = "leader,group,li-1\r\n" + "".join(f'Ana,peer,"{n % 5 + 1}"\r\n\r\n' for n in range(100))
    table = csvfile.parse(text, Problems("r.csv"))
    assert table is not None
    assert (len(table.head), table.count) == (csvfile.HEAD_RECORDS, 101)
    rows = list(table.rows(1))
    assert [r.line for r in rows[:3]] == [2, 4, 6]
    assert [r.cells[2] for r in rows] == [str(n % 5 + 1) for n in range(100)]


def test_a_plan_keeps_responses_without_their_answers_until_they_are_stored(tmp_path: Path) -> None:
    rows = "".join(f"{name},peer,{name}{n}@x.org,{n + 1}\n" for name in "AB" for n in range(3))
    (tmp_path / "r.csv").write_text("leader,group,email,li-1\n" + rows)
    with Store.open(tmp_path / "w.db") as store:
        options = ImportOptions(layout="generic", instrument=str(MINIMAL))
        plan = plan_import([tmp_path / "r.csv"], options, store)
        assert plan.ok, plan.problems
        assert [(p.response.answers, p.response.comments, p.spooled) for p in plan.parsed] == [
            ({}, {}, n) for n in range(6)
        ]
        assert apply_plan(plan, store).added == 6
        ana = store.responses.of_assessment(store.assessments.current(store.leaders.get("A")))
        assert [dict(r.answers) for r in ana] == [{"li-1": n + 1} for n in range(3)]


def _close_pairs_by_comparing_all(keys: list[str]) -> set[tuple[str, str]]:
    return {(key, other) for n, key in enumerate(keys) for other in keys[:n] if closeness(key, other)}


# Short names over a few letters, a digit and a space: many near misses, repeated letters
# (whose deletions coincide), and sets large enough for the index of deletions.
_NAMES = st.lists(st.text(alphabet="aab c1", min_size=1, max_size=12), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=_NAMES)
def test_close_names_finds_exactly_the_pairs_comparing_all_finds(names: list[str]) -> None:
    index = CloseNames()
    keys: list[str] = []
    found: set[tuple[str, str]] = set()
    for name in names:
        key = leader_key(name) or "a"
        if key in index:
            continue
        found |= {(key, other) for other, _ in index.close_to(key)}
        index.add(key, key)
        keys.append(key)
    assert found == _close_pairs_by_comparing_all(keys)
