"""Templating: the report's view model to HTML, with autoescaping and overridable templates."""

from __future__ import annotations

from typing import Any

import jinja2
import jinja2.exceptions
import jinja2.runtime
import jinja2.sandbox
import jinja2.utils
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame

from leadcheck.base import text as txt
from leadcheck.base.errors import ReportError
from leadcheck.report import budget
from leadcheck.report.bundle import TemplateBundle

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


LOOP_FILTER = "leadcheck_loop_steps"


class MeteredCodeGenerator(CodeGenerator):
    """Jinja's code generator, with every `for` loop iterating through LOOP_FILTER (one step an item)."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for loop in node.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, LOOP_FILTER, [], [], None, None, lineno=loop.lineno)
        super().visit_Template(node, frame)


def _joined(join: Any) -> Any:
    def bounded_join(seq: Any) -> Any:
        parts = [budget.bounded(part) for part in seq]
        budget.check_grown(sum(budget.size(part) for part in parts))
        return join(parts)

    return bounded_join


class MeteredTemplate(jinja2.Template):
    """A template whose `~` concatenations are measured (the compiled code's markup_join and str_join)."""

    @classmethod
    def from_code(cls, environment: jinja2.Environment, code: Any, globals: Any, uptodate: Any = None) -> Any:
        template = super().from_code(environment, code, globals, uptodate)
        namespace = template.root_render_func.__globals__
        namespace["markup_join"] = _joined(jinja2.runtime.markup_join)
        namespace["str_join"] = _joined(jinja2.runtime.str_join)
        return template


class MeteredNamespace(jinja2.utils.Namespace):
    """``namespace()``, whose attributes a template sets are measured."""

    def __setitem__(self, name: str, value: Any) -> None:
        budget.step()
        super().__setitem__(name, budget.bounded(value))


def _finalize(value: Any) -> Any:
    """Every printed value is measured before it becomes text."""
    return budget.bounded(value)


class ReportSandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with what a template spends metered (leadcheck.report.budget):
    `*`, `**`, `%` and `+` intercepted, every call, filter, loop, `~` and output measured."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = MeteredCodeGenerator
    template_class = MeteredTemplate
    concat = staticmethod(budget.concat)

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        budget.step()
        if operator == "**" and (
            (isinstance(right, int | float) and abs(right) > MAX_EXPONENT)
            or (isinstance(left, int) and left.bit_length() > 1024)
        ):
            raise jinja2.exceptions.SecurityError(f"a power larger than 1024 bits to the {MAX_EXPONENT}th")
        if operator == "*":
            budget.check_product(left, right)
            for seq, count in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple | bytes)
                    and isinstance(count, int)
                    and budget.size(seq) * count > MAX_REPEAT
                ):
                    raise jinja2.exceptions.SecurityError(f"a repeated value longer than {MAX_REPEAT}")
        if operator == "%" and isinstance(left, str):
            budget.check_percent_format(left)
        if operator == "+" and not isinstance(left, int | float):
            budget.check_grown(budget.size(left) + budget.size(right))
        return budget.bounded(super().call_binop(context, operator, left, right))

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        budget.step()
        # Jinja passes the variables of the enclosing loop or block along; context.call takes them out.
        given = {k: v for k, v in kwargs.items() if k not in ("_loop_vars", "_block_vars")}
        if __obj is jinja2.utils.generate_lorem_ipsum:
            budget.check_lipsum(*args, **given)
        budget.check_call(__obj, args, given)
        return budget.bounded(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Any:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            budget.check_brace_format(value.__self__)
        return wrapped


def environment(bundle: TemplateBundle) -> jinja2.Environment:
    """A Jinja environment over the bundle; one per bundle and process, so templates parse once."""
    env = _environments.get(bundle.digest)
    if env is None:
        # Templates may come from a template pack someone else wrote: the sandbox keeps
        # them from reaching Python internals (``cycler.__init__.__globals__.os``), and the
        # immutable variant from changing the view model. Only loops and printing remain.
        env = ReportSandbox(
            loader=jinja2.DictLoader(bundle.templates()),
            finalize=_finalize,
            **OPTIONS,
        )
        # Numbers, signs and plurals print as everywhere else (leadcheck.base.text).
        env.filters.update(score=txt.score, signed=txt.signed, plural=txt.plural, count=txt.count)
        # Every filter takes a step and has its result measured; those that can grow a value are checked first.
        env.filters = {name: budget.metered_filter(name, f) for name, f in env.filters.items()}
        env.filters[LOOP_FILTER] = budget.loop_steps
        env.globals["namespace"] = MeteredNamespace
        _environments[bundle.digest] = env
    return env


def render_template(bundle: TemplateBundle, entry: str, **context: Any) -> str:
    """Render one template of the bundle; template mistakes become one clear ReportError."""
    try:
        with budget.metered():
            return environment(bundle).get_template(entry).render(**context)
    except budget.OverBudget as e:
        raise ReportError(
            f"template {entry} (or a template it includes) went over its budget: {e}; {budget.EXPECTED}"
        ) from None
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
