"""Time to compare two rounds (every verdict, the shared-rater count) for 1,000 leaders on psl-360.

Set beside scoring one leader (bench/scoring_bench.py): a change page must not cost
more than the scoring it reads. Run: .venv/bin/python bench/change_bench.py
(prints figures; asserts nothing)
"""

from __future__ import annotations

import random
import time

from leadcheck.base.responses import Response
from leadcheck.change import compare
from leadcheck.instrument.catalog import load_instrument
from leadcheck.scoring import score
from leadcheck.stats import welch_quantile

LEADERS = 1000
GROUPS = ["self", "manager"] + ["peer"] * 5 + ["direct_report"] * 4 + ["other"]  # 12 raters


def _round(items: list[str], rng: random.Random, shift: int) -> list[Response]:
    return [
        Response(g, {i: min(5, max(1, rng.randint(1, 5) + shift)) for i in items}, {}, rater=f"{g}-{k}")
        for k, g in enumerate(GROUPS)
    ]


def main() -> None:
    inst = load_instrument("psl-360")
    rng = random.Random(1)
    items = list(inst.items)
    pairs = [
        (score(inst, _round(items, rng, 0), f"L{n}"), score(inst, _round(items, rng, n % 2), f"L{n}"))
        for n in range(LEADERS)
    ]
    welch_quantile.cache_clear()
    start = time.perf_counter()
    changes = [compare(before, after) for before, after in pairs]
    took = time.perf_counter() - start
    figures = sum(len(c.dimensions) + sum(len(d.items) for d in c.dimensions) for c in changes)
    hits = welch_quantile.cache_info()
    print(f"{'measure':<44} {'value':>12}")
    print(f"{'compare 1,000 leaders two rounds x 12 raters':<44} {took:>10.2f} s")
    print(f"{'per leader':<44} {took / LEADERS * 1000:>9.2f} ms")
    print(f"{'verdicts':<44} {figures:>12,}")
    print(f"{'t quantiles computed (the rest cached)':<44} {hits.misses:>12,}")


if __name__ == "__main__":
    main()
