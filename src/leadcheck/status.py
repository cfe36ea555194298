"""Where each leader's assessment stands: responses per rater group, what is missing, what a report may show.

Counted without looking at any answer. The anonymity rule itself lives in
leadcheck.anonymity; this module only asks it about whole groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from leadcheck.anonymity import enough, group_states
from leadcheck.base.responses import Response
from leadcheck.instrument.model import SELF, Instrument, RaterGroup
from leadcheck.store.assessments import not_assessed_yet

if TYPE_CHECKING:
    from leadcheck.scoring import Released
    from leadcheck.store import Assessment, Leader, Store


# -- who has answered what (status) -----------------------------------------------------


SHOWN, POOLED, HIDDEN, NONE = "shown", "pooled", "hidden", "none"


@dataclass(frozen=True)
class GroupProgress:
    """How far one rater group is, counted without looking at any answer.

    ``raters`` counts the responses, submitted or not, however many items each
    answered: the report counts them the same way (every answer of a group's
    raters is in the set its figures are about), and a count that depended on
    the answers would say what a rater did before a report may show it.
    """

    id: str
    label: str
    min_raters: int
    submitted: int
    in_progress: int
    optional: bool = False

    @property
    def raters(self) -> int:
        return self.submitted + self.in_progress

    @property
    def shown(self) -> bool:
        """Enough raters for the group to appear on its own in a report."""
        return enough(self.raters, self.min_raters)

    @property
    def is_self(self) -> bool:
        return self.id == SELF


def group_progress(instrument: Instrument, responses: Sequence[Response]) -> list[GroupProgress]:
    """Submitted and in-progress responses per rater group of the instrument, in the instrument's order."""
    out: list[GroupProgress] = []
    for group in instrument.rater_groups:
        mine = [r for r in responses if r.group == group.id]
        submitted = sum(1 for r in mine if r.submitted_at)
        out.append(
            GroupProgress(
                group.id, group.label, group.min_raters, submitted, len(mine) - submitted, group.optional
            )
        )
    return out


def visibility(progress: Sequence[GroupProgress]) -> dict[str, str]:
    """How a report treats each group, judged at group level by the anonymity rule.

    ``shown`` on its own (at least ``min_raters``); ``pooled``: below its
    threshold, but the groups below theirs together reach the strictest of
    those thresholds and are reported as one combined group; ``hidden``: left
    out; ``none``: no raters yet. The report applies the rule to each figure,
    so an item or competency that fewer raters answered may still be hidden.
    """
    groups = [RaterGroup(g.id, g.label, g.min_raters) for g in progress]
    states = group_states({g.id: g.raters for g in progress}, groups)
    return {g.id: (SHOWN if g.raters else NONE) if g.is_self else states[g.id] for g in progress}


def missing_groups(progress: Sequence[GroupProgress]) -> list[GroupProgress]:
    """The rater groups below their anonymity threshold; an optional group with nobody at all is not missing."""
    return [g for g in progress if not g.is_self and not g.shown and not (g.optional and g.raters == 0)]


def self_missing(progress: Sequence[GroupProgress]) -> str | None:
    """``self not done`` or ``self in progress`` while the leader's own response is not submitted."""
    for g in progress:
        if g.is_self and not g.submitted:
            return "self in progress" if g.in_progress else "self not done"
    return None


def below_threshold(g: GroupProgress, name: str) -> str:
    """One group still needed, as ``peer 2/3``, with the responses too incomplete to count."""
    return f"{name} {g.raters}/{g.min_raters}"


def missing(progress: Sequence[GroupProgress]) -> list[str]:
    """What keeps an assessment from being complete, for tools: ``self not done``, ``peer 2/3``, ..."""
    first = self_missing(progress)
    out = [first] if first else []
    out += [below_threshold(g, g.id) for g in missing_groups(progress)]
    return out


def unrated_items(
    instrument: Instrument, responses: Sequence[Response], published: Released | None
) -> list[str]:
    """Ids of the items with no rating shown yet, in order: no others' figure in the last release
    (``published``; None before any) and no rating by the leader themself.

    Counted from what was released, not from the answers: a live count would
    say what a rater held back from the report answered.
    """
    rated = {
        item for r in responses if r.group == SELF for item, value in r.answers.items() if value is not None
    }
    if published is not None:
        rated |= {item for item, f in published.items.items() if f.others.n}
    return [item_id for item_id in instrument.items if item_id not in rated]


# -- one leader at a glance (leaders, status) ---------------------------------------------------


@dataclass(frozen=True)
class LeaderStatus:
    """What the workspace knows about one leader's current assessment, without any answer in it."""

    name: str
    cohort: str | None
    instruments: list[str]  # every instrument the leader was assessed on, oldest first
    assessment: Assessment | None  # the current (newest) one
    groups: list[GroupProgress]
    last_activity: str
    unrated_items: list[str]
    last_answered: str | None = None  # when the newest answer was given (a survey's own timestamp)
    plan: bool = False  # the current round has a development plan (leadcheck plan)

    @property
    def self_state(self) -> str:
        """``done``, ``in progress``, ``not started``, or ``-`` when the instrument has no self group."""
        for g in self.groups:
            if g.is_self:
                return "done" if g.submitted else "in progress" if g.in_progress else "not started"
        return "-" if self.assessment else "not started"

    @property
    def missing(self) -> list[str]:
        return missing(self.groups) if self.assessment else [not_assessed_yet()]

    @property
    def visibility(self) -> dict[str, str]:
        return visibility(self.groups)

    def as_dict(self, detail: bool = False) -> dict[str, Any]:
        """Plain data for ``--json``: counts, thresholds and times, never an answer or a comment."""
        seen = self.visibility
        doc: dict[str, Any] = {
            "name": self.name,
            "cohort": self.cohort,
            "instruments": self.instruments,
            "instrument": None,
            "self": self.self_state,
            "groups": {
                g.id: {
                    "label": g.label,
                    "raters": g.raters,
                    "submitted": g.submitted,
                    "in_progress": g.in_progress,
                    "min_raters": g.min_raters,
                    "optional": g.optional,
                    "report": seen[g.id],
                }
                for g in self.groups
            },
            "missing": self.missing,
            "last_activity": self.last_activity,
            "last_answered": self.last_answered,
            "plan": self.plan,
        }
        if self.assessment:
            a = self.assessment
            doc["instrument"] = {
                "id": a.instrument_id,
                "version": a.instrument_version,
                "started": a.created_at,
            }
        if detail:
            doc["unrated_items"] = self.unrated_items
        return doc


def leader_status(store: Store, leader: Leader) -> LeaderStatus:
    """Counts of responses per group on the leader's newest assessment; never an answer."""
    from leadcheck.releases import released_figures

    instruments = list(dict.fromkeys(a.instrument_id for a in store.assessments.of_leader(leader)))
    current = store.assessments.current_or_none(leader)
    groups: list[GroupProgress] = []
    unrated: list[str] = []
    answered: str | None = None
    if current is not None:
        inst = store.assessments.instrument(current)
        responses = store.responses.of_assessment(current)
        groups = group_progress(inst, responses)
        released = released_figures(store, current)
        unrated = unrated_items(inst, responses, released[-1] if released else None)
        answered = store.assessments.last_answered(current)
    return LeaderStatus(
        leader.name,
        leader.cohort,
        instruments,
        current,
        groups,
        store.leaders.last_activity(leader),
        unrated,
        answered,
        current is not None and store.plans.of_round(current.id) is not None,
    )
