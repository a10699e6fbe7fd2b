"""Inference with a trained net: single pass, or the full J-invariant prediction over every grid subset.

The paper applies the trained net straight to the noisy image ("single pass") and found it about 0.5 dB better
than the J-invariant prediction, which masks each subset J in turn and keeps the output on J (paper §2, §5).
Both run under ``model.eval()`` and ``torch.no_grad()``: BatchNorm in train mode would make an image's output depend
on the rest of its batch (see pitfalls).
"""

from __future__ import annotations

import numbers
from contextlib import contextmanager

import torch

from ._checks import check_stride
from .masking import Masker, _check_batch, _grid_labels


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
    x = _check_batch(x)
    if masker.partition != "grid":
        raise ValueError(f"predict_invariant sums over every subset, so it needs a grid masker, got "
                         f"partition={masker.partition!r}; use e.g. Masker('axis') or Masker(..., partition='grid')")
    batch, _, height, width = x.shape
    n = check_stride(masker.stride, (height, width)) ** 2
    rows = n * batch  # one row per (subset, image) pair
    if batch_size is None:
        batch_size = batch
    if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1 or None, got {batch_size!r}")
    labels = _grid_labels(height, width, masker.stride, x.device)  # (H, W) subset of each pixel
    out = None
    with _evaluating(model), torch.no_grad():
        for start in range(0, rows, batch_size):
            index = torch.arange(start, min(start + batch_size, rows), device=x.device)  # (R,)
            image = index % batch  # (R,)
            mask = labels == (index // batch).view(-1, 1, 1, 1)  # (R, 1, H, W)
            pred = model(masker.fill(x[image], mask, generator=generator))  # (R, C_out, H, W)
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
    x = _check_batch(x)
    with _evaluating(model), torch.no_grad():
        return model(x)


@contextmanager
def _evaluating(model):
    """Every submodule in eval mode inside; on exit each gets back its own previous mode."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training
