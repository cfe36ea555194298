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

from leadcheck.cli._common import console
from leadcheck.problems import ERROR, shorten

if TYPE_CHECKING:
    from leadcheck.problems import Problem


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


def printable(path: str) -> str:
    """A file name as printed: control characters (a terminal escape in a file name from a pull
    request) shown as \\xNN, never sent to the terminal or the CI log as they are."""
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F else c for c in path)


def _text(report: Report) -> None:
    if report.for_editors:
        from rich.text import Text

        out = console(soft_wrap=True)  # one problem per line, as editors and grep expect
        for p in report.problems:
            style = "red" if p.level == ERROR else "yellow"
            # Text, not markup: paths and messages quote the file ("[/]" as a key, "[red]x.yaml").
            line = Text.assemble(
                (printable(p.path), "bold"),
                f":{p.line}:{p.column}: ",
                (p.level, style),
                f": {p.message} ",
                (f"[{p.code}]", "dim"),
            )
            out.print(line, highlight=False)
    else:
        for p in report.problems:
            typer.echo(str(p), err=True)
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
    for p in report.problems:
        kind = "error" if p.level == ERROR or report.strict else "warning"
        place = f"file={_escape_github(printable(p.path), True)}"
        if p.line:
            place += f",line={p.line}" + (f",col={p.column}" if p.column else "")
        where = f"{p.location.part}: " if p.location.part else ""
        column = f'column "{shorten(p.csv_column)}": ' if p.csv_column else ""
        typer.echo(
            f"::{kind} {place},title={_escape_github(p.code, True)}::{_escape_github(where + column + p.message)}"
        )


REPORTERS: dict[Format, Callable[[Report], None]] = {
    Format.text: _text,
    Format.json: _json,
    Format.github: _github,
}


def print_report(format: Format, report: Report) -> None:
    """Print ``report`` in ``format``."""
    REPORTERS[format](report)
