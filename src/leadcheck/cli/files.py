"""`leadcheck form`, `leadcheck import` and `leadcheck export`: responses as files."""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from leadcheck.base import text as txt
from leadcheck.base.errors import ExitCode
from leadcheck.cli._common import (
    IntoCohortOpt,
    complete_leader,
    console,
    db_path,
    dry_run_option,
    force_option,
    format_option,
    group_option,
    instrument_option,
    key_notice,
    output_option,
    working,
)
from leadcheck.cli._help import Command
from leadcheck.cli._reporters import Format, Report, print_report
from leadcheck.exportformats import DEFAULT_EXPORT, EXPORT_FORMATS
from leadcheck.exportformats import formats_help as export_formats_help

if TYPE_CHECKING:
    from leadcheck.importing.plan import ImportOutcome, ImportPlan, LeaderOutcome
    from leadcheck.store import Store


# --format's choices for `export`: the registered export formats, so that a new one is one entry there.
ExportFormatName = Enum("ExportFormatName", {name: name for name in EXPORT_FORMATS}, type=str)  # type: ignore[misc]
DEFAULT_EXPORT_NAME = ExportFormatName(DEFAULT_EXPORT)


class Layout(str, Enum):
    """What kind of file is imported (auto: recognised from the file)."""

    auto = "auto"
    response = "response"
    export = "export"
    google = "google"
    msforms = "msforms"
    qualtrics = "qualtrics"
    surveymonkey = "surveymonkey"
    generic = "generic"


def _open_existing(ctx: typer.Context) -> Store | None:
    """The workspace when it exists; None rather than creating an empty one."""
    from leadcheck.store import Store

    path = db_path(ctx)
    return Store.open(path, create=False) if path.exists() else None


def _write_text(text: str, output: Path, force: bool) -> bool:
    """Write ``text`` to ``output`` atomically (or to standard output for -); True when a file was written."""
    from leadcheck.base.errors import NO_FOLDER, UsageError, cannot_write
    from leadcheck.importing.output import atomic_text

    if str(output) == "-":
        sys.stdout.write(text)
        return False
    if output.is_file() and not force:  # /dev/stdout, a FIFO: written to, never "overwritten"
        raise UsageError(f"{output}: already exists; choose another name, or add --force to overwrite it")
    if not output.parent.is_dir():
        raise UsageError(cannot_write(NO_FOLDER, output))
    with atomic_text(output) as stream:
        stream.write(text)
    return True


# Over 60 lines only through its parameter declarations: typer reads the options from the signature.
def form(
    ctx: typer.Context,
    leader: Annotated[
        str,
        typer.Argument(
            help="The leader the rater gives feedback about.",
            metavar="LEADER",
            autocompletion=complete_leader,
            show_default=False,
        ),
    ],
    group: Annotated[
        str, group_option("The rater's group: self, manager, peer, direct_report, ... (id or label).")
    ],
    output: Annotated[Path, output_option("The form to write (FILE.yaml; - for standard output).")],
    instrument: Annotated[
        str | None,
        instrument_option(
            "A shipped id or a YAML path. Default: the leader's current instrument, else psl-360."
        ),
    ] = None,
    force: Annotated[bool, force_option("Overwrite FILE if it exists.")] = False,
) -> None:
    """Write a blank response file one rater fills in with any text editor and sends back."""
    from leadcheck.base.errors import UsageError
    from leadcheck.importing.resolve import label
    from leadcheck.importing.responsefile import form_group, form_instrument, write_form

    if not leader.strip():
        raise UsageError("LEADER is empty; give the leader's name")
    store = _open_existing(ctx)
    try:
        inst = form_instrument(store, leader.strip(), instrument)
    finally:
        if store is not None:
            store.close()
    group_id = form_group(inst, group)
    if not _write_text(write_form(inst, leader.strip(), group_id), output, force):
        return
    typer.echo(
        f"Wrote {output}: a form for {inst.group(group_id).label.lower()} about {leader.strip()} "
        f"({label(inst)}, {txt.count(len(inst.items), 'item')})."
    )


# Over 60 lines only through its parameter declarations: typer reads the options from the signature.
def import_(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Response files (.yaml/.json), leadcheck exports (.json/.csv) or survey CSV exports.",
            metavar="FILE",
            show_default=False,
            dir_okay=False,
        ),
    ],
    layout: Annotated[
        Layout, typer.Option("--layout", help="The kind of file; auto recognises it from its header rows.")
    ] = Layout.auto,
    instrument: Annotated[
        str | None,
        instrument_option(
            "A shipped id or a YAML path for CSV files (default psl-360); response and export files name their own."
        ),
    ] = None,
    leader: Annotated[
        str | None,
        typer.Option("--leader", help="Every row is about this leader.", metavar="NAME", show_default=False),
    ] = None,
    group: Annotated[str | None, group_option("Every row is from this rater group.")] = None,
    leader_column: Annotated[
        str | None,
        typer.Option(
            "--leader-column",
            help='The column naming the leader (auto: "Leader", "Leader name").',
            metavar="COL",
            show_default=False,
        ),
    ] = None,
    group_column: Annotated[
        str | None,
        typer.Option(
            "--group-column",
            help='The column naming the rater group (auto: "Group", "Relationship", "Rater group").',
            metavar="COL",
            show_default=False,
        ),
    ] = None,
    cohort: IntoCohortOpt = None,
    ignore_column: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore-column",
            help="A column that is not a question of the instrument (repeatable).",
            metavar="COL",
            show_default=False,
        ),
    ] = None,
    allow_missing_items: Annotated[
        bool,
        typer.Option(
            "--allow-missing-items",
            help="Import a CSV file that has no column for some items; every rater then skips those items.",
        ),
    ] = False,
    group_map: Annotated[
        list[str] | None,
        typer.Option(
            "--group-map",
            help='LABEL=GROUP: a survey answer that names a rater group, e.g. "Other (partner)=other" (repeatable).',
            metavar="MAPPING",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, dry_run_option("Check everything and show what would be imported; write nothing.")
    ] = (False),
    format: Annotated[Format, format_option()] = Format.text,
) -> None:
    """Import filled-in forms, survey CSV exports or a leadcheck export: all of it, or nothing."""
    import contextlib
    import tempfile

    from leadcheck.base.errors import LeadcheckError, UsageError
    from leadcheck.campaign.returns import QUESTIONNAIRE
    from leadcheck.importing import ImportOptions, apply_plan, plan_import, readers
    from leadcheck.store import Store

    readers.register(QUESTIONNAIRE)  # returned PDF questionnaires: campaign's reader, plugged in from above

    if leader is not None and leader_column is not None:
        raise UsageError("give either --leader or --leader-column, not both")
    if group is not None and group_column is not None:
        raise UsageError("give either --as or --group-column, not both")
    pairs = _group_map(group_map or ())
    options = ImportOptions(
        layout=layout.value,
        instrument=instrument,
        leader=leader,
        group=group,
        leader_column=leader_column,
        group_column=group_column,
        cohort=cohort,
        ignore_columns=tuple(ignore_column or ()),
        allow_missing_items=allow_missing_items,
        group_map=pairs,
    )
    with contextlib.ExitStack() as stack:
        store = _open_existing(ctx)
        if store is not None:
            stack.callback(store.close)
        try:
            with working(f"Checking {txt.count(len(files), 'file')}"):
                plan = plan_import(files, options, store)
        except LeadcheckError as e:
            typer.echo(f"error: {e}", err=True)
            typer.echo("Nothing was written.", err=True)
            raise typer.Exit(e.exit_code) from None
        if not plan.ok:
            print_report(format, Report(plan.problems, _document(plan, None), lambda: _refused(plan)))
            raise typer.Exit(ExitCode.INVALID)
        if store is None:
            # No workspace yet: a real import creates it; a dry run measures against an empty one.
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory())) if dry_run else None
            store = Store.open(folder / "dry-run.db" if folder else db_path(ctx))
            stack.callback(store.close)
        with working("Measuring against the workspace" if dry_run else "Storing the responses"):
            outcome = apply_plan(plan, store, dry_run=dry_run)
        key_notice(store)
    print_report(
        format, Report(plan.problems, _document(plan, outcome), lambda: _print_outcome(plan, outcome))
    )


def _group_map(entries: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The --group-map LABEL=GROUP entries as (label, group) pairs; the last "=" splits, so labels may hold one."""
    from leadcheck.base.errors import UsageError

    pairs: list[tuple[str, str]] = []
    for entry in entries:
        given, equals, target = entry.rpartition("=")
        if not equals or not given.strip() or not target.strip():
            raise UsageError(
                f'--group-map "{entry}" is not LABEL=GROUP; for example --group-map "Other (partner)=other"'
            )
        pairs.append((given.strip(), target.strip()))
    return tuple(pairs)


def _refused(plan: ImportPlan) -> None:
    n = len(plan.errors)
    typer.echo(f"{txt.count(n, 'problem')} found. Nothing was written.", err=True)


def _document(plan: ImportPlan, outcome: ImportOutcome | None) -> dict[str, Any]:
    """The import for tools: every problem, the files read and (when there was no error) what was stored."""
    return {
        "ok": plan.ok,
        "written": outcome is not None and not outcome.dry_run,
        "problems": [p.as_dict() for p in plan.problems],
        "files": [{"path": f.source, "layout": f.layout, "responses": f.responses} for f in plan.files],
        "summary": None if outcome is None else _summary(outcome),
    }


def _summary(outcome: ImportOutcome) -> dict[str, Any]:
    """What the text output's table and closing lines say, as data."""
    return {
        "dry_run": outcome.dry_run,
        "leaders": [
            {
                "leader": o.leader,
                "instrument": o.instrument,
                "groups": _groups_in_order(o),
                "added": o.added,
                "replaced": o.replaced,
                "unchanged": o.unchanged,
            }
            for o in outcome.leaders
        ],
        "added": outcome.added,
        "replaced": outcome.replaced,
        "unchanged": outcome.unchanged,
        "new_leaders": outcome.new_leaders,
        "new_rounds": outcome.new_rounds,
        "releases": outcome.releases,
    }


def _groups_in_order(result: LeaderOutcome) -> dict[str, int]:
    """Responses per rater group, in the instrument's order of groups."""
    order = list(result.group_labels)
    return dict(sorted(result.groups.items(), key=lambda kv: order.index(kv[0])))


def _print_outcome(plan: ImportPlan, outcome: ImportOutcome) -> None:
    """The summary of an import. Names, labels and paths come from files: printed as rich Text,
    never read as markup ("[red]x" is a name, not a colour) or emoji codes."""
    from rich.table import Table
    from rich.text import Text

    out = console(soft_wrap=True)
    for report in plan.files:
        n = report.responses
        out.print(Text(f"{report.source}: {report.layout}, {txt.count(n, 'response')}"))
    title = "Dry run: would import (nothing written)" if outcome.dry_run else "Imported"
    table = Table(title=title, title_justify="left")
    for name, justify in (
        ("Leader", "left"),
        ("Instrument", "left"),
        ("Group", "left"),
        ("Responses", "right"),
        ("Added", "right"),
        ("Replaced", "right"),
        ("Unchanged", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for result in outcome.leaders:
        first = True
        for group, count in _groups_in_order(result).items():
            cells: list[str] = [result.leader, result.instrument] if first else ["", ""]
            cells += [result.group_labels.get(group, group), str(count)]
            cells += (
                [str(result.added), str(result.replaced), str(result.unchanged)] if first else ["", "", ""]
            )
            table.add_row(*(Text(cell) for cell in cells))
            first = False
    out.print(table, soft_wrap=False)
    verb = "Would add" if outcome.dry_run else "Added"
    out.print(
        Text(
            f"{verb} {outcome.added}, replace {outcome.replaced}, leave {outcome.unchanged} unchanged."
            if outcome.dry_run
            else f"{verb} {outcome.added}, replaced {outcome.replaced}, unchanged {outcome.unchanged}."
        )
    )
    if outcome.replaced and not outcome.dry_run:
        n = outcome.replaced
        out.print(
            Text(f"{txt.count(n, 'rater')} had answered before: the new answers replace the earlier ones.")
        )
    new = outcome.new_leaders
    if new:
        out.print(Text(f"New {txt.plural(len(new), 'leader')}: {', '.join(new)}."))
    if outcome.new_rounds:
        n = outcome.new_rounds
        out.print(Text(f"New assessment {txt.plural(n, 'round')} (from the export): {n}."))
    if outcome.releases:
        restored = txt.count(outcome.releases, "release record")
        out.print(Text(f"{'Would restore' if outcome.dry_run else 'Restored'} {restored} (from the export)."))
    if outcome.dry_run:
        out.print(Text("Nothing was written (dry run)."))


def export(
    ctx: typer.Context,
    format: Annotated[
        ExportFormatName,
        format_option(export_formats_help()),
    ] = DEFAULT_EXPORT_NAME,
    output: Annotated[
        Path | None, output_option("Write to FILE (atomically); default standard output.")
    ] = None,
    without_ledger: Annotated[
        bool,
        typer.Option(
            "--without-ledger",
            help="Write the CSV even though reports were given, or either format even though pulses were: "
            "for a spreadsheet, never a backup (a workspace restored from it would publish what the release "
            "ledger holds back).",
        ),
    ] = False,
) -> None:
    """Export every response, for backups and for other tools; `leadcheck import` reads it back."""
    from leadcheck.base.errors import NO_FOLDER, UsageError, cannot_write
    from leadcheck.importing.export import pulse_release_count, release_count
    from leadcheck.importing.output import atomic_text
    from leadcheck.store import Store

    chosen = EXPORT_FORMATS[format.value]
    writer = chosen.write
    with Store.open(db_path(ctx), create=False) as store:
        ledger = 0 if chosen.has_ledger else release_count(store)
        if ledger and not without_ledger:
            raise UsageError(
                f"the {chosen.name.upper()} export leaves out the release ledger ({txt.count(ledger, 'release record')}): a "
                "workspace restored from it would publish what earlier reports hold back. For a backup, "
                "use --format json; for a spreadsheet, add --without-ledger"
            )
        pulses = pulse_release_count(store) if chosen.has_ledger else 0
        if pulses and not without_ledger:
            raise UsageError(
                f"no export carries pulses, nor what they published ({txt.count(pulses, 'pulse release record')}): "
                "a workspace restored from it, its pulse sent again, would publish what those pulses hold back. "
                "For a backup, copy the workspace file; to export the rounds all the same, add --without-ledger"
            )
        if output is None or str(output) == "-":
            stream = _utf8_stdout()
            try:
                writer(store, stream)
            finally:
                if isinstance(stream, io.TextIOWrapper) and stream is not sys.stdout:
                    stream.detach()  # leave sys.stdout's buffer open
            return
        if not output.parent.is_dir():
            raise UsageError(cannot_write(NO_FOLDER, output))
        with atomic_text(output) as stream, working(f"Writing {output}"):
            count = writer(store, stream)
    typer.echo(f"Wrote {txt.count(count, 'response')} to {output}.", err=True)


def _utf8_stdout() -> TextIO:
    """Standard output for a file written to it: UTF-8 whatever the terminal's encoding (an ASCII-only
    one would otherwise fail on the first name, or escape it into invalid JSON)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None or (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "") == "utf8":
        return sys.stdout  # a test runner's stream, a closed stdout, or already UTF-8
    sys.stdout.flush()
    return io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("form", cls=Command)(form)
    app.command("import", cls=Command)(import_)
    app.command("export", cls=Command)(export)
