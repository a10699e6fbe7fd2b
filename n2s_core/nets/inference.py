"""Inference with a trained net: single pass, the full J-invariant prediction over every grid subset, and tiles.

The paper applies the trained net straight to the noisy image ("single pass") and found it about 0.5 dB better
than the J-invariant prediction, which masks each subset J in turn and keeps the output on J
(paper §5, supplement §5.4).
Both run under ``model.eval()`` and ``torch.no_grad()``: BatchNorm in train mode would make an image's output depend
on the rest of its batch (see pitfalls). :func:`predict_tiled` runs either one tile by tile, for images too large
for the device's memory, and stitches the tiles' centres back together.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager

import torch
from tqdm.auto import tqdm

from .._checks import check_int, check_stride
from .masking import Masker, check_batch
from .masks import grid_labels


def predict_invariant(model, x: torch.Tensor, *, masker: Masker, batch_size: int | None = None,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """The J-invariant prediction: the sum over grid subsets J of ``model(masked_J(x)) * 1_J``.

    Runs under ``model.eval()`` and ``torch.no_grad()`` and restores every submodule's mode. The ``stride**2 * B``
    masked copies go through the model at most ``batch_size`` at a time (default: ``B``, one subset per call, which
    benchmarks/bench_training.py found faster on a 2-core CPU than all copies at once). ``generator`` is
    needed by the "random" and "neighbor" replacements only.

    Examples
    --------
    >>> model = torch.nn.Conv2d(1, 1, 3, padding=1)
    >>> predict_invariant(model, torch.rand(2, 1, 9, 9), masker=Masker("axis", stride=3), batch_size=4).shape
    torch.Size([2, 1, 9, 9])
    """
    x = check_batch(x)
    if masker.partition != "grid":
        raise ValueError(f"predict_invariant sums over every subset, so it needs a grid masker, got "
                         f"partition={masker.partition!r}; use e.g. Masker('axis') or Masker(..., partition='grid')")
    batch, _, height, width = x.shape
    n = check_stride(masker.stride, (height, width)) ** 2
    rows = n * batch  # one row per (subset, image) pair
    if batch_size is None:
        batch_size = batch
    batch_size = check_int(batch_size, name="batch_size")
    labels = grid_labels(height, width, masker.stride, x.device)  # (H, W) subset of each pixel
    out = None
    with evaluating(model), torch.no_grad():
        for start in range(0, rows, batch_size):
            index = torch.arange(start, min(start + batch_size, rows), device=x.device)  # (R,)
            subset, image = index // batch, index % batch  # (R,) each; rows are ordered by subset
            inputs = torch.cat([masker.mask(x[image[subset == k]], offset=k, generator=generator)[0]
                                for k in subset.unique().tolist()])  # (R, C, H, W), one masker call per subset
            mask = labels == subset.view(-1, 1, 1, 1)  # (R, 1, H, W)
            pred = model(inputs)  # (R, C_out, H, W)
            out = pred.new_zeros((batch, *pred.shape[1:])) if out is None else out
            out.index_add_(0, image, torch.where(mask, pred, 0))
    return out


def predict_single_pass(model, x: torch.Tensor) -> torch.Tensor:
    """``model(x)`` under ``model.eval()`` and ``torch.no_grad()``, restoring every submodule's mode.

    The paper found this about 0.5 dB better than :func:`predict_invariant` for trained nets.

    Examples
    --------
    >>> predict_single_pass(torch.nn.Identity(), torch.ones(1, 1, 2, 2)).sum().item()
    4.0
    """
    x = check_batch(x)
    with evaluating(model), torch.no_grad():
        return model(x)


def predict_tiled(model, x: torch.Tensor, *, tile: int = 256, overlap: int = 32, masker: Masker | None = None,
                  batch_size: int | None = None, generator: torch.Generator | None = None,
                  progress: bool = False) -> torch.Tensor:
    """Predict ``x`` (B, C, H, W) tile by tile: each ``tile`` x ``tile`` window goes to the model's device on its
    own, and each output pixel is taken from the tile in which it lies furthest from the tile's edges.

    Neighbouring tiles overlap by at least ``overlap`` pixels and the seam runs through the middle of the overlap, so
    every kept pixel sees at least ``overlap // 2`` pixels of context on each side that is not the image border. For
    a net whose receptive field reaches at most that far (e.g. a DnCNN of depth ``d`` reaches ``d`` pixels) and
    that has no image-wide statistics, the result equals the whole-image prediction; a UNet's InstanceNorm is
    image-wide, so its tiles differ slightly (use a generous ``overlap`` and large tiles). ``x`` and the output may
    stay on the CPU while the model sits on a GPU.

    With ``masker`` each tile gets the J-invariant prediction (:func:`predict_invariant`, with ``batch_size`` and
    ``generator``); tiles then start on multiples of ``masker.stride``, so their subsets are the whole image's
    subsets and the stitched output is J-invariant too. Without it, each tile gets :func:`predict_single_pass`.

    Examples
    --------
    >>> model = torch.nn.Conv2d(1, 1, 3, padding=1)
    >>> x = torch.rand(1, 1, 50, 70)
    >>> torch.allclose(predict_tiled(model, x, tile=24, overlap=4), predict_single_pass(model, x), atol=1e-6)
    True
    """
    x = check_batch(x)
    tile, overlap = check_int(tile, name="tile"), check_int(overlap, name="overlap", minimum=0)
    if overlap >= tile:
        raise ValueError(f"overlap must be smaller than tile, got overlap={overlap} and tile={tile}; e.g. "
                         f"tile={max(2 * overlap, 64)}")
    align = 1 if masker is None else masker.stride
    if masker is not None and tile < 2 * align:
        raise ValueError(f"tile must be at least twice the masker's stride ({align}) , got tile={tile}")
    device = next((p.device for p in model.parameters()), x.device)
    rows, cols = (_tile_spans(size, tile, overlap, align) for size in x.shape[-2:])
    out = None
    with tqdm(total=len(rows) * len(cols), desc="tiles", unit="tile", disable=not progress) as bar:
        for (top, bottom, keep_top, keep_bottom), (left, right, keep_left, keep_right) in itertools.product(rows, cols):
            window = x[..., top:bottom, left:right].to(device)  # (B, C, h, w)
            if masker is None:
                pred = predict_single_pass(model, window)
            else:
                pred = predict_invariant(model, window, masker=masker, batch_size=batch_size, generator=generator)
            out = x.new_zeros((x.shape[0], pred.shape[1], *x.shape[-2:]), dtype=pred.dtype) if out is None else out
            out[..., keep_top:keep_bottom, keep_left:keep_right] = pred[..., keep_top - top:keep_bottom - top,
                                                                        keep_left - left:keep_right - left].to(x.device)
            bar.update()
    return out


def _tile_spans(size: int, tile: int, overlap: int, align: int) -> list[tuple[int, int, int, int]]:
    """``(start, stop, keep_start, keep_stop)`` of each tile along one axis of length ``size``.

    Starts are multiples of ``align``, at most ``tile - overlap`` apart (rounded down to ``align``); the last tile
    ends at ``size``. The kept parts split each overlap in the middle and together cover ``range(size)`` once.

    >>> _tile_spans(10, 6, 2, 1)
    [(0, 6, 0, 5), (4, 10, 5, 10)]
    """
    if tile >= size:
        return [(0, size, 0, size)]
    step = max(align, (tile - overlap) // align * align)
    starts = list(range(0, size - tile, step))
    last = (size - tile) // align * align  # the last tile may be up to align - 1 pixels longer than tile
    starts = [s for s in starts if s < last] + [last]
    stops = [min(s + tile, size) for s in starts[:-1]] + [size]
    seams = [(stop + start) // 2 for stop, start in zip(stops[:-1], starts[1:], strict=True)]  # mid-overlap
    keeps = list(zip([0, *seams], [*seams, size], strict=True))
    return [(start, stop, *keep) for start, stop, keep in zip(starts, stops, keeps, strict=True)]


@contextmanager
def evaluating(model):
    """Every submodule in eval mode inside; on exit each gets back its own previous mode."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training
