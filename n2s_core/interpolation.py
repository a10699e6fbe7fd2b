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


def interpolate_neighbors(image, *, kernel: str = "axis", channel_axis: int | None = None) -> np.ndarray:
    """Replace every pixel by the ``kernel``-weighted mean of its neighbours (channels kept apart).

    Examples
    --------
    >>> interpolate_neighbors(np.array([1.0, 2.0, 4.0]))  # ends mirrored: x[-1] -> x[1]
    array([2. , 2.5, 2. ])
    """
    image = as_float_image(image)
    shape = spatial_shape(image, channel_axis)
    if min(shape) < 2:
        raise ValueError(f"every spatial side must be >= 2 to have a neighbour, got spatial shape {shape}")
    weights = neighbor_kernel(len(shape), kernel).astype(image.dtype)
    if channel_axis is None:
        return ndi.correlate(image, weights, mode="mirror")
    axis = normalize_axis(channel_axis, image.ndim)
    channels = np.moveaxis(image, axis, 0)
    out = np.stack([ndi.correlate(c, weights, mode="mirror") for c in channels])
    return np.moveaxis(out, 0, axis)
