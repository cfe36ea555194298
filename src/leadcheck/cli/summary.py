"""`leadcheck summary`: a leader's scores in the terminal, or as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from leadcheck.cli._common import console, db_path, handle_errors

if TYPE_CHECKING:
    from rich.text import Text

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


def _stat(stat: Stat | None) -> Text:
    from rich.text import Text

    if stat is None or stat.mean is None:
        return Text("–")
    return Text.assemble(f"{stat.mean:.2f} ", (f"(n={stat.n})", "dim"))


# The item column keeps at least this many characters and wraps; when the rater groups'
# columns would squeeze it further, the tables show only Self, All others and the gap.
LABEL_MIN_WIDTH = 28
LABEL_MAX_WIDTH = 48
COMPACT_NOTE = "(rater groups: widen the terminal or use --json)"


def _headers(card: Scorecard, groups: Sequence[str]) -> list[str]:
    from leadcheck.scoring import group_label

    inst = card.instrument
    heads = [""] + (["Self"] if inst.has_self else [])
    heads += [group_label(inst, g) for g in groups]
    heads += ["All others", ""] + (["Gap"] if inst.has_self else [])
    return heads


def _rows(card: Scorecard, dim: DimensionScore, groups: Sequence[str]) -> list[list[Text]]:
    """The cells of one competency's table: its overall row, then one row per item."""
    from rich.text import Text

    inst = card.instrument
    low, high = inst.scale.min, inst.scale.max
    rows: list[list[Text]] = []

    def row(
        label: Text,
        self_value: float | None,
        by_group: dict[str, Stat],
        others: Stat,
        gap: float | None,
        low_consensus: bool = False,
    ) -> None:
        cells = [label] + ([Text(_fmt(self_value))] if inst.has_self else [])
        cells += [_stat(by_group.get(g)) for g in groups]
        all_others = _stat(others)
        if low_consensus:
            all_others.append(" ~", style="yellow")
        cells += [all_others, Text(_bar(others.mean, low, high))]
        if inst.has_self:
            cells.append(Text(_gap(gap)))
        rows.append(cells)

    row(Text("Overall", style="bold"), dim.self, dim.groups, dim.others, dim.gap)
    for item in dim.items:
        from leadcheck.scoring import marked_text

        # Text: instrument text is data, never markup
        label = Text(f"{item.id} {marked_text(item.item.others_text, item.item.reverse)}")
        row(label, item.self, item.groups, item.others, item.gap, item.low_consensus)
    return rows


def _width_needed(headers: Sequence[str], rows: Sequence[Sequence[Text]]) -> int:
    """The narrowest a table can be with its item column at LABEL_MIN_WIDTH and no number cut."""
    from rich.cells import cell_len

    widths = [max([cell_len(h), *(r[i].cell_len for r in rows)]) for i, h in enumerate(headers)]
    widths[0] = LABEL_MIN_WIDTH
    return sum(widths) + 3 * len(widths) + 1  # a space either side of each cell, and the borders


def _wants_compact(card: Scorecard, width: int) -> bool:
    """Whether the rater groups' columns leave too little room at this console width."""
    if not card.shown_groups:
        return False
    headers = _headers(card, card.shown_groups)
    return any(_width_needed(headers, _rows(card, d, card.shown_groups)) > width for d in card.dimensions)


def _dimension_table(card: Scorecard, dim: DimensionScore, compact: bool = False) -> Any:
    from rich.table import Table
    from rich.text import Text

    groups = () if compact else card.shown_groups
    consensus = " · low consensus" if dim.low_consensus else ""
    agreement = f" · {dim.agreement}" if dim.agreement else ""
    table = Table(
        title=Text.assemble((dim.dimension.name, "bold"), f" ({dim.dimension.kind}){agreement}{consensus}"),
        title_justify="left",
        expand=False,
    )
    for n, head in enumerate(_headers(card, groups)):
        if n == 0:
            table.add_column(
                "", overflow="fold", min_width=LABEL_MIN_WIDTH, max_width=LABEL_MAX_WIDTH, ratio=1
            )
        elif head == "":
            table.add_column("", no_wrap=True)  # the bar
        else:
            table.add_column(Text(head), justify="right", no_wrap=True)
    for cells in _rows(card, dim, groups):
        table.add_row(*cells)
    return table


def _findings(title: str, findings: tuple[Finding, ...], with_gap: bool) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title, style="bold"), title_justify="left", show_header=True)
    table.add_column("Item", overflow="fold", min_width=LABEL_MIN_WIDTH, max_width=70)
    table.add_column("Self", justify="right", no_wrap=True)
    table.add_column("Others", justify="right", no_wrap=True)
    if with_gap:
        table.add_column("Gap", justify="right", no_wrap=True)
    from leadcheck.scoring import marked_text

    for f in findings:
        cells = [
            Text(f"{f.item_id} {marked_text(f.text, f.reverse)}"),
            Text(_fmt(f.self)),
            Text(_fmt(f.others)),
        ]
        if with_gap:
            cells.append(Text(_gap(f.gap)))
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
    from rich.text import Text

    out = console()
    inst = card.instrument
    raters = ", ".join(f"{inst.group(g).label} {n}" for g, n in card.raters.items()) or "none yet"
    out.print(Text.assemble((card.leader, "bold"), f" · {inst.title} {inst.version}"))
    out.print(f"Raters: {raters}", markup=False)
    hidden = [g.label for g in card.hidden_groups]
    if hidden:
        out.print(
            f"Hidden for anonymity (fewer raters than the threshold): {', '.join(hidden)}",
            markup=False,
            style="dim",
        )
    for note in card.notes:
        out.print(note, markup=False, style="dim")
    out.print(
        f"Scale {inst.scale.min}–{inst.scale.max}; gap = self − others; ~ marks low rater consensus "
        f"(rwg < {inst.scoring.low_consensus_rwg}).",
        markup=False,
        style="dim",
    )
    compact = _wants_compact(card, out.width)
    if compact:
        out.print(COMPACT_NOTE, markup=False, style="dim")
    for dim in card.dimensions:
        out.print()
        out.print(_dimension_table(card, dim, compact))
    if scored.changes:
        out.print()
        since = scored.previous.created_at[:10] if scored.previous else ""
        out.print(f"Change since {since}", markup=False, style="bold")
        for c in scored.changes:
            name = inst.dimension(c.dimension_id).name
            out.print(f"  {name}: self {_gap(c.self_change)}, others {_gap(c.others_change)}", markup=False)
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
            out.print(Text.assemble((title, "bold"), ": none"))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("summary")(summary)
