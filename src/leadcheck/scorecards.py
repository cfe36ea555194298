"""Scorecards from the workspace: the bridge between the store and the pure scoring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from leadcheck import importance
from leadcheck.errors import NotFoundError
from leadcheck.responses import Response
from leadcheck.scoring import Change, Scorecard, compare, score
from leadcheck.store import Assessment, Leader, Store, no_assessment


@dataclass(frozen=True)
class ScoredAssessment:
    """A leader's latest assessment, scored, with the change since the one before (if any)."""

    assessment: Assessment
    card: Scorecard
    previous: Assessment | None
    changes: tuple[Change, ...]
    responses: tuple[Response, ...] = ()
    previous_card: Scorecard | None = None


def score_assessment(
    store: Store, assessment: Assessment, responses: Sequence[Response] | None = None
) -> Scorecard:
    """Score one stored assessment against the instrument snapshot it was made with.

    What was already released to the leader (the release ledger) holds back
    figures that could be set against it: the scorecard is what a report
    made now would publish.
    """
    from leadcheck.releases import released_figures

    instrument = store.assessments.instrument(assessment)
    released = released_figures(store, assessment)
    if responses is None:
        responses = store.responses.of_assessment(assessment)
    card = score(instrument, responses, assessment.leader.name, released=released)
    if instrument.importance is None:
        return card
    return replace(card, importance=importance.ratings(instrument, responses))


def score_latest(store: Store, leader: Leader, instrument_id: str | None = None) -> ScoredAssessment:
    """The leader's newest assessment scored, compared with their previous one on the same instrument.

    NotFoundError "no assessment yet" when the leader has none (on ``instrument_id``).
    """
    latest = store.assessments.current_or_none(leader, instrument_id)
    if latest is None:
        raise no_assessment(None, instrument_id)
    responses = tuple(store.responses.of_assessment(latest))
    card = score_assessment(store, latest, responses)
    earlier = [a for a in store.assessments.of_leader(leader, latest.instrument_id) if a.id < latest.id]
    if not earlier:
        return ScoredAssessment(latest, card, None, (), responses)
    previous = earlier[-1]
    before = score_assessment(store, previous)
    return ScoredAssessment(latest, card, previous, compare(before, card), responses, before)


def scored_leader(store: Store, leader_name: str, instrument_id: str | None = None) -> ScoredAssessment:
    """``score_latest`` for a leader named on the command line."""
    leader = store.leaders.get(leader_name)
    try:
        return score_latest(store, leader, instrument_id)
    except NotFoundError as e:
        raise NotFoundError(f'leader "{leader.name}" has {e}') from e


def publish(store: Store, scored: ScoredAssessment, kind: str, file_digest: str = "") -> None:
    """Record in the release ledger what an output is about to show, before it is written or shown.

    Every output that shows figures is a release (reports, drafts, summaries,
    cohort reports): the next one is checked against all of them. The previous
    round's figures shown as change are a release of that round too. Recorded
    first and committed, so an interrupted output leaves a release without a
    file, never a file without its release.
    """
    from leadcheck.releases import record

    if scored.previous is not None and scored.previous_card is not None:
        record(store, scored.previous, scored.previous_card, "", "change")
    record(store, scored.assessment, scored.card, file_digest, kind)
