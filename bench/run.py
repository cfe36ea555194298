"""leadcheck's main benchmark: start-up, one report, a 100-leader cohort, and WeasyPrint's floor.

Run: .venv/bin/python bench/run.py [--leaders 100]   (prints a table; asserts nothing)

Figures are for this machine; tests never assert times.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import py_compile
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
from pathlib import Path

BIN = Path(sys.executable).parent


def best_of(argv: list[str], runs: int = 9, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return min(times)


def startup(rows: list[tuple[str, str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal_app.py"
        minimal.write_text(
            textwrap.dedent(
                """
                import typer
                app = typer.Typer()
                @app.command()
                def hello(name: str) -> None:
                    print(name)
                @app.command()
                def bye(name: str) -> None:
                    print(name)
                if __name__ == "__main__":
                    app()
                """
            )
        )
        # Byte-compile it, as pip does for leadcheck, so both start from cached bytecode.
        py_compile.compile(str(minimal), cfile=importlib.util.cache_from_source(str(minimal)))
        env = {**os.environ, "PYTHONPATH": tmp}
        bare = best_of([sys.executable, "-c", "pass"])
        typer_help = best_of([sys.executable, "-m", "minimal_app", "--help"], env=env)
        ours = best_of([str(BIN / "leadcheck"), "--help"])
    rows.append(("start-up", "python -c pass", f"{bare * 1000:.0f} ms"))
    rows.append(("start-up", "minimal typer app --help", f"{typer_help * 1000:.0f} ms"))
    rows.append(
        (
            "start-up",
            "leadcheck --help",
            f"{ours * 1000:.0f} ms  ({ours / typer_help:.2f}x the minimal typer app; aim <= 1.3x)",
        )
    )


def one_report(db: Path, rows: list[tuple[str, str, str]]) -> tuple[str, object]:
    from leadcheck.report.bundle import load_bundle
    from leadcheck.report.formats import FORMATS
    from leadcheck.report.html import render_html
    from leadcheck.report.viewmodel import build_view
    from leadcheck.scoring import score
    from leadcheck.store import Store

    render_pdf = FORMATS["pdf"].render
    render_pdf(
        "<html lang=en><head><title>warm</title></head><body><p>warm</p></body></html>", load_bundle()
    )  # import WeasyPrint and load fonts once, as a warm worker has
    t0 = time.perf_counter()
    store = Store.open(db)
    leader = store.leaders.every("demo")[0]
    assessment = store.assessments.current(leader)
    instrument = store.assessments.instrument(assessment)
    responses = store.responses.of_assessment(assessment)
    t1 = time.perf_counter()
    card = score(instrument, responses, leader.name)
    t2 = time.perf_counter()
    bundle = load_bundle()
    view = build_view(card)
    html = render_html(view, bundle)
    t3 = time.perf_counter()
    pdf, _ = render_pdf(html, bundle)
    t4 = time.perf_counter()
    # Memory in a second pass: tracemalloc slows Python several times over, so never time under it.
    tracemalloc.start()
    render_pdf(render_html(build_view(score(instrument, responses, leader.name)), bundle), bundle)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    total = t4 - t0
    own = (t3 - t0) / total
    rows.append(("one report", "loading (store, instrument snapshot)", f"{(t1 - t0) * 1000:.0f} ms"))
    rows.append(("one report", "scoring", f"{(t2 - t1) * 1000:.0f} ms"))
    rows.append(("one report", "view model, charts and templating", f"{(t3 - t2) * 1000:.0f} ms"))
    rows.append(("one report", "WeasyPrint (layout and PDF)", f"{(t4 - t3) * 1000:.0f} ms"))
    rows.append(("one report", "leadcheck's own share", f"{own:.1%} of {total:.2f} s (aim < 10%)"))
    rows.append(
        (
            "one report",
            "peak Python memory (tracemalloc)",
            f"{peak / 2**20:.0f} MiB; PDF {len(pdf) / 1024:.0f} KiB",
        )
    )
    store.close()
    return html, bundle


def floor(html: str, bundle: object, rows: list[tuple[str, str, str]], repeats: int = 5) -> float:
    from leadcheck.report.formats import FORMATS

    render_pdf = FORMATS["pdf"].render

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        render_pdf(html, bundle)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
    best = min(times)
    rows.append(
        (
            "floor",
            "WeasyPrint alone, same HTML, warm process",
            f"{best:.2f} s per report = {1 / best:.2f} reports/s",
        )
    )
    return best


def cohort(db: Path, jobs: int, rows: list[tuple[str, str, str]], leaders: int) -> float:
    from leadcheck.cohort.run import run_cohort
    from leadcheck.store import Store

    with tempfile.TemporaryDirectory() as out, Store.open(db) as store:
        start = time.perf_counter()
        result = run_cohort(store, "demo", Path(out), jobs=jobs, force=True)
        elapsed = time.perf_counter() - start
    assert result.ok, result.failed
    rate = leaders / elapsed
    rows.append(
        (
            f"cohort of {leaders}",
            f"--jobs {jobs}",
            f"{elapsed:.1f} s = {rate:.2f} reports/s; peak RSS per worker {result.worker_peak_kib / 1024:.0f} MiB",
        )
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaders", type=int, default=100)
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    startup(rows)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        from leadcheck.demo import demo_leaders, demo_responses
        from leadcheck.importing.policy import add_responses
        from leadcheck.instrument.catalog import load_instrument
        from leadcheck.store import Store

        inst = load_instrument("psl-360")
        with Store.open(db) as store:
            add_responses(store, demo_responses(inst, demo_leaders(args.leaders, 1), 1), inst)
        html, bundle = one_report(db, rows)
        best = floor(html, bundle, rows)
        serial = cohort(db, 1, rows, args.leaders)
        parallel = cohort(db, cores, rows, args.leaders)
    rows.append(
        ("cohort", f"speedup at --jobs {cores}", f"{parallel / serial:.2f}x (aim >= {0.9 * cores:.1f}x)")
    )
    ceiling = cores / best
    rows.append(
        (
            "cohort",
            "throughput against the floor x cores",
            f"{parallel:.2f} / {ceiling:.2f} reports/s = {parallel / ceiling:.0%} (aim >= 85%)",
        )
    )
    rows.append(
        (
            "machine",
            "cores; max RSS of this process",
            f"{cores}; {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB",
        )
    )
    w1 = max(len(r[0]) for r in rows)
    w2 = max(len(r[1]) for r in rows)
    print(f"{'part':<{w1}}  {'measure':<{w2}}  value")
    for part, measure, value in rows:
        print(f"{part:<{w1}}  {measure:<{w2}}  {value}")


if __name__ == "__main__":
    main()
