"""Cohort runs on failing machines: a render worker killed mid-run, the coordinator killed with -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from leadcheck.cohort.files import SUMMARY
from leadcheck.cohort.run import WORKER_DIED, run_cohort
from leadcheck.demo import DEMO_COHORT, demo_leaders, demo_responses
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.releases import published
from leadcheck.report import render as report_render
from leadcheck.report.formats import RenderTask
from leadcheck.report.pipeline import ReportOptions
from leadcheck.scorecards import score_latest
from leadcheck.store import Store

LEADERS = 4


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cohort") / "w.db"
    inst = load_instrument("psl-360")
    with Store.open(db) as store:
        add_responses(store, demo_responses(inst, demo_leaders(LEADERS, 11), 11), inst)
    return db


def arrive(marker: str, times: int, task: RenderTask) -> RenderTask:
    """Unpickled in the render worker: kill that worker the first ``times`` times (counted in
    ``marker``'s size), as the out-of-memory killer would; then hand over the task."""
    path = Path(marker)
    with path.open("ab") as f:
        f.write(b".")
    if path.stat().st_size <= times:
        os.kill(os.getpid(), signal.SIGKILL)
    return task


class Deadly(RenderTask):
    """A task whose arrival in a worker kills it (see ``arrive``)."""

    marker: str = ""
    times: int = 0

    def __reduce__(self) -> tuple[Any, ...]:
        plain = RenderTask(self.key, self.view, self.entry, self.bundle, self.format)
        return (arrive, (self.marker, self.times, plain))


def deadly_for(victim: str, marker: Path, times: int) -> Any:
    def make(key: str, view: Any, entry: str, bundle: Any, fmt: str) -> RenderTask:
        if getattr(view, "leader", None) != victim:
            return RenderTask(key, view, entry, bundle, fmt)
        task = Deadly(key, view, entry, bundle, fmt)
        object.__setattr__(task, "marker", str(marker))
        object.__setattr__(task, "times", times)
        return task

    return make


@pytest.mark.slow
@pytest.mark.parametrize("times", [1, 99])
def test_a_killed_worker_costs_at_most_its_own_leader(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, times: int
) -> None:
    victim = demo_leaders(LEADERS, 11)[1].name
    monkeypatch.setattr(report_render, "RenderTask", deadly_for(victim, tmp_path / "kills", times))
    with Store.open(workspace) as store:
        result = run_cohort(store, DEMO_COHORT, tmp_path / "out", jobs=2)
    pdfs = {p.name for p in (tmp_path / "out").glob("*.pdf")}
    assert SUMMARY in pdfs
    if times == 1:  # killed once, then rendered in a fresh worker
        assert result.ok, result.failed
        assert len(pdfs) == LEADERS + 1
    else:  # killed every time: tried twice, then listed as failed; the rest of the batch is done
        assert result.failed == [(victim, WORKER_DIED)]
        assert len(pdfs) == LEADERS
        assert (tmp_path / "kills").stat().st_size == 2


@pytest.mark.slow
def test_a_report_over_its_template_budget_fails_alone(workspace: Path, tmp_path: Path) -> None:
    victim = demo_leaders(LEADERS, 11)[2].name
    custom = tmp_path / "tpl"
    custom.mkdir()
    (custom / "report.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block extra_sections %}{% if r.leader == "' + victim + '" %}'
        "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
        "{% endif %}{% endblock %}"
    )
    victims_releases = (
        "SELECT r.kind, r.file_digest FROM releases r JOIN assessments a ON a.id = r.assessment_id "
        "JOIN leaders l ON l.id = a.leader_id WHERE l.name = ? ORDER BY r.id"
    )
    with Store.open(workspace) as store:  # the module's workspace: other tests released reports before
        before = len(store.conn.execute(victims_releases, (victim,)).fetchall())
    started = time.monotonic()
    with Store.open(workspace) as store:
        result = run_cohort(
            store,
            DEMO_COHORT,
            tmp_path / "out",
            jobs=2,
            report=ReportOptions(template_dir=custom, draft=True),
        )
    assert time.monotonic() - started < 300  # generous: hours without the budget
    # Whichever budget a loaded machine reaches first, steps or seconds, is the one named.
    over = {
        "it took more than 2,000,000 steps (loop iterations, calls and filters)",
        "it ran for more than 10 s",
    }
    assert [leader for leader, _ in result.failed] == [victim]
    assert result.failed[0][1] in {
        "template report.html.j2 (or a template it includes) went over its budget: "
        f"{what}; a report template must stay within its budgets (README, Custom templates: budgets); "
        "simplify its loops, widths and repetitions"
        for what in over
    }
    pdfs = {p.name for p in (tmp_path / "out").glob("*.pdf")}
    assert len(pdfs) == LEADERS  # the other three and the summary
    assert SUMMARY in pdfs
    # The failed leader's figures are in the cohort summary all the same: recorded, without a file.
    # (A repeat of figures already recorded adds no row: the module's workspace may have them already.)
    with Store.open(workspace) as store:
        kinds = store.conn.execute(victims_releases, (victim,)).fetchall()[before:]
        card = score_latest(store, store.leaders.get(victim)).card
        figures = json.dumps(published(card), separators=(",", ":"), sort_keys=True)
        assert store.conn.execute("SELECT 1 FROM releases WHERE figures = ?", (figures,)).fetchone()
    assert all(tuple(k) == ("draft", "") for k in kinds)


@pytest.mark.slow
def test_a_summary_over_its_template_budget_fails_alone(workspace: Path, tmp_path: Path) -> None:
    custom = tmp_path / "tpl"
    custom.mkdir()
    (custom / "cohort.html.j2").write_text("{{ 'x' | center(999999999) }}")
    with Store.open(workspace) as store:
        result = run_cohort(
            store,
            DEMO_COHORT,
            tmp_path / "out",
            jobs=1,
            report=ReportOptions(template_dir=custom, draft=True),
        )
    assert result.failed == [
        (
            "the cohort summary",
            "template cohort.html.j2 (or a template it includes) went over its budget: it asked for a width "
            "of 999,999,999 (at most 1,000); a report template must stay within its budgets (README, Custom "
            "templates: budgets); simplify its loops, widths and repetitions",
        )
    ]
    assert result.summary is None
    pdfs = {p.name for p in (tmp_path / "out").glob("*.pdf")}
    assert len(pdfs) == LEADERS and SUMMARY not in pdfs


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.slow
@pytest.mark.skipif(
    not Path(f"/proc/self/task/{os.getpid()}/children").exists(),
    reason="needs Linux /proc/PID/task/TID/children",
)
def test_killing_the_coordinator_leaves_no_process_behind(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    coordinator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "leadcheck",
            "--db",
            str(workspace),
            "cohort",
            "report",
            DEMO_COHORT,
            "-o",
            str(out),
            "-j",
            "2",
            "--force",
            "--quiet",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 3:  # the forkserver and two workers
        workers = descendants(coordinator.pid)
        time.sleep(0.1)
    assert len(workers) >= 3, "the render workers never started"
    time.sleep(1.0)  # mid-run
    workers = descendants(coordinator.pid)
    coordinator.send_signal(signal.SIGKILL)
    coordinator.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(running(p) for p in workers):
        time.sleep(0.2)
    left = [p for p in workers if running(p)]
    for pid in left:  # do not leave them to the next test either
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{len(left)} processes outlived the coordinator"


@pytest.mark.slow
@pytest.mark.skipif(
    not Path(f"/proc/self/task/{os.getpid()}/children").exists(),
    reason="needs Linux /proc/PID/task/TID/children",
)
def test_killing_the_coordinator_ends_its_workers_while_its_output_is_read(
    workspace: Path, tmp_path: Path
) -> None:
    """Another program holds the coordinator's output open and has not reaped it (it waits for the
    end of the pipe first): the coordinator lingers as a zombie, and the workers must still end."""
    out = tmp_path / "out"
    options = ["-o", str(out), "-j", "2", "--force", "--quiet"]
    coordinator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "leadcheck",
            "--db",
            str(workspace),
            "cohort",
            "report",
            DEMO_COHORT,
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 3:  # the forkserver and two workers
            workers = descendants(coordinator.pid)
            time.sleep(0.1)
        assert len(workers) >= 3, "the render workers never started"
        time.sleep(1.0)  # mid-run
        workers = descendants(coordinator.pid)
        os.kill(coordinator.pid, signal.SIGKILL)  # not reaped: the pipe is still open on this side
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(running(p) for p in workers):
            time.sleep(0.2)
        left = [p for p in workers if running(p)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"{len(left)} processes outlived the coordinator"
        # And the reader sees the end of the output: nothing else holds the pipe.
        assert coordinator.stdout is not None
        assert coordinator.stdout.read() == b""
    finally:
        coordinator.kill()
        coordinator.communicate()
