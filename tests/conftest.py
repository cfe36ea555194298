"""Shared fixtures: CLI runners that keep stdout and stderr apart, a workspace file, and paths."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner, Result

# Property tests explore, but the same examples every run: CI must not fail by chance.
settings.register_profile("leadcheck", derandomize=True, deadline=None)
settings.load_profile("leadcheck")

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "tests" / "examples"
# The small instrument the assess/rate, leaders/status and answering-session tests share.
MINI_360 = EXAMPLES / "valid" / "mini-360.yaml"


def pytest_configure(config: pytest.Config) -> None:
    """Workspace keys (leadcheck.base.keys) go to a folder of the test session's, never to ~/.config.

    Set before any fixture runs, module-scoped ones included, so every workspace
    a test makes finds its key again. Workspaces have their own ids: key files
    never collide in the shared folder.
    """
    os.environ["LEADCHECK_KEY_DIR"] = tempfile.mkdtemp(prefix="leadcheck-keys-")


@pytest.fixture
def _workspace_keys() -> Path:
    """The folder where this test session keeps workspace keys."""
    return Path(os.environ["LEADCHECK_KEY_DIR"])


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


@pytest.fixture
def extra_command() -> Iterator[Callable[[Callable[[], None]], None]]:
    """Add a command `leadcheck extra` running the function given (the latest one), as a new command
    would be added; it is gone again after the test."""
    from leadcheck.cli import app

    before = list(app.registered_commands)

    def add(func: Callable[[], None]) -> None:
        app.registered_commands[:] = before
        app.command("extra")(func)

    yield add
    app.registered_commands[:] = before


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A workspace file in tmp_path (not created until a command or a test opens it)."""
    return tmp_path / "w.db"


@pytest.fixture
def run(db: Path) -> Callable[..., Result]:
    """Invoke `leadcheck --db DB ARGS` on the test workspace, stderr kept apart, wide and without colour."""
    from leadcheck.cli import app

    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "LEADCHECK_DB": None})

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--db", str(db), *args], input=input)

    return invoke


def pdftotext(pdf: bytes | Path) -> str:
    """The text of a PDF as poppler's pdftotext reads it: our reference extractor.

    pdftotext (Debian's poppler-utils, installed by `make system-deps`) reads
    every script WeasyPrint embeds; pure-Python readers garble some CJK fonts.
    """
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")
