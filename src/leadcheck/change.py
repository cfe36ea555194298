"""Change between a leader's two rounds: which items compare, a verdict for each change, and shared raters.

A raw change of +0.3 between two rounds of three to eight raters is usually
noise. Every change therefore carries a verdict from the 95% interval of the
difference of the two rounds' all-others means by Welch's method (Welch 1947,
`leadcheck.stats.welch_interval`), computed from the published figures alone
(each round's n, mean and SD, as its report prints them):

- **reliable improvement**: the whole interval lies above zero;
- **reliable decline**: the whole interval lies below zero;
- **no reliable change**: the interval holds zero.

The SD of a round is floored at 1/√n, as every interval in the report is
(`leadcheck.findings.floored_sd`): three raters who agree are not certainty.
A competency's change is the mean of its items' changes over the items both
rounds compare, with the conservative SD of rule 6 (the mean of the items'
floored SDs, with the smallest item n). Welch's rounds are independent
samples, so the verdict is valid whoever rated each round; when the same
raters rated both it is conservative (their answers correlate).

Figures are recoded so that a higher score is always better (reverse-scored
items included), so an improvement is always an increase here.

Across instrument versions only the items whose wording (for the leader, for
raters, and whether they are reverse-scored) did not change are compared, on
the same scale; a competency's change is over those items only.

How many raters rated in both rounds is a count about sets of people: it is
printed only when the rule over sets (`leadcheck.anonymity.small_atoms`)
allows the sets it splits them into, the raters who stayed, left and joined,
set beside every such count printed before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from leadcheck.anonymity import OTHERS, Thresholds, group_of_member, member, person_of_member, small_atoms
from leadcheck.base import exact
from leadcheck.base import text as txt
from leadcheck.findings import floored_sd
from leadcheck.instrument.model import Competency, Instrument, Item
from leadcheck.scoring import ItemScore, Scorecard, Stat
from leadcheck.stats import welch_interval

IMPROVEMENT = "reliable improvement"
NO_CHANGE = "no reliable change"
DECLINE = "reliable decline"
VERDICTS = (IMPROVEMENT, NO_CHANGE, DECLINE)
NO_VERDICT = "too few raters for a verdict"  # fewer than two others' ratings in a round
CONFIDENCE = 0.95
METHOD = (
    "Welch's 95% interval of the difference of the two rounds' all-others means (Welch, 1947), "
    "each round's SD at least 1/√n"
)


@dataclass(frozen=True)
class Shift:
    """One figure's change between the rounds: both means, the difference, its interval and the verdict."""

    before: float | None
    after: float | None
    before_n: int
    after_n: int
    low: float | None = None  # the 95% interval of the difference, clipped to what the scale allows
    high: float | None = None
    verdict: str | None = None  # one of VERDICTS; None when a round has fewer than two ratings

    @property
    def difference(self) -> float | None:
        """After - before, from the fractions both means stand for, so it prints rounded like any figure."""
        if self.before is None or self.after is None:
            return None
        return float(exact.difference(self.after, self.before))


NO_SHIFT = Shift(None, None, 0, 0)


def verdict(low: float, high: float) -> str:
    """The verdict of a difference's interval: reliable only when it leaves out zero."""
    if low > 0:
        return IMPROVEMENT
    if high < 0:
        return DECLINE
    return NO_CHANGE


def shift(
    before: tuple[float, float | None, int], after: tuple[float, float | None, int], span: float
) -> Shift:
    """The change from ``before`` to ``after``, each (mean, SD, n) of a published figure.

    SDs are floored at 1/√n; the interval is clipped to ±``span`` (the scale's
    width: two means on it cannot differ by more). No verdict below two ratings.
    """
    (m1, s1, n1), (m2, s2, n2) = before, after
    if n1 < 2 or n2 < 2:
        return Shift(m1, m2, n1, n2)
    w = welch_interval((m1, floored_sd(s1, n1), n1), (m2, floored_sd(s2, n2), n2), CONFIDENCE)
    low, high = max(-span, w.low), min(span, w.high)
    return Shift(m1, m2, n1, n2, low, high, verdict(low, high))


def _item_shift(before: Stat, after: Stat, span: float) -> Shift:
    if before.mean is None or after.mean is None:
        return Shift(before.mean, after.mean, before.n, after.n)  # shown in one round only: no change
    return shift((before.mean, before.sd, before.n), (after.mean, after.sd, after.n), span)


def _difference(before: float | None, after: float | None) -> float | None:
    """After minus before; None when either round has no figure."""
    return None if before is None or after is None else after - before


@dataclass(frozen=True)
class ItemChange:
    """An item both rounds compare: the leader's own change and all others'."""

    item: Item
    dimension_id: str
    self_before: float | None
    self_after: float | None
    others: Shift

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def self_change(self) -> float | None:
        return _difference(self.self_before, self.self_after)


@dataclass(frozen=True)
class DimensionChange:
    """A competency or value over the items both rounds compare."""

    dimension: Competency
    self_before: float | None
    self_after: float | None
    others: Shift
    items: tuple[ItemChange, ...]
    compared: int  # items with all others' figures in both rounds and unchanged wording
    total: int  # the competency's items in the current round

    @property
    def dimension_id(self) -> str:
        return self.dimension.id

    @property
    def self_change(self) -> float | None:
        return _difference(self.self_before, self.self_after)

    @property
    def others_change(self) -> float | None:
        return self.others.difference


@dataclass(frozen=True)
class SharedRaters:
    """How many raters rated in both rounds (in the same group), or None when that count is withheld."""

    count: int | None
    threshold: int  # the fewest raters a stayed, left or joined set may hold (for the wording)
    # The sets of people the count is about ("group:person", keyed): for the release ledger, never shown.
    before: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    after: frozenset[str] = field(default=frozenset(), compare=False, repr=False)


@dataclass(frozen=True)
class RoundChange:
    """Everything a report, summary or JSON says about the change since the previous round."""

    before_version: str
    after_version: str
    dimensions: tuple[DimensionChange, ...]
    not_compared: tuple[str, ...]  # current items left out: reworded, new, or on another scale
    shared: SharedRaters

    @property
    def same_version(self) -> bool:
        return self.before_version == self.after_version and not self.not_compared

    def dimension(self, dim_id: str) -> DimensionChange | None:
        return next((d for d in self.dimensions if d.dimension_id == dim_id), None)

    def ledger(self) -> dict[str, Any]:
        """What the release ledger keeps of it: the people sets of a printed shared count, and the verdicts."""
        verdicts = {d.dimension_id: d.others.verdict for d in self.dimensions}
        verdicts.update({i.id: i.others.verdict for d in self.dimensions for i in d.items})
        people = (
            {"before": sorted(self.shared.before), "after": sorted(self.shared.after)}
            if self.shared.count is not None
            else None
        )
        return {"shared": self.shared.count, "people": people, "verdicts": verdicts}


def same_wording(before: Item, after: Item) -> bool:
    """Whether an item reads the same in both versions (for the leader and raters, and its direction)."""
    return (before.self_text, before.others_text, before.reverse) == (
        after.self_text,
        after.others_text,
        after.reverse,
    )


def comparable_items(before: Instrument, after: Instrument) -> frozenset[str]:
    """The items of ``after`` that ``before`` asked in the same words, on the same scale."""
    if (before.scale.min, before.scale.max) != (after.scale.min, after.scale.max):
        return frozenset()
    return frozenset(
        i for i, item in after.items.items() if i in before.items and same_wording(before.items[i], item)
    )


def people(card: Scorecard) -> frozenset[str]:
    """Who the all-others figures of a scorecard are about, as member names with no answer part
    ("group:person:", keyed, never shown): the same person in the same group in either round."""
    out = set()
    for d in card.dimensions:
        for i in d.items:
            for t in i.members.get(OTHERS, ()):
                out.add(member(group_of_member(t), person_of_member(t), ""))
    return frozenset(out)


def shared_count(
    was: frozenset[str], now: frozenset[str], thresholds: Thresholds, released: Sequence[frozenset[str]] = ()
) -> int | None:
    """How many people are in both sets, or None when printing it would break the rule over sets.

    Printed beside each round's n, the count says how many stayed, left and
    joined: each of those sets must be empty or hold enough people, beside
    every set such a count published before (``released``). Otherwise a reader
    who assumes the stayers rated alike both times could solve for a newcomer
    ("4 shared, 5 now": the fifth rater's answer is 5 x now - 4 x before).
    """
    if small_atoms([*released, was, now], thresholds):
        return None
    return len(was & now)


def shared_raters(
    before: Scorecard,
    after: Scorecard,
    released: Sequence[frozenset[str]] = (),
    promised: Sequence[Instrument] = (),
) -> SharedRaters:
    """The raters both rounds' all-others figures are about, counted when the rule over sets allows.

    The sets hold people of both rounds (and of the rounds ``released`` counts were about, whose
    instruments are ``promised``): each group needs the strictest threshold any of those rounds' versions
    promised its raters, never only the current version's.
    """
    thresholds = Thresholds.strictest([before.instrument, after.instrument, *promised])
    was, now = people(before), people(after)
    need = max(thresholds.by_group.values(), default=1)
    count = shared_count(was, now, thresholds, released)
    if count is None:
        return SharedRaters(None, need)
    return SharedRaters(count, need, was, now)


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _dimension_change(
    dim: Competency,
    before: dict[str, ItemScore],
    after: dict[str, ItemScore],
    keep: frozenset[str],
    span: float,
    fraction: float,
) -> DimensionChange | None:
    pairs = [
        (before[i.id], after[i.id]) for i in dim.items if i.id in keep and i.id in before and i.id in after
    ]
    if not pairs:
        return None
    items = tuple(
        ItemChange(b.item, dim.id, b.self, a.self, _item_shift(b.others, a.others, span)) for b, a in pairs
    )
    rated = [
        (b.others, a.others) for b, a in pairs if b.others.mean is not None and a.others.mean is not None
    ]
    others = NO_SHIFT
    if rated and exact.count_reaches(len(rated), fraction, len(dim.items)):
        others = _competency_shift(rated, span)
    # The leader's own change over the items they rated both times.
    own_before = [b.self for b, a in pairs if b.self is not None and a.self is not None]
    own_after = [a.self for b, a in pairs if b.self is not None and a.self is not None]
    return DimensionChange(
        dim,
        _mean(own_before),
        _mean(own_after),
        others,
        items,
        len(rated),
        len(dim.items),
    )


def _competency_shift(rated: Sequence[tuple[Stat, Stat]], span: float) -> Shift:
    """A competency's change: the mean of item means each round, with the conservative SD of rule 6."""
    sides = []
    for k in (0, 1):
        stats = [pair[k] for pair in rated]
        n = min(s.n for s in stats)
        mean = math.fsum(s.mean for s in stats if s.mean is not None) / len(stats)
        sd = math.fsum(floored_sd(s.sd, s.n) for s in stats) / len(stats) if n >= 2 else None
        sides.append((mean, sd, n))
    return shift(sides[0], sides[1], span)


def compare(
    before: Scorecard,
    after: Scorecard,
    released_people: Sequence[frozenset[str]] = (),
    promised: Sequence[Instrument] = (),
) -> RoundChange:
    """The change from the ``before`` round to the ``after`` round, from their published figures only.

    ``released_people`` are the sets earlier counts of shared raters were about, and ``promised`` the
    instruments of the rounds they were counted in (see `shared_raters`)."""
    b_inst, a_inst = before.instrument, after.instrument
    keep = comparable_items(b_inst, a_inst)
    span = float(a_inst.scale.max - a_inst.scale.min)
    b_items = {i.id: i for d in before.dimensions for i in d.items}
    a_items = {i.id: i for d in after.dimensions for i in d.items}
    fraction = a_inst.scoring.min_item_fraction
    dims = [_dimension_change(d, b_items, a_items, keep, span, fraction) for d in a_inst.dimensions]
    return RoundChange(
        b_inst.version,
        a_inst.version,
        tuple(d for d in dims if d is not None),
        tuple(i for i in a_inst.items if i not in keep),
        shared_raters(before, after, released_people, promised),
    )


# -- how a change is worded, in the report, the summary and the JSON's notes --------------------


def interval_text(s: Shift, plain: bool = False) -> str:
    """The 95% interval of a difference, "-0.35 to +1.15", or "" when there is none."""
    if s.low is None or s.high is None:
        return ""
    return f"{txt.signed(s.low, plain=plain)} to {txt.signed(s.high, plain=plain)}"


def shift_text(s: Shift, plain: bool = False) -> str:
    """A change as a sentence part: "+0.40 (95% interval -0.35 to +1.15): no reliable change"."""
    if s.difference is None:
        return txt.DASH if not plain else "-"
    if s.verdict is None:
        return f"{txt.signed(s.difference, plain=plain)}: {NO_VERDICT}"
    return f"{txt.signed(s.difference, plain=plain)} (95% interval {interval_text(s, plain)}): {s.verdict}"


def shared_text(change: RoundChange) -> str:
    """How many raters the rounds share, or why that count is not shown ("" with no others' figures)."""
    shared = change.shared
    if shared.count == 0 and not shared.before and not shared.after:
        return ""  # no others' figures in either round: nobody to count
    if shared.count is None:
        return (
            "How many raters rated in both rounds is not shown: fewer than "
            f"{shared.threshold} raters stayed, left or joined, and a count would point at them."
        )
    return f"Raters who rated in both rounds (in the same group): {shared.count}."


def versions_text(change: RoundChange) -> str:
    """What an instrument version change leaves out of the comparison, or "" on the same version."""
    if change.same_version:
        return ""
    left_out = len(change.not_compared)
    return (
        f"The rounds used versions {change.before_version} and {change.after_version} of the instrument: "
        "only items worded the same in both are compared, and a competency's change is over those items "
        f"only; {txt.count(left_out, 'item')} reworded or new {'is' if left_out == 1 else 'are'} left out"
        + (f" ({', '.join(change.not_compared)})." if left_out else ".")
    )


def counts_text(change: RoundChange) -> str:
    """How many competency and item changes got each verdict: "reliable improvement 1, ..."."""
    shifts = [d.others for d in change.dimensions] + [i.others for d in change.dimensions for i in d.items]
    tally = {v: sum(1 for s in shifts if s.verdict == v) for v in VERDICTS}
    return ", ".join(f"{v} {n}" for v, n in tally.items())


def _shift_json(s: Shift) -> dict[str, Any]:
    return {
        "others": s.difference,
        "others_before": s.before,
        "others_after": s.after,
        "others_n_before": s.before_n,
        "others_n_after": s.after_n,
        "low": s.low,
        "high": s.high,
        "verdict": s.verdict,
    }


def change_json(change: RoundChange) -> dict[str, Any]:
    """The change as `summary --format json` prints it under ``previous`` (documented in the README)."""
    return {
        "instrument_version": change.before_version,
        "same_version": change.same_version,
        "not_compared": list(change.not_compared),
        "method": METHOD,
        "shared_raters": change.shared.count,
        "changes": {
            d.dimension_id: {
                "self": d.self_change,
                **_shift_json(d.others),
                "items_compared": d.compared,
                "items_total": d.total,
                "items": {i.id: {"self": i.self_change, **_shift_json(i.others)} for i in d.items},
            }
            for d in change.dimensions
        },
    }
