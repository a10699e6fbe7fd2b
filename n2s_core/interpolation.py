"""Replacement values for held-out pixels: each pixel replaced by a weighted mean of its neighbours, never itself.

Two kernels, both with a zero at the centre:

- ``"axis"``: the mean of the ``2 * ndim`` axis neighbours (paper §3, supplement §3; the rule of
  ``skimage.restoration.denoise_invariant``).
- ``"diagonal"``: the authors' repository kernel, 3x3 ``[[.5, 1, .5], [1, 0, 1], [.5, 1, .5]] / 6`` in 2-D
  (axis neighbours weigh 1/6, diagonal ones 1/12); in n-D a neighbour at city-block distance d weighs 1/d.

Borders use whole-sample mirroring (scipy ``mode="mirror"``: ``x[-1] -> x[1]``). scipy's ``mode="reflect"``
(``x[-1] -> x[0]``) would copy the edge pixel into its own replacement and break J-invariance on the border.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import ndimage as ndi

from ._checks import as_float_image, check_choice, normalize_axis, spatial_shape

KERNELS = ("axis", "diagonal")


def neighbor_kernel(ndim: int, kind: str = "axis") -> np.ndarray:
    """The 3x...x3 interpolation kernel, normalised to sum 1, with a zero centre.

    Examples
    --------
    >>> (neighbor_kernel(2, "diagonal") * 12).round(6)
    array([[1., 2., 1.],
           [2., 0., 2.],
           [1., 2., 1.]])
    """
    check_choice(kind, KERNELS, name="interpolation kernel")
    kernel = np.zeros((3,) * ndim)
    for offset in itertools.product((-1, 0, 1), repeat=ndim):
        distance = sum(abs(o) for o in offset)
        if distance == 0:
            continue
        if kind == "diagonal":
            kernel[tuple(o + 1 for o in offset)] = 1.0 / distance
        elif distance == 1:
            kernel[tuple(o + 1 for o in offset)] = 1.0
    return kernel / kernel.sum()


def interpolate_neighbors(image, *, kernel: str = "axis", channel_axis: int | None = None, mask=None) -> np.ndarray:
    """Replace every pixel by the ``kernel``-weighted mean of its neighbours (channels kept apart).

    With ``mask`` (boolean, spatial shape, True on held-out pixels) only neighbours *outside* the mask are used,
    re-weighted to sum to 1: needed for random partitions, where a held-out pixel's neighbour may be held out too.
    A pixel with no usable neighbour gets the mean of all pixels outside the mask.

    Examples
    --------
    >>> interpolate_neighbors(np.array([1.0, 2.0, 4.0]))  # ends mirrored: x[-1] -> x[1]
    array([2. , 2.5, 2. ])
    >>> interpolate_neighbors(np.array([1.0, 2.0, 4.0, 8.0]), mask=np.array([False, True, True, False]))
    array([4.5, 1. , 8. , 4.5])
    """
    image = as_float_image(image)
    shape = spatial_shape(image, channel_axis)
    if min(shape) < 2:
        raise ValueError(f"every spatial side must be >= 2 to have a neighbour, got spatial shape {shape}")
    weights = neighbor_kernel(len(shape), kernel).astype(image.dtype)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != shape:
            raise ValueError(f"mask must have the spatial shape {shape}, got {mask.shape}")
    axis = None if channel_axis is None else normalize_axis(channel_axis, image.ndim)
    channels = [image] if axis is None else list(np.moveaxis(image, axis, 0))
    out = np.stack([_correlate(c, weights, mask) for c in channels])
    return out[0] if axis is None else np.moveaxis(out, 0, axis)


def _correlate(values: np.ndarray, weights: np.ndarray, mask) -> np.ndarray:
    if mask is None:
        return ndi.correlate(values, weights, mode="mirror")
    keep = (~mask).astype(values.dtype)
    total = ndi.correlate(values * keep, weights, mode="mirror")
    norm = ndi.correlate(keep, weights, mode="mirror")
    fallback = values[~mask].mean() if keep.any() else 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, total / np.where(norm > 0, norm, 1), fallback).astype(values.dtype)
