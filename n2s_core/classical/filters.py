"""The median filter and the paper's "donut" median (paper §3, Figure 2).

The donut median takes the median over a disk of radius r *with its centre removed*. Its output at a pixel never
reads that pixel, so it is J-invariant for the partition into single pixels by construction: one pass suffices,
and its self-supervised loss ``||f(x) - x||^2`` tracks the ground-truth loss. The plain median reads the centre,
so its self-supervised loss only grows with r and says nothing about the best radius.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from .._checks import as_float_image, check_int, check_ndim, normalize_axis, spatial_shape


def disk(radius: int, *, donut: bool = False) -> np.ndarray:
    """Boolean disk footprint of the given radius (Euclidean, ``r**2 + c**2 <= radius**2``); optionally hollow.

    Examples
    --------
    >>> disk(1, donut=True).astype(int)
    array([[0, 1, 0],
           [1, 0, 1],
           [0, 1, 0]])
    """
    radius = _check_radius(radius)
    r, c = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    footprint = r**2 + c**2 <= radius**2
    if donut:
        footprint[radius, radius] = False
    return footprint


def median(image, radius: int, *, footprint: str = "disk", channel_axis: int | None = None) -> np.ndarray:
    """Median over a disk of ``radius`` around each pixel, centre included (not J-invariant).

    ``footprint="square"`` takes the (2 radius + 1)-wide square instead: radius 1 is the 3x3 square that
    scikit-image's ``filters.median`` uses by default.
    """
    if footprint not in ("disk", "square"):
        raise ValueError(f"footprint must be 'disk' or 'square', got {footprint!r}")
    return _footprint_median(image, radius, donut=False, square=footprint == "square", channel_axis=channel_axis)


def donut_median(image, radius: int, *, channel_axis: int | None = None) -> np.ndarray:
    """Median over a disk of ``radius`` around each pixel, centre excluded (J-invariant in one pass).

    The footprint holds an even number of values; scipy then returns the upper of the two middle ones.
    Borders wrap around (periodic). Any mirror rule would break J-invariance near the edge: a pixel ``d`` rows
    from the border meets itself at offset ``2d``. With wrapping and ``radius`` below the image side, no offset
    of the disk lands on the pixel itself.

    Examples
    --------
    >>> image = np.arange(25.0).reshape(5, 5)
    >>> changed = image.copy(); changed[2, 2] = 1000.0
    >>> bool(donut_median(image, 1)[2, 2] == donut_median(changed, 1)[2, 2])
    True
    """
    return _footprint_median(image, radius, donut=True, channel_axis=channel_axis)


def _footprint_median(image, radius, *, donut, channel_axis, square=False):
    image = as_float_image(image)
    check_ndim(image, (2,), channel_axis, name="donut_median" if donut else "median")
    footprint = np.ones((2 * _check_radius(radius) + 1,) * 2, bool) if square else disk(radius, donut=donut)
    shape = spatial_shape(image, channel_axis)
    if min(shape) <= radius:
        raise ValueError(f"radius={radius} needs an image wider than {radius} pixels, got spatial shape {shape}")
    mode = "wrap" if donut else "mirror"
    if channel_axis is None:
        return ndi.median_filter(image, footprint=footprint, mode=mode)
    axis = normalize_axis(channel_axis, image.ndim)
    out = [ndi.median_filter(c, footprint=footprint, mode=mode) for c in np.moveaxis(image, axis, 0)]
    return np.moveaxis(np.stack(out), 0, axis)


def _check_radius(radius) -> int:
    return check_int(radius, name="radius")
