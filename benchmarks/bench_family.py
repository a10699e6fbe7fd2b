"""Noise2Self's family side by side: every member trained for the same wall-clock budget on one image, in one run.

The 256 x 256 camera with Gaussian noise (sigma 0.1, seed 3: the paper's noisy camera, §3) and with Poisson noise
(30 photons at intensity 1, seed 3). Each member (n2s_core.nets.family.MEMBERS) trains for ``--seconds`` on the
noisy image alone and denoises it; beside them NL-means and BM3D (when installed), calibrated by the
self-supervised loss (n2s.calibrate_denoiser), with their calibration time. Scored against the clean image by plain
PSNR on [0, 1] and by the checkerboard ratio of the residual (n2s.checkerboard_ratio: power at (N/2, N/2) over its
surroundings; white noise gives about 1). SURE runs on the Gaussian image only: it needs Gaussian noise of known
sigma. Writes results/family.json and refreshes the copy shipped in the package (notebook 10 reads it).

    N2S_THREADS=1 taskset -c 0 .venv/bin/python benchmarks/bench_family.py [--seconds 40] [--out results/family.json]

(one thread on one core: the committed run, so that other work on the machine cannot move the budgets)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import n2s_core as n2s
from n2s_core.hardware import thread_count
from n2s_core.nets.family import MEMBERS, train_member
from n2s_core.paper import committed
from n2s_core.paper.report import write_json

PHOTONS = 30.0
CLASSICAL = ("nl_means", "bm3d")


def noisy_images(size: int = 256) -> dict:
    clean, gaussian = n2s.noisy_camera(sigma=0.1, rng=3, size=size)
    poisson = n2s.add_noise(clean, photons=PHOTONS, rng=3)
    return {"gaussian": (clean, gaussian, 0.1), "poisson": (clean, poisson, None)}


def classical_row(name: str, clean, noisy) -> dict:
    method = n2s.get_method(name)
    started = time.perf_counter()
    result = n2s.calibrate_denoiser(noisy, method.function, method.grid(noisy))
    denoised = method.function(noisy, **result.best_parameters)
    return {"method": method.label + " (calibrated)", "kind": "classical",
            "seconds": round(time.perf_counter() - started, 1), "psnr": round(n2s.psnr(clean, denoised), 2),
            "checkerboard": round(n2s.checkerboard_ratio(denoised - clean), 2),
            "parameters": {k: v for k, v in result.best_parameters.items() if isinstance(v, (int, float, str))}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0, help="training budget of every member (default 40)")
    parser.add_argument("--out", default="results/family.json")
    args = parser.parse_args()
    n2s.size_thread_pools()  # one thread per CPU this process may use, or N2S_THREADS
    report = {"seconds": args.seconds, "threads": thread_count(), "image": "camera 256 x 256",
              "noises": {"gaussian": "sigma 0.1, seed 3", "poisson": f"{PHOTONS:g} photons at intensity 1, seed 3"},
              "scoring": "plain PSNR on [0, 1] against the clean image; checkerboard ratio of denoised - clean",
              "rows": {}}
    for noise, (clean, noisy, sigma) in noisy_images().items():
        rows = report["rows"][noise] = []
        print(f"\n{noise}: noisy {n2s.psnr(clean, noisy):.2f} dB", flush=True)
        for name, member in MEMBERS.items():
            if member.needs_sigma and sigma is None:
                continue
            denoised, info = train_member(name, noisy, seconds=args.seconds, sigma=sigma)
            rows.append({"method": name, "kind": "self-supervised net", **info,
                         "psnr": round(n2s.psnr(clean, denoised), 2),
                         "checkerboard": round(n2s.checkerboard_ratio(denoised - clean), 2)})
            print(f"  {name:22s} {rows[-1]['psnr']:6.2f} dB  {info['steps']:5d} steps  "
                  f"checkerboard {rows[-1]['checkerboard']:7.2f}", flush=True)
        for name in CLASSICAL:
            if name == "bm3d" and not n2s.bm3d_available():
                continue
            rows.append(classical_row(name, clean, noisy))
            print(f"  {rows[-1]['method']:22s} {rows[-1]['psnr']:6.2f} dB  {rows[-1]['seconds']:5.1f} s", flush=True)
        rows.append({"method": "noisy input", "kind": "input", "psnr": round(n2s.psnr(clean, noisy), 2)})
    report["finished_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    write_json(Path(args.out), report)
    if Path(args.out).resolve() == (Path("results") / "family.json").resolve():
        committed.bundle()
    return 0


if __name__ == "__main__":
    sys.exit(main())
