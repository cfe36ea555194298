"""Two ratios for one report: leadcheck against WeasyPrint alone, and the heaviest demo report against a baseline.

Run: .venv/bin/python bench/report_ratio.py [--baseline REF] [--runs 5]   (prints figures; asserts nothing)

1. ``leadcheck report LEADER -o x.pdf`` in a fresh process, against a fresh process that
   only imports WeasyPrint and renders the very same HTML with the same options
   (tagged PDF/UA-1, the same font configuration). Aim: within 1.10x.
2. The layout and PDF writing time (WeasyPrint, one warm process) of the demo's heaviest
   report as rendered by this checkout, against the same leader's report as rendered by
   the code of git ref ``--baseline`` (exported with ``git archive`` into a temporary
   folder; nothing in the work tree is touched). Aim: not slower (<= 1.00x).

Ratio 1 is the median of run-by-run ratios, the two commands run in turn (A B A B ...) after
a warm-up round, in wall time (what a user waits) and in CPU time (the work done, the render
process leadcheck starts ahead included). Ratio 2 is the least CPU time of ``--runs`` layouts.
Both sides use compiled bytecode when the checkout was set up with `make` (UV_COMPILE_BYTECODE).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# main just before the executive summary, norms and evidence pages were added: the layout time
# the report must not exceed despite them.
BEFORE_EXECUTIVE_SUMMARY = "5b84f45"

WEASYPRINT_ALONE = """
import sys, weasyprint
from weasyprint.text.fonts import FontConfiguration
html = open(sys.argv[1], encoding="utf-8").read()
doc = weasyprint.HTML(string=html, base_url=sys.argv[1]).render(font_config=FontConfiguration())
open(sys.argv[2], "wb").write(doc.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True))
"""

# Run with the baseline's code: it builds its own demo workspace (an older version cannot open a
# workspace of a newer schema), with whichever import API that version has, then renders one report.
HTML_OF = """
import sys
from leadcheck.demo import demo_leaders, demo_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.report.render import render
from leadcheck.scorecards import scored_leader
from leadcheck.store import Store
inst = load_instrument("psl-360")
responses = demo_responses(inst, demo_leaders(12, 1), 1)
with Store.open(sys.argv[1]) as store:
    try:
        from leadcheck.importing.policy import add_responses
        add_responses(store, responses, inst)
    except ImportError:
        store.add_responses(responses, inst)
    card = scored_leader(store, sys.argv[2]).card
open(sys.argv[3], "wb").write(render(card, "html"))
"""


def interleaved(commands: list[list[str]], runs: int) -> list[tuple[list[float], list[float]]]:
    """Each command as a child process, in turn, ``runs`` times (after one warm-up round):
    per command, the CPU times (user + system, its children included) and the wall times.

    CPU time is the work done, which another program's load hardly changes; wall time is
    what the user waits, and where work done in parallel shows (leadcheck report renders
    in a process started ahead while it scores).
    """
    for argv in commands:
        subprocess.run(argv, check=True, capture_output=True)
    out: list[tuple[list[float], list[float]]] = [([], []) for _ in commands]
    for _ in range(runs):
        for k, argv in enumerate(commands):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            out[k][0].append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
            out[k][1].append(wall)
    return out


def median_ratio(a: list[float], b: list[float]) -> float:
    """The median of the run-by-run ratios a/b (runs taken in turn meet the same load)."""
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def warm_layouts(documents: list[Path], runs: int) -> list[float]:
    """WeasyPrint's render and write_pdf of each HTML file, warm, in turn; the best time of each."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    texts = [d.read_text(encoding="utf-8") for d in documents]
    weasyprint.HTML(string=texts[0]).render(font_config=fonts)  # warm up imports and fonts
    best = [float("inf")] * len(texts)
    for _ in range(runs):
        for k, text in enumerate(texts):
            start = time.process_time()  # CPU time of this process: see interleaved
            doc = weasyprint.HTML(string=text).render(font_config=fonts)
            doc.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
            best[k] = min(best[k], time.process_time() - start)
    return best


def pages(pdf: Path) -> int:
    import pypdf

    return len(pypdf.PdfReader(pdf).pages)


def demo_workspace(db: Path) -> list[str]:
    """The demo cohort (12 leaders, one round) in a new workspace at ``db``; its leaders' names."""
    from leadcheck.demo import demo_leaders, demo_responses
    from leadcheck.importing.policy import add_responses
    from leadcheck.instrument.catalog import load_instrument
    from leadcheck.store import Store

    inst = load_instrument("psl-360")
    leaders = demo_leaders(12, 1)
    with Store.open(db) as store:
        add_responses(store, demo_responses(inst, leaders, 1), inst)
    return sorted({r.leader for r in demo_responses(inst, leaders, 1)})


def heaviest_report(leadcheck: str, db: Path, names: list[str], tmp: Path) -> str:
    """The leader with the largest HTML with this checkout's templates (layout work grows with it)."""
    sizes = {}
    for name in names:
        out = tmp / "probe.html"
        subprocess.run(
            [leadcheck, "--db", str(db), "report", name, "-o", str(out)], check=True, capture_output=True
        )
        sizes[name] = out.stat().st_size
    return max(names, key=lambda n: (sizes[n], n))


def baseline_html(ref: str, leader: str, tmp: Path) -> Path:
    """The leader's report as HTML from the code of git ``ref`` (exported, the work tree untouched),
    from a demo workspace that code builds itself."""
    base_src = tmp / "baseline"
    base_src.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src", "report_templates", "instruments"],
        check=True,
        capture_output=True,
    ).stdout
    tar_path = tmp / "baseline.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(base_src, filter="data")
    base_html = tmp / "baseline.html"
    env = {"PYTHONPATH": str(base_src / "src"), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [sys.executable, "-c", HTML_OF, str(tmp / "baseline.db"), leader, str(base_html)],
        check=True,
        capture_output=True,
        env=env,
    )
    return base_html


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--baseline",
        default=BEFORE_EXECUTIVE_SUMMARY,
        help="git ref to compare the heaviest report with (default: main before the executive summary)",
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    leadcheck = str(BIN / "leadcheck")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "demo.db"
        heaviest = heaviest_report(leadcheck, db, demo_workspace(db), tmp)

        # 1. leadcheck report against WeasyPrint alone on the same HTML.
        html = tmp / "report.html"
        subprocess.run(
            [leadcheck, "--db", str(db), "report", heaviest, "-o", str(html)], check=True, capture_output=True
        )
        full_cmd = [leadcheck, "--db", str(db), "report", heaviest, "-o", str(tmp / "a.pdf")]
        alone_cmd = [sys.executable, "-c", WEASYPRINT_ALONE, str(html), str(tmp / "b.pdf")]
        (full_cpu, full_wall), (alone_cpu, alone_wall) = interleaved([full_cmd, alone_cmd], args.runs)

        # 2. The same leader's report from the baseline's code, laid out by WeasyPrint alone.
        base_html = baseline_html(args.baseline, heaviest, tmp)
        # Both layouts in one warm process, alternating, so the machine's load falls on both alike.
        new_layout, old_layout = warm_layouts([html, base_html], args.runs)
        subprocess.run(
            [sys.executable, "-c", WEASYPRINT_ALONE, str(base_html), str(tmp / "c.pdf")],
            check=True,
            capture_output=True,
        )
        old_pages = pages(tmp / "c.pdf")
        new_pages = pages(tmp / "b.pdf")

    rows = [
        (
            "heaviest demo report",
            f"{heaviest}: {new_pages} pages (baseline {args.baseline}: {old_pages})",
        ),
        (
            "leadcheck report, fresh process: wall / CPU (median)",
            f"{statistics.median(full_wall):.2f} s / {statistics.median(full_cpu):.2f} s",
        ),
        (
            "WeasyPrint alone, same HTML and options: wall / CPU (median)",
            f"{statistics.median(alone_wall):.2f} s / {statistics.median(alone_cpu):.2f} s",
        ),
        (
            "ratio 1: leadcheck / WeasyPrint alone, wall time",
            f"{median_ratio(full_wall, alone_wall):.3f}x (aim <= 1.10x)",
        ),
        (
            "ratio 1 in CPU time (the work done, both processes of a report)",
            f"{median_ratio(full_cpu, alone_cpu):.3f}x",
        ),
        ("layout and PDF of that report, warm (WeasyPrint, CPU time)", f"{new_layout:.2f} s"),
        (f"the same leader's report from {args.baseline}, warm", f"{old_layout:.2f} s"),
        ("ratio 2: this checkout's layout / baseline's", f"{new_layout / old_layout:.3f}x (aim <= 1.00x)"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
