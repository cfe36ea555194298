"""Norms: `norms build`, the file it writes, and percentiles in `report` and `cohort report`."""

from __future__ import annotations

import itertools
import json
import math
import random
import re
from collections.abc import Callable
from fractions import Fraction
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
from leadcheck.report.pipeline import ReportOptions
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
        return [leader.name for leader in store.leaders.every(cohort)]


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
    assert set(first) == {"id", "n", "counts", "mean", "percentiles"}  # no exact figure, no sd
    assert data["mechanism"] == {
        "name": "histogram",
        "epsilon": norms.EPSILON,
        "sensitivity": 2,
        "bin": 0.5,
        "scale": [1, 5],
        "guarantee": "each figure is epsilon-differentially private for each leader's figure",
    }
    assert len(first["counts"]) == 8  # bins of 0.5 over 1..5
    points = [first["percentiles"][f"p{p}"] for p in norms.POINTS]
    assert points == sorted(points)
    assert len(data["items"]) == 48
    for name in leader_names(workspace, "past"):  # no names anywhere
        assert name not in text
    # It reads back to the same figures.
    loaded = norms.load(out)
    assert loaded.dimensions["self-aware"].n == 12
    assert loaded.dimensions["self-aware"].points == pytest.approx(points, abs=1e-4)
    # The noise is drawn from the workspace's key and the figures: built again, the same file.
    again = tmp_path / "again.yaml"
    assert on("norms", "build", "past", "-o", again).exit_code == 0
    assert again.read_text().split("created:")[1] == text.split("created:")[1]


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


def test_a_norms_file_that_cannot_be_written_is_worded_as_any_other_file(
    on: Callable[..., Result], tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-folder" / "norms.yaml"
    result = on("norms", "build", "past", "-o", missing)
    assert result.exit_code == 1
    assert result.stderr == f"error: {missing}: the folder {missing.parent} does not exist\n"
    assert not missing.parent.exists()


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
        ("format: other\n", 'not a leadcheck norms file (no "format: leadcheck-norms/2")'),
        ("- 1\n", 'not a leadcheck norms file (no "format: leadcheck-norms/2")'),
        (
            "format: leadcheck-norms/1\n",
            "made by an older leadcheck (format leadcheck-norms/1), whose exact percentile points can give "
            'leaders\' figures back; it is no longer read. Build it again ("format: leadcheck-norms/2")',
        ),
        ("format: leadcheck-norms/2\nmechanism: {name: bands}\n", '"mechanism" should be histogram with'),
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
    data["dimensions"][0]["counts"][0] += 3  # counts that do not give the percentiles written
    bad.write_text(yaml.safe_dump(data))
    result = on("report", leader_names(workspace, "past")[0], "--norms", bad, "-o", tmp_path / "r.pdf")
    assert result.exit_code == 1
    assert "dimensions[1]: its mean and percentiles should be the ones its counts give" in result.stderr
    data = yaml.safe_load(norms_file.read_text())
    data["instrument"]["id"] = "ses-critical-elements"
    bad.write_text(yaml.safe_dump(data))
    result = on("report", leader_names(workspace, "past")[0], "--norms", bad, "-o", tmp_path / "r.pdf")
    assert result.exit_code == 1
    assert "the norms are for instrument ses-critical-elements, the report is on psl-360" in result.stderr


def test_cohort_report_with_norms(workspace: Path, norms_file: Path, tmp_path: Path) -> None:
    from leadcheck.cohort.run import run_cohort

    with Store.open(workspace, create=False) as store:
        result = run_cohort(
            store, "small", tmp_path / "out", jobs=1, report=ReportOptions(norms=norms.load(norms_file))
        )
    assert result.ok, result.failed
    leader_pdf = next(p for p in (tmp_path / "out").glob("*.pdf") if p.name != "cohort-summary.pdf")
    assert "percentile among 15 leaders" in squash(pdftotext(leader_pdf))


@given(
    st.lists(st.floats(1, 5), min_size=norms.MIN_LEADERS, max_size=40), st.floats(0, 6), st.integers(0, 99)
)
def test_percentile_is_monotone_and_bounded(values: list[float], probe: float, seed: int) -> None:
    entry = norms._entry("x", values, 1, 5, random.Random(seed))
    p = norms.position(probe, entry.points)
    assert 0 <= p <= 100
    assert norms.position(probe + 0.25, entry.points) >= p


def _output_probability(count: int, out: int) -> float:
    """P(the mechanism publishes ``out`` for a bin holding ``count`` leaders): noise, then clipping at 0."""
    if out > 0:
        return norms.noise_probability(out - count)
    return math.fsum(norms.noise_probability(z) for z in range(-count - 400, -count + 1))


def _worst_ratio(first: list[int], second: list[int]) -> float:
    """The largest P(output | first) / P(output | second) over every output of the bins where the two
    histograms differ (the others give the same factor to both), by brute force."""
    differ = [i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b]
    worst = 1.0
    top = max(first + second) + 12
    for outs in itertools.product(range(top), repeat=len(differ)):
        p = math.prod(_output_probability(first[i], o) for i, o in zip(differ, outs, strict=True))
        q = math.prod(_output_probability(second[i], o) for i, o in zip(differ, outs, strict=True))
        worst = max(worst, p / q)
    return worst


def test_no_late_rating_and_no_figure_can_be_told_from_two_files() -> None:
    """Two norms files built before and after a late rater (or on cohorts that differ in one leader's
    figure): for every pair of worlds a reader could tell apart only by that rating, every possible pair
    of files is at most e^EPSILON times likelier in one than in the other, even for a reader who knows
    every other leader's figure and every earlier rating. Brute force over a leader with 3 raters and
    one late rater on a 1-5 scale, among 9 other leaders; the other files' noise is independent."""
    others = [Fraction(v, 4) for v in (12, 13, 14, 14, 15, 16, 16, 17, 18)]
    bound = math.exp(norms.EPSILON) * (1 + 1e-9)
    seen = set()
    for earlier in itertools.product(range(1, 6), repeat=3):
        for late, other_late in itertools.permutations(range(1, 6), 2):
            after = norms.histogram([*others, Fraction(sum(earlier) + late, 4)], 1, 5)
            instead = norms.histogram([*others, Fraction(sum(earlier) + other_late, 4)], 1, 5)
            key = (tuple(after), tuple(instead))
            if key in seen:
                continue
            seen.add(key)
            # The file before the late rater is the same draw in both worlds: only the second differs.
            assert _worst_ratio(after, instead) <= bound, (earlier, late, other_late)
    # Any one leader's figure anywhere else on the scale: the same bound.
    for x, y in itertools.combinations(range(4, 21), 2):
        first = norms.histogram([*others, Fraction(x, 4)], 1, 5)
        second = norms.histogram([*others, Fraction(y, 4)], 1, 5)
        assert _worst_ratio(first, second) <= bound and _worst_ratio(second, first) <= bound


def test_the_noise_is_the_documented_two_sided_geometric() -> None:
    rng = random.Random(7)
    draws = [norms.noise(rng) for _ in range(40_000)]
    for z in range(-3, 4):
        assert draws.count(z) / len(draws) == pytest.approx(norms.noise_probability(z), abs=0.01)
    assert math.fsum(norms.noise_probability(z) for z in range(-200, 201)) == pytest.approx(1.0)


def _order_statistics(points: tuple[float, ...], n: int) -> list[float]:
    """The n order statistics exact (type 7) percentile points were made from, solved for by least
    squares (the normal equations, by Gaussian elimination): the reader's attack on a norms file."""
    rows = []
    for p in norms.POINTS:
        h = (n - 1) * p / 100
        lo = math.floor(h)
        row = [0.0] * n
        row[lo] += 1 - (h - lo)
        row[min(lo + 1, n - 1)] += h - lo
        rows.append(row)
    a = [[math.fsum(r[i] * r[j] for r in rows) for j in range(n)] for i in range(n)]
    b = [math.fsum(r[i] * v for r, v in zip(rows, points, strict=True)) for i in range(n)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda k: abs(a[k][col]))
        a[col], a[pivot], b[col], b[pivot] = a[pivot], a[col], b[pivot], b[col]
        for k in range(n):
            if k != col and a[col][col]:
                f = a[k][col] / a[col][col]
                a[k] = [x - f * y for x, y in zip(a[k], a[col], strict=True)]
                b[k] -= f * b[col]
    return [b[i] / a[i][i] for i in range(n)]


def test_the_demo_norms_no_longer_give_back_the_leaders_figures(workspace: Path) -> None:
    """The attack that worked on exact norms: with 12 leaders, the points p5..p95 are exact mixes of
    the 12 order statistics, solved for all of them. Solved the same way now, they miss the figures."""
    from leadcheck.scorecards import score_assessment

    with Store.open(workspace, create=False) as store:
        built = norms.build_from_store(store, ["past"])
        actual = sorted(
            d.others.mean
            for a in store.assessments.current_in_cohort("past", "psl-360")
            for d in score_assessment(store, a).dimensions
            if d.dimension.id == "self-aware" and d.others.mean is not None
        )
        own = norms.cohort_norms(store, "past", "psl-360")
    entry = built.dimensions["self-aware"]
    assert len(actual) == 12
    exact_points = tuple(norms.quantile(actual, p) for p in norms.POINTS)  # what format 1 published
    assert _order_statistics(exact_points, 12) == pytest.approx(actual, abs=1e-9)  # 12 of 12 given back
    recovered = _order_statistics(entry.points, 12)
    assert sum(abs(r - a) < 0.01 for r, a in zip(recovered, actual, strict=True)) <= 4
    assert sum(entry.counts) != 0 and len(entry.counts) == 8
    # A report's cohort position is built by the same mechanism, from the same draw for the same figures.
    assert own is not None and own.dimensions == built.dimensions
