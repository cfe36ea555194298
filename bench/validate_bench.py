"""How long `leadcheck validate` takes on 1,000 psl-360-sized files, and CLI start-up.

Run: .venv/bin/python bench/validate_bench.py   (prints a table; asserts nothing)
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def best_of(argv: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    source = REPO / "instruments" / "psl-360.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "many"
        folder.mkdir()
        for i in range(1000):
            shutil.copy(source, folder / f"instrument-{i:04}.yaml")
        leadcheck = str(BIN / "leadcheck")
        bare = best_of([sys.executable, "-c", "pass"])
        help_ = best_of([leadcheck, "--help"])
        one = best_of([leadcheck, "validate", str(source)])
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            done = subprocess.run([leadcheck, "validate", str(folder)], capture_output=True, text=True)
            runs.append(time.perf_counter() - start)
            assert done.returncode == 0, done.stdout[-500:]
        thousand = statistics.median(runs)
    per_file_ms = (thousand - one) / 999 * 1000
    rows = [
        ("python -c pass", f"{bare * 1000:.0f} ms", ""),
        (
            "leadcheck --help",
            f"{help_ * 1000:.0f} ms",
            f"+{(help_ - bare) * 1000:.0f} ms over bare Python (aim < 150)",
        ),
        ("leadcheck validate psl-360.yaml", f"{one * 1000:.0f} ms", "one file, start-up included"),
        (
            "leadcheck validate 1,000 files",
            f"{thousand:.2f} s",
            f"{per_file_ms:.1f} ms per file after start-up (aim < 10)",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'time':>9}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>9}  {note}")


if __name__ == "__main__":
    main()
