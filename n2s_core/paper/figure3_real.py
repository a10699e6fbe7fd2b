"""Paper Figure 3 on REAL single-cell UMI counts fetched from the package index, beside the synthetic run.

The paper's counts (Paul et al. 2015, mouse myeloid progenitors) are download-only. Real counts of other cells do
install: ``python -m n2s_core fetch celltypist-sample`` takes CellTypist 1.7.1's sample CSV (559 human cells x
32,786 genes; celltypist does not say where the cells come from) out of its wheel. This module runs the same
experiment as :mod:`.figure3` on it: the paper's filter, molecule splitting, the self-supervised loss of rank-k PCA
over 10 splits. Real counts have no ground truth, so the table sets the rank the loss picks beside the synthetic
run's (``figure3.json``, whose true rank is known) and the paper's 17, each on its own data.
"""

from __future__ import annotations

import json
import time

import numpy as np

from ..data import single_cell as sc
from ..data.fetch import PAPER_FILES, fetched
from . import report
from .figure3 import (
    N_SEEDS,
    OVER_RANK,
    PAPER_FIGURE3_BEST_RANK,
    PAPER_LOSS_RANGE,
    PAPER_RANKS_SHOWN,
    UNDER_RANK,
    pick_markers,
    plot_figure3,
    spread_text,
)
from .molecule_splitting import argmin_over_seeds, denoised_genes

COUNT_DATA = ("celltypist-sample",)  # fetched files that hold a cells x genes CSV of UMI counts
CELL_MARKERS = ("PTPRC", "LYZ", "CD3E", "MS4A1")  # immune, myeloid, T, B: the share of cells with each, as a hint


def stem(name: str) -> str:
    """``figure3_<name>``: the name the files of Figure 3 on fetched counts share."""
    return f"figure3_{name}"


def load_real_counts(name: str, *, cache_dir=None, markers=None):
    """The fetched counts, filtered as the paper did: ``(counts, marker indices, info)``.

    :class:`~n2s_core.data.fetch.NotFetchedError` (naming the command) when not fetched.
    """
    if name not in COUNT_DATA:
        raise ValueError(f"--data {name!r} holds no counts; Figure 3 runs on {', '.join(COUNT_DATA)}")
    path = fetched(name, cache_dir=cache_dir)
    raw, genes, _ = sc.read_count_csv(path)
    counts, cells, kept = sc.filter_counts(raw)
    names = [genes[g] for g in kept]
    index, how = pick_markers(counts, names, markers)
    source = PAPER_FILES[name]
    expressing = {g: float(np.mean(raw[:, genes.index(g)].toarray() > 0)) for g in CELL_MARKERS if g in genes}
    info = {"synthetic": False, "name": name, "what": source.what, "source": f"{source.requirement}: {source.member}",
            "licence": source.licence, "true_rank": None, "raw_shape": list(raw.shape), "shape": list(counts.shape),
            "median_library": float(np.median(np.asarray(counts.sum(axis=1)).ravel())), "expressing": expressing,
            "markers": [names[i] for i in index], "markers_chosen": how}
    note = path.parent / "source.json"  # written by fetch: the wheel it came from and the sizes
    if note.is_file():
        fetched_from = json.loads(note.read_text())
        info.update(wheel=fetched_from["wheel"], wheel_mib=round(fetched_from["wheel_bytes"] / 2**20, 1),
                    file_mb=round(fetched_from["bytes"] / 1e6, 1))
    return counts, index, info


def reproduce_figure3_real(out_dir, *, data: str = "celltypist-sample", cache_dir=None, seeds=None,
                           markers=None) -> dict:
    """Figure 3 on fetched real counts; writes ``figure3_<data>.{png,csv,md,json}`` into ``out_dir``.

    The synthetic run's ``figure3.json`` in ``out_dir``, when there, is set beside it.
    """
    started = time.perf_counter()
    counts, genes, info = load_real_counts(data, cache_dir=cache_dir, markers=markers)
    spread = argmin_over_seeds(counts, seeds=seeds or range(N_SEEDS))
    draw = spread.pop("draws")[0]
    panel_ranks = [min(OVER_RANK, min(counts.shape) - 1), draw["best_rank"], UNDER_RANK]
    panels = denoised_genes(counts, genes, panel_ranks)
    out = report.out_dir(out_dir)
    synthetic = json.loads((out / "figure3.json").read_text()) if (out / "figure3.json").is_file() else None
    spread["range"] = [min(spread["best_rank"]), max(spread["best_rank"])]
    result = {"data": info, "draw": draw, "seeds": spread, "panel_ranks": panel_ranks,
              "paper_best_rank": PAPER_FIGURE3_BEST_RANK, "paper_loss_range": list(PAPER_LOSS_RANGE),
              "synthetic_beside": None if synthetic is None else {
                  "best_rank": synthetic["seeds"]["best_rank"], "true_rank": synthetic["data"]["true_rank"],
                  "shape": synthetic["data"]["shape"]}}
    result["meta"] = report.run_metadata("figure3", False, started, flags=f" --data {data}",
                                         counts_shape=counts.shape)
    name = stem(data)
    report.write_csv(out / f"{name}.csv", ["rank", "self_supervised"],
                     [[k, v] for k, v in zip(draw["ranks"], draw["self_supervised"], strict=True)])
    report.write_text(out / f"{name}.md", markdown(result))
    report.write_json(out / f"{name}.json", result)
    fig = plot_figure3(result, panels)
    fig.suptitle(f"Figure 3 on REAL counts: {data} ({info['shape'][0]:,} cells x {info['shape'][1]:,} genes after "
                 "the filter), not the paper's Paul et al. 2015", fontsize=12)
    report.save_figure(fig, out / f"{name}.png")
    return result


def markdown(result: dict) -> str:
    data, draw, spread, beside = result["data"], result["draw"], result["seeds"], result["synthetic_beside"]
    n = len(spread["seeds"])
    synthetic = beside or {"best_rank": ["-"], "true_rank": "-", "shape": ["-", "-"]}
    rows = [["self-supervised argmin, seed 0", draw["best_rank"], synthetic["best_rank"][0], PAPER_FIGURE3_BEST_RANK],
            [f"self-supervised argmin over {n} splits", spread_text(spread["best_rank"]),
             spread_text(synthetic["best_rank"]) if beside else "-", "(one unseeded split)"],
            ["true rank", "unknown", synthetic["true_rank"], "unknown"],
            ["cells x genes after the paper's filter", _shape(data["shape"]), _shape(synthetic["shape"]),
             "2,416 x 10,782"]]
    hints = ", ".join(f"{g} in {v:.0%}" for g, v in data["expressing"].items())
    curve = np.array(draw["self_supervised"])
    low, high = PAPER_RANKS_SHOWN
    return (f"# Figure 3 on REAL counts ({data['name']}), beside the synthetic run\n\n"
            f"Data: **{data['what']}**. From `{data['source']}`"
            + (f" (a {data['wheel_mib']} MiB wheel; the file is {data['file_mb']} MB)" if "wheel_mib" in data else "")
            + ", fetched by `python -m n2s_core fetch "
            f"{data['name']}`; licence: {data['licence']}. {_shape(data['raw_shape'])} cells x genes as shipped, "
            f"{_shape(data['shape'])} after the paper's filter (cells with at least 1,000 UMIs, genes seen in at "
            f"least 10 cells); median library {data['median_library']:,.0f} UMIs. Share of cells with each marker: "
            f"{hints or 'none of ' + ', '.join(CELL_MARKERS) + ' present'}. These are **not the paper's data**: the "
            "paper used Paul et al. 2015 (mouse myeloid progenitors), which only downloads.\n\n"
            + report.markdown(["", f"{data['name']} (real)", "synthetic (`figure3.json`)", "paper (Paul et al. 2015)"],
                              rows)
            + ("" if beside else "\n\nNo synthetic run (`figure3.json`) was found in this folder.")
            + f"\n\nSelf-supervised loss, seed 0: {curve.min():.5f} at k = {draw['best_rank']}, {curve[0]:.5f} at "
            f"k = 1, {curve[-1]:.5f} at k = {draw['ranks'][-1]}; over k = {low}..{high} it spans "
            f"{curve[low - 1:high].min():.5f} to {curve[low - 1:high].max():.5f} (the paper's axis: about "
            f"{PAPER_LOSS_RANGE[0]} to {PAPER_LOSS_RANGE[1]}). Each split draws new molecule halves (p = {draw['p']})"
            f" and a new {draw['train_fraction']:.0%}/{1 - draw['train_fraction']:.0%} cell split "
            f"({draw['n_train']} / {draw['n_test']} cells). With no ground truth, the rank is what the loss picks: "
            "the number of components that predicts held-out molecules best, at this depth and this many cells.\n\n"
            f"Gene panels: {', '.join(data['markers'])} (x, y, colour; {data['markers_chosen']}), normalized, then "
            f"PCA at k = {', '.join(map(str, result['panel_ranks']))} (over-fit, the argmin, under-fit).\n\n"
            f"Made by `{result['meta']['command']}` in {result['meta']['wall_seconds']} s on "
            f"{result['meta']['finished_utc']}.\n")


def _shape(shape) -> str:
    return " x ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in shape)

