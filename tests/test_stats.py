"""Tests for leadcheck.stats against published reference values and hand-worked examples."""

from __future__ import annotations

import dataclasses
import itertools
import math
import statistics

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from leadcheck.stats import (
    Description,
    _feldt_interval,
    cronbach_alpha,
    cronbach_alpha_ci,
    describe,
    f_cdf,
    f_ppf,
    percentile_rank,
    percentile_ranks,
    rwg,
    rwg_j,
)

# Deterministic, database-free property tests with no per-example deadline.
PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=50)

likert5 = st.integers(min_value=1, max_value=5).map(float)


@st.composite
def score_tables(draw: st.DrawFn, min_cols: int = 2) -> list[list[float]]:
    """Rectangular tables of 5-point scores: 2..12 rows, ``min_cols``..6 columns."""
    n = draw(st.integers(min_value=2, max_value=12))
    k = draw(st.integers(min_value=min_cols, max_value=6))
    row = st.lists(likert5, min_size=k, max_size=k)
    return draw(st.lists(row, min_size=n, max_size=n))


# --------------------------------------------------------------------------- F distribution

# Critical values from standard F tables (e.g. NIST/SEMATECH e-Handbook of Statistical
# Methods, section 1.3.6.7.3, "Upper critical values of the F distribution"; Pearson &
# Hartley, Biometrika Tables for Statisticians), given to 4 decimals / 5 significant
# digits, so the tolerance is half a unit in the last printed digit.
F_TABLE = [
    # (q, df1, df2, tabulated F_q(df1, df2), tolerance)
    (0.95, 5, 10, 3.3258, 5e-5),
    (0.975, 10, 20, 2.7737, 5e-5),
    (0.99, 3, 12, 5.9525, 5e-5),
    (0.95, 1, 1, 161.45, 5e-3),
    (0.95, 10, 5, 4.7351, 5e-5),
    (0.975, 20, 10, 3.4185, 5e-5),
]


@pytest.mark.parametrize(("q", "df1", "df2", "expected", "tol"), F_TABLE)
def test_f_ppf_matches_published_tables(q: float, df1: int, df2: int, expected: float, tol: float) -> None:
    assert f_ppf(q, df1, df2) == pytest.approx(expected, abs=tol)
    assert f_cdf(expected, df1, df2) == pytest.approx(q, abs=1e-4)


def test_f_ppf_lower_quantile_from_tables() -> None:
    # Lower quantiles are read from upper-tail tables via F_q(d1, d2) = 1 / F_{1-q}(d2, d1):
    # F_0.05(5, 10) = 1 / F_0.95(10, 5) = 1 / 4.7351 = 0.21119.
    assert f_ppf(0.05, 5, 10) == pytest.approx(1 / 4.7351, rel=2e-5)
    # F_0.025(10, 20) = 1 / F_0.975(20, 10) = 1 / 3.4185 = 0.29253.
    assert f_ppf(0.025, 10, 20) == pytest.approx(1 / 3.4185, rel=2e-5)


def test_f_ppf_equals_squared_t_quantile() -> None:
    # If T ~ t(nu) then T^2 ~ F(1, nu), so F_0.95(1, 10) = t_0.975(10)^2.
    # t_0.975(10) = 2.228139 (six-decimal t tables, e.g. NIST e-Handbook 1.3.6.7.2).
    assert f_ppf(0.95, 1, 10) == pytest.approx(2.228139**2, rel=1e-6)


# Closed forms of the F distribution (Abramowitz & Stegun 26.6; Johnson, Kotz &
# Balakrishnan, Continuous Univariate Distributions, vol. 2, ch. 27):
#  * F(1, 1): sqrt(F) is the absolute value of a standard Cauchy variable, so
#    P(F <= x) = (2 / pi) * atan(sqrt(x)) and F_q = tan(pi q / 2)^2;
#  * F(2, d2): P(F <= x) = 1 - (1 + 2x / d2)^(-d2 / 2), since I_y(1, b) = 1 - (1 - y)^b;
#  * F(d1, 2): P(F <= x) = (d1 x / (d1 x + 2))^(d1 / 2), since I_y(a, 1) = y^a.
QUANTILES = [1e-6, 0.001, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.999, 1 - 1e-6]


@pytest.mark.parametrize("q", QUANTILES)
def test_f_closed_form_one_one(q: float) -> None:
    expected = math.tan(math.pi * q / 2) ** 2
    assert f_ppf(q, 1, 1) == pytest.approx(expected, rel=1e-10)
    assert f_cdf(expected, 1, 1) == pytest.approx(2 / math.pi * math.atan(math.sqrt(expected)))


@pytest.mark.parametrize("q", QUANTILES)
@pytest.mark.parametrize("d2", [1, 3, 7.5, 40, 1000])
def test_f_closed_form_two_numerator_df(q: float, d2: float) -> None:
    # Solving 1 - (1 + 2x/d2)^(-d2/2) = q for x (expm1/log1p avoid cancellation).
    expected = d2 / 2 * math.expm1(-2 / d2 * math.log1p(-q))
    assert f_ppf(q, 2, d2) == pytest.approx(expected, rel=1e-10)
    assert f_cdf(expected, 2, d2) == pytest.approx(q, rel=1e-10)


@pytest.mark.parametrize("q", QUANTILES)
@pytest.mark.parametrize("d1", [0.5, 1, 4, 30, 500])
def test_f_closed_form_two_denominator_df(q: float, d1: float) -> None:
    # Solving (d1 x / (d1 x + 2))^(d1/2) = q for x: y = q^(2/d1), x = 2y / (d1 (1 - y)).
    log_y = 2 / d1 * math.log(q)
    expected = 2 * math.exp(log_y) / (d1 * -math.expm1(log_y))
    assert f_ppf(q, d1, 2) == pytest.approx(expected, rel=1e-9)
    assert f_cdf(expected, d1, 2) == pytest.approx(q, rel=1e-9)


def test_f_cdf_edges() -> None:
    assert f_cdf(0.0, 3, 4) == 0.0
    assert f_cdf(-2.0, 3, 4) == 0.0
    assert f_cdf(math.inf, 3, 4) == 1.0
    assert f_ppf(0.0, 3, 4) == 0.0
    assert f_ppf(1.0, 3, 4) == math.inf
    # Large degrees of freedom: F(d, d) has median 1 and is nearly symmetric on the log scale.
    assert f_ppf(0.5, 1e6, 1e6) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: f_cdf(1.0, 0, 3), "df1"),
        (lambda: f_cdf(1.0, 3, -1), "df2"),
        (lambda: f_cdf(math.nan, 3, 3), "NaN"),
        (lambda: f_ppf(1.5, 3, 3), "between 0 and 1"),
        (lambda: f_ppf(-0.1, 3, 3), "between 0 and 1"),
        (lambda: f_ppf(0.5, math.inf, 3), "df1"),
    ],
)
def test_f_invalid_input(call: object, match: str) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=match):
        call()


dfs = st.one_of(
    st.integers(min_value=1, max_value=200).map(float),
    st.floats(min_value=0.2, max_value=5000.0),
)
probabilities = st.floats(min_value=1e-9, max_value=1 - 1e-9)


@PROPERTY
@given(q=probabilities, df1=dfs, df2=dfs)
def test_f_ppf_inverts_f_cdf(q: float, df1: float, df2: float) -> None:
    x = f_ppf(q, df1, df2)
    assert x > 0
    assert f_cdf(x, df1, df2) == pytest.approx(q, rel=1e-9, abs=1e-12)


@PROPERTY
@given(q=st.floats(min_value=1e-9, max_value=0.5), df1=dfs, df2=dfs)
def test_f_ppf_reciprocal_identity(q: float, df1: float, df2: float) -> None:
    # F_q(d1, d2) = 1 / F_{1-q}(d2, d1).  p = 1 - q may round, but then 1 - p is exact
    # (Sterbenz), so the pair (1 - p, p) sums to exactly 1.
    p = 1 - q
    lower = 1 - p
    assert f_ppf(lower, df1, df2) == pytest.approx(1 / f_ppf(p, df2, df1), rel=1e-9)
    assert f_ppf(p, df1, df2) == pytest.approx(1 / f_ppf(lower, df2, df1), rel=1e-9)


# --------------------------------------------------------------------------- Cronbach's alpha


def test_cronbach_alpha_hand_worked_example() -> None:
    # 4 respondents x 3 items:
    #   item 1 = [4, 3, 5, 2]: mean 3.5, SS = 0.25 + 0.25 + 2.25 + 2.25 = 5    -> s^2 = 5/3
    #   item 2 = [5, 4, 5, 3]: mean 4.25, SS = 2.75                             -> s^2 = 11/12
    #   item 3 = [4, 3, 5, 2]: as item 1                                        -> s^2 = 5/3
    #   sum of item variances = 20/12 + 11/12 + 20/12 = 51/12 = 4.25
    #   totals = [13, 10, 15, 7]: mean 11.25, SS = 3.0625 + 1.5625 + 14.0625 + 18.0625
    #            = 36.75 -> s^2 = 12.25
    #   alpha = 3/2 * (1 - 4.25 / 12.25) = 3/2 * 8/12.25 = 48/49 = 0.97959...
    rows = [[4, 5, 4], [3, 4, 3], [5, 5, 5], [2, 3, 2]]
    assert cronbach_alpha(rows) == pytest.approx(48 / 49, rel=1e-12)


def test_cronbach_alpha_identical_items_is_one() -> None:
    # k identical items with variance v: sum of item variances k v, total variance k^2 v,
    # alpha = k/(k-1) * (1 - 1/k) = 1 exactly.
    scores = [1, 3, 2, 5, 4, 4, 2]
    for k in (2, 3, 7):
        assert cronbach_alpha([[s] * k for s in scores]) == pytest.approx(1.0, abs=1e-12)


def test_cronbach_alpha_parallel_items_equals_spearman_brown() -> None:
    # For items with equal variances and equal covariances alpha equals the Spearman-Brown
    # formula k r / (1 + (k - 1) r) (Cronbach, 1951; Lord & Novick, 1968, ch. 4).
    # Construction: every permutation p of (0, 1, 2), each shifted by t in {0, 3} (12 rows).
    # The row set is invariant under permuting items, so all item variances are equal and
    # all covariances are equal.  With population moments (the n - 1 divisor cancels):
    #   var(p_j) = 2/3; sum_j p_j = 3 is constant, so cov(p_i, p_j) = -(3 * 2/3) / 6 = -1/3;
    #   var(t) = 9/4, independent of p.
    #   item variance = 2/3 + 9/4 = 35/12, item covariance = -1/3 + 9/4 = 23/12, r = 23/35.
    #   Spearman-Brown with k = 3: 3 (23/35) / (1 + 2 (23/35)) = 69/81 = 23/27.
    #   Directly: alpha = 3/2 * (1 - 3 (35/12) / (9 * 9/4)) = 3/2 * (1 - 105/243) = 23/27.
    rows = [[float(v + t) for v in perm] for perm in itertools.permutations((0, 1, 2)) for t in (0, 3)]
    columns = list(zip(*rows, strict=True))
    r = statistics.correlation(columns[0], columns[1])
    assert r == pytest.approx(23 / 35, rel=1e-12)
    spearman_brown = 3 * r / (1 + 2 * r)
    assert cronbach_alpha(rows) == pytest.approx(spearman_brown, rel=1e-12)
    assert cronbach_alpha(rows) == pytest.approx(23 / 27, rel=1e-12)


def _sylvester_hadamard(order: int) -> list[list[int]]:
    """Sylvester's Hadamard matrix of a power-of-two order (entries +1 / -1)."""
    h = [[1]]
    while len(h) < order:
        h = [row + row for row in h] + [row + [-v for v in row] for row in h]
    return h


def test_cronbach_alpha_statsbase_covariance_example() -> None:
    # Published example: the StatsBase.jl documentation of `cronbachalpha` gives, for the
    # covariance matrix
    #     [10 6 6 6; 6 11 6 6; 6 6 12 6; 6 6 6 13],
    # "Cronbach's alpha for all items: 0.8136" (= 4/3 * (1 - 46/118) = 48/59).
    # Alpha depends only on the covariance matrix and is scale free, so build 16 integer
    # score rows whose sample covariance matrix is (16/15) times that matrix: columns 1..15
    # of a 16 x 16 Hadamard matrix are centred, mutually orthogonal and have squared
    # length 16.  Item j = 3 + T + E_j with
    #   T   = 2 h1 + h2 + h3               (variance weight 4 + 1 + 1 = 6, shared)
    #   E_1 = 2 h4                         (4)
    #   E_2 = 2 h5 + h6                    (4 + 1 = 5)
    #   E_3 = 2 h7 + h8 + h9               (6)
    #   E_4 = 2 h10 + h11 + h12 + h13      (7)
    h = _sylvester_hadamard(16)
    rows = []
    for r in h:
        true = 2 * r[1] + r[2] + r[3]
        errors = [
            2 * r[4],
            2 * r[5] + r[6],
            2 * r[7] + r[8] + r[9],
            2 * r[10] + r[11] + r[12] + r[13],
        ]
        rows.append([float(3 + true + e) for e in errors])
    sigma = [[10, 6, 6, 6], [6, 11, 6, 6], [6, 6, 12, 6], [6, 6, 6, 13]]
    columns = list(zip(*rows, strict=True))
    for i in range(4):
        for j in range(4):
            cov = statistics.covariance(columns[i], columns[j])
            assert cov == pytest.approx(sigma[i][j] * 16 / 15, rel=1e-12)
    alpha = cronbach_alpha(rows)
    assert alpha == pytest.approx(48 / 59, rel=1e-12)
    assert round(alpha, 4) == 0.8136


def test_cronbach_alpha_negative_when_items_covary_negatively() -> None:
    # Two items in perfect opposition: totals are constant -> undefined;
    # adding a third neutral item gives negative alpha.
    # items [1,2,3], [3,2,1], [1,1,2]: variances 1, 1, 1/3; totals [5,5,6]: variance 1/3.
    # alpha = 3/2 * (1 - (7/3) / (1/3)) = 3/2 * (1 - 7) = -9.
    rows = [[1, 3, 1], [2, 2, 1], [3, 1, 2]]
    assert cronbach_alpha(rows) == pytest.approx(-9.0, rel=1e-12)


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([[1, 2, 3]], "at least 2 rows"),
        ([], "at least 2 rows"),
        ([[1], [2], [3]], "at least 2 columns"),
        ([[1, 2], [2, 3, 4]], "ragged"),
        ([[1, 2], [1, 2], [1, 2]], "no variance"),
        ([[1, 2], [2, math.nan]], "finite"),
        ([[1, 2], [2, "x"]], "number"),
    ],
)
def test_cronbach_alpha_invalid_input(rows: list[list[float]], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        cronbach_alpha(rows)


def _hoyt_alpha(rows: list[list[float]]) -> float:
    """Alpha from a persons x items ANOVA: 1 - MS_residual / MS_persons (Hoyt, 1941)."""
    n, k = len(rows), len(rows[0])
    grand = sum(map(sum, rows)) / (n * k)
    person_means = [sum(r) / k for r in rows]
    item_means = [sum(r[j] for r in rows) / n for j in range(k)]
    ss_persons = k * sum((m - grand) ** 2 for m in person_means)
    ss_residual = sum(
        (rows[i][j] - person_means[i] - item_means[j] + grand) ** 2 for i in range(n) for j in range(k)
    )
    ms_persons = ss_persons / (n - 1)
    ms_residual = ss_residual / ((n - 1) * (k - 1))
    return 1 - ms_residual / ms_persons


def _has_total_variance(rows: list[list[float]]) -> bool:
    return len({sum(r) for r in rows}) > 1


@PROPERTY
@given(rows=score_tables())
def test_cronbach_alpha_equals_hoyt_anova(rows: list[list[float]]) -> None:
    # Hoyt, C. (1941). Test reliability estimated by analysis of variance.
    # Psychometrika, 6, 153-160: alpha = 1 - MS_residual / MS_persons.
    assume(_has_total_variance(rows))
    assert cronbach_alpha(rows) == pytest.approx(_hoyt_alpha(rows), rel=1e-9, abs=1e-9)


@PROPERTY
@given(rows=score_tables(), shift=st.integers(min_value=-1000, max_value=1000))
def test_cronbach_alpha_invariant_to_adding_a_constant(rows: list[list[float]], shift: int) -> None:
    assume(_has_total_variance(rows))
    shifted = [[v + shift for v in r] for r in rows]
    assert cronbach_alpha(shifted) == pytest.approx(cronbach_alpha(rows), rel=1e-9, abs=1e-9)


@PROPERTY
@given(rows=score_tables())
def test_cronbach_alpha_never_exceeds_one(rows: list[list[float]]) -> None:
    # var(total) <= k * sum of item variances (Cauchy-Schwarz), hence alpha <= 1.
    assume(_has_total_variance(rows))
    assert cronbach_alpha(rows) <= 1 + 1e-12


# --------------------------------------------------------------------------- Feldt interval


def test_feldt_interval_published_example() -> None:
    # Published output of Chris Evans's R implementation of Feldt's interval (MRC Cognition
    # and Brain Sciences Unit statistics wiki, "FAQ/cafun"): feldt1.return(0.913, 873, 20,
    # 0.95) gives [[1]] 0.9044024 and [[2]] 0.9211588 (alpha .913, n = 873, k = 20).
    lower, upper = _feldt_interval(0.913, 873, 20, 0.95)
    assert lower == pytest.approx(0.9044024, abs=5e-8)
    assert upper == pytest.approx(0.9211588, abs=5e-8)


def test_cronbach_alpha_ci_hand_computed_with_table_values() -> None:
    # 6 respondents x 3 items -> df1 = 5, df2 = 5 * 2 = 10.
    #   item 1 = [2,3,3,4,4,5]: mean 3.5,  SS 5.5     -> s^2 = 1.1
    #   item 2 = [3,3,4,4,5,5]: mean 4,    SS 4       -> s^2 = 0.8
    #   item 3 = [3,4,4,5,5,5]: mean 13/3, SS 10/3    -> s^2 = 2/3
    #   sum = 77/30; totals [8,10,11,13,14,15]: mean 71/6, SS 209/6 -> s^2 = 209/30
    #   alpha = 3/2 * (1 - 77/209) = 18/19 = 0.947368...
    # 90% interval with table values F_0.95(5, 10) = 3.3258 and
    # F_0.05(5, 10) = 1 / F_0.95(10, 5) = 1 / 4.7351:
    #   lower = 1 - (1/19) * 3.3258      = 0.824958
    #   upper = 1 - (1/19) / 4.7351      = 0.988885
    rows = [[2, 3, 3], [3, 3, 4], [3, 4, 4], [4, 4, 5], [4, 5, 5], [5, 5, 5]]
    alpha, lower, upper = cronbach_alpha_ci(rows, confidence=0.90)
    assert alpha == pytest.approx(18 / 19, rel=1e-12)
    assert lower == pytest.approx(1 - 3.3258 / 19, abs=1e-5)
    assert upper == pytest.approx(1 - 1 / (4.7351 * 19), abs=1e-5)
    assert lower < alpha < upper


def test_cronbach_alpha_ci_default_is_95_percent() -> None:
    # 11 respondents x 3 items -> df1 = 10, df2 = 20; F_0.975(10, 20) = 2.7737 and
    # F_0.025(10, 20) = 1 / F_0.975(20, 10) = 1 / 3.4185 (tables as above).
    rows = [
        [s, s + d, s + e]
        for s, d, e in zip(
            range(1, 12), [0, 1, 0, 1, 1, 0, 2, 1, 0, 1, 0], [1, 0, 0, 2, 1, 1, 0, 1, 2, 0, 1], strict=True
        )
    ]
    alpha, lower, upper = cronbach_alpha_ci(rows)
    assert lower == pytest.approx(1 - (1 - alpha) * 2.7737, abs=1e-4 * (1 - alpha))
    assert upper == pytest.approx(1 - (1 - alpha) / 3.4185, abs=1e-4 * (1 - alpha))
    assert lower < alpha < upper


def test_cronbach_alpha_ci_wider_at_higher_confidence() -> None:
    rows = [[2, 3, 3], [3, 3, 4], [3, 4, 4], [4, 4, 5], [4, 5, 5], [5, 5, 5]]
    _, lo90, hi90 = cronbach_alpha_ci(rows, 0.90)
    _, lo99, hi99 = cronbach_alpha_ci(rows, 0.99)
    assert lo99 < lo90 and hi90 < hi99


@pytest.mark.parametrize("confidence", [0.0, 1.0, -0.5, 1.5, math.nan])
def test_cronbach_alpha_ci_invalid_confidence(confidence: float) -> None:
    rows = [[2, 3, 3], [3, 3, 4], [3, 4, 4]]
    with pytest.raises(ValueError, match="confidence"):
        cronbach_alpha_ci(rows, confidence)


@PROPERTY
@given(rows=score_tables(), confidence=st.floats(min_value=0.5, max_value=0.999))
def test_cronbach_alpha_ci_brackets_alpha(rows: list[list[float]], confidence: float) -> None:
    assume(_has_total_variance(rows))
    alpha, lower, upper = cronbach_alpha_ci(rows, confidence)
    assert alpha == cronbach_alpha(rows)
    assert lower <= alpha <= upper
    assert upper <= 1 + 1e-12
    if alpha < 1:
        assert lower < alpha < upper


# --------------------------------------------------------------------------- r_wg


def test_rwg_worked_example() -> None:
    # Ratings [4, 4, 5, 5, 4] on a 5-point scale: mean 4.4, SS = 3(0.16) + 2(0.36) = 1.2,
    # s^2 = 1.2 / 4 = 0.3; sigma_EU^2 = (5^2 - 1) / 12 = 2; rwg = 1 - 0.3 / 2 = 0.85.
    assert rwg([4, 4, 5, 5, 4], 5) == pytest.approx(0.85, rel=1e-12)


def test_rwg_uniform_null_variances() -> None:
    # sigma_EU^2 = (A^2 - 1) / 12 (James, Demaree & Wolf, 1984): 2.0 for a 5-point and 4.0
    # for a 7-point scale, the values tabulated by LeBreton & Senter (2008, Table 2).
    # Ratings [3, 5] have s^2 = 2: rwg = 1 - 2/2 = 0 on 5 points, 1 - 2/4 = 0.5 on 7 points.
    assert rwg([3, 5], 5) == pytest.approx(0.0, abs=1e-12)
    assert rwg([3, 5], 7) == pytest.approx(0.5, rel=1e-12)
    # 9 points: sigma_EU^2 = 80/12 = 20/3; rwg = 1 - 2 / (20/3) = 0.7.
    assert rwg([3, 5], 9) == pytest.approx(0.7, rel=1e-12)


def test_rwg_truncated_to_zero_when_variance_exceeds_null() -> None:
    # Ratings [1, 5, 1, 5] on 5 points: s^2 = 16/3 > 2, raw rwg = 1 - 8/3 < 0 -> reported 0.
    assert rwg([1, 5, 1, 5], 5) == 0.0


def test_rwg_perfect_agreement() -> None:
    assert rwg([3, 3, 3], 5) == 1.0


@pytest.mark.parametrize(
    ("ratings", "points", "match"),
    [
        ([4], 5, "at least 2 ratings"),
        ([], 5, "at least 2 ratings"),
        ([4, 5], 1, "at least 2"),
        ([4, 5], 0, "at least 2"),
        ([4, 5], 5.0, "integer"),
        ([4, math.inf], 5, "finite"),
    ],
)
def test_rwg_invalid_input(ratings: list[float], points: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        rwg(ratings, points)


@PROPERTY
@given(
    points=st.integers(min_value=2, max_value=11),
    data=st.data(),
)
def test_rwg_in_unit_interval(points: int, data: st.DataObject) -> None:
    ratings = data.draw(st.lists(st.integers(1, points), min_size=2, max_size=30))
    assert 0.0 <= rwg(ratings, points) <= 1.0


@PROPERTY
@given(
    value=st.integers(min_value=1, max_value=7),
    count=st.integers(min_value=2, max_value=30),
    points=st.integers(min_value=7, max_value=11),
)
def test_rwg_is_one_when_all_raters_agree(value: int, count: int, points: int) -> None:
    assert rwg([value] * count, points) == 1.0


# --------------------------------------------------------------------------- r_wg(J)


def test_rwg_j_worked_example() -> None:
    # 3 raters x 4 items on a 5-point scale; every item's ratings are a permutation of
    # (3, 4, 5), so each item variance is 1 and mean_s2 = 1; sigma_EU^2 = 2, ratio 0.5:
    # rwg(J) = 4 (1 - 0.5) / (4 (1 - 0.5) + 0.5) = 2 / 2.5 = 0.8.
    rows = [[3, 4, 5, 3], [4, 5, 3, 5], [5, 3, 4, 4]]
    assert rwg_j(rows, 5) == pytest.approx(0.8, rel=1e-12)


def test_rwg_j_mixed_item_variances() -> None:
    # 4 raters x 2 items on a 7-point scale (sigma_EU^2 = 4):
    #   item 1 = [5, 6, 6, 7]: mean 6, SS 2  -> s^2 = 2/3
    #   item 2 = [4, 4, 4, 4]:               -> s^2 = 0
    #   mean_s2 = 1/3, ratio = 1/12; rwg(J) = 2 (11/12) / (2 (11/12) + 1/12) = 22/23.
    rows = [[5, 4], [6, 4], [6, 4], [7, 4]]
    assert rwg_j(rows, 7) == pytest.approx(22 / 23, rel=1e-12)


def test_rwg_j_truncated_when_mean_variance_exceeds_null() -> None:
    # Lindell & Brandt: rwg(J) is set to 0 when mean_s2 > sigma_EU^2 (here 8 > 2).
    assert rwg_j([[1, 5], [5, 1]], 5) == 0.0
    # Exactly at the null variance the formula gives 0 as well.
    assert rwg_j([[3, 5], [5, 3]], 5) == pytest.approx(0.0, abs=1e-12)


def test_rwg_j_perfect_agreement() -> None:
    assert rwg_j([[2, 3, 4], [2, 3, 4]], 5) == 1.0


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([[1, 2, 3]], "at least 2 rows"),
        ([[], []], "at least 1 column"),
        ([[1, 2], [1]], "ragged"),
    ],
)
def test_rwg_j_invalid_input(rows: list[list[float]], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        rwg_j(rows, 5)


@PROPERTY
@given(rows=score_tables(min_cols=1))
def test_rwg_j_in_unit_interval(rows: list[list[float]]) -> None:
    assert 0.0 <= rwg_j(rows, 5) <= 1.0


@PROPERTY
@given(ratings=st.lists(likert5, min_size=2, max_size=30))
def test_rwg_j_single_item_equals_rwg(ratings: list[float]) -> None:
    # With J = 1, rwg(J) = (1 - r) / ((1 - r) + r) = 1 - r = rwg.
    assert rwg_j([[r] for r in ratings], 5) == pytest.approx(rwg(ratings, 5), abs=1e-12)


@PROPERTY
@given(rows=score_tables(min_cols=1))
def test_rwg_j_is_spearman_brown_of_mean_variance_rwg(rows: list[list[float]]) -> None:
    # rwg(J) is the Spearman-Brown step-up of the single-item index built from the mean
    # item variance, rbar = 1 - mean_s2 / sigma_EU^2 (James et al., 1984; Lindell & Brandt,
    # 1997): rwg(J) = J rbar / (J rbar + 1 - rbar), truncated at 0.
    j = len(rows[0])
    mean_s2 = statistics.fmean(statistics.variance(col) for col in zip(*rows, strict=True))
    rbar = 1 - mean_s2 / 2.0
    expected = max(0.0, j * rbar / (j * rbar + 1 - rbar)) if rbar > 0 else 0.0
    assert rwg_j(rows, 5) == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------- percentile rank


def test_percentile_rank_scipy_documented_examples() -> None:
    # scipy.stats.percentileofscore documentation:
    #   percentileofscore([1, 2, 3, 4], 3, kind='mean') -> 62.5
    #     (strict: 2/4 = 50%, weak: 3/4 = 75%, mean = 62.5%)
    #   percentileofscore([1, 2, 3, 3, 4], 3, kind='mean') -> 60.0
    #     (strict: 2/5 = 40%, weak: 4/5 = 80%, mean = 60%)
    assert percentile_rank(3, [1, 2, 3, 4]) == 62.5
    assert percentile_rank(3, [1, 2, 3, 3, 4]) == 60.0


def test_percentile_rank_edges() -> None:
    population = [2.0, 4.0, 6.0, 8.0]
    assert percentile_rank(1, population) == 0.0
    assert percentile_rank(9, population) == 100.0
    assert percentile_rank(5, population) == 50.0  # 2 of 4 below, none equal
    assert percentile_rank(7, [7, 7, 7]) == 50.0  # all equal: half of them
    # Crocker & Algina's definition: (cumulative frequency below + half the frequency
    # at the score) / N * 100; here (1 + 2/2) / 5 * 100 = 40.
    assert percentile_rank(3, [1, 3, 3, 5, 6]) == 40.0


@pytest.mark.parametrize(
    ("value", "population", "match"),
    [
        (3, [], "non-empty"),
        (math.nan, [1, 2], "finite"),
        (3, [1, math.nan], "finite"),
    ],
)
def test_percentile_rank_invalid_input(value: float, population: list[float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        percentile_rank(value, population)


finite_scores = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@PROPERTY
@given(value=finite_scores, population=st.lists(finite_scores, min_size=1, max_size=50))
def test_percentile_rank_bounds_and_symmetry(value: float, population: list[float]) -> None:
    pr = percentile_rank(value, population)
    assert 0.0 <= pr <= 100.0
    # Mirroring value and population swaps "below" and "above": the two ranks add to 100.
    mirrored = percentile_rank(-value, [-v for v in population])
    assert pr + mirrored == pytest.approx(100.0, abs=1e-9)


@PROPERTY
@given(
    a=likert5,
    b=likert5,
    population=st.lists(likert5, min_size=1, max_size=50),
)
def test_percentile_rank_is_monotone(a: float, b: float, population: list[float]) -> None:
    low, high = sorted((a, b))
    assert percentile_rank(low, population) <= percentile_rank(high, population)


def _brute_force_ranks(population: list[float]) -> list[float]:
    """The definition, asked once per value: the quadratic reference for percentile_ranks."""
    n = len(population)
    return [
        100.0 * (2 * sum(w < v for w in population) + sum(w == v for w in population)) / (2 * n)
        for v in population
    ]


@PROPERTY
@given(
    population=st.one_of(
        st.lists(likert5, max_size=60),  # few distinct values: many ties
        st.lists(finite_scores, max_size=60),
        st.lists(st.fractions(0, 5, max_denominator=12).map(float), max_size=60),
    )
)
def test_percentile_ranks_equal_the_brute_force_reference(population: list[float]) -> None:
    ranks = percentile_ranks(population)
    assert ranks == _brute_force_ranks(population)  # exactly, ties included
    assert ranks == [percentile_rank(v, population) for v in population]


def test_percentile_ranks_ties_and_empty() -> None:
    assert percentile_ranks([3, 1, 3, 5]) == [50.0, 12.5, 50.0, 87.5]
    assert percentile_ranks([]) == []
    with pytest.raises(ValueError, match="must be finite"):
        percentile_ranks([1.0, math.inf])


# --------------------------------------------------------------------------- describe


def test_describe_known_sample() -> None:
    # [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, SS 32, population SD 2, sample SD sqrt(32/7).
    d = describe([2, 4, 4, 4, 5, 5, 7, 9])
    assert (d.n, d.mean, d.min, d.max) == (8, 5.0, 2.0, 9.0)
    assert d.sd == pytest.approx(math.sqrt(32 / 7), rel=1e-12)  # 2.13809...


def test_describe_small_samples() -> None:
    assert describe([]) == Description(n=0, mean=None, sd=None, min=None, max=None)
    assert describe([3.5]) == Description(n=1, mean=3.5, sd=None, min=3.5, max=3.5)


def test_description_is_frozen() -> None:
    d = describe([1, 2])
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.n = 3  # type: ignore[misc]


def test_describe_rejects_non_finite() -> None:
    with pytest.raises(ValueError, match="finite"):
        describe([1.0, math.inf])


@PROPERTY
@given(values=st.lists(finite_scores, min_size=2, max_size=50))
def test_describe_matches_statistics_module(values: list[float]) -> None:
    d = describe(values)
    assert d.n == len(values)
    assert d.mean == pytest.approx(statistics.fmean(values), rel=1e-12, abs=1e-9)
    assert d.sd == pytest.approx(statistics.stdev(values), rel=1e-9, abs=1e-9)
    assert d.min == min(values)
    assert d.max == max(values)


@given(
    st.lists(
        st.lists(st.integers(1, 5), min_size=3, max_size=3),
        min_size=3,
        max_size=40,
    )
)
@settings(max_examples=100, deadline=None, database=None)
def test_streaming_alpha_equals_alpha_from_rows(rows: list[list[int]]) -> None:
    from leadcheck.stats import AlphaAccumulator, cronbach_alpha, feldt_interval

    acc = AlphaAccumulator(3)
    for row in rows:
        acc.add(row)
    try:
        expected = cronbach_alpha(rows)
    except ValueError:
        with pytest.raises(ValueError):
            acc.alpha()
        return
    assert acc.alpha() == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert feldt_interval(expected, len(rows), 3) == pytest.approx(cronbach_alpha_ci(rows)[1:])
