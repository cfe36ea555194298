"""The anonymity rule, in one place: which raters' ratings and comments a figure may show.

Everything that decides whether a rater can be singled out lives here, and
scoring, status, reports and the release ledger call it:

1. **Groups per figure.** A rater group is shown on its own in an item's
   figure when at least ``min_raters`` of its raters rated that item. Groups
   below their threshold are pooled into one combined group when, together,
   they reach the strictest threshold among them; otherwise they are left out
   of the figure, "all others" included (`partition`).
2. **Only published figures feed other figures.** A competency's figure for a
   group is the plain mean of that group's published item figures, never a
   mean of raters' personal scores; so a competency figure says nothing that
   its item figures do not already say (scoring applies this).
3. **Comments** to a question are published when the groups it was asked of
   have, together, at least the strictest threshold among them (or the
   instrument's higher ``min_comment_raters``) (`comment_threshold`).
4. **Releases.** A figure already given to a leader is only replaced when no
   rater's own answers can be solved for from all the versions together
   (`leaks` checks it with exact linear algebra); new comments come in batches
   from at least as many new raters as the comment threshold.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Generic, TypeVar

from leadcheck.instrument.model import SELF, Instrument, Question, RaterGroup

POOLED = "combined"
POOLED_LABEL = "Combined groups"
OTHERS = "others"  # the channel of the "all others" figure

T = TypeVar("T")


@dataclass(frozen=True)
class Partition(Generic[T]):
    """Which groups a figure may show, which are pooled, and which are left out."""

    shown: dict[str, list[T]]
    pooled: list[T]
    pooled_groups: tuple[str, ...]
    excluded_groups: tuple[str, ...]

    @property
    def others(self) -> list[T]:
        values = [v for vs in self.shown.values() for v in vs]
        return values + self.pooled


def partition(by_group: Mapping[str, Sequence[T]], groups: Sequence[RaterGroup]) -> Partition[T]:
    """Apply the anonymity rule to one figure's non-self values, grouped by rater group.

    A group is shown when it has at least ``min_raters`` values. The groups
    below their threshold are pooled when, together, they reach the strictest
    threshold among them; otherwise they are excluded from the figure entirely.
    """
    shown: dict[str, list[T]] = {}
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


def group_states(counts: Mapping[str, int], groups: Sequence[RaterGroup]) -> dict[str, str]:
    """How the rule treats each non-self group with ``counts`` raters: shown, pooled, hidden or none."""
    part = partition({g: [0] * n for g, n in counts.items() if n}, groups)
    out = {}
    for g in groups:
        if g.is_self:
            continue
        if not counts.get(g.id):
            out[g.id] = "none"
        elif g.id in part.shown:
            out[g.id] = "shown"
        else:
            out[g.id] = "pooled" if g.id in part.pooled_groups else "hidden"
    return out


def asked_groups(instrument: Instrument, question: Question) -> tuple[RaterGroup, ...]:
    """The non-self groups a question is put to."""
    return tuple(g for g in instrument.rater_groups if not g.is_self and question.asks(g.id))


def comment_threshold(instrument: Instrument, question: Question) -> int:
    """How many raters the asked groups need, together, before the question's comments are shown."""
    asked = asked_groups(instrument, question)
    strictest = max((g.min_raters for g in asked), default=1)
    return max(strictest, instrument.scoring.min_comment_raters)


def comments_publishable(
    instrument: Instrument, question: Question, raters_by_group: Mapping[str, int]
) -> bool:
    """Whether a question's comments may be shown: its asked groups together reach the threshold."""
    asked = sum(raters_by_group.get(g.id, 0) for g in asked_groups(instrument, question))
    return asked >= comment_threshold(instrument, question)


def rater_promise(instrument: Instrument, group: str) -> str:
    """What a rater of ``group`` is told about who will see their answers: true in every case."""
    g = instrument.group(group)
    if g.min_raters <= 1:
        ratings = (
            f"The {g.label} group is shown from a single rater, so the leader may be able to tell which "
            "ratings are yours."
        )
    else:
        ratings = (
            f"Your ratings are never shown on their own: an item shows the {g.label} group only once at "
            f"least {g.min_raters} of them have rated it; with fewer, your ratings are combined with other "
            f"groups that are too small on their own when together they reach that many, or else left out."
        )
    asked = [q for q in instrument.questions if q.asks(group)]
    if not asked:
        return ratings
    least = min(comment_threshold(instrument, q) for q in asked)
    return (
        f"{ratings} Your comments are shown without your name, mixed with others', and only once at "
        f"least {least} people were asked the same question."
    )


def is_rater_group(instrument: Instrument, group: str) -> bool:
    """A group whose raters are protected (every group of the instrument but self)."""
    return group != SELF and group in instrument.groups


# -- what a set of published figures gives away --------------------------------------------------


def leaks(figures: Iterable[Collection[str]], person: Mapping[str, str]) -> set[str]:
    """The persons some combination of ``figures`` isolates.

    Each figure is the set of ratings (tokens) it sums over: a mean with its
    count, a distribution, a range, all are functions of such sums. A reader
    holding every figure can compute any linear combination of them; a person
    is exposed when some combination is non-zero on that person's ratings
    alone (one rating, or the change between two versions of their answer).
    ``person`` maps each token to whose it is. Exact rational arithmetic.
    """
    rows = [frozenset(f) for f in figures if f]
    tokens = sorted({t for f in rows for t in f})
    if not tokens:
        return set()
    index = {t: i for i, t in enumerate(tokens)}
    basis = _Basis(len(tokens))
    for row in rows:
        basis.add({index[t]: Fraction(1) for t in row})
    exposed = set()
    by_person: dict[str, list[int]] = {}
    for t in tokens:
        by_person.setdefault(person.get(t, t), []).append(index[t])
    for who, columns in by_person.items():
        trial = basis.copy()
        # The person's own coordinates meet the published span exactly when adding
        # them raises the rank by less than their number.
        before = trial.rank
        for c in columns:
            trial.add({c: Fraction(1)})
        if trial.rank - before < len(columns):
            exposed.add(who)
    return exposed


class _Basis:
    """An echelon basis of sparse rational row vectors, for incremental rank."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pivots: dict[int, dict[int, Fraction]] = {}

    @property
    def rank(self) -> int:
        return len(self.pivots)

    def copy(self) -> _Basis:
        other = _Basis(self.size)
        other.pivots = {k: dict(v) for k, v in self.pivots.items()}
        return other

    def add(self, row: dict[int, Fraction]) -> bool:
        """Reduce ``row`` against the basis; keep it if independent. True when the rank grew."""
        row = {k: v for k, v in row.items() if v}
        while row:
            lead = min(row)
            pivot = self.pivots.get(lead)
            if pivot is None:
                scale = row[lead]
                self.pivots[lead] = {k: v / scale for k, v in row.items()}
                return True
            factor = row[lead]
            for k, v in pivot.items():
                updated = row.get(k, Fraction(0)) - factor * v
                if updated:
                    row[k] = updated
                else:
                    row.pop(k, None)
        return False
