"""`leadcheck form`, `import` and `export` end to end: real files in, a real SQLite workspace, files out."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from leadcheck.importing.export import iter_export
from leadcheck.importing.policy import add_responses
from leadcheck.store import Store

from .conftest import Run

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
TEAM = str(FIXTURES / "team-360.yaml")
GOOGLE_ARGS = (
    "--leader-column",
    "Which leader are you giving feedback on?",
    "--group-column",
    "What is your working relationship with this leader?",
)
ITEMS = ("li-1", "li-2", "fb-1", "fb-2", "fb-3")
SCALE_HINT = (
    'expected a number 1-5, a label (Never, Rarely, Sometimes, Often, Always), or "n/a" (Not observed)'
)


def _groups(ref: str) -> str:
    """How messages list an instrument's rater groups (labels come from the instrument)."""
    from leadcheck.instrument.catalog import load_instrument

    return ", ".join(f"{g.id} ({g.label})" for g in load_instrument(ref).rater_groups)


GROUPS = _groups(TEAM)

Cli = Callable[..., Run]


def _answers(*values: int | str | None) -> dict[str, int | None]:
    """Answers to li-1 .. fb-3 in order; "" leaves an item out (skipped)."""
    return {item: v for item, v in zip(ITEMS, values, strict=True) if not isinstance(v, str)}


def _record(leader: str, group: str, answers: dict[str, Any], comments: dict[str, str] | None = None) -> str:
    return json.dumps([leader, group, answers, comments or {}], sort_keys=True, ensure_ascii=False)


def stored(tmp_path: Path) -> list[str]:
    """Every stored response as (leader, group, answers, comments), sorted, rater and times left out."""
    db = tmp_path / "workspace.db"
    if not db.exists():
        return []
    with Store.open(db, create=False) as store:
        return sorted(
            _record(r["leader"], r["group"], r["answers"], r["comments"]) for r in iter_export(store)
        )


def place(tmp_path: Path, name: str) -> str:
    shutil.copy(FIXTURES / name, tmp_path / name)
    return name


def write(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return name


EXPECTED = {
    "google-forms.csv": (
        GOOGLE_ARGS,
        [
            _record("Ana Lopez", "peer", _answers(4, 5, 3, 4, None), {"keep": "Clear agendas, every week."}),
            _record(
                "Ana Lopez", "direct_report", _answers(5, 4, "", 2, 1), {"start": "Share the budget early."}
            ),
            _record(
                "Ben Okafor",
                "manager",
                _answers(3, 3, 2, None, 1),
                {"keep": "Calm in a crisis.", "start": "Delegate more"},
            ),
            _record("Ana Lopez", "self", _answers(4, 4, 3, 4, 2)),
        ],
    ),
    "msforms.csv": (
        (),
        [
            _record(
                "Ana Lopez", "peer", _answers(4, 5, 3, None, ""), {"keep": "Listens well.\r\nAnd follows up."}
            ),
            _record(
                "Ana Lopez",
                "direct_report",
                _answers(4, 3, 1, 2, None),
                {"start": "Weekly one-to-ones, please"},
            ),
            _record("Ben Okafor", "peer", _answers(5, 5, 4, 4, 2)),
        ],
    ),
    "qualtrics.csv": (
        ("--leader-column", "Q1", "--group-column", "What is your relationship to this leader?"),
        [
            _record("Ana Lopez", "peer", _answers(4, 5, 3, None, ""), {"keep": "Keeps meetings short."}),
            _record(
                "Ben Okafor",
                "direct_report",
                _answers(2, 2, None, 3, 4),
                {"start": 'Say "thank you" more often.'},
            ),
        ],
    ),
    "surveymonkey.csv": (
        ("--leader-column", "Custom Data 1", "--group-column", "What is your relationship to this leader?"),
        [
            _record("Ana Lopez", "peer", _answers(4, None, 5, 3, ""), {"keep": "Listens first."}),
            _record("Ana Lopez", "manager", _answers(4, 4, 2, 5, 1), {"start": "Delegate budget sign-off."}),
            _record("Ben Okafor", "other", _answers(5, 5, None, 4, 2)),
        ],
    ),
    "generic-excel.csv": (
        (),
        [
            _record(
                "José Núñez", "peer", _answers(4, 5, None, 3, ""), {"keep": "Très à l'écoute; toujours."}
            ),
            _record("José Núñez", "self", _answers(5, 4, 3, 4, 2), {"start": "Déléguer davantage"}),
            _record("Zoë Adams", "direct_report", _answers(4, 3, 2, "", 1)),
        ],
    ),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_survey_layout_imports_into_the_workspace(cli: Cli, tmp_path: Path, name: str) -> None:
    args, expected = EXPECTED[name]
    run = cli("import", place(tmp_path, name), "--instrument", TEAM, *args)
    assert run.exit_code == 0, run.stderr
    assert stored(tmp_path) == sorted(expected)
    assert f"{name}: " in run.stdout
    assert f"Added {len(expected)}, replaced 0, unchanged 0." in run.stdout


def test_layout_labels_and_notes(cli: Cli, tmp_path: Path) -> None:
    run = cli(
        "import",
        place(tmp_path, "qualtrics.csv"),
        place(tmp_path, "generic-excel.csv"),
        place(tmp_path, "msforms.csv"),
        "--instrument",
        TEAM,
        "--leader-column",
        "Leader",
        "--group-column",
        "Relationship",
    )
    # One --leader-column for three files: the Qualtrics and generic files have no such column.
    assert run.exit_code == 1
    assert stored(tmp_path) == []
    run = cli("import", "generic-excel.csv", "msforms.csv", "--instrument", TEAM)
    assert run.exit_code == 0, run.stderr
    assert "generic-excel.csv: one row per rater, 3 responses" in run.stdout
    assert "msforms.csv: Microsoft Forms, 3 responses" in run.stdout
    assert run.stderr == (
        "generic-excel.csv: note: not UTF-8 (first at line 2); read as Windows-1252, as older Excel versions "
        'save CSV. Check that accented letters look right, or save as "CSV UTF-8" next time\n'
    )


def test_qualtrics_previews_are_skipped_with_a_note(cli: Cli, tmp_path: Path) -> None:
    args, _expected = EXPECTED["qualtrics.csv"]
    run = cli("import", place(tmp_path, "qualtrics.csv"), "--instrument", TEAM, *args)
    assert run.stderr == (
        "qualtrics.csv: note: skipped 1 survey preview, test or spam response (Status column)\n"
    )


@pytest.mark.parametrize("name", list(EXPECTED))
def test_layout_flag_gives_the_same_result(cli: Cli, tmp_path: Path, name: str) -> None:
    args, expected = EXPECTED[name]
    layout = {
        "google-forms.csv": "google",
        "msforms.csv": "msforms",
        "qualtrics.csv": "qualtrics",
        "surveymonkey.csv": "surveymonkey",
        "generic-excel.csv": "generic",
    }[name]
    run = cli("import", place(tmp_path, name), "--instrument", TEAM, "--layout", layout, *args)
    assert run.exit_code == 0, run.stderr
    assert stored(tmp_path) == sorted(expected)


def test_importing_twice_counts_everyone_once(cli: Cli, tmp_path: Path) -> None:
    name = place(tmp_path, "google-forms.csv")
    assert cli("import", name, "--instrument", TEAM, *GOOGLE_ARGS).exit_code == 0
    run = cli("import", name, "--instrument", TEAM, *GOOGLE_ARGS)
    assert run.exit_code == 0
    assert "Added 0, replaced 0, unchanged 4." in run.stdout
    assert len(stored(tmp_path)) == 4


def test_raters_without_any_identity_stay_apart_and_count_once(cli: Cli, tmp_path: Path) -> None:
    # Two raters with identical answers and no email or id: two responses, and again two after a re-import.
    text = "leader,group,li-1,li-2\nAna,peer,4,4\nAna,peer,4,4\nAna,peer,3,4\n"
    name = write(tmp_path, "same.csv", text)
    assert cli("import", name, "--instrument", TEAM, "--allow-missing-items").exit_code == 0
    run = cli("import", name, "--instrument", TEAM, "--allow-missing-items")
    assert "Added 0, replaced 0, unchanged 3." in run.stdout
    assert len(stored(tmp_path)) == 3


def test_the_same_email_twice_keeps_the_later_answers(cli: Cli, tmp_path: Path) -> None:
    text = "leader,group,email,li-1\nAna,peer,pat@example.org,2\nAna,peer,Pat@Example.org ,5\n"
    run = cli("import", write(tmp_path, "twice.csv", text), "--instrument", TEAM, "--allow-missing-items")
    assert run.exit_code == 0
    assert (
        'twice.csv:2: warning: the same rater (same email) about "Ana" again at twice.csv:3; '
        "only the later response is imported"
    ) in run.stderr
    assert stored(tmp_path) == [_record("Ana", "peer", {"li-1": 5})]


def test_dry_run_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    name = place(tmp_path, "google-forms.csv")
    run = cli("import", name, "--instrument", TEAM, *GOOGLE_ARGS, "--dry-run")
    assert run.exit_code == 0, run.stderr
    assert not (tmp_path / "workspace.db").exists()
    assert "Dry run: would import (nothing written)" in run.stdout
    assert "Would add 4, replace 0, leave 0 unchanged." in run.stdout
    assert "New leaders: Ana Lopez, Ben Okafor." in run.stdout
    assert "Nothing was written (dry run)." in run.stdout
    # With a workspace: measured against it, still nothing written.
    assert cli("import", name, "--instrument", TEAM, *GOOGLE_ARGS).exit_code == 0
    before = stored(tmp_path)
    edited = (
        (tmp_path / name).read_text().replace("Often,Always,Sometimes,4,N/A", "Often,Always,Sometimes,4,5")
    )
    write(tmp_path, "edited.csv", edited)
    run = cli("import", "edited.csv", "--instrument", TEAM, *GOOGLE_ARGS, "--dry-run")
    assert "Would add 0, replace 1, leave 3 unchanged." in run.stdout
    assert stored(tmp_path) == before


def test_the_summary_table_shows_leaders_and_groups(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    run = cli("import", place(tmp_path, "google-forms.csv"), "--instrument", TEAM, *GOOGLE_ARGS)
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in run.stdout.splitlines() if "│" in line]
    assert rows == [
        ["Ana Lopez", "team-360 1.0.0", "Self", "1", "3", "0", "0"],
        ["", "", "Peers", "1", "", "", ""],
        ["", "", "Direct reports", "1", "", "", ""],
        ["Ben Okafor", "team-360 1.0.0", "Manager", "1", "1", "0", "0"],
    ]


# -- bad input: every problem, exact messages, exit 1, nothing written ---------------------------------


def _assert_refused(run: Run, tmp_path: Path, before: list[str], *problems: str) -> None:
    assert run.exit_code == 1
    n = sum(1 for p in problems if ": warning: " not in p and ": note: " not in p)
    assert run.stderr.splitlines() == [*problems, f"{n} problem{'s' * (n != 1)} found. Nothing was written."]
    assert run.stdout == ""
    assert stored(tmp_path) == before


@pytest.fixture
def before(cli: Cli, tmp_path: Path) -> list[str]:
    """A workspace holding the Microsoft Forms fixture, to show a refused import adds nothing to it."""
    assert cli("import", place(tmp_path, "msforms.csv"), "--instrument", TEAM).exit_code == 0
    return stored(tmp_path)


def test_every_problem_of_every_row_is_listed(cli: Cli, tmp_path: Path, before: list[str]) -> None:
    text = (
        "leader,group,li-1,li-2,This leader seeks feedback on their own work.,fb-33,Department,keep\n"
        "Ana Lopez,peer,4,5,7,3,Finance,Lovely person\n"
        "Ana Lopez,boss,4,maybe,3,3,HR,\n"
        "Ben Okafor,peer,4,5\n"
        "Ben Okafor,,5,5,5,5,HR,\n"
    )
    run = cli("import", write(tmp_path, "responses.csv", text), "--instrument", TEAM)
    _assert_refused(
        run,
        tmp_path,
        before,
        "responses.csv:1: no column for 2 items of team-360 1.0.0 (fb-2, fb-3); expected a column for every "
        "item: add the missing columns, or add --allow-missing-items to import anyway (every rater then skips "
        "those items)",
        'responses.csv:1: column "fb-33": matches no item or question of team-360 1.0.0; did you mean "fb-3" '
        "(This leader becomes defensive when their work i...)?",
        'responses.csv:1: column "Department": matches no item or question of team-360 1.0.0; name the column '
        'by an item id (e.g. "li-1") or the item\'s text, or leave it out with --ignore-column',
        'responses.csv:2: column "This leader seeks feedback on their o...": a number outside the scale 1-5',
        f'responses.csv:3: column "group": "boss" is not a rater group of team-360 1.0.0; expected one of: {GROUPS}; '
        'or say which it is with --group-map "boss=GROUP"',
        f'responses.csv:3: column "li-2": not an answer on the scale; {SCALE_HINT}',
        "responses.csv:4: row has 4 cells but the header has 8; the file may be truncated",
        'responses.csv:5: column "group": no rater group named; fill in the cell or give --as',
    )
    # Personal data stays out of messages: no comment text, no other answer.
    assert "Lovely" not in run.stderr
    assert "Finance" not in run.stderr


def test_ignored_columns_and_warnings_let_it_through(cli: Cli, tmp_path: Path) -> None:
    text = "leader,group,li-1,li-2,Department\nAna Lopez,peer,4,5,Finance\n"
    run = cli(
        "import",
        write(tmp_path, "r.csv", text),
        "--instrument",
        TEAM,
        "--ignore-column",
        "department",
        "--allow-missing-items",
    )
    assert run.exit_code == 0
    assert run.stderr == (
        "r.csv:1: warning: no column for 3 items of team-360 1.0.0 (fb-1, fb-2, fb-3); they count as skipped\n"
    )


def test_no_column_maps_to_an_item(cli: Cli, tmp_path: Path, before: list[str]) -> None:
    text = "leader,group,q1\nAna Lopez,peer,4\n"
    run = cli("import", write(tmp_path, "r.csv", text), "--instrument", TEAM)
    _assert_refused(
        run,
        tmp_path,
        before,
        'r.csv:1: no column matches an item of team-360 1.0.0; name columns by item id (e.g. "li-1") or item '
        "text, or choose the instrument with --instrument",
        'r.csv:1: column "q1": matches no item or question of team-360 1.0.0; name the column by an item id '
        '(e.g. "li-1") or the item\'s text, or leave it out with --ignore-column',
    )


def test_a_leader_must_be_given(cli: Cli, tmp_path: Path, before: list[str]) -> None:
    name = write(tmp_path, "r.csv", "group,li-1,li-2,fb-1,fb-2,fb-3\npeer,4,4,4,4,4\n")
    run = cli("import", name, "--instrument", TEAM)
    _assert_refused(
        run,
        tmp_path,
        before,
        "r.csv: no leader: name one with --leader NAME, or the column that holds it with --leader-column COL",
    )
    run = cli("import", name, "--instrument", TEAM, "--leader", "Cy")
    assert run.exit_code == 0
    assert _record("Cy", "peer", _answers(4, 4, 4, 4, 4)) in stored(tmp_path)


def test_flags_for_the_whole_file(cli: Cli, tmp_path: Path) -> None:
    name = write(tmp_path, "r.csv", "li-1,li-2,fb-1,fb-2,fb-3\n4,4,4,4,4\n")
    run = cli("import", name, "--instrument", TEAM, "--leader", "Cy", "--as", "boss")
    assert run.exit_code == 1
    assert (
        run.stderr.splitlines()[0]
        == f'r.csv: --as "boss" is not a rater group of team-360 1.0.0; expected one of: {GROUPS}'
    )
    run = cli(
        "import", name, "--instrument", TEAM, "--leader", "Cy", "--as", "Direct report", "--cohort", "2024"
    )
    assert run.exit_code == 0
    with Store.open(tmp_path / "workspace.db", create=False) as store:
        assert store.leaders.get("Cy").cohort == "2024"
    assert stored(tmp_path) == [_record("Cy", "direct_report", _answers(4, 4, 4, 4, 4))]


def test_unknown_leader_column(cli: Cli, tmp_path: Path) -> None:
    name = write(tmp_path, "r.csv", "who,group,li-1\nAna,peer,4\n")
    run = cli("import", name, "--instrument", TEAM, "--leader-column", "Leader name")
    assert run.exit_code == 1
    assert (
        run.stderr.splitlines()[0]
        == 'r.csv:1: --leader-column "Leader name": no such column; the columns are "who", "group", "li-1"'
    )


def test_an_unterminated_quote(cli: Cli, tmp_path: Path, before: list[str]) -> None:
    name = write(tmp_path, "r.csv", 'leader,group,li-1,keep\nAna Lopez,peer,4,"cut off here\nBen,peer,2,x\n')
    _assert_refused(
        cli("import", name, "--instrument", TEAM),
        tmp_path,
        before,
        'r.csv:2: the file ends inside a quoted cell (a " is never closed); the file may be truncated or a '
        "quote is missing",
    )


def test_an_empty_file(cli: Cli, tmp_path: Path, before: list[str]) -> None:
    write(tmp_path, "empty.csv", "")
    write(tmp_path, "blank.csv", "\n\n ,\n")
    write(tmp_path, "header-only.csv", "leader,group,li-1\n")
    _assert_refused(
        cli("import", "empty.csv", "blank.csv", "header-only.csv", "--instrument", TEAM),
        tmp_path,
        before,
        "blank.csv: file is empty; expected a header row and one row per rater",
        "empty.csv: file is empty; expected a header row and one row per rater",
        "header-only.csv: no responses below the header",
    )


def test_a_file_over_50_mib(cli: Cli, tmp_path: Path, before: list[str]) -> None:
    with (tmp_path / "huge.csv").open("wb") as f:
        f.write(b"leader,group,li-1\n")
        f.truncate(50 * 1024 * 1024 + 1)
    _assert_refused(
        cli("import", "huge.csv", "--instrument", TEAM),
        tmp_path,
        before,
        "huge.csv: file is larger than 50 MiB; split it into smaller files",
    )


def test_a_missing_file_is_a_usage_error(cli: Cli, tmp_path: Path, before: list[str]) -> None:
    run = cli("import", "nowhere.csv", "--instrument", TEAM)
    assert run.exit_code == 2
    assert run.stderr == "error: nowhere.csv: no such file\nNothing was written.\n"
    assert stored(tmp_path) == before


def test_a_bad_instrument_is_one_error(cli: Cli, tmp_path: Path) -> None:
    name = write(tmp_path, "r.csv", "leader,group,li-1\nAna,peer,4\n")
    run = cli("import", name, "--instrument", "psl-361")
    assert run.exit_code == 1
    assert run.stderr.startswith('error: no instrument "psl-361": give a path to a YAML file or one of')
    assert run.stderr.endswith("Nothing was written.\n")


def test_conflicting_flags(cli: Cli, tmp_path: Path) -> None:
    name = write(tmp_path, "r.csv", "leader,group,li-1\nAna,peer,4\n")
    run = cli("import", name, "--leader", "A", "--leader-column", "leader")
    assert (run.exit_code, run.stderr) == (2, "error: give either --leader or --leader-column, not both\n")


def test_an_excel_workbook_is_refused_with_advice(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "answers.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    run = cli("import", "answers.xlsx", "--instrument", TEAM)
    assert run.exit_code == 1
    assert run.stderr.splitlines()[0] == (
        'answers.xlsx: this is a spreadsheet workbook (.xlsx), not CSV; save or download it as "CSV UTF-8" '
        "and import that"
    )


def test_a_byte_order_mark_is_accepted(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbfleader,group,li-1\r\nAna,peer,4\r\n")
    run = cli("import", "bom.csv", "--instrument", TEAM, "--allow-missing-items")
    assert run.exit_code == 0, run.stderr
    assert stored(tmp_path) == [_record("Ana", "peer", {"li-1": 4})]


def test_psl_360_is_the_default_and_bracketed_ids_match(cli: Cli, tmp_path: Path) -> None:
    text = (
        "Timestamp,Email Address,Leader,Group,How often does this leader reflect? [sa-1],"
        "This leader speaks openly about their own mistakes and what they learned from them.\n"
        "2024/03/04 9:15:02 AM GMT+1,pat@example.org,Ana,peer,Often,n/a\n"
    )
    run = cli("import", write(tmp_path, "google.csv", text), "--allow-missing-items")
    assert run.exit_code == 0, run.stderr
    assert stored(tmp_path) == [_record("Ana", "peer", {"sa-1": 4, "sa-3": None})]
    assert "google.csv:1: warning: no column for 46 items of psl-360 1.0.0 (sa-2, sa-4," in run.stderr


# -- response files ----------------------------------------------------------------------------


def _fill(text: str, answers: dict[str, str], comments: dict[str, str] | None = None, rater: str = "") -> str:
    for item, value in answers.items():
        text = text.replace(f"\n  {item}:\n", f"\n  {item}: {value}\n", 1)
    for question, comment in (comments or {}).items():
        indented = "".join(f"    {line}\n" for line in comment.splitlines())
        text = text.replace(f"\n  {question}: |\n", f"\n  {question}: |\n{indented}", 1)
    return text.replace("\nrater:\n", f"\nrater: {rater}\n", 1) if rater else text


def test_form_fill_in_import(cli: Cli, tmp_path: Path) -> None:
    run = cli("form", "Ana Lopez", "--as", "Direct reports", "-o", "ana.yaml", "--instrument", TEAM)
    assert run.exit_code == 0, run.stderr
    assert (
        run.stdout == "Wrote ana.yaml: a form for direct reports about Ana Lopez (team-360 1.0.0, 5 items).\n"
    )
    form = (tmp_path / "ana.yaml").read_text()
    filled = _fill(
        form,
        {"li-1": "4", "li-2": "often", "fb-1": "n", "fb-2": "2 - Rarely"},
        {"keep": 'Clear: priorities # not a comment\n"Quoted" too', "start": ""},
    )
    write(tmp_path, "ana-filled.yaml", filled)
    # team-360 is neither shipped nor in the workspace yet: name it (the form records its hash).
    run = cli("import", "ana-filled.yaml")
    assert run.exit_code == 1
    assert "is neither in this workspace nor shipped with leadcheck" in run.stderr
    run = cli("import", "ana-filled.yaml", "--instrument", TEAM)
    assert run.exit_code == 0, run.stderr
    assert stored(tmp_path) == [
        _record(
            "Ana Lopez",
            "direct_report",
            {"li-1": 4, "li-2": 4, "fb-1": None, "fb-2": 2},
            {"keep": 'Clear: priorities # not a comment\n"Quoted" too'},
        )
    ]
    # The workspace now has the instrument: a form for the leader uses it without --instrument.
    run = cli("form", "Ana Lopez", "--as", "self", "-o", "self.yaml")
    assert "(team-360 1.0.0, 5 items)" in run.stdout
    assert "# I let people finish before I answer.\n  li-1:\n" in (tmp_path / "self.yaml").read_text()


def test_a_self_form_words_not_observed_for_the_leader(cli: Cli, tmp_path: Path) -> None:
    assert cli("form", "Ana Lopez", "--as", "self", "-o", "s.yaml", "--instrument", TEAM).exit_code == 0
    form = (tmp_path / "s.yaml").read_text()
    assert "#   n = I can't judge this: you cannot judge this about yourself\n" in form
    assert "you have not seen this" not in form
    filled = form.replace("  li-1:\n", "  li-1: I can't judge this\n", 1).replace(
        "  li-2:\n", "  li-2: n\n", 1
    )
    (tmp_path / "s.yaml").write_text(filled)
    run = cli("import", "s.yaml", "--instrument", TEAM)
    assert run.exit_code == 0, run.stderr
    assert json.loads(stored(tmp_path)[0])[2] == {"li-1": None, "li-2": None}


def test_the_blank_form(cli: Cli, tmp_path: Path) -> None:
    assert cli("form", "Ana Lopez", "--as", "peer", "-o", "f.yaml", "--instrument", TEAM).exit_code == 0
    form = (tmp_path / "f.yaml").read_text()
    for line in (
        "#   1 = Never",
        "#   5 = Always",
        "#   n = Not observed: you have not seen this, so cannot rate it",
        "leadcheck_response: 1",
        "  id: team-360",
        '  version: "1.0.0"',
        'leader: "Ana Lopez"',
        "group: peer",
        "rater:",
        "  # == Listening ==",
        "  # This leader lets people finish before answering.\n  li-1:\n",
        "  # What should this leader keep doing?\n  keep: |\n",
        "leadcheck stores a keyed hash of it, never the text itself.",
    ):
        assert line in form
    assert form.index("\n  li-1:") < form.index("\n  fb-1:") < form.index("\ncomments:\n")


def test_form_refuses_to_overwrite(cli: Cli, tmp_path: Path) -> None:
    write(tmp_path, "f.yaml", "mine\n")
    run = cli("form", "Ana", "--as", "peer", "-o", "f.yaml")
    assert (run.exit_code, run.stderr) == (
        2,
        "error: f.yaml: already exists; choose another name, or add --force to overwrite it\n",
    )
    assert (tmp_path / "f.yaml").read_text() == "mine\n"
    assert cli("form", "Ana", "--as", "peer", "-o", "f.yaml", "--force").exit_code == 0
    assert "leadcheck_response: 1" in (tmp_path / "f.yaml").read_text()


def test_form_unknown_group_lists_the_groups(cli: Cli, tmp_path: Path) -> None:
    run = cli("form", "Ana", "--as", "boss", "-o", "f.yaml")
    assert run.exit_code == 2
    assert run.stderr == (
        f'error: "boss" is not a rater group of psl-360 1.0.0; choose one of: {_groups("psl-360")}\n'
    )
    assert not (tmp_path / "f.yaml").exists()


def test_form_to_standard_output(cli: Cli) -> None:
    run = cli("form", "Ana", "--as", "self", "-o", "-", "--instrument", "ses-critical-elements")
    assert run.exit_code == 0
    assert "leadcheck_response: 1\ninstrument:\n  id: ses-critical-elements\n" in run.stdout


def test_response_file_problems_have_line_and_column(cli: Cli, tmp_path: Path, before: list[str]) -> None:
    assert cli("form", "Ana Lopez", "--as", "peer", "-o", "f.yaml", "--instrument", TEAM).exit_code == 0
    form = (tmp_path / "f.yaml").read_text()
    filled = _fill(form, {"li-1": "7", "li-2": "maybe", "fb-1": "3"}).replace("group: peer", "group: boss")
    filled = filled.replace("\n  fb-2:\n", "\n  fb-22: 4\n").replace("\nrater:\n", "\nrator: me\n")
    write(tmp_path, "f.yaml", filled)
    lines = filled.splitlines()
    line_of = {key: n for n, line in enumerate(lines, start=1) for key in (line.split(":")[0].strip(),)}
    _assert_refused(
        cli("import", "f.yaml"),
        tmp_path,
        before,
        f'f.yaml:{line_of["group"]}:8: "boss" is not a rater group of team-360 1.0.0; expected one of: {GROUPS}',
        f'f.yaml:{line_of["rator"]}:1: unknown key "rator"; did you mean "rater"?',
        f'f.yaml:{line_of["li-1"]}:9: answer to "li-1": a number outside the scale 1-5',
        f'f.yaml:{line_of["li-2"]}:9: answer to "li-2": not an answer on the scale; {SCALE_HINT}',
        f'f.yaml:{line_of["fb-22"]}:3: "fb-22" is not an item of team-360 1.0.0; did you mean "fb-2"?',
    )


def test_response_file_yaml_syntax_error(cli: Cli, tmp_path: Path) -> None:
    assert cli("form", "Ana", "--as", "peer", "-o", "f.yaml", "--instrument", TEAM).exit_code == 0
    text = (tmp_path / "f.yaml").read_text().replace("  keep: |\n", "  keep: |\nNot indented: oops\n")
    write(tmp_path, "f.yaml", text)
    run = cli("import", "f.yaml")
    assert run.exit_code == 1
    first = run.stderr.splitlines()[0]
    assert re.fullmatch(
        r"f\.yaml:\d+:1: this line of a written answer starts at the very left; every line of a written "
        r"answer starts with 4 spaces: add them at its start \(see how to fill it in at the top of the form\)",
        first,
    )
    assert "oops" not in run.stderr


def test_response_file_as_json_with_the_rater_identity(cli: Cli, tmp_path: Path) -> None:
    from leadcheck.instrument.catalog import load_instrument

    team = load_instrument(TEAM)
    document = {
        "leadcheck_response": 1,
        "instrument": {"id": team.id, "version": team.version, "hash": team.content_hash},
        "leader": "Ana",
        "group": "peer",
        "rater": "pat@example.org",
        "answers": {"li-1": 4, "li-2": "n/a", "fb-1": None},
        "comments": {"keep": "More of this"},
    }
    write(tmp_path, "r.json", json.dumps(document, indent="\t"))
    # The workspace does not know team-360 yet, and it is not shipped: --instrument names it.
    run = cli("import", "r.json")
    assert run.exit_code == 1
    assert "is neither in this workspace nor shipped with leadcheck" in run.stderr
    assert cli("import", "r.json", "--instrument", TEAM).exit_code == 0
    document["answers"] = {"li-1": 5}
    write(tmp_path, "r2.json", json.dumps(document))
    run = cli("import", "r2.json")  # the same rater again: replaces, found by hash in the workspace
    assert run.exit_code == 0, run.stderr
    assert "Added 0, replaced 1, unchanged 0." in run.stdout
    assert stored(tmp_path) == [_record("Ana", "peer", {"li-1": 5}, {"keep": "More of this"})]


def test_a_leader_keeps_the_snapshot_of_their_assessment(cli: Cli, tmp_path: Path) -> None:
    # The instrument file changes after the first import: the leader's answers stay on the first snapshot.
    first = write(tmp_path, "team.yaml", (FIXTURES / "team-360.yaml").read_text())
    assert (
        cli(
            "import",
            write(tmp_path, "a.csv", "leader,group,li-1\nAna,peer,4\n"),
            "--instrument",
            first,
            "--allow-missing-items",
        ).exit_code
        == 0
    )
    changed = (FIXTURES / "team-360.yaml").read_text().replace("Hears people out", "Listens")
    write(tmp_path, "team.yaml", changed)
    run = cli(
        "import",
        write(tmp_path, "b.csv", "leader,group,li-1\nAna,manager,3\n"),
        "--instrument",
        first,
        "--allow-missing-items",
    )
    assert run.exit_code == 0, run.stderr
    with Store.open(tmp_path / "workspace.db", create=False) as store:
        assert {h for h, _ in store.snapshots.sources()} == {
            hashlib.sha256((FIXTURES / "team-360.yaml").read_text().encode()).hexdigest()
        }


# -- export and importing it back --------------------------------------------------------------


@pytest.fixture
def filled(cli: Cli, tmp_path: Path) -> list[str]:
    for name, (args, _expected) in EXPECTED.items():
        assert cli("import", place(tmp_path, name), "--instrument", TEAM, *args).exit_code == 0
    assert (
        cli(
            "import",
            write(tmp_path, "extra.csv", "leader,group,li-1,keep\n=Eve,peer,3,=1+2\n"),
            "--instrument",
            TEAM,
            "--cohort",
            "@risk",
            "--allow-missing-items",
        ).exit_code
        == 0
    )
    return stored(tmp_path)


def test_export_json(cli: Cli, tmp_path: Path, filled: list[str]) -> None:
    run = cli("export")
    assert run.exit_code == 0
    document = json.loads(run.stdout)
    assert document["leadcheck_export"] == 2
    assert document["releases"] == []  # no report given yet: the ledger is empty
    assert [i["hash"] for i in document["instruments"]] == [
        hashlib.sha256(i["source"].encode()).hexdigest() for i in document["instruments"]
    ]
    assert len(document["responses"]) == len(filled)
    first = document["responses"][0]
    assert set(first) == {
        "leader", "cohort", "instrument", "instrument_version", "instrument_hash", "assessment", "round",
        "group", "rater", "started_at", "submitted_at", "answers", "comments",
    }  # fmt: skip
    assert first["submitted_at"] == "2024-03-04T08:15:02+00:00"
    assert first["round"] == 1
    # Every leader, with the rounds their responses are in.
    leaders = {leader["name"]: leader for leader in document["leaders"]}
    assert sorted(leaders) == ["=Eve", "Ana Lopez", "Ben Okafor", "José Núñez", "Zoë Adams"]
    assert leaders["=Eve"]["cohort"] == "@risk"
    (ana,) = leaders["Ana Lopez"]["assessments"]
    assert (ana["instrument"], ana["round"]) == ("team-360", 1)
    assert ana["created_at"] == first["assessment"]


def test_export_csv(cli: Cli, tmp_path: Path, filled: list[str]) -> None:
    run = cli("export", "--format", "csv", "-o", "all.csv")
    assert run.exit_code == 0
    assert run.stderr == f"Wrote {len(filled)} responses to all.csv.\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".all.csv")) == []
    rows = list(csv.reader(io.StringIO((tmp_path / "all.csv").read_text(), newline="")))
    assert rows[0] == [
        "leader", "cohort", "instrument", "instrument_version", "instrument_hash", "assessment", "round",
        "group", "rater", "started_at", "submitted_at",
        "li-1", "li-2", "fb-1", "fb-2", "fb-3", "comment:keep", "comment:start",
    ]  # fmt: skip
    peer = rows[1]
    assert peer[0] == "Ana Lopez"
    assert peer[6] == "1"  # the leader's first round on team-360
    assert peer[11:] == ["4", "5", "3", "4", "n/a", "Clear agendas, every week.", ""]
    direct = rows[2]
    assert direct[11:16] == ["5", "4", "", "2", "1"]  # fb-1 skipped: empty; n/a is not observed
    eve = rows[-1]
    assert (eve[0], eve[1], eve[-2]) == (
        "'=Eve",
        "'@risk",
        "'=1+2",
    )  # spreadsheets show these, never run them


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_into_a_fresh_workspace(
    cli: Cli, tmp_path: Path, filled: list[str], fmt: str
) -> None:
    assert cli("export", "--format", fmt, "-o", f"backup.{fmt}").exit_code == 0
    fresh = tmp_path / "fresh.db"
    args = ("--instrument", TEAM) if fmt == "csv" else ()  # a CSV export does not carry the instrument
    run = cli("--db", fresh, "import", f"backup.{fmt}", *args)
    assert run.exit_code == 0, run.stderr
    assert f"backup.{fmt}: leadcheck export, {len(filled)} responses" in run.stdout
    with Store.open(fresh, create=False) as store:
        again = sorted(
            _record(r["leader"], r["group"], r["answers"], r["comments"]) for r in iter_export(store)
        )
        assert again == filled
        assert store.leaders.get("=Eve").cohort == "@risk"
    # Importing the backup again, or into the workspace it came from, counts nobody twice.
    run = cli("--db", fresh, "import", f"backup.{fmt}", *args)
    assert f"Added 0, replaced 0, unchanged {len(filled)}." in run.stdout
    run = cli("import", f"backup.{fmt}", *args)
    assert f"Added 0, replaced 0, unchanged {len(filled)}." in run.stdout
    assert stored(tmp_path) == filled


def test_csv_export_of_an_unknown_instrument(cli: Cli, tmp_path: Path, filled: list[str]) -> None:
    assert cli("export", "--format", "csv", "-o", "backup.csv").exit_code == 0
    run = cli("--db", tmp_path / "fresh.db", "import", "backup.csv")
    assert run.exit_code == 1
    assert run.stderr.splitlines()[0].startswith("backup.csv:2: instrument team-360 1.0.0 (hash ")
    assert run.stderr.splitlines()[0].endswith(
        ") is neither in this workspace nor shipped with leadcheck; import the JSON export instead, which "
        "carries its instruments, or give the instrument's YAML file with --instrument"
    )
    assert len(run.stderr.splitlines()) == 2  # said once, not once per row
    assert not (tmp_path / "fresh.db").exists()


def test_export_needs_a_workspace(cli: Cli) -> None:
    run = cli("export")
    assert run.exit_code == 1
    assert run.stderr.startswith("error: ")
    assert "no workspace here" in run.stderr


# -- assessment rounds, and leaders without responses -------------------------------------------

ROUND_1, ROUND_2 = "2024-01-08T09:00:00+00:00", "2024-06-03T09:00:00+00:00"


@pytest.fixture
def rounds(tmp_path: Path) -> Path:
    """Rita answered twice (a re-assessment), with a peer in each round; Quinn has a round nobody
    answered; Pat is in a cohort with no assessment at all."""
    from leadcheck.base.responses import IncomingResponse
    from leadcheck.instrument.catalog import load_instrument

    team = load_instrument(TEAM)
    db = tmp_path / "workspace.db"
    with Store.open(db) as store:
        rita = store.leaders.ensure("Rita", "2024")
        for when, value in ((ROUND_1, 2), (ROUND_2, 4)):
            assessment = store.assessments.ensure(rita, team, when)
            add_responses(
                store,
                [
                    IncomingResponse("Rita", "self", _answers(value, value, value, value, value), {}, "t"),
                    IncomingResponse(
                        "Rita", "peer", _answers(value, 3, 3, 3, ""), {}, "t", f"p{value}@x.org"
                    ),
                ],
                team,
                assessment=assessment,
            )
        store.assessments.ensure(store.leaders.ensure("Quinn"), team, ROUND_2)
        store.leaders.ensure("Pat", "2024")
    return db


def _without_volatile(document: dict[str, Any]) -> dict[str, Any]:
    """An export without what another workspace changes: rater hashes and the times of the import."""
    volatile = ("rater", "started_at", "submitted_at")
    responses = [{k: v for k, v in r.items() if k not in volatile} for r in document["responses"]]
    return {**document, "responses": responses}


def test_rounds_and_leaders_without_responses_survive_export_and_import(
    cli: Cli, tmp_path: Path, rounds: Path
) -> None:
    assert cli("export", "-o", "backup.json").exit_code == 0
    document = json.loads((tmp_path / "backup.json").read_text())
    assert [(r["leader"], r["group"], r["assessment"], r["round"]) for r in document["responses"]] == [
        ("Rita", "self", ROUND_1, 1),
        ("Rita", "peer", ROUND_1, 1),
        ("Rita", "self", ROUND_2, 2),
        ("Rita", "peer", ROUND_2, 2),
    ]
    assert [
        (x["name"], x["cohort"], [a["created_at"] for a in x["assessments"]]) for x in document["leaders"]
    ] == [
        ("Pat", "2024", []),
        ("Quinn", None, [ROUND_2]),
        ("Rita", "2024", [ROUND_1, ROUND_2]),
    ]
    fresh = tmp_path / "fresh.db"
    run = cli("--db", fresh, "import", "backup.json")
    assert run.exit_code == 0, run.stderr
    assert run.stderr == ""  # no "second self-assessment": each is in its own round
    assert "Added 4, replaced 0, unchanged 0." in run.stdout
    assert "New leaders: Pat, Quinn, Rita." in run.stdout
    assert "New assessment rounds (from the export): 3." in run.stdout
    assert cli("--db", fresh, "export", "-o", "again.json").exit_code == 0
    again = json.loads((tmp_path / "again.json").read_text())
    assert _without_volatile(again) == _without_volatile(document)
    # Once more, into the copy or into the workspace it came from: nothing changes.
    for db in (fresh, rounds):
        run = cli("--db", db, "import", "backup.json")
        assert run.exit_code == 0, run.stderr
        assert "Added 0, replaced 0, unchanged 4." in run.stdout
        assert "New " not in run.stdout
    assert cli("--db", fresh, "export", "-o", "again.json").exit_code == 0
    assert _without_volatile(json.loads((tmp_path / "again.json").read_text())) == _without_volatile(document)


def test_a_response_file_still_goes_to_the_current_round(cli: Cli, tmp_path: Path, rounds: Path) -> None:
    form = write(
        tmp_path,
        "manager.yaml",
        "leadcheck_response: 1\ninstrument: team-360\nleader: Rita\ngroup: manager\n"
        "answers: {li-1: 5, li-2: 5, fb-1: 5, fb-2: 5, fb-3: 5}\n",
    )
    run = cli("import", form, "--instrument", TEAM)
    assert run.exit_code == 0, run.stderr
    run = cli("export")
    manager = [r for r in json.loads(run.stdout)["responses"] if r["group"] == "manager"]
    assert [(r["assessment"], r["round"]) for r in manager] == [(ROUND_2, 2)]


def test_the_csv_export_keeps_each_response_in_its_round(cli: Cli, tmp_path: Path, rounds: Path) -> None:
    assert cli("export", "--format", "csv", "-o", "backup.csv").exit_code == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "backup.csv").read_text(), newline="")))
    assert [(r["group"], r["assessment"], r["round"]) for r in rows] == [
        ("self", ROUND_1, "1"),
        ("peer", ROUND_1, "1"),
        ("self", ROUND_2, "2"),
        ("peer", ROUND_2, "2"),
    ]
    fresh = tmp_path / "fresh.db"
    for added in (4, 0):
        run = cli("--db", fresh, "import", "backup.csv", "--instrument", TEAM)
        assert run.exit_code == 0, run.stderr
        assert run.stderr == ""
        assert f"Added {added}, replaced 0, unchanged {4 - added}." in run.stdout
    run = cli("--db", fresh, "export")
    document = json.loads(run.stdout)
    assert [(r["group"], r["assessment"], r["round"]) for r in document["responses"]] == [
        (r["group"], r["assessment"], int(r["round"])) for r in rows
    ]
    # A CSV export holds responses only: Pat and Quinn's unanswered round are in the JSON export alone.
    assert [x["name"] for x in document["leaders"]] == ["Rita"]


def test_two_rounds_started_in_the_same_second_stay_two(cli: Cli, tmp_path: Path) -> None:
    from leadcheck.base.responses import IncomingResponse
    from leadcheck.instrument.catalog import load_instrument

    team = load_instrument(TEAM)
    with Store.open(tmp_path / "workspace.db") as store:
        rita = store.leaders.ensure("Rita")
        for nth, value in ((1, 2), (2, 4)):
            assessment = store.assessments.ensure(rita, team, ROUND_1, nth)
            add_responses(
                store,
                [IncomingResponse("Rita", "self", {"li-1": value}, {}, "t")],
                team,
                assessment=assessment,
            )
    for fmt in ("json", "csv"):
        assert cli("export", "--format", fmt, "-o", f"backup.{fmt}").exit_code == 0
        fresh = tmp_path / f"{fmt}.db"
        assert cli("--db", fresh, "import", f"backup.{fmt}", "--instrument", TEAM).exit_code == 0
        run = cli("--db", fresh, "export")
        answers = [(r["assessment"], r["round"], r["answers"]) for r in json.loads(run.stdout)["responses"]]
        assert answers == [(ROUND_1, 1, {"li-1": 2}), (ROUND_1, 2, {"li-1": 4})]


EXPORT_HEAD = "leader,instrument,instrument_version,instrument_hash,assessment,round,group,li-1\n"


@pytest.mark.parametrize(
    ("cells", "problems"),
    [
        (
            ["2024-01-08T09:00:00+00:00,,self,3"],
            ['backup.csv:2: column "round": "assessment" without "round"; expected both, as leadcheck export '
             "writes them (or neither, to add the response to the leader's current round)"],
        ),
        (
            [",2,self,3"],
            ['backup.csv:2: column "assessment": "round" without "assessment"; expected both, as leadcheck '
             "export writes them (or neither, to add the response to the leader's current round)"],
        ),
        (
            ["last monday,1,self,3"],
            ['backup.csv:2: column "assessment": "last monday" is not a time; expected when the round was '
             "started, in ISO 8601 (2024-03-04T08:15:02+00:00)"],
        ),
        (
            ["2024-01-08T09:00:00+00:00,first,self,3"],
            ['backup.csv:2: column "round": "first" is not a round number; expected 1 for the leader\'s '
             "first assessment on the instrument, 2 for the next, ..."],
        ),
        (
            ["2024-01-08T09:00:00+00:00,1,self,3", "2024-06-03T09:00:00+00:00,1,peer,3"],
            ['backup.csv:3: column "assessment": round 1 of "Rita" on team-360 was started at '
             "2024-01-08T09:00:00+00:00 (backup.csv:2), here at 2024-06-03T09:00:00+00:00; expected one time "
             "per round"],
        ),
    ],
)  # fmt: skip
def test_a_round_named_wrongly_is_refused(
    cli: Cli, tmp_path: Path, before: list[str], cells: list[str], problems: list[str]
) -> None:
    from leadcheck.instrument.catalog import load_instrument

    team = load_instrument(TEAM)
    prefix = f"Rita,{team.id},{team.version},{team.content_hash},"
    text = EXPORT_HEAD + "".join(prefix + row + "\n" for row in cells)
    run = cli("import", write(tmp_path, "backup.csv", text), "--layout", "export", "--instrument", TEAM)
    _assert_refused(run, tmp_path, before, *problems)


def test_an_export_and_a_response_for_the_current_round_are_imported_apart(
    cli: Cli, tmp_path: Path, rounds: Path
) -> None:
    assert cli("export", "-o", "backup.json").exit_code == 0
    form = write(
        tmp_path,
        "manager.yaml",
        "leadcheck_response: 1\ninstrument: team-360\nleader: Rita\ngroup: manager\nanswers: {li-1: 5}\n",
    )
    fresh = tmp_path / "fresh.db"
    run = cli("--db", fresh, "import", "backup.json", form, "--instrument", TEAM, "--allow-missing-items")
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        'manager.yaml: this response is for the current round of "Rita" on team-360, and a leadcheck export '
        "in the same import names their rounds (backup.json: leader 3, assessment 1); import the export on "
        "its own first, then this file",
        "1 problem found. Nothing was written.",
    ]
    assert not fresh.exists()


def test_a_leader_in_the_export_list_is_checked(cli: Cli, tmp_path: Path) -> None:
    document = {
        "leadcheck_export": 1,
        "instruments": [],
        "leaders": [
            {"name": "Ana\nLopez", "cohort": None, "assessments": []},
            {"name": "Ben", "cohort": 7},
            {"name": "Cy", "assessments": [{"instrument": "psl-360"}]},
            {
                "name": "Di",
                "assessments": [{"instrument": "x", "instrument_version": "1", "instrument_hash": "ab"}],
            },
        ],
        "responses": [],
    }
    run = cli("import", write(tmp_path, "backup.json", json.dumps(document)))
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        'backup.json: leader 1: leader name "Ana\\nLopez" holds a line break, tab or other control character; '
        "expected a name on one line; correct it in the file",
        "backup.json: leader 2: cohort must be text",
        "backup.json: leader 3: assessment 1: instrument, instrument_version and instrument_hash must be given",
        "backup.json: leader 4: assessment 1: instrument x 1 (hash ab) is neither in this workspace nor shipped "
        "with leadcheck; import the JSON export instead, which carries its instruments, or give the "
        "instrument's YAML file with --instrument",
        "4 problems found. Nothing was written.",
    ]


# -- raters of Microsoft Forms and other per-form response ids ---------------------------------

MSFORMS_HEAD = "ID,Start time,Completion time,Email,Name,Leader,Relationship,li-1,li-2,fb-1,fb-2,fb-3\n"


def _msforms(group: str, *rows: str) -> str:
    """A Microsoft Forms export whose IDs start at 1 and whose raters all started at the same minute."""
    return MSFORMS_HEAD + "".join(
        f"{n},3/4/24 9:12:01,3/4/24 9:15:40,anonymous,,Ana Lopez,{group},{row}\n"
        for n, row in enumerate(rows, start=1)
    )


def test_two_microsoft_forms_for_one_leader_keep_their_raters_apart(cli: Cli, tmp_path: Path) -> None:
    peers = write(tmp_path, "peers.csv", _msforms("Peer", "4,4,4,4,4", "3,3,3,3,3"))
    reports = write(tmp_path, "reports.csv", _msforms("Direct report", "2,2,2,2,2", "1,1,1,1,1"))
    assert cli("import", peers, "--instrument", TEAM).exit_code == 0
    run = cli("import", reports, "--instrument", TEAM)
    assert run.exit_code == 0, run.stderr
    assert "Added 2, replaced 0, unchanged 0." in run.stdout
    assert stored(tmp_path) == sorted(
        [
            _record("Ana Lopez", "peer", _answers(4, 4, 4, 4, 4)),
            _record("Ana Lopez", "peer", _answers(3, 3, 3, 3, 3)),
            _record("Ana Lopez", "direct_report", _answers(2, 2, 2, 2, 2)),
            _record("Ana Lopez", "direct_report", _answers(1, 1, 1, 1, 1)),
        ]
    )
    # The same files again, or the same form downloaded once more, count nobody twice.
    shutil.copy(tmp_path / peers, tmp_path / "Peers (1).csv")
    for name in (peers, reports, "Peers (1).csv"):
        run = cli("import", name, "--instrument", TEAM)
        assert "Added 0, replaced 0, unchanged 2." in run.stdout, name
    assert len(stored(tmp_path)) == 4


def test_a_rater_stays_in_their_rater_group(cli: Cli, tmp_path: Path) -> None:
    peers = write(tmp_path, "peers.csv", _msforms("Peer", "4,4,4,4,4", "3,3,3,3,3"))
    assert cli("import", peers, "--instrument", TEAM).exit_code == 0
    before = stored(tmp_path)
    # The second rater's relationship edited in the file: the stored response does not move to another group.
    edited = _msforms("Peer", "4,4,4,4,4", "3,3,3,3,3").replace("Peer,3,3", "Direct report,3,3")
    write(tmp_path, "peers.csv", edited)
    _assert_refused(
        cli("import", peers, "--instrument", TEAM),
        tmp_path,
        before,
        'peers.csv:3: this rater (same response id) already answered about "Ana Lopez" as peer, here as '
        "direct_report; a rater answers in one group only: correct the group in the file, or leave this "
        "response out",
    )


# -- files nested too deeply ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 100_000, "a leadcheck export"),
        ('{"a":' * 100_000, "a leadcheck export"),
        ('{"leadcheck_response": 1, "answers": ' + "[" * 100_000, "a response file"),
    ],
)
def test_deeply_nested_json_is_one_problem(cli: Cli, tmp_path: Path, text: str, expected: str) -> None:
    run = cli("import", write(tmp_path, "deep.json", text))
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr == (
        f"deep.json: nesting is too deep (hundreds of levels of [ or {{); expected {expected}, which nests "
        "a few levels\n1 problem found. Nothing was written.\n"
    )


def test_deeply_nested_yaml_is_read_with_bounds(cli: Cli, tmp_path: Path) -> None:
    run = cli("import", write(tmp_path, "deep.yaml", "leadcheck_response: 1\nanswers: " + "[" * 100_000))
    assert (run.exit_code, run.stdout) == (1, "")
    assert (
        run.stderr
        == "deep.yaml:2:73: nesting is deeper than 64 levels\n1 problem found. Nothing was written.\n"
    )


# -- names from files are text, not terminal markup --------------------------------------------------


@pytest.mark.parametrize("dry_run", [False, True])
def test_markup_in_names_groups_and_paths_is_printed_as_it_is(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dry_run: bool
) -> None:
    monkeypatch.setenv("COLUMNS", "150")
    team = (FIXTURES / "team-360.yaml").read_text() + (
        "rater_groups:\n"
        "  - {id: self, label: Self, min_raters: 1}\n"
        '  - {id: peer, label: "[/][red]Peers :thumbs_up:", min_raters: 1}\n'
    )
    inst = write(tmp_path, "team.yaml", team)
    text = "leader,group,li-1,li-2,fb-1,fb-2,fb-3\n[/],peer,4,4,4,4,4\n[red]x,peer,3,3,3,3,3\n[bold],self,2,2,2,2,2\n"
    name = write(tmp_path, "[red]m.csv", text)
    run = cli("import", name, "--instrument", inst, *(["--dry-run"] if dry_run else []))
    assert run.exit_code == 0, run.stderr
    assert run.stdout.splitlines()[0] == "[red]m.csv: one row per rater, 3 responses"
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in run.stdout.splitlines() if "│" in line]
    assert [row[:3] for row in rows] == [
        ["[/]", "team-360 1.0.0", "[/][red]Peers :thumbs_up:"],
        ["[bold]", "team-360 1.0.0", "Self"],
        ["[red]x", "team-360 1.0.0", "[/][red]Peers :thumbs_up:"],
    ]
    assert "New leaders: [/], [bold], [red]x." in run.stdout
    assert len(stored(tmp_path)) == (0 if dry_run else 3)


# -- writing -o files --------------------------------------------------------------------------


def test_export_and_form_into_a_folder_that_cannot_be_written(
    cli: Cli, tmp_path: Path, filled: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    long = "x" * 250 + ".json"  # a real error even for root: the temporary file's name is too long
    run = cli("export", "-o", long)
    assert (run.exit_code, run.stderr) == (
        1,
        f"error: {long}: cannot write the file (File name too long); choose a folder you can write to, "
        "or another file with -o\n",
    )
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # root writes anywhere: let the folder refuse as it would anyone else

        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise PermissionError(13, "Permission denied")

        import leadcheck.base.atomic

        monkeypatch.setattr(leadcheck.base.atomic, "_temporary", refuse)
    try:
        for args in (
            ("export", "-o", "locked/backup.json"),
            ("form", "Ana", "--as", "peer", "-o", "locked/f.yaml"),
        ):
            run = cli(*args)
            assert (run.exit_code, run.stdout) == (1, ""), args
            assert run.stderr == (
                f"error: {args[-1]}: cannot write the file (Permission denied); choose a folder you can write "
                "to, or another file with -o\n"
            )
    finally:
        folder.chmod(0o755)
    assert list(folder.iterdir()) == []


def test_export_to_a_symbolic_link_writes_its_target(cli: Cli, tmp_path: Path, filled: list[str]) -> None:
    (tmp_path / "backups").mkdir()
    (tmp_path / "backups" / "latest.json").write_text("old\n")
    (tmp_path / "latest.json").symlink_to(Path("backups") / "latest.json")
    run = cli("export", "-o", "latest.json")
    assert run.exit_code == 0, run.stderr
    assert (tmp_path / "latest.json").is_symlink()
    assert json.loads((tmp_path / "backups" / "latest.json").read_text())["leadcheck_export"] == 2


def test_export_and_form_to_a_pipe_write_into_it(cli: Cli, tmp_path: Path, filled: list[str]) -> None:
    import os
    import stat
    import threading

    pipe = tmp_path / "pipe"
    for args in (("export", "--format", "csv"), ("form", "Ana", "--as", "peer")):
        os.mkfifo(pipe)
        received: list[str] = []
        reader = threading.Thread(target=lambda into=received: into.append(pipe.read_text()), daemon=True)
        reader.start()
        run = cli(*args, "-o", "pipe")
        reader.join(timeout=10)
        assert run.exit_code == 0, run.stderr
        assert stat.S_ISFIFO(pipe.stat().st_mode), "the pipe was replaced by a file"
        assert received and received[0].startswith(("leader,cohort,", "# leadcheck response form")), args
        pipe.unlink()


# -- leaders' names ------------------------------------------------------------------------------

SHORT = ("--instrument", TEAM, "--allow-missing-items")  # files of one item: li-1


def test_a_leader_written_differently_is_the_same_leader(cli: Cli, tmp_path: Path) -> None:
    first = write(tmp_path, "a.csv", "leader,group,email,li-1\nAna Lopez,peer,a@x.org,4\n")
    assert cli("import", first, *SHORT).exit_code == 0
    second = write(tmp_path, "b.csv", "leader,group,email,li-1\n  ana   LOPEZ ,manager,b@x.org,3\n")
    run = cli("import", second, *SHORT)
    assert run.exit_code == 0, run.stderr
    assert "New leader" not in run.stdout
    assert "│ Ana Lopez" in run.stdout
    assert stored(tmp_path) == sorted(
        [_record("Ana Lopez", "peer", {"li-1": 4}), _record("Ana Lopez", "manager", {"li-1": 3})]
    )
    # A close name is imported as a new leader, with a warning naming both.
    run = cli(
        "import", write(tmp_path, "c.csv", "leader,group,email,li-1\nAna Lopes,peer,c@x.org,5\n"), *SHORT
    )
    # (the close name is still imported: a warning, not a problem)
    assert run.exit_code == 0
    assert run.stderr.splitlines() == [
        "c.csv:1: warning: no column for 4 items of team-360 1.0.0 (li-2, fb-1, fb-2, fb-3); they count as "
        "skipped",
        'c.csv:2: warning: leader "Ana Lopes" is new; did you mean "Ana Lopez"? If it is the same person, '
        'write the name as "Ana Lopez"; otherwise ignore this warning',
    ]
    assert "New leader: Ana Lopes." in run.stdout


def test_a_leader_name_on_several_lines_or_too_long_is_a_problem(
    cli: Cli, tmp_path: Path, before: list[str]
) -> None:
    long = "A" * 201
    text = f'leader,group,li-1\n"Ana\nLopez",peer,4\nAna\tLopez,peer,3\nAna\tLopez,manager,3\n{long},peer,2\n'
    _assert_refused(
        cli("import", write(tmp_path, "names.csv", text), *SHORT),
        tmp_path,
        before,
        "names.csv:1: warning: no column for 4 items of team-360 1.0.0 (li-2, fb-1, fb-2, fb-3); they count "
        "as skipped",
        'names.csv:2: leader name "Ana\\nLopez" holds a line break, tab or other control character; expected a '
        "name on one line; correct it in the file",
        'names.csv:4: leader name "Ana\\tLopez" holds a line break, tab or other control character; expected a '
        "name on one line; correct it in the file",
        f'names.csv:6: leader name "{"A" * 55}..." is 201 characters long; expected at most 200; correct it '
        "in the file",
    )


# -- items without a column ----------------------------------------------------------------------


def test_items_without_a_column_are_an_error_unless_allowed(
    cli: Cli, tmp_path: Path, before: list[str]
) -> None:
    # fb-2 and fb-3 have no column; li-2's column is there but blank in one row (skipped, not a problem).
    text = "leader,group,email,li-1,li-2,fb-1\nAna,peer,a@x.org,4,,3\nAna,manager,b@x.org,4,5,3\n"
    name = write(tmp_path, "r.csv", text)
    _assert_refused(
        cli("import", name, "--instrument", TEAM),
        tmp_path,
        before,
        "r.csv:1: no column for 2 items of team-360 1.0.0 (fb-2, fb-3); expected a column for every item: add "
        "the missing columns, or add --allow-missing-items to import anyway (every rater then skips those "
        "items)",
    )
    run = cli("import", name, "--instrument", TEAM, "--allow-missing-items")
    assert run.exit_code == 0
    assert run.stderr == (
        "r.csv:1: warning: no column for 2 items of team-360 1.0.0 (fb-2, fb-3); they count as skipped\n"
    )
    assert _record("Ana", "peer", {"li-1": 4, "fb-1": 3}) in stored(tmp_path)


# -- a file read in the wrong layout ----------------------------------------------------------------


@pytest.mark.parametrize(("layout", "label"), [("qualtrics", "Qualtrics"), ("surveymonkey", "SurveyMonkey")])
def test_a_file_forced_into_the_wrong_layout_is_one_problem(
    cli: Cli, tmp_path: Path, before: list[str], layout: str, label: str
) -> None:
    name = place(tmp_path, "google-forms.csv")
    run = cli("import", name, "--instrument", TEAM, "--layout", layout, *GOOGLE_ARGS)
    _assert_refused(
        run,
        tmp_path,
        before,
        f"google-forms.csv: does not look like a {label} export (its header rows hold answers); check --layout",
    )
    assert "@" not in run.stderr


def test_long_column_titles_are_shortened_in_messages(cli: Cli, tmp_path: Path) -> None:
    run = cli(
        "import", place(tmp_path, "google-forms.csv"), "--instrument", TEAM, "--leader-column", "Leader"
    )
    assert run.exit_code == 1
    assert [line for line in run.stderr.splitlines() if "--leader-column" in line] == [
        'google-forms.csv:1: --leader-column "Leader": no such column; the columns are "Timestamp", '
        '"Email Address", "Which leader are you giving feedback on?", "What is your working relationship wit...", '
        '"How often does this leader do the fol...", "How often does this leader do the fol...", '
        '"How often does this leader do the fol...", "How often does this leader do the fol...", '
        '"How often does this leader do the fol...", "What should this leader keep doing?", '
        '"What should this leader start doing?"'
    ]


def test_a_column_named_in_another_columns_message_is_shortened(
    cli: Cli, tmp_path: Path, before: list[str]
) -> None:
    text = (
        "leader,group,This leader lets people finish before answering.,li-1,li-2,fb-1,fb-2,fb-3\n"
        "Ana,peer,4,4,4,4,4,4\n"
    )
    _assert_refused(
        cli("import", write(tmp_path, "dup.csv", text), "--instrument", TEAM),
        tmp_path,
        before,
        'dup.csv:1: column "li-1": holds item "li-1" like column "This leader lets people finish before..."; '
        "remove one of them",
    )
    from leadcheck.instrument.catalog import load_instrument

    long = "q" * 80
    team = load_instrument(TEAM)
    export = (
        f"leader,instrument,instrument_version,instrument_hash,group,{long}\n"
        f"Ana,{team.id},{team.version},{team.content_hash},peer,4\n"
    )
    run = cli("import", write(tmp_path, "backup.csv", export), "--layout", "export", "--instrument", TEAM)
    assert f'"{"q" * 37}..." is not an item of team-360 1.0.0' in run.stderr
    assert long not in run.stderr
