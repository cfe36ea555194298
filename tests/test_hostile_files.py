"""Files leadcheck writes and reads from other people: formula-safe, clear errors, nothing lost."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from leadcheck.base.atomic import write_atomic
from leadcheck.base.responses import IncomingResponse
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
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
        add_responses(
            store,
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
        (leader,) = store.leaders.every()
        assert leader.name == "=cmd|' /C calc'!A0"
        assert leader.cohort == "@c"
        assessment = store.assessments.current(leader)
        assert assessment.instrument_version == '=HYPERLINK("http://x.example","y")'
        comments = sorted(r.comments["keep"] for r in store.responses.of_assessment(assessment))
        assert comments == ["+1+1", "-x"]


# -- writing files: nothing half-written left behind, permissions kept ---------------------------

WRITER = """
import sys, time
from pathlib import Path
from leadcheck.base.atomic import atomic_open
from leadcheck.cli import _stop_cleanly_on_sigterm
_stop_cleanly_on_sigterm()
with atomic_open(Path(sys.argv[1]), "wb") as out:
    out.write(b"x" * 1_000_000)
    out.flush()
    print("writing", flush=True)
    time.sleep(600)
"""


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_writer_leaves_nothing_for_long(tmp_path: Path, how: signal.Signals) -> None:
    target = tmp_path / "backup.json"
    target.write_text("the old backup")
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True
    ) as writer:
        assert writer.stdout is not None
        assert writer.stdout.readline() == "writing\n"
        writer.send_signal(how)
        writer.wait(timeout=60)
    assert target.read_text() == "the old backup"
    # kill -9 cannot be caught: its temporary file stays until the next write in that folder
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert len(leftovers) == (1 if how == signal.SIGKILL else 0)
    write_atomic(tmp_path / "other.pdf", b"%PDF-1.7")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.json", "other.pdf"]


def test_the_cli_ends_cleanly_on_sigterm(tmp_path: Path) -> None:
    target = tmp_path / "out.yaml"
    script = (
        "import os, signal, sys\n"
        "from leadcheck.cli import _stop_cleanly_on_sigterm\n"
        "from leadcheck.base.atomic import atomic_open\n"
        "from pathlib import Path\n"
        "_stop_cleanly_on_sigterm()\n"
        "with atomic_open(Path(sys.argv[1]), 'wb') as out:\n"
        "    out.write(b'half')\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, check=False)
    assert done.returncode == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


def test_new_files_follow_the_umask_and_replaced_files_keep_their_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.pdf", b"1")
        assert stat.S_IMODE((tmp_path / "new.pdf").stat().st_mode) == 0o644
        os.umask(0o077)
        write_atomic(tmp_path / "private.pdf", b"1")
        assert stat.S_IMODE((tmp_path / "private.pdf").stat().st_mode) == 0o600
    finally:
        os.umask(old)
    shared = tmp_path / "shared.pdf"
    shared.write_bytes(b"old")
    shared.chmod(0o664)
    write_atomic(shared, b"new")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    (tmp_path / "link.pdf").symlink_to("shared.pdf")
    shared.chmod(0o640)
    write_atomic(tmp_path / "link.pdf", b"newer")
    assert (tmp_path / "link.pdf").is_symlink()
    assert shared.read_bytes() == b"newer"
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640
