"""What a report leads with: findings ranked by strength of evidence, strengths and priorities.

Pure functions of a Scorecard. A gap between self and others means little when
few people rated the item or they disagreed: with 8 raters and an SD of 0.8,
the 95% interval of the others' mean is about ±0.67, so a 0.75 gap may be
noise. Each blind spot and hidden strength therefore carries the 95%
confidence interval of the others' mean (leadcheck.findings.interval: Student's
t, n - 1 degrees of freedom, the SD floored at 1/√n when every rater agreed,
clipped to the scale) and is graded by where the leader's rating lies once
their leniency is taken out (self - leniency, leadcheck.findings):

- **clear**: outside that interval;
- **tentative**: inside it (others' ratings are too few or too spread to be sure);
- **one rater**: a single other rating, so no interval can be computed.

Findings are ranked clear first, then by the relative gap measured in
half-widths of the interval (larger gaps, more raters and less spread all rank
higher), then by the relative gap, then the raw gap, then instrument order;
every tie is decided on exact fractions or on floats computed from them alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from leadcheck import findings
from leadcheck.base import exact
from leadcheck.base import text as txt
from leadcheck.scoring import DimensionScore, Finding, ItemScore, Scorecard

CLEAR = "clear"
TENTATIVE = "tentative"
ONE_RATER = "one rater"
CONFIDENCE = 0.95
TOP_FINDINGS = 5  # blind spots and hidden strengths shown in the body; all are in the appendix
TOP_AREAS = 3  # strengths in the executive summary
TOP_PRIORITIES = 2  # development priorities: the summary's, the plan's and the worksheet's
BEHAVIOURS = 3  # behaviours to build on, and to work on, on the first page (and offered by `plan`)
# Two each from the leader's own ratings alone: without others' there is less to act on.
BEHAVIOURS_SELF_ONLY = 2


def t_quantile(df: int) -> float:
    """The two-sided 95% quantile of Student's t (leadcheck.findings.t_quantile)."""
    return findings.t_quantile(df)


def interval(
    mean: float | None, sd: float | None, n: int, low: float = -math.inf, high: float = math.inf
) -> tuple[float, float] | None:
    """The 95% interval of a mean of ``n`` ratings, clipped to ``low``..``high`` (leadcheck.findings)."""
    return findings.interval(mean, sd, n, low, high)


@dataclass(frozen=True)
class RankedFinding:
    """A blind spot or hidden strength with the evidence for it."""

    finding: Finding
    strength: str  # CLEAR, TENTATIVE or ONE_RATER
    low: float | None  # 95% interval of the others' mean
    high: float | None
    weight: float  # |relative gap| / half-width of the interval (SD floored: never infinite)

    @property
    def evidence(self) -> str:
        """One sentence a reader can check: the interval and where self lies against it."""
        f = self.finding
        if self.low is None or self.high is None:
            return "Only one other rating: no interval can be computed; treat as a hint."
        where = "outside" if self.strength == CLEAR else "inside"
        yours = f"your {txt.score(f.self)}"
        if f.leniency:
            yours += (
                f", less your overall difference from others ({txt.signed(f.leniency)}), is "
                f"{txt.score(exact.exact(f.self) - f.leniency)}:"
            )
        else:
            yours += " is"
        return (
            f"Others' 95% interval {txt.score(self.low)} to {txt.score(self.high)} (n={f.others_n}); "
            f"{yours} {where} it."
        )


def _rank_key(r: RankedFinding, order: dict[str, int]) -> tuple[int, float, Fraction, Fraction, int]:
    tier = {CLEAR: 0, TENTATIVE: 1, ONE_RATER: 2}[r.strength]
    f = r.finding
    raw = exact.difference(f.self, f.others) if f.self is not None and f.others is not None else Fraction(0)
    rel = abs(f.relative_gap) if f.relative_gap is not None else abs(raw)
    return (tier, -r.weight, -rel, -abs(raw), order[f.item_id])


def rank(card: Scorecard, found: tuple[Finding, ...]) -> tuple[RankedFinding, ...]:
    """Blind spots or hidden strengths, strongest evidence first (see the module docstring)."""
    order = {item_id: n for n, item_id in enumerate(card.instrument.items)}
    scale = card.instrument.scale
    out = []
    for f in found:
        assert f.self is not None and f.others is not None
        ci = interval(f.others, f.others_sd, f.others_n, scale.min, scale.max)
        if ci is None:
            out.append(RankedFinding(f, ONE_RATER, None, None, 0.0))
            continue
        low, high = ci
        # Where self lies once the leader's leniency is taken out, exactly.
        where = exact.exact(f.self) - f.leniency
        outside = where < exact.exact(low) or where > exact.exact(high)
        # The unclipped half-width, from canonical inputs only: equal evidence, equal weight.
        half = (
            t_quantile(f.others_n - 1)
            * findings.floored_sd(
                exact.canonical(f.others_sd) if f.others_sd is not None else None, f.others_n
            )
            / math.sqrt(f.others_n)
        )
        rel = f.relative_gap if f.relative_gap is not None else exact.difference(f.self, f.others)
        out.append(RankedFinding(f, CLEAR if outside else TENTATIVE, low, high, float(abs(rel)) / half))
    return tuple(sorted(out, key=lambda r: _rank_key(r, order)))


def development_priorities(card: Scorecard, count: int = TOP_PRIORITIES) -> tuple[DimensionScore, ...]:
    """The competencies and values most in need: lowest others' mean first (self when no others),
    then the largest gap, then instrument order. Only those with development actions count
    when the instrument has any.

    When the instrument asks how important each competency is (``card.importance``), those
    rated below ``high_score`` come first, the most important of them first: a low rating on
    what matters most for the role is the first thing to work on.
    """
    inst = card.instrument
    dims = list(card.dimensions)
    if inst.development:
        dims = [d for d in dims if inst.development.get(d.id)]
    order = {d.id: n for n, d in enumerate(card.dimensions)}
    weights = card.importance

    def need(d: DimensionScore) -> tuple[int, int, Fraction, Fraction, Fraction, int]:
        level = d.others.mean if d.others.mean is not None else d.self
        if level is None:
            return (1, 0, Fraction(0), Fraction(0), Fraction(0), order[d.id])
        gap = Fraction(0)
        if d.self is not None and d.others.mean is not None:
            gap = exact.difference(d.self, d.others.mean)
        if not weights:
            return (0, 0, Fraction(0), exact.exact(level), -gap, order[d.id])
        high = exact.at_least(level, inst.scoring.high_score)
        return (0, int(high), -weights.get(d.id, Fraction(0)), exact.exact(level), -gap, order[d.id])

    return tuple(sorted(dims, key=need)[:count])


def strengths(card: Scorecard, count: int = TOP_AREAS) -> tuple[DimensionScore, ...]:
    """The highest-rated competencies and values: by all others' mean, by self when no others rated.

    Ties in instrument order; an area with no rating at all is never a strength."""
    order = {d.id: n for n, d in enumerate(card.dimensions)}
    has_others = any(d.others.mean is not None for d in card.dimensions)

    def level(d: DimensionScore) -> float | None:
        return d.others.mean if has_others else d.self

    rated = [d for d in card.dimensions if level(d) is not None]
    ranked = sorted(rated, key=lambda d: (-exact.exact(level(d) or 0.0), order[d.id]))
    return tuple(ranked[:count])


def _level(i: ItemScore) -> float | None:
    """What an item is judged on for the first page: all others' mean, or self when no others rated."""
    return i.others.mean if i.others.mean is not None else i.self


def _pick(ranked: list[ItemScore], count: int, exclude: set[str]) -> list[ItemScore]:
    """``count`` items in ranked order, one per competency first, then any."""
    picked: list[ItemScore] = []
    seen: set[str] = set()
    for i in ranked:
        if len(picked) < count and i.id not in exclude and i.dimension_id not in seen:
            picked.append(i)
            seen.add(i.dimension_id)
    for i in ranked:
        if len(picked) < count and i.id not in exclude and i not in picked:
            picked.append(i)
    return picked


def behaviour_count(has_others: bool) -> int:
    """How many behaviours to build on, and to work on, the first page names."""
    return BEHAVIOURS if has_others else BEHAVIOURS_SELF_ONLY


def behaviours(card: Scorecard, count: int) -> tuple[list[ItemScore], list[ItemScore]]:
    """Behaviours to build on (highest rated) and to work on (the lowest in each priority area):
    the report's first page, and what ``leadcheck plan`` offers first.

    Ordered by exact comparisons; ties by the relative gap (leadcheck.findings), then instrument order.
    Nothing is both: an item to build on is never one to work on.
    """
    items = [i for d in card.dimensions for i in d.items if _level(i) is not None]
    order = {i.id: n for n, i in enumerate(items)}
    lv = card.levels

    def rel(i: ItemScore) -> Fraction:
        return findings.relative_gap(i.self, i.others.mean, lv) or Fraction(0)

    high = sorted(items, key=lambda i: (-exact.exact(_level(i) or 0.0), rel(i), order[i.id]))
    low = sorted(items, key=lambda i: (exact.exact(_level(i) or 0.0), -rel(i), order[i.id]))
    build = _pick(high, count, set())
    taken = {i.id for i in build}
    areas = [d.id for d in development_priorities(card, count)]
    by_area = sorted(
        low, key=lambda i: areas.index(i.dimension_id) if i.dimension_id in areas else len(areas)
    )
    work = _pick(by_area, count, taken)
    return build, work
