"""The single-image experiment (paper §5): a DnCNN trained by Noise2Self on one noisy camera image, nothing else.

The paper reports 31.2 dB for a 17-layer DnCNN trained on the noisy camera alone. The authors' "Single-Shot
Denoising" notebook (github.com/czbiohub-sf/noise2self) runs a smaller setting and prints 30.29 dB:

- ``np.random.seed(3)``, then ``random_noise(camera, mode="gaussian", var=0.01)``: clipped, not quantised;
- ``torch.manual_seed(3)``; ``DnCNN(1, num_of_layers=8)`` (223,104 parameters: no bias anywhere);
- a 4 x 4 grid of subsets filled by the 8-neighbour kernel; Adam, lr 0.01, 500 steps on the whole 512 x 512 image;
- step ``i`` trains on subset ``i % 15``, so subset 15 is never trained on; every 10 steps it is the validation
  loss, and the net's single pass at the best validation loss is the output.

:func:`single_shot` replays that loop step for step with this package's :class:`~n2s_core.nets.dncnn.DnCNN`
(223,169 parameters at depth 8: biases on its first and last convolutions) and
:class:`~n2s_core.nets.masking.Masker` (``"diagonal"``, the same kernel; borders mirrored where the authors' pad
with zeros). It does not call :func:`~n2s_core.nets.training.train`, which draws its subsets at random and cannot
hold one out. It also scores the J-invariant prediction of the same net. This module imports torch.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..data.images import authors_noise, crop_center, load_image, paper_camera
from ..metrics import psnr
from . import report

PAPER = {"psnr": 31.2, "depth": 17}  # paper §5, the single-image DnCNN
AUTHORS = {"psnr": 30.29, "depth": 8, "parameters": 223_104}  # the Single-Shot Denoising notebook
HELD_OUT = 15  # the grid subset the authors never train on: their validation pixels
QUICK = {"size": 128, "steps": 60}  # --quick: the central crop and a short run, for tests and a first look


def single_shot(noisy, clean=None, *, depth: int = 8, steps: int = 500, lr: float = 0.01, seed: int = 3,
                val_every: int = 10, precision: str = "float32", progress: bool = True) -> dict:
    """Train a DnCNN on ``noisy`` (H, W) alone by the authors' loop; return the outputs, curves and, given
    ``clean``, the PSNRs.

    ``precision="bfloat16"`` runs the forward passes under bfloat16 autocast (the losses stay float32): faster on
    a CPU with native bfloat16, and not the authors' float32.
    """
    from ..nets.dncnn import DnCNN
    from ..nets.inference import predict_invariant
    from ..nets.masking import Masker
    from ..nets.models import count_parameters

    x = torch.as_tensor(np.asarray(noisy, dtype=np.float32))[None, None]  # (1, 1, H, W)
    torch.manual_seed(seed)
    model = DnCNN(depth=depth)
    masker = Masker("diagonal", stride=4)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bfloat16")
    curve, best = {"step": [], "train_loss": [], "val_loss": []}, {"val_loss": float("inf")}
    started = time.perf_counter()
    for i in tqdm(range(steps), desc="single image", disable=not progress):
        model.train()
        phase = i % HELD_OUT  # the authors' subset i: rows i % 4, columns i // 4 of the 4 x 4 grid
        net_input, mask = masker.mask(x, offset=(phase % 4) * 4 + phase // 4)
        with autocast:
            output = model(net_input)
        loss = F.mse_loss(output.float() * mask, x * mask)  # the authors' loss: a mean over every pixel
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i % val_every == 0:
            model.eval()
            with torch.no_grad(), autocast:
                net_input, mask = masker.mask(x, offset=HELD_OUT)
                val_loss = F.mse_loss(model(net_input).float() * mask, x * mask).item()
            curve["step"].append(i)
            curve["train_loss"].append(loss.item())
            curve["val_loss"].append(val_loss)
            if val_loss < best["val_loss"]:
                best = {"val_loss": val_loss, "step": i, "state": copy.deepcopy(model.state_dict())}
    train_seconds = time.perf_counter() - started
    model.load_state_dict(best["state"])
    model.eval()
    with torch.no_grad(), autocast:
        single_pass = model(x).float().clamp(0, 1)[0, 0].numpy().astype(np.float64)
    with autocast:
        invariant = predict_invariant(model, x, masker=masker).float().clamp(0, 1)[0, 0].numpy().astype(np.float64)
    result = {"depth": depth, "parameters": count_parameters(model), "steps": steps, "lr": lr, "seed": seed,
              "precision": precision, "best_step": best["step"], "best_val_loss": best["val_loss"],
              "train_seconds": round(train_seconds, 1), "curve": curve,
              "single_pass": single_pass, "invariant": invariant}
    if clean is not None:
        result["psnr_noisy"] = psnr(clean, noisy)
        result["psnr_single_pass"] = psnr(clean, single_pass)
        result["psnr_invariant"] = psnr(clean, invariant)
    return result


def single_image_stem(camera: str, depth: int) -> str:
    """The name the run's files share: ``single_image`` (today's camera, 8 layers), ``single_image_depth17`` for
    the paper's depth, each with ``_paper_camera`` on the paper's photograph."""
    return report.camera_stem("single_image" if depth == AUTHORS["depth"] else f"single_image_depth{depth}", camera)


def reproduce_single_image(out_dir, *, quick: bool = False, camera: str = "today", depth: int = 8,
                           precision: str = "float32", steps: int | None = None) -> dict:
    """The single-image experiment; writes its JSON, Markdown and PNG into ``out_dir``, named by
    :func:`single_image_stem` (``single_image_depth17_paper_camera.*`` for 17 layers on the paper's photograph).
    Both cameras take the authors' noise, unquantised, as their notebook did.
    """
    started = time.perf_counter()
    clean = paper_camera() if camera == "paper" else load_image("camera")
    noisy = authors_noise(clean, sigma=0.1, seed=3, quantise=False)
    if quick:
        clean, noisy = crop_center(clean, QUICK["size"]), crop_center(noisy, QUICK["size"])
    steps = steps or (QUICK["steps"] if quick else 500)
    run = single_shot(noisy, clean, depth=depth, steps=steps, precision=precision)
    stem = single_image_stem(camera, depth)
    result = {key: value for key, value in run.items() if key not in ("single_pass", "invariant")}
    result.update(paper=PAPER, authors=AUTHORS)
    flags = report.camera_flag(camera) + (f" --depth {depth}" if depth != 8 else "") + (
        f" --precision {precision}" if precision != "float32" else "")
    result["meta"] = report.run_metadata("single-image", quick, started, image_shape=noisy.shape, camera=camera,
                                         quantised=False, flags=flags)
    out = report.out_dir(out_dir)
    report.write_json(out / f"{stem}.json", result)
    report.write_text(out / f"{stem}.md", _markdown(result))
    report.save_figure(_figure(result, clean, noisy, run), out / f"{stem}.png")
    return result


def _markdown(result: dict) -> str:
    which = report.camera_label(result["meta"]["camera"])
    rows = [["DnCNN, single pass", f"{result['psnr_single_pass']:.2f}", f"{AUTHORS['psnr']} (8 layers)",
             f"{PAPER['psnr']} (17 layers)"],
            ["DnCNN, J-invariant", f"{result['psnr_invariant']:.2f}", "-", "-"],
            ["noisy input", f"{result['psnr_noisy']:.2f}", "-", "-"]]
    return (f"# Single-image Noise2Self ({which}, sigma 0.1, seed 3)\n\n"
            f"A DnCNN of depth {result['depth']} ({result['parameters']:,} parameters) trained on the one noisy "
            f"image alone, by the authors' loop: {result['steps']} Adam steps at lr {result['lr']} on the whole "
            f"image, grid subset i % 15 per step, subset 15 held out for validation every 10 steps; the output is "
            f"the net at its best validation loss (step {result['best_step']}). Precision {result['precision']}; "
            f"training took {result['train_seconds']} s. PSNR in dB against the clean image.\n\n"
            + report.markdown(["output", "ours", "authors' notebook", "paper"], rows)
            + "\n" + report.camera_footer(result["meta"]))


def _figure(result: dict, clean, noisy, run: dict):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(16, 4), constrained_layout=True)
    curve = result["curve"]
    axes[0].plot(curve["step"], curve["train_loss"], label="training subsets")
    axes[0].plot(curve["step"], curve["val_loss"], label="held-out subset 15")
    axes[0].axvline(result["best_step"], color="k", ls="--", lw=0.8)
    axes[0].set(xlabel="step", ylabel="masked MSE", title="loss")
    axes[0].legend()
    for ax, image, title in zip(axes[1:], (noisy, run["single_pass"], run["invariant"]),
                                (f"noisy, {result['psnr_noisy']:.2f} dB",
                                 f"single pass, {result['psnr_single_pass']:.2f} dB",
                                 f"J-invariant, {result['psnr_invariant']:.2f} dB"), strict=True):
        ax.imshow(image, cmap="gray", vmin=0, vmax=1)
        ax.set(title=title, xticks=[], yticks=[])
    return fig
