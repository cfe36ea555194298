"""How every command's --help reads: upper-case metavars, no Python types, descriptions never cut.

typer's plain help (no rich markup) shows ``PATH <list[Path]>``, ``{leader}``
and ``<int range> [x>=1]``, and its command list cuts descriptions with
"...". These command and group classes format usage, arguments, options and
the command list the way the README's conventions say, for every command.
"""

from __future__ import annotations

import enum
from typing import Any

from typer.core import TyperCommand, TyperGroup

from leadcheck.cli._common import DB_HELP
from leadcheck.cli._examples import examples_of

# typer bundles its own copy of click, whose parameters keep their choices and ranges in
# different places from click's; both are read by attribute, never by class.


def _choices(param: Any) -> tuple[Any, ...]:
    for holder in (getattr(param, "type_descriptor", None), getattr(param, "type", None)):
        found = getattr(holder, "choices", None)
        if found:
            return tuple(found)
    return ()


def _bounds(param: Any) -> tuple[Any, Any]:
    if getattr(param, "count", False):
        return None, None
    for holder in (param, getattr(param, "type", None)):
        low, high = getattr(holder, "min", None), getattr(holder, "max", None)
        if low is not None or high is not None:
            return low, high
    return None, None


def metavar(param: Any) -> str:
    """What a value is called in help: its explicit metavar, a choice list, or its name upper-cased."""
    if param.metavar:
        return str(param.metavar)
    choices = _choices(param)
    if choices:
        return "|".join(str(c.value if isinstance(c, enum.Enum) else c) for c in choices)
    return (param.name or "value").upper().replace("-", "_")


def _usage_piece(argument: Any) -> str:
    name = metavar(argument) + ("..." if argument.nargs != 1 else "")
    return name if argument.required else f"[{name}]"


def _range_words(param: Any) -> str:
    """A number range in words ("1 to 5000", "at least 1"), or ""."""
    low, high = _bounds(param)
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return f"at least {low}"
    return f"at most {high}" if high is not None else ""


def _default_words(option: Any) -> str:
    if not option.show_default or getattr(option, "is_flag", False):
        return ""
    default = option.default
    if default is None or callable(default):
        return ""
    if isinstance(default, enum.Enum):
        default = default.value
    if isinstance(default, (list, tuple)):
        return ", ".join(str(d) for d in default) if default else ""
    return str(default)


def _help_with(text: str, extras: list[str]) -> str:
    extras = [e for e in extras if e]
    return f"{text}  [{'; '.join(extras)}]" if extras else text


def argument_record(argument: Any) -> tuple[str, str]:
    name = metavar(argument) + ("..." if argument.nargs != 1 else "")
    return name, _help_with(getattr(argument, "help", None) or "", ["required" if argument.required else ""])


def option_record(option: Any) -> tuple[str, str] | None:
    if option.hidden:
        return None
    names = sorted(option.opts, key=lambda n: (not n.startswith("-") or n.startswith("--"), n))
    decl = ", ".join(names)
    if option.secondary_opts:
        decl += " / " + ", ".join(option.secondary_opts)
    if not getattr(option, "is_flag", False) and not getattr(option, "count", False):
        decl += " " + metavar(option) + ("..." if option.nargs != 1 else "")
    default = _default_words(option)
    extras = [
        _range_words(option),
        f"default: {default}" if default else "",
        "required" if option.required else "",
    ]
    return decl, _help_with(option.help or "", extras)


def _format_parameters(command: Any, ctx: Any, formatter: Any) -> None:
    arguments: list[tuple[str, str]] = []
    options: list[tuple[str, str]] = []
    for param in command.get_params(ctx):
        if param.param_type_name == "argument":
            arguments.append(argument_record(param))
        elif param.param_type_name == "option" and (record := option_record(param)) is not None:
            options.append(record)
    if ctx.parent is not None and not hasattr(command, "commands"):
        # The root's --db, also taken after the command (see _common.db_first): said where it is used.
        options.insert(-1 if options else 0, ("--db FILE", DB_HELP))
    if arguments:
        with formatter.section("Arguments"):
            formatter.write_dl(arguments)
    if options:
        with formatter.section("Options"):
            formatter.write_dl(options)


def usage_pieces(command: Any, ctx: Any) -> list[str]:
    pieces = [command.options_metavar] if command.options_metavar else []
    pieces += [_usage_piece(p) for p in command.get_params(ctx) if p.param_type_name == "argument"]
    return pieces


def description(command: Any) -> str:
    """A command's one-line description for a command list: its short help, else its help's first paragraph."""
    if command.short_help:
        return str(command.short_help)
    text = (command.help or "").strip()
    return " ".join(text.split("\n\n")[0].split())


def _format_examples(ctx: Any, formatter: Any) -> None:
    """The command's examples (cli._examples), as typed, after everything else."""
    examples = examples_of(ctx.command_path)
    if examples:
        with formatter.section("Examples"):
            for line in examples:  # never wrapped: a command line must stay one line to copy
                formatter.write(f"{'':>{formatter.current_indent}}{line}\n")


class Command(TyperCommand):
    """A leadcheck command: the help conventions of the README's command section."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return usage_pieces(self, ctx)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        _format_parameters(self, ctx, formatter)

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        super().format_epilog(ctx, formatter)
        _format_examples(ctx, formatter)


class Group(TyperGroup):
    """A leadcheck command group: the same conventions, and every description in full."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [*usage_pieces(self, ctx), self.subcommand_metavar]

    def format_options(self, ctx: Any, formatter: Any) -> None:
        _format_parameters(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        super().format_epilog(ctx, formatter)
        _format_examples(ctx, formatter)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows: list[tuple[str, str]] = []
        for name in self.list_commands(ctx):
            command: Any = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, description(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
