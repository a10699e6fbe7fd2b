"""Paper Figure 2 (paper §3): the median and the donut median, self-supervised against ground-truth loss, by radius.

The donut median leaves out the centre pixel, so it is J-invariant by construction and its self-supervised loss is
its ground-truth loss plus the noise variance: both curves bottom out at the same radius (3 in the paper). The plain
median reads the pixel it predicts, and its self-supervised loss just rises with the radius. Notebook 02 and
``python -m n2s_core reproduce figure2`` both call :func:`figure2_losses`.
"""

from __future__ import annotations

import time

import numpy as np

from .._checks import check_choice
from ..classical.filters import donut_median, median
from ..data.images import noisy_camera
from ..invariance import ground_truth_loss
from . import report

PAPER_FIGURE2_BEST_RADIUS = 3  # paper Figure 2: the donut median's two loss curves share their minimum at r = 3
QUICK_SIZE = 256  # quick mode works on the central 256x256 crop of the camera


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


def argmin_note(result: dict, *, quick: bool) -> str:
    """One sentence on the donut median's argmin beside the paper's, and why they may differ."""
    donut = result["donut"]
    agree = donut["best_radius"] == donut["best_radius_ground_truth"]
    text = (f"The donut median's self-supervised and ground-truth losses {'share their' if agree else 'differ in'} "
            f"argmin (r = {donut['best_radius']}" + ("" if agree else f" and {donut['best_radius_ground_truth']}")
            + f"; paper r = {PAPER_FIGURE2_BEST_RADIUS}).")
    if donut["best_radius"] != PAPER_FIGURE2_BEST_RADIUS:
        if quick:
            where = f"this is the central {QUICK_SIZE}x{QUICK_SIZE} crop (--quick), a different image from the full one"
        elif result.get("meta", {}).get("camera") == "paper":
            where = "on the paper's photograph the radius still differs, so the noise draw must differ from theirs"
        else:
            where = "today's camera photo is not the paper's"
        text += f" The best radius is a property of the image, not of the method: {where}" + (
            ", and on it both losses agree on another radius. What carries over is that they agree." if agree
            else ".")
    return text


def reproduce_figure2(out_dir, *, quick: bool = False, camera: str = "today") -> dict:
    """Paper Figure 2 on the noisy camera; writes ``figure2.{png,csv,md,json}`` into ``out_dir``
    (``figure2_paper_camera.*`` with ``camera="paper"``, the paper's photograph with the authors' noise)."""
    started = time.perf_counter()
    clean, noisy = noisy_camera(size=QUICK_SIZE if quick else None, camera=camera)
    stem = report.camera_stem("figure2", camera)
    result = figure2_losses(noisy, clean)
    result["paper_best_radius"] = PAPER_FIGURE2_BEST_RADIUS
    result["meta"] = report.run_metadata("figure2", quick, started, image_shape=noisy.shape, camera=camera,
                                         flags=report.camera_flag(camera))

    out = report.out_dir(out_dir)
    rows = [[r, *(result[m][k][i] for m in ("donut", "median") for k in ("self_supervised", "ground_truth"))]
            for i, r in enumerate(result["radii"])]
    header = ["radius", "donut_self_supervised", "donut_ground_truth", "median_self_supervised",
              "median_ground_truth"]
    report.write_csv(out / f"{stem}.csv", header, rows)
    best = [[m, result[m]["best_radius"], result[m]["best_radius_ground_truth"],
             PAPER_FIGURE2_BEST_RADIUS if m == "donut" else "-"] for m in ("donut", "median")]
    text = (f"# Figure 2: median vs donut median ({report.camera_label(camera)}, sigma 0.1, seed 3)\n\n"
            + report.markdown(header, [[r[0], *(f"{v:.5f}" for v in r[1:])] for r in rows])
            + "\n\nBest radius (argmin of each loss):\n\n"
            + report.markdown(["filter", "self-supervised", "ground truth", "paper"], best)
            + f"\n\nMeasured noise variance: {result['noise_variance']:.5f}. {argmin_note(result, quick=quick)}\n"
            + report.camera_footer(result["meta"]))
    report.write_text(out / f"{stem}.md", text)
    report.write_json(out / f"{stem}.json", result)
    from ..teach.plotting import plot_figure2

    donut_r, median_r = result["donut"]["best_radius"], result["median"]["best_radius_ground_truth"]
    fig = plot_figure2(result, noisy=noisy, denoised={f"donut median r={donut_r}": donut_median(noisy, donut_r),
                                                      f"median r={median_r}": median(noisy, median_r)})
    report.save_figure(fig, out / f"{stem}.png")
    return result
