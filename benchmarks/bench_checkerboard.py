"""The checkerboard of Noise2Self UNets, side by side: how the decoder upsamples and the encoder downsamples.

One 256 x 256 noisy camera image (sigma 0.1, seed 3); the `denoise` command's training (Noise2Self, 300 steps of 8
crops of 64 x 64, lr 3e-3) of the small UNet with each (down, up) pair, seeds 0 and 1, in one run. It prints the
PSNR against the clean image and the checkerboard ratio (n2s_core.metrics.checkerboard_ratio: power at the Nyquist
frequency (N/2, N/2) over its surroundings) of the residual against the clean image and against the noisy one.
Transposed convolutions (tconv) are the cause; bilinear upsampling is the small UNet's default since this run.
Then, keeping the transposed convolutions, each of N2V2's fixes (Hoeck et al. 2022: no top skip connection,
max-blur-pool downsampling, median replacement), all three together, and J-invariant inference (16 masked passes):
what each does to the checkerboard on its own. Last, the same camera crop under Poisson noise (30 photons at full
brightness, seed 0), where the transposed convolutions print pixel-scale stripes instead (issue 12): every row also
carries the two stripe ratios (n2s_core.diagnostics.stripe_ratio, the Nyquist lines (N/2, 0) and (0, N/2)).
Notebook 11 shows the table.

    .venv/bin/python benchmarks/bench_checkerboard.py [--out results/checkerboard.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import n2s_core as n2s
from n2s_core.nets.single_image import denoise_image
from n2s_core.paper import committed

VARIANTS = [("conv", "tconv"), ("avgpool", "tconv"), ("conv", "bilinear"), ("avgpool", "bilinear"),
            ("avgpool", "nearest")]
TCONV = {"down": "conv", "up": "tconv"}
FIXES = [  # (label, model options, replacement, J-invariant inference): each N2V2 fix alone on the tconv net
    ("no top skip", {**TCONV, "top_skip": False}, "random", False),
    ("max-blur-pool", {**TCONV, "down": "maxblurpool"}, "random", False),
    ("median replacement", TCONV, "median", False),
    ("N2V2: all three", {**TCONV, "top_skip": False, "down": "maxblurpool"}, "median", False),
    ("J-invariant inference", TCONV, "random", True),
]
POISSON = [("conv", "tconv"), ("avgpool", "tconv"), ("avgpool", "bilinear")]  # the paper's layers, and the fix


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="also write the measurements to this JSON file")
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    n2s.size_thread_pools()  # one thread per CPU this process may use, or N2S_THREADS
    clean, noisy = n2s.noisy_camera(sigma=0.1, rng=3, size=256)
    poisson = n2s.add_noise(clean, photons=30, rng=0)
    print(f"noisy {n2s.psnr(clean, noisy):.2f} dB (Gaussian), {n2s.psnr(clean, poisson):.2f} dB (Poisson); "
          f"checkerboard ratio of the noise itself {n2s.checkerboard_ratio(noisy - clean):.2f}")
    print(f"{'noise':8s} {'variant':22s} {'seed':>4s} {'PSNR':>6s} {'ratio vs clean':>15s} {'ratio vs noisy':>15s} "
          f"{'stripes H / V':>15s}")
    rows = []
    variants = [("gaussian", noisy, f"{down}/{up}", {"down": down, "up": up}, "random", False) for down, up in VARIANTS]
    variants += [("gaussian", noisy, *fix) for fix in FIXES]
    variants += [("poisson", poisson, f"{down}/{up}", {"down": down, "up": up}, "random", False)
                 for down, up in POISSON]
    for noise, image, label, options, replacement, invariant in variants:
        down, up = options["down"], options["up"]
        for seed in range(args.seeds):
            started = time.perf_counter()
            denoised, _ = denoise_image(image, seed=seed, progress=False, model_options=options,
                                        replacement=replacement, invariant=invariant)
            residual = denoised - clean
            row = {"noise": noise, "label": label, "down": down, "up": up, "top_skip": options.get("top_skip", True),
                   "replacement": replacement, "invariant": invariant,
                   "seed": seed, "psnr": round(n2s.psnr(clean, denoised), 2),
                   "ratio_vs_clean": round(n2s.checkerboard_ratio(residual), 2),
                   "ratio_vs_noisy": round(n2s.checkerboard_ratio(denoised - image), 2),
                   "stripes_vs_clean": {direction: round(n2s.stripe_ratio(residual, direction), 2)
                                        for direction in ("horizontal", "vertical")},
                   "seconds": round(time.perf_counter() - started, 1)}
            rows.append(row)
            stripes = row["stripes_vs_clean"]
            print(f"{noise:8s} {label:22s} {seed:4d} {row['psnr']:6.2f} {row['ratio_vs_clean']:15.2f} "
                  f"{row['ratio_vs_noisy']:15.2f} {stripes['horizontal']:7.2f} / {stripes['vertical']:5.2f}",
                  flush=True)
    if args.out:
        report = {"image": "camera 256 x 256 (centre crop); Gaussian sigma 0.1, seed 3; Poisson 30 photons, seed 0",
                  "training": "denoise defaults (300 steps)",
                  "fixes": "rows 10-19: N2V2's fixes and J-invariant inference, each on the conv/tconv net",
                  "poisson": f"rows {len(VARIANTS + FIXES) * args.seeds} on: Poisson noise",
                  "rows": rows, "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        with open(args.out, "w") as handle:
            json.dump(report, handle, indent=2)
            handle.write("\n")
        if Path(args.out).resolve() == (Path("results") / "checkerboard.json").resolve():
            committed.bundle()  # notebook 11 reads the copy shipped in the package
    return 0


if __name__ == "__main__":
    sys.exit(main())
