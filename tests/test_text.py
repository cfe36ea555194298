"""leadcheck.base.text: how every score, sign and plural is printed."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadcheck.base import text
from leadcheck.base.text import MINUS, count, plural, score, signed

PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=200)
numbers = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.fractions(min_value=-100, max_value=100, max_denominator=1000),
)


@PROPERTY
@given(value=numbers, decimals=st.integers(0, 4), plain=st.booleans())
def test_never_a_signed_zero(value: float | Fraction, decimals: int, plain: bool) -> None:
    zero = "0" if decimals == 0 else "0." + "0" * decimals
    for formatted in (score(value, decimals, plain=plain), signed(value, decimals, plain=plain)):
        digits = formatted.lstrip("+-" + MINUS)
        if digits == zero:
            assert formatted == zero  # rounds to zero: unsigned, whichever side it came from


@PROPERTY
@given(value=numbers, plain=st.booleans())
def test_sign_round_trips(value: float | Fraction, plain: bool) -> None:
    # The printed text reads back as the value rounded; its sign is the value's, unless it rounds to zero.
    for formatted in (score(value, plain=plain), signed(value, plain=plain)):
        back = Fraction(formatted.replace(MINUS, "-"))
        assert abs(back - Fraction(value)) <= Fraction(1, 200)
        if back:
            assert (back > 0) == (value > 0)


@PROPERTY
@given(value=numbers)
def test_signed_is_score_with_a_plus(value: float | Fraction) -> None:
    assert signed(value).lstrip("+") == score(value)


def test_examples() -> None:
    assert score(3.456) == "3.46"
    assert score(None) == text.DASH
    assert score(None, missing="not shown") == "not shown"
    assert score(-0.004) == "0.00"
    assert score(-0.04, 1, plain=True) == "0.0"
    assert score(-1.25) == f"{MINUS}1.25"
    assert score(-1.25, plain=True) == "-1.25"
    assert signed(0.0) == "0.00"
    assert signed(-0.001) == "0.00"
    assert signed(0.004) == "0.00"
    assert signed(0.25) == "+0.25"
    assert signed(-0.25) == f"{MINUS}0.25"
    assert signed(-0.25, plain=True) == "-0.25"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(107, 40), "2.68"),  # exactly 2.675: half to even on the exact value, not the float's 2.67
        (Fraction(25, 8), "3.12"),  # exactly 3.125: half to even, as Python rounds the float 3.125
        (Fraction(13, 3) - Fraction(23, 6), "0.50"),
        (Fraction(-1, 1000), "0.00"),
    ],
)
def test_exact_fractions_round_from_their_exact_value(value: Fraction, expected: str) -> None:
    assert score(value) == expected


@given(word=st.sampled_from(["rater", "leader", "file"]))
def test_plural_of_zero_one_two(word: str) -> None:
    assert plural(1, word) == word
    assert plural(0, word) == word + "s"
    assert plural(2, word) == word + "s"
    assert count(0, word) == f"0 {word}s"
    assert count(1, word) == f"1 {word}"
    assert count(2, word) == f"2 {word}s"


def test_irregular_plurals() -> None:
    assert count(1, "competency", "competencies") == "1 competency"
    assert count(3, "competency", "competencies") == "3 competencies"
    assert count(2, "item shows", "items show") == "2 items show"


def test_templates_have_the_same_filters() -> None:
    from leadcheck.report.bundle import load_bundle
    from leadcheck.report.html import environment

    env = environment(load_bundle())
    rendered = env.from_string('{{ 2 | count("leader") }}; {{ -0.001 | signed }}; {{ x | score }}').render(
        x=None
    )
    assert rendered == f"2 leaders; 0.00; {text.DASH}"
