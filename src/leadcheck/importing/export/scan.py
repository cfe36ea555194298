"""Reading a JSON export without holding it parsed: its outline, then its records one at a time.

Python's own decoder (``json.JSONDecoder.raw_decode``) parses each value; this
module only walks between them. A streaming parser such as ijson would read
from disk instead of from the text, but the text is held anyway (a file is read
whole, capped by ``csvfile.MAX_FILE_BYTES``, and read twice: checked, then each
record parsed as it is reached), so it would add a dependency to save nothing.
Anything but a plain export object (a key twice, nesting too deep, not JSON)
makes ``outline`` give up, and the caller parses the text whole, which says what
is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterator
from typing import Any

_WHITESPACE = re.compile(r"[ \t\n\r]*")  # what JSON allows between tokens
_DECODER = json.JSONDecoder()


def outline(text: str) -> tuple[dict[str, Any], int | None] | None:
    """An export's top-level values but its "responses" array, and where that array starts (None:
    there is no such array); every record is checked as JSON and let go of.

    None for anything else (not JSON, a key twice, nesting too deep, ...):
    ``json.loads`` then reads the text whole, as it always did.
    """
    values: dict[str, Any] = {}
    at: int | None = None
    try:
        i = _past(text, 0, "{")
        while text[i] != "}" or values or at is not None:
            key, i = _DECODER.raw_decode(text, i)
            if not isinstance(key, str) or key in values or (key == "responses" and at is not None):
                return None
            i = _past(text, i, ":")
            if key == "responses" and text[i] == "[":
                at = i
                i = skip_array(text, i)
            else:
                values[key], i = _DECODER.raw_decode(text, i)
            i = _space(text, i)
            if text[i] == "}":
                break
            i = _past(text, i, ",")
    except (json.JSONDecodeError, RecursionError, IndexError, ValueError):
        return None
    return (values, at) if _space(text, i + 1) == len(text) else None


def _space(text: str, i: int) -> int:
    """Past the whitespace at ``i``."""
    found = _WHITESPACE.match(text, i)
    assert found is not None, "matches the empty string too"
    return found.end()


def _past(text: str, i: int, token: str) -> int:
    """Past ``token`` at ``i``, and the whitespace around it; ValueError when it is not there."""
    i = _space(text, i)
    if text[i] != token:
        raise ValueError(token)
    return _space(text, i + 1)


def array(text: str, i: int) -> Generator[Any, None, int]:
    """The elements of the JSON array at ``i``, each parsed as it is reached; returns where it ends."""
    i = _past(text, i, "[")
    if text[i] == "]":
        return i + 1
    while True:
        value, i = _DECODER.raw_decode(text, i)
        yield value
        i = _space(text, i)
        if text[i] == "]":
            return i + 1
        i = _past(text, i, ",")


def skip_array(text: str, i: int) -> int:
    """Past the JSON array at ``i``, each element parsed and let go of."""
    elements = array(text, i)
    while True:
        try:
            next(elements)
        except StopIteration as done:
            return int(done.value)


def popping(records: list[Any]) -> Iterator[Any]:
    """The records in order, each let go of by the list as it is handed on."""
    records.reverse()
    while records:
        yield records.pop()
