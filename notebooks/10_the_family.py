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
# # 10 · The family: eight ways to train a denoiser without a clean image
#
# Noise2Self hides a pixel from the net and scores it on that pixel's noisy value: the pixel's noise is
# independent of everything the net sees, so the best answer is the signal. Its relatives change the trick: hide
# the pixel differently, penalise reading it, pair neighbouring pixels as a Noise2Noise pair, or correct for reading
# it when the noise level is known. Here each is a loss on one trainer and one image.
#
# **Prerequisites:** 04-05 (training a net with a masked loss), 03 (calibrating NL-means); PyTorch basics.
#
# **Time:** 50 minutes: members 15, the leak 10, evidence and live run 15, Poisson and exercises 10.
#
# **Learning goals**
# - Read each member as a loss: what it hides from the net, what it predicts, what it assumes of the noise.
# - Explain why a blind spot must never show the pixel it predicts; compute how often Noise2Void's original
#   sampling does.
# - Compare methods fairly (one image, one budget, one PSNR) and say what a small run can and cannot rank.
# - Say which members need a known noise level, and which still apply to Poisson noise.

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["ko"]
# **한국어 · 학습 목표**
#
# - 각 방법을 손실 하나로 읽는다: 신경망에게서 무엇을 가리고, 무엇을 예측하며, 잡음에 대해 무엇을 가정하는가.
# - 맹점이 예측할 픽셀 자신을 보여 주면 안 되는 이유를 설명하고, Noise2Void 원래 코드의 샘플링이 얼마나 자주
#   그렇게 하는지 계산한다.
# - 방법들을 공정하게 비교한다(같은 영상, 같은 예산, 같은 최대 신호 대 잡음비(PSNR)). 작은 실행이 무엇의 순위를
#   매길 수 있고 무엇은 없는지 말한다.
# - 어떤 방법이 잡음 수준을 알아야 하는지, 어떤 방법이 푸아송 잡음에도 그대로 쓰이는지 말한다.

# %% [markdown] slideshow={"slide_type": "skip"}
# *On Colab* the next cell installs this workbook's package; elsewhere it does nothing.

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
import torch
from IPython.display import Markdown, display
from scipy import ndimage as ndi

import n2s_core as n2s
from n2s_core.nets.family import MEMBERS, train_family
from n2s_core.nets.subsampling import neighbor_pair
from n2s_core.paper import committed
from n2s_core.teach import exercises, plotting, widgets

THREADS = n2s.size_thread_pools()  # every thread pool sized to the CPUs this process may use (docs/platforms.md)

# %% slideshow={"slide_type": "skip"} tags=["parameters"]
SCALE = n2s.pick_scale()  # quick on a CPU, the paper's scale on a GPU; N2S_QUICK=1 or 0 overrides
print(SCALE)
QUICK = SCALE.quick
SIZE = 48 if QUICK else 256  # side of the live run's camera crop
STEPS = 40 if QUICK else 600  # optimizer steps of every member in the live run (counted, never timed)
LIVE = ["Noise2Self", "Noise2Void", "Neighbor2Neighbor", "ZS-N2N", "SURE"] if QUICK else list(MEMBERS)
SIGMA = 0.1  # Gaussian noise of the paper's noisy camera (paper §3)
SEED = 0  # seeds every member's weights, crops and masks, and this notebook's draws

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. What each member shows the net
#
# What three members feed the net (noisy camera, $\sigma = 0.1$):

# %% slideshow={"slide_type": "subslide"}
_, view = n2s.noisy_camera(sigma=SIGMA, size=32)
batch = torch.as_tensor(view, dtype=torch.float32)[None, None]  # (1, 1, H, W)
draws = torch.Generator().manual_seed(SEED)
views = {"noisy x": view}
for name in ("Noise2Self", "Noise2Void"):
    masked, _ = MEMBERS[name].objective(None).masker.mask(batch, generator=draws)  # the member's own masker
    views[f"{name} input"] = masked[0, 0].numpy()
first, second = neighbor_pair(batch, draws)  # (1, 1, H/2, W/2) each
views |= {"Neighbor2Neighbor: g1 x": first[0, 0].numpy(), "its target g2 x": second[0, 0].numpy()}
plotting.show_images(views, ncols=5, size=2.2)
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# With $f$ the net, $m$ pixels, $J$ the replaced pixels and $\tilde x = \mathbb{1}_J s(x) + \mathbb{1}_{J^c} x$
# the input, each loss is a per-pixel mean:
#
# - **Noise2Self** (paper §5): $\frac{1}{|J|}\lVert f(\tilde x)_J - x_J\rVert^2$; $s$ uniform random values on
#   1/25 of the pixels.
# - **Noise2Void**: the same, $s$ a random one of the 8 neighbours, on 1/64.
# - **N2V, centre included** (ours): the neighbour may be the pixel itself.
# - **N2V2**: $s$ the neighbours' median, and a net built against checkerboard artefacts.
# - **Noise2Same**: no blind spot; $\frac1m\lVert f(x)-x\rVert^2$ plus a penalty on how much $f(x)_J$ moves
#   when $x_J$ is replaced.
# - **Neighbor2Neighbor**: $g_1x, g_2x$ take two adjacent pixels of each 2x2 cell: nearly the same signal,
#   independent noise: a Noise2Noise pair (two noisy copies of one signal). It fits $f(g_1x)$ to $g_2x$, plus a
#   consistency term.
# - **ZS-N2N**: the same with two fixed diagonal averages and a tiny net.
# - **SURE**: $\frac1m\lVert f(x)-x\rVert^2 - \sigma^2 + \frac{2\sigma^2}{m}\operatorname{div} f(x)$, with
#   $\operatorname{div} f = \sum_i \partial f(x)_i / \partial x_i$: for Gaussian noise of known $\sigma$, an
#   unbiased estimate of $\frac1m\lVert f(x)-y\rVert^2$.
#
# All but ZS-N2N train the same small UNet (a convolutional net that shrinks, then re-grows the image).

# %% slideshow={"slide_type": "subslide"}
rows = [f"| {name} | {member.assumes} | {member.source} |" for name, member in MEMBERS.items()]
display(Markdown("| member | assumes | source |\n|---|---|---|\n" + "\n".join(rows)))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Never show the pixel you predict
#
# If the replacement can be the pixel itself, the net sometimes sees the value it is scored against, and the loss
# rewards copying it, noise and all. Noise2Void's original code by default draws the replacement uniformly from the
# 11 x 11 window around the pixel, centre included: not J-invariant (supplement §3.1). Ours uses the 3 x 3 window.

# %% slideshow={"slide_type": "subslide"} tags=["predict", "slide-code"]
prediction = None  # Predict before running the next cell: what fraction of its held-out pixels does the 3 x 3
# "N2V, centre included" fill with their own value?

# %% slideshow={"slide_type": "subslide"}
values = torch.rand(64, 1, 128, 128, generator=torch.Generator().manual_seed(SEED))  # distinct: a kept one shows
own_value = {}
for name in ("Noise2Void", "N2V, centre included"):
    masked, mask = MEMBERS[name].objective(None).masker.mask(values, generator=torch.Generator().manual_seed(1))
    own_value[name] = float((masked == values)[mask].float().mean())  # over the held-out pixels only
exercises.reveal(prediction, round(own_value["N2V, centre included"], 3), what="the own-value rate of the 3 x 3 "
                 "centre-included member", tolerance=0.02)
radius = 5  # n2v's default neighbourhood radius: an 11 x 11 window, drawn uniformly, centre included
window = [(dr, dc) for dr in range(-radius, radius + 1) for dc in range(-radius, radius + 1)]
n2v_default = window.count((0, 0)) / len(window)
print(f"own-value rate: Noise2Void (8 neighbours) {own_value['Noise2Void']:.3f}, centre included (3 x 3) "
      f"{own_value['N2V, centre included']:.3f}, n2v's default window ({len(window)} pixels) {n2v_default:.4f} "
      f"= 1/{round(1 / n2v_default)}")
assert own_value["Noise2Void"] == 0 and abs(own_value["N2V, centre included"] - 1 / 9) < 0.02
assert n2v_default == 1 / 121

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. The evidence: 40 seconds each
#
# Every member trained for the same 40 s on the 256 x 256 camera, beside NL-means (a mean of pixels whose
# patches look alike) and BM3D (similar blocks shrunk together), calibrated by the self-supervised loss. One score:
# PSNR $= 10\log_{10}(1/\mathrm{MSE})$ against the clean image, on $[0, 1]$.

# %% slideshow={"slide_type": "subslide"}
bench = committed.load_json("family.json")


def bench_psnr(noise, kind=None):
    """{method: PSNR} of the committed run, for one kind of row ("self-supervised net", "classical") or all."""
    return {row["method"]: row["psnr"] for row in bench["rows"][noise] if kind in (None, row["kind"])}


def bench_table(noise, *, details=False):
    """The committed run as a Markdown table, best first; ``details`` adds the checkerboard ratio."""
    lines = []
    for row in sorted(bench["rows"][noise], key=lambda row: -row["psnr"]):
        spent = (f"{row['steps']} steps" if "steps" in row else
                 f"calibration {row['seconds']:.0f} s" if "seconds" in row else "")
        extra = f" {row['checkerboard']:.2f} |" if details and "checkerboard" in row else " |" if details else ""
        lines.append(f"| {row['method']} | {row['psnr']:.2f} | {spent} |{extra}")
    head = ("| method | PSNR (dB) | in 40 s | checkerboard |\n|---|---|---|---|\n" if details else
            "| method | PSNR (dB) | in 40 s |\n|---|---|---|\n")
    return Markdown(f"**{noise}** ({bench['noises'][noise]}; {bench['image']}, {bench['seconds']:g} s per net)\n\n"
                    + head + "\n".join(lines))


display(bench_table("gaussian"))

# %% slideshow={"slide_type": "subslide"}
nets, classic, noisy_db = (bench_psnr("gaussian", "self-supervised net"), bench_psnr("gaussian", "classical"),
                           bench_psnr("gaussian")["noisy input"])
best_net = max(nets, key=nets.get)
print(f"every net clears the noisy input ({noisy_db:.2f} dB) by {min(nets.values()) - noisy_db:.2f} dB or more; "
      f"best net {best_net} {nets[best_net]:.2f} dB; calibrated classical: "
      + ", ".join(f"{name} {db:.2f} dB" for name, db in classic.items()))
print(f"centre included {nets['N2V, centre included']:.2f} dB vs Noise2Void {nets['Noise2Void']:.2f} dB")
assert min(nets.values()) > noisy_db + 3 and nets[best_net] < min(classic.values())
assert nets["N2V, centre included"] > nets["Noise2Void"]

# %% [markdown] slideshow={"slide_type": "subslide"}
# Every net clears the noisy input; the classical denoisers still lead (one image, 40 CPU-seconds). The
# centre-included member loses no PSNR here: its leak shows in a gradient test
# ([`tests/nets/test_masking.py`](../tests/nets/test_masking.py)).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. A live miniature, trained by steps
#
# Quick mode trains five members for equal steps on a small crop. **Expect** each to clear the noisy input by one
# to a few dB, in an order that is not section 3's: so few steps cannot resolve it. Counted in steps, not seconds,
# it trains as far on a slow CPU, only later.

# %% slideshow={"slide_type": "skip"}
clean, noisy = n2s.noisy_camera(sigma=SIGMA, size=SIZE)
nl_means = n2s.get_method("nl_means")


def classical(image):
    """NL-means at the setting with the lowest self-supervised loss (notebook 03)."""
    best = n2s.calibrate_denoiser(image, nl_means.function, nl_means.grid(image)).best_parameters
    return nl_means.function(image, **best)


live = train_family(noisy, steps=STEPS, sigma=SIGMA, names=LIVE, seed=SEED)
live_nlm = classical(noisy)

# %% slideshow={"slide_type": "subslide"}
scores = {name: n2s.psnr(clean, out) for name, (out, _) in live.items()}
ranked = sorted(scores.items(), key=lambda item: -item[1])
lines = [f"| {name} | {db:.2f} | {live[name][1]['steps']} |" for name, db in ranked]
display(Markdown(f"**{SIZE} x {SIZE} crop, {STEPS} steps each**\n\n| method | PSNR (dB) | steps |\n|---|---|---|\n"
                 f"| NL-means (calibrated) | {n2s.psnr(clean, live_nlm):.2f} | |\n" + "\n".join(lines)
                 + f"\n| noisy input | {n2s.psnr(clean, noisy):.2f} | |"))
assert min(scores.values()) > n2s.psnr(clean, noisy) + 1, "a member did not clear the noisy input by 1 dB"

# %% [markdown] slideshow={"slide_type": "subslide"}
# What each removed, $x - f(x)$, should be noise alone; $f(x) - y$ shows the signal lost.

# %% slideshow={"slide_type": "skip"}
runs = {(name, STEPS): out for name, (out, _) in live.items()}  # the panel's first picture is the run above


def denoised_by(member, steps):
    if (member, steps) not in runs:
        runs[member, steps] = train_family(noisy, steps=steps, sigma=SIGMA, names=[member], seed=SEED,
                                           progress=False)[member][0]
    return runs[member, steps]


def draw(member=LIVE[0], steps=STEPS):
    out = denoised_by(member, steps)
    plotting.show_images({"noisy x": noisy, f"{member} f(x)": out, "removed x - f(x)": 0.5 + noisy - out,
                          "error f(x) - y": 0.5 + out - clean}, ncols=4, size=2.4)
    return f"{member} {steps} steps: {n2s.psnr(clean, out):.2f} dB"


# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
widgets.interactive_panel(draw, member=widgets.choice("member", LIVE, LIVE[0]),
                          steps=widgets.choice_slider("steps", [STEPS, 2 * STEPS, 4 * STEPS], STEPS))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Poisson noise
#
# Shot noise, $x = \mathrm{Poisson}(30\,y)/30$, is independent across pixels with mean $y$: every blind-spot and
# sub-sampling member applies. SURE's formula needs Gaussian noise of one known $\sigma$, so it sits this out.

# %% slideshow={"slide_type": "subslide"}
display(bench_table("poisson"))
poisson_nets = bench_psnr("poisson", "self-supervised net")
assert "SURE" not in poisson_nets and min(poisson_nets.values()) > bench_psnr("poisson")["noisy input"] + 3


# %% [markdown] slideshow={"slide_type": "slide"}
# ## What to remember
#
# - Each member stops the net copying the noise it is scored on: hide the pixel (Noise2Self, Noise2Void, N2V2),
#   penalise reading it (Noise2Same), predict it from a neighbour (Neighbor2Neighbor, ZS-N2N), or charge for
#   reading it (SURE).
# - A blind spot that can show the pixel leaks: n2v's default 11 x 11 window does so 1 time in 121.
# - All assume noise independent across pixels and zero-mean; SURE also needs Gaussian noise of known $\sigma$.
# - Compare on one image, one budget, one PSNR; a small run shows that each denoises, not which is best.
#
# **Where it comes back:** 11 (correlated noise breaks the independence all of them assume).

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["ko"]
# **한국어 · 기억할 것**
#
# - 모든 방법은 신경망이 채점받는 잡음을 베끼지 못하게 막는다: 픽셀을 가리거나(Noise2Self, Noise2Void, N2V2),
#   그 픽셀을 읽으면 벌점을 주거나(Noise2Same), 독립인 이웃에서 예측하거나(Neighbor2Neighbor, ZS-N2N), 읽어서
#   얻는 이득을 빼 준다(SURE).
# - 픽셀 자신을 보여 줄 수 있는 맹점은 샌다: n2v 원래 코드의 11 x 11 창은 121번에 1번 그렇게 한다.
# - 모두 잡음이 픽셀끼리 독립이고 평균 0이라고 가정한다. SURE는 σ를 아는 가우시안 잡음까지 필요하다.
# - 같은 영상, 같은 예산, 같은 최대 신호 대 잡음비(PSNR)로 비교한다. 작은 실행은 각 방법이 잡음을 줄인다는 것을
#   보여 줄 뿐, 어느 것이 가장 좋은지는 보여 주지 못한다.
#
# **다시 나오는 곳:** 11(상관된 잡음이 모든 방법이 가정하는 독립을 깬다).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# 1. **(derive)** A linear filter $f(x) = k \star x$ (correlation with kernel $k$, periodic borders): find
#    $\operatorname{div} f$. Write `divergence_per_pixel(kernel)`, returning $\frac1m\operatorname{div} f$. What
#    does SURE say about the identity?
# 2. **(code)** Write `sure(denoiser, noisy, sigma, rng)`: per-pixel SURE for any denoiser, the divergence from one
#    Gaussian probe $b$: $b \cdot (f(x + \varepsilon b) - f(x)) / \varepsilon$. Pick a Gaussian blur's width by it.
# 3. **(predict)** Tell `sure` the wrong $\sigma$ (0.05, 0.2; truth 0.1). Which way does the chosen width move?

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 1 (derive): the divergence of a linear filter
# f(x)_i = sum_d k_d x_(i+d), so d f(x)_i / d x_i = k_0, the kernel's centre weight, at every pixel: div f = m k_0.
# The identity has k_0 = 1, so its SURE is 0 - sigma^2 + 2 sigma^2 = sigma^2: exactly its true error. Copying the
# input earns nothing.
def divergence_per_pixel(kernel):
    kernel = np.asarray(kernel)
    return float(kernel[kernel.shape[0] // 2, kernel.shape[1] // 2])


assert all(map(lambda k: abs(divergence_per_pixel(k) - np.mean(  # brute force on 10 x 10 images: f is linear, so
    ndi.correlate(np.eye(100).reshape(100, 10, 10), k[None], mode="wrap").reshape(100, 100).diagonal())) < 1e-9,
    (np.random.default_rng(1).random((3, 3)), np.random.default_rng(2).random((5, 5))))), \
    "not (1/m) div f of this filter"  # the Jacobian's diagonal is f(e_i)_i, e_i the image with a single 1 at pixel i


# %% [raw] slideshow={"slide_type": "skip"} tags=["wrong-answer"]
# def divergence_per_pixel(kernel):  # every weight moves the output, so add them all up
#     return float(np.sum(kernel))

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 2 (code): SURE for any denoiser
def sure(denoiser, noisy, sigma, rng):
    probe = np.random.default_rng(rng).standard_normal(noisy.shape)
    epsilon = np.abs(noisy).max() / 1000
    out = denoiser(noisy)
    divergence = np.mean(probe * (denoiser(noisy + epsilon * probe) - out)) / epsilon  # (1/m) div f
    return np.mean((out - noisy) ** 2) - sigma**2 + 2 * sigma**2 * divergence


sure_clean, sure_noisy = n2s.noisy_camera(sigma=SIGMA, size=256, clip=False)  # Gaussian, as SURE assumes
blurs = {width: lambda image, width=width: ndi.gaussian_filter(image, width) for width in (0.5, 1.0, 1.5, 2.0, 3.0)}
for width, blur in blurs.items():
    print(f"blur width {width}: SURE {sure(blur, sure_noisy, SIGMA, SEED):.5f}, "
          f"true error {n2s.mse(sure_clean, blur(sure_noisy)):.5f}")

assert (lambda y, x: all(map(lambda f: abs(sure(f, x, 0.1, 0) - n2s.mse(y, f(x))) < 5e-4, (
    lambda image: image, lambda image: ndi.gaussian_filter(image, 1.0)))))(
    *n2s.noisy_camera(sigma=0.1, size=256, clip=False)), "SURE is far from the true error of the identity or a blur"

# %% [raw] slideshow={"slide_type": "skip"} tags=["wrong-answer"]
# def sure(denoiser, noisy, sigma, rng):  # subtract the noise variance and stop there
#     return np.mean((denoiser(noisy) - noisy) ** 2) - sigma**2

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 3 (predict): SURE told the wrong sigma
# The divergence term weighs 2 sigma^2: told too small a sigma, SURE under-charges outputs that follow the input
# and picks less blur; told too large a sigma, it over-charges them and picks more.
for told in (0.05, SIGMA, 0.2):
    chosen = min(blurs, key=lambda width: sure(blurs[width], sure_noisy, told, SEED))
    print(f"sigma told {told}: SURE picks blur width {chosen}")

# %% [markdown] slideshow={"slide_type": "skip"}
# ## For the reproducer
#
# - **The committed benchmark** ([`benchmarks/bench_family.py`](../benchmarks/bench_family.py),
#   [`results/family.json`](../results/family.json), shipped in `n2s_core/paper/results/`): the 256 x 256 camera,
#   Gaussian $\sigma = 0.1$ and 30 photons, noise seed 3; every net trained for the same 40 s of wall time on one CPU
#   thread pinned to one core (`N2S_THREADS=1 taskset -c 0`, so that nothing else on the machine moves the budget),
#   so the step counts say how cheap each member's step is (Neighbor2Neighbor trains on half-size images; Noise2Same
#   and SURE run the net twice). NL-means and BM3D were calibrated by the self-supervised loss; their calibration
#   times are in the table. The checkerboard column is notebook 11's measure: the power of denoised - clean at the
#   pixel-scale frequency over its surroundings (about 1 for white noise; much larger is a visible checkerboard).
# - **Steps or seconds.** `train_family(noisy, seconds=...)` races the members on one clock, as the benchmark does;
#   how far each gets depends on the CPU, so this notebook asserts only on runs counted in `steps=`.
# - **The centre-included member is ours**: a 3 x 3 window (1 in 9), not n2v's default 11 x 11 window (1 in 121),
#   and our Noise2Void draws among the 8 neighbours where n2v's default draws from the 11 x 11 window.
# - **Published numbers** on BSD68 at $\sigma = 25$ (Noise2Void, Noise2Same, BM3D, Noise2Noise, supervised DnCNN)
#   are other papers' numbers on another data set, with their own nets and training times: the book's
#   [family page](../docs/nets.md#noise2selfs-family-side-by-side) lists them, apart from our tables.

# %% slideshow={"slide_type": "skip"}
print(f"{bench['image']}, {bench['seconds']:g} s per net, {bench['threads']} thread(s); {bench['scoring']}")
display(bench_table("gaussian", details=True))
display(bench_table("poisson", details=True))
print("live run:", {name: info for name, (_, info) in live.items()})
