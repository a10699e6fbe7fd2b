"""J-invariance: turn any denoiser into one whose output on J never looks at the input on J, and score it.

For a partition into subsets J, the J-invariant version of a denoiser g is (Batson & Royer 2019)

    f(x)_J = g(1_J * s(x) + 1_{J^c} * x)_J,

where ``s(x)`` replaces each pixel by a mean of its neighbours (:mod:`n2s_core.interpolation`). For such f the
self-supervised loss ``||f(x) - x||^2`` equals the ground-truth loss ``||f(x) - y||^2`` plus the noise variance,
so it can be minimised without a clean image.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._checks import as_float_image, check_same_shape, normalize_axis, spatial_shape
from .hardware import thread_count
from .interpolation import interpolate_neighbors
from .partitions import count_subsets, grid_labels


def denoise_invariant(image, denoiser, *, stride: int = 4, channel_axis: int | None = None,
                      interpolation: str = "axis", labels=None, denoiser_kwargs=None,
                      n_jobs: int | None = None, subsets=None) -> np.ndarray:
    """Apply ``denoiser`` in its J-invariant form: one call per subset J, each keeping only its output on J.

    Parameters
    ----------
    image : array_like
        Noisy image, any number of spatial axes, optional channel axis.
    denoiser : callable
        ``denoiser(image, **denoiser_kwargs) -> image`` of the same shape.
    stride : int
        Grid spacing: the partition has ``stride**ndim`` subsets (ignored when ``labels`` is given).
    channel_axis : int or None
        Axis holding colour channels; the channels of a pixel are held out together.
    interpolation : {"axis", "diagonal"}
        What replaces the held-out pixels (see :mod:`n2s_core.interpolation`).
    labels : ndarray of int, optional
        A partition of the spatial shape (e.g. :func:`n2s_core.random_labels`); default: the grid.
    denoiser_kwargs : dict, optional
        Keyword arguments passed to ``denoiser``.
    n_jobs : int or None
        Threads running subsets side by side (``None``: one per core). scikit-image denoisers release the GIL.
    subsets : sequence of int, optional
        Compute these subsets only (one call each) and leave NaN on the others: the output is J-invariant where it
        is defined, and its loss over those pixels is still the error plus the noise variance (for a costly
        denoiser, scored on a few subsets). Default: every subset.

    Returns
    -------
    denoised : ndarray
        Same shape as ``image``; float32 for float16/float32 input.

    Examples
    --------
    >>> from scipy import ndimage as ndi
    >>> noisy = np.random.default_rng(0).random((32, 32))
    >>> denoised = denoise_invariant(noisy, ndi.uniform_filter, stride=4)
    >>> denoised.shape
    (32, 32)
    """
    image = as_float_image(image)
    grid = labels is None
    labels = _resolve_labels(image, stride, channel_axis, labels)
    every = range(count_subsets(labels))
    if subsets is not None:
        subsets = sorted({int(k) for k in subsets})
        if not subsets or not set(subsets) <= set(every):
            raise ValueError(f"subsets must name some of the partition's subsets 0..{len(every) - 1}, got {subsets}")
    outputs = _invariant_outputs(image, denoiser, labels, every if subsets is None else subsets,
                                 channel_axis=channel_axis, interpolation=interpolation,
                                 denoiser_kwargs=denoiser_kwargs, n_jobs=n_jobs, grid=grid)
    denoised = np.empty_like(image) if subsets is None else np.full_like(image, np.nan)
    for mask, output in outputs:
        denoised[mask] = output[mask]
    return denoised


def self_supervised_loss(noisy, denoiser, *, stride: int = 4, approximate: bool = False,
                         channel_axis: int | None = None, interpolation: str = "axis", labels=None,
                         denoiser_kwargs=None, n_jobs: int | None = None) -> float:
    """Mean squared difference between the J-invariant denoiser's output and the noisy image itself.

    ``approximate=False`` (exact) scores every pixel and costs ``stride**ndim`` denoiser calls. ``approximate=True``
    scores one subset only (the middle one, as scikit-image does): one call, but a noisier estimate that can miss
    the argmin by a grid step (see ``pitfalls``). ``labels`` gives another partition, as in
    :func:`denoise_invariant`.

    Examples
    --------
    >>> from scipy import ndimage as ndi
    >>> noisy = np.random.default_rng(0).normal(0.5, 0.1, (64, 64))
    >>> round(self_supervised_loss(noisy, ndi.uniform_filter), 3)  # noise variance 0.01 + error of a 3x3 mean
    0.011
    """
    noisy = as_float_image(noisy, name="noisy")
    grid = labels is None
    labels = _resolve_labels(noisy, stride, channel_axis, labels)
    subsets = [count_subsets(labels) // 2] if approximate else range(count_subsets(labels))
    total, count = 0.0, 0
    for mask, output in _invariant_outputs(noisy, denoiser, labels, subsets, channel_axis=channel_axis,
                                           interpolation=interpolation, denoiser_kwargs=denoiser_kwargs,
                                           n_jobs=n_jobs, grid=grid):
        diff = output[mask].astype(np.float64) - noisy[mask]
        total, count = total + float(np.sum(diff * diff)), count + diff.size
    return total / count


def ground_truth_loss(clean, denoised) -> float:
    """Mean squared error against the clean image: what self-supervision cannot see, used for teaching."""
    clean = as_float_image(clean, name="clean")
    denoised = as_float_image(denoised, name="denoised")
    check_same_shape(clean, denoised, names=("clean", "denoised"))
    return float(np.mean((denoised.astype(np.float64) - clean) ** 2))


def loss_decomposition(clean, noisy, denoised) -> dict:
    """The terms of ``||f(x) - x||^2 = ||f(x) - y||^2 + ||x - y||^2 - 2 <f(x) - y, x - y>`` (per-pixel means).

    ``cross_term`` is ``mean((f(x) - y) * (x - y))``, so ``gap = self_supervised - ground_truth
    = noise_variance - 2 * cross_term``. For J-invariant f and zero-mean noise independent across subsets the
    cross term averages to zero and the gap is the noise variance.

    Examples
    --------
    >>> parts = loss_decomposition(np.zeros(4), np.array([.1, -.1, .1, -.1]), np.zeros(4))
    >>> {k: round(v, 4) for k, v in parts.items()}
    {'self_supervised': 0.01, 'ground_truth': 0.0, 'noise_variance': 0.01, 'cross_term': 0.0, 'gap': 0.01}
    """
    clean, noisy, denoised = (as_float_image(a, name=n).astype(np.float64, copy=False)
                              for a, n in ((clean, "clean"), (noisy, "noisy"), (denoised, "denoised")))
    check_same_shape(clean, noisy, names=("clean", "noisy"))
    check_same_shape(clean, denoised, names=("clean", "denoised"))
    self_sup = float(np.mean((denoised - noisy) ** 2))
    truth = float(np.mean((denoised - clean) ** 2))
    return {"self_supervised": self_sup, "ground_truth": truth, "noise_variance": float(np.mean((noisy - clean) ** 2)),
            "cross_term": float(np.mean((denoised - clean) * (noisy - clean))), "gap": self_sup - truth}


def _resolve_labels(image, stride, channel_axis, labels) -> np.ndarray:
    shape = spatial_shape(image, channel_axis)
    if labels is None:
        return grid_labels(shape, stride=stride)
    labels = np.asarray(labels)
    if labels.shape != shape or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0:
        raise ValueError(f"labels must be non-negative ints of the spatial shape {shape}, got {labels.dtype} "
                         f"array of shape {labels.shape}")
    return labels


def _invariant_outputs(image, denoiser, labels, subsets, *, channel_axis, interpolation, denoiser_kwargs, n_jobs,
                       grid):
    """Yield ``(mask, denoiser output)`` for each subset, the mask broadcast over channels.

    On a grid (stride >= 2) no neighbour of a held-out pixel is held out, so one interpolation serves every subset;
    other partitions interpolate per subset from the pixels outside it.
    """
    if not callable(denoiser):
        raise TypeError(f"denoiser must be a callable image -> image, got {type(denoiser).__name__}")
    kwargs = dict(denoiser_kwargs or {})
    shared = interpolate_neighbors(image, kernel=interpolation, channel_axis=channel_axis) if grid else None

    def run(offset):
        mask = labels == offset
        replaced = shared if grid else interpolate_neighbors(image, kernel=interpolation, channel_axis=channel_axis,
                                                             mask=mask)
        if channel_axis is not None:
            mask = np.expand_dims(mask, normalize_axis(channel_axis, image.ndim))
        mask = np.broadcast_to(mask, image.shape)
        output = np.asarray(denoiser(np.where(mask, replaced, image), **kwargs))
        if output.shape != image.shape:
            raise ValueError(f"denoiser returned shape {output.shape} for an input of shape {image.shape}; "
                             "it must return an image of the same shape")
        return mask, output.astype(image.dtype, copy=False)

    workers = n_jobs if n_jobs is not None else thread_count()
    if workers <= 1 or len(subsets) <= 1:
        yield from map(run, subsets)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(run, subsets)

