"""Time to score 1,000 leaders with 12 raters each on psl-360 (aim: well under 10 s on one core).

Run: .venv/bin/python bench/scoring_bench.py   (prints figures; asserts nothing)
"""

from __future__ import annotations

import random
import time

from leadcheck.base.responses import Response
from leadcheck.cohort.statistics import cohort_stats
from leadcheck.instrument.catalog import load_instrument
from leadcheck.scoring import score

LEADERS = 1000
GROUPS = ["self", "manager"] + ["peer"] * 5 + ["direct_report"] * 4 + ["other"]  # 12 raters


def main() -> None:
    inst = load_instrument("psl-360")
    rng = random.Random(1)
    items = list(inst.items)
    data = {
        f"Leader {n}": [
            Response(g, {i: (None if rng.random() < 0.03 else rng.randint(1, 5)) for i in items}, {})
            for g in GROUPS
        ]
        for n in range(LEADERS)
    }
    start = time.perf_counter()
    cards = [score(inst, responses, name) for name, responses in data.items()]
    scoring = time.perf_counter() - start
    start = time.perf_counter()
    cohort_stats(cards, data)
    cohort = time.perf_counter() - start
    answers = LEADERS * len(GROUPS) * len(items)
    print(f"{'measure':<40} {'value':>12}")
    print(f"{'score 1,000 leaders x 12 raters':<40} {scoring:>10.2f} s")
    print(f"{'per leader':<40} {scoring / LEADERS * 1000:>9.2f} ms")
    print(f"{'answers per second':<40} {answers / scoring:>12,.0f}")
    print(f"{'cohort statistics over the 1,000':<40} {cohort:>10.2f} s")


if __name__ == "__main__":
    main()
