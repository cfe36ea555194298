"""`leadcheck plan`: the one to three behaviours a leader commits to after a round, and the page they share."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from leadcheck.base.errors import INVALID, ExitCode, PlanError, UsageError
from leadcheck.cli._common import (
    AssessmentInstrumentOpt,
    FormatOpt,
    LeaderArg,
    TextOrJson,
    console,
    db_path,
    output_option,
    printable,
    working,
)
from leadcheck.cli._help import Command

if TYPE_CHECKING:
    from leadcheck.development import Offer, PlanRound
    from leadcheck.store import Store
    from leadcheck.store.plans import Focus, Plan

NO_PLAN_GIVEN = (
    "no plan given: run `leadcheck plan LEADER` in a terminal to choose the behaviours, or give "
    "--file plan.yaml (the report's worksheet shows the file); --show prints a stored plan"
)


# Over 60 lines only through its parameter declarations: typer reads the options from the signature.
def plan(
    ctx: typer.Context,
    leader: LeaderArg,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="A plan file (the report's worksheet shows it): stored without questions, or nothing on error.",
            metavar="FILE",
            dir_okay=False,
        ),
    ] = None,
    show: Annotated[bool, typer.Option("--show", help="Print the stored plan of the round.")] = False,
    format: FormatOpt = TextOrJson.text,
    output: Annotated[
        Path | None,
        output_option("Write the one-page plan to share with raters (PDF: behaviours and dates, no scores)."),
    ] = None,
    instrument: AssessmentInstrumentOpt = None,
) -> None:
    """Choose one to three behaviours to work on after the leader's current round.

    In a terminal, the behaviours the report named to work on are offered
    first; any item can be chosen by its number or id. For each: what you
    will do, who you will tell, and by when. The plan is saved only once you
    confirm it (a plan saved before stays until then). --file stores a plan
    file instead; --show prints the stored plan; -o writes the one-page plan
    PDF to share with raters.
    """
    from leadcheck.development import plan_round
    from leadcheck.store import Store

    with Store.open(db_path(ctx), create=False) as store:
        where = plan_round(store, leader, instrument)
        if file is not None:
            saved = _from_file(store, where, file)
            _print(saved, where, format)
        elif show or output is not None:
            if where.plan is None:
                raise where.missing()
            saved = where.plan
            if show:
                _print(saved, where, format)
        else:
            saved = _interactive(store, where)
    if output is not None:
        _write_page(saved, where, output)


def _from_file(store: Store, where: PlanRound, file: Path) -> Plan:
    """The plan file checked whole (every problem printed, file:line:column) and stored; nothing on error."""
    from leadcheck.cli._reporters import Format, Report, print_report
    from leadcheck.development import read_plan_file, save_plan

    focus, problems = read_plan_file(file, where.instrument, date.today())
    if problems:
        print_report(Format.text, Report(problems, {"problems": [p.as_dict() for p in problems]}))
        raise typer.Exit(INVALID)
    saved = save_plan(store, where, focus)
    typer.echo(
        f"Saved the plan for round {where.number} of {printable(where.leader, one_line=True)}.", err=True
    )
    return saved


def _print(saved: Plan, where: PlanRound, format: TextOrJson) -> None:
    from leadcheck.development import plan_json

    if format is TextOrJson.json:
        typer.echo(plan_json(saved, where.instrument, where.leader, where.number))
        return
    _show(console(), saved, where)


def _show(out: Any, saved: Plan | tuple[Focus, ...], where: PlanRound) -> None:
    """The plan as the leader reads it back: each behaviour, then what, who and when."""
    from rich.text import Text

    from leadcheck.development import long_date, plan_rows
    from leadcheck.instrument.model import SELF
    from leadcheck.store.plans import Plan

    shown = saved if isinstance(saved, Plan) else Plan(0, 0, date.today().isoformat(), saved)
    out.print(
        Text(f"Plan of {where.leader} after round {where.number} ({where.instrument.id})", style="bold")
    )
    out.print(Text(f"made {long_date(shown.made_on)}", style="dim"))
    for n, row in enumerate(plan_rows(shown, where.instrument, SELF), start=1):
        out.print(Text(f"{n}. {row.item_id} {row.behaviour}", style="bold"))
        out.print(Text(f"   What: {row.action}"))
        out.print(Text(f"   Tell: {row.tell}"))
        out.print(Text(f"   By:   {row.by}"))


def _write_page(saved: Plan, where: PlanRound, output: Path) -> None:
    """The one-page plan PDF, written whole or not at all."""
    from leadcheck.base.atomic import write_atomic
    from leadcheck.development import plan_page
    from leadcheck.report.glyphs import warning
    from leadcheck.report.render import render_plan

    page = plan_page(saved, where.instrument, where.leader, date.today())
    with working(f"Rendering {output}"):
        rendered = render_plan(page)
        write_atomic(output, rendered.data)
    typer.echo(f"Wrote {output} ({len(rendered.data) / 1024:.0f} KiB)", err=True)
    if rendered.missing_scripts:
        typer.echo(f"warning: {warning(f'the plan of {where.leader}', rendered.missing_scripts)}", err=True)


# -- in the terminal -------------------------------------------------------------------------------


def _interactive(store: Store, where: PlanRound) -> Plan:
    """Ask for the behaviours and confirm them; Ctrl-C or the end of input saves nothing."""
    from leadcheck.cli.collect import Keyboard
    from leadcheck.development import save_plan

    keyboard = Keyboard(single_key=False)
    if not keyboard.is_terminal:
        raise UsageError(NO_PLAN_GIVEN)
    out = console()
    kept = "; the plan saved before stays" if where.plan is not None else ""
    try:
        focus = _choose(out, keyboard, store, where)
        _show(out, focus, where)
        if not _confirm(keyboard, "Save this plan? [y/n] "):
            out.print(f"Not saved{kept}.", markup=False)
            raise typer.Exit(ExitCode.OK)
    except KeyboardInterrupt:
        typer.echo(f"\nInterrupted: no plan saved{kept}.", err=True)
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except EOFError:
        typer.echo(f"\nThe input ended: no plan saved{kept}.", err=True)
        raise typer.Exit(INVALID) from None
    saved = save_plan(store, where, focus)
    out.print(
        f"Saved. Share it with your raters: leadcheck plan {_quoted(where.leader)} -o plan.pdf",
        markup=False,
        soft_wrap=True,
    )
    return saved


def _quoted(name: str) -> str:
    import shlex

    return shlex.quote(name)


def _choose(out: Any, keyboard: Any, store: Store, where: PlanRound) -> tuple[Focus, ...]:
    """One to MAX_FOCUS behaviours, each with what, who and when."""
    from rich.text import Text

    from leadcheck.development import offers
    from leadcheck.scorecards import released_card
    from leadcheck.store.plans import MAX_FOCUS

    inst = where.instrument
    out.print(
        Text(f"Development plan of {where.leader} after round {where.number} ({inst.title})", style="bold")
    )
    if where.plan is not None:
        out.print(
            Text(
                f"This round has a plan (made {where.plan.made_on}); saving a new one replaces it.",
                style="yellow",
            )
        )
    offered = offers(released_card(store, where.assessment))
    _list_offers(out, offered)
    out.print(
        Text(
            f"Choose 1 to {MAX_FOCUS} behaviours: type an item's number or id"
            + (" (those above first)" if offered else "")
            + "; ? lists every item; Enter alone when you are done.",
            style="dim",
        )
    )
    chosen: list[Focus] = []
    while len(chosen) < MAX_FOCUS:
        item_id = _ask_item(out, keyboard, where, [f.item_id for f in chosen])
        if item_id is None:
            if chosen:
                break
            out.print(Text("Choose at least one behaviour.", style="red"))
            continue
        chosen.append(_ask_focus(out, keyboard, where, item_id))
    return tuple(chosen)


def _list_offers(out: Any, offered: tuple[Offer, ...]) -> None:
    from rich.text import Text

    if not offered:
        out.print(Text("No report of this round was released yet: choose any behaviour.", style="dim"))
        return
    out.print(Text("Your report named these behaviours to work on:"))
    for o in offered:
        out.print(Text(f"  {o.number:>3}  {o.item_id}  {o.text}  ({o.competency})"))


def _list_items(out: Any, where: PlanRound) -> None:
    from rich.text import Text

    from leadcheck.instrument.model import SELF

    n = 0
    for dim in where.instrument.dimensions:
        out.print(Text(dim.name, style="bold"))
        for item in dim.items:
            n += 1
            out.print(Text(f"  {n:>3}  {item.id}  {item.text_for(SELF)}"))


def _ask_item(out: Any, keyboard: Any, where: PlanRound, taken: list[str]) -> str | None:
    """The next behaviour's item id, asked until it is one (or None for Enter alone)."""
    from rich.text import Text

    from leadcheck.development import find_item

    while True:
        typed = keyboard.line(f"Behaviour {len(taken) + 1}: ").strip()
        if not typed:
            return None
        if typed == "?":
            _list_items(out, where)
            continue
        try:
            item_id = find_item(where.instrument, typed)
        except PlanError as e:
            out.print(Text(str(e), style="red"))
            continue
        if item_id in taken:
            out.print(Text(f"{item_id} is chosen already; choose another.", style="red"))
            continue
        out.print(Text(f"  {item_id}: {where.instrument.items[item_id].self_text}", style="cyan"))
        return item_id


def _ask_focus(out: Any, keyboard: Any, where: PlanRound, item_id: str) -> Focus:
    from leadcheck.development import DATE_FORMAT, due_date, words
    from leadcheck.store.plans import Focus

    action = _ask(out, keyboard, "  What will you do? ", lambda t: words(t, "what you will do"))
    tell = _ask(out, keyboard, "  Who will you tell? ", lambda t: words(t, "who you will tell"))
    by = _ask(out, keyboard, f"  By when ({DATE_FORMAT})? ", lambda t: due_date(t, date.today()))
    return Focus(item_id, action, tell, by)


def _ask(out: Any, keyboard: Any, prompt: str, check: Any) -> str:
    """One answer, asked again (with why) until ``check`` takes it."""
    from rich.text import Text

    while True:
        try:
            return str(check(keyboard.line(prompt)))
        except PlanError as e:
            out.print(Text(f"  {e}", style="red"))


def _confirm(keyboard: Any, prompt: str) -> bool:
    while True:
        answer = keyboard.line(prompt).strip().casefold()
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no"):
            return False


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("plan", cls=Command)(plan)
