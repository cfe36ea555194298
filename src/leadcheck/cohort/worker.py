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


def warm_up() -> None:
    """Import WeasyPrint and load fonts once per worker, before the first report."""
    from leadcheck.report.pdf import font_config

    font_config()


def render_task(task: RenderTask) -> RenderResult:
    """Render one task to PDF bytes."""
    import resource

    from leadcheck.report.glyphs import html_text, missing_scripts
    from leadcheck.report.html import render_html
    from leadcheck.report.pdf import render_pdf

    start = time.perf_counter()
    html = render_html(task.view, task.bundle, task.entry)
    pdf = render_pdf(html, task.bundle)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    missing = missing_scripts(html_text(html))
    return RenderResult(task.key, pdf, time.perf_counter() - start, int(peak), missing)
