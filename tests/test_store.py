"""The workspace file: schema, pragmas, privacy of rater identities, snapshots, concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from leadcheck.errors import NotFoundError, StoreError
from leadcheck.instrument.catalog import instrument_from_text, load_instrument
from leadcheck.responses import IncomingResponse
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
    with pytest.raises(StoreError, match="not a leadcheck workspace or damaged"):
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
        store.add_responses([IncomingResponse("Ana", "peer", {"li-1": 3}, {}, "t", email)], inst)
        hashed = store.rater_hash(email)
        # The same identity, differently written, is the same rater.
        assert store.rater_hash(" Jane.Rater@Agency.example.gov ") == hashed
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = db.read_bytes()
    assert email.encode() not in raw
    assert b"jane.rater" not in raw
    with Store.open(tmp_path / "other.db") as other:
        assert other.rater_hash(email) != hashed  # keyed per workspace


def test_the_instrument_snapshot_outlives_the_yaml(tmp_path: Path) -> None:
    source = (EXAMPLES / "valid" / "minimal.yaml").read_text()
    old = instrument_from_text(source)
    new = instrument_from_text(source.replace("Listening", "Hearing"))
    with Store.open(tmp_path / "w.db") as store:
        store.add_responses([IncomingResponse("Ana", "manager", {"li-1": 3}, {}, "t", "m")], old)
        leader = store.get_leader("Ana")
        # A later import with the edited YAML still lands in the assessment made with the old text.
        assessment = store.assessment_for(leader, new)
        assert store.instrument(assessment).competencies[0].name == "Listening"
        assert store.instrument(assessment).content_hash == old.content_hash
        fresh = store.assessment_for(leader, new, new=True)
        assert store.instrument(fresh).competencies[0].name == "Hearing"
        assert [a.id for a in store.assessments(leader)] == [assessment.id, fresh.id]


def test_an_import_is_all_or_nothing(tmp_path: Path) -> None:
    inst = load_instrument(EXAMPLES / "valid" / "minimal.yaml")
    with Store.open(tmp_path / "w.db") as store:
        bad = IncomingResponse("Bo", "peer", {"li-1": 3}, {}, "t", "x")
        good = IncomingResponse("Ana", "peer", {"li-1": 3}, {}, "t", "y")
        store.conn.execute(
            "CREATE TRIGGER fail BEFORE INSERT ON leaders WHEN NEW.name = 'Bo' BEGIN SELECT RAISE(ABORT, 'boom'); END"
        )
        with pytest.raises(sqlite3.DatabaseError):
            store.add_responses([good, bad], inst)
        assert store.leaders() == []
        assert store.conn.execute("SELECT count(*) FROM responses").fetchone()[0] == 0


def _writer(db: str, name: str, count: int) -> None:
    inst = load_instrument(EXAMPLES / "valid" / "minimal.yaml")
    with Store.open(db) as store:
        for i in range(count):
            store.add_responses(
                [IncomingResponse(name, "peer", {"li-1": 1 + i % 3}, {}, "t", f"{name}-{i}")], inst
            )
            leader = store.ensure_leader(name)
            response = store.open_response(store.latest_assessment(leader), "self", "self")
            store.save_answer(response, "li-1", 1 + i % 3)


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
