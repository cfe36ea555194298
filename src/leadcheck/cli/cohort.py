"""`leadcheck cohort report` and `leadcheck demo`: every report of a cohort in one command."""

from __future__ import annotations

import contextlib
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from leadcheck.base import text as txt
from leadcheck.base.errors import ExitCode
from leadcheck.cli._common import (
    DraftOpt,
    JobsOpt,
    NormsOpt,
    QuietOpt,
    TemplateDirOpt,
    complete_cohort,
    console,
    db_path,
    force_option,
    output_option,
)
from leadcheck.cli._help import Command, Group

if TYPE_CHECKING:
    from leadcheck.cohort.run import CohortResult

app = typer.Typer(
    help="Cohort runs: every leader's report and a cohort summary.",
    no_args_is_help=True,
    rich_markup_mode=None,
    cls=Group,
)

SCHEDULER_HELP = (
    "Render on a Dask cluster at this address (e.g. tcp://10.0.0.5:8786); needs leadcheck[dask]. "
    "Fails after about 15 s when the scheduler cannot be reached, and after 10 s more when it has no workers."
)


def _reporter(quiet: bool) -> tuple[Any, Any]:
    """A progress display: a rich bar on a terminal, plain lines otherwise, nothing when quiet."""
    from leadcheck.cohort.run import Event

    err = console(stderr=True, soft_wrap=True)
    if quiet:
        return (lambda _e: None), None
    if not err.is_terminal:

        def plain(e: Event) -> None:
            if e.kind == "written":
                err.print(f"[{e.done}/{e.total}] {e.file} ({e.seconds:.1f} s)", markup=False, highlight=False)
            elif e.kind == "skipped":
                err.print(f"[{e.done}/{e.total}] {e.file} unchanged, skipped", markup=False, highlight=False)
            elif e.kind == "failed":
                err.print(f"failed: {e.leader}: {e.reason}", markup=False, highlight=False)
            elif e.kind == "summary":
                err.print(f"cohort summary: {e.file}", markup=False, highlight=False)

        return plain, None
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]Reports"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
    )
    state: dict[str, Any] = {"task": None, "start": 0.0}

    def live(e: Event) -> None:
        import time

        if e.kind == "start":
            state["start"] = time.perf_counter()
            state["task"] = progress.add_task("reports", total=e.total, rate="")
        elif e.kind in ("written", "skipped", "failed") and state["task"] is not None:
            elapsed = max(1e-9, time.perf_counter() - state["start"])
            done = progress.tasks[0].completed + 1
            progress.update(state["task"], completed=done, rate=f"{done / elapsed:.2f}/s")
            if e.kind == "failed":
                progress.console.print(f"failed: {e.leader}: {e.reason}", markup=False, highlight=False)

    return live, progress


def _print_result(result: CohortResult) -> None:
    out = console(soft_wrap=True)
    out.print(f"Reports in {result.out_dir}/", markup=False, highlight=False)
    written = result.written
    out.print(
        f"  {len(written)} written, {len(result.skipped)} unchanged (skipped), {len(result.failed)} failed"
        f" in {result.seconds:.1f} s",
        markup=False,
        highlight=False,
    )
    if result.summary:
        out.print(f"  cohort summary: {result.summary}", markup=False, highlight=False)
    for name, instrument in result.outside_summary:
        out.print(
            f"  not in the cohort summary: {name} (assessed on {instrument})", markup=False, highlight=False
        )
    if result.codes_file:
        out.print(f"  leader codes (keep private): {result.codes_file}", markup=False, highlight=False)
    err = console(stderr=True, soft_wrap=True)
    if result.missing_fonts:
        from leadcheck.report.glyphs import warning

        for document, scripts in result.missing_fonts:
            err.print(f"warning: {warning(document, scripts)}", markup=False, highlight=False)
    if result.failed:
        err.print("Leaders without a report:", markup=False, highlight=False)
        for name, why in result.failed:
            err.print(f"  {name}: {why}", markup=False, highlight=False)


def _run(
    ctx: typer.Context,
    cohort: str,
    output: Path,
    jobs: int | None,
    scheduler: str | None,
    anonymize: bool,
    force: bool,
    template_dir: Path | None,
    quiet: bool,
    draft: bool = False,
    norms: Path | None = None,
) -> CohortResult:
    from leadcheck.cohort.run import run_cohort
    from leadcheck.report.pipeline import report_options
    from leadcheck.store import Store

    options = report_options(template_dir=template_dir, norms_file=norms, draft=draft)
    on_event, progress = _reporter(quiet)
    with Store.open(db_path(ctx), create=False) as store, progress or contextlib.nullcontext():
        result = run_cohort(
            store,
            cohort,
            output,
            jobs=jobs,
            scheduler=scheduler,
            anonymize=anonymize,
            force=force,
            report=options,
            on_event=on_event,
        )
    return result


# Over 60 lines only through its parameter declarations: typer reads the options from the signature.
@app.command("report", cls=Command)
def cohort_report(
    ctx: typer.Context,
    cohort: Annotated[
        str,
        typer.Argument(
            help="The cohort's name, as given at import (--cohort) or `demo`.",
            metavar="COHORT",
            autocompletion=complete_cohort,
        ),
    ],
    output: Annotated[Path, output_option("Folder for the PDFs (created if missing).", folder=True)],
    jobs: JobsOpt = None,
    anonymize: Annotated[
        bool,
        typer.Option(
            "--anonymize", help="Leader codes instead of names in the cohort summary and file names."
        ),
    ] = False,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help=SCHEDULER_HELP, metavar="ADDRESS")
    ] = None,
    force: Annotated[
        bool, force_option("Render every report, even those whose inputs have not changed.")
    ] = False,
    template_dir: TemplateDirOpt = None,
    quiet: QuietOpt = False,
    draft: DraftOpt = False,
    norms: NormsOpt = None,
) -> None:
    """Render every leader's report in a cohort, and cohort-summary.pdf, in parallel.

    Re-running skips reports whose responses, instrument and templates have not
    changed. One leader's failure does not stop the others; the exit code is 1
    when any failed.
    """
    result = _run(
        ctx, cohort, output, jobs, scheduler, anonymize, force, template_dir, quiet, draft=draft, norms=norms
    )
    _print_result(result)
    if not result.ok:
        raise typer.Exit(ExitCode.INVALID)


def demo(
    ctx: typer.Context,
    leaders: Annotated[
        int, typer.Option("--leaders", "-n", min=1, max=5000, help="How many leaders.", metavar="N")
    ] = 12,
    seed: Annotated[
        int, typer.Option("--seed", help="The same seed gives the same cohort.", metavar="S")
    ] = 1,
    output: Annotated[Path, output_option("Folder for the PDFs.", folder=True)] = Path("demo-reports"),
    jobs: JobsOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Create the synthetic cohort "demo" on psl-360 in the workspace and render its reports."""
    from leadcheck.demo import DEMO_COHORT, check_demo_workspace, demo_leaders, demo_responses
    from leadcheck.importing.policy import add_responses
    from leadcheck.instrument.catalog import load_instrument
    from leadcheck.store import Store

    path = db_path(ctx)
    instrument = load_instrument("psl-360")
    incoming = demo_responses(instrument, demo_leaders(leaders, seed), seed)
    with Store.open(path) as store:
        check_demo_workspace(store, path)
        summary = add_responses(store, incoming, instrument)
    out = console(soft_wrap=True)
    out.print(
        f"Workspace {path}: cohort {DEMO_COHORT!r} with {txt.count(leaders, 'leader')} "
        f"({txt.count(summary.added, 'response')} added, {summary.unchanged} already there)",
        markup=False,
        highlight=False,
    )
    result = _run(ctx, DEMO_COHORT, output, jobs, None, False, False, None, quiet)
    _print_result(result)
    # Point at the command as the user can run it: from a fresh `make demo`, that is .venv/bin/leadcheck.
    program = (
        "leadcheck" if shutil.which("leadcheck") or not sys.argv[0].endswith("leadcheck") else sys.argv[0]
    )
    out.print(
        f'Next: {program} --db {path} summary "{incoming[0].leader}"  ·  '
        f"{program} --db {path} cohort report {DEMO_COHORT} -o other-folder",
        markup=False,
        highlight=False,
    )
    if not result.ok:
        raise typer.Exit(ExitCode.INVALID)


def register(main: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    main.add_typer(app, name="cohort")
    main.command("demo", cls=Command)(demo)


__all__ = ["register"]
