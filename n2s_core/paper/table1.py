"""Paper Table 1 (§3): classical denoisers made J-invariant and calibrated by the self-supervised loss.

Each row calibrates one method on the noisy camera by the exact self-supervised loss, then scores the J-invariant
denoiser, the same mixed with the noisy input, the plain denoiser at the chosen setting and at its default, all
against the clean image, which never steers a choice. Notebook 03 and ``python -m n2s_core reproduce table1`` both
call :func:`table1`; the paper's own numbers are kept beside ours in :data:`PAPER_TABLE1`.
"""

from __future__ import annotations

import time

import numpy as np
from tqdm.auto import tqdm

from ..classical.calibration import calibrate_denoiser, estimate_noise_variance, mix, mixing_weight, swept_parameter
from ..classical.denoisers import bm3d_available, get_method
from ..data.images import noisy_camera
from ..invariance import ground_truth_loss
from ..metrics import psnr
from . import report
from .figure2 import QUICK_SIZE

# Paper Table 1 (camera, sigma 0.1): min self-supervised loss, PSNR of the J-invariant denoiser, with mixing, and
# at default parameters. Total variation and BM3D are not in the paper (None).
PAPER_TABLE1 = {
    "median": {"loss": 0.0107, "psnr_invariant": 27.5, "psnr_mixed": 28.2, "psnr_default": 27.1},
    "wavelet": {"loss": 0.0113, "psnr_invariant": 26.0, "psnr_mixed": 26.9, "psnr_default": 24.6},
    "nl_means": {"loss": 0.0098, "psnr_invariant": 30.4, "psnr_mixed": 30.8, "psnr_default": 28.9},
}


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


def reproduce_table1(out_dir, *, quick: bool = False, methods=None) -> dict:
    """Paper Table 1 on the noisy camera; writes ``table1.{png,csv,md,json}`` into ``out_dir``."""
    started = time.perf_counter()
    clean, noisy = noisy_camera(size=QUICK_SIZE if quick else None)
    result = table1(noisy, clean, methods=methods)
    result["meta"] = report.run_metadata("table1", quick, started, image_shape=noisy.shape)

    columns = ["min_loss", "psnr_invariant", "psnr_mixed", "psnr_default"]
    header = ["method", *[c for col in columns for c in (col, f"paper_{col}")], "psnr_plain_calibrated",
              "best_parameters", "best_parameters_ground_truth"]
    rows = []
    for row in result["rows"]:
        paper = row["paper"] or {}
        values = [v for col in columns for v in (row[col], paper.get(col.replace("min_", "")))]
        rows.append([row["method"], *values, row["psnr_plain_calibrated"],
                     report.format_params(row["calibration"]["best_parameters"]),
                     report.format_params(row["best_parameters_ground_truth"])])
    out = report.out_dir(out_dir)
    report.write_csv(out / "table1.csv", header, rows)
    md_rows = [[r[0], *(f"{report.fmt(r[i])} / {report.fmt(r[i + 1])}" for i in range(1, 9, 2)), report.fmt(r[9]),
                r[10], r[11]] for r in rows]
    text = ("# Table 1: classical denoisers calibrated by the self-supervised loss (camera, sigma 0.1, seed 3)\n\n"
            + "Each cell: ours / paper. PSNR in dB against the clean image; loss = min self-supervised loss.\n\n"
            + report.markdown(["method", "min loss", "PSNR J-invariant", "PSNR J-inv. + mixing", "PSNR default",
                                "PSNR plain at calibrated params", "best (self-sup.)", "best (ground truth)"], md_rows)
            + f"\n\nNoisy PSNR {result['psnr_noisy']:.2f} dB; noise variance measured "
            f"{result['noise_variance_measured']:.5f}, estimated {result['noise_variance_estimated']:.5f}"
            f" (mixing uses the estimate). BM3D installed: {result['bm3d_available']}.\n"
            + report.camera_footer(result["meta"]))
    report.write_text(out / "table1.md", text)
    report.write_json(out / "table1.json", result)
    report.save_figure(_table1_figure(result), out / "table1.png")
    return result


def _table1_figure(result):
    import matplotlib.pyplot as plt

    from ..teach.plotting import plot_loss_curves

    rows = result["rows"]
    fig, axes = plt.subplots(1, len(rows), figsize=(3.6 * len(rows), 3.3), squeeze=False)
    for ax, row in zip(axes[0], rows, strict=True):
        calib = row["calibration"]
        key = swept_parameter(calib["parameters"])
        curves = {"self-supervised": calib["self_supervised_losses"], "ground truth": calib["ground_truth_losses"]}
        plot_loss_curves([p[key] for p in calib["parameters"]], curves, ax=ax, xlabel=key)
        ax.set_title(row["label"])
    fig.tight_layout()
    return fig
