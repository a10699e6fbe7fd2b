"""Tests of n2s_core.paper.figure4: the price of J-invariance for a Gaussian process, in closed form.

The claims: the closed form matches the recipe's reference values; the FFT route (the precision matrix's diagonal)
equals the recipe's matrix formulas; the J-invariant predictor never reads its own pixel; Monte Carlo agrees with
the closed form; and the gap between the two curves shrinks as the length scale grows.
"""

from __future__ import annotations

import json
import time

import matplotlib
import numpy as np
import pytest

from n2s_core.paper import figure4 as f4

matplotlib.use("Agg")


def _decimals(reference: float) -> int:
    """The references are printed to 3 decimals, some to 4 (0.0625): tolerate half a unit of the last one."""
    return max(3, len(repr(reference)) - 2)


def test_the_closed_form_matches_the_reference_values():
    for scale, references in f4.PAPER_FIGURE4.items():
        nearest = min(f4.LENGTH_SCALES, key=lambda v: abs(v - scale))
        assert abs(nearest - scale) < 0.01  # the references are at grid points of the curve, rounded
        for ours, reference in zip(f4.stationary_mse(nearest), references, strict=True):
            assert abs(ours - reference) <= 0.5 * 10.0 ** -_decimals(reference) + 1e-12, (scale, ours, reference)


def test_the_torus_side_is_odd_and_follows_the_recipe():
    sides = [f4.torus_side(v) for v in f4.LENGTH_SCALES]
    assert all(n % 2 == 1 for n in sides)
    assert sides[:9] == [33] * 9 and sides[9:] == [35, 37, 41]  # 33 = max(..., 32) rounded up to odd
    assert f4.torus_side(1.0, minimum=8) == 13  # 2 * sqrt(2 ln 1e8) = 12.14 -> 13


@pytest.mark.parametrize("scale", [0.75, 1.9])
def test_the_fft_closed_form_equals_the_recipes_matrix_formulas(scale):
    side = 33
    cov = f4.covariance_matrix(side, scale)
    direct = f4.direct_mse(cov, 0.5, index=side * side // 2)
    np.testing.assert_allclose(f4.stationary_mse(scale, side=side), direct, rtol=1e-9)
    # the general route (eigendecomposition of K) gives the same value at every pixel of the stationary process
    optimal, j_invariant = f4.linear_mse(cov, [0.5])
    np.testing.assert_allclose(optimal[:, 0], direct[0], rtol=1e-8)
    np.testing.assert_allclose(j_invariant[:, 0], direct[1], rtol=1e-8)


def test_the_precision_identity_holds_for_a_non_stationary_covariance():
    rng = np.random.default_rng(1)
    factor = rng.standard_normal((40, 12))
    cov = factor @ factor.T / 12 + np.diag(rng.uniform(0, 0.2, 40))  # low rank plus a little: no symmetry at all
    optimal, j_invariant = f4.linear_mse(cov, [0.3, 0.9])
    for index in (0, 17, 39):
        for k, sigma in enumerate((0.3, 0.9)):
            direct = f4.direct_mse(cov, sigma, index=index)
            np.testing.assert_allclose([optimal[index, k], j_invariant[index, k]], direct, rtol=1e-9)
            assert j_invariant[index, k] > optimal[index, k]


def test_the_fft_denoisers_are_the_matrix_predictors_and_the_j_invariant_one_never_reads_its_pixel():
    side, scale, sigma = 9, 1.2, 0.5
    cov = f4.covariance_matrix(side, scale)
    x = np.random.default_rng(0).standard_normal((side, side))
    optimal, j_invariant = f4.denoise_gp(x, scale, sigma=sigma)
    np.testing.assert_allclose(optimal.ravel(), cov @ np.linalg.solve(cov + sigma**2 * np.eye(side**2), x.ravel()),
                               atol=1e-10)
    index = 40
    rest = np.arange(side**2) != index
    weights = np.linalg.solve(cov[np.ix_(rest, rest)] + sigma**2 * np.eye(side**2 - 1), cov[rest, index])
    assert j_invariant.ravel()[index] == pytest.approx(weights @ x.ravel()[rest], abs=1e-10)
    bumped = x.copy()
    bumped.flat[index] += 10.0  # its own pixel: the J-invariant output there does not move, the optimal one does
    new_optimal, new_j_invariant = f4.denoise_gp(bumped, scale, sigma=sigma)
    assert new_j_invariant.flat[index] == pytest.approx(j_invariant.flat[index], abs=1e-10)
    assert abs(new_optimal.flat[index] - optimal.flat[index]) > 1.0


def test_sampled_images_have_the_kernel_as_their_covariance():
    side, scale = 33, 1.5
    samples = f4.sample_gp(side, scale, n=300, rng=0)
    # the empirical autocovariance, averaged over all pixel pairs at each torus lag (by FFT)
    empirical = np.fft.ifft2(np.abs(np.fft.fft2(samples)) ** 2).real.mean(axis=0) / side**2
    np.testing.assert_allclose(empirical, f4.rbf_kernel(side, scale), atol=0.04)


def test_monte_carlo_agrees_with_the_closed_form_within_three_standard_errors():
    started = time.perf_counter()
    for scale in (0.75, 2.0, 3.27):
        measured = f4.monte_carlo_mse(scale, n_images=300, rng=0)
        expected = f4.stationary_mse(scale)
        for key, value in zip(("optimal", "j_invariant"), expected, strict=True):
            assert abs(measured[key] - value) < 3 * measured[f"{key}_se"], (scale, key, measured, value)
    assert time.perf_counter() - started < 2.0


def test_the_gap_is_positive_and_shrinks_as_the_length_scale_grows():
    curve = f4.figure4_curve(direct=False)
    optimal, j_invariant = np.array(curve["optimal"]), np.array(curve["j_invariant"])
    gap = j_invariant - optimal
    assert np.all(gap > 0) and np.all(np.diff(gap) < 0) and np.all(np.diff(optimal) < 0)
    assert j_invariant[0] / optimal[0] > 3 and j_invariant[-1] / optimal[-1] < 1.1  # 0.549/0.172, 0.0227/0.0208
    json.dumps(curve)


def test_errors_name_the_bad_value():
    with pytest.raises(ValueError, match=r"length_scale must be > 0, got -1"):
        f4.torus_side(-1)
    with pytest.raises(ValueError, match=r"sigma must be > 0, got 0"):
        f4.stationary_mse(1.0, sigma=0)
    with pytest.raises(ValueError, match=r"n_images must be an int >= 2, got 1"):
        f4.monte_carlo_mse(1.0, n_images=1)
    with pytest.raises(ValueError, match=r"square torus images .* got shape \(4, 5\)"):
        f4.denoise_gp(np.zeros((4, 5)), 1.0)
    with pytest.raises(TypeError, match=r"length_scale must be a number, got 'a'"):
        f4.rbf_kernel(8, "a")


def test_reproduce_figure4_writes_every_file_with_the_references_beside_ours(tmp_path):
    result = f4.reproduce_figure4(tmp_path, quick=True)
    assert {p.name for p in tmp_path.iterdir()} == {"figure4.png", "figure4.csv", "figure4.md", "figure4.json"}
    saved = json.loads((tmp_path / "figure4.json").read_text())
    assert saved["optimal"] == result["optimal"] and saved["meta"]["quick"] is True
    assert saved["meta"]["experiment"] == "figure4" and saved["sides"][-1] == 41
    text = (tmp_path / "figure4.md").read_text()
    assert "| 0.750 | 0.1718 | 0.172 | 0.5494 | 0.549 |" in text and "recipe's closed-form formulas" in text
    assert (tmp_path / "figure4.csv").read_text().splitlines()[0].startswith("length_scale,torus_side,optimal")
    assert set(result["examples_mse"]) == {"l = 1", "l = 2", "l = 3"}
