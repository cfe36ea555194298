"""Templating: the report's view model to HTML, with autoescaping and overridable templates."""

from __future__ import annotations

from typing import Any

import jinja2
import jinja2.exceptions
import jinja2.sandbox

from leadcheck import text as txt
from leadcheck.errors import ReportError
from leadcheck.report.bundle import TemplateBundle
from leadcheck.report.templatecache import template_cache

ENTRY = "report.html.j2"
STYLESHEET = "report.css"

_environments: dict[str, jinja2.Environment] = {}

OPTIONS: dict[str, object] = {
    # Every value is text, never markup: names, comments and instrument
    # text from other people print literally.
    "autoescape": True,
    "undefined": jinja2.StrictUndefined,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": True,
}

# Larger results than these from `*` and `**` in a template are refused: a template must not
# be able to fill the memory or the processor ("x" * 10**10, 9 ** 9 ** 9).
MAX_REPEAT = 100_000
MAX_EXPONENT = 64


class ReportSandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with `*` and `**` bounded as well."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and (
            (isinstance(right, int | float) and abs(right) > MAX_EXPONENT)
            or (isinstance(left, int) and left.bit_length() > 1024)
        ):
            raise jinja2.exceptions.SecurityError(f"a power larger than 1024 bits to the {MAX_EXPONENT}th")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple | bytes)
                    and isinstance(count, int)
                    and len(seq) * count > MAX_REPEAT
                ):
                    raise jinja2.exceptions.SecurityError(f"a repeated value longer than {MAX_REPEAT}")
        return super().call_binop(context, operator, left, right)


def environment(bundle: TemplateBundle) -> jinja2.Environment:
    """A Jinja environment over the bundle; one per bundle and process, so templates parse once."""
    env = _environments.get(bundle.digest)
    if env is None:
        # Templates may come from a template pack someone else wrote: the sandbox keeps
        # them from reaching Python internals (``cycler.__init__.__globals__.os``), and the
        # immutable variant from changing the view model. Only loops and printing remain.
        env = ReportSandbox(
            loader=jinja2.DictLoader(bundle.templates()),
            # Compiled templates are kept between runs (leadcheck.report.templatecache).
            bytecode_cache=template_cache(ReportSandbox, OPTIONS),
            **OPTIONS,
        )
        # Numbers, signs and plurals print as everywhere else (leadcheck.text).
        env.filters.update(score=txt.score, signed=txt.signed, plural=txt.plural, count=txt.count)
        _environments[bundle.digest] = env
    return env


def render_template(bundle: TemplateBundle, entry: str, **context: Any) -> str:
    """Render one template of the bundle; template mistakes become one clear ReportError."""
    try:
        return environment(bundle).get_template(entry).render(**context)
    except jinja2.exceptions.SecurityError as e:
        raise ReportError(
            f"template {entry} (or a template it includes) tried something templates may not do "
            f"({e}); a report template may only print and loop over the report's values"
        ) from e
    except jinja2.TemplateSyntaxError as e:
        raise ReportError(f"{e.filename or e.name}:{e.lineno}: template error: {e.message}") from e
    except jinja2.TemplateError as e:
        raise ReportError(f"template error in {entry} (or a template it includes): {e}") from e
    except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError, RecursionError) as e:
        # Raised by the template's own expressions (1/0, a bad filter argument): the type only,
        # since a Python message may quote a value, and values are people's names and comments.
        raise ReportError(
            f"template error in {entry} (or a template it includes): an expression failed "
            f"({type(e).__name__}); check the template's expressions"
        ) from None


def inline_stylesheet(html: str, bundle: TemplateBundle) -> str:
    """The HTML with the bundle's stylesheet inlined, so it stands alone."""
    if STYLESHEET not in bundle.files:
        raise ReportError(f"the templates have no {STYLESHEET}")
    return html.replace("</head>", f"<style>\n{bundle.text(STYLESHEET)}\n</style>\n</head>", 1)


def render_html(view: Any, bundle: TemplateBundle, entry: str = ENTRY) -> str:
    """A view model as one standalone HTML document (stylesheet inlined)."""
    return inline_stylesheet(render_template(bundle, entry, r=view), bundle)
