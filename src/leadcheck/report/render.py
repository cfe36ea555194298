"""One report, end to end: scorecard to view model to HTML to PDF bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from leadcheck.report.bundle import ASSET_SUFFIXES, TemplateBundle, load_bundle
from leadcheck.report.html import render_html
from leadcheck.report.viewmodel import ReportView, build_view
from leadcheck.scoring import Scorecard

if TYPE_CHECKING:
    from leadcheck.change import RoundChange
    from leadcheck.development import PlanPage, PlanSection
    from leadcheck.norms import Norms
    from leadcheck.report.renderer import Renderer


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


def standalone_html(html: str, bundle: TemplateBundle) -> str:
    """The report's HTML as the file a coach opens: assets inlined, no script, no remote reference."""
    from leadcheck.report.htmlsafe import standalone

    return standalone(inline_assets(html, bundle))


def inline_assets(html: str, bundle: TemplateBundle) -> str:
    """Relative references to the bundle's assets (src="logo.png", url(font.woff2)) as data: URLs,
    so the HTML file stands alone; anything else is left as written."""
    import base64
    import mimetypes
    import re

    def data_url(name: str) -> str | None:
        if Path(name).suffix.lower() not in ASSET_SUFFIXES or name not in bundle.files:
            return None
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return f"data:{mime};base64,{base64.b64encode(bundle.files[name]).decode()}"

    def attr(m: re.Match[str]) -> str:
        url = data_url(m.group(2))
        return f'{m.group(1)}="{url}"' if url else m.group(0)

    def css(m: re.Match[str]) -> str:
        url = data_url(m.group(2))
        return f"url({url})" if url else m.group(0)

    html = re.sub(r'\b(src|href)="([^":]+)"', attr, html)
    return re.sub(r"url\((['\"]?)([^)'\":]+)\1\)", css, html)


def view_pdf(view: ReportView, bundle: TemplateBundle | None = None) -> bytes:
    """A view model as PDF bytes (imports WeasyPrint on first use). Runs in render workers."""
    from leadcheck.report.pdf import render_pdf

    bundle = bundle or load_bundle()
    return render_pdf(render_html(view, bundle), bundle)


@dataclass(frozen=True)
class Rendered:
    """A rendered report, and the scripts in it that no installed font can draw."""

    data: bytes
    missing_scripts: tuple[str, ...]


def render_report(
    card: Scorecard,
    fmt: str = "pdf",
    change: RoundChange | None = None,
    template_dir: Path | None = None,
    generated: date | None = None,
    norms: Norms | None = None,
    draft: bool = False,
    renderer: Renderer | None = None,
    plans: tuple[PlanSection, ...] = (),
) -> Rendered:
    """The report of one scorecard as PDF or HTML bytes, with its font coverage.

    A PDF is made by ``renderer`` (one started ahead, leadcheck.report.renderer) when given.
    """
    from leadcheck.report.renderer import render_here

    view = view_for(card, change, generated, norms, draft, plans)
    bundle = load_bundle(template_dir)
    html = render_html(view, bundle)
    if fmt == "html":
        return Rendered(standalone_html(html, bundle).encode("utf-8"), ())
    pdf = renderer.render(html, bundle) if renderer is not None else render_here(html, bundle)
    return Rendered(pdf.data, pdf.missing_scripts)


PLAN_ENTRY = "plan.html.j2"


def render_plan(page: PlanPage, template_dir: Path | None = None) -> Rendered:
    """The one-page development plan as PDF bytes: the report's templates, sandbox, stylesheet and
    locked fetcher, another entry template (plan.html.j2)."""
    from leadcheck.report.renderer import render_here

    bundle = load_bundle(template_dir)
    pdf = render_here(render_html(page, bundle, PLAN_ENTRY), bundle)
    return Rendered(pdf.data, pdf.missing_scripts)


def render(
    card: Scorecard,
    fmt: str = "pdf",
    change: RoundChange | None = None,
    template_dir: Path | None = None,
    generated: date | None = None,
) -> bytes:
    """The report of one scorecard as PDF or HTML bytes."""
    return render_report(card, fmt, change, template_dir, generated).data
