"""Tests of n2s_core.data.noisy_dataset: the container checks its arrays, freezes them, splits them as asked."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from n2s_core.data.noisy_dataset import NoisyDataset, raw_psnr, split_counts, split_labels


def _dataset(n: int = 10, *, split=None) -> NoisyDataset:
    rng = np.random.default_rng(0)
    clean = rng.random((n, 8, 8), dtype=np.float32)
    noisy = clean + rng.normal(0, 0.1, clean.shape).astype(np.float32)
    noisy2 = clean + rng.normal(0, 0.1, clean.shape).astype(np.float32)
    labels = split_labels(n, rng=0) if split is None else np.asarray(split, dtype=np.int8)
    return NoisyDataset("toy", clean, noisy, noisy2, labels, True, "toy set", np.arange(n))


def test_arrays_are_frozen_and_parts_follow_the_split():
    data = _dataset(10)
    for field in ("clean", "noisy", "noisy2", "split", "groups"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(data, field)[0] = 0
    sizes = [len(data.part(name)) for name in ("train", "val", "test")]
    assert sizes == split_counts(10).tolist() == [7, 2, 1]
    test = data.part("test")
    np.testing.assert_array_equal(test.clean, data.clean[data.split == 2])
    assert test.channel_axis is None and test.substitute and test.name == "toy"


def test_shapes_must_agree_and_bad_parts_are_named():
    data = _dataset(4)
    with pytest.raises(ValueError, match=r"clean, noisy and noisy2 must have one shape"):
        NoisyDataset("x", data.clean, data.noisy[:3], data.noisy2, data.split, False, "", data.groups)
    with pytest.raises(ValueError, match=r"split and groups need shape \(4,\)"):
        NoisyDataset("x", data.clean, data.noisy, data.noisy2, data.split[:3], False, "", data.groups)
    with pytest.raises(ValueError, match=r"unknown part 'testing'"):
        data.part("testing")


def test_raw_psnr_is_the_mean_psnr_of_the_noisy_copies():
    data = _dataset(6, split=[0, 0, 0, 0, 2, 2])
    pairs = zip(data.clean[4:], data.noisy[4:], strict=True)
    expected = np.mean([10 * np.log10(1 / np.mean((c - n) ** 2)) for c, n in pairs])
    assert raw_psnr(data) == pytest.approx(expected, rel=1e-4)
    with pytest.raises(ValueError, match=r"the 'val' part of 'toy' is empty"):
        raw_psnr(data, part="val")


@given(n=st.integers(0, 400), weights=st.tuples(*[st.integers(0, 10)] * 3).filter(any), seed=st.integers(0, 99))
def test_split_labels_partition_the_items_in_the_asked_fractions(n, weights, seed):
    fractions = np.array(weights) / sum(weights)
    labels = split_labels(n, fractions=fractions, rng=seed)
    counts = np.bincount(labels, minlength=3)
    assert labels.shape == (n,) and counts.sum() == n and set(labels.tolist()) <= {0, 1, 2}
    assert np.all(np.abs(counts[1:] - n * fractions[1:]) <= 0.5)  # val and test rounded, train takes the rest
    assert abs(counts[0] - n * fractions[0]) <= 1.0
