"""`import --group-map LABEL=GROUP`: a survey's own wording of a rater group, and one message per unknown value."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .conftest import Run

Cli = Callable[..., Run]
TEAM = str(Path(__file__).parent / "fixtures" / "imports" / "team-360.yaml")
OTHER = "Other (partner, customer, stakeholder)"
HEADER = "Email Address,Leader,Relationship,li-1,li-2,fb-1,fb-2,fb-3\n"


def _csv(tmp_path: Path, groups: list[str]) -> str:
    rows = [f'r{i}@example.org,Ana Lopez,"{g}",4,4,3,2,1\n' for i, g in enumerate(groups)]
    (tmp_path / "responses.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    return "responses.csv"


def test_an_unknown_group_is_one_message_naming_the_fix(cli: Cli, tmp_path: Path) -> None:
    name = _csv(tmp_path, [OTHER] * 15 + ["Peer"])
    done = cli("import", name, "--instrument", TEAM, "--layout", "generic")
    assert done.exit_code == 1
    assert done.stderr.splitlines() == [
        f'responses.csv:2: column "Relationship": "{OTHER}" is not a rater group of team-360 1.0.0; expected '
        "one of: self (Self), manager (Manager), peer (Peers), direct_report (Direct reports), other (Other "
        f'raters); or say which it is with --group-map "{OTHER}=GROUP" (14 more rows name it too)',
        "1 problem found. Nothing was written.",
    ]


def test_group_map_files_the_rows_under_the_group_named(cli: Cli, tmp_path: Path) -> None:
    name = _csv(tmp_path, [OTHER, OTHER, OTHER, "Peer", "Direct report (I report to them)"])
    done = cli(
        "import", name, "--instrument", TEAM, "--layout", "generic",
        "--group-map", f"{OTHER.upper()}=Other raters", "--group-map", "Direct report (I report to them)=direct_report",
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert "Added 5, replaced 0, unchanged 0." in done.stdout
    status = cli("status", "Ana Lopez", "--json")
    groups = {gid: g["raters"] for gid, g in json.loads(status.stdout)["groups"].items()}
    assert (groups["other"], groups["peer"], groups["direct_report"]) == (3, 1, 1)


def test_group_map_to_a_group_the_instrument_lacks_and_malformed_maps(cli: Cli, tmp_path: Path) -> None:
    name = _csv(tmp_path, [OTHER, OTHER])
    done = cli("import", name, "--instrument", TEAM, "--layout", "generic", "--group-map", f"{OTHER}=partner")
    assert done.exit_code == 1
    assert done.stderr.splitlines()[0] == (
        f'responses.csv: --group-map "{OTHER}=partner": "partner" is not a rater group of team-360 1.0.0; '
        "expected one of: self (Self), manager (Manager), peer (Peers), direct_report (Direct reports), "
        "other (Other raters)"
    )
    bad = cli("import", name, "--instrument", TEAM, "--group-map", "Other")
    assert bad.exit_code == 2
    assert bad.stderr == (
        'error: --group-map "Other" is not LABEL=GROUP; for example --group-map "Other (partner)=other"\n'
    )
