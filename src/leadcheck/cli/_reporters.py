"""How a command prints its problems and its result, by --format: text, json or GitHub annotations.

`validate` and `import` both print through here: one Problem type, one set of
reporters, chosen from a small registry (REPORTERS).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from leadcheck.base.problems import ERROR, capped, shorten
from leadcheck.cli._common import console, printable

if TYPE_CHECKING:
    from leadcheck.base.problems import Problem


class Format(str, enum.Enum):
    """``--format`` of the commands that report problems."""

    text = "text"
    json = "json"
    github = "github"


FORMAT_HELP = "Output format: text, json, or GitHub annotations."


def _nothing() -> None:
    pass


@dataclass(frozen=True)
class Report:
    """What a command reports: its problems, and its result for tools (``document``) and people (``closing``).

    ``document`` is printed as it is by the json reporter, so the command puts
    the problems (``Problem.as_dict``) where its JSON keeps them.
    ``for_editors``: text lines as editors and grep read them (level and code
    always said, on standard output), else as sentences on standard error.
    ``strict``: a GitHub annotation of a warning is an error too.
    """

    problems: Sequence[Problem]
    document: Mapping[str, Any]
    closing: Callable[[], None] = _nothing
    for_editors: bool = False
    strict: bool = False


def _text(report: Report) -> None:
    shown, rest = capped(report.problems)
    if report.for_editors:
        from rich.text import Text

        out = console(soft_wrap=True)  # one problem per line, as editors and grep expect
        for p in shown:
            style = "red" if p.level == ERROR else "yellow"
            # Text, not markup: paths and messages quote the file ("[/]" as a key, "[red]x.yaml").
            line = Text.assemble(
                (printable(p.path, one_line=True), "bold"),
                f":{p.line}:{p.column}: ",
                (p.level, style),
                f": {printable(p.message, one_line=True)} ",
                (f"[{p.code}]", "dim"),
            )
            out.print(line, highlight=False)
        if rest is not None:
            out.print(rest, markup=False, highlight=False)
    else:
        for p in shown:
            typer.echo(printable(str(p), one_line=True), err=True)
        if rest is not None:
            typer.echo(rest, err=True)
    report.closing()


def _json(report: Report) -> None:
    typer.echo(json.dumps(report.document, indent=2, ensure_ascii=False))


def _escape_github(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github(report: Report) -> None:
    """One workflow command per problem; one about a whole file names no line (GitHub marks the file)."""
    shown, rest = capped(report.problems)
    for p in shown:
        kind = "error" if p.level == ERROR or report.strict else "warning"
        place = f"file={_escape_github(printable(p.path, one_line=True), True)}"
        if p.line:
            place += f",line={p.line}" + (f",col={p.column}" if p.column else "")
        where = f"{p.location.part}: " if p.location.part else ""
        column = f'column "{shorten(p.csv_column)}": ' if p.csv_column else ""
        text = printable(where + column + p.message, one_line=True)
        typer.echo(f"::{kind} {place},title={_escape_github(p.code, True)}::{_escape_github(text)}")
    if rest is not None:
        typer.echo(f"::notice::{rest}")


REPORTERS: dict[Format, Callable[[Report], None]] = {
    Format.text: _text,
    Format.json: _json,
    Format.github: _github,
}


def print_report(format: Format, report: Report) -> None:
    """Print ``report`` in ``format``."""
    REPORTERS[format](report)
