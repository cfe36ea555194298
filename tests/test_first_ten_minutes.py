"""Each user's first ten minutes, as the README's first screen writes them: the commands run as typed.

The README marks each user's block (``<!-- first-ten-minutes: leader -->``); this test reads
the blocks, so the README cannot drift from what works. `tests/test_packaging.py` runs the
same blocks against an installed wheel.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import REPO, Run

README = REPO / "README.md"
USERS = ("leader", "coach", "maintainer")
# A leader answering all 48 items of psl-360 with one key each, then how important each of its
# 6 competencies and values is for their role, then leaving the open questions blank.
SELF_CHECK = "4\n" * 48 + "3\n" * 6 + "\n" * 10


def readme_flow(user: str) -> list[list[str]]:
    """The command lines of one user's block on the README's first screen, split as a shell would."""
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"<!-- first-ten-minutes: {user} -->\n```sh\n(.*?)```", text, re.S)
    assert found, f"the README has no first-ten-minutes block for the {user}"
    return [shlex.split(line, comments=True) for line in found[1].splitlines() if line.strip()]


def first_screen() -> str:
    """The README up to its table of contents: what a newcomer reads before scrolling."""
    text = README.read_text(encoding="utf-8")
    return text[: text.index("## Contents")]


def play(
    flow: list[list[str]], folder: Path, leadcheck: Callable[[list[str], str | None, dict[str, str]], Run]
) -> list[Run]:
    """Run a flow in ``folder`` (holding a clone's docs/ and instruments/): `export` and `cp` as a
    shell would, every `leadcheck` line through ``leadcheck``; each must succeed."""
    env: dict[str, str] = {}
    runs = []
    for words in flow:
        if words[0] == "export":
            name, value = words[1].split("=", 1)
            env[name] = str(folder / value)
        elif words[0] == "cp":
            shutil.copy(folder / words[1], folder / words[2])
        else:
            assert words[0] == "leadcheck", words
            stdin = SELF_CHECK if words[1] == "assess" else None
            run = leadcheck(words[1:], stdin, env)
            assert run.exit_code == 0, (words, run.stdout, run.stderr)
            runs.append(run)
    return runs


def clone_in(folder: Path) -> None:
    """What a fresh clone holds that the flows name: the sample nominations sheet, the instruments
    and the schema they name."""
    (folder / "docs").mkdir()
    shutil.copy(REPO / "docs" / "nominations.csv", folder / "docs" / "nominations.csv")
    shutil.copytree(REPO / "instruments", folder / "instruments")
    shutil.copytree(REPO / "schema", folder / "schema")


def test_the_first_screen_gets_each_user_going() -> None:
    screen = first_screen()
    assert screen.index("## Set up") < screen.index("## Use it")
    assert "make setup" in screen and ". .venv/bin/activate" in screen  # how `leadcheck` gets on the PATH
    assert "pip install leadcheck" not in screen  # not on PyPI
    for user in USERS:
        assert f"<!-- first-ten-minutes: {user} -->" in screen
    assert "pre-commit" in screen and "$schema=https://" in screen


def test_make_setup_says_how_leadcheck_gets_on_the_path() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^setup: ", makefile, re.M)
    assert ". $(VENV)/bin/activate" in makefile


def test_one_coachs_flow() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(re.findall(r"^### A coach's", text, re.M)) == 1


@pytest.mark.parametrize("user", USERS)
def test_each_users_first_commands_work_as_written(
    user: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from leadcheck.cli import app

    clone_in(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEADCHECK_DB", raising=False)

    def leadcheck(args: list[str], stdin: str | None, env: dict[str, str]) -> Run:
        result = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1", **env}).invoke(app, args, input=stdin)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr, result.exception)

    runs = play(readme_flow(user), tmp_path, leadcheck)
    if user == "leader":
        assert (tmp_path / "ana-ruiz.pdf").read_bytes().startswith(b"%PDF-")
        assert "Ana Ruiz" in runs[1].stdout  # the summary
    elif user == "coach":
        assert len(list((tmp_path / "invitations").glob("*.eml"))) == 16  # one per nominated rater
        assert "Status" in runs[-1].stdout
    else:
        assert runs[-1].stdout == "1 file checked: all valid\n"
    assert not os.environ.get("LEADCHECK_DB")
