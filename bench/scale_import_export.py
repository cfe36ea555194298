"""Scale curves of import and export: time per 1,000 rows and peak memory at 1,000 / 10,000 / 100,000 rows.

A row is one rater's response (every item of psl-360 answered) in a generic
survey CSV. Two shapes of file: "many leaders" (10 rows per leader, so 100 /
1,000 / 10,000 leaders) and "few leaders" (5 leaders, however many rows).
Export writes the workspace the many-leaders import made as a leadcheck CSV.

Peak memory is the point of the two shapes: an import holds one leader's
answers at a time, so at 100,000 rows the few-leaders file (20,000 rows a
leader) must not need more than the many-leaders one, and neither may grow
with the rows as the whole file would. --huge adds 1,000,000 rows of 5
leaders, as ten files of 100,000 rows (a file may hold 50 MiB), imported
together (a few minutes).

Each measurement runs in a child process of its own, so the peak resident
memory printed is that step's alone (the workspace open and the import or
export, from ru_maxrss). A step that runs longer than --timeout is stopped and
shown as such: the curve's growth is the point, not the last digit.

Run: .venv/bin/python bench/scale_import_export.py [--quick] [--huge] [--timeout 300] [--baseline SRC]
(prints a table; asserts nothing; figures are for this machine). With
--baseline, each step runs first with the leadcheck in SRC (the src folder of
another checkout, e.g. from `git archive main`), then with this one, one
after the other, so both meet the same load on a shared machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INSTRUMENT = "psl-360"
GROUPS = ("peer", "direct_report", "other", "manager")
ROWS_PER_LEADER = 10
FEW_LEADERS = 5
SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
HUGE_ROWS = 1_000_000


def _name(rng: random.Random) -> str:
    """A made-up name, unlike any other (so no "did you mean" warning fires)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    first = "".join(rng.choice(letters) for _ in range(8)).title()
    last = "".join(rng.choice(letters) for _ in range(10)).title()
    return f"{first} {last}"


def write_file(path: Path, rows: int, leaders: int) -> None:
    """A generic CSV of ``rows`` responses spread evenly over ``leaders`` leaders."""
    from leadcheck.instrument.catalog import load_instrument

    items = list(load_instrument(INSTRUMENT).items)
    rng = random.Random(rows * 7 + leaders)
    names = [_name(rng) for _ in range(leaders)]
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["leader", "group", "email", *items])
        for n in range(rows):
            leader = names[n % leaders]
            answers = [str(rng.randint(1, 5)) for _ in items]
            out.writerow([leader, GROUPS[n % len(GROUPS)], f"rater{n}@example.org", *answers])


def write_files(folder: Path, rows: int, leaders: int, per_file: int) -> None:
    """``rows`` responses about the same ``leaders`` leaders in files of ``per_file`` rows each."""
    folder.mkdir()
    from leadcheck.instrument.catalog import load_instrument

    items = list(load_instrument(INSTRUMENT).items)
    names = [_name(random.Random(n)) for n in range(leaders)]
    rng = random.Random(rows)
    for start in range(0, rows, per_file):
        with (folder / f"part-{start // per_file:03}.csv").open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["leader", "group", "email", *items])
            for n in range(start, min(rows, start + per_file)):
                answers = [str(rng.randint(1, 5)) for _ in items]
                out.writerow([names[n % leaders], GROUPS[n % len(GROUPS)], f"rater{n}@example.org", *answers])


def child_import(source: Path, db: Path) -> float:
    """Import the CSV file ``source`` (or every CSV file in the folder ``source``, at once)."""
    from leadcheck.importing import ImportOptions, apply_plan, plan_import
    from leadcheck.store import Store

    paths = sorted(source.glob("*.csv")) if source.is_dir() else [source]
    started = time.perf_counter()
    with Store.open(db) as store:
        options = ImportOptions(layout="generic", instrument=INSTRUMENT)
        plan = plan_import(paths, options, store)
        if not plan.ok:
            raise SystemExit(f"the generated file has problems: {plan.errors[:3]}")
        apply_plan(plan, store)
    return time.perf_counter() - started


def child_export(db: Path, out: Path) -> float:
    from leadcheck.importing.export import write_csv
    from leadcheck.store import Store

    started = time.perf_counter()
    with Store.open(db, create=False) as store, out.open("w", newline="", encoding="utf-8") as f:
        write_csv(store, f)
    return time.perf_counter() - started


def run_child(args: list[str], timeout: float, src: str | None = None) -> tuple[float, float] | None:
    """(seconds, peak MiB) of one step in a child process (with the leadcheck in ``src`` when given);
    None when it ran out of time."""
    env = {**os.environ, "PYTHONPATH": src} if src else None
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--child", *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return None
    seconds, mib = done.stdout.split()
    return float(seconds), float(mib)


def show(label: str, rows: int, result: tuple[float, float] | None, timeout: float) -> None:
    if result is None:
        print(f"{label:<32} {rows:>8,}   > {timeout:.0f} s (stopped)", flush=True)
        return
    seconds, mib = result
    per = seconds / rows * 1000
    print(f"{label:<32} {rows:>8,} {seconds:>9.2f} s {per:>9.1f} ms {mib:>8.0f} MiB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 rows only")
    parser.add_argument("--huge", action="store_true", help="also 1,000,000 rows of 5 leaders, in ten files")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a step is stopped")
    parser.add_argument("--baseline", metavar="SRC", help="another leadcheck's src folder, run first")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, first, second = args.child
        seconds = (
            child_import(Path(first), Path(second))
            if step == "import"
            else child_export(Path(first), Path(second))
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(f"{seconds:.4f} {peak:.1f}")
        return
    sizes = QUICK_SIZES if args.quick else SIZES
    trees = (
        [("before", str(Path(args.baseline).absolute())), ("after", None)] if args.baseline else [("", None)]
    )
    print(f"{'step':<32} {'rows':>8} {'time':>11} {'per 1k rows':>12} {'peak':>12}")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for rows in sizes:
            for shape, leaders in (("many leaders", rows // ROWS_PER_LEADER), ("few leaders", FEW_LEADERS)):
                source = tmp / f"{shape[:4]}-{rows}.csv"
                write_file(source, rows, leaders)
                for tree, src in trees:
                    measure(tmp, source, shape, rows, tree, src, args.timeout)
                source.unlink()
        if args.huge:
            rows = HUGE_ROWS
            source = tmp / "huge"
            write_files(source, rows, FEW_LEADERS, rows // 10)
            for tree, src in trees:
                measure(tmp, source, "few leaders, 10 files", rows, tree, src, args.timeout)


def measure(
    tmp: Path, source: Path, shape: str, rows: int, tree: str, src: str | None, timeout: float
) -> None:
    """Import ``source`` into a new workspace, then (many leaders) export it; print both."""
    db = tmp / f"{source.stem}-{tree}.db"
    tag = f" ({tree})" if tree else ""
    imported = run_child(["import", str(source), str(db)], timeout, src)
    show(f"import, {shape}{tag}", rows, imported, timeout)
    if imported is not None and shape == "many leaders":
        exported = run_child(["export", str(db), str(tmp / "out.csv")], timeout, src)
        show(f"export, {shape}{tag}", rows, exported, timeout)


if __name__ == "__main__":
    main()
