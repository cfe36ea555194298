"""The workspace file: schema, pragmas, privacy of rater identities, snapshots, concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from leadcheck.base.errors import ImportProblemError, NotFoundError, StoreError
from leadcheck.base.responses import IncomingResponse
from leadcheck.importing.export import iter_export, iter_leaders
from leadcheck.importing.policy import add_responses, stored_group
from leadcheck.instrument.catalog import instrument_from_text, load_instrument
from leadcheck.store import MIGRATIONS, Store

from .conftest import EXAMPLES


def test_schema_version_pragmas_and_wal(tmp_path: Path) -> None:
    with Store.open(tmp_path / "w.db") as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    Store.open(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="made by a newer leadcheck"):
        Store.open(db)


def test_not_a_database(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a leadcheck workspace \\(not an SQLite database\\)"):
        Store.open(db)


def test_missing_workspace_is_not_created_when_reading(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no workspace here"):
        Store.open(tmp_path / "nope.db", create=False)
    assert not (tmp_path / "nope.db").exists()


def test_rater_identity_is_stored_only_as_a_keyed_hash(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    inst = load_instrument(EXAMPLES / "valid" / "minimal.yaml")
    email = "jane.rater@agency.example.gov"
    with Store.open(db) as store:
        add_responses(store, [IncomingResponse("Ana", "peer", {"li-1": 3}, {}, "t", email)], inst)
        hashed = store.raters.hash(email)
        # The same identity, differently written, is the same rater.
        assert store.raters.hash(" Jane.Rater@Agency.example.gov ") == hashed
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = db.read_bytes()
    assert email.encode() not in raw
    assert b"jane.rater" not in raw
    with Store.open(tmp_path / "other.db") as other:
        assert other.raters.hash(email) != hashed  # keyed per workspace


def test_the_instrument_snapshot_outlives_the_yaml(tmp_path: Path) -> None:
    source = (EXAMPLES / "valid" / "minimal.yaml").read_text()
    old = instrument_from_text(source)
    new = instrument_from_text(source.replace("Listening", "Hearing"))
    with Store.open(tmp_path / "w.db") as store:
        add_responses(store, [IncomingResponse("Ana", "manager", {"li-1": 3}, {}, "t", "m")], old)
        leader = store.leaders.get("Ana")
        # A later import with the edited YAML still lands in the assessment made with the old text.
        assessment = store.assessments.current_or_new(leader, new)
        assert store.assessments.instrument(assessment).competencies[0].name == "Listening"
        assert store.assessments.instrument(assessment).content_hash == old.content_hash
        fresh = store.assessments.current_or_new(leader, new, new=True)
        assert store.assessments.instrument(fresh).competencies[0].name == "Hearing"
        assert [a.id for a in store.assessments.of_leader(leader)] == [assessment.id, fresh.id]


def test_an_import_is_all_or_nothing(tmp_path: Path) -> None:
    inst = load_instrument(EXAMPLES / "valid" / "minimal.yaml")
    with Store.open(tmp_path / "w.db") as store:
        bad = IncomingResponse("Bo", "peer", {"li-1": 3}, {}, "t", "x")
        good = IncomingResponse("Ana", "peer", {"li-1": 3}, {}, "t", "y")
        store.conn.execute(
            "CREATE TRIGGER fail BEFORE INSERT ON leaders WHEN NEW.name = 'Bo' BEGIN SELECT RAISE(ABORT, 'boom'); END"
        )
        with pytest.raises(sqlite3.DatabaseError):
            add_responses(store, [good, bad], inst)
        assert store.leaders.every() == []
        assert store.conn.execute("SELECT count(*) FROM responses").fetchone()[0] == 0


def _writer(db: str, name: str, count: int) -> None:
    inst = load_instrument(EXAMPLES / "valid" / "minimal.yaml")
    with Store.open(db) as store:
        for i in range(count):
            add_responses(
                store, [IncomingResponse(name, "peer", {"li-1": 1 + i % 3}, {}, "t", f"{name}-{i}")], inst
            )
            leader = store.leaders.ensure(name)
            response = store.responses.open(store.assessments.current(leader), "self", "self")
            store.responses.save_answer(response, "li-1", 1 + i % 3)


def test_two_processes_writing_at_once_both_succeed(tmp_path: Path) -> None:
    db = str(tmp_path / "w.db")
    Store.open(db).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(db, name, 25)) for name in ("Ana", "Bo")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0]
    with Store.open(db) as store:
        assert (
            store.conn.execute("SELECT count(*) FROM responses WHERE rater_group = 'peer'").fetchone()[0]
            == 50
        )


FOREIGN_SCHEMAS = {
    "tables, no version": ("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)", 0),
    "a meta table, no version": ("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)", 0),
    "a version, no meta table": ("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)", 1),
}


@pytest.mark.parametrize("schema", list(FOREIGN_SCHEMAS))
def test_a_database_of_another_program_is_refused_and_left_as_it_is(tmp_path: Path, schema: str) -> None:
    db = tmp_path / "notes.db"
    sql, version = FOREIGN_SCHEMAS[schema]
    conn = sqlite3.connect(db)
    conn.execute(sql)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    for create in (True, False):
        with pytest.raises(StoreError) as caught:
            Store.open(db, create=create)
        assert str(caught.value) == (
            f"{db}: not a leadcheck workspace (it is an SQLite database of another program); "
            "choose another file with --db"
        )
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_an_empty_file_becomes_a_workspace(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    db.touch()
    with Store.open(db) as store:
        assert store.schema_version == len(MIGRATIONS)


def test_a_leader_is_found_whatever_the_case_and_spacing(tmp_path: Path) -> None:
    inst = load_instrument(EXAMPLES / "valid" / "minimal.yaml")
    with Store.open(tmp_path / "w.db") as store:
        add_responses(store, [IncomingResponse("Ana Lopez", "peer", {"li-1": 3}, {}, "t", "a@x.org")], inst)
        summary = add_responses(
            store, [IncomingResponse("  ana   LOPEZ ", "manager", {"li-1": 4}, {}, "t", "b@x.org")], inst
        )
        assert summary.new_leaders == []
        assert list(summary.per_leader) == ["Ana Lopez"]
        assert [leader.name for leader in store.leaders.every()] == ["Ana Lopez"]
        ana = store.leaders.get("ANA lopez")
        assert store.leaders.find("ana\u00a0lopez") == ana
        assert store.leaders.ensure("ana lopez", "2024").id == ana.id
        assert len(store.responses.of_assessment(store.assessments.current(ana))) == 2


@pytest.mark.parametrize("name", ["Ana\nLopez", "Ana\tLopez", "A" * 201])
def test_a_leader_name_on_several_lines_or_too_long_is_refused(tmp_path: Path, name: str) -> None:
    inst = load_instrument(EXAMPLES / "valid" / "minimal.yaml")
    with Store.open(tmp_path / "w.db") as store:
        with pytest.raises(StoreError, match="leader name"):
            store.leaders.ensure(name)
        with pytest.raises(StoreError, match="leader name"):
            add_responses(store, [IncomingResponse(name, "peer", {"li-1": 3}, {}, "f.csv:2", "x")], inst)
        assert store.leaders.every() == []


def test_a_rater_never_moves_to_another_group(tmp_path: Path) -> None:
    inst = load_instrument(EXAMPLES / "valid" / "minimal.yaml")
    first = IncomingResponse("Ana", "peer", {"li-1": 3}, {}, "f.csv:2", "msforms:abc:1")
    moved = IncomingResponse("Ana", "manager", {"li-1": 3}, {}, "f.csv:2", "msforms:abc:1")
    with Store.open(tmp_path / "w.db") as store:
        add_responses(store, [first], inst)
        assert stored_group(store, moved, inst.id) == "peer"
        with pytest.raises(ImportProblemError) as caught:
            add_responses(store, [moved], inst, dry_run=True)
        assert str(caught.value) == (
            'f.csv:2: this rater already answered about "Ana" as peer, here as manager; a rater answers in '
            "one group only: correct the group, or leave this response out"
        )
        assert [
            r.group
            for r in store.responses.of_assessment(store.assessments.current(store.leaders.get("Ana")))
        ] == ["peer"]


def test_a_round_is_found_again_by_its_snapshot_and_start_time(tmp_path: Path) -> None:
    inst = load_instrument(EXAMPLES / "valid" / "minimal.yaml")
    with Store.open(tmp_path / "w.db") as store:
        ana = store.leaders.ensure("Ana")
        first = store.assessments.ensure(ana, inst, "2024-01-01T09:00:00+00:00")
        # Two rounds started in the same second are told apart by their place.
        second = store.assessments.ensure(ana, inst, "2024-01-01T09:00:00+00:00", nth=2)
        assert first.id != second.id
        assert store.assessments.ensure(ana, inst, "2024-01-01T09:00:00+00:00").id == first.id
        assert store.assessments.ensure(ana, inst, "2024-01-01T09:00:00+00:00", nth=2).id == second.id
        assert store.assessments.find(ana, inst.content_hash, "2024-01-01T09:00:00+00:00", 3) is None
        assert store.assessments.find(ana, "0" * 64, "2024-01-01T09:00:00+00:00") is None
        assert [a.created_at for a in store.assessments.of_leader(ana)] == ["2024-01-01T09:00:00+00:00"] * 2
        with pytest.raises(StoreError, match="counted from 1, not 0"):
            store.assessments.ensure(ana, inst, "2024-01-01T09:00:00+00:00", nth=0)


def test_responses_go_to_the_round_they_name(tmp_path: Path) -> None:
    inst = load_instrument(EXAMPLES / "valid" / "minimal.yaml")
    with Store.open(tmp_path / "w.db") as store:
        ana = store.leaders.ensure("Ana")
        old = store.assessments.ensure(ana, inst, "2024-01-01T09:00:00+00:00")
        store.assessments.ensure(ana, inst, "2024-06-01T09:00:00+00:00")
        self_old = IncomingResponse("Ana", "self", {"li-1": 2}, {}, "t")
        self_new = IncomingResponse("Ana", "self", {"li-1": 4}, {}, "t")
        add_responses(store, [self_old], inst, assessment=old)
        add_responses(store, [self_new], inst)  # no round named: the current one
        assert [(r["assessment"], r["round"], r["answers"]) for r in iter_export(store)] == [
            ("2024-01-01T09:00:00+00:00", 1, {"li-1": 2}),
            ("2024-06-01T09:00:00+00:00", 2, {"li-1": 4}),
        ]
        # Named again: the same rater in the same round, unchanged.
        assert add_responses(store, [self_old], inst, assessment=old).unchanged == 1
        ben = store.leaders.ensure("Ben")
        with pytest.raises(
            StoreError, match='a response about "Ben" cannot be filed under an assessment of "Ana"'
        ):
            add_responses(
                store, [IncomingResponse("Ben", "self", {"li-1": 3}, {}, "t")], inst, assessment=old
            )
        other = instrument_from_text(inst.source_text.replace("Listening", "Hearing"))
        with pytest.raises(
            StoreError, match="cannot be filed under an assessment made with another snapshot"
        ):
            add_responses(store, [self_old], other, assessment=old)
        assert store.assessments.of_leader(ben) == []


def test_every_leader_and_round_is_listed_answered_or_not(tmp_path: Path) -> None:
    inst = load_instrument(EXAMPLES / "valid" / "minimal.yaml")
    with Store.open(tmp_path / "w.db") as store:
        store.leaders.ensure("Cy", "2024")
        ana = store.leaders.ensure("Ana")
        store.assessments.ensure(ana, inst, "2024-01-01T09:00:00+00:00")
        store.assessments.ensure(ana, inst, "2024-06-01T09:00:00+00:00")
        assert [(leader["name"], leader["cohort"]) for leader in iter_leaders(store)] == [
            ("Ana", None),
            ("Cy", "2024"),
        ]
        rounds = next(iter_leaders(store))["assessments"]
        assert [(r["instrument"], r["created_at"], r["round"]) for r in rounds] == [
            (inst.id, "2024-01-01T09:00:00+00:00", 1),
            (inst.id, "2024-06-01T09:00:00+00:00", 2),
        ]
        assert {r["instrument_hash"] for r in rounds} == {inst.content_hash}


def test_a_transaction_inside_another_is_saved_or_undone_with_it(tmp_path: Path) -> None:
    inst = load_instrument(EXAMPLES / "valid" / "minimal.yaml")
    with Store.open(tmp_path / "w.db") as store:
        with store.transaction(dry_run=True):
            store.leaders.ensure("Ana")
            add_responses(store, [IncomingResponse("Bo", "peer", {"li-1": 3}, {}, "t", "x")], inst)
            assert [leader.name for leader in store.leaders.every()] == ["Ana", "Bo"]
        assert store.leaders.every() == []
        with store.transaction():
            store.leaders.ensure("Ana")
            # A dry run inside undoes only its own writes.
            add_responses(
                store, [IncomingResponse("Bo", "peer", {"li-1": 3}, {}, "t", "x")], inst, dry_run=True
            )
            # An error inside undoes only that inner part ("Cy" is written before "De\nX" is refused).
            cy = IncomingResponse("Cy", "peer", {"li-1": 3}, {}, "t", "y")
            bad = IncomingResponse("De\nX", "peer", {"li-1": 3}, {}, "t", "z")
            with pytest.raises(StoreError, match="leader name"):
                add_responses(store, [cy, bad], inst)
        assert [leader.name for leader in store.leaders.every()] == ["Ana"]
        with pytest.raises(RuntimeError), store.transaction():
            store.leaders.ensure("Eve")
            raise RuntimeError("boom")
        assert [leader.name for leader in store.leaders.every()] == ["Ana"]
        assert not store.conn.in_transaction


def test_migration_6_drops_the_rosters_returned_times(tmp_path: Path) -> None:
    """A returned time was the second the rater's response was stored: an old workspace loses them."""
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        for script in MIGRATIONS[:5]:
            conn.executescript(script)
        conn.execute("PRAGMA user_version = 5")
        conn.execute("INSERT INTO leaders (name, name_key, created_at) VALUES ('Ana', 'ana', 't')")
        conn.executemany(
            "INSERT INTO campaign_raters (leader_id, email, rater_group, state, created_at, invited_at, "
            "returned_at) VALUES (1, ?, 'peer', ?, '2024-03-01', '2024-03-02', ?)",
            [("a@x.org", "returned", "2024-03-04T08:15:02+00:00"), ("b@x.org", "invited", None)],
        )
    with Store.open(db) as store:
        assert store.schema_version == len(MIGRATIONS)
        rows = store.conn.execute(
            "SELECT email, state, invited_at, returned_at FROM campaign_raters ORDER BY id"
        )
        assert [tuple(r) for r in rows] == [
            ("a@x.org", "returned", "2024-03-02", None),
            ("b@x.org", "invited", "2024-03-02", None),
        ]
