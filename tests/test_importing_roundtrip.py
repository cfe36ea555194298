"""Property: export, import into a fresh workspace, export again: the same leaders, cohorts, groups, answers, comments."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from leadcheck.cli import app
from leadcheck.importing.export import write_json
from leadcheck.instrument.catalog import load_instrument
from leadcheck.instrument.model import Instrument
from leadcheck.responses import IncomingResponse
from leadcheck.store import Store

# Two shipped instruments (so a CSV export finds them again by hash) that share item ids (lc-1, ...).
INSTRUMENTS = (load_instrument("psl-360"), load_instrument("labor-management-partnership"))

names = (
    st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=16)
    .map(str.strip)
    .filter(bool)
)
# Comments keep their exact text: quotes, commas, line breaks, leading "=" (a spreadsheet formula), ...
comment_text = st.text(
    st.characters(categories=("L", "N", "P", "S", "Zs"), include_characters="\n\r\t'=+-@\""), max_size=40
).filter(str.strip)


@st.composite
def workspaces(draw: st.DrawFn) -> list[tuple[Instrument, IncomingResponse]]:
    """Responses about a few leaders, on one or both instruments, from any group."""
    out: list[tuple[Instrument, IncomingResponse]] = []
    for leader in draw(st.lists(names, min_size=1, max_size=3, unique=True)):
        cohort = draw(st.none() | names)
        for inst in draw(
            st.lists(st.sampled_from(INSTRUMENTS), min_size=1, max_size=2, unique_by=lambda i: i.id)
        ):
            scale = inst.scale
            for _ in range(draw(st.integers(1, 3))):
                answers = draw(
                    st.dictionaries(
                        st.sampled_from(list(inst.items)),
                        st.none() | st.integers(scale.min, scale.max),
                        max_size=6,
                    )
                )
                comments = draw(
                    st.dictionaries(st.sampled_from([q.id for q in inst.questions]), comment_text, max_size=2)
                )
                response = IncomingResponse(
                    leader=leader,
                    group=draw(st.sampled_from(list(inst.groups))),
                    answers=answers,
                    comments=comments,
                    source="test",
                    rater_identity=f"rater-{len(out)}",
                    cohort=cohort,
                )
                out.append((inst, response))
    return out


def _content(document: dict[str, Any]) -> list[str]:
    """The export's data without what a new workspace changes (rater hashes, times), in a stable order."""
    keep = (
        "leader",
        "cohort",
        "instrument",
        "instrument_version",
        "instrument_hash",
        "group",
        "answers",
        "comments",
    )
    return sorted(json.dumps({k: r[k] for k in keep}, sort_keys=True) for r in document["responses"])


def _export(db: Path) -> dict[str, Any]:
    out = io.StringIO()
    with Store.open(db, create=False) as store:
        write_json(store, out)
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def _run(*args: str | Path) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("fmt", ["json", "csv"])
@settings(max_examples=30, deadline=None)
@given(data=workspaces())
def test_export_import_export_gives_the_same_data(
    fmt: str, data: list[tuple[Instrument, IncomingResponse]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        first, second, backup = Path(folder, "a.db"), Path(folder, "b.db"), Path(folder, f"backup.{fmt}")
        with Store.open(first) as store:
            for inst in INSTRUMENTS:
                batch = [r for i, r in data if i is inst]
                if batch:
                    store.add_responses(batch, inst)
        _run("--db", first, "export", "--format", fmt, "-o", backup)
        _run("--db", second, "import", backup)
        before, after = _export(first), _export(second)
        assert _content(after) == _content(before)
        assert {i["hash"] for i in after["instruments"]} == {
            r["instrument_hash"] for r in before["responses"]
        }
        # ... and importing it once more changes nothing.
        assert "Added 0, replaced 0, unchanged" in _run("--db", second, "import", backup)
