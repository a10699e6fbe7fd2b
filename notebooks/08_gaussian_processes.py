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
# A J-invariant denoiser may not look at the pixel it predicts: that lets the noisy image grade it (notebook 01),
# and notebook 03 saw it cost quality. How much must it cost? Whatever the pixel's own noisy value knows that its
# neighbours do not: much for rough images, little for smooth ones. For Gaussian images the best denoisers are
# linear, so the price is a formula (paper §4.1, Figure 4).
#
# **Prerequisites:** notebooks 01 and 03; conditional means of jointly Gaussian variables; matrix inverses.
#
# **Time:** one 50-minute lecture: predictors 10 min, precision matrix 10 min, Figure 4 and small noise 15 min,
# images 5 min, exercises 10 min.
#
# **Learning goals**
# - Write the optimal and the optimal J-invariant linear denoiser of a pixel, and their expected errors.
# - Get both errors from one diagonal entry of the precision matrix.
# - Explain why the price of J-invariance shrinks as the length scale grows, and explodes as the noise vanishes.

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["ko"]
# **한국어 · 학습 목표**
# - 한 픽셀의 최적 선형 잡음 제거기와 최적 J-불변 선형 잡음 제거기를 쓰고, 각각의 기대 오차를 구한다.
# - 두 오차를 정밀도 행렬의 대각 원소 하나로 구한다.
# - 길이 척도가 커질수록 J-불변의 대가가 줄어드는 이유와, 잡음이 사라질 때 그 대가가 한없이 커지는 이유를 설명한다.

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
                    "git+https://github.com/n2s-workbook/noise2self-workbook@v0.1.0"], check=True)

# %% slideshow={"slide_type": "skip"}
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import n2s_core as n2s
from n2s_core.paper import figure4
from n2s_core.paper import gaussian_process as gp
from n2s_core.teach import exercises, plotting, widgets

THREADS = n2s.size_thread_pools()  # every thread pool sized to the CPUs this process may use (docs/platforms.md)

# %% slideshow={"slide_type": "skip"} tags=["parameters"]
SCALE = n2s.pick_scale()  # quick on a CPU, the paper's scale on a GPU; N2S_QUICK=1 or 0 overrides
print(SCALE)
QUICK = SCALE.quick
SIGMA = 0.5  # noise standard deviation (paper Figure 4)
LENGTH_SCALES = figure4.LENGTH_SCALES  # np.linspace(0.75, 3.5, 12, endpoint=False), the authors' notebook's grid
N_IMAGES = 100 if QUICK else 2000  # sampled noisy images per length scale for the Monte-Carlo check
SCRATCH_SIDE = 11  # torus of the from-scratch check: 121 pixels, so K is a 121 x 121 matrix
LIMIT_SCALE = 1.5  # length scale of the small-noise limit (section 5)
LIMIT_SIGMAS = (2.0, 1.0, 0.5, 0.1, 0.01, 1e-3, 1e-4, 1e-5)  # noise levels of section 5, falling
WIDGET_SIDE = 48  # torus of the interactive panel's images
SEED = 0

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Images from a Gaussian process
#
# A *Gaussian process* image has jointly Gaussian pixels. Here a clean image $y$ has $m$ pixels on a torus (edges
# wrap around), mean 0 and covariance $K_{ij} = \exp(-d_{ij}^2 / 2\ell^2)$, $d_{ij}$ the wrap-around distance:
# pixels closer than about the *length scale* $\ell$ move together. The noisy image is $x = y + n$,
# $n \sim \mathcal{N}(0, \sigma^2 I)$.

# %% slideshow={"slide_type": "subslide"}
samples = {f"l = {scale:g}": gp.sample_gp(64, scale, rng=SEED)[0] for scale in (0.75, 1.5, 3.0)}
plotting.show_images({name: (image + 2.5) / 5 for name, image in samples.items()}, size=2.6)  # [-2.5, 2.5] shown
plt.show()


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Two linear predictors of the centre pixel
#
# For Gaussian signal and noise the denoiser with the least mean squared error (MSE) is the conditional mean, a
# linear map. Reading every pixel:
# $$\hat y_c = K_{c\cdot}(K + \sigma^2 I)^{-1} x, \qquad
# \text{MSE} = K_{cc} - K_{c\cdot}(K + \sigma^2 I)^{-1} K_{\cdot c}.$$
# The best J-invariant one reads the others, $o$, only:
# $$\hat y_c = K_{co}(K_{oo} + \sigma^2 I)^{-1} x_o, \qquad
# \text{MSE} = K_{cc} - K_{co}(K_{oo} + \sigma^2 I)^{-1} K_{oc}.$$
# Below: both with numpy on a small torus, against the package (which uses the FFT).

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
# The *precision matrix* $P = (K + \sigma^2 I)^{-1}$ (inverse covariance of $x$) gives both errors from $P_{cc}$:
# - Optimal: $K = (K + \sigma^2 I) - \sigma^2 I$ gives $K P K = K - \sigma^2 I + \sigma^4 P$, so
#   $\text{MSE} = \sigma^2 - \sigma^4 P_{cc}$.
# - J-invariant: $1/P_{cc}$ is the variance left in $x_c$ after its best prediction from the others (exercise 1).
#   $y_c$ differs from $x_c$ by independent noise of variance $\sigma^2$, so $\text{MSE} = 1/P_{cc} - \sigma^2$.
#
# On a torus $K$ is circulant: with $S$ the 2-D Fourier transform of one row, $P_{cc} = \operatorname{mean}(1 / (S +
# \sigma^2))$ at every pixel, and both denoisers are convolutions, computed by FFT.

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
# Both expected errors at the paper's $\sigma = 0.5$, with Monte-Carlo estimates (sampled images, denoised, squared
# errors averaged).

# %% slideshow={"slide_type": "subslide"}
curve = figure4.figure4_curve(LENGTH_SCALES, sigma=SIGMA, n_images=N_IMAGES, rng=SEED)
figure4.plot_figure4(curve)
plt.show()

# %% slideshow={"slide_type": "skip"}
gaps = np.subtract(curve["j_invariant"], curve["optimal"])
ratio = np.divide(curve["j_invariant"], curve["optimal"])
worst_z = max(max(abs(m["optimal"] - o) / m["optimal_se"], abs(m["j_invariant"] - j) / m["j_invariant_se"])
              for m, o, j in zip(curve["monte_carlo"], curve["optimal"], curve["j_invariant"], strict=True))
ratio_limit_scale = np.divide(*gp.stationary_mse(LIMIT_SCALE, sigma=SIGMA)[::-1])
print(f"J-invariant / optimal error: {ratio[0]:.2f} at l = {LENGTH_SCALES[0]:.2f}, {ratio[-1]:.2f} at "
      f"l = {LENGTH_SCALES[-1]:.2f} ({ratio_limit_scale:.2f} at l = {LIMIT_SCALE}, used next). Monte Carlo "
      f"({N_IMAGES} images per l) within {worst_z:.2f} standard errors of the closed form")
assert np.all(np.diff(gaps) < 0)  # the price shrinks as the images get smoother
assert ratio[0] > 3 and ratio[-1] < 1.1  # What to remember: three times at l = 0.75, under 10% above at 3.27
assert worst_z < 4

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. When the noise vanishes
#
# Fix $\ell = 1.5$ and let $\sigma$ fall towards 0. Both errors fall; does their ratio settle?

# %% slideshow={"slide_type": "subslide"} tags=["predict", "slide-code"]
prediction = None  # Predict before running the next cell: at l = 1.5, the ratio J-invariant / optimal error at
# sigma = 0.001 (section 4 printed it at sigma = 0.5).

# %% slideshow={"slide_type": "subslide"}
errors = np.array([gp.stationary_mse(LIMIT_SCALE, sigma=s) for s in LIMIT_SIGMAS])  # (len(LIMIT_SIGMAS), 2)
limit_ratio = errors[:, 1] / errors[:, 0]
limit_side = gp.torus_side(LIMIT_SCALE)  # the torus stationary_mse uses
centre_pixel = limit_side**2 // 2
conditional_variance = 1 / np.linalg.inv(gp.covariance_matrix(limit_side, LIMIT_SCALE))[centre_pixel, centre_pixel]
print("sigma    optimal   optimal/sigma^2  J-invariant  ratio")
for s, (opt, inv), r in zip(LIMIT_SIGMAS, errors, limit_ratio, strict=True):
    print(f"{s:<8g} {opt:.3e}  {opt / s**2:.4f}           {inv:.3e}    {r:,.2f}")
print(f"Var(y_c | y_o) = 1 / (K^-1)_cc = {conditional_variance:.3e} (dense inverse of K, m = {limit_side**2})")
assert np.all(np.diff(limit_ratio) > 0)  # the ratio grows at every step down in sigma ...
assert limit_ratio[LIMIT_SIGMAS.index(2.0)] < 1.15  # ... and strong noise makes J-invariance cheap
assert errors[-1, 0] / LIMIT_SIGMAS[-1] ** 2 > 0.99  # the optimal error falls like sigma^2
assert np.all(errors[:, 1] >= conditional_variance) and abs(errors[-1, 1] / conditional_variance - 1) < 0.01
exercises.reveal(prediction, round(float(limit_ratio[LIMIT_SIGMAS.index(1e-3)]), 1), tolerance=5,
                 what="the ratio at l = 1.5, sigma = 0.001")

# %% [markdown] slideshow={"slide_type": "subslide"}
# It diverges. The optimal denoiser may read $x_c$, so its error is at most $\sigma^2$ and falls like $\sigma^2$.
# The J-invariant one at best predicts $y_c$ from the clean others, so its error stops at the *conditional variance*
# $\operatorname{Var}(y_c \mid y_o) = 1/(K^{-1})_{cc} > 0$: tiny for such smooth images, but not zero.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. The two denoisers on whole images
#
# One sample per length scale, its noisy copy and both denoised images, with their MSEs.

# %% slideshow={"slide_type": "subslide"}
examples = figure4.figure4_examples(figure4.EXAMPLE_LENGTH_SCALES, sigma=SIGMA, rng=SEED)
figure4.plot_figure4(curve, examples)
plt.show()


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Try it: length scale and noise level
#
# The readout gives both expected errors and their ratio. Rough images and faint noise make J-invariance
# expensive; smooth images or strong noise make it cheap.

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
# ## What to remember
#
# - For Gaussian images the best denoiser and the best J-invariant one are linear; with the precision matrix $P$
#   their errors are $\sigma^2 - \sigma^4 P_{cc}$ and $1/P_{cc} - \sigma^2$.
# - The price of J-invariance is what a pixel's own value knows beyond its neighbours: at $\sigma = 0.5$, three
#   times the optimal error at $\ell = 0.75$, under 10% above it at $\ell = 3.27$.
# - It is unbounded: as $\sigma \to 0$ the optimal error falls like $\sigma^2$, the J-invariant one stops at the
#   conditional variance of $y_c$ given the others.
#
# **Where it comes back:** 09 measures this price for an alphabet of templates, where the best denoiser is not
# linear; in 10, Noise2Same trades strict J-invariance for a penalty.

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["ko"]
# **한국어 · 기억할 것**
# - 가우시안 영상에서는 최적 잡음 제거기와 최적 J-불변 잡음 제거기가 모두 선형이다. 정밀도 행렬 $P$로 두 오차는
#   $\sigma^2 - \sigma^4 P_{cc}$와 $1/P_{cc} - \sigma^2$이다.
# - J-불변의 대가는 픽셀 자신의 값이 이웃보다 더 아는 만큼이다. $\sigma = 0.5$에서 $\ell = 0.75$이면 최적 오차의
#   세 배, $\ell = 3.27$이면 10% 미만이다.
# - 대가에는 상한이 없다. $\sigma \to 0$이면 최적 오차는 $\sigma^2$처럼 줄지만, J-불변 오차는 나머지 픽셀이
#   주어졌을 때 $y_c$의 조건부 분산에서 멈춘다.
#
# **다시 나오는 곳:** 09는 같은 대가를 최적 잡음 제거기가 선형이 아닌 템플릿 알파벳에서 잰다. 10의 Noise2Same은
# 엄격한 J-불변 대신 벌점을 쓴다.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# 1. (derive) Show that for any invertible covariance $C$, $C_{cc} - C_{co} C_{oo}^{-1} C_{oc} = 1/(C^{-1})_{cc}$
#    (invert $C$ in blocks). Write `loo_variance(cov)`: this for every coordinate, from one inverse.
# 2. (code) Denoise a 33 x 33 image that is 1 at (16, 16), 0 elsewhere, with `gp.denoise_gp` ($\ell = 1.5$): the
#    outputs `optimal_filter`, `invariant_filter` are the filters. Compare their centre taps, other taps and sums.
# 3. (code) At $\ell = 2$, sample 300 images on a 33 x 33 torus, add noise, denoise both ways; store both MSEs in
#    `measured`. How many standard errors are they from `gp.stationary_mse`?

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 1 (derive): the leave-one-out variance is 1 / (C^-1)_cc
# Order the coordinates as (c, o): C = [[a, b^T], [b, D]]. Block inversion gives (C^-1)_cc = 1 / (a - b^T D^-1 b),
# and a - b^T D^-1 b is the residual variance of coordinate c after regressing it on the others (weights D^-1 b).
def loo_variance(cov):
    return 1 / np.diag(np.linalg.inv(cov))


# The check: a covariance that is not stationary (50 samples' covariance plus noise of variance 0.1), against the
# Schur complement as gp.direct_mse solves it for each coordinate (noisy variance = clean residual + noise).
assert np.allclose(loo_variance((test_cov := np.cov(gp.sample_gp(5, 1.0, n=50, rng=1).reshape(50, 25), rowvar=False))
                                + 0.1 * np.eye(25)),
                   list(map(lambda i: gp.direct_mse(test_cov, 0.1**0.5, index=i)[1] + 0.1, range(25)))), \
    "loo_variance must give, for each coordinate, the variance left after regressing it on all the others"

# %% [raw] slideshow={"slide_type": "skip"} tags=["wrong-answer"]
# def loo_variance(cov):
#     return np.diag(np.linalg.inv(cov))

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 2 (code): the filters are the two denoisers' responses to an impulse
impulse = np.zeros((33, 33))
impulse[16, 16] = 1.0
optimal_filter, invariant_filter = gp.denoise_gp(impulse, 1.5, sigma=SIGMA)
print(f"centre taps: optimal {optimal_filter[16, 16]:.4f}, J-invariant {invariant_filter[16, 16]:.1e}; "
      f"sums {optimal_filter.sum():.4f} and {invariant_filter.sum():.4f}")
# The J-invariant filter is the optimal one with its centre tap set to 0 and every other tap scaled up by one common
# factor, 1 / (sigma^2 P_cc) (both are x minus a multiple of P x). It sums to less: it shrinks a flat image more.
print(f"off-centre taps: J-invariant / optimal = {invariant_filter[16, 17] / optimal_filter[16, 17]:.4f} everywhere")
assert abs(invariant_filter[16, 16]) < 1e-12 and optimal_filter[16, 16] > 0.1, \
    "the J-invariant filter must have a zero centre tap, the optimal one a large positive one"
assert np.allclose(invariant_filter * np.pad(np.zeros((1, 1)), 16, constant_values=1),  # every tap but the centre
                   invariant_filter[16, 17] / optimal_filter[16, 17] * optimal_filter
                   * np.pad(np.zeros((1, 1)), 16, constant_values=1)), \
    "away from the centre the two filters must be proportional"
assert invariant_filter.sum() < optimal_filter.sum(), "the J-invariant filter must shrink a flat image more"
assert np.allclose(np.fft.ifft2(np.fft.fft2(gp.sample_gp(33, 1.5, rng=2)[0])
                                * np.fft.fft2(np.roll(invariant_filter, (-16, -16), axis=(0, 1)))).real,
                   gp.denoise_gp(gp.sample_gp(33, 1.5, rng=2)[0], 1.5, sigma=SIGMA)[1]), \
    "convolving an image with invariant_filter must reproduce the J-invariant denoiser"

# %% [raw] slideshow={"slide_type": "skip"} tags=["wrong-answer"]
# impulse = np.zeros((33, 33))
# impulse[16, 16] = 1.0
# invariant_filter, optimal_filter = gp.denoise_gp(impulse, 1.5, sigma=SIGMA)

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 3 (code): Monte Carlo against the closed form at l = 2
rng = np.random.default_rng(1)
clean_images = gp.sample_gp(33, 2.0, n=300, rng=rng)
noisy_images = clean_images + SIGMA * rng.standard_normal(clean_images.shape)
per_image = [((image - clean_images) ** 2).mean(axis=(1, 2)) for image in gp.denoise_gp(noisy_images, 2.0,
                                                                                        sigma=SIGMA)]
measured = [float(errors.mean()) for errors in per_image]
for name, errors, value in zip(("optimal", "J-invariant"), per_image, gp.stationary_mse(2.0, sigma=SIGMA, side=33),
                               strict=True):
    z = (errors.mean() - value) / (errors.std(ddof=1) / np.sqrt(len(errors)))
    print(f"{name}: measured {errors.mean():.4f}, expected {value:.4f}, z = {z:+.2f}")
assert np.allclose(measured, gp.stationary_mse(2.0, sigma=SIGMA, side=33), rtol=0.03), \
    "measured must hold the two MSEs against the clean images, each within a few standard errors of the closed form"

# %% [raw] slideshow={"slide_type": "skip"} tags=["wrong-answer"]
# rng = np.random.default_rng(1)
# clean_images = gp.sample_gp(33, 2.0, n=300, rng=rng)
# noisy_images = clean_images + SIGMA * rng.standard_normal(clean_images.shape)
# measured = [float(((image - noisy_images) ** 2).mean()) for image in gp.denoise_gp(noisy_images, 2.0, sigma=SIGMA)]

# %% [markdown] slideshow={"slide_type": "skip"}
# ## For the reproducer
#
# - The paper's Figure 4 shows curves without numbers. The reference values below (`figure4.PAPER_FIGURE4`) are the
#   recipe's closed-form formulas evaluated, not numbers read off the paper; ours match them to their printed digits.
# - Torus side: $\max(2\ell\sqrt{-2\ln 10^{-8}}, 32)$, rounded up to odd, so the kernel is below $10^{-8}$ before it
#   wraps around: 33 for $\ell \le 2.58$, as in the paper's text; the authors' notebook used 21.
# - The recipe's matrix formulas at the centre pixel (`curve["direct"]`) agree with the FFT to round-off.
# - Monte Carlo: `N_IMAGES` images per length scale (100 quick, 2000 full), seeded by `SEED`; the standard error is
#   over images, since the pixels of one image are correlated.

# %% slideshow={"slide_type": "skip"}
rows = ["| l | torus side | optimal | reference | J-invariant | reference | J-inv. / optimal |", "|---" * 7 + "|"]
for scale, (ref_opt, ref_inv) in figure4.PAPER_FIGURE4.items():
    i = int(np.argmin(np.abs(np.asarray(curve["length_scales"]) - scale)))
    opt, inv = curve["optimal"][i], curve["j_invariant"][i]
    rows.append(f"| {curve['length_scales'][i]:.2f} | {curve['sides'][i]} | {opt:.4f} | {ref_opt} | {inv:.4f} "
                f"| {ref_inv} | {inv / opt:.2f} |")
    assert abs(opt - ref_opt) < 6e-4 and abs(inv - ref_inv) < 6e-4  # the recipe's values, to their printed digits
display(Markdown("\n".join(rows)))
direct_gap = max(np.max(np.abs(np.subtract(curve["direct"][key], curve[key]))) for key in ("optimal", "j_invariant"))
print(f"matrix formulas vs FFT at the centre pixel: largest difference {direct_gap:.1e}")
assert direct_gap < 1e-8
