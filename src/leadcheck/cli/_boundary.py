"""The command classes that put every command inside the one error boundary (cli._common.error_boundary)."""

from __future__ import annotations

from typing import Any

from leadcheck.cli._common import db_path, error_boundary
from leadcheck.cli._help import Command, Group


class RootGroup(Group):
    """The `leadcheck` command itself: every subcommand runs inside its invoke, so inside the boundary."""

    def invoke(self, ctx: Any) -> Any:
        with error_boundary(lambda: db_path(ctx)):
            return super().invoke(ctx)


class RootCommand(Command):
    """A console script of one command (`leadcheck-validate`): typer makes it a command, not a group."""

    def invoke(self, ctx: Any) -> Any:
        with error_boundary(lambda: db_path(ctx)):
            return super().invoke(ctx)
