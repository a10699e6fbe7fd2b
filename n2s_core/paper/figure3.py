"""Paper Figure 3: choosing the rank of PCA on single-cell counts by self-supervision (molecule splitting).

Each UMI of a cell is a molecule caught independently, so the counts split into two halves: ``X2 ~ Binomial(X, p)``,
``X1 = X - X2``. For Poisson counts the halves are independent Poisson with means ``(1 - p) lambda`` and
``p lambda``: predicting X2 from X1 is J-invariant, and its error is the error against the truth plus a constant.
The paper fits PCA to X1 and finds the loss lowest at k = 17 components (Paul et al. 2015). Offline, this module runs
on SYNTHETIC counts whose true rank is known (:func:`n2s_core.data.single_cell.synthesize_counts`), or on yours.
The method itself is :mod:`.molecule_splitting`; this module is the experiment, its files and its plots.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from ..data import single_cell as sc
from ..teach import plotting
from . import molecule_splitting as ms
from . import report

PAPER_FIGURE3_BEST_RANK = 17  # paper Figure 3: the self-supervised loss is lowest at 17 principal components
PAPER_LOSS_RANGE = (0.0872, 0.0878)  # the span of the paper's loss axis
PAPER_RANKS_SHOWN = (6, 29)  # the ranks the paper plots
OVER_RANK, UNDER_RANK = 200, 3  # the paper's gene panels: k = 200 over-fits (keeps noise), k = 3 under-fits
N_SEEDS = 10  # splits per run, quick or full
MOVED = {**dict.fromkeys(("split_molecules", "library_scale", "normalize", "randomized_svd", "rank_k_map",
                          "loss_curves", "rank_losses", "argmin_over_seeds", "denoised_genes"), ms),
         "plot_gene_panels": plotting}  # the method, and a plot of handed numbers, moved out of this module


def __getattr__(name: str):
    """The old addresses, ``figure3.rank_losses`` and the rest, kept working with a DeprecationWarning."""
    if name in MOVED:
        warnings.warn(f"n2s_core.paper.figure3.{name} is now {MOVED[name].__name__}.{name}", DeprecationWarning,
                      stacklevel=2)
        return getattr(MOVED[name], name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def pick_markers(counts, names, markers=None) -> tuple[list[int], str]:
    """The three genes of the scatter panels: ``markers`` by name, else the three most variable; and how chosen."""
    if markers:
        missing = [m for m in markers if m not in names]
        if len(markers) != 3 or missing:
            raise ValueError(f"markers must be three gene names of the data; {missing or markers} not usable")
        index, how = [names.index(m) for m in markers], "named"
    else:
        index, how = np.argsort(ms.normalize(counts).var(axis=0))[::-1][:3].tolist(), "the three most variable genes"
    return index, how


def _data(quick, counts_path, transpose, markers):
    """Counts, their expected values (synthetic only), the three genes to plot and a sentence about each."""
    if counts_path is None:
        raw, meta = sc.synthesize_counts("quick" if quick else "paper", rng=0)
        counts, cells, genes = sc.filter_counts(raw)
        names = [meta["gene_names"][g] for g in genes]
        expected = sc.expected_counts(meta, cells=cells, genes=genes).astype(np.float32)
        info = {"synthetic": True, "note": meta["note"], "true_rank": meta["true_rank"],
                "n_programs": meta["n_programs"], "raw_shape": list(raw.shape)}
        markers = markers or sc.MARKERS
    else:
        counts, names = sc.load_counts(counts_path, transpose=transpose)
        counts, cells, genes = sc.filter_counts(counts)
        names = [names[g] for g in genes] if names is not None else [f"gene {g}" for g in genes]
        expected, info = None, {"synthetic": False, "path": str(counts_path), "true_rank": None}
    index, how = pick_markers(counts, names, markers)
    info.update(shape=list(counts.shape), markers=[names[i] for i in index], markers_chosen=how)
    return counts, expected, index, info


def reproduce_figure3(out_dir, *, quick: bool = False, counts_path=None, seeds=None, markers=None, transpose=None,
                      p: float = 0.5) -> dict:
    """Paper Figure 3 on SYNTHETIC counts (or ``counts_path``); writes ``figure3.{png,csv,md,json}`` to ``out_dir``.

    ``seeds`` (default 10 seeds) are the molecule/cell splits; the first is the single draw the curve shows.
    ``markers`` are three gene names for the scatter panels (x, y, colour); by default the synthetic Mpo-, Klf1- and
    Ifitm1-like genes, or on your data the three most variable genes.
    """
    started = time.perf_counter()
    counts, expected, genes, info = _data(quick, counts_path, transpose, markers)
    spread = ms.argmin_over_seeds(counts, seeds=seeds or range(N_SEEDS), p=p,
                               expected=expected)
    draw = spread.pop("draws")[0]
    panel_ranks = [min(OVER_RANK, min(counts.shape) - 1), draw["best_rank"], UNDER_RANK]
    panels = ms.denoised_genes(counts, genes, panel_ranks)
    result = {"data": info, "draw": draw, "seeds": spread, "panel_ranks": panel_ranks,
              "paper_best_rank": PAPER_FIGURE3_BEST_RANK, "paper_loss_range": list(PAPER_LOSS_RANGE)}
    result["meta"] = report.run_metadata("figure3", quick, started, counts_shape=counts.shape)

    out = report.out_dir(out_dir)
    header = ["rank", "self_supervised", "ground_truth"]
    rows = [[k, ss, None if draw["ground_truth"] is None else draw["ground_truth"][i]]
            for i, (k, ss) in enumerate(zip(draw["ranks"], draw["self_supervised"], strict=True))]
    report.write_csv(out / "figure3.csv", header, rows)
    report.write_text(out / "figure3.md", _markdown(result))
    report.write_json(out / "figure3.json", result)
    report.save_figure(plot_figure3(result, panels), out / "figure3.png")
    return result


def _markdown(result) -> str:
    data, draw, spread, ranks = result["data"], result["draw"], result["seeds"], result["panel_ranks"]
    rows = [["self-supervised argmin, seed 0", draw["best_rank"], PAPER_FIGURE3_BEST_RANK],
            [f"self-supervised argmin, {len(spread['seeds'])} seeds", spread_text(spread["best_rank"]), "(one draw)"]]
    if data["synthetic"]:
        rows += [["ground-truth argmin, seed 0", draw["best_rank_ground_truth"], "-"],
                 [f"ground-truth argmin, {len(spread['seeds'])} seeds", spread_text(spread["best_rank_ground_truth"]),
                  "-"],
                 ["true rank", data["true_rank"], "unknown"]]
        where = (f"The counts are **SYNTHETIC** ({data['note']}): {data['raw_shape'][0]:,} x {data['raw_shape'][1]:,}"
                 f" drawn, {data['shape'][0]:,} x {data['shape'][1]:,} after the paper's filter (paper: 2,416 x "
                 f"10,782). {data['n_programs']} expression programmes plus the baseline give the noiseless "
                 f"square-root signal a true rank of {data['true_rank']}. A programme too weak to rise above the "
                 "noise is not worth keeping, so the best rank may sit below the true rank.")
        low, high = PAPER_RANKS_SHOWN
        offset = np.subtract(draw["self_supervised"], draw["ground_truth"])[low - 1:high]
        where += (" The self-supervised loss is the ground-truth loss plus a constant, the noise variance: "
                  f"{offset.mean():.5f}, within {np.ptp(offset):.1e} over k = {low}..{high}.")
    else:
        where = (f"Your counts from `{data['path']}`: {data['shape'][0]:,} x {data['shape'][1]:,} after the paper's "
                 "filter. There is no ground truth for them.")
    shown = np.array(draw["self_supervised"][PAPER_RANKS_SHOWN[0] - 1:PAPER_RANKS_SHOWN[1]])
    return ("# Figure 3: choosing the PCA rank by molecule splitting\n\n" + where + "\n\n"
            + report.markdown(["", "ours", "paper (Paul et al. 2015, real data)"], rows)
            + f"\n\nLoss over k = {PAPER_RANKS_SHOWN[0]}..{PAPER_RANKS_SHOWN[1]}: {shown.min():.5f} to "
            f"{shown.max():.5f} (the paper's axis spans about {PAPER_LOSS_RANGE[0]} to {PAPER_LOSS_RANGE[1]}). The "
            "level depends on the depth and the genes, the depth of the dip on how strong the programmes are; the "
            "argmin is what carries over. Each seed draws a new molecule split (p = "
            f"{draw['p']}) and a new {draw['train_fraction']:.0%}/{1 - draw['train_fraction']:.0%} cell split; the "
            f"paper's {PAPER_FIGURE3_BEST_RANK} is one such draw.\n\nGene panels: {', '.join(data['markers'])} (x, y, "
            f"colour; {data['markers_chosen']}), normalized, then PCA at k = {ranks[0]} (over-fit, keeps noise), "
            f"{ranks[1]} (the argmin) and {ranks[2]} (under-fit).\n\nMade by `{result['meta']['command']}` in "
            f"{result['meta']['wall_seconds']} s on {result['meta']['finished_utc']}.\n")


def spread_text(values) -> str:
    """`"median 16, range 15-17 (15: 2x, ...)"`: how the argmin spreads over splits."""
    counts = np.unique(values, return_counts=True)
    return f"median {np.median(values):g}, range {min(values)}-{max(values)} (" + ", ".join(
        f"{k}: {n}x" for k, n in zip(*counts, strict=True)) + ")"


def plot_figure3(result, panels):
    """The figure: loss against k (all ranks, then the paper's range), the argmin over splits, the gene panels."""
    import matplotlib.pyplot as plt

    draw, data, spread, low = result["draw"], result["data"], result["seeds"], PAPER_RANKS_SHOWN[0]
    fig = plt.figure(figsize=(16, 8), layout="constrained")
    top, bottom = fig.subfigures(2, 1).ravel()
    axes = top.subplots(1, 3, width_ratios=(2, 1.2, 1))
    for ax, shown in ((axes[0], slice(None)), (axes[1], slice(low - 1, PAPER_RANKS_SHOWN[1]))):
        ranks = np.array(draw["ranks"])[shown]
        ax.plot(ranks, np.array(draw["self_supervised"])[shown], "k.-", label="self-supervised (left axis)")
        ax.axvline(draw["best_rank"], color="k", ls=":", label=f"argmin {draw['best_rank']}")
        if data["synthetic"]:
            twin = ax.twinx()
            twin.plot(ranks, np.array(draw["ground_truth"])[shown], "C1.-", label="ground truth (right axis)")
            twin.set_ylabel("MSE against the noiseless signal", color="C1")
            ax.axvline(data["true_rank"], color="C2", ls="--", label=f"true rank {data['true_rank']}")
        ax.set(xlabel="k (principal components)", ylabel="MSE against the held-out half")
    axes[0].set_title("Self-supervised loss, seed 0" + (" (ground truth in orange)" if data["synthetic"] else ""))
    axes[1].set_title(f"the paper's range, k = {low}..{PAPER_RANKS_SHOWN[1]}")
    axes[0].legend(fontsize=8, loc="upper center")
    bins = np.arange(min(spread["best_rank"]) - 1.5, max(spread["best_rank"]) + 2.5)
    axes[2].hist(spread["best_rank"], bins=bins, color="0.4", label="self-supervised")
    if data["synthetic"]:
        axes[2].hist(spread["best_rank_ground_truth"], bins=bins, histtype="step", color="C1", label="ground truth")
        axes[2].axvline(data["true_rank"], color="C2", ls="--", label="true rank")
    axes[2].axvline(PAPER_FIGURE3_BEST_RANK, color="C3", ls=":", label="paper (real data)")
    axes[2].set(title=f"argmin over {len(spread['seeds'])} splits", xlabel="k", ylabel="splits")
    axes[2].legend(fontsize=8)
    plotting.plot_gene_panels(panels, result["panel_ranks"], data["markers"], axes=bottom.subplots(1, 4))
    bottom.suptitle(f"colour: {data['markers'][2]}" + (" (SYNTHETIC data)" if data["synthetic"] else ""))
    return fig
