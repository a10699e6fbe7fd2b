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
# Can a net learn to denoise from the one image it must denoise? Hide a pixel, predict it from its neighbours, score
# against its noisy value: neighbours predict the signal, not the independent noise. But a net with many weights can
# memorise the noise, and then its loss lies.
#
# **Prerequisites:** notebooks 01 (Proposition 1), 03 (calibrated NL-means), 04 (masked training); PyTorch basics.
#
# **Time:** 50 minutes (training 15, the lying loss 15, nets vs NL-means 10, choosing 10).
#
# **Learning goals**
# - Train a net by Noise2Self on one noisy image, validating on a held-out grid subset.
# - Explain why Proposition 1 does not cover a net's loss on its own training pixels.
# - Compare single-pass and J-invariant predictions with calibrated NL-means.
# - Choose among J-invariant denoisers, or weigh them into one, by the self-supervised loss.

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["ko"]
# **한국어 · 학습 목표**
#
# - 잡음 영상 한 장만으로 Noise2Self 신경망을 학습하고, 남겨 둔 격자 부분집합 하나로 검증한다.
# - 학습된 신경망이 자기 학습 픽셀에서 잰 손실에는 왜 명제 1이 성립하지 않는지 설명한다.
# - 단일 패스 예측과 J-불변 예측을 보정된 비국소 평균(NL-means)과 비교한다.
# - 자기지도 손실로 J-불변 잡음 제거기 가운데 하나를 고르거나, 여럿을 가중합으로 묶는다.

# %% [markdown] slideshow={"slide_type": "skip"}
# *On Colab* the next cell adds this workbook's package, changing no version Colab ships. Elsewhere it does nothing.

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

import n2s_core as n2s
from n2s_core.app.selection import select_denoiser
from n2s_core.classical.denoisers import get_method
from n2s_core.nets import inference, models, training
from n2s_core.nets.masking import Masker, masked_mse
from n2s_core.nets.objectives import Objective
from n2s_core.paper import committed, table1
from n2s_core.teach import exercises, plotting, widgets

THREADS = n2s.size_thread_pools()  # every thread pool sized to the CPUs this process may use (docs/platforms.md)
torch.set_num_threads(1)  # tensors this small: one thread was ~7x faster than two on a busy 2-core machine

# %% slideshow={"slide_type": "skip"} tags=["parameters"]
SCALE = n2s.pick_scale()  # quick on a CPU, the paper's scale on a GPU; N2S_QUICK=1 or 0 overrides
print(SCALE)
QUICK = SCALE.quick
SIGMA = 0.1  # Gaussian noise std on [0, 1], clipped (paper §3)
SEED = 3  # noise seed (the authors' notebooks); weights and training draws use their own torch.Generator
STRIDE = 4  # grid masks: 16 subsets, the "axis" replacement (paper §3), so J-invariant prediction is possible
HELD_OUT = 15  # the grid subset that is never a training target: validation (the authors' notebook)
CROP = 88 if QUICK else None  # side of the central crop of the camera image; None: the full 512 x 512
STEPS = 300 if QUICK else 500  # Adam steps per net, the whole image as the batch (the authors' notebook: 500)
DEPTH, FEATURES = (6, 24) if QUICK else (17, 64)  # DnCNN (paper §5: 17 layers, 64 features)
UNET_FEATURES = (16, 32, 64) if QUICK else (32, 64, 128, 256)  # UNet channels per level (supplement §5.2)
LR = {"DnCNN": 0.01, "UNet": 3e-3}  # DnCNN: the authors' notebook; UNet: see "For the reproducer"
VAL_EVERY = 20  # steps between held-out losses and snapshots
DEMO_CROP, DEMO_STEPS, DEMO_EVERY = 32, 800, 50  # section 3, in both modes: a small net memorising its noise

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. One image, two nets
#
# The camera with Gaussian noise $\sigma = 0.1$, clipped to $[0, 1]$ (paper §3). The clean image only scores, by
# **PSNR** $= 10 \log_{10}(1/\text{MSE})$ in dB. **DnCNN**: stacked 3x3 convolutions with batch normalisation,
# outputting the clean image (paper §5: 17 layers). **UNet**: halves the resolution level by level, then doubles it
# back, joining features of equal size.
#
# Each step hides one grid subset $J$ behind its neighbours' mean and fits the output there to the noisy pixels
# (notebook 04). Like the authors, we train on 15 of the 16 subsets; the 16th validates.

# %% slideshow={"slide_type": "skip"}
clean, noisy = n2s.noisy_camera(sigma=SIGMA, rng=SEED, size=CROP)  # NumPy (H, W) on [0, 1]
x = torch.as_tensor(noisy, dtype=torch.float32)[None, None]  # (1, 1, H, W): the whole training set
noise_variance = n2s.mse(clean, noisy)  # per pixel, measured with the clean image: for the plots only
print(f"image {noisy.shape}, noisy PSNR {n2s.psnr(clean, noisy):.2f} dB, noise variance {noise_variance:.5f}")
MASKER = Masker("axis", stride=STRIDE)


class TrainingSubsets(Objective):
    """Noise2Self's masked loss, with J drawn from ``subsets`` only: the other grid subsets are never a target."""

    def __init__(self, subsets):
        self.subsets = list(subsets)

    def loss(self, model, x, target, *, generator, progress):
        pick = int(torch.randint(len(self.subsets), (1,), generator=generator, device=generator.device))
        masked, mask = MASKER.mask(x, offset=self.subsets[pick])  # (B, C, H, W), (B, 1, H, W)
        return masked_mse(model(masked).float(), x.float(), mask)


def held_out_loss(model, image):
    """The masked loss on the held-out subset: pixels the net was never fitted to."""
    masked, mask = MASKER.mask(image, offset=HELD_OUT)
    return float(masked_mse(inference.predict_single_pass(model, masked), image, mask))


class Recorder:
    """A training callback: every training loss; the held-out loss and a single-pass snapshot every VAL_EVERY."""

    def __init__(self, model):
        self.model, self.losses, self.val_steps, self.val_losses, self.snapshots = model, [], [], [], {}

    def __call__(self, step, train_loss, val_loss):
        self.losses.append(train_loss)
        if step % VAL_EVERY == 0:
            image = x.to(next(self.model.parameters()).device)
            self.val_steps.append(step)
            self.val_losses.append(held_out_loss(self.model, image))
            self.snapshots[step] = inference.predict_single_pass(self.model, image)[0, 0].cpu().numpy()


# %% [markdown] slideshow={"slide_type": "subslide"}
# **What to expect.** On the full camera a 17-layer DnCNN reaches 31.2 dB (paper §5), above J-invariant NL-means at
# 30.4 dB (Table 1); the authors' 8-layer notebook: 30.3 dB. Quick mode trains small nets on an 88 x 88 crop:
# several dB gained, yet below calibrated NL-means, a filter that comes ready-made.

# %% slideshow={"slide_type": "skip"}
nets = {"DnCNN": models.seed_weights(models.build_model("dncnn", depth=DEPTH, features=FEATURES), SEED),
        "UNet": models.seed_weights(models.build_model("unet", features=UNET_FEATURES), SEED)}
recorders, trained_on = {}, TrainingSubsets(k for k in range(STRIDE**2) if k != HELD_OUT)
for name, net in nets.items():
    config = training.TrainConfig(steps=STEPS, batch_size=1, crop=None, lr=LR[name], seed=SEED, device="auto")
    recorders[name] = r = Recorder(net)
    result = training.train(net, x, config=config, objective=trained_on,
                            callback=r, progress=False)
    print(f"{name}: {models.count_parameters(net):,} weights, {STEPS} steps in {result.wall_time:.1f} s on "
          f"{result.device}; training loss {np.mean(r.losses[:10]):.4f} -> {np.mean(r.losses[-10:]):.4f}, "
          f"held-out loss {r.val_losses[0]:.4f} -> {r.val_losses[-1]:.4f}")
x = x.to(result.device)  # inference below runs where the nets now live

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(7, 3.4))
for (name, r), color in zip(recorders.items(), ("C0", "C1"), strict=True):
    smooth = np.convolve(r.losses, np.ones(10) / 10, mode="valid")  # running mean over 10 steps
    ax.plot(np.arange(10, len(r.losses) + 1), smooth, color=color, alpha=0.6, label=f"{name} training (mean of 10)")
    ax.plot(r.val_steps, r.val_losses, "o-", color=color, markersize=3, label=f"{name} held-out subset")
ax.axhline(noise_variance, color="k", linestyle=":", label="noise variance")
ax.set(xlabel="step", ylabel="masked MSE against the noisy image", ylim=(0.8 * noise_variance, 3 * noise_variance))
ax.legend(fontsize=8)
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Single pass, J-invariant, and NL-means
#
# A trained net denoises once (**single pass**), or once per masked subset, keeping each output on its subset
# (**J-invariant**); the paper found the single pass about 0.5 dB better (§5, supplement §5.4). The reference:
# **NL-means** (each pixel a mean of pixels with similar surrounding patches), calibrated by the loss (notebook 03).

# %% slideshow={"slide_type": "skip"}
outputs, scores = {}, {"noisy": n2s.psnr(clean, noisy)}
for name, net in nets.items():
    outputs[f"{name} single pass"] = inference.predict_single_pass(net, x)[0, 0].cpu().numpy()
    outputs[f"{name} J-invariant"] = inference.predict_invariant(net, x, masker=MASKER)[0, 0].cpu().numpy()
nlm = table1.table1_row(noisy, clean, "nl_means")
scores.update({k: n2s.psnr(clean, v) for k, v in outputs.items()})
scores["NL-means calibrated"], scores["NL-means J-invariant"] = nlm["psnr_plain_calibrated"], nlm["psnr_invariant"]
for name in nets:
    gap = scores[f"{name} single pass"] - scores[f"{name} J-invariant"]
    vs_nlm = scores[f"{name} single pass"] - scores["NL-means calibrated"]
    print(f"{name}: single pass {scores[f'{name} single pass']:.2f} dB, {gap:+.2f} dB on its J-invariant "
          f"prediction, {vs_nlm:+.2f} dB on calibrated NL-means ({scores['NL-means calibrated']:.2f} dB)")
    assert gap > 0, name  # the single pass wins, as in the paper
behind = [name for name in nets if scores[f"{name} single pass"] < scores["NL-means calibrated"]]
print(f"behind calibrated NL-means at this budget: {', '.join(behind) or 'neither net'} (section 1: what to expect)")
for k in outputs:
    assert scores[k] > scores["noisy"] + 2, k  # every net, either way, is well above the noisy image

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
# ## 3. When the loss lies: a net fitted to its own noise
#
# Proposition 1 (paper §1), per pixel: for J-invariant $f$ and noise zero-mean and independent across subsets given
# $y$, $\mathbb E\,\tfrac1m\|f(x)-x\|^2 = \mathbb E\,\tfrac1m\|f(x)-y\|^2 + \sigma^2$ ($\sigma^2$ the noise variance),
# so the masked loss cannot average below $\sigma^2$. The proof fixes $f$ before the noise is drawn; a
# trained net's weights were fitted to $x_J$ of this very image.
#
# We push it: the quick UNet, 800 steps on a 32 x 32 crop (far more weights than pixels), scored on its own image and
# on a fresh noisy copy, for which it is a fixed function.

# %% slideshow={"slide_type": "subslide"} tags=["predict", "slide-code"]
prediction = None  # Predict before running the next cell: own-image masked loss / noise variance after 800 steps

# %% slideshow={"slide_type": "subslide"}
demo_clean, demo_noisy = n2s.noisy_camera(sigma=SIGMA, rng=SEED, size=DEMO_CROP)
demo_fresh = n2s.noisy_camera(sigma=SIGMA, rng=SEED + 1, size=DEMO_CROP)[1]  # same clean crop, independent noise
demo = {"own image": torch.as_tensor(demo_noisy, dtype=torch.float32)[None, None],
        "fresh copy": torch.as_tensor(demo_fresh, dtype=torch.float32)[None, None]}
demo_net = models.seed_weights(models.build_model("unet", features=(16, 32, 64)), SEED)
curves = {"step": [], "own image": [], "fresh copy": [], "PSNR": []}


def score_demo(step, train_loss, val_loss):
    if step % DEMO_EVERY == 0:
        curves["step"].append(step)
        for which, image in demo.items():
            invariant = inference.predict_invariant(demo_net, image, masker=MASKER, batch_size=16)[0, 0].numpy()
            noise = n2s.mse(demo_clean, image[0, 0].numpy())
            curves[which].append(n2s.mse(image[0, 0].numpy(), invariant) / noise)  # masked loss / noise variance
            if which == "own image":
                curves["PSNR"].append(n2s.psnr(demo_clean, invariant))


config = training.TrainConfig(steps=DEMO_STEPS, batch_size=1, crop=None, lr=LR["UNet"], replacement="axis",
                              stride=STRIDE, seed=SEED, device="cpu")
training.train(demo_net, demo["own image"], config=config, callback=score_demo, progress=False)
fig, (ax, right) = plt.subplots(1, 2, figsize=(10, 3.4))
for which in ("own image", "fresh copy"):
    ax.plot(curves["step"], curves[which], "o-", markersize=3, label=f"masked loss, {which}")
ax.axhline(1, color="k", linestyle=":", label="noise variance")
ax.set(xlabel="step", ylabel="masked loss / noise variance", ylim=(0, None))
ax.legend(fontsize=8)
right.plot(curves["step"], curves["PSNR"], "o-", color="C2", markersize=3)
right.set(xlabel="step", ylabel="PSNR of the J-invariant prediction (dB)")
plt.show()
print(f"{models.count_parameters(demo_net):,} weights, {DEMO_CROP**2:,} pixels; PSNR best {max(curves['PSNR']):.2f} "
      f"dB, last {curves['PSNR'][-1]:.2f} dB; fresh copy: loss / noise variance {curves['fresh copy'][-1]:.2f}")
exercises.reveal(prediction, round(curves["own image"][-1], 2), tolerance=0.2,
                 what="masked loss / noise variance on the net's own image after 800 steps")
assert curves["own image"][-1] < 0.5  # far below the floor that Proposition 1 sets for a fixed f
assert curves["fresh copy"][-1] > 1  # scored on noise it never saw, the net is above the floor again
assert curves["PSNR"][-1] < max(curves["PSNR"]) - 1  # and the loss fell while the net got worse

# %% [markdown] slideshow={"slide_type": "notes"}
# Below the noise variance on its own pixels, above it on fresh noise, PSNR falling: the net learned this noise. Its
# loss is honest only on pixels it was not fitted to: section 1's held-out subset.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Which denoiser? Let the loss choose
#
# A classical denoiser tunes one parameter, too few to memorise noise, so the loss ranks J-invariant candidates as
# the clean image would: **wavelet shrinkage** (small wavelet coefficients zeroed), **total
# variation** (smoothing that penalises jumps between neighbours), NL-means, and **BM3D** if installed (similar
# patches stacked and shrunk jointly).

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
ax.plot(line, line + noise_variance, "k--", lw=1, label="ground-truth loss + noise variance")
ax.set_xlabel("ground-truth loss of the J-invariant output")
ax.set_ylabel("self-supervised loss")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
assert np.all(losses < truth_mse + noise_variance)  # all a little below the line: clipping (notebook 02)

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Weights from the same loss.** A weighted sum $g = \sum_k w_k f_k$ of J-invariant outputs is J-invariant
# (exercise 4), so the loss can fit the weights by least squares. Weights fitted to the pixels that score them flatter
# the loss, so they are fitted on three of four groups of subsets, scored on the fourth, in turn
# (**cross-fitting**); `denoise --output invariant` writes the sum only if that wins.

# %% slideshow={"slide_type": "subslide"}
MISCALIBRATED = {"tv": {"weight": [0.3]}, "wavelet": {"sigma": [0.03]}}  # one smooths too much, one too little
_, pair = select_denoiser(noisy, methods=tuple(MISCALIBRATED), grids=MISCALIBRATED, budget=None, clean=clean,
                          progress=False)
pair_outputs = {e["name"]: n2s.denoise_invariant(noisy, get_method(e["name"]).function,
                                                 denoiser_kwargs=e["parameters"]) for e in pair["ranking"]}
for label, report in (("calibrated", selection), ("too smooth + too rough", pair)):
    mix, alone = report["combination"], {e["name"]: e["psnr_invariant"] for e in report["ranking"]}
    best = mix["best_candidate"]
    print(f"{label}: weights " + ", ".join(f"{k} {w:+.2f}" for k, w in mix["weights"].items())
          + f"; held-out loss {mix['held_out_loss']:.5f} against {best}'s {mix['candidate_losses'][best]:.5f}; "
          f"J-invariant PSNR {mix['psnr']['invariant']:.2f} dB against {alone[best]:.2f}: "
          f"{'beats' if mix['beats_best'] else 'does not beat'} the best on held-out pixels")
pair_mix = pair["combination"]
assert pair_mix["beats_best"] and pair_mix["psnr"]["invariant"] > max(e["psnr_invariant"] for e in pair["ranking"])


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Try it: watch a net learn
#
# The slider walks through section 1's single-pass snapshots and their errors.

# %% slideshow={"slide_type": "skip"}
def draw(step=STEPS, model="DnCNN"):
    pred = recorders[model].snapshots[step]
    value = n2s.psnr(clean, pred)
    plotting.plot_prediction_error(pred, clean, title=f"{model}, step {step}: {value:.2f} dB")
    return f"psnr={value:.2f}"


# %% slideshow={"slide_type": "subslide"} tags=["nbval-ignore-output"]
steps_recorded = recorders["DnCNN"].val_steps
widgets.interactive_panel(draw, step=widgets.choice_slider("step", steps_recorded, steps_recorded[-1]),
                          model=widgets.choice("model", list(nets), "DnCNN"))


# %% [markdown] slideshow={"slide_type": "slide"}
# ## What to remember
#
# - One noisy image is a training set: hide a subset, fit the output there to the noisy pixels (paper §5).
# - Proposition 1 covers functions fixed before the noise; a net fitted to this image can push its training loss
#   below the noise variance while getting worse: validate on a held-out subset.
# - The single pass beats the J-invariant prediction. Quick nets trail calibrated NL-means; the paper's DnCNN leads.
# - The loss ranks denoisers that cannot memorise noise as the clean image would, and weighs them into a sum, judged
#   on held-out pixels.
#
# **Where it comes back:** 06 (nets on data sets), 10 (other self-supervised losses), 11 (correlated noise).

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["ko"]
# **한국어 · 기억할 것**
#
# - 잡음 영상 한 장이 곧 학습 자료다. 부분집합을 가리고(마스킹) 그 자리의 출력을 잡음 픽셀 값에 맞춘다(논문 §5).
# - 명제 1은 잡음을 뽑기 전에 정해진 함수에 대한 것이다. 이 영상에 맞추어 학습한 신경망은 자기 학습 픽셀에서 잰
#   손실을 잡음 분산보다 한참 아래로 끌어내리면서도 더 나빠질 수 있다(과적합).
# - 그래서 신경망은 한 번도 정답으로 쓰지 않은 픽셀, 곧 남겨 둔 격자 부분집합으로 검증한다.
# - 단일 패스가 J-불변 예측보다 낫다. 빠른 모드의 신경망은 보정된 비국소 평균(NL-means)에 뒤지지만, 논문 규모의
#   DnCNN은 앞선다(논문 §5).
# - 잡음을 외울 수 없는 잡음 제거기라면 자기지도 손실이 깨끗한 영상과 같은 순서로 줄을 세우고, 그 가중합의 가중치도
#   정한다. 가중합은 가중치를 맞추는 데 쓰지 않은 픽셀에서 평가한다.
#
# **다시 나오는 곳:** 06(데이터 세트에서 Noise2Self로 학습한 신경망), 10(다른 자기지도 손실), 11(상관된 잡음).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# 1. **(derive)** Expand $\tfrac1m\|f(x)-x\|^2$ with $x = y + n$ into ground-truth loss, noise variance and a cross
#    term; write `cross_term(output, clean, noisy)`. For section 3's net, which copy's cross term averages zero?
# 2. **(derive)** A squared residual dominated by Gaussian noise has variance $2\sigma^4$. Write
#    `held_out_se(noise_variance, m_held)`, the standard error of a loss over $m_J$ held-out pixels. Which of
#    section 1's held-out differences are real?
# 3. **(code)** Stop early, as the authors did: `best_step`, the UNet's step of lowest held-out loss. Does its
#    snapshot beat the last?
# 4. **(code)** Why is $\sum_k w_k f_k$ J-invariant if each $f_k$ is? Write `in_sample_weights(outputs,
#    noisy)`, least squares on every pixel of `pair_outputs`. Is its loss above or below the held-out one? Why is that
#    a small cheat?

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 1 (derive): the cross term
# f - x = (f - y) - n, so |f - x|^2 = |f - y|^2 + |n|^2 - 2 <f - y, n>: cross term = -(2/m) <f - y, x - y>.
def cross_term(output, clean, noisy):
    return -2 * np.mean((output - clean) * (noisy - clean))


for which, image in demo.items():
    invariant = inference.predict_invariant(demo_net, image, masker=MASKER, batch_size=16)[0, 0].numpy()
    print(f"{which}: cross term {cross_term(invariant, demo_clean, image[0, 0].numpy()):+.5f}")
print("Proposition 1 holds the fresh copy's cross term to zero on average: the net is fixed for that noise. On its "
      "own image the net was fitted to the noise, which makes the term strongly negative. Clipping adds a smaller "
      "negative part to both: near black the clipped noise has a positive mean, and there the output is too high.")
assert all(map(lambda t: np.isclose(cross_term(*t), n2s.mse(t[2], t[0]) - n2s.mse(t[1], t[0]) - n2s.mse(t[1], t[2])),
               np.random.default_rng(1).random((5, 3, 8, 8)))), "the identity is not exact with this term"


# %% [raw] slideshow={"slide_type": "skip"} tags=["wrong-answer"]
# def cross_term(output, clean, noisy):  # the sign lost in the expansion
#     return 2 * np.mean((output - clean) * (noisy - clean))

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 2 (derive): the standard error of a held-out loss
# The loss is the mean of m_J squared residuals, each of variance 2 sigma^4 (for Gaussian n, E n^4 = 3 sigma^4), so
# its standard error is sqrt(2 sigma^4 / m_J) = sigma^2 sqrt(2 / m_J).
def held_out_se(noise_variance, m_held):
    return noise_variance * np.sqrt(2 / m_held)


m_held = int(np.sum(n2s.grid_labels(clean.shape, stride=STRIDE) == HELD_OUT))
swings = np.abs(np.diff(recorders["UNet"].val_losses))
print(f"{m_held} held-out pixels: standard error {held_out_se(noise_variance, m_held):.5f}; the UNet's held-out "
      f"loss moved by a median {np.median(swings):.5f} between validations. The authors' full image: "
      f"{512**2 // STRIDE**2:,} held-out pixels, a standard error {np.sqrt(m_held * STRIDE**2 / 512**2):.2f} "
      "times ours")
assert abs(held_out_se(0.0074, 576) / np.std(np.mean(np.random.default_rng(0).normal(
    0, 0.0074**0.5, (4000, 576)) ** 2, axis=1)) - 1) < 0.1, "not the spread of a mean of 576 squared noise values"

# %% [raw] slideshow={"slide_type": "skip"} tags=["wrong-answer"]
# def held_out_se(noise_variance, m_held):  # the standard error of a mean of values whose std is sigma, not sigma^2
#     return noise_variance / np.sqrt(m_held)

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 3 (code): early stopping on the held-out subset
unet = recorders["UNet"]
best_step = unet.val_steps[int(np.argmin(unet.val_losses))]
print(f"lowest held-out loss at step {best_step}: {n2s.psnr(clean, unet.snapshots[best_step]):.2f} dB; last step "
      f"{unet.val_steps[-1]}: {n2s.psnr(clean, unet.snapshots[unet.val_steps[-1]]):.2f} dB. Differences smaller than "
      "Exercise 2's standard error are a coin toss.")
assert best_step == min(zip(recorders["UNet"].val_losses, recorders["UNet"].val_steps, strict=True))[1], \
    "not the step of the lowest held-out loss"


# %% [raw] slideshow={"slide_type": "skip"} tags=["wrong-answer"]
# best_step = int(np.argmin(recorders["UNet"].val_losses))  # the position in the list, not the step

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "skip"} tags=["solution"]
# Exercise 4 (code): weights fitted in sample
# On J each f_k reads x only off J, so sum_k w_k f_k does too, for weights fixed beforehand. Weights fitted to all of
# x depend a little on x_J itself: in sample the loss is flattered (by about K sigma^2 / m for K weights).
def in_sample_weights(outputs, noisy):
    design = np.stack([output.ravel() for output in outputs.values()], axis=1)
    return dict(zip(outputs, np.linalg.lstsq(design, noisy.ravel(), rcond=None)[0], strict=True))


weights = in_sample_weights(pair_outputs, noisy)
in_sample = n2s.mse(sum(w * pair_outputs[k] for k, w in weights.items()), noisy)
print(f"in sample {in_sample:.6f}, held out {pair_mix['held_out_loss']:.6f}: the fit has seen the pixels it is "
      "scored on")
assert all(abs(in_sample_weights(pair_outputs, noisy)[k] - pair_mix["weights"][k]) < 1e-4 for k in pair_outputs), \
    "not the least-squares weights fitted on every pixel"

# %% [raw] slideshow={"slide_type": "skip"} tags=["wrong-answer"]
# def in_sample_weights(outputs, noisy):  # weights forced to sum to one, each the same: not the fit
#     return {name: 1 / len(outputs) for name in outputs}

# %% [markdown] slideshow={"slide_type": "skip"}
# ## For the reproducer
#
# - **The paper's run and ours.** A DnCNN of 17 layers and 64 features (556,097 weights in ours) trained on the full
#   noisy 512 x 512 camera: 31.2 dB (paper §5). The authors' "Single-Shot Denoising" notebook: a DnCNN of 8 layers
#   (223,104 weights), their `Masker(width=4, mode="interpolate")` (a 3x3 kernel with the diagonal neighbours; ours
#   averages the 4 axis neighbours), Adam at lr 0.01, 500 steps with the whole image as the batch,
#   `torch.manual_seed(3)`, masks `i % 15` for training and mask 15 for validation, and the output at the lowest
#   validation loss: 30.29 dB. `QUICK = False` here runs the paper's DnCNN and UNet sizes for 500 steps on the full
#   image with the same held-out subset, and keeps the last step rather than the best one.
# - **The photo.** scikit-image 0.18 replaced `data.camera()` with another photo, so the paper's absolute PSNRs do
#   not come back on today's (notebook 03). The committed full-image Table 1 run (`table1.json`, shipped in the
#   package) gives our J-invariant NL-means on it, printed below beside the paper's 30.4 dB.
# - **The authors' loop on the paper's photo.** `python -m n2s_core reproduce single-image --camera paper` (after
#   `python -m n2s_core fetch camera`) replays the authors' notebook step for step on their photograph and noise,
#   with our DnCNN (two biases more) and our masker (mirrored borders where theirs pads with zeros); `--depth 17`
#   runs the same loop with the paper's 17 layers. Both committed results, shipped in the package, are printed
#   below beside this quick run. The authors' printed PSNR moves by
#   tenths of a dB between validation checkpoints (29.51 dB at their step 310, 30.17 at 370), so the output of one
#   run, picked at its best validation loss, carries that much chance.
# - **Choices made with the clean image.** The UNet's learning rate (3e-3 rather than the DnCNN's 0.01) was picked by
#   a quick run scored against the clean image. The quick sizes and step counts were set by the CPU budget.
# - **Selection.** `python -m n2s_core denoise` scores candidates by the self-supervised loss as section 4 does, a
#   trained net included when time allows, and keeps the lowest. For section 3's reason its net never takes the
#   pixels of 4 of the 16 grid subsets as training targets, and every candidate is scored on those pixels only.
# - **Section 3** always runs on a 32 x 32 crop with the quick UNet on the CPU, whatever `QUICK` says; its fresh copy
#   is the camera with noise seed `SEED + 1`.

# %% slideshow={"slide_type": "skip"}
full = {row["method"]: row for row in committed.load_json("table1.json")["rows"]}
print(f"full 512 x 512 image, committed Table 1 run: NL-means J-invariant {full['nl_means']['psnr_invariant']:.2f} dB "
      "(paper, on the pre-0.18 photo: 30.4)")
PAPER = {"DnCNN single pass": "31.2 (paper §5; authors' notebook 30.3)",
         "NL-means J-invariant": "30.4 (Table 1, paper §3)"}
print(f"{'denoiser':<22} {'this run':>9}   paper, full image")
for k, v in scores.items():
    print(f"{k:<22} {v:9.2f}   {PAPER.get(k, '')}")
print(f"this run: {'a ' + str(CROP) + ' x ' + str(CROP) + ' crop' if CROP else 'the full image'}, {STEPS} steps; "
      f"torch {torch.__version__}, numpy {np.__version__}")
for name in ("single_image_paper_camera.json", "single_image_depth17_paper_camera.json"):  # 8 and 17 layers
    shot = committed.load_json(name)
    print(f"committed `{shot['meta']['command']}`: DnCNN depth {shot['depth']} ({shot['parameters']:,} weights), "
          f"{shot['steps']} steps in {shot['train_seconds']:.0f} s on {shot['meta']['machine']['cores']} CPU cores, "
          f"best validation step {shot['best_step']}: single pass {shot['psnr_single_pass']:.2f} dB, J-invariant "
          f"{shot['psnr_invariant']:.2f} dB (authors' notebook {shot['authors']['psnr']} with "
          f"{shot['authors']['depth']} layers, paper {shot['paper']['psnr']} with {shot['paper']['depth']})")
