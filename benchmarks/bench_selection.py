"""`denoise`'s output by the self-supervised loss against the single candidate the clean image would pick.

Five cases where we know the clean image: camera (512 x 512), coins (303 x 384) and astronaut (512 x 512 RGB) at
Gaussian sigma 0.1, the camera under Poisson noise (30 photons at full brightness), and scikit-image's clock
(300 x 400), which no test or lesson uses. For each, `denoise`'s default selection
(n2s_core.app.selection.select_denoiser) runs once with the clean image passed along for scoring only; the clean
image never takes part in any choice. Printed per case: every candidate's loss, its PSNR (plain and J-invariant) and
time; the combination's weights and cross-fitted loss, and the PSNR of each way of writing it (the weighted
J-invariant versions, the same weights on the plain versions, and both again with the noisy image as one more
column, and the best any weights could do: the plain outputs and the noisy image fitted to the clean image by
least squares, an upper bound no self-supervised rule can pass); what was written; and the best single candidate by
the clean image (best plain PSNR among those scored).

    .venv/bin/python benchmarks/bench_selection.py [--budget 120] [--cases camera,clock] [--out FILE.json]
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
    yield "camera", "camera, sigma 0.1", camera, n2s.add_noise(camera, sigma=0.1, rng=3), None
    coins = n2s.load_image("coins")
    yield "coins", "coins, sigma 0.1", coins, n2s.add_noise(coins, sigma=0.1, rng=3), None
    astronaut = n2s.load_image("astronaut")
    yield "astronaut", "astronaut (RGB), sigma 0.1", astronaut, n2s.add_noise(astronaut, sigma=0.1, rng=3), -1
    yield "poisson", "camera, Poisson 30 photons", camera, n2s.add_noise(camera, photons=30, rng=0), None
    clock = n2s.load_image("clock")
    yield "clock", "clock, sigma 0.1 (unseen)", clock, n2s.add_noise(clock, sigma=0.1, rng=3), None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=DEFAULT_BUDGET)
    parser.add_argument("--cases", default="camera,coins,astronaut,poisson,clock",
                        help="comma-separated: camera, coins, astronaut, poisson, clock")
    parser.add_argument("--out", help="also write the measurements to this JSON file")
    args = parser.parse_args()
    n2s.size_thread_pools()  # one thread per CPU this process may use, or N2S_THREADS
    wanted, rows = args.cases.split(","), []
    for key, label, clean, noisy, channel_axis in cases():
        if key not in wanted:
            continue
        started = time.perf_counter()
        denoised, report = select_denoiser(noisy, channel_axis=channel_axis, budget=args.budget, clean=clean,
                                           progress=False)
        seconds = time.perf_counter() - started
        scored = [e for e in report["ranking"] if e["status"] == "scored"]
        truth = max(scored, key=lambda e: e["psnr_plain"])
        row = {"case": label, "shape": list(noisy.shape), "chosen": report["chosen"],
               "psnr_noisy": round(n2s.psnr(clean, noisy), 2), "psnr_written": round(n2s.psnr(clean, denoised), 2),
               "truth_pick": truth["name"], "psnr_truth_pick": round(truth["psnr_plain"], 2),
               "seconds": round(seconds, 1), "combination": report["combination"], "ranking": report["ranking"]}
        row["gain_over_truth_pick_db"] = round(row["psnr_written"] - row["psnr_truth_pick"], 2)
        rows.append(row)
        print(f"\n{label}: wrote {row['chosen']} {row['psnr_written']:.2f} dB (noisy {row['psnr_noisy']:.2f}) in "
              f"{seconds:.0f} s; the clean image's best single pick is {truth['name']} {truth['psnr_plain']:.2f} dB "
              f"(written minus it: {row['gain_over_truth_pick_db']:+.2f} dB)")
        print(f"  {'candidate':11s} {'status':8s} {'loss':>9s} {'PSNR plain':>10s} {'PSNR J-inv':>10s} {'s':>6s}")
        for e in report["ranking"]:
            loss = "" if e["loss"] is None else f"{e['loss']:.6f}"
            plain = "" if e["psnr_plain"] is None else f"{e['psnr_plain']:.2f}"
            inv = "" if e["psnr_invariant"] is None else f"{e['psnr_invariant']:.2f}"
            print(f"  {e['name']:11s} {e['status']:8s} {loss:>9s} {plain:>10s} {inv:>10s} {e['seconds']:6.1f} "
                  f"{e['note']}", flush=True)
        combo = report["combination"]
        if combo is not None:
            weights = ", ".join(f"{k} {v:+.3f}" for k, v in combo["weights"].items())
            print(f"  combination ({'chosen' if combo['chosen'] else 'not chosen'}): {weights}; cross-fitted loss "
                  f"{combo['held_out_loss']:.6f} (fitted {combo['fitted_loss']:.6f}), gain {combo['gain']:.2e} ± "
                  f"{combo['gain_se']:.1e} over {combo['best_candidate']}")
            print("  its PSNR: " + ", ".join(f"{k} {v:.2f}" for k, v in combo["psnr"].items())
                  + "; with the noisy column: " + ", ".join(f"{k} {v:+.3f}"
                                                             for k, v in combo["with_noisy"]["weights"].items()))
    if args.out:
        with open(args.out, "w") as handle:
            json.dump({"budget_seconds": args.budget, "threads": n2s.available_cpus(), "rows": rows,
                       "bm3d_installed": n2s.bm3d_available(),
                       "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, handle, indent=2)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
