"""Wall time and peak memory of every notebook in quick mode, against the Binder budget.

Binder gives 1 CPU and 2 GB of RAM, so each notebook must finish in quick mode (N2S_QUICK=1) in at most 60 s on
2 cores and peak under 1.5 GB. Each notebook runs in a fresh wrapper process; the peak is the largest resident set
of the processes it waited for (nbconvert and the kernel), read with getrusage(RUSAGE_CHILDREN).

    .venv/bin/python benchmarks/bench_notebooks.py [notebooks/01_*.ipynb ...]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

BUDGET_SECONDS = 60.0
BUDGET_MB = 1536.0

# Run one notebook to a throwaway output and report (seconds, peak MB) of everything it started.
WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--output-dir",
                sys.argv[2], "--ExecutePreprocessor.timeout=600", sys.argv[1]], check=True, capture_output=True)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def measure(notebook: str) -> dict:
    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "N2S_QUICK": "1"}
        done = subprocess.run([sys.executable, "-c", WRAPPER, notebook, out], env=env, check=True,
                              capture_output=True, text=True)
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", default=sorted(glob.glob("notebooks/*.ipynb")))
    args = parser.parse_args()
    print(f"{'notebook':45s} {'wall s':>8s} {'/ 60 s':>7s} {'peak MB':>8s} {'/ 1.5 GB':>9s}")
    ok = True
    for notebook in args.notebooks:
        m = measure(notebook)
        time_ratio, memory_ratio = m["seconds"] / BUDGET_SECONDS, m["peak_mb"] / BUDGET_MB
        ok &= time_ratio <= 1 and memory_ratio <= 1
        print(f"{os.path.basename(notebook):45s} {m['seconds']:8.1f} {time_ratio:7.2f} {m['peak_mb']:8.0f} "
              f"{memory_ratio:9.2f}")
    print("all within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
