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

from leadcheck import findings
from leadcheck.anonymity import (
    OTHERS,
    POOLED,
    POOLED_LABEL,
    Thresholds,
    asked_groups,
    enough,
    is_rater_group,
    member,
    partition,
    person_of_member,
    publishable,
)
from leadcheck.base import exact
from leadcheck.base.responses import Response
from leadcheck.findings import NO_LEVELS, Levels
from leadcheck.instrument.model import SELF, Competency, Instrument, Item, ScoringSettings
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
# What a report, summary or draft says, once, when it repeats the last release (anonymity rule 5).
HELD_NOTE = (
    "Every figure and comment repeats the last release: answers that arrived or changed since are "
    "held back until enough more have arrived that no rater can be singled out."
)


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
    # Every set of answers the item's figures are published about (channel -> member names, see
    # leadcheck.anonymity.member): each shown group, the combined group, all others, and "state:<group>"
    # for a group whose shown-or-not says how many of its raters rated the item. Never shown.
    members: Mapping[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    held: bool = False  # the whole release repeats the last one: newer answers held back
    pooled_groups: tuple[str, ...] = ()
    excluded_groups: tuple[str, ...] = ()

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
    pooled_groups: tuple[str, ...] = ()
    excluded_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReleasedComments:
    """A question's comment list as an earlier release published it."""

    members: frozenset[str]  # every answer of the raters asked (the set the list is about)
    shown: frozenset[str]  # the members whose comment was printed
    # What was printed, by member, so a release that repeats this one prints the same words whatever
    # their authors changed since (None where a purge removed it).
    texts: Mapping[str, str | None] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Released:
    """What one earlier release of an assessment published (read from the release ledger)."""

    items: Mapping[str, ReleasedItem]
    comments: Mapping[str, ReleasedComments]
    raters: Mapping[str, int] = field(default_factory=dict)  # responses per group, as counted then
    legacy: bool = False  # written before the rule over sets: its members cannot be compared
    # The sets of people ("group:person") a printed count of raters shared with another round was about
    # (leadcheck.change.shared_raters).
    people: tuple[frozenset[str], ...] = ()


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
    # For the release ledger, never shown: question id -> the comment list's set and who was printed.
    comment_members: Mapping[str, ReleasedComments] = field(default_factory=dict, compare=False, repr=False)
    comments_held: bool = False  # the release repeats the last one (see ``held``)
    held: bool = False  # every figure and comment repeats the last release: newer answers held back
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
        return {g.id: g.raters for g in self.groups if g.raters and enough(g.raters, g.min_raters)}

    @property
    def hidden_groups(self) -> tuple[GroupInfo, ...]:
        """Groups that responded with fewer raters than their threshold: named, never counted."""
        return tuple(g for g in self.groups if g.raters and not enough(g.raters, g.min_raters))

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
    secret: str  # what member names are keyed with: the store's keyed rater hash (never printed)
    raw: Mapping[str, object]  # the answers as given, for member names: value, None or absent

    def member(self, where: str, what: object) -> str:
        """This rater's answer ``what`` to item or question ``where`` as a member of published sets."""
        return member(self.group, self.person, _version(self.secret, where, what))


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
        person = person_key(resp, index)
        raw = {i: ("not observed" if v is None else v) for i, v in resp.answers.items()}
        out.append(
            _Rater(
                index,
                resp.group,
                items,
                frozenset(not_observed),
                dims,
                person,
                comments,
                resp.rater or person,
                raw,
            )
        )
    return out


# -- step 3: item figures, under the anonymity rule -------------------------------------------


def _version(secret: str, where: str, what: object) -> str:
    """The version part of a member name: a hash of the answer keyed by the rater's keyed hash.

    Two versions of a person's answer get different names with the same person
    part. Keyed: without the workspace's key nobody can tell which answer a
    name stands for, however few the possible answers.
    """
    return hashlib.sha256(f"{secret}\x1f{where}\x1f{what}".encode()).hexdigest()[:16]


def person_of(token: str) -> str:
    """The person part of a member name."""
    return person_of_member(token)


def person_key(resp: Response, index: int) -> str:
    """An opaque key for the rater behind a response (the index when the response names none)."""
    return person_from_rater(
        resp.rater or (f"response-{resp.response_id}" if resp.response_id is not None else f"#{index}")
    )


def person_from_rater(rater: str) -> str:
    """The person part of member names, from the store's keyed rater hash."""
    return hashlib.sha256(rater.encode()).hexdigest()[:16]


def _channel_stat(instrument: Instrument, item: Item, raters: Sequence[_Rater]) -> Stat:
    """One channel's figure of an item: its raters' ratings and "not observed" answers."""
    points = [p.value for p in instrument.scale.points]
    values = [r.items[item.id] for r in raters if item.id in r.items]
    return Stat.of(values, points, sum(1 for r in raters if item.id in r.not_observed))


def _item_score(
    instrument: Instrument,
    dim: Competency,
    item: Item,
    by_group: Mapping[str, Sequence[_Rater]],
    selves: Sequence[_Rater],
) -> ItemScore:
    """Every figure of one item: each shown group, the combined group and all others.

    A group is shown when enough of its raters rated the item (`partition`).
    Every other group that responded goes into one pool, shown when enough of
    the pool rated the item and the pool's set cuts no set published beside it
    into a small atom. Each figure is published about every answer of its
    groups' raters (rule 3 of leadcheck.anonymity); a group or pool not shown
    is published about too when its state says something (it met its
    threshold in responses, or it could have been shown).
    """
    thresholds = Thresholds.of(instrument)
    rated = {g: [r for r in rs if item.id in r.items] for g, rs in by_group.items()}
    part = partition(rated, instrument.rater_groups)
    sets = {g: frozenset(r.member(item.id, r.raw.get(item.id)) for r in by_group[g]) for g in by_group}
    members: dict[str, frozenset[str]] = {}
    for g, rs in by_group.items():
        if g not in part.shown and enough(len(rs), thresholds.of_group(g)):
            members[f"state:{g}"] = sets[g]
    members.update({g: sets[g] for g in part.shown})
    # The pool is every group that responded and is not shown, whatever each answered on this item:
    # a pool holding only the groups that rated it would say which small group did not.
    hidden = [g for g in by_group if g not in part.shown]
    pooled_groups: tuple[str, ...] = ()
    pool = frozenset(t for g in hidden for t in sets[g])
    if hidden and publishable([*members.values(), pool], thresholds):
        # Whether the pool is shown depends only on how many of it rated: a statistic of its set.
        if enough(sum(len(rated[g]) for g in hidden), max(thresholds.of_group(g) for g in hidden)):
            members[POOLED] = pool
            pooled_groups = tuple(hidden)
        else:
            members["state:" + POOLED] = pool
    # Left out: every group that answered and is not in a figure, whatever its answers were.
    excluded_groups = tuple(g for g in hidden if g not in pooled_groups)
    channel_groups: dict[str, tuple[str, ...]] = {g: (g,) for g in part.shown}
    if pooled_groups:
        channel_groups[POOLED] = pooled_groups
    others_groups = [g for gs in channel_groups.values() for g in gs]
    others_raters = [r for g in others_groups for r in by_group[g]]
    # "Not observed" in all others also counts the groups whose set is published for their state:
    # how many did not observe an item is worth saying even when too few rated it.
    stated = [g for g in by_group if f"state:{g}" in members]
    counted = [*others_groups, *(g for g in stated if g not in others_groups)]
    others_stat = replace(
        _channel_stat(instrument, item, others_raters),
        not_observed=sum(1 for g in counted for r in by_group[g] if item.id in r.not_observed),
    )
    if counted:
        members[OTHERS] = frozenset(t for g in counted for t in sets[g])
    groups = {
        c: _channel_stat(instrument, item, [r for g in gs for r in by_group[g]])
        for c, gs in channel_groups.items()
    }
    own = [r.items[item.id] for r in selves if item.id in r.items]
    self_value = math.fsum(own) / len(own) if own else None
    rwg = item_rwg([r.items[item.id] for r in others_raters if item.id in r.items], instrument.scale.size)
    return ItemScore(
        item=item,
        dimension_id=dim.id,
        self=self_value,
        others=others_stat,
        groups=groups,
        gap=_gap(self_value, others_stat),
        rwg=rwg,
        low_consensus=is_low_consensus(rwg, instrument.scoring),
        members=members,
        pooled_groups=tuple(pooled_groups),
        excluded_groups=tuple(excluded_groups),
    )


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
    exact (leadcheck.base.exact). None when either side is missing.
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


def _mean_of_items(figures: Sequence[Stat], fraction: float, total: int) -> Stat | None:
    """A competency figure: the plain mean of its published item figures for one group (rule 2).

    None when fewer than ``fraction`` of the competency's ``total`` items have a
    figure for the group (compared exactly). Its n is the largest n among those
    item figures: a function of them, like everything a competency figure says
    (how many distinct raters rated any item would tie one rater's answers
    across items).
    """
    rated = [f for f in figures if f.mean is not None]
    if not rated or not exact.count_reaches(len(rated), fraction, total):
        return None
    means = [f.mean for f in rated if f.mean is not None]
    return Stat(max(f.n for f in rated), math.fsum(means) / len(means), None, None, None)


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
        stat = _mean_of_items([i.groups[channel] for i in having], *need)
        if stat is not None:
            groups[channel] = stat
    others = _mean_of_items([i.others for i in items], *need) or EMPTY
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
    figures already given to the leader for this assessment (oldest first).
    When the new figures, set beside them, would leave a small atom for any
    item or question (rules 4 and 5 of leadcheck.anonymity), the scorecard
    repeats the last release whole, the leader's own answers aside.
    """
    raters = _raters(instrument, responses)
    selves = [r for r in raters if r.group == SELF]
    by_group = _by_group(instrument, raters)
    dimensions = []
    for dim in instrument.dimensions:
        items = [_item_score(instrument, dim, item, by_group, selves) for item in dim.items]
        dimensions.append(_dimension_score(instrument, dim, items, selves))
    comments = _comments(instrument, by_group)
    if released and not may_follow(instrument, dimensions, comments, released):
        return _repeat(instrument, leader, raters, released[-1], seed)
    counts = {g: len(rs) for g, rs in by_group.items()}
    counts[SELF] = len(selves)
    texts = {q: list(c.texts) for q, c in comments.items() if c.published}
    members = {q: c.released for q, c in comments.items() if c.published}
    used = _used(dimensions)
    notes = _notes(instrument, selves, used, held=False)
    return _assemble(instrument, leader, raters, counts, used, dimensions, texts, members, seed, notes, False)


def as_released(
    instrument: Instrument, responses: Sequence[Response], last: Released, leader: str = ""
) -> Scorecard:
    """The scorecard a release published (``last``), with the leader's own answers as they are now:
    what the leader was given, never a figure the anonymity rule held back since."""
    return _repeat(instrument, leader, _raters(instrument, responses), last, None)


def may_follow(
    instrument: Instrument,
    dimensions: Sequence[DimensionScore],
    comments: Mapping[str, _CommentList],
    released: Sequence[Released],
) -> bool:
    """Whether these figures may be published after ``released``: the atoms rule, item by item and
    question by question, over every set published before and now (leadcheck.anonymity)."""
    if any(r.legacy for r in released):
        return False  # members written before the rule over sets cannot be compared: repeat them
    thresholds = Thresholds.of(instrument)
    for d in dimensions:
        for i in d.items:
            sets = [m for r in released if i.id in r.items for m in r.items[i.id].members.values()]
            if not publishable([*sets, *i.members.values()], thresholds):
                return False
    for q in instrument.questions:
        sets = [r.comments[q.id].members for r in released if q.id in r.comments]
        now = [comments[q.id].released.members] if q.id in comments and comments[q.id].published else []
        if not publishable([*sets, *now], Thresholds.of(instrument, q)):
            return False
    return True


def _by_group(instrument: Instrument, raters: Sequence[_Rater]) -> dict[str, list[_Rater]]:
    """The raters whose answers figures may be about, by group, in order (the self apart)."""
    by_group: dict[str, list[_Rater]] = {}
    for r in raters:
        if is_rater_group(instrument, r.group):
            by_group.setdefault(r.group, []).append(r)
    return by_group


def _used(dimensions: Sequence[DimensionScore]) -> dict[str, set[str]]:
    """Which groups the items show on their own, pool, or leave out, in at least one item."""
    used: dict[str, set[str]] = {"shown": set(), "pooled": set(), "excluded": set()}
    for d in dimensions:
        for i in d.items:
            used["shown"].update(g for g in i.groups if g != POOLED)
            used["pooled"].update(i.pooled_groups)
            used["excluded"].update(i.excluded_groups)
    return used


def _repeat(
    instrument: Instrument, leader: str, raters: Sequence[_Rater], last: Released, seed: str | None
) -> Scorecard:
    """The scorecard of ``last``, the newest release, with the leader's own answers as they are now.

    Every item and comment list repeats what was published, in the words the
    ledger kept, so a reader learns that something arrived or changed, never
    where or from whom.
    """
    selves = [r for r in raters if r.group == SELF]
    dimensions = []
    for dim in instrument.dimensions:
        items = []
        for item in dim.items:
            own = [r.items[item.id] for r in selves if item.id in r.items]
            self_value = math.fsum(own) / len(own) if own else None
            was = last.items.get(item.id)
            if was is None:
                items.append(ItemScore(item, dim.id, self_value, EMPTY, {}, None, None, False, held=True))
                continue
            items.append(
                ItemScore(
                    item=item,
                    dimension_id=dim.id,
                    self=self_value,
                    others=was.others,
                    groups=dict(was.groups),
                    gap=_gap(self_value, was.others),
                    rwg=was.rwg,
                    low_consensus=was.low_consensus,
                    members=dict(was.members),
                    held=True,
                    pooled_groups=was.pooled_groups,
                    excluded_groups=was.excluded_groups,
                )
            )
        dimensions.append(_dimension_score(instrument, dim, items, selves))
    texts: dict[str, list[tuple[str, str]]] = {}
    members: dict[str, ReleasedComments] = {}
    # Every printed comment again, in the words printed. A comment a purge removed cannot be printed
    # again; leaving out only its list would point at it, so then every list is left out.
    if all(listed.texts.get(t) is not None for listed in last.comments.values() for t in listed.shown):
        for q, listed in last.comments.items():
            texts[q] = [(t, listed.texts[t] or "") for t in sorted(listed.shown)]
            members[q] = listed
    counts = {**last.raters, SELF: len(selves)}
    used = _used(dimensions)
    notes = _notes(instrument, selves, used, held=True)
    return _assemble(instrument, leader, raters, counts, used, dimensions, texts, members, seed, notes, True)


def _notes(
    instrument: Instrument, selves: Sequence[_Rater], used: Mapping[str, set[str]], held: bool
) -> list[str]:
    notes = []
    if not selves and instrument.has_self:
        notes.append("No self-assessment yet: gaps and agreement categories are not available.")
    excluded_only = used["excluded"] - used["shown"] - used["pooled"]
    if excluded_only:
        labels = ", ".join(instrument.group(g).label for g in sorted(excluded_only))
        notes.append(f"Left out of every figure to protect anonymity (too few raters): {labels}.")
    if held:
        notes.append(HELD_NOTE)
    return notes


def _assemble(
    instrument: Instrument,
    leader: str,
    raters: Sequence[_Rater],
    counts: Mapping[str, int],
    used: Mapping[str, set[str]],
    dimensions: Sequence[DimensionScore],
    comments: Mapping[str, Sequence[tuple[str, str]]],
    comment_members: Mapping[str, ReleasedComments],
    seed: str | None,
    notes: Sequence[str],
    held: bool,
) -> Scorecard:
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
        comment_members=dict(comment_members),
        comments_held=held,
        held=held,
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


@dataclass(frozen=True)
class _CommentList:
    """A question's comments, with the set of answers they are about and whether the rule lets them out."""

    released: ReleasedComments
    texts: tuple[tuple[str, str], ...]  # (member, text) of each comment written
    published: bool


def _comments(instrument: Instrument, by_group: Mapping[str, Sequence[_Rater]]) -> dict[str, _CommentList]:
    """Others' comments per question, with the set of answers a printed list would be about.

    A comment list is published about every answer of the raters it was asked
    of, a comment or none (how many were printed says how many wrote one). It
    may be published when that set alone is a good atom (rule 4 of
    leadcheck.anonymity): at least the strictest threshold of people among
    its protected groups, threshold-1 groups not counting toward it, and the
    instrument's ``min_comment_raters``.
    """
    out: dict[str, _CommentList] = {}
    for q in instrument.questions:
        asked = [r for g in asked_groups(instrument, q) for r in by_group.get(g.id, ())]
        if not asked:
            continue
        members = {r.index: r.member(q.id, r.comments.get(q.id, "")) for r in asked}
        texts = tuple((members[r.index], r.comments[q.id]) for r in asked if q.id in r.comments)
        released = ReleasedComments(frozenset(members.values()), frozenset(t for t, _ in texts), dict(texts))
        out[q.id] = _CommentList(
            released, texts, publishable([released.members], Thresholds.of(instrument, q))
        )
    return out


# -- plain data out ---------------------------------------------------------------------------


def group_label(instrument: Instrument, group_id: str) -> str:
    """The label to print for a group id, the combined group included."""
    return POOLED_LABEL if group_id == POOLED else instrument.group(group_id).label
