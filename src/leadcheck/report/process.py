"""How a render process lives: WeasyPrint and its fonts loaded once, and an end with its coordinator.

Both render paths start processes that render PDFs: ``leadcheck report``'s render
process (``report/renderer.py``) and the cohort's worker pool (``cohort/run.py``).
Each runs ``warm_up`` first, so that it loads WeasyPrint before its first report
and never outlives the process that started it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

# How often a worker checks that its coordinator still lives (seconds).
WATCH_SECONDS = 0.5


def warm_up(coordinator: int | None = None, is_parent: bool = False) -> None:
    """Import WeasyPrint and load fonts once per worker, before the first report.

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
    from leadcheck.report.pdf import font_config

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
    import signal

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
