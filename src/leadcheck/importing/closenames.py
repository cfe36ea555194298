"""Which known leader a new name is close to ("Ana Lopes", "Ana Lopez"): a typo, or another person."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

# A new leader's name this similar to another one (rapidfuzz's ratio, 0 to 100: the share of
# characters in common, case and spacing aside) may be a typo.
CLOSE_NAME = 85

# A typo leaves out, adds or changes at most this many characters of either name: both names
# become one spelling by deleting at most TYPO_DELETIONS characters from each ("lopes" and
# "lopez" both become "lope"). Longer names differing in more characters ("Noah Jorjan", "Noah
# Venjorjan") are other people, however high their ratio.
TYPO_DELETIONS = 2

# Names holding the same numbers are compared one by one up to this many (codes such as
# "Leader 17" are alone with their numbers); beyond it, through the index of their deletions.
_FEW = 8

_DIGITS = re.compile(r"\d+")


def digits_of(key: str) -> tuple[str, ...]:
    """The numbers in a name ("leader 12" -> ("12",)): names whose numbers differ are different people."""
    return tuple(_DIGITS.findall(key))


def closeness(key: str, other: str) -> float:
    """How close two names (as compared) are, as a likely typo: their ratio, or 0 when they are not close.

    Close: the same numbers, at most TYPO_DELETIONS characters apart on either side, and a
    ratio of CLOSE_NAME or above.
    """
    if digits_of(key) != digits_of(other):
        return 0.0
    if max(len(key), len(other)) - LCSseq.similarity(key, other) > TYPO_DELETIONS:
        return 0.0
    return fuzz.ratio(key, other, score_cutoff=CLOSE_NAME)


def deletions(key: str) -> frozenset[str]:
    """``key`` and every string made by deleting up to TYPO_DELETIONS (two) of its characters."""
    once = [key[:i] + key[i + 1 :] for i in range(len(key))]
    # Deleting i, then j >= i of what is left, reaches every pair of positions once.
    twice = {shorter[:j] + shorter[j + 1 :] for i, shorter in enumerate(once) for j in range(i, len(shorter))}
    return frozenset((key, *once, *twice))


# A new name is looked up, then added: its deletions are made once for both.
deletions_of = lru_cache(maxsize=2)(deletions)


class _SameNumbers:
    """The known names holding one tuple of numbers, and, once there are more than a few, the
    index of their deletions: two names close enough (``closeness``) share at least one."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.names: list[str] = []
        # A deletion -> the first name that has it; most deletions belong to one name only, and
        # dict.fromkeys files a name's hundred or so in one call.
        self._first: dict[str, int] = {}
        self._others: dict[str, list[int]] = {}  # a deletion -> the later names that have it too

    def add(self, key: str, name: str) -> None:
        self.keys.append(key)
        self.names.append(name)
        if len(self.keys) == _FEW + 1:
            for position, known in enumerate(self.keys):
                self._index(known, position)
        elif len(self.keys) > _FEW + 1:
            self._index(key, len(self.keys) - 1)

    def _index(self, key: str, position: int) -> None:
        mine = deletions_of(key)
        shared = mine & self._first.keys()
        self._first.update(dict.fromkeys(mine - shared, position))
        for deleted in shared:
            self._others.setdefault(deleted, []).append(position)

    def candidates(self, key: str) -> Iterable[int]:
        """The positions of the known names that may be close to ``key``, in the order they became known."""
        if len(self.keys) <= _FEW:
            return range(len(self.keys))
        shared = deletions_of(key) & self._first.keys()
        found = set(map(self._first.__getitem__, shared))
        for deleted in shared & self._others.keys():
            found.update(self._others[deleted])
        return sorted(found)


class CloseNames:
    """Leader names as compared (``leader_key``), in the order they became known.

    Names are compared only with names holding the same numbers: "Leader 1" and
    "Leader 2", or the codes `--anonymize` writes, differ only in their digits and
    are different people, not typos. Codes therefore cost one comparison each. Ordinary
    names are looked up by their deletions (the SymSpell idea: two names at most two
    characters apart on either side share a string made by deleting up to two characters
    of each), so each costs the same whatever the number of names known, and only the few
    that share one are compared with rapidfuzz.
    """

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._buckets: dict[tuple[str, ...], _SameNumbers] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._known

    def add(self, key: str, name: str) -> None:
        """Make ``name`` (as compared: ``key``) known, unless a name with this key already is."""
        if key in self._known:
            return
        self._known.add(key)
        self._buckets.setdefault(digits_of(key), _SameNumbers()).add(key, name)

    def close_to(self, key: str) -> list[tuple[str, float]]:
        """Every known name close to ``key`` (``closeness``) with its ratio, in the order they became known."""
        bucket = self._buckets.get(digits_of(key))
        if bucket is None:
            return []
        scored = (
            (bucket.names[position], closeness(key, bucket.keys[position]))
            for position in bucket.candidates(key)
        )
        return [(name, score) for name, score in scored if score]

    def closest(self, key: str) -> str:
        """The known name closest to ``key`` (``closeness``; the earliest of equals), or ""."""
        best, best_score = "", 0.0
        for name, score in self.close_to(key):
            if score > best_score:
                best, best_score = name, score
        return best


def close_name_message(name: str, best: str, fix: str = "") -> str:
    """The one warning for a new leader whose name is close to a known one, in import and assess."""
    fix = fix or f'write the name as "{best}"'
    return f'leader "{name}" is new; did you mean "{best}"? If it is the same person, {fix}; otherwise ignore this warning'


def closest_known(name: str, known: Iterable[str]) -> str:
    """The known name ``name`` is a likely typo of (``closest`` over ``known``), or ""."""
    from leadcheck.store import leader_key

    names = CloseNames()
    for other in known:
        names.add(leader_key(other), other)
    key = leader_key(name)
    return "" if key in names else names.closest(key)
