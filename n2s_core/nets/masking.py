"""Masking for network training in torch: hold out a subset J, replace it by values that never read it, score on J.

A training step feeds ``1_J * s(x) + 1_{J^c} * x`` to the model and scores its output on J only. Replacements s:

- ``"axis"`` (mean of the 4 axis neighbours, paper §3), ``"diagonal"`` (the authors' repository kernel
  ``[[.5, 1, .5], [1, 0, 1], [.5, 1, .5]] / 6``) and ``"zero"``: on a grid of stride 4 (16 subsets) by default.
- ``"random"``: uniform values in [0, 1] on a random partition into 25 subsets (paper §5, supplement §5.3).
- ``"neighbor"``: a neighbour drawn uniformly among the 8 around the pixel (the idea of Noise2Void, Krull et al.
  2019), never the centre and never a held-out neighbour; on a random partition by default. (n2v's own default
  draws from the 11 x 11 window around the pixel; ours is the 3 x 3 one.)
- ``"neighbor_centre"``: one of the 9 pixels of the 3 x 3 window, the centre included: 1 time in 9 the pixel is
  "replaced" by itself, so the net can learn the identity there. This is our 3 x 3 version of the original
  Noise2Void code's sampling: n2v's default (``pm_uniform_withCP`` with radius 5) draws uniformly from the
  11 x 11 window, centre included, so it keeps the pixel 1 time in 121. Kept to show why a blind spot must never
  show the pixel (supplement §3.1; N2V2, Hoeck et al. 2022, §3); never train with it.
- ``"median"``: the median of the 8 neighbours that are not held out (N2V2's replacement, Hoeck et al. 2022, §3).

**Structured masks** (structN2V, Broaddus et al. 2020): with ``span=k`` every held-out pixel also hides the ``k``
pixels on each side of it along ``direction`` ("horizontal": along its row; "vertical": along its column). Those
pixels are filled with uniform values in [0, 1] and the loss still scores J alone, so a net can no longer read
noise that is correlated along that line. The neighbour replacements never pick a hidden pixel.

Borders are mirrored without repeating the edge (torch ``reflect`` = numpy ``reflect`` = scipy ``mirror``:
``x[-1] -> x[1]``). Masks are explicit boolean tensors (B, 1, H, W), True on held-out pixels, shared by the
channels. This module imports torch; ``import n2s_core`` does not import this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .._checks import check_choice, check_int, check_stride
from ..interpolation import neighbor_kernel
from .masks import as_mask, check_generator, check_shape, grid_mask, random_mask

REPLACEMENTS = ("axis", "diagonal", "zero", "random", "neighbor", "neighbor_centre", "median")
DIRECTIONS = ("horizontal", "vertical")
PARTITIONS = ("grid", "random")
NEIGHBOR_OFFSETS = tuple((dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0))


@dataclass(frozen=True)
class Masker:
    """Which pixels a training step holds out and what replaces them.

    Examples
    --------
    >>> x = torch.rand(2, 1, 8, 8)
    >>> masked, mask = Masker("axis").mask(x, step=5)
    >>> mask.shape, int(mask.sum()), torch.equal(masked[~mask.expand_as(x)], x[~mask.expand_as(x)])
    (torch.Size([2, 1, 8, 8]), 8, True)
    >>> masked, mask = Masker("random").mask(x, generator=torch.Generator().manual_seed(0))
    """

    replacement: str = "axis"  # one of REPLACEMENTS (see the module docstring)
    stride: int = 4  # grid spacing: stride**2 subsets, one held out per step
    n_subsets: int = 25  # random partition: each mask holds out about 1/n_subsets of the pixels
    partition: str | None = None  # "grid" or "random"; None: grid for axis/diagonal/zero, random otherwise
    span: int = 0  # structured mask: also hide this many pixels on each side of a held-out one, along direction
    direction: str = "horizontal"  # "horizontal" (along rows) or "vertical" (along columns); used when span > 0

    def __post_init__(self):
        check_choice(self.replacement, REPLACEMENTS, name="replacement")
        check_stride(self.stride, (math.inf,))  # type and >= 2 now; against the image side in mask()
        check_int(self.n_subsets, name="n_subsets", minimum=2)
        if self.partition is None:
            grid = self.replacement in ("axis", "diagonal", "zero")
            object.__setattr__(self, "partition", "grid" if grid else "random")
        check_choice(self.partition, PARTITIONS, name="partition")
        if self.partition == "random" and self.replacement in ("axis", "diagonal"):
            raise ValueError(f"replacement={self.replacement!r} needs partition='grid': on a random partition a "
                             "held-out pixel's neighbour may be held out too; use 'neighbor', 'random' or 'zero'")
        check_int(self.span, name="span", minimum=0, fix=" (pixels hidden on each side)")
        check_choice(self.direction, DIRECTIONS, name="direction")
        if self.span and self.replacement in ("axis", "diagonal"):
            raise ValueError(f"replacement={self.replacement!r} averages neighbours that a structured mask "
                             f"(span={self.span}) hides; use 'neighbor', 'median', 'random' or 'zero'")

    def mask(self, x: torch.Tensor, *, offset: int | None = None, step: int | None = None,
             generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw a mask for x (B, C, H, W) and fill it: returns ``(masked_input, mask)``, mask (B, 1, H, W).

        Grid: ``offset`` picks the subset, or ``step`` cycles through them (``step % stride**2``), else one is
        drawn with ``generator``. Random partition: drawn with ``generator``. "random" and "neighbor" also draw
        their values from ``generator`` (a ``torch.Generator`` on the device of x, or on the CPU).
        """
        x = check_batch(x)
        batch, _, height, width = x.shape
        if self.partition == "random":
            if offset is not None or step is not None:
                raise ValueError("offset and step pick a grid subset; a random partition draws its subset from "
                                 "generator, so pass generator= only (or use partition='grid')")
            mask = random_mask(x.shape, n_subsets=self.n_subsets, generator=check_generator(generator))
        else:
            n = check_stride(self.stride, (height, width)) ** 2
            if offset is not None and step is not None:
                raise ValueError(f"pass offset or step, not both (got offset={offset}, step={step})")
            if offset is None and step is None:
                step = int(torch.randint(n, (1,), generator=check_generator(generator), device=generator.device))
            offset = int(step) % n if offset is None else offset
            mask = grid_mask((height, width), offset=offset, stride=self.stride, device=x.device)
            if self.replacement in ("axis", "diagonal", "zero") and not self.span:  # fill()'s values, on J alone
                return self._fill_grid(x, offset), mask.expand(batch, 1, height, width)
        mask = mask.to(x.device).expand(batch, 1, height, width)
        return self.fill(x, mask, generator=generator), mask

    def _fill_grid(self, x: torch.Tensor, offset: int) -> torch.Tensor:
        """Fill grid subset ``offset`` alone: 1/stride**2 of the work of :meth:`fill`, the same values."""
        s, (row, col) = self.stride, divmod(offset, self.stride)
        out = x.clone()
        held = out[..., row::s, col::s]  # (B, C, h, w), a view into out
        if self.replacement == "zero":
            held.zero_()
        else:
            held.copy_(_interpolate(x, self.replacement, start=(row, col), step=s))
        return out  # (B, C, H, W): x itself is never written

    def fill(self, x: torch.Tensor, mask: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """Replace the pixels of x (B, C, H, W) where ``mask`` (broadcastable to (B, 1, H, W)) is True.

        Use it to reuse fixed masks (e.g. a validation mask drawn once). "axis" and "diagonal" refuse masks in
        which two held-out pixels touch (each would read the other); stride >= 2 grids never do.
        """
        x = check_batch(x)
        mask = as_mask(mask, (x.shape[0], 1, *x.shape[2:])).to(x.device)  # (B, 1, H, W)
        hidden = line_mask(mask, self.span, self.direction) & ~mask if self.span else None  # (B, 1, H, W)
        unreadable = mask if hidden is None else mask | hidden  # what a neighbour replacement may not pick
        if self.replacement in ("axis", "diagonal"):
            if (mask & (_neighbors(mask.to(x.dtype)).amax(dim=-1) > 0)).any():
                raise ValueError(f"mask holds out touching pixels, which replacement={self.replacement!r} would "
                                 "read; use a grid mask (stride >= 2) or replacement='neighbor'")
            replaced = _interpolate(x, self.replacement)
        elif self.replacement == "zero":
            replaced = torch.zeros_like(x)
        elif self.replacement == "random":
            replaced = _uniform(x.shape, check_generator(generator), x, dtype=x.dtype)
        elif self.replacement == "median":
            replaced = _neighbor_median(x, unreadable)
        else:
            centre = self.replacement == "neighbor_centre"
            replaced = _neighbor_values(x, unreadable, check_generator(generator), centre=centre)
        out = torch.where(mask, replaced, x)  # (B, C, H, W), a new tensor: x is never written
        if hidden is not None:
            out = torch.where(hidden, _uniform(x.shape, check_generator(generator), x, dtype=x.dtype), out)
        return out


def masked_mse(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the held-out pixels only, one term per masked pixel and channel.

    ``mask`` broadcasts to the prediction's shape (e.g. (B, 1, H, W) over channels). The authors' repository
    averages over all pixels instead, which scales the loss by the mask density. An empty mask is an error on a CPU;
    on a GPU the loss is NaN (checking would make every training step wait for the device).

    Examples
    --------
    >>> mask = torch.tensor([[[[True, False]]]])
    >>> masked_mse(torch.tensor([[[[3.0, 9.0]]]]), torch.tensor([[[[1.0, 0.0]]]]), mask)
    tensor(4.)
    """
    if prediction.shape != target.shape:
        raise ValueError(f"prediction and target must have the same shape, got {tuple(prediction.shape)} and "
                         f"{tuple(target.shape)}")
    mask = as_mask(mask, prediction.shape)  # (B, C, H, W)
    count = mask.sum()
    if count.device.type == "cpu" and count == 0:  # elsewhere the check would wait for the device: NaN instead
        raise ValueError("mask holds out no pixel, so the masked loss is undefined; mask at least one pixel")
    return torch.where(mask, (prediction - target).square(), 0).sum() / count


def _interpolate(x: torch.Tensor, kind: str, *, start: tuple[int, int] = (0, 0), step: int = 1) -> torch.Tensor:
    """The ``kind`` kernel mean of each pixel's 8 neighbours, per channel, mirrored borders.

    Every pixel by default; with ``start=(row, col)`` and ``step=stride``, only the pixels of that grid subset,
    ``x[..., row::stride, col::stride]``. A weighted sum of the 8 shifted copies rather than a convolution with a
    zero centre: the centre is never read at all, so J-invariance holds exactly, not up to the rounding of a
    convolution algorithm.
    """
    kernel = neighbor_kernel(2, kind)  # (3, 3) NumPy, zero centre, sums to 1
    weights = torch.tensor([kernel[1 + dr, 1 + dc] for dr, dc in NEIGHBOR_OFFSETS], dtype=x.dtype, device=x.device)
    return (_neighbors(x, start=start, step=step) * weights).sum(dim=-1)  # (B, C, h, w)


def _neighbors(t: torch.Tensor, *, start: tuple[int, int] = (0, 0), step: int = 1) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, h, w, 8): the neighbours in ``NEIGHBOR_OFFSETS`` order, borders mirrored.

    Of every pixel by default (h, w = H, W), or of the grid subset ``t[..., row::step, col::step]`` for
    ``start=(row, col)``. At an edge an outward offset is reflected inward (row -1 -> row 1), so it lands on a
    real neighbour, never on the pixel itself: at a corner the 8 offsets reach 3 distinct pixels, the diagonal
    one 4 times out of 8.
    """
    (row, col), (height, width) = start, t.shape[-2:]
    h, w = len(range(row, height, step)), len(range(col, width, step))
    padded = F.pad(t, (1, 1, 1, 1), mode="reflect")  # pixel (r, c) of t is (r + 1, c + 1) of padded
    return torch.stack([padded[..., 1 + row + dr::step, 1 + col + dc::step][..., :h, :w]
                        for dr, dc in NEIGHBOR_OFFSETS], dim=-1)


def line_mask(mask: torch.Tensor, span: int, direction: str = "horizontal") -> torch.Tensor:
    """Grow a boolean mask (B, 1, H, W) by ``span`` pixels on each side along rows or columns (structN2V's mask).

    Examples
    --------
    >>> mask = torch.zeros(1, 1, 3, 5, dtype=torch.bool)
    >>> mask[0, 0, 1, 2] = True
    >>> line_mask(mask, 1)[0, 0].int()
    tensor([[0, 0, 0, 0, 0],
            [0, 1, 1, 1, 0],
            [0, 0, 0, 0, 0]], dtype=torch.int32)
    """
    check_choice(direction, DIRECTIONS, name="direction")
    if span == 0:
        return mask
    size = (1, 2 * span + 1) if direction == "horizontal" else (2 * span + 1, 1)
    pad = (0, span) if direction == "horizontal" else (span, 0)
    return F.max_pool2d(mask.to(torch.float32), size, stride=1, padding=pad) > 0  # (B, 1, H, W)


def _neighbor_values(x: torch.Tensor, mask: torch.Tensor, generator: torch.Generator, *,
                     centre: bool = False) -> torch.Tensor:
    """Each pixel takes one neighbour drawn uniformly among those not held out (the others' values never read).

    ``centre=True`` draws among the 9 pixels of the window, the pixel itself included (the original Noise2Void).
    A pixel whose 8 neighbours are all held out takes the mean of its image's kept pixels (per channel).
    """
    held = _neighbors(mask.to(x.dtype)) > 0  # (B, 1, H, W, 8): is that neighbour held out?
    candidates = _neighbors(x)  # (B, C, H, W, 8)
    if centre:
        held = torch.cat([held, torch.zeros_like(held[..., :1])], dim=-1)  # (B, 1, H, W, 9): itself, always allowed
        candidates = torch.cat([candidates, x[..., None]], dim=-1)  # (B, C, H, W, 9)
    keys = _uniform(held.shape, generator, x, dtype=torch.float32).masked_fill(held, -1.0)  # -1 never wins
    choice = keys.argmax(dim=-1, keepdim=True)  # (B, 1, H, W, 1): argmax of iid uniforms = uniform pick
    values = candidates.gather(-1, choice.expand(*x.shape, 1)).squeeze(-1)  # (B, C, H, W)
    fallback = _kept_mean(x, mask)
    return torch.where(held.all(dim=-1), fallback, values)


def _neighbor_median(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The median of each pixel's neighbours that are not held out (the lower middle value of an even count).

    A pixel whose 8 neighbours are all held out takes the mean of its image's kept pixels (per channel).
    """
    held = _neighbors(mask.to(x.dtype)) > 0  # (B, 1, H, W, 8)
    values = _neighbors(x).masked_fill(held, float("nan"))  # (B, C, H, W, 8), held-out neighbours unread
    median = values.nanmedian(dim=-1).values  # (B, C, H, W), NaN where all 8 are held out
    fallback = _kept_mean(x, mask)
    return torch.where(held.all(dim=-1), fallback, median)


def _kept_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(B, C, 1, 1): the mean of each image's pixels that are not held out, per channel (the neighbour fallback)."""
    keep = ~mask
    return torch.where(keep, x, 0).sum(dim=(2, 3), keepdim=True) / keep.sum(dim=(2, 3), keepdim=True)


def _uniform(shape, generator: torch.Generator, like: torch.Tensor, *, dtype) -> torch.Tensor:
    return torch.rand(shape, generator=generator, device=generator.device, dtype=dtype).to(like.device)


def check_batch(x) -> torch.Tensor:
    """``x`` as a float batch (B, C, H, W) with at least one image and sides >= 2, or a clear error."""
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        kind = x.dtype if isinstance(x, torch.Tensor) else type(x).__name__
        raise TypeError(f"x must be a floating-point torch tensor (B, C, H, W), got {kind}; use x.float()")
    check_shape(x.shape)
    return x
