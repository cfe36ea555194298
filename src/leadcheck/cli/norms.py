"""`leadcheck norms build`: a norms file from past cohorts, aggregates only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadcheck.base import text as txt
from leadcheck.cli._common import (
    assessment_option,
    complete_cohort,
    console,
    db_path,
    force_option,
    output_option,
    working,
)
from leadcheck.cli._help import Command, Group

app = typer.Typer(
    help="Norms: how leaders of past cohorts were rated, to compare a report against.",
    no_args_is_help=True,
    rich_markup_mode=None,
    cls=Group,
)


@app.command("build", cls=Command)
def build(
    ctx: typer.Context,
    cohorts: Annotated[
        list[str],
        typer.Argument(
            help="The cohorts to build the norms from.",
            metavar="COHORT",
            autocompletion=complete_cohort,
            show_default=False,
        ),
    ],
    output: Annotated[Path, output_option("The norms file to write: JSON if it ends in .json, else YAML.")],
    instrument: Annotated[
        str | None, assessment_option("Which instrument's assessments, when leaders have several.")
    ] = None,
    force: Annotated[bool, force_option("Overwrite an existing file.")] = False,
) -> None:
    """Write a norms file from the leaders of past cohorts, aggregates only.

    Needs at least 10 leaders rated by others. Per competency, value and item: the number of leaders, differentially
    private counts of their all-others means in bins of the scale, and the mean and percentile points 5 to 95 computed
    from those counts; with its source, date and the mechanism's parameters. No names, answers or individual scores.
    """
    from leadcheck.base.atomic import write_atomic
    from leadcheck.base.errors import UsageError
    from leadcheck.norms import build_from_store, dump_for
    from leadcheck.store import Store

    if output.exists() and not force:
        raise UsageError(f"{output}: already exists; add --force to overwrite it")
    with Store.open(db_path(ctx), create=False) as store, working("Scoring the cohorts"):
        norms = build_from_store(store, cohorts, instrument)
    write_atomic(output, dump_for(output, norms).encode("utf-8"))
    console(stderr=True).print(
        f"Wrote {output}: norms of {txt.count(norms.leaders, 'leader')} on {norms.instrument_id} "
        f"({txt.count(len(norms.dimensions), 'competency or value', 'competencies and values')}, "
        f"{txt.count(len(norms.items), 'item')})",
        markup=False,
        highlight=False,
    )


def register(main: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    main.add_typer(app, name="norms")
