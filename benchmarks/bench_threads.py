"""Thread pools sized to the CPUs a process may use, against pools sized to the host's cores, on one pinned core.

On Binder or a CI runner a process may use fewer CPUs than the host has. torch, OpenMP and BLAS size their pools
from the host, so several threads then share one core. n2s_core.hardware sizes every pool from the affinity mask
and the cgroup quota instead. This benchmark pins two runs of the same Noise2Self training (the `denoise`
command's small UNet on the 128 x 128 noisy camera, 60 steps) to core 0, interleaved and repeated: one with the
package's sizing (1 thread), one with as many threads as the host has cores (what torch picks on its own,
forced with N2S_THREADS). It prints the ratio of their best times, measured side by side in one run.

    .venv/bin/python benchmarks/bench_threads.py [--repeats 3] [--steps 60] [--out results/bench_threads.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from n2s_core.hardware import THREAD_SETTINGS

RUN = """
import json, sys, time
import n2s_core as n2s
n2s.size_thread_pools()  # what the package's command line and notebooks do first
import torch
from n2s_core.nets.single_image import denoise_image
clean, noisy = n2s.noisy_camera(sigma=0.1, rng=3, size=128)
start = time.perf_counter()
denoise_image(noisy, steps=int(sys.argv[1]), seed=0, progress=False)
print(json.dumps({"seconds": time.perf_counter() - start, "threads": torch.get_num_threads()}))
"""


def timed(steps: int, threads: int | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_SETTINGS}
    if threads is not None:
        env["N2S_THREADS"] = str(threads)
    out = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", RUN, str(steps)], env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--out", help="also write the measurements to this JSON file")
    args = parser.parse_args()
    host = os.cpu_count() or 1
    if host < 2:
        raise SystemExit("this machine has one core: there is nothing to oversubscribe")
    sized, unsized = [], []
    for _ in range(args.repeats):
        sized.append(timed(args.steps, None))
        unsized.append(timed(args.steps, host))
    best_sized, best_unsized = min(r["seconds"] for r in sized), min(r["seconds"] for r in unsized)
    print(f"pinned to 1 core of {host}: sized pools ({sized[0]['threads']} thread) best {best_sized:.2f} s; "
          f"host-sized pools ({unsized[0]['threads']} threads) best {best_unsized:.2f} s; "
          f"ratio {best_unsized / best_sized:.2f}x (host-sized / sized), best of {args.repeats}")
    assert sized[0]["threads"] == 1, "the package did not size torch's pool to the one CPU it may use"
    if args.out:
        report = {"host_cores": host, "steps": args.steps, "repeats": args.repeats, "sized": sized,
                  "host_sized": unsized, "ratio": round(best_unsized / best_sized, 2),
                  "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        with open(args.out, "w") as handle:
            json.dump(report, handle, indent=2)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
