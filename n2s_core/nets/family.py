"""Noise2Self's family side by side: each member trained on one noisy image for the same budget.

A member is an objective (:mod:`.objectives`, :mod:`.subsampling`), the net it trains and its optimiser settings;
:func:`train_member` trains it on a single image and returns the denoised image. The budget is a number of steps
(``steps=``: the same run on every machine, the one to assert on) or of wall-clock seconds (``seconds=``: the same
clock for every member, a fair race on one machine). Every member but ZS-N2N trains the same small UNet
(:func:`~.models.small_unet`, no checkerboard) on random 64 x 64 crops, 8 per step, Adam at 3e-3, so that the
objective is the only difference; N2V2 also changes the net (its two architectural fixes), and ZS-N2N trains its
own 22k-parameter net on the whole image (its paper's recipe: Adam at 1e-3). ``Member.assumes`` says what each one
needs of the noise. This module imports torch; ``import n2s_core`` does not import this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from .._checks import as_float_image, check_ndim
from .inference import evaluating
from .models import seed_weights, small_unet
from .objectives import SURE, BlindSpot, Noise2Same, Objective, n2v2, noise2void
from .subsampling import Neighbor2Neighbor, ZeroShotN2N, ZeroShotNet
from .training import TrainConfig, train


@dataclass(frozen=True)
class Member:
    """One method of the family: how to build its objective (given the noise sigma, or None) and its net."""

    objective: Callable[[float | None], Objective]
    net: Callable[[int], torch.nn.Module] = field(default=lambda channels: small_unet(in_channels=channels,
                                                                                      out_channels=channels))
    assumes: str = "noise independent across pixels, zero mean"
    source: str = ""
    lr: float = 3e-3
    batch_size: int = 8
    crop: int | None = 64
    needs_sigma: bool = False


def _n2v2_net(channels: int) -> torch.nn.Module:
    return small_unet(in_channels=channels, out_channels=channels, top_skip=False, down="maxblurpool")


MEMBERS = {
    "Noise2Self": Member(lambda sigma: BlindSpot(), source="Batson & Royer 2019"),
    "Noise2Void": Member(lambda sigma: noise2void(), source="Krull, Buchholz & Jug 2019"),
    "N2V, centre included": Member(lambda sigma: noise2void(centre=True), assumes="as Noise2Void, but it can "
                                   "learn the identity (it sometimes sees the pixel it predicts)",
                                   source="ours: a 3 x 3 version of the original N2V code's centre-included "
                                   "sampling (n2v's default window is 11 x 11: the centre 1 time in 121)"),
    "N2V2": Member(lambda sigma: n2v2(), net=_n2v2_net, source="Hoeck et al. 2022"),
    "Noise2Same": Member(lambda sigma: Noise2Same(), source="Xie, Wang & Ji 2020"),
    "Neighbor2Neighbor": Member(lambda sigma: Neighbor2Neighbor(), assumes="noise independent across pixels, "
                                "zero mean; neighbours' clean values nearly equal", source="Huang et al. 2021"),
    "ZS-N2N": Member(lambda sigma: ZeroShotN2N(), net=lambda channels: ZeroShotNet(channels), lr=1e-3,
                     batch_size=1, crop=None, assumes="as Neighbor2Neighbor; a 22k-parameter net",
                     source="Mansour & Heckel 2023"),
    "SURE": Member(lambda sigma: SURE(sigma), assumes="Gaussian noise of known sigma", needs_sigma=True,
                   source="Stein 1981; Soltanayev & Chun 2018"),
}


def _check_budget(steps, seconds) -> None:
    if steps is None and seconds is None:
        raise ValueError("give steps= (the same run on every machine) or seconds= (a wall-clock budget), or both")


def train_member(name: str, noisy, *, steps: int | None = None, seconds: float | None = None,
                 sigma: float | None = None, seed: int = 0, device: str = "cpu") -> tuple[np.ndarray, dict]:
    """Train member ``name`` on one noisy grey image (H, W) on [0, 1]; denoise that image with it.

    The run lasts ``steps`` optimizer steps or ``seconds`` of wall time, whichever ends first; give at least one.
    A run by ``steps`` alone is the same on every machine (seeded by ``seed``), so it is the one to assert on; a
    run by ``seconds`` gives every member the same clock, but how far it gets depends on the CPU. ``sigma`` is the
    Gaussian noise level on the image's scale, needed by SURE alone. Returns the denoised image (float64, clipped
    to [0, 1]) and ``{"steps", "train_seconds", "predict_seconds"}``.

    Examples
    --------
    >>> import n2s_core as n2s
    >>> _, noisy = n2s.noisy_camera(size=32)
    >>> denoised, info = train_member("Noise2Void", noisy, steps=3)
    >>> denoised.shape, info["steps"]
    ((32, 32), 3)
    >>> denoised, info = train_member("Noise2Void", noisy, seconds=0.2)
    >>> info["steps"] > 0
    True
    """
    if name not in MEMBERS:
        raise ValueError(f"unknown member {name!r}; choose one of {list(MEMBERS)}")
    _check_budget(steps, seconds)
    member = MEMBERS[name]
    if member.needs_sigma and sigma is None:
        raise ValueError(f"{name} needs the Gaussian noise sigma; pass sigma= (it assumes {member.assumes})")
    image = as_float_image(noisy)
    check_ndim(image, (2,), None, name="train_member")
    x = torch.as_tensor(image, dtype=torch.float32)[None, None]  # (1, 1, H, W)
    crop = None if member.crop is None or member.crop >= min(image.shape) else member.crop
    config = TrainConfig(steps=10**9 if steps is None else steps, batch_size=member.batch_size, crop=crop,
                         lr=member.lr, seed=seed, device=device, time_limit=seconds)
    objective, net = member.objective(sigma), seed_weights(member.net(1), seed)
    result = train(net, x, config=config, objective=objective, progress=False)
    clock = time.perf_counter()
    with evaluating(net), torch.no_grad():
        out = objective.predict(net, x.to(next(net.parameters()).device))[0, 0].cpu().numpy()
    info = {"steps": len(result.train_loss), "train_seconds": round(result.wall_time, 2),
            "predict_seconds": round(time.perf_counter() - clock, 2)}
    return np.clip(out.astype(np.float64), 0.0, 1.0), info


def train_family(noisy, *, steps: int | None = None, seconds: float | None = None, sigma: float | None = None,
                 names=None, seed: int = 0, progress: bool = True) -> dict[str, tuple[np.ndarray, dict]]:
    """:func:`train_member` for every member (or ``names``), the same ``steps`` and/or ``seconds`` each; members
    that need a sigma are skipped when ``sigma`` is None. Returns ``{name: (denoised, info)}`` in ``names`` order
    (``MEMBERS`` order by default)."""
    from tqdm.auto import tqdm

    _check_budget(steps, seconds)
    unknown = [name for name in (names or ()) if name not in MEMBERS]
    if unknown:
        raise ValueError(f"unknown member(s) {unknown}; choose among {list(MEMBERS)}")
    chosen = [name for name in (names or MEMBERS) if sigma is not None or not MEMBERS[name].needs_sigma]
    budget = " or ".join(text for text in (steps and f"{steps} steps", seconds and f"{seconds:g} s") if text)
    results = {}
    for name in tqdm(chosen, desc=f"{budget} each", disable=not progress):
        results[name] = train_member(name, noisy, steps=steps, seconds=seconds, sigma=sigma, seed=seed)
    return results
