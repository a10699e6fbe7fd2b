"""Tests of n2s_core.paper.figure2: the donut median's two losses share their argmin; the plain median's do not."""

from __future__ import annotations

import json

import numpy as np
import pytest

import n2s_core as n2s
from n2s_core.paper.figure2 import PAPER_FIGURE2_BEST_RADIUS, figure2_losses


def test_figure2_does_not_mutate_inputs(small_pair):
    clean, noisy = (np.array(a) for a in small_pair)
    copies = clean.copy(), noisy.copy()
    for a in (clean, noisy):
        a.setflags(write=False)
    figure2_losses(noisy, clean, radii=[1, 2])
    np.testing.assert_array_equal(clean, copies[0])
    np.testing.assert_array_equal(noisy, copies[1])


@pytest.mark.slow
def test_figure2_donut_median_has_the_same_argmin_for_both_losses(camera_pair):
    clean, noisy = camera_pair
    result = figure2_losses(noisy, clean)
    donut, plain = result["donut"], result["median"]
    # paper Figure 2: the donut's self-supervised and ground-truth curves share their minimum at r = 3
    assert donut["best_radius"] == donut["best_radius_ground_truth"] == PAPER_FIGURE2_BEST_RADIUS == 3
    # ... and are offset by the measured noise variance (about 0.009 after clipping, below sigma**2 = 0.01).
    # Clipping makes the noise's mean depend on the clean value, so the cross term 2 mean((f - y)(y - x)) is not
    # exactly zero-mean here; the unclipped identity is tested tightly in test_invariance. Allow 3 % of the variance.
    assert 0.0085 < result["noise_variance"] < 0.0095
    offsets = np.subtract(donut["self_supervised"], donut["ground_truth"])
    np.testing.assert_allclose(offsets, result["noise_variance"], rtol=0.03)
    # The plain median reads its centre: its self-supervised loss only rises with r and picks r = 1, while its
    # ground-truth loss is lowest elsewhere. That loss "tells you nothing".
    assert np.all(np.diff(plain["self_supervised"]) > 0)
    assert plain["best_radius"] == 1 != plain["best_radius_ground_truth"]


def test_figure2_result_structure_and_values(small_pair):
    clean, noisy = small_pair
    result = figure2_losses(noisy, clean, radii=range(1, 4))
    assert result["radii"] == [1, 2, 3]
    json.dumps(result)  # plain numbers only
    for name, filt in (("donut", n2s.donut_median), ("median", n2s.median)):
        curves = result[name]
        assert len(curves["self_supervised"]) == len(curves["ground_truth"]) == 3
        for radius, self_sup, truth in zip(result["radii"], curves["self_supervised"], curves["ground_truth"],
                                           strict=True):
            out = filt(noisy, radius)
            assert self_sup == pytest.approx(n2s.ground_truth_loss(noisy, out), rel=1e-12)
            assert truth == pytest.approx(n2s.ground_truth_loss(clean, out), rel=1e-12)
        assert curves["best_radius"] == result["radii"][int(np.argmin(curves["self_supervised"]))]
        assert curves["best_radius_ground_truth"] == result["radii"][int(np.argmin(curves["ground_truth"]))]
    assert result["noise_variance"] == pytest.approx(n2s.ground_truth_loss(clean, noisy))


def test_figure2_can_run_one_filter(small_pair):
    clean, noisy = small_pair
    result = figure2_losses(noisy, clean, radii=[2], filters=("donut",))
    assert "donut" in result and "median" not in result
    expected = n2s.ground_truth_loss(noisy, n2s.donut_median(noisy, 2))
    assert result["donut"]["self_supervised"] == [pytest.approx(expected)]
    with pytest.raises(ValueError, match=r"unknown filter 'mean'; choose one of \['donut', 'median'\]"):
        figure2_losses(noisy, clean, radii=[1], filters=("mean",))
