"""Files leadcheck writes and reads from other people: formula-safe, clear errors, nothing lost."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

from leadcheck.instrument.catalog import load_instrument
from leadcheck.responses import IncomingResponse
from leadcheck.store import Store

from .conftest import MINI_360, Run

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def hostile_instrument(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.yaml"
    path.write_text(
        MINI_360.read_text().replace('version: "1.0.0"', 'version: \'=HYPERLINK("http://x.example","y")\'')
    )
    return path


def test_every_csv_cell_is_formula_safe_and_reads_back(cli: Callable[..., Run], tmp_path: Path) -> None:
    inst = load_instrument(hostile_instrument(tmp_path))
    with Store.open(tmp_path / "workspace.db") as store:
        store.add_responses(
            [
                IncomingResponse(
                    "=cmd|' /C calc'!A0",
                    "self",
                    {"l-1": 4, "l-2": None},
                    {"keep": "+1+1"},
                    "t",
                    None,
                    None,
                    "@c",
                ),
                IncomingResponse(
                    "=cmd|' /C calc'!A0", "manager", {"l-1": 2}, {"keep": "-x"}, "t", "boss", None, "@c"
                ),
            ],
            inst,
        )
    result = cli("export", "--format", "csv", "-o", "out.csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO((tmp_path / "out.csv").read_text())))
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START) or re.fullmatch(r"-?\d+", cell), cell
    assert any(cell.startswith("'=HYPERLINK") for cell in rows[1])
    # and the export reads back exactly, into a fresh workspace
    result = cli(
        "--db",
        str(tmp_path / "fresh.db"),
        "import",
        "out.csv",
        "--instrument",
        str(tmp_path / "hostile.yaml"),
    )
    assert result.exit_code == 0, result.stderr
    with Store.open(tmp_path / "fresh.db") as store:
        (leader,) = store.leaders()
        assert leader.name == "=cmd|' /C calc'!A0"
        assert leader.cohort == "@c"
        assessment = store.latest_assessment(leader)
        assert assessment.instrument_version == '=HYPERLINK("http://x.example","y")'
        comments = sorted(r.comments["keep"] for r in store.responses(assessment))
        assert comments == ["+1+1", "-x"]
