"""Noise models: their statistics, reproducibility, dtypes and input checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

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
