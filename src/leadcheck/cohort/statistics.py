"""Cohort statistics: a competency's means, percentile ranks and reliability across many leaders.

Built one leader at a time from scorecards (leadcheck.scoring), so memory does
not grow with raters; percentile ranks sort each competency once (O(n log n)
in leaders).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from leadcheck.base import exact
from leadcheck.base.responses import Response
from leadcheck.instrument.model import SELF, Competency, Instrument
from leadcheck.scoring import CATEGORIES, TOP_ITEMS, Scorecard
from leadcheck.stats import AlphaAccumulator, feldt_interval, percentile_ranks

# Cronbach's alpha is published only from this many leaders with a published all-others mean on every
# item of a competency (as norms need): fewer say little about reliability.
ALPHA_MIN_LEADERS = 10


@dataclass(frozen=True)
class Reliability:
    """Cronbach's alpha of one competency's items in a cohort, with Feldt's 95% interval.

    The cases are leaders, each leader's values the all-others means of the
    competency's items that their report publishes: alpha says how
    consistently the items tell leaders apart, and uses no rating a report
    does not publish.
    """

    dimension_id: str
    n: int  # leaders with a published all-others mean on every item of the competency
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
    percentiles need); Cronbach's alpha is accumulated from moments of the
    leaders' published item means. No rater's answer is read.
    """

    def __init__(self, instrument: Instrument) -> None:
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

    def add(
        self, card: Scorecard, responses: Iterable[Response] = (), previous: Scorecard | None = None
    ) -> None:
        """Add one leader's scorecard, and their previous scorecard. ``responses`` is not read: alpha
        comes from the scorecard's published item means (kept for callers that pass them)."""
        if card.instrument.id != self.instrument.id:
            raise ValueError(f"{card.leader} was assessed on {card.instrument.id}, not {self.instrument.id}")
        self.leaders.append(card.leader)
        self._add_figures(card)
        self._add_raters(card)
        self._add_item_means(card)
        if previous is not None:
            for d in previous.dimensions:
                if d.others.mean is not None:
                    self.previous.setdefault(d.id, []).append(d.others.mean)

    def _add_figures(self, card: Scorecard) -> None:
        """A leader's competency means, agreement categories and item means."""
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

    def _add_raters(self, card: Scorecard) -> None:
        """Rater counts as the leader's report shows them: groups below threshold are not counted."""
        published = card.raters
        for g in card.groups:
            shown = published.get(g.id, 0)
            self.raters[g.id] = self.raters.get(g.id, 0) + shown
            if shown:
                self.met[g.id] = self.met.get(g.id, 0) + 1
            if g.id == SELF and g.raters:
                self.self_done += 1

    def _add_item_means(self, card: Scorecard) -> None:
        """The leader's published all-others item means, per competency, into Cronbach's alpha.

        Only figures the leader's report publishes (``ItemScore.others.mean``,
        recoded for reverse-scored items); a competency with an item whose
        mean is not published (held, or too few raters) adds nothing.
        """
        for d in card.dimensions:
            acc_alpha = self.alpha.get(d.id)
            if acc_alpha is None:
                continue
            means = [i.others.mean for i in d.items]
            if len(means) == acc_alpha.k and all(m is not None for m in means):
                acc_alpha.add([float(m) for m in means if m is not None])

    def reliability(self, dim: Competency) -> Reliability:
        acc = self.alpha.get(dim.id)
        if acc is None or acc.n < ALPHA_MIN_LEADERS:
            return Reliability(dim.id, acc.n if acc else 0, None, None, None)
        try:
            alpha = acc.alpha()
        except ValueError:  # no variance at all: alpha is undefined
            return Reliability(dim.id, acc.n, None, None, None)
        lower, upper = feldt_interval(alpha, acc.n, acc.k)
        return Reliability(dim.id, acc.n, alpha, lower, upper)

    def result(self) -> CohortStats:
        if not self.leaders:
            raise ValueError("a cohort needs at least one scored leader")
        inst = self.instrument
        dims = [self._dimension(dim) for dim in inst.dimensions]
        changes: dict[str, float | None] = {}
        for d in dims:
            before = self.previous.get(d.dimension_id)
            if before:
                changes[d.dimension_id] = None if d.mean is None else d.mean - math.fsum(before) / len(before)
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

    def _dimension(self, dim: Competency) -> CohortDimension:
        """One competency across the cohort: its mean, each leader's percentile rank, reliability."""
        means = self.means.get(dim.id, {})
        present = [(leader, m) for leader, m in means.items() if m is not None]
        mean = math.fsum(m for _, m in present) / len(present) if present else None
        # Means as the exact fractions they stand for, so equal means tie exactly.
        ranks = dict(
            zip(
                [leader for leader, _ in present],
                percentile_ranks([exact.canonical(m) for _, m in present]),
                strict=True,
            )
        )
        return CohortDimension(
            dim.id,
            dim.name,
            mean,
            dict(means),
            {leader: ranks.get(leader) for leader in means},
            self.reliability(dim),
        )


def cohort_stats(
    cards: Sequence[Scorecard],
    responses_by_leader: Mapping[str, Sequence[Response]],
    previous: Mapping[str, Scorecard] | None = None,
) -> CohortStats:
    """Cohort figures from every leader's scorecard (``responses_by_leader`` is not read: alpha uses
    the published item means)."""
    if not cards:
        raise ValueError("a cohort needs at least one scored leader")
    builder = CohortBuilder(cards[0].instrument)
    for card in cards:
        builder.add(card, responses_by_leader.get(card.leader, ()), (previous or {}).get(card.leader))
    return builder.result()
