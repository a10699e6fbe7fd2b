"""Build a network by name, seed its weights reproducibly, count its parameters.

The names are what the command line and the paper's experiments accept: ``"unet"`` (the paper's UNet,
:mod:`.unet`), ``"unet-small"`` (a small one for CPU demos) and ``"dncnn"`` (:mod:`.dncnn`).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .dncnn import DnCNN
from .unet import UNet

SMALL_UNET_FEATURES = (16, 32, 64)  # a 3-level UNet that trains in seconds on a laptop CPU


def small_unet(**kwargs) -> UNet:
    """A 3-level UNet (``SMALL_UNET_FEATURES``, 16-32-64) for CPU demos: no InstanceNorm, bilinear upsampling and
    2x2 averages down; options pass through.

    Both choices were made on one 256 x 256 noisy camera image (sigma 0.1; Noise2Self, 300 steps of 8 crops of
    64 x 64, lr 3e-3; PSNR against the clean image, seeds 0 and 1; ``benchmarks/bench_checkerboard.py``, results in
    ``results/checkerboard.json``). InstanceNorm on 64 x 64 crops normalises by the deepest level's 16 x 16
    statistics, too noisy: 22.1 and 19.7 dB with it, 25.2 and 25.3 without. Transposed convolutions up left a
    pixel-scale checkerboard in the output (see :class:`~n2s_core.nets.unet.UNet`'s ``up``); bilinear upsampling
    removes it and gains PSNR (the benchmark prints both).

    Examples
    --------
    >>> net = small_unet(in_channels=3, out_channels=3)
    >>> net.features, net.norm, net.up, net.down
    ((16, 32, 64), False, 'bilinear', 'avgpool')
    """
    return UNet(**{"features": SMALL_UNET_FEATURES, "norm": False, "up": "bilinear", "down": "avgpool", **kwargs})


_BUILDERS = {"unet": UNet, "unet-small": small_unet, "dncnn": DnCNN}
MODEL_NAMES = tuple(sorted(_BUILDERS))  # the names build_model accepts


def build_model(name: str, *, in_channels: int = 1, **kwargs) -> nn.Module:
    """Build a model by name: ``"unet"`` (paper UNet), ``"unet-small"`` (:func:`small_unet`) or ``"dncnn"``.

    ``out_channels`` defaults to ``in_channels`` (a denoiser returns what it is given); other keyword
    arguments go to the constructor (e.g. ``depth=8`` for DnCNN).

    Examples
    --------
    >>> build_model("dncnn", in_channels=3, depth=8).out_channels
    3
    >>> build_model("resnet")
    Traceback (most recent call last):
    ...
    ValueError: unknown model 'resnet'; choose one of 'dncnn', 'unet', 'unet-small'
    """
    if name not in _BUILDERS:
        choices = ", ".join(repr(key) for key in sorted(_BUILDERS))
        raise ValueError(f"unknown model {name!r}; choose one of {choices}")
    kwargs.setdefault("out_channels", in_channels)
    return _BUILDERS[name](in_channels=in_channels, **kwargs)


def seed_weights(model: nn.Module, seed: int) -> nn.Module:
    """Redraw every (transposed) convolution's weights and biases with torch's default rule, from ``seed``.

    Same distribution as a freshly built layer (Kaiming uniform with a = sqrt(5), bias uniform in +-1/sqrt(fan_in)),
    but drawn from a ``torch.Generator``: reproducible without touching the global RNG. Returns ``model``.

    Examples
    --------
    >>> a, b = seed_weights(nn.Conv2d(1, 2, 3), 0), seed_weights(nn.Conv2d(1, 2, 3), 0)
    >>> torch.equal(a.weight, b.weight)
    True
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, nn.Conv2d | nn.ConvTranspose2d):
                nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
                if layer.bias is not None:
                    bound = 1 / math.sqrt(layer.weight.shape[1] * layer.weight[0, 0].numel())  # 1 / sqrt(fan_in)
                    nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return model


def count_parameters(model: nn.Module) -> int:
    """Number of scalar parameters of ``model``, trainable or frozen; buffers (BatchNorm running stats) excluded.

    Examples
    --------
    >>> count_parameters(nn.Conv2d(1, 64, kernel_size=3))  # 64 * 1 * 3 * 3 weights + 64 biases
    640
    """
    return sum(p.numel() for p in model.parameters())
