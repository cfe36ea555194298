"""What every command shares: the workspace option, consoles, and turning errors into exit codes."""

from __future__ import annotations

import contextlib
import enum
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from leadcheck.base.errors import ExitCode, LeadcheckError

DEFAULT_DB = "leadcheck.db"


class TextOrJson(str, enum.Enum):
    """``--format`` of the commands whose output is a table for people or JSON for tools."""

    text = "text"
    json = "json"


FORMAT_HELP = "text for people (colour only on a terminal), or json for tools."
# `--json`, the spelling before --format, kept hidden for scripts that use it.
JSON_ALIAS_HELP = "Same as --format json."


def wants_json(format: TextOrJson, as_json: bool) -> bool:
    """Whether a command prints JSON: ``--format json``, or the older ``--json``."""
    return as_json or format is TextOrJson.json


DB_HELP = "Workspace file (SQLite). Default: $LEADCHECK_DB, else ./leadcheck.db."
# Help on every screen: -h as well as --help (click passes it down to every command).
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


def db_first(args: list[str]) -> list[str]:
    """The words of a command line with `--db FILE` (or `--db=FILE`) moved to the front, from
    wherever it was typed (`leadcheck status --db x.db`): the root declares --db once, and
    every command takes it. Words after `--` are left alone."""
    out: list[str] = []
    moved: list[str] = []
    rest = list(args)
    while rest:
        word = rest.pop(0)
        if word == "--":
            out += [word, *rest]
            break
        if word == "--db" and rest:
            moved += [word, rest.pop(0)]
        elif word.startswith("--db="):
            moved.append(word)
        else:
            out.append(word)
    return moved + out


def db_path(ctx: typer.Context) -> Path:
    """The workspace file: --db, else LEADCHECK_DB, else ./leadcheck.db."""
    root = ctx.find_root()
    chosen = (root.obj or {}).get("db") if isinstance(root.obj, dict) else None
    return Path(chosen or os.environ.get("LEADCHECK_DB") or DEFAULT_DB)


# -- shell completion (leadcheck --install-completion) -------------------------------------------


def _completion_workspace(ctx: typer.Context) -> Path:
    """The workspace a completion reads: --db as typed so far (the root callback has not run), else the default."""
    chosen = ctx.find_root().params.get("db")
    return Path(chosen or os.environ.get("LEADCHECK_DB") or DEFAULT_DB)


def _matching(names: list[str], incomplete: str) -> list[str]:
    return [n for n in names if n.startswith(incomplete)]


def complete_leader(ctx: typer.Context, incomplete: str) -> list[str]:
    """Leader names of the workspace that start with what was typed."""
    return _matching(_stored_names(ctx, "leaders"), incomplete)


def complete_cohort(ctx: typer.Context, incomplete: str) -> list[str]:
    """Cohort names of the workspace that start with what was typed."""
    return _matching(_stored_names(ctx, "cohorts"), incomplete)


def complete_instrument(incomplete: str) -> list[str]:
    """Shipped instrument ids that start with what was typed (the shell completes file paths too)."""
    from leadcheck.instrument.catalog import builtin_ids

    return _matching(list(builtin_ids()), incomplete)


# -- options and arguments several commands share ------------------------------------------------
# Each is declared here once (tests/test_cli_conventions.py checks that no command declares one of
# its own), so names, short forms, metavars and completion never drift apart. Where commands do
# different things with an option, its factory takes the help that says what; where they do the
# same, they share one alias.

LeaderArg = Annotated[
    str,
    typer.Argument(
        help="The leader's name, as in `leadcheck leaders`.",
        metavar="LEADER",
        autocompletion=complete_leader,
    ),
]


def cohort_option(help: str) -> Any:
    """``--cohort NAME``, completed from the workspace's cohorts."""
    return typer.Option(
        "--cohort", help=help, metavar="NAME", show_default=False, autocompletion=complete_cohort
    )


CohortOpt = Annotated[str | None, cohort_option("Only the leaders of this cohort.")]
IntoCohortOpt = Annotated[str | None, cohort_option("Put the leaders in this cohort.")]


def instrument_option(help: str) -> Any:
    """``--instrument ID|PATH`` (``-i``): a shipped instrument id, completed, or a YAML file."""
    return typer.Option(
        "--instrument",
        "-i",
        help=help,
        metavar="ID|PATH",
        autocompletion=complete_instrument,
        show_default=False,
    )


def assessment_option(help: str) -> Any:
    """``--instrument ID`` (``-i``): which of a leader's assessments, by the id of its instrument."""
    return typer.Option("--instrument", "-i", help=help, metavar="ID", show_default=False)


AssessmentInstrumentOpt = Annotated[
    str | None,
    assessment_option(
        "The leader's assessment on this instrument id, when they have several. Default: the newest."
    ),
]


def group_option(help: str) -> Any:
    """``--as GROUP``: a rater group, by id or label."""
    return typer.Option("--as", help=help, metavar="GROUP", show_default=False)


def output_option(help: str, folder: bool = False) -> Any:
    """``--output`` (``-o``): the FILE, or with ``folder`` the DIR, a command writes."""
    if folder:
        return typer.Option("--output", "-o", help=help, metavar="DIR", file_okay=False)
    return typer.Option("--output", "-o", help=help, metavar="FILE", dir_okay=False)


def format_option(help: str = "", metavar: str | None = None) -> Any:
    """``--format`` (``-f``); the choices come from the parameter's enum, or a registry's keys
    named in ``help`` (with a ``metavar``)."""
    return typer.Option("--format", "-f", help=help or FORMAT_HELP, metavar=metavar)


FormatOpt = Annotated[TextOrJson, format_option()]
JsonAliasOpt = Annotated[bool, typer.Option("--json", hidden=True, help=JSON_ALIAS_HELP)]


def new_option(help: str) -> Any:
    """``--new``: start afresh (a new assessment, a new pulse) instead of going on with the current one."""
    return typer.Option("--new", help=help)


def pulse_option(help: str) -> Any:
    """``--pulse``: the same work for the leader's pulse (the plan's follow-up) instead of their round."""
    return typer.Option("--pulse", help=help)


def force_option(help: str) -> Any:
    """``--force``: do what the command would otherwise refuse or skip."""
    return typer.Option("--force", help=help)


def dry_run_option(help: str) -> Any:
    """``--dry-run``: check and say what would be done; write nothing."""
    return typer.Option("--dry-run", help=help)


TemplateDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--template-dir",
        help="A folder whose templates or report.css override the defaults by name.",
        metavar="DIR",
        file_okay=False,
        exists=True,
    ),
]
NormsOpt = Annotated[
    Path | None,
    typer.Option(
        "--norms",
        help="A norms file (`leadcheck norms build`): show each competency as a percentile against it.",
        metavar="FILE",
        dir_okay=False,
        exists=True,
    ),
]
DraftOpt = Annotated[
    bool,
    typer.Option(
        "--draft",
        help="A coach's preview: DRAFT on every page. Recorded in the release ledger like any report, "
        "so the final report shows no more than the draft did.",
    ),
]
JOBS_HELP = "Render processes (default: the number of cores)."
JobsOpt = Annotated[int | None, typer.Option("--jobs", "-j", min=1, help=JOBS_HELP, metavar="N")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]


def _stored_names(ctx: typer.Context, kind: str) -> list[str]:
    """Leader or cohort names, read from the workspace opened read-only: completing never writes or migrates."""
    path = _completion_workspace(ctx)
    if not path.is_file():
        return []
    from leadcheck.store import Store

    store = Store.peek(path)
    if store is None:
        return []
    try:
        return [p.name for p in store.leaders.every()] if kind == "leaders" else list(store.leaders.cohorts())
    except Exception:  # a completion offers nothing rather than print a traceback into the shell
        return []
    finally:
        store.close()


def console(stderr: bool = False, soft_wrap: bool = False) -> Any:
    """A rich console: colour only on a terminal, NO_COLOR honoured (rich does both).

    Emoji codes stay off: a name like ":fire:" is data and must print as typed
    (rich replaces them even with markup off). Markup stays on for our own
    strings, so every piece of data printed through it is escaped or a Text.
    """
    return _console_class()(stderr=stderr, highlight=False, soft_wrap=soft_wrap, emoji=False)


@functools.cache
def _console_class() -> Any:
    """rich's Console, with every plain string it prints escaped (``printable``): messages made with
    f-strings hold names from the workspace and files. A ``Text`` is built from ``printable`` text."""
    from rich.console import Console

    class EscapingConsole(Console):
        def render_str(self, text: str, **kwargs: Any) -> Any:
            return super().render_str(printable(text), **kwargs)

    return EscapingConsole


@contextlib.contextmanager
def progress(label: str, total: int) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr while a long command works through ``total`` things; on a terminal
    only (a pipe or a log gets the command's usual output and nothing else). Yields: advance by one."""
    err = console(stderr=True)
    if not err.is_terminal or total < 1:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = bar.add_task(label, total=total)
    with bar:
        yield lambda: bar.advance(task)


@contextlib.contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner with ``message`` on stderr while one long step runs (a PDF rendering); terminal only."""
    err = console(stderr=True)
    if not err.is_terminal:
        yield
        return
    with err.status(message):
        yield


def key_notice(store: Any) -> None:
    """Warn, once per command, when the workspace's key file was missing and a new key was made."""
    if store.raters.key_replaced:
        from leadcheck.base.keys import key_path

        typer.echo(
            f"warning: the key of this workspace was not found at {key_path(store.workspace_id)}; a new one "
            "was made. Answers are safe, but raters who answered before will not be recognised if they "
            "answer again (copy the old key file there to undo).",
            err=True,
        )
        store.raters.key_replaced = False


# Joiners shape Arabic, Persian and Indic text: printed as they are.
_JOINERS = "\u200c\u200d"


def printable(text: str, one_line: bool = False) -> str:
    """``text`` (from a file, a library or the workspace) as it may reach a terminal: control
    characters (terminal escapes, a bell, a carriage return), bidi overrides and isolates and other
    invisible formatting shown as ``\\xNN`` or ``\\uXXXX``; line breaks kept unless ``one_line``.

    Every text the CLI prints that it did not write itself goes through here.
    """
    import unicodedata

    def shown(ch: str) -> str:
        if ch == "\n" and not one_line:
            return ch
        category = unicodedata.category(ch)
        if category == "Cc" and ch != "\t":
            return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
        if (category == "Cf" and ch not in _JOINERS) or category in ("Zl", "Zp"):
            return f"\\u{ord(ch):04x}"
        return ch

    if text.isascii() and text.isprintable():
        return text
    return "".join(map(shown, text))


def fail(message: str, code: int) -> typer.Exit:
    """Print one error line on stderr and return the exit to raise."""
    typer.echo(f"error: {printable(message)}", err=True)
    return typer.Exit(code)


def os_error_message(e: OSError) -> str:
    """``PATH: reason`` for an OS error, from its file name and strerror only (never data)."""
    reason = e.strerror or type(e).__name__
    return f"{e.filename}: {reason}" if e.filename is not None else reason


def _flush_stdout() -> None:
    """Flush stdout; if that fails too (``> /dev/full``), point it at /dev/null.

    Otherwise the interpreter's last flush at exit fails again and prints a
    second error after ours.
    """
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):  # not a real file (a test runner's buffer)
            pass


@contextlib.contextmanager
def error_boundary(workspace: Callable[[], Path]) -> Iterator[None]:
    """Report LeadcheckError and OS errors as one line on stderr with an exit code; never a traceback.

    The one place errors become exit codes: the root command runs every
    command inside it (see leadcheck.cli._boundary), so no command can forget
    it. ``workspace`` names the workspace file for an SQLite error's message.
    """
    try:
        yield
    except LeadcheckError as e:
        raise fail(str(e), e.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("\ninterrupted; everything answered so far is saved", err=True)
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except BrokenPipeError:
        # `leadcheck ... | head`: the reader left; stop quietly.
        sys.stderr.close()
        raise typer.Exit(ExitCode.OK) from None
    except OSError as e:
        # A folder that is not there or not writable, a full disk, a file that is a folder:
        # the user's to fix, so one line; the message names the path, never the data.
        _flush_stdout()
        raise fail(os_error_message(e), ExitCode.INVALID) from None
    except Exception as e:
        # An SQLite error past Store.open (a full disk mid-import, a page found damaged
        # late): one line from its result code, never SQLite's message, which may quote data.
        sqlite3 = sys.modules.get("sqlite3")
        if sqlite3 is None or not isinstance(e, sqlite3.Error):
            raise
        from leadcheck.store import database_error

        _flush_stdout()
        raise fail(str(database_error(e, workspace())), ExitCode.INVALID) from None
