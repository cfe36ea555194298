"""Findings: blind spots, hidden strengths, highest and lowest items, from published item figures only.

Nothing here reads a rater's answers: the inputs are the item figures a report
publishes (all others' Stat and the leader's own rating), so a finding tells
nothing the item table does not.

**Each source against its own level.** A raw gap (self - others) mixes two
things: how the leader sees one behaviour against how others see it, and how
leniently each side rates *everything*. A leader who rates themself a point
above others on every item has a raw "blind spot" on every item, which says
only that they are a lenient rater. So a finding uses the *relative gap*: each
source's rating centred on that source's own mean over the items both rated,

    relative gap = (self_i - mean(self)) - (others_i - mean(others))

i.e. the raw gap minus the leader's overall leniency ``mean(self) -
mean(others)``. This is within-person centring ("ipsatisation"), the usual
correction for a rater's general response level (Fischer, 2004, "Standardization
to account for cross-cultural response bias", Journal of Cross-Cultural
Psychology 35(3), 263-282); Fleenor, McCauley and Brutus (1996, Leadership
Quarterly 7(4), 487-506) show why a raw self-other difference confounds the two.
The raw gap stays printed beside it everywhere.

Rules (the README's "How scores are computed" says the same):

- **blind spot**: relative gap >= ``blind_spot_gap``;
- **highest** and **lowest**: the ``TOP_ITEMS`` items with the highest and lowest
  others' mean, at most half the rated items each;
- **hidden strength**: relative gap <= -``hidden_strength_gap``, others' mean at
  least the scale's "Often" point (``high_score``), and not among the lowest
  items: a hidden strength must be a strength;
- every comparison exact (leadcheck.base.exact); ties in a list by the gap, then
  instrument order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from leadcheck.base import exact

if TYPE_CHECKING:
    from leadcheck.instrument.model import Item, ScoringSettings


# What these rules read of scoring's results (its Stat, ItemScore and DimensionScore), named here
# so that scoring, which applies the rules, is the only one of the two that imports the other.
class Figure(Protocol):
    """One figure: a group's ratings of an item or competency."""

    @property
    def n(self) -> int: ...
    @property
    def mean(self) -> float | None: ...
    @property
    def sd(self) -> float | None: ...


class ItemFigures(Protocol):
    """An item's figures: the leader's own rating and all others' figure."""

    @property
    def item(self) -> Item: ...
    @property
    def self(self) -> float | None: ...
    @property
    def others(self) -> Figure: ...


ItemT = TypeVar("ItemT", bound=ItemFigures)
ItemT_co = TypeVar("ItemT_co", bound=ItemFigures, covariant=True)


class DimensionFigures(Protocol[ItemT_co]):
    """A competency's figures: all others' figure and its items'."""

    @property
    def others(self) -> Figure: ...
    @property
    def items(self) -> tuple[ItemT_co, ...]: ...


CONFIDENCE = 0.95
TOP_ITEMS = 5


@dataclass(frozen=True)
class Levels:
    """Each source's own mean over the items both rated: what the relative gap is centred on."""

    self: Fraction
    others: Fraction
    items: int

    @property
    def leniency(self) -> Fraction:
        """How much higher the leader rates everything than others do (negative: lower)."""
        return self.self - self.others


NO_LEVELS = Levels(Fraction(0), Fraction(0), 0)


def levels(items: Sequence[ItemFigures]) -> Levels:
    """The leader's and all others' mean over the items that carry both figures (exact)."""
    both = [
        (exact.exact(i.self), exact.exact(i.others.mean))
        for i in items
        if i.self is not None and i.others.mean is not None
    ]
    if not both:
        return NO_LEVELS
    n = len(both)
    return Levels(sum((s for s, _ in both), Fraction(0)) / n, sum((o for _, o in both), Fraction(0)) / n, n)


def relative_gap(self_value: float | None, others: float | None, lv: Levels) -> Fraction | None:
    """(self - others) - leniency, exactly; None when either side is missing."""
    if self_value is None or others is None:
        return None
    return exact.difference(self_value, others) - lv.leniency


def is_blind_spot(
    self_value: float | None, others: float | None, settings: ScoringSettings, lv: Levels = NO_LEVELS
) -> bool:
    """Relative gap at least ``blind_spot_gap``, exactly."""
    gap = relative_gap(self_value, others, lv)
    return gap is not None and gap >= exact.threshold(settings.blind_spot_gap)


def is_hidden_strength(
    self_value: float | None, others: float | None, settings: ScoringSettings, lv: Levels = NO_LEVELS
) -> bool:
    """Relative gap at most -``hidden_strength_gap`` and others' mean at least ``high_score``, exactly."""
    gap = relative_gap(self_value, others, lv)
    return (
        gap is not None
        and others is not None
        and gap <= -exact.threshold(settings.hidden_strength_gap)
        and exact.at_least(others, settings.high_score)
    )


@dataclass(frozen=True)
class Found(Generic[ItemT]):
    """The four item lists, in print order."""

    blind_spots: tuple[ItemT, ...]
    hidden_strengths: tuple[ItemT, ...]
    highest: tuple[ItemT, ...]
    lowest: tuple[ItemT, ...]
    levels: Levels


def find(settings: ScoringSettings, dimensions: Sequence[DimensionFigures[ItemT]]) -> Found[ItemT]:
    """Blind spots, hidden strengths, highest and lowest items (see the module docstring)."""
    all_items = [i for d in dimensions for i in d.items]
    order = {i.item.id: n for n, i in enumerate(all_items)}
    lv = levels(all_items)

    def rel(i: ItemT) -> Fraction:
        gap = relative_gap(i.self, i.others.mean, lv)
        assert gap is not None
        return gap

    def raw(i: ItemT) -> Fraction:
        assert i.self is not None and i.others.mean is not None
        return exact.difference(i.self, i.others.mean)

    rated = [i for i in all_items if i.others.mean is not None]
    # At most half the rated items each: in a six-item instrument the "lowest five" would be nearly all.
    top = min(TOP_ITEMS, max(1, len(rated) // 2))
    highest = sorted(rated, key=lambda i: (-exact.exact(i.others.mean or 0), order[i.item.id]))[:top]
    lowest = sorted(rated, key=lambda i: (exact.exact(i.others.mean or 0), order[i.item.id]))[:top]
    low_ids = {i.item.id for i in lowest}
    # Largest relative gap first; equal ones (compared exactly) by the raw gap, then instrument order.
    blind = sorted(
        (i for i in all_items if is_blind_spot(i.self, i.others.mean, settings, lv)),
        key=lambda i: (-rel(i), -raw(i), order[i.item.id]),
    )
    hidden = sorted(
        (
            i
            for i in all_items
            if is_hidden_strength(i.self, i.others.mean, settings, lv) and i.item.id not in low_ids
        ),
        key=lambda i: (rel(i), raw(i), order[i.item.id]),
    )
    return Found(tuple(blind), tuple(hidden), tuple(highest), tuple(lowest), lv)


# -- evidence: the interval of others' mean ---------------------------------------------------


@lru_cache(maxsize=256)
def t_quantile(df: int) -> float:
    """The two-sided 95% quantile of Student's t with ``df`` degrees of freedom (t² is F(1, df))."""
    from leadcheck.stats import f_ppf

    return math.sqrt(f_ppf(CONFIDENCE, 1, df))


def floored_sd(sd: float | None, n: int) -> float:
    """The SD an interval uses: the sample SD, or, when every rater chose the same point, 1/√n.

    1/√n is the SD of n ratings of which one is a scale step away from the rest: the
    least disagreement integer ratings can show. With it an interval never has zero
    width, so three raters who happen to agree are not taken for certainty.
    """
    floor = 1 / math.sqrt(n)
    return floor if sd is None or exact.exact(sd) < exact.exact(floor) else sd


def interval(
    mean: float | None, sd: float | None, n: int, low: float, high: float
) -> tuple[float, float] | None:
    """The 95% interval of a mean of ``n`` ratings (Student's t, floored SD), clipped to the scale.

    None below two ratings. Clipped to ``low``..``high``: a mean of ratings cannot leave
    the scale, so the part of a t interval beyond it is impossible, not uncertain.
    """
    if mean is None or n < 2:
        return None
    half = t_quantile(n - 1) * floored_sd(sd, n) / math.sqrt(n)
    return (max(low, mean - half), min(high, mean + half))


def competency_interval(dim: DimensionFigures[Any], low: float, high: float) -> tuple[float, float] | None:
    """A conservative 95% interval of a competency's all-others figure, from its item figures only.

    The figure is the mean of item means; the SD of a mean of variables is at most
    the mean of their SDs (Minkowski's inequality), so the interval uses the mean
    of the items' (floored) SDs and the smallest item n: wider, never narrower,
    than the interval rater-level data would give.
    """
    rated = [i.others for i in dim.items if i.others.n >= 2 and i.others.mean is not None]
    if dim.others.mean is None or not rated:
        return None
    n = min(s.n for s in rated)
    sd = math.fsum(floored_sd(s.sd, s.n) for s in rated) / len(rated)
    half = t_quantile(n - 1) * sd / math.sqrt(n)
    return (max(low, dim.others.mean - half), min(high, dim.others.mean + half))


def certainty_words(bounds: tuple[float, float] | None, n: int) -> str:
    """How sure a figure is, in words a reader acts on, from its 95% interval's half-width."""
    if bounds is None:
        return "one rater only: a hint, not a finding" if n == 1 else "no others' ratings"
    half = exact.exact((bounds[1] - bounds[0]) / 2)
    if half <= Fraction(3, 10):
        return "firm: raters agree closely"
    if half <= Fraction(6, 10):
        return "fairly firm"
    return "uncertain: few raters, or they differ"
