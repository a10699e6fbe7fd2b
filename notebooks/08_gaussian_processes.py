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
# # 08 · The price of J-invariance, in closed form: Gaussian processes (paper Figure 4)
#
# A J-invariant denoiser may not look at the pixel it predicts. That is what lets the noisy image grade it
# (notebook 01), but it must cost something: the pixel's own noisy value is information. How much? For images drawn
# from a Gaussian process the question has an exact answer, because the best denoisers are linear and their errors
# are formulas. The paper's Figure 4 draws them for an RBF covariance with noise $\sigma = 0.5$: the price is steep
# for rough images and vanishes as the images get smoother. We derive both predictors, check them from scratch and
# by Monte Carlo, and redraw the figure.
#
# **Learning goals**
# - Write the optimal and the optimal J-invariant linear predictor of a pixel, and their expected errors.
# - Explain why the gap between them shrinks as the length scale grows.
# - Compute both errors from the diagonal of one matrix, $P = (K + \sigma^2 I)^{-1}$, and by FFT on a torus.
# - See the two denoisers on sampled images, and check the formulas against a Monte-Carlo estimate.

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
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import n2s_core as n2s
from n2s_core.paper import figure4
from n2s_core.paper import gaussian_process as gp
from n2s_core.teach import plotting, widgets

# %% slideshow={"slide_type": "skip"} tags=["parameters"]
SCALE = n2s.pick_scale()  # quick on a CPU, the paper's scale on a GPU; N2S_QUICK=1 or 0 overrides
print(SCALE)
QUICK = SCALE.quick
SIGMA = 0.5  # noise standard deviation (paper Figure 4)
LENGTH_SCALES = figure4.LENGTH_SCALES  # np.linspace(0.75, 3.5, 12, endpoint=False), the authors' notebook's grid
N_IMAGES = 100 if QUICK else 2000  # sampled noisy images per length scale for the Monte-Carlo check
SCRATCH_SIDE = 11  # torus of the from-scratch check: 121 pixels, so K is a 121 x 121 matrix
WIDGET_SIDE = 48  # torus of the interactive panel's images
SEED = 0

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Images from a Gaussian process
#
# Each clean image $y$ lives on an $n \times n$ torus (the edges wrap around, so every pixel is like every other).
# Its pixels are jointly Gaussian with mean 0, variance 1 and covariance
# $K_{ij} = \exp(-d_{ij}^2 / 2\ell^2)$, where $d_{ij}$ is the wrap-around distance: neighbours within about $\ell$
# pixels move together. The noisy image is $x = y + n$ with $n \sim \mathcal{N}(0, \sigma^2 I)$. Larger $\ell$ means
# smoother images.

# %% slideshow={"slide_type": "subslide"}
samples = {f"l = {scale:g}": gp.sample_gp(64, scale, rng=SEED)[0] for scale in (0.75, 1.5, 3.0)}
plotting.show_images({name: (image + 2.5) / 5 for name, image in samples.items()}, size=2.6)  # [-2.5, 2.5] shown
plt.show()


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Two linear predictors of the centre pixel
#
# For Gaussian signal and noise the best denoiser of pixel $c$ is linear, the conditional mean. Reading every pixel:
# $$\hat y_c = K_{c\cdot}(K + \sigma^2 I)^{-1} x, \qquad
# \text{MSE} = K_{cc} - K_{c\cdot}(K + \sigma^2 I)^{-1} K_{\cdot c}.$$
# The best J-invariant one reads every pixel but $c$ (write $o$ for "the others"):
# $$\hat y_c = K_{co}(K_{oo} + \sigma^2 I)^{-1} x_o, \qquad
# \text{MSE} = K_{cc} - K_{co}(K_{oo} + \sigma^2 I)^{-1} K_{oc}.$$
#
# ### From scratch
# Build $K$ for a small torus with numpy, solve both formulas at the centre pixel, and compare with the package,
# which computes them by FFT (the next section says how).

# %% slideshow={"slide_type": "skip"}
def scratch_mse(side, length_scale, sigma):
    rows, cols = np.divmod(np.arange(side * side), side)  # pixel k sits at (rows[k], cols[k])
    dr = np.abs(rows[:, None] - rows[None, :])
    dc = np.abs(cols[:, None] - cols[None, :])
    d2 = np.minimum(dr, side - dr) ** 2 + np.minimum(dc, side - dc) ** 2  # wrap-around distance squared
    K = np.exp(-d2 / (2 * length_scale**2))
    c = (side // 2) * side + side // 2  # the centre pixel
    o = np.arange(side * side) != c
    optimal = K[c, c] - K[c] @ np.linalg.solve(K + sigma**2 * np.eye(side * side), K[:, c])
    invariant = K[c, c] - K[c, o] @ np.linalg.solve(K[np.ix_(o, o)] + sigma**2 * np.eye(o.sum()), K[o, c])
    return optimal, invariant


for scale in (0.75, 1.5, 2.5):
    ours = scratch_mse(SCRATCH_SIDE, scale, SIGMA)
    package = gp.stationary_mse(scale, sigma=SIGMA, side=SCRATCH_SIDE)
    print(f"l = {scale}: from scratch {ours[0]:.5f} / {ours[1]:.5f}, package {package[0]:.5f} / {package[1]:.5f}")
    assert np.allclose(ours, package, atol=1e-10)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. One matrix gives both: the precision diagonal
#
# Write $P = (K + \sigma^2 I)^{-1}$, the precision matrix of the noisy image. Two identities turn both errors into
# its diagonal entry $P_{cc}$:
# - Optimal: since $K = (K + \sigma^2 I) - \sigma^2 I$, we get $K P K = K - \sigma^2 I + \sigma^4 P$, so
#   $\text{MSE} = \sigma^2 - \sigma^4 P_{cc}$.
# - J-invariant: $1/P_{cc}$ is the error of predicting the noisy $x_c$ from the others (a Schur complement). The
#   clean $y_c$ differs from $x_c$ by independent noise of variance $\sigma^2$, so $\text{MSE} = 1/P_{cc} - \sigma^2$.
#
# On a torus $K$ is circulant: its eigenvalues are the 2-D Fourier transform $S$ of one row, every pixel has the same
# $P_{cc} = \operatorname{mean}(1 / (S + \sigma^2))$, and both denoisers are convolutions. That is how the package
# evaluates Figure 4 in milliseconds.

# %% slideshow={"slide_type": "skip"}
side, scale = SCRATCH_SIDE, 1.5
K = gp.covariance_matrix(side, scale)
P = np.linalg.inv(K + SIGMA**2 * np.eye(side * side))
centre = (side // 2) * side + side // 2
by_precision = (SIGMA**2 - SIGMA**4 * P[centre, centre], 1 / P[centre, centre] - SIGMA**2)
print(f"l = {scale}: from P_cc {by_precision[0]:.5f} / {by_precision[1]:.5f}; "
      f"direct formulas {scratch_mse(side, scale, SIGMA)[0]:.5f} / {scratch_mse(side, scale, SIGMA)[1]:.5f}")
assert np.allclose(by_precision, scratch_mse(side, scale, SIGMA), atol=1e-10)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Figure 4: the price against the length scale
#
# Both expected errors for the paper's grid of length scales (torus side $\max(2\ell\sqrt{-2\ln 10^{-8}}, 32)$,
# rounded up to odd, so the kernel has died out before it wraps around), with a Monte-Carlo estimate beside each:
# sample noisy images, apply both denoisers to every pixel, average the squared errors.

# %% slideshow={"slide_type": "subslide"}
curve = figure4.figure4_curve(LENGTH_SCALES, sigma=SIGMA, n_images=N_IMAGES, rng=SEED)
figure4.plot_figure4(curve)
plt.show()

# %% slideshow={"slide_type": "skip"}
rows = ["| l | optimal | reference | J-invariant | reference | J-inv. / optimal |", "|---" * 6 + "|"]
for scale, (ref_opt, ref_inv) in figure4.PAPER_FIGURE4.items():
    i = int(np.argmin(np.abs(np.asarray(curve["length_scales"]) - scale)))
    opt, inv = curve["optimal"][i], curve["j_invariant"][i]
    rows.append(f"| {curve['length_scales'][i]:.2f} | {opt:.4f} | {ref_opt} | {inv:.4f} | {ref_inv} "
                f"| {inv / opt:.2f} |")
    assert abs(opt - ref_opt) < 6e-4 and abs(inv - ref_inv) < 6e-4  # the recipe's values, to their printed digits
display(Markdown("\n".join(rows)))
gaps = np.subtract(curve["j_invariant"], curve["optimal"])
assert np.all(np.diff(gaps) < 0)  # the price shrinks as the images get smoother
ratio = np.divide(curve["j_invariant"], curve["optimal"])
assert ratio[0] > 3 and ratio[-1] < 1.1  # the notes and the summary: three times at l = 0.75, under 10% at 3.27
worst_z = max(max(abs(m["optimal"] - o) / m["optimal_se"], abs(m["j_invariant"] - j) / m["j_invariant_se"])
              for m, o, j in zip(curve["monte_carlo"], curve["optimal"], curve["j_invariant"], strict=True))
print(f"gap at l = {LENGTH_SCALES[0]:.2f}: {gaps[0]:.4f}; at l = {LENGTH_SCALES[-1]:.2f}: {gaps[-1]:.4f}. "
      f"Monte Carlo ({N_IMAGES} images per l) within {worst_z:.2f} standard errors of the closed form")
assert worst_z < 4

# %% [markdown] slideshow={"slide_type": "notes"}
# The paper shows this figure without numbers; the reference column is the recipe's formulas evaluated, which ours
# match to their printed digits. At $\ell = 0.75$ leaving the centre out triples the error: neighbours a pixel away
# are already nearly independent of it. At $\ell = 3.3$ the J-invariant error is only 9% above the optimal one.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. The two denoisers on whole images
#
# One sample per length scale, its noisy copy and both denoised images (64 x 64 torus). The J-invariant filter is
# the optimal one with its centre tap removed and the rest re-weighted; at $\ell = 1$ you can see it is blurrier.

# %% slideshow={"slide_type": "subslide"}
examples = figure4.figure4_examples(figure4.EXAMPLE_LENGTH_SCALES, sigma=SIGMA, rng=SEED)
figure4.plot_figure4(curve, examples)
plt.show()


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Try it: length scale and noise level
#
# Move $\ell$ and $\sigma$: the readout gives both expected errors and their ratio, and the panel shows one sample
# denoised both ways. Rough images and low noise make J-invariance expensive; smooth images or strong noise make it
# nearly free, because then the centre's own value says little that its neighbours do not.

# %% slideshow={"slide_type": "skip"}
def draw(length_scale=1.5, sigma=SIGMA):
    optimal, invariant = gp.stationary_mse(length_scale, sigma=sigma)
    example = figure4.figure4_examples([length_scale], side=WIDGET_SIDE, sigma=sigma, rng=SEED)
    images = next(iter(example.values()))
    plotting.show_images({name: np.clip((image + 2.5) / 5, 0, 1) for name, image in images.items()}, size=2.3)
    return f"optimal={optimal:.4f} J-invariant={invariant:.4f} ratio={invariant / optimal:.2f}"


# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
widgets.interactive_panel(draw, length_scale=widgets.float_slider("length l", 1.5, 0.5, 4.0, 0.25),
                          sigma=widgets.float_slider("sigma", SIGMA, 0.1, 1.5, 0.1))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - For Gaussian images the best denoiser and the best J-invariant one are both linear, and their errors are
#   $\sigma^2 - \sigma^4 P_{cc}$ and $1/P_{cc} - \sigma^2$ with $P = (K + \sigma^2 I)^{-1}$.
# - The price of J-invariance is large for rough images (the centre carries information its neighbours lack) and
#   shrinks as the length scale grows: at the paper's noise level it falls from about three times the optimal
#   error to under 10% above it across Figure 4's range.
# - Monte Carlo agrees with the closed form within a few standard errors, and a from-scratch matrix computation
#   agrees with the package's FFT to machine precision.
#
# ## Exercises
#
# 1. Fix $\ell = 1.5$ and vary $\sigma$ over `[0.05, 0.1, 0.2, 0.5, 1, 2]`. How does the ratio J-invariant /
#    optimal move, and why?
# 2. Get both filters themselves: denoise an image that is 1 at one pixel and 0 elsewhere with
#    `gp.denoise_gp`. Check that the J-invariant filter's centre tap is zero. Compare the sums of the taps
#    (the gain each filter applies to a flat image): which one shrinks more?
# 3. Verify the Monte-Carlo claim yourself at $\ell = 2$: sample 300 noisy images with `gp.sample_gp`, denoise
#    them, and compare the mean squared error with `gp.stationary_mse` in units of its standard error.

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 1: at low noise the centre's own value is the best witness of y_c, so leaving it out costs most; at high
# noise every pixel is a weak witness and the centre is one of many, so the ratio falls towards 1 (both errors then
# approach the prior variance 1). As sigma -> 0 both errors vanish (an RBF image is predictable from its clean
# neighbours), so the ratio stays finite.
sigmas = [0.05, 0.1, 0.2, 0.5, 1, 2]
ratios = [np.divide(*gp.stationary_mse(1.5, sigma=s)[::-1]) for s in sigmas]
print(" | ".join(f"sigma {s}: {r:.2f}" for s, r in zip(sigmas, ratios, strict=True)))
assert np.all(np.diff(ratios) < 0) and ratios[-1] < 1.15

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 2
impulse = np.zeros((33, 33))
impulse[16, 16] = 1.0
optimal_filter, invariant_filter = gp.denoise_gp(impulse, 1.5, sigma=SIGMA)
print(f"centre taps: optimal {optimal_filter[16, 16]:.4f}, J-invariant {invariant_filter[16, 16]:.1e}; "
      f"sums {optimal_filter.sum():.4f} and {invariant_filter.sum():.4f}")
assert abs(invariant_filter[16, 16]) < 1e-12 and optimal_filter[16, 16] > 0.1

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 3
rng = np.random.default_rng(1)
clean_images = gp.sample_gp(33, 2.0, n=300, rng=rng)
noisy_images = clean_images + SIGMA * rng.standard_normal(clean_images.shape)
denoised = gp.denoise_gp(noisy_images, 2.0, sigma=SIGMA)
expected = gp.stationary_mse(2.0, sigma=SIGMA, side=33)
for name, image, value in zip(("optimal", "J-invariant"), denoised, expected, strict=True):
    per_image = ((image - clean_images) ** 2).mean(axis=(1, 2))
    z = (per_image.mean() - value) / (per_image.std(ddof=1) / np.sqrt(len(per_image)))
    print(f"{name}: measured {per_image.mean():.4f}, expected {value:.4f}, z = {z:+.2f}")
    assert abs(z) < 4
