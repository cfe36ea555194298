"""Every command's output without a terminal (plain text, no escape codes) and with NO_COLOR on a terminal (no colour).

Each command runs for real, on a small workspace, in both modes; the same
commands on a terminal without NO_COLOR show that the check can fail.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadcheck.base.responses import IncomingResponse
from leadcheck.cli import app
from leadcheck.importing.policy import add_responses
from leadcheck.store import Store

from .conftest import MINI_360

ESCAPE = "\x1b["
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def colours(text: str) -> set[str]:
    """The colour parameters (30-49, 90-107) of the SGR sequences in ``text``; bold, dim and the like are not colour."""
    found: set[str] = set()
    for params in SGR.findall(text):
        for p in params.split(";"):
            if p.isdigit() and (30 <= int(p) <= 49 or 90 <= int(p) <= 107):
                found.add(p)
    return found


# Each command with arguments that make it do its job on the workspace below, the input it reads, and its exit code.
COMMANDS: dict[str, tuple[list[str], str | None, int]] = {
    "validate": (["validate", "{mini}"], None, 0),
    "schema": (["schema"], None, 0),
    "instruments list": (["instruments", "list"], None, 0),
    "instruments show": (["instruments", "show", "{mini}"], None, 0),
    "assess": (["assess", "Ana", "-i", "{mini}"], "4\nq\n", 0),
    "rate": (["rate", "Ana", "--as", "peer"], "5\n4\nq\n", 0),
    "form": (["form", "Ana", "--as", "peer", "-o", "{tmp}/form.yaml", "--force"], None, 0),
    "import": (["import", "{tmp}/backup.json", "--dry-run"], None, 0),
    "export": (["export"], None, 0),
    "leaders": (["leaders"], None, 0),
    "status": (["status", "Ana"], None, 0),
    "summary": (["summary", "Ana"], None, 0),
    "report": (["report", "Ana", "-o", "{tmp}/ana.html"], None, 0),
    "plan": (["plan", "Ana", "--show"], None, 1),  # no plan yet: the one error that says how to make one
    "cohort report": (["cohort", "report", "east", "-o", "{tmp}/reports", "-j", "1"], None, 0),
    # A workspace of its own: demo refuses one holding real leaders (--db after the command wins).
    "demo": (
        ["demo", "--db", "{tmp}/demo-{n}.db", "-n", "1", "-j", "1", "-o", "{tmp}/demo-reports"],
        None,
        0,
    ),
    "audit": (["audit", "Ana"], None, 0),
    "purge": (["purge", "Ana", "--dry-run"], None, 0),
    "key": (["key"], None, 0),
    "norms build": (["norms", "build", "east", "-o", "{tmp}/norms-{n}.yaml"], None, 1),
    "raters import": (["raters", "import", "{tmp}/nominations.csv", "--dry-run"], None, 0),
    "raters add": (["raters", "add", "Ana", "--email", "lee{n}@example.org", "--as", "peer"], None, 0),
    "raters list": (["raters", "list"], None, 0),
    "raters remove": (["raters", "remove", "Ana", "nobody@example.org"], None, 1),
    "invite": (["invite", "Ana", "-o", "{tmp}/invites-{n}", "--from", "Cory <cory@example.org>"], None, 0),
    "remind": (["remind", "Ana", "-o", "{tmp}/reminders-{n}", "--from", "Cory <cory@example.org>"], None, 0),
    # Ana has no development plan: the pulse says so (exit 1) before anything is written.
    "pulse": (["pulse", "Ana", "-o", "{tmp}/pulse-{n}", "--from", "Cory <cory@example.org>"], None, 1),
}
RUNS = itertools.count()


def test_every_command_is_covered() -> None:
    import typer.main

    def leaves(command: object, path: tuple[str, ...] = ()) -> Iterator[str]:
        subs = getattr(command, "commands", None)
        if not subs:
            yield " ".join(path)
        for name, sub in (subs or {}).items():
            yield from leaves(sub, (*path, name))

    assert set(leaves(typer.main.get_command(app))) == set(COMMANDS)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ana in cohort east on the mini instrument: self, a manager and two peers, and an export to import."""
    from leadcheck.instrument.catalog import load_instrument

    folder = tmp_path_factory.mktemp("modes")
    inst = load_instrument(str(MINI_360))
    answers: dict[str, int | None] = {"l-1": 4, "l-2": 2, "d-1": 5, "f-1": 3}
    db = folder / "w.db"
    with pytest.MonkeyPatch.context() as mp, Store.open(db) as store:
        mp.setenv("LEADCHECK_KEY_DIR", str(folder / "keys"))  # the workspace key stays with the test
        add_responses(
            store,
            [
                IncomingResponse("Ana", "self", answers, {"keep": "Listening"}, "t", cohort="east"),
                IncomingResponse("Ana", "manager", answers, {}, "t", "m", cohort="east"),
                IncomingResponse("Ana", "peer", answers, {}, "t", "p1", cohort="east"),
                IncomingResponse("Ana", "peer", answers, {}, "t", "p2", cohort="east"),
            ],
            inst,
        )
    runner = CliRunner(env={"LEADCHECK_KEY_DIR": str(folder / "keys")})
    result = runner.invoke(app, ["--db", str(db), "export", "-o", str(folder / "backup.json")])
    assert result.exit_code == 0, result.stderr
    # A campaign: a nominations sheet, and one rater invited (so that remind has someone to remind).
    (folder / "nominations.csv").write_text("leader,name,email,group\nAna,Jo Park,jo@example.org,peer\n")
    for argv in (
        ["raters", "add", "Ana", "--email", "sam@example.org", "--as", "peer"],
        ["invite", "Ana", "-o", str(folder / "invites"), "--from", "Cory <cory@example.org>"],
    ):
        result = runner.invoke(app, ["--db", str(db), *argv])
        assert result.exit_code == 0, result.stderr
    return db


def invoke(command: str, db: Path, env: dict[str, str | None]) -> tuple[int, str, str]:
    args, stdin, _ = COMMANDS[command]
    values = {"mini": str(MINI_360), "tmp": str(db.parent), "n": str(next(RUNS))}
    argv = ["--db", str(db), *(a.format(**values) for a in args)]
    keys = str(db.parent / "keys")
    result = CliRunner(env={"COLUMNS": "100", "LEADCHECK_KEY_DIR": keys, **env}).invoke(
        app, argv, input=stdin
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_without_a_terminal_the_output_is_plain_text(command: str, workspace: Path) -> None:
    code, out, err = invoke(
        command, workspace, {"NO_COLOR": None, "FORCE_COLOR": None, "TERM": "xterm-256color"}
    )
    assert code == COMMANDS[command][2], err
    assert ESCAPE not in out and ESCAPE not in err
    assert out or err  # it said something


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_color_on_a_terminal_has_no_colour(command: str, workspace: Path) -> None:
    code, out, err = invoke(
        command, workspace, {"NO_COLOR": "1", "FORCE_COLOR": "1", "TERM": "xterm-256color"}
    )
    assert code == COMMANDS[command][2], err
    assert colours(out) == set() and colours(err) == set()


@pytest.mark.parametrize("command", ["leaders", "status", "summary", "assess", "instruments list"])
def test_a_terminal_without_no_color_has_colour(command: str, workspace: Path) -> None:
    """The other side of the two checks above: these commands do colour a terminal."""
    code, out, err = invoke(
        command, workspace, {"NO_COLOR": None, "FORCE_COLOR": "1", "TERM": "xterm-256color"}
    )
    assert code == COMMANDS[command][2], err
    assert ESCAPE in out + err
