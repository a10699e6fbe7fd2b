"""Which pixels a training step holds out: one subset J of a grid or of a random partition, as a boolean mask.

Masks are explicit boolean tensors, True on held-out pixels, never rebuilt by comparing values (in a flat region
nothing would seem to have changed). A grid of stride s has s**2 subsets, pixel (r, c) in subset
``(r % s) * s + c % s`` (the rule of :func:`n2s_core.grid_labels`); a random partition into ``n_subsets`` balanced
subsets holds out about 1/n_subsets of the pixels (paper §5). :mod:`.masking` fills what these masks hold out.
"""

from __future__ import annotations

import torch

from .._checks import check_int, check_stride


def grid_mask(shape_hw: tuple[int, int], *, offset: int, stride: int = 4, device=None) -> torch.Tensor:
    """Boolean (H, W) mask of grid subset ``offset``: pixel (r, c) is in ``(r % stride) * stride + c % stride``.

    The same rule as :func:`n2s_core.grid_labels`; ``stride**2`` offsets partition the image.

    Examples
    --------
    >>> grid_mask((3, 4), offset=1, stride=2).int()
    tensor([[0, 1, 0, 1],
            [0, 0, 0, 0],
            [0, 1, 0, 1]], dtype=torch.int32)
    """
    height, width = (int(n) for n in shape_hw)
    stride = check_stride(stride, (height, width))
    offset = check_int(offset, name="offset", minimum=0, maximum=stride**2 - 1, fix=f" for stride={stride}")
    return grid_labels(height, width, stride, device) == offset  # (H, W)


def random_mask(shape: tuple[int, ...], *, generator: torch.Generator, n_subsets: int = 25) -> torch.Tensor:
    """Boolean (B, 1, H, W) mask holding out one random subset of density ~1/n_subsets in each image.

    Per image: a random labelling into ``n_subsets`` balanced subsets (sizes differ by at most one), then one label
    drawn at random (paper §5). ``shape`` is the batch's (B, C, H, W); the mask lives on ``generator.device``.

    Examples
    --------
    >>> mask = random_mask((2, 3, 10, 10), n_subsets=4, generator=torch.Generator().manual_seed(0))
    >>> mask.shape, mask.sum(dim=(1, 2, 3)).tolist()
    (torch.Size([2, 1, 10, 10]), [25, 25])
    """
    batch, _, height, width = check_shape(shape)
    generator = check_generator(generator)
    size = height * width
    n_subsets = check_int(n_subsets, name="n_subsets", minimum=2, maximum=size,
                          fix=f" for images of {height}x{width}")
    # Label k of a balanced labelling holds size // n + (k < size % n) pixels, and in a uniformly random labelling
    # they are a uniformly random set of that many pixels: the positions of the largest of iid uniform keys. So
    # draw the label, then take the top keys (topk: a partial sort, 5x faster than labelling every pixel).
    device = generator.device
    keep = torch.randint(n_subsets, (batch, 1), generator=generator, device=device)  # (B, 1) one label per image
    counts = size // n_subsets + (keep < size % n_subsets)  # (B, 1) pixels in that subset
    most = -(-size // n_subsets)
    keys = torch.rand(batch, size, generator=generator, device=device)  # (B, H*W)
    top = keys.topk(most, dim=1).indices  # (B, most), the largest key first
    chosen = torch.arange(most, device=device) < counts  # (B, most): the first counts[b] of row b
    mask = torch.zeros(batch, size, dtype=torch.bool, device=device).scatter_(1, top, chosen)
    return mask.view(batch, 1, height, width)


def grid_labels(height: int, width: int, stride: int, device) -> torch.Tensor:
    """The grid partition's subset of every pixel, (H, W): ``(row % stride) * stride + column % stride``."""
    rows = torch.arange(height, device=device) % stride  # (H,)
    cols = torch.arange(width, device=device) % stride  # (W,)
    return rows[:, None] * stride + cols[None, :]  # (H, W)


def check_generator(generator) -> torch.Generator:
    """A ``torch.Generator``, or a ``TypeError`` that says how to make one."""
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {generator!r}; "
                        "pass e.g. generator=torch.Generator().manual_seed(0)")
    return generator


def check_shape(shape) -> tuple[int, int, int, int]:
    """A batch shape (B, C, H, W) of positive ints, or a clear error."""
    shape = tuple(int(n) for n in shape)
    if len(shape) != 4:
        raise ValueError(f"expected a 4-D batch shape (B, C, H, W), got {shape}; add axes, e.g. x[None, None]")
    if min(shape) < 1:
        raise ValueError(f"the batch is empty (shape {shape}); every axis of (B, C, H, W) needs length >= 1")
    if min(shape[2:]) < 2:
        raise ValueError(f"every image side must be >= 2 to have a neighbour, got (H, W) = {shape[2:]}")
    return shape


def as_mask(mask, shape) -> torch.Tensor:
    """The boolean ``mask`` expanded to ``shape`` (the batch's, e.g. (B, 1, H, W)), or a clear error."""
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        kind = mask.dtype if isinstance(mask, torch.Tensor) else type(mask).__name__
        raise TypeError(f"mask must be a boolean torch tensor (True on held-out pixels), got {kind}; "
                        "keep the mask from Masker.mask or grid_mask, never rebuild it by comparing values")
    try:
        return mask.expand(shape)
    except RuntimeError as error:
        raise ValueError(f"mask of shape {tuple(mask.shape)} does not broadcast to {tuple(shape)}") from error
