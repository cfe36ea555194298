"""The workspace file under bad luck: another program's file, damaged pages, a read-only or full
disk, a long writer holding the lock. One clear message, and nothing changed or lost."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from leadcheck.demo import demo_leaders, demo_responses
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.scorecards import publish, scored_leader
from leadcheck.store import Store
from leadcheck.store import connection as store_module

from .conftest import MINI_360

Run = Callable[..., object]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def demo_workspace(path: Path, leaders: int = 3) -> None:
    psl = load_instrument("psl-360")
    with Store.open(path) as store:
        add_responses(store, demo_responses(psl, demo_leaders(leaders, 1), 1), psl)
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
    con.close()


def anonymous_export(path: Path) -> None:
    """Drop the workspace an export names, as an export written by hand would not name one: an export
    naming another workspace is refused into one that holds data (tests/test_anonymity_review2.py)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'\n"workspace": "[0-9a-f]{32}",', "", text, count=1), encoding="utf-8")


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


FIRST = demo_leaders(3, 1)[0].name  # the first leader of demo_workspace(path)
READERS = [["status"], ["leaders"], ["summary", FIRST], ["export", "-o", "backup.json"]]


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative output paths (backup.json) land in tmp_path, never in the checkout."""
    monkeypatch.chdir(tmp_path)


def test_another_programs_file_with_a_meta_table_is_left_byte_for_byte(run: Run, db: Path) -> None:
    con = sqlite3.connect(db)
    con.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('rater_key', 'not ours');"
        "CREATE TABLE notes (body TEXT); PRAGMA user_version = 1;"
    )
    con.close()
    before, names = digest(db), siblings(db)
    for args in [*READERS, ["import", str(MINI_360)], ["assess", "--leader", "Ana", "-i", str(MINI_360)]]:
        result = run(*args, input="q\n")
        assert result.exit_code == 1, args  # type: ignore[attr-defined]
        assert (
            result.stderr
            == (  # type: ignore[attr-defined]
                f"error: {db}: not a leadcheck workspace (it is an SQLite database of another program); "
                "choose another file with --db\n"
            )
            or args[0] == "import"
        )
        assert digest(db) == before
        assert siblings(db) == names  # no -wal, no -shm, no journal


def damage(path: Path) -> None:
    """Overwrite an interior page of the answers table."""
    con = sqlite3.connect(path)
    pageno, page_size = (
        con.execute("SELECT pageno FROM dbstat WHERE name = 'answers' AND pagetype = 'internal'").fetchone()[
            0
        ],
        con.execute("PRAGMA page_size").fetchone()[0],
    )
    con.close()
    with path.open("r+b") as f:
        f.seek((pageno - 1) * page_size)
        f.write(b"\xff" * page_size)


@pytest.mark.parametrize("args", [*READERS, ["import", "form.yaml"], ["assess", "--leader", "Ana"]])
def test_a_damaged_page_is_found_by_every_command(
    run: Run, db: Path, tmp_path: Path, args: list[str]
) -> None:
    demo_workspace(db)
    damage(db)
    (tmp_path / "form.yaml").write_text("leadcheck_response: 1\n")
    before = digest(db)
    result = run(*args, input="q\n")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stderr.startswith(  # type: ignore[attr-defined]
        f"error: {db}: the workspace is damaged (SQLite found corrupt pages); nothing was changed."
    )
    assert digest(db) == before
    assert not (tmp_path / "backup.json").exists()


@pytest.fixture
def readable_elsewhere() -> Iterator[Path]:
    """A folder any user can read (tmp_path's parents are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="leadcheck-ro-"))
    folder.chmod(0o755)
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(folder)


def as_other_user(*args: str) -> subprocess.CompletedProcess[str]:
    """Run leadcheck as an unprivileged user when we are root (root ignores file permissions)."""
    command = [sys.executable, "-m", "leadcheck", *args]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot drop privileges to test permissions")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        probe = subprocess.run(
            [*command[:4], sys.executable, "-c", "import leadcheck"],
            capture_output=True,
            check=False,
            cwd="/",
        )
        if probe.returncode != 0:
            pytest.skip("an unprivileged user cannot run this checkout's Python (a private folder)")
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False, cwd="/")


@pytest.mark.slow
def test_a_read_only_workspace_can_be_read_but_not_written(readable_elsewhere: Path) -> None:
    db = readable_elsewhere / "w.db"
    demo_workspace(db)
    with Store.open(db) as store:  # the first leader's figures were shown once: a release
        publish(store, scored_leader(store, FIRST), "summary")
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    (readable_elsewhere / "form.yaml").write_text(MINI_360.read_text())
    db.chmod(0o444)
    readable_elsewhere.chmod(0o555)
    before, names = digest(db), siblings(db)
    status = as_other_user("--db", str(db), "status")
    assert status.returncode == 0, status.stderr
    assert FIRST in status.stdout
    summary = as_other_user("--db", str(db), "summary", FIRST, "--json")
    assert summary.returncode == 0, summary.stderr
    # Figures never released cannot be shown: showing them is a release, which cannot be recorded.
    second = demo_leaders(3, 1)[1].name
    unreleased = as_other_user("--db", str(db), "summary", second)
    assert unreleased.returncode == 1
    assert unreleased.stderr == (
        f"error: {db}: the workspace is read-only here, and these figures were never released: showing "
        "them is a release, which must be recorded first (or the next one could be set against it). "
        "Make it writable, or copy it to a folder you can write to and use --db\n"
    )
    written = as_other_user("--db", str(db), "assess", FIRST)
    assert written.returncode == 1
    assert written.stderr.startswith(f"error: {db}: the workspace is read-only here")
    assert "Traceback" not in written.stderr
    assert digest(db) == before
    assert siblings(db) == names


def test_a_full_disk_mid_import_saves_nothing(
    run: Run, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo_workspace(db, leaders=1)
    with Store.open(db) as store:
        counts = store.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    opened = Store._open

    def small_disk(path: Path, read_only: bool) -> Store:
        store = opened(path, read_only)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # SQLite's "disk is full"
        return store

    psl = load_instrument("psl-360")
    big = tmp_path / "big.json"
    with Store.open(tmp_path / "other.db") as other:
        add_responses(other, demo_responses(psl, demo_leaders(40, 9), 9), psl)
    assert run("--db", str(tmp_path / "other.db"), "export", "-o", str(big)).exit_code == 0  # type: ignore[attr-defined]
    anonymous_export(big)  # from another workspace: imported here only as a file of that size
    monkeypatch.setattr(Store, "_open", staticmethod(small_disk))
    result = run("import", str(big))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stderr == (  # type: ignore[attr-defined]
        f"error: {db}: the disk is full; nothing of this command was saved. Free some space and run it again\n"
    )
    monkeypatch.undo()
    with Store.open(db) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == counts


@pytest.fixture
def tiny_disk() -> Iterator[Path]:
    """A real 2 MiB file system (tmpfs), where mounting is allowed (root on Linux)."""
    folder = Path(tempfile.mkdtemp(prefix="leadcheck-full-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True, check=False
    )
    if done.returncode != 0:
        folder.rmdir()
        pytest.skip("cannot mount a small tmpfs here (needs root on Linux)")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)
    folder.rmdir()


@pytest.mark.slow
def test_a_really_full_disk(run: Run, tiny_disk: Path, tmp_path: Path) -> None:
    db = tiny_disk / "w.db"
    demo_workspace(db, leaders=1)
    big = tmp_path / "big.json"
    psl = load_instrument("psl-360")
    with Store.open(tmp_path / "other.db") as other:
        add_responses(other, demo_responses(psl, demo_leaders(60, 9), 9), psl)
    assert run("--db", str(tmp_path / "other.db"), "export", "-o", str(big)).exit_code == 0  # type: ignore[attr-defined]
    anonymous_export(big)  # from another workspace: imported here only as a file of that size
    # fill the disk, leaving a little room
    with (tiny_disk / "filler").open("wb") as f:
        f.write(b"\0" * (shutil.disk_usage(tiny_disk).free - 64 * 1024))
    with Store.open(db) as store:
        counts = store.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    result = run("--db", str(db), "import", str(big))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "the disk is full" in result.stderr  # type: ignore[attr-defined]
    assert "damaged" not in result.stderr  # type: ignore[attr-defined]
    # and a nearly full disk is named as such, not "damaged"
    (tiny_disk / "more").write_bytes(b"\0" * max(shutil.disk_usage(tiny_disk).free - 1024, 0))
    status = run("--db", str(db), "assess", "--leader", "Ana", "-i", str(MINI_360), input="4\n")
    assert "damaged" not in status.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in status.stderr + status.stdout  # type: ignore[attr-defined]
    (tiny_disk / "filler").unlink()
    (tiny_disk / "more").unlink()
    with Store.open(db) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] >= counts


def hold_write_lock(db: Path, seconds: float, started: threading.Event) -> threading.Thread:
    def hold() -> None:
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(seconds)
        con.execute("COMMIT")
        con.close()

    thread = threading.Thread(target=hold)
    thread.start()
    return thread


def test_assess_waits_for_a_long_writer_says_so_and_loses_no_answer(run: Run, db: Path) -> None:
    assert run("assess", "--leader", "Ana", "-i", str(MINI_360), input="q\n").exit_code == 0  # type: ignore[attr-defined]
    started = threading.Event()
    thread = hold_write_lock(db, 2.5, started)
    started.wait()
    result = run("assess", "--leader", "Ana", input="4\n2\n5\nn\nGood\n")
    thread.join()
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert f"waiting for another program writing to {db}" in result.stderr  # type: ignore[attr-defined]
    with Store.open(db) as store:
        assessment = store.assessments.current(store.leaders.get("Ana"))
        (response,) = store.responses.of_assessment(assessment)
        assert dict(response.answers) == {"l-1": 4, "l-2": 2, "d-1": 5, "f-1": None}


def test_the_wait_for_a_lock_is_bounded(run: Run, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("assess", "--leader", "Ana", "-i", str(MINI_360), input="q\n").exit_code == 0  # type: ignore[attr-defined]
    monkeypatch.setattr(store_module, "LOCK_WAIT_SECONDS", 1.5)
    started = threading.Event()
    thread = hold_write_lock(db, 4, started)
    started.wait()
    result = run("assess", "--leader", "Ana", input="4\n")
    thread.join()
    assert result.exit_code == 1  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert lines[0].startswith(f"waiting for another program writing to {db} (up to 2 s;")
    assert lines[-1].startswith(f"error: {db}: another program has been writing to the workspace for 2 s")
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]
