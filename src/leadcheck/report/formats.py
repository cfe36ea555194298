"""The report's output formats, one entry each in FORMATS, and the one render step: a view model in, bytes out.

A render task is plain data (a view model, the template to start from, the
template bundle and the format's name), so it travels by value to the render
process, a pool worker or a Dask worker, which never open the workspace. Every
place that renders (``leadcheck report``, each leader of ``leadcheck cohort
report``, the cohort summary) calls ``render_task`` and gets one ``Rendered``.

A new format is a class with ``name``, ``suffixes``, ``needs_weasyprint`` and
``render(html, bundle)``, and one entry in FORMATS; ``--format`` offers it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from leadcheck.base.errors import UsageError
from leadcheck.pdf.render import ASSET_SUFFIXES
from leadcheck.report.bundle import TemplateBundle


@dataclass(frozen=True)
class RenderTask:
    """One document to make: a view model, the template entry point, the bundle and the format."""

    key: str  # the output file name, echoed back
    view: Any  # a ReportView or CohortView
    entry: str
    bundle: TemplateBundle
    format: str = "pdf"


@dataclass(frozen=True)
class Rendered:
    """A rendered document, and the scripts in it that no installed font can draw (leadcheck.report.glyphs)."""

    key: str
    data: bytes
    missing_scripts: tuple[str, ...] = ()
    seconds: float = 0.0
    peak_rss_kib: int = 0  # of the process that rendered it


class OutputFormat(Protocol):
    """How the report's HTML becomes the file a user gets."""

    @property
    def name(self) -> str:
        """What --format calls it."""

    @property
    def suffixes(self) -> tuple[str, ...]:
        """File suffixes that choose this format when --format is not given."""

    @property
    def needs_weasyprint(self) -> bool:
        """Laid out by WeasyPrint: worth a render process started ahead (leadcheck.pdf.process)."""

    def render(self, html: str, bundle: TemplateBundle) -> tuple[bytes, tuple[str, ...]]:
        """The file's bytes, and the scripts in it no installed font can draw."""


class Pdf:
    """A tagged PDF laid out by WeasyPrint, loading nothing the bundle does not ship."""

    name = "pdf"
    suffixes = (".pdf",)
    needs_weasyprint = True

    def render(self, html: str, bundle: TemplateBundle) -> tuple[bytes, tuple[str, ...]]:
        from leadcheck.pdf.render import write_pdf
        from leadcheck.report.glyphs import html_text, missing_scripts

        check_svg(html, bundle)
        return write_pdf(html, bundle.files), missing_scripts(html_text(html))


class Html:
    """One standalone HTML file: assets inlined, no script, no remote reference (leadcheck.report.htmlsafe)."""

    name = "html"
    suffixes = (".html", ".htm")
    needs_weasyprint = False

    def render(self, html: str, bundle: TemplateBundle) -> tuple[bytes, tuple[str, ...]]:
        return standalone_html(html, bundle).encode("utf-8"), ()


FORMATS: dict[str, OutputFormat] = {f.name: f for f in (Pdf(), Html())}
DEFAULT = "pdf"


def format_for(path: Path, given: str | None) -> OutputFormat:
    """The format named, else the one whose suffix ``path`` has, else PDF."""
    if given is not None:
        try:
            return FORMATS[given]
        except KeyError:
            raise UsageError(
                f'--format "{given}" is not an output format; expected one of {", ".join(FORMATS)}'
            ) from None
    suffix = path.suffix.lower()
    return next((f for f in FORMATS.values() if suffix in f.suffixes), FORMATS[DEFAULT])


def render_task(task: RenderTask) -> Rendered:
    """Render one task: the view model through the templates, then into its format."""
    import resource

    from leadcheck.report.html import render_html

    start = time.perf_counter()
    data, missing = FORMATS[task.format].render(render_html(task.view, task.bundle, task.entry), task.bundle)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return Rendered(task.key, data, missing, time.perf_counter() - start, int(peak))


def check_svg(html: str, bundle: TemplateBundle) -> None:
    """ReportError when the document's SVG, inline or from the bundle, draws too much (leadcheck.report.assets)."""
    from leadcheck.report.assets import check_document, check_svg_asset

    drawn = {
        name: check_svg_asset(name, data)
        for name, data in bundle.files.items()
        if name.lower().endswith(".svg")
    }
    check_document(html, drawn)


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
