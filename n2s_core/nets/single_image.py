"""Denoise one image by Noise2Self: train a net on that image alone, then apply it (paper §5, single-image case).

No clean image and no second noisy copy: the net is trained with the masked self-supervised loss on random crops
of the noisy image itself, then predicts in one pass (the paper's choice, about 0.5 dB better) or with the full
J-invariant prediction over a grid of subsets. ``python -m n2s_core denoise`` wraps :func:`denoise_image`.
This module imports torch; ``import n2s_core`` does not import this module.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from .._checks import as_float_image, check_choice, check_ndim, normalize_axis, renamed_keywords
from ..diagnostics import correlated_axis
from .inference import predict_tiled
from .masking import Masker
from .models import MODEL_NAMES, build_model, count_parameters, seed_weights
from .objectives import BlindSpotExcept, target_without
from .training import TrainConfig, pick_device, train

MODELS = MODEL_NAMES  # ('dncnn', 'unet', 'unet-small')
INVARIANT_STRIDE = 4  # grid spacing of the J-invariant prediction: 16 masked passes
TILE, TILE_OVERLAP = 512, 64  # larger images are predicted in overlapping tiles, so memory stays bounded
_HISTORY_POINTS = 200  # the report keeps at most this many (step, loss) pairs
RENAMED = {"mask_span": "span", "mask_direction": "direction"}  # old keywords, still accepted with a warning


def denoise_image(image, *, channel_axis: int | None = None, model: str = "unet-small", steps: int = 300,
                  batch_size: int = 8, crop: int | None = 64, lr: float = 3e-3, replacement: str = "random",
                  seed: int = 0, device: str = "auto", invariant: bool = False, progress: bool = True,
                  model_options: dict | None = None, span: int = 0, direction: str = "horizontal",
                  precision: str = "float32", **renamed) -> tuple[np.ndarray, dict]:
    """Train a fresh net by Noise2Self on ``image`` alone and return its denoised output with a run report.

    Parameters
    ----------
    image : ndarray
        Noisy float image on [0, 1], (H, W) or (H, W, C) with ``channel_axis``. Never modified.
    channel_axis : int or None
        Axis of the colour channels (e.g. -1 for RGB); None for a gray image.
    model : str
        ``"unet-small"`` (3 levels, fast on a CPU), ``"unet"`` (the paper's) or ``"dncnn"`` (the paper's).
    steps, batch_size, lr : int, int, float
        Adam steps, crops per step and learning rate.
    crop : int or None
        Side of the random square training crops; None (or a crop as large as the image) trains on the whole image.
    replacement : str
        What fills the held-out pixels during training (see :mod:`n2s_core.nets.masking`); the paper uses "random".
    seed : int
        Seeds the weights' initialisation, the crops, the masks and the fill values: same seed, same result (CPU).
    device : str
        "auto" (CUDA, then MPS, then CPU) or a torch device name.
    invariant : bool
        False: one pass of the net over the noisy image. True: the J-invariant prediction over a stride-4 grid.
        Either way, images larger than 512 pixels on a side are predicted in overlapping 512 x 512 tiles
        (:func:`~n2s_core.nets.inference.predict_tiled`), so the device's memory bounds the tile, not the image.
    progress : bool
        Show a tqdm progress bar of the training.
    model_options : dict, optional
        Keyword arguments for the net's constructor, e.g. ``{"up": "tconv"}`` (:class:`~n2s_core.nets.unet.UNet`).
    span, direction : int, str
        A structured mask (structN2V): each held-out pixel also hides ``span`` pixels on each side along
        rows ("horizontal") or columns ("vertical"), in training and in the J-invariant prediction. For noise
        correlated along rows or columns (streaks), which a plain blind spot would learn to reproduce.
    precision : str
        Of the training steps (:class:`~n2s_core.nets.training.TrainConfig`): "float32", or "auto" for bfloat16
        where the device has it natively (faster; the prediction stays float32).

    Returns
    -------
    denoised : ndarray
        Same shape as ``image``, float64, clipped to [0, 1].
    report : dict
        ``settings``, ``model``, ``parameters``, ``device``, ``torch_version``, ``shape``, ``first_loss``,
        ``final_loss``, ``loss_history`` (``steps`` and ``loss``, at most 200 points), ``train_seconds`` and
        ``wall_seconds``.

    Examples
    --------
    >>> import n2s_core as n2s
    >>> _, noisy = n2s.noisy_camera(size=16)
    >>> denoised, report = denoise_image(noisy, model="dncnn", steps=2, crop=None, device="cpu", progress=False)
    >>> denoised.shape, report["settings"]["steps"], len(report["loss_history"]["loss"])
    ((16, 16), 2, 2)
    """
    clock = time.perf_counter()
    given = {"span": span, "direction": direction, **renamed_keywords(renamed, RENAMED, where="denoise_image")}
    fitted = fit_image(image, channel_axis=channel_axis, model=model, steps=steps, batch_size=batch_size, crop=crop,
                       lr=lr, replacement=replacement, seed=seed, device=device, progress=progress,
                       model_options=model_options, precision=precision, **given)
    denoised = fitted.predict(invariant=invariant)
    settings = {**fitted.settings, "invariant": bool(invariant)}
    report = {**fitted.report, "settings": settings, "wall_seconds": round(time.perf_counter() - clock, 3)}
    return denoised, report


@dataclass
class FittedNet:
    """A net trained on one image, ready to denoise it by a single pass or the J-invariant prediction."""

    net: torch.nn.Module
    x: torch.Tensor  # the image as (1, C, H, W), on the CPU
    axis: int | None  # where the channels go back in the output
    config: TrainConfig
    device: torch.device
    settings: dict  # what :func:`fit_image` was given
    report: dict  # the training's report (losses, time, device), as :func:`denoise_image` returns it

    def predict(self, *, invariant: bool = False, image=None) -> np.ndarray:
        """The denoised image, float64 clipped to [0, 1], in the input's layout.

        ``image``: denoise this image instead, laid out as one image of the training input (for a net trained on
        planes, one plane (H, W)), e.g. a plane of a stack that was not in memory during the training.
        """
        x = self.x if image is None else _as_batch(as_float_image(image), self.axis)
        out = _predict(self.net, x, invariant=invariant, config=self.config, device=self.device)
        out = out.detach().cpu().numpy().astype(np.float64)  # (N, C, H, W)
        if self.settings.get("planes") and image is None:
            return np.clip(out[:, 0], 0.0, 1.0)  # (N, H, W)
        out = out[0]
        return np.clip(out[0] if self.axis is None else np.moveaxis(out, 0, self.axis), 0.0, 1.0)


def _as_batch(image: np.ndarray, axis: int | None) -> torch.Tensor:
    """One image, (H, W) or channels on ``axis``, as the float32 tensor (1, C, H, W)."""
    planes = image[None] if axis is None else np.moveaxis(image, axis, 0)
    return torch.as_tensor(np.ascontiguousarray(planes), dtype=torch.float32)[None]


def fit_image(image, *, channel_axis: int | None = None, model: str = "unet-small", steps: int = 300,
              batch_size: int = 8, crop: int | None = 64, lr: float = 3e-3, replacement: str = "random",
              seed: int = 0, device: str = "auto", progress: bool = True, model_options: dict | None = None,
              span: int = 0, direction: str = "horizontal", time_limit: float | None = None,
              precision: str = "float32", planes: bool = False, keep_out=None, schedule: str = "constant",
              **renamed) -> FittedNet:
    """Train a fresh net by Noise2Self on ``image`` alone (:func:`denoise_image` without the prediction).

    Arguments as in :func:`denoise_image`; ``time_limit`` stops the training after that many seconds even if
    ``steps`` are not done (the report's ``settings`` keep both, ``steps_done`` says how far it got).
    ``planes=True``: ``image`` is a gray stack (N, H, W), and the crops are drawn from all its planes.
    ``keep_out``: a boolean (H, W), True on pixels that are never a training target (in every plane and channel;
    :class:`~n2s_core.nets.objectives.BlindSpotExcept`), so that a loss measured there afterwards scores the net on
    pixels it was not fitted to. ``schedule``: "constant" learning rate, or "cosine" down to 0 at the end of the
    steps or of ``time_limit``, whichever comes first (:class:`~n2s_core.nets.training.TrainConfig`), so that the
    last weights are not those of a chance spike of a constant rate.
    """
    check_choice(model, MODELS, name="model")
    if renamed:
        given = {"span": span, "direction": direction, **renamed_keywords(renamed, RENAMED, where="fit_image")}
        span, direction = given["span"], given["direction"]
    arr = as_float_image(image)
    if planes and (channel_axis is not None or arr.ndim != 3):
        raise ValueError(f"planes=True takes a gray stack (N, H, W), got shape {arr.shape}"
                         + ("" if channel_axis is None else " with channel_axis: colour stacks are not supported"))
    check_ndim(arr[0] if planes else arr, (2,), channel_axis, name="denoise_image")
    axis = None if channel_axis is None else normalize_axis(channel_axis, arr.ndim)
    batch = arr[:, None] if planes else (arr[None] if axis is None else np.moveaxis(arr, axis, 0))[None]
    crop = None if crop is not None and crop >= min(batch.shape[2:]) else crop
    streaks = _streaks(batch[0], structured=span > 0)
    config = TrainConfig(mode="n2s", steps=steps, batch_size=batch_size, lr=lr, crop=crop, replacement=replacement,
                         seed=seed, device=device, span=span, direction=direction,
                         time_limit=time_limit, precision=precision, schedule=schedule)
    torch_device = pick_device(device)
    net = build_model(model, in_channels=batch.shape[1], **(model_options or {}))
    net = seed_weights(net, seed)  # the global RNG is left alone
    x = torch.as_tensor(np.ascontiguousarray(batch), dtype=torch.float32)  # (N, C, H, W)
    if keep_out is None:
        result = train(net, x, config=config, progress=progress)
    else:  # the kept-out pixels are NaN in the target, and never scored
        target = target_without(x, _kept_out(keep_out, x))
        result = train(net, x, config=config, target=target, objective=BlindSpotExcept(config.masker),
                       progress=progress)
    settings = {"model": model, "model_options": dict(model_options or {}),
                "steps": steps, "batch_size": batch_size, "crop": crop, "lr": lr,
                "replacement": replacement, "span": span, "direction": direction,
                "seed": seed, "device": device, "channel_axis": channel_axis, "precision": precision}
    if planes:
        settings["planes"] = True
    if time_limit is not None:
        settings["time_limit"] = time_limit
    if keep_out is not None:
        settings["kept_out_pixels"] = int(np.count_nonzero(keep_out))
    if schedule != "constant":
        settings["schedule"] = schedule
    report = {"noise_correlated_along": streaks, "model": model, "parameters": count_parameters(net),
              "device": result.device, "torch_version": torch.__version__, "shape": list(arr.shape),
              "steps_done": len(result.train_loss), **_losses(result.train_loss),
              "train_seconds": round(result.wall_time, 3)}
    return FittedNet(net=net, x=x, axis=axis, config=config, device=torch_device, settings=settings, report=report)


def _kept_out(keep_out, x: torch.Tensor) -> np.ndarray:
    """``keep_out`` checked: a boolean (H, W) of the training images' size that leaves some pixel a target."""
    pixels = np.asarray(keep_out)
    if pixels.dtype != bool or pixels.shape != tuple(x.shape[-2:]):
        raise ValueError(f"keep_out must be a boolean array of the image's (H, W) {tuple(x.shape[-2:])}, got "
                         f"{pixels.dtype} {pixels.shape}")
    if pixels.all():
        raise ValueError("keep_out keeps every pixel out, so nothing is left to train on; keep out a few subsets")
    return pixels


def _predict(net, x: torch.Tensor, *, invariant: bool, config: TrainConfig, device: torch.device) -> torch.Tensor:
    """Single pass, or the J-invariant prediction with the training replacement on a stride-4 grid; ``x`` stays on
    the CPU and goes to the net's ``device`` one tile at a time."""
    if not invariant:
        return predict_tiled(net, x, tile=TILE, overlap=TILE_OVERLAP)
    masker = Masker(config.replacement, stride=INVARIANT_STRIDE, partition="grid", span=config.span,
                    direction=config.direction)
    generator = torch.Generator(device=device).manual_seed(config.seed)
    return predict_tiled(net, x, tile=TILE, overlap=TILE_OVERLAP, masker=masker, batch_size=config.batch_size,
                         generator=generator)


def _losses(train_loss: list[float]) -> dict:
    """First and final training loss, and the history subsampled to at most ``_HISTORY_POINTS`` steps."""
    keep = np.unique(np.linspace(0, len(train_loss) - 1, min(len(train_loss), _HISTORY_POINTS)).round().astype(int))
    return {"first_loss": train_loss[0], "final_loss": train_loss[-1],
            "loss_history": {"steps": [int(i) + 1 for i in keep], "loss": [train_loss[i] for i in keep]}}


def _streaks(planes, *, structured: bool = False) -> str | None:
    """Warn when the noise looks correlated along rows or columns (:func:`~n2s_core.diagnostics.correlated_axis`).

    Noise2Self assumes noise independent from pixel to pixel; where neighbours share noise, a net that hides one
    pixel still reads the noise of its neighbours and learns to reproduce the streaks.
    """
    if min(planes.shape[1:]) < 8:
        return None
    axis = correlated_axis(planes.mean(axis=0))
    if axis is not None and not structured:
        warnings.warn(f"the noise of this image looks correlated along {'rows' if axis == 'horizontal' else 'columns'} "
                      f"({axis} streaks): Noise2Self assumes noise independent from pixel to pixel, so the net may "
                      f"reproduce the streaks (n2s_core.diagnostics.noise_autocorrelation shows the correlation); "
                      f"a structured mask hides them: --structured {axis} (direction={axis!r}, span=2)",
                      UserWarning, stacklevel=3)
    return axis

