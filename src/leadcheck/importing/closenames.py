"""Which known leader a new name is close to ("Ana Lopes", "Ana Lopez"), without comparing it with all."""

from __future__ import annotations

import difflib

# A new leader's name this similar to another one (difflib ratio, case and spacing aside) may be a typo.
CLOSE_NAME = 0.85


class CloseNames:
    """Leader names as compared (``leader_key``), in the order they became known.

    ``closest`` gives what comparing the new name with every known one would
    give, comparing it only with names that can reach CLOSE_NAME. difflib's
    ratio is 2M/T (M characters in matching blocks, T both lengths): at
    ratio >= 0.85 at most 0.15T characters are outside the blocks, and two
    blocks are always parted by at least one, so the longest block holds at
    least 0.425T / (1 + 0.15T) characters: 3 or more when T > 16, 2 or more
    when T >= 4. Two names that share no such run of characters are not
    compared (nor are names whose lengths alone rule it out).
    """

    def __init__(self) -> None:
        self._keys: list[str] = []
        self._names: list[str] = []
        self._known: set[str] = set()
        self._grams: dict[str, list[int]] = {}  # every 2- and 3-character run -> the names holding it
        self._short: list[int] = []  # names of 2 characters or fewer

    def __contains__(self, key: str) -> bool:
        return key in self._known

    def add(self, key: str, name: str) -> None:
        """Make ``name`` (as compared: ``key``) known, unless a name with this key already is."""
        if key in self._known:
            return
        index = len(self._keys)
        self._keys.append(key)
        self._names.append(name)
        self._known.add(key)
        for gram in _grams(key, 2) | _grams(key, 3):
            self._grams.setdefault(gram, []).append(index)
        if len(key) <= 2:
            self._short.append(index)

    def closest(self, key: str) -> str:
        """The known name closest to ``key`` at CLOSE_NAME or above (the later of equals), or ""."""
        best, best_ratio = "", CLOSE_NAME
        for index in self._candidates(key):
            matcher = difflib.SequenceMatcher(None, key, self._keys[index])
            if matcher.real_quick_ratio() >= best_ratio and matcher.quick_ratio() >= best_ratio:
                ratio = matcher.ratio()
                if ratio >= best_ratio:
                    best, best_ratio = self._names[index], ratio
        return best

    def _candidates(self, key: str) -> list[int]:
        """The known names that may be CLOSE_NAME to ``key``, in the order they became known."""
        length = len(key)
        found: set[int] = set()
        for size, shortest, longest in ((3, 17, None), (2, 4, 16)):
            for gram in _grams(key, size):
                for index in self._grams.get(gram, ()):
                    total = length + len(self._keys[index])
                    if total >= shortest and (longest is None or total <= longest):
                        found.add(index)
        found.update(i for i in self._short if length + len(self._keys[i]) <= 3)
        return sorted(i for i in found if _lengths_allow(length, len(self._keys[i])))


def _grams(key: str, size: int) -> set[str]:
    return {key[i : i + size] for i in range(len(key) - size + 1)}


def _lengths_allow(a: int, b: int) -> bool:
    """difflib's real_quick_ratio bound: lengths alone may reach CLOSE_NAME."""
    return a + b > 0 and 2 * min(a, b) / (a + b) >= CLOSE_NAME
