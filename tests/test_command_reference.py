"""The README's command reference is the commands' help, and a test fails when the two drift apart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer.main

from leadcheck.cli import app
from leadcheck.cli._reference import END, START, reference

from .conftest import REPO

README = REPO / "README.md"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadcheck.cli._reference", *args], capture_output=True, text=True, cwd=REPO
    )


def test_the_readme_holds_the_reference_as_the_help_texts_write_it() -> None:
    done = run("--check")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == text.count(END) == 1
    assert reference() in text


def test_a_changed_help_text_or_a_hand_edit_fails_the_check_until_written_again(tmp_path: Path) -> None:
    copy = tmp_path / "README.md"
    copy.write_text(
        README.read_text(encoding="utf-8").replace("Fail on warnings too.", "Fail on warnings."),
        encoding="utf-8",
    )
    done = run("--check", str(copy))
    assert done.returncode == 1
    assert done.stderr == (
        f"{copy}: the command reference differs from the help texts; "
        "run `python -m leadcheck.cli._reference` to write it again\n"
    )
    assert "Fail on warnings." in copy.read_text(encoding="utf-8")
    assert run(str(copy)).returncode == 0
    assert copy.read_text(encoding="utf-8") == README.read_text(encoding="utf-8")


def test_every_command_and_option_is_in_the_reference() -> None:
    text = reference()

    def walk(command: object, path: str) -> list[tuple[str, object]]:
        subs = getattr(command, "commands", None)
        if subs is None:
            return [(path, command)]
        return [leaf for name, sub in subs.items() if not sub.hidden for leaf in walk(sub, f"{path} {name}")]

    leaves = walk(typer.main.get_command(app), "leadcheck")
    assert len(leaves) >= 25
    for path, command in leaves:
        assert f"#### `{path} [OPTIONS]" in text, path
        for param in command.params:  # type: ignore[attr-defined]
            if param.param_type_name == "option" and not param.hidden:
                assert max(param.opts, key=len) in text, (path, param.opts)
