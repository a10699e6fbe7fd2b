"""BM3D calibrated the cheap way `denoise` now uses, beside the full calibration, on images with a clean version.

Full: the grid (sigma_psd at 0.6-1.4 times the estimated noise level) searched on one subset of the whole image,
then the exact loss on all 16 subsets. Cheap (n2s_core.app.selection, when 16 would not fit the budget): the grid
searched on the central 256 x 256 crop, its best two settings compared by the approximate loss on the whole image
(the full way's criterion), the exact loss on 4 of the 16 subsets. Printed per image: each way's chosen
setting, its time, its loss, and the plain PSNR of the chosen setting; then the ratio of the times, measured side by
side in this run. Needs the optional bm3d package.

    .venv/bin/python benchmarks/bench_bm3d_calibration.py [--out results/bench_bm3d_calibration.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

import n2s_core as n2s
from n2s_core.app import selection


def calibrate(noisy, clean, *, cheap: bool) -> dict:
    """One calibration of BM3D by the selection's own code, with a budget that forces the cheap or the full way."""
    started = time.perf_counter()
    entry, _, _ = selection._classical("bm3d", noisy[None], None, float("inf"), clean=clean[None], progress=False,
                                       subsets="few" if cheap else "all", crop=cheap)
    return {"sigma_psd": entry.parameters.get("sigma_psd"), "loss": entry.loss, "note": entry.note,
            "psnr_plain": round(entry.psnr_plain, 2), "seconds": round(time.perf_counter() - started, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="also write the measurements to this JSON file")
    args = parser.parse_args()
    n2s.size_thread_pools()
    if not n2s.bm3d_available():
        raise SystemExit("needs the optional bm3d package: pip install -e '.[bm3d]'")
    rows = []
    for name in ("camera", "coins"):
        clean = n2s.load_image(name)
        noisy = n2s.add_noise(clean, sigma=0.1, rng=3)
        full, cheap = calibrate(noisy, clean, cheap=False), calibrate(noisy, clean, cheap=True)
        rows.append({"image": name, "shape": list(noisy.shape), "full": full, "cheap": cheap,
                     "time_ratio": round(full["seconds"] / cheap["seconds"], 2),
                     "psnr_difference": round(cheap["psnr_plain"] - full["psnr_plain"], 2)})
        print(f"{name} {noisy.shape}: full sigma_psd {full['sigma_psd']} {full['psnr_plain']:.2f} dB in "
              f"{full['seconds']:.0f} s; cheap sigma_psd {cheap['sigma_psd']} {cheap['psnr_plain']:.2f} dB in "
              f"{cheap['seconds']:.0f} s: {rows[-1]['time_ratio']}x faster, {rows[-1]['psnr_difference']:+.2f} dB",
              flush=True)
    if args.out:
        with open(args.out, "w") as handle:
            json.dump({"threads": n2s.available_cpus(), "rows": rows, "grid_factors": [0.6, 0.8, 1.0, 1.2, 1.4],
                       "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, handle, indent=2)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
