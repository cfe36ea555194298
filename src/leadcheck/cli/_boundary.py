"""The command classes that put every command inside the one error boundary (cli._common.error_boundary)."""

from __future__ import annotations

from typing import Any

from leadcheck.cli._common import db_first, db_path, error_boundary
from leadcheck.cli._help import Command, Group


def _quoting_bash() -> None:
    """Make bash completion insert what it completes as one shell word: bash puts a completion in the
    command line as is, so `A<Tab>` gave `Ana Ruiz`, two words. zsh, fish and PowerShell quote it."""
    import shlex

    from typer._click.shell_completion import add_completion_class
    from typer._completion_classes import BashComplete

    class QuotingBashComplete(BashComplete):
        def format_completion(self, item: Any) -> str:
            value = super().format_completion(item)
            # A file path is the user's own typing, left for bash's file completion.
            return shlex.quote(value) if value and item.type == "plain" else value

    add_completion_class(QuotingBashComplete, "bash")


class RootGroup(Group):
    """The `leadcheck` command itself: every subcommand runs inside its invoke, so inside the boundary."""

    def _main_shell_completion(self, *args: Any, **kwargs: Any) -> None:
        _quoting_bash()  # typer registers its own classes when the app is built: ours replaces it after
        super()._main_shell_completion(*args, **kwargs)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, db_first(args))

    def invoke(self, ctx: Any) -> Any:
        with error_boundary(lambda: db_path(ctx)):
            return super().invoke(ctx)


class RootCommand(Command):
    """A console script of one command (`leadcheck-validate`): typer makes it a command, not a group."""

    def invoke(self, ctx: Any) -> Any:
        with error_boundary(lambda: db_path(ctx)):
            return super().invoke(ctx)
