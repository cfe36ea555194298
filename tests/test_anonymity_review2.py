"""Attacks a second review found on issue 20's promise; each test states the promise and failed while it
was broken.

A reader holds every output ever produced for a leader. Each test builds a small workspace or scorecard
and solves for something one protected rater answered.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from leadcheck.base.errors import InstrumentError
from leadcheck.base.responses import IncomingResponse, Response
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import instrument_from_text
from leadcheck.scorecard_json import scorecard_json
from leadcheck.scoring import score
from leadcheck.store import Store

from .test_anonymity_review import INST as TINY_INST
from .test_anonymity_review import LEADER, TINY

Run = Callable[..., Result]

# The tiny instrument with importance asked of peers too.
IMPORTANCE_OF_PEERS = (
    TINY
    + """importance:
  self: How important is each for my role?
  others: How important is each for this leader's role?
  groups: [self, peer]
"""
)


def test_importance_is_never_asked_of_a_protected_group() -> None:
    """Importance answers order the development priorities and are never pooled: asked of peers, a lone
    peer's answers moved what the report names, and a held report still moved with a late peer's. So an
    instrument may ask it only of the leader and of groups shown from one rater."""
    with pytest.raises(InstrumentError) as refused:
        instrument_from_text(IMPORTANCE_OF_PEERS, "imp.yaml")
    assert (
        'imp.yaml:32:18: error: importance.groups: "peer" needs 3 raters to be shown, but importance answers '
        "are never pooled; ask only self and groups with min_raters: 1 (e.g. manager) [protected-importance]"
    ) in str(refused.value)


def test_a_competency_n_says_nothing_its_item_figures_do_not() -> None:
    """Rule 2: "a competency figure says nothing that its item figures do not already say". Its n is the
    number of distinct raters behind its item figures: four peers, each item rated by three and not
    observed by one. Two answer sets with the same item figures (every item printed alike) give n = 3
    or n = 4: the competency says whether one peer observed neither item. Brute force over every
    assignment that agrees with the whole summary: in all of them one peer answered "not observed"
    to both items, which the items alone leave open."""

    def doc(assign: tuple[int | None, ...]) -> dict[str, object]:
        rs = [Response("self", {"i1": 3, "i2": 3}, {}, "t", 0, "self")]
        rs += [
            Response("peer", {"i1": assign[2 * n], "i2": assign[2 * n + 1]}, {}, "t", n + 1, f"p{n}")
            for n in range(4)
        ]
        return scorecard_json(score(TINY_INST, rs, LEADER))

    def item_figures(d: dict[str, object]) -> str:
        return json.dumps([i for c in d["competencies"] for i in c["items"]], sort_keys=True)  # type: ignore[index,union-attr]

    neither = (None, None, 4, 2, 2, 4, 2, 4)  # p0 observed neither item
    one_each = (None, 2, 4, None, 2, 4, 2, 4)  # p0 missed i1, p1 missed i2
    assert item_figures(doc(neither)) == item_figures(doc(one_each))
    seen = json.dumps(doc(neither), sort_keys=True)
    agree = [
        a for a in itertools.product([2, 4, None], repeat=8) if json.dumps(doc(a), sort_keys=True) == seen
    ]
    assert one_each in agree  # the competency no longer tells the two apart
    both_missed = {any(a[2 * n] is None and a[2 * n + 1] is None for n in range(4)) for a in agree}
    assert both_missed != {True}, "the competency's n says one peer observed neither item"


def test_a_backup_is_not_restored_into_a_workspace_in_use(run: Run, db: Path, tmp_path: Path) -> None:
    """The first review's restore attack, into a workspace that already holds another leader: it keeps its
    own key, the backup's keyed rater hashes mean nothing to it, and peer A sending the same form again is
    a third peer. The group is shown and the odd one out in each spread is peer B's rating (5 and 5)."""
    from typer.testing import CliRunner

    from leadcheck.cli import app

    from .test_anonymity_review import add

    add(db, [("peer", {"i1": 2, "i2": 4}, "a@x", None), ("peer", {"i1": 5, "i2": 5}, "b@x", None)])
    backup = tmp_path / "backup.json"
    assert run("export", "-o", str(backup)).exit_code == 0
    other = tmp_path / "used.db"
    with Store.open(other) as store:  # a workspace in use: another leader's answers
        add_responses(
            store, [IncomingResponse("Other", "peer", {"i1": 3, "i2": 3}, {}, "x", "z@x")], TINY_INST
        )
    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "LEADCHECK_DB": None})
    refused = runner.invoke(app, ["--db", str(other), "import", str(backup)])
    # Refused: the used workspace has its own key, so peer A sending the same form again would be a third
    # peer, the group shown, and the odd one out in each spread peer B's rating.
    assert refused.exit_code == 1
    assert (
        "this leadcheck export comes from another workspace, and this one already holds data"
        in refused.stderr
    )
    with Store.open(other) as store:
        assert [leader.name for leader in store.leaders.every()] == [
            "Other"
        ]  # nothing of the backup was written
