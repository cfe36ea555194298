"""Shared fixtures: a CLI runner that keeps stdout and stderr apart, and paths."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "tests" / "examples"


@dataclass
class Run:
    """What a command did: exit code, standard output and standard error."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """Run `leadcheck ARGS` in-process, in tmp_path, with a workspace of its own."""
    from leadcheck.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADCHECK_DB", str(tmp_path / "workspace.db"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    runner = CliRunner()

    def run(*args: str | Path | Sequence[str], input: str | None = None) -> Run:
        argv = [str(a) for a in args]
        result = runner.invoke(app, argv, input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr, result.exception)

    return run
