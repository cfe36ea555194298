"""What every command shares: the workspace option, consoles, and turning errors into exit codes."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from leadcheck.errors import INVALID, LeadcheckError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DB = "leadcheck.db"


def db_path(ctx: typer.Context) -> Path:
    """The workspace file: --db, else LEADCHECK_DB, else ./leadcheck.db."""
    root = ctx.find_root()
    chosen = (root.obj or {}).get("db") if isinstance(root.obj, dict) else None
    return Path(chosen or os.environ.get("LEADCHECK_DB") or DEFAULT_DB)


def console(stderr: bool = False, soft_wrap: bool = False) -> Any:
    """A rich console: colour only on a terminal, NO_COLOR honoured (rich does both).

    Emoji codes stay off: a name like ":fire:" is data and must print as typed
    (rich replaces them even with markup off). Markup stays on for our own
    strings, so every piece of data printed through it is escaped or a Text.
    """
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=soft_wrap, emoji=False)


def fail(message: str, code: int) -> typer.Exit:
    """Print one error line on stderr and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
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


def _workspace(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Path:
    """The workspace of the command running now (for messages about it): from its context."""
    for value in (*args, *kwargs.values()):
        if callable(getattr(value, "find_root", None)):  # a context (typer bundles its own click)
            return db_path(value)
    return Path(os.environ.get("LEADCHECK_DB") or DEFAULT_DB)


def handle_errors(func: F) -> F:
    """Report LeadcheckError and OS errors as one line on stderr with an exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LeadcheckError as e:
            raise fail(str(e), e.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("\ninterrupted; everything answered so far is saved", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # `leadcheck ... | head`: the reader left; stop quietly.
            sys.stderr.close()
            raise typer.Exit(0) from None
        except OSError as e:
            # A folder that is not there or not writable, a full disk, a file that is a folder:
            # the user's to fix, so one line; the message names the path, never the data.
            _flush_stdout()
            raise fail(os_error_message(e), INVALID) from None
        except Exception as e:
            # An SQLite error past Store.open (a full disk mid-import, a page found damaged
            # late): one line from its result code, never SQLite's message, which may quote data.
            sqlite3 = sys.modules.get("sqlite3")
            if sqlite3 is None or not isinstance(e, sqlite3.Error):
                raise
            from leadcheck.store import database_error

            _flush_stdout()
            raise fail(str(database_error(e, _workspace(args, kwargs))), INVALID) from None

    return wrapper  # type: ignore[return-value]
