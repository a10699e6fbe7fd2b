"""Against a real peer: CAREamics' Noise2Void beside our Noise2Void and Noise2Self, same image, same wall time.

CAREamics (the `careamics` package, 0.3.5) cannot share our venv (it caps torchvision, hence torch), so it runs in
its own, built by ``benchmarks/peers/setup_peers.sh`` (pinned, CPU torch 2.13.0; see that script and
``benchmarks/peers/careamics_n2v.py`` for the torchvision stand-in and the defaults it keeps). The image is the
paper's noisy camera (256 x 256, Gaussian sigma 0.1, seed 3). Each method trains for ``--seconds`` of wall time on
that image alone, in this order, one after the other, and is scored by plain PSNR on [0, 1] against the clean image
(and the checkerboard ratio of its residual). CAREamics keeps its own N2V defaults (UNet depth 2, 32 channels, 0.2%
of pixels masked in an 11 x 11 window, patch 64, its learning-rate schedule); ours are n2s_core.nets.family's.
Run it on one pinned thread so that nothing else on the machine moves the budgets:

    N2S_THREADS=1 taskset -c 0 .venv/bin/python benchmarks/bench_peers.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import n2s_core as n2s
from n2s_core.hardware import thread_count
from n2s_core.nets.family import train_member
from n2s_core.paper.report import write_json

ROOT = Path(__file__).resolve().parents[1]
PEERS_PYTHON = ROOT / ".venv-peers" / "bin" / "python"


def careamics(noisy: np.ndarray, seconds: float, seed: int) -> tuple[np.ndarray, dict]:
    """Train CAREamics' N2V in its own venv (built first if missing); returns its output and its report."""
    subprocess.run(["bash", str(ROOT / "benchmarks" / "peers" / "setup_peers.sh")], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "noisy.npy", Path(folder) / "out.npy"
        np.save(source, noisy.astype(np.float32))
        started = time.perf_counter()
        subprocess.run([str(PEERS_PYTHON), str(ROOT / "benchmarks" / "peers" / "careamics_n2v.py"), "--noisy",
                        str(source), "--out", str(out), "--seconds", str(seconds), "--seed", str(seed),
                        "--threads", str(thread_count())], check=True)
        report = json.loads(out.with_suffix(".json").read_text())
        report["process_seconds"] = round(time.perf_counter() - started, 1)  # with careamics' import
        return np.load(out).astype(np.float64), report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="training budget of each method (default 60)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="results/bench_peers.json")
    args = parser.parse_args()
    n2s.size_thread_pools()  # one thread per CPU this process may use, or N2S_THREADS
    clean, noisy = n2s.noisy_camera(sigma=0.1, rng=3, size=256)
    rows = []

    def record(method, denoised, **extra):
        rows.append({"method": method, "psnr": round(n2s.psnr(clean, np.clip(denoised, 0, 1)), 2),
                     "checkerboard": round(n2s.checkerboard_ratio(denoised - clean), 2), **extra})
        print(f"{method:28s} {rows[-1]['psnr']:6.2f} dB  train {extra['train_seconds']:6.1f} s  "
              f"steps {extra['steps']}", flush=True)

    print(f"noisy camera 256 x 256, sigma 0.1: {n2s.psnr(clean, noisy):.2f} dB; {args.seconds:g} s each, "
          f"{thread_count()} thread(s)")
    out, report = careamics(noisy, args.seconds, args.seed)
    record("CAREamics N2V (0.3.5)", out, steps=report.get("steps"), train_seconds=report["train_seconds"],
           epochs=report.get("epochs"), careamics=report.get("careamics_version"),
           process_seconds=report["process_seconds"])
    for name in ("Noise2Void", "Noise2Self"):
        denoised, info = train_member(name, noisy, seconds=args.seconds, seed=args.seed)
        record(f"n2s_core {name}", denoised, steps=info["steps"], train_seconds=info["train_seconds"])
    write_json(Path(args.out), {"image": "camera 256 x 256, sigma 0.1, seed 3", "seconds": args.seconds,
                                "threads": thread_count(), "rows": rows,
                                "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return 0


if __name__ == "__main__":
    sys.exit(main())
