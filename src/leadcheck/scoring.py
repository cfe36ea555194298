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

import hashlib
import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property

from leadcheck import exact, findings
from leadcheck import text as txt
from leadcheck.anonymity import (
    OTHERS,
    POOLED,
    POOLED_LABEL,
    Partition,
    comment_threshold,
    comments_publishable,
    group_states,
    is_rater_group,
    leaks,
    partition,
)
from leadcheck.findings import NO_LEVELS, Levels
from leadcheck.instrument.model import SELF, Competency, Instrument, Item, RaterGroup, ScoringSettings
from leadcheck.responses import Response
from leadcheck.stats import item_rwg, rwg_j_of_variances

OVER = "over-estimator"
UNDER = "under-estimator"
AGREE_HIGH = "in agreement, high"
AGREE_LOW = "in agreement, low"
CATEGORIES = (OVER, UNDER, AGREE_HIGH, AGREE_LOW)
TOP_ITEMS = findings.TOP_ITEMS  # highest and lowest items listed (the cohort summary lists as many)
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
    # Which ratings each published figure sums over (channel -> opaque tokens): for the
    # release ledger, never shown. Channels: group ids, POOLED and OTHERS.
    members: Mapping[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    held: bool = False  # the figures released earlier, newer answers held back

    @property
    def id(self) -> str:
        return self.item.id


@dataclass(frozen=True)
class ReleasedItem:
    """An item's figures as an earlier release published them."""

    others: Stat
    groups: dict[str, Stat]
    rwg: float | None
    low_consensus: bool
    members: Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class Released:
    """What one earlier release of an assessment published (read from the release ledger)."""

    items: Mapping[str, ReleasedItem]
    comments: Mapping[str, frozenset[str]]  # question id -> tokens of the comments shown


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
    # The gap with each source centred on its own mean (leadcheck.findings), and the
    # leader's leniency it removes: mean(self) - mean(others) over the items both rated.
    relative_gap: Fraction | None = None
    leniency: Fraction = Fraction(0)


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
    # For the release ledger, never shown: question id -> tokens of the comments published.
    comment_members: Mapping[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    comments_held: bool = False  # newer comments held back until a batch is large enough
    # Competency id -> mean importance for the role (leadcheck.importance), when the instrument asks it:
    # orders the development priorities, never printed.
    importance: Mapping[str, Fraction] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def levels(self) -> Levels:
        """Each source's own mean over the items both rated: what findings are centred on."""
        return findings.levels([i for d in self.dimensions for i in d.items])

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
    dims: dict[str, float]  # competency scores where the rater counts (used for the self only)
    person: str  # an opaque key for the rater (see person_key)
    comments: Mapping[str, str]  # non-blank comments to the instrument's questions


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
        asked = {q.id for q in instrument.questions}
        comments = {q: text for q, text in resp.comments.items() if q in asked and text.strip()}
        out.append(
            _Rater(index, resp.group, items, frozenset(not_observed), dims, person_key(resp, index), comments)
        )
    return out


# -- step 3: item figures, under the anonymity rule -------------------------------------------


def _token(person: str, where: str, what: object) -> str:
    """An opaque name for one rating (or comment) of one person: ``person:version``.

    Two versions of a person's answer get different tokens with the same
    person part, so the release ledger can tell a corrected answer from a new
    rater. Hashed: the ledger never holds an answer.
    """
    version = hashlib.sha256(f"{person}\x1f{where}\x1f{what}".encode()).hexdigest()[:16]
    return f"{person}:{version}"


def person_of(token: str) -> str:
    """The person part of a token made by `_token`."""
    return token.partition(":")[0]


def person_key(resp: Response, index: int) -> str:
    """An opaque key for the rater behind a response (the index when the response names none)."""
    key = resp.rater or (f"response-{resp.response_id}" if resp.response_id is not None else f"#{index}")
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _stat_by_group(
    part: Partition[float], points: Sequence[int], not_observed: Mapping[str, int]
) -> dict[str, Stat]:
    out = {g: Stat.of(v, points, not_observed.get(g, 0)) for g, v in part.shown.items()}
    if part.pooled:
        pooled_no = sum(not_observed.get(g, 0) for g in part.pooled_groups)
        out[POOLED] = Stat.of(part.pooled, points, pooled_no)
    return out


def _item_score(
    instrument: Instrument,
    dim: Competency,
    item: Item,
    rated: Sequence[_Rater],
    no_by_group: Mapping[str, int],
    selves: Sequence[_Rater],
    publishable: set[str],
) -> tuple[ItemScore, Partition[float]]:
    """Every figure of one item: each shown group, the combined group and all others.

    ``rated`` are the others who gave the item a scale value, in order;
    ``no_by_group`` counts its "not observed" answers per group.
    """
    points = [p.value for p in instrument.scale.points]
    by_group: dict[str, list[tuple[float, str]]] = {}
    for r in rated:
        value = r.items[item.id]
        by_group.setdefault(r.group, []).append((value, _token(r.person, item.id, value)))
    part = partition(by_group, instrument.rater_groups)
    values = Partition(
        {g: [v for v, _ in vs] for g, vs in part.shown.items()},
        [v for v, _ in part.pooled],
        part.pooled_groups,
        part.excluded_groups,
    )
    members = {g: frozenset(t for _, t in vs) for g, vs in part.shown.items()}
    if part.pooled:
        members[POOLED] = frozenset(t for _, t in part.pooled)
    members[OTHERS] = frozenset(t for _, t in part.others)
    others_stat = Stat.of(values.others, points, sum(n for g, n in no_by_group.items() if g in publishable))
    own = [r.items[item.id] for r in selves if item.id in r.items]
    self_value = math.fsum(own) / len(own) if own else None
    rwg = item_rwg(values.others, instrument.scale.size)
    score = ItemScore(
        item=item,
        dimension_id=dim.id,
        self=self_value,
        others=others_stat,
        groups=_stat_by_group(values, points, no_by_group),
        gap=_gap(self_value, others_stat),
        rwg=rwg,
        low_consensus=is_low_consensus(rwg, instrument.scoring),
        members=members if others_stat.n else {},
    )
    return score, values


def _publishable_groups(others: Sequence[_Rater], groups: Sequence[RaterGroup]) -> set[str]:
    """Groups whose not-observed counts may be published: those that meet their
    threshold over the whole assessment, and small ones whose pool does."""
    counts: dict[str, int] = {}
    for r in others:
        counts[r.group] = counts.get(r.group, 0) + 1
    states = group_states(counts, groups)
    return {g for g, state in states.items() if state in ("shown", "pooled")}


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


def is_blind_spot(
    self_value: float | None, others: float | None, settings: ScoringSettings, lv: Levels = NO_LEVELS
) -> bool:
    """A blind spot: the relative gap (leadcheck.findings) at least ``blind_spot_gap``, exactly."""
    return findings.is_blind_spot(self_value, others, settings, lv)


def is_hidden_strength(
    self_value: float | None, others: float | None, settings: ScoringSettings, lv: Levels = NO_LEVELS
) -> bool:
    """A hidden strength: relative gap at most -``hidden_strength_gap``, others at least ``high_score``."""
    return findings.is_hidden_strength(self_value, others, settings, lv)


def is_low_consensus(rwg: float | None, settings: ScoringSettings) -> bool:
    """rwg (or rwg(J)) below ``low_consensus_rwg``, exactly."""
    return rwg is not None and exact.below(rwg, settings.low_consensus_rwg)


def _rwg_j(items: Sequence[ItemScore], points: int) -> float | None:
    """rwg(J) from the published item figures: the items' others variances (sd squared)."""
    return rwg_j_of_variances(
        [i.others.sd**2 for i in items if i.others.n >= 2 and i.others.sd is not None], points
    )


def _mean_of_items(
    figures: Sequence[Stat], members: Sequence[frozenset[str]], fraction: float, total: int
) -> Stat | None:
    """A competency figure: the plain mean of its published item figures for one group (rule 2).

    None when fewer than ``fraction`` of the competency's ``total`` items have a
    figure for the group (compared exactly). Its n is the number of distinct
    raters behind those item figures.
    """
    means = [f.mean for f in figures if f.mean is not None]
    if not means or not exact.count_reaches(len(means), fraction, total):
        return None
    people = {person_of(t) for m in members for t in m}
    return Stat(len(people), math.fsum(means) / len(means), None, None, None)


def _dimension_score(
    instrument: Instrument, dim: Competency, items: Sequence[ItemScore], selves: Sequence[_Rater]
) -> DimensionScore:
    """A competency from its item figures only: nothing here reads a rater's answers."""
    settings = instrument.scoring
    need = (settings.min_item_fraction, len(items))
    channels = [g.id for g in instrument.rater_groups] + [POOLED]
    groups: dict[str, Stat] = {}
    for channel in channels:
        having = [i for i in items if channel in i.groups]
        stat = _mean_of_items(
            [i.groups[channel] for i in having], [i.members.get(channel, frozenset()) for i in having], *need
        )
        if stat is not None:
            groups[channel] = stat
    others = (
        _mean_of_items([i.others for i in items], [i.members.get(OTHERS, frozenset()) for i in items], *need)
        or EMPTY
    )
    self_values = [r.dims[dim.id] for r in selves if dim.id in r.dims]
    self_value = math.fsum(self_values) / len(self_values) if self_values else None
    rwg_j = _rwg_j(items, instrument.scale.size)
    return DimensionScore(
        dimension=dim,
        self=self_value,
        others=others,
        groups=groups,
        gap=_gap(self_value, others),
        agreement=agreement_category(self_value, others.mean, settings.agreement_gap, settings.high_score),
        rwg_j=rwg_j,
        low_consensus=is_low_consensus(rwg_j, settings),
        items=tuple(items),
    )


def score(
    instrument: Instrument,
    responses: Sequence[Response],
    leader: str = "",
    seed: str | None = None,
    released: Sequence[Released] = (),
) -> Scorecard:
    """Score one leader's responses on an instrument. Pure: no I/O, deterministic.

    ``seed`` fixes the shuffled order of comments (default: the leader's name),
    so a report printed twice lists them the same way. ``released`` are the
    figures already given to the leader for this assessment (oldest first):
    an item whose new figures could be set against them to single a rater out
    keeps its released figures (rule 4 of leadcheck.anonymity).
    """
    raters = _raters(instrument, responses)
    selves = [r for r in raters if r.group == SELF]
    others = [r for r in raters if is_rater_group(instrument, r.group)]
    publishable = _publishable_groups(others, instrument.rater_groups)
    unprotected = _unprotected_people(instrument, others)
    rated, unseen = _by_item(others)
    used: dict[str, set[str]] = {"shown": set(), "pooled": set(), "excluded": set()}
    dimensions = []
    held = 0
    for dim in instrument.dimensions:
        item_scores = []
        for item in dim.items:
            item_score, part = _item_score(
                instrument, dim, item, rated.get(item.id, ()), unseen.get(item.id, {}), selves, publishable
            )
            if released:
                item_score = _hold(item_score, released, unprotected)
                held += item_score.held
            used["shown"].update(g for g in item_score.groups if g != POOLED)
            if POOLED in item_score.groups:
                used["pooled"].update(part.pooled_groups)
            used["excluded"].update(part.excluded_groups)
            item_scores.append(item_score)
        dimensions.append(_dimension_score(instrument, dim, item_scores, selves))
    comments, held_comments = _comments(instrument, raters, responses, released)
    notes = _notes(instrument, selves, used, held)
    return _assemble(instrument, leader, raters, used, dimensions, comments, seed, notes, held_comments)


def _by_item(others: Sequence[_Rater]) -> tuple[dict[str, list[_Rater]], dict[str, dict[str, int]]]:
    """Per item, the raters who gave it a scale value (in order) and its "not observed" count per group.

    One pass over the raters, so scoring reads each rater's answers once, not once per item.
    """
    rated: dict[str, list[_Rater]] = {}
    unseen: dict[str, dict[str, int]] = {}
    for r in others:
        for item_id in r.items:
            rated.setdefault(item_id, []).append(r)
        for item_id in r.not_observed:
            counts = unseen.setdefault(item_id, {})
            counts[r.group] = counts.get(r.group, 0) + 1
    return rated, unseen


def _unprotected_people(instrument: Instrument, others: Sequence[_Rater]) -> set[str]:
    """Raters in groups whose threshold is 1: shown on their own by the instrument's design."""
    return {r.person for r in others if instrument.group(r.group).min_raters <= 1}


def _hold(item: ItemScore, released: Sequence[Released], unprotected: set[str]) -> ItemScore:
    """The item as it may be published now, given what was released before (rule 4).

    Its new figures are published when, together with every released version
    of the same item, they single no rater out; otherwise the newest released
    version stands (or, if it was never released, nothing).
    """
    earlier = [r.items[item.id] for r in released if item.id in r.items]
    if not earlier:
        return item
    published = {m for e in earlier for m in e.members.values()}
    if published.issuperset(item.members.values()):
        # Every figure is one a reader holds already (a report made again on the same answers):
        # publishing it again tells nothing new, so there is nothing to solve for.
        return item
    figures = [*published, *item.members.values()]
    tokens = {t for f in figures for t in f}
    exposed = leaks(figures, {t: person_of(t) for t in tokens}) - unprotected
    if not exposed:
        return item
    last = earlier[-1]
    return replace(
        item,
        others=last.others,
        groups=dict(last.groups),
        gap=_gap(item.self, last.others),
        rwg=last.rwg,
        low_consensus=last.low_consensus,
        members=dict(last.members),
        held=True,
    )


def _notes(
    instrument: Instrument, selves: Sequence[_Rater], used: Mapping[str, set[str]], held: int
) -> list[str]:
    notes = []
    if not selves and instrument.has_self:
        notes.append("No self-assessment yet: gaps and agreement categories are not available.")
    excluded_only = used["excluded"] - used["shown"] - used["pooled"]
    if excluded_only:
        labels = ", ".join(instrument.group(g).label for g in sorted(excluded_only))
        notes.append(f"Left out of every figure to protect anonymity (too few raters): {labels}.")
    if held:
        notes.append(
            f"{txt.count(held, 'item shows', 'items show')} the figures released earlier: the answers that "
            "arrived since are held back until enough more have arrived that no rater can be singled out."
        )
    return notes


def _assemble(
    instrument: Instrument,
    leader: str,
    raters: Sequence[_Rater],
    used: Mapping[str, set[str]],
    dimensions: Sequence[DimensionScore],
    comments: Mapping[str, Sequence[tuple[str, str]]],
    seed: str | None,
    notes: Sequence[str],
    held_comments: bool,
) -> Scorecard:
    counts: dict[str, int] = {}
    for r in raters:
        counts[r.group] = counts.get(r.group, 0) + 1
    groups = instrument.rater_groups
    group_infos = tuple(
        GroupInfo(
            g.id,
            g.label,
            g.min_raters,
            counts.get(g.id, 0),
            shown=g.id in used["shown"] or (g.is_self and counts.get(g.id, 0) > 0),
            pooled=g.id in used["pooled"],
            excluded=g.id in used["excluded"],
        )
        for g in groups
    )
    shown_order = [g.id for g in groups if g.id in used["shown"]]
    if used["pooled"]:
        shown_order.append(POOLED)
    blind, hidden_strengths, highest, lowest = _findings(instrument.scoring, dimensions)
    self_comments: dict[str, str] = {}
    for r in raters:
        if r.group == SELF:
            self_comments.update(r.comments)
    return Scorecard(
        leader=leader,
        instrument=instrument,
        groups=group_infos,
        shown_groups=tuple(shown_order),
        dimensions=tuple(dimensions),
        blind_spots=blind,
        hidden_strengths=hidden_strengths,
        highest=highest,
        lowest=lowest,
        comments=_shuffled(instrument, comments, seed if seed is not None else leader),
        self_comments=self_comments,
        notes=tuple(notes),
        comment_members={q: frozenset(t for t, _ in c) for q, c in comments.items()},
        comments_held=held_comments,
    )


def _findings(
    settings: ScoringSettings, dimensions: Sequence[DimensionScore]
) -> tuple[tuple[Finding, ...], tuple[Finding, ...], tuple[Finding, ...], tuple[Finding, ...]]:
    """Blind spots, hidden strengths, highest and lowest items (rules in leadcheck.findings)."""
    found = findings.find(settings, dimensions)
    lv = found.levels
    return (
        _found(found.blind_spots, lv),
        _found(found.hidden_strengths, lv),
        _found(found.highest, lv),
        _found(found.lowest, lv),
    )


def _shuffled(
    instrument: Instrument, comments: Mapping[str, Sequence[tuple[str, str]]], seed: str
) -> dict[str, tuple[str, ...]]:
    """Each question's comments in an order fixed by ``seed`` that says nothing about who wrote first."""
    shuffled: dict[str, tuple[str, ...]] = {}
    for q in instrument.questions:
        texts = sorted(text for _, text in comments.get(q.id, ()))  # sorted first: input order must not leak
        random.Random(f"{seed}\x00{q.id}").shuffle(texts)
        if texts:
            shuffled[q.id] = tuple(texts)
    return shuffled


def _found(items: Iterable[ItemScore], lv: Levels) -> tuple[Finding, ...]:
    return tuple(_finding(i, lv) for i in items)


def _finding(i: ItemScore, lv: Levels) -> Finding:
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
        findings.relative_gap(i.self, i.others.mean, lv),
        lv.leniency,
    )


def _comments(
    instrument: Instrument,
    raters: Sequence[_Rater],
    responses: Sequence[Response],
    released: Sequence[Released],
) -> tuple[dict[str, list[tuple[str, str]]], bool]:
    """Others' comments per question that may be published, as (token, text); and whether any are held.

    Rule 3 of leadcheck.anonymity: a question's comments are published when the
    groups it was asked of have, together, at least its comment threshold of
    raters. Once a question's comments have been released, new ones join only
    in batches from at least that many raters (rule 4): one new comment
    appearing after one new rater answered would be theirs.
    """
    counts: dict[str, int] = {}
    for r in raters:
        if is_rater_group(instrument, r.group):
            counts[r.group] = counts.get(r.group, 0) + 1
    out: dict[str, list[tuple[str, str]]] = {}
    held = False
    for q in instrument.questions:
        if not comments_publishable(instrument, q, counts):
            continue
        current = [
            (_token(r.person, q.id, r.comments[q.id]), r.comments[q.id])
            for r in raters
            if is_rater_group(instrument, r.group) and q.asks(r.group) and q.id in r.comments
        ]
        earlier = [rel.comments[q.id] for rel in released if q.id in rel.comments]
        if earlier:
            current, held_here = _comment_batch(current, earlier, comment_threshold(instrument, q))
            held = held or held_here
        out[q.id] = current
    return out, held


def _comment_batch(
    current: list[tuple[str, str]], earlier: Sequence[frozenset[str]], threshold: int
) -> tuple[list[tuple[str, str]], bool]:
    """A question's comments next to what earlier releases showed (rule 4 of leadcheck.anonymity).

    Set against every earlier release that showed the question, the comments
    shown may differ only by the comments of at least ``threshold`` raters
    (added, corrected or withdrawn). Otherwise the new comments wait; and if
    even that differs too little from some release (a comment was withdrawn),
    the question shows none, so a missing comment cannot be pinned on whoever
    withdrew it.
    """

    def safe(tokens: set[str]) -> bool:
        return not tokens or all(
            len({person_of(t) for t in tokens ^ before}) in range(threshold, 1 << 30) or tokens == before
            for before in earlier
            if before
        )

    tokens = {t for t, _ in current}
    if safe(tokens):
        return current, False
    kept = tokens & set(earlier[-1])
    if safe(kept):
        return [(t, text) for t, text in current if t in kept], True
    return [], True


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


# -- plain data out ---------------------------------------------------------------------------


def group_label(instrument: Instrument, group_id: str) -> str:
    """The label to print for a group id, the combined group included."""
    return POOLED_LABEL if group_id == POOLED else instrument.group(group_id).label
