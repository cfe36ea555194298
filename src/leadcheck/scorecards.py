"""Scorecards from the workspace: the bridge between the store and the pure scoring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from leadcheck import importance
from leadcheck.base.errors import NotFoundError
from leadcheck.base.responses import Response
from leadcheck.change import RoundChange, compare
from leadcheck.scoring import Scorecard, score
from leadcheck.store import Assessment, Leader, Store, no_assessment


@dataclass(frozen=True)
class ScoredAssessment:
    """A leader's latest assessment, scored, with the change since the one before (if any)."""

    assessment: Assessment
    card: Scorecard
    previous: Assessment | None
    change: RoundChange | None  # since the previous round, from both rounds' published figures
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
    return _with_importance(card, responses)


def _with_importance(card: Scorecard, responses: Sequence[Response]) -> Scorecard:
    """The card with how important each competency is to the role (the leader's and threshold-1 groups'
    answers, never held back), which orders the development priorities, when the instrument asks it."""
    if card.instrument.importance is None:
        return card
    return replace(card, importance=importance.ratings(card.instrument, responses))


def released_card(store: Store, assessment: Assessment) -> Scorecard | None:
    """The round's figures as its last release published them (leadcheck.releases), or None when
    nothing of the round was released yet. Never scores answers afresh: a plan chosen from it offers
    only what the leader was already given."""
    from leadcheck.releases import released_figures
    from leadcheck.scoring import as_released

    released = released_figures(store, assessment)
    if not released:
        return None
    instrument = store.assessments.instrument(assessment)
    responses = store.responses.of_assessment(assessment)
    # Ordered as the report orders them: by importance too, when the instrument asks it.
    return _with_importance(
        as_released(instrument, responses, released[-1], assessment.leader.name), responses
    )


def score_latest(store: Store, leader: Leader, instrument_id: str | None = None) -> ScoredAssessment:
    """The leader's newest assessment scored, compared with their previous one on the same instrument.

    NotFoundError (``store.assessments.missing``) when the leader has none (on ``instrument_id``).
    """
    latest = store.assessments.current_or_none(leader, instrument_id)
    if latest is None:
        raise no_assessment(None, instrument_id)
    responses = tuple(store.responses.of_assessment(latest))
    card = score_assessment(store, latest, responses)
    rounds = store.assessments.of_leader(leader, latest.instrument_id)
    earlier = [a for a in rounds if a.id < latest.id]
    if not earlier:
        return ScoredAssessment(latest, card, None, None, responses)
    from leadcheck.releases import released_people

    previous = earlier[-1]
    before = score_assessment(store, previous)
    # A count of shared raters is set beside every such count the leader was shown, in any round, each
    # rater held to the strictest threshold any of those rounds' versions promised.
    promised = [store.assessments.instrument(a) for a in rounds]
    change = compare(before, card, released_people(store, *rounds), promised)
    return ScoredAssessment(latest, card, previous, change, responses, before)


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
    round's figures shown as change are a release of that round too, and the
    change (its verdicts, and whom a count of shared raters was about) is kept
    with this round's release. Recorded
    first and committed, so an interrupted output leaves a release without a
    file, never a file without its release.
    """
    from leadcheck.releases import record

    if scored.previous is not None and scored.previous_card is not None:
        record(store, scored.previous, scored.previous_card, "", "change")
    record(store, scored.assessment, scored.card, file_digest, kind, scored.change)
