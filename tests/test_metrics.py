"""MSE, PSNR (plain and rescaled) and SSIM: known values, scales, and input checks."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.metrics
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import n2s_core as n2s
from n2s_core import mse, psnr, rescale_to, ssim


def test_mse_and_psnr_known_values():
    clean = np.zeros((4, 4))
    assert mse(clean, np.full((4, 4), 0.1)) == pytest.approx(0.01)
    assert psnr(clean, np.full((4, 4), 0.1)) == pytest.approx(20.0)
    assert psnr(clean, np.full((4, 4), 0.01)) == pytest.approx(40.0)
    # the paper's noisy camera: sigma 0.1 means about 20 dB
    noise = np.random.default_rng(0).normal(0, 0.1, (256, 256))
    assert psnr(np.zeros_like(noise), noise) == pytest.approx(20.0, abs=0.05)


def test_psnr_matches_skimage(noisy_64, camera_64):
    expected = skimage.metrics.peak_signal_noise_ratio(camera_64, noisy_64, data_range=1.0)
    assert psnr(camera_64, noisy_64) == pytest.approx(expected, rel=1e-12)


def test_psnr_of_equal_images_is_infinite():
    image = np.random.default_rng(1).random((8, 8))
    assert psnr(image, image.copy()) == float("inf")
    assert psnr(image, image, rescale=True) > 250  # rescaling an image to itself leaves only rounding error


def test_data_range_sets_the_peak():
    rng = np.random.default_rng(2)
    clean, image = rng.random((16, 16)), rng.random((16, 16))
    assert psnr(255 * clean, 255 * image, data_range=255) == pytest.approx(psnr(clean, image))
    assert psnr(clean, image, data_range=2.0) == pytest.approx(psnr(clean, image) + 20 * np.log10(2))


def test_rescale_forgives_a_gain_and_an_offset(noisy_64, camera_64):
    plain = psnr(camera_64, noisy_64, rescale=True)
    affine = 0.5 * noisy_64 + 0.3
    assert psnr(camera_64, affine, rescale=True) == pytest.approx(plain, rel=1e-9)
    assert psnr(camera_64, affine) < plain - 3  # without rescaling the gain costs several dB


def test_rescale_to_matches_mean_and_std():
    rng = np.random.default_rng(3)
    clean, image = rng.random((20, 20)), 3 * rng.random((20, 20)) - 1
    out = rescale_to(clean, image)
    assert out.mean() == pytest.approx(clean.mean())
    assert out.std() == pytest.approx(clean.std())
    assert np.corrcoef(out.ravel(), image.ravel())[0, 1] == pytest.approx(1.0)  # affine: order kept
    np.testing.assert_allclose(rescale_to(clean, np.full((20, 20), 7.0)), clean.mean())  # flat image: the mean


def test_ssim_of_identical_images_is_one_and_noise_lowers_it(noisy_64, camera_64, rgb_48):
    assert ssim(camera_64, camera_64) == pytest.approx(1.0)
    noisier = n2s.add_noise(camera_64, sigma=0.3, rng=4, clip=False)
    assert ssim(camera_64, noisier) < ssim(camera_64, noisy_64) < 1.0
    assert ssim(rgb_48, rgb_48, channel_axis=-1) == pytest.approx(1.0)
    assert ssim(rgb_48, n2s.add_noise(rgb_48, sigma=0.2, rng=5), channel_axis=-1) < 0.9


def test_integer_inputs_are_not_rescaled():
    zeros, full = np.zeros((4, 4), np.uint8), np.full((4, 4), 255, np.uint8)
    assert mse(zeros, full) == pytest.approx(255.0**2)  # no uint8 wrap-around, no division by 255
    rng = np.random.default_rng(6)
    a, b = (rng.integers(0, 256, (16, 16)).astype(np.uint8) for _ in range(2))
    assert psnr(a, b, data_range=255) == pytest.approx(psnr(a.astype(float), b.astype(float), data_range=255))
    assert psnr(a, b, data_range=255) == pytest.approx(
        skimage.metrics.peak_signal_noise_ratio(a, b, data_range=255), rel=1e-12)


def test_float16_inputs_work():
    clean, image = np.zeros(4, np.float16), np.full(4, 0.1, np.float16)
    assert psnr(clean, image) == pytest.approx(20.0, abs=0.01)


def test_inputs_are_not_mutated(noisy_64, camera_64):
    # the fixtures are read-only: any write would raise; also compare values
    before = noisy_64.copy()
    mse(camera_64, noisy_64)
    psnr(camera_64, noisy_64, rescale=True)
    rescale_to(camera_64, noisy_64)
    ssim(camera_64, noisy_64)
    np.testing.assert_array_equal(noisy_64, before)


@pytest.mark.parametrize("function", [mse, psnr, ssim, rescale_to])
def test_mismatched_shapes_raise(function):
    with pytest.raises(ValueError, match=r"clean and image must have the same shape, got \(16, 16\) and \(16, 15\)"):
        function(np.zeros((16, 16)), np.zeros((16, 15)))


@pytest.mark.parametrize("function", [mse, psnr, ssim])
def test_non_finite_values_raise(function):
    image = np.zeros((16, 16))
    image[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"image contains 1 NaN or inf"):
        function(np.zeros((16, 16)), image)
    with pytest.raises(ValueError, match=r"clean contains 1 NaN or inf"):
        function(image, np.zeros((16, 16)))


@pytest.mark.parametrize("data_range", [0, -1.0])
def test_bad_data_range_raises(data_range):
    with pytest.raises(ValueError, match=rf"data_range must be > 0 .* got {data_range}"):
        psnr(np.zeros(4), np.ones(4), data_range=data_range)



# ------------------------------------------------------------------------------------ the two rescaled PSNRs

def test_the_least_squares_rule_is_the_authors_util_mse():
    # the authors' own test of util.mse(rescale=True): estimate (5, 5, 0, 0) against truth (3, 3, 2, 0) -> 0.5
    clean, estimate = np.array([3.0, 3.0, 2.0, 0.0]), np.array([5.0, 5.0, 0.0, 0.0])
    assert mse(clean, rescale_to(clean, estimate, rule="least-squares")) == pytest.approx(0.5)
    assert mse(clean, rescale_to(clean, estimate)) > 0.5  # the moments rule errs more here


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (6, 5), elements=st.floats(0, 1)), arrays(np.float64, (6, 5), elements=st.floats(0, 1)))
def test_least_squares_never_scores_below_moments(clean, image):
    assume(clean.std() > 1e-3 and image.std() > 1e-3)
    moments = psnr(clean, image, rescale="moments")
    assert psnr(clean, image, rescale=True) == moments
    assert psnr(clean, image, rescale="least-squares") >= moments - 1e-9
    rho = np.corrcoef(clean.ravel(), image.ravel())[0, 1]
    assume(abs(rho) < 0.99)  # at |rho| = 1 the least-squares error vanishes and the ratio is undefined
    ratio = mse(clean, rescale_to(clean, image)) / mse(clean, rescale_to(clean, image, rule="least-squares"))
    assert ratio == pytest.approx(2 / (1 + rho), rel=1e-6)  # the two rules' errors differ by 2 / (1 + rho)


def test_an_unknown_rescale_rule_is_refused():
    with pytest.raises(ValueError, match="least-squares"):
        psnr(np.zeros(4), np.ones(4), rescale="affine")
