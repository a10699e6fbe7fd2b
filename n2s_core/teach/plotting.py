"""Figures used by the notebooks and the command line: image grids, loss curves, Figure 2, calibration curves.

Every function returns the matplotlib Figure (or Axes) it drew on, so callers can save or adjust it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from ..partitions import count_subsets


def show_images(images: dict, *, ncols: int | None = None, size: float = 3.0, zoom=None, cmap: str = "gray",
                suptitle: str | None = None):
    """Show named images side by side on a shared [0, 1] scale.

    ``zoom=(rows, cols)`` (two slices) shows that crop of every image instead, for detail.
    """
    if not images:
        raise ValueError("images is empty; pass a dict such as {'noisy': noisy, 'denoised': denoised}")
    ncols = ncols or len(images)
    nrows = -(-len(images) // ncols)
    height = (size + 0.3) * nrows + 0.4 * bool(suptitle)  # 0.3 inch a row for the titles
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, height), squeeze=False)
    for ax, (title, image) in zip(axes.flat, images.items(), strict=False):
        image = np.asarray(image)
        ax.imshow(image if zoom is None else image[zoom], cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(title, fontsize=10)
    for ax in axes.flat:
        ax.set_axis_off()
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_loss_curves(x, curves: dict, *, ax=None, xlabel: str = "parameter", ylabel: str = "mean squared error",
                     mark_min: bool = True, styles: dict | None = None):
    """One line per named curve against ``x``; the minimum of each marked with a dot."""
    if not curves or len(x) == 0:
        raise ValueError("plot_loss_curves got empty input; give x values and at least one curve, "
                         "e.g. ([1, 2], {'loss': [0.1, 0.2]})")
    ax = ax or plt.subplots(figsize=(5, 3.5))[1]
    styles = styles or {}
    for label, values in curves.items():
        line, = ax.plot(x, values, label=label, **styles.get(label, {"marker": "."}))
        if mark_min:
            best = int(np.argmin(values))
            ax.plot([x[best]], [values[best]], "o", ms=9, mfc="none", color=line.get_color())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_figure2(result: dict, *, noisy=None, denoised: dict | None = None, mark: float | None = None):
    """Paper Figure 2: both losses of the median and the donut median against the radius, plus optional images.

    ``result`` is the dict of :func:`n2s_core.paper.figure2.figure2_losses`; ``denoised`` maps titles to images;
    ``mark`` draws a vertical line at that radius.
    """
    filters = [name for name in ("donut", "median") if name in result]
    if not filters or "radii" not in result:
        raise ValueError("plot_figure2 got an empty or foreign result; pass the dict of experiments.figure2_losses")
    panels = ([("noisy", noisy)] if noisy is not None else []) + list((denoised or {}).items())
    fig = plt.figure(figsize=(5.5 + 2.6 * len(panels), 4))
    grid = fig.add_gridspec(1, 1 + len(panels), width_ratios=[2.1] + [1] * len(panels))
    ax = fig.add_subplot(grid[0])
    curves, styles = {}, {}
    for name in filters:
        colour = {"donut": "C0", "median": "C1"}[name]
        curves[f"{name}: self-supervised"] = result[name]["self_supervised"]
        curves[f"{name}: ground truth"] = result[name]["ground_truth"]
        styles[f"{name}: self-supervised"] = {"color": colour, "marker": "o"}
        styles[f"{name}: ground truth"] = {"color": colour, "marker": "s", "linestyle": "--"}
    plot_loss_curves(result["radii"], curves, ax=ax, xlabel="radius r", styles=styles)
    ax.set_title("median vs donut median")
    if mark is not None:
        ax.axvline(mark, color="gray", lw=1)
    for i, (title, image) in enumerate(panels, start=1):
        image_ax = fig.add_subplot(grid[i])
        image_ax.imshow(image, cmap="gray", vmin=0, vmax=1)
        image_ax.set_title(title, fontsize=10)
        image_ax.set_axis_off()
    fig.tight_layout()
    return fig


def plot_calibration(result, key: str, *, ax=None, title: str | None = None):
    """Self-supervised loss (and ground-truth loss, when measured) of a calibration against one parameter."""
    values = [p[key] for p in result.parameters]
    curves = {"self-supervised loss": result.losses}
    if result.ground_truth_losses is not None:
        curves["ground-truth loss"] = result.ground_truth_losses
    ax = plot_loss_curves(values, curves, ax=ax, xlabel=key)
    ax.set_title(title or getattr(result.function, "__name__", ""))
    return ax


def plot_partition(labels: np.ndarray, *, ax=None, offset: int | None = None, zoom: int = 12):
    """Show the top-left ``zoom x zoom`` corner of a 2-D partition, one colour per subset (or one subset's mask)."""
    ax = ax or plt.subplots(figsize=(3.2, 3.2))[1]
    corner = labels[:zoom, :zoom]
    if offset is None:
        ax.imshow(corner, cmap="tab20" if count_subsets(labels) <= 20 else "nipy_spectral", interpolation="nearest")
        ax.set_title(f"{count_subsets(labels)} subsets")
    else:
        ax.imshow(corner == offset, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"subset J = {offset}")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def plot_table2_examples(examples: dict, *, title: str | None = None, size: float = 2.2):
    """A Figure-6-style row: one test tile as every method denoised it (values clipped to [0, 1] for display)."""
    images = {name: np.clip(np.asarray(image, dtype=np.float32), 0, 1) for name, image in examples.items()}
    rows = -(-len(images) // 6)  # at most 6 to a row, rows filled evenly (8 images: two rows of 4)
    return show_images(images, ncols=-(-len(images) // rows), size=size, suptitle=title)


def plot_decomposition(noisy, denoised, decomposition: dict, noise_variance: float, *, title: str = "denoised"):
    """The noisy image, the denoised one, and the bars of notebook 01's identity: self-supervised loss, ground-truth
    loss and their gap, against the noise variance (``decomposition`` from :func:`n2s_core.loss_decomposition`)."""
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.8), gridspec_kw={"width_ratios": [1, 1, 1.4]})
    for ax, image, name in ((axes[0], noisy, "noisy"), (axes[1], denoised, title)):
        ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(name, fontsize=10)
        ax.set_axis_off()
    bars = [decomposition["self_supervised"], decomposition["ground_truth"], decomposition["gap"]]
    axes[2].bar(["self-sup.", "truth", "gap"], bars, color=["C0", "C1", "C2"])
    axes[2].axhline(noise_variance, color="k", ls="--", lw=1, label=f"noise variance {noise_variance:.4f}")
    axes[2].legend(fontsize=8)
    axes[2].set_title(f"gap / noise variance = {decomposition['gap'] / noise_variance:.3f}", fontsize=10)
    fig.tight_layout()
    return fig


def plot_prediction_error(prediction, clean, *, title: str, vmax: float = 0.3):
    """A prediction beside its absolute error against the clean image."""
    fig, axes = plt.subplots(1, 2, figsize=(6.4, 3.2))
    axes[0].imshow(prediction, cmap="gray", vmin=0, vmax=1)
    axes[1].imshow(np.abs(np.asarray(prediction) - np.asarray(clean)), cmap="magma", vmin=0, vmax=vmax)
    axes[0].set_title(title, fontsize=9)
    axes[1].set_title("|prediction - clean|", fontsize=9)
    for ax in axes:
        ax.set_axis_off()
    fig.tight_layout()
    return fig


def plot_time_to_quality(bench: dict, *, paper_psnr: float | None = None, ax=None):
    """Test PSNR against training minutes for each run of ``bench_time_to_quality.json``, with BM3D and the paper's
    fully trained number as horizontal lines."""
    ax = ax or plt.subplots(figsize=(6, 3.6))[1]
    for run in bench["runs"]:
        minutes = [point["minutes"] for point in run["curve"]]
        ax.plot(minutes, [point["psnr_rescaled"] for point in run["curve"]], "o-",
                label=f"UNet N2S, {run['n_subsets']} subsets" + (f", batch {run['batch']}" if "batch" in run else ""))
    if bench.get("bm3d"):
        ax.axhline(bench["bm3d"]["psnr_rescaled"], color="gray", linestyle=":",
                   label=f"BM3D ({bench['bm3d']['seconds']:.0f} s for the test tiles)")
    if paper_psnr is not None:
        ax.axhline(paper_psnr, color="black", linestyle="--", label="paper, fully trained")
    ax.set_xlabel(f"training time (minutes, {bench['device']}, {bench['args']['threads']} threads)")
    ax.set_ylabel("test PSNR (dB, rescaled)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_table2_overview(tables: dict):
    """Ours against the paper's, one panel per data set: a horizontal bar per method (rescaled PSNR with its spread
    over seeds; the raw row plain, as the paper's), from the JSON reports of ``reproduce table2``."""
    fig, axes = plt.subplots(1, max(1, len(tables)), figsize=(5.2 * max(1, len(tables)), 4), squeeze=False)
    for ax, table in zip(axes[0], tables.values(), strict=False):
        rows = table["summary"]
        y = np.arange(len(rows))
        keys = ["psnr" if row["method"] == "raw" else "psnr_rescaled" for row in rows]
        ax.barh(y - 0.2, [row[key] for row, key in zip(rows, keys, strict=True)], 0.4,
                xerr=[row[key + "_std"] for row, key in zip(rows, keys, strict=True)], label="ours (quick)")
        ax.barh(y + 0.2, [row["paper"] or 0 for row in rows], 0.4, label="paper")
        ax.set_yticks(y, [row["method"] for row in rows])
        ax.invert_yaxis()
        ax.set_xlabel("PSNR (dB; rescaled, raw plain)")
        ax.set_title(table["description"], fontsize=9)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_figure1(patch, *, sigma: float = 0.1, rng=0):
    """The paper's Figure 1 view (paper §1), redrawn: a measurement's dimensions split into a part J (orange) and the
    rest (blue), in three instances. (b) two independent acquisitions of one scene (Noise2Noise), (c) single pixels
    of one image (Noise2Self, Noise2Void), (d) the molecules of one cell split at random into two halves.

    ``patch`` is a small clean image in [0, 1] (about 8 x 8); the noisy copies are drawn with ``sigma`` and ``rng``.
    """
    patch = np.asarray(patch, dtype=float)
    if patch.ndim != 2 or min(patch.shape) < 3:
        raise ValueError(f"patch must be a 2-D image of at least 3 x 3 pixels, got shape {patch.shape}")
    gen = np.random.default_rng(rng)
    j_colour, rest_colour = "C1", "C0"
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.3), gridspec_kw={"width_ratios": [1.1, 1.6, 1, 1]})

    def frame(ax, x0, y0, w, h, colour, lw=3):
        ax.add_patch(plt.Rectangle((x0, y0), w, h, fill=False, edgecolor=colour, lw=lw))

    strip = np.zeros((1, 10))  # (a) ten dimensions, three of them in J
    strip[0, [1, 4, 5]] = 1
    axes[0].imshow(strip, cmap=ListedColormap([rest_colour, j_colour]), vmin=0, vmax=1, extent=(0, 10, 0, 1))
    for k in range(11):
        axes[0].plot([k, k], [0, 1], color="white", lw=2)
    axes[0].set_ylim(-0.6, 1.8)
    axes[0].text(4.5, 1.25, "J", color=j_colour, ha="center", fontsize=12, weight="bold")
    axes[0].text(8.0, 1.25, "the rest", color=rest_colour, ha="center", fontsize=11)
    axes[0].set_title("(a) a measurement's dimensions", fontsize=10)

    h, w = patch.shape  # (b) two noisy copies side by side: J = the first, the rest = the second
    copies = [np.clip(patch + gen.normal(0, sigma, patch.shape), 0, 1) for _ in range(2)]
    gap = np.full((h, 1), np.nan)
    axes[1].imshow(np.hstack([copies[0], gap, copies[1]]), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    frame(axes[1], -0.5, -0.5, w, h, j_colour)
    frame(axes[1], w + 0.5, -0.5, w, h, rest_colour)
    axes[1].set_title("(b) two acquisitions: Noise2Noise", fontsize=10)

    axes[2].imshow(copies[0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")  # (c) one pixel vs the rest
    frame(axes[2], -0.5, -0.5, w, h, rest_colour)
    frame(axes[2], w // 2 - 0.5, h // 2 - 0.5, 1, 1, j_colour)
    axes[2].set_title("(c) pixels: Noise2Self, Noise2Void", fontsize=10)

    angle, radius = gen.uniform(0, 2 * np.pi, 80), np.sqrt(gen.uniform(0, 1, 80))  # (d) molecules in one cell
    half = gen.random(80) < 0.5  # each molecule to one half with probability 1/2
    axes[3].add_patch(plt.Circle((0, 0), 1.08, fill=False, color="gray", lw=1.5))
    for in_j, colour in ((True, j_colour), (False, rest_colour)):
        axes[3].plot(radius[half == in_j] * np.cos(angle[half == in_j]), radius[half == in_j] *
                     np.sin(angle[half == in_j]), "o", ms=4, color=colour)
    axes[3].set_xlim(-1.2, 1.2)
    axes[3].set_ylim(-1.2, 1.2)
    axes[3].set_aspect("equal")
    axes[3].set_title("(d) molecules: two halves", fontsize=10)
    for ax in axes:
        ax.set_axis_off()
    fig.text(0.5, 0.02, "orange: J        blue: the rest, which predicts the signal on J but not its noise",
             ha="center", fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def plot_gene_panels(panels, ranks, markers, *, axes=None):
    """The paper's gene scatters (Figure 3): ``markers[0]`` against ``markers[1]``, coloured by ``markers[2]``,
    normalized and then at each of ``ranks`` (over-fit, argmin, under-fit), as
    :func:`n2s_core.paper.molecule_splitting.denoised_genes` returns them; returns the four axes."""
    import matplotlib.pyplot as plt

    axes = plt.subplots(1, 4, figsize=(13, 3.2), layout="constrained")[1] if axes is None else axes
    titles = ("raw (normalized)", "over-fit", "argmin", "under-fit")
    for ax, key, title in zip(axes, ["raw", *ranks], titles, strict=True):
        ax.scatter(panels[key][:, 0], panels[key][:, 1], c=panels[key][:, 2], s=4, cmap="viridis")
        ax.set(title=title + ("" if key == "raw" else f", k = {key}"), xlabel=markers[0], ylabel=markers[1])
    return axes
