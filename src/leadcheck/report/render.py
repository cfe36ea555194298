"""One report, end to end: scorecard to view model to HTML to PDF bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from leadcheck.report.html import render_html, template_dirs
from leadcheck.report.viewmodel import ReportView, build_view
from leadcheck.scoring import Change, Scorecard

FORMATS = ("pdf", "html")


def view_for(card: Scorecard, changes: tuple[Change, ...] = (), generated: date | None = None) -> ReportView:
    """The view model of a leader's report."""
    return build_view(card, changes, generated=generated)


def view_html(view: ReportView, template_dir: Path | None = None) -> str:
    """A view model as a standalone HTML document."""
    return render_html(view, template_dirs(template_dir))


def view_pdf(view: ReportView, template_dir: Path | None = None) -> bytes:
    """A view model as PDF bytes (imports WeasyPrint on first use)."""
    from leadcheck.report.pdf import render_pdf

    dirs = template_dirs(template_dir)
    return render_pdf(render_html(view, dirs), dirs)


def render(
    card: Scorecard,
    fmt: str = "pdf",
    changes: tuple[Change, ...] = (),
    template_dir: Path | None = None,
    generated: date | None = None,
) -> bytes:
    """The report of one scorecard as PDF or HTML bytes."""
    view = view_for(card, changes, generated)
    if fmt == "html":
        return view_html(view, template_dir).encode("utf-8")
    return view_pdf(view, template_dir)
