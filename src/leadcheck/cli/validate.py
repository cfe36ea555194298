"""`leadcheck validate` and `leadcheck schema`: instrument checks for editors and CI."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from leadcheck.base import text as txt
from leadcheck.base.errors import INVALID, OK
from leadcheck.cli._common import console, format_option, output_option
from leadcheck.cli._reporters import Format, Report, print_report

if TYPE_CHECKING:
    from leadcheck.instrument.validate import ValidationResult


def _closing(results: Sequence[ValidationResult], strict: bool = False) -> Callable[[], None]:
    """The line after the problems: how many files, errors and warnings, and whether that passes.

    With --strict, warnings fail the check: the line says so, rather than "0 errors" beside a failure.
    """

    def closing() -> None:
        errors = sum(len(r.errors) for r in results)
        warnings = sum(len(r.warnings) for r in results)
        files = len(results)
        bad = sum(1 for r in results if r.problems)
        out = console(soft_wrap=True)
        if strict and warnings and not errors:
            out.print(
                f"{txt.count(files, 'file')} checked: failed with --strict, which counts warnings as "
                f"errors: {txt.count(warnings, 'warning')} in {txt.count(bad, 'file')}",
                markup=False,
            )
        elif errors or warnings:
            out.print(
                f"{txt.count(files, 'file')} checked: {txt.count(errors, 'error')}, "
                f"{txt.count(warnings, 'warning')} in {txt.count(bad, 'file')}",
                markup=False,
            )
        else:
            out.print(f"{txt.count(files, 'file')} checked: all valid", markup=False)

    return closing


def _document(results: Sequence[ValidationResult], strict: bool) -> dict[str, Any]:
    return {
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


def validate(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Instrument files, or folders to search for *.yaml and *.yml.",
            show_default=False,
            metavar="PATH",
        ),
    ],
    format: Annotated[Format, format_option()] = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
) -> None:
    """Check instrument files and report every problem with its line and column.

    Exit codes: 0 all valid, 1 problems found, 2 usage error.
    """
    from leadcheck.instrument.catalog import instrument_sources
    from leadcheck.instrument.validate import validate_file

    files = list(instrument_sources(paths))
    if not files:
        from leadcheck.base.errors import UsageError

        raise UsageError("no *.yaml or *.yml files found in " + ", ".join(str(p) for p in paths))
    results = [validate_file(f, within) for f, within in files]
    problems = [p for r in results for p in r.problems]
    report = Report(
        problems, _document(results, strict), _closing(results, strict), for_editors=True, strict=strict
    )
    print_report(format, report)
    raise typer.Exit(OK if all(r.ok_strict(strict) for r in results) else INVALID)


def schema(
    output: Annotated[Path | None, output_option("Write to FILE instead of standard output.")] = None,
) -> None:
    """Print the JSON Schema of the instrument format (for editors and other tools)."""
    from leadcheck.instrument.spec import to_json_schema

    text = json.dumps(to_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
