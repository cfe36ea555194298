"""Which known leader a new name is close to ("Ana Lopes", "Ana Lopez"): a typo, or another person."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process

# A new leader's name this similar to another one (rapidfuzz's ratio, 0 to 100: the share of
# characters in common, case and spacing aside) may be a typo.
CLOSE_NAME = 85

_DIGITS = re.compile(r"\d+")


def digits_of(key: str) -> tuple[str, ...]:
    """The numbers in a name ("leader 12" -> ("12",)): names whose numbers differ are different people."""
    return tuple(_DIGITS.findall(key))


class CloseNames:
    """Leader names as compared (``leader_key``), in the order they became known.

    Names are compared only with names holding the same numbers: "Leader 1" and
    "Leader 2", or the codes `--anonymize` writes, differ only in their digits and
    are different people, not typos. Codes therefore cost one comparison each, and
    ordinary names one linear pass of rapidfuzz (in C, with a score cutoff) each.
    """

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._buckets: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}  # numbers -> (keys, names)

    def __contains__(self, key: str) -> bool:
        return key in self._known

    def add(self, key: str, name: str) -> None:
        """Make ``name`` (as compared: ``key``) known, unless a name with this key already is."""
        if key in self._known:
            return
        self._known.add(key)
        keys, names = self._buckets.setdefault(digits_of(key), ([], []))
        keys.append(key)
        names.append(name)

    def closest(self, key: str) -> str:
        """The known name closest to ``key`` at CLOSE_NAME or above (the earliest of equals), or ""."""
        bucket = self._buckets.get(digits_of(key))
        if bucket is None:
            return ""
        keys, names = bucket
        found = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=CLOSE_NAME)
        return names[found[2]] if found is not None else ""


def close_name_message(name: str, best: str, fix: str = "") -> str:
    """The one warning for a new leader whose name is close to a known one, in import and assess."""
    fix = fix or f'write the name as "{best}"'
    return f'leader "{name}" is new; did you mean "{best}"? If it is the same person, {fix}; otherwise ignore this warning'


def closest_known(name: str, known: Iterable[str]) -> str:
    """The known name ``name`` is a likely typo of (``closest`` over ``known``), or ""."""
    from leadcheck.store.leaders import leader_key

    names = CloseNames()
    for other in known:
        names.add(leader_key(other), other)
    key = leader_key(name)
    return "" if key in names else names.closest(key)
