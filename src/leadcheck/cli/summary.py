"""`leadcheck summary`: a leader's scores in the terminal, or as JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from leadcheck.cli._common import console, db_path, handle_errors

if TYPE_CHECKING:
    from leadcheck.scoring import DimensionScore, Finding, Scorecard, Stat


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _gap(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def _bar(value: float | None, low: int, high: int, width: int = 10) -> str:
    """A small bar of eighth-blocks: where ``value`` sits between the scale's ends."""
    if value is None:
        return " " * width
    eighths = round((value - low) / (high - low) * width * 8)
    full, part = divmod(max(0, min(width * 8, eighths)), 8)
    return ("█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")).ljust(width)


def _stat(stat: Stat | None) -> str:
    if stat is None or stat.mean is None:
        return "–"
    return f"{stat.mean:.2f} [dim](n={stat.n})[/]"


def _dimension_table(card: Scorecard, dim: DimensionScore) -> Any:
    from rich.markup import escape
    from rich.table import Table

    from leadcheck.scoring import group_label

    inst = card.instrument
    low, high = inst.scale.min, inst.scale.max
    consensus = " · low consensus" if dim.low_consensus else ""
    agreement = f" · {dim.agreement}" if dim.agreement else ""
    table = Table(
        title=f"[bold]{escape(dim.dimension.name)}[/] ({dim.dimension.kind}){agreement}{consensus}",
        title_justify="left",
        expand=False,
    )
    table.add_column("", overflow="fold", max_width=48)
    if inst.has_self:
        table.add_column("Self", justify="right", no_wrap=True)
    for gid in card.shown_groups:
        table.add_column(escape(group_label(inst, gid)), justify="right", no_wrap=True)
    table.add_column("All others", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    if inst.has_self:
        table.add_column("Gap", justify="right", no_wrap=True)

    def row(
        label: str,
        self_value: float | None,
        groups: dict[str, Stat],
        others: Stat,
        gap: float | None,
        mark: str = "",
    ) -> None:
        cells = [label]
        if inst.has_self:
            cells.append(_fmt(self_value))
        cells += [_stat(groups.get(g)) for g in card.shown_groups]
        cells += [_stat(others) + mark, _bar(others.mean, low, high)]
        if inst.has_self:
            cells.append(_gap(gap))
        table.add_row(*cells)

    row("[bold]Overall[/]", dim.self, dim.groups, dim.others, dim.gap)
    for item in dim.items:
        mark = " [yellow]~[/]" if item.low_consensus else ""
        row(f"{item.id} {escape(item.item.others_text)}", item.self, item.groups, item.others, item.gap, mark)
    return table


def _findings(title: str, findings: tuple[Finding, ...], with_gap: bool) -> Any:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"[bold]{title}[/]", title_justify="left", show_header=True)
    table.add_column("Item", overflow="fold", max_width=70)
    table.add_column("Self", justify="right")
    table.add_column("Others", justify="right")
    if with_gap:
        table.add_column("Gap", justify="right")
    for f in findings:
        cells = [f"{f.item_id} {escape(f.text)}", _fmt(f.self), _fmt(f.others)]
        if with_gap:
            cells.append(_gap(f.gap))
        table.add_row(*cells)
    return table


@handle_errors
def summary(
    ctx: typer.Context,
    leader: Annotated[str, typer.Argument(help="The leader's name, as in `leadcheck leaders`.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the scores as JSON (documented in the README).")
    ] = False,
    instrument: Annotated[
        str | None,
        typer.Option("--instrument", help="Which instrument's assessment, when the leader has several."),
    ] = None,
) -> None:
    """Show a leader's scores: competencies by rater group, gaps, blind spots and strengths."""
    from leadcheck.scorecards import scored_leader
    from leadcheck.scoring import scorecard_json
    from leadcheck.store import Store

    with Store.open(db_path(ctx), create=False) as store:
        scored = scored_leader(store, leader, instrument)
    card = scored.card
    if as_json:
        doc = scorecard_json(card)
        doc["previous"] = (
            {
                "assessed_at": scored.previous.created_at,
                "changes": {
                    c.dimension_id: {"self": c.self_change, "others": c.others_change} for c in scored.changes
                },
            }
            if scored.previous
            else None
        )
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    from rich.markup import escape

    out = console()
    inst = card.instrument
    raters = ", ".join(f"{inst.group(g).label} {n}" for g, n in card.raters.items()) or "none yet"
    out.print(f"[bold]{escape(card.leader)}[/] · {escape(inst.title)} {escape(inst.version)}")
    out.print(f"Raters: {escape(raters)}")
    hidden = [g.label for g in card.groups if g.raters and g.raters < g.min_raters]
    if hidden:
        out.print(
            f"[dim]Hidden for anonymity (fewer raters than the threshold): {escape(', '.join(hidden))}[/]"
        )
    for note in card.notes:
        out.print(f"[dim]{escape(note)}[/]")
    out.print(
        f"[dim]Scale {inst.scale.min}–{inst.scale.max}; gap = self − others; ~ marks low rater consensus (rwg < {inst.scoring.low_consensus_rwg}).[/]"
    )
    for dim in card.dimensions:
        out.print()
        out.print(_dimension_table(card, dim))
    if scored.changes:
        out.print()
        out.print(f"[bold]Change since {scored.previous.created_at[:10] if scored.previous else ''}[/]")
        for c in scored.changes:
            name = inst.dimension(c.dimension_id).name
            out.print(f"  {escape(name)}: self {_gap(c.self_change)}, others {_gap(c.others_change)}")
    for title, findings, with_gap in (
        ("Blind spots (you rate yourself well above others)", card.blind_spots, True),
        ("Hidden strengths (others rate you well above yourself)", card.hidden_strengths, True),
        ("Highest rated by others", card.highest, False),
        ("Lowest rated by others", card.lowest, False),
    ):
        out.print()
        if findings:
            out.print(_findings(title, findings, with_gap))
        else:
            out.print(f"[bold]{title}[/]: none")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("summary")(summary)
