"""The two networks of the paper's dataset experiments (paper §4): a UNet and DnCNN, plus a small factory.

Both map a batch ``x`` of shape (B, C, H, W) to a denoised batch of the same shape and predict the clean image
directly (the paper's choice). Nothing here is J-invariant by itself: Noise2Self makes training J-invariant by
masking the input and scoring only the masked pixels, outside the model.

The authors' shipped constructors took positional arguments in an order that did not match their callers, so
their UNet silently lost its normalisation and their DnCNN factory built a one-layer net (see pitfalls). Every
option here is keyword-only, and the tests check that depth and widths are honoured by counting layers and
parameters.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn

SMALL_UNET_FEATURES = (16, 32, 64)  # a 3-level UNet that trains in seconds on a laptop CPU


def _check_int(name: str, value, *, minimum: int = 1, fix: str = "") -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}{fix}")
    return int(value)


def _check_features(features) -> tuple[int, ...]:
    if isinstance(features, (numbers.Number, str)):
        raise TypeError(f"features must be a sequence of widths such as (32, 64, 128, 256), got {features!r}")
    features = tuple(features)
    if not features:
        raise ValueError("features must hold at least one width, got (); e.g. features=(32, 64, 128, 256)")
    return tuple(_check_int(f"features[{i}]", f) for i, f in enumerate(features))


def _check_batch(x: torch.Tensor, channels: int, name: str) -> None:
    if x.ndim != 4 or x.shape[1] != channels:
        raise ValueError(
            f"{name} expects a batch (B, {channels}, H, W), got shape {tuple(x.shape)}; "
            "add batch and channel axes with x[None, None] or build the model with in_channels=C"
        )


def _conv_block(in_channels: int, out_channels: int, *, norm: bool) -> nn.Sequential:
    """Two 3x3 convolutions, each followed by InstanceNorm (when ``norm``) and LeakyReLU(0.1).

    A convolution bias right before InstanceNorm is subtracted away with the mean, so it is left out.
    """
    layers = []
    for cin in (in_channels, out_channels):
        layers.append(nn.Conv2d(cin, out_channels, kernel_size=3, padding=1, bias=not norm))
        if norm:
            layers.append(nn.InstanceNorm2d(out_channels, affine=True))
        layers.append(nn.LeakyReLU(0.1))
    return nn.Sequential(*layers)


class UNet(nn.Module):
    """UNet of paper §4: one block of two 3x3 convs + InstanceNorm + LeakyReLU(0.1) per level.

    Level ``i`` works at resolution ``(H, W) / 2**i`` with ``features[i]`` channels. Going down, a strided 2x2
    convolution halves the resolution; going up, a 2x2 transposed convolution doubles it and the encoder's output
    at that level is concatenated before the decoder block. A final 1x1 convolution maps to ``out_channels``.
    LeakyReLU (slope 0.1) rather than ReLU keeps small demo nets from losing units to zero gradients.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and of the output (1 for grey, 3 for RGB).
    features : sequence of int
        Width of each level, from the finest to the coarsest; ``len(features)`` is the number of levels.
        The paper uses (32, 64, 128, 256).
    norm : bool
        InstanceNorm (affine) after every 3x3 conv. ``False`` builds the same net without any normalisation.

    Notes
    -----
    Any input size works: the input is padded (reflect, bottom and right) to a multiple of ``2**(levels - 1)``
    and the output cropped back. Height and width must exceed ``2**(levels - 1)`` so that the coarsest level keeps
    at least 2x2 pixels (InstanceNorm cannot normalise a single pixel). With the defaults the net has 2,012,673
    parameters. InstanceNorm uses per-image statistics in train and eval mode alike, so outputs never depend on
    the rest of the batch.

    Examples
    --------
    >>> model = UNet(features=(8, 16, 32))
    >>> model(torch.zeros(2, 1, 13, 17)).shape
    torch.Size([2, 1, 13, 17])
    """

    def __init__(self, *, in_channels: int = 1, out_channels: int = 1,
                 features: Sequence[int] = (32, 64, 128, 256), norm: bool = True):
        super().__init__()
        self.in_channels = _check_int("in_channels", in_channels, fix="; use 1 for grey or 3 for RGB")
        self.out_channels = _check_int("out_channels", out_channels, fix="; use 1 for grey or 3 for RGB")
        self.features = _check_features(features)
        self.norm = bool(norm)
        pairs = list(pairwise(self.features))  # (finer width, coarser width) per step down
        self.encoders = nn.ModuleList([_conv_block(self.in_channels, self.features[0], norm=self.norm)]
                                      + [_conv_block(fine, coarse, norm=self.norm) for fine, coarse in pairs])
        self.downs = nn.ModuleList([nn.Conv2d(fine, fine, kernel_size=2, stride=2) for fine, _ in pairs])
        self.ups = nn.ModuleList([nn.ConvTranspose2d(coarse, fine, kernel_size=2, stride=2) for fine, coarse in pairs])
        self.decoders = nn.ModuleList([_conv_block(2 * fine, fine, norm=self.norm) for fine, _ in pairs])
        self.head = nn.Conv2d(self.features[0], self.out_channels, kernel_size=1)

    @property
    def levels(self) -> int:
        return len(self.features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_batch(x, self.in_channels, "UNet")
        height, width = x.shape[-2:]
        x = self._pad(x)  # (B, C_in, H', W'), H' and W' multiples of 2**(levels - 1)
        skips = []
        for level, encode in enumerate(self.encoders):
            if level > 0:
                x = self.downs[level - 1](x)  # (B, features[level - 1], H' / 2**level, W' / 2**level)
            x = encode(x)  # (B, features[level], H' / 2**level, W' / 2**level)
            skips.append(x)
        for level in reversed(range(self.levels - 1)):
            x = self.ups[level](x)  # (B, features[level], H' / 2**level, W' / 2**level)
            x = torch.cat([skips[level], x], dim=1)  # (B, 2 * features[level], ...)
            x = self.decoders[level](x)  # (B, features[level], ...)
        return self.head(x)[..., :height, :width]  # (B, C_out, H, W)

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        multiple = 2 ** (self.levels - 1)
        height, width = x.shape[-2:]
        if min(height, width) <= multiple:
            raise ValueError(
                f"a {self.levels}-level UNet needs height and width > {multiple} (the coarsest level must keep "
                f"2x2 pixels), got {height}x{width}; use a larger image or fewer features"
            )
        return F.pad(x, (0, -width % multiple, 0, -height % multiple), mode="reflect")


class DnCNN(nn.Module):
    """DnCNN (Zhang et al., 2017) as used in paper §4: a plain stack of ``depth`` 3x3 convolutions.

    Layer 1 is conv + ReLU, layers 2 to ``depth - 1`` are conv + BatchNorm + ReLU, the last layer is a conv.
    Padding 1 keeps the image size. Convolutions followed by BatchNorm carry no bias (BatchNorm's shift does that
    job); the first and last convolutions do. The paper's setting (depth 17, 64 features, 1 channel) then has
    ``640 + 15 * (36864 + 128) + 577 = 556,097`` parameters, the paper's "about 556k" (a bias on every conv
    would give 557,057).

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and of the output.
    depth : int
        Number of convolution layers, at least 2. The paper uses 17.
    features : int
        Channels of every hidden layer. The paper uses 64.
    residual : bool
        ``False`` (the paper): return ``body(x)``, the clean image. ``True`` (the original DnCNN): ``body`` predicts
        the noise and the model returns ``x - body(x)``.

    Notes
    -----
    BatchNorm normalises with batch statistics in train mode, so a training-mode output depends on the other
    images in the batch. Call ``model.eval()`` (and use ``torch.no_grad()``) before denoising.

    Examples
    --------
    >>> count_parameters(DnCNN())
    556097
    >>> DnCNN(depth=5, features=16).eval()(torch.zeros(1, 1, 9, 11)).shape
    torch.Size([1, 1, 9, 11])
    """

    def __init__(self, *, in_channels: int = 1, out_channels: int = 1, depth: int = 17, features: int = 64,
                 residual: bool = False):
        super().__init__()
        self.in_channels = _check_int("in_channels", in_channels, fix="; use 1 for grey or 3 for RGB")
        self.out_channels = _check_int("out_channels", out_channels, fix="; use 1 for grey or 3 for RGB")
        self.depth = _check_int("depth", depth, minimum=2, fix="; DnCNN needs a first and a last conv (paper: 17)")
        self.features = _check_int("features", features, fix="; the paper uses 64")
        self.residual = bool(residual)
        if self.residual and self.in_channels != self.out_channels:
            raise ValueError(f"residual=True needs in_channels == out_channels, got {self.in_channels} and "
                             f"{self.out_channels}; set them equal or use residual=False")
        self.body = nn.Sequential(*self._layers())

    def _layers(self) -> list[nn.Module]:
        width = self.features
        layers = [nn.Conv2d(self.in_channels, width, kernel_size=3, padding=1), nn.ReLU()]
        for _ in range(self.depth - 2):
            layers += [nn.Conv2d(width, width, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
        layers.append(nn.Conv2d(width, self.out_channels, kernel_size=3, padding=1))
        return layers

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_batch(x, self.in_channels, "DnCNN")
        out = self.body(x)  # (B, C_out, H, W)
        return x - out if self.residual else out


def small_unet(**kwargs) -> UNet:
    """A 3-level UNet (``SMALL_UNET_FEATURES``, 16-32-64) without InstanceNorm, for CPU demos; options pass through.

    Without normalisation: trained by Noise2Self on 64 x 64 crops of one 256 x 256 noisy camera image (sigma 0.1,
    300 steps, batch 8, lr 3e-3), it reached 25.2 and 25.3 dB against 22.1 and 19.7 dB with InstanceNorm (seeds 0
    and 1; noisy 20.6 dB): on a 64 x 64 crop the deepest level's statistics (16 x 16) are too noisy to normalise by.

    Examples
    --------
    >>> net = small_unet(in_channels=3, out_channels=3)
    >>> net.features, net.norm
    ((16, 32, 64), False)
    """
    return UNet(**{"features": SMALL_UNET_FEATURES, "norm": False, **kwargs})


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
