"""The kinds of file leadcheck reads itself, registered with ``readers``: response files, JSON
(a leadcheck export, or a response file by its content) and tables (a CSV export or a survey's)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from leadcheck.base.errors import InstrumentError
from leadcheck.importing import csvfile, layouts
from leadcheck.importing.export import ExportReader, is_json, read_export_csv, read_export_json
from leadcheck.importing.readers import FileKind, FileRead, Read, ReadContext, register
from leadcheck.importing.responsefile import read_response_file
from leadcheck.importing.tables import SurveyReader
from leadcheck.instrument.catalog import YAML_SUFFIXES


def _response(path: Path, context: ReadContext) -> FileRead:
    parsed = read_response_file(path, context.source, context.options, context.instruments, context.problems)
    return FileRead("response", [parsed] if parsed is not None else [])


def _json(path: Path, context: ReadContext) -> FileRead:
    data = csvfile.read_bytes(path, context.problems)
    if data is None:
        return FileRead(context.options.layout, [])
    if b'"leadcheck_response"' in data[:4096] or context.options.layout == "response":
        return _response(path, context)
    reader = ExportReader(context.source, context.instruments, context.problems, context.known)
    return FileRead("export", read_export_json(data, reader), reader)


def _table(path: Path, context: ReadContext) -> FileRead:
    problems = context.problems
    table = csvfile.read_table(path, problems)  # a UTF-8 file is read from disk, never held whole
    layout = context.options.layout
    if table is None:
        return FileRead(layout, [])
    if layout == "auto":
        layout = layouts.detect(table.head)
    if layout == "export":
        reader = ExportReader(context.source, context.instruments, problems, context.known)
        return FileRead(layout, read_export_csv(table, reader), reader)
    if layouts.header_holds_answers(layout, table.head):
        # Per-column messages would quote answers as if they were titles: one problem instead.
        problems.error(
            f"does not look like a {layouts.SPECS[layout].label} export (its header rows hold answers); "
            "check --layout",
            code="wrong-layout",
        )
        return FileRead(layout, [])
    try:
        reader_ = SurveyReader(context.source, table, layout, context.options, context.instruments, problems)
        return FileRead(layout, reader_.read())
    except InstrumentError as e:  # the reader's own errors come as its rows are read
        problems.error(str(e), code="bad-instrument")
        return FileRead(layout, [])


def _shares_nothing(read: Read) -> Callable[[], Read]:
    """A kind whose files share nothing within an import: each import reads with ``read`` itself."""
    return lambda: read


RESPONSE = FileKind(
    "response",
    "response file",
    lambda f: f.layout == "response" or (f.layout == "auto" and f.suffix in YAML_SUFFIXES),
    _shares_nothing(_response),
)
JSON = FileKind(
    "json",
    "leadcheck export",
    lambda f: f.layout in ("auto", "export", "response") and is_json(f.path, f.head),
    _shares_nothing(_json),
    by_content=True,
)
TABLE = FileKind("table", "CSV table", lambda f: True, _shares_nothing(_table), by_content=True)

for _kind in (RESPONSE, JSON, TABLE):
    register(_kind)
