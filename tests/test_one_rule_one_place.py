"""Rules a user can name are written once: the threshold comparison and the "no assessment yet" wording."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from leadcheck.anonymity import enough, group_states
from leadcheck.instrument.model import RaterGroup
from leadcheck.status import GroupProgress

from .conftest import REPO

SRC = REPO / "src" / "leadcheck"
# A count set against a group's threshold, written out: `raters >= g.min_raters`, `returned < threshold`.
COMPARISON = re.compile(
    r"[<>]=?\s*[\w.]*(?:min_raters|thresholds?)\b(?!\()|\b(?:min_raters|threshold)\s*[<>]=?\s*\w"
)
# Comparisons of configured thresholds with each other, not of a count with a threshold.
NOT_THE_RULE = {
    "instrument/validate.py": "a group's configured threshold above 1",
    "importing/policy.py": "a round's threshold looser than the responses' own",
}


def comparisons_outside_anonymity(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name in ("anonymity.py", *NOT_THE_RULE):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if COMPARISON.search(code):
                found.append(f"{name}:{number}: {line.strip()}")
    return found


def test_the_threshold_is_compared_only_in_anonymity() -> None:
    assert comparisons_outside_anonymity(SRC) == []


def test_the_check_finds_a_comparison_written_out(tmp_path: Path) -> None:
    (tmp_path / "status.py").write_text(
        "def shown(g):\n    return g.raters >= g.min_raters\n", encoding="utf-8"
    )
    (tmp_path / "tracking.py").write_text("below = returned < self.threshold\n", encoding="utf-8")
    assert comparisons_outside_anonymity(tmp_path) == [
        "status.py:2: return g.raters >= g.min_raters",
        "tracking.py:1: below = returned < self.threshold",
    ]


@given(st.integers(0, 50), st.integers(1, 20), st.integers(0, 20))
def test_status_shows_a_group_exactly_when_the_report_rule_does(
    raters: int, threshold: int, in_progress: int
) -> None:
    """`status` and the report ask the same function: a group is shown on its own at its threshold."""
    submitted = max(raters - in_progress, 0)
    progress = GroupProgress("peer", "Peers", threshold, submitted, raters - submitted)
    state = group_states({"peer": progress.raters}, [RaterGroup("peer", "Peers", threshold)])["peer"]
    assert progress.shown == enough(progress.raters, threshold) == (state == "shown")


def test_no_assessment_yet_is_worded_in_one_place() -> None:
    places = [
        path.relative_to(SRC).as_posix()
        for path in sorted(SRC.rglob("*.py"))
        if re.search(r"""["'f]no assessment[ {]""", path.read_text(encoding="utf-8"))
    ]
    assert places == ["store/assessments.py"]
