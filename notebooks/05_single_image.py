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
# # 05 · One noisy image is a training set
#
# Noise2Self needs no clean image and no second noisy copy: the masked loss of notebook 04 can be minimised on the
# very image we want to denoise. The paper (§5) trains a DnCNN (17 layers, about 556k parameters) on the noisy
# camera image alone and reaches PSNR 31.2 dB; the authors' notebook, with 8 layers, Adam at lr 0.01 and 500 steps,
# reaches 30.3 dB. This notebook trains a DnCNN and a UNet that way, watches the loss go down, compares single-pass
# and J-invariant inference, and puts both nets beside the calibrated NL-means of notebook 03 on the same pixels.
#
# **Learning goals**
# - Train a net by Noise2Self on one noisy image, recording its loss and snapshots through the training callback.
# - Compare single-pass and J-invariant predictions of the same trained net.
# - Place a self-supervised net against the best self-supervised classical denoiser (NL-means, Table 1).
# - Say what the quick settings change and what the paper's settings need (a GPU).

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
import torch

import n2s_core as n2s
from n2s_core.app.selection import select_denoiser
from n2s_core.classical.denoisers import get_method
from n2s_core.nets import inference, models, training
from n2s_core.paper import table1
from n2s_core.teach import plotting, widgets

torch.set_num_threads(1)  # tensors this small: one thread was ~7x faster than two on a busy 2-core machine

# %% slideshow={"slide_type": "skip"} tags=["parameters"]
SCALE = n2s.pick_scale()  # quick on a CPU, the paper's scale on a GPU; N2S_QUICK=1 or 0 overrides
print(SCALE)
QUICK = SCALE.quick
SIGMA = 0.1  # Gaussian noise std on [0, 1], clipped (paper §3)
SEED = 3  # noise seed (paper §3); weights and training draws use their own torch.Generator
STRIDE = 4  # grid masks: 16 subsets, "axis" replacement (paper §3), so J-invariant inference is possible
# Paper (§5) and the authors' notebook: the full 512 x 512 image, DnCNN depth 17 with 64 features, 500 steps, Adam
# lr 0.01, the whole image as the batch. Those settings want a GPU (Colab: Runtime > Change runtime type): on one
# CPU core a 17-layer, 64-feature DnCNN step on 512 x 512 takes seconds, so 500 steps run for many minutes.
CROP = 96 if QUICK else None  # side of the central crop of the camera image; None: the full 512 x 512
STEPS = 300 if QUICK else 500  # Adam steps per net (the authors' notebook: 500)
DEPTH, FEATURES = (6, 24) if QUICK else (17, 64)  # DnCNN (paper §5: 17 layers, 64 features)
UNET_FEATURES = (16, 32, 64) if QUICK else (32, 64, 128, 256)  # UNet levels (paper §4: 32 to 256)
LR = {"DnCNN": 0.01, "UNet": 3e-3}  # DnCNN: the authors' notebook; UNet: a quick run here trained better at 3e-3
SNAPSHOTS = 6  # predictions stored during training, for the slider
VAL_EVERY = 20  # steps between validation losses on a fixed set of masks

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The data: one noisy image, nothing else
#
# The camera image with Gaussian noise $\sigma = 0.1$ and seed 3, as in Table 1 (paper §3). In quick mode we keep a
# central crop, so the nets, NL-means and the PSNRs all see the same pixels. The clean image is used only to score.

# %% slideshow={"slide_type": "skip"}
clean, noisy = n2s.noisy_camera(sigma=SIGMA, rng=SEED, size=CROP)  # NumPy (H, W) on [0, 1]
x = torch.as_tensor(noisy, dtype=torch.float32)[None, None]  # (1, 1, H, W): the whole training set
psnr_noisy = n2s.psnr(clean, noisy)
print(f"image {noisy.shape}, noisy PSNR {psnr_noisy:.2f} dB")


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Training with a callback
#
# `training.train` calls `callback(step, train_loss, val_loss)` after every step. Our callback keeps the losses and,
# at a few steps, a single-pass prediction of the whole image (a snapshot for the slider in section 5). Each step
# masks one of the 16 grid subsets of the image with the `axis` rule and fits the masked-pixel MSE against the noisy
# image, as in notebook 04. Following the authors' notebook, the batch is the whole image (`crop=None`, batch 1).
#
# Validation: `val_noisy=x` scores the net every `VAL_EVERY` steps on masks drawn once and then fixed, so the
# numbers are comparable across steps. It is the same image, so this is a steadier loss curve rather than a held-out
# test; the authors' notebook instead kept one grid phase out of training.

# %% slideshow={"slide_type": "skip"}
class Recorder:
    """A training callback: every loss, and a single-pass prediction at each step in ``at``."""

    def __init__(self, model, at):
        self.model, self.at = model, set(at)
        self.losses, self.snapshots = [], {}

    def __call__(self, step, train_loss, val_loss):
        self.losses.append(train_loss)
        if step in self.at:
            device = next(self.model.parameters()).device
            self.snapshots[step] = inference.predict_single_pass(self.model, x.to(device))[0, 0].cpu().numpy()


snap_steps = [VAL_EVERY] + [round(STEPS * k / (SNAPSHOTS - 1)) for k in range(1, SNAPSHOTS)]  # e.g. 20, 60, ..
nets = {"DnCNN": models.seed_weights(models.build_model("dncnn", depth=DEPTH, features=FEATURES), SEED),
        "UNet": models.seed_weights(models.build_model("unet", features=UNET_FEATURES), SEED)}
configs, results, recorders = {}, {}, {}
for name, net in nets.items():
    configs[name] = training.TrainConfig(mode="n2s", steps=STEPS, batch_size=1, crop=None, lr=LR[name],
                                         replacement="axis", stride=STRIDE, val_every=VAL_EVERY, seed=SEED,
                                         device="auto")
    recorders[name] = Recorder(net, snap_steps)
    results[name] = training.train(net, x, config=configs[name], val_noisy=x, callback=recorders[name],
                                   progress=False)
    r = results[name]
    print(f"{name}: {models.count_parameters(net):,} parameters, {STEPS} steps in {r.wall_time:.1f} s on "
          f"{r.device}; masked loss {np.mean(r.train_loss[:10]):.4f} -> {np.mean(r.train_loss[-10:]):.4f}, "
          f"best validation at step {r.best_step}")
x = x.to(results["DnCNN"].device)  # inference below runs where the nets now live

# %% [markdown] slideshow={"slide_type": "notes"}
# The loss curves (drawn after training; in a live kernel a callback could redraw them every few steps, at the
# cost of slowing training). The masked loss is measured against the *noisy* pixels, so it cannot fall below the
# noise variance (notebook 01): the dotted line. Clipping to [0, 1] makes that variance smaller than
# $\sigma^2 = 0.01$, and much smaller in this crop's dark coat (printed below).

# %% slideshow={"slide_type": "subslide"}
noise_variance = float(np.mean((noisy - clean) ** 2))  # measured with the clean image, for the plot only
fig, ax = plt.subplots(figsize=(7, 3.4))
for (name, r), color in zip(results.items(), ("C0", "C1"), strict=True):
    smooth = np.convolve(r.train_loss, np.ones(10) / 10, mode="valid")  # running mean over 10 steps
    ax.plot(np.arange(10, len(r.train_loss) + 1), smooth, color=color, alpha=0.6, label=f"{name} train (mean of 10)")
    ax.plot(r.val_steps, r.val_loss, "o-", color=color, markersize=3, label=f"{name} validation (fixed masks)")
ax.axhline(noise_variance, color="k", linestyle=":", label="noise variance")
ax.set_xlabel("step")
ax.set_ylabel("masked MSE vs noisy")
ax.set_ylim(0.8 * noise_variance, 3 * noise_variance)
ax.legend(fontsize=8)
plt.show()
print(f"noise variance of this image (clean used for this number only): {noise_variance:.5f}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Single pass, J-invariant, and NL-means
#
# Two ways to denoise with each trained net (paper §2): once on the noisy image (single pass), or once per grid
# subset on the masked copy, keeping each output on its own subset (J-invariant, `predict_invariant` with the
# training masker). The reference is NL-means calibrated by the self-supervised loss, as in notebook 03 / Table 1:
# its J-invariant version, and the plain NL-means run with the parameters that calibration chose.

# %% slideshow={"slide_type": "skip"}
outputs, scores = {}, {"noisy": psnr_noisy}
for name, net in nets.items():
    single = inference.predict_single_pass(net, x)[0, 0].cpu().numpy()
    invariant = inference.predict_invariant(net, x, masker=configs[name].masker)[0, 0].cpu().numpy()
    outputs[f"{name} single pass"], outputs[f"{name} J-invariant"] = single, invariant
nlm = table1.table1_row(noisy, clean, "nl_means")
scores.update({k: n2s.psnr(clean, v) for k, v in outputs.items()})
scores["NL-means calibrated"] = nlm["psnr_plain_calibrated"]
scores["NL-means J-invariant"] = nlm["psnr_invariant"]
for name in nets:
    gap = scores[f"{name} single pass"] - scores[f"{name} J-invariant"]
    vs_nlm = scores[f"{name} single pass"] - scores["NL-means calibrated"]
    print(f"{name}: single pass - J-invariant = {gap:+.2f} dB (paper §2: about +0.5); "
          f"single pass - calibrated NL-means = {vs_nlm:+.2f} dB")
for k in outputs:
    assert scores[k] > psnr_noisy + 2, k  # every net, either inference, is well above the noisy image
print("paper §5 (full image): DnCNN 31.2 dB; the authors' notebook 30.3 dB; Table 1 NL-means J-invariant 30.4 dB"
      + (". Quick mode: a 96 x 96 crop and small nets, not comparable." if QUICK else ""))

# %% slideshow={"slide_type": "subslide"}
nlm_image = get_method("nl_means").function(noisy, **nlm["calibration"]["best_parameters"])  # plain, calibrated
panels = [("clean", clean), ("noisy", noisy), ("NL-means calibrated", nlm_image), ("", None), *outputs.items()]
fig, axes = plt.subplots(2, 4, figsize=(11, 5.8))
for ax, (title, image) in zip(axes.flat, panels, strict=True):
    ax.set_axis_off()
    if image is None:
        continue
    ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    ax.set_title(title + (f" {scores[title]:.2f} dB" if title in scores else ""), fontsize=9)
axes[0, 3].text(0, 0.5, "\n".join(f"{k}: {v:.2f} dB" for k, v in scores.items()), fontsize=8,
                transform=axes[0, 3].transAxes, va="center")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. The results table
#
# The paper's numbers are for the full 512 x 512 image (§5 and Table 1). In quick mode the image is a 96 x 96 crop
# and the nets are small, so compare the rows of this run with each other, not with the paper column. With
# `QUICK = False` (a GPU recommended) the same cells run the paper's settings.

# %% slideshow={"slide_type": "skip"}
PAPER = {"DnCNN single pass": "31.2 (§5; authors' notebook 30.3)", "NL-means J-invariant": "30.4 (Table 1)"}
print(f"{'denoiser':<22} {'this run':>9}   paper, full image")
for k, v in scores.items():
    print(f"{k:<22} {v:9.2f}   {PAPER.get(k, '')}")


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Try it: watch a net learn
#
# The slider walks through the snapshots stored by the callback: the single-pass prediction after that many steps,
# beside its error against the clean image.

# %% slideshow={"slide_type": "skip"}
def draw(step=snap_steps[-1], model="DnCNN"):
    pred = recorders[model].snapshots[step]
    value = n2s.psnr(clean, pred)
    plotting.plot_prediction_error(pred, clean, title=f"{model}, step {step}: {value:.2f} dB")
    return f"psnr={value:.2f}"


# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
widgets.interactive_panel(draw, step=widgets.choice_slider("step", snap_steps, snap_steps[-1]),
                          model=widgets.choice("model", list(nets), "DnCNN"))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Which denoiser? Let the loss choose
#
# Notebook 01's identity holds for *every* J-invariant denoiser with the same noise variance $\sigma^2$:
# $\mathbb{E}\|f_J(x) - x\|^2 = \mathbb{E}\|f_J(x) - y\|^2 + \sigma^2$ (paper §3). So the self-supervised loss ranks
# any set of J-invariant candidates as the clean image would, without the clean image. `python -m n2s_core denoise`
# does exactly this within a time budget: it calibrates the classical denoisers, trains a net if time is left, scores
# every J-invariant version on the same 4x4 grid and keeps the lowest. Here the classical candidates (the net is
# left out to keep this cell quick); the clean image only scores the result.

# %% slideshow={"slide_type": "skip"}
CANDIDATES = ("wavelet", "tv", "nl_means", "bm3d") if n2s.bm3d_available() else ("wavelet", "tv", "nl_means")
chosen, selection = select_denoiser(noisy, methods=CANDIDATES, budget=None, clean=clean, progress=False)
ranked = [e for e in selection["ranking"] if e["status"] == "scored"]
by_loss = [e["name"] for e in ranked]
by_truth = [e["name"] for e in sorted(ranked, key=lambda e: -e["psnr_invariant"])]
print(f"{'candidate':<10} {'self-sup. loss':>14} {'PSNR J-inv.':>11} {'PSNR plain':>10}")
for e in ranked:
    print(f"{e['name']:<10} {e['loss']:14.5f} {e['psnr_invariant']:11.2f} {e['psnr_plain']:10.2f}")
print(f"ranked by the loss: {by_loss}; by the clean image: {by_truth}; chosen: {selection['chosen']} "
      f"({n2s.psnr(clean, chosen):.2f} dB, its plain output)")
assert by_loss == by_truth  # the paper's claim, on this image

# %% slideshow={"slide_type": "subslide"}
truth_mse = np.array([10 ** (-e["psnr_invariant"] / 10) for e in ranked])
losses = np.array([e["loss"] for e in ranked])
fig, ax = plt.subplots(figsize=(4.4, 3.6))
ax.scatter(truth_mse, losses)
for e, t, v in zip(ranked, truth_mse, losses, strict=True):
    ax.annotate(e["name"], (t, v), textcoords="offset points", xytext=(5, -3), fontsize=8)
line = np.linspace(truth_mse.min(), truth_mse.max(), 2)
ax.plot(line, line + n2s.mse(clean, noisy), "k--", lw=1, label="ground truth + noise variance")
ax.set_xlabel("ground-truth loss of the J-invariant output")
ax.set_ylabel("self-supervised loss")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - One noisy image is enough to train a denoiser: the masked loss needs only the noisy pixels (paper §5).
# - The training callback sees every step: it recorded the loss curves and the snapshots of the slider.
# - The masked loss levels off above the noise variance, as notebook 01's identity says it must.
# - Both nets beat the noisy image by a wide margin with single-pass and J-invariant inference; how they rank
#   against the calibrated NL-means depends on the image size, the net and the steps (printed above, not asserted).
# - The self-supervised loss ranks J-invariant denoisers as the clean image would; `denoise` picks by it.
#
# ## Exercises
#
# 1. Average the single-pass predictions of the DnCNN and the UNet. Does the average beat both?
# 2. Notebook 01's identity: self-supervised loss $\|f(x) - x\|^2$ = ground-truth loss + noise variance + a cross
#    term $2\langle f(x) - y, y - x\rangle / n$, which averages to zero for a J-invariant $f$ and zero-mean noise.
#    Compute the cross term for the DnCNN's J-invariant and single-pass predictions. Which is further from zero?
# 3. Does the validation loss (fixed masks, no clean image) rank the snapshots the way their PSNR does?

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 1
average = (outputs["DnCNN single pass"] + outputs["UNet single pass"]) / 2
print(f"average {n2s.psnr(clean, average):.2f} dB; DnCNN {scores['DnCNN single pass']:.2f}, "
      f"UNet {scores['UNet single pass']:.2f}")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 2
cross = {}
for kind in ("J-invariant", "single pass"):
    pred = outputs[f"DnCNN {kind}"]
    cross[kind] = 2 * np.mean((pred - clean) * (clean - noisy))
    print(f"{kind}: self-supervised {np.mean((pred - noisy) ** 2):.5f} = ground truth "
          f"{np.mean((pred - clean) ** 2):.5f} + noise variance {noise_variance:.5f} + cross term {cross[kind]:+.5f}")
assert abs(cross["single pass"]) > abs(cross["J-invariant"])
print("the single pass reads x_j, so its cross term is more negative: its self-supervised loss flatters it. The "
      "J-invariant one is not exactly zero either: clipping at 0 and 1 biases the noise in the darkest and "
      "brightest pixels (the camera man's coat), so there the noise is not zero-mean.")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 3
for name, r in results.items():
    val = dict(zip(r.val_steps, r.val_loss, strict=True))
    rows = [(s, val[s], n2s.psnr(clean, recorders[name].snapshots[s])) for s in snap_steps if s in val]
    print(name, " | ".join(f"step {s}: val {v:.5f}, {p:.2f} dB" for s, v, p in rows))
