"""One report, end to end: scorecard to view model to HTML to PDF bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from leadcheck.report.bundle import TemplateBundle, load_bundle
from leadcheck.report.html import render_html
from leadcheck.report.viewmodel import ReportView, build_view
from leadcheck.scoring import Change, Scorecard

FORMATS = ("pdf", "html")


def view_for(card: Scorecard, changes: tuple[Change, ...] = (), generated: date | None = None) -> ReportView:
    """The view model of a leader's report."""
    return build_view(card, changes, generated=generated)


def view_html(view: ReportView, bundle: TemplateBundle | None = None) -> str:
    """A view model as a standalone HTML document."""
    return render_html(view, bundle or load_bundle())


def view_pdf(view: ReportView, bundle: TemplateBundle | None = None) -> bytes:
    """A view model as PDF bytes (imports WeasyPrint on first use). Runs in render workers."""
    from leadcheck.report.pdf import render_pdf

    bundle = bundle or load_bundle()
    return render_pdf(render_html(view, bundle), bundle)


def render(
    card: Scorecard,
    fmt: str = "pdf",
    changes: tuple[Change, ...] = (),
    template_dir: Path | None = None,
    generated: date | None = None,
) -> bytes:
    """The report of one scorecard as PDF or HTML bytes."""
    view = view_for(card, changes, generated)
    bundle = load_bundle(template_dir)
    if fmt == "html":
        return view_html(view, bundle).encode("utf-8")
    return view_pdf(view, bundle)
