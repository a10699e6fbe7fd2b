"""Partitions of the pixels into subsets J.

A partition is stored as an integer *label* array with the image's spatial shape: pixel ``i`` belongs to subset
``labels[i]``. A *mask* is the boolean array ``labels == k``, True on the held-out pixels of subset ``k``.
Labels make the partition property ("every pixel in exactly one subset") true by construction.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int, check_stride


def grid_labels(shape: tuple[int, ...], *, stride: int = 4) -> np.ndarray:
    """Label each pixel of a regular grid with its phase: ``stride**ndim`` subsets.

    Pixel ``(r, c)`` belongs to subset ``(r % stride) * stride + (c % stride)`` (paper §3: stride 4 gives 16
    subsets); the same rule extends to any number of axes.

    Examples
    --------
    >>> grid_labels((4, 4), stride=2)
    array([[0, 1, 0, 1],
           [2, 3, 2, 3],
           [0, 1, 0, 1],
           [2, 3, 2, 3]])
    """
    shape = _check_shape(shape)
    stride = check_stride(stride, shape)
    phases = np.meshgrid(*[np.arange(n) % stride for n in shape], indexing="ij")
    return np.ravel_multi_index(tuple(phases), (stride,) * len(shape))


def random_labels(shape: tuple[int, ...], *, n_subsets: int = 25, rng=None) -> np.ndarray:
    """Split the pixels at random into ``n_subsets`` subsets of (almost) equal size.

    The paper's network training (§5, supplement §5.3) holds out a random subset of density 1/25.

    Examples
    --------
    >>> labels = random_labels((10, 10), n_subsets=4, rng=0)
    >>> np.bincount(labels.ravel()).tolist()
    [25, 25, 25, 25]
    """
    shape = _check_shape(shape)
    size = int(np.prod(shape))
    n_subsets = check_int(n_subsets, name="n_subsets", minimum=2)
    if n_subsets > size:
        raise ValueError(f"n_subsets={n_subsets} exceeds the {size} pixels of shape {shape}; use fewer subsets")
    order = np.random.default_rng(rng).permutation(size)
    labels = np.empty(size, dtype=np.int64)
    labels[order] = np.arange(size) % n_subsets
    return labels.reshape(shape)


def subset_mask(labels: np.ndarray, offset: int) -> np.ndarray:
    """Boolean mask of subset ``offset``: True on its held-out pixels."""
    n = int(labels.max()) + 1
    if not 0 <= offset < n:
        raise ValueError(f"offset must be in [0, {n}) for a partition into {n} subsets, got {offset}")
    return labels == offset


def count_subsets(labels: np.ndarray) -> int:
    return int(labels.max()) + 1


def _check_shape(shape) -> tuple[int, ...]:
    shape = tuple(int(n) for n in shape)
    if len(shape) == 0 or min(shape) < 1:
        raise ValueError(f"shape must have at least one axis and no empty axis, got {shape}")
    return shape
