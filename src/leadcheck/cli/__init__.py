"""The leadcheck command line: thin commands over the library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadcheck import __version__
from leadcheck.cli import _boundary, _help
from leadcheck.cli import campaign as campaign_cmd
from leadcheck.cli import cohort as cohort_cmd
from leadcheck.cli import collect as collect_cmd
from leadcheck.cli import files as files_cmd
from leadcheck.cli import instruments as instruments_cmd
from leadcheck.cli import norms as norms_cmd
from leadcheck.cli import privacy as privacy_cmd
from leadcheck.cli import report as report_cmd
from leadcheck.cli import summary as summary_cmd
from leadcheck.cli import validate as validate_cmd
from leadcheck.cli import workspace as workspace_cmd

app = typer.Typer(
    name="leadcheck",
    help="360-degree leadership assessments from plain YAML instruments: collect, score, report.",
    no_args_is_help=True,
    # Locals may hold people's answers and comments: never print them in a traceback.
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    # Every command runs inside this group's invoke: errors become one line and an exit code there.
    cls=_boundary.RootGroup,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"leadcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="Workspace file (SQLite). Default: $LEADCHECK_DB, else ./leadcheck.db.",
            metavar="FILE",
            dir_okay=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """360-degree leadership assessments from plain YAML instruments: collect, score, report."""
    ctx.obj = {"db": db}
    _show_notices()


def _show_notices() -> None:
    """Show the core's notices (waiting for another writer) on stderr, once per process."""
    from leadcheck import notices

    if _notice not in notices.listeners:
        notices.listeners.append(_notice)


def _notice(message: str) -> None:
    typer.echo(message, err=True)


app.command("validate", cls=_help.Command)(validate_cmd.validate)
app.command("schema", cls=_help.Command)(validate_cmd.schema)
app.add_typer(instruments_cmd.app, name="instruments")
collect_cmd.register(app)
files_cmd.register(app)
workspace_cmd.register(app)
summary_cmd.register(app)
report_cmd.register(app)
cohort_cmd.register(app)
privacy_cmd.register(app)
campaign_cmd.register(app)
norms_cmd.register(app)


def _stop_cleanly_on_sigterm() -> None:
    """SIGTERM (kill, a CI time-out, systemd) ends the command as Ctrl-C does: open
    transactions roll back, temporary files are removed, exit code 143."""
    import signal
    import sys

    from leadcheck.errors import ExitCode

    def stop(signum: int, frame: object) -> None:
        sys.exit(ExitCode.TERMINATED)

    signal.signal(signal.SIGTERM, stop)


def main() -> None:
    """Entry point of the `leadcheck` console script."""
    _stop_cleanly_on_sigterm()
    app()


validate_app = typer.Typer(
    add_completion=False, pretty_exceptions_show_locals=False, rich_markup_mode=None, cls=_help.Group
)
validate_app.command(cls=_boundary.RootCommand)(validate_cmd.validate)


def validate_main() -> None:
    """Entry point of `leadcheck-validate`, the pre-commit hook."""
    validate_app()
