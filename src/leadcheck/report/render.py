"""One scorecard's report, end to end in this process: scorecard to view model to HTML to file bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from leadcheck.report.bundle import TemplateBundle, load_bundle
from leadcheck.report.formats import Rendered, RenderTask, render_task, standalone_html
from leadcheck.report.html import ENTRY, render_html
from leadcheck.report.viewmodel import ReportView, build_view
from leadcheck.scoring import Scorecard

if TYPE_CHECKING:
    from leadcheck.change import RoundChange
    from leadcheck.development import PlanPage, PlanSection
    from leadcheck.norms import Norms


def view_for(
    card: Scorecard,
    change: RoundChange | None = None,
    generated: date | None = None,
    norms: Norms | None = None,
    draft: bool = False,
    plans: tuple[PlanSection, ...] = (),
) -> ReportView:
    """The view model of a leader's report."""
    return build_view(card, change, generated=generated, norms=norms, draft=draft, plans=plans)


def view_html(view: ReportView, bundle: TemplateBundle | None = None) -> str:
    """A view model as a standalone HTML document: the bundle's images and fonts are inlined, and it
    runs no script and fetches nothing (leadcheck.report.htmlsafe)."""
    bundle = bundle or load_bundle()
    return standalone_html(render_html(view, bundle), bundle)


def report_task(
    key: str,
    card: Scorecard,
    change: RoundChange | None = None,
    *,
    fmt: str = "pdf",
    bundle: TemplateBundle | None = None,
    generated: date | None = None,
    norms: Norms | None = None,
    draft: bool = False,
    plans: tuple[PlanSection, ...] = (),
) -> RenderTask:
    """The render task of a leader's report: its view model, the report's template entry and the bundle."""
    view = view_for(card, change, generated, norms, draft, plans)
    return RenderTask(key, view, ENTRY, bundle or load_bundle(), fmt)


PLAN_ENTRY = "plan.html.j2"


def render_plan(page: PlanPage, template_dir: Path | None = None) -> Rendered:
    """The one-page development plan as PDF bytes: the report's templates, sandbox, stylesheet and
    locked fetcher, another entry template (plan.html.j2)."""
    return render_task(RenderTask("plan", page, PLAN_ENTRY, load_bundle(template_dir)))


def render(
    card: Scorecard,
    fmt: str = "pdf",
    change: RoundChange | None = None,
    template_dir: Path | None = None,
    generated: date | None = None,
) -> bytes:
    """The report of one scorecard as PDF or HTML bytes (no workspace, no release: for tests and benches)."""
    task = report_task("report", card, change, fmt=fmt, bundle=load_bundle(template_dir), generated=generated)
    return render_task(task).data
