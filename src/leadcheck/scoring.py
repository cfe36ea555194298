"""Scoring: pure functions from an instrument and responses to every number a report shows.

The rules, in the order they apply (the README's "How scores are computed"
says the same for coaches):

1. Reverse-scored items are recoded ``min + max - x`` before anything else.
   "Not observed" and skipped items are missing data, never zero.
2. A rater's score for a competency is the mean of the items they answered in
   it; they count for the competency only if they answered at least
   ``min_item_fraction`` of its items.
3. Anonymity, per figure (each item and each competency separately): a rater
   group is shown on its own only when at least ``min_raters`` of its raters
   contributed to that figure. Groups below their threshold are pooled into
   one "combined" group when the pool reaches the strictest threshold among
   them; otherwise their ratings are left out of every number, "others"
   included. So "others" minus the shown groups is always either nothing or
   the combined group, which itself meets the threshold.
4. "Others" is every non-self rater that may be counted, each weighted once
   (a mean of raters, not a mean of group means).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from leadcheck import exact
from leadcheck.instrument.model import SELF, Competency, Instrument, Item, RaterGroup, ScoringSettings
from leadcheck.responses import Response

POOLED = "combined"
POOLED_LABEL = "Combined groups"
OVER = "over-estimator"
UNDER = "under-estimator"
AGREE_HIGH = "in agreement, high"
AGREE_LOW = "in agreement, low"
CATEGORIES = (OVER, UNDER, AGREE_HIGH, AGREE_LOW)
TOP_ITEMS = 5
# What a score means on a negatively worded item, wherever such an item is printed.
REVERSE_MARK = "reverse-scored"
REVERSE_MEANING = (
    "reverse-scored: answers were turned around, so a higher score means this happens less often"
)
REVERSE_SHORT = "reverse-scored: a higher score means less often"  # in tables, where room is short


def marked_text(text: str, reverse: bool) -> str:
    """An item's text as printed in plain text (terminal, sentences): reverse-scored items say so."""
    return f"{text} ↺ ({REVERSE_MEANING})" if reverse else text


@dataclass(frozen=True)
class Stat:
    """Descriptive statistics of one figure: one group's ratings of one item or competency."""

    n: int
    mean: float | None
    sd: float | None
    min: float | None
    max: float | None
    distribution: tuple[int, ...] = ()  # count per scale point (items only)
    not_observed: int = 0

    @classmethod
    def of(cls, values: Sequence[float], points: Sequence[int] = (), not_observed: int = 0) -> Stat:
        n = len(values)
        if n == 0:
            return cls(0, None, None, None, None, tuple(0 for _ in points), not_observed)
        mean = sum(values) / n
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
        if points:
            counts = Counter(values)
            dist = tuple(counts.get(p, 0) for p in points)
        else:
            dist = ()
        return cls(n, mean, sd, min(values), max(values), dist, not_observed)


EMPTY = Stat(0, None, None, None, None)


@dataclass(frozen=True)
class ItemScore:
    """Every figure for one item."""

    item: Item
    dimension_id: str
    self: float | None
    others: Stat
    groups: dict[str, Stat]  # shown groups only (and the combined group), never self
    gap: float | None  # self - others
    rwg: float | None  # agreement among others; None with fewer than 2 ratings
    low_consensus: bool

    @property
    def id(self) -> str:
        return self.item.id


@dataclass(frozen=True)
class DimensionScore:
    """Every figure for one competency or value."""

    dimension: Competency
    self: float | None
    others: Stat
    groups: dict[str, Stat]
    gap: float | None
    agreement: str | None  # one of CATEGORIES
    rwg_j: float | None
    low_consensus: bool
    items: tuple[ItemScore, ...]

    @property
    def id(self) -> str:
        return self.dimension.id


@dataclass(frozen=True)
class GroupInfo:
    """A rater group as the report may describe it."""

    id: str
    label: str
    min_raters: int
    raters: int  # how many responded (0 when none)
    shown: bool  # shown on its own in at least one figure
    pooled: bool  # pooled into the combined group in at least one figure
    excluded: bool  # left out of at least one figure for anonymity


@dataclass(frozen=True)
class Finding:
    """An item singled out: blind spot, hidden strength, highest or lowest."""

    item_id: str
    dimension_id: str
    text: str
    self: float | None
    others: float | None
    gap: float | None
    reverse: bool = False  # the item is worded negatively and its answers were turned around
    others_n: int = 0
    others_sd: float | None = None


@dataclass(frozen=True)
class Scorecard:
    """A leader's scored assessment: what the summary and the report are made from."""

    leader: str
    instrument: Instrument
    groups: tuple[GroupInfo, ...]
    shown_groups: tuple[str, ...]  # ids, in instrument order, plus POOLED when used
    dimensions: tuple[DimensionScore, ...]
    blind_spots: tuple[Finding, ...]
    hidden_strengths: tuple[Finding, ...]
    highest: tuple[Finding, ...]
    lowest: tuple[Finding, ...]
    comments: dict[str, tuple[str, ...]]  # question id -> others' comments, shuffled
    self_comments: dict[str, str]
    notes: tuple[str, ...] = ()

    @property
    def competencies(self) -> tuple[DimensionScore, ...]:
        return tuple(d for d in self.dimensions if d.dimension.kind == "competency")

    @property
    def values(self) -> tuple[DimensionScore, ...]:
        return tuple(d for d in self.dimensions if d.dimension.kind == "value")

    @property
    def raters(self) -> dict[str, int]:
        """Responses per group, for groups that may be named with their count.

        A group below its threshold is reported as hidden, never with its count.
        """
        return {g.id: g.raters for g in self.groups if g.raters and g.raters >= g.min_raters}

    @property
    def hidden_groups(self) -> tuple[GroupInfo, ...]:
        """Groups that responded with fewer raters than their threshold: named, never counted."""
        return tuple(g for g in self.groups if 0 < g.raters < g.min_raters)

    def dimension(self, dim_id: str) -> DimensionScore:
        for d in self.dimensions:
            if d.id == dim_id:
                return d
        raise KeyError(dim_id)


# -- step 1 and 2: per-rater recoded values --------------------------------------------------


def recode(instrument: Instrument, item: Item, value: int) -> float:
    """A raw answer on the scale, recoded when the item is reverse-scored."""
    scale = instrument.scale
    return float(scale.min + scale.max - value if item.reverse else value)


@dataclass(frozen=True)
class _Rater:
    index: int
    group: str
    items: dict[str, float]  # recoded answers, observed only
    not_observed: frozenset[str]
    dims: dict[str, float]  # competency scores where the rater counts


def _raters(instrument: Instrument, responses: Iterable[Response]) -> list[_Rater]:
    fraction = instrument.scoring.min_item_fraction
    scale_values = {p.value for p in instrument.scale.points}
    out = []
    for index, resp in enumerate(responses):
        items: dict[str, float] = {}
        not_observed = set()
        for item_id, value in resp.answers.items():
            item = instrument.items.get(item_id)
            if item is None:
                continue  # an item of another instrument version: not scored
            if value is None:
                not_observed.add(item_id)
            elif value in scale_values:
                items[item_id] = recode(instrument, item, value)
        dims: dict[str, float] = {}
        for dim in instrument.dimensions:
            answered = [items[i.id] for i in dim.items if i.id in items]
            if answered and exact.count_reaches(len(answered), fraction, len(dim.items)):
                dims[dim.id] = math.fsum(answered) / len(answered)
        out.append(_Rater(index, resp.group, items, frozenset(not_observed), dims))
    return out


# -- step 3: anonymity ---------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    """Which groups a figure may show, which are pooled, and which are left out."""

    shown: dict[str, list[float]]
    pooled: list[float]
    pooled_groups: tuple[str, ...]
    excluded_groups: tuple[str, ...]

    @property
    def others(self) -> list[float]:
        values = [v for vs in self.shown.values() for v in vs]
        return values + self.pooled


def partition(by_group: Mapping[str, Sequence[float]], groups: Sequence[RaterGroup]) -> Partition:
    """Apply the anonymity rule to one figure's non-self values, grouped by rater group.

    A group is shown when it has at least ``min_raters`` values. The groups
    below their threshold are pooled when, together, they reach the strictest
    threshold among them; otherwise they are excluded from the figure entirely.
    """
    shown: dict[str, list[float]] = {}
    hidden: list[RaterGroup] = []
    for g in groups:
        if g.is_self:
            continue
        values = list(by_group.get(g.id, ()))
        if not values:
            continue
        if len(values) >= g.min_raters:
            shown[g.id] = values
        else:
            hidden.append(g)
    pool = [v for g in hidden for v in by_group[g.id]]
    if hidden and len(pool) >= max(g.min_raters for g in hidden):
        return Partition(shown, pool, tuple(g.id for g in hidden), ())
    return Partition(shown, [], (), tuple(g.id for g in hidden))


# -- the scorecard ---------------------------------------------------------------------------


def _publishable_groups(others: Sequence[_Rater], groups: Sequence[RaterGroup]) -> set[str]:
    """Groups whose not-observed counts may be published: those that meet their
    threshold over the whole assessment, and small ones whose pool does."""
    counts: dict[str, int] = {}
    for r in others:
        counts[r.group] = counts.get(r.group, 0) + 1
    part = partition({g: [0.0] * n for g, n in counts.items()}, groups)
    return set(part.shown) | set(part.pooled_groups)


def _dimension_partition(
    dim: Competency,
    others: Sequence[_Rater],
    channel: Mapping[tuple[int, str], str],
    groups: Sequence[RaterGroup],
    fraction: float,
) -> Partition:
    """The anonymity partition of a competency figure, consistent with its items' figures.

    A rater's competency score is the mean of the items they answered, but
    only over ratings that were published in the same place at item level:
    a rater shown with their own group uses the ratings shown in that
    group's item figures, a rater in the combined group those shown in the
    combined item figures. A rating left out of an item's figure never
    enters a competency figure, so no competency figure can be set against
    the item figures to recover it. Raters who then fall below
    ``fraction`` of the items drop out, and the partition is redone until
    it no longer changes.
    """
    items = [i.id for i in dim.items]
    active = {r.index: r for r in others}
    place: dict[int, str] = dict.fromkeys(active, "")  # "": any published channel
    for _ in range(len(active) + 2):  # each round drops or re-places raters; it settles fast
        by_group: dict[str, list[float]] = {}
        members: dict[str, list[int]] = {}
        for idx, r in active.items():
            wanted = place[idx]
            values = [
                r.items[i]
                for i in items
                if (idx, i) in channel and (not wanted or channel[(idx, i)] == wanted)
            ]
            if values and exact.count_reaches(len(values), fraction, len(items)):
                by_group.setdefault(r.group, []).append(sum(values) / len(values))
                members.setdefault(r.group, []).append(idx)
        part = partition(by_group, groups)
        new_place: dict[int, str] = {}
        for g, idxs in members.items():
            where = "own" if g in part.shown else POOLED if g in part.pooled_groups else ""
            if where:
                new_place.update(dict.fromkeys(idxs, where))
        if new_place == {i: p for i, p in place.items() if p} and all(place[i] for i in new_place):
            return part
        active = {i: active[i] for i in new_place}
        if not active:
            return partition({}, groups)
        place = new_place
    return partition({}, groups)  # not settled: publish nothing rather than risk a leak


def _gap(self_value: float | None, others: Stat) -> float | None:
    if self_value is None or others.mean is None:
        return None
    return self_value - others.mean


def agreement_category(
    self_value: float | None, others: float | None, agreement_gap: float, high_score: float
) -> str | None:
    """Self-other agreement, in the four categories of Atwater and Yammarino (1992).

    They classify by the difference against ±0.5 SD of the difference across a
    sample; a single report has no sample, so leadcheck uses a fixed gap on the
    scale instead: ``self - others >= agreement_gap``: over-estimator;
    ``<= -agreement_gap``: under-estimator; otherwise in agreement, high when
    others' mean is at least ``high_score`` and low below it. Comparisons are
    exact (leadcheck.exact). None when either side is missing.
    """
    if self_value is None or others is None:
        return None
    if exact.gap_at_least(self_value, others, agreement_gap):
        return OVER
    if exact.gap_at_most(self_value, others, agreement_gap):
        return UNDER
    return AGREE_HIGH if exact.at_least(others, high_score) else AGREE_LOW


def is_blind_spot(self_value: float | None, others: float | None, settings: ScoringSettings) -> bool:
    """Self at least ``blind_spot_gap`` above all others, exactly."""
    return (
        self_value is not None
        and others is not None
        and exact.gap_at_least(self_value, others, settings.blind_spot_gap)
    )


def is_hidden_strength(self_value: float | None, others: float | None, settings: ScoringSettings) -> bool:
    """All others at least ``hidden_strength_gap`` above self, exactly."""
    return (
        self_value is not None
        and others is not None
        and exact.gap_at_most(self_value, others, settings.hidden_strength_gap)
    )


def is_low_consensus(rwg: float | None, settings: ScoringSettings) -> bool:
    """rwg (or rwg(J)) below ``low_consensus_rwg``, exactly."""
    return rwg is not None and exact.below(rwg, settings.low_consensus_rwg)


def _rwg(values: Sequence[float], points: int) -> float | None:
    """rwg of one item (leadcheck.stats.rwg, inlined: it is called for every item of every leader)."""
    n = len(values)
    if n < 2:
        return None
    mean = sum(values) / n
    variance = sum((v - mean) ** 2 for v in values) / (n - 1)
    return min(1.0, max(0.0, 1.0 - variance / ((points**2 - 1) / 12)))


def _rwg_j(item_values: Sequence[Sequence[float]], points: int) -> float | None:
    """rwg(J) over the items with at least two ratings (raters may skip items)."""
    variances = []
    for values in item_values:
        if len(values) >= 2:
            mean = math.fsum(values) / len(values)
            variances.append(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))
    if not variances:
        return None
    null_variance = (points**2 - 1) / 12
    ratio = (math.fsum(variances) / len(variances)) / null_variance
    if ratio >= 1:
        return 0.0
    j = len(variances)
    return min(1.0, max(0.0, j * (1 - ratio) / (j * (1 - ratio) + ratio)))


def _stat_by_group(
    part: Partition, points: Sequence[int], not_observed: Mapping[str, int]
) -> dict[str, Stat]:
    out = {g: Stat.of(v, points, not_observed.get(g, 0)) for g, v in part.shown.items()}
    if part.pooled:
        pooled_no = sum(not_observed.get(g, 0) for g in part.pooled_groups)
        out[POOLED] = Stat.of(part.pooled, points, pooled_no)
    return out


def score(
    instrument: Instrument,
    responses: Sequence[Response],
    leader: str = "",
    seed: str | None = None,
) -> Scorecard:
    """Score one leader's responses on an instrument. Pure: no I/O, deterministic.

    ``seed`` fixes the shuffled order of comments (default: the leader's name),
    so a report printed twice lists them the same way.
    """
    raters = _raters(instrument, responses)
    settings = instrument.scoring
    points = [p.value for p in instrument.scale.points]
    size = instrument.scale.size
    selves = [r for r in raters if r.group == SELF]
    others = [r for r in raters if r.group != SELF and r.group in instrument.groups]
    groups = instrument.rater_groups
    used_shown: set[str] = set()
    used_pooled: set[str] = set()
    used_excluded: set[str] = set()

    def self_mean(values: Iterable[float]) -> float | None:
        vs = list(values)
        return math.fsum(vs) / len(vs) if vs else None

    publishable = _publishable_groups(others, groups)
    dimensions = []
    for dim in instrument.dimensions:
        item_scores = []
        counted_item_values = []
        # channel[(rater index, item id)]: "own" when the rating is published in its
        # group's figure, POOLED when only in the combined group's; absent: excluded.
        channel: dict[tuple[int, str], str] = {}
        for item in dim.items:
            by_group: dict[str, list[float]] = {}
            no_by_group: dict[str, int] = {}
            for r in others:
                if item.id in r.items:
                    by_group.setdefault(r.group, []).append(r.items[item.id])
                elif item.id in r.not_observed:
                    no_by_group[r.group] = no_by_group.get(r.group, 0) + 1
            part = partition(by_group, groups)
            used_shown.update(part.shown)
            used_pooled.update(part.pooled_groups)
            used_excluded.update(part.excluded_groups)
            for r in others:
                if item.id in r.items:
                    if r.group in part.shown:
                        channel[(r.index, item.id)] = "own"
                    elif r.group in part.pooled_groups:
                        channel[(r.index, item.id)] = POOLED
            others_values = part.others
            others_no = sum(n for g, n in no_by_group.items() if g in publishable)
            others_stat = Stat.of(others_values, points, others_no)
            self_value = self_mean(r.items[item.id] for r in selves if item.id in r.items)
            rwg = _rwg(others_values, size)
            counted_item_values.append(others_values)
            item_scores.append(
                ItemScore(
                    item=item,
                    dimension_id=dim.id,
                    self=self_value,
                    others=others_stat,
                    groups=_stat_by_group(part, points, no_by_group),
                    gap=_gap(self_value, others_stat),
                    rwg=rwg,
                    low_consensus=is_low_consensus(rwg, settings),
                )
            )
        part = _dimension_partition(dim, others, channel, groups, settings.min_item_fraction)
        used_shown.update(part.shown)
        used_pooled.update(part.pooled_groups)
        used_excluded.update(part.excluded_groups)
        others_stat = Stat.of(part.others)
        self_value = self_mean(r.dims[dim.id] for r in selves if dim.id in r.dims)
        rwg_j = _rwg_j(counted_item_values, size)
        dimensions.append(
            DimensionScore(
                dimension=dim,
                self=self_value,
                others=others_stat,
                groups=_stat_by_group(part, (), {}),
                gap=_gap(self_value, others_stat),
                agreement=agreement_category(
                    self_value, others_stat.mean, settings.agreement_gap, settings.high_score
                ),
                rwg_j=rwg_j,
                low_consensus=is_low_consensus(rwg_j, settings),
                items=tuple(item_scores),
            )
        )

    counts: dict[str, int] = {}
    for r in raters:
        counts[r.group] = counts.get(r.group, 0) + 1
    group_infos = tuple(
        GroupInfo(
            g.id,
            g.label,
            g.min_raters,
            counts.get(g.id, 0),
            shown=g.id in used_shown or (g.is_self and counts.get(g.id, 0) > 0),
            pooled=g.id in used_pooled,
            excluded=g.id in used_excluded,
        )
        for g in groups
    )
    shown_order = [g.id for g in groups if g.id in used_shown]
    if used_pooled:
        shown_order.append(POOLED)

    all_items = [i for d in dimensions for i in d.items]
    order = {i.item.id: n for n, i in enumerate(all_items)}

    def exact_gap(i: ItemScore) -> Fraction:
        assert i.self is not None and i.others.mean is not None
        return exact.difference(i.self, i.others.mean)

    # Largest gap first; equal gaps (compared exactly) in instrument order.
    blind = sorted(
        (i for i in all_items if is_blind_spot(i.self, i.others.mean, settings)),
        key=lambda i: (-exact_gap(i), order[i.item.id]),
    )
    hidden_strengths = sorted(
        (i for i in all_items if is_hidden_strength(i.self, i.others.mean, settings)),
        key=lambda i: (exact_gap(i), order[i.item.id]),
    )
    rated = [i for i in all_items if i.others.mean is not None]
    highest = sorted(rated, key=lambda i: (-exact.exact(i.others.mean or 0), order[i.item.id]))[:TOP_ITEMS]
    lowest = sorted(rated, key=lambda i: (exact.exact(i.others.mean or 0), order[i.item.id]))[:TOP_ITEMS]

    comments, self_comments = _comments(instrument, responses, seed if seed is not None else leader)
    notes = []
    if not selves and instrument.has_self:
        notes.append("No self-assessment yet: gaps and agreement categories are not available.")
    excluded_only = used_excluded - used_shown - used_pooled
    if excluded_only:
        labels = ", ".join(instrument.group(g).label for g in sorted(excluded_only))
        notes.append(f"Left out of every figure to protect anonymity (too few raters): {labels}.")
    return Scorecard(
        leader=leader,
        instrument=instrument,
        groups=group_infos,
        shown_groups=tuple(shown_order),
        dimensions=tuple(dimensions),
        blind_spots=tuple(_finding(i) for i in blind),
        hidden_strengths=tuple(_finding(i) for i in hidden_strengths),
        highest=tuple(_finding(i) for i in highest),
        lowest=tuple(_finding(i) for i in lowest),
        comments=comments,
        self_comments=self_comments,
        notes=tuple(notes),
    )


def _finding(i: ItemScore) -> Finding:
    return Finding(
        i.item.id,
        i.dimension_id,
        i.item.others_text,
        i.self,
        i.others.mean,
        i.gap,
        i.item.reverse,
        i.others.n,
        i.others.sd,
    )


def _comments(
    instrument: Instrument, responses: Sequence[Response], seed: str
) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Others' comments per question, unattributed and shuffled; the leader's own apart.

    A comment from a group below its threshold is published (never with its
    group) only when there are at least that many non-self raters in all, so
    it cannot be traced to the small group.
    """
    non_self = [r for r in responses if r.group != SELF and r.group in instrument.groups]
    total = len(non_self)
    by_question: dict[str, list[str]] = {}
    self_comments: dict[str, str] = {}
    group_sizes: dict[str, int] = {}
    for r in non_self:
        group_sizes[r.group] = group_sizes.get(r.group, 0) + 1
    asked = {q.id for q in instrument.questions}
    for r in responses:
        for qid, text in r.comments.items():
            if not text.strip() or qid not in asked:
                continue
            if r.group == SELF:
                self_comments[qid] = text
                continue
            if r.group not in instrument.groups:
                continue
            threshold = instrument.group(r.group).min_raters
            if group_sizes[r.group] >= threshold or total >= threshold:
                by_question.setdefault(qid, []).append(text)
    shuffled: dict[str, tuple[str, ...]] = {}
    for q in instrument.questions:
        texts = sorted(by_question.get(q.id, []))  # sorted first: input order must not leak
        random.Random(f"{seed}\x00{q.id}").shuffle(texts)
        if texts:
            shuffled[q.id] = tuple(texts)
    return shuffled, self_comments


# -- re-assessment and cohorts -----------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """How a competency moved between two assessments on the same instrument."""

    dimension_id: str
    self_before: float | None
    self_after: float | None
    others_before: float | None
    others_after: float | None

    @property
    def self_change(self) -> float | None:
        if self.self_before is None or self.self_after is None:
            return None
        return self.self_after - self.self_before

    @property
    def others_change(self) -> float | None:
        if self.others_before is None or self.others_after is None:
            return None
        return self.others_after - self.others_before


def compare(before: Scorecard, after: Scorecard) -> tuple[Change, ...]:
    """The change per competency and value present in both scorecards."""
    earlier = {d.id: d for d in before.dimensions}
    return tuple(
        Change(d.id, earlier[d.id].self, d.self, earlier[d.id].others.mean, d.others.mean)
        for d in after.dimensions
        if d.id in earlier
    )


@dataclass(frozen=True)
class Reliability:
    """Cronbach's alpha of one competency's items in a cohort, with Feldt's 95% interval."""

    dimension_id: str
    n: int  # respondents with every item of the competency answered
    alpha: float | None
    lower: float | None
    upper: float | None

    @property
    def low(self) -> bool:
        return self.alpha is not None and self.alpha < 0.7


@dataclass(frozen=True)
class CohortDimension:
    """A competency across a cohort."""

    dimension_id: str
    name: str
    mean: float | None  # mean of leaders' others means
    leader_means: dict[str, float | None]
    percentiles: dict[str, float | None]
    reliability: Reliability


@dataclass(frozen=True)
class CohortStats:
    """Everything the cohort summary shows."""

    instrument: Instrument
    leaders: tuple[str, ...]
    dimensions: tuple[CohortDimension, ...]
    raters_per_group: dict[str, int]
    response_rates: dict[str, float]  # group -> share of leaders whose group met its threshold
    self_rate: float
    categories: dict[str, int]  # agreement category -> count of (leader, competency)
    category_by_dimension: dict[str, dict[str, int]]
    strongest: tuple[tuple[str, str, float], ...]  # (item id, text, cohort mean of others)
    weakest: tuple[tuple[str, str, float], ...]
    changes: dict[str, float | None] = field(default_factory=dict)  # dim -> change of cohort mean


class CohortBuilder:
    """Cohort statistics gathered one leader at a time, in memory that does not grow with raters.

    Per leader it keeps only a handful of means (what the heatmap and the
    percentiles need); Cronbach's alpha is accumulated from moments, so no
    rater's answers are held once their leader has been added.
    """

    def __init__(self, instrument: Instrument) -> None:
        from leadcheck.stats import AlphaAccumulator

        self.instrument = instrument
        self.leaders: list[str] = []
        self.means: dict[str, dict[str, float | None]] = {d.id: {} for d in instrument.dimensions}
        self.alpha = {
            d.id: AlphaAccumulator(len(d.items)) for d in instrument.dimensions if len(d.items) >= 2
        }
        self.raters: dict[str, int] = {}
        self.met: dict[str, int] = {}
        self.self_done = 0
        self.categories = dict.fromkeys(CATEGORIES, 0)
        self.by_dim: dict[str, dict[str, int]] = {}
        self.item_sums: dict[str, list[float]] = {}
        self.previous: dict[str, list[float]] = {}

    def add(self, card: Scorecard, responses: Iterable[Response], previous: Scorecard | None = None) -> None:
        """Add one leader's scorecard and raw responses (for alpha), and their previous scorecard."""
        if card.instrument.id != self.instrument.id:
            raise ValueError(f"{card.leader} was assessed on {card.instrument.id}, not {self.instrument.id}")
        self.leaders.append(card.leader)
        for d in card.dimensions:
            self.means.setdefault(d.id, {})[card.leader] = d.others.mean
            if d.agreement is not None:
                self.categories[d.agreement] += 1
                row = self.by_dim.setdefault(d.id, dict.fromkeys(CATEGORIES, 0))
                row[d.agreement] += 1
            for i in d.items:
                if i.others.mean is not None:
                    acc = self.item_sums.setdefault(i.id, [0.0, 0.0])
                    acc[0] += i.others.mean
                    acc[1] += 1
        for g in card.groups:
            self.raters[g.id] = self.raters.get(g.id, 0) + g.raters
            if g.raters and g.raters >= g.min_raters:
                self.met[g.id] = self.met.get(g.id, 0) + 1
            if g.id == SELF and g.raters:
                self.self_done += 1
        inst = card.instrument
        for resp in responses:
            for dim in inst.dimensions:
                acc_alpha = self.alpha.get(dim.id)
                if acc_alpha is None:
                    continue
                scores: list[float] = []
                for item in dim.items:
                    value = resp.answers.get(item.id)
                    if value is None:
                        break
                    scores.append(recode(inst, item, value))
                else:
                    acc_alpha.add(scores)
        if previous is not None:
            for d in previous.dimensions:
                if d.others.mean is not None:
                    self.previous.setdefault(d.id, []).append(d.others.mean)

    def reliability(self, dim: Competency) -> Reliability:
        from leadcheck.stats import feldt_interval

        acc = self.alpha.get(dim.id)
        if acc is None or acc.n < 3:
            return Reliability(dim.id, acc.n if acc else 0, None, None, None)
        try:
            alpha = acc.alpha()
        except ValueError:  # no variance at all: alpha is undefined
            return Reliability(dim.id, acc.n, None, None, None)
        lower, upper = feldt_interval(alpha, acc.n, acc.k)
        return Reliability(dim.id, acc.n, alpha, lower, upper)

    def result(self) -> CohortStats:
        from leadcheck.stats import percentile_rank

        if not self.leaders:
            raise ValueError("a cohort needs at least one scored leader")
        inst = self.instrument
        dims = []
        changes: dict[str, float | None] = {}
        for dim in inst.dimensions:
            means = self.means.get(dim.id, {})
            present = [m for m in means.values() if m is not None]
            mean = math.fsum(present) / len(present) if present else None
            dims.append(
                CohortDimension(
                    dim.id,
                    dim.name,
                    mean,
                    dict(means),
                    # Means as the exact fractions they stand for, so equal means tie exactly.
                    {
                        n: (percentile_rank(exact.canonical(m), [exact.canonical(p) for p in present]))
                        if m is not None
                        else None
                        for n, m in means.items()
                    },
                    self.reliability(dim),
                )
            )
            before = self.previous.get(dim.id)
            if before:
                changes[dim.id] = None if mean is None else mean - math.fsum(before) / len(before)
        count = len(self.leaders)
        averaged = [(iid, inst.items[iid].others_text, s / n) for iid, (s, n) in self.item_sums.items()]
        order = {item_id: n for n, item_id in enumerate(inst.items)}
        return CohortStats(
            instrument=inst,
            leaders=tuple(self.leaders),
            dimensions=tuple(dims),
            raters_per_group=dict(self.raters),
            response_rates={g.id: self.met.get(g.id, 0) / count for g in inst.rater_groups},
            self_rate=self.self_done / count,
            categories=dict(self.categories),
            category_by_dimension={k: dict(v) for k, v in self.by_dim.items()},
            strongest=tuple(sorted(averaged, key=lambda t: (-exact.exact(t[2]), order[t[0]]))[:TOP_ITEMS]),
            weakest=tuple(sorted(averaged, key=lambda t: (exact.exact(t[2]), order[t[0]]))[:TOP_ITEMS]),
            changes=changes,
        )


def cohort_stats(
    cards: Sequence[Scorecard],
    responses_by_leader: Mapping[str, Sequence[Response]],
    previous: Mapping[str, Scorecard] | None = None,
) -> CohortStats:
    """Cohort figures from every leader's scorecard and raw responses (for alpha)."""
    if not cards:
        raise ValueError("a cohort needs at least one scored leader")
    builder = CohortBuilder(cards[0].instrument)
    for card in cards:
        builder.add(card, responses_by_leader.get(card.leader, ()), (previous or {}).get(card.leader))
    return builder.result()


# -- plain data out ---------------------------------------------------------------------------


def group_label(instrument: Instrument, group_id: str) -> str:
    """The label to print for a group id, the combined group included."""
    return POOLED_LABEL if group_id == POOLED else instrument.group(group_id).label


def _stat_json(s: Stat) -> dict[str, object]:
    return {"n": s.n, "mean": s.mean}


def _finding_json(f: Finding) -> dict[str, object]:
    return {
        "id": f.item_id,
        "dimension": f.dimension_id,
        "text": f.text,
        "self": f.self,
        "others": f.others,
        "gap": f.gap,
        "reverse": f.reverse,
        **({"meaning": REVERSE_MEANING} if f.reverse else {}),
    }


def _dimension_json(d: DimensionScore) -> dict[str, object]:
    return {
        "id": d.id,
        "name": d.dimension.name,
        "self": d.self,
        "others": d.others.mean,
        "others_n": d.others.n,
        "others_sd": d.others.sd,
        "gap": d.gap,
        "agreement": d.agreement,
        "rwg_j": d.rwg_j,
        "low_consensus": d.low_consensus,
        "groups": {g: _stat_json(s) for g, s in d.groups.items()},
        "items": [
            {
                "id": i.id,
                "text": i.item.others_text,
                "reverse": i.item.reverse,
                **({"meaning": REVERSE_MEANING} if i.item.reverse else {}),
                "self": i.self,
                "others": i.others.mean,
                "others_n": i.others.n,
                "others_sd": i.others.sd,
                "others_min": i.others.min,
                "others_max": i.others.max,
                "distribution": list(i.others.distribution),
                "not_observed": i.others.not_observed,
                "gap": i.gap,
                "rwg": i.rwg,
                "low_consensus": i.low_consensus,
                "groups": {g: _stat_json(s) for g, s in i.groups.items()},
            }
            for i in d.items
        ],
    }


def scorecard_json(card: Scorecard) -> dict[str, object]:
    """The scorecard as plain JSON-ready data (the `summary --json` document). Means unrounded."""
    inst = card.instrument
    return {
        "leader": card.leader,
        "instrument": {
            "id": inst.id,
            "version": inst.version,
            "title": inst.title,
            "hash": inst.content_hash,
        },
        "scale": {"min": inst.scale.min, "max": inst.scale.max},
        "raters": card.raters,
        "groups": [{"id": g, "label": group_label(inst, g)} for g in card.shown_groups],
        "hidden_groups": [g.id for g in card.hidden_groups],
        "competencies": [_dimension_json(d) for d in card.competencies],
        "values": [_dimension_json(d) for d in card.values],
        "blind_spots": [_finding_json(f) for f in card.blind_spots],
        "hidden_strengths": [_finding_json(f) for f in card.hidden_strengths],
        "highest": [_finding_json(f) for f in card.highest],
        "lowest": [_finding_json(f) for f in card.lowest],
        "notes": list(card.notes),
    }
