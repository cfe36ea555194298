"""Exact threshold comparisons: every score is a ratio of whole numbers, so compare those, not floats.

Answers are integers on the scale, so every mean leadcheck computes (an item's
mean, a rater's competency score, a mean of such scores, rwg) is a rational
number with a small denominator. Floating point turns 13/3 - 23/6 (exactly 0.5)
into 0.49999999999999956 and 4 - 3.7 into 0.2999999999999998; compared with a
threshold as floats, both land on the wrong side. Here every operand is turned
back into the fraction it stands for (the nearest fraction whose denominator is
at most ``MAX_DENOMINATOR``: a float carries about 16 significant digits, so for
denominators up to a million this recovers the fraction exactly), thresholds are
read as the decimals written in the instrument (``0.3`` is 3/10), and the
comparison is done on fractions.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

# Denominators of leadcheck's means stay below this in practice: an item mean over n raters has
# denominator n; a competency figure, the mean of k item means, has at most k * lcm(n_1..n_k).
MAX_DENOMINATOR = 10**7


@lru_cache(maxsize=4096)
def exact(value: float) -> Fraction:
    """The fraction a computed score stands for (e.g. 0.49999999999999956 from 13/3 - 23/6 is 1/2)."""
    return Fraction(value).limit_denominator(MAX_DENOMINATOR)


def canonical(value: float) -> float:
    """The float nearest the fraction a score stands for: equal scores compare equal, however computed."""
    return float(exact(value))


@lru_cache(maxsize=256)
def threshold(value: float) -> Fraction:
    """A threshold as the decimal written in the instrument: 0.3 is exactly 3/10."""
    return Fraction(repr(float(value)))


def difference(a: float, b: float) -> Fraction:
    """a - b, exactly."""
    return exact(a) - exact(b)


def at_least(value: float, limit: float) -> bool:
    """value >= limit, decided exactly."""
    return exact(value) >= threshold(limit)


def below(value: float, limit: float) -> bool:
    """value < limit, decided exactly."""
    return exact(value) < threshold(limit)


def gap_at_least(self_value: float, others: float, limit: float) -> bool:
    """self - others >= limit, decided exactly (a blind spot, an over-estimate)."""
    return difference(self_value, others) >= threshold(limit)


def gap_at_most(self_value: float, others: float, limit: float) -> bool:
    """self - others <= -limit, decided exactly (a hidden strength, an under-estimate)."""
    return difference(self_value, others) <= -threshold(limit)


def count_reaches(count: int, fraction: float, total: int) -> bool:
    """count >= fraction x total, exactly (0.3 x 10 is 3, not 3.0000000000000004)."""
    return count >= threshold(fraction) * total
