"""Scorecards from the workspace: the bridge between the store and the pure scoring."""

from __future__ import annotations

from dataclasses import dataclass

from leadcheck.scoring import Change, Scorecard, compare, score
from leadcheck.store import Assessment, Store


@dataclass(frozen=True)
class ScoredAssessment:
    """A leader's latest assessment, scored, with the change since the one before (if any)."""

    assessment: Assessment
    card: Scorecard
    previous: Assessment | None
    changes: tuple[Change, ...]


def score_assessment(store: Store, assessment: Assessment) -> Scorecard:
    """Score one stored assessment against the instrument snapshot it was made with."""
    instrument = store.instrument(assessment)
    return score(instrument, store.responses(assessment), assessment.leader.name)


def scored_leader(store: Store, leader_name: str, instrument_id: str | None = None) -> ScoredAssessment:
    """The leader's newest assessment scored, compared with their previous one on the same instrument."""
    leader = store.get_leader(leader_name)
    latest = store.latest_assessment(leader, instrument_id)
    card = score_assessment(store, latest)
    earlier = [a for a in store.assessments(leader, latest.instrument_id) if a.id < latest.id]
    if not earlier:
        return ScoredAssessment(latest, card, None, ())
    previous = earlier[-1]
    return ScoredAssessment(latest, card, previous, compare(score_assessment(store, previous), card))
