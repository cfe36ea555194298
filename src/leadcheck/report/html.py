"""Templating: the report's view model to HTML, with autoescaping and overridable templates."""

from __future__ import annotations

from typing import Any

import jinja2

from leadcheck.errors import ReportError
from leadcheck.report.bundle import TemplateBundle

ENTRY = "report.html.j2"
STYLESHEET = "report.css"

_environments: dict[str, jinja2.Environment] = {}


def environment(bundle: TemplateBundle) -> jinja2.Environment:
    """A Jinja environment over the bundle; one per bundle and process, so templates parse once."""
    env = _environments.get(bundle.digest)
    if env is None:
        env = jinja2.Environment(
            loader=jinja2.DictLoader(bundle.templates()),
            # Every value is text, never markup: names, comments and instrument
            # text from other people print literally.
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        _environments[bundle.digest] = env
    return env


def render_template(bundle: TemplateBundle, entry: str, **context: Any) -> str:
    """Render one template of the bundle; template mistakes become one clear ReportError."""
    try:
        return environment(bundle).get_template(entry).render(**context)
    except jinja2.TemplateSyntaxError as e:
        raise ReportError(f"{e.filename or e.name}:{e.lineno}: template error: {e.message}") from e
    except jinja2.TemplateError as e:
        raise ReportError(f"template error in {entry} (or a template it includes): {e}") from e


def inline_stylesheet(html: str, bundle: TemplateBundle) -> str:
    """The HTML with the bundle's stylesheet inlined, so it stands alone."""
    if STYLESHEET not in bundle.files:
        raise ReportError(f"the templates have no {STYLESHEET}")
    return html.replace("</head>", f"<style>\n{bundle.text(STYLESHEET)}\n</style>\n</head>", 1)


def render_html(view: Any, bundle: TemplateBundle, entry: str = ENTRY) -> str:
    """A view model as one standalone HTML document (stylesheet inlined)."""
    return inline_stylesheet(render_template(bundle, entry, r=view), bundle)
