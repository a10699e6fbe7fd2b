"""`denoise`'s net on the clock in float32 and in bfloat16, side by side: is a long run's loss of quality the precision
or the number of steps?

In the `--budget 600` selection benchmark (results/bench_selection_budget600.json) the clock's net, trained 503 s in
bfloat16 (11,382 steps), ended at 36.59 dB, below the 120-s run's net; the run before, on a slower machine without
native bfloat16, trained it in float32 (5,057 steps) to 40.37 dB. Here the net is trained as `denoise` trains it
(n2s_core.app.selection: the small UNet, the pixels of 4 of the 16 grid subsets kept out of the targets, the rate
decaying by the clock, seed 0) three ways: float32 for `--seconds`, bfloat16 for `--seconds`, and bfloat16 for as
many steps as float32 made. Printed for each: steps, seconds, the plain PSNR against the clean image and the loss of
the J-invariant version on the kept-out pixels (what the selection ranks by). bfloat16 is where the CPU has it
natively (on a CPU without it, the "auto" precision of `denoise` is float32 and this comparison says little).

    .venv/bin/python benchmarks/bench_net_precision.py [--seconds 300] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

import n2s_core as n2s
from n2s_core.app import selection


def train(noisy, clean, *, precision: str, seconds: float | None, steps: int) -> dict:
    from n2s_core.nets.single_image import fit_image

    kept_out = selection._kept_out_plane(noisy.shape, None)
    fitted = fit_image(noisy, steps=steps, time_limit=seconds, precision=precision, schedule="cosine", seed=0,
                       device="cpu", keep_out=kept_out, progress=False)
    plain = fitted.predict(image=noisy)
    invariant = fitted.predict(image=noisy, invariant=True)
    return {"precision": precision, "steps": fitted.report["steps_done"],
            "train_seconds": round(fitted.report["train_seconds"], 1),
            "psnr_plain": round(n2s.psnr(clean, plain), 2), "psnr_invariant": round(n2s.psnr(clean, invariant), 2),
            "held_out_loss": float(np.mean((invariant[kept_out] - noisy[kept_out]) ** 2))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="training time of the timed runs")
    parser.add_argument("--out", help="also write the measurements to this JSON file")
    args = parser.parse_args()
    n2s.size_thread_pools()
    clean = n2s.load_image("clock")
    noisy = n2s.add_noise(clean, sigma=0.1, rng=3)  # as benchmarks/bench_selection.py
    rows = [train(noisy, clean, precision="float32", seconds=args.seconds, steps=1_000_000)]
    rows.append(train(noisy, clean, precision="bfloat16", seconds=args.seconds, steps=1_000_000))
    rows.append(train(noisy, clean, precision="bfloat16", seconds=None, steps=rows[0]["steps"]))
    for row, label in zip(rows, ("float32, timed", "bfloat16, timed", "bfloat16, float32's steps"), strict=True):
        print(f"{label:<26} {row['steps']:>6} steps {row['train_seconds']:>6.0f} s  plain {row['psnr_plain']:.2f} dB  "
              f"J-invariant {row['psnr_invariant']:.2f} dB  held-out loss {row['held_out_loss']:.6f}", flush=True)
    print(f"bfloat16 made {rows[1]['steps'] / rows[0]['steps']:.2f}x float32's steps in the same time; "
          f"plain PSNR bfloat16 minus float32: {rows[1]['psnr_plain'] - rows[0]['psnr_plain']:+.2f} dB in the same "
          f"time, {rows[2]['psnr_plain'] - rows[0]['psnr_plain']:+.2f} dB in the same steps")
    if args.out:
        with open(args.out, "w") as handle:
            json.dump({"threads": n2s.available_cpus(), "seconds": args.seconds, "rows": rows,
                       "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, handle, indent=2)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
