"""An import's memory does not grow with the rows: its plan is a temporary database, gone once it is done."""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path

import pytest

from leadcheck.base.errors import ImportProblemError
from leadcheck.base.problems import Problems
from leadcheck.base.responses import IncomingResponse
from leadcheck.importing import ImportOptions, Parsed, apply_plan, csvfile, plan_import
from leadcheck.importing import plan as planning
from leadcheck.store import Store

from .conftest import EXAMPLES

MINIMAL = EXAMPLES / "valid" / "minimal.yaml"
OPTIONS = ImportOptions(layout="generic", instrument=str(MINIMAL))
FDS = Path("/proc/self/fd")


def _unnamed_files() -> set[str]:
    """The files this process holds open that have no name any more (Linux: "... (deleted)")."""
    found = set()
    for fd in FDS.iterdir():
        try:
            target = str(fd.readlink())
        except OSError:  # the listing's own descriptor, closed by now
            continue
        if target.endswith("(deleted)"):
            found.add(target)
    return found


needs_proc = pytest.mark.skipif(not FDS.is_dir(), reason="open files are listed in /proc on Linux only")


def _csv(path: Path, rows: int, leader: str = "Ana") -> Path:
    lines = "".join(f"{leader},peer,rater{n}@x.org,{n % 3 + 1}\n" for n in range(rows))
    path.write_text("leader,group,email,li-1\n" + lines)
    return path


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where tempfile puts the plan's database, for this test alone."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@needs_proc
def test_the_plans_database_has_no_name_while_open_and_is_closed_after_the_import(
    tmp_path: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _unnamed_files()
    seen: list[set[str]] = []
    store_responses = planning.add_responses

    def watching(*args: object, **kwargs: object) -> object:
        seen.append(_unnamed_files() - before)
        assert list(private_tmp.iterdir()) == []  # open, but nobody can open it by a name
        return store_responses(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(planning, "add_responses", watching)
    with Store.open(tmp_path / "w.db") as store:
        plan = plan_import([_csv(tmp_path / "r.csv", 5)], OPTIONS, store)
        assert plan.ok, plan.problems
        assert apply_plan(plan, store).added == 5
    # The database was there, unnamed, and alone: the answers are in it, not in a file of their own.
    assert len([name for name in seen[0] if str(private_tmp) in name]) == 1
    assert plan.staging.closed
    assert _unnamed_files() == before
    assert list(private_tmp.iterdir()) == []


@needs_proc
def test_a_plan_with_errors_lets_go_of_its_database_at_once(tmp_path: Path, private_tmp: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("leader,group,email,li-1\nAna,peer,a@x.org,9\nAna,peer,b@x.org,2\n")
    before = _unnamed_files()
    plan = plan_import([path], OPTIONS, None)
    assert not plan.ok
    assert plan.staging.closed
    assert _unnamed_files() == before
    assert list(private_tmp.iterdir()) == []
    with pytest.raises(ValueError, match="cannot be applied"):
        apply_plan(plan, Store.open(tmp_path / "w.db"))


@needs_proc
def test_an_exception_while_applying_closes_the_database_and_stores_nothing(
    tmp_path: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_responses = planning.add_responses
    calls = 0

    def failing(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt  # Ctrl-C between two leaders
        return store_responses(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(planning, "add_responses", failing)
    path = tmp_path / "r.csv"
    path.write_text("leader,group,email,li-1\nAna,peer,a@x.org,1\nBea,peer,b@x.org,2\n")
    before = _unnamed_files()
    with Store.open(tmp_path / "w.db") as store:
        plan = plan_import([path], OPTIONS, store)
        assert plan.ok, plan.problems
        with pytest.raises(KeyboardInterrupt):
            apply_plan(plan, store)
        assert plan.staging.closed
        assert store.leaders.every() == []  # all or nothing
    assert _unnamed_files() == before
    assert list(private_tmp.iterdir()) == []


@needs_proc
def test_an_exception_while_planning_closes_the_database(
    tmp_path: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(plan: object, store: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(planning, "_check_across_files", interrupted)
    before = _unnamed_files()
    with pytest.raises(KeyboardInterrupt):
        plan_import([_csv(tmp_path / "r.csv", 5)], OPTIONS, None)
    assert _unnamed_files() == before
    assert list(private_tmp.iterdir()) == []


def _alive(kind: type) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, kind))


def test_a_plan_holds_no_python_object_per_row(tmp_path: Path) -> None:
    """A plan of 10 times the rows of one leader holds the same number of response objects: none."""
    alive = []
    for rows in (60, 600):
        with Store.open(tmp_path / f"w{rows}.db") as store:
            plan = plan_import([_csv(tmp_path / f"r{rows}.csv", rows)], OPTIONS, store)
            assert plan.ok, plan.problems
            alive.append((_alive(Parsed), _alive(IncomingResponse)))
            assert sum(1 for _ in plan.parsed) == rows  # every row is there, read back on demand
            plan.close()
    assert alive[0] == alive[1] == (0, 0)


def test_apply_holds_one_batch_of_responses_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = 6 * planning.BATCH + 50
    store_responses = planning.add_responses
    alive: list[int] = []

    def counting(*args: object, **kwargs: object) -> object:
        alive.append(_alive(IncomingResponse))
        return store_responses(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(planning, "add_responses", counting)
    with Store.open(tmp_path / "w.db") as store:
        plan = plan_import([_csv(tmp_path / "r.csv", rows)], OPTIONS, store)
        assert apply_plan(plan, store).added == rows
    assert len(alive) == 7
    # One batch as read back (without answers) and as loaded (with them), never the file's 3,050 rows.
    assert max(alive) <= 2 * planning.BATCH + 10


def test_a_utf8_csv_file_is_walked_from_disk_and_a_change_in_between_is_an_error(tmp_path: Path) -> None:
    path = _csv(tmp_path / "r.csv", 20)
    table = csvfile.read_table(path, Problems(str(path)))
    assert table is not None
    assert (table.text, table.path, table.count) == ("", path, 21)
    assert [r.cells[2] for r in table.rows(1)][:2] == ["rater0@x.org", "rater1@x.org"]
    _csv(path, 30)  # the file is replaced before it is read the second time
    with pytest.raises(ImportProblemError, match="changed while it was read"):
        list(table.rows(1))


def test_a_file_that_is_not_utf8_is_still_read_whole_and_said_so(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("leader,group,email,li-1\nJos\xe9,peer,a@x.org,1\n".encode("cp1252"))
    problems = Problems(str(path))
    table = csvfile.read_table(path, problems)
    assert table is not None and table.path is None and "José" in table.text
    assert [p.code for p in problems.found] == ["not-utf8"]


JSON_TEXTS = [
    '{"leadcheck_export": 1, "instruments": [], "leaders": [], "responses": [{"a": 1}, {"b": [1, 2]}]}',
    ' {"a" : 1 , "responses" : [ ] } \n',
    '{"responses": {"not": "a list"}, "leadcheck_export": 1}',
    "{}",
    '{"a": 1,}',
    "[1]",
    '{"responses": [1, 2,]}',
    '{"responses": []} more',
    '{"a": 1, "a": 2}',
    '{"responses": [1], "responses": [2]}',
    '{"a" 1}',
    "",
    '{"responses": [' + "[" * 5000 + "]" * 5000 + "]}",
]


@pytest.mark.parametrize("text", JSON_TEXTS)
def test_a_json_export_is_outlined_as_json_would_read_it_or_read_whole(text: str) -> None:
    """The records are parsed one at a time only when the text is a plain JSON object with no key
    twice; anything else is left to json.loads, which says what is wrong as it always did."""
    import json

    from leadcheck.importing.export import scan

    outline = scan.outline(text)
    if outline is None:
        return
    values, at = outline
    whole = json.loads(text)
    if at is not None:
        values["responses"] = list(scan.array(text, at))
    assert values == whole
