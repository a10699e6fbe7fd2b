"""`denoise` on a stack of 16 planes against the same command on one of its planes: seconds per pixel, side by side.

The stack: 16 crops of 256 x 256 from the camera, each shifted 8 pixels further right than the last (a slow pan,
like a time series), Gaussian noise sigma 0.1, stored as 16-bit. The plane: the first of them as a 2-D TIFF. Each
method runs through the real command line (`python -m n2s_core denoise`) in this process, plane first, then stack:

- ``nl_means``: one classical denoiser, calibrated on the sample planes (one plane for the plane, four for the stack)
  and applied to every plane;
- ``n2s``: the net trained for ``--steps`` on crops of every plane, then applied to each;
- ``auto``: every candidate ranked within ``--budget`` seconds on the sample planes, the choice applied to each.

Printed per method: the seconds of each run, the seconds per megapixel of each, and their ratio (stack over plane;
the issue's target is at most 1.2). Calibration and training are shared by all planes of a stack, so the stack's
cost per pixel should fall well below the plane's; the time to apply the choice to one plane is printed beside it.

    .venv/bin/python benchmarks/bench_stack.py [--methods nl_means,n2s,auto] [--budget 120] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import tifffile
from _machine import OtherLoad

import n2s_core as n2s
from n2s_core import cli

PLANES, SIDE, STEP = 16, 256, 8


def make_files(folder: Path) -> tuple[Path, Path]:
    """The 16-plane stack and its first plane, both 16-bit TIFFs of the noisy camera."""
    camera = n2s.load_image("camera")
    clean = np.stack([camera[128:128 + SIDE, k * STEP:k * STEP + SIDE] for k in range(PLANES)])
    noisy = n2s.add_noise(clean, sigma=0.1, rng=0)
    counts = np.round(np.clip(noisy, 0, 1) * 65535).astype(np.uint16)
    stack, plane = folder / "stack.tif", folder / "plane.tif"
    tifffile.imwrite(stack, counts, photometric="minisblack")
    tifffile.imwrite(plane, counts[0], photometric="minisblack")
    return stack, plane


def run(image: Path, out: Path, options: list[str]) -> dict:
    """One `denoise` through the command line; its wall time and its report."""
    started = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):  # progress bars
        code = cli.main(["denoise", str(image), "--out", str(out), *options])
    seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"denoise {image.name} {' '.join(options)} exited {code}")
    report = json.loads(out.with_suffix(".json").read_text())
    return {"seconds": round(seconds, 2), "chosen": report.get("chosen"),
            "seconds_per_plane_applied": report.get("seconds_per_plane")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="nl_means,n2s,auto")
    parser.add_argument("--budget", type=float, default=120.0, help="auto's --budget (default 120)")
    parser.add_argument("--steps", type=int, default=300, help="n2s's --steps (default 300, the command's)")
    parser.add_argument("--out", help="also write the measurements to this JSON file")
    args = parser.parse_args()
    n2s.size_thread_pools()
    options = {"nl_means": ["--method", "nl_means"], "n2s": ["--method", "n2s", "--steps", str(args.steps)],
               "auto": ["--budget", str(args.budget)]}
    rows, load = [], OtherLoad()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        stack, plane = make_files(folder)
        for method in args.methods.split(","):
            one = run(plane, folder / f"plane_{method}.tif", options[method])
            many = run(stack, folder / f"stack_{method}.tif", options[method])
            per_plane_mp, per_stack_mp = SIDE * SIDE / 1e6, PLANES * SIDE * SIDE / 1e6
            row = {"method": method, "options": options[method], "plane": one, "stack": many,
                   "plane_seconds_per_megapixel": round(one["seconds"] / per_plane_mp, 1),
                   "stack_seconds_per_megapixel": round(many["seconds"] / per_stack_mp, 1)}
            row["ratio"] = round(row["stack_seconds_per_megapixel"] / row["plane_seconds_per_megapixel"], 3)
            rows.append(row)
            print(f"{method:9s} plane {one['seconds']:7.1f} s ({row['plane_seconds_per_megapixel']:.0f} s/MP); "
                  f"stack of {PLANES} {many['seconds']:7.1f} s ({row['stack_seconds_per_megapixel']:.0f} s/MP, "
                  f"{many['seconds_per_plane_applied']} s to apply the choice to a plane): stack/plane per pixel "
                  f"{row['ratio']:.2f} (target <= 1.2)", flush=True)
    load.report()
    if args.out:
        with open(args.out, "w") as handle:
            json.dump({"threads": n2s.available_cpus(), "planes": PLANES, "side": SIDE, "rows": rows,
                       "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, handle, indent=2)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
