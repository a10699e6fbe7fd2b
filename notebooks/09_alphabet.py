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
# # 09 · The price of J-invariance, measured: an alphabet of templates (paper Figure 5)
#
# Notebook 08 priced J-invariance for Gaussian images, where the best denoiser is linear. Real images are not
# Gaussian: they have structure a linear filter cannot use. The paper's second example is the opposite extreme, a
# signal that is always one of a few known templates (an "alphabet"). Then the best denoiser asks "which template is
# this?" and answers with a posterior-weighted average. Does hiding a pixel from it cost much? Here it is measured
# over many noisy samples, beside the Gaussian with the same mean and covariance as the templates.
#
# **Substitute:** the paper used 30 MNIST digits at 16x16. Nothing here downloads, so the templates are 30 glyphs of
# the package's shipped Hanzi bank, reduced to 16x16. Absolute errors differ from the paper's; the comparison does
# not depend on which templates are used.
#
# **Learning goals**
# - Write the Bayes-optimal denoiser for a finite alphabet and Gaussian noise, and its J-invariant version.
# - Check J-invariance by perturbing the held-out pixels.
# - Measure the price of J-invariance against the noise level, with error bars, and compare it with the Gaussian
#   model's price in closed form.
# - See that a model that knows the structure beats the best linear denoiser by far.

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

import n2s_core as n2s
from n2s_core.paper import figure5
from n2s_core.teach import plotting, widgets

# %% slideshow={"slide_type": "skip"} tags=["parameters"]
SCALE = n2s.pick_scale()  # quick on a CPU, the paper's scale on a GPU; N2S_QUICK=1 or 0 overrides
print(SCALE)
QUICK = SCALE.quick
N_TEMPLATES = 30  # the paper's alphabet size
SIGMAS = figure5.SIGMAS  # np.arange(0.1, 1.5, 0.1), the authors' notebook's grid
N_SAMPLES = 150 if QUICK else 500  # noisy samples per sigma (paper: 500; sample k is template k mod 30)
N_SUBSETS = 100  # the random partition of the J-invariant version (the authors' notebook)
WIDGET_SAMPLES = 60  # noisy samples per redraw of the panel
SEED = 0

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The alphabet
#
# Thirty glyphs (substitute: 30 Hanzi glyphs at 16x16, not MNIST digits), each a 16x16 image in $[0, 1]$. A clean
# signal is one of them, chosen uniformly; the noise is Gaussian with standard deviation $\sigma$, not clipped.

# %% slideshow={"slide_type": "subslide"}
characters, templates = figure5.load_templates(N_TEMPLATES, rng=SEED)
plotting.show_images({str(i): t for i, t in enumerate(templates)}, ncols=10, size=1.1)  # titles: the index
plt.show()
print("the characters, in order:", " ".join(characters))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The Bayes-optimal denoiser
#
# With a uniform prior over the templates $a_1, \dots, a_N$, the posterior probability of template $i$ given the
# noisy $x$ is proportional to the Gaussian likelihood, and the best estimate (in mean squared error) is the
# posterior mean:
# $$w_i(x) \propto \exp\!\Big(-\frac{\|x - a_i\|^2}{2\sigma^2}\Big), \qquad f(x) = \sum_i w_i(x)\, a_i.$$
# Its J-invariant version computes the weights from the pixels outside $J$ only, and keeps its output on $J$:
# $w_i^J(x) \propto \exp(-\|x_{J^c} - a_{i,J^c}\|^2 / 2\sigma^2)$, over a random partition into 100 subsets.
#
# ### From scratch
# The weights for one noisy sample, with the usual guard: subtract the smallest distance before exponentiating,
# or $e^{-500}$ underflows to zero for every template.

# %% slideshow={"slide_type": "skip"}
rng = np.random.default_rng(SEED)
sigma = 0.8
clean = templates[7]
noisy = clean + sigma * rng.standard_normal(clean.shape)
distances = ((noisy[None] - templates) ** 2).sum(axis=(1, 2))  # (N,) squared distance to each template
weights = np.exp(-(distances - distances.min()) / (2 * sigma**2))
weights /= weights.sum()
ours = np.tensordot(weights, templates, axes=1)  # (16, 16)
package = figure5.bayes_denoise(noisy, templates, sigma)
print(f"posterior of the true template: {weights[7]:.3f}; largest other: {np.delete(weights, 7).max():.3f}")
print(f"from scratch vs package: max difference {np.abs(ours - package).max():.1e}")
assert np.allclose(ours, package) and np.isclose(weights.sum(), 1)

# %% [markdown] slideshow={"slide_type": "subslide"}
# **J-invariance, checked.** Change the noisy pixels of one subset $J$ as much as you like: the J-invariant output on
# $J$ must not move, because its weights there never read $x_J$. The plain Bayes output, which reads them, jumps to
# another template.

# %% slideshow={"slide_type": "skip"}
labels = n2s.random_labels(clean.shape, n_subsets=N_SUBSETS, rng=SEED)
held_out = labels == 3
kicked = noisy + held_out * 30 * (templates[0] - clean)  # a wild change on J only, pulling x_J towards template 0
before = figure5.bayes_denoise_invariant(noisy, templates, sigma, labels=labels)
after = figure5.bayes_denoise_invariant(kicked, templates, sigma, labels=labels)
plain_moves = np.abs(figure5.bayes_denoise(kicked, templates, sigma) - package)[held_out].max()
print(f"{held_out.sum()} pixels in J: J-invariant output there moved by {np.abs(after - before)[held_out].max():.1e}; "
      f"the plain Bayes output moved by {plain_moves:.2f}")
assert np.allclose(after[held_out], before[held_out]) and plain_moves > 1e-3

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Figure 5: the error against the noise level
#
# For each $\sigma$, the mean squared error per pixel over many noisy samples, with a band of $\pm 2$ standard
# errors, for both denoisers. Beside them, in closed form (notebook 08's formulas with the templates' mean and
# covariance, rank $\le 29$): the best linear denoiser and its J-invariant (leave-one-pixel-out) version.

# %% slideshow={"slide_type": "subslide"}
curves = figure5.figure5_curves(templates, SIGMAS, n_samples=N_SAMPLES, n_subsets=N_SUBSETS, rng=SEED)
examples = figure5.figure5_examples(templates, sigma=figure5.EXAMPLE_SIGMA, n_subsets=N_SUBSETS, rng=SEED)
figure5.plot_figure5(curves, examples)
plt.show()

# %% slideshow={"slide_type": "skip"}
bayes = np.array([point["mse"] for point in curves["bayes"]])
price = np.array([point["mse"] for point in curves["difference"]])
gp_price = np.subtract(curves["gp_j_invariant"], curves["gp"])
at = SIGMAS.index(figure5.EXAMPLE_SIGMA)
print(f"sigma {SIGMAS[at]}: Bayes {bayes[at]:.4f}, J-invariant {bayes[at] + price[at]:.4f} (price {price[at]:.4f}); "
      f"best linear {curves['gp'][at]:.4f}, J-invariant linear {curves['gp_j_invariant'][at]:.4f} "
      f"(price {gp_price[at]:.4f})")
assert np.all(bayes < np.asarray(curves["gp"]))  # knowing the structure beats the best linear denoiser everywhere
assert np.all(price >= -1e-12) and price[at] < gp_price[at]  # J-invariance costs the alphabet less, at sigma 0.8


# %% [markdown] slideshow={"slide_type": "notes"}
# With these glyphs the Bayes denoiser is all but perfect up to $\sigma \approx 0.5$: 256 pixels identify one of 30
# very different shapes even through heavy noise. MNIST digits are more alike, so the paper's curves rise from the
# start; the ordering of the four curves is what carries over.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Try it: noise level and alphabet size
#
# Move $\sigma$ and the number of templates (a different number draws a different set of glyphs). The readout gives
# the measured errors over a few noisy samples and the Gaussian's in closed form; the images are one sample.

# %% slideshow={"slide_type": "skip"}
@functools.lru_cache(maxsize=8)
def alphabet(n_templates):
    return figure5.load_templates(n_templates, rng=SEED)[1]


def draw(sigma=0.8, n_templates=N_TEMPLATES):
    chosen = alphabet(n_templates)
    curve = figure5.figure5_curves(chosen, (sigma,), n_samples=WIDGET_SAMPLES, n_subsets=N_SUBSETS, rng=SEED)
    images = next(iter(figure5.figure5_examples(chosen, sigma=sigma, indices=(0,), rng=SEED).values()))
    plotting.show_images({name: np.clip(image, 0, 1) for name, image in images.items()}, size=2.0)
    return (f"Bayes={curve['bayes'][0]['mse']:.4f} J-invariant={curve['j_invariant'][0]['mse']:.4f} "
            f"linear={curve['gp'][0]:.4f} J-inv.linear={curve['gp_j_invariant'][0]:.4f}")


# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
widgets.interactive_panel(draw, sigma=widgets.float_slider("sigma", 0.8, 0.1, 1.5, 0.1),
                          n_templates=widgets.choice_slider("templates", [5, 10, 30, 60, 120], N_TEMPLATES))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - For an alphabet the best denoiser is the posterior mean over the templates; its J-invariant version weighs the
#   templates by the pixels outside $J$ only, and its output on $J$ provably ignores $x_J$ (checked above).
# - It beats the best linear denoiser (the Gaussian with the same mean and covariance) at every noise level.
# - The price of J-invariance is measured, with error bars: at $\sigma = 0.8$ it is smaller for the alphabet than
#   for the linear model. When the signal has strong structure, the other pixels already say which template it is.
#
# ## Exercises
#
# 1. The J-invariant version above uses 100 subsets. Measure its price at $\sigma = 0.8$ with 4, 25 and 256 subsets
#    (256 = leave one pixel out). Which way does it move, and why?
# 2. More templates are easier to confuse. Measure the Bayes MSE at $\sigma = 0.8$ with 30 and with 120 templates.
# 3. Notebook 01's identity holds here too: for the J-invariant denoiser, the self-supervised loss
#    $\|f(x) - x\|^2$ per pixel should equal its MSE plus $\sigma^2$. Check it on 300 samples at $\sigma = 0.8$.

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 1: fewer, larger subsets hide more of the image from the weights, so the price rises.
prices = {}
for n_subsets in (4, 25, 256):
    result = figure5.figure5_curves(templates, (0.8,), n_samples=N_SAMPLES, n_subsets=n_subsets, rng=SEED)
    prices[n_subsets] = result["difference"][0]["mse"]
print(" | ".join(f"{n} subsets: price {p:.5f}" for n, p in prices.items()))
assert prices[4] > prices[256]

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 2
mse_by_size = {n: figure5.figure5_curves(alphabet(n), (0.8,), n_samples=N_SAMPLES, rng=SEED)["bayes"][0]["mse"]
               for n in (30, 120)}
print(" | ".join(f"{n} templates: Bayes MSE {m:.5f}" for n, m in mse_by_size.items()))
assert mse_by_size[120] > mse_by_size[30]

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 3
rng = np.random.default_rng(2)
cleans = templates[np.arange(300) % N_TEMPLATES]
noisies = cleans + 0.8 * rng.standard_normal(cleans.shape)
outputs = figure5.bayes_denoise_invariant(noisies, templates, 0.8, labels=labels)
self_supervised = ((outputs - noisies) ** 2).mean()
mse = ((outputs - cleans) ** 2).mean()
print(f"self-supervised {self_supervised:.4f} = MSE {mse:.4f} + sigma^2 {0.8**2:.4f} "
      f"(off by {self_supervised - mse - 0.8**2:+.4f})")
assert abs(self_supervised - mse - 0.8**2) < 0.01
