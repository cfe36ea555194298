"""The close-names curve: warning of likely typos among 1,000 / 4,000 / 16,000 new leaders.

Each new leader's name is checked against every leader known before it (as `import` and
`assess` do) for ordinary names, codes ("Leader 17") and the codes `--anonymize` writes
("L0017"). Codes differ only in their digits, so they are compared with nobody and cost one
dictionary look-up each; ordinary names cost a look-up of their deletions of up to two characters
(about a hundred strings), and one rapidfuzz comparison with each of the few names sharing one.

Run: .venv/bin/python bench/close_names_bench.py   (prints figures; asserts nothing)
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from leadcheck.demo import demo_leaders
from leadcheck.importing.closenames import CloseNames
from leadcheck.store import leader_key

SIZES = (1_000, 4_000, 16_000)


# 40 syllables: 66,000 surnames of two or three, about as varied as a large organisation's.
SYLLABLES = (
    "an",
    "ber",
    "cas",
    "dor",
    "el",
    "fin",
    "gar",
    "hol",
    "is",
    "jan",
    "kel",
    "lin",
    "mar",
    "nor",
    "ost",
    "pet",
    "quin",
    "ros",
    "sal",
    "tor",
    "ul",
    "ven",
    "wal",
    "xen",
    "yor",
    "zan",
    "bri",
    "cha",
    "dun",
    "eng",
    "fal",
    "gus",
    "hen",
    "ivo",
    "jor",
    "kru",
    "lom",
    "mei",
    "nik",
    "oli",
)


def ordinary(count: int) -> list[str]:
    """Distinct believable names: the demo's first names, and surnames of two or three syllables."""
    firsts = sorted({p.name.split(" ", 1)[0] for p in demo_leaders(24, seed=3)})
    rng = random.Random(5)
    names: dict[str, None] = {}
    while len(names) < count:
        last = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        names.setdefault(f"{rng.choice(firsts)} {last}")
    return list(names)


KINDS: dict[str, Callable[[int], list[str]]] = {
    "ordinary names": ordinary,
    "codes (Leader N)": lambda n: [f"Leader {i}" for i in range(n)],
    "anonymized codes (L0001)": lambda n: [f"L{i:05d}" for i in range(1, n + 1)],
}


def run(names: list[str]) -> tuple[float, int]:
    index = CloseNames()
    warned = 0
    start = time.perf_counter()
    for name in names:
        key = leader_key(name)
        if key in index:
            continue
        warned += bool(index.closest(key))
        index.add(key, name)
    return time.perf_counter() - start, warned


def main() -> None:
    print(f"{'names':<26}" + "".join(f"{n:>22,}" for n in SIZES))
    for kind, make in KINDS.items():
        cells = []
        previous = None
        for n in SIZES:
            seconds, warned = run(make(n))
            growth = f" x{seconds / previous:.1f}" if previous else ""
            cells.append(f"{seconds:7.3f} s {warned:5d} w{growth}")
            previous = seconds
        print(f"{kind:<26}" + "".join(f"{c:>22}" for c in cells))
    print("s: seconds for all names; w: warnings given; xN: time against the size 4x smaller")


if __name__ == "__main__":
    main()
