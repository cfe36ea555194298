"""The README's command reference, written from the commands' own help texts.

    python -m leadcheck.cli._reference            # rewrite the reference in README.md
    python -m leadcheck.cli._reference --check    # exit 1 when README.md and the help differ

Every command's usage line, one-line description and options come from the same
declarations its ``--help`` prints (``cli/_help.py``), so the two cannot drift:
``tests/test_command_reference.py`` runs the check with the test suite.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main

from leadcheck.cli import app
from leadcheck.cli._common import DB_HELP
from leadcheck.cli._help import argument_record, description, option_record, usage_pieces

START = (
    "<!-- command reference: written by `python -m leadcheck.cli._reference`; edit the help texts instead -->"
)
END = "<!-- end of the command reference -->"
README = Path(__file__).resolve().parents[3] / "README.md"


def _leaves(command: Any, ctx: Any) -> Iterator[tuple[Any, Any]]:
    """Every command that runs (not a group), with its context, in the order `--help` lists them."""
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        yield command, ctx
        return
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is not None and not sub.hidden:
            yield from _leaves(sub, sub.context_class(sub, info_name=name, parent=ctx))


def _entry(command: Any, ctx: Any) -> list[str]:
    usage = " ".join([ctx.command_path, *usage_pieces(command, ctx)])
    records = [argument_record(p) for p in command.get_params(ctx) if p.param_type_name == "argument"]
    records += [
        record
        for p in command.get_params(ctx)
        if p.param_type_name == "option" and (record := option_record(p)) is not None
    ]
    records = [(name, text) for name, text in records if "--help" not in name.split(", ")]
    records.append(("--db FILE", DB_HELP))  # the root's, taken after the command too
    lines = [f"#### `{usage}`", "", _markdown(description(command)), ""]
    lines += [f"- `{name}`: {_markdown(' '.join(text.split()))}" for name, text in records]
    return [*lines, ""]


_SPECIAL = str.maketrans({c: "\\" + c for c in "\\*<>"})


def _markdown(text: str) -> str:
    """Help text as Markdown prints it: characters Markdown would read as markup escaped,
    except inside `code` spans, which the help texts already write as Markdown does."""
    parts = text.split("`")
    return "`".join(part if i % 2 else part.translate(_SPECIAL) for i, part in enumerate(parts))


def reference() -> str:
    """The reference as Markdown: one entry per command, its usage, what it does and every option
    (the rest of its description and its examples are in its ``-h``)."""
    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="leadcheck")
    lines = [START, ""]
    for command, sub_ctx in _leaves(root, ctx):
        lines += _entry(command, sub_ctx)
    return "\n".join([*lines, END])


def with_reference(readme: str, text: str) -> str:
    """``readme`` with the part between the markers replaced by ``text`` (markers included)."""
    start, end = readme.find(START), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no command reference between {START!r} and {END!r}")
    return readme[:start] + text + readme[end + len(END) :]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m leadcheck.cli._reference", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when the README differs")
    parser.add_argument("readme", nargs="?", type=Path, default=README)
    args = parser.parse_args(argv)
    current = args.readme.read_text(encoding="utf-8")
    wanted = with_reference(current, reference())
    if current == wanted:
        return 0
    if args.check:
        print(
            f"{args.readme}: the command reference differs from the help texts; "
            "run `python -m leadcheck.cli._reference` to write it again",
            file=sys.stderr,
        )
        return 1
    args.readme.write_text(wanted, encoding="utf-8")
    print(f"{args.readme}: command reference written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
