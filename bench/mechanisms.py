"""What each speed mechanism saves on its own: whole-process timings with one switched off at a time.

Run: .venv/bin/python bench/mechanisms.py [--runs 7] [--cohort-runs 3] [--leaders 12]   (prints figures; asserts nothing)

``--leaders 1000 --cohort-runs 0`` shows what the figure cache saves in a large cohort.

The mechanisms, and how each is switched off (environment variables and existing
options only; none is a new user option):

- the render process forked ahead (``leadcheck report``): ``LEADCHECK_RENDER_AHEAD=off``
- the figure cache (the cohort position of a report): ``LEADCHECK_FIGURE_CACHE=off``
- the cohort manifest skip (a re-run renders only what changed): ``cohort report --force``
- the worker pool (``cohort report``): ``--jobs 1``

One demo workspace is built first (its answers only). Then, in the same rounds, each configuration runs
once per round in turn (A B C ... A B C ...), after a warm-up round, so a machine busy
with something else slows every configuration alike. Each run is a fresh process;
wall time is what a user waits, CPU time (user + system, children included) the work
done; a pool's workers are the forkserver's children, not the command's, so their CPU
time is not counted. The figures are medians over the rounds.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``leadcheck ARGS`` (it must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(BIN / "leadcheck"), *args], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def rounds(
    configs: dict[str, tuple[list[str], dict[str, str]]], runs: int
) -> dict[str, list[tuple[float, float]]]:
    """Every configuration once per round, ``runs`` rounds after one warm-up round."""
    found: dict[str, list[tuple[float, float]]] = {name: [] for name in configs}
    for round_ in range(runs + 1):
        for name, (args, env) in configs.items():
            result = timed(args, env)
            if round_:
                found[name].append(result)
    return found


def table(title: str, found: dict[str, list[tuple[float, float]]], base: str) -> None:
    wall0 = statistics.median(w for w, _ in found[base])
    print(f"\n{title}")
    print(f"| configuration | wall s (median) | CPU s (median) | wall vs {base} |")
    print("|---|---:|---:|---:|")
    for name, results in found.items():
        wall = statistics.median(w for w, _ in results)
        cpu = statistics.median(c for _, c in results)
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {wall / wall0:.2f}x |")


def demo_workspace(db: Path, leaders: int) -> str:
    """The demo cohort in a new workspace at ``db`` (answers only: nothing rendered); its first leader."""
    from leadcheck.demo import DEMO_COHORT, demo_leaders, demo_responses
    from leadcheck.importing.policy import add_responses
    from leadcheck.instrument.catalog import load_instrument
    from leadcheck.store import Store

    instrument = load_instrument("psl-360")
    with Store.open(db) as store:
        add_responses(store, demo_responses(instrument, demo_leaders(leaders, 1), 1), instrument)
        return store.leaders.every(DEMO_COHORT)[0].name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="rounds of single reports")
    parser.add_argument("--cohort-runs", type=int, default=3, help="rounds of cohort runs (0: none)")
    parser.add_argument("--leaders", type=int, default=12, help="leaders in the demo cohort")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "bench.db"
        base_env = {**os.environ, "NO_COLOR": "1"}
        base_env.pop("LEADCHECK_RENDER_AHEAD", None)
        base_env.pop("LEADCHECK_FIGURE_CACHE", None)
        leader = demo_workspace(db, args.leaders)
        report = ["--db", str(db), "report", leader, "-o", str(folder / "report.pdf")]
        off = {
            "render process ahead": {"LEADCHECK_RENDER_AHEAD": "off"},
            "figure cache": {"LEADCHECK_FIGURE_CACHE": "off"},
        }
        configs = {"all on": (report, base_env)}
        for name, change in off.items():
            configs[f"without {name}"] = (report, {**base_env, **change})
        configs["both off"] = (
            report,
            {**base_env, **{k: v for c in off.values() for k, v in c.items()}},
        )
        print(f"cpus available: {len(os.sched_getaffinity(0))}; demo cohort of {args.leaders} leaders")
        table(f"`leadcheck report` (one leader), {args.runs} rounds", rounds(configs, args.runs), "all on")

        if not args.cohort_runs:
            return
        cohort = ["--db", str(db), "cohort", "report", "demo", "-o", str(folder / "cohort"), "-q"]
        cohort_configs = {
            "re-run, nothing changed (manifest skip)": (cohort, base_env),
            "re-run with --force (no skip)": ([*cohort, "--force"], base_env),
            "--force --jobs 1 (no pool)": ([*cohort, "--force", "--jobs", "1"], base_env),
        }
        table(
            f"`leadcheck cohort report` ({args.leaders} leaders + summary), {args.cohort_runs} rounds",
            rounds(cohort_configs, args.cohort_runs),
            "re-run with --force (no skip)",
        )


if __name__ == "__main__":
    main()
