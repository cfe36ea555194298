"""`leadcheck leaders` and `leadcheck status`: who has been assessed and what is missing."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Annotated, Any

import typer

from leadcheck.base.errors import NotFoundError
from leadcheck.cli._common import (
    CohortOpt,
    FormatOpt,
    JsonAliasOpt,
    TextOrJson,
    complete_leader,
    console,
    db_path,
    wants_json,
)
from leadcheck.cli._help import Command

if TYPE_CHECKING:
    from leadcheck.campaign.tracking import GroupReturns
    from leadcheck.status import LeaderStatus
    from leadcheck.store import Store


def leaders(
    ctx: typer.Context,
    cohort: CohortOpt = None,
    format: FormatOpt = TextOrJson.text,
    as_json: JsonAliasOpt = False,
) -> None:
    """List the leaders in the workspace: cohort, instruments, self-assessment and raters per group.

    Raters per group count responses (submitted or in progress, as the report
    does) against the group's anonymity threshold ("Peers 2/3"); "-" is an
    optional group nobody answered in. The last answer is when it was given
    (UTC; for survey exports, the survey's own time).
    """
    from leadcheck.status import leader_status
    from leadcheck.store import Store

    as_json = wants_json(format, as_json)

    with Store.open(db_path(ctx), create=False) as store:
        people = store.leaders.every(cohort)
        if cohort is not None and not people:
            known = ", ".join(store.leaders.cohorts()) or "none yet"
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
    format: FormatOpt = TextOrJson.text,
    as_json: JsonAliasOpt = False,
) -> None:
    """Show what is missing: self-assessments not done, groups below their anonymity threshold.

    Without LEADER, one line per leader. With LEADER, each group of their
    current assessment: raters (responses submitted or in progress, as the
    report counts them), the threshold, and whether the report will show the
    group, pool it with other small groups, or hide it for anonymity; then the
    items nobody rated. Never shows an answer or a comment.
    """
    from leadcheck.status import leader_status
    from leadcheck.store import Store

    as_json = wants_json(format, as_json)

    with Store.open(db_path(ctx), create=False) as store:
        if leader is not None:
            one = leader_status(store, store.leaders.get(leader))
            items = store.assessments.instrument(one.assessment).items if one.assessment else {}
            returns = _campaign_returns(store, [one])
            if as_json:
                doc = one.as_dict(detail=True)
                doc["campaign"] = [g.as_dict(_today()) for g in returns[one.name]]
                typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
            else:
                _detail(console(), one, {i: item.others_text for i, item in items.items()})
                _campaign_table(console(), returns)
            return
        statuses = [leader_status(store, p) for p in store.leaders.every()]
        returns = _campaign_returns(store, statuses)
    out = console()
    if as_json:
        docs = [s.as_dict() for s in statuses]
        for doc, s in zip(docs, statuses, strict=True):
            doc["campaign"] = [g.as_dict(_today()) for g in returns[s.name]]
        typer.echo(json.dumps(docs, indent=2, ensure_ascii=False))
        return
    if not statuses:
        out.print("No leaders yet: add one with `leadcheck assess` or `leadcheck import`.", markup=False)
        return
    from leadcheck.cli._tables import print_table
    from leadcheck.overview import status_table

    print_table(out, status_table(statuses))
    _campaign_table(out, returns)


# -- rater campaigns (leadcheck.campaign): invited, returned and outstanding forms -------------


def _today() -> date:
    return datetime.now(timezone.utc).date()


def _campaign_returns(store: Store, statuses: list[LeaderStatus]) -> dict[str, list[GroupReturns]]:
    """Per leader, the roster's forms per group (empty for leaders without a roster)."""
    from leadcheck.campaign.tracking import leader_returns

    out: dict[str, list[GroupReturns]] = {}
    for s in statuses:
        found = store.leaders.find(s.name)
        instrument = store.assessments.instrument(s.assessment) if s.assessment else None
        out[s.name] = leader_returns(store, found, instrument) if found else []
    return out


def _campaign_table(out: Any, returns: dict[str, list[GroupReturns]]) -> None:
    """Forms invited, returned and outstanding per leader and group, against threshold and due date."""
    if not any(returns.values()):
        return
    from leadcheck.cli._tables import print_table
    from leadcheck.overview import campaign_table

    print_table(out, campaign_table(returns, _today()))


def _detail(out: Any, s: LeaderStatus, titles: dict[str, str]) -> None:
    from leadcheck.cli._tables import print_table
    from leadcheck.overview import groups_table, next_steps, utc_minutes
    from leadcheck.status import HIDDEN, POOLED
    from leadcheck.store.assessments import not_assessed_yet

    if s.assessment is None:
        out.print(f"{s.name}: {not_assessed_yet()}", markup=False)
        return
    a = s.assessment
    cohort = f", cohort {s.cohort}" if s.cohort else ""
    out.print(
        f"{s.name}{cohort}: {a.instrument_id} {a.instrument_version}, started {utc_minutes(a.created_at)} UTC, "
        f"last answer {utc_minutes(s.last_answered)}"
        + (" UTC" if s.last_answered else "")
        + f", plan: {'yes' if s.plan else 'no'}",
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
        out.print(f"Items with no rating shown yet ({len(s.unrated_items)}):", markup=False)
        for item_id in s.unrated_items:
            out.print(f"  {item_id}  {titles.get(item_id, '')}", markup=False)
    steps = next_steps(s)
    if steps:
        out.print()
        out.print("Next:", markup=False)
        for step in steps:
            out.print(f"  {step}", markup=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("leaders", cls=Command)(leaders)
    app.command("status", cls=Command)(status)
