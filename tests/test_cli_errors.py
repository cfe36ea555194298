"""The one error boundary: every command, a new one too, reports errors as one line and an exit code."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from leadcheck.base.errors import (
    ExitCode,
    LeadcheckError,
    NotFoundError,
    OutputError,
    SchedulerError,
    UsageError,
)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (NotFoundError('no leader named "Ana"; see `leadcheck leaders`'), ExitCode.INVALID),
        (UsageError("give either --leader or --leader-column, not both"), ExitCode.USAGE),
        (SchedulerError("tcp://10.0.0.5:8786: no scheduler answered"), ExitCode.INVALID),
        (OutputError("out.json: is a folder; name a file to write"), ExitCode.INVALID),
    ],
)
def test_a_new_command_that_raises_shows_one_line_and_its_exit_code(
    cli: Callable[..., object],
    extra_command: Callable[[Callable[[], None]], None],
    error: LeadcheckError,
    code: int,
) -> None:
    """A command added without any error handling of its own: the root command reports for it."""

    def extra() -> None:
        raise error

    extra_command(extra)
    run = cli("extra")
    assert (run.exit_code, run.stdout, run.stderr) == (code, "", f"error: {error}\n")  # type: ignore[attr-defined]


def test_ctrl_c_in_a_new_command_exits_130(
    cli: Callable[..., object], extra_command: Callable[[Callable[[], None]], None]
) -> None:
    def extra() -> None:
        raise KeyboardInterrupt

    extra_command(extra)
    run = cli("extra")
    assert run.exit_code == ExitCode.INTERRUPTED == 130  # type: ignore[attr-defined]
    assert run.stderr == "\ninterrupted; everything answered so far is saved\n"  # type: ignore[attr-defined]


def test_leadcheck_validate_has_the_boundary_too(tmp_path: Path) -> None:
    """`leadcheck-validate` is a console script of one command, not a group: it gets the boundary as well."""
    from typer.testing import CliRunner

    from leadcheck.cli import validate_app

    run = CliRunner().invoke(validate_app, [str(tmp_path)])
    assert (run.exit_code, run.stderr) == (
        ExitCode.USAGE,
        f"error: no *.yaml or *.yml files found in {tmp_path}\n",
    )


def test_a_bug_shows_a_traceback_without_locals(tmp_path: Path) -> None:
    """Anything but a LeadcheckError is a bug: a traceback, but never the values of local variables
    (they may hold people's answers)."""
    script = tmp_path / "bug.py"
    script.write_text(
        textwrap.dedent(
            """
            from leadcheck.cli import app, main

            @app.command("extra")
            def extra() -> None:
                answer = "ANSWER-OF-A-RATER"
                raise RuntimeError("a bug: " + str(len(answer)))

            main()
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script), "--db", str(tmp_path / "w.db"), "extra"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "120", "HOME": str(tmp_path)},
    )
    assert done.returncode == ExitCode.INVALID
    assert "Traceback" in done.stderr
    assert "RuntimeError: a bug: 17" in done.stderr
    assert "ANSWER-OF-A-RATER" not in done.stderr.replace('answer = "ANSWER-OF-A-RATER"', "")
