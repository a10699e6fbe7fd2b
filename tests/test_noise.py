"""Noise models: their statistics, reproducibility, dtypes and input checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import n2s_core as n2s
from n2s_core import add_noise

N = 256 * 256  # pixels in the flat test images below


def flat(value: float, shape=(256, 256)) -> np.ndarray:
    return np.full(shape, value)


def test_gaussian_noise_has_zero_mean_and_std_sigma():
    clean = flat(0.5)
    noise = add_noise(clean, sigma=0.1, rng=0, clip=False) - clean
    # Standard errors for N independent draws: mean sigma / sqrt(N) = 4e-4; std about sigma / sqrt(2N) = 2.8e-4.
    assert abs(noise.mean()) < 4 * 0.1 / np.sqrt(N)
    assert abs(noise.std() - 0.1) < 4 * 0.1 / np.sqrt(2 * N)


@pytest.mark.parametrize("level", [0.2, 0.6])
@pytest.mark.parametrize("photons", [10, 30])
def test_poisson_noise_mean_is_the_clean_value_and_variance_is_mean_over_photons(level, photons):
    noisy = add_noise(flat(level), photons=photons, rng=1, clip=False)
    var = level / photons
    assert abs(noisy.mean() - level) < 4 * np.sqrt(var / N)
    # Sample variance: relative standard error about sqrt(2 / N) = 0.55 %; allow 3 %.
    assert noisy.var() == pytest.approx(var, rel=0.03)
    # Photon counts are integers: noisy * photons has no fractional part.
    np.testing.assert_allclose(noisy * photons, np.round(noisy * photons), atol=1e-9)


def test_bernoulli_noise_replaces_a_fraction_p_by_zero_or_one():
    p = 0.2
    noisy = add_noise(flat(0.5), p=p, rng=2)
    assert set(np.unique(noisy)) <= {0.0, 0.5, 1.0}
    se = np.sqrt(p * (1 - p) / N)
    assert abs(np.mean(noisy != 0.5) - p) < 4 * se
    # salt and pepper equally likely
    assert abs(np.mean(noisy == 1.0) - p / 2) < 4 * np.sqrt(p / 2 * (1 - p / 2) / N)
    assert abs(np.mean(noisy == 0.0) - p / 2) < 4 * np.sqrt(p / 2 * (1 - p / 2) / N)


def test_no_noise_returns_an_equal_copy():
    clean = np.linspace(0, 1, 50).reshape(5, 10)
    noisy = add_noise(clean, rng=0)
    np.testing.assert_array_equal(noisy, clean)
    assert not np.shares_memory(noisy, clean)


def test_same_seed_gives_the_same_noise_and_different_seeds_differ():
    clean = flat(0.5, (32, 32))
    kwargs = dict(sigma=0.1, photons=20, p=0.05)
    np.testing.assert_array_equal(add_noise(clean, rng=7, **kwargs), add_noise(clean, rng=7, **kwargs))
    assert not np.array_equal(add_noise(clean, rng=7, **kwargs), add_noise(clean, rng=8, **kwargs))
    # A generator is consumed, so two draws from one generator differ.
    generator = np.random.default_rng(7)
    assert not np.array_equal(add_noise(clean, sigma=0.1, rng=generator), add_noise(clean, sigma=0.1, rng=generator))


def test_clipping_keeps_values_in_range_and_lowers_the_variance():
    clean = np.tile(np.linspace(0, 1, 256), (256, 1))
    raw = add_noise(clean, sigma=0.1, rng=3, clip=False)
    clipped = add_noise(clean, sigma=0.1, rng=3, clip=True)
    assert raw.min() < 0 and raw.max() > 1
    assert clipped.min() >= 0 and clipped.max() <= 1
    np.testing.assert_array_equal(clipped, np.clip(raw, 0, 1))
    assert np.mean((clipped - clean) ** 2) < np.mean((raw - clean) ** 2) < 0.0102


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(np.float16, np.float32), (np.float32, np.float32), (np.float64, np.float64), (np.uint8, np.float64)],
)
def test_output_dtype(dtype, expected):
    clean = np.full((8, 8), 1, dtype=dtype)
    noisy = add_noise(clean, sigma=0.1, rng=0)
    assert noisy.dtype == expected


def test_integer_images_are_scaled_to_unit_range():
    clean = np.array([[0, 255]], dtype=np.uint8)
    np.testing.assert_array_equal(add_noise(clean), [[0.0, 1.0]])


@given(shape=st.lists(st.integers(1, 6), min_size=1, max_size=4).map(tuple), seed=st.integers(0, 2**16))
def test_any_shape_keeps_its_shape_and_stays_in_range(shape, seed):
    clean = np.random.default_rng(seed).random(shape)
    noisy = add_noise(clean, sigma=0.3, photons=5, p=0.1, rng=seed)
    assert noisy.shape == clean.shape
    assert noisy.min() >= 0 and noisy.max() <= 1


def test_input_is_not_mutated():
    clean = np.random.default_rng(0).random((16, 16))
    before = clean.copy()
    clean.setflags(write=False)
    add_noise(clean, sigma=0.1, photons=10, p=0.1, rng=0)
    np.testing.assert_array_equal(clean, before)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(sigma=-1), ValueError, r"sigma must be a finite number >= 0, got -1"),
        (dict(sigma=np.inf), ValueError, r"sigma must be a finite number >= 0, got inf"),
        (dict(sigma=np.nan), ValueError, r"sigma must be a finite number >= 0, got nan"),
        (dict(sigma="0.1"), TypeError, r"sigma must be a number, got '0.1'"),
        (dict(p=1.5), ValueError, r"p is a probability and must be in \[0, 1\], got 1.5"),
        (dict(p=-0.1), ValueError, r"p must be a finite number >= 0, got -0.1"),
        (dict(photons=0), ValueError, r"photons must be > 0"),
        (dict(photons=-3), ValueError, r"photons must be a finite number >= 0, got -3"),
    ],
)
def test_bad_parameters_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        add_noise(np.zeros((4, 4)), **kwargs)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_image_raises(bad):
    clean = np.zeros((4, 4))
    clean[1, 2] = bad
    with pytest.raises(ValueError, match=r"clean contains 1 NaN or inf value"):
        add_noise(clean, sigma=0.1)


def test_poisson_refuses_negative_images():
    with pytest.raises(ValueError, match=r"non-negative image, got a minimum of -0.5"):
        add_noise(np.array([0.5, -0.5]), photons=10)


@pytest.mark.parametrize(("clean", "match"), [(np.array([True, False]), "dtype bool"),
                                              (np.array([1 + 2j]), "dtype complex128"),
                                              (np.float64(0.5), "got a scalar")])
def test_bad_image_types_raise(clean, match):
    with pytest.raises((TypeError, ValueError), match=match):
        add_noise(clean, sigma=0.1)


# --- The dataset recipes of the paper's Table 2 -------------------------------------------------------------------

from n2s_core.noise import hanzi_noise, imagenet_noise, scmos_noise  # noqa: E402


def test_hanzi_blackout_hits_one_minus_exp_of_draws_over_pixels():
    # 2048 draws with replacement over the 63 x 63 rows and columns the authors' randint(0, 63) reaches: the expected
    # dark fraction of the 64 x 64 image is (1 - exp(-2048 / 3969)) * 3969 / 4096 = 0.3906, not one half.
    noisy = hanzi_noise(np.ones((64, 64, 64)), sigma=0.0, rng=0)
    assert set(np.unique(noisy)) == {0.0, 1.0}
    assert noisy[:, -1, :].min() == 1.0 and noisy[:, :, -1].min() == 1.0  # row and column 63 are never drawn
    # Per image the count of dark pixels has std about 25 (occupancy variance); 64 images: se 0.1 % of the fraction.
    assert np.mean(noisy == 0) == pytest.approx((1 - np.exp(-2048 / 3969)) * 3969 / 4096, abs=0.004)
    per_image = np.mean(noisy == 0, axis=(1, 2))
    assert per_image.min() > 0.36 and per_image.max() < 0.43  # every image gets its own blackout


def test_hanzi_noise_is_gaussian_on_top_of_the_blackout_then_clipped():
    clean = np.full((16, 64, 64), 0.5)
    noisy = hanzi_noise(clean, sigma=0.1, n_blackout=0, rng=1)
    assert abs(noisy.mean() - 0.5) < 4 * 0.1 / np.sqrt(noisy.size)
    assert noisy.std() == pytest.approx(0.1, rel=0.01)
    heavy = hanzi_noise(clean, sigma=0.7, rng=1)
    assert heavy.min() == 0.0 and heavy.max() == 1.0


def test_hanzi_noise_keeps_float32_and_leading_axes():
    clean = np.zeros((2, 3, 8, 8), dtype=np.float32)
    noisy = hanzi_noise(clean, n_blackout=5, rng=0)
    assert noisy.shape == clean.shape and noisy.dtype == np.float32


def test_scmos_noise_mean_variance_and_gain_map_on_a_flat_image():
    clean = np.full((8, 128, 128), 0.5)
    # Without Cauchy noise: mean 0.5; variance = shot noise E[g] * 0.5 / photons + gain spread (0.5 * spread)**2.
    noisy = scmos_noise(clean, photons=30, gain_spread=0.2, cauchy_scale=0.0, rng=2)
    assert abs(noisy.mean() - 0.5) < 0.003
    assert noisy.var() == pytest.approx(0.5 / 30 + (0.5 * 0.2) ** 2, rel=0.03)
    # Cauchy noise has heavy tails: with scale 0.045 about 2 * arctan(0.045 / 0.5) / pi = 5.7 % land beyond +-0.5.
    cauchy = scmos_noise(clean, photons=1e9, gain_spread=0.0, cauchy_scale=0.045, rng=3)
    assert np.mean((cauchy == 0) | (cauchy == 1)) == pytest.approx(2 / np.pi * np.arctan(0.045 / 0.5), rel=0.05)
    assert np.median(np.abs(cauchy - 0.5)) == pytest.approx(0.045, rel=0.03)  # the scale is the median |noise|


def test_imagenet_noise_is_the_papers_recipe_through_add_noise():
    clean = np.random.default_rng(0).random((32, 32, 3))
    np.testing.assert_array_equal(imagenet_noise(clean, rng=4),
                                  add_noise(clean, photons=30, sigma=80 / 255, p=0.2, rng=4))
    # Bernoulli fraction alone (sigma 0, photons huge): p of the values are replaced by 0 or 1.
    flat_noisy = imagenet_noise(flat(0.5), photons=1e9, sigma=0.0, p=0.2, rng=5)
    assert np.mean((flat_noisy == 0) | (flat_noisy == 1)) == pytest.approx(0.2, abs=4 * np.sqrt(0.16 / N))
    # The later re-creation's sigma 60 is one argument away, and is gentler.
    gentle, harsh = (imagenet_noise(flat(0.5), sigma=s / 255, p=0.0, rng=6).std() for s in (60, 80))
    assert gentle < harsh


@pytest.mark.parametrize("recipe", [hanzi_noise, scmos_noise, imagenet_noise])
def test_recipes_are_seeded_and_leave_the_input_alone(recipe):
    clean = np.random.default_rng(0).random((3, 32, 32))
    before = clean.copy()
    clean.setflags(write=False)
    np.testing.assert_array_equal(recipe(clean, rng=9), recipe(clean, rng=9))
    assert not np.array_equal(recipe(clean, rng=9), recipe(clean, rng=10))
    np.testing.assert_array_equal(clean, before)
    noisy = recipe(clean, rng=9)
    assert noisy.min() >= 0 and noisy.max() <= 1


@pytest.mark.parametrize(
    ("recipe", "kwargs", "error", "match"),
    [
        (hanzi_noise, dict(sigma=-0.1), ValueError, r"sigma must be a finite number >= 0, got -0.1"),
        (hanzi_noise, dict(n_blackout=-1), ValueError, r"n_blackout must be an int >= 0.*got -1"),
        (hanzi_noise, dict(n_blackout=2.5), TypeError, r"n_blackout must be an int, got 2.5"),
        (scmos_noise, dict(photons=0), ValueError, r"photons must be > 0"),
        (scmos_noise, dict(gain_spread=-1), ValueError, r"gain_spread must be a finite number >= 0, got -1"),
        (scmos_noise, dict(cauchy_scale=np.nan), ValueError, r"cauchy_scale must be a finite number >= 0, got nan"),
        (imagenet_noise, dict(p=2), ValueError, r"p is a probability and must be in \[0, 1\], got 2"),
    ],
)
def test_recipe_bad_parameters_raise(recipe, kwargs, error, match):
    with pytest.raises(error, match=match):
        recipe(np.zeros((4, 4)), **kwargs)


@pytest.mark.parametrize("recipe", [hanzi_noise, scmos_noise])
def test_image_recipes_need_two_axes(recipe):
    with pytest.raises(ValueError, match=r"needs images of shape \(\.\.\., H, W\), got shape \(4,\)"):
        recipe(np.zeros(4))


def test_streak_noise_is_correlated_along_its_direction_only_with_the_published_falloff():
    flat = np.full((300, 300), 0.5)
    for direction, axis in (("horizontal", 1), ("vertical", 0)):
        noise = n2s.streak_noise(flat, sigma=0.05, length=5, direction=direction, rng=1) - 0.5
        assert noise.std() == pytest.approx(0.05, rel=0.03)
        for lag in (1, 2, 4):
            along = np.mean(np.take(noise, range(lag, 300), axis=axis) * np.take(noise, range(300 - lag), axis=axis))
            assert along / noise.var() == pytest.approx(1 - lag / 5, abs=0.03)  # shares 5 - lag of 5 draws
        across = np.mean(np.take(noise, range(1, 300), axis=1 - axis) * np.take(noise, range(299), axis=1 - axis))
        assert abs(across / noise.var()) < 0.03
        assert n2s.correlated_axis(noise) == direction
    white = n2s.streak_noise(flat, sigma=0.05, length=1, rng=1) - 0.5
    assert n2s.correlated_axis(white) is None


def test_streak_noise_checks_its_arguments():
    with pytest.raises(ValueError, match="length must be an int >= 1"):
        n2s.streak_noise(np.zeros((8, 8)), length=0)
    with pytest.raises(ValueError, match="unknown direction"):
        n2s.streak_noise(np.zeros((8, 8)), direction="diagonal")
    with pytest.raises(ValueError, match="2-D image"):
        n2s.streak_noise(np.zeros((8, 8, 3)))
