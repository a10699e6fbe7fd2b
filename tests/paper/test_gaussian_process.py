"""Tests of n2s_core.paper.gaussian_process: the two linear denoisers of a Gaussian process on a torus.

The claims: the FFT route (the precision matrix's diagonal) equals the recipe's matrix formulas, also for a
covariance with no symmetry; the FFT denoisers are the matrix predictors and the J-invariant one never reads its own
pixel; sampled images have the kernel as their covariance; errors name the bad value.
"""

from __future__ import annotations

import numpy as np
import pytest

from n2s_core.paper import figure4 as f4
from n2s_core.paper import gaussian_process as gp


def test_the_torus_side_is_odd_and_follows_the_recipe():
    sides = [gp.torus_side(v) for v in f4.LENGTH_SCALES]
    assert all(n % 2 == 1 for n in sides)
    assert sides[:9] == [33] * 9 and sides[9:] == [35, 37, 41]  # 33 = max(..., 32) rounded up to odd
    assert gp.torus_side(1.0, minimum=8) == 13  # 2 * sqrt(2 ln 1e8) = 12.14 -> 13


@pytest.mark.parametrize("scale", [0.75, 1.9])
def test_the_fft_closed_form_equals_the_recipes_matrix_formulas(scale):
    side = 33
    cov = gp.covariance_matrix(side, scale)
    direct = gp.direct_mse(cov, 0.5, index=side * side // 2)
    np.testing.assert_allclose(gp.stationary_mse(scale, side=side), direct, rtol=1e-9)
    # the general route (eigendecomposition of K) gives the same value at every pixel of the stationary process
    optimal, j_invariant = gp.linear_mse(cov, [0.5])
    np.testing.assert_allclose(optimal[:, 0], direct[0], rtol=1e-8)
    np.testing.assert_allclose(j_invariant[:, 0], direct[1], rtol=1e-8)


def test_the_precision_identity_holds_for_a_non_stationary_covariance():
    rng = np.random.default_rng(1)
    factor = rng.standard_normal((40, 12))
    cov = factor @ factor.T / 12 + np.diag(rng.uniform(0, 0.2, 40))  # low rank plus a little: no symmetry at all
    optimal, j_invariant = gp.linear_mse(cov, [0.3, 0.9])
    for index in (0, 17, 39):
        for k, sigma in enumerate((0.3, 0.9)):
            direct = gp.direct_mse(cov, sigma, index=index)
            np.testing.assert_allclose([optimal[index, k], j_invariant[index, k]], direct, rtol=1e-9)
            assert j_invariant[index, k] > optimal[index, k]


def test_the_fft_denoisers_are_the_matrix_predictors_and_the_j_invariant_one_never_reads_its_pixel():
    side, scale, sigma = 9, 1.2, 0.5
    cov = gp.covariance_matrix(side, scale)
    x = np.random.default_rng(0).standard_normal((side, side))
    optimal, j_invariant = gp.denoise_gp(x, scale, sigma=sigma)
    np.testing.assert_allclose(optimal.ravel(), cov @ np.linalg.solve(cov + sigma**2 * np.eye(side**2), x.ravel()),
                               atol=1e-10)
    index = 40
    rest = np.arange(side**2) != index
    weights = np.linalg.solve(cov[np.ix_(rest, rest)] + sigma**2 * np.eye(side**2 - 1), cov[rest, index])
    assert j_invariant.ravel()[index] == pytest.approx(weights @ x.ravel()[rest], abs=1e-10)
    bumped = x.copy()
    bumped.flat[index] += 10.0  # its own pixel: the J-invariant output there does not move, the optimal one does
    new_optimal, new_j_invariant = gp.denoise_gp(bumped, scale, sigma=sigma)
    assert new_j_invariant.flat[index] == pytest.approx(j_invariant.flat[index], abs=1e-10)
    assert abs(new_optimal.flat[index] - optimal.flat[index]) > 1.0


def test_sampled_images_have_the_kernel_as_their_covariance():
    side, scale = 33, 1.5
    samples = gp.sample_gp(side, scale, n=300, rng=0)
    # the empirical autocovariance, averaged over all pixel pairs at each torus lag (by FFT)
    empirical = np.fft.ifft2(np.abs(np.fft.fft2(samples)) ** 2).real.mean(axis=0) / side**2
    np.testing.assert_allclose(empirical, gp.rbf_kernel(side, scale), atol=0.04)


def test_errors_name_the_bad_value():
    with pytest.raises(ValueError, match=r"length_scale must be > 0, got -1"):
        gp.torus_side(-1)
    with pytest.raises(ValueError, match=r"sigma must be > 0, got 0"):
        gp.stationary_mse(1.0, sigma=0)
    with pytest.raises(ValueError, match=r"square torus images .* got shape \(4, 5\)"):
        gp.denoise_gp(np.zeros((4, 5)), 1.0)
    with pytest.raises(TypeError, match=r"length_scale must be a number, got 'a'"):
        gp.rbf_kernel(8, "a")
