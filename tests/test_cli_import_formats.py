"""`leadcheck import --format text|json|github`: the same problems and reporters as `validate`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Run

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
TEAM = str(FIXTURES / "team-360.yaml")

Cli = Callable[..., Run]

OUT_OF_RANGE = "leader,group,li-1,li-2,fb-1,fb-2,fb-3\nAna Lopez,peer,4,5,7,3,Lovely person\n"


def test_json_lists_every_problem_with_its_place_and_code(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text(OUT_OF_RANGE)
    run = cli("import", "r.csv", "--instrument", TEAM, "--format", "json")
    assert (run.exit_code, run.stderr) == (1, "")
    doc = json.loads(run.stdout)
    assert doc == {
        "ok": False,
        "written": False,
        "problems": [
            {
                "path": "r.csv",
                "line": 2,
                "column": 0,
                "level": "error",
                "code": "invalid-answer",
                "message": "a number outside the scale 1-5",
                "csv_column": "fb-1",
            },
            {
                "path": "r.csv",
                "line": 2,
                "column": 0,
                "level": "error",
                "code": "invalid-answer",
                "message": "not an answer on the scale; expected a number 1-5, a label "
                '(Never, Rarely, Sometimes, Often, Always), or "n/a" (Not observed)',
                "csv_column": "fb-3",
            },
        ],
        "files": [{"path": "r.csv", "layout": "one row per rater", "responses": 0}],
        "summary": None,
    }
    assert not (tmp_path / "workspace.db").exists()


def test_json_of_a_broken_csv_file(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_bytes(b"leader,group,li-1\nAna\x00Lopez,peer,4\n")
    run = cli("import", "r.csv", "--instrument", TEAM, "--format", "json")
    assert run.exit_code == 1
    doc = json.loads(run.stdout)
    assert doc["ok"] is False and doc["summary"] is None
    assert [(p["path"], p["level"], p["message"]) for p in doc["problems"]] == [
        ("r.csv", "error", "file looks binary (it holds NUL bytes); expected CSV text")
    ]


def test_json_on_success_carries_what_the_text_summary_says(cli: Cli, tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "msforms.csv", tmp_path / "msforms.csv")
    text = cli("import", "msforms.csv", "--instrument", TEAM, "--dry-run")
    assert text.exit_code == 0, text.stderr
    run = cli("import", "msforms.csv", "--instrument", TEAM, "--format", "json")
    assert (run.exit_code, run.stderr) == (0, "")
    doc = json.loads(run.stdout)
    assert (doc["ok"], doc["written"], doc["problems"]) == (True, True, [])
    assert doc["files"] == [{"path": "msforms.csv", "layout": "Microsoft Forms", "responses": 3}]
    summary = doc["summary"]
    assert summary["dry_run"] is False
    assert (summary["added"], summary["replaced"], summary["unchanged"]) == (3, 0, 0)
    assert "Would add 3, replace 0, leave 0 unchanged." in text.stdout
    assert summary["new_leaders"] == sorted({row["leader"] for row in summary["leaders"]}, key=str.casefold)
    assert sum(sum(row["groups"].values()) for row in summary["leaders"]) == 3
    # Imported again: everything unchanged, said the same way.
    again = json.loads(cli("import", "msforms.csv", "--instrument", TEAM, "-f", "json").stdout)
    assert (again["summary"]["added"], again["summary"]["unchanged"]) == (0, 3)


def test_github_annotations_of_a_refused_import(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text(OUT_OF_RANGE)
    run = cli("import", "r.csv", "--instrument", TEAM, "--format", "github")
    assert (run.exit_code, run.stderr) == (1, "")
    assert run.stdout.splitlines() == [
        '::error file=r.csv,line=2,title=invalid-answer::column "fb-1": a number outside the scale 1-5',
        '::error file=r.csv,line=2,title=invalid-answer::column "fb-3": not an answer on the scale; '
        'expected a number 1-5, a label (Never, Rarely, Sometimes, Often, Always), or "n/a" (Not observed)',
    ]


def test_github_annotations_of_a_broken_file_name_no_line(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_bytes(b"leader,group,li-1\nAna\x00Lopez,peer,4\n")
    run = cli("import", "r.csv", "--instrument", TEAM, "--format", "github")
    assert run.exit_code == 1
    assert run.stdout == (
        "::error file=r.csv,title=binary-file::file looks binary (it holds NUL bytes); expected CSV text\n"
    )


def test_github_annotations_of_a_successful_import_with_a_warning(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("leader,group,li-1,li-2\nAna Lopez,peer,4,5\n")
    run = cli("import", "r.csv", "--instrument", TEAM, "--allow-missing-items", "--format", "github")
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.stdout == (
        "::warning file=r.csv,line=1,title=missing-items::no column for 3 items of team-360 1.0.0 (fb-1, fb-2, fb-3); "
        "they count as skipped\n"
    )


def test_text_stays_as_it_was(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text(OUT_OF_RANGE)
    run = cli("import", "r.csv", "--instrument", TEAM)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr.splitlines() == [
        'r.csv:2: column "fb-1": a number outside the scale 1-5',
        'r.csv:2: column "fb-3": not an answer on the scale; expected a number 1-5, a label '
        '(Never, Rarely, Sometimes, Often, Always), or "n/a" (Not observed)',
        "2 problems found. Nothing was written.",
    ]


# Broken survey CSV files, each with what is wrong in it; every problem they give has a code of its own.
BROKEN_CSV = {
    "out-of-range.csv": OUT_OF_RANGE.encode(),
    "empty.csv": b"  \n",
    "workbook.csv": b"PK\x03\x04rest",
    "binary.csv": b"leader\x00group\n",
    "nul.csv": b"leader,group,li-1\nAna\x00Lopez,peer,4\n",
    "bad-utf16.csv": b"\xff\xfel\x00e\x00a",
    "mixed.csv": "leader,group,li-1\nJosé,peer,4\n".encode() + "Zoë,peer,4\n".encode("cp1252"),
    "cp1252.csv": "leader,group,li-1,li-2\nZoë,peer,4,5\n".encode("cp1252"),
    "unclosed.csv": b'leader,group,li-1\nAna,"peer,4\n',
    "only-header.csv": b"leader,group,li-1,li-2\n",
    "cells.csv": b"leader,group,li-1,li-2\nAna,peer,4\nBen,peer,4,5,6,7\n",
    "no-items.csv": b"leader,group,what\nAna,peer,4\n",
    "missing-items.csv": b"leader,group,li-1\nAna,peer,4\n",
    "twice.csv": b"leader,group,li-1,li-1,li-2\nAna,peer,4,4,5\n",
    "untitled.csv": b"leader,group,li-1,li-2,\nAna,peer,4,5,x\n",
    "groups.csv": b"leader,group,li-1,li-2\nAna,boss,4,5\nBen,,4,5\n,peer,4,5\nCy,peer,,\n",
    "no-roles.csv": b"li-1,li-2\n4,5\n",
}


def test_every_problem_of_a_broken_csv_file_has_a_code_of_its_own(cli: Cli, tmp_path: Path) -> None:
    codes: set[str] = set()
    for name, data in BROKEN_CSV.items():
        (tmp_path / name).write_bytes(data)
        run = cli("import", name, "--instrument", TEAM, "--format", "json")
        doc = json.loads(run.stdout)
        assert doc["problems"], name
        assert [p for p in doc["problems"] if p["code"] == "import"] == [], name
        codes |= {p["code"] for p in doc["problems"]}
    options = cli("import", "cells.csv", "--instrument", TEAM, "--leader-column", "boss", "--format", "json")
    assert {p["code"] for p in json.loads(options.stdout)["problems"]} >= {"no-such-column"}
    assert all(code == code.lower() and " " not in code for code in codes)


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_a_comment_in_an_answer_column_is_never_quoted(cli: Cli, tmp_path: Path, fmt: str) -> None:
    """Problem messages reach terminals, CI logs and annotations: a cell that is not an answer is named
    by its row and column, never quoted (it may be a comment slipped one column over, or an answer)."""
    private = "She shouts at the team in meetings"
    (tmp_path / "r.csv").write_text(
        f"leader,group,fb-1,fb-2,fb-3\nAna Lopez,peer,{private},9,N/A - Often\nAna Lopez,peer,4,4,0\n"
    )
    run = cli("import", "r.csv", "--instrument", TEAM, "--format", fmt)
    assert run.exit_code == 1
    output = run.stdout + run.stderr
    assert output.count("fb-1") >= 1 and "r.csv" in output
    for secret in (private, "She shouts", "N/A - Often", '"9"', '"0"'):
        assert secret not in output
