"""What a render worker runs: plain view models in, PDF bytes out; no database, no files.

Functions here are top level so process pools and Dask can pickle them by
name; a worker keeps WeasyPrint, its font configuration and the parsed
templates warm across the reports it renders.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from leadcheck.report.bundle import TemplateBundle


@dataclass(frozen=True)
class RenderTask:
    """One PDF to make: a view model, the template entry point, and the bundle."""

    key: str  # the output file name, echoed back
    view: Any  # a ReportView or CohortView
    entry: str
    bundle: TemplateBundle


@dataclass(frozen=True)
class RenderResult:
    key: str
    pdf: bytes
    seconds: float
    peak_rss_kib: int
    missing_scripts: tuple[str, ...] = ()  # scripts no installed font can draw (leadcheck.report.glyphs)


def render_task(task: RenderTask) -> RenderResult:
    """Render one task to PDF bytes."""
    import resource

    from leadcheck.report.html import render_html
    from leadcheck.report.renderer import render_here

    start = time.perf_counter()
    pdf = render_here(render_html(task.view, task.bundle, task.entry), task.bundle)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return RenderResult(task.key, pdf.data, time.perf_counter() - start, int(peak), pdf.missing_scripts)
