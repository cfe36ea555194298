"""The JSON export scanner reads what json.loads reads, record by record, or gives up and lets it."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from leadcheck.importing.export import scan

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
_SPACES = st.sampled_from(["", " ", "\n", "\t ", "\r\n  "])


@given(
    st.dictionaries(st.text(max_size=8).filter(lambda k: k != "responses"), _VALUES, max_size=4),
    st.lists(_VALUES, max_size=6),
    st.booleans(),
    st.integers(min_value=0, max_value=1),
)
def test_an_outline_and_its_records_are_the_document(
    values: dict[str, Any], records: list[Any], with_responses: bool, indent: int
) -> None:
    document = {**values, "responses": records} if with_responses else values
    text = json.dumps(document, indent=indent or None)
    outline = scan.outline(text)
    assert outline is not None  # a plain object with no key twice is always outlined
    found, at = outline
    assert (at is not None) == with_responses
    if at is not None:
        found["responses"] = list(scan.array(text, at))
    assert found == document


@given(_SPACES, _SPACES)
def test_whitespace_json_allows_between_tokens_is_read_past(before: str, after: str) -> None:
    text = f'{before}{{{after}"a"{before}:{after}1{before},{after}"responses"{before}:{after}[{before}2{after}]{before}}}{after}'
    outline = scan.outline(text)
    assert outline is not None
    values, at = outline
    assert values == {"a": 1}
    assert at is not None and list(scan.array(text, at)) == [2]


def test_a_key_twice_or_trailing_text_is_left_to_json_loads() -> None:
    assert scan.outline('{"a": 1, "a": 2}') is None
    assert scan.outline('{"responses": [], "responses": []}') is None
    assert scan.outline('{"a": 1} x') is None
    assert scan.outline("[1, 2]") is None


def test_popping_hands_each_record_on_once_in_order() -> None:
    records = [{"n": 1}, {"n": 2}, {"n": 3}]
    assert list(scan.popping(records)) == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert records == []  # let go of as they were handed on
