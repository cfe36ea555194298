"""`leadcheck report`: one leader's development report as PDF or HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadcheck.cli._common import (
    AssessmentInstrumentOpt,
    DraftOpt,
    LeaderArg,
    NormsOpt,
    TemplateDirOpt,
    db_path,
    format_option,
    output_option,
    pulse_option,
    working,
)
from leadcheck.cli._help import Command


def _formats() -> list[str]:
    from leadcheck.report.formats import FORMATS

    return list(FORMATS)


# Over 60 lines only through its parameter declarations: typer reads the options from the signature.
def report(
    ctx: typer.Context,
    leader: LeaderArg,
    output: Annotated[Path, output_option("The file to write.")],
    format: Annotated[
        str | None,
        format_option(
            f"{' or '.join(_formats())} (default: from the file's suffix, else pdf).", metavar="FORMAT"
        ),
    ] = None,
    template_dir: TemplateDirOpt = None,
    instrument: AssessmentInstrumentOpt = None,
    norms: NormsOpt = None,
    draft: DraftOpt = False,
    pulse: Annotated[
        bool,
        pulse_option(
            "Instead of the report, the one-page results of the leader's newest pulse "
            "(`leadcheck pulse`): per behaviour of their plan, how many raters saw it improve."
        ),
    ] = False,
) -> None:
    """Render a leader's 360 development report (PDF by default, or HTML).

    Every report, --draft included, is recorded in the workspace's release
    ledger before it is written: later outputs repeat it rather than publish
    figures that could be set against it to single a rater out (see
    `leadcheck audit`).
    """
    from leadcheck.report.formats import format_for
    from leadcheck.report.glyphs import warning
    from leadcheck.report.pipeline import make_report, report_options

    fmt = format_for(output, format).name
    if pulse:
        if draft or norms is not None or instrument is not None:
            from leadcheck.base.errors import UsageError

            raise UsageError(
                "--pulse writes the pulse's page: --draft, --norms and --instrument do not apply"
            )
        with working(f"Rendering {output}"):
            size = _make_pulse(ctx, leader, output, fmt, template_dir)
        typer.echo(f"Wrote {output} ({size / 1024:.0f} KiB)", err=True)
        return
    options = report_options(fmt, template_dir, norms, draft)
    rendered = make_report(db_path(ctx), leader, instrument, output, options, working(f"Rendering {output}"))
    # Plain lines (no rich console to load for them): they hold a path and a name, printed as typed.
    kind = "draft, " if draft else ""
    typer.echo(f"Wrote {output} ({kind}{len(rendered.data) / 1024:.0f} KiB)", err=True)
    if rendered.missing_scripts:
        typer.echo(f"warning: {warning(f'the report of {leader}', rendered.missing_scripts)}", err=True)
    # After any warning. The report's next steps are in plain words for the leader; the commands are the coach's.
    typer.echo(
        f'Next steps, for the coach: after the debrief, record the plan with `leadcheck plan "{leader}"`; '
        f're-assess in 6 to 12 months with `leadcheck assess --new "{leader}"` '
        "and the same raters; the next report shows the change against the plan.",
        err=True,
    )


def _make_pulse(ctx: typer.Context, leader: str, output: Path, fmt: str, template_dir: Path | None) -> int:
    from leadcheck.pulse.view import write_page
    from leadcheck.store import Store

    with Store.open(db_path(ctx), create=False) as store:
        return write_page(store, leader, output, fmt, template_dir)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("report", cls=Command)(report)
