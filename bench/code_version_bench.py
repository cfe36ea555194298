"""What `code_version()` costs: the digest of the package every cache is keyed by.

Run: .venv/bin/python bench/code_version_bench.py [--runs 20]   (prints figures; asserts nothing)

Each run is a fresh process (`python -c`) that imports leadcheck.base.codeversion and computes the
digest once, as a command does the first time a cache asks for it; the same process then
computes it again without the cache (files already in the page cache), which is the part
`code_version()` adds. Medians of --runs runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

PROBE = """
import json, time
t0 = time.perf_counter()
from leadcheck.base.codeversion import PACKAGE, _files, code_version, package_digest
t1 = time.perf_counter()
code_version()
t2 = time.perf_counter()
package_digest(PACKAGE)
t3 = time.perf_counter()
files = _files(PACKAGE)
print(json.dumps({"import": t1 - t0, "first": t2 - t1, "again": t3 - t2, "files": len(files),
                  "bytes": sum(p.stat().st_size for p in files)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    results = [
        json.loads(
            subprocess.run([sys.executable, "-c", PROBE], capture_output=True, check=True, text=True).stdout
        )
        for _ in range(runs)
    ]
    ms = {key: statistics.median(r[key] for r in results) * 1000 for key in ("import", "first", "again")}
    print(f"code_version(): {results[0]['files']} files, {results[0]['bytes'] / 1024:.0f} KiB hashed")
    print(f"  import of leadcheck.base.codeversion: {ms['import']:.1f} ms (median of {runs} fresh processes)")
    print(f"  first call in a process:         {ms['first']:.1f} ms")
    print(f"  the digest again, uncached:      {ms['again']:.1f} ms")


if __name__ == "__main__":
    main()
