"""How numbers, signs and plurals are printed: every score and count a user reads goes through here.

Rules (one place for each):

- A score has a fixed number of decimals (two unless told); a missing one is a dash.
- A negative number carries the typographic minus (U+2212) in reports; plain-text
  output (the terminal, CSV-friendly tables) asks for ``plain=True`` and gets "-".
- A number that *rounds* to zero is printed unsigned: "0.00", never a minus zero
  (reads as a bug) nor "+0.00" (a gap of zero points neither way).
- Values may come as floats or as the exact fractions of leadcheck.base.exact; either is
  rounded from the exact fraction it stands for (leadcheck.base.exact), half to even: a
  mean of exactly 3.275 prints 3.28, whatever binary float happened to carry it.
- Plurals: ``count(3, "rater")`` is "3 raters"; irregular words pass their plural.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

from leadcheck.base import exact

__all__ = ["DASH", "MINUS", "count", "percent", "plural", "probability", "score", "signed"]

DASH = "–"  # no data
MINUS = "\u2212"  # the typographic minus sign


def _digits(value: float | Fraction, decimals: int) -> str:
    """``abs(value)`` rounded to ``decimals``, and whether it is below zero after rounding ("-" prefix)."""
    if not isinstance(value, Fraction) and not math.isfinite(value):
        return f"{value:.{decimals}f}"
    fraction = value if isinstance(value, Fraction) else exact.exact(value)
    with localcontext() as ctx:
        ctx.prec = 60
        digits = Decimal(fraction.numerator) / Decimal(fraction.denominator)
        text = str(digits.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN))
    if text.startswith("-") and not text.strip("-0."):
        return text[1:]  # rounds to zero: unsigned
    return text


def score(
    value: float | Fraction | None, decimals: int = 2, *, missing: str = DASH, plain: bool = False
) -> str:
    """A score: ``decimals`` decimals, a minus only when it rounds below zero, ``missing`` for None."""
    if value is None:
        return missing
    text = _digits(value, decimals)
    return text if plain else text.replace("-", MINUS)


def signed(
    value: float | Fraction | None, decimals: int = 2, *, missing: str = DASH, plain: bool = False
) -> str:
    """A difference: "+0.25", or with the minus "-0.25"; a value that rounds to zero is "0.00", without a sign."""
    if value is None:
        return missing
    text = _digits(value, decimals)
    if not text.startswith("-") and text.strip("0."):
        text = "+" + text
    return text if plain else text.replace("-", MINUS)


def plural(n: int, word: str, many: str | None = None) -> str:
    """``word`` for one, its plural (``many``, or ``word + "s"``) for any other count, zero included."""
    return word if n == 1 else (many if many is not None else word + "s")


def count(n: int, word: str, many: str | None = None) -> str:
    """``n`` and the noun in the right number: "1 rater", "0 raters", "2 competencies"."""
    return f"{n} {plural(n, word, many)}"


def percent(value: Fraction | None, *, missing: str = DASH) -> str:
    """A share as a whole percentage, rounded half to even: ``Fraction(2, 3)`` is "67%"."""
    return missing if value is None else f"{_digits(value * 100, 0)}%"


def probability(value: Fraction | None, *, missing: str = DASH) -> str:
    """A p value: three decimals ("0.031"), "< 0.001" below that, ``missing`` for None."""
    if value is None:
        return missing
    return "< 0.001" if value < Fraction(1, 1000) else _digits(value, 3)
