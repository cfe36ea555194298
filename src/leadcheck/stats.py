"""Dependency-free psychometric statistics: reliability, agreement, norms and the F distribution."""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Description",
    "cronbach_alpha",
    "cronbach_alpha_ci",
    "describe",
    "f_cdf",
    "f_ppf",
    "item_rwg",
    "percentile_rank",
    "percentile_ranks",
    "rwg",
    "rwg_j",
    "rwg_j_of_variances",
    "welch_interval",
    "welch_quantile",
]

# Relative width at which the F quantile bisection stops (well below the 1e-10 target).
_PPF_RTOL = 1e-13
# Limits of the search for F quantiles; beyond them 0.0 or inf is returned.
_TINY = 1e-300
_HUGE = 1e300
# Iteration cap for the incomplete beta continued fraction; it needs O(sqrt(max(a, b))).
_BETACF_MAX_ITER = 20_000
_BETACF_EPS = 1e-16


# --------------------------------------------------------------------------- helpers


def _finite(value: float, what: str) -> float:
    """Return ``value`` as a float, or raise ValueError if it is not a finite number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return number


def _vector(values: Sequence[float], what: str) -> list[float]:
    """Validate a sequence of finite numbers and return it as a list of floats."""
    return [_finite(v, f"{what}[{i}]") for i, v in enumerate(values)]


def _matrix(rows: Sequence[Sequence[float]], what: str, min_rows: int, min_cols: int) -> list[list[float]]:
    """Validate a rectangular table of finite numbers (rows x columns) and return it as lists."""
    table = [_vector(row, f"{what} row {i}") for i, row in enumerate(rows)]
    if len(table) < min_rows:
        raise ValueError(f"{what} needs at least {min_rows} rows, got {len(table)}")
    width = len(table[0])
    for i, row in enumerate(table):
        if len(row) != width:
            raise ValueError(
                f"{what} rows must all have the same length (ragged rows): "
                f"row 0 has {width} values, row {i} has {len(row)}"
            )
    if width < min_cols:
        raise ValueError(f"{what} needs at least {min_cols} columns per row, got {width}")
    return table


def _mean(values: Sequence[float]) -> float:
    """Arithmetic mean using an exactly rounded sum."""
    return math.fsum(values) / len(values)


def _variance(values: Sequence[float]) -> float:
    """Sample variance (ddof = 1) by the two-pass algorithm with exactly rounded sums."""
    m = _mean(values)
    return math.fsum((v - m) ** 2 for v in values) / (len(values) - 1)


def _check_points(points: int) -> float:
    """Validate the number of scale points and return sigma_EU^2 = (A^2 - 1) / 12."""
    if isinstance(points, bool) or not isinstance(points, int):
        raise ValueError(f"points must be an integer, got {points!r}")
    if points < 2:
        raise ValueError(f"points must be at least 2, got {points}")
    return (points * points - 1) / 12.0


def _check_df(df: float, name: str) -> float:
    """Validate a degrees-of-freedom parameter (finite and > 0)."""
    value = _finite(df, name)
    if value <= 0.0:
        raise ValueError(f"{name} must be positive, got {df!r}")
    return value


# --------------------------------------------------------------------------- reliability


def cronbach_alpha(rows: Sequence[Sequence[float]]) -> float:
    """Cronbach's coefficient alpha for complete item scores.

    ``rows`` holds one sequence of item scores per respondent (n >= 2 rows, all of
    the same length k >= 2, no missing values)::

        alpha = k / (k - 1) * (1 - sum_j s_j^2 / s_X^2)

    where s_j^2 is the sample variance (ddof = 1) of item j and s_X^2 that of the
    respondents' total scores X = sum_j x_j.  Alpha may be negative when items
    covary negatively; it never exceeds 1.

    Reference: Cronbach, L. J. (1951). Coefficient alpha and the internal
    structure of tests. Psychometrika, 16(3), 297-334.

    Raises ValueError for fewer than 2 respondents or items, ragged rows,
    non-finite scores, or total scores with no variance (alpha undefined).
    """
    table = _matrix(rows, "rows", min_rows=2, min_cols=2)
    k = len(table[0])
    item_variances = [_variance([row[j] for row in table]) for j in range(k)]
    total_variance = _variance([math.fsum(row) for row in table])
    if total_variance <= 0.0:
        raise ValueError("cronbach_alpha is undefined: the total scores have no variance")
    return k / (k - 1) * (1.0 - math.fsum(item_variances) / total_variance)


def cronbach_alpha_ci(
    rows: Sequence[Sequence[float]], confidence: float = 0.95
) -> tuple[float, float, float]:
    """Cronbach's alpha with Feldt's F-based confidence interval: ``(alpha, lower, upper)``.

    With n respondents and k items, (1 - rho) / (1 - alpha) follows an F
    distribution with df1 = n - 1 and df2 = (n - 1)(k - 1) degrees of freedom, so
    for confidence level c::

        lower = 1 - (1 - alpha) * F_{1 - (1 - c)/2}(df1, df2)
        upper = 1 - (1 - alpha) * F_{(1 - c)/2}(df1, df2)

    where F_p is the p-quantile (the lower bound uses the upper quantile).

    References: Feldt, L. S. (1965). The approximate sampling distribution of
    Kuder-Richardson reliability coefficient twenty. Psychometrika, 30(3),
    357-370; Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical
    inference for coefficient alpha. Applied Psychological Measurement, 11(1),
    93-103 (formulas 6 and 7).

    Raises ValueError for invalid rows (see ``cronbach_alpha``) or a confidence
    outside the open interval (0, 1).
    """
    level = _check_confidence(confidence)
    alpha = cronbach_alpha(rows)
    lower, upper = _feldt_interval(alpha, len(rows), len(rows[0]), level)
    return alpha, lower, upper


def _check_confidence(confidence: float) -> float:
    """Validate a confidence level in the open interval (0, 1)."""
    level = _finite(confidence, "confidence")
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return level


def _feldt_interval(alpha: float, n: int, k: int, confidence: float) -> tuple[float, float]:
    """Feldt's (lower, upper) bounds for an alpha from n respondents and k items."""
    df1 = float(n - 1)
    df2 = float((n - 1) * (k - 1))
    tail = (1.0 - confidence) / 2.0
    lower = 1.0 - (1.0 - alpha) * f_ppf(1.0 - tail, df1, df2)
    upper = 1.0 - (1.0 - alpha) * f_ppf(tail, df1, df2)
    return lower, upper


def feldt_interval(alpha: float, n: int, k: int, confidence: float = 0.95) -> tuple[float, float]:
    """Feldt's confidence interval ``(lower, upper)`` for an alpha from n respondents and k items.

    The same interval as ``cronbach_alpha_ci`` when only the coefficient and
    the counts are known (e.g. from ``AlphaAccumulator``).
    """
    if n < 2 or k < 2:
        raise ValueError(f"Feldt's interval needs n >= 2 respondents and k >= 2 items, got n={n}, k={k}")
    return _feldt_interval(_finite(alpha, "alpha"), n, k, _check_confidence(confidence))


class AlphaAccumulator:
    """Cronbach's alpha from rows added one at a time, in constant memory.

    Keeps the count, and the sums and sums of squares of each item and of the
    total score; alpha follows from those moments exactly as from the rows.
    """

    def __init__(self, k: int) -> None:
        if k < 2:
            raise ValueError(f"alpha needs at least 2 items, got {k}")
        self.k = k
        self.n = 0
        self._sum = [0.0] * k
        self._sumsq = [0.0] * k
        self._total = 0.0
        self._totalsq = 0.0

    def add(self, row: Sequence[float]) -> None:
        if len(row) != self.k:
            raise ValueError(f"row has {len(row)} items, expected {self.k}")
        self.n += 1
        total = 0.0
        for i, value in enumerate(row):
            self._sum[i] += value
            self._sumsq[i] += value * value
            total += value
        self._total += total
        self._totalsq += total * total

    def alpha(self) -> float:
        """The coefficient; ValueError with fewer than 2 rows or no variance in the totals."""
        n = self.n
        if n < 2:
            raise ValueError(f"cronbach_alpha needs at least 2 respondents, got {n}")
        item_var = math.fsum((sq - s * s / n) / (n - 1) for s, sq in zip(self._sum, self._sumsq, strict=True))
        total_var = (self._totalsq - self._total * self._total / n) / (n - 1)
        if total_var <= 1e-12:
            raise ValueError("cronbach_alpha is undefined: the total scores have no variance")
        return self.k / (self.k - 1) * (1.0 - item_var / total_var)


# --------------------------------------------------------------------------- F distribution


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (modified Lentz's method)."""
    fpmin = 1e-300
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < fpmin:
        d = fpmin
    d = 1.0 / d
    h = d
    for m in range(1, _BETACF_MAX_ITER + 1):
        m2 = 2 * m
        # Even step.
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < fpmin:
            d = fpmin
        c = 1.0 + aa / c
        if abs(c) < fpmin:
            c = fpmin
        d = 1.0 / d
        h *= d * c
        # Odd step.
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < fpmin:
            d = fpmin
        c = 1.0 + aa / c
        if abs(c) < fpmin:
            c = fpmin
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) <= _BETACF_EPS:
            return h
    raise ArithmeticError(f"incomplete beta continued fraction did not converge (a={a}, b={b}, x={x})")


_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# Stirling series coefficients for stirlerr(z) = lgamma(z) - Stirling's approximation.
_STIRLING = (1.0 / 12.0, -1.0 / 360.0, 1.0 / 1260.0, -1.0 / 1680.0, 1.0 / 1188.0)


def _stirlerr(z: float) -> float:
    """log(Gamma(z)) minus Stirling's approximation (z - 1/2) log z - z + log(2 pi) / 2."""
    if z <= 15.0:
        return math.lgamma(z) - ((z - 0.5) * math.log(z) - z + _HALF_LOG_2PI)
    inv2 = 1.0 / (z * z)
    total = 0.0
    for coefficient in reversed(_STIRLING):
        total = total * inv2 + coefficient
    return total / z


def _bd0(k: float, m: float) -> float:
    """Deviance term k log(k / m) + m - k, accurate when k is close to m (Loader, 2000)."""
    if abs(k - m) < 0.1 * (k + m):
        v = (k - m) / (k + m)
        total = (k - m) * v
        term = 2.0 * k * v
        v2 = v * v
        j = 1
        while True:
            term *= v2
            updated = total + term / (2 * j + 1)
            if updated == total:
                return total
            total = updated
            j += 1
    return k * math.log(k / m) + m - k


def _beta_front(a: float, b: float, x: float, xc: float) -> float:
    """x^a (1 - x)^b / B(a, b), evaluated without the cancellation of lgamma differences.

    Uses the saddle-point form x^a xc^b / B(a, b) = sqrt(a b / (2 pi N)) *
    exp(-bd0(a, N x) - bd0(b, N xc) + stirlerr(N) - stirlerr(a) - stirlerr(b)), N = a + b,
    which stays accurate for large degrees of freedom (Loader, 2000).
    """
    n = a + b
    if n * x <= 0.0 or n * xc <= 0.0:  # underflow: the prefactor is 0 to double precision
        return 0.0
    log_front = (
        0.5 * math.log(a * b / n)
        - _HALF_LOG_2PI
        - _bd0(a, n * x)
        - _bd0(b, n * xc)
        + _stirlerr(n)
        - _stirlerr(a)
        - _stirlerr(b)
    )
    return math.exp(log_front)


def _betainc_pair(a: float, b: float, x: float, xc: float) -> tuple[float, float]:
    """Regularized incomplete beta (I_x(a, b), 1 - I_x(a, b)); ``xc`` is 1 - x computed exactly.

    Whichever tail the continued fraction converges for is computed directly, the
    other as its complement, so both tails keep their relative accuracy where it matters.
    """
    if x <= 0.0:
        return 0.0, 1.0
    if xc <= 0.0:
        return 1.0, 0.0
    front = _beta_front(a, b, x, xc)
    if x < (a + 1.0) / (a + b + 2.0):
        lower = front * _betacf(a, b, x) / a
        return lower, 1.0 - lower
    upper = front * _betacf(b, a, xc) / b
    return 1.0 - upper, upper


def _f_tails(x: float, d1: float, d2: float) -> tuple[float, float]:
    """(P(F <= x), P(F > x)) for x > 0 and validated degrees of freedom."""
    ratio = d2 / d1
    if x > ratio:  # y = d1 x / (d1 x + d2) written so that nothing overflows for huge x
        t = ratio / x
        y, yc = 1.0 / (1.0 + t), t / (1.0 + t)
    else:
        y, yc = x / (x + ratio), ratio / (x + ratio)
    return _betainc_pair(d1 / 2.0, d2 / 2.0, y, yc)


def f_cdf(x: float, df1: float, df2: float) -> float:
    """Cumulative distribution function of Snedecor's F distribution.

    For x > 0::

        P(F <= x) = I_{d1 x / (d1 x + d2)}(d1 / 2, d2 / 2)

    where I_y(a, b) is the regularized incomplete beta function, evaluated by its
    continued fraction with the modified Lentz algorithm (prefactor in Loader's
    saddle-point form for accuracy at large degrees of freedom).  P(F <= x) = 0
    for x <= 0.

    References: Abramowitz, M., & Stegun, I. A. (1964). Handbook of Mathematical
    Functions, 26.6.2; Press, W. H., Teukolsky, S. A., Vetterling, W. T., &
    Flannery, B. P. (2007). Numerical Recipes (3rd ed.), sections 5.2, 6.4 and
    6.14; Loader, C. (2000). Fast and accurate computation of binomial
    probabilities.

    x = +inf gives 1.0.  Raises ValueError for a NaN x or degrees of freedom
    that are not finite and positive.
    """
    d1 = _check_df(df1, "df1")
    d2 = _check_df(df2, "df2")
    try:
        value = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"x must be a number, got {x!r}") from None
    if math.isnan(value):
        raise ValueError("x must not be NaN")
    if value == math.inf:
        return 1.0
    if value <= 0.0:
        return 0.0
    return _f_tails(value, d1, d2)[0]


def f_ppf(q: float, df1: float, df2: float) -> float:
    """Quantile function (inverse CDF) of Snedecor's F distribution.

    Returns the x >= 0 with ``f_cdf(x, df1, df2) == q``: 0.0 for q = 0 and
    ``math.inf`` for q = 1.  The root is bracketed by doubling/halving and then
    found by bisection on log(x) to a relative accuracy of about 1e-13; for
    q > 1/2 the upper tail P(F > x) = 1 - q is matched instead, so extreme upper
    quantiles keep their accuracy.  Identity: F_q(d1, d2) = 1 / F_{1-q}(d2, d1).

    References: Abramowitz, M., & Stegun, I. A. (1964). Handbook of Mathematical
    Functions, 26.6; Press, W. H., et al. (2007). Numerical Recipes (3rd ed.), 6.14.

    Raises ValueError when q is outside [0, 1] or the degrees of freedom are not
    finite and positive.
    """
    d1 = _check_df(df1, "df1")
    d2 = _check_df(df2, "df2")
    p = _finite(q, "q")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"q must be between 0 and 1, got {q!r}")
    if p == 0.0:
        return 0.0
    if p == 1.0:
        return math.inf
    upper_tail = p > 0.5
    target = 1.0 - p if upper_tail else p

    def below(x: float) -> bool:
        """True when x lies below the quantile sought."""
        lower, upper = _f_tails(x, d1, d2)
        return upper > target if upper_tail else lower < target

    lo = hi = 1.0
    if below(1.0):
        while below(hi):
            lo = hi
            hi *= 2.0
            if hi > _HUGE:
                return math.inf
    else:
        while not below(lo):
            hi = lo
            lo /= 2.0
            if lo < _TINY:
                return 0.0
    # Invariant: below(lo) and not below(hi).
    while hi - lo > _PPF_RTOL * hi:
        mid = math.sqrt(lo * hi)
        if not lo < mid < hi:
            break
        if below(mid):
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


# --------------------------------------------------------------------------- agreement


def rwg(ratings: Sequence[float], points: int) -> float:
    """Single-item within-group agreement r_wg (James, Demaree & Wolf, 1984).

    For ratings of one target by several raters on an A-point scale::

        r_wg = 1 - s^2 / sigma_EU^2,   sigma_EU^2 = (A^2 - 1) / 12

    where s^2 is the sample variance (ddof = 1) of the ratings and sigma_EU^2 the
    variance of the uniform ("no agreement") null distribution.  When s^2 exceeds
    sigma_EU^2 the result is truncated to 0, as recommended; it never exceeds 1.

    References: James, L. R., Demaree, R. G., & Wolf, G. (1984). Estimating
    within-group interrater reliability with and without response bias. Journal
    of Applied Psychology, 69(1), 85-98; LeBreton, J. M., & Senter, J. L. (2008).
    Answers to 20 questions about interrater reliability and interrater
    agreement. Organizational Research Methods, 11(4), 815-852.

    Raises ValueError for fewer than 2 ratings, non-finite ratings, or points < 2.
    """
    _check_points(points)
    values = _vector(ratings, "ratings")
    if len(values) < 2:
        raise ValueError(f"rwg needs at least 2 ratings, got {len(values)}")
    return _rwg_of_variance(_variance(values), points)


def _rwg_of_variance(variance: float, points: int) -> float:
    """The r_wg formula itself, from a sample variance (truncated to [0, 1])."""
    return min(1.0, max(0.0, 1.0 - variance / ((points**2 - 1) / 12)))


def item_rwg(ratings: Sequence[float], points: int) -> float | None:
    """``rwg`` of one item's ratings as scoring publishes it: None with fewer than 2 ratings.

    Unchecked (scoring calls it for every item of every leader, with ratings it
    recoded itself from the scale), otherwise the same computation as ``rwg``.
    """
    if len(ratings) < 2:
        return None
    return _rwg_of_variance(_variance(ratings), points)


def rwg_j(rows: Sequence[Sequence[float]], points: int) -> float:
    """Multi-item within-group agreement r_wg(J) (James, Demaree & Wolf, 1984).

    ``rows`` holds one sequence of J item ratings per rater (at least 2 raters,
    all rows of the same length J >= 1).  With mean_s2 the mean over items of each
    item's sample variance (ddof = 1) across raters and sigma_EU^2 = (A^2 - 1) / 12::

        r = mean_s2 / sigma_EU^2
        r_wg(J) = J (1 - r) / (J (1 - r) + r)

    When mean_s2 >= sigma_EU^2 the index is set to 0 (the formula misbehaves
    there), so the result lies in [0, 1].  With J = 1 it equals ``rwg``.

    References: James, L. R., Demaree, R. G., & Wolf, G. (1984). Journal of
    Applied Psychology, 69(1), 85-98; Lindell, M. K., Brandt, C. J., & Whitney,
    D. J. (1999). A revised index of interrater agreement for multi-item ratings
    of a single target. Applied Psychological Measurement, 23(2), 127-135;
    LeBreton, J. M., & Senter, J. L. (2008). Organizational Research Methods,
    11(4), 815-852.

    Raises ValueError for fewer than 2 raters, no items, ragged rows, non-finite
    ratings, or points < 2.
    """
    _check_points(points)
    table = _matrix(rows, "rows", min_rows=2, min_cols=1)
    j = len(table[0])
    result = rwg_j_of_variances([_variance([row[i] for row in table]) for i in range(j)], points)
    assert result is not None  # j >= 1
    return result


def rwg_j_of_variances(variances: Sequence[float], points: int) -> float | None:
    """r_wg(J) from the items' sample variances across raters (the formula of ``rwg_j``).

    Scoring calls it with the variances of the item figures it publishes; None
    when there are none. Unchecked, like ``item_rwg``.
    """
    if not variances:
        return None
    ratio = _mean(variances) / ((points**2 - 1) / 12)
    if ratio >= 1.0:
        return 0.0
    j = len(variances)
    agreement = j * (1.0 - ratio)
    return min(1.0, max(0.0, agreement / (agreement + ratio)))


# --------------------------------------------------------------------------- norms and descriptives


def percentile_rank(value: float, population: Sequence[float]) -> float:
    """Percentile rank of ``value`` in ``population``, in 0..100 (the "mean" method).

    With N population values, of which L are strictly below ``value`` and E equal to it::

        PR = 100 * (L + E / 2) / N

    i.e. the average of the "strict" and "weak" percentile ranks, matching
    ``scipy.stats.percentileofscore(population, value, kind="mean")``.

    Reference: Crocker, L., & Algina, J. (1986). Introduction to Classical and
    Modern Test Theory. New York: Holt, Rinehart and Winston (percentile ranks,
    ch. 19).

    Raises ValueError for an empty population or non-finite numbers.
    """
    score = _finite(value, "value")
    values = _vector(population, "population")
    if not values:
        raise ValueError("percentile_rank needs a non-empty population")
    below = sum(1 for v in values if v < score)
    equal = sum(1 for v in values if v == score)
    return _rank(below, equal, len(values))


def _rank(below: int, equal: int, n: int) -> float:
    return 100.0 * (2 * below + equal) / (2 * n)


def percentile_ranks(population: Sequence[float]) -> list[float]:
    """``percentile_rank(v, population)`` for every ``v`` of ``population``, in its order.

    Sorts once and finds each value's run of equals by bisection: O(n log n)
    where asking ``percentile_rank`` n times is O(n²) (a cohort ranks every
    leader against every other, per competency). Same numbers, ties included.
    """
    values = _vector(population, "population")
    ordered = sorted(values)
    n = len(ordered)
    out = []
    for v in values:
        below = bisect.bisect_left(ordered, v)
        out.append(_rank(below, bisect.bisect_right(ordered, v, lo=below) - below, n))
    return out


@dataclass(frozen=True)
class Description:
    """Summary statistics of a sample: size, mean, sample SD (ddof = 1), minimum and maximum."""

    n: int
    mean: float | None
    sd: float | None
    min: float | None
    max: float | None


def describe(values: Sequence[float]) -> Description:
    """Describe a sample: n, mean, sample standard deviation, minimum and maximum.

    ::

        mean = sum(x) / n
        sd   = sqrt(sum((x - mean)^2) / (n - 1))

    ``sd`` is None when n < 2; ``mean``, ``min`` and ``max`` are None when n == 0.

    Reference: e.g. Snedecor, G. W., & Cochran, W. G. (1989). Statistical Methods
    (8th ed.). Ames: Iowa State University Press, ch. 2 (sample mean and the
    n - 1 divisor of the sample variance).

    Raises ValueError for non-finite values.
    """
    data = _vector(values, "values")
    n = len(data)
    if n == 0:
        return Description(n=0, mean=None, sd=None, min=None, max=None)
    sd = math.sqrt(_variance(data)) if n >= 2 else None
    return Description(n=n, mean=_mean(data), sd=sd, min=min(data), max=max(data))


def _f1_pdf(x: float, df: float) -> float:
    """The density of F(1, df) at x > 0."""
    log_beta = math.lgamma(0.5) + math.lgamma(df / 2) - math.lgamma((df + 1) / 2)
    return math.exp(-log_beta - 0.5 * math.log(df * x) - (df + 1) / 2 * math.log1p(x / df))


# Ratings on a few scale points from a few raters give few distinct SDs, so the same degrees of freedom
# recur across items and leaders: each quantile is computed once. A miss takes a few Newton steps
# from the Cornish-Fisher expansion (about 0.3 ms) instead of f_ppf's bisection (about 2 ms), and
# falls back to the bisection when Newton does not settle (bench/change_bench.py prints the time).
@functools.lru_cache(maxsize=8192)
def welch_quantile(confidence: float, df: float) -> float:
    """The two-sided ``confidence`` quantile of Student's t with ``df`` (not necessarily whole) degrees of
    freedom: √F(confidence; 1, df), since t² follows F(1, df)."""
    z = _normal_quantile((1 + confidence) / 2)
    t = z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
    x = t * t
    for _ in range(8):
        step = (f_cdf(x, 1, df) - confidence) / _f1_pdf(x, df)
        if not math.isfinite(step) or x - step <= 0:
            break
        x -= step
        if abs(step) <= _PPF_RTOL * x:
            return math.sqrt(x)
    return math.sqrt(f_ppf(confidence, 1, df))


def _normal_quantile(p: float) -> float:
    """The standard normal quantile, by bisection on erf (only a starting point for welch_quantile)."""
    low, high = -40.0, 40.0
    for _ in range(200):
        mid = (low + high) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < p:
            low = mid
        else:
            high = mid
        if high - low < 1e-15:
            break
    return (low + high) / 2


@dataclass(frozen=True)
class WelchInterval:
    """The confidence interval of a difference of two means (after - before) by Welch's method."""

    difference: float
    low: float
    high: float
    df: float  # Welch-Satterthwaite degrees of freedom


def welch_interval(
    before: tuple[float, float, int], after: tuple[float, float, int], confidence: float = 0.95
) -> WelchInterval:
    """Welch's interval of ``after.mean - before.mean`` from each sample's (mean, sd, n).

    ::

        se² = sd₁² / n₁ + sd₂² / n₂
        df  = se⁴ / ((sd₁² / n₁)² / (n₁ - 1) + (sd₂² / n₂)² / (n₂ - 1))
        difference ± t(1 - (1 - confidence) / 2, df) · se

    The two samples need not be the same size nor have the same variance,
    and are not paired. Reference: Welch, B. L. (1947). The generalization
    of "Student's" problem when several different population variances are
    involved. *Biometrika*, 34(1/2), 28-35. The t quantile is √F(1, df).

    Raises ValueError below two values in either sample or for a zero SD in both.
    """
    (m1, s1, n1), (m2, s2, n2) = before, after
    if n1 < 2 or n2 < 2:
        raise ValueError(f"Welch's interval needs at least 2 values in each sample, got {n1} and {n2}")
    v1, v2 = _finite(s1, "sd") ** 2 / n1, _finite(s2, "sd") ** 2 / n2
    if v1 + v2 <= 0:
        raise ValueError("Welch's interval needs a positive SD in at least one sample")
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    half = welch_quantile(_check_confidence(confidence), df) * math.sqrt(v1 + v2)
    difference = _finite(m2, "mean") - _finite(m1, "mean")
    return WelchInterval(difference, difference - half, difference + half, df)
