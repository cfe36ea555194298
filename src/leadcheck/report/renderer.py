"""A PDF renderer started ahead of need: WeasyPrint loads in a second process while this one scores.

Of the five seconds a report takes, about one goes to importing WeasyPrint and
loading fonts, and about half a second to leadcheck's own work (reading the
workspace, scoring, the cohort position, templating). They do not depend on
each other, so on a machine with more than one processor ``leadcheck report``
forks a render process first (before the workspace is opened), lets it load
WeasyPrint while the scorecard is made, then hands it the view model and gets
the PDF back: the report is written that much sooner. The work done is the
same, only overlapped.

The render process gets the report's HTML and the template bundle (plain text
and bytes: it never loads scoring, the view model or Jinja, which this process
has loaded anyway) and returns the PDF; it never touches the workspace. If it cannot start or dies,
the report is rendered in this process instead, as on a single processor or
where fork is not available (macOS, Windows).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from leadcheck.errors import ReportError
from leadcheck.report.bundle import TemplateBundle
from leadcheck.report.process import warm_up


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


@dataclass(frozen=True)
class Pdf:
    """A rendered PDF, and the scripts in it that no installed font can draw (leadcheck.report.glyphs)."""

    data: bytes
    missing_scripts: tuple[str, ...]


def render_here(html: str, bundle: TemplateBundle) -> Pdf:
    """The PDF of ``html``, rendered in this process."""
    from leadcheck.report.glyphs import html_text, missing_scripts
    from leadcheck.report.pdf import render_pdf

    return Pdf(render_pdf(html, bundle), missing_scripts(html_text(html)))


def _serve(conn: Connection, coordinator: int) -> None:
    """The render process: warm up, render the one document sent, send back the PDF (or the error)."""
    # Ctrl-C reaches the whole process group: the coordinator decides, and ends this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # What was inherited (the command line's modules) lives as long as this short process: the
    # collector need not walk it again on every collection during layout.
    gc.freeze()
    warm_up(coordinator, is_parent=True)
    try:
        html, bundle = conn.recv()
    except (EOFError, OSError):
        return  # the coordinator needed no PDF after all
    try:
        reply: tuple[str, Any] = ("ok", render_here(html, bundle))
    except ReportError as e:
        reply = ("error", str(e))
    except Exception as e:  # say which kind only: a message may quote the report's text
        reply = ("error", f"PDF rendering failed: {type(e).__name__}")
    conn.send(reply)


class Renderer:
    """One PDF rendered in a process started early, or in this one. Use as a context manager."""

    def __init__(self, ahead: bool) -> None:
        self.process: Any = None
        self.conn: Connection | None = None
        self.answered = False  # the render process sent its result and is ending by itself
        if ahead:
            self._start()

    def _start(self) -> None:
        import sys

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

    def render(self, html: str, bundle: TemplateBundle) -> Pdf:
        """The PDF of ``html``: by the process started ahead when it is there and alive, else here."""
        if self.conn is not None:
            try:
                self.conn.send((html, bundle))
                status, value = self.conn.recv()
            except (EOFError, OSError):  # it died (killed, out of memory): render here instead
                self.close()
            else:
                self.answered = True
                if status == "error":
                    raise ReportError(value)
                assert isinstance(value, Pdf)
                return value
        return render_here(html, bundle)

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
