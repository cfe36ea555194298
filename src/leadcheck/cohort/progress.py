"""The cohort's progress on development plans: per leader, the share of focus behaviours that improved.

Verdicts come from a leader's newest pulse (leadcheck.pulse.results: a behaviour is improved when more
raters saw improvement than decline, by the sign test), else from the round after the plan
(leadcheck.change: a behaviour is improved when its change is a reliable improvement, by Welch's
interval). ``progress_table`` takes one ``FocusVerdicts`` per leader, whatever measured them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from leadcheck.base import text as txt
from leadcheck.base.views import Cell, Table
from leadcheck.change import IMPROVEMENT, RoundChange
from leadcheck.store import Leader, Store
from leadcheck.store.plans import Plan


@dataclass(frozen=True)
class FocusVerdicts:
    """One leader's verdicts on the behaviours of their plan: True for each counted as improved."""

    source: str  # what measured them, as printed: "pulse 1", "second round"
    improved: tuple[bool, ...]

    @property
    def share(self) -> Fraction | None:
        return Fraction(sum(self.improved), len(self.improved)) if self.improved else None


def pulse_verdicts(store: Store, leaders: Iterable[Leader], kind: str = "cohort") -> dict[str, FocusVerdicts]:
    """Each leader's verdicts from their newest pulse, by name; leaders without one (or whose pulse
    shows nothing yet, or no rater the rule lets it count) are left out. What it reads is published like any figure (``kind`` in the ledger)."""
    from leadcheck.pulse import results, rounds

    out: dict[str, FocusVerdicts] = {}
    for leader in leaders:
        target = rounds.newest_pulse(store, leader)
        if target is None:
            continue
        scored = results.scored_pulse(store, target)
        found = results.results(store, scored)
        if found.withheld or not found.behaviours or not found.raters:  # nothing to count yet
            continue
        results.publish(store, scored, kind)
        out[leader.name] = FocusVerdicts(f"pulse {found.number}", tuple(b.improved for b in found.behaviours))
    return out


def round_verdicts(change: RoundChange | None, plan: Plan | None, round_number: int) -> FocusVerdicts | None:
    """The verdicts of the round after a plan (``round_number``) on that plan's behaviours: improved
    when the behaviour's all-others change is a reliable improvement. Behaviours the two rounds cannot
    compare (reworded, or too few ratings for a verdict) are left out; None when none is left, or
    there is no plan or no change."""
    if change is None or plan is None:
        return None
    verdicts = {i.item.id: i.others.verdict for d in change.dimensions for i in d.items}
    found = [verdicts.get(f.item_id) for f in plan.focus]
    judged = tuple(v == IMPROVEMENT for v in found if v is not None)
    if not judged:
        return None
    return FocusVerdicts(f"round {round_number} against round {round_number - 1}", judged)


def progress_table(verdicts: Mapping[str, FocusVerdicts], labels: Mapping[str, str]) -> Table | None:
    """Per leader with verdicts (by what ``labels`` prints: codes when anonymized, in that order), the
    focus behaviours that improved; None when no leader has any."""
    if not verdicts:
        return None
    rows = []
    for name in sorted(verdicts, key=lambda n: labels.get(n, n)):
        v = verdicts[name]
        rows.append(
            (
                Cell(labels.get(name, name)),
                Cell(v.source),
                Cell(f"{sum(v.improved)} of {len(v.improved)}", "num"),
                Cell(txt.percent(v.share), "num"),
            )
        )
    return Table(
        "Progress on development plans (after a pulse, a behaviour is improved when more raters saw "
        "improvement than decline, by a sign test; after a second round, when its change is a reliable "
        "improvement)",
        ("Leader", "Measured by", "Focus behaviours improved", "Share"),
        tuple(rows),
    )
