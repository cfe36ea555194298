"""The leadcheck command line: thin commands over the library."""

from __future__ import annotations

import errno
import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Annotated, TextIO

import typer

from leadcheck import __version__
from leadcheck.cli import _boundary, _common, _help
from leadcheck.cli import campaign as campaign_cmd
from leadcheck.cli import cohort as cohort_cmd
from leadcheck.cli import collect as collect_cmd
from leadcheck.cli import files as files_cmd
from leadcheck.cli import instruments as instruments_cmd
from leadcheck.cli import norms as norms_cmd
from leadcheck.cli import plan as plan_cmd
from leadcheck.cli import privacy as privacy_cmd
from leadcheck.cli import report as report_cmd
from leadcheck.cli import summary as summary_cmd
from leadcheck.cli import validate as validate_cmd
from leadcheck.cli import workspace as workspace_cmd
from leadcheck.cli._common import CONTEXT_SETTINGS, DB_HELP, db_first


def _new_app() -> typer.Typer:
    """The `leadcheck` group with its root options, and no commands yet."""
    root = typer.Typer(
        name="leadcheck",
        help="360-degree leadership assessments from plain YAML instruments: collect, score, report.",
        no_args_is_help=True,
        # Locals may hold people's answers and comments: never print them in a traceback.
        pretty_exceptions_show_locals=False,
        rich_markup_mode=None,
        # Every command runs inside this group's invoke: errors become one line and an exit code there.
        cls=_boundary.RootGroup,
        context_settings=CONTEXT_SETTINGS,
    )
    root.callback()(_root)
    return root


def _version(value: bool) -> None:
    if value:
        typer.echo(f"leadcheck {__version__}")
        raise typer.Exit()


def _root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help=DB_HELP,
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
    from leadcheck.base import notices

    if _notice not in notices.listeners:
        notices.listeners.append(_notice)


def _notice(message: str) -> None:
    typer.echo(_common.printable(message), err=True)


def _warn(text: str) -> None:
    import contextlib
    import sys

    # stderr closed, or unable to show it: say nothing rather than fail over a warning.
    with contextlib.suppress(OSError, ValueError, UnicodeError, AttributeError):
        sys.stderr.write(f"warning: {_common.printable(text, one_line=True)}\n")


def _escape_library_warnings() -> None:
    """Warnings and log records from libraries (pypdf on a returned form) quote the file's text:
    printed escaped, one line each, instead of by Python's default handlers."""
    import logging
    import warnings

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        _warn(f"{category.__name__}: {message}")

    class Escaped(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            _warn(record.getMessage())

    warnings.showwarning = show
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(Escaped(logging.WARNING))


def _validate_and_schema(root: typer.Typer) -> None:
    root.command("validate", cls=_help.Command)(validate_cmd.validate)
    root.command("schema", cls=_help.Command)(validate_cmd.schema)


def _instruments(root: typer.Typer) -> None:
    root.add_typer(instruments_cmd.app, name="instruments")


# Each command's module registers it (with its neighbours), in the order `leadcheck --help` lists them.
REGISTRARS: dict[str, Callable[[typer.Typer], None]] = {
    "validate": _validate_and_schema,
    "schema": _validate_and_schema,
    "instruments": _instruments,
    "assess": collect_cmd.register,
    "rate": collect_cmd.register,
    "form": files_cmd.register,
    "import": files_cmd.register,
    "export": files_cmd.register,
    "leaders": workspace_cmd.register,
    "status": workspace_cmd.register,
    "summary": summary_cmd.register,
    "report": report_cmd.register,
    "plan": plan_cmd.register,
    "cohort": cohort_cmd.register,
    "demo": cohort_cmd.register,
    "audit": privacy_cmd.register,
    "purge": privacy_cmd.register,
    "key": privacy_cmd.register,
    "raters": campaign_cmd.register,
    "invite": campaign_cmd.register,
    "remind": campaign_cmd.register,
    "pulse": campaign_cmd.register,
    "norms": norms_cmd.register,
}


def build(commands: Iterable[str] | None = None) -> typer.Typer:
    """The `leadcheck` app with every command, or only the modules of ``commands``."""
    root = _new_app()
    wanted = REGISTRARS if commands is None else {c: REGISTRARS[c] for c in commands}
    for register in dict.fromkeys(wanted.values()):
        register(root)
    return root


app = build()


def command_named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs, when it is certain from the words alone: past `--db FILE` only."""
    rest = db_first(list(argv))
    while rest and rest[0].startswith("--db"):
        rest = rest[1:] if "=" in rest[0] else rest[2:]
    if not rest or rest[0] not in REGISTRARS:
        return None  # no command, a root option (--help, --version, completion) or a typo: the whole app
    return rest[0]


def _stop_cleanly_on_sigterm() -> None:
    """SIGTERM (kill, a CI time-out, systemd) ends the command as Ctrl-C does: open
    transactions roll back, temporary files are removed, exit code 143."""
    import signal
    import sys

    from leadcheck.base.errors import ExitCode

    def stop(signum: int, frame: object) -> None:
        sys.exit(ExitCode.TERMINATED)

    signal.signal(signal.SIGTERM, stop)


class _ClosedOutput(io.TextIOBase):
    """Standard output when the shell closed it (``>&-``): writing fails with one clear error."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(
            errno.EBADF, "standard output is closed; redirect it to a file (> FILE), or give -o FILE"
        )

    def flush(self) -> None:
        pass


def _standard_streams() -> None:
    """Closed or odd standard streams (``>&-``, ``<&-``, an ASCII-only terminal) never cause a traceback.

    A closed descriptor is held by /dev/null, so no file opened later (the workspace) takes its
    number; closed stdout fails on the first write (_ClosedOutput), closed stdin stays None (commands
    that read it say so), closed stderr drops messages. Text an encoding cannot show is escaped.
    """
    import os
    import sys

    closed = set()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            closed.add(fd)
    if 1 in closed or sys.stdout is None:
        sys.stdout = _ClosedOutput()
    if 2 in closed or sys.stderr is None:
        sys.stderr = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115 (for the whole process)
    if 0 in closed:
        sys.stdin = None
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.encoding.lower().replace("-", "") != "utf8":
            stream.reconfigure(errors="backslashreplace")


def _utf8_arguments() -> None:
    """Arguments as UTF-8 text even in the C locale, where Python keeps their non-ASCII bytes as
    surrogates (``Jörg`` would fail at the first write); bytes that are not UTF-8 are one clear error."""
    import os
    import sys

    from leadcheck.base.errors import ExitCode

    for i, arg in enumerate(sys.argv):
        if any("\udc80" <= ch <= "\udcff" for ch in arg):
            try:
                sys.argv[i] = os.fsencode(arg).decode("utf-8")
            except UnicodeDecodeError:
                raise _common.fail(
                    f"argument {i} is not UTF-8 text; give names and paths in UTF-8", ExitCode.USAGE
                ) from None


def main() -> None:
    """Entry point of the `leadcheck` console script.

    Typer turns every registered command into a click command on each run (reading
    each function's signature and types): about 0.07 s for all of them. When the
    command line names its command, only that command's module is built; anything
    else (help, completion, a misspelt command) gets the whole app.
    """
    import os
    import sys

    _standard_streams()
    _utf8_arguments()
    _stop_cleanly_on_sigterm()
    _escape_library_warnings()
    name = None if os.environ.get("_LEADCHECK_COMPLETE") else command_named(sys.argv[1:])
    (build([name]) if name is not None else app)()


validate_app = typer.Typer(
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    cls=_help.Group,
    context_settings=CONTEXT_SETTINGS,
)
validate_app.command(cls=_boundary.RootCommand)(validate_cmd.validate)


def validate_main() -> None:
    """Entry point of `leadcheck-validate`, the pre-commit hook."""
    validate_app()
