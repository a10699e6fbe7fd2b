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
# # 10 · The family side by side: Noise2Self, Noise2Void, N2V2, Noise2Same, Neighbor2Neighbor, ZS-N2N, SURE
#
# Noise2Self has many relatives. Their papers report numbers on different images, with different nets, training
# times and PSNR definitions, so the numbers cannot be compared. Here every member trains **the same small UNet**
# (ZS-N2N: its own tiny net) on **one noisy image**, for **the same wall-clock budget** on this CPU, and every output
# is scored by **one PSNR** (plain, on $[0, 1]$, against the clean image). Beside them: NL-means (and BM3D, at paper
# scale) calibrated by the self-supervised loss of notebook 03.
#
# **Learning goals**
# - Read each member as a loss on the same trainer: what it hides, what it predicts, what it assumes of the noise.
# - Compare them honestly: same image, same budget, same score; see how the ranking moves with the budget.
# - See which assumptions break on Poisson noise, and which methods need to know $\sigma$.

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
from IPython.display import Markdown, display

import n2s_core as n2s
from n2s_core.nets.family import MEMBERS, train_family
from n2s_core.paper import committed
from n2s_core.teach import plotting, widgets

# %% slideshow={"slide_type": "skip"} tags=["parameters"]
SCALE = n2s.pick_scale()  # quick on a CPU, the paper's scale on a GPU; N2S_QUICK=1 or 0 overrides
print(SCALE)
QUICK = SCALE.quick
SIZE = 96 if QUICK else 256  # side of the camera crop
BUDGET = 1.5 if QUICK else 40.0  # seconds of training for every member (benchmarks/bench_family.py: 40 s)
SIGMA = 0.1  # Gaussian noise, the paper's noisy camera (§3)
PHOTONS = 30.0  # Poisson noise: 30 expected photons at intensity 1
ZOOM = (slice(SIZE // 4, SIZE // 4 + SIZE // 3), slice(SIZE // 3, SIZE // 3 + SIZE // 3))  # the crop shown

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. One trainer, eight losses
#
# Every member is an *objective* in `n2s_core.nets.objectives` or `n2s_core.nets.subsampling`: one function from a
# batch $x$ to a loss, trained by the same `train` loop. With $f$ the net and $J$ a random set of pixels:
#
# - **Noise2Self**: $\lVert f(\mathbb{1}_J s(x) + \mathbb{1}_{J^c} x)_J - x_J \rVert^2$ with $s$ uniform random
#   values and $J$ 1/25 of the pixels.
# - **Noise2Void**: the same with $s$ a random neighbour and $J$ 1/64 of the pixels.
# - **N2V, centre included**: the same, but the "neighbour" may be the pixel itself (1 time in 9), as the original
#   code sampled.
# - **N2V2**: Noise2Void with $s$ the neighbours' median, and a UNet without its top skip, with max-blur-pool.
# - **Noise2Same**: $\lVert f(x) - x\rVert^2 + \lambda\,\mathrm{sd}(x)\,\lVert f(x)_J - f(x_{J^c})_J\rVert$: no
#   blind spot in $f$.
# - **Neighbor2Neighbor**: $\lVert f(g_1 x) - g_2 x\rVert^2 + \gamma \lVert f(g_1 x) - g_2 x - (g_1 f(x) - g_2
#   f(x))\rVert^2$, with $g_1, g_2$ two neighbours in each 2x2 cell.
# - **ZS-N2N**: the same idea with two fixed diagonal averages, a 22k-parameter net and a consistency term.
# - **SURE**: $\lVert f(x) - x\rVert^2 - \sigma^2 + 2\sigma^2 \operatorname{div} f(x) / n$: needs $\sigma$.
#
# What each needs of the noise, in the package's own words:

# %% slideshow={"slide_type": "subslide"}
rows = [f"| {name} | {member.assumes} | {member.source} |" for name, member in MEMBERS.items()]
display(Markdown("| member | assumes | source |\n|---|---|---|\n" + "\n".join(rows)))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Gaussian noise: the same budget for everyone
#
# The paper's noisy camera ($\sigma = 0.1$), cropped for speed in quick mode. Every member trains for `BUDGET`
# seconds on this one image; NL-means is calibrated by the self-supervised loss in about as long.

# %% slideshow={"slide_type": "skip"}
clean, noisy = n2s.noisy_camera(sigma=SIGMA, size=SIZE)
nl_means = n2s.get_method("nl_means")


def classical(image):
    """NL-means at the setting with the lowest self-supervised loss (notebook 03)."""
    best = n2s.calibrate_denoiser(image, nl_means.function, nl_means.grid(image)).best_parameters
    return nl_means.function(image, **best)


def score_table(clean, noisy, results, extra):
    """A Markdown table: PSNR (plain, [0, 1]) and steps/time of every output, best first."""
    lines = [(n2s.psnr(clean, out), f"| {name} | {n2s.psnr(clean, out):.2f} | {info['steps']} steps, "
              f"{info['train_seconds']:.1f} s |") for name, (out, info) in results.items()]
    lines += [(n2s.psnr(clean, out), f"| {name} | {n2s.psnr(clean, out):.2f} | calibrated |")
              for name, out in extra.items()]
    head = f"| method | PSNR (dB) | training |\n|---|---|---|\n| noisy input | {n2s.psnr(clean, noisy):.2f} | |\n"
    return Markdown(head + "\n".join(line for _, line in sorted(lines, reverse=True)))


gaussian = train_family(noisy, seconds=BUDGET, sigma=SIGMA)
gaussian_nlm = classical(noisy)

# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
display(score_table(clean, noisy, gaussian, {"NL-means": gaussian_nlm}))

# %% slideshow={"slide_type": "subslide"}
panels = {"clean": clean, "noisy": noisy, **{name: out for name, (out, _) in gaussian.items()},
          "NL-means": gaussian_nlm}
plotting.show_images(panels, ncols=6, size=2.2, zoom=ZOOM, suptitle=f"{BUDGET:g} s of training each (crops)")
plt.show()

# %% [markdown] slideshow={"slide_type": "notes"}
# At quick mode's budget of 1.5 s a member takes a few dozen steps, and several have not yet passed the noisy
# input: the ranking mostly measures how cheap a step is: Neighbor2Neighbor trains on
# half-size images and takes the most steps; Noise2Same runs the net twice per step. The table below, at 40 s per
# member on the full 256 x 256 image, is the fairer comparison.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. At a real budget: 40 seconds each (committed benchmark)
#
# `benchmarks/bench_family.py` ran every member for 40 s on the full 256 x 256 image, beside calibrated NL-means
# and BM3D (whose calibration takes longer than any net's training here), on one CPU thread pinned to one core
# (`N2S_THREADS=1 taskset -c 0`, so that nothing else on the machine moves the budget). The checkerboard column is
# notebook 11's measure: power of the residual at the pixel-scale frequency over its surroundings (about 1 for
# white noise; much larger is a visible checkerboard).

# %% slideshow={"slide_type": "subslide"}
bench = committed.load_json("family.json")


def bench_table(noise):
    rows = sorted(bench["rows"][noise], key=lambda row: -row["psnr"])
    lines = [f"| {row['method']} | {row['psnr']:.2f} | "
             + (f"{row['steps']} steps in {row['train_seconds']:.0f} s" if "steps" in row else
                f"{row['seconds']:.0f} s" if "seconds" in row else "") + " | "
             + (f"{row['checkerboard']:.2f}" if "checkerboard" in row else "") + " |" for row in rows]
    threads = f"{bench['threads']} thread{'s' if bench['threads'] > 1 else ''}"
    head = "| method | PSNR (dB) | time | checkerboard |\n|---|---|---|---|\n"
    return Markdown(f"**{noise}** ({bench['noises'][noise]}; {bench['seconds']:g} s per net, {threads})\n\n"
                    + head + "\n".join(lines))


display(bench_table("gaussian"))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Poisson noise
#
# Shot noise: $x = \mathrm{Poisson}(30\, y) / 30$. It is still independent from pixel to pixel and has mean $y$,
# so every blind-spot and sub-sampling member still applies. SURE does not: its formula is for Gaussian noise of
# one known $\sigma$, and here the variance follows the signal, so it is left out.

# %% slideshow={"slide_type": "skip"}
poisson_noisy = n2s.add_noise(clean, photons=PHOTONS, rng=3)
poisson = train_family(poisson_noisy, seconds=BUDGET)
poisson_nlm = classical(poisson_noisy)

# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
display(score_table(clean, poisson_noisy, poisson, {"NL-means": poisson_nlm}))

# %% slideshow={"slide_type": "subslide"}
display(bench_table("poisson"))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Try it: noise level and budget
#
# Every move retrains all the members (about eight times the budget, in seconds), on the Gaussian camera crop.

# %% slideshow={"slide_type": "skip"}
runs = {(SIGMA, BUDGET): (clean, noisy, gaussian)}  # what section 2 trained is the panel's first picture


def family_at(sigma, budget):
    if (sigma, budget) not in runs:
        seen_clean, seen_noisy = n2s.noisy_camera(sigma=sigma, size=SIZE)
        runs[sigma, budget] = seen_clean, seen_noisy, train_family(seen_noisy, seconds=budget, sigma=sigma,
                                                                   progress=False)
    return runs[sigma, budget]


def draw(sigma=SIGMA, budget=BUDGET):
    seen_clean, seen_noisy, results = family_at(sigma, budget)
    scores = {name: n2s.psnr(seen_clean, out) for name, (out, _) in results.items()}
    best = max(scores, key=scores.get)
    titled = {f"{name} {score:.1f}": results[name][0] for name, score in scores.items()}
    plotting.show_images({f"noisy {n2s.psnr(seen_clean, seen_noisy):.1f}": seen_noisy, **titled}, ncols=5,
                         size=2.0, zoom=ZOOM)
    return f"best {best} {scores[best]:.2f} dB"


# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
widgets.interactive_panel(draw, sigma=widgets.float_slider("sigma", SIGMA, 0.05, 0.3, 0.05),
                          budget=widgets.float_slider("budget (s)", BUDGET, 0.5, 10.0, 0.5))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. What each one assumes, and the published numbers
#
# - **Noise independent across pixels.** Every member here needs it: the blind spot hides one pixel but shows its
#   neighbours, the sub-samplers pair neighbours as if their noises were independent. Notebook 11 breaks it.
# - **Zero-mean noise.** The blind-spot and sub-sampling losses estimate the clean image as the mean of the noisy
#   one; a bias in the noise becomes a bias in the output.
# - **A known noise model.** Only SURE needs $\sigma$ (and Gaussianity); exercise 1 gives it the wrong one.
# - **The identity must be out of reach.** Noise2Self and Noise2Void make it structurally impossible; Noise2Same
#   penalises it; the centre-included N2V leaves a door open.
#
# For reference, the numbers published on BSD68 at $\sigma = 25$ (on 0-255; from each method's paper, see
# `../shared/paper.md` §8). **These are other papers' numbers, on another data set (68 natural photographs, nets
# trained on 400 others), with their own nets and training times: do not compare them with the tables above.**
#
# | method | BSD68, $\sigma$ = 25 (dB) |
# |---|---|
# | Noise2Void | 27.71 |
# | Noise2Same | 27.95 |
# | BM3D | 28.57 |
# | Noise2Noise | 28.86 |
# | DnCNN (supervised) | 29.23 |

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# 1. Train SURE with the wrong $\sigma$: half and double the true 0.1. Which way does the PSNR move, and why?
# 2. Give Noise2Self and Neighbor2Neighbor twice the budget. Which gains more?
# 3. Score Noise2Self's output with the J-invariant prediction of notebook 05 instead of one pass (hint:
#    `n2s_core.nets.single_image.denoise_image(..., invariant=True)` on the same image).

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 1: too small a sigma under-weights the divergence term, so SURE rewards fitting the noise; too large
# a sigma over-smooths.
from n2s_core.nets.family import train_member  # noqa: E402

wrong = {s: n2s.psnr(clean, train_member("SURE", noisy, seconds=BUDGET, sigma=s)[0]) for s in (0.05, 0.1, 0.2)}
print(" | ".join(f"sigma {s}: {p:.2f} dB" for s, p in wrong.items()))

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 2
longer = train_family(noisy, seconds=2 * BUDGET, names=["Noise2Self", "Neighbor2Neighbor"], progress=False)
for name, (out, info) in longer.items():
    print(f"{name}: {n2s.psnr(clean, gaussian[name][0]):.2f} dB -> {n2s.psnr(clean, out):.2f} dB "
          f"({info['steps']} steps)")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 3
from n2s_core.nets.single_image import denoise_image  # noqa: E402

plain, _ = denoise_image(noisy, steps=30, progress=False)
invariant, _ = denoise_image(noisy, steps=30, progress=False, invariant=True)
print(f"one pass {n2s.psnr(clean, plain):.2f} dB, J-invariant {n2s.psnr(clean, invariant):.2f} dB")
