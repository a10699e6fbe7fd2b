"""The paper's two classical experiments as functions returning plain numbers: Figure 2 and Table 1 (paper §3).

Notebooks 02 and 03 and the command line (``python -m n2s_core reproduce ...``) all call these, so a number shown
anywhere comes from one place. The paper's own numbers are kept beside them in :data:`PAPER_TABLE1`.
"""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from ._checks import check_choice
from .calibration import calibrate_denoiser, estimate_noise_variance, mix, mixing_weight
from .denoisers import bm3d_available, get_method
from .filters import donut_median, median
from .invariance import ground_truth_loss
from .metrics import psnr

# Paper Table 1 (camera, sigma 0.1): min self-supervised loss, PSNR of the J-invariant denoiser, with mixing, and
# at default parameters. Total variation and BM3D are not in the paper (None).
PAPER_TABLE1 = {
    "median": {"loss": 0.0107, "psnr_invariant": 27.5, "psnr_mixed": 28.2, "psnr_default": 27.1},
    "wavelet": {"loss": 0.0113, "psnr_invariant": 26.0, "psnr_mixed": 26.9, "psnr_default": 24.6},
    "nl_means": {"loss": 0.0098, "psnr_invariant": 30.4, "psnr_mixed": 30.8, "psnr_default": 28.9},
}
PAPER_FIGURE2_BEST_RADIUS = 3  # paper Figure 2: the donut median's two loss curves share their minimum at r = 3


def figure2_losses(noisy, clean, radii=range(1, 7), *, filters=("donut", "median")) -> dict:
    """Self-supervised and ground-truth loss of the median and the donut median for each radius.

    Both filters are applied once to the whole image: the donut median is J-invariant by construction; the plain
    median is not, which is the point of the figure. ``filters`` picks which of the two to run.
    """
    radii = [int(r) for r in radii]
    result = {"radii": radii}
    for name in filters:
        filt = {"donut": donut_median, "median": median}[check_choice(name, ("donut", "median"), name="filter")]
        outputs = [filt(noisy, r) for r in radii]
        self_sup = [ground_truth_loss(noisy, out) for out in outputs]
        truth = [ground_truth_loss(clean, out) for out in outputs]
        result[name] = {
            "self_supervised": self_sup,
            "ground_truth": truth,
            "best_radius": radii[int(np.argmin(self_sup))],
            "best_radius_ground_truth": radii[int(np.argmin(truth))],
        }
    result["noise_variance"] = ground_truth_loss(clean, noisy)
    return result


def table1_row(noisy, clean, method_name: str, *, grid=None, noise_variance=None, stride: int = 4,
               progress: bool = False) -> dict:
    """Calibrate one classical method by the exact self-supervised loss and score the results against ``clean``.

    ``clean`` never steers the choice: it only scores the outputs (and records the ground-truth curve for teaching).
    ``noise_variance`` for mixing defaults to an estimate from the noisy image (no oracle).
    """
    method = get_method(method_name)
    grid = method.grid(noisy) if grid is None else grid
    result = calibrate_denoiser(noisy, method.function, grid, stride=stride, clean=clean, progress=progress)
    invariant = result.invariant_denoiser(noisy)
    if noise_variance is None:
        noise_variance = estimate_noise_variance(noisy)
    weight = mixing_weight(noise_variance, result.best_loss)
    summary = result.to_dict()
    return {
        "method": method.name,
        "label": method.label,
        "calibration": summary,
        "min_loss": result.best_loss,
        "psnr_invariant": psnr(clean, invariant),
        "psnr_mixed": psnr(clean, mix(noisy, invariant, weight=weight)),
        "psnr_plain_calibrated": psnr(clean, result.denoiser(noisy)),
        "psnr_default": psnr(clean, method.function(noisy, **method.defaults)),
        "best_parameters_ground_truth": summary["parameters"][int(np.argmin(result.ground_truth_losses))],
        "mixing_weight": weight,
        "noise_variance_used": noise_variance,
    }


def table1(noisy, clean, *, methods=None, grids=None, stride: int = 4, progress: bool = True) -> dict:
    """Every row of Table 1 (plus total variation, and BM3D when installed), with the paper's numbers beside."""
    if methods is None:
        methods = ["median", "wavelet", "nl_means", "tv"] + (["bm3d"] if bm3d_available() else [])
    grids = grids or {}
    rows = []
    for name in tqdm(methods, desc="Table 1", disable=not progress):
        row = table1_row(noisy, clean, name, grid=grids.get(name), stride=stride)
        row["paper"] = PAPER_TABLE1.get(name)
        rows.append(row)
    return {
        "rows": rows,
        "psnr_noisy": psnr(clean, noisy),
        "noise_variance_measured": ground_truth_loss(clean, noisy),
        "noise_variance_estimated": estimate_noise_variance(noisy),
        "bm3d_available": bm3d_available(),
    }
