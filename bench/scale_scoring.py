"""Scale curves for scoring and cohort statistics: time per unit at 1,000 / 10,000 / 100,000 units.

Run: .venv/bin/python bench/scale_scoring.py [--quick] [--budget SECONDS]   (prints a table; asserts nothing)

Two curves, each printed as time per unit so growth is visible (flat = linear):

- scoring: one leader's assessment with N responses (unit: one response to every
  psl-360 item, 12% of them "not observed"), scored by ``score``;
- cohort statistics: N leaders (unit: one leader's scorecard and 12 responses)
  through ``cohort_stats`` (means, percentile ranks, reliability, categories).

Times per unit are CPU time of this process (the wall time is printed too: on a
shared machine it also counts other people's work). A size whose CPU time,
projected from the previous two sizes, would exceed the budget is skipped and
its projection printed instead. ``--quick`` stops at
10,000. Figures are for this machine; tests never assert times.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Callable
from dataclasses import replace

from leadcheck.base.responses import Response
from leadcheck.instrument.catalog import load_instrument
from leadcheck.instrument.model import Instrument
from leadcheck.scoring import Scorecard, score

try:  # where cohort statistics live since issue 10; before that, in leadcheck.scoring
    from leadcheck.cohort.statistics import cohort_stats
except ImportError:  # pragma: no cover - the bench measured against older code
    from leadcheck.scoring import cohort_stats  # type: ignore[attr-defined,no-redef]

SIZES = (1_000, 10_000, 100_000)
GROUPS = ["self", "manager"] + ["peer"] * 5 + ["direct_report"] * 4 + ["other"]  # 12 raters
TEMPLATES = 200  # distinct scorecards the cohort is built from (scoring 100,000 leaders is the other curve)


def _response(inst: Instrument, rng: random.Random, group: str, n: int) -> Response:
    answers = {i: (None if rng.random() < 0.12 else rng.randint(1, 5)) for i in inst.items}
    return Response(group, answers, {}, rater=f"rater-{n}")


def scoring_run(inst: Instrument, size: int) -> Callable[[], object]:
    rng = random.Random(size)
    groups = ["self"] + [g for g in GROUPS if g != "self"] * (size // 11 + 1)
    responses = [_response(inst, rng, groups[n], n) for n in range(size)]
    return lambda: score(inst, responses, "Leader")


def cohort_run(inst: Instrument, size: int) -> Callable[[], object]:
    rng = random.Random(1)
    data = {
        f"Template {t}": [_response(inst, rng, g, n) for n, g in enumerate(GROUPS)] for t in range(TEMPLATES)
    }
    templates: list[Scorecard] = [score(inst, rs, name) for name, rs in data.items()]
    responses = list(data.values())
    cards = [replace(templates[n % TEMPLATES], leader=f"Leader {n}") for n in range(size)]
    by_leader = {c.leader: responses[n % TEMPLATES] for n, c in enumerate(cards)}
    return lambda: cohort_stats(cards, by_leader)


def curve(
    name: str,
    unit: str,
    make: Callable[[Instrument, int], Callable[[], object]],
    sizes: tuple[int, ...],
    budget: float,
) -> None:
    inst = load_instrument("psl-360")
    done: list[tuple[int, float]] = []
    for size in sizes:
        projected = _project(done, size)
        if projected is not None and projected > budget:
            print(
                f"{name:<20} {size:>9,} {unit:<10} skipped: projected {projected:,.0f} s > budget {budget:.0f} s"
            )
            continue
        run = make(inst, size)
        start, cpu_start = time.perf_counter(), time.process_time()
        run()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        done.append((size, cpu))
        per = cpu / size * 1e6
        print(
            f"{name:<20} {size:>9,} {unit:<10} {elapsed:>9.2f} s {cpu:>9.2f} s  {per:>10.1f} µs per {unit[:-1]}",
            flush=True,
        )


def _project(done: list[tuple[int, float]], size: int) -> float | None:
    """The time ``size`` would take, extrapolating the growth seen so far (linear from one point)."""
    if not done:
        return None
    if len(done) == 1:
        n, t = done[0]
        return t * size / n
    (n0, t0), (n1, t1) = done[-2:]
    exponent = max(1.0, math.log(max(t1, 1e-9) / max(t0, 1e-9)) / math.log(n1 / n0))
    return t1 * (size / n1) ** exponent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="stop at 10,000 units")
    parser.add_argument("--budget", type=float, default=300.0, help="seconds a size may take (projected)")
    parser.add_argument("--only", choices=("scoring", "cohort"), help="one curve only")
    args = parser.parse_args()
    sizes = SIZES[:2] if args.quick else SIZES
    print(f"{'curve':<20} {'size':>9} {'unit':<10} {'wall':>11} {'CPU':>11}  {'CPU time per unit':>21}")
    if args.only != "cohort":
        curve("scoring", "responses", scoring_run, sizes, args.budget)
    if args.only != "scoring":
        curve("cohort statistics", "leaders", cohort_run, sizes, args.budget)


if __name__ == "__main__":
    main()
