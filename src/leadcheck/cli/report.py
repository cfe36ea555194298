"""`leadcheck report`: one leader's development report as PDF or HTML."""

from __future__ import annotations

import enum
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadcheck.cli._common import (
    AssessmentInstrumentOpt,
    LeaderArg,
    db_path,
    working,
)
from leadcheck.cli._help import Command

if TYPE_CHECKING:
    from leadcheck.norms import Norms
    from leadcheck.report.render import Rendered
    from leadcheck.report.renderer import Renderer
    from leadcheck.scorecards import ScoredAssessment
    from leadcheck.store import Store


class ReportFormat(str, enum.Enum):
    pdf = "pdf"
    html = "html"


# Over 60 lines only through its parameter declarations: typer reads the options from the signature.
def report(
    ctx: typer.Context,
    leader: LeaderArg,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The file to write.", metavar="FILE", dir_okay=False)
    ],
    format: Annotated[
        ReportFormat | None,
        typer.Option("--format", "-f", help="pdf or html (default: from the file's suffix, else pdf)."),
    ] = None,
    template_dir: Annotated[
        Path | None,
        typer.Option(
            "--template-dir",
            help="A folder whose templates or report.css override the defaults by name.",
            metavar="DIR",
            file_okay=False,
            exists=True,
        ),
    ] = None,
    instrument: AssessmentInstrumentOpt = None,
    norms: Annotated[
        Path | None,
        typer.Option(
            "--norms",
            help="A norms file (`leadcheck norms build`): show each competency as a percentile against it.",
            dir_okay=False,
            exists=True,
        ),
    ] = None,
    draft: Annotated[
        bool,
        typer.Option(
            "--draft",
            help="A coach's preview: DRAFT on every page. Recorded in the release ledger like any report, "
            "so the final report shows no more than the draft did.",
        ),
    ] = False,
    pulse: Annotated[
        bool,
        typer.Option(
            "--pulse",
            help="Instead of the report, the one-page results of the leader's newest pulse "
            "(`leadcheck pulse`): per behaviour of their plan, how many raters saw it improve.",
        ),
    ] = False,
) -> None:
    """Render a leader's 360 development report (PDF by default, or HTML).

    Every report, --draft included, is recorded in the workspace's release
    ledger before it is written: later outputs repeat it rather than publish
    figures that could be set against it to single a rater out (see
    `leadcheck audit`).
    """
    from leadcheck.report.glyphs import warning
    from leadcheck.report.renderer import Renderer, worth_forking

    fmt = format.value if format else ("html" if output.suffix.lower() in (".html", ".htm") else "pdf")
    if pulse:
        if draft or norms is not None or instrument is not None:
            from leadcheck.errors import UsageError

            raise UsageError(
                "--pulse writes the pulse's page: --draft, --norms and --instrument do not apply"
            )
        with working(f"Rendering {output}"):
            size = _make_pulse(ctx, leader, output, fmt, template_dir)
        typer.echo(f"Wrote {output} ({size / 1024:.0f} KiB)", err=True)
        return
    # WeasyPrint loads in a process of its own, forked now (before the workspace opens and scoring's
    # modules load), while this one makes the scorecard: leadcheck.report.renderer.
    with Renderer(ahead=fmt == "pdf" and worth_forking()) as renderer, working(f"Rendering {output}"):
        rendered = _make(ctx, leader, instrument, output, fmt, template_dir, norms, draft, renderer)
    # Plain lines (no rich console to load for them): they hold a path and a name, printed as typed.
    kind = "draft, " if draft else ""
    typer.echo(f"Wrote {output} ({kind}{len(rendered.data) / 1024:.0f} KiB)", err=True)
    if rendered.missing_scripts:
        typer.echo(f"warning: {warning(f'the report of {leader}', rendered.missing_scripts)}", err=True)
    # After any warning. The report's next steps are in plain words for the leader; the commands are the coach's.
    typer.echo(
        f'Next steps, for the coach: re-assess in 6 to 12 months with `leadcheck assess --new "{leader}"` '
        "and the same raters; the next report shows the change.",
        err=True,
    )


def _make(
    ctx: typer.Context,
    leader: str,
    instrument: str | None,
    output: Path,
    fmt: str,
    template_dir: Path | None,
    norms: Path | None,
    draft: bool,
    renderer: Renderer,
) -> Rendered:
    """Score the leader, render the report and write it (recorded in the ledger unless a draft)."""
    from leadcheck.norms import load
    from leadcheck.report.render import render_report
    from leadcheck.scorecards import scored_leader
    from leadcheck.store import Store

    norms_file = load(norms) if norms is not None else None
    with Store.open(db_path(ctx), create=False) as store:
        scored = scored_leader(store, leader, instrument)
        norm_group = _norm_group(store, scored, norms_file, norms)
        rendered = render_report(
            scored.card, fmt, scored.changes, template_dir, norms=norm_group, draft=draft, renderer=renderer
        )
        _write(store, scored, rendered.data, output, draft)
    return rendered


def _make_pulse(ctx: typer.Context, leader: str, output: Path, fmt: str, template_dir: Path | None) -> int:
    """Render the leader's newest pulse page, record it as a release, write it; its size."""
    from leadcheck.errors import NotFoundError
    from leadcheck.pulse import results, rounds
    from leadcheck.pulse.view import render_page
    from leadcheck.report.pdf import write_atomic
    from leadcheck.store import Store

    with Store.open(db_path(ctx), create=False) as store:
        person = store.get_leader(leader)
        target = rounds.newest_pulse(store, person)
        if target is None:
            raise NotFoundError(
                f'"{person.name}" has no pulse yet; send one with `leadcheck pulse "{person.name}"` '
                "after they made their plan"
            )
        scored = results.scored_pulse(store, target)
        data = render_page(results.results(store, scored), fmt, template_dir)
        results.publish(store, scored, "report", hashlib.sha256(data).hexdigest())
        write_atomic(output, data)
    return len(data)


def _norm_group(
    store: Store, scored: ScoredAssessment, loaded: Norms | None, path: Path | None
) -> Norms | None:
    """The norms file given (checked against the leader's instrument), else the leader's own cohort
    when it is large enough."""
    from leadcheck.norms import check_instrument, cohort_norms

    inst_id = scored.card.instrument.id
    if loaded is not None:
        check_instrument(loaded, inst_id, str(path))
        return loaded
    return cohort_norms(store, scored.assessment.leader.cohort, inst_id, {scored.assessment.id: scored.card})


def _write(store: Store, scored: ScoredAssessment, data: bytes, output: Path, draft: bool) -> None:
    """Record the release (a draft is one too), then write the report: never a file without its release."""
    from leadcheck.report.pdf import write_atomic
    from leadcheck.scorecards import publish

    publish(store, scored, "draft" if draft else "report", hashlib.sha256(data).hexdigest())
    write_atomic(output, data)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("report", cls=Command)(report)
