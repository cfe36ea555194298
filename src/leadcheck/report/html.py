"""Templating: the report's view model to HTML, with autoescaping and overridable templates."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import jinja2

from leadcheck.errors import ReportError
from leadcheck.report.viewmodel import ReportView
from leadcheck.resources import templates_dir

ENTRY = "report.html.j2"
STYLESHEET = "report.css"


def template_dirs(custom: Path | None = None) -> tuple[Path, ...]:
    """The folders searched for templates, first match wins: the custom one, then the defaults."""
    if custom is not None and not custom.is_dir():
        raise ReportError(f"{custom}: no such template folder")
    return ((custom,) if custom is not None else ()) + (templates_dir(),)


@lru_cache(maxsize=8)
def environment(dirs: tuple[Path, ...]) -> jinja2.Environment:
    """A Jinja environment over ``dirs``; cached, so a worker parses each template once."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        # Every value is text, never markup: names, comments and instrument
        # text from other people print literally.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def stylesheet(dirs: Sequence[Path]) -> tuple[Path, str]:
    """The first report.css found in ``dirs``, with its text."""
    for d in dirs:
        path = d / STYLESHEET
        if path.is_file():
            return path, path.read_text(encoding="utf-8")
    raise ReportError(f"no {STYLESHEET} in {', '.join(str(d) for d in dirs)}")


def render_html(view: ReportView, dirs: tuple[Path, ...] | None = None, inline_css: bool = True) -> str:
    """The report as one HTML document (stylesheet inlined, so the HTML stands alone)."""
    dirs = dirs or template_dirs()
    env = environment(dirs)
    try:
        template = env.get_template(ENTRY)
        html = template.render(r=view)
    except jinja2.TemplateSyntaxError as e:
        raise ReportError(f"{e.filename or e.name}:{e.lineno}: template error: {e.message}") from e
    except jinja2.TemplateError as e:
        raise ReportError(f"template error in {ENTRY} (or a template it includes): {e}") from e
    if inline_css:
        _, css = stylesheet(dirs)
        html = html.replace("</head>", f"<style>\n{css}\n</style>\n</head>", 1)
    return html
