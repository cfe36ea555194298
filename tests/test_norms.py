"""Norms: `norms build`, the file it writes, and percentiles in `report` and `cohort report`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import Result

from leadcheck import norms
from leadcheck.demo import demo_leaders, demo_responses
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.store import Store

from .conftest import pdftotext


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two cohorts on psl-360: "past" with 12 leaders, "small" with 3."""
    db = tmp_path_factory.mktemp("norms") / "w.db"
    inst = load_instrument("psl-360")
    with Store.open(db) as store:
        add_responses(store, demo_responses(inst, demo_leaders(12, 5), 5, cohort="past"), inst)
        add_responses(store, demo_responses(inst, demo_leaders(3, 9), 9, cohort="small"), inst)
    return db


@pytest.fixture
def on(workspace: Path) -> Callable[..., Result]:
    from typer.testing import CliRunner

    from leadcheck.cli import app

    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "LEADCHECK_DB": None})
    return lambda *args: runner.invoke(app, ["--db", str(workspace), *map(str, args)])


def leader_names(workspace: Path, cohort: str) -> list[str]:
    with Store.open(workspace, create=False) as store:
        return [leader.name for leader in store.leaders(cohort)]


def test_build_writes_aggregates_only(on: Callable[..., Result], workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "norms.yaml"
    result = on("norms", "build", "past", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "norms of 12 leaders on psl-360" in result.stderr
    text = out.read_text()
    assert text.startswith("# leadcheck norms")
    data = yaml.safe_load(text)
    assert data["format"] == norms.FORMAT
    assert data["leaders"] == 12
    assert data["min_leaders"] == norms.MIN_LEADERS
    assert data["source"] == "cohort past"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["created"])
    dims = {d["id"]: d for d in data["dimensions"]}
    assert set(dims) == {d.id for d in load_instrument("psl-360").dimensions}
    first = dims["self-aware"]
    assert first["n"] == 12
    points = [first["percentiles"][f"p{p}"] for p in norms.POINTS]
    assert points == sorted(points)
    assert len(data["items"]) == 48
    for name in leader_names(workspace, "past"):  # no names anywhere
        assert name not in text
    # It reads back to the same figures.
    loaded = norms.load(out)
    assert loaded.dimensions["self-aware"].n == 12
    assert loaded.dimensions["self-aware"].points == pytest.approx(points)


def test_build_writes_json_when_the_file_ends_in_json(on: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "norms.json"
    result = on("norms", "build", "past", "-o", out)
    assert result.exit_code == 0, result.stderr
    data = json.loads(out.read_text())  # JSON, not YAML
    assert data["format"] == norms.FORMAT
    yaml_out = tmp_path / "norms.yaml"
    assert on("norms", "build", "past", "-o", yaml_out).exit_code == 0
    assert norms.load(out).dimensions == norms.load(yaml_out).dimensions  # the same figures either way


def test_build_is_refused_below_the_minimum(on: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "norms.yaml"
    result = on("norms", "build", "small", "-o", out)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: norms need at least {norms.MIN_LEADERS} leaders rated by others; these cohorts have 3. "
        "Add cohorts to the command\n"
    )
    assert not out.exists()


def test_build_errors(on: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "norms.yaml"
    result = on("norms", "build", "nope", "-o", out)
    assert result.exit_code == 1
    assert result.stderr.startswith('error: no cohort "nope" in ')
    out.write_text("keep me")
    result = on("norms", "build", "past", "-o", out)
    assert result.exit_code == 2
    assert result.stderr == f"error: {out}: already exists; add --force to overwrite it\n"
    assert out.read_text() == "keep me"


@pytest.fixture(scope="module")
def norms_file(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nf") / "norms.yaml"
    with Store.open(workspace, create=False) as store:
        built = norms.build_from_store(store, ["past", "small"])
    out.write_text(norms.dump(built))
    return out


def test_report_with_norms_shows_percentiles(
    on: Callable[..., Result], workspace: Path, norms_file: Path, tmp_path: Path
) -> None:
    leader = leader_names(workspace, "small")[0]
    out = tmp_path / "r.pdf"
    result = on("report", leader, "--norms", norms_file, "-o", out)
    assert result.exit_code == 0, result.stderr
    text = squash(pdftotext(out))
    assert "Against the norm group" in text
    assert "Norm group: cohorts past, small (15 leaders; built " in text
    assert re.search(r"(\d+(st|nd|rd|th)|below the 5th|above the 95th) percentile among 15 leaders", text)


def test_report_without_norms_in_a_large_cohort_shows_position_in_it(
    on: Callable[..., Result], workspace: Path, tmp_path: Path
) -> None:
    leader = leader_names(workspace, "past")[0]
    out = tmp_path / "r.html"
    assert on("report", leader, "-o", out).exit_code == 0
    assert "among 12 leaders (this cohort, past)" in out.read_text()
    small = leader_names(workspace, "small")[0]
    assert on("report", small, "-o", out).exit_code == 0
    assert "Against the norm group" not in out.read_text()  # 3 leaders: too few to compare with


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("x: [", "not a readable norms file"),
        ("format: other\n", 'not a leadcheck norms file (no "format: leadcheck-norms/1")'),
        ("- 1\n", 'not a leadcheck norms file (no "format: leadcheck-norms/1")'),
    ],
)
def test_a_bad_norms_file_is_one_clear_error(
    on: Callable[..., Result], workspace: Path, tmp_path: Path, content: str, problem: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    out = tmp_path / "r.pdf"
    result = on("report", leader_names(workspace, "past")[0], "--norms", bad, "-o", out)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {bad}: {problem}")
    assert result.stderr.endswith("build a norms file with `leadcheck norms build COHORT... -o FILE`\n")
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_tampered_norms_are_refused(
    on: Callable[..., Result], workspace: Path, norms_file: Path, tmp_path: Path
) -> None:
    data = yaml.safe_load(norms_file.read_text())
    data["dimensions"][0]["percentiles"]["p50"] = 99
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    result = on("report", leader_names(workspace, "past")[0], "--norms", bad, "-o", tmp_path / "r.pdf")
    assert result.exit_code == 1
    assert "dimensions[1].percentiles should not decrease from p5 to p95" in result.stderr
    data = yaml.safe_load(norms_file.read_text())
    data["instrument"]["id"] = "ses-critical-elements"
    bad.write_text(yaml.safe_dump(data))
    result = on("report", leader_names(workspace, "past")[0], "--norms", bad, "-o", tmp_path / "r.pdf")
    assert result.exit_code == 1
    assert "the norms are for instrument ses-critical-elements, the report is on psl-360" in result.stderr


def test_cohort_report_with_norms(workspace: Path, norms_file: Path, tmp_path: Path) -> None:
    from leadcheck.cohort.run import run_cohort

    with Store.open(workspace, create=False) as store:
        result = run_cohort(store, "small", tmp_path / "out", jobs=1, norms=norms.load(norms_file))
    assert result.ok, result.failed
    leader_pdf = next(p for p in (tmp_path / "out").glob("*.pdf") if p.name != "cohort-summary.pdf")
    assert "percentile among 15 leaders" in squash(pdftotext(leader_pdf))


@given(st.lists(st.floats(1, 5), min_size=norms.MIN_LEADERS, max_size=40), st.floats(0, 6))
def test_percentile_is_monotone_and_bounded(values: list[float], probe: float) -> None:
    entry = norms._entry("x", values)
    p = norms.position(probe, entry.points)
    assert 0 <= p <= 100
    assert norms.position(probe + 0.25, entry.points) >= p
