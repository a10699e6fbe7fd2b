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
# # 01 · Why a noisy image can grade its own denoiser: the loss decomposition
#
# Noise2Self (Batson & Royer, ICML 2019) rests on one identity. If a denoiser $f$ never looks at a pixel when it
# predicts that pixel, then comparing $f(x)$ with the *noisy* image $x$ is as good as comparing it with the clean
# image $y$ we do not have: the two losses differ by a constant, the noise variance (paper, Proposition 1). In this
# notebook we derive the identity line by line, then measure it on the camera image for a dozen denoisers, and
# break it on purpose with denoisers that do look at the pixel they predict.
#
# **Learning goals**
# - State J-invariance and the two assumptions on the noise that the identity needs.
# - Derive $\mathbb E\|f(x)-x\|^2 = \mathbb E\|f(x)-y\|^2 + \mathbb E\|x-y\|^2$ and say why the cross term vanishes.
# - Build the grid partition and the neighbour interpolation that make *any* denoiser J-invariant.
# - Measure the gap between the two losses and recognise when it is (and is not) the noise variance.
# - Explain why the identity map scores a perfect, useless 0.

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

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display
from scipy import ndimage as ndi

import n2s_core as n2s
from n2s_core.teach import plotting, widgets

# %% slideshow={"slide_type": "skip"} tags=["parameters"]
SCALE = n2s.pick_scale()  # quick on a CPU, the paper's scale on a GPU; N2S_QUICK=1 or 0 overrides
print(SCALE)
QUICK = SCALE.quick
SIZE = 256 if QUICK else 512  # central crop of the camera image; the paper uses all 512 x 512 (paper §3)
SIGMA = 0.1  # Gaussian noise std on [0, 1] (paper §3)
SEED = 3  # noise seed (paper §3)
STRIDE = 4  # grid spacing: 4 x 4 = 16 subsets J (paper §3)
WIDGET_SIZE = 128  # crop used by the interactive panel, so each redraw stays well under a second

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The set-up
#
# A clean image $y \in \mathbb R^m$ is observed as $x = y + n$. Split the $m$ pixels into disjoint subsets
# $\mathcal J = \{J_1, \dots, J_k\}$. We assume two things about the noise, and nothing about its shape
# (paper §3):
#
# 1. **zero mean:** $\mathbb E[\,n \mid y\,] = 0$;
# 2. **independence across subsets:** given $y$, the noise $n_J$ on $J$ is independent of the noise $n_{J^c}$ on
#    the other pixels, for every $J \in \mathcal J$.
#
# A function $f$ is **J-invariant** when $f(x)_J$ does not depend on $x_J$, for every $J$: to predict the pixels
# of $J$ it may read every pixel *except* those of $J$.
#
# We use the paper's test image, the camera, with Gaussian noise $\sigma = 0.1$ and seed 3 (paper §3). Here we keep
# the noise **unclipped** (values may leave $[0,1]$) so that assumption 1 holds exactly; notebook 02 shows what
# clipping changes.

# %% slideshow={"slide_type": "subslide"}
clean, noisy = n2s.noisy_camera(sigma=SIGMA, rng=SEED, size=SIZE, clip=False)
noise_variance = n2s.mse(clean, noisy)  # measured: the mean of (x - y)^2 over the pixels
print(f"image {clean.shape}; sigma^2 = {SIGMA**2:.4f}; measured noise variance = {noise_variance:.5f}")
plotting.show_images({"clean y": clean, "noisy x": noisy}, size=2.6)
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The derivation, one step at a time
#
# **Step 1: add and subtract $y$.** For any $f$,
# $$\|f(x)-x\|^2 = \|(f(x)-y) - (x-y)\|^2 = \|f(x)-y\|^2 + \|x-y\|^2 - 2\,\langle f(x)-y,\; x-y\rangle .$$
#
# **Step 2: split the cross term over the subsets.** The subsets partition the pixels, so
# $$\langle f(x)-y,\; x-y\rangle = \sum_{J\in\mathcal J} \langle f(x)_J-y_J,\; x_J-y_J\rangle .$$
#
# **Step 3: each piece has mean zero.** Fix $y$. By J-invariance $f(x)_J$ is a function of $x_{J^c} = y_{J^c} +
# n_{J^c}$ only, and $x_J - y_J = n_J$. By assumption 2 these two are independent given $y$, so the expectation of
# their inner product factorises, and assumption 1 kills it:
# $$\mathbb E\big[\langle f(x)_J-y_J,\; n_J\rangle \,\big|\, y\big]
#   = \big\langle \mathbb E[f(x)_J-y_J \mid y],\; \mathbb E[n_J \mid y]\big\rangle
#   = \big\langle \mathbb E[f(x)_J-y_J \mid y],\; 0\big\rangle = 0 .$$
#
# **Step 4: take expectations.**
# $$\boxed{\;\mathbb E\|f(x)-x\|^2 = \mathbb E\|f(x)-y\|^2 + \mathbb E\|x-y\|^2\;}$$
# Divided by $m$: **self-supervised loss = ground-truth loss + noise variance**. The noise variance does not depend
# on $f$, so the $f$ that minimises the left side (computable from $x$ alone) also minimises the ground-truth loss.
#
# **On one image** the expectation is replaced by an average over many pixels. Step 1 is then exact algebra:
# with $\hat v = \tfrac1m\|x-y\|^2$ (the measured noise variance) and the measured cross term
# $\hat c = \tfrac1m\langle f(x)-y,\, x-y\rangle$,
# $$\text{gap} := \tfrac1m\|f(x)-x\|^2 - \tfrac1m\|f(x)-y\|^2 = \hat v - 2\hat c .$$
# All the content of the theorem is that $\hat c \approx 0$ for a J-invariant $f$. For $f$ = identity,
# $\hat c = \hat v$ and the self-supervised loss is exactly 0.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. The grid partition
#
# The paper's calibration uses a regular grid: pixel $(r, c)$ belongs to subset $(r \bmod 4)\cdot 4 + (c \bmod 4)$,
# so 16 subsets, each a sparse lattice with 3 pixels between its members (paper §3). `n2s.grid_labels` stores the
# partition as one integer label per pixel, so "every pixel in exactly one subset" holds by construction.
#
#
# ## 4. Interpolation: what the denoiser sees instead of $x_J$
#
# To make a denoiser $g$ J-invariant we hide $x_J$ from it: replace each pixel of $J$ by the mean of its four axis
# neighbours, $s(x)$, which never reads the pixel itself, run $g$, and keep its output on $J$ only (paper §3):
# $$f(x)_J = g\big(\mathbf 1_J \cdot s(x) + \mathbf 1_{J^c}\cdot x\big)_J .$$
# On the stride-4 grid the four neighbours of a pixel of $J$ are never in $J$, so the filled-in values read
# only $x_{J^c}$ (Exercise 4 shows what to do when neighbours can share a subset). Repeating this for all 16
# subsets costs 16 calls of $g$. On the border the neighbours are mirrored without repeating the edge pixel (scipy
# `mode="mirror"`); scipy's `mode="reflect"` would copy the edge pixel into its own replacement (Exercise 3).

# %% slideshow={"slide_type": "subslide"}
labels = n2s.grid_labels(clean.shape, stride=STRIDE)
sizes = np.bincount(labels.ravel())
assert n2s.count_subsets(labels) == STRIDE**2 and sizes.min() == sizes.max() == clean.size // STRIDE**2
print(f"{n2s.count_subsets(labels)} subsets of {sizes[0]} pixels each")
mask = n2s.subset_mask(labels, 0)  # True on the held-out pixels of subset J = 0 (it touches the border)
hidden = np.where(mask, n2s.interpolate_neighbors(noisy), noisy)  # what g sees when J = 0 is held out
print("interpolation kernel (centre weight 0):\n", n2s.neighbor_kernel(2))
window = np.s_[SIZE // 2:SIZE // 2 + 12, SIZE // 2:SIZE // 2 + 12]  # starts on the grid, like the corner
fig, axes = plt.subplots(1, 4, figsize=(11, 2.9))
plotting.plot_partition(labels, ax=axes[0])
plotting.plot_partition(labels, ax=axes[1], offset=0)
for ax, image, title in ((axes[2], noisy, "noisy x (12 x 12 window)"), (axes[3], hidden, "J = 0 replaced by s(x)")):
    ax.imshow(image[window], cmap="gray", vmin=noisy[window].min(), vmax=noisy[window].max(), interpolation="nearest")
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
plt.show()


# %% [markdown] slideshow={"slide_type": "subslide"}
# ### From scratch
# The whole J-invariant wrapper fits in a few lines of numpy. `np.pad(..., mode="reflect")` is numpy's
# whole-sample mirror (the edge pixel is not repeated), the same as scipy's `"mirror"`.

# %% slideshow={"slide_type": "skip"}
def invariant_from_scratch(image, denoiser, stride=STRIDE, pad_mode="reflect"):
    padded = np.pad(image, 1, mode=pad_mode)
    neighbours = (padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:]) / 4
    rows, cols = np.indices(image.shape)
    out = np.empty_like(image)
    for offset in range(stride**2):
        held_out = (rows % stride) * stride + cols % stride == offset
        out[held_out] = denoiser(np.where(held_out, neighbours, image))[held_out]
    return out


def blur(image):
    return ndi.gaussian_filter(image, 1.0)


ours = invariant_from_scratch(noisy, blur)
assert np.allclose(ours, n2s.denoise_invariant(noisy, blur, stride=STRIDE))
# J-invariance itself, borders included: change x on J = 0 only; the output on J = 0 must not move, the rest may.
kicked = noisy + mask * np.random.default_rng(0).normal(0, 1, noisy.shape)
assert np.allclose(invariant_from_scratch(kicked, blur)[mask], ours[mask])
assert not np.allclose(invariant_from_scratch(kicked, blur)[~mask], ours[~mask])
print("from-scratch wrapper == n2s.denoise_invariant, and its output on J ignores x_J")


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Measuring the identity
#
# Nine J-invariant denoisers: the J-invariant Gaussian filter and median (via the grid wrapper) at three strengths
# each, and the donut median, a median over a disk *with its centre removed*, which is J-invariant for single-pixel
# subsets without any wrapper (paper §3, Figure 2). Three controls that are not J-invariant: the identity, a plain
# Gaussian filter and a plain median.

# %% slideshow={"slide_type": "subslide"}
def invariant(denoiser, **kwargs):
    return functools.partial(n2s.denoise_invariant, denoiser=denoiser, stride=STRIDE, denoiser_kwargs=kwargs)


invariant_denoisers = {
    **{f"J-inv. Gaussian s={s}": invariant(ndi.gaussian_filter, sigma=s) for s in (0.5, 1.0, 2.0)},
    **{f"J-inv. median r={r}": invariant(n2s.median, radius=r) for r in (1, 2, 3)},
    **{f"donut median r={r}": functools.partial(n2s.donut_median, radius=r) for r in (1, 2, 3)},
}
controls = {"identity": lambda image: image, "plain Gaussian s=1": blur,
            "plain median r=2": functools.partial(n2s.median, radius=2)}
rows = {name: n2s.loss_decomposition(clean, noisy, f(noisy)) for name, f in {**invariant_denoisers, **controls}.items()}

columns = list(next(iter(rows.values())))
table = ["| denoiser | " + " | ".join(columns) + " | gap / noise var |", "|---" * (len(columns) + 2) + "|"]
table += [f"| {name} | " + " | ".join(f"{v:.5f}" for v in row.values()) + f" | {row['gap'] / noise_variance:.3f} |"
          for name, row in rows.items()]
display(Markdown("\n".join(table)))
print(f"measured noise variance: {noise_variance:.5f}")

# %% [markdown] slideshow={"slide_type": "notes"}
# The claims, checked: for every J-invariant denoiser the gap is the noise variance to within a few per cent (the
# cross term is a small sample average); for the controls it is not, and the identity scores a perfect 0.

# %% slideshow={"slide_type": "skip"}
worst = max(abs(rows[name]["gap"] / noise_variance - 1) for name in invariant_denoisers)
assert worst < 0.02, worst
assert rows["identity"]["self_supervised"] == 0 and np.isclose(rows["identity"]["cross_term"], noise_variance)
assert all(rows[name]["gap"] < 0.9 * noise_variance for name in controls)
print(f"J-invariant denoisers: gap within {100 * worst:.2f}% of the measured noise variance")
print("controls: gap / noise variance =", {name: round(rows[name]["gap"] / noise_variance, 3) for name in controls})

# %% [markdown] slideshow={"slide_type": "notes"}
# In a picture: each denoiser is a point (ground-truth loss, self-supervised loss). The theorem says J-invariant
# denoisers lie on the line $L_\text{self} = L_\text{truth} + \hat v$; the controls fall below it, because they
# copy part of $x_J$ into their prediction and are rewarded for it.

# %% slideshow={"slide_type": "subslide"}
families = {"J-inv. Gaussian": ("C0", "o"), "J-inv. median": ("C0", "s"), "donut median": ("C0", "^")}
fig, (ax, bars) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1.2, 1]})
line = np.array([0, max(row["ground_truth"] for row in rows.values()) * 1.05])
ax.plot(line, line + noise_variance, "k--", lw=1, label="self-sup. = truth + noise variance")
for family, (colour, marker) in families.items():
    names = [name for name in invariant_denoisers if name.startswith(family)]
    ax.plot([rows[n]["ground_truth"] for n in names], [rows[n]["self_supervised"] for n in names], marker,
            color=colour, ls="none", label=family)
for name in controls:
    ax.plot(rows[name]["ground_truth"], rows[name]["self_supervised"], "X", color="C3", ms=8)
    left = name == "identity"  # the identity sits at the right edge: label it on its left
    ax.annotate(name, (rows[name]["ground_truth"], rows[name]["self_supervised"]), fontsize=8, color="C3",
                xytext=(-8, 4) if left else (8, -4), textcoords="offset points", ha="right" if left else "left")
ax.set(xlabel="ground-truth loss  mean (f(x) - y)^2", ylabel="self-supervised loss  mean (f(x) - x)^2",
       title="blue: J-invariant, red: not")
ax.legend(fontsize=8, loc="upper left")
ax.grid(alpha=0.3)
ratios = [rows[name]["gap"] / noise_variance for name in rows]
bars.barh(list(rows), ratios, color=["C0" if name in invariant_denoisers else "C3" for name in rows])
bars.axvline(1, color="k", ls="--", lw=1)
bars.invert_yaxis()
bars.tick_params(labelsize=8)
bars.set(xlabel="gap / measured noise variance", title="the theorem predicts 1")
fig.tight_layout()
plt.show()


# %% [markdown] slideshow={"slide_type": "notes"}
# **Why this matters.** Ranked by the self-supervised loss over all twelve denoisers, the identity wins; ranked by
# the ground-truth loss, it is the worst. Restricted to the J-invariant family, the two rankings pick the same
# denoiser, and that choice needed no clean image.

# %% slideshow={"slide_type": "skip"}
def best(names, key):
    return min(names, key=lambda name: rows[name][key])


assert best(rows, "self_supervised") == "identity" and best(rows, "ground_truth") != "identity"
assert best(invariant_denoisers, "self_supervised") == best(invariant_denoisers, "ground_truth")
print("all twelve, by self-supervised loss:", best(rows, "self_supervised"))
print("J-invariant only, by self-supervised loss:", best(invariant_denoisers, "self_supervised"),
      "| by ground-truth loss:", best(invariant_denoisers, "ground_truth"))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Try it: noise level and denoiser strength
#
# Move $\sigma$ and the strength (Gaussian width $0.5\times$strength, or median radius = strength) and watch the
# gap: it tracks the measured noise variance for the J-invariant denoisers and collapses for the others. The panel
# works on a central 128 x 128 crop so it redraws quickly.

# %% slideshow={"slide_type": "skip"}
widget_clean = n2s.crop_center(n2s.load_image("camera"), WIDGET_SIZE)
widget_denoisers = {
    "J-inv. Gaussian": lambda image, k: invariant(ndi.gaussian_filter, sigma=0.5 * k)(image),
    "J-inv. median": lambda image, k: invariant(n2s.median, radius=k)(image),
    "donut median": lambda image, k: n2s.donut_median(image, k),
    "plain Gaussian": lambda image, k: ndi.gaussian_filter(image, 0.5 * k),
    "identity": lambda image, k: image,
}


def draw(sigma=0.1, strength=2, denoiser="donut median"):
    noisy_crop = n2s.add_noise(widget_clean, sigma=sigma, rng=SEED, clip=False)
    denoised = widget_denoisers[denoiser](noisy_crop, strength)
    out = n2s.loss_decomposition(widget_clean, noisy_crop, denoised)
    variance = n2s.mse(widget_clean, noisy_crop)
    plotting.plot_decomposition(noisy_crop, denoised, out, variance, title=denoiser)
    return (f"self_sup={out['self_supervised']:.4f} truth={out['ground_truth']:.4f} gap={out['gap']:.4f} "
            f"var={variance:.4f}")


# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
widgets.interactive_panel(draw, sigma=widgets.float_slider("sigma", 0.1, 0.02, 0.3, 0.02),
                          strength=widgets.int_slider("strength", 2, 1, 5),
                          denoiser=widgets.choice("denoiser", list(widget_denoisers), "donut median"))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - For J-invariant $f$ and noise that is zero-mean and independent across subsets, the self-supervised loss is
#   the ground-truth loss plus the noise variance; the cross term vanishes because $f(x)_J$ reads only $x_{J^c}$.
# - On the camera image the measured gap matched the measured noise variance to within the percentage printed above,
#   for Gaussian, median and donut-median denoisers at every strength we tried.
# - Any denoiser becomes J-invariant by hiding $x_J$ behind the mean of its neighbours, one subset at a time.
# - Without J-invariance the self-supervised loss rewards copying the input: the identity scores 0.
#
# ## Exercises
#
# 1. Sweep the width of the J-invariant Gaussian filter over `np.linspace(0.4, 3, 14)`. Do the self-supervised and
#    ground-truth losses pick the same width?
# 2. Repeat the measurement for the donut median r = 2 with **clipped** noise (`clip=True`). Is the gap closer to
#    $\sigma^2$ or to the measured variance? Which assumption does clipping bend?
# 3. Pad with numpy's `mode="symmetric"` (scipy's `"reflect"`: the edge pixel is repeated) instead of numpy's
#    `"reflect"` in `invariant_from_scratch`, and find the pixels where changing $x_J$ changes $f(x)_J$.
# 4. The identity holds for *any* partition, e.g. the random one of `n2s.random_labels(shape, n_subsets=25)` (the
#    paper's network partition, paper §5). But there a held-out pixel's neighbour can be held out too, and a plain
#    neighbour mean would then carry $x_J$ into the input on $J$. Write a fill that averages only the neighbours
#    outside $J$, check J-invariance by perturbing $x_J$, and measure the gap.

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 1
widths = np.linspace(0.4, 3, 14)
sweep = [n2s.loss_decomposition(clean, noisy, invariant(ndi.gaussian_filter, sigma=s)(noisy)) for s in widths]
best_self = widths[np.argmin([row["self_supervised"] for row in sweep])]
best_truth = widths[np.argmin([row["ground_truth"] for row in sweep])]
plotting.plot_loss_curves(widths, {"self-supervised": [row["self_supervised"] for row in sweep],
                                   "ground truth + noise var": [row["ground_truth"] + noise_variance for row in sweep]},
                          xlabel="Gaussian width")
plt.show()
print(f"best width: self-supervised {best_self:.2f}, ground truth {best_truth:.2f}")
assert best_self == best_truth

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 2: clipping pulls noise toward the inside of [0, 1] near black and white, so E[n | y] != 0 there.
clean_c, noisy_c = n2s.noisy_camera(sigma=SIGMA, rng=SEED, size=SIZE, clip=True)
clipped = n2s.loss_decomposition(clean_c, noisy_c, n2s.donut_median(noisy_c, 2))
variance_c = n2s.mse(clean_c, noisy_c)
print(f"gap {clipped['gap']:.5f}, measured variance {variance_c:.5f}, sigma^2 {SIGMA**2:.5f}, "
      f"cross term {clipped['cross_term']:.6f}")
assert abs(clipped["gap"] - variance_c) < abs(clipped["gap"] - SIGMA**2)

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 3: "symmetric" padding repeats the edge pixel, so a border pixel's fill contains the pixel itself.
leaks = ~np.isclose(invariant_from_scratch(kicked, blur, pad_mode="symmetric"),
                    invariant_from_scratch(noisy, blur, pad_mode="symmetric")) & mask
rows_hit, cols_hit = np.nonzero(leaks)
reach = int(np.max(np.minimum(np.minimum(rows_hit, cols_hit), np.minimum(SIZE - 1 - rows_hit, SIZE - 1 - cols_hit))))
print(f"{leaks.sum()} of {mask.sum()} pixels of J = 0 see their own value; all within {reach} pixels of the border")
assert leaks.any() and reach <= 4  # the border pixel leaks, and the blur (radius 4) carries it inwards


# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 4: a normalised convolution averages the visible neighbours only.
def invariant_any_partition(image, denoiser, partition):
    out = np.empty_like(image)
    for offset in range(n2s.count_subsets(partition)):
        held_out = partition == offset
        total = ndi.correlate(np.where(held_out, 0.0, image), n2s.neighbor_kernel(2), mode="mirror")
        weight = ndi.correlate((~held_out).astype(float), n2s.neighbor_kernel(2), mode="mirror")
        # weight 0 only if every neighbour is held out too (likeliest in a corner): use the mean of the visible pixels
        fill = np.where(weight > 0, total / np.maximum(weight, 1e-12), image[~held_out].mean())
        out[held_out] = denoiser(np.where(held_out, fill, image))[held_out]
    return out


random_partition = n2s.random_labels(clean.shape, n_subsets=25, rng=SEED)
held_out = random_partition == 0
kicked_r = noisy + held_out * np.random.default_rng(1).normal(0, 1, noisy.shape)
ours_random = invariant_any_partition(noisy, blur, random_partition)
assert np.allclose(invariant_any_partition(kicked_r, blur, random_partition)[held_out], ours_random[held_out])
out = n2s.loss_decomposition(clean, noisy, ours_random)
print(f"random partition, visible-neighbour fill: gap / noise variance = {out['gap'] / noise_variance:.4f}")
assert abs(out["gap"] / noise_variance - 1) < 0.02
package = n2s.denoise_invariant(noisy, blur, labels=random_partition)  # the package fills the same way
print("n2s.denoise_invariant(..., labels=random_partition) agrees:", np.allclose(package, ours_random))
assert np.allclose(package, ours_random)
