"""Partitions of the pixels into subsets J: every pixel in exactly one subset, the right number of subsets."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from n2s_core import count_subsets, grid_labels, random_labels, subset_mask


@st.composite
def grid_cases(draw):
    """(shape, stride) with 1 to 3 axes and every side >= stride."""
    ndim = draw(st.integers(1, 3))
    stride = draw(st.integers(2, 5 if ndim < 3 else 3))
    high = {1: 40, 2: 14, 3: 7}[ndim]
    shape = tuple(draw(st.integers(stride, max(high, stride))) for _ in range(ndim))
    return shape, stride


@st.composite
def random_cases(draw):
    """(shape, n_subsets, seed) with 1 to 3 axes and at least n_subsets pixels."""
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, {1: 60, 2: 12, 3: 6}[ndim])) for _ in range(ndim))
    assume(np.prod(shape) >= 2)
    n_subsets = draw(st.integers(2, max(2, min(30, int(np.prod(shape))))))
    return shape, n_subsets, draw(st.integers(0, 2**32 - 1))


def assert_partition(labels: np.ndarray, n_subsets: int) -> None:
    """Every pixel lies in exactly one of the n_subsets masks, and none of them is empty."""
    masks = np.stack([subset_mask(labels, k) for k in range(count_subsets(labels))])
    assert masks.shape[0] == n_subsets
    np.testing.assert_array_equal(masks.sum(axis=0), 1)
    assert masks.reshape(n_subsets, -1).any(axis=1).all()


@given(grid_cases())
def test_grid_labels_partition_every_pixel_into_stride_power_ndim_subsets(case):
    shape, stride = case
    labels = grid_labels(shape, stride=stride)
    assert labels.shape == shape
    assert np.issubdtype(labels.dtype, np.integer)
    assert_partition(labels, stride ** len(shape))


@given(grid_cases())
def test_grid_neighbours_always_lie_in_another_subset(case):
    # What J-invariance with a 3x...x3 interpolation kernel relies on: no pixel shares a subset with any of its
    # (axis or diagonal) neighbours.
    shape, stride = case
    labels = grid_labels(shape, stride=stride)
    for offset in itertools.product((-1, 0, 1), repeat=len(shape)):
        if not any(offset):
            continue
        here = tuple(slice(max(0, -o), n - max(0, o)) for o, n in zip(offset, shape, strict=True))
        there = tuple(slice(max(0, o), n - max(0, -o)) for o, n in zip(offset, shape, strict=True))
        assert not np.any(labels[here] == labels[there])


def test_grid_labels_follow_the_paper_rule():
    # paper §3: pixel (r, c) is in subset (r mod 4, c mod 4), numbered row-major.
    labels = grid_labels((9, 7), stride=4)
    r, c = np.mgrid[:9, :7]
    np.testing.assert_array_equal(labels, (r % 4) * 4 + (c % 4))
    np.testing.assert_array_equal(grid_labels((5,), stride=2), [0, 1, 0, 1, 0])


@given(random_cases())
def test_random_labels_partition_every_pixel_into_equal_sized_subsets(case):
    shape, n_subsets, seed = case
    labels = random_labels(shape, n_subsets=n_subsets, rng=seed)
    assert labels.shape == shape
    assert_partition(labels, n_subsets)
    sizes = np.bincount(labels.ravel(), minlength=n_subsets)
    assert sizes.max() - sizes.min() <= 1


def test_random_labels_are_reproducible_and_depend_on_the_seed():
    a = random_labels((20, 20), n_subsets=25, rng=4)
    np.testing.assert_array_equal(a, random_labels((20, 20), n_subsets=25, rng=4))
    assert not np.array_equal(a, random_labels((20, 20), n_subsets=25, rng=5))
    # not a regular grid: the subset of a pixel is not a function of its phase
    assert not np.array_equal(a[:5, :5], a[5:10, :5])


def test_count_subsets_and_subset_mask():
    labels = grid_labels((8, 8), stride=4)
    assert count_subsets(labels) == 16
    mask = subset_mask(labels, 5)
    assert mask.dtype == bool and mask.sum() == 4
    assert mask[1, 1] and mask[5, 5] and not mask[0, 0]


@pytest.mark.parametrize("offset", [-1, 16])
def test_subset_mask_refuses_offsets_outside_the_partition(offset):
    with pytest.raises(ValueError, match=rf"offset must be in \[0, 16\) .* got {offset}"):
        subset_mask(grid_labels((8, 8), stride=4), offset)


@pytest.mark.parametrize(
    ("shape", "stride", "error", "match"),
    [
        ((8, 8), 1, ValueError, r"stride must be an int >= 2, got 1"),
        ((8, 8), 0, ValueError, r"stride must be an int >= 2, got 0"),
        ((8, 5), 6, ValueError, r"stride=6 is larger than the image side 5"),
        ((8, 8), 2.0, TypeError, r"stride must be an int, got 2.0"),
        ((8, 8), True, TypeError, r"stride must be an int, got True"),
        ((), 2, ValueError, r"shape must have at least one axis"),
        ((4, 0), 2, ValueError, r"no empty axis, got \(4, 0\)"),
    ],
)
def test_grid_labels_bad_input(shape, stride, error, match):
    with pytest.raises(error, match=match):
        grid_labels(shape, stride=stride)


@pytest.mark.parametrize(
    ("shape", "n_subsets", "error", "match"),
    [
        ((5, 5), 1, ValueError, r"n_subsets must be an int >= 2, got 1"),
        ((5, 5), 2.5, TypeError, r"n_subsets must be an int, got 2.5"),
        ((3, 3), 10, ValueError, r"n_subsets=10 exceeds the 9 pixels of shape \(3, 3\)"),
        ((3, 0), 2, ValueError, r"no empty axis"),
    ],
)
def test_random_labels_bad_input(shape, n_subsets, error, match):
    with pytest.raises(error, match=match):
        random_labels(shape, n_subsets=n_subsets, rng=0)


def test_labels_are_not_mutated_by_subset_mask():
    labels = grid_labels((6, 6), stride=3)
    before = labels.copy()
    labels.setflags(write=False)
    subset_mask(labels, 4)
    count_subsets(labels)
    np.testing.assert_array_equal(labels, before)
