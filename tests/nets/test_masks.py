"""Masks of held-out pixels: grid subsets partition the image, random subsets are balanced and uniform."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from n2s_core import grid_labels
from n2s_core.nets.masks import grid_mask, random_mask

SIGNIFICANCE = 1e-3  # chi-square tests: fixed seeds, so each passes or fails the same way on every run


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 20), st.integers(2, 20), st.integers(2, 6))
def test_grid_masks_partition_the_image_once_and_match_grid_labels(height, width, stride):
    assume(stride <= min(height, width))
    masks = torch.stack([grid_mask((height, width), offset=k, stride=stride) for k in range(stride**2)])
    assert masks.dtype == torch.bool
    assert torch.equal(masks.sum(dim=0), torch.ones(height, width, dtype=torch.long))
    labels = grid_labels((height, width), stride=stride)
    for k in range(stride**2):
        np.testing.assert_array_equal(masks[k].numpy(), labels == k)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(2, 16), st.integers(2, 16), st.integers(2, 30), st.integers(0, 2**31))
def test_random_masks_hold_out_one_balanced_subset_per_image(batch, height, width, n_subsets, seed):
    assume(n_subsets <= height * width)
    mask = random_mask((batch, 3, height, width), n_subsets=n_subsets, generator=gen(seed))
    assert mask.shape == (batch, 1, height, width) and mask.dtype == torch.bool
    # Balanced labelling: every subset has floor or ceil of (H W / n) pixels, so the density is 1/n up to 1/(H W).
    counts = mask.sum(dim=(1, 2, 3))
    assert ((counts == height * width // n_subsets) | (counts == -(-height * width // n_subsets))).all()


def test_random_masks_hold_out_every_pixel_equally_often():
    # 4000 masks of a 10x10 image hold out 4 pixels each: every pixel should be hit about 160 times. Pixels of one
    # mask are drawn without replacement, which only shrinks the spread of the counts, so a chi-square test against
    # the uniform (multinomial) law is conservative. A sampler favouring some pixels fails it.
    masks = random_mask((4000, 1, 10, 10), n_subsets=25, generator=gen(3))
    assert masks.sum() == 4000 * 4
    assert chisquare(masks.sum(dim=0).flatten().numpy()).pvalue > SIGNIFICANCE
    assert not torch.equal(masks[0], masks[1])  # each image draws its own mask
