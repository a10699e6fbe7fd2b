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
# # 03 · Calibrating classical denoisers: reproducing the paper's Table 1
#
# Every classical denoiser has a knob: a median's radius, a wavelet threshold, the strength $h$ of non-local means.
# With a clean image you would turn it until the output is closest to the truth. Batson & Royer (paper §3, Table 1)
# turn it with the noisy image alone: make the denoiser J-invariant, score each setting by the self-supervised loss
# $\frac1m\|f(x)-x\|^2$, keep the minimum. That loss is the ground-truth loss plus the noise variance (notebook 01),
# so the minimum is in the right place. We rebuild Table 1 (median, wavelet, NL-means; plus total variation, and BM3D
# when installed) and check in code what carries over to today's scikit-image and what does not.
#
# **Learning goals**
# - Write the J-invariant calibration loop in numpy and match it against `n2s.calibrate_denoiser`.
# - Reproduce Table 1's four columns, and read them next to the paper's with the reasons they differ.
# - Explain the mixing step $\lambda f(x) + (1-\lambda)x$ with $\lambda = \hat\sigma^2/\text{loss}$, and where
#   $\hat\sigma^2$ comes from.
# - Weigh the exact loss (16 denoiser calls per setting) against the one-subset approximation.
# - See why "calibrate with the J-invariant denoiser, then apply the plain one" often wins.

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
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import skimage
from IPython.display import Markdown, display
from skimage.restoration import denoise_wavelet

import n2s_core as n2s
from n2s_core.classical import denoisers
from n2s_core.paper import committed, table1
from n2s_core.teach import plotting, widgets

# %% slideshow={"slide_type": "skip"} tags=["parameters"]
SCALE = n2s.pick_scale()  # quick on a CPU, the paper's scale on a GPU; N2S_QUICK=1 or 0 overrides
print(SCALE)
QUICK = SCALE.quick
SIZE = 192 if QUICK else 512  # central crop of the camera; the paper uses the whole 512 x 512 image (§3)
SIGMA = 0.1  # Gaussian noise std on [0, 1], clipped to [0, 1] (paper §3)
SEED = 3  # noise seed (paper §3)
STRIDE = 4  # J = 4 x 4 grid, 16 subsets (paper §3)
METHODS = ["donut_median", "wavelet", "nl_means", "median", "tv"]  # the paper's 3 rows, then 2 beyond it
BM3D = not QUICK  # add BM3D when installed: ~100 calls of ~8 s at 512 on 2 cores (~15 min), ~1 s at 64
WIDGET_SIZE = 128 if QUICK else 192  # crop for the interactive panel (16 + 1 denoiser calls per redraw)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The set-up
#
# The camera image with Gaussian noise $\sigma = 0.1$, seed 3, clipped to $[0,1]$ (paper §3). Clipping puts the
# *measured* noise variance below $\sigma^2$; the mixing step below uses neither, but an *estimate* made from the
# noisy image alone (`n2s.estimate_noise_variance`: the median absolute deviation of the finest wavelet
# coefficients, Donoho & Johnstone 1994). The measured value needs the clean image and is shown only to check.

# %% slideshow={"slide_type": "skip"}
clean, noisy = n2s.noisy_camera(sigma=SIGMA, rng=SEED, size=SIZE)
variance_measured = n2s.mse(clean, noisy)  # oracle: needs the clean image
variance_estimated = n2s.estimate_noise_variance(noisy)  # what calibration may use
print(f"{SIZE} x {SIZE} crop, noisy PSNR {n2s.psnr(clean, noisy):.2f} dB; noise variance: nominal {SIGMA**2:.4f}, "
      f"measured {variance_measured:.5f}, estimated {variance_estimated:.5f}")


# %% [markdown] slideshow={"slide_type": "subslide"}
# ### From scratch
# For each setting: replace the pixels of subset $J$ by the mean of their four axis neighbours, denoise, keep the
# output on $J$; after all 16 subsets, score $\frac1m\|f(x)-x\|^2$ (the paper's J-invariant construction).
# Borders are mirrored without repeating the edge pixel (numpy `"reflect"`), so no pixel leaks into its own
# replacement.

# %% slideshow={"slide_type": "skip"}
def scratch_losses(noisy, denoiser, settings, stride=STRIDE):
    rows, cols = np.indices(noisy.shape)
    labels = (rows % stride) * stride + cols % stride  # (H, W): the subset J of each pixel
    padded = np.pad(noisy, 1, mode="reflect")
    replaced = (padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:]) / 4
    losses = []
    for params in settings:
        invariant = np.empty_like(noisy)
        for j in range(stride**2):
            mask = labels == j
            invariant[mask] = denoiser(np.where(mask, replaced, noisy), **params)[mask]
        losses.append(np.mean((invariant - noisy) ** 2))
    return losses


wavelet = n2s.get_method("wavelet")
settings = n2s.expand_grid(wavelet.grid(noisy))
ours = scratch_losses(noisy, wavelet.function, settings)
package = n2s.calibrate_denoiser(noisy, wavelet.function, settings, stride=STRIDE)
assert np.allclose(ours, package.losses, rtol=1e-10)
print(f"from-scratch losses match n2s.calibrate_denoiser; best {package.best_parameters}, loss {package.best_loss:.5f}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Table 1
#
# `table1.table1_row` calibrates one method by the exact self-supervised loss (grids of paper §3: wavelet hard
# thresholding with $\sigma \in$ `arange(0.08, 0.3, 0.03)`; NL-means $h = \hat\sigma \cdot$ `arange(0.5, 2, 0.2)`,
# patch 5, distance 6) and scores, against the clean image: the J-invariant output, the same mixed with the noisy
# input, the *plain* denoiser at the chosen parameters, and the plain denoiser at its "default parameters". The
# clean image never steers the choice.
#
# Which rows mean what the paper's rows meant (checked against the authors' calibration notebook):
#
# - The paper's **median** row is the **donut median** of notebook 02, J-invariant by construction, scored as it
#   is over radii 1 to 6. Our median made J-invariant by the grid wrapper is an extra row.
# - **Default parameters**: for NL-means the authors' rule, $h = 0.8\,\hat\sigma$, 5 x 5 patches, distance 6, fast
#   mode (their notebook prints 28.94 dB, the paper's 28.9), not scikit-image's own $h=0.1$, 7 x 7, distance 11;
#   for the medians the 3 x 3 square of scikit-image's `filters.median`; for the wavelet scikit-image's default
#   (BayesShrink, soft). Each row carries its `default_rule`.
# - **Mixing** weighs by noise variance / loss. We show it twice: with the variance *estimated* from the noisy
#   image (the blind choice) and with the *true* variance measured against the clean image, which is what the
#   authors' notebook used (an oracle), so that column is the one to set beside the paper's.

# %% slideshow={"slide_type": "subslide"}
rows, seconds = {}, {}
for name in METHODS + (["bm3d"] if BM3D and n2s.bm3d_available() else []):
    start = time.perf_counter()
    rows[name] = table1.table1_row(noisy, clean, name, stride=STRIDE)
    seconds[name] = time.perf_counter() - start
if "bm3d" not in rows:
    print("BM3D row: " + ("installed, skipped (set BM3D = True in the Parameters cell)" if n2s.bm3d_available()
                          else "missing (optional: pip install bm3d; non-commercial licence, never bundled)"))


def table1_markdown(rows):
    lines = ["| method | chosen | min loss | PSNR J-inv. | + mixing, estimated v (λ) | + mixing, true v | "
             "plain, calibrated | default |", "|---" * 8 + "|"]
    for r in rows:
        key = n2s.swept_parameter(r["calibration"]["parameters"])
        lines.append(f"| {r['label']} | {key}={r['calibration']['best_parameters'][key]:.4g} | {r['min_loss']:.4f} | "
                     f"{r['psnr_invariant']:.2f} | {r['psnr_mixed']:.2f} ({r['mixing_weight']:.2f}) | "
                     f"{r['psnr_mixed_oracle']:.2f} | {r['psnr_plain_calibrated']:.2f} | {r['psnr_default']:.2f} |")
    return Markdown("\n".join(lines))


display(table1_markdown(rows.values()))
print("seconds per row:", {k: round(v, 1) for k, v in seconds.items()})

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Calibration curves: exact loss, one-subset loss, ground truth
#
# For teaching we also recorded the ground-truth loss $\frac1m\|f(x)-y\|^2$ of every J-invariant output. The exact
# self-supervised curve should sit above it by about the noise variance, with the same argmin. Beside it, the
# approximate loss scores one subset only (1/16 of the pixels, one denoiser call per setting, as scikit-image's
# `calibrate_denoiser` does by default): 16 times cheaper, and noisier.

# %% slideshow={"slide_type": "subslide"}
approx = {name: n2s.calibrate_denoiser(noisy, n2s.get_method(name).function, rows[name]["calibration"]["parameters"],
                                       stride=STRIDE, approximate=True)
          for name in rows if not n2s.get_method(name).invariant}  # the donut needs no subsets: it is exact
fig, axes = plt.subplots(1, len(rows), figsize=(3.6 * len(rows), 3.2), squeeze=False)
picks, gaps = {}, {}
for ax, (name, row) in zip(axes[0], rows.items(), strict=True):
    calibration, key = row["calibration"], n2s.swept_parameter(row["calibration"]["parameters"])
    values = [p[key] for p in calibration["parameters"]]
    curves = {"exact": calibration["self_supervised_losses"], "one subset": approx[name].losses if name in approx
              else calibration["self_supervised_losses"], "ground truth": calibration["ground_truth_losses"]}
    plotting.plot_loss_curves(values, curves, ax=ax, xlabel=key)
    ax.set_title(row["label"])
    picks[name] = [int(np.argmin(c)) for c in curves.values()]  # grid index chosen by each curve
    gaps[name] = np.subtract(curves["exact"], curves["ground truth"])
fig.tight_layout()
plt.show()

# %% slideshow={"slide_type": "skip"}
for name, (exact, one, truth) in picks.items():
    gap = gaps[name]
    print(f"{name:9s} argmin index: exact {exact}, one subset {one}, ground truth {truth}; "
          f"gap self-sup. - truth in [{gap.min():.5f}, {gap.max():.5f}]")
    assert abs(exact - truth) <= 1  # the exact loss lands on the ground-truth argmin or its neighbour
    assert np.allclose(gap, variance_measured, rtol=0.1)  # offset: the measured noise variance, within 10%

# %% [markdown] slideshow={"slide_type": "notes"}
# The gap sits a little below the measured variance: clipping makes the noise of near-black and near-white pixels
# non-zero-mean, which bends the "independent, zero-mean noise" assumption slightly (notebook 02, §4). What matters
# is that the gap barely changes along the grid, so it does not move the minimum.
#
# **Cost.** Counting the denoiser calls of one calibration (total variation) in each mode:

# %% slideshow={"slide_type": "skip"}
tv = n2s.get_method("tv")
calls = []  # one entry per denoiser call; list.append is atomic, so worker threads may append


def counted_tv(image, **params):
    calls.append(1)
    return tv.function(image, **params)


for approximate in (False, True):
    calls.clear()
    start = time.perf_counter()
    result = n2s.calibrate_denoiser(noisy, counted_tv, tv.grid(noisy), stride=STRIDE, approximate=approximate)
    print(f"{'one subset' if approximate else 'exact':10s}: {len(calls):3d} calls, {time.perf_counter() - start:.2f} s")
    assert len(calls) == (1 if approximate else STRIDE**2) * len(result.parameters)
    assert approximate or np.allclose(result.losses, rows["tv"]["calibration"]["self_supervised_losses"])

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Mixing the noisy image back in
#
# A J-invariant $f$ never sees $x_j$ when predicting pixel $j$, so it throws that information away. Mixing returns
# some: $g_\lambda = \lambda f(x) + (1-\lambda)x$. Write $e = \frac1m\|f(x)-y\|^2$ and $v$ for the noise variance.
# For J-invariant $f$ the errors $f(x)-y$ and $x-y$ are uncorrelated, so
# $$\text{err}(\lambda) = \lambda^2 e + (1-\lambda)^2 v, \qquad \lambda^* = \frac{v}{e+v} = \frac{v}{\text{loss}},$$
# because the self-supervised loss *is* $e + v$. Neither $e$ nor $v$ needs the clean image: the loss is measured and
# $v$ is estimated (paper §4.2). Below, the measured error of the mix of the J-invariant NL-means against $\lambda$,
# the prediction $\lambda^2 e + (1-\lambda)^2 v$, and the weight actually used.

# %% slideshow={"slide_type": "subslide"}
nlm = rows["nl_means"]
nlm_invariant = n2s.denoise_invariant(noisy, denoisers.nl_means, stride=STRIDE,
                                      denoiser_kwargs=nlm["calibration"]["best_parameters"])
lambdas = np.linspace(0, 1, 41)
measured = [n2s.mse(clean, n2s.mix(noisy, nlm_invariant, weight=w)) for w in lambdas]
e = n2s.mse(clean, nlm_invariant)
predicted = lambdas**2 * e + (1 - lambdas) ** 2 * variance_measured
ax = plotting.plot_loss_curves(lambdas, {"measured": measured, "λ² e + (1-λ)² v": predicted}, xlabel="λ")
ax.axvline(nlm["mixing_weight"], color="k", ls="--", lw=1, label="λ = estimated v / loss")
ax.legend(fontsize=8)
plt.show()
best_psnr = 10 * np.log10(1 / min(measured))
print(f"λ used {nlm['mixing_weight']:.3f}, best λ {lambdas[np.argmin(measured)]:.3f}; PSNR {nlm['psnr_mixed']:.2f} "
      f"vs best possible {best_psnr:.2f} dB")
assert best_psnr - nlm["psnr_mixed"] < 0.05
for name, row in rows.items():  # mixing never lowers the PSNR of a J-invariant output
    assert row["psnr_mixed"] >= row["psnr_invariant"], name
print("mixing gain (dB):", {k: round(r["psnr_mixed"] - r["psnr_invariant"], 2) for k, r in rows.items()})

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. J-invariance costs quality: calibrate, then apply the plain denoiser
#
# The J-invariant version is what the loss can score, not necessarily what you should ship: each of its outputs
# was computed with 1/16 of the pixels replaced by neighbour means. The parameters it picks usually suit the plain
# denoiser too, and the plain denoiser applied at them sees every pixel.

# %% slideshow={"slide_type": "skip"}
for name, row in rows.items():
    print(f"{name:9s} J-invariant {row['psnr_invariant']:.2f} dB -> plain at the same parameters "
          f"{row['psnr_plain_calibrated']:.2f} dB ({row['psnr_plain_calibrated'] - row['psnr_invariant']:+.2f})")
assert rows["tv"]["psnr_plain_calibrated"] - rows["tv"]["psnr_invariant"] > 0.5  # TV pays most for invariance
assert nlm["psnr_plain_calibrated"] > nlm["psnr_default"] > nlm["psnr_invariant"]
assert nlm["psnr_default"] > nlm["psnr_library_default"]  # the authors' rule beats scikit-image's h = 0.1 here
print(f"NL-means at the authors' default {nlm['psnr_default']:.2f} dB (scikit-image's own defaults "
      f"{nlm['psnr_library_default']:.2f}): calibrated + plain {nlm['psnr_plain_calibrated']:.2f}, J-invariant + "
      f"mixing {nlm['psnr_mixed']:.2f}, J-invariant alone {nlm['psnr_invariant']:.2f} "
      f"({nlm['psnr_invariant'] - nlm['psnr_default']:+.2f} against the default)")

# %% [markdown] slideshow={"slide_type": "notes"}
# In the paper the J-invariant NL-means alone beat the authors' default by 1.5 dB (30.4 vs 28.9, Table 1). On
# today's photo the J-invariant output trails that same default (the cell above prints by how much); the
# calibration still pays off, through the plain denoiser at the chosen $h$, which beats the default. Note that the
# paper's "J-invariant" column was the best PSNR over the grid, picked with the clean image in the authors'
# notebook; ours is the PSNR at the self-supervised argmin, the blind choice (they coincide here when the two
# argmins do; `psnr_invariant_best` holds the other one).
#
# ## 6. Our numbers beside the paper's
#
# The paper's camera image is gone: scikit-image 0.18 replaced `data.camera()` with a different photograph for
# copyright reasons, NumPy's generator draws different noise from seed 3, and the authors quantised the noisy
# image to 8 bits where we keep floats. Absolute losses and PSNRs cannot come back; what should carry over is the
# ordering of the methods, the gain from mixing and the argmins. The cell below asserts the ordering; §3 and §4
# checked the argmins and the mixing gains. The mixing column is the oracle one, as the paper's was.

# %% slideshow={"slide_type": "subslide"}
lines = ["| method | min loss | PSNR J-inv. | + mixing, true v | default |", "|---|---|---|---|---|"]
for name, paper in table1.PAPER_TABLE1.items():
    row = rows[name]
    lines.append(f"| {row['label']} | {row['min_loss']:.4f} / {paper['loss']:.4f} | {row['psnr_invariant']:.1f} / "
                 f"{paper['psnr_invariant']} | {row['psnr_mixed_oracle']:.1f} / {paper['psnr_mixed']} | "
                 f"{row['psnr_default']:.1f} / {paper['psnr_default']} |")
display(Markdown("Ours / paper" + (f" (ours on a {SIZE} x {SIZE} crop)" if SIZE < 512 else "") + "\n\n"
                 + "\n".join(lines)))
by_loss = sorted(table1.PAPER_TABLE1, key=lambda k: rows[k]["min_loss"])
assert by_loss == sorted(table1.PAPER_TABLE1, key=lambda k: table1.PAPER_TABLE1[k]["loss"])
print("methods by min loss, ours and the paper's:", by_loss)

# %% [markdown] slideshow={"slide_type": "notes"}
# The wavelet row is the odd one out: its **default** beats the calibrated hard thresholding, the reverse of the
# paper. The grid of paper §3 sweeps *hard* thresholds, while `denoise_wavelet`'s default is BayesShrink *soft*
# thresholding with $\sigma$ estimated from the image. Two other library changes since 2019 turn out not to matter
# here: scikit-image 0.16 stopped clipping float outputs to $[0,1]$, and `rescale_sigma` (on by default today) only
# acts when an integer image is converted to float. The next cell measures all three.

# %% slideshow={"slide_type": "skip"}
default_out = denoise_wavelet(noisy)
print(f"scikit-image {skimage.__version__}: wavelet default {n2s.psnr(clean, default_out):.2f} dB (soft); hard "
      f"{n2s.psnr(clean, denoise_wavelet(noisy, mode='hard')):.2f} dB; clipped to [0, 1] as before 0.16 "
      f"{n2s.psnr(clean, np.clip(default_out, 0, 1)):.2f} dB")
assert np.array_equal(default_out, denoise_wavelet(noisy, rescale_sigma=False))  # no effect on float images
assert abs(n2s.psnr(clean, np.clip(default_out, 0, 1)) - rows["wavelet"]["psnr_default"]) < 0.05
assert rows["wavelet"]["psnr_default"] > max(rows["wavelet"][k] for k in ("psnr_invariant", "psnr_mixed",
                                                                          "psnr_plain_calibrated"))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. The full-size table
#
# Quick mode works on a crop. The full 512 x 512 run was made by `python -m n2s_core reproduce table1 --out results`
# (`make reproduce`); the package ships a copy of its `results/table1.json`, so this cell works with the notebook
# alone (on Colab, say).

# %% slideshow={"slide_type": "subslide"}
full = committed.load_json("table1.json")
meta = full["meta"]
print(f"table1.json, as committed: image {meta['image_shape']}, made by `{meta['command']}` in "
      f"{meta['wall_seconds']} s, scikit-image {meta['versions']['scikit-image']}")
assert {row["method"] for row in full["rows"]} >= set(table1.PAPER_TABLE1)  # every row of the paper's table
display(table1_markdown(full["rows"]))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. Try it: total variation, J-invariant vs plain
#
# The slider sweeps total variation's weight over the calibration grid on a central crop. Left to right: the noisy
# crop, the J-invariant output (whose self-supervised loss is printed) and the plain output at the same weight.

# %% slideshow={"slide_type": "skip"}
widget_clean, widget_noisy = n2s.crop_center(clean, WIDGET_SIZE), n2s.crop_center(noisy, WIDGET_SIZE)


@functools.lru_cache(maxsize=16)
def tv_outputs(weight):
    invariant = n2s.denoise_invariant(widget_noisy, tv.function, stride=STRIDE, denoiser_kwargs={"weight": weight})
    return invariant, tv.function(widget_noisy, weight=weight)


tv_best = rows["tv"]["calibration"]["best_parameters"]["weight"]


def draw(weight=tv_best):
    invariant, plain = tv_outputs(weight)
    loss = n2s.mse(widget_noisy, invariant)
    psnrs = [n2s.psnr(widget_clean, image) for image in (invariant, plain)]
    plotting.show_images({"noisy": widget_noisy, f"J-invariant {psnrs[0]:.2f} dB": invariant,
                          f"plain {psnrs[1]:.2f} dB": plain}, size=2.8, suptitle=f"TV weight {weight}")
    return f"loss={loss:.4f} psnr_invariant={psnrs[0]:.2f} psnr_plain={psnrs[1]:.2f}"


# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
widgets.interactive_panel(draw, weight=widgets.choice_slider("weight", tv.grid(noisy)["weight"], value=tv_best))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Calibration needs only the noisy image: score the J-invariant denoiser by $\frac1m\|f(x)-x\|^2$ and take the
#   minimum. Its curve is the ground-truth curve shifted by about the noise variance, so the argmins agree (or are
#   one grid step apart, asserted above).
# - Scoring one subset instead of all 16 is 16 times cheaper but can miss the argmin; the exact loss is the default.
# - Mixing with $\lambda = \hat\sigma^2/\text{loss}$, with $\hat\sigma^2$ estimated from the noisy image, always
#   helped the J-invariant outputs; applying the plain denoiser at the calibrated parameters often helps more
#   (total variation most).
# - Our absolute numbers differ from the paper's (new camera photo, new noise), the ordering of the methods by loss
#   and the mixing gains do not; the wavelet default beats calibrated hard thresholding on today's photo.
# - Compare like with like: the paper's median row is the donut median, its defaults are the authors' (for
#   NL-means $h = 0.8\hat\sigma$), and its mixing used the true noise variance.
#
# ## Exercises
#
# 1. Calibrate the wavelet with *soft* thresholds (`mode="soft"`), first over the paper's $\sigma$ grid, then over
#    a finer one (0.06 to 0.12 in steps of 0.005). Does calibration now reach the default?
# 2. Mix the J-invariant NL-means output with the oracle $\lambda$ (measured variance) and with the nominal
#    $\sigma^2 = 0.01$. How much does the estimate cost?
# 3. Calibrate total variation on another image (`n2s.load_image("coins", size=128)` plus noise). Does the exact
#    loss still find the ground-truth argmin?

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 1: BayesShrink's threshold s^2 / sqrt(var - s^2) changes fast near the noise level, so spacing matters.
for label, sigmas in (("paper grid", wavelet.grid(noisy)["sigma"]), ("fine grid", np.arange(0.06, 0.1225, 0.005))):
    with warnings.catch_warnings(record=True) as caught:  # calibrate_denoiser warns when the best is on an edge
        warnings.simplefilter("always")
        soft = n2s.calibrate_denoiser(noisy, wavelet.function,
                                      {"sigma": np.round(sigmas, 3).tolist(), "mode": ["soft"]}, stride=STRIDE)
    soft_plain = n2s.psnr(clean, soft.denoiser(noisy))
    edge = " (on the edge of this grid: calibrate_denoiser warned)" if caught else ""
    print(f"soft, {label}: chosen sigma {soft.best_parameters['sigma']}{edge}, plain {soft_plain:.2f} dB "
          f"(default {rows['wavelet']['psnr_default']:.2f}, hard {rows['wavelet']['psnr_plain_calibrated']:.2f})")
assert soft_plain > rows["wavelet"]["psnr_default"] - 0.1

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 2: the J-invariant NL-means output of section 4.
loss = nlm["min_loss"]
for label, variance in (("estimated", variance_estimated), ("measured (oracle)", variance_measured),
                        ("nominal", SIGMA**2)):
    weight = n2s.mixing_weight(variance, loss)
    mixed = n2s.mix(noisy, nlm_invariant, weight=weight)
    print(f"{label:18s} v={variance:.5f} λ={weight:.3f} PSNR {n2s.psnr(clean, mixed):.3f} dB")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 3
coins = n2s.load_image("coins", size=128)
coins_noisy = n2s.add_noise(coins, sigma=SIGMA, rng=SEED)
coins_tv = n2s.calibrate_denoiser(coins_noisy, tv.function, tv.grid(coins_noisy), stride=STRIDE, clean=coins)
plotting.plot_calibration(coins_tv, "weight", title="total variation on coins")
plt.show()
picked, best = np.argmin(coins_tv.losses), np.argmin(coins_tv.ground_truth_losses)
print(f"coins: exact loss picks weight {tv.grid(coins_noisy)['weight'][picked]}, ground truth "
      f"{tv.grid(coins_noisy)['weight'][best]}")
assert abs(picked - best) <= 1
