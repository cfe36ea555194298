"""A pulse's results: per focus behaviour, how many raters saw improvement, no change or decline.

Every figure is read off the pulse's scorecard (``scoring.score`` on the pulse's questionnaire), so it
is under the anonymity rule like any other: a group is shown on its own only from its threshold,
groups too small alone are pooled when together they reach it, or else left out. A pulse is a
release: ``publish`` records it in the ledger before it is shown, and ``scored_pulse`` sets it beside
everything the earlier pulses of the same round published, so no difference between two pulses
singles out a rater (rules 4 and 5 of leadcheck.anonymity).

"Improved" is an answer of +1 to +3 on the scale of change; whether more raters saw improvement than
decline is a one-sided exact sign test (README, "Pulse: did the plan work?").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from leadcheck.anonymity import (
    OTHERS,
    POOLED,
    POOLED_LABEL,
    Thresholds,
    member,
    person_of_member,
    small_atoms,
)
from leadcheck.instrument.model import SELF, Instrument
from leadcheck.pulse.rounds import PulseTarget
from leadcheck.releases import record, released_figures
from leadcheck.scoring import Released, Scorecard, Stat, score
from leadcheck.store import Store

# A sign test's one-sided p at or below this: "more raters saw improvement than decline".
SIGNIFICANCE = Fraction(5, 100)
# How every output says what its figures mean.
MEANING = (
    '"Improved" counts raters who answered +1 to +3 on the scale of change (no change is 0, decline -1 to '
    "-3). A behaviour is marked improved when more raters saw improvement than decline by a one-sided exact "
    "sign test (p at most 0.05; no-change answers left out), which takes at least 5 raters who saw a change."
)


@dataclass(frozen=True)
class ChangeCounts:
    """How many raters of one figure saw each kind of change (read off its published distribution)."""

    improved: int  # answered +1, +2 or +3
    same: int  # answered 0, no change
    declined: int  # answered -1, -2 or -3
    not_observed: int

    @classmethod
    def of(cls, stat: Stat) -> ChangeCounts:
        dist = stat.distribution  # counts per point, -3 to +3
        if not dist:
            return cls(0, 0, 0, stat.not_observed)
        return cls(sum(dist[4:]), dist[3], sum(dist[:3]), stat.not_observed)

    @property
    def rated(self) -> int:
        return self.improved + self.same + self.declined

    @property
    def share_improved(self) -> Fraction | None:
        """The share of raters who rated the behaviour that saw it improve."""
        return Fraction(self.improved, self.rated) if self.rated else None

    @property
    def sign_p(self) -> Fraction | None:
        """The one-sided exact sign test of "improvement more often than decline": the chance of at
        least ``improved`` improvements among the raters who saw a change, were each as likely to see
        a decline; None when nobody saw a change."""
        return sign_test(self.improved, self.declined)

    def as_dict(self) -> dict[str, Any]:
        share, p = self.share_improved, self.sign_p
        return {
            "improved": self.improved,
            "no_change": self.same,
            "declined": self.declined,
            "not_observed": self.not_observed,
            "share_improved": None if share is None else float(share),
            "sign_test_p": None if p is None else float(p),
        }


def sign_test(improved: int, declined: int) -> Fraction | None:
    """P(X >= improved) for X ~ Binomial(improved + declined, 1/2), exactly; None for no change seen."""
    n = improved + declined
    if n == 0:
        return None
    return Fraction(sum(math.comb(n, k) for k in range(improved, n + 1)), 2**n)


def improved(counts: ChangeCounts) -> bool:
    """Whether a behaviour counts as improved: more raters saw improvement than decline, by the sign
    test at ``SIGNIFICANCE`` (the one rule the results and the cohort view use)."""
    p = counts.sign_p
    return p is not None and p <= SIGNIFICANCE


@dataclass(frozen=True)
class Channel:
    """One figure of a behaviour: a shown group, the combined groups, or all others."""

    id: str
    label: str
    counts: ChangeCounts


@dataclass(frozen=True)
class BehaviourResult:
    """One focus behaviour's results."""

    item_id: str
    text: str  # the behaviour as the round's raters read it
    others: ChangeCounts  # all others: every shown and pooled group together
    channels: tuple[Channel, ...]  # by group where the rule allows, the combined groups otherwise
    self_change: int | None  # the leader's own answer, when they answered
    pooled_groups: tuple[str, ...]
    excluded_groups: tuple[str, ...]
    plan: str = ""  # what the leader said they would do about it, and by when (their page shows it)

    @property
    def improved(self) -> bool:
        return improved(self.others)


@dataclass(frozen=True)
class PulseResults:
    """What a pulse shows: who answered (as counts the rule allows) and each behaviour's results."""

    leader: str
    number: int  # the round's 1st, 2nd, ... pulse
    since: str  # the plan's date (ISO)
    started: str  # when the pulse was sent (ISO)
    raters: Mapping[str, int]  # responses per group, for groups at or over their threshold
    labels: Mapping[str, str]  # each group's label, by id
    hidden_groups: tuple[str, ...]  # labels of groups that answered with fewer than their threshold
    # Of the raters the figures are about, how many gave no answers in the round the plan followed; None
    # when the count would single raters out (`_new_raters`).
    new_raters: int | None
    behaviours: tuple[BehaviourResult, ...]
    comments: tuple[str, ...]
    held: bool  # the figures repeat the pulse's last release: newer answers would single someone out
    withheld: bool  # held, and this pulse never published figures: nothing is shown yet

    @property
    def share_improved(self) -> Fraction | None:
        """The share of focus behaviours counted as improved (``improved``), or None with no figures."""
        if self.withheld or not self.behaviours:
            return None
        return Fraction(sum(b.improved for b in self.behaviours), len(self.behaviours))

    def as_dict(self) -> dict[str, Any]:
        share = self.share_improved
        return {
            "pulse": self.number,
            "since": self.since,
            "sent": self.started[:10],
            "raters": dict(self.raters),
            "hidden_groups": list(self.hidden_groups),
            "raters_new_since_round": self.new_raters,
            "held": self.held,
            "withheld": self.withheld,
            "share_improved": None if share is None else float(share),
            "behaviours": [
                {
                    "item": b.item_id,
                    "text": b.text,
                    "improved": b.improved,
                    "all_others": b.others.as_dict(),
                    "groups": {c.id: c.counts.as_dict() for c in b.channels},
                    "pooled_groups": list(b.pooled_groups),
                    "excluded_groups": list(b.excluded_groups),
                    "self": b.self_change,
                }
                for b in self.behaviours
            ],
        }


@dataclass(frozen=True)
class ScoredPulse:
    """A pulse scored as a release would publish it now."""

    target: PulseTarget
    card: Scorecard
    withheld: bool  # held with no release of its own to repeat: it publishes nothing


def _released_before(store: Store, target: PulseTarget) -> tuple[Released, ...]:
    """What every earlier pulse of the round published, oldest first: a new pulse is set beside them."""
    earlier = [p for p in store.assessments.pulses_of(target.round.id) if p.id < target.pulse.id]
    return tuple(r for p in earlier for r in released_figures(store, p))


def scored_pulse(store: Store, target: PulseTarget) -> ScoredPulse:
    """The pulse's scorecard: its figures unless, beside everything the round's earlier pulses and this
    one published, they would leave a small atom; then this pulse's last release again, or nothing."""
    own = released_figures(store, target.pulse)
    before = _released_before(store, target)
    responses = store.responses.of_assessment(target.pulse)
    card = score(target.instrument, responses, target.leader.name, released=(*before, *own))
    # Held with nothing of its own published: the repeat would be an earlier pulse's figures.
    return ScoredPulse(target, card, withheld=card.held and not own)


def publish(store: Store, scored: ScoredPulse, kind: str, file_digest: str = "") -> None:
    """Record the pulse's figures in the ledger before they are shown (nothing when withheld)."""
    if not scored.withheld:
        record(store, scored.target.pulse, scored.card, file_digest, kind)


def _people(
    items: Mapping[str, Mapping[str, frozenset[str]]], channel: str | None = OTHERS
) -> frozenset[str]:
    """Who the ``channel`` figures of ``items`` (item id to its published sets; every set with None) are
    about, as member names with no answer part ("group:person:")."""
    return frozenset(
        member(t.split(":", 1)[0], person_of_member(t), "")
        for sets in items.values()
        for c, ts in sets.items()
        if channel is None or c == channel
        for t in ts
    )


def _round_people(store: Store, target: PulseTarget) -> list[frozenset[str]]:
    """The round's raters as each of its releases published them: a late answer to the round, held back
    there or never released, moves no count here (none before the round's first release)."""
    # Every set a release published about, a group left out of the figures whose state was told included.
    return [
        _people({i: f.members for i, f in r.items.items()}, None)
        for r in released_figures(store, target.round)
    ]


def _new_raters(store: Store, target: PulseTarget, card: Scorecard) -> int | None:
    """How many of the people the pulse's figures are about (as published: a held pulse's as released)
    gave no answers in the plan's round; None when printing it would break the rule over sets.

    Beside each group's count of raters, the count says who stayed, left and joined since the round, and,
    set beside the counts printed before (this pulse's and the round's earlier pulses', against each of
    the round's releases), who answered which: each of those sets must be
    empty or hold enough people (as a count of shared raters must, leadcheck.change.shared_count), or
    "1 new" names the one rater added to the roster, or sent a form passed on, as having answered."""
    now = _people({i.id: i.members for d in card.dimensions for i in d.items})
    rounds = _round_people(store, target)
    if not rounds:  # nothing of the round was published: who answered it is not for the pulse to say
        return None
    was = frozenset().union(*rounds)
    before = [
        _people({i: f.members for i, f in r.items.items()})
        for p in store.assessments.pulses_of(target.round.id)
        if p.id <= target.pulse.id
        for r in released_figures(store, p)
    ]
    instruments = [store.assessments.instrument(target.round), card.instrument]
    if small_atoms([*rounds, *before, now], Thresholds.strictest(instruments)):
        return None
    round_persons = {person_of_member(t) for t in was}
    return sum(1 for t in now if person_of_member(t) not in round_persons)


def results(store: Store, scored: ScoredPulse) -> PulseResults:
    """The results a scored pulse shows (every figure from its scorecard)."""
    target, card = scored.target, scored.card
    round_instrument = store.assessments.instrument(target.round)
    number = [p.id for p in store.assessments.pulses_of(target.round.id)].index(target.pulse.id) + 1
    raters = {g: n for g, n in card.raters.items() if g != SELF}
    actions = {f.item_id: f"{f.action} (by {f.by})" for f in target.plan.focus}
    behaviours = () if scored.withheld else tuple(_behaviours(card, round_instrument, actions))
    comments = () if scored.withheld else tuple(t for texts in card.comments.values() for t in texts)
    return PulseResults(
        leader=target.leader.name,
        number=number,
        since=target.plan.made_on,
        started=target.pulse.created_at,
        raters={} if scored.withheld else raters,
        labels={g.id: g.label for g in card.instrument.rater_groups},
        hidden_groups=tuple(g.label for g in card.hidden_groups),
        new_raters=0 if scored.withheld else _new_raters(store, target, card),
        behaviours=behaviours,
        comments=comments,
        held=card.held,
        withheld=scored.withheld,
    )


def _behaviours(
    card: Scorecard, round_instrument: Instrument, actions: Mapping[str, str]
) -> list[BehaviourResult]:
    out = []
    for item in (i for d in card.dimensions for i in d.items):
        channels = tuple(
            Channel(c, POOLED_LABEL if c == POOLED else card.instrument.group(c).label, ChangeCounts.of(s))
            for c, s in item.groups.items()
        )
        behaviour = round_instrument.items.get(item.item.id)
        out.append(
            BehaviourResult(
                item_id=item.item.id,
                text=behaviour.others_text if behaviour is not None else item.item.others_text,
                others=ChangeCounts.of(item.others),
                channels=channels,
                self_change=None if item.self is None else round(item.self),
                pooled_groups=item.pooled_groups,
                excluded_groups=item.excluded_groups,
                plan=actions.get(item.item.id, ""),
            )
        )
    return out
