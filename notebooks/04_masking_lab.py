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
# # 04 · The masking lab: how a network becomes J-invariant
#
# A network trained to reproduce its noisy input learns to copy it. Hide each pixel from the net while it predicts
# that pixel, and it must guess the pixel from its neighbours, which share its signal but not its noise. We build
# the hiding (masking), prove it with a gradient, train a small net, and compare two ways to denoise with it.
#
# **Prerequisites:** notebooks 01-03 (J-invariance, Proposition 1, masking a classical denoiser); PyTorch (conv
# nets, autograd, Adam).
#
# **Time:** 50 minutes: subsets and rules 10, gradient proof 10, training and a prediction 15, why the single pass
# wins 10, slider 5.
#
# **Learning goals**
# - Build grid and random subsets, and say what `stride` and `offset` select.
# - Name five rules that replace the masked pixels, and what each feeds the net.
# - Show with autograd that the masked net's output on $J$ does not depend on $x_J$.
# - Train a small net by Noise2Self and explain why the single pass scores above the J-invariant prediction.

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["ko"]
# **한국어 · 학습 목표**
#
# - 격자 부분집합과 무작위 부분집합을 만들고, `stride`와 `offset`이 무엇을 고르는지 말한다.
# - 마스킹된 픽셀을 바꾸는 다섯 가지 규칙과, 각 규칙이 신경망에 무엇을 넣는지 말한다.
# - 마스킹된 신경망의 $J$ 위 출력이 $x_J$에 의존하지 않음(J-불변)을 autograd로 보인다.
# - 작은 신경망을 Noise2Self로 학습하고, 단일 패스가 J-불변 예측보다 점수가 높은 이유를 설명한다.

# %% [markdown] slideshow={"slide_type": "skip"}
# *On Colab* the next cell installs this workbook's package, upgrading nothing; elsewhere it does nothing.

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
import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

import n2s_core as n2s
from n2s_core.nets import inference, models, training
from n2s_core.nets.masking import Masker
from n2s_core.nets.masks import grid_mask, random_mask
from n2s_core.teach import exercises, widgets

THREADS = n2s.size_thread_pools()  # every thread pool sized to the CPUs this process may use (docs/platforms.md)
torch.set_num_threads(1)  # tensors this small: one thread was ~7x faster than two on a busy 2-core machine

# %% slideshow={"slide_type": "skip"} tags=["parameters"]
SCALE = n2s.pick_scale()  # quick on a CPU, the paper's scale on a GPU; N2S_QUICK=1 or 0 overrides
print(SCALE)
QUICK = SCALE.quick
SIGMA = 0.1  # Gaussian noise std on [0, 1], clipped (supplement §4)
SEED = 3  # noise seed (the authors' notebooks); every torch draw below uses its own torch.Generator
STRIDE = 4  # grid spacing: 16 subsets (supplement §3, the authors' repository)
N_SUBSETS = 25  # random partition: density 1/25 (paper §5, supplement §5.3)
CROP = 64 if QUICK else 256  # side of the camera crop we train and denoise on
STEPS = 80 if QUICK else 1000  # Adam steps of the Noise2Self run (full: about 7 min on one CPU core)
BATCH, PATCH = (8, 32) if QUICK else (16, 64)  # random patches per step and their side
DEPTH, FEATURES = (5, 16) if QUICK else (8, 32)  # a small DnCNN (the paper's: depth 17, 64 features, paper §5)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Subsets: a grid or a random partition
#
# A subset $J$ is the set of pixels hidden together. The grid puts pixel $(r, c)$ in subset
# `(r % stride) * stride + c % stride`: `stride**2` offsets partition the image, and no two held-out pixels touch.
# The random partition (paper §5, supplement §5.3) splits the pixels into `n_subsets` equal groups at random and
# holds out one: 1/25 of the pixels, some of them neighbours.

# %% slideshow={"slide_type": "subslide"}
shape = (16, 16)
grids = torch.stack([grid_mask(shape, offset=k, stride=STRIDE) for k in range(STRIDE**2)])  # (16, H, W)
rand = random_mask((1, 1, *shape), n_subsets=N_SUBSETS, generator=torch.Generator().manual_seed(SEED))[0, 0]
fig, axes = plt.subplots(1, 4, figsize=(9, 2.4))
for ax, (title, m) in zip(axes, [("grid offset 0", grids[0]), ("grid offset 5", grids[5]),
                                 ("grid stride 2, offset 3", grid_mask(shape, offset=3, stride=2)),
                                 (f"random, 1/{N_SUBSETS}", rand)], strict=True):
    ax.imshow(m, cmap="Blues", vmin=0, vmax=1.3)
    ax.set_title(title, fontsize=9)
    ax.set_axis_off()
plt.show()
assert torch.equal(grids.sum(dim=0), torch.ones(shape, dtype=torch.long))  # every pixel in exactly one subset
print(f"grid: {STRIDE**2} subsets of {int(grids[0].sum())} pixels; random: {int(rand.sum())} of {rand.numel()}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### From scratch: the `axis` replacement
# Each held-out pixel gets the mean of its 4 axis neighbours (supplement §3), mirrored at the border without
# repeating the edge (torch `reflect`), so no pixel reads itself.

# %% slideshow={"slide_type": "skip"}
clean, noisy = n2s.noisy_camera(sigma=SIGMA, rng=SEED, size=CROP)  # NumPy (H, W) on [0, 1]
x = torch.as_tensor(noisy, dtype=torch.float32)[None, None]  # (1, 1, H, W)


def axis_fill(x, mask, pad="reflect"):
    """x (B, C, H, W) with the pixels where `mask` (H, W) is True replaced by the mean of their 4 axis neighbours."""
    p = F.pad(x, (1, 1, 1, 1), mode=pad)  # (B, C, H+2, W+2)
    mean4 = (p[..., :-2, 1:-1] + p[..., 2:, 1:-1] + p[..., 1:-1, :-2] + p[..., 1:-1, 2:]) / 4
    return torch.where(mask, mean4, x)


for offset in (0, 5, 15):  # offset 0 holds out the corner pixel (0, 0)
    mask = grid_mask(x.shape[-2:], offset=offset, stride=STRIDE)
    assert torch.allclose(axis_fill(x, mask), Masker("axis").fill(x, mask), atol=1e-6)
print("from-scratch axis replacement matches Masker('axis').fill")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Five replacement rules
#
# | rule | subsets | what replaces $x_J$ |
# |---|---|---|
# | `axis` | grid | mean of the 4 axis neighbours (supplement §3) |
# | `diagonal` | grid | kernel `[[.5,1,.5],[1,0,1],[.5,1,.5]]/6` (the authors' repository) |
# | `zero` | grid | 0 |
# | `random` | random, 1/25 | uniform values in $[0,1]$ (supplement §5.3) |
# | `neighbor` | random, 1/25 | a random one of the 8 neighbours, never a held-out one (Noise2Void-like; notebook 10) |

# %% slideshow={"slide_type": "subslide"}
RULES = ("axis", "diagonal", "zero", "random", "neighbor")  # N2V2's median and N2V's centre-included: notebooks 10-11
WINDOW = (slice(CROP // 2 - 32, CROP // 2 - 8), slice(CROP // 2 - 20, CROP // 2 + 4))  # 24 x 24: pixels show


def masked_example(rule, *, stride=STRIDE, offset=5, partition=None, seed=SEED):
    masker = Masker(rule, stride=stride, n_subsets=N_SUBSETS, partition=partition)
    generator = torch.Generator().manual_seed(seed)
    grid = masker.partition == "grid"
    return masker.mask(x, offset=offset if grid else None, generator=generator)  # (masked, mask)


fig, axes = plt.subplots(2, len(RULES), figsize=(11, 4.6))
for col, rule in enumerate(RULES):
    masked, mask = masked_example(rule)
    axes[0, col].imshow(mask[0, 0][WINDOW], cmap="Blues", vmin=0, vmax=1.3)
    axes[1, col].imshow(masked[0, 0][WINDOW], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[0, col].set_title(f"{rule}: mask", fontsize=9)
    axes[1, col].set_title(f"{rule}: net input", fontsize=9)
    assert torch.equal(masked[~mask.expand_as(x)], x[~mask.expand_as(x)])  # kept pixels untouched
for ax in axes.flat:
    ax.set_axis_off()
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Proof by gradient: the masked net never reads $x_J$
#
# Take a random, untrained **DnCNN** (stacked 3 x 3 convolutions with batch normalisation and ReLU, mapping a noisy
# image to a clean estimate; the paper's has 17 layers, paper §5) and a held-out pixel $j$. The saliency map
# $\partial f(x)_j / \partial x$ shows which inputs the output at $j$ reads: unmasked, $j$ itself too; masked, no pixel
# of $J$ (cyan squares; $j$ is the cross), only the kept pixels around it.

# %% slideshow={"slide_type": "subslide"}
net = models.seed_weights(models.build_model("dncnn", depth=DEPTH, features=FEATURES), SEED)
row, col = CROP // 2 + 2, CROP // 2 + 1
offset = (row % STRIDE) * STRIDE + col % STRIDE
mask = grid_mask(x.shape[-2:], offset=offset, stride=STRIDE)  # (H, W), True on J, which holds (row, col)


def saliency(net, masker=None):
    inp = x.clone().requires_grad_(True)
    out = net.eval()(inp if masker is None else masker.fill(inp, mask))  # (1, 1, H, W)
    out[0, 0, row, col].backward()
    return inp.grad[0, 0]  # (H, W): d out_j / d x


plain, masked_grad = saliency(net), saliency(net, Masker("axis"))
window = (slice(row - 3, row + 4), slice(col - 3, col + 4))  # the 7 x 7 pixels around j
kept_near = ~mask[window]
assert plain[row, col] != 0 and masked_grad[row, col] == 0
assert torch.all(masked_grad[mask] == 0)  # blind on all of J, not just on j
assert (masked_grad[window][kept_near] != 0).float().mean() > 0.9  # but reads the kept pixels around j
near = (slice(row - 6, row + 7), slice(col - 6, col + 7))  # 13 x 13 around j, more than the receptive field
held_r, held_c = np.nonzero(mask[near].numpy())
fig, axes = plt.subplots(1, 2, figsize=(6.4, 3.4))
for ax, (title, g) in zip(axes, [("unmasked net", plain), ("masked net (axis)", masked_grad)], strict=True):
    ax.imshow(g[near].abs(), cmap="magma", vmin=0, vmax=plain.abs().max())
    ax.scatter(held_c, held_r, s=60, marker="s", facecolors="none", edgecolors="c", linewidths=0.8)
    ax.plot(6, 6, "cx")
    ax.set_title(f"{title}: |d out_j / d x|", fontsize=9)
    ax.set_axis_off()
plt.show()
print(f"|d out_j / d x_j|: unmasked {plain[row, col].abs():.3g}, masked {masked_grad[row, col].abs():.3g}; "
      f"masked, max over J {masked_grad[mask].abs().max():.3g}, max elsewhere {masked_grad[~mask].abs().max():.3g}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. A short Noise2Self run
#
# `training.train` masks one grid subset per random patch (`axis` rule) and fits the MSE on the masked pixels
# against the noisy image: each step scores a J-invariant function, as Proposition 1 (paper §1) needs. Two ways to
# denoise (paper §5, supplement §5.4): the **single pass** applies the net once to the unmasked noisy image; the
# **J-invariant prediction** runs it on each of the 16 masked copies and keeps each output on its own $J$.
# **PSNR** $= 10\log_{10}(1/\mathrm{MSE})$ against the clean image, in dB.

# %% slideshow={"slide_type": "skip"}
model = models.seed_weights(models.build_model("dncnn", depth=DEPTH, features=FEATURES), SEED)
config = training.TrainConfig(mode="n2s", steps=STEPS, batch_size=BATCH, crop=PATCH, lr=3e-3, replacement="axis",
                              stride=STRIDE, seed=SEED, device="cpu")
result = training.train(model, x, config=config, progress=False)
single = inference.predict_single_pass(model, x)[0, 0].numpy()
invariant = inference.predict_invariant(model, x, masker=config.masker)[0, 0].numpy()
scores = {"noisy": n2s.psnr(clean, noisy), "single pass": n2s.psnr(clean, single),
          "J-invariant": n2s.psnr(clean, invariant)}

# %% slideshow={"slide_type": "subslide"} tags=["predict", "slide-code"]
prediction = None  # Predict before running the next cell: single pass minus J-invariant PSNR, in dB (> 0: single wins)

# %% slideshow={"slide_type": "subslide"}
print(f"{STEPS} steps, masked loss {np.mean(result.train_loss[:10]):.4f} -> {np.mean(result.train_loss[-10:]):.4f}")
print(" | ".join(f"{k} {v:.2f} dB" for k, v in scores.items()))
gap = scores["single pass"] - scores["J-invariant"]
exercises.reveal(prediction, round(gap, 2), what="single pass minus J-invariant (dB)", tolerance=0.25)
assert scores["J-invariant"] > scores["noisy"] and gap > 0
fig, axes = plt.subplots(1, 4, figsize=(11, 3))
for ax, (title, image) in zip(axes, [("clean", clean), ("noisy", noisy), ("single pass", single),
                                     ("J-invariant", invariant)], strict=True):
    ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    ax.set_title(title + (f" {scores[title]:.2f} dB" if title in scores else ""), fontsize=9)
    ax.set_axis_off()
plt.show()


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Why the single pass wins
#
# In the J-invariant prediction each pixel comes from a different masked input: pixel $j$ from the copy that hid its
# subset, its right neighbour from another copy. Neighbours are denoised from different information, so they
# disagree: the picture looks pixelated, noisier. The single pass denoises every pixel from the same input,
# coherently (and reads $x_j$). The paper found it about 0.5 dB better (paper §5, supplement §5.4). Below: the
# correlation of neighbouring pixels' errors (lower: they disagree more), and a zoom.
#
# The price: the single pass is not J-invariant, so its self-supervised loss no longer estimates its ground-truth
# loss. Keep the J-invariant prediction to calibrate or validate.

# %% slideshow={"slide_type": "subslide"}
def neighbour_correlation(image):
    """Correlation of the errors (image - clean) of horizontally and vertically adjacent pixels."""
    error = image - clean
    error = error - error.mean()
    return float((np.mean(error[:, 1:] * error[:, :-1]) + np.mean(error[1:] * error[:-1])) / 2 / np.var(error))


correlations = {name: neighbour_correlation(image) for name, image in (("single pass", single),
                                                                       ("J-invariant", invariant))}
print("neighbouring errors, correlation:", {k: round(v, 3) for k, v in correlations.items()})
assert correlations["J-invariant"] < correlations["single pass"]
fig, axes = plt.subplots(1, 4, figsize=(11, 3))
for ax, (title, image, limits) in zip(axes, [("clean", clean, (0, 1)), ("single pass", single, (0, 1)),
                                             ("J-invariant", invariant, (0, 1)),
                                             ("J-invariant - single pass", invariant - single, (-0.1, 0.1))],
                                      strict=True):
    ax.imshow(image[WINDOW], cmap="gray", vmin=limits[0], vmax=limits[1], interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.set_axis_off()
plt.show()


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Try it: rule, stride and offset
#
# Mask and net input for any rule; here every rule uses the grid (offset modulo `stride**2`).

# %% slideshow={"slide_type": "skip"}
def draw(offset=5, stride=STRIDE, rule="axis"):
    offset %= stride**2
    masked, mask = masked_example(rule, stride=stride, offset=offset, partition="grid")
    fig, axes = plt.subplots(1, 2, figsize=(6, 3))
    axes[0].imshow(mask[0, 0][WINDOW], cmap="Blues", vmin=0, vmax=1.3)
    axes[1].imshow(masked[0, 0][WINDOW], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[0].set_title(f"mask: stride {stride}, offset {offset}", fontsize=9)
    axes[1].set_title(f"net input: {rule}", fontsize=9)
    for ax in axes:
        ax.set_axis_off()
    change = (masked - x)[mask.expand_as(x)].abs().mean()
    return f"held_out={int(mask.sum())} mean_change={change:.4f}"


# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
widgets.interactive_panel(draw, offset=widgets.int_slider("offset", 5, 0, 35),
                          stride=widgets.int_slider("stride", STRIDE, 2, 6),
                          rule=widgets.choice("rule", RULES, "axis"))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## What to remember
#
# - A grid of stride $s$ makes $s^2$ subsets of isolated pixels; the random partition hides 1/25, neighbours
#   included.
# - Every rule fills $J$ without reading $x_J$ (border included), so the masked net's output on $J$ has zero
#   gradient with respect to $x_J$.
# - Train on masked inputs, scoring masked pixels only. Denoise with the single pass, coherent over all pixels;
#   keep the J-invariant prediction where the loss must stay honest.
# - Predict in `eval()` mode: train-mode BatchNorm makes outputs batch-dependent.
#
# **Where it comes back:** 05 trains on one noisy image and compares both predictions again; 10 compares Noise2Void
# and its family.

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["ko"]
# **한국어 · 기억할 것**
#
# - 간격 $s$의 격자는 영상을 서로 떨어진 픽셀들의 $s^2$ 개 부분집합으로 나눈다. 무작위 분할은 이웃을 포함해 픽셀의
#   1/25을 가린다.
# - 모든 규칙은 $x_J$를 읽지 않고 $J$를 채운다(경계에서도: 가장자리를 반복하지 않는 거울 반사). 그래서 마스킹된
#   신경망의 $J$ 위 출력은 $x_J$에 대한 기울기가 0이다.
# - 마스킹된 입력으로 학습하고 가린 픽셀에서만 손실을 잰다. 잡음 제거는 모든 픽셀을 같은 입력에서 다루는 단일 패스로
#   하고, 손실이 정직해야 할 때는 J-불변 예측을 쓴다.
# - 예측은 `eval()` 모드에서 한다: 학습 모드의 BatchNorm은 출력을 배치의 나머지에 의존하게 만든다.
#
# **다시 나오는 곳:** 05(잡음 영상 한 장으로 학습), 10(Noise2Void를 비롯한 여러 방법의 마스킹 비교).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# 1. (code) The J-invariant prediction from scratch: for each offset, fill that subset with `axis_fill`, run
#    `model` (eval mode, no gradients), keep its output on the subset. Put the result in `invariant_scratch`; the
#    check compares it with `inference.predict_invariant`.
# 2. (derive) With `pad="replicate"` (copying the edge pixel), a border pixel's axis fill reads itself. Derive
#    $\partial\,\mathrm{fill}(x)_j / \partial x_j$ for every pixel $j$ as `self_weight(height, width)`, an (H, W)
#    array. The check compares it with autograd.
# 3. (predict) Retrain with `replacement="zero"`: higher or lower PSNR than `axis`? Predict, then run.

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 1 (code): one masked copy per offset, each output kept on its own subset.
invariant_scratch = torch.zeros_like(x)
with torch.no_grad():
    for k in range(STRIDE**2):
        subset = grid_mask(x.shape[-2:], offset=k, stride=STRIDE)  # (H, W)
        invariant_scratch[..., subset] = model.eval()(axis_fill(x, subset))[..., subset]
assert torch.allclose(invariant_scratch, inference.predict_invariant(model, x, masker=config.masker), atol=1e-5), \
    "not the J-invariant prediction"


# %% [raw] slideshow={"slide_type": "skip"} tags=["wrong-answer"]
# invariant_scratch = torch.zeros_like(x)
# with torch.no_grad():
#     for k in range(STRIDE**2):
#         subset = grid_mask(x.shape[-2:], offset=k, stride=STRIDE)
#         invariant_scratch[..., subset] = model.eval()(x)[..., subset]  # the subset was never hidden

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 2 (derive): "replicate" pads row -1 with row 0, so every axis neighbour that falls outside the image is
# the pixel itself: 1/4 for each side of the image the pixel touches (1/2 at a corner), 0 inside.
def self_weight(height, width):
    weight = np.zeros((height, width))
    weight[0, :] += 0.25
    weight[-1, :] += 0.25
    weight[:, 0] += 0.25
    weight[:, -1] += 0.25
    return weight


assert np.allclose(self_weight(5, 6), torch.autograd.functional.jacobian(
    lambda t: axis_fill(t, torch.ones(5, 6, dtype=torch.bool), pad="replicate"), torch.rand(1, 1, 5, 6))
    .reshape(30, 30).diagonal().reshape(5, 6).numpy()), "not the self-weights autograd finds on a 5 x 6 image"
assert np.allclose(self_weight(4, 9), torch.autograd.functional.jacobian(
    lambda t: axis_fill(t, torch.ones(4, 9, dtype=torch.bool), pad="replicate"), torch.rand(1, 1, 4, 9))
    .reshape(36, 36).diagonal().reshape(4, 9).numpy()), "not the self-weights autograd finds on a 4 x 9 image"

# %% [raw] slideshow={"slide_type": "skip"} tags=["wrong-answer"]
# def self_weight(height, width):  # one neighbour outside at most: the corners get 1/4, not 1/2
#     weight = np.zeros((height, width))
#     weight[0, :] = weight[-1, :] = weight[:, 0] = weight[:, -1] = 0.25
#     return weight

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 3 (predict): a zero tells the net nothing about x_j, while "axis" hands it an estimate to refine.
zero_model = models.seed_weights(models.build_model("dncnn", depth=DEPTH, features=FEATURES), SEED)
zero_config = dataclasses.replace(config, replacement="zero")
training.train(zero_model, x, config=zero_config, progress=False)
zero_single = n2s.psnr(clean, inference.predict_single_pass(zero_model, x)[0, 0].numpy())
zero_invariant = n2s.psnr(clean, inference.predict_invariant(zero_model, x, masker=zero_config.masker)[0, 0].numpy())
print(f"zero: single pass {zero_single:.2f} dB, J-invariant {zero_invariant:.2f} dB "
      f"(axis: {scores['single pass']:.2f}, {scores['J-invariant']:.2f})")

# %% [markdown] slideshow={"slide_type": "skip"}
# ## For the reproducer

# %% [markdown] slideshow={"slide_type": "skip"}
# **Masking, three published variants.** The paper's Table 2 nets hold out a random 1/25 of the pixels and fill them
# with uniform random values (paper §5, supplement §5.3); the authors' repository masks a stride-4 grid with the
# diagonal kernel; this notebook trains on the grid with the `axis` rule, the masking of the paper's classical
# denoisers (supplement §3). **Single pass against J-invariant:** the paper's "about 0.5 dB" is for its nets trained
# on its datasets (supplement §5.4); the live gap below comes from a small DnCNN trained briefly on one crop.

# %% slideshow={"slide_type": "skip"}
print(f"live run: {CROP} x {CROP} camera crop, DnCNN depth {DEPTH} with {FEATURES} features "
      f"({sum(p.numel() for p in model.parameters())} parameters), {STEPS} Adam steps of {BATCH} patches of "
      f"{PATCH} x {PATCH}, lr {config.lr}, {result.wall_time:.1f} s; single pass - J-invariant {gap:+.2f} dB")
