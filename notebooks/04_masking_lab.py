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
# A convolutional net reads every pixel of its input, including the pixel it predicts, so trained against the noisy
# image it learns the identity. Noise2Self trains it on a *masked* input instead: pick a subset $J$ of pixels,
# replace $x_J$ by values computed without $x_J$, and score the output on $J$ only (paper §2). The function
# $x \mapsto f(\mathbb{1}_J s(x) + \mathbb{1}_{J^c} x)_J$ then never sees $x_J$: it is J-invariant, and notebook 01's
# identity (self-supervised loss = ground-truth loss + noise variance) applies to it. This notebook takes the masking
# apart: which subsets, what replaces them, a gradient that proves the net is blind on $J$, and a short training run.
#
# **Learning goals**
# - Build grid and random subsets, and say what `stride` and `offset` select.
# - Name the five replacement rules of `n2s_core.nets.masking.Masker` and draw what each feeds the net.
# - Show with autograd that $\partial f(x)_j / \partial x_J = 0$ for $j \in J$ with masking, and not without.
# - Train a small net with Noise2Self and compare single-pass with J-invariant inference (paper §2: single pass
#   was about 0.5 dB better).

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
import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

import n2s_core as n2s
from n2s_core.nets import inference, models, training
from n2s_core.nets.masking import Masker
from n2s_core.nets.masks import grid_mask, random_mask
from n2s_core.teach import widgets

torch.set_num_threads(1)  # tensors this small: one thread was ~7x faster than two on a busy 2-core machine

# %% slideshow={"slide_type": "skip"} tags=["parameters"]
SCALE = n2s.pick_scale()  # quick on a CPU, the paper's scale on a GPU; N2S_QUICK=1 or 0 overrides
print(SCALE)
QUICK = SCALE.quick
SIGMA = 0.1  # Gaussian noise std on [0, 1], clipped (paper §3)
SEED = 3  # noise seed (paper §3); every torch draw below uses its own torch.Generator
STRIDE = 4  # grid spacing: 16 subsets (paper §2, the authors' repository)
N_SUBSETS = 25  # random partition: density 1/25 (paper §5)
CROP = 64 if QUICK else 256  # side of the camera crop we train and denoise on
STEPS = 80 if QUICK else 1000  # Adam steps of the Noise2Self run (full: about 7 min on one CPU core)
BATCH, PATCH = (8, 32) if QUICK else (16, 64)  # random patches per step and their side
DEPTH, FEATURES = (5, 16) if QUICK else (8, 32)  # a small DnCNN (the paper's §4 one: depth 17, 64 features)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Subsets: a grid or a random partition
#
# The grid puts pixel $(r, c)$ in subset `(r % stride) * stride + c % stride`, so `stride**2` offsets partition the
# image and no two held-out pixels touch. The random partition (paper §5) labels the pixels into `n_subsets` balanced
# groups at random and holds out one: about 1/25 of the pixels, some of them neighbours.

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
# ### From scratch: the "axis" replacement
# Each held-out pixel gets the mean of its 4 axis neighbours (paper §3). At the border we mirror *without* repeating
# the edge (numpy/torch `reflect`: row $-1$ reads row 1), so a pixel never reads itself (paper §2).

# %% slideshow={"slide_type": "skip"}
clean, noisy = n2s.noisy_camera(sigma=SIGMA, rng=SEED, size=CROP)  # NumPy (H, W) on [0, 1]
x = torch.as_tensor(noisy, dtype=torch.float32)[None, None]  # (1, 1, H, W)


def axis_fill(x, mask):
    p = F.pad(x, (1, 1, 1, 1), mode="reflect")  # (B, C, H+2, W+2)
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
# | `axis` | grid | mean of the 4 axis neighbours (paper §3) |
# | `diagonal` | grid | kernel `[[.5,1,.5],[1,0,1],[.5,1,.5]]/6` (the authors' repository) |
# | `zero` | grid | 0 |
# | `random` | random, 1/25 | uniform values in $[0,1]$ (paper §5) |
# | `neighbor` | random, 1/25 | one of the 8 neighbours at random, never a held-out one (as in Noise2Void) |

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
# Take a random, untrained DnCNN and one held-out pixel $j$. The saliency map $\partial f(x)_j / \partial x$ says
# which input pixels the output at $j$ depends on. Unmasked, it is non-zero at $j$ itself. Masked, it is exactly zero
# at $j$ *and* at every other pixel of $J$ (cyan squares; $j$ is the cross), and non-zero at the kept pixels around
# $j$: the masked input holds no trace of $x_J$, whatever the net does with it.

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
# `n2s_core.nets.training.train` draws random patches, masks one grid subset per image with the `axis` rule and fits the
# masked-pixel MSE against the noisy image. Then two ways to denoise (paper §2): apply the net once to the noisy
# image ("single pass"), or run it on each of the 16 masked copies and keep each output on its own $J$
# (`predict_invariant`, J-invariant by construction).

# %% slideshow={"slide_type": "skip"}
model = models.seed_weights(models.build_model("dncnn", depth=DEPTH, features=FEATURES), SEED)
config = training.TrainConfig(mode="n2s", steps=STEPS, batch_size=BATCH, crop=PATCH, lr=3e-3, replacement="axis",
                              stride=STRIDE, seed=SEED, device="cpu")
result = training.train(model, x, config=config, progress=False)
single = inference.predict_single_pass(model, x)[0, 0].numpy()
invariant = inference.predict_invariant(model, x, masker=config.masker)[0, 0].numpy()
scores = {"noisy": n2s.psnr(clean, noisy), "single pass": n2s.psnr(clean, single),
          "J-invariant": n2s.psnr(clean, invariant)}
print(f"{STEPS} steps in {result.wall_time:.1f} s, masked loss {np.mean(result.train_loss[:10]):.4f} -> "
      f"{np.mean(result.train_loss[-10:]):.4f}")
print(" | ".join(f"{k} {v:.2f} dB" for k, v in scores.items()))
print(f"single pass - J-invariant = {scores['single pass'] - scores['J-invariant']:+.2f} dB (paper §2: about +0.5 dB)")
assert scores["single pass"] > scores["noisy"] and scores["J-invariant"] > scores["noisy"]

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 4, figsize=(11, 3))
for ax, (title, image) in zip(axes, [("clean", clean), ("noisy", noisy), ("single pass", single),
                                     ("J-invariant", invariant)], strict=True):
    ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    ax.set_title(title + (f" {scores[title]:.2f} dB" if title in scores else ""), fontsize=9)
    ax.set_axis_off()
plt.show()


# %% [markdown] slideshow={"slide_type": "notes"}
# With so few steps the two inferences are close; the paper's 0.5 dB gap was measured on fully trained nets. Single
# pass is not J-invariant (it reads $x_j$), so its self-supervised loss no longer estimates its ground-truth loss:
# keep the J-invariant prediction when you need that guarantee, e.g. to calibrate or validate.
#
# ## 5. Try it: rule, stride and offset
#
# The panel redraws the mask and the net input for any rule. Here `random` and `neighbor` use the grid too, so stride
# and offset apply to every rule (the offset is taken modulo `stride**2`).

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
# ## Summary
#
# - A grid of stride $s$ splits the image into $s^2$ subsets of isolated pixels; the random partition holds out
#   about 1/25 of the pixels, neighbours included, so only rules that skip held-out pixels apply there.
# - Every rule fills $J$ from outside $J$ (`axis`, `diagonal`, `neighbor`) or from nothing (`zero`, `random`), so the
#   masked net's output on $J$ has exactly zero gradient with respect to $x_J$; the unmasked net's does not.
# - Inference runs in `eval()` mode: BatchNorm in train mode would make each output depend on the rest of the batch.
# - A short Noise2Self run already beats the noisy image, with both single-pass and J-invariant inference.
#
# ## Exercises
#
# 1. Perturbation instead of gradient: add 1 to $x_J$ and check that the masked, eval-mode net's output on $J$ does
#    not change, for each grid rule. What happens with the unmasked net?
# 2. Replace the torch `reflect` pad of `axis_fill` by `replicate` (which copies the edge pixel). Which pixels now
#    read themselves? Check it with the gradient at the corner pixel (0, 0).
# 3. Retrain with `replacement="zero"` and compare its PSNRs with `axis` after the same number of steps. Why
#    might zeros make the net's job harder?

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 1
kicked = x + mask.float()  # x_J + 1, the rest unchanged
for rule in ("axis", "diagonal", "zero"):
    with torch.no_grad():
        before, after = (net.eval()(Masker(rule).fill(t, mask)) for t in (x, kicked))
    assert torch.equal(before[0, 0][mask], after[0, 0][mask])
with torch.no_grad():
    moved = (net(kicked) - net(x))[0, 0][mask].abs().max()
print(f"masked: output on J unchanged for every grid rule; unmasked: it moves by up to {moved:.3f}")
assert moved > 0

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 2: with "replicate", row -1 is row 0, so a pixel on the edge averages itself in.
corner = grid_mask(x.shape[-2:], offset=0, stride=STRIDE)  # holds (0, 0)
inp = x.clone().requires_grad_(True)
p = F.pad(inp, (1, 1, 1, 1), mode="replicate")
mean4 = (p[..., :-2, 1:-1] + p[..., 2:, 1:-1] + p[..., 1:-1, :-2] + p[..., 1:-1, 2:]) / 4
torch.where(corner, mean4, inp)[0, 0, 0, 0].backward()
print(f"replicate: d filled(0,0) / d x(0,0) = {inp.grad[0, 0, 0, 0]:.2f} (reflect gives 0)")
assert inp.grad[0, 0, 0, 0] == 0.5  # two of the four axis neighbours are the corner itself

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 3
zero_model = models.seed_weights(models.build_model("dncnn", depth=DEPTH, features=FEATURES), SEED)
zero_config = dataclasses.replace(config, replacement="zero")
training.train(zero_model, x, config=zero_config, progress=False)
zero_single = n2s.psnr(clean, inference.predict_single_pass(zero_model, x)[0, 0].numpy())
zero_inv = n2s.psnr(clean, inference.predict_invariant(zero_model, x, masker=zero_config.masker)[0, 0].numpy())
print(f"zero: single pass {zero_single:.2f} dB, J-invariant {zero_inv:.2f} dB (axis: {scores['single pass']:.2f}, "
      f"{scores['J-invariant']:.2f}): a zero tells the net nothing about x_j, while 'axis' hands it an estimate")
