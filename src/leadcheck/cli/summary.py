"""`leadcheck summary`: a leader's scores in the terminal, or as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from leadcheck.base import text as txt
from leadcheck.cli._common import (
    FORMAT_HELP,
    AssessmentInstrumentOpt,
    JsonAliasOpt,
    LeaderArg,
    TextOrJson,
    console,
    db_path,
    format_option,
    wants_json,
)
from leadcheck.cli._help import Command

if TYPE_CHECKING:
    from rich.text import Text

    from leadcheck.pulse.results import PulseResults
    from leadcheck.scorecards import ScoredAssessment
    from leadcheck.scoring import DimensionScore, Finding, Scorecard, Stat


def _fmt(value: float | None) -> str:
    return txt.score(value, plain=True)


def _gap(value: float | None) -> str:
    return txt.signed(value, plain=True)


BAR_WIDTH = 8


def _bar(value: float | None, low: int, high: int, width: int = BAR_WIDTH) -> str:
    """A small bar of eighth-blocks: where ``value`` sits between the scale's ends."""
    if value is None:
        return " " * width
    eighths = round((value - low) / (high - low) * width * 8)
    full, part = divmod(max(0, min(width * 8, eighths)), 8)
    return ("█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")).ljust(width)


def _stat(stat: Stat | None, with_n: bool = True) -> Text:
    """A mean, with its number of raters for All others; a group's n is in --format json."""
    from rich.text import Text

    if stat is None or stat.mean is None:
        return Text("–")
    if not with_n:
        return Text(txt.score(stat.mean, plain=True))
    return Text.assemble(f"{txt.score(stat.mean, plain=True)} ", (f"(n={stat.n})", "dim"))


# The item column keeps at least this many characters and wraps; when the rater groups'
# columns would squeeze it further, the tables show only Self, All others and the gap.
LABEL_MIN_WIDTH = 28
LABEL_MAX_WIDTH = 48
LABEL_NARROWEST = 8
GAP = 2  # columns between two columns
COMPACT_NOTE = "(rater groups need a wider terminal; --format json has every figure)"


@dataclass(frozen=True)
class Layout:
    """What a competency's table shows: the rater groups' columns, and the bar."""

    groups: tuple[str, ...]
    bar: bool = True


BAR = "bar"  # the bar column's key in the headers (printed without a header)


def _headers(card: Scorecard, layout: Layout) -> list[str]:
    from leadcheck.scoring import group_label

    inst = card.instrument
    heads = [""] + (["Self"] if inst.has_self else [])
    heads += [group_label(inst, g) for g in layout.groups]
    heads += ["All others", "n"] + ([BAR] if layout.bar else []) + (["Gap"] if inst.has_self else [])
    return heads


def _rows(card: Scorecard, dim: DimensionScore, layout: Layout) -> list[list[Text]]:
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
        cells += [_stat(by_group.get(g), with_n=False) for g in layout.groups]
        all_others = _stat(others, with_n=False)
        if low_consensus:
            all_others.append(" ~", style="yellow")
        cells += [all_others, Text(str(others.n) if others.mean is not None else "", style="dim")]
        if layout.bar:
            cells.append(Text(_bar(others.mean, low, high, BAR_WIDTH)))
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


def _header_width(header: str, whole: bool = False) -> int:
    """A header's width: whole, or when it wraps at spaces ("Direct reports" takes 7)."""
    from rich.cells import cell_len

    words = [header] if whole else header.split()
    return 0 if header == BAR else max((cell_len(word) for word in words), default=0)


def _column_widths(headers: Sequence[str], rows: Sequence[Sequence[Text]], whole: bool = False) -> list[int]:
    """Each column's width: its widest cell or its header (``whole``, or its longest word); the item column at
    LABEL_MIN_WIDTH."""
    widths = [max([_header_width(h, whole), *(r[i].cell_len for r in rows)]) for i, h in enumerate(headers)]
    widths[0] = LABEL_MIN_WIDTH
    return widths


def _width_needed(headers: Sequence[str], rows: Sequence[Sequence[Text]]) -> int:
    """The narrowest a table can be with its item column at LABEL_MIN_WIDTH and no number cut."""
    widths = _column_widths(headers, rows)
    return sum(widths) + GAP * (len(widths) - 1)


def choose_layout(card: Scorecard, width: int) -> Layout:
    """The fullest layout every competency's table fits ``width`` with: the bar gives way first, then the groups."""
    groups = tuple(card.shown_groups)
    candidates = [Layout(groups), Layout(groups, bar=False), Layout(()), Layout((), bar=False)]
    for layout in candidates:
        headers = _headers(card, layout)
        if all(_width_needed(headers, _rows(card, d, layout)) <= width for d in card.dimensions):
            return layout
    return candidates[-1]


def _dimension_table(card: Scorecard, dim: DimensionScore, layout: Layout, width: int) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    consensus = " · low consensus" if dim.low_consensus else ""
    agreement = f" · {dim.agreement}" if dim.agreement else ""
    table = Table(
        title=Text.assemble((dim.dimension.name, "bold"), f" ({dim.dimension.kind}){agreement}{consensus}"),
        title_justify="left",
        expand=False,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, GAP - 1, 0, 0),  # with the box's one-space column divider: GAP between columns
    )
    headers = _headers(card, layout)
    rows = _rows(card, dim, layout)
    widths = _column_widths(headers, rows, whole=True)
    if sum(widths) + GAP * (len(widths) - 1) > width:
        widths = _column_widths(headers, rows)
    # Narrower than even the smallest layout: the item text gives way, never a number.
    numbers = sum(widths[1:]) + GAP * (len(widths) - 1)
    label_min = max(LABEL_NARROWEST, min(LABEL_MIN_WIDTH, width - numbers))
    for n, head in enumerate(headers):
        if n == 0:
            table.add_column("", overflow="fold", min_width=label_min, max_width=LABEL_MAX_WIDTH, ratio=1)
        elif head == BAR:
            table.add_column("", no_wrap=True)
        else:
            # A fixed width of the longest word: "Direct reports" wraps in the header, never a number.
            table.add_column(Text(head), justify="right", width=widths[n])
    for cells in rows:
        table.add_row(*cells)
    return table


def _findings(title: str, findings: tuple[Finding, ...], with_gap: bool) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=Text(title, style="bold"),
        title_justify="left",
        show_header=True,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, GAP - 1, 0, 0),
    )
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


def summary(
    ctx: typer.Context,
    leader: LeaderArg,
    format: Annotated[TextOrJson, format_option(FORMAT_HELP + " The JSON is documented in the README.")] = (
        TextOrJson.text
    ),
    as_json: JsonAliasOpt = False,
    instrument: AssessmentInstrumentOpt = None,
) -> None:
    """Show a leader's scores: competencies by rater group, gaps, blind spots and strengths.

    After a pulse, also what it found: per focus behaviour, how many raters saw improvement.
    """
    from leadcheck.development import current_plan
    from leadcheck.scorecards import publish, scored_leader
    from leadcheck.store import Store

    with Store.open(db_path(ctx), create=False) as store:
        scored = scored_leader(store, leader, instrument)
        publish(store, scored, "summary")  # what it shows is a release like any report
        plan = current_plan(store, scored.assessment)
        pulse = _pulse(store, scored)
    PRINTERS[TextOrJson.json if wants_json(format, as_json) else format](Shown(scored, plan, pulse))


@dataclass(frozen=True)
class Shown:
    """What one summary shows: the scored round, its plan (for tools) and its newest pulse."""

    scored: ScoredAssessment
    plan: dict[str, object] | None
    pulse: PulseResults | None


def _print_json(shown: Shown) -> None:
    """The summary as JSON for tools (documented in the README), with the round's plan and pulse."""
    doc = {**_summary_json(shown.scored), "plan": shown.plan}
    doc["pulse"] = shown.pulse.as_dict() if shown.pulse is not None else None
    typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))


def _print_text(shown: Shown) -> None:
    """The summary as tables for people, as wide as the terminal (the plan is `leadcheck plan --show`'s)."""
    scored = shown.scored
    card = scored.card
    out = console()
    _print_header(out, card)
    layout = choose_layout(card, out.width)
    if len(layout.groups) < len(card.shown_groups):
        out.print(COMPACT_NOTE, markup=False, style="dim")
    for dim in card.dimensions:
        out.print()
        out.print(_dimension_table(card, dim, layout, out.width))
    _print_changes(out, scored)
    _print_findings(out, card)
    if shown.pulse is not None:
        _print_pulse(out, shown.pulse)


def _pulse(store: Any, scored: ScoredAssessment) -> PulseResults | None:
    """The newest pulse of the leader's round, published as a summary like its figures; None before any."""
    from leadcheck.pulse import results, rounds

    target = rounds.newest_pulse(store, scored.assessment.leader)
    if target is None or target.round.id != scored.assessment.id:
        return None
    found = results.scored_pulse(store, target)
    results.publish(store, found, "summary")
    return results.results(store, found)


def _print_pulse(out: Any, pulse: PulseResults) -> None:
    """The pulse's results: a line per behaviour and figure, how many saw it improve, stay, decline."""
    from rich.table import Table
    from rich.text import Text

    from leadcheck.pulse.instrument import long_date
    from leadcheck.pulse.results import MEANING

    out.print()
    out.print(
        Text.assemble(
            (f"Pulse {pulse.number}", "bold"),
            f" · since the plan of {long_date(pulse.since)} · sent {pulse.started[:10]}",
        )
    )
    if pulse.withheld:
        out.print(
            "Not shown yet: set beside the earlier pulses, these answers would let a reader single out a rater. "
            "They are shown once more raters answer.",
            markup=False,
            style="dim",
        )
        return
    inst_groups = ", ".join(f"{pulse.labels[g]} {n}" for g, n in pulse.raters.items()) or "none yet"
    new = (
        f" ({pulse.new_raters} of them gave no answers in the round the plan followed)"
        if pulse.new_raters
        else ""
    )
    out.print(f"Raters: {inst_groups}{new}", markup=False)
    if pulse.hidden_groups:
        out.print(
            f"Hidden for anonymity (fewer raters than the threshold): {', '.join(pulse.hidden_groups)}",
            markup=False,
            style="dim",
        )
    if pulse.held:
        out.print(
            "Newer answers are held back: shown now, they would let a reader single out a rater.",
            markup=False,
            style="dim",
        )
    out.print(MEANING, markup=False, style="dim")
    table = Table(box=None, padding=(0, 1, 0, 0), show_edge=False)
    for column in ("Behaviour", "Raters", "Improved", "No change", "Declined", "Not observed", "Share", "p"):
        table.add_column(column, justify="left" if column in ("Behaviour", "Raters") else "right")
    for b in pulse.behaviours:
        mark = " ✓ improved" if b.improved else ""
        rows = [("All others", b.others, True)] + [(c.label, c.counts, False) for c in b.channels]
        for n, (label, counts, whole) in enumerate(rows):
            table.add_row(
                Text(f"{b.item_id} {b.text}{mark}" if n == 0 else "", overflow="fold"),
                label,
                str(counts.improved),
                str(counts.same),
                str(counts.declined),
                str(counts.not_observed),
                txt.percent(counts.share_improved),
                txt.probability(counts.sign_p) if whole else "",
            )
        if b.self_change is not None:
            table.add_row("", "Self", txt.signed(b.self_change, 0, plain=True), "", "", "", "", "")
    out.print(table)


# What each --format prints: a new format is one entry (and its name in TextOrJson).
PRINTERS: dict[TextOrJson, Callable[[Shown], None]] = {
    TextOrJson.text: _print_text,
    TextOrJson.json: _print_json,
}


def _summary_json(scored: ScoredAssessment) -> dict[str, Any]:
    """The scorecard as JSON, with the change since the previous assessment when there is one."""
    from leadcheck.change import change_json
    from leadcheck.scorecard_json import scorecard_json

    doc = scorecard_json(scored.card)
    doc["previous"] = (
        {"assessed_at": scored.previous.created_at, **change_json(scored.change)}
        if scored.previous and scored.change
        else None
    )
    return doc


def _print_header(out: Any, card: Scorecard) -> None:
    """Who, on what, rated by whom, what is hidden, and how to read the tables."""
    from rich.text import Text

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
        f"Scale {inst.scale.min}–{inst.scale.max}; gap = self − others; n = raters; "
        f"~ = low consensus (rwg < {inst.scoring.low_consensus_rwg}).",
        markup=False,
        style="dim",
    )


def _print_changes(out: Any, scored: ScoredAssessment) -> None:
    """The change per competency and item since the previous round, each with its verdict."""
    from leadcheck import change as chg
    from leadcheck.scoring import marked_text

    change = scored.change
    if change is None or not change.dimensions:
        return
    out.print()
    since = scored.previous.created_at[:10] if scored.previous else ""
    out.print(f"Change since {since} (all others; {chg.METHOD})", markup=False, style="bold")
    if chg.shared_text(change):
        out.print(chg.shared_text(change), markup=False)
    if chg.versions_text(change):
        out.print(chg.versions_text(change), markup=False, style="dim")
    for d in change.dimensions:
        over = "" if d.compared == d.total else f" (over {d.compared} of {d.total} items)"
        out.print(
            f"  {d.dimension.name}{over}: others {chg.shift_text(d.others, plain=True)}; "
            f"self {_gap(d.self_change)}",
            markup=False,
        )
        for i in d.items:
            text = marked_text(i.item.others_text, i.item.reverse)
            out.print(f"    {i.id}: {chg.shift_text(i.others, plain=True)}. {text}", markup=False)


def _print_findings(out: Any, card: Scorecard) -> None:
    """Blind spots, hidden strengths, highest and lowest: each a table, or "none"."""
    from rich.text import Text

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
    app.command("summary", cls=Command)(summary)
