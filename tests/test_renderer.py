"""The render process started ahead (leadcheck.pdf.process): the same PDF, and nothing left behind.

`leadcheck report` forks a process that loads WeasyPrint while the scorecard is
made. Whatever happens to that process (it renders, fails, dies, is not needed),
the user gets the report or one clear error, and no process outlives the command.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path

import pypdf
import pytest
from typer.testing import Result

from leadcheck.base.errors import ReportError
from leadcheck.base.responses import Response
from leadcheck.demo import demo_leaders, demo_responses
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.pdf import process as renderer_module
from leadcheck.pdf.process import Renderer
from leadcheck.report.formats import RenderTask, render_task
from leadcheck.report.render import report_task
from leadcheck.scoring import Scorecard, score
from leadcheck.store import Store

from .conftest import pdftotext

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the render process is forked"
)


@pytest.fixture(scope="module")
def card() -> Scorecard:
    inst = load_instrument("psl-360")
    incoming = demo_responses(inst, demo_leaders(1, 4), 4)
    return score(inst, [Response(r.group, r.answers, r.comments) for r in incoming], "Ana Ruiz")


def document(card: Scorecard) -> RenderTask:
    """The report's render task (its view model and bundle): what the render process is handed."""
    return report_task("report.pdf", card)


def text_of(pdf: bytes) -> str:
    return " ".join(pdftotext(pdf).split())


def test_the_process_ahead_renders_what_this_one_would(card: Scorecard) -> None:
    here = Renderer(ahead=False).run(render_task, document(card))
    with Renderer(ahead=True) as ahead:
        assert ahead.process is not None and ahead.process.pid != os.getpid()
        there = ahead.run(render_task, document(card))
    assert ahead.process is None
    assert text_of(there.data) == text_of(here.data)
    assert len(pypdf.PdfReader(io.BytesIO(there.data)).pages) == len(
        pypdf.PdfReader(io.BytesIO(here.data)).pages
    )
    assert there.missing_scripts == here.missing_scripts


def test_a_render_process_that_died_is_replaced_by_this_one(card: Scorecard) -> None:
    with Renderer(ahead=True) as ahead:
        os.kill(ahead.process.pid, signal.SIGKILL)
        ahead.process.join()
        done = ahead.run(render_task, document(card))
    assert pdftotext(done.data).strip()
    assert multiprocessing.active_children() == []


def test_a_rendering_error_in_the_render_process_is_the_same_clear_error(card: Scorecard) -> None:
    """WeasyPrint failing there is a ReportError here, worded as in this process, quoting no text."""
    # A name that cannot even be encoded: fails in both processes alike.
    poison = report_task("report.pdf", replace(card, leader="\ud800 lone surrogate"))
    with pytest.raises(ReportError) as here:
        Renderer(ahead=False).run(render_task, poison)
    with Renderer(ahead=True) as ahead, pytest.raises(ReportError) as there:
        ahead.run(render_task, poison)
    assert str(there.value) == str(here.value)
    assert "lone surrogate" not in str(there.value)
    assert multiprocessing.active_children() == []


def test_a_render_process_not_needed_is_ended_at_once() -> None:
    with Renderer(ahead=True) as ahead:
        process = ahead.process
        assert process.is_alive()
    assert not process.is_alive() and multiprocessing.active_children() == []


def test_no_process_where_forking_is_not_worth_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert renderer_module.worth_forking() is False
    assert Renderer(ahead=False).process is None


@pytest.fixture
def demo_db(db: Path) -> Path:
    inst = load_instrument("psl-360")
    with Store.open(db) as store:
        add_responses(store, demo_responses(inst, demo_leaders(2, 6), 6), inst)
    return db


def test_report_through_the_process_ahead_and_without_it_reads_the_same(
    run: Callable[..., Result], demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(demo_db) as store:
        name = store.leaders.every()[0].name
    monkeypatch.setattr(renderer_module, "worth_forking", lambda: True)
    ahead = run("report", name, "-o", str(tmp_path / "a.pdf"), "--draft")
    assert ahead.exit_code == 0, ahead.stderr
    monkeypatch.setattr(renderer_module, "worth_forking", lambda: False)
    here = run("report", name, "-o", str(tmp_path / "b.pdf"), "--draft")
    assert here.exit_code == 0, here.stderr
    assert text_of((tmp_path / "a.pdf").read_bytes()) == text_of((tmp_path / "b.pdf").read_bytes())
    assert multiprocessing.active_children() == []


def test_an_error_before_rendering_leaves_no_process(
    run: Callable[..., Result], demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(renderer_module, "worth_forking", lambda: True)
    result = run("report", "Nobody At All", "-o", str(tmp_path / "a.pdf"))
    assert result.exit_code != 0 and "Traceback" not in result.stderr
    assert not (tmp_path / "a.pdf").exists()
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("value", ["off", "0", "no", " OFF "])
def test_render_ahead_can_be_turned_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LEADCHECK_RENDER_AHEAD", value)
    assert renderer_module.worth_forking() is False


def _coordinator(report_pid: Connection) -> None:
    """A command that starts a render process, says its pid, and is then killed (see the test)."""
    renderer = Renderer(ahead=True)
    report_pid.send(renderer.process.pid)
    time.sleep(60)


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # exited, waiting only to be reaped by whoever adopted it


def test_a_render_process_ends_when_its_command_is_killed() -> None:
    """kill -9 of the command, not yet reaped by its shell (a zombie whose pid still answers):
    the render process notices it was handed to another parent and ends."""
    ours, theirs = multiprocessing.Pipe()
    command = multiprocessing.get_context("fork").Process(target=_coordinator, args=(theirs,))
    command.start()
    child = ours.recv()
    os.kill(command.pid, signal.SIGKILL)  # and not joined: it stays a zombie meanwhile
    deadline = time.monotonic() + 10
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(child)
    command.join()
