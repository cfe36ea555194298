"""The report's view model: every number, label and chart computed here, so templates only place them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from leadcheck.anonymity import POOLED
from leadcheck.charts import BarRow, Chart, Series, distribution_bar, group_bar_chart, radar_chart
from leadcheck.instrument.model import SELF, Instrument
from leadcheck.report.longtext import prepare_comment
from leadcheck.scoring import (
    AGREE_HIGH,
    AGREE_LOW,
    OVER,
    UNDER,
    Change,
    DimensionScore,
    Finding,
    Scorecard,
    group_label,
)

DASH = "–"
DEVELOPMENT_FOCUS = 2  # competencies in the development plan

AGREEMENT_TEXT = {
    OVER: "Over-estimator: you rate yourself higher than others do.",
    UNDER: "Under-estimator: others rate you higher than you rate yourself.",
    AGREE_HIGH: "In agreement, high: you and others agree, and the ratings are high.",
    AGREE_LOW: "In agreement, low: you and others agree, and the ratings leave room to grow.",
}


def num(value: float | None) -> str:
    """A score as printed: two decimals, or a dash for no data."""
    return DASH if value is None else f"{value:.2f}"


def signed(value: float | None) -> str:
    return DASH if value is None else f"{value:+.2f}".replace("-", "−")


@dataclass(frozen=True)
class Cell:
    """A table cell: its text and an optional CSS class (e.g. for a gap's sign)."""

    text: str
    css: str = ""


@dataclass(frozen=True)
class Table:
    """A table with a caption, header cells and rows of cells."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class ItemRow:
    """One item in a competency section."""

    id: str
    text: str
    self: str
    others: str
    others_n: str
    gap: Cell
    spread: Chart | None
    range: str
    not_observed: str
    low_consensus: bool
    reverse: bool


@dataclass(frozen=True)
class Section:
    """One competency or value."""

    id: str
    anchor: str
    name: str
    kind: str
    description: str
    self: str
    others: str
    gap: Cell
    agreement: str
    consensus: str
    low_consensus: bool
    chart: Chart
    items: tuple[ItemRow, ...]
    change: str


@dataclass(frozen=True)
class FindingRow:
    id: str
    competency: str
    text: str
    self: str
    others: str
    gap: Cell


@dataclass(frozen=True)
class ActionView:
    title: str
    do: str
    why: str


@dataclass(frozen=True)
class DevelopmentBlock:
    """A competency in the development plan: why it was chosen, and suggested actions."""

    name: str
    reason: str
    actions: tuple[ActionView, ...]


@dataclass(frozen=True)
class CommentBlock:
    question: str
    comments: tuple[str, ...]
    own: str | None


@dataclass(frozen=True)
class ReportView:
    """Everything the templates print, as plain strings, tables and charts."""

    title: str
    draft: bool  # a coach's preview, not released to the leader: DRAFT on every page
    leader: str
    instrument_title: str
    instrument_id: str
    instrument_version: str
    instrument_hash: str
    credits: str | None
    language: str
    generated: str
    author: str
    rater_table: Table
    scale: tuple[tuple[str, str], ...]
    not_observed_label: str | None
    groups_explained: tuple[tuple[str, str], ...]
    radar: Chart
    glance_table: Table
    sections: tuple[Section, ...]
    blind_spots: tuple[FindingRow, ...]
    hidden_strengths: tuple[FindingRow, ...]
    highest: tuple[FindingRow, ...]
    lowest: tuple[FindingRow, ...]
    comments: tuple[CommentBlock, ...]
    development: tuple[DevelopmentBlock, ...]
    thresholds: tuple[tuple[str, str], ...]
    hidden_groups: tuple[str, ...]
    pooled_groups: tuple[str, ...]
    anonymity_notes: tuple[str, ...]
    notes: tuple[str, ...]
    has_self: bool
    blind_spot_gap: str
    hidden_strength_gap: str
    low_consensus_rwg: str


def _gap_cell(value: float | None, blind: float, hidden: float) -> Cell:
    if value is None:
        return Cell(DASH)
    css = "gap-blind" if value >= blind else "gap-hidden" if -value >= hidden else ""
    return Cell(signed(value), css)


def _raters_table(card: Scorecard) -> Table:
    rows = []
    for g in card.groups:
        if g.raters == 0:
            status = "no responses"
            count = "0"
        elif g.raters >= g.min_raters:
            status = "shown"
            count = str(g.raters)
        elif g.pooled and not g.excluded:
            status = f"fewer than {g.min_raters}: combined with other small groups"
            count = f"fewer than {g.min_raters}"
        elif g.pooled:
            status = (
                f"fewer than {g.min_raters}: combined with other small groups where together "
                "they reach the threshold, left out elsewhere"
            )
            count = f"fewer than {g.min_raters}"
        else:
            status = f"fewer than {g.min_raters}: not shown, to protect anonymity"
            count = f"fewer than {g.min_raters}"
        rows.append((Cell(g.label), Cell(count), Cell(status)))
    return Table("Who responded", ("Rater group", "Responses", "In this report"), tuple(rows))


def _anonymity_notes(card: Scorecard) -> tuple[str, ...]:
    """One sentence per group that anonymity kept out of some figure, true to what happened."""
    notes = []
    for g in card.groups:
        if not g.raters or g.id == SELF:
            continue
        small = f"fewer than {g.min_raters} rated"
        if not g.shown and not g.pooled:
            if g.raters >= g.min_raters:
                why = f"{small} each item"
            else:
                # Say why, without counting the small group: pooling is only among small groups.
                why = (
                    f"fewer than {g.min_raters} responded; a small group is combined only with other groups "
                    "too small to be shown on their own, and there were not enough of those to reach the "
                    "threshold together"
                )
            notes.append(f"{g.label}: {why}; left out of every figure.")
        elif not g.shown:
            notes.append(
                f"{g.label}: too few raters to be shown on its own; combined with other small groups "
                "in the figures where together they reach the threshold, left out of the others."
            )
        elif g.pooled or g.excluded:
            where = (
                "combined with other small groups, or left out"
                if g.pooled and g.excluded
                else "combined with other small groups"
                if g.pooled
                else "left out"
            )
            notes.append(f"{g.label}: shown, except in the figures where {small}; there {where}.")
    return tuple(notes)


def _finding_rows(card: Scorecard, findings: tuple[Finding, ...]) -> tuple[FindingRow, ...]:
    s = card.instrument.scoring
    return tuple(
        FindingRow(
            f.item_id,
            card.instrument.dimension(f.dimension_id).name,
            f.text,
            num(f.self),
            num(f.others),
            _gap_cell(f.gap, s.blind_spot_gap, s.hidden_strength_gap),
        )
        for f in findings
    )


def _section(card: Scorecard, dim: DimensionScore, change: Change | None) -> Section:
    inst = card.instrument
    s = inst.scoring
    labels = [p.label for p in inst.scale.points]
    bars = []
    if inst.has_self:
        bars.append(BarRow("Self", dim.self, None, "self"))
    for gid in card.shown_groups:
        stat = dim.groups.get(gid)
        if stat is None and gid == POOLED:
            continue
        bars.append(
            BarRow(group_label(inst, gid), stat.mean if stat else None, stat.n if stat else None, "group")
        )
    bars.append(BarRow("All others", dim.others.mean, dim.others.n or None, "others"))
    chart = group_bar_chart(
        bars, inst.scale.min, inst.scale.max, width="165mm", title=f"{dim.dimension.name}: ratings by group"
    )
    items = []
    for i in dim.items:
        stat = i.others
        spread = (
            distribution_bar(stat.distribution, labels, width="32mm", title=f"{i.id}: spread of ratings")
            if stat.n
            else None
        )
        items.append(
            ItemRow(
                id=i.id,
                text=i.item.others_text,
                self=num(i.self),
                others=num(stat.mean),
                others_n=str(stat.n) if stat.n else DASH,
                gap=_gap_cell(i.gap, s.blind_spot_gap, s.hidden_strength_gap),
                spread=spread,
                range=f"{stat.min:g}–{stat.max:g}" if stat.min is not None and stat.max is not None else DASH,
                not_observed=str(stat.not_observed) if stat.not_observed else "",
                low_consensus=i.low_consensus,
                reverse=i.item.reverse,
            )
        )
    consensus = (
        DASH
        if dim.rwg_j is None
        else f"{dim.rwg_j:.2f}" + (" (low: raters disagree)" if dim.low_consensus else "")
    )
    change_text = ""
    if change is not None and change.others_change is not None:
        change_text = (
            f"Change in others' rating since the previous assessment: {signed(change.others_change)}"
        )
    return Section(
        id=dim.id,
        anchor=f"dim-{dim.id}",
        name=dim.dimension.name,
        kind="Core value" if dim.dimension.kind == "value" else "Competency",
        description=dim.dimension.description,
        self=num(dim.self),
        others=num(dim.others.mean),
        gap=_gap_cell(dim.gap, s.blind_spot_gap, s.hidden_strength_gap),
        agreement=AGREEMENT_TEXT.get(dim.agreement or "", ""),
        consensus=consensus,
        low_consensus=dim.low_consensus,
        chart=chart,
        items=tuple(items),
        change=change_text,
    )


def _glance(card: Scorecard) -> tuple[Chart, Table]:
    inst = card.instrument
    dims = card.dimensions
    series = []
    if inst.has_self:
        series.append(Series("Self", [d.self for d in dims], "self"))
    series.append(Series("All others", [d.others.mean for d in dims], "others"))
    radar = radar_chart(
        [d.dimension.name for d in dims],
        series,
        inst.scale.min,
        inst.scale.max,
        width="150mm",
        title="Self and others across competencies and values",
    )
    headers = ["Competency or value"]
    if inst.has_self:
        headers.append("Self")
    shown = [g for g in card.shown_groups if any(g in d.groups for d in dims)]
    headers += [group_label(inst, g) for g in shown]
    headers.append("All others")
    if inst.has_self:
        headers.append("Gap")
    s = inst.scoring
    rows = []
    for d in dims:
        row = [Cell(d.dimension.name)]
        if inst.has_self:
            row.append(Cell(num(d.self)))
        for g in shown:
            stat = d.groups.get(g)
            row.append(Cell(num(stat.mean) if stat else DASH))
        row.append(Cell(num(d.others.mean), "strong"))
        if inst.has_self:
            row.append(_gap_cell(d.gap, s.blind_spot_gap, s.hidden_strength_gap))
        rows.append(tuple(row))
    table = Table(
        "Scores by rater group (mean ratings; gap = self − all others)", tuple(headers), tuple(rows)
    )
    return radar, table


def _development(card: Scorecard) -> tuple[DevelopmentBlock, ...]:
    """The competencies most in need: lowest others' mean first, then the largest blind spot."""
    inst = card.instrument

    def need(d: DimensionScore) -> tuple[float, float]:
        level = d.others.mean if d.others.mean is not None else (d.self if d.self is not None else 99.0)
        return (level, -(d.gap or 0.0))

    ranked = sorted((d for d in card.dimensions if inst.development.get(d.id)), key=need)
    blocks = []
    for d in ranked[:DEVELOPMENT_FOCUS]:
        if d.others.mean is not None:
            reason = f"All others rate {d.dimension.name} at {num(d.others.mean)}"
            if d.self is not None:
                reason += f"; you rate yourself at {num(d.self)}"
            reason += "."
        else:
            reason = f"Your own rating of {d.dimension.name} is {num(d.self)}; no others' ratings yet."
        actions = tuple(ActionView(a.title, a.do, a.why) for a in inst.development[d.id])
        blocks.append(DevelopmentBlock(d.dimension.name, reason, actions))
    return tuple(blocks)


def _comments(card: Scorecard) -> tuple[CommentBlock, ...]:
    out = []
    for q in card.instrument.questions:
        # Bounded and breakable: one rater's 300,000-character "word" must not stall the layout.
        others = tuple(prepare_comment(c) for c in card.comments.get(q.id, ()))
        own = card.self_comments.get(q.id)
        if others or own:
            out.append(CommentBlock(q.others_text, others, prepare_comment(own) if own else own))
    return tuple(out)


def build_view(
    card: Scorecard,
    changes: tuple[Change, ...] = (),
    generated: date | None = None,
    author: str = "leadcheck",
    draft: bool = False,
) -> ReportView:
    """The report's view model for one scorecard; a ``draft`` says so on every page."""
    inst: Instrument = card.instrument
    s = inst.scoring
    by_dim = {c.dimension_id: c for c in changes}
    radar, glance = _glance(card)
    hidden = tuple(g.label for g in card.hidden_groups if not g.pooled)
    pooled = tuple(g.label for g in card.groups if g.pooled)
    groups_explained = tuple(
        (
            g.label,
            "the leader's own ratings" if g.id == SELF else f"shown when at least {g.min_raters} responded",
        )
        for g in inst.rater_groups
    )
    return ReportView(
        title=f"{'DRAFT ' if draft else ''}360 development report: {card.leader}",
        draft=draft,
        leader=card.leader,
        instrument_title=inst.title,
        instrument_id=inst.id,
        instrument_version=inst.version,
        instrument_hash=inst.content_hash[:12],
        credits=inst.credits,
        language=inst.language,
        generated=(generated or date.today()).isoformat(),
        author=author,
        rater_table=_raters_table(card),
        scale=tuple((str(p.value), p.label) for p in inst.scale.points),
        not_observed_label=inst.scale.not_observed_label if inst.scale.not_observed else None,
        groups_explained=groups_explained,
        radar=radar,
        glance_table=glance,
        sections=tuple(_section(card, d, by_dim.get(d.id)) for d in card.dimensions),
        blind_spots=_finding_rows(card, card.blind_spots),
        hidden_strengths=_finding_rows(card, card.hidden_strengths),
        highest=_finding_rows(card, card.highest),
        lowest=_finding_rows(card, card.lowest),
        comments=_comments(card),
        development=_development(card),
        thresholds=(
            ("Blind spot", f"self at least {s.blind_spot_gap:g} above all others"),
            ("Hidden strength", f"all others at least {s.hidden_strength_gap:g} above self"),
            ("Self and others agree", f"the gap is smaller than {s.agreement_gap:g}"),
            ("High rating", f"all others' mean of at least {s.high_score:g}"),
            (
                "Competency figure of a group",
                f"the mean of its item figures, when at least {s.min_item_fraction:.0%} of the items have one",
            ),
            ("Low consensus", f"rwg below {s.low_consensus_rwg:g}"),
            *tuple(
                (f"{g.label} shown from", f"{g.min_raters} rater{'s' * (g.min_raters != 1)}")
                for g in inst.rater_groups
            ),
        ),
        hidden_groups=hidden,
        pooled_groups=pooled,
        anonymity_notes=_anonymity_notes(card),
        notes=card.notes,
        has_self=inst.has_self,
        blind_spot_gap=f"{s.blind_spot_gap:g}",
        hidden_strength_gap=f"{s.hidden_strength_gap:g}",
        low_consensus_rwg=f"{s.low_consensus_rwg:g}",
    )


__all__ = ["POOLED", "ReportView", "build_view"]
