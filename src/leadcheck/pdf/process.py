"""Rendering in a process of its own: started ahead of need for one document, or warm pool workers.

Of the three seconds a report takes, about one goes to importing WeasyPrint and
loading fonts, and about half a second to leadcheck's own work (reading the
workspace, scoring, the cohort position, templating). They do not depend on
each other, so on a machine with more than one processor ``leadcheck report``
forks a render process first (before the workspace is opened), lets it load
WeasyPrint while the scorecard is made, then hands it the task (a view model:
plain data) and gets the document back: the report is written that much
sooner (docs/performance.md). The work done is the same, only overlapped.

The render process never touches the workspace. If it cannot start or dies,
the task runs in this process instead, as on a single processor or where fork
is not available (macOS, Windows). Pool workers (``leadcheck cohort report``)
warm up the same way and end with the process that started them.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from leadcheck.base.errors import ReportError

T = TypeVar("T")
R = TypeVar("R")


def worth_forking() -> bool:
    """Fork is available, this process may run on more than one processor, and
    ``LEADCHECK_RENDER_AHEAD`` is not ``off`` (one process at a time, for a tight memory limit)."""
    if os.environ.get("LEADCHECK_RENDER_AHEAD", "").strip().lower() in ("off", "0", "no"):
        return False
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    try:
        return len(os.sched_getaffinity(0)) > 1
    except AttributeError:  # no affinity on this platform
        return (os.cpu_count() or 1) > 1


# How often a worker checks that its coordinator still lives (seconds).
WATCH_SECONDS = 0.5


def warm_up(coordinator: int | None = None, is_parent: bool = False) -> None:
    """Import WeasyPrint and load fonts once per worker, before the first document.

    With ``coordinator`` (its process id), the worker also exits on its own as soon
    as the coordinator is gone (killed with -9, say): its parent is the forkserver,
    not the coordinator, so nothing else would end it, and a worker blocked on a
    dead pipe would wait forever, keeping the forkserver and resource tracker alive.
    ``is_parent``: the coordinator forked this process itself, so its death shows at once as a
    new parent, even while its pid lingers unreaped.
    """
    die_with_parent()
    if coordinator is not None:
        threading.Thread(
            target=_exit_with, args=(coordinator, is_parent), name="leadcheck-watch", daemon=True
        ).start()
    from leadcheck.pdf.render import font_config

    font_config()


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> None:
    """On Linux, have the kernel kill this process the moment its parent dies (PR_SET_PDEATHSIG).

    A pool worker's parent is the forkserver, which exits when the coordinator does; the render
    process's parent is the coordinator itself. Unlike the watch thread, this holds whoever keeps
    the coordinator unreaped: a program reading its output waits for the end of the pipe before it
    reaps, and the pipe ends only when every process holding it is gone. Elsewhere the watch
    thread alone ends the worker.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took hold
        os._exit(1)


def _exit_with(coordinator: int, is_parent: bool) -> None:
    # Forked by the coordinator itself (report's render process), the worker is handed to another
    # parent the moment the coordinator dies, even while its pid lingers unreaped as a zombie.
    while _alive(coordinator) and not (is_parent and os.getppid() != coordinator):
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's: the pid was reused, so ours is gone
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """The process has ended and waits to be reaped (Linux /proc; False where it cannot be told)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state in (b"Z", b"X")


def _serve(conn: Connection, coordinator: int) -> None:
    """The render process: warm up, run the one task sent, send back its result (or the error)."""
    # Ctrl-C reaches the whole process group: the coordinator decides, and ends this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # What was inherited (the command line's modules) lives as long as this short process: the
    # collector need not walk it again on every collection during layout.
    gc.freeze()
    warm_up(coordinator, is_parent=True)
    try:
        work, task = conn.recv()
    except (EOFError, OSError):
        return  # the coordinator needed no PDF after all
    try:
        reply: tuple[str, Any] = ("ok", work(task))
    except ReportError as e:
        reply = ("error", str(e))
    except Exception as e:  # say which kind only: a message may quote the report's text
        reply = ("error", f"PDF rendering failed: {type(e).__name__}")
    conn.send(reply)


class Renderer:
    """One task run in a process started early, or in this one. Use as a context manager."""

    def __init__(self, ahead: bool) -> None:
        self.process: Any = None
        self.conn: Connection | None = None
        self.answered = False  # the render process sent its result and is ending by itself
        if ahead:
            self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        # What this process has buffered but not written would be written twice, once by the copy.
        sys.stdout.flush()
        sys.stderr.flush()
        ours, theirs = context.Pipe()
        try:
            process = context.Process(
                target=_serve, args=(theirs, os.getpid()), daemon=True, name="leadcheck-render"
            )
            process.start()
        except OSError:  # no processes left, no memory to fork: render here
            ours.close()
            return
        finally:
            theirs.close()
        self.process, self.conn = process, ours

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, work: Callable[[T], R], task: T) -> R:
        """``work(task)``: in the process started ahead when it is there and alive, else here.

        ``work`` is a top-level function (sent by name); ``task`` and the result are plain data.
        """
        if self.conn is not None:
            try:
                self.conn.send((work, task))
                status, value = self.conn.recv()
            except (EOFError, OSError):  # it died (killed, out of memory): render here instead
                self.close()
            else:
                self.answered = True
                if status == "error":
                    raise ReportError(value)
                return value  # type: ignore[no-any-return]
        return work(task)

    def close(self) -> None:
        """End the render process (at once, if it is still loading) and wait for it."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.process is not None:
            if self.answered:
                self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.terminate()  # still loading WeasyPrint, or stuck: not needed any more
            self.process.join()
            self.process = None
