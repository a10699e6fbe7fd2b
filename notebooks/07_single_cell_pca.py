# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,slideshow,jupyter,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 07 · Choosing a PCA rank by self-supervision: single-cell counts (paper Figure 3)
#
# Noise2Self is not only for images. A single-cell RNA experiment counts molecules: for each cell and gene, how many
# messenger-RNA copies were captured. The counts are noisy (Poisson-like sampling of a few thousand molecules per
# cell), and the usual denoiser is PCA: keep the top $k$ principal components. But which $k$? Too few and real
# biology is averaged away; too many and the noise comes back. The paper's answer (Figure 3) splits each cell's
# molecules into two independent halves, fits PCA on one and scores it on the other: a self-supervised loss whose
# minimum picks the rank (17 on the paper's data).
#
# **Substitute:** no raw count matrix ships offline (scanpy's bundled set is normalised, and `paul15()` downloads),
# so the counts here are **SYNTHETIC**: a branching differentiation trajectory with 15 expression programmes, whose
# noiseless signal has a known rank of 16. That lets us check the self-supervised choice against the truth. Your
# own matrix works too (`python -m n2s_core reproduce figure3 --counts FILE`).
#
# **Learning goals**
# - Explain why binomial thinning of Poisson counts gives two independent noisy copies of the same cell.
# - Write the rank-$k$ map from one half to the other and its self-supervised loss.
# - Reproduce Figure 3: the loss against $k$, its argmin over many splits, and what under- and over-fitting do to a
#   gene scatter.
# - Check the choice against the ground truth, which only synthetic data can give.

# %% [markdown] slideshow={"slide_type": "skip"}
# *On Colab* the next cell adds this workbook's package; it changes nothing that Colab already ships (numpy, torch,
# ipywidgets, matplotlib, scikit-image, scipy keep their versions). Elsewhere it does nothing.

# %% slideshow={"slide_type": "skip"}
import importlib.util
import subprocess
import sys

if "google.colab" in sys.modules and importlib.util.find_spec("n2s_core") is None:
    needs = {"numpy": "numpy", "scipy": "scipy", "scikit-image": "skimage", "PyWavelets": "pywt", "tqdm": "tqdm",
             "matplotlib": "matplotlib", "ipywidgets": "ipywidgets", "torch": "torch"}  # pip name: module
    missing = [name for name, module in needs.items() if importlib.util.find_spec(module) is None]
    if missing:  # pinned to what is installed, so pip upgrades nothing
        frozen = subprocess.run([sys.executable, "-m", "pip", "freeze"], capture_output=True, text=True).stdout
        with open("/tmp/n2s-constraints.txt", "w") as constraints:
            constraints.write(frozen)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-c", "/tmp/n2s-constraints.txt", *missing],
                       check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "git+https://github.com/n2s-workbook/noise2self-workbook"], check=True)

# %% slideshow={"slide_type": "skip"}
import functools
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse as sp

import n2s_core as n2s
from n2s_core.data import single_cell as sc
from n2s_core.paper import figure3
from n2s_core.teach import widgets

# %% slideshow={"slide_type": "skip"} tags=["parameters"]
SCALE = n2s.pick_scale()  # quick on a CPU, the paper's scale on a GPU; N2S_QUICK=1 or 0 overrides
print(SCALE)
QUICK = SCALE.quick
PRESET = "quick" if QUICK else "full"  # quick: 900 x 4,000 drawn; full: 2,730 x 27,297 (the paper's raw size)
P = 0.5  # share of the molecules that go to the second half (paper: 1/2)
MAX_RANK = 40 if QUICK else 100  # ranks scored (the paper plots 6..29)
N_SEEDS = 5 if QUICK else 10  # molecule and cell splits for the argmin's spread (the paper shows one)
SEED = 0

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Counts that can be split
#
# If the count of a gene in a cell is Poisson with mean $\lambda$, then assigning each molecule to half 2 with
# probability $p$ (a binomial draw) gives $X_2 \sim \text{Poisson}(p\lambda)$ and $X_1 = X - X_2 \sim
# \text{Poisson}((1-p)\lambda)$, **independent** of each other. Two noisy measurements of the same cell for the price
# of one: exactly what Noise2Self needs (its $J$ and $J^c$ are now two halves of the molecules).

# %% slideshow={"slide_type": "skip"}
raw, meta = sc.synthesize_counts(PRESET, rng=SEED)
counts, cells, genes = sc.filter_counts(raw)  # the paper's filter: libraries >= 1,000, genes seen in >= 10 cells
expected = sc.expected_counts(meta, cells=cells, genes=genes)  # the noiseless means: only synthetic data has them
library = np.asarray(counts.sum(axis=1)).ravel()
print(f"SYNTHETIC: {raw.shape[0]:,} x {raw.shape[1]:,} drawn, {counts.shape[0]:,} x {counts.shape[1]:,} after "
      f"filtering; median library {np.median(library):,.0f} molecules; {counts.nnz / np.prod(counts.shape):.1%} "
      f"non-zero; true rank {meta['true_rank']}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### From scratch: splitting molecules
# Split a few cells a thousand times with numpy's binomial draw and check the three claims: the halves add up to
# the counts, half 2 averages $p$ times the counts, and for Poisson counts the halves are uncorrelated.

# %% slideshow={"slide_type": "skip"}
rng = np.random.default_rng(SEED)
lam = np.array([0.5, 2.0, 10.0, 40.0])  # four Poisson means
x = rng.poisson(lam, size=(20000, 4))  # (draws, genes)
x2 = rng.binomial(x, P)
x1 = x - x2
correlation = [np.corrcoef(x1[:, g], x2[:, g])[0, 1] for g in range(4)]
print("mean of half 2 / (p lambda):", np.round(x2.mean(axis=0) / (P * lam), 3))
print("correlation of the halves:", np.round(correlation, 3))
assert np.allclose(x2.mean(axis=0) / (P * lam), 1, atol=0.03) and np.max(np.abs(correlation)) < 0.03
package_x1, package_x2 = figure3.split_molecules(counts[:50], p=P, rng=SEED)
assert (package_x1 + package_x2 != counts[:50]).nnz == 0  # the package's halves add up to the counts too

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The rank-$k$ map and its self-supervised loss
#
# Normalise each half (scale every cell to the median library size, then take square roots, as the paper does),
# split the cells 75/25 into train and test, and take the SVD $Y_1^{\text{train}} = U S V^\top$. The rank-$k$ map
# projects a test cell's first half onto the top $k$ right singular vectors and regresses onto the training cells'
# second half:
# $$\hat Y_2^{\text{test}} = Y_1^{\text{test}} V_k S_k^{-1} U_k^\top Y_2^{\text{train}}, \qquad
# \mathcal{L}(k) = \tfrac{1}{mn}\|\hat Y_2^{\text{test}} - Y_2^{\text{test}}\|^2.$$
# The noise of half 2 is independent of everything the map reads, so $\mathcal{L}(k)$ is the error against the
# noiseless signal plus a constant, and its argmin is the best rank.
#
# ### From scratch
# The map is $Y_1^{\text{test}}$ times the pseudo-inverse of the rank-$k$ truncation of $Y_1^{\text{train}}$, times
# $Y_2^{\text{train}}$. Compare with `figure3.rank_k_map` on a small piece.

# %% slideshow={"slide_type": "skip"}
x1, x2 = figure3.split_molecules(counts, p=P, rng=SEED)
y1, y2 = figure3.normalize(x1)[:, :300].astype(float), figure3.normalize(x2)[:, :300].astype(float)
train, test = np.arange(0, 200), np.arange(200, 260)
u, s, vt = np.linalg.svd(y1[train], full_matrices=False)
k = 5
truncated = (u[:, :k] * s[:k]) @ vt[:k]  # the best rank-k approximation of the training half 1
ours = y1[test] @ np.linalg.pinv(truncated) @ y2[train]
package = figure3.rank_k_map(y1[train], y2[train], y1[test], k, svd=(u, s, vt))  # the same SVD: the formula alone
_, s_fast, _ = figure3.randomized_svd(y1[train], k)  # what the package uses on large matrices
print(f"rank {k}: from scratch vs package, max difference {np.abs(ours - package).max():.1e}; randomized SVD's top "
      f"{k} singular values within {np.max(np.abs(s_fast / s[:k] - 1)):.1e} of the exact ones")
assert np.allclose(ours, package, atol=1e-8) and np.allclose(s_fast, s[:k], rtol=1e-2)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Figure 3: the loss against the rank
#
# One molecule split and one cell split. Black: the self-supervised loss (needs only the counts). Orange, on its own
# axis: the error against the noiseless signal, which only synthetic data can give. The two curves differ by a
# constant, the noise variance of half 2, so they share their argmin.

# %% slideshow={"slide_type": "subslide"}
draw = figure3.rank_losses(counts, p=P, max_rank=MAX_RANK, expected=expected, rng=SEED)
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.plot(draw["ranks"], draw["self_supervised"], "k.-", label="self-supervised")
twin = ax.twinx()
twin.plot(draw["ranks"], draw["ground_truth"], "C1.-", label="ground truth")
ax.axvline(draw["best_rank"], color="k", ls=":", label=f"argmin {draw['best_rank']}")
ax.axvline(meta["true_rank"], color="C2", ls="--", label=f"true rank {meta['true_rank']}")
ax.set(xlabel="k (principal components)", ylabel="MSE, held-out half", title="SYNTHETIC counts, one split")
twin.set_ylabel("MSE, noiseless signal", color="C1")
ax.legend(fontsize=8, loc="upper center")
plt.show()

# %% slideshow={"slide_type": "skip"}
offset = np.subtract(draw["self_supervised"], draw["ground_truth"])
print(f"self-supervised argmin {draw['best_rank']}, ground-truth argmin {draw['best_rank_ground_truth']}, true rank "
      f"{meta['true_rank']} (paper, real data: {figure3.PAPER_FIGURE3_BEST_RANK}); offset between the curves "
      f"{offset.mean():.5f} +- {offset.std():.1e} over every k")
assert 1 < draw["best_rank"] < MAX_RANK  # an interior minimum
assert abs(draw["best_rank"] - meta["true_rank"]) <= 3 and abs(draw["best_rank"] - draw["best_rank_ground_truth"]) <= 1
assert offset.std() < 0.01 * offset.mean()  # a constant offset: the noise variance

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. One split is one draw
#
# The paper's 17 comes from one unseeded split. Each new split draws other molecules into each half and other cells
# into the test set, so the argmin is a random variable: here is its spread.

# %% slideshow={"slide_type": "subslide"}
spread = figure3.argmin_over_seeds(counts, seeds=range(N_SEEDS), p=P, max_rank=MAX_RANK, expected=expected)
values, times = np.unique(spread["best_rank"], return_counts=True)
print(f"{N_SEEDS} splits: self-supervised argmin " + ", ".join(f"{v} ({t}x)" for v, t in zip(values, times,
                                                                                          strict=True))
      + f"; ground-truth argmin {sorted(spread['best_rank_ground_truth'])}; true rank {meta['true_rank']}")
assert sum(abs(r - meta["true_rank"]) <= 3 for r in spread["best_rank"]) >= 0.8 * N_SEEDS

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. What the rank does to the genes
#
# The paper's panels: two marker genes against each other, coloured by a third (here the synthetic "Mpo-like",
# "Klf1-like" and "Ifitm1-like"), before PCA and after it at three ranks. At $k = 3$ the lineages collapse onto a
# few lines (under-fit); at $k = 200$ the noise is back (over-fit); at the argmin the branches are clean.

# %% slideshow={"slide_type": "subslide"}
names = [meta["gene_names"][g] for g in genes]
marker_index = [names.index(m) for m in sc.MARKERS]
ranks = [200, draw["best_rank"], 3]  # over-fit, the argmin, under-fit
figure3.plot_gene_panels(figure3.denoised_genes(counts, marker_index, ranks), ranks, sc.MARKERS)
plt.show()


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Try it: split fraction and sequencing depth
#
# Move the share $p$ of molecules that go to the scored half, and the median library size (fewer molecules per
# cell, more noise: the counts are drawn again). The readout gives the self-supervised argmin and the ground
# truth's. Shallow data cannot support weak programmes, so the best rank falls below the true rank there.

# %% slideshow={"slide_type": "skip"}
@functools.lru_cache(maxsize=8)
def synthetic(depth):
    drawn, info = sc.synthesize_counts("quick", median_library=float(depth), rng=SEED)
    kept, rows, columns = sc.filter_counts(drawn, min_library=min(1000, depth // 3))
    return kept, sc.expected_counts(info, cells=rows, genes=columns), info["true_rank"]


def draw_panel(p=P, depth=2500):
    kept, truth, rank = synthetic(depth)
    result = figure3.rank_losses(kept, p=p, max_rank=40, expected=truth, rng=SEED)
    fig, ax = plt.subplots(figsize=(6.5, 3))
    ax.plot(result["ranks"], result["self_supervised"], "k.-")
    ax.axvline(result["best_rank"], color="k", ls=":")
    ax.axvline(rank, color="C2", ls="--")
    ax.set(xlabel="k", ylabel="self-supervised loss", title=f"p = {p:.2f}, median library {depth}")
    return f"argmin={result['best_rank']} ground_truth={result['best_rank_ground_truth']} true_rank={rank}"


# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
widgets.interactive_panel(draw_panel, p=widgets.float_slider("p", P, 0.1, 0.9, 0.1),
                          depth=widgets.choice_slider("library", [300, 1000, 2500, 8000], 2500))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Splitting each cell's molecules binomially turns one Poisson measurement into two independent ones; predicting
#   one half from the other is Noise2Self for counts.
# - The self-supervised loss against the PCA rank has an interior minimum, offset from the ground-truth loss by a
#   constant; on our synthetic counts its argmin lands on or next to the true rank over every split we drew.
# - The paper's 17 is one split of real data; the argmin is a random variable, and how far it can move is worth
#   reporting beside it.
#
# ## Exercises
#
# 1. Does the choice depend on $p$? Find the argmin for $p = 0.2, 0.5, 0.8$ on the same counts.
# 2. Without the split: score rank-$k$ PCA of the normalised counts against themselves,
#    $\|\mathrm{PCA}_k(Y) - Y\|^2$. Show that this loss only falls with $k$, so it cannot choose a rank.
# 3. Your own data: save the counts with `scipy.sparse.save_npz` into a temporary folder and run
#    `figure3.reproduce_figure3(folder, counts_path=path, quick=True)`, as `python -m n2s_core reproduce figure3
#    --counts path` would. Which genes did it plot, and why?

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 1
by_p = {p: figure3.rank_losses(counts, p=p, max_rank=MAX_RANK, rng=SEED)["best_rank"] for p in (0.2, 0.5, 0.8)}
print(" | ".join(f"p = {p}: argmin {k}" for p, k in by_p.items()))
assert max(by_p.values()) - min(by_p.values()) <= 4

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 2: every extra component explains some more of Y, noise included, so the error only falls.
y = figure3.normalize(counts).astype(float)
singular = np.linalg.svd(y, compute_uv=False)
naive = [(singular[k:] ** 2).sum() / y.size for k in range(1, MAX_RANK + 1)]  # ||PCA_k(Y) - Y||^2 / (m n)
print(f"naive loss: k = 1 {naive[0]:.4f}, k = {draw['best_rank']} {naive[draw['best_rank'] - 1]:.4f}, "
      f"k = {MAX_RANK} {naive[-1]:.4f}")
assert np.all(np.diff(naive) < 0)

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 3: without names for the markers it plots the three most variable genes, and says so.
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "my_counts.npz"
    sp.save_npz(path, counts)
    mine = figure3.reproduce_figure3(folder, counts_path=path, quick=True, seeds=range(2))
    print(sorted(p.name for p in Path(folder).iterdir()))
print(f"argmin {mine['draw']['best_rank']}; plotted {mine['data']['markers']} ({mine['data']['markers_chosen']})")
assert mine["data"]["synthetic"] is False and mine["data"]["markers_chosen"] == "the three most variable genes"
