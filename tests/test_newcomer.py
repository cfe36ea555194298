"""A newcomer's first ten minutes (issue 24): file names, close names, and the habits of the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadcheck.base.filenames import slug
from leadcheck.store import Store

from .conftest import MINI_360


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Søren Whitfield", "soren-whitfield"),
        ("Łucja Lindqvist", "lucja-lindqvist"),
        ("Ana Ruíz", "ana-ruiz"),
        ("Алёна Петрова", "alena-petrova"),
        ("王芳", "wangfang"),
        ("Ἀλέξανδρος", "alexandros"),
        ("../../etc/passwd", "etc-passwd"),
        ("", "leader"),
    ],
)
def test_file_names_transliterate_every_script(name: str, expected: str) -> None:
    assert slug(name, "leader") == expected


def test_the_invitation_attachment_of_a_non_latin_leader_names_them() -> None:
    from leadcheck.campaign import issue

    assert issue.slug("Алёна Петрова", "leader-7", limit=40) == "alena-petrova"


def test_demo_refuses_a_workspace_that_holds_real_leaders(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "real.db"
    with Store.open(db) as store:
        store.leaders.ensure("Ana Ruiz", "2026-spring")
    run = cli("--db", db, "demo", "-n", "1", "-o", tmp_path / "out")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == (
        f'error: {db} holds 1 leader outside the demo cohort (first: "Ana Ruiz"); the demo adds invented '
        "people only to a workspace of demo leaders: choose another with --db (leadcheck --db demo.db demo)\n"
    )
    with Store.open(db, create=False) as store:
        assert [leader.name for leader in store.leaders.every()] == ["Ana Ruiz"]  # nothing added
    assert not (tmp_path / "out").exists()


def test_status_says_which_command_comes_next(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("assess", "Ana Ruiz", "-i", MINI_360, input="q\n").exit_code == 0
    overview = cli("status").stdout.splitlines()
    assert overview[-2:] == [
        "Ana Ruiz: self: not started — run `leadcheck assess 'Ana Ruiz'`",
        "raters still needed: `leadcheck status NAME` says which command each group runs",
    ]
    detail = cli("status", "Ana Ruiz").stdout.splitlines()
    assert detail[detail.index("Next:") :] == [
        "Next:",
        "  self: not started — run `leadcheck assess 'Ana Ruiz'`",
        "  Manager 0/1: `leadcheck rate 'Ana Ruiz' --as manager`",
        "  Peers 0/2: `leadcheck rate 'Ana Ruiz' --as peer`",
        "  or a form per rater: `leadcheck form 'Ana Ruiz' --as GROUP -o FILE`",
    ]
