"""`leadcheck leaders` and `leadcheck status`: who has been assessed and what is missing."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from leadcheck.cli._common import (
    FORMAT_HELP,
    JSON_ALIAS_HELP,
    TextOrJson,
    complete_cohort,
    complete_leader,
    console,
    db_path,
    handle_errors,
    wants_json,
)
from leadcheck.cli._help import Command
from leadcheck.errors import NotFoundError

if TYPE_CHECKING:
    from leadcheck.collect import LeaderStatus


@handle_errors
def leaders(
    ctx: typer.Context,
    cohort: Annotated[
        str | None,
        typer.Option(
            "--cohort",
            help="Only the leaders of this cohort.",
            metavar="NAME",
            autocompletion=complete_cohort,
            show_default=False,
        ),
    ] = None,
    format: Annotated[TextOrJson, typer.Option("--format", "-f", help=FORMAT_HELP)] = TextOrJson.text,
    as_json: Annotated[bool, typer.Option("--json", hidden=True, help=JSON_ALIAS_HELP)] = False,
) -> None:
    """List the leaders in the workspace: cohort, instruments, self-assessment and raters per group.

    Raters per group count responses (submitted or in progress, as the report
    does) against the group's anonymity threshold ("Peers 2/3"); "-" is an
    optional group nobody answered in. The last answer is when it was given
    (UTC; for survey exports, the survey's own time).
    """
    from leadcheck.collect import leader_status
    from leadcheck.store import Store

    as_json = wants_json(format, as_json)

    with Store.open(db_path(ctx), create=False) as store:
        people = store.leaders(cohort)
        if cohort is not None and not people:
            known = ", ".join(store.cohorts()) or "none yet"
            raise NotFoundError(f'no cohort "{cohort}" in {store.path}; cohorts: {known}')
        statuses = [leader_status(store, p) for p in people]
    if as_json:
        typer.echo(json.dumps([s.as_dict() for s in statuses], indent=2, ensure_ascii=False))
        return
    out = console()
    if not statuses:
        out.print("No leaders yet: add one with `leadcheck assess` or `leadcheck import`.", markup=False)
        return
    from leadcheck.cli._tables import print_table
    from leadcheck.overview import leaders_table

    print_table(out, leaders_table(statuses))


@handle_errors
def status(
    ctx: typer.Context,
    leader: Annotated[
        str | None,
        typer.Argument(
            help="A leader's name: show their groups in detail.",
            metavar="LEADER",
            autocompletion=complete_leader,
            show_default=False,
        ),
    ] = None,
    format: Annotated[TextOrJson, typer.Option("--format", "-f", help=FORMAT_HELP)] = TextOrJson.text,
    as_json: Annotated[bool, typer.Option("--json", hidden=True, help=JSON_ALIAS_HELP)] = False,
) -> None:
    """Show what is missing: self-assessments not done, groups below their anonymity threshold.

    Without LEADER, one line per leader. With LEADER, each group of their
    current assessment: raters (responses submitted or in progress, as the
    report counts them), the threshold, and whether the report will show the
    group, pool it with other small groups, or hide it for anonymity; then the
    items nobody rated. Never shows an answer or a comment.
    """
    from leadcheck.collect import leader_status
    from leadcheck.store import Store

    as_json = wants_json(format, as_json)

    with Store.open(db_path(ctx), create=False) as store:
        if leader is not None:
            one = leader_status(store, store.get_leader(leader))
            items = store.instrument(one.assessment).items if one.assessment else {}
            if as_json:
                typer.echo(json.dumps(one.as_dict(detail=True), indent=2, ensure_ascii=False))
            else:
                _detail(console(soft_wrap=True), one, {i: item.others_text for i, item in items.items()})
            return
        statuses = [leader_status(store, p) for p in store.leaders()]
    out = console()
    if as_json:
        typer.echo(json.dumps([s.as_dict() for s in statuses], indent=2, ensure_ascii=False))
        return
    if not statuses:
        out.print("No leaders yet: add one with `leadcheck assess` or `leadcheck import`.", markup=False)
        return
    from leadcheck.cli._tables import print_table
    from leadcheck.overview import status_table

    print_table(out, status_table(statuses))


def _detail(out: Any, s: LeaderStatus, titles: dict[str, str]) -> None:
    from leadcheck.cli._tables import print_table
    from leadcheck.collect import HIDDEN, POOLED
    from leadcheck.overview import groups_table, utc_minutes

    if s.assessment is None:
        out.print(f"{s.name}: no assessment yet", markup=False)
        return
    a = s.assessment
    cohort = f", cohort {s.cohort}" if s.cohort else ""
    out.print(
        f"{s.name}{cohort}: {a.instrument_id} {a.instrument_version}, started {utc_minutes(a.created_at)} UTC, "
        f"last answer {utc_minutes(s.last_answered)}" + (" UTC" if s.last_answered else ""),
        markup=False,
    )
    seen = s.visibility
    print_table(out, groups_table(s))
    notes = {
        HIDDEN: "hidden: too few raters; left out of every figure to protect their anonymity.",
        POOLED: "pooled: too few raters alone; reported together with the other small groups.",
    }
    for how, note in notes.items():
        if how in seen.values():
            out.print(note, markup=False)
    if s.unrated_items:
        out.print()
        out.print(f"Items nobody rated yet ({len(s.unrated_items)}):", markup=False)
        for item_id in s.unrated_items:
            out.print(f"  {item_id}  {titles.get(item_id, '')}", markup=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("leaders", cls=Command)(leaders)
    app.command("status", cls=Command)(status)
