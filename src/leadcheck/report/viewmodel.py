"""The report's view model: every number, label and chart computed here, so templates only place them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

from leadcheck import change as chg
from leadcheck import development as development_plan
from leadcheck import findings, priorities
from leadcheck.anonymity import POOLED, enough
from leadcheck.base import exact
from leadcheck.base import text as txt
from leadcheck.base.charts import (
    BarRow,
    Chart,
    Series,
    distribution_bar,
    distribution_key,
    group_bar_chart,
    radar_chart,
)
from leadcheck.base.views import Cell, Table
from leadcheck.development import PlanSection
from leadcheck.instrument.model import SELF, Instrument
from leadcheck.report.longtext import prepare_comment
from leadcheck.scoring import (
    AGREE_HIGH,
    AGREE_LOW,
    HELD_NOTE,
    OVER,
    REVERSE_MEANING,
    REVERSE_SHORT,
    UNDER,
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


# How a percentile against a norm group is computed (leadcheck.norms), as the report states it.
PERCENTILE_RULE = (
    "A percentile against a norm group interpolates linearly between the group's stored percentile points "
    "(5th to 95th; 0 or 100 beyond them): a norm file holds aggregates only, never each leader's figure. "
    "The group's figures are each leader's all-others mean."
)


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
class ChangeRow:
    """One competency or item on the change page."""

    id: str
    text: str
    heading: bool  # a competency or value row, its items below it
    reverse: bool
    before: str
    after: str
    change: str
    interval: str
    verdict: Cell  # css: change-up, change-down or change-none
    note: str = ""

    @property
    def reverse_note(self) -> str:
        return REVERSE_SHORT if self.reverse else ""


@dataclass(frozen=True)
class ChangeView:
    """The change since the previous round, with a verdict for every competency and item."""

    method: str
    shared: str
    versions: str
    counts: str
    rows: tuple[ChangeRow, ...]
    reliable: tuple[ChangeRow, ...] = ()  # the rows with a reliable improvement or decline, listed first


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
    relative: str = ""  # the relative gap (leadcheck.findings): the gap less the leader's overall difference

    @property
    def reverse_note(self) -> str:
        return REVERSE_SHORT if self.reverse else ""


@dataclass(frozen=True)
class Priority:
    """A development priority in the executive summary, with the evidence for it."""

    name: str
    evidence: str
    short: str = ""  # the name and its figure with interval, for the first page


@dataclass(frozen=True)
class Behaviour:
    """One specific behaviour on the first page: its figure, how sure it is, and a rater's words."""

    id: str
    text: str
    competency: str
    figure: str  # "Others 4.60 (n = 8); you 4.00"
    certainty: str  # in words, with the 95% interval
    comment: str = ""  # one short published comment that speaks to it, or ""


@dataclass(frozen=True)
class Executive:
    """The first page: behaviours to build on and to work on, in plain sentences built from the data."""

    strengths: tuple[str, ...]
    priorities: tuple[Priority, ...]
    agreement: tuple[str, ...]
    next_steps: tuple[str, ...]
    basis: str  # whose ratings the strengths rest on
    build_on: tuple[Behaviour, ...] = ()
    work_on: tuple[Behaviour, ...] = ()
    chart: Chart | None = None
    intro: str = ""


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
    leniency: str = ""  # the leader's overall difference from others, signed ("+0.42")
    high_score: str = ""
    partly_shown_notes: tuple[str, ...] = ()  # groups shown, but left out or combined in some figures
    percentile_rule: str = ""
    change: ChangeView | None = None  # since the previous round, when there is one
    importance_note: str = ""  # how development priorities were ordered when importance was asked
    held_note: str = ""  # on the first page when the report repeats the last release (scoring.HELD_NOTE)
    plans: tuple[
        PlanSection, ...
    ] = ()  # the previous round's plan, then this round's (leadcheck.development)
    plan_file: str = ""  # the plan file the worksheet shows, to fill in
    # The worksheet is for making a plan: a round that has one prints it instead.
    worksheet_shown: bool = True


def _gap_cell(card: Scorecard, self_value: float | None, others: float | None) -> Cell:
    """The gap as printed, classed by the same exact rule as the scoring (scoring.is_blind_spot)."""
    if self_value is None or others is None:
        return Cell(txt.DASH)
    s = card.instrument.scoring
    lv = card.levels
    css = (
        "gap-blind"
        if is_blind_spot(self_value, others, s, lv)
        else "gap-hidden"
        if is_hidden_strength(self_value, others, s, lv)
        else ""
    )
    return Cell(txt.signed(exact.difference(self_value, others)), css)


def _raters_table(card: Scorecard) -> Table:
    rows = []
    for g in card.groups:
        if g.raters == 0:
            status = "no responses"
            count = "0"
        elif enough(g.raters, g.min_raters):
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


def _anonymity_notes(card: Scorecard) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """One sentence per group that anonymity kept out of some figure, true to what happened:
    the groups never shown on their own, and the groups shown except in some figures."""
    notes = []
    partly = []
    for g in card.groups:
        if not g.raters or g.id == SELF:
            continue
        small = f"fewer than {g.min_raters} rated"
        if not g.shown and not g.pooled:
            if enough(g.raters, g.min_raters):
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
            partly.append(f"{g.label}: shown, except in the figures where {small}; there {where}.")
    return tuple(notes), tuple(partly)


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
        txt.signed(f.relative_gap),
    )


def _finding_rows(card: Scorecard, findings: tuple[Finding, ...]) -> tuple[FindingRow, ...]:
    return tuple(_finding_row(card, f) for f in findings)


def _ranked_rows(card: Scorecard, findings: tuple[Finding, ...]) -> tuple[FindingRow, ...]:
    """Blind spots or hidden strengths, strongest evidence first (leadcheck.priorities)."""
    return tuple(_finding_row(card, r.finding, r) for r in priorities.rank(card, findings))


def _section(
    card: Scorecard, dim: DimensionScore, change: chg.DimensionChange | None, norm: str = ""
) -> Section:
    labels = [p.label for p in card.instrument.scale.points]
    consensus, low = _consensus(dim)
    change_text = ""
    if change is not None and change.others_change is not None:
        over = "" if change.compared == change.total else f", over {change.compared} of {change.total} items"
        change_text = (
            f"Change in all others' rating since the previous round{over}: {chg.shift_text(change.others)}."
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
            findings.competency_interval(dim, inst.scale.min, inst.scale.max),
        )
    )
    return group_bar_chart(
        bars, inst.scale.min, inst.scale.max, width="118mm", title=f"Ratings of {dim.dimension.name} by group"
    )


def _item_row(card: Scorecard, i: ItemScore, labels: list[str]) -> ItemRow:
    """One row of a competency's item table."""
    stat = i.others
    spread = (
        distribution_bar(stat.distribution, labels, width="32mm", title=f"Spread of ratings of item {i.id}")
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
        scale = card.instrument.scale
        ci = findings.competency_interval(d, scale.min, scale.max)
        text = f"All others rate it {txt.score(d.others.mean)} (n={d.others.n}"
        text += f"; 95% interval {txt.score(ci[0])} to {txt.score(ci[1])})" if ci else ")"
        if d.self is not None:
            text += f"; you rate it {txt.score(d.self)}, a gap of {txt.signed(exact.difference(d.self, d.others.mean))}"
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


SHORT_COMMENT = 160  # characters: a supporting comment on the first page is a line or two
_POSITIVE_QUESTION = ("keep", "continue", "well", "strength")
_STOP_WORDS = frozenset(
    [
        "about",
        "after",
        "again",
        "their",
        "there",
        "these",
        "those",
        "which",
        "while",
        "where",
        "would",
        "could",
        "should",
        "other",
        "others",
        "leader",
        "leaders",
        "being",
        "every",
        "thing",
        "things",
        "people",
        "because",
    ]
)


def _stems(text: str) -> set[str]:
    """Content words cut to five letters: enough to match "delegates" with "delegating"."""
    words = "".join(c.lower() if c.isalpha() else " " for c in text).split()
    return {w[:5] for w in words if len(w) >= 5 and w not in _STOP_WORDS}


def _supporting_comment(card: Scorecard, item: ItemScore, positive: bool, used: set[str]) -> str:
    """One short comment already published in ``card.comments`` that shares words with the item.

    Only what the scorecard publishes is read (its anonymity rule decided that); a
    comment is used once, and none is better than one that does not speak to the item.
    """
    want = _stems(f"{item.item.others_text} {item.item.area or ''}")
    best: tuple[int, str] | None = None
    for q in card.instrument.questions:
        is_positive = any(w in f"{q.id} {q.others_text}".lower() for w in _POSITIVE_QUESTION)
        if is_positive != positive:
            continue
        for text in card.comments.get(q.id, ()):
            if len(text) > SHORT_COMMENT or text in used:
                continue
            shared = len(want & _stems(text))
            if shared >= 1 and (best is None or shared > best[0]):
                best = (shared, text)
    if best is None:
        return ""
    used.add(best[1])
    return best[1]


def _behaviour(card: Scorecard, i: ItemScore, positive: bool, used: set[str]) -> Behaviour:
    inst = card.instrument
    stat = i.others
    if stat.mean is not None:
        figure = f"Others {txt.score(stat.mean)} (n = {stat.n})"
        if i.self is not None:
            figure += f"; you {txt.score(i.self)}"
        bounds = findings.interval(stat.mean, stat.sd, stat.n, inst.scale.min, inst.scale.max)
        certainty = findings.certainty_words(bounds, stat.n)
        if bounds is not None:
            certainty += f" (95% interval {txt.score(bounds[0])} to {txt.score(bounds[1])})"
    else:
        figure = f"Your own rating {txt.score(i.self)}"
        certainty = "no others' ratings yet"
    return Behaviour(
        i.id,
        marked_text(i.item.others_text, i.item.reverse),
        inst.dimension(i.dimension_id).name,
        figure,
        certainty,
        _supporting_comment(card, i, positive, used),
    )


def _short_figure(card: Scorecard, d: DimensionScore) -> str:
    """A competency and its all-others figure with the interval, as the first page names it."""
    scale = card.instrument.scale
    if d.others.mean is None:
        return f"{d.dimension.name} (you {txt.score(d.self)})"
    ci = findings.competency_interval(d, scale.min, scale.max)
    where = f"; 95% interval {txt.score(ci[0])} to {txt.score(ci[1])}" if ci else ""
    return f"{d.dimension.name} (others {txt.score(d.others.mean)}{where})"


def _behaviour_chart(card: Scorecard, build: list[ItemScore], work: list[ItemScore]) -> Chart | None:
    """A small chart of the first page's behaviours: others' mean with its 95% interval."""
    inst = card.instrument
    rows = []
    for i in [*build, *work]:
        if i.others.mean is None:
            continue
        bounds = findings.interval(i.others.mean, i.others.sd, i.others.n, inst.scale.min, inst.scale.max)
        role = "build on" if i in build else "work on"
        rows.append(BarRow(f"{i.id} {role}", i.others.mean, None, "others", bounds))
    if not rows:
        return None
    return group_bar_chart(
        rows,
        inst.scale.min,
        inst.scale.max,
        width="118mm",
        title="All others' mean for the behaviours above, with its 95% interval",
        subject="behaviour",
    )


def _executive(card: Scorecard, development: tuple[DevelopmentBlock, ...]) -> Executive:
    """The first page: behaviours to build on and to work on, priorities, agreement, next steps.

    No command lines here: a leader reads this page, the coach runs the commands.
    """
    inst = card.instrument
    others = _has_others(card)
    strengths = []
    for d in priorities.strengths(card):
        level = d.others.mean if others else d.self
        who = f"others {txt.score(level)}" if others else f"you {txt.score(level)}"
        strengths.append(f"{d.dimension.name} ({who})")
    prios = tuple(
        Priority(d.dimension.name, _evidence_sentence(card, d), _short_figure(card, d))
        for d in priorities.development_priorities(card)
    )
    # The agreement categories per competency are on each competency's page; the first page says
    # only how the leader rates overall, since that is what the findings take out.
    agreement = []
    if inst.has_self and others:
        lean = card.levels.leniency
        if card.levels.items and abs(lean) >= Fraction(1, 4):
            side = "higher" if lean > 0 else "lower"
            agreement.append(
                f"Across all items you rate yourself {txt.score(abs(lean))} {side} than others do. The findings "
                "take that out, so they name where your view differs most, not everywhere."
            )
    debrief = (
        "Talk this page through with your coach, then the pages behind each behaviour and the comments."
        if others
        else "Talk this page and your own ratings through with your coach."
    )
    steps = [
        debrief,
        "Choose one behaviour to build on and one to work on"
        + ("; the worksheet in the development plan is pre-filled." if development else "."),
    ]
    if others:
        steps.append("Ask the same raters again in 6 to 12 months to see the change.")
    else:
        steps.insert(0, "Ask colleagues to rate you: this report holds only your own ratings.")
    basis = "by all others' mean rating" if others else "by your own rating (no others' ratings yet)"
    build, work = priorities.behaviours(card, priorities.behaviour_count(others))
    used: set[str] = set()
    build_on = tuple(_behaviour(card, i, True, used) for i in build)
    work_on = tuple(_behaviour(card, i, False, used) for i in work)
    raters = sum(n for g, n in card.raters.items() if g != SELF)
    intro = (
        f"What {txt.count(raters, 'rater')} and you said, in the few behaviours that matter most."
        if others
        else "What you said about yourself, in the few behaviours that stand out."
    )
    return Executive(
        tuple(strengths),
        prios,
        tuple(agreement),
        tuple(steps),
        basis,
        build_on,
        work_on,
        _behaviour_chart(card, build, work) if others else None,
        intro,
    )


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
        ("Blind spot", f"relative gap of at least +{s.blind_spot_gap:g}"),
        (
            "Hidden strength",
            f"relative gap of at most −{s.hidden_strength_gap:g}, all others at least {s.high_score:g}, "
            "not among the lowest items",
        ),
        ("Self and others agree", f"the gap is smaller than {s.agreement_gap:g}"),
        ("High rating", f"all others' mean of at least {s.high_score:g}"),
        counted,
        ("Low consensus", f"rwg below {s.low_consensus_rwg:g}"),
        (
            "Evidence interval",
            "95% confidence interval of all others' mean (Student's t; SD at least 1/√n; within the scale)",
        ),
        (
            "Raters an item needs, per group",
            ", ".join(f"{g.label} {g.min_raters}" for g in inst.rater_groups),
        ),
    )


# The appendix's rule for a change since the previous round (leadcheck.change), when the report shows one.
CHANGE_RULE = (
    "Change since the previous round: the 95% interval of the difference of the two rounds' all-others means "
    "by Welch's method (Welch, 1947, Biometrika 34, 28–35): difference ± t(0.975, df) × √(SD₁² ÷ n₁ + SD₂² ÷ "
    "n₂), df by Welch–Satterthwaite, each SD at least 1/√n, cut at what the scale allows. A reliable "
    "improvement or decline is one whose whole interval lies above or below zero; otherwise no reliable "
    "change; no verdict below two ratings in a round. A competency's change uses the conservative interval "
    "above, over the items both rounds show. Only figures both reports publish are used; the rounds count as "
    "independent raters, so the verdict holds when raters changed. Across instrument versions only items "
    "worded the same are compared. How many raters rated in both rounds is shown only when those who "
    "stayed, left and joined each hold at least the strictest threshold of their groups, or none."
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
        "the item; the other groups that responded are combined when enough of them rated it and combining "
        "them splits no group apart, and otherwise left out of the item, “all others” included.",
        "“All others” for an item is the mean over every rater except you whose ratings the item shows (in their "
        "own group or combined), each person counted once (not a mean of group means).",
        f"A competency's figure, for each group and for all others, is the plain average of the item figures "
        f"this report shows for it, when at least {s.min_item_fraction:.0%} of its items have one. It is never "
        "built from raters' own averages, so it tells nothing the item figures do not: if peers rate two items "
        "3.00 and 4.50, the peers' figure for the competency is 3.75, whoever skipped what. Your own score for "
        "a competency is the mean of the items you answered.",
        "Comments to a question are shown, unattributed and in a fixed shuffled order, only when at least as "
        "many people were asked it as every rater's form promised, and the protected groups among them reach "
        "their own threshold (a manager, shown from one rater, never counts toward the peers' threshold).",
        "Every figure and comment list is about a set of answers (ratings, “not observed” and skipped items "
        "alike). Across every report, draft and summary given for this assessment, the answers are split into "
        "the smallest pieces those sets tell apart, and each piece must hold at least the strictest threshold "
        "of people among its groups. For example, with peers needing 3: a first report shows peers A, B and "
        "C; when D answers, a new report would tell D apart from A, B and C, so it repeats the first report "
        "instead, whole, in the words printed then; once E and F have answered too, the new piece {D, E, F} "
        "holds three people and the figures move on. When three people in such a piece all gave the same "
        "answer, the figures show it for each of them: that is the threshold's own limit.",
        "Gap = self − all others; it is printed as it is. Findings use the relative gap: the gap less your "
        "overall difference from others (your mean minus all others' mean over every item both rated), i.e. "
        "each source centred on its own mean, so a generally lenient or severe self-rating does not make every "
        "item a finding (within-person centring; Fischer, 2004, Journal of Cross-Cultural Psychology 35, "
        f"263–282). Blind spot: relative gap of at least +{s.blind_spot_gap:g}; hidden strength: at most "
        f"−{s.hidden_strength_gap:g}, on an item all others rate at least {s.high_score:g} and that is not among "
        "the lowest. Every threshold is compared exactly (each mean is a ratio of whole numbers), so a gap of "
        "exactly the threshold counts. Every printed figure is rounded from its exact value, half to even. "
        "Equal figures are listed by the gap, then in instrument order.",
        "Evidence: the 95% confidence interval of all others' mean is mean ± t(0.975, n − 1) × SD ÷ √n, "
        "with the SD at least 1/√n (the spread when one of n raters chose the next scale point), so an item "
        "all raters scored alike never has a zero-width interval; it is cut at the ends of the scale. A finding "
        "is clear when your rating less your overall difference lies outside it, tentative when inside, and "
        "rests on one rater when n = 1. With 3 to 5 raters who agree, the interval is ±1.43 (n = 3) to ±0.56 "
        "(n = 5) points, so only a large gap is clear. Findings are ranked clear first, then by the relative "
        "gap ÷ the interval's half-width. A competency's interval is conservative: the mean of its items' SDs "
        "with the smallest item n (the SD of an average is at most the average of the SDs).",
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


_VERDICT_CSS = {chg.IMPROVEMENT: "change-up", chg.DECLINE: "change-down", chg.NO_CHANGE: "change-none"}


def _change_row(
    id: str, text: str, heading: bool, reverse: bool, shift: chg.Shift, note: str = ""
) -> ChangeRow:
    return ChangeRow(
        id=id,
        text=text,
        heading=heading,
        reverse=reverse,
        before=txt.score(shift.before),
        after=txt.score(shift.after),
        change=txt.signed(shift.difference),
        interval=chg.interval_text(shift) or txt.DASH,
        verdict=Cell(
            shift.verdict or (chg.NO_VERDICT if shift.difference is not None else txt.DASH),
            _VERDICT_CSS.get(shift.verdict or "", "muted"),
        ),
        note=note,
    )


def _change_view(change: chg.RoundChange | None) -> ChangeView | None:
    """The change page: every competency the rounds compare, then its items, each with its verdict."""
    if change is None or not any(
        s.difference is not None for d in change.dimensions for s in (d.others, *(i.others for i in d.items))
    ):
        return None  # no all-others figure in both rounds (a self-assessment only): nothing to compare
    rows = []
    for d in change.dimensions:
        note = "" if d.compared == d.total else f"over {d.compared} of {d.total} items"
        rows.append(_change_row("", d.dimension.name, True, False, d.others, note))
        rows.extend(_change_row(i.id, i.item.others_text, False, i.item.reverse, i.others) for i in d.items)
    reliable = tuple(r for r in rows if r.verdict.text in (chg.IMPROVEMENT, chg.DECLINE))
    return ChangeView(
        reliable=reliable,
        method=chg.METHOD,
        shared=chg.shared_text(change),
        versions=chg.versions_text(change),
        counts=chg.counts_text(change),
        rows=tuple(rows),
    )


def build_view(
    card: Scorecard,
    change: chg.RoundChange | None = None,
    generated: date | None = None,
    author: str = "leadcheck",
    norms: Norms | None = None,
    draft: bool = False,
    plans: tuple[PlanSection, ...] = (),
) -> ReportView:
    """The report's view model for one scorecard; a ``draft`` says so on every page. ``plans``: the
    development plans it prints (``development.report_plans``)."""
    inst: Instrument = card.instrument
    s = inst.scoring
    by_dim = {c.dimension_id: c for c in change.dimensions} if change is not None else {}
    change_view = _change_view(change)
    radar, glance = _glance(card)
    all_blind = _ranked_rows(card, card.blind_spots)
    all_hidden = _ranked_rows(card, card.hidden_strengths)
    development = _development(card)
    norms_title, norm_text = _norm_texts(card, norms)
    hidden_notes, partly_notes = _anonymity_notes(card)
    today = generated or date.today()
    return ReportView(
        plans=plans,
        worksheet_shown=not any(p.this_round for p in plans),
        plan_file=development_plan.plan_file(inst, development_plan.offers(card), today, card.leader),
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
        anonymity_notes=hidden_notes,
        partly_shown_notes=partly_notes,
        notes=card.notes,
        held_note=HELD_NOTE if card.held else "",
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
        method=_method(card) + ((CHANGE_RULE,) if change_view is not None else ()),
        leniency=txt.signed(card.levels.leniency),
        importance_note=("those rated most important for the role first" if card.importance else ""),
        high_score=f"{s.high_score:g}",
        percentile_rule=PERCENTILE_RULE,
        change=change_view,
    )


__all__ = ["POOLED", "ReportView", "build_view"]
