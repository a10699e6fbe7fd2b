"""Pair sub-sampling: two half-resolution images of one noisy image, whose noises are independent, as a
Noise2Noise pair (Neighbor2Neighbor; Zero-Shot Noise2Noise).

Both cut the image into 2 x 2 cells and take two different pixels of each cell: their clean values are nearly
equal (neighbours), their noises independent (if the noise is independent across pixels, the same assumption as
Noise2Self's). A net trained to map one half-image to the other learns the clean half-image (Noise2Noise), and
is then applied to the full image. This module imports torch; ``import n2s_core`` does not import this module.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .objectives import Objective


def cells(x: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, H // 2, W // 2, 4): the 2 x 2 cells, pixel (2i + a, 2j + b) at index 2a + b.

    An odd last row or column is dropped.
    """
    batch, channels, height, width = x.shape
    x = x[..., : height - height % 2, : width - width % 2]
    grid = x.reshape(batch, channels, height // 2, 2, width // 2, 2)
    return grid.permute(0, 1, 2, 4, 3, 5).reshape(batch, channels, height // 2, width // 2, 4)


def neighbor_pair(x: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Neighbor2Neighbor's random sub-sampler (Huang et al. 2021, §3.2): in every 2 x 2 cell pick one pixel at
    random, then one of its two edge-adjacent cell-mates; returns the two (B, C, H // 2, W // 2) images.

    Examples
    --------
    >>> first, second = neighbor_pair(torch.rand(2, 3, 8, 9), torch.Generator().manual_seed(0))
    >>> first.shape, bool((first != second).all())
    (torch.Size([2, 3, 4, 4]), True)
    """
    return take(x, neighbor_choice(x, generator))


def neighbor_choice(x: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """The two cell indices (B, 1, H // 2, W // 2, 1) of :func:`neighbor_pair`, to take the same pixels twice."""
    grid_shape = (x.shape[0], 1, x.shape[2] // 2, x.shape[3] // 2, 1)  # one choice per cell, shared by channels
    first = torch.randint(4, grid_shape, generator=generator, device=generator.device).to(x.device)
    flip = torch.randint(2, grid_shape, generator=generator, device=generator.device).to(x.device)
    return first, first ^ torch.where(flip == 1, 1, 2)  # index 2a + b: ^1 flips the column, ^2 the row


def take(x: torch.Tensor, choice: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """The two half-images of x (B, C, H, W) at the cell indices ``choice``."""
    grid = cells(x)  # (B, C, H // 2, W // 2, 4)
    return tuple(grid.gather(-1, index.expand(*grid.shape[:-1], 1)).squeeze(-1) for index in choice)


def diagonal_pair(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """ZS-N2N's fixed sub-sampler (Mansour & Heckel 2023, §3): each cell's two diagonal means, (B, C, H/2, W/2).

    The first averages the top-left and bottom-right pixels, the second the top-right and bottom-left.
    """
    grid = cells(x)
    return (grid[..., 0] + grid[..., 3]) / 2, (grid[..., 1] + grid[..., 2]) / 2


@dataclass(frozen=True)
class Neighbor2Neighbor(Objective):
    """Neighbor2Neighbor (Huang et al. 2021, Eq. 8): ``|f(g1) - g2|^2 + gamma |f(g1) - g2 - (g1(f(x)) - g2(f(x)))|^2``.

    ``g1, g2`` is a :func:`neighbor_pair` of the batch and ``f(x)`` the output on the full image, computed without
    gradient. The regulariser corrects for the small difference of the two clean half-images; its weight grows
    linearly from 0 to ``gamma`` over the run, as in the authors' schedule (their ``increase_ratio`` of 2).
    """

    gamma: float = 2.0

    def __post_init__(self):
        if isinstance(self.gamma, bool) or not isinstance(self.gamma, numbers.Real) or not self.gamma >= 0:
            raise ValueError(f"gamma must be a number >= 0, got {self.gamma!r}")

    def loss(self, model, x, target, *, generator, progress):
        choice = neighbor_choice(x, generator)
        first, second = take(x, choice)  # (B, C, h/2, w/2) each
        with torch.no_grad():
            full_first, full_second = take(model(x), choice)  # the same pixels of the full-image output
        out = model(first).float()
        difference = out - second.float()
        regulariser = (difference - (full_first - full_second).float()).square().mean()
        return difference.square().mean() + self.gamma * progress * regulariser


class ZeroShotNet(nn.Module):
    """ZS-N2N's tiny net (Mansour & Heckel 2023, §3): two 3x3 convolutions of ``width`` channels with
    LeakyReLU(0.2), then a 1x1 convolution back to the input's channels. It predicts the noise, not the image."""

    def __init__(self, channels: int = 1, width: int = 48):
        super().__init__()
        self.layers = nn.Sequential(nn.Conv2d(channels, width, 3, padding=1), nn.LeakyReLU(0.2),
                                    nn.Conv2d(width, width, 3, padding=1), nn.LeakyReLU(0.2),
                                    nn.Conv2d(width, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


@dataclass(frozen=True)
class ZeroShotN2N(Objective):
    """Zero-Shot Noise2Noise (Mansour & Heckel 2023, Eqs. 2-3), for a net that predicts the noise.

    With ``d(y) = y - net(y)`` the denoiser and ``D1, D2`` the :func:`diagonal_pair`: a residual loss
    ``(|D1 x - d(D2 x)|^2 + |D2 x - d(D1 x)|^2) / 2`` (each half predicts the other) plus a consistency loss
    ``(|d(D1 x) - D1 d(x)|^2 + |d(D2 x) - D2 d(x)|^2) / 2`` (denoise-then-downsample agrees with the reverse).
    Meant for whole images with :class:`ZeroShotNet`; ``predict`` returns ``x - net(x)``.
    """

    whole_images = True

    def loss(self, model, x, target, *, generator, progress):
        first, second = diagonal_pair(x)
        denoise = lambda y: y - model(y)  # noqa: E731
        out_first, out_second = denoise(first), denoise(second)
        residual = (F.mse_loss(out_second, first) + F.mse_loss(out_first, second)) / 2
        down_first, down_second = diagonal_pair(denoise(x))
        consistency = (F.mse_loss(out_first, down_first) + F.mse_loss(out_second, down_second)) / 2
        return residual + consistency

    def predict(self, model, x):
        return x - model(x)
