"""The UNet of the paper's dataset experiments (paper §5, supplement §5.2): an encoder-decoder with skip connections.

It maps a batch ``x`` (B, C, H, W) to a denoised batch of the same shape, predicting the clean image directly (the
paper's choice). Nothing here is J-invariant by itself: Noise2Self makes training J-invariant by masking the input
and scoring only the masked pixels, outside the model (:mod:`.masking`).

The paper gives the channels 32-64-128-256; this is the three-downsampling reading of that (2.0M parameters). The
authors' shipped UNet has a fourth 2x2 downsampling and silently lost its normalisation to a positional-argument
mix-up (see pitfalls), so every option here is keyword-only and the tests count layers and parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_choice, check_int
from ._checks import check_channels, check_features


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


UPSAMPLERS = ("tconv", "bilinear", "nearest")
DOWNSAMPLERS = ("conv", "avgpool", "maxblurpool")
_BINOMIAL = (0.25, 0.5, 0.25)  # the 3-tap blur of a max-blur-pool (Zhang 2019, "Making convolutional networks
                               # shift-invariant again"); its 2-D kernel is the outer product, summing to 1


class MaxBlurPool(nn.Module):
    """Halve the resolution by a 2x2 max with stride 1, then a 3x3 binomial blur with stride 2 (Zhang 2019).

    N2V2 (Hoeck et al. 2022, §3) puts it in place of max pooling, so that the encoder no longer aliases the noise
    into the pixel-scale pattern the decoder then paints as a checkerboard. Borders are mirrored.
    """

    def __init__(self, channels: int):
        super().__init__()
        taps = torch.tensor(_BINOMIAL)
        self.register_buffer("kernel", torch.outer(taps, taps).expand(channels, 1, 3, 3).clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.pad(x, (0, 1, 0, 1), mode="reflect"), kernel_size=2, stride=1)  # (B, C, H, W)
        blurred = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), self.kernel.to(x.dtype), stride=2,
                           groups=x.shape[1])
        return blurred  # (B, C, H / 2, W / 2)


def _upsampler(kind: str, coarse: int, fine: int) -> nn.Module:
    """Double the resolution and go from ``coarse`` to ``fine`` channels."""
    if kind == "tconv":
        return nn.ConvTranspose2d(coarse, fine, kernel_size=2, stride=2)
    return nn.Sequential(nn.Upsample(scale_factor=2, mode=kind), nn.Conv2d(coarse, fine, kernel_size=1))


def _downsampler(kind: str, channels: int) -> nn.Module:
    """Halve the resolution, keeping ``channels``."""
    if kind == "conv":
        return nn.Conv2d(channels, channels, kernel_size=2, stride=2)
    if kind == "maxblurpool":
        return MaxBlurPool(channels)
    return nn.AvgPool2d(kernel_size=2)


class UNet(nn.Module):
    """UNet of paper §5 (supplement §5.2): one block of two 3x3 convs + InstanceNorm + LeakyReLU(0.1) per level.

    Level ``i`` works at resolution ``(H, W) / 2**i`` with ``features[i]`` channels. Going down, a strided 2x2
    convolution (or a 2x2 average) halves the resolution; going up, a 2x2 transposed convolution (or a bilinear or
    nearest upsampling and a 1x1 convolution) doubles it, and the encoder's output at that level is concatenated
    before the decoder block. A final 1x1 convolution maps to ``out_channels``.
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
    up : {"tconv", "bilinear", "nearest"}
        How the decoder doubles the resolution. A 2x2 stride-2 transposed convolution (the default, as in the
        authors' code) gives the four pixels of each 2x2 block their own weights, and a net trained on one image by
        Noise2Self learns to use them differently: its output carries a pixel-scale checkerboard (energy at the
        Nyquist frequency (N/2, N/2) of the residual, :func:`n2s_core.diagnostics.checkerboard_ratio`). Interpolation
        treats the four alike and has none (Odena, Dumoulin & Olah 2016, "Deconvolution and checkerboard artifacts").
    down : {"conv", "avgpool", "maxblurpool"}
        How the encoder halves the resolution: a 2x2 stride-2 convolution, a 2x2 average, or N2V2's max-blur-pool
        (:class:`MaxBlurPool`).
    top_skip : bool
        Concatenate the finest level's encoder output before the last decoder block (the classic UNet). N2V2
        (Hoeck et al. 2022, §3) drops this one skip: the full-resolution features carry the pixel-scale detail
        from which a blind-spot net builds its checkerboard. Without it the last decoder block reads the
        upsampled coarser features alone.

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
                 features: Sequence[int] = (32, 64, 128, 256), norm: bool = True, up: str = "tconv",
                 down: str = "conv", top_skip: bool = True):
        super().__init__()
        self.in_channels = check_int(in_channels, name="in_channels", fix="; use 1 for grey or 3 for RGB")
        self.out_channels = check_int(out_channels, name="out_channels", fix="; use 1 for grey or 3 for RGB")
        self.features = check_features(features)
        self.norm = bool(norm)
        self.up, self.down = check_choice(up, UPSAMPLERS, name="up"), check_choice(down, DOWNSAMPLERS, name="down")
        self.top_skip = bool(top_skip)
        pairs = list(pairwise(self.features))  # (finer width, coarser width) per step down
        self.encoders = nn.ModuleList([_conv_block(self.in_channels, self.features[0], norm=self.norm)]
                                      + [_conv_block(fine, coarse, norm=self.norm) for fine, coarse in pairs])
        self.downs = nn.ModuleList([_downsampler(self.down, fine) for fine, _ in pairs])
        self.ups = nn.ModuleList([_upsampler(self.up, coarse, fine) for fine, coarse in pairs])
        widths = [(2 if level > 0 or self.top_skip else 1) * fine for level, (fine, _) in enumerate(pairs)]
        self.decoders = nn.ModuleList([_conv_block(width, fine, norm=self.norm)
                                       for width, (fine, _) in zip(widths, pairs, strict=True)])
        self.head = nn.Conv2d(self.features[0], self.out_channels, kernel_size=1)

    @property
    def levels(self) -> int:
        return len(self.features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_channels(x, self.in_channels, "UNet")
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
            if level > 0 or self.top_skip:
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
