"""Training objectives of Noise2Self's family: each one a loss on a batch, all trained by the same ``train``.

An objective answers two questions: what is the loss of ``model`` on a noisy batch ``x`` (B, C, h, w), and how does
the trained model denoise. :func:`~n2s_core.nets.training.train` draws the batches and steps the optimizer; it
calls ``objective.loss(model, x, target, generator=..., progress=...)`` once per step, where ``progress`` runs
from 0 to 1 over the run (steps or wall-clock budget, whichever is nearer its end).

- :class:`BlindSpot`: hide a subset J, score the output on J against the noisy input (Noise2Self; Noise2Void, N2V2
  and structN2V are the same loss with other maskers: :func:`noise2void`, :func:`n2v2`). :class:`BlindSpotExcept`
  is the same loss with some pixels never a target, so that a loss measured there afterwards is honest.
- :class:`Noise2Same`: no masking of the scored output; a reconstruction term plus an invariance penalty.
- :class:`SURE`: Stein's unbiased estimate of the error against the clean image, for Gaussian noise of known sigma.
- :class:`Supervised`: plain MSE against a target (Noise2Noise: a second noisy copy; Noise2Truth: the clean image).

The pair sub-sampling objectives (Neighbor2Neighbor, Zero-Shot Noise2Noise) are in :mod:`.subsampling`.
This module imports torch; ``import n2s_core`` does not import this module.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from .masking import Masker, masked_mse

N2V_SUBSETS = 64  # Noise2Void holds out N = 64 pixels of each 64 x 64 patch (Krull et al. 2019, §3): 1/64


class Objective:
    """The interface: ``loss`` for a training step, ``predict`` for the trained model (default: one pass)."""

    needs_target = False  # True: train() must be given a target of the same shape as the noisy data
    whole_images = False  # True: the objective is meant for whole images (the family runner crops nothing)

    def loss(self, model, x: torch.Tensor, target: torch.Tensor, *, generator: torch.Generator,
             progress: float) -> torch.Tensor:
        raise NotImplementedError

    def predict(self, model, x: torch.Tensor) -> torch.Tensor:
        return model(x)


@dataclass(frozen=True)
class Supervised(Objective):
    """MSE against ``target``: Noise2Noise (a second noisy copy, Lehtinen et al. 2018) or Noise2Truth (clean)."""

    needs_target = True

    def loss(self, model, x, target, *, generator, progress):
        return F.mse_loss(model(x).float(), target.float())


@dataclass(frozen=True)
class BlindSpot(Objective):
    """Noise2Self's loss for nets (paper §5): feed ``1_J s(x) + 1_{J^c} x``, score the output on J against x itself.

    The masker decides J and the replacement s. The paper's network setting is the default: a random partition
    into 25 subsets filled with uniform values (paper §5, supplement §5.3). If the output on J never reads x on J
    (the tests check it by gradients), the expected loss is the error against the clean image plus the noise
    variance (Proposition 1, paper §1; its proof is in paper §4).

    Examples
    --------
    >>> model = torch.nn.Conv2d(1, 1, 3, padding=1)
    >>> x, generator = torch.rand(2, 1, 16, 16), torch.Generator().manual_seed(0)
    >>> BlindSpot().loss(model, x, x, generator=generator, progress=0.0).shape
    torch.Size([])
    """

    masker: Masker = field(default_factory=lambda: Masker("random"))

    def loss(self, model, x, target, *, generator, progress):
        masked, mask = self.masker.mask(x, generator=generator)  # (B, C, h, w), (B, 1, h, w)
        return masked_mse(model(masked).float(), x.float(), mask)


@dataclass(frozen=True)
class BlindSpotExcept(BlindSpot):
    """:class:`BlindSpot` that never scores a pixel whose target is NaN: those pixels are inputs, never targets.

    The target is the noisy batch with NaN on the pixels to keep out of the fit (:func:`target_without`). A net trained
    this way has not fitted its weights to the noise of those pixels, so its masked loss measured there afterwards
    is an honest score, like a validation set's; measured on the pixels it was fitted to, the loss of a long fit
    falls below what the net is worth (``n2s_core.app.selection`` scores its candidates on the kept-out pixels).
    A kept-out pixel still feeds its neighbours' predictions, so the separation is not total.

    Examples
    --------
    >>> model = torch.nn.Conv2d(1, 1, 3, padding=1)
    >>> x, generator = torch.rand(1, 1, 16, 16), torch.Generator().manual_seed(0)
    >>> out = torch.zeros(16, 16, dtype=torch.bool)
    >>> out[::2] = True
    >>> BlindSpotExcept().loss(model, x, target_without(x, out), generator=generator, progress=0.0).isfinite()
    tensor(True)
    """

    needs_target = True

    def loss(self, model, x, target, *, generator, progress):
        masked, mask = self.masker.mask(x, generator=generator)  # (B, C, h, w), (B, 1, h, w)
        scored = (mask & target.isfinite().all(dim=1, keepdim=True)).expand_as(x)  # held out, not kept out
        residual = torch.where(scored, (model(masked).float() - target.nan_to_num().float()).square(), 0.0)
        return residual.sum() / scored.sum().clamp(min=1)  # 0 for a crop with no scored pixel (no device sync)


def target_without(x: torch.Tensor, pixels) -> torch.Tensor:
    """The target of :class:`BlindSpotExcept`: ``x`` (N, C, H, W) with NaN on ``pixels`` (boolean (H, W), the same
    for every image and channel)."""
    if not isinstance(pixels, torch.Tensor):
        pixels = torch.from_numpy(np.array(pixels, dtype=bool))  # a copy: a broadcast view is not writable
    if pixels.shape != x.shape[-2:]:
        raise ValueError(f"the pixels to keep out must be a boolean (H, W) of the images' {tuple(x.shape[-2:])}, got "
                         f"{tuple(pixels.shape)}")
    return x.masked_fill(pixels.to(device=x.device, dtype=torch.bool), float("nan"))


def noise2void(*, centre: bool = False, span: int = 0, direction: str = "horizontal") -> BlindSpot:
    """Noise2Void (Krull et al. 2019): J is 1/64 of the pixels, each replaced by a random one of its 8 neighbours.

    ``centre=True`` draws from the 3 x 3 window with the pixel itself in it, so 1 time in 9 the net sees the
    value it must predict and can learn part of the identity. That is our 3 x 3 version of the original code's
    sampling: n2v's default draws from the 11 x 11 window, centre included (1 time in 121). ``span`` > 0 is
    structN2V (Broaddus et al. 2020): it also hides ``span`` pixels on each side along ``direction``, for noise
    correlated along it.
    """
    replacement = "neighbor_centre" if centre else "neighbor"
    return BlindSpot(Masker(replacement, n_subsets=N2V_SUBSETS, span=span, direction=direction))


def n2v2() -> BlindSpot:
    """N2V2's loss (Hoeck et al. 2022, §3): Noise2Void's J, each held-out pixel replaced by the median of its
    8 neighbours. Its other two fixes are in the net: ``UNet(top_skip=False, down="maxblurpool")``."""
    return BlindSpot(Masker("median", n_subsets=N2V_SUBSETS))


@dataclass(frozen=True)
class Noise2Same(Objective):
    """Noise2Same (Xie, Wang & Ji 2020, Eq. 6): reconstruction plus an invariance penalty, no blind spot needed.

    ``L = mean (f(x) - x)^2 + lambda_inv * sd(x) * sqrt(mean_J (f(x)_J - f(x_{J^c})_J)^2)``: the first term
    alone would learn the identity; the second bounds how much the output on J depends on x on J. The paper
    normalises every image to zero mean and unit variance and uses ``lambda_inv = 2``; scaling the square root by
    the batch's standard deviation gives the same balance on images left on [0, 1].
    """

    lambda_inv: float = 2.0
    masker: Masker = field(default_factory=lambda: Masker("random", n_subsets=N2V_SUBSETS))

    def __post_init__(self):
        _check_positive("lambda_inv", self.lambda_inv)

    def loss(self, model, x, target, *, generator, progress):
        masked, mask = self.masker.mask(x, generator=generator)
        plain, blind = model(x).float(), model(masked).float()  # (B, C, h, w) each
        reconstruction = F.mse_loss(plain, x.float())
        invariance = masked_mse(plain, blind, mask)
        return reconstruction + self.lambda_inv * x.float().std() * invariance.clamp_min(1e-12).sqrt()


@dataclass(frozen=True)
class SURE(Objective):
    """Monte-Carlo SURE for Gaussian noise of known ``sigma`` (Stein 1981; Ramani et al. 2008; Soltanayev & Chun
    2018): an unbiased estimate of ``mean (f(x) - clean)^2`` from the noisy image alone.

    Per pixel, with m the number of pixels: ``SURE = (1/m) ||f(x) - x||^2 - sigma^2 + (2 sigma^2 / m) div f(x)``,
    ``div f = sum_i d f(x)_i / d x_i``, estimated with one Gaussian probe b: ``div f ~ b . (f(x + eps b) - f(x)) /
    eps``. ``epsilon`` defaults to ``max(x) / 1000``, Soltanayev and Chun's choice. Only right when the noise is
    Gaussian with this sigma (on the image's scale).
    """

    sigma: float
    epsilon: float | None = None

    def __post_init__(self):
        _check_positive("sigma", self.sigma)
        if self.epsilon is not None:
            _check_positive("epsilon", self.epsilon)

    def loss(self, model, x, target, *, generator, progress):
        x = x.float()
        probe = torch.randn(x.shape, generator=generator, device=generator.device).to(x.device)
        epsilon = self.epsilon if self.epsilon is not None else float(x.detach().abs().max()) / 1000
        out = model(x).float()
        divergence = (probe * (model(x + epsilon * probe).float() - out)).mean() / epsilon  # div f / m, batch mean
        return F.mse_loss(out, x) - self.sigma**2 + 2 * self.sigma**2 * divergence


def _check_positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < float("inf"):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
