"""Paper Figure 3: choosing the rank of PCA on single-cell counts by self-supervision (molecule splitting).

Each UMI of a cell is a molecule caught independently, so the counts split into two halves: ``X2 ~ Binomial(X, p)``,
``X1 = X - X2``. For Poisson counts the halves are independent Poisson with means ``(1 - p) lambda`` and
``p lambda``: predicting X2 from X1 is J-invariant, and its error is the error against the truth plus a constant.
The paper fits PCA to X1 and finds the loss lowest at k = 17 components (Paul et al. 2015). Offline, this module runs
on SYNTHETIC counts whose true rank is known (:func:`n2s_core.data.single_cell.synthesize_counts`), or on yours.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from ..data import single_cell as sc
from . import report

PAPER_FIGURE3_BEST_RANK = 17  # paper Figure 3: the self-supervised loss is lowest at 17 principal components
PAPER_LOSS_RANGE = (0.0872, 0.0878)  # the span of the paper's loss axis
PAPER_RANKS_SHOWN = (6, 29)  # the ranks the paper plots
OVER_RANK, UNDER_RANK = 200, 3  # the paper's gene panels: k = 200 over-fits (keeps noise), k = 3 under-fits
N_SEEDS = 10  # splits per run, quick or full


def split_molecules(counts, *, p: float = 0.5, rng=None):
    """Split every count into two: ``X2 ~ Binomial(X, p)`` molecule by molecule and ``X1 = X - X2``.

    Works on a dense integer array or a scipy.sparse matrix (returned in the same form); ``X1 + X2 == X`` exactly.

    Examples
    --------
    >>> x1, x2 = split_molecules(np.array([[0, 3, 10]]), rng=0)
    >>> (x1 + x2).tolist(), bool((x1 >= 0).all() and (x2 >= 0).all())
    ([[0, 3, 10]], True)
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be a fraction in (0, 1), got {p}; p=0.5 splits the molecules in halves")
    gen = np.random.default_rng(rng)
    if sp.issparse(counts):
        x1, x2 = sp.csr_matrix(counts, copy=True), sp.csr_matrix(counts, copy=True)  # own arrays: the input stays
        x2.data = gen.binomial(x1.data, p).astype(x1.dtype)
        x1.data -= x2.data
        x1.eliminate_zeros(), x2.eliminate_zeros()
        return x1, x2
    counts = np.asarray(counts)
    if not np.issubdtype(counts.dtype, np.integer) or (counts < 0).any():
        raise ValueError(f"counts must be non-negative integers, got dtype {counts.dtype}; pass raw UMI counts")
    half = gen.binomial(counts, p).astype(counts.dtype)
    return counts - half, half


def library_scale(counts) -> np.ndarray:
    """Per cell, the factor that scales its library to the median library (0 for an empty cell)."""
    library = np.asarray(counts.sum(axis=1), dtype=float).ravel()
    return np.divide(np.median(library), library, out=np.zeros_like(library), where=library > 0)


def normalize(counts) -> np.ndarray:
    """The paper's recipe: scale each cell to the median library size, then take the square root (dense float32).

    Examples
    --------
    >>> np.round(normalize(np.array([[1, 3], [4, 4], [0, 8]])).astype(float), 3).tolist()  # median library 8
    [[1.414, 2.449], [2.0, 2.0], [0.0, 2.828]]
    """
    scale = library_scale(counts).astype(np.float32)
    if sp.issparse(counts):  # scale and root the non-zeros only, then densify once, in float32
        return (sp.diags(scale) @ sp.csr_matrix(counts, dtype=np.float32)).sqrt().toarray()
    dense = np.asarray(counts, dtype=np.float32) * scale[:, None]
    return np.sqrt(dense, out=dense)


def randomized_svd(matrix, rank: int, *, oversample: int = 10, n_iter: int = 4, rng=0):
    """The top ``rank`` singular triplets ``(U, S, Vt)`` by a random range finder with power iterations.

    Halko, Martinsson & Tropp (2011): sketch the range with ``rank + oversample`` random vectors, sharpen it with
    ``n_iter`` power iterations (re-orthonormalized each time), then an exact SVD of the small projected matrix.
    """
    gen = np.random.default_rng(rng)
    width = min(rank + oversample, *matrix.shape)
    basis = np.linalg.qr(matrix @ gen.standard_normal((matrix.shape[1], width)).astype(matrix.dtype))[0]
    for _ in range(n_iter):
        basis = np.linalg.qr(matrix @ np.linalg.qr(matrix.T @ basis)[0])[0]
    u, s, vt = np.linalg.svd((matrix.T @ basis).T.astype(np.float64), full_matrices=False)
    return (basis @ u)[:, :rank], s[:rank], vt[:rank]


def rank_k_map(y1_train, y2_train, y1_test, rank: int, *, svd=None) -> np.ndarray:
    """Predict the test cells' second half from their first through rank-``rank`` PCA of the training cells.

    With ``Y1_train = U S V^T`` (top ``k`` triplets), a test cell's coordinates in the top-``k`` right singular
    vectors, scaled by ``S^-1``, are the row of ``U`` a training cell with that profile would have; ``U^T Y2_train``
    is the least-squares map from those rows to the second halves (``U`` has orthonormal columns). So
    ``pred = Y1_test V_k S_k^-1 U_k^T Y2_train = Y1_test pinv([Y1_train]_k) Y2_train``: principal-component regression.
    It never reads ``Y2_test``, so its error on ``Y2_test`` is the self-supervised loss.
    """
    u, s, vt = svd if svd is not None else randomized_svd(y1_train, rank)
    return (y1_test @ vt[:rank].T / s[:rank]) @ (u[:, :rank].T @ y2_train)


def loss_curves(coords, maps, targets) -> list[np.ndarray]:
    """MSE of ``pred_k = coords[:, :k] @ maps[:k]`` against each target, for every k at once.

    ``|pred_k - T|^2 = |T|^2 - 2 sum_{j<k} coords_j . (T maps_j) + sum_{i,j<k} (coords^T coords)_ij (maps maps^T)_ij``,
    so no ``pred_k`` is ever formed: the cost is two Gram matrices and one product per target.
    """
    energy = np.cumsum(np.cumsum((coords.T @ coords) * (maps @ maps.T), axis=0), axis=1).diagonal()
    squares = [float(t.multiply(t).sum() if sp.issparse(t) else np.sum(np.square(t, dtype=float))) for t in targets]
    return [(square - 2 * np.cumsum(np.einsum("ik,ik->k", coords, t @ maps.T)) + energy) / np.prod(t.shape)
            for square, t in zip(squares, targets, strict=True)]


def rank_losses(counts, *, p: float = 0.5, train_fraction: float = 0.75, max_rank: int = 100, expected=None,
                rng=0) -> dict:
    """Self-supervised loss of rank-k PCA for k = 1..``max_rank``, one molecule split and one cell split.

    The counts split into X1, X2 (:func:`split_molecules`), both :func:`normalize`-d; the cells split at random into
    ``train_fraction`` train and the rest test; the SVD of the training X1 gives :func:`rank_k_map` for every k, and
    the loss is its MSE against the test cells' normalized X2. With ``expected`` (the noiseless expected counts, as
    :func:`n2s_core.data.single_cell.expected_counts` gives for synthetic data) the ground-truth loss is the MSE
    against ``E[normalized X2]``, computed exactly (:func:`~n2s_core.data.single_cell.expected_sqrt`).
    """
    counts = sc.as_counts(counts)
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}; the paper's is 0.75")
    gen = np.random.default_rng(rng)
    x1, x2 = split_molecules(counts, p=p, rng=gen)
    order, n_train = gen.permutation(counts.shape[0]), round(train_fraction * counts.shape[0])
    train, test = np.sort(order[:n_train]), np.sort(order[n_train:])
    max_rank = min(max_rank, len(train) - 1, counts.shape[1] - 1)
    if max_rank < 1 or len(test) == 0:
        raise ValueError(f"{counts.shape} is too small for a train/test split; pass more cells")
    y1, y2 = normalize(x1), normalize(x2)
    u, s, vt = randomized_svd(y1[train], max_rank, rng=gen)
    coords, maps = (y1[test] @ vt.T) / s, (u.T @ y2[train].astype(np.float64))
    targets = [y2[test]]
    if expected is not None:
        targets.append(np.sqrt(library_scale(x2)[test])[:, None] * sc.expected_sqrt(p * np.asarray(expected)[test]))
    curves = loss_curves(coords, maps, targets)
    ranks = list(range(1, max_rank + 1))
    return {"ranks": ranks, "self_supervised": curves[0].tolist(),
            "ground_truth": curves[1].tolist() if expected is not None else None,
            "best_rank": ranks[int(np.argmin(curves[0]))],
            "best_rank_ground_truth": ranks[int(np.argmin(curves[1]))] if expected is not None else None,
            "p": p, "train_fraction": train_fraction, "n_train": len(train), "n_test": len(test)}


def argmin_over_seeds(counts, *, seeds=range(10), **options) -> dict:
    """:func:`rank_losses` once per seed (a new molecule split and cell split each): the spread of the argmin."""
    draws = [rank_losses(counts, rng=seed, **options) for seed in seeds]
    return {"seeds": list(seeds), "best_rank": [d["best_rank"] for d in draws],
            "best_rank_ground_truth": [d["best_rank_ground_truth"] for d in draws], "draws": draws}


def denoised_genes(counts, genes, ranks) -> dict:
    """Normalized expression of ``genes`` (cells x len(genes)), raw and after rank-k PCA for each k in ``ranks``."""
    y = normalize(counts)
    u, s, vt = randomized_svd(y, min(max(ranks), *y.shape), rng=0)
    out = {"raw": y[:, genes].astype(float)}
    for k in ranks:
        out[k] = (u[:, :k] * s[:k]) @ vt[:k, genes]
    return out


def pick_markers(counts, names, markers=None) -> tuple[list[int], str]:
    """The three genes of the scatter panels: ``markers`` by name, else the three most variable; and how chosen."""
    if markers:
        missing = [m for m in markers if m not in names]
        if len(markers) != 3 or missing:
            raise ValueError(f"markers must be three gene names of the data; {missing or markers} not usable")
        index, how = [names.index(m) for m in markers], "named"
    else:
        index, how = np.argsort(normalize(counts).var(axis=0))[::-1][:3].tolist(), "the three most variable genes"
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
    spread = argmin_over_seeds(counts, seeds=seeds or range(N_SEEDS), p=p,
                               expected=expected)
    draw = spread.pop("draws")[0]
    panel_ranks = [min(OVER_RANK, min(counts.shape) - 1), draw["best_rank"], UNDER_RANK]
    panels = denoised_genes(counts, genes, panel_ranks)
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


def plot_gene_panels(panels, ranks, markers, *, axes=None):
    """The paper's gene scatters: ``markers[0]`` against ``markers[1]``, coloured by ``markers[2]``, normalized and
    then at each of ``ranks`` (over-fit, argmin, under-fit), from :func:`denoised_genes`; returns the four axes."""
    import matplotlib.pyplot as plt

    axes = plt.subplots(1, 4, figsize=(13, 3.2), layout="constrained")[1] if axes is None else axes
    titles = ("raw (normalized)", "over-fit", "argmin", "under-fit")
    for ax, key, title in zip(axes, ["raw", *ranks], titles, strict=True):
        ax.scatter(panels[key][:, 0], panels[key][:, 1], c=panels[key][:, 2], s=4, cmap="viridis")
        ax.set(title=title + ("" if key == "raw" else f", k = {key}"), xlabel=markers[0], ylabel=markers[1])
    return axes


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
    plot_gene_panels(panels, result["panel_ranks"], data["markers"], axes=bottom.subplots(1, 4))
    bottom.suptitle(f"colour: {data['markers'][2]}" + (" (SYNTHETIC data)" if data["synthetic"] else ""))
    return fig
