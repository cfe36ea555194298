"""Which pulse a leader's forms are for, and which of their raters it has reached or is waiting for.

A pulse follows the round whose plan it asks about; sending it again reuses it (new raters on the
roster get their forms) until the plan changes or the coach starts a new one (``new``). Who was sent a
pulse form is in the campaign's tokens; who answered is a response in the pulse. The roster's states
(nominated, invited, returned) stay the round's.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadcheck.base.errors import NotFoundError
from leadcheck.instrument.model import SELF, Instrument
from leadcheck.pulse.instrument import pulse_instrument
from leadcheck.store import SELF_IDENTITY, Assessment, Leader, Store
from leadcheck.store.plans import Plan
from leadcheck.store.roster import RosterRater


@dataclass(frozen=True)
class PulseTarget:
    """One leader's pulse: the round it follows, that round's plan, and the pulse's questionnaire."""

    leader: Leader
    round: Assessment
    plan: Plan
    pulse: Assessment
    instrument: Instrument


def no_plan(leader: Leader) -> NotFoundError:
    """The one "no plan to ask about" error."""
    return NotFoundError(
        f'"{leader.name}" has no development plan yet, so a pulse has nothing to ask about; after their '
        f'report, make one with `leadcheck plan "{leader.name}"`'
    )


def latest_plan(store: Store, leader: Leader) -> tuple[Assessment, Plan]:
    """The leader's current round and its plan; NotFoundError naming `leadcheck plan` when it has none."""
    current = store.assessments.current(leader)
    plan = store.plans.of_round(current.id)
    if plan is None:
        raise no_plan(leader)
    return current, plan


def newest_pulse(store: Store, leader: Leader) -> PulseTarget | None:
    """The newest pulse of the leader's current round, or None before any."""
    current = store.assessments.current_or_none(leader)
    if current is None:
        return None
    pulses = store.assessments.pulses_of(current.id)
    plan = store.plans.of_round(current.id)
    if not pulses or plan is None:
        return None
    return PulseTarget(leader, current, plan, pulses[-1], store.assessments.instrument(pulses[-1]))


def open_pulse(store: Store, leader: Leader, new: bool = False) -> PulseTarget:
    """The pulse to send forms for: the newest of the current round, or a new one when there is none,
    ``new`` is asked for, or the plan changed since (its questionnaire would differ)."""
    current, plan = latest_plan(store, leader)
    questionnaire = pulse_instrument(store.assessments.instrument(current), plan)
    pulses = store.assessments.pulses_of(current.id)
    if pulses and not new and pulses[-1].instrument_hash == questionnaire.content_hash:
        return PulseTarget(leader, current, plan, pulses[-1], questionnaire)
    pulse_id = store.assessments.start_pulse(current, questionnaire)
    return PulseTarget(leader, current, plan, store.assessments.by_id(pulse_id), questionnaire)


def sent_to(store: Store, pulse: Assessment) -> set[int]:
    """The roster ids of the raters sent a form for ``pulse``."""
    return store.roster.sent_for(pulse.id)


def rater_identity(rater: RosterRater) -> str:
    """The identity a rater's returned form is stored under (as `campaign.returns` files it)."""
    return SELF_IDENTITY if rater.group == SELF else f"campaign-rater:{rater.id}"


def answered(store: Store, pulse: Assessment, raters: list[RosterRater]) -> set[int]:
    """The roster ids of ``raters`` whose answers to ``pulse`` are in the workspace."""
    hashes = store.responses.raters_of(pulse.id)
    return {r.id for r in raters if store.raters.hash(rater_identity(r)) in hashes}


def waiting(store: Store, target: PulseTarget, reminder: bool) -> list[RosterRater]:
    """The leader's raters (removed ones aside) still to be sent the pulse, or (``reminder``) sent it
    and not yet answered."""
    raters = store.roster.raters(target.leader.id)
    sent = sent_to(store, target.pulse)
    if not reminder:
        return [r for r in raters if r.id not in sent]
    done = answered(store, target.pulse, raters)
    return [r for r in raters if r.id in sent and r.id not in done]
