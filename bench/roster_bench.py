"""`raters import` at 1,000, 10,000 and 100,000 rows: read, check and add, each timed.

Run: .venv/bin/python bench/roster_bench.py [--rows 1000 10000 100000] [--leaders 3]
(prints figures; asserts nothing). Rows go to a few leaders, so a quadratic step per
leader (each row looking up every earlier rater) would show as times growing a
hundredfold per tenfold rows; linear steps grow about tenfold.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from leadcheck.base.problems import Problems
from leadcheck.campaign import roster
from leadcheck.instrument.catalog import load_instrument
from leadcheck.store import Store

GROUPS = ("peer", "direct_report", "other")


def _csv(path: Path, rows: int, leaders: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("leader,name,email,group\n")
        for n in range(rows):
            out.write(f"Leader {n % leaders},Rater {n},r{n}@example.org,{GROUPS[n % len(GROUPS)]}\n")


def _one(rows: int, leaders: int, folder: Path) -> tuple[float, float, float]:
    path = folder / f"roster-{rows}.csv"
    _csv(path, rows, leaders)
    instrument = load_instrument("psl-360")
    store = Store.open(folder / f"bench-{rows}.db")
    try:
        start = time.perf_counter()
        problems = Problems(str(path))
        nominations = roster.read_nominations(path, problems)
        read = time.perf_counter()
        instruments = {n.leader: instrument for n in nominations}
        checked = roster.check_nominations(store, nominations, instruments, problems)
        check = time.perf_counter()
        assert not problems.has_errors, problems.found[:3]
        change = roster.add_nominations(store, checked, instruments)
        added = time.perf_counter()
        assert change.added == rows
        return read - start, check - read, added - check
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--leaders", type=int, default=3)
    args = parser.parse_args()
    print(f"{'rows':>8}  {'read':>7}  {'check':>7}  {'add':>7}  {'total':>7}  {'us/row':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            read, check, add = _one(rows, args.leaders, Path(tmp))
            total = read + check + add
            print(
                f"{rows:>8,}  {read:>6.2f}s  {check:>6.2f}s  {add:>6.2f}s  {total:>6.2f}s  "
                f"{total / rows * 1e6:>7.0f}"
            )


if __name__ == "__main__":
    main()
