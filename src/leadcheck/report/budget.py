"""What one render of a report template may spend: time, steps, and the size of what it builds.

Jinja's sandbox keeps a template from reaching Python; it does not keep it from
spending. A template pack from someone else could loop for hours
(``{% for a in range(99999) %}{% for b in range(99999) %}``) or build values of
gigabytes (``"x" | center(10**10)``, ``"%999999999s" % ""``, doubling a string
in a namespace). These budgets hold for every render, wherever it runs (the
command, a cohort worker, Dask):

- a wall-time deadline and a count of steps (loop iterations and calls), both
  checked on every loop iteration, call, filter and output chunk;
- every value a template builds (with ``*``, ``+``, ``%``, ``~``, a filter, a call,
  a namespace attribute, or printed) is measured before or as it is made;
- width, padding and count arguments are bounded before the value is made;
- the characters a render writes, all macros and blocks included.

The first budget exceeded raises ``OverBudget``; ``leadcheck.report.html`` turns it into
one ReportError naming the template.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

SECONDS = 10.0  # wall time of one template render
MAX_STEPS = 2_000_000  # loop iterations, calls and filters of one render
MAX_VALUE = 4_000_000  # characters or items of one value a template builds (counted deep)
MAX_OUTPUT = 32 * 1024 * 1024  # characters one render writes, each macro's and block's own output counted
MAX_WIDTH = 1_000  # a width, padding, precision or count argument
MAX_LIPSUM = 100  # paragraphs of lipsum()
MAX_INT_BITS = 4_096  # an integer a template computes (a 1,233-digit number)

EXPECTED = (
    "a report template must stay within its budgets (README, Custom templates: budgets); "
    "simplify its loops, widths and repetitions"
)


class OverBudget(Exception):
    """A template render went over one of its budgets (says which, never a value)."""


@dataclass
class Meter:
    """What the current render has spent."""

    deadline: float
    steps: int = 0
    output: int = 0


_meter: ContextVar[Meter | None] = ContextVar("leadcheck_template_meter", default=None)


@contextmanager
def metered() -> Iterator[Meter]:
    """Meter the template render run inside this block against the budgets (a render already
    metered keeps its meter: whatever runs inside it spends from the same budget)."""
    current = _meter.get()
    if current is not None:
        yield current
        return
    meter = Meter(time.monotonic() + SECONDS)
    token = _meter.set(meter)
    try:
        yield meter
    finally:
        _meter.reset(token)


def step(count: int = 1) -> None:
    """One more step of the current render; OverBudget past its steps or its deadline."""
    meter = _meter.get()
    if meter is None:
        return
    meter.steps += count
    if meter.steps > MAX_STEPS:
        raise OverBudget(f"it took more than {MAX_STEPS:,} steps (loop iterations, calls and filters)")
    if time.monotonic() > meter.deadline:
        raise OverBudget(f"it ran for more than {SECONDS:g} s")


def size(value: Any, limit: int = MAX_VALUE) -> int:
    """The characters or items of ``value``, counted deep (a list of strings counts their characters),
    each shared part as often as it appears; stops counting once past ``limit``."""
    seen: dict[int, int] = {}

    def measure(v: Any) -> int:
        if isinstance(v, str | bytes):
            return len(v)
        key = id(v)
        if key in seen:
            return seen[key]
        total = 0
        if isinstance(v, dict):
            parts: Iterable[Any] = (x for kv in v.items() for x in kv)
        elif isinstance(v, list | tuple | set | frozenset):
            parts = v
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            parts = (getattr(v, f.name) for f in dataclasses.fields(v))
        else:
            return 1
        seen[key] = 0  # a value inside itself counts once
        for part in parts:
            total += measure(part)
            if total > limit:
                break
        # An item counts at least once, so that [[]] * 10**9 is as large as it is long.
        total = max(total, len(v) if isinstance(v, dict | list | tuple | set | frozenset) else 1)
        seen[key] = total
        return total

    return measure(value)


def bounded(value: Any) -> Any:
    """``value``, unless it is larger than MAX_VALUE (or, for an integer, MAX_INT_BITS)."""
    if isinstance(value, int):
        if value.bit_length() > MAX_INT_BITS:
            raise OverBudget(f"it computed a number of more than {MAX_INT_BITS:,} bits")
    elif isinstance(value, str | bytes):
        if len(value) > MAX_VALUE:
            raise OverBudget(f"it built a value of more than {MAX_VALUE:,} characters")
    elif isinstance(value, list | tuple | dict | set | frozenset) and size(value) > MAX_VALUE:
        raise OverBudget(f"it built a value of more than {MAX_VALUE:,} characters or items")
    return value


def check_product(left: Any, right: Any) -> None:
    """OverBudget when multiplying two integers would give one of more than MAX_INT_BITS."""
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and left.bit_length() + right.bit_length() > MAX_INT_BITS
    ):
        raise OverBudget(f"it computed a number of more than {MAX_INT_BITS:,} bits")


def check_width(what: str, width: Any) -> None:
    """OverBudget when a width, padding or count argument is larger than MAX_WIDTH."""
    if isinstance(width, int | float) and abs(width) > MAX_WIDTH:
        raise OverBudget(f"it asked for {what} of {width:,} (at most {MAX_WIDTH:,})")


def check_grown(estimate: int) -> None:
    """OverBudget when a value about to be built would be larger than MAX_VALUE."""
    if estimate > MAX_VALUE:
        raise OverBudget(f"it would build a value of more than {MAX_VALUE:,} characters")


# `%`-formats: a width or precision after the flags, or `*` (taken from the arguments).
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_NUMBERS = re.compile(r"\d+")


def check_percent_format(fmt: str) -> None:
    """Every width and precision in a `%`-format is at most MAX_WIDTH; `*` widths are refused."""
    for match in _PERCENT.finditer(fmt):
        for part in match.groups():
            if part == "*":
                raise OverBudget(
                    f"it asked for a width from the arguments (`*`; write a number up to {MAX_WIDTH:,})"
                )
            if part is not None:
                check_width("a width", int(part))


def check_brace_format(fmt: str) -> None:
    """Every width and precision in a `{}`-format is at most MAX_WIDTH; nested fields in a spec are refused."""
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # str.format raises its own error
    for _literal, _name, spec, _conversion in fields:
        if not spec:
            continue
        if "{" in spec:
            raise OverBudget(f"it asked for a width from the arguments (write a number up to {MAX_WIDTH:,})")
        for number in _NUMBERS.findall(spec):
            check_width("a width", int(number))


def _lines(text: str) -> int:
    return text.count("\n") + 1


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(bounded(value))


# -- filters ---------------------------------------------------------------------------------------

# Checks made before a filter runs, for the filters whose arguments can grow a value past its input:
# each gets the filter's arguments (after the environment or context Jinja passes) as given.


def _center(value: Any, width: int = 80, *_: Any, **__: Any) -> None:
    check_width("a width", width)


def _indent(value: Any, width: Any = 4, *_: Any, **__: Any) -> None:
    pad = len(width) if isinstance(width, str) else width
    check_width("an indent", pad)
    check_grown(len(_text(value)) + _lines(_text(value)) * int(pad))


def _format(value: Any, *_: Any, **__: Any) -> None:
    check_percent_format(_text(value))


def _replace(value: Any, old: Any = "", new: Any = "", count: Any = None, **__: Any) -> None:
    text, old, new = _text(value), str(old), str(new)
    times = len(text) + 1 if not old else text.count(old)
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    check_grown(len(text) + times * max(0, len(new) - len(old)))


def _wordwrap(
    value: Any, width: int = 79, break_long_words: bool = True, wrapstring: Any = None, *_: Any, **__: Any
) -> None:
    text = _text(value)
    lines = len(text) // max(1, int(width)) + _lines(text)
    check_grown(len(text) + lines * len(str(wrapstring or "\n")))


def _truncate(
    value: Any, length: int = 255, killwords: bool = False, end: Any = "...", *_: Any, **__: Any
) -> None:
    bounded(end)


def _batch(value: Any, linecount: int = 1, fill_with: Any = None, **__: Any) -> None:
    check_width("a batch size", linecount)


def _slice(value: Any, slices: int = 1, fill_with: Any = None, **__: Any) -> None:
    check_width("a number of slices", slices)


def _lengths(items: Iterable[Any], each: Callable[[Any], int]) -> None:
    total = 0
    for item in items:
        total += each(item)
        check_grown(total)


def _join(value: Any, d: Any = "", attribute: Any = None, **__: Any) -> None:
    if attribute is None and isinstance(value, list | tuple):
        _lengths(value, lambda item: len(_text(item)) + len(str(d)))


def _sum(value: Any, attribute: Any = None, start: Any = 0, **__: Any) -> None:
    if attribute is None and isinstance(value, list | tuple):
        _lengths((start, *value), lambda item: size(item) if not isinstance(item, int | float) else 1)


PRECHECKS: dict[str, Callable[..., None]] = {
    "center": _center,
    "indent": _indent,
    "format": _format,
    "replace": _replace,
    "wordwrap": _wordwrap,
    "truncate": _truncate,
    "batch": _batch,
    "slice": _slice,
    "join": _join,
    "sum": _sum,
}

_MEASURED_WHOLE = frozenset({"join", "sum"})


def metered_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` (the filter ``name``) with a step, its precheck when it has one, and its result bounded."""
    precheck = PRECHECKS.get(name)
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def filtered(*args: Any, **kwargs: Any) -> Any:
        step()
        if len(args) > skip:
            if name in _MEASURED_WHOLE and not isinstance(args[skip], str | list | tuple):
                # An iterator is measured as the list it becomes: join and sum take it whole anyway.
                args = (*args[:skip], list(loop_steps(args[skip])), *args[skip + 1 :])
            bounded(args[skip])
        if precheck is not None:
            precheck(*args[skip:], **kwargs)
        return bounded(func(*args, **kwargs))

    return filtered


def loop_steps(iterable: Iterable[Any]) -> Iterator[Any]:
    """A template loop's items, one step each (registered as a filter every `for` goes through)."""
    for item in iterable:
        step()
        yield item


# -- calls -----------------------------------------------------------------------------------------

_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})


def check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Checks before a call a template makes: str methods that pad or repeat, and every argument's size."""
    for arg in (*args, *kwargs.values()):
        bounded(arg)
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if isinstance(owner, str):
        if name in _WIDTH_METHODS and args:
            check_width("a width", args[0])
        elif name == "expandtabs":
            tab = args[0] if args else kwargs.get("tabsize", 8)
            check_width("a tab size", tab)
            check_grown(len(owner) + owner.count("\t") * int(tab))
        elif name == "replace" and len(args) >= 2:
            _replace(owner, *args)
        elif name == "join" and args and isinstance(args[0], list | tuple):
            _lengths(args[0], lambda item: len(_text(item)) + len(owner))
        elif name in ("format", "format_map"):
            check_brace_format(owner)


def check_lipsum(n: Any = 5, html: Any = True, min: Any = 20, max: Any = 100) -> None:
    """lipsum() at most MAX_LIPSUM paragraphs of at most MAX_WIDTH words."""
    if isinstance(n, int) and n > MAX_LIPSUM:
        raise OverBudget(f"it asked for {n:,} paragraphs of lipsum (at most {MAX_LIPSUM})")
    check_width("a lipsum paragraph length", max)


# -- output ----------------------------------------------------------------------------------------


def concat(chunks: Iterable[str]) -> str:
    """Jinja's ``"".join`` of a render's, a macro's or a block's output, counted against MAX_OUTPUT."""
    meter = _meter.get()
    if meter is None:
        return "".join(chunks)
    out: list[str] = []
    for n, chunk in enumerate(chunks, 1):
        meter.output += len(chunk)
        if meter.output > MAX_OUTPUT:
            raise OverBudget(f"it wrote more than {MAX_OUTPUT:,} characters")
        if n % 64 == 0:
            step()
        out.append(chunk)
    return "".join(out)
