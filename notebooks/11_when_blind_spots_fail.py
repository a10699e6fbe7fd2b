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
# # 11 · When blind spots fail: checkerboards, correlated noise, and what a PSNR means
#
# Two failures users of blind-spot denoisers report most, each with its cause and its fix beside it, measured:
# a **checkerboard** painted into the output by the net's own layers, and **noise correlated between neighbouring
# pixels** (streaks from a camera's readout or a scanner), which a blind spot of one pixel cannot hide. Then a third
# trap, in the tables rather than the images: the same output scored by four PSNR definitions.
#
# **Learning goals**
# - Measure a checkerboard by its spectrum, find which layer paints it, and compare the fixes.
# - Diagnose correlated noise from the noisy image alone (its autocorrelation), and hide it with a structured mask.
# - Use notebook 01's loss decomposition to see why the fix restores the identity the method rests on.
# - Read a PSNR in a paper knowing which of the definitions it is.

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
import warnings

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import n2s_core as n2s
from n2s_core.nets.single_image import denoise_image
from n2s_core.paper import committed
from n2s_core.teach import plotting, widgets

# %% slideshow={"slide_type": "skip"} tags=["parameters"]
SCALE = n2s.pick_scale()  # quick on a CPU, the paper's scale on a GPU; N2S_QUICK=1 or 0 overrides
print(SCALE)
QUICK = SCALE.quick
SIZE = 128 if QUICK else 256  # side of the camera crop
STEPS = 100 if QUICK else 300  # training steps (the denoise command's default is 300)
STREAK_SIZE = 96 if QUICK else 256  # the correlated-noise experiment's crop
LENGTH = 3  # pixels of a row that share each noise draw
SEED = 0

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. A checkerboard, measured
#
# Train the paper's UNet layers (2x2 strided convolutions down, 2x2 transposed convolutions up) by Noise2Self on
# one noisy image, and look at the residual $f(x) - y$. A pattern that alternates every pixel in both directions has
# all its energy at one frequency, the Nyquist corner $(N/2, N/2)$ of the spectrum. `n2s.checkerboard_ratio` divides
# the power there by the median power around it: about 1 for white noise, far above 1 for a checkerboard.

# %% slideshow={"slide_type": "skip"}
clean, noisy = n2s.noisy_camera(sigma=0.1, size=SIZE)
PAPER_LAYERS = {"down": "conv", "up": "tconv"}
outputs = {
    "transposed conv (paper layers)": denoise_image(noisy, steps=STEPS, seed=SEED, progress=False,
                                                    model_options=PAPER_LAYERS)[0],
    "bilinear up, average down": denoise_image(noisy, steps=STEPS, seed=SEED, progress=False)[0],
}
ratios = {name: n2s.checkerboard_ratio(out - clean) for name, out in outputs.items()}


def draw_spectra(outputs, crop=slice(40, 72)):
    fig, axes = plt.subplots(2, len(outputs), figsize=(3.2 * len(outputs), 6.4), squeeze=False)
    for column, (name, out) in enumerate(outputs.items()):
        residual = out - clean
        axes[0, column].imshow(residual[crop, crop], cmap="RdBu", vmin=-0.15, vmax=0.15, interpolation="nearest")
        axes[0, column].set_title(f"{name}\nresidual (zoom)", fontsize=9)
        power = np.fft.fftshift(np.abs(np.fft.fft2(residual - residual.mean())) ** 2)
        axes[1, column].imshow(np.log10(power + 1e-9), cmap="magma")
        axes[1, column].set_title(f"log power; ratio {n2s.checkerboard_ratio(residual):.1f}", fontsize=9)
    for ax in axes.flat:
        ax.set_axis_off()
    fig.tight_layout()


# %% slideshow={"slide_type": "subslide"}
draw_spectra(outputs)
plt.show()

# %% slideshow={"slide_type": "skip"}
print(" | ".join(f"{name}: {n2s.psnr(clean, out):.2f} dB, ratio {ratios[name]:.1f}" for name, out in outputs.items()))
assert ratios["transposed conv (paper layers)"] > 3 * ratios["bilinear up, average down"]

# %% [markdown] slideshow={"slide_type": "notes"}
# J-invariant inference (16 masked passes) and N2V2's fixes are measured in the next section's committed table.
# The corners of the shifted spectrum are the Nyquist frequencies: a bright dot there is the checkerboard. The
# transposed convolution gives each pixel of a 2x2 output block its own weights; trained on one image with a blind
# spot, the four weights drift apart and every block repeats the same small offset pattern.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Which fix does what (committed benchmark)
#
# `benchmarks/bench_checkerboard.py` on the full 256 x 256 camera, 300 steps, seeds 0 and 1: the paper's layers,
# the other up/down pairs, and, keeping the transposed convolutions, each of N2V2's fixes alone (Hoeck et al. 2022:
# no top skip connection, max-blur-pool downsampling, median replacement), all three, and J-invariant inference.
# Ratios of the residual against the clean image; mean of the two seeds.
#
# The same 2x2 blocks can print **stripes** instead of a checkerboard: weights that differ between the top and
# bottom pixels of a block alternate the rows (power at the Nyquist line $(N/2, 0)$), left and right the columns
# $(0, N/2)$. `n2s.stripe_ratio` measures those two lines as `checkerboard_ratio` measures the corner. Which of the
# three a net paints depends on its trained weights, so on the noise: the table's last rows are the same crop under
# Poisson noise (30 photons), where the transposed convolutions left faint stripes in `denoise`'s output until the
# default moved to bilinear upsampling.

# %% slideshow={"slide_type": "subslide"}
bench = committed.load_json("checkerboard.json")
by_label = {}
for row in bench["rows"]:
    key = (row.get("noise", "gaussian"), row.get("label", f"{row['down']}/{row['up']}"))
    by_label.setdefault(key, []).append(row)


def mean_of(rows, pick):
    return np.mean([pick(row) for row in rows])


lines = [f"| {noise} | {label} | {mean_of(rows, lambda r: r['psnr']):.2f} | "
         f"{mean_of(rows, lambda r: r['ratio_vs_clean']):.2f} | "
         f"{mean_of(rows, lambda r: r['stripes_vs_clean']['horizontal']):.2f} | "
         f"{mean_of(rows, lambda r: r['stripes_vs_clean']['vertical']):.2f} |"
         for (noise, label), rows in by_label.items()]
display(Markdown("| noise | variant | PSNR (dB) | checkerboard ratio | horizontal stripes | vertical stripes |\n"
                 "|---|---|---|---|---|---|\n" + "\n".join(lines)))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Correlated noise: the diagnostic
#
# Now the noise itself breaks the assumption. `n2s.streak_noise` averages white noise over `LENGTH` pixels of each
# row: neighbours $d$ pixels apart share noise with correlation $1 - d/\mathrm{LENGTH}$. The autocorrelation of the
# image's fine-scale part, computed from the noisy image alone, shows it: white noise has a single bright centre,
# streaks a bright horizontal bar. `python -m n2s_core denoise` warns when it sees one.

# %% slideshow={"slide_type": "skip"}
streak_clean = n2s.crop_center(n2s.load_image("camera"), STREAK_SIZE)
streaky = n2s.streak_noise(streak_clean, sigma=0.1, length=LENGTH, rng=SEED)
white = n2s.add_noise(streak_clean, sigma=0.1, rng=SEED)


def draw_autocorrelation(images):
    fig, axes = plt.subplots(1, len(images), figsize=(3.2 * len(images), 3.2))
    for ax, (name, image) in zip(axes, images.items(), strict=True):
        acf = n2s.noise_autocorrelation(image)
        ax.imshow(acf, cmap="viridis", vmin=-0.2, vmax=1, extent=(-3.5, 3.5, 3.5, -3.5))
        ax.set_title(f"{name}: axis {n2s.correlated_axis(image)}", fontsize=9)
        ax.set_xlabel("column lag")
    axes[0].set_ylabel("row lag")
    fig.tight_layout()


# %% slideshow={"slide_type": "subslide"}
draw_autocorrelation({"white noise": white, f"streaks (length {LENGTH})": streaky})
plt.show()


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. The failure and the fix, through notebook 01's decomposition
#
# For any denoiser, $\lVert f(x) - x\rVert^2 = \lVert f(x) - y\rVert^2 + \lVert x - y\rVert^2 - 2\langle f(x) - y,
# x - y\rangle$. Noise2Self's promise is that the cross term vanishes for a J-invariant $f$, because $f(x)_J$ reads
# nothing whose noise is correlated with $x_J$. With streaks, a one-pixel blind spot still reads the neighbours on
# the row, whose noise *is* correlated with the hidden pixel's: the cross term is positive, the self-supervised loss
# falls below "error + noise variance", and the net is rewarded for reproducing the streaks.
#
# The fix (structN2V, Broaddus et al. 2020): a **structured mask** that hides `span` pixels on each side along the
# row, at least the correlation length minus one. Both nets below are scored by their J-invariant prediction, so
# the decomposition applies exactly. Read the cross term first: the structured mask brings it close to zero, so
# the self-supervised loss again tracks "error + noise variance" and can be trusted to rank denoisers. The PSNR
# column is a different question: hiding a whole row segment also hides signal, and in quick mode's short
# training the structured net can score lower than the plain one, which partly reproduces the streaks (look at
# the crops). Run it at paper scale (`QUICK = False`) to see how the gap moves with training.

# %% slideshow={"slide_type": "skip"}
def fit(span):
    with warnings.catch_warnings(record=True) as caught:  # the plain mask is warned about: show it, do not hide it
        warnings.simplefilter("always")
        out, _ = denoise_image(streaky, steps=STEPS, seed=SEED, progress=False, invariant=True, mask_span=span)
    for warning in caught:
        print(f"denoise_image warned (span {span}): {str(warning.message)[:110]}...")
    return out


with_streaks = {"one-pixel blind spot": fit(0), f"structured mask, span {LENGTH - 1}": fit(LENGTH - 1)}
parts = {name: n2s.loss_decomposition(streak_clean, streaky, out) for name, out in with_streaks.items()}
rows = [f"| {name} | {n2s.psnr(streak_clean, with_streaks[name]):.2f} | {p['self_supervised']:.5f} | "
        f"{p['ground_truth'] + p['noise_variance']:.5f} | {p['cross_term']:+.5f} |" for name, p in parts.items()]

# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
display(Markdown("| mask | PSNR (dB) | self-supervised loss | error + noise variance | cross term |\n"
                 "|---|---|---|---|---|\n" + "\n".join(rows)))
plotting.show_images({"noisy (streaks)": streaky, **with_streaks}, size=3.0,
                     zoom=(slice(20, 70), slice(20, 70)))
plt.show()

# %% slideshow={"slide_type": "skip"}
plain, fixed = parts.values()
assert plain["cross_term"] > 2 * abs(fixed["cross_term"])  # the structured mask all but removes the cross term

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Try it: correlation length and mask span
#
# A span shorter than the correlation length leaves correlated neighbours visible; watch the cross term.

# %% slideshow={"slide_type": "skip"}
tried = {(LENGTH, LENGTH - 1): with_streaks[f"structured mask, span {LENGTH - 1}"]}


def draw(length=LENGTH, span=LENGTH - 1):
    noisy_here = n2s.streak_noise(streak_clean, sigma=0.1, length=length, rng=SEED)
    if (length, span) not in tried:
        tried[length, span] = denoise_image(noisy_here, steps=STEPS // 2, seed=SEED, progress=False,
                                            invariant=True, mask_span=span)[0]
    out = tried[length, span]
    cross = n2s.loss_decomposition(streak_clean, noisy_here, out)["cross_term"]
    plotting.show_images({f"noisy, length {length}": noisy_here, f"span {span}": out}, size=3.2,
                         zoom=(slice(20, 70), slice(20, 70)))
    return f"PSNR {n2s.psnr(streak_clean, out):.2f} dB · cross term {cross:+.5f}"


# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
widgets.interactive_panel(draw, length=widgets.int_slider("length", LENGTH, 1, 6),
                          span=widgets.int_slider("mask span", LENGTH - 1, 0, 6))


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. One output, four PSNRs
#
# Published tables disagree partly because "PSNR" is not one number. The same outputs, scored four ways:
#
# - **plain**: $10 \log_{10}(1 / \mathrm{MSE})$ on $[0, 1]$ (this workbook's default, `n2s.psnr`);
# - **clean's range**: the peak is the clean image's max minus min instead of 1;
# - **min-max normalised**: each image stretched to $[0, 1]$ by its own min and max first;
# - **mean/variance rescaled**: the output given the clean image's mean and standard deviation first (the paper's
#   scoring of its dataset table, §5: `n2s.psnr(..., rescale=True)`).

# %% slideshow={"slide_type": "skip"}
def stretch(image):
    return (image - image.min()) / (image.max() - image.min())


def four_psnrs(reference, image):
    peak = reference.max() - reference.min()
    return (n2s.psnr(reference, image), n2s.psnr(reference, image, data_range=peak),
            n2s.psnr(stretch(reference), stretch(image)), n2s.psnr(reference, image, rescale=True))


scored = {"noisy": (clean, noisy), **{name: (clean, out) for name, out in outputs.items()},
          **{f"streaks: {name}": (streak_clean, out) for name, out in with_streaks.items()}}
table = {name: four_psnrs(*pair) for name, pair in scored.items()}

# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
display(Markdown("| output | plain | clean's range | min-max | mean/variance |\n|---|---|---|---|---|\n" + "\n".join(
    f"| {name} | " + " | ".join(f"{v:.2f}" for v in values) + " |" for name, values in table.items())))

# %% slideshow={"slide_type": "skip"}
spread = max(max(values) - min(values) for values in table.values())
print(f"largest spread between definitions for one output: {spread:.2f} dB")

# %% [markdown] slideshow={"slide_type": "notes"}
# The gaps are of the size that separates methods in the tables of notebook 10. A number quoted without its
# definition cannot be compared with another; the paper's Table 2 is rescaled, its camera experiments plain.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# 1. Make the streaks vertical (`direction="vertical"`) and check that the diagnostic follows; which mask fixes it?
# 2. Train with a span larger than needed (5 for a length of 3). What does hiding more cost?
# 3. Give the paper's layers the N2V2 median replacement (`replacement="median"`) and measure the ratio.

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 1
vertical = n2s.streak_noise(streak_clean, sigma=0.1, length=LENGTH, direction="vertical", rng=SEED)
print("diagnostic:", n2s.correlated_axis(vertical))
fixed_v, _ = denoise_image(vertical, steps=STEPS // 2, progress=False, invariant=True, mask_span=LENGTH - 1,
                           mask_direction="vertical")
print(f"structured vertical mask: {n2s.psnr(streak_clean, fixed_v):.2f} dB")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 2: more hidden pixels, less context for the net: a small cost in PSNR
wide, _ = denoise_image(streaky, steps=STEPS // 2, progress=False, invariant=True, mask_span=5)
print(f"span 5: {n2s.psnr(streak_clean, wide):.2f} dB")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 3
median_out, _ = denoise_image(noisy, steps=STEPS // 2, progress=False, replacement="median", model_options=PAPER_LAYERS)
print(f"median replacement: ratio {n2s.checkerboard_ratio(median_out - clean):.1f}")
