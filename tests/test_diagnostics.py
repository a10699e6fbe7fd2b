"""Diagnostics: a checkerboard in a residual stands out, streak noise shows its axis, white noise and image
structure do not trigger either."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

import n2s_core as n2s


def test_checkerboard_ratio_finds_a_period_two_pattern_and_not_white_noise():
    rows, cols = np.indices((128, 96))
    noise = np.random.default_rng(0).normal(size=(128, 96))
    assert n2s.checkerboard_ratio(noise) < 5
    assert n2s.checkerboard_ratio(noise + 0.2 * (-1.0) ** (rows + cols)) > 100
    assert n2s.checkerboard_ratio(noise + 0.2 * (-1.0) ** rows) < 5  # stripes are not a checkerboard
    assert n2s.checkerboard_ratio(np.ones((32, 32))) == 0.0  # nothing at all: ratio 0, no division by zero


def test_checkerboard_ratio_refuses_what_it_cannot_measure():
    with pytest.raises(ValueError, match=r"needs a 2-D image larger than 7 pixels a side, got shape \(5, 40\)"):
        n2s.checkerboard_ratio(np.zeros((5, 40)))
    with pytest.raises(ValueError, match="got shape"):
        n2s.checkerboard_ratio(np.zeros((16, 16, 3)))

def test_stripe_ratio_tells_rows_from_columns_from_a_checkerboard():
    rows, cols = np.indices((128, 96))
    noise = np.random.default_rng(1).normal(size=(128, 96))
    rows_alternate, cols_alternate = noise + 0.2 * (-1.0) ** rows, noise + 0.2 * (-1.0) ** cols
    assert n2s.stripe_ratio(noise) < 5 and n2s.stripe_ratio(noise, "vertical") < 5
    assert n2s.stripe_ratio(rows_alternate, "horizontal") > 100 > 5 > n2s.stripe_ratio(rows_alternate, "vertical")
    assert n2s.stripe_ratio(cols_alternate, "vertical") > 100 > 5 > n2s.stripe_ratio(cols_alternate, "horizontal")
    checkerboard = noise + 0.2 * (-1.0) ** (rows + cols)
    assert max(n2s.stripe_ratio(checkerboard), n2s.stripe_ratio(checkerboard, "vertical")) < 5


def test_stripe_ratio_refuses_an_unknown_direction_and_a_tiny_image():
    with pytest.raises(ValueError, match="direction must be 'horizontal' or 'vertical', got 'diagonal'"):
        n2s.stripe_ratio(np.zeros((32, 32)), "diagonal")
    with pytest.raises(ValueError, match=r"stripe_ratio needs a 2-D image larger than 7 pixels a side"):
        n2s.stripe_ratio(np.zeros((40, 6)))


def streaks(shape, *, axis, length=3, sigma=0.1, seed=0):
    """Gaussian noise averaged over ``length`` neighbours along ``axis`` (1: along rows), variance kept."""
    noise = np.random.default_rng(seed).normal(0, sigma, shape)
    return ndi.uniform_filter1d(noise, length, axis=axis, mode="wrap") * np.sqrt(length)


def test_the_autocorrelation_of_streak_noise_peaks_along_its_axis():
    acf = n2s.noise_autocorrelation(streaks((128, 96), axis=1), max_lag=2)
    assert acf.shape == (5, 5) and acf[2, 2] == pytest.approx(1.0)
    assert acf[2, 3] > 0.5 and acf[2, 1] > 0.5  # +-1 column apart: strongly correlated
    assert abs(acf[1, 2]) < 0.2 and abs(acf[3, 2]) < 0.2  # +-1 row apart: not (the blur subtracted costs a little)


@pytest.mark.parametrize(("axis", "expected"), [(1, "horizontal"), (0, "vertical")])
def test_correlated_axis_finds_the_streaks_on_the_camera(axis, expected):
    clean = n2s.crop_center(n2s.load_image("camera"), 256)
    assert n2s.correlated_axis(clean + streaks(clean.shape, axis=axis)) == expected


@pytest.mark.parametrize("size", [64, 96, 256])
def test_white_noise_on_images_with_strong_edges_raises_no_flag(size):
    clean = n2s.crop_center(n2s.load_image("camera"), size)  # the tripod: long vertical edges
    white = np.random.default_rng(1).normal(0, 0.1, clean.shape)
    assert n2s.correlated_axis(clean + white) is None
    assert n2s.correlated_axis(clean + 0.3 * white) is None
    assert n2s.correlated_axis(white) is None


def test_an_image_without_noise_is_not_judged():
    assert n2s.correlated_axis(np.zeros((32, 32))) is None
    with pytest.raises(ValueError, match=r"at least 8 pixels a side, got shape \(4, 40\)"):
        n2s.correlated_axis(np.zeros((4, 40)))


def test_the_autocorrelation_refuses_what_it_cannot_measure():
    with pytest.raises(ValueError, match=r"larger than 7 pixels a side, got shape \(16, 16, 3\); for RGB"):
        n2s.noise_autocorrelation(np.zeros((16, 16, 3)))
    with pytest.raises(ValueError, match="no fine-scale variation"):
        n2s.noise_autocorrelation(np.ones((32, 32)))
