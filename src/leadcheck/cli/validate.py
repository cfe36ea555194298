"""`leadcheck validate` and `leadcheck schema`: instrument checks for editors and CI."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadcheck import text as txt
from leadcheck.cli._common import console, handle_errors
from leadcheck.errors import INVALID, OK

if TYPE_CHECKING:
    from leadcheck.instrument.validate import ValidationResult


class Format(str, enum.Enum):
    text = "text"
    json = "json"
    github = "github"


def _printable(path: str) -> str:
    """A file name as printed: control characters (a terminal escape in a file name from a pull
    request) shown as \\xNN, never sent to the terminal or the CI log as they are."""
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F else c for c in path)


def _text(results: Sequence[ValidationResult], strict: bool) -> None:
    from rich.text import Text

    out = console(soft_wrap=True)  # one problem per line, as editors and grep expect
    for result in results:
        for p in result.problems:
            style = "red" if p.level == "error" else "yellow"
            # Text, not markup: paths and messages quote the file ("[/]" as a key, "[red]x.yaml").
            line = Text.assemble(
                (_printable(p.path), "bold"),
                f":{p.line}:{p.column}: ",
                (p.level, style),
                f": {p.message} ",
                (f"[{p.code}]", "dim"),
            )
            out.print(line, highlight=False)
    errors = sum(len(r.errors) for r in results)
    warnings = sum(len(r.warnings) for r in results)
    files = len(results)
    bad = sum(1 for r in results if r.problems)
    if errors or warnings:
        out.print(
            f"{txt.count(files, 'file')} checked: {txt.count(errors, 'error')}, "
            f"{txt.count(warnings, 'warning')} in {txt.count(bad, 'file')}",
            markup=False,
        )
    else:
        out.print(f"{txt.count(files, 'file')} checked: all valid", markup=False)


def _json(results: Sequence[ValidationResult], strict: bool) -> None:
    doc = {
        "ok": all(r.ok_strict(strict) for r in results),
        "files": [
            {
                "path": r.path,
                "ok": r.ok_strict(strict),
                "instrument": r.instrument.id if r.instrument else None,
                "problems": [p.as_dict() for p in r.problems],
            }
            for r in results
        ],
    }
    typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))


def _escape_github(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github(results: Sequence[ValidationResult], strict: bool) -> None:
    for result in results:
        for p in result.problems:
            kind = "error" if p.level == "error" or strict else "warning"
            typer.echo(
                f"::{kind} file={_escape_github(_printable(p.path), True)},line={p.line},col={p.column},"
                f"title={_escape_github(p.code, True)}::{_escape_github(p.message)}"
            )


REPORTERS: dict[Format, Callable[[Sequence[ValidationResult], bool], None]] = {
    Format.text: _text,
    Format.json: _json,
    Format.github: _github,
}


@handle_errors
def validate(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Instrument files, or folders to search for *.yaml and *.yml.",
            show_default=False,
            metavar="PATH",
        ),
    ],
    format: Annotated[
        Format, typer.Option("--format", "-f", help="Output format: text, json, or GitHub annotations.")
    ] = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
) -> None:
    """Check instrument files and report every problem with its line and column.

    Exit codes: 0 all valid, 1 problems found, 2 usage error.
    """
    from leadcheck.instrument.catalog import instrument_sources
    from leadcheck.instrument.validate import validate_file

    files = list(instrument_sources(paths))
    if not files:
        from leadcheck.errors import UsageError

        raise UsageError("no *.yaml or *.yml files found in " + ", ".join(str(p) for p in paths))
    results = [validate_file(f, within) for f, within in files]
    REPORTERS[format](results, strict)
    raise typer.Exit(OK if all(r.ok_strict(strict) for r in results) else INVALID)


@handle_errors
def schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to FILE instead of standard output.", metavar="FILE", dir_okay=False
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of the instrument format (for editors and other tools)."""
    from leadcheck.instrument.spec import to_json_schema

    text = json.dumps(to_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
