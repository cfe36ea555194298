"""Tracked returns: per leader and rater group, how many were invited, returned and are outstanding.

Counts only: which rater returned what is never part of it. Raters removed
from the roster are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from leadcheck.anonymity import enough
from leadcheck.campaign import roster
from leadcheck.instrument.model import Instrument
from leadcheck.store import Leader, Store


@dataclass(frozen=True)
class GroupReturns:
    """One rater group of one leader's campaign."""

    group: str
    nominated: int  # on the roster, not yet invited
    invited: int  # sent a form (returned ones included)
    returned: int
    threshold: int  # raters needed for the group to be shown (its anonymity threshold)
    due_date: str | None  # the latest due date given to the group

    @property
    def outstanding(self) -> int:
        return self.invited - self.returned

    def overdue(self, today: date) -> bool:
        return bool(self.outstanding and self.due_date and date.fromisoformat(self.due_date) < today)

    def as_dict(self, today: date) -> dict[str, object]:
        return {
            "group": self.group,
            "nominated": self.nominated,
            "invited": self.invited,
            "returned": self.returned,
            "outstanding": self.outstanding,
            "threshold": self.threshold,
            "below_threshold": not enough(self.returned, self.threshold),
            "due_date": self.due_date,
            "overdue": self.overdue(today),
        }


def leader_returns(store: Store, leader: Leader, instrument: Instrument | None) -> list[GroupReturns]:
    """The leader's campaign per group, in the instrument's group order (empty without a roster)."""
    rows = roster.roster(store, leader)
    if not rows:
        return []
    order = [g.id for g in instrument.rater_groups] if instrument is not None else []
    groups = sorted({r.group for r in rows}, key=lambda g: (order.index(g) if g in order else len(order), g))
    out = []
    for group in groups:
        mine = [r for r in rows if r.group == group]
        dues = [r.due_date for r in mine if r.due_date]
        threshold = instrument.groups[group].min_raters if instrument and group in instrument.groups else 1
        out.append(
            GroupReturns(
                group=group,
                nominated=sum(r.state == roster.NOMINATED for r in mine),
                invited=sum(r.state in (roster.INVITED, roster.RETURNED) for r in mine),
                returned=sum(r.state == roster.RETURNED for r in mine),
                threshold=threshold,
                due_date=max(dues) if dues else None,
            )
        )
    return out
