"""`denoise`'s choice by the self-supervised loss against the choice the clean image would make, at its budget.

Four cases where we know the clean image: camera (512 x 512), coins (303 x 384) and astronaut (512 x 512 RGB) at
Gaussian sigma 0.1, and the camera under Poisson noise (30 photons at full brightness). For each, `denoise`'s
default selection (n2s_core.app.selection.select_denoiser, budget 120 s) runs once with the clean image passed
along for scoring only; the clean image never takes part in the choice. Printed per case: every candidate's loss,
its PSNR (plain and J-invariant), its time; the chosen one's PSNR; the PSNR of the candidate the ground truth would
pick (best plain PSNR among those scored); and calibrated NL-means' plain PSNR, the classical path to beat.

    .venv/bin/python benchmarks/bench_selection.py [--budget 120] [--out results/bench_selection.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import n2s_core as n2s
from n2s_core.app.selection import DEFAULT_BUDGET, select_denoiser


def cases():
    camera = n2s.load_image("camera")
    yield "camera, sigma 0.1", camera, n2s.add_noise(camera, sigma=0.1, rng=3), None
    coins = n2s.load_image("coins")
    yield "coins, sigma 0.1", coins, n2s.add_noise(coins, sigma=0.1, rng=3), None
    astronaut = n2s.load_image("astronaut")
    yield "astronaut (RGB), sigma 0.1", astronaut, n2s.add_noise(astronaut, sigma=0.1, rng=3), -1
    yield "camera, Poisson 30 photons", camera, n2s.add_noise(camera, photons=30, rng=0), None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=DEFAULT_BUDGET)
    parser.add_argument("--out", help="also write the measurements to this JSON file")
    args = parser.parse_args()
    rows = []
    for label, clean, noisy, channel_axis in cases():
        started = time.perf_counter()
        denoised, report = select_denoiser(noisy, channel_axis=channel_axis, budget=args.budget, clean=clean,
                                           progress=False)
        seconds = time.perf_counter() - started
        scored = [e for e in report["ranking"] if e["status"] == "scored"]
        truth = max(scored, key=lambda e: e["psnr_plain"])
        nl_means = next((e for e in scored if e["name"] == "nl_means"), None)
        row = {"case": label, "shape": list(noisy.shape), "chosen": report["chosen"],
               "psnr_noisy": round(n2s.psnr(clean, noisy), 2), "psnr_chosen": round(n2s.psnr(clean, denoised), 2),
               "truth_pick": truth["name"], "psnr_truth_pick": round(truth["psnr_plain"], 2),
               "psnr_nl_means": None if nl_means is None else round(nl_means["psnr_plain"], 2),
               "seconds": round(seconds, 1), "ranking": report["ranking"]}
        row["gap_to_truth_db"] = round(row["psnr_truth_pick"] - row["psnr_chosen"], 2)
        rows.append(row)
        print(f"\n{label}: chose {row['chosen']} {row['psnr_chosen']:.2f} dB (noisy {row['psnr_noisy']:.2f}) in "
              f"{seconds:.0f} s; the clean image would pick {truth['name']} {truth['psnr_plain']:.2f} dB "
              f"(gap {row['gap_to_truth_db']:.2f} dB); NL-means {row['psnr_nl_means']} dB")
        print(f"  {'candidate':10s} {'status':8s} {'loss':>9s} {'PSNR plain':>10s} {'PSNR J-inv':>10s} {'s':>6s}")
        for e in report["ranking"]:
            loss = "" if e["loss"] is None else f"{e['loss']:.6f}"
            plain = "" if e["psnr_plain"] is None else f"{e['psnr_plain']:.2f}"
            inv = "" if e["psnr_invariant"] is None else f"{e['psnr_invariant']:.2f}"
            print(f"  {e['name']:10s} {e['status']:8s} {loss:>9s} {plain:>10s} {inv:>10s} {e['seconds']:6.1f} "
                  f"{e['note']}", flush=True)
    if args.out:
        with open(args.out, "w") as handle:
            json.dump({"budget_seconds": args.budget, "threads": n2s.available_cpus(), "rows": rows,
                       "bm3d_installed": n2s.bm3d_available(),
                       "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, handle, indent=2)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
