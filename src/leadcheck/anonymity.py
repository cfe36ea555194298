"""The anonymity rule, in one place: which raters' ratings and comments a figure may show.

Everything that decides whether a rater can be singled out lives here, and
scoring, status, reports and the release ledger call it:

1. **Groups per figure.** A rater group is shown on its own in an item's
   figure when at least ``min_raters`` of its raters rated that item. Groups
   below their threshold are pooled into one combined group when, together,
   they reach the strictest threshold among them (and pooling splits no set published
   beside it into a small atom); otherwise they are left out of the figure,
   "all others" included (`partition`).
2. **Only published figures feed other figures.** A competency's figure for a
   group is the plain mean of that group's published item figures, never a
   mean of raters' personal scores; so a competency figure says nothing that
   its item figures do not already say (scoring applies this).
3. **Sets, not statistics.** Every figure is published about a set of
   answers: an item's figure for a group about every answer of that group's
   raters to the item (ratings, "not observed" and skips alike, since counts
   give each away), a comment list about every answer of the raters it was
   asked of. Whatever is printed of a set (n, mean, SD, range, counts per
   point, rwg, an interval, "not observed", the comments) is at most its
   multiset of answers.
4. **The atoms rule.** For each item and each question, take every set that
   any output (report, draft, summary, cohort report, a later round's change)
   ever published anything about, across every release. The atoms of the
   partition they generate must each be empty or hold at least ``k`` people,
   ``k`` the strictest threshold among the groups in it (for comments, at
   least the instrument's ``min_comment_raters`` too). Answers of a
   threshold-1 group may form atoms of their own and never count toward another
   group's threshold (`publishable`). A changed answer is a new member; its old
   version stays in the sets it was published in.
5. **Holding.** A release that would create a small atom for any item or
   question publishes nothing new: it repeats the last release, whole, so the
   hold itself says nothing about any item or any one rater.

Worked example: peers need 3. Release 1 shows peers {A, B, C}. Peer D arrives;
release 2 would show {A, B, C, D}. The atoms are {A, B, C} and {D}: {D} holds
one person, so release 2 repeats release 1. When E and F arrive too, the atoms
are {A, B, C} and {D, E, F}: both hold 3, so the new figures are published.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from leadcheck.instrument.model import SELF, Instrument, Question, RaterGroup

POOLED = "combined"
POOLED_LABEL = "Combined groups"
OTHERS = "others"  # the channel of the "all others" figure

T = TypeVar("T")


def enough(count: int, threshold: int) -> bool:
    """The threshold comparison, the one place it is made: ``count`` raters (or people, or
    responses) reach a group's ``threshold`` when there are at least that many."""
    return count >= threshold


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
        if enough(len(values), g.min_raters):
            shown[g.id] = values
        else:
            hidden.append(g)
    pool = [v for g in hidden for v in by_group[g.id]]
    if hidden and enough(len(pool), max(g.min_raters for g in hidden)):
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
    return enough(asked, comment_threshold(instrument, question))


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


def others_promise(instrument: Instrument) -> str:
    """What one form for every group but the self tells its raters: each group's promise, in short."""
    groups = [g for g in instrument.rater_groups if not g.is_self]
    protected = [f"{g.label} from {g.min_raters}" for g in groups if g.min_raters > 1]
    single = [g.label for g in groups if g.min_raters <= 1]
    parts = []
    if protected:
        parts.append(
            "Your ratings are never shown on their own: an item shows your group only once enough of its raters "
            f"have rated it ({', '.join(protected)}); with fewer, they are combined with other groups that are "
            "too small on their own when together they reach that many, or else left out."
        )
    if single:
        parts.append(
            f"{' and '.join(single)}: shown from a single rater, so the leader may be able to tell which ratings "
            "are theirs."
        )
    least = min((comment_threshold(instrument, q) for q in instrument.questions), default=0)
    if least:
        parts.append(
            f"Comments are shown without your name, mixed with others', and only once at least {least} people "
            "were asked the same question."
        )
    return " ".join(parts)


def is_rater_group(instrument: Instrument, group: str) -> bool:
    """A group whose raters are protected (every group of the instrument but self)."""
    return group != SELF and group in instrument.groups


# -- the rule over sets: what every output together may publish ----------------------------------


def member(group: str, person: str, version: str) -> str:
    """The name of one answer in the sets the rule looks at: ``group:person:version``.

    ``person`` and ``version`` are opaque (keyed) hashes: a changed answer is a new
    version of the same person, so it is a new member while the old version stays
    a member of every set it was published in.
    """
    return f"{group}:{person}:{version}"


def group_of_member(token: str) -> str:
    """The rater group part of a member name."""
    return token.split(":", 2)[0]


def person_of_member(token: str) -> str:
    """The person part of a member name."""
    parts = token.split(":", 2)
    return parts[1] if len(parts) == 3 else parts[0]


def atoms(sets: Iterable[Collection[str]]) -> list[frozenset[str]]:
    """The atoms of the partition ``sets`` generate: members grouped by which sets hold them.

    Partition refinement in one pass: each member's signature is the list of
    sets it is in; members with the same signature form one atom.
    """
    signature: dict[str, list[int]] = {}
    for n, s in enumerate(sets):
        for t in s:
            signature.setdefault(t, []).append(n)
    by_signature: dict[tuple[int, ...], set[str]] = {}
    for t, sig in signature.items():
        by_signature.setdefault(tuple(sig), set()).add(t)
    return [frozenset(a) for a in by_signature.values()]


@dataclass(frozen=True)
class Thresholds:
    """What an atom needs: each group's ``min_raters``, and the least for any atom (comments)."""

    by_group: Mapping[str, int]
    # A comment list needs this many people asked, whoever they are: what every rater's form promises
    # (`comment_threshold`).
    floor: int = 1

    @classmethod
    def of(cls, instrument: Instrument, question: Question | None = None) -> Thresholds:
        groups = {g.id: g.min_raters for g in instrument.rater_groups if not g.is_self}
        if question is None:
            return cls(groups)
        return cls(groups, comment_threshold(instrument, question))

    @classmethod
    def strictest(cls, instruments: Iterable[Instrument]) -> Thresholds:
        """Each group's threshold as the strictest that any of ``instruments`` promised: for sets of people
        who answered several rounds, each on its own version (a rater keeps the promise they were given)."""
        groups: dict[str, int] = {}
        for instrument in instruments:
            for g in instrument.rater_groups:
                if not g.is_self:
                    groups[g.id] = max(groups.get(g.id, 1), g.min_raters)
        return cls(groups)

    def of_group(self, group: str) -> int:
        # A group the instrument no longer names: the strictest threshold it has.
        return self.by_group.get(group, max(self.by_group.values(), default=1))


def atom_ok(atom: Collection[str], thresholds: Thresholds) -> bool:
    """Whether one atom may stand: empty, or enough people for the strictest group in it.

    Answers of a threshold-1 group (shown as theirs by design) may form atoms of
    their own and never count toward another group's threshold. Every atom also
    needs ``floor`` people in all (for comments: as many as the forms promise).
    """
    if not atom:
        return True
    if not enough(len({person_of_member(t) for t in atom}), thresholds.floor):
        return False
    protected = [t for t in atom if thresholds.of_group(group_of_member(t)) > 1]
    if not protected:
        return True
    need = max(thresholds.of_group(group_of_member(t)) for t in protected)
    return enough(len({person_of_member(t) for t in protected}), need)


def small_atoms(sets: Iterable[Collection[str]], thresholds: Thresholds) -> list[frozenset[str]]:
    """The atoms of ``sets`` that break the rule (none: the sets may all be published)."""
    return [a for a in atoms(s for s in sets if s) if not atom_ok(a, thresholds)]


def publishable(sets: Iterable[Collection[str]], thresholds: Thresholds) -> bool:
    """The rule itself: every atom of everything published about one item or question is
    empty or holds at least the strictest threshold of people among its groups."""
    return not small_atoms(sets, thresholds)
