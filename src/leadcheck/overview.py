"""The `leaders` and `status` tables as plain data: columns with labels, cells, and what a narrow terminal drops.

Built from ``LeaderStatus`` (counts and times only, never an answer); the CLI
prints them. A column can be added by adding it here, in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from leadcheck.anonymity import enough
from leadcheck.status import (
    HIDDEN,
    NONE,
    POOLED,
    LeaderStatus,
    below_threshold,
    missing_groups,
    self_missing,
)
from leadcheck.store.assessments import not_assessed_yet

if TYPE_CHECKING:
    from leadcheck.campaign.roster import RosterRater
    from leadcheck.campaign.tracking import GroupReturns

NONE_YET = "-"


def utc_minutes(stamp: str | None) -> str:
    """An ISO 8601 UTC time as ``2024-05-01 14:03``; ``-`` for none."""
    return stamp[:16].replace("T", " ") if stamp else NONE_YET


@dataclass(frozen=True)
class Column:
    """One column: its header, and when a narrow terminal may leave it out (lowest first; None: never)."""

    header: str
    right: bool = False
    drop_order: int | None = None
    wrap: bool = False  # long cells (names, lists) may wrap; others keep their width and the header wraps


@dataclass(frozen=True)
class TableView:
    """A table to print: a title, columns, rows of cells (plain strings), and notes under it."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()

    def without(self, dropped: set[int]) -> TableView:
        """The same table without the columns at these positions."""
        keep = [i for i in range(len(self.columns)) if i not in dropped]
        return TableView(
            self.title,
            tuple(self.columns[i] for i in keep),
            tuple(tuple(row[i] for i in keep) for row in self.rows),
            self.notes,
        )


def _common_instrument(statuses: Sequence[LeaderStatus]) -> str | None:
    """The one instrument every listed leader is assessed on, or None when they differ."""
    found = {", ".join(s.instruments) for s in statuses}
    return found.pop() if len(found) == 1 and "" not in found else None


def _group_headers(statuses: Sequence[LeaderStatus]) -> list[str]:
    """Every rater group label (self aside) of the listed leaders' instruments, in first-seen order."""
    labels: dict[str, None] = {}
    for s in statuses:
        for g in s.groups:
            if not g.is_self:
                labels.setdefault(g.label)
    return list(labels)


def leaders_table(statuses: Sequence[LeaderStatus]) -> TableView:
    """One row per leader: cohort, instrument, self-assessment, raters per group by label, last answer."""
    common = _common_instrument(statuses)
    with_cohort = any(s.cohort for s in statuses)
    groups = _group_headers(statuses)
    columns = [Column("leader", wrap=True)]
    if with_cohort:
        columns.append(Column("cohort", drop_order=2))
    if common is None:
        columns.append(Column("instrument", drop_order=1))
    columns.append(Column("self"))
    columns += [Column(label, right=True) for label in groups]
    columns.append(Column("last answer", drop_order=3))
    optional_seen = False
    rows: list[tuple[str, ...]] = []
    for s in statuses:
        by_label = {g.label: g for g in s.groups}
        cells = [s.name]
        if with_cohort:
            cells.append(s.cohort or NONE_YET)
        if common is None:
            cells.append(", ".join(s.instruments) or NONE_YET)
        cells.append(s.self_state)
        for label in groups:
            g = by_label.get(label)
            if g is None:
                cells.append("")
            elif g.optional and g.raters == 0:
                optional_seen = True
                cells.append(NONE_YET)
            else:
                cells.append(f"{g.raters}/{g.min_raters}")
        cells.append(utc_minutes(s.last_answered))
        rows.append(tuple(cells))
    notes = ["raters: responses so far / needed for the group to be shown; times in UTC"]
    if optional_seen:
        notes.append(f"{NONE_YET}: an optional group nobody has answered in (not missing)")
    title = "Leaders" + (f" · {common}" if common else "")
    return TableView(title, tuple(columns), tuple(rows), tuple(notes))


def status_table(statuses: Sequence[LeaderStatus]) -> TableView:
    """One row per leader: the self-assessment, the groups still below their threshold, the last answer."""
    common = _common_instrument(statuses)
    columns = [Column("leader", wrap=True)]
    if common is None:
        columns.append(Column("instrument", drop_order=1))
    columns += [Column("self"), Column("still needed", wrap=True), Column("last answer", drop_order=2)]
    rows: list[tuple[str, ...]] = []
    complete = 0
    for s in statuses:
        cells = [s.name]
        if common is None:
            cells.append(s.assessment.instrument_id if s.assessment else NONE_YET)
        if s.assessment is None:
            cells += ["not started", not_assessed_yet()]
        else:
            below = [below_threshold(g, g.label) for g in missing_groups(s.groups)]
            cells += [s.self_state, ", ".join(below) or "nothing"]
            complete += not below and self_missing(s.groups) is None
        cells.append(utc_minutes(s.last_answered))
        rows.append(tuple(cells))
    notes = (
        f"{complete} of {len(statuses)} complete. still needed: raters so far / needed for the group to be "
        "shown; optional groups nobody answered in are not needed. Times in UTC.",
        *overview_hints(statuses),
    )
    title = "Status" + (f" · {common}" if common else "")
    return TableView(title, tuple(columns), tuple(rows), notes)


# At most this many leaders are named in the hints under `status`; the rest are counted.
HINTED = 3


def _quoted(name: str) -> str:
    import shlex

    return shlex.quote(name)


def next_steps(status: LeaderStatus) -> list[str]:
    """What to run next for one leader, as commands to copy: the self-assessment, then raters."""
    name = _quoted(status.name)
    if status.assessment is None:
        return [f"{not_assessed_yet()} — run `leadcheck assess {name}`"]
    steps: list[str] = []
    if status.self_state in ("not started", "in progress"):
        verb = "resume" if status.self_state == "in progress" else "run"
        steps.append(f"self: {status.self_state} — {verb} `leadcheck assess {name}`")
    short = missing_groups(status.groups)
    for g in short:
        steps.append(f"{g.label} {g.raters}/{g.min_raters}: `leadcheck rate {name} --as {g.id}`")
    if short:
        steps.append(f"or a form per rater: `leadcheck form {name} --as GROUP -o FILE`")
    return steps


def overview_hints(statuses: Sequence[LeaderStatus]) -> list[str]:
    """Under the status table: which command starts each self-assessment not started or in progress."""
    waiting = [s for s in statuses if s.assessment is None or s.self_state in ("not started", "in progress")]
    hints = [f"{s.name}: {next_steps(s)[0]}" for s in waiting[:HINTED]]
    if len(waiting) > HINTED:
        hints.append(f"and {len(waiting) - HINTED} more without a finished self-assessment")
    if any(missing_groups(s.groups) for s in statuses):
        hints.append("raters still needed: `leadcheck status NAME` says which command each group runs")
    return hints


def report_treatment(status: LeaderStatus) -> dict[str, str]:
    """Per group id, in words, how the report treats it: shown, hidden or pooled (and how many more needed)."""
    seen = status.visibility
    out: dict[str, str] = {}
    for g in status.groups:
        how = seen[g.id]
        if g.is_self:
            out[g.id] = "missing" if how == NONE else "shown"
        elif how == NONE:
            out[g.id] = "none (optional)" if g.optional else f"none yet ({g.min_raters} needed)"
        elif how in (POOLED, HIDDEN):
            out[g.id] = f"{how} ({g.min_raters - g.raters} more needed)"
        else:
            out[g.id] = "shown"
    return out


def groups_table(status: LeaderStatus) -> TableView:
    """One leader's groups: raters, submitted, in progress, the threshold, and how the report treats each."""
    columns = (
        Column("group", wrap=True),
        Column("raters", right=True),
        Column("submitted", right=True),
        Column("in progress", right=True),
        Column("needed", right=True),
        Column("in the report", wrap=True),
    )
    treatment = report_treatment(status)
    rows = tuple(
        (g.label, str(g.raters), str(g.submitted), str(g.in_progress), str(g.min_raters), treatment[g.id])
        for g in status.groups
    )
    return TableView("", columns, rows)


def campaign_table(returns: Mapping[str, Sequence[GroupReturns]], today: date) -> TableView:
    """Forms invited, returned and outstanding per leader and group, against threshold and due date.

    Dates never wrap (a narrow terminal leaves columns out instead, and says which)."""
    columns = (
        Column("leader", wrap=True),
        Column("group"),
        Column("invited", right=True, drop_order=1),
        Column("returned", right=True),
        Column("outstanding", right=True, drop_order=2),
        Column("needed", right=True),
        Column("due", drop_order=3),
        Column("", wrap=True),
    )
    rows: list[tuple[str, ...]] = []
    for name, groups in returns.items():
        for i, g in enumerate(groups):
            notes = []
            if g.nominated:
                notes.append(f"{g.nominated} not invited yet")
            if not enough(g.returned, g.threshold):
                notes.append(f"{g.threshold - g.returned} more needed")
            if g.overdue(today):
                notes.append("overdue")
            rows.append(
                (
                    name if i == 0 else "",
                    g.group,
                    str(g.invited),
                    str(g.returned),
                    str(g.outstanding),
                    str(g.threshold),
                    g.due_date or NONE_YET,
                    ", ".join(notes),
                )
            )
    legend = ("needed: returns for the group to be shown in the report; due dates in UTC",)
    return TableView("Rater forms", columns, tuple(rows), legend)


def roster_table(
    raters: Sequence[RosterRater],
    title: str = "Roster (for the coach only: names and emails never go into reports)",
) -> TableView:
    """The roster as the coach sees it. Emails and dates never break: on a narrow terminal the
    dates give way first (said under the table), then the state. When a form came back is not kept
    (it would tie a roster entry to a response), so there is no "returned" column."""
    columns = (
        Column("leader", wrap=True),
        Column("group", wrap=True),
        Column("name", wrap=True),
        Column("email"),
        Column("state", drop_order=4),
        Column("due", drop_order=3),
        Column("invited", drop_order=1),
    )
    rows = tuple(
        (
            r.leader,
            r.group,
            r.name,
            r.email,
            r.state,
            r.due_date or "",
            (r.invited_at or "")[:10],
        )
        for r in raters
    )
    return TableView(title, columns, rows, ())
