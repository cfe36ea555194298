"""The report's view model: every number, label and chart computed here, so templates only place them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from leadcheck import priorities
from leadcheck import text as txt
from leadcheck.anonymity import POOLED
from leadcheck.charts import (
    BarRow,
    Chart,
    Series,
    distribution_bar,
    distribution_key,
    group_bar_chart,
    radar_chart,
)
from leadcheck.instrument.model import SELF, Instrument
from leadcheck.report.longtext import prepare_comment
from leadcheck.scoring import (
    AGREE_HIGH,
    AGREE_LOW,
    OVER,
    REVERSE_MEANING,
    REVERSE_SHORT,
    UNDER,
    Change,
    DimensionScore,
    Finding,
    ItemScore,
    Scorecard,
    group_label,
    is_blind_spot,
    is_hidden_strength,
    marked_text,
)

if TYPE_CHECKING:
    from leadcheck.norms import Norms


AGREEMENT_TEXT = {
    OVER: "Over-estimator: you rate yourself higher than others do.",
    UNDER: "Under-estimator: others rate you higher than you rate yourself.",
    AGREE_HIGH: "In agreement, high: you and others agree, and the ratings are high.",
    AGREE_LOW: "In agreement, low: you and others agree, and the ratings leave room to grow.",
}


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
    held: bool = False  # the figures released earlier: newer answers held back for anonymity

    @property
    def reverse_note(self) -> str:
        return REVERSE_SHORT if self.reverse else ""


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
    norm: str = ""  # the percentile against the norm group or the cohort, with its n


@dataclass(frozen=True)
class FindingRow:
    id: str
    competency: str
    text: str
    self: str
    others: str
    gap: Cell
    reverse: bool = False
    evidence: str = ""  # the 95% interval of others' mean and where self lies (blind spots, hidden strengths)
    strength: str = ""  # priorities.CLEAR, TENTATIVE or ONE_RATER
    interval: str = ""  # the 95% interval of others' mean, "2.76 to 3.37" (an en dash between)

    @property
    def reverse_note(self) -> str:
        return REVERSE_SHORT if self.reverse else ""


@dataclass(frozen=True)
class Priority:
    """A development priority in the executive summary, with the evidence for it."""

    name: str
    evidence: str


@dataclass(frozen=True)
class Executive:
    """The first page: a few findings in plain sentences built from the data."""

    strengths: tuple[str, ...]
    priorities: tuple[Priority, ...]
    agreement: tuple[str, ...]
    next_steps: tuple[str, ...]
    basis: str  # whose ratings the strengths rest on


@dataclass(frozen=True)
class WorksheetRow:
    goal: str
    actions: str


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
    has_others: bool = True
    executive: Executive | None = None
    all_blind_spots: tuple[FindingRow, ...] = ()
    all_hidden_strengths: tuple[FindingRow, ...] = ()
    top_findings: int = priorities.TOP_FINDINGS
    reverse_meaning: str = REVERSE_MEANING
    spread_key: tuple[tuple[str, str], ...] = ()  # (scale point, its fill in the spread bars)
    worksheet: tuple[WorksheetRow, ...] = ()
    norms_title: str = ""  # e.g. "Norm group: cohorts a, b (48 leaders, built 2026-11-30)"
    norm_table: Table | None = None
    method: tuple[str, ...] = ()


def _gap_cell(card: Scorecard, self_value: float | None, others: float | None) -> Cell:
    """The gap as printed, classed by the same exact rule as the scoring (scoring.is_blind_spot)."""
    if self_value is None or others is None:
        return Cell(txt.DASH)
    s = card.instrument.scoring
    css = (
        "gap-blind"
        if is_blind_spot(self_value, others, s)
        else "gap-hidden"
        if is_hidden_strength(self_value, others, s)
        else ""
    )
    return Cell(txt.signed(self_value - others), css)


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


def _finding_row(card: Scorecard, f: Finding, ranked: priorities.RankedFinding | None = None) -> FindingRow:
    return FindingRow(
        f.item_id,
        card.instrument.dimension(f.dimension_id).name,
        f.text,
        txt.score(f.self),
        txt.score(f.others),
        _gap_cell(card, f.self, f.others),
        f.reverse,
        ranked.evidence if ranked else "",
        ranked.strength if ranked else "",
        f"{txt.score(ranked.low)}–{txt.score(ranked.high)}"
        if ranked and ranked.low is not None and ranked.high is not None
        else txt.DASH,
    )


def _finding_rows(card: Scorecard, findings: tuple[Finding, ...]) -> tuple[FindingRow, ...]:
    return tuple(_finding_row(card, f) for f in findings)


def _ranked_rows(card: Scorecard, findings: tuple[Finding, ...]) -> tuple[FindingRow, ...]:
    """Blind spots or hidden strengths, strongest evidence first (leadcheck.priorities)."""
    return tuple(_finding_row(card, r.finding, r) for r in priorities.rank(card, findings))


def _section(card: Scorecard, dim: DimensionScore, change: Change | None, norm: str = "") -> Section:
    labels = [p.label for p in card.instrument.scale.points]
    consensus, low = _consensus(dim)
    change_text = ""
    if change is not None and change.others_change is not None:
        change_text = (
            f"Change in others' rating since the previous assessment: {txt.signed(change.others_change)}"
        )
    return Section(
        id=dim.id,
        anchor=f"dim-{dim.id}",
        name=dim.dimension.name,
        kind="Core value" if dim.dimension.kind == "value" else "Competency",
        description=dim.dimension.description,
        self=txt.score(dim.self),
        others=txt.score(dim.others.mean),
        gap=_gap_cell(card, dim.self, dim.others.mean),
        agreement=AGREEMENT_TEXT.get(dim.agreement or "", ""),
        consensus=consensus,
        low_consensus=low > 0,
        chart=_section_chart(card, dim),
        items=tuple(_item_row(card, i, labels) for i in dim.items),
        change=change_text,
        norm=norm,
    )


def _section_chart(card: Scorecard, dim: DimensionScore) -> Chart:
    """A competency's bars: self, each group shown, and all others with its 95% interval."""
    inst = card.instrument
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
    bars.append(
        BarRow(
            "All others",
            dim.others.mean,
            dim.others.n or None,
            "others",
            priorities.interval(dim.others.mean, dim.others.sd, dim.others.n),
        )
    )
    return group_bar_chart(
        bars, inst.scale.min, inst.scale.max, width="125mm", title=f"{dim.dimension.name}: ratings by group"
    )


def _item_row(card: Scorecard, i: ItemScore, labels: list[str]) -> ItemRow:
    """One row of a competency's item table."""
    stat = i.others
    spread = (
        distribution_bar(stat.distribution, labels, width="32mm", title=f"{i.id}: spread of ratings")
        if stat.n
        else None
    )
    return ItemRow(
        id=i.id,
        text=i.item.others_text,
        self=txt.score(i.self),
        others=txt.score(stat.mean),
        others_n=str(stat.n) if stat.n else txt.DASH,
        gap=_gap_cell(card, i.self, stat.mean),
        spread=spread,
        range=f"{stat.min:g}–{stat.max:g}" if stat.min is not None and stat.max is not None else txt.DASH,
        not_observed=str(stat.not_observed) if stat.not_observed else "",
        low_consensus=i.low_consensus,
        reverse=i.item.reverse,
        held=i.held,
    )


def _consensus(dim: DimensionScore) -> tuple[str, int]:
    """A competency's consensus in words, and how many of its items are marked low consensus.

    Consensus is stated from the items, the same flags as the item table shows, so the
    header cannot say "high" above a table of low-consensus items (rwg(J) over many items
    passes 0.70 even when single items do not; it stays in the JSON and the appendix).
    """
    judged = [i for i in dim.items if i.rwg is not None]
    low = sum(1 for i in judged if i.low_consensus)
    if not judged:
        return txt.DASH, low
    if low == 0:
        return f"raters agree on all {txt.count(len(judged), 'item')}", low
    return f"raters disagree on {low} of {txt.count(len(judged), 'item')} (◆)", low


def _has_others(card: Scorecard) -> bool:
    return any(d.others.n for d in card.dimensions)


def _glance(card: Scorecard) -> tuple[Chart, Table]:
    inst = card.instrument
    dims = card.dimensions
    others = _has_others(card)
    series = []
    if inst.has_self:
        series.append(Series("Self", [d.self for d in dims], "self"))
    if others or not inst.has_self:
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
    if others:
        headers.append("All others")
    if inst.has_self and others:
        headers.append("Gap")
    rows = []
    for d in dims:
        row = [Cell(d.dimension.name)]
        if inst.has_self:
            row.append(Cell(txt.score(d.self)))
        for g in shown:
            stat = d.groups.get(g)
            row.append(Cell(txt.score(stat.mean) if stat else txt.DASH))
        if others:
            row.append(Cell(txt.score(d.others.mean), "strong"))
        if inst.has_self and others:
            row.append(_gap_cell(card, d.self, d.others.mean))
        rows.append(tuple(row))
    caption = (
        "Scores by rater group (mean ratings; gap = self − all others)"
        if others
        else "Your own ratings (mean per competency; no others' ratings yet)"
    )
    table = Table(caption, tuple(headers), tuple(rows))
    return radar, table


def _development(card: Scorecard) -> tuple[DevelopmentBlock, ...]:
    """The development priorities (leadcheck.priorities) with the instrument's suggested actions."""
    inst = card.instrument
    blocks = []
    for d in priorities.development_priorities(card):
        if not inst.development.get(d.id):
            continue
        if d.others.mean is not None:
            reason = f"All others rate {d.dimension.name} at {txt.score(d.others.mean)}"
            if d.self is not None:
                reason += f"; you rate yourself at {txt.score(d.self)}"
            reason += "."
        else:
            reason = f"Your own rating of {d.dimension.name} is {txt.score(d.self)}; no others' ratings yet."
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


def _evidence_sentence(card: Scorecard, d: DimensionScore) -> str:
    """Why a competency is a priority: its figures, interval, agreement and clearest blind spot."""
    parts = []
    if d.others.mean is not None:
        ci = priorities.interval(d.others.mean, d.others.sd, d.others.n)
        text = f"All others rate it {txt.score(d.others.mean)} (n={d.others.n}"
        text += f"; 95% interval {txt.score(ci[0])} to {txt.score(ci[1])})" if ci else ")"
        if d.self is not None:
            text += f"; you rate it {txt.score(d.self)}, a gap of {txt.signed(d.self - d.others.mean)}"
        parts.append(text + ".")
    elif d.self is not None:
        parts.append(f"Your own rating is {txt.score(d.self)}; no others' ratings yet.")
    spots = [r for r in priorities.rank(card, card.blind_spots) if r.finding.dimension_id == d.id]
    if spots:
        top = spots[0].finding
        parts.append(
            f"Strongest blind spot here ({spots[0].strength}): {top.item_id} “{marked_text(top.text, top.reverse)}”, "
            f"self {txt.score(top.self)}, others {txt.score(top.others)}."
        )
    return " ".join(parts)


def _executive(card: Scorecard, development: tuple[DevelopmentBlock, ...]) -> Executive:
    """The executive summary: strengths, priorities with evidence, agreement, next steps."""
    inst = card.instrument
    others = _has_others(card)
    strengths = []
    for d in priorities.strengths(card):
        level = d.others.mean if others else d.self
        who = (
            f"all others rate it {txt.score(level)} (n={d.others.n})"
            if others
            else f"you rate it {txt.score(level)}"
        )
        strengths.append(f"{d.dimension.name}: {who}.")
    hidden = priorities.rank(card, card.hidden_strengths)
    if hidden and hidden[0].strength == priorities.CLEAR:
        f = hidden[0].finding
        strengths.append(
            f"Others see more than you do in {f.item_id} “{marked_text(f.text, f.reverse)}”: others {txt.score(f.others)}, "
            f"you {txt.score(f.self)}."
        )
    prios = tuple(
        Priority(d.dimension.name, _evidence_sentence(card, d))
        for d in priorities.development_priorities(card)
    )
    agreement = []
    if inst.has_self and others:
        by_cat: dict[str, list[str]] = {}
        for d in card.dimensions:
            if d.agreement:
                by_cat.setdefault(d.agreement, []).append(f"{d.dimension.name} ({txt.signed(d.gap)})")
        words = {
            OVER: "You rate yourself higher than others do on",
            UNDER: "Others rate you higher than you rate yourself on",
            AGREE_HIGH: "You and others agree, at a high level, on",
            AGREE_LOW: "You and others agree, with room to grow, on",
        }
        for cat in (OVER, UNDER, AGREE_HIGH, AGREE_LOW):
            if by_cat.get(cat):
                agreement.append(f"{words[cat]} {', '.join(by_cat[cat])}.")
    debrief = (
        "Debrief: go through this summary with your coach first, then the pages behind each priority;"
        " the comments say in raters' words what the numbers cannot."
        if others
        else "Debrief: go through this summary and your own ratings with your coach."
    )
    steps = [
        debrief,
        "Plan: choose one or two priorities and fill in the worksheet in the development plan"
        + (" (it is pre-filled with them)." if development else "."),
        "Re-assess: ask the same raters again in 6 to 12 months (`leadcheck assess --new`);"
        " the next report shows the change per competency.",
    ]
    if not others:
        steps.insert(
            0, "Invite raters: this report holds only your own ratings (`leadcheck rate`, `leadcheck form`)."
        )
    basis = "by all others' mean rating" if others else "by your own rating (no others' ratings yet)"
    return Executive(tuple(strengths), prios, tuple(agreement), tuple(steps), basis)


def _worksheet(development: tuple[DevelopmentBlock, ...]) -> tuple[WorksheetRow, ...]:
    """The worksheet's rows: one per priority, its first suggested action's title filled in; blanks to 3."""
    rows = [WorksheetRow(f"Develop {b.name}", b.actions[0].title if b.actions else "") for b in development]
    while len(rows) < 3:
        rows.append(WorksheetRow("", ""))
    return tuple(rows)


def _norm_table(card: Scorecard, norms: Norms) -> Table:
    rows = []
    for d in card.dimensions:
        p = norms.percentile(d.id, d.others.mean)
        entry = norms.dimensions.get(d.id)
        rows.append(
            (
                Cell(d.dimension.name),
                Cell(txt.score(d.others.mean)),
                Cell(txt.score(entry.mean) if entry else txt.DASH),
                Cell(p.text if p else txt.DASH),
                Cell(str(entry.n) if entry else txt.DASH),
            )
        )
    return Table(
        "All others' mean against the norm group: percentile among its leaders",
        ("Competency or value", "You (all others)", "Norm group mean", "Percentile", "Leaders in norm group"),
        tuple(rows),
    )


def _thresholds(card: Scorecard) -> tuple[tuple[str, str], ...]:
    """The thresholds in force, as the appendix lists them (self-only: those that apply)."""
    inst = card.instrument
    s = inst.scoring
    counted = (
        "Competency figure of a group",
        f"the mean of its item figures, when at least {s.min_item_fraction:.0%} of the items have one",
    )
    if not _has_others(card):
        return (counted,)
    return (
        ("Blind spot", f"self at least {s.blind_spot_gap:g} above all others"),
        ("Hidden strength", f"all others at least {s.hidden_strength_gap:g} above self"),
        ("Self and others agree", f"the gap is smaller than {s.agreement_gap:g}"),
        ("High rating", f"all others' mean of at least {s.high_score:g}"),
        counted,
        ("Low consensus", f"rwg below {s.low_consensus_rwg:g}"),
        ("Evidence interval", "95% confidence interval of all others' mean (Student's t)"),
        (
            "Raters an item needs, per group",
            ", ".join(f"{g.label} {g.min_raters}" for g in inst.rater_groups),
        ),
    )


def _method(card: Scorecard) -> tuple[str, ...]:
    """Each rule with its threshold and source, so a reader can recompute any figure."""
    s = card.instrument.scoring
    scale = card.instrument.scale
    rules = (
        f"Reverse-scored items (marked ↺) are recoded {scale.min} + {scale.max} − answer before anything else, "
        "so a higher score is always better: on such an item a high score means the behaviour happens less often.",
        "Answers of “not observed” and skipped items are missing data, never a low score.",
        "Anonymity is applied to every item on its own: a group is shown only when enough of its raters rated "
        "the item; smaller groups are combined when together they reach the strictest of their thresholds, and "
        "otherwise left out of the item, “all others” included.",
        "“All others” for an item is the mean over every rater except you whose ratings the item shows (in their "
        "own group or combined), each person counted once (not a mean of group means).",
        f"A competency's figure, for each group and for all others, is the plain average of the item figures "
        f"this report shows for it, when at least {s.min_item_fraction:.0%} of its items have one. It is never "
        "built from raters' own averages, so it tells nothing the item figures do not: if peers rate two items "
        "3.00 and 4.50, the peers' figure for the competency is 3.75, whoever skipped what. Your own score for "
        "a competency is the mean of the items you answered.",
        "Comments to a question are shown, unattributed and in a fixed shuffled order, only when the groups "
        "asked that question have, together, at least as many raters as the strictest threshold among them.",
        "Once a report has been given to you, a later one changes an item's figures only when no rater's answers "
        "could be found by comparing the two; until then it shows the figures given before, and new comments "
        "are added in batches.",
        f"Gap = self − all others. Blind spot: gap of at least +{s.blind_spot_gap:g}; hidden strength: "
        f"at most −{s.hidden_strength_gap:g}. Every threshold is compared exactly (each mean is a ratio of "
        "whole numbers), so a gap of exactly the threshold counts. Equal figures are listed in instrument order.",
        "Evidence: the 95% confidence interval of all others' mean is mean ± t(0.975, n − 1) × SD ÷ √n. "
        "A finding is clear when your rating lies outside it, tentative when inside, and rests on one rater "
        "when n = 1. Findings are ranked clear first, then by |gap| ÷ the interval's half-width.",
        f"Self-other agreement per competency, in the four categories of Atwater and Yammarino (1992): "
        f"over-estimator when the gap is at least {s.agreement_gap:g}, under-estimator when at most "
        f"−{s.agreement_gap:g}, otherwise in agreement, high (all others at least {s.high_score:g}) or low. "
        "They classify by ±0.5 SD of the gap across a sample; a single report has no sample, so leadcheck "
        "uses this fixed gap on the scale (the instrument's scoring block sets it).",
        f"Rater consensus: rwg = 1 − s² ÷ ((A² − 1) ÷ 12) on an A-point scale (James, Demaree and Wolf, 1984), "
        f"for items rated by at least two others; below {s.low_consensus_rwg:g} (their conventional cut-off) "
        "is marked ◆ low consensus. A competency's consensus is stated as the number of its items so marked.",
        "Sources of the thresholds: the gaps and the high score are leadcheck's conventions, not published "
        "norms: on a 1 to 5 scale, 0.75 (blind spot, hidden strength) and 0.5 (agreement) of a scale step and "
        "a high score of 4.0 (“often”); on another scale they keep these proportions, and an instrument may set "
        "its own in its scoring block. The rwg cut-off of 0.70 is the one James, Demaree and Wolf proposed.",
        "Development priorities: the competencies with development actions and the lowest all-others mean "
        "(your own rating when no others rated), then the largest gap, then instrument order.",
    )
    if _has_others(card):
        return rules
    # Only your own ratings: the rules about others' figures do not apply.
    return (rules[0], rules[1], rules[4], rules[-1])


def _groups_explained(inst: Instrument) -> tuple[tuple[str, str], ...]:
    """Each rater group with when it is shown."""
    return tuple(
        (
            g.label,
            "the leader's own ratings" if g.id == SELF else f"shown when at least {g.min_raters} responded",
        )
        for g in inst.rater_groups
    )


def _norm_texts(card: Scorecard, norms: Norms | None) -> tuple[str, dict[str, str]]:
    """The norm group's title and each competency's percentile line (by id); empty without norms."""
    if norms is None:
        return "", {}
    title = (
        f"Norm group: {norms.source} ({txt.count(norms.leaders, 'leader')}; built {norms.created})"
        if norms.created
        else f"Norm group: {norms.source} ({txt.count(norms.leaders, 'leader')})"
    )
    norm_text: dict[str, str] = {}
    for d in card.dimensions:
        p = norms.percentile(d.id, d.others.mean)
        if p is not None:
            norm_text[d.id] = f"{p.text} percentile among {txt.count(p.n, 'leader')} ({norms.source})"
    return title, norm_text


def build_view(
    card: Scorecard,
    changes: tuple[Change, ...] = (),
    generated: date | None = None,
    author: str = "leadcheck",
    norms: Norms | None = None,
    draft: bool = False,
) -> ReportView:
    """The report's view model for one scorecard; a ``draft`` says so on every page."""
    inst: Instrument = card.instrument
    s = inst.scoring
    by_dim = {c.dimension_id: c for c in changes}
    radar, glance = _glance(card)
    all_blind = _ranked_rows(card, card.blind_spots)
    all_hidden = _ranked_rows(card, card.hidden_strengths)
    development = _development(card)
    norms_title, norm_text = _norm_texts(card, norms)
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
        groups_explained=_groups_explained(inst),
        radar=radar,
        glance_table=glance,
        sections=tuple(_section(card, d, by_dim.get(d.id), norm_text.get(d.id, "")) for d in card.dimensions),
        blind_spots=all_blind[: priorities.TOP_FINDINGS],
        hidden_strengths=all_hidden[: priorities.TOP_FINDINGS],
        highest=_finding_rows(card, card.highest),
        lowest=_finding_rows(card, card.lowest),
        comments=_comments(card),
        development=development,
        thresholds=_thresholds(card),
        hidden_groups=tuple(g.label for g in card.hidden_groups if not g.pooled),
        pooled_groups=tuple(g.label for g in card.groups if g.pooled),
        anonymity_notes=_anonymity_notes(card),
        notes=card.notes,
        has_self=inst.has_self,
        blind_spot_gap=f"{s.blind_spot_gap:g}",
        hidden_strength_gap=f"{s.hidden_strength_gap:g}",
        low_consensus_rwg=f"{s.low_consensus_rwg:g}",
        has_others=_has_others(card),
        executive=_executive(card, development),
        all_blind_spots=all_blind,
        all_hidden_strengths=all_hidden,
        spread_key=distribution_key([f"{p.value} {p.label}" for p in inst.scale.points]),
        worksheet=_worksheet(development),
        norms_title=norms_title,
        norm_table=_norm_table(card, norms) if norms is not None else None,
        method=_method(card),
    )


__all__ = ["POOLED", "ReportView", "build_view"]
