"""DnCNN (Zhang et al., 2017) as the paper's dataset experiments use it (paper §5): a plain stack of 3x3 convs.

It predicts the clean image directly by default (the paper's choice), or the noise as the original DnCNN does.
The authors' DnCNN factory built a one-layer net from misordered positional arguments (see pitfalls): every option
here is keyword-only, and the tests check depth and width by counting layers and parameters.
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_int
from ._checks import check_channels


class DnCNN(nn.Module):
    """DnCNN (Zhang et al., 2017) as used in paper §5: a plain stack of ``depth`` 3x3 convolutions.

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
    >>> sum(p.numel() for p in DnCNN().parameters())
    556097
    >>> DnCNN(depth=5, features=16).eval()(torch.zeros(1, 1, 9, 11)).shape
    torch.Size([1, 1, 9, 11])
    """

    def __init__(self, *, in_channels: int = 1, out_channels: int = 1, depth: int = 17, features: int = 64,
                 residual: bool = False):
        super().__init__()
        self.in_channels = check_int(in_channels, name="in_channels", fix="; use 1 for grey or 3 for RGB")
        self.out_channels = check_int(out_channels, name="out_channels", fix="; use 1 for grey or 3 for RGB")
        self.depth = check_int(depth, name="depth", minimum=2, fix="; DnCNN needs a first and a last conv (paper: 17)")
        self.features = check_int(features, name="features", fix="; the paper uses 64")
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
        check_channels(x, self.in_channels, "DnCNN")
        out = self.body(x)  # (B, C_out, H, W)
        return x - out if self.residual else out
