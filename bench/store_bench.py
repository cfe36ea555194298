"""Time to open a workspace of a million answers: what SQLite's quick check on open costs.

Run: .venv/bin/python bench/store_bench.py   (prints figures; asserts nothing)
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

from leadcheck.store import Store

RESPONSES = 50_000
ITEMS = 20  # 1,000,000 answers


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.db"
        with Store.open(path) as store:
            c = store.conn
            c.execute("BEGIN")
            c.execute("INSERT INTO instruments VALUES (1, 'x', '1', 'h', 'source', 't')")
            c.execute("INSERT INTO leaders VALUES (1, 'A', NULL, 't')")
            c.execute("INSERT INTO assessments VALUES (1, 1, 1, 't')")
            for r in range(1, RESPONSES + 1):
                c.execute("INSERT INTO responses VALUES (?, 1, 'peer', ?, 't', 't')", (r, f"h{r}"))
                c.executemany(
                    "INSERT INTO answers VALUES (?, ?, 3, '2024-01-01T00:00:00')",
                    [(r, f"i-{k}") for k in range(ITEMS)],
                )
            c.execute("COMMIT")
        size = path.stat().st_size / 1e6
        started = time.perf_counter()
        con = sqlite3.connect(path)
        con.execute("SELECT COUNT(*) FROM leaders").fetchone()
        con.close()
        bare = time.perf_counter() - started
        started = time.perf_counter()
        Store.open(path, create=False).close()
        checked = time.perf_counter() - started
        print(
            f"{RESPONSES * ITEMS:,} answers, {size:.0f} MB: bare open {bare:.3f} s, Store.open {checked:.3f} s"
        )


if __name__ == "__main__":
    main()
