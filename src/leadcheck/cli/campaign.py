"""`leadcheck raters ...`, `leadcheck invite` and `leadcheck remind`: a rater campaign from the coach's machine."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadcheck.base import text as txt
from leadcheck.base.errors import ExitCode
from leadcheck.campaign import PASSWORD_ENV
from leadcheck.cli._common import (
    CohortOpt,
    FormatOpt,
    IntoCohortOpt,
    JsonAliasOpt,
    TextOrJson,
    complete_leader,
    console,
    db_path,
    dry_run_option,
    group_option,
    instrument_option,
    new_option,
    output_option,
    printable,
    progress,
    pulse_option,
    wants_json,
    working,
)
from leadcheck.cli._help import Command, Group

if TYPE_CHECKING:
    from leadcheck.campaign.invitations import SmtpServer
    from leadcheck.campaign.issue import IssueResult
    from leadcheck.campaign.roster import RosterRater
    from leadcheck.instrument.model import Instrument
    from leadcheck.store import Leader, Store


app = typer.Typer(
    help="The roster of raters nominated for each leader: import, add, list, remove.",
    no_args_is_help=True,
    rich_markup_mode=None,
    cls=Group,
)

InstrumentOpt = Annotated[
    str | None,
    instrument_option("For leaders not assessed yet: a shipped id or a YAML path (default psl-360)."),
]
LeaderArg = Annotated[
    str,
    typer.Argument(
        help="The leader they rate.", metavar="LEADER", show_default=False, autocompletion=complete_leader
    ),
]
OnlyLeaderArg = Annotated[
    str | None,
    typer.Argument(
        help="Only this leader's raters.",
        metavar="LEADER",
        show_default=False,
        autocompletion=complete_leader,
    ),
]


def _open(ctx: typer.Context, create: bool = False) -> Store:
    from leadcheck.store import Store

    return Store.open(db_path(ctx), create=create)


def _open_or_scratch(ctx: typer.Context, stack: contextlib.ExitStack, scratch: bool) -> Store:
    """The workspace (created when missing); for a dry run without one, a scratch copy that vanishes."""
    import tempfile

    from leadcheck.store import Store

    path = db_path(ctx)
    if scratch and not path.exists():
        path = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "dry-run.db"
    store = Store.open(path)
    stack.callback(store.close)
    return store


def _instruments_for(store: Store, leaders: list[str], chosen: str | None) -> dict[str, Instrument]:
    from leadcheck.importing.responsefile import form_instrument

    return {name: form_instrument(store, name.strip(), chosen) for name in leaders}


def _print_problems(problems: Sequence[object]) -> None:
    from leadcheck.base.problems import capped

    shown, rest = capped(problems)
    for problem in shown:
        typer.echo(printable(str(problem), one_line=True), err=True)
    if rest is not None:
        typer.echo(rest, err=True)


@app.command("import", cls=Command)
def raters_import(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="A CSV file with the columns leader, name, email, group.",
            metavar="FILE",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ],
    instrument: InstrumentOpt = None,
    cohort: IntoCohortOpt = None,
    dry_run: Annotated[bool, dry_run_option("Check the file; write nothing.")] = False,
) -> None:
    """Add the raters of a nominations sheet to the roster.

    All of them, or (on any problem) none: every problem is listed.
    """
    from leadcheck.base.problems import Problems
    from leadcheck.campaign import roster
    from leadcheck.store import leader_name_problem

    problems = Problems(str(file))
    nominations = roster.read_nominations(file, problems)
    with contextlib.ExitStack() as stack:
        if not problems.has_errors:
            exists = db_path(ctx).exists()
            store = _open_or_scratch(ctx, stack, dry_run or not exists)
            leaders = sorted({n.leader for n in nominations if not leader_name_problem(n.leader)})
            instruments = _instruments_for(store, leaders, instrument)
            checked = roster.check_nominations(store, nominations, instruments, problems)
        if problems.has_errors:
            _print_problems(sorted(problems.found))
            n = sum(p.level == "error" for p in problems.found)
            typer.echo(f"{txt.count(n, 'problem')} found. Nothing was written.", err=True)
            raise typer.Exit(ExitCode.INVALID)
        if dry_run:
            typer.echo(
                f"Dry run: {txt.count(len(checked), 'rater')} checked, no problem found; nothing was written."
            )
            return
        if not exists:  # checked against a scratch workspace: a refused file creates none
            store = _open_or_scratch(ctx, stack, False)
        change = roster.add_nominations(store, checked, instruments, cohort)
    typer.echo(f"Added {txt.count(change.added, 'rater')} to the roster; {change.unchanged} already on it.")


@app.command("add", cls=Command)
def raters_add(
    ctx: typer.Context,
    leader: LeaderArg,
    email: Annotated[
        str, typer.Option("--email", help="The rater's email address.", metavar="ADDRESS", show_default=False)
    ],
    group: Annotated[str, group_option("The rater's group (id or label).")],
    name: Annotated[
        str,
        typer.Option(
            "--name", help="The rater's name, for the greeting.", metavar="NAME", show_default=False
        ),
    ] = "",
    instrument: InstrumentOpt = None,
    cohort: IntoCohortOpt = None,
) -> None:
    """Add one rater to a leader's roster."""
    from leadcheck.base.errors import UsageError
    from leadcheck.base.problems import Problems
    from leadcheck.campaign import roster

    problems = Problems("command line")
    nomination = roster.Nomination(leader.strip(), name.strip(), email.strip(), group)
    with contextlib.ExitStack() as stack:
        exists = db_path(ctx).exists()
        store = _open_or_scratch(ctx, stack, not exists)
        instruments = _instruments_for(store, [nomination.leader], instrument)
        checked = roster.check_nominations(store, [nomination], instruments, problems)
        if problems.has_errors:
            first = problems.found[0]
            option = {"leader": "LEADER", "name": "--name", "email": "--email", "group": "--as"}.get(
                first.csv_column, ""
            )
            raise UsageError(f"{option}: {first.message}" if option else first.message)
        if not exists:
            store = _open_or_scratch(ctx, stack, False)
        change = roster.add_nominations(store, checked, instruments, cohort)
    if change.added:
        typer.echo(f'Added a rater ({checked[0].group}) to the roster of "{leader.strip()}".')
    else:
        typer.echo(f'This rater is already on the roster of "{leader.strip()}"; nothing changed.')


def _roster_table(
    raters: list[RosterRater],
    title: str = "Roster (for the coach only: names and emails never go into reports)",
) -> None:
    from leadcheck.cli._tables import print_table
    from leadcheck.overview import roster_table

    print_table(console(), roster_table(raters, title))


@app.command("list", cls=Command)
def raters_list(
    ctx: typer.Context,
    leader: OnlyLeaderArg = None,
    cohort: CohortOpt = None,
    outstanding: Annotated[
        bool, typer.Option("--outstanding", help="Only raters invited who have not returned their form.")
    ] = False,
    format: FormatOpt = TextOrJson.text,
    as_json: JsonAliasOpt = False,
) -> None:
    """Show the roster: each rater's leader, group, name, email and state.

    States: nominated, invited (a form was written), returned (it was imported).
    """
    from leadcheck.campaign import roster

    as_json = wants_json(format, as_json)
    with _open(ctx) as store:
        who = store.leaders.get(leader) if leader else None
        raters = roster.roster(store, who, cohort)
    if outstanding:
        raters = [r for r in raters if r.state == roster.INVITED]
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in raters], indent=2, ensure_ascii=False))
        return
    if not raters:
        typer.echo(
            "No raters on the roster yet: add them with `leadcheck raters import` or `leadcheck raters add`."
        )
        return
    _roster_table(raters)


@app.command("remove", cls=Command)
def raters_remove(
    ctx: typer.Context,
    leader: LeaderArg,
    email: Annotated[
        str, typer.Argument(help="The rater's email address.", metavar="EMAIL", show_default=False)
    ],
) -> None:
    """Take a rater off a leader's roster.

    Their name and email are deleted, and their form is refused from then on.
    """
    from leadcheck.campaign import roster

    with _open(ctx) as store:
        removed = roster.remove(store, store.leaders.get(leader), email)
    kept = " Answers they already returned stay in the workspace." if removed.state == roster.RETURNED else ""
    typer.echo(f'Removed a rater ({removed.group}) from the roster of "{removed.leader}".{kept}')


# -- invite and remind ---------------------------------------------------------------------------


def _server(smtp: str | None, user: str | None) -> SmtpServer | None:
    from leadcheck.campaign.invitations import SmtpServer, parse_server

    if smtp is None:
        if user is not None:
            from leadcheck.base.errors import UsageError

            raise UsageError("--smtp-user needs --smtp HOST[:PORT]")
        return None
    host, port = parse_server(smtp)
    password = None
    if user:
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            password = typer.prompt(f"Password for {user} at {host}", hide_input=True, err=True)
    return SmtpServer(host, port, user, password)


def _due(due: str | None) -> str | None:
    from datetime import date

    from leadcheck.base.errors import UsageError

    if due is None:
        return None
    try:
        day = date.fromisoformat(due.strip())
    except ValueError:
        raise UsageError(
            f'--due "{due}" is not a date; expected YYYY-MM-DD, for example 2026-12-15'
        ) from None
    if day < date.today():
        raise UsageError(
            f"--due {day.isoformat()} is in the past; give the date raters should send their forms by"
        )
    return day.isoformat()


def _issue(
    ctx: typer.Context,
    leader: str | None,
    cohort: str | None,
    output: Path,
    sender: str,
    due: str | None,
    template: Path | None,
    instrument: str | None,
    smtp: str | None,
    smtp_user: str | None,
    reminder: bool,
    pulse: bool = False,
    new_pulse: bool = False,
) -> None:
    from leadcheck.base.errors import UsageError
    from leadcheck.campaign.invitations import check_sender, load_template
    from leadcheck.campaign.issue import check_server, issue_forms, recover_staged, send_issued

    if leader is not None and cohort is not None:
        raise UsageError("give either LEADER or --cohort, not both")
    check_sender(sender)
    due_date = _due(due)
    mail_template = load_template(template) if template is not None else None
    _check_output_folder(output)
    server = _server(smtp, smtp_user)
    with _open(ctx) as store:
        recovered = recover_staged(store, output)
        if recovered:
            typer.echo(f"Moved {txt.count(recovered, 'file')} of an interrupted run into {output}/.")
        pulses = None
        if pulse:
            chosen, pulses = _pulse_waiting(store, leader, cohort, reminder, new_pulse)
        else:
            chosen = _waiting(store, leader, cohort, reminder)
        if not chosen:
            return
        if server is not None:
            with _listing_not_reached():
                check_server(
                    server, chosen
                )  # a wrong host or password fails here, before anything is written
        output.mkdir(exist_ok=True)
        what = ("Pulse reminders" if reminder else "Pulse forms") if pulse else None
        with progress(what or ("Reminders" if reminder else "Invitations"), len(chosen)) as advance:
            result = issue_forms(
                store,
                chosen,
                output,
                sender=sender,
                due_date=due_date,
                reminder=reminder,
                template=mail_template,
                instrument=instrument,
                on_issued=lambda _form: advance(),
                pulse=pulses,
            )
        _print_issued(result, output, reminder, pulse)
        if server is not None:
            with (
                _listing_not_reached(),
                working(f"Sending {txt.count(len(result.issued), 'email')} through {server.host}"),
            ):
                sent = send_issued(store, server, result, sender, reminder)
            typer.echo(f"Sent {txt.count(sent, 'email')} through {server.host}:{server.port}.")


@contextlib.contextmanager
def _listing_not_reached() -> Iterator[None]:
    """Raters an email did not reach are shown to the coach as a roster table (names and emails, as
    `raters list` shows them) before the error, which names them only by file or number."""
    from leadcheck.campaign.issue import RatersNotReached

    try:
        yield
    except RatersNotReached as e:
        _roster_table(e.raters, "Not reached (for the coach only)")
        raise


def _check_output_folder(output: Path) -> None:
    """-o names a folder that exists or can be made here."""
    from leadcheck.base.errors import NO_FOLDER, UsageError, cannot_write

    if output.exists() and not output.is_dir():
        raise UsageError(f"{output}: is a file; -o names a folder for the forms and emails")
    if not output.parent.is_dir():
        raise UsageError(cannot_write(NO_FOLDER, output))


def _waiting(store: Store, leader: str | None, cohort: str | None, reminder: bool) -> list[RosterRater]:
    """The raters waiting for a form (invitations) or for whose form we wait (reminders); when there
    are none, says so."""
    from leadcheck.base.errors import NotFoundError
    from leadcheck.campaign import roster

    who = store.leaders.get(leader) if leader else None
    if cohort is not None and not store.leaders.every(cohort):
        raise NotFoundError(
            f'no cohort "{cohort}" in {store.path}; cohorts: {", ".join(store.leaders.cohorts()) or "none yet"}'
        )
    everyone = roster.roster(store, who, cohort)
    wanted = roster.INVITED if reminder else roster.NOMINATED
    chosen = [r for r in everyone if r.state == wanted]
    if not chosen:
        if reminder:
            typer.echo("Nobody to remind: every invited rater has returned their form.")
        else:
            invited = sum(r.state != roster.NOMINATED for r in everyone)
            hint = f" ({invited} already invited: remind them with `leadcheck remind`)" if invited else ""
            typer.echo(f"Nobody to invite: no rater on the roster is waiting for a form{hint}.")
    return chosen


def _pulse_waiting(
    store: Store, leader: str | None, cohort: str | None, reminder: bool, new: bool
) -> tuple[list[RosterRater], dict[int, tuple[int, Instrument]]]:
    """The raters waiting for a pulse form (or, reminding, for whose pulse form we wait), and each of
    their leaders' pulse; when there are none, says so. A cohort's leaders without a plan are named
    and skipped; a leader named alone without one is an error."""
    from leadcheck.base.errors import NotFoundError
    from leadcheck.pulse import rounds

    if cohort is not None and not store.leaders.every(cohort):
        raise NotFoundError(
            f'no cohort "{cohort}" in {store.path}; cohorts: {", ".join(store.leaders.cohorts()) or "none yet"}'
        )
    who = [store.leaders.get(leader)] if leader else store.leaders.every(cohort)
    chosen: list[RosterRater] = []
    pulses: dict[int, tuple[int, Instrument]] = {}
    without: list[str] = []
    for person in who:
        if reminder:
            target = rounds.newest_pulse(store, person)
        elif leader is None and not _has_plan(store, person):
            target = None
        else:
            target = rounds.open_pulse(store, person, new)
        if target is None:
            without.append(person.name)
            continue
        waiting = rounds.waiting(store, target, reminder)
        if waiting:
            pulses[person.id] = (target.pulse.id, target.instrument)
            chosen.extend(waiting)
    if leader is not None and reminder and without:
        raise NotFoundError(
            f'no pulse of "{who[0].name}" to remind about; send one first with `leadcheck pulse`'
        )
    if without and not reminder:
        shown = ", ".join(printable(n, one_line=True) for n in without)
        typer.echo(
            f"No development plan yet, no pulse sent (make one with `leadcheck plan`): {shown}.", err=True
        )
    if not chosen:
        if reminder:
            typer.echo("Nobody to remind: every rater sent a pulse form has answered it.")
        else:
            typer.echo(
                "Nobody to send a pulse form to: every rater on the roster has one "
                "(remind them with `leadcheck remind --pulse`, or start a new pulse with --new)."
            )
    return chosen, pulses


def _has_plan(store: Store, leader: Leader) -> bool:

    current = store.assessments.current_or_none(leader)
    return current is not None and store.plans.of_round(current.id) is not None


def _print_issued(result: IssueResult, output: Path, reminder: bool, pulse: bool = False) -> None:
    from rich.table import Table
    from rich.text import Text

    n = len(result.issued)
    what = "reminder" if reminder else "invitation"
    if pulse:
        what = "pulse reminder" if reminder else "pulse"
    table = Table(box=None, padding=(0, 2, 0, 0))
    for column in ("leader", "group", "name", "form"):
        table.add_column(column, overflow="fold")
    for f in result.issued:
        table.add_row(
            *(
                Text(printable(c, one_line=True))
                for c in (f.rater.leader, f.rater.group, f.rater.name, f.pdf.name)
            )
        )
    out = console(soft_wrap=True)
    out.print(table, soft_wrap=False)
    out.print(
        Text(
            f"Wrote {txt.count(n, 'form')} and {n} {what} {txt.plural(n, 'email')} (.eml, ready to send) "
            f"to {output}/ ({txt.count(result.renders, 'form')} rendered)."
        )
    )


_OUTPUT = output_option("The folder for the forms (.pdf) and emails (.eml).", folder=True)
_SENDER = typer.Option(
    "--from",
    help='Your address, as the emails\' sender, e.g. "Cory Coach" plus the address in angle brackets.',
    metavar="ADDRESS",
    show_default=False,
)
_DUE = typer.Option(
    "--due", help="The date to return the forms by (YYYY-MM-DD).", metavar="DATE", show_default=False
)
_TEMPLATE = typer.Option(
    "--template",
    help="The email text instead of the built-in one: a first line Subject: ..., then the body, with "
    "$rater_name, $leader, $group, $due_date, $sender_name.",
    metavar="FILE",
    exists=True,
    dir_okay=False,
    show_default=False,
)
_SMTP = typer.Option(
    "--smtp",
    help="Also send the emails through SERVER, HOST or HOST:PORT (STARTTLS unless it is this machine).",
    metavar="SERVER",
    show_default=False,
)
_SMTP_USER = typer.Option(
    "--smtp-user",
    help=f"Log in as this user; the password comes from ${PASSWORD_ENV}, else a prompt.",
    metavar="USER",
    show_default=False,
)


def invite(
    ctx: typer.Context,
    output: Annotated[Path, _OUTPUT],
    sender: Annotated[str, _SENDER],
    leader: OnlyLeaderArg = None,
    cohort: CohortOpt = None,
    due: Annotated[str | None, _DUE] = None,
    template: Annotated[Path | None, _TEMPLATE] = None,
    instrument: InstrumentOpt = None,
    smtp: Annotated[str | None, _SMTP] = None,
    smtp_user: Annotated[str | None, _SMTP_USER] = None,
) -> None:
    """Write a fillable PDF questionnaire and an invitation email for every nominated rater not yet invited."""
    _issue(ctx, leader, cohort, output, sender, due, template, instrument, smtp, smtp_user, reminder=False)


def remind(
    ctx: typer.Context,
    output: Annotated[Path, _OUTPUT],
    sender: Annotated[str, _SENDER],
    leader: OnlyLeaderArg = None,
    cohort: CohortOpt = None,
    due: Annotated[str | None, _DUE] = None,
    template: Annotated[Path | None, _TEMPLATE] = None,
    smtp: Annotated[str | None, _SMTP] = None,
    smtp_user: Annotated[str | None, _SMTP_USER] = None,
    pulse: Annotated[
        bool, pulse_option("Remind the raters sent a pulse form who have not answered it.")
    ] = False,
) -> None:
    """Write a fresh form and a reminder email for every invited rater who has not returned a form."""
    _issue(
        ctx, leader, cohort, output, sender, due, template, None, smtp, smtp_user, reminder=True, pulse=pulse
    )


def pulse(
    ctx: typer.Context,
    output: Annotated[Path, _OUTPUT],
    sender: Annotated[str, _SENDER],
    leader: OnlyLeaderArg = None,
    cohort: CohortOpt = None,
    due: Annotated[str | None, _DUE] = None,
    template: Annotated[Path | None, _TEMPLATE] = None,
    new: Annotated[bool, new_option("Start a new pulse, even when the last one has not ended.")] = False,
    smtp: Annotated[str | None, _SMTP] = None,
    smtp_user: Annotated[str | None, _SMTP_USER] = None,
) -> None:
    """Send the leader's raters a short follow-up: has each behaviour of their plan changed?

    One two-minute PDF form and email per rater on the roster (not removed), as `invite` writes them.
    Run it again to send forms to raters added since; --new starts a second pulse.
    """
    if leader is None and cohort is None:
        from leadcheck.base.errors import UsageError

        raise UsageError("give a LEADER or --cohort NAME: whose raters the pulse goes to")
    _issue(
        ctx,
        leader,
        cohort,
        output,
        sender,
        due,
        template,
        None,
        smtp,
        smtp_user,
        reminder=False,
        pulse=True,
        new_pulse=new,
    )


def register(root: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    root.add_typer(app, name="raters")
    root.command("invite", cls=Command)(invite)
    root.command("remind", cls=Command)(remind)
    root.command("pulse", cls=Command)(pulse)
