"""Development plans: the one to three behaviours a leader commits to work on after a round's report."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from leadcheck.base.errors import StoreError
from leadcheck.store import clock
from leadcheck.store.connection import Connection

# A plan names at least one and at most this many behaviours: a few, told to the raters, is what
# the follow-up studies found leaders improve on (README, "The development loop").
MAX_FOCUS = 3


@dataclass(frozen=True)
class Focus:
    """One behaviour (an item of the round's instrument) and what the leader will do about it."""

    item_id: str
    action: str  # what they will do
    tell: str  # who they will tell
    by: str  # by when: an ISO 8601 date


@dataclass(frozen=True)
class Plan:
    """A leader's plan after one round (``assessment_id``), made (or last changed) on ``made_on``."""

    leader_id: int
    assessment_id: int
    made_on: str  # ISO 8601 date: a pulse asks about change "since" this day
    focus: tuple[Focus, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "made_on": self.made_on,
            "focus": [
                {"item": f.item_id, "action": f.action, "tell": f.tell, "by": f.by} for f in self.focus
            ],
        }


def focus_problem(focus: Sequence[Focus]) -> str | None:
    """Why these behaviours cannot be a plan (count, repeats), or None."""
    if not 1 <= len(focus) <= MAX_FOCUS:
        return f"a plan names 1 to {MAX_FOCUS} behaviours, not {len(focus)}"
    items = [f.item_id for f in focus]
    repeated = sorted({i for i in items if items.count(i) > 1})
    if repeated:
        return f"a plan names each behaviour once; {', '.join(repeated)} is named twice"
    return None


class Plans:
    """The workspace's plans: at most one per assessment round, replaced whole when changed."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def save(
        self, leader_id: int, assessment_id: int, focus: Sequence[Focus], made_on: str | None = None
    ) -> Plan:
        """Store the plan for the round, replacing any plan it had (in the caller's transaction when
        one is open); ``made_on`` today unless given (a plan restored from an export keeps its day)."""
        problem = focus_problem(focus)
        if problem:
            raise StoreError(problem)
        made_on = made_on or clock.now()[:10]
        with self.db.writing() as c:
            return self._replace(c, leader_id, assessment_id, tuple(focus), made_on)

    @staticmethod
    def _replace(
        c: sqlite3.Connection, leader_id: int, assessment_id: int, focus: tuple[Focus, ...], made_on: str
    ) -> Plan:
        c.execute("DELETE FROM plans WHERE assessment_id = ?", (assessment_id,))
        plan_id = c.execute(
            "INSERT INTO plans (leader_id, assessment_id, made_on) VALUES (?, ?, ?)",
            (leader_id, assessment_id, made_on),
        ).lastrowid
        c.executemany(
            "INSERT INTO plan_focus (plan_id, position, item_id, action, tell, by_date) VALUES (?, ?, ?, ?, ?, ?)",
            [(plan_id, n, f.item_id, f.action, f.tell, f.by) for n, f in enumerate(focus)],
        )
        return Plan(leader_id, assessment_id, made_on, focus)

    def restore(self, leader_id: int, assessment_id: int, plan: Plan) -> None:
        """Put back a plan read from an export, with the day it was made."""
        self.save(leader_id, assessment_id, plan.focus, plan.made_on)

    def of_round(self, assessment_id: int) -> Plan | None:
        """The plan made after this round, or None."""
        rows = self.db.conn.execute(
            "SELECT p.leader_id, p.made_on, f.item_id, f.action, f.tell, f.by_date FROM plans p "
            "JOIN plan_focus f ON f.plan_id = p.id WHERE p.assessment_id = ? ORDER BY f.position",
            (assessment_id,),
        ).fetchall()
        if not rows:
            return None
        focus = tuple(Focus(r["item_id"], r["action"], r["tell"], r["by_date"]) for r in rows)
        return Plan(rows[0]["leader_id"], assessment_id, rows[0]["made_on"], focus)

    def every(self) -> dict[int, Plan]:
        """Every plan in the workspace by its round (assessment id): one query, for an export."""
        rows = self.db.conn.execute(
            "SELECT p.leader_id, p.assessment_id, p.made_on, f.item_id, f.action, f.tell, f.by_date FROM plans p "
            "JOIN plan_focus f ON f.plan_id = p.id ORDER BY p.assessment_id, f.position"
        ).fetchall()
        plans: dict[int, Plan] = {}
        for r in rows:
            focus = Focus(r["item_id"], r["action"], r["tell"], r["by_date"])
            was = plans.get(r["assessment_id"])
            plans[r["assessment_id"]] = (
                Plan(r["leader_id"], r["assessment_id"], r["made_on"], (focus,))
                if was is None
                else Plan(was.leader_id, was.assessment_id, was.made_on, (*was.focus, focus))
            )
        return plans

    def latest(self, leader_id: int) -> Plan | None:
        """The leader's newest plan (of their newest round that has one), or None."""
        row = self.db.conn.execute(
            "SELECT assessment_id FROM plans WHERE leader_id = ? ORDER BY assessment_id DESC LIMIT 1",
            (leader_id,),
        ).fetchone()
        return None if row is None else self.of_round(row[0])

    def remove(self, assessment_id: int) -> bool:
        """Delete the round's plan; whether there was one."""
        with self.db.writing() as c:
            return c.execute("DELETE FROM plans WHERE assessment_id = ?", (assessment_id,)).rowcount > 0
