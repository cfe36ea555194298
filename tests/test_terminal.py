"""`assess` and `rate` on a real pseudo-terminal, keys sent one at a time as a person types them.

Each test starts `python -m leadcheck` in its own session with a pty as its
controlling terminal (so Ctrl-C is a real SIGINT and keys arrive without
Enter), waits for what a person would wait for on the screen, then types.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadcheck.store import SELF_IDENTITY, Store

from .conftest import MINI_360

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
TIMEOUT = 30.0  # generous: the machine may be busy; a pass never waits this long


class Terminal:
    """One leadcheck command on a pseudo-terminal: send keys, expect text, wait for the exit code."""

    def __init__(
        self, args: list[str], db: Path, columns: int = 100, env: dict[str, str] | None = None
    ) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        self.initial = termios.tcgetattr(slave)
        environment = {
            k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "LEADCHECK_DB", "COLUMNS")
        }
        environment.update({"TERM": "xterm-256color", "LEADCHECK_DB": str(db)}, **(env or {}))

        def controlling_terminal() -> None:  # runs in the child, after setsid
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "leadcheck", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=environment,
            start_new_session=True,
            preexec_fn=controlling_terminal,
        )
        self.master, self.slave = master, slave
        self.raw = ""
        self.seen = 0  # how much of the screen's text earlier expects consumed

    @property
    def text(self) -> str:
        """Everything printed so far, without colour codes, with plain newlines."""
        return ANSI.sub("", self.raw).replace("\r\n", "\n")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the child closed the terminal
            return False
        self.raw += chunk.decode("utf-8", errors="replace")
        return bool(chunk)

    def expect(self, wanted: str) -> str:
        """Wait until ``wanted`` appears after what earlier expects saw; return the text up to it."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            text = self.text
            at = text.find(wanted, self.seen)
            if at >= 0:
                before = text[self.seen : at + len(wanted)]
                self.seen = at + len(wanted)
                return before
            if time.monotonic() > deadline or (not self._read(0.2) and self.proc.poll() is not None):
                raise AssertionError(f"{wanted!r} did not appear; the screen ends with:\n{text[-1500:]}")

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode("utf-8"))

    def wait(self) -> int:
        """The exit code, once the command has printed everything."""
        code = self.proc.wait(timeout=TIMEOUT)
        while self._read(0.1):
            pass
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[type[Terminal]]:
    opened: list[Terminal] = []

    class Opened(Terminal):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            opened.append(self)

    yield Opened
    for t in opened:
        t.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "w.db"


def self_response(db: Path) -> tuple[dict[str, int | None], dict[str, str], str]:
    with Store.open(db, create=False) as store:
        assessment = store.assessments.current(store.leaders.get("Ana"))
        resp = store.responses.by_id(store.responses.open(assessment, "self", SELF_IDENTITY))
        return dict(resp.answers), dict(resp.comments), resp.submitted_at


def item(n: int) -> str:
    return f"{n}/4 "


def assess(terminal: type[Terminal], db: Path, *extra: str) -> Terminal:
    return terminal(["assess", "Ana", "-i", str(MINI_360), *extra], db)


def test_a_first_self_assessment_start_to_finish(terminal: type[Terminal], db: Path) -> None:
    t = assess(terminal, db)
    t.expect("Press one key for each (no Enter needed)")
    t.expect(item(1))
    t.expect("n I can't judge this")
    t.send("4")  # one key, no Enter
    t.expect("4 Often")
    t.expect(item(2))
    t.send("2")
    t.expect(item(3))
    t.send("\x1b[D")  # the left arrow goes back
    t.expect("Current answer: 2 Rarely")
    t.send("1")
    t.expect(item(3))
    t.send("5")
    t.expect(item(4))
    t.send("n")
    t.expect("> I can't judge this")
    t.expect("1/1 What should I keep doing?")
    t.send("b\r")  # back from the first question to the last item
    t.expect("back to the last item")
    t.expect(item(4))
    t.send("3")
    t.expect("1/1 What should I keep doing?")
    t.send("Listening\r")
    t.expect("Your self-assessment")
    steps = t.expect("report Ana -o ana.pdf")
    assert "Next steps" in steps and "rate Ana --as peer" in steps and "form Ana --as peer" in steps
    assert t.wait() == 0
    assert self_response(db) == (
        {"l-1": 4, "l-2": 1, "d-1": 5, "f-1": 3},
        {"keep": "Listening"},
        self_response(db)[2],
    )
    assert self_response(db)[2]  # submitted
    # Single-key mode is switched off again: the terminal echoes and reads lines as before.
    assert termios.tcgetattr(t.slave)[3] == t.initial[3]


def test_quit_and_resume_then_review_a_finished_one(terminal: type[Terminal], db: Path) -> None:
    t = assess(terminal, db)
    t.expect(item(1))
    t.send("4")
    t.expect(item(2))
    t.send("q")
    t.expect("Saved 1 answer. Run the same command again to resume.")
    assert t.wait() == 0

    t = assess(terminal, db)
    t.expect("Resuming: 1 of 4 answered.")
    t.expect(item(2))
    t.send("253")
    t.expect("1/1 What should I keep doing?")
    t.send("Listening\r")
    t.expect("Next steps")
    assert t.wait() == 0

    t = assess(terminal, db)
    t.expect("This is finished: all 4 items answered")
    t.expect("Current answer (Enter keeps it): 4 Often")
    t.send("\r")  # Enter keeps it
    t.expect("kept: 4 Often")
    t.expect("Current answer (Enter keeps it): 2 Rarely")
    t.send("1")
    t.expect(item(3))
    t.send("\r")
    t.expect(item(4))
    t.send("\r")
    t.expect("Current answer (Enter keeps it, - clears it): Listening")
    t.send("-\r")  # clears the open answer
    t.expect("cleared")
    t.expect("Next steps")
    assert t.wait() == 0
    answers, comments, submitted = self_response(db)
    assert answers == {"l-1": 4, "l-2": 1, "d-1": 5, "f-1": 3}
    assert comments == {}
    assert submitted


def test_ctrl_c_and_ctrl_d_keep_every_answer(terminal: type[Terminal], db: Path) -> None:
    t = assess(terminal, db)
    t.expect(item(1))
    t.send("4")
    t.expect(item(2))
    t.send("\x03")  # Ctrl-C: the terminal sends SIGINT
    t.expect("Interrupted. Saved 1 answer.")
    assert t.wait() == 130
    assert termios.tcgetattr(t.slave)[3] == t.initial[3]

    t = assess(terminal, db)
    t.expect(item(2))
    t.send("5\x04")  # Ctrl-D ends the input
    t.expect("The input ended. Saved 2 answers.")
    assert t.wait() == 1
    assert self_response(db)[0] == {"l-1": 4, "l-2": 5}


def test_a_rater_in_a_terminal_goes_back_and_reviews(terminal: type[Terminal], db: Path) -> None:
    t = assess(terminal, db)
    t.expect(item(1))
    t.send("q")
    assert t.wait() == 0

    rate = ["rate", "Ana", "--as", "peer", "--rater", "tok-1"]
    t = terminal(rate, db)
    t.expect("They listen.")
    t.expect("n Not observed")  # raters keep the instrument's wording
    t.send("54")
    t.expect(item(3))
    t.send("b")
    t.expect("Current answer: 4 Often")
    t.send("3")
    t.expect(item(3))
    t.send("?")
    t.expect("s  skip: move on and leave this item as it is")
    t.send("32")
    t.expect("1/2 What should they keep doing?")
    t.send("Calm\r")
    t.expect("2/2 What do peers see?")
    t.send("b\r")
    t.expect("Current answer (Enter keeps it, - clears it): Calm")
    t.send("\r")
    t.expect("2/2 What do peers see?")
    t.send("\r")
    t.expect("To review or change them later:")
    assert t.wait() == 0

    t = terminal(rate, db)
    t.expect("This is finished: all 4 items answered")
    t.send("\r\r1")
    t.expect(item(4))
    t.send("q")
    assert t.wait() == 0
    with Store.open(db, create=False) as store:
        [peer] = [
            r
            for r in store.responses.of_assessment(store.assessments.current(store.leaders.get("Ana")))
            if r.group == "peer"
        ]
    assert dict(peer.answers) == {"l-1": 5, "l-2": 3, "d-1": 1, "f-1": 2}
    assert dict(peer.comments) == {"keep": "Calm"}


def test_no_color_on_a_terminal(terminal: type[Terminal], db: Path) -> None:
    t = terminal(["assess", "Ana", "-i", str(MINI_360)], db, env={"NO_COLOR": "1"})
    t.expect(item(1))
    t.send("q")
    assert t.wait() == 0
    assert t.raw.count("\x1b[") > 0  # still a terminal: bold and dim stay, as NO_COLOR allows
    assert colours(t.raw) == set()


def colours(raw: str) -> set[str]:
    """The colour parameters of the SGR sequences in ``raw`` (30-49 and 90-107; not bold, dim, ...)."""
    found: set[str] = set()
    for params in re.findall(r"\x1b\[([0-9;]*)m", raw):
        for p in params.split(";"):
            if p.isdigit() and (30 <= int(p) <= 49 or 90 <= int(p) <= 107):
                found.add(p)
    return found
