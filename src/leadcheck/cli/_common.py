"""What every command shares: the workspace option, consoles, and turning errors into exit codes."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from leadcheck.errors import LeadcheckError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DB = "leadcheck.db"


def db_path(ctx: typer.Context) -> Path:
    """The workspace file: --db, else LEADCHECK_DB, else ./leadcheck.db."""
    root = ctx.find_root()
    chosen = (root.obj or {}).get("db") if isinstance(root.obj, dict) else None
    return Path(chosen or os.environ.get("LEADCHECK_DB") or DEFAULT_DB)


def console(stderr: bool = False, soft_wrap: bool = False) -> Any:
    """A rich console: colour only on a terminal, NO_COLOR honoured (rich does both)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=soft_wrap)


def fail(message: str, code: int) -> typer.Exit:
    """Print one error line on stderr and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def handle_errors(func: F) -> F:
    """Report LeadcheckError as one line on stderr with its exit code; never a traceback."""

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

    return wrapper  # type: ignore[return-value]
