"""Parameter counts by hand, from the architecture description (never from the model), and a seeded batch."""

from __future__ import annotations

from itertools import pairwise

import torch


def conv_params(cin: int, cout: int, kernel: int, *, bias: bool = True) -> int:
    return cin * cout * kernel * kernel + (cout if bias else 0)


def dncnn_params(depth: int, features: int, *, cin: int = 1, cout: int = 1, hidden_bias: bool = False) -> int:
    first = conv_params(cin, features, 3)
    hidden = conv_params(features, features, 3, bias=hidden_bias) + 2 * features  # + BatchNorm weight and bias
    return first + (depth - 2) * hidden + conv_params(features, cout, 3)


def unet_params(features, *, cin: int = 1, cout: int = 1, norm: bool = True) -> int:
    def block(a, b):  # two 3x3 convs (no bias before a norm) + InstanceNorm weight and bias after each
        return conv_params(a, b, 3, bias=not norm) + conv_params(b, b, 3, bias=not norm) + (4 * b if norm else 0)

    total = block(cin, features[0]) + conv_params(features[0], cout, 1)  # first block + 1x1 head
    for fine, coarse in pairwise(features):
        down, up = conv_params(fine, fine, 2), conv_params(coarse, fine, 2)  # strided conv, transposed conv
        total += down + block(fine, coarse) + up + block(2 * fine, fine)
    return total


def _batch(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))
