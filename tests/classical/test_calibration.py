"""Calibration by the self-supervised loss: what the result holds, the paper's argmin claim, mixing."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
import skimage.restoration
from scipy import ndimage as ndi

import n2s_core as n2s
from n2s_core import calibrate_denoiser, expand_grid, mix, mixing_weight


def gaussian(image, sigma=1.0):
    return ndi.gaussian_filter(image, sigma=sigma)


class CountingDenoiser:
    """Wraps a denoiser and counts its calls (thread-safe enough: list.append holds the GIL)."""

    def __init__(self, denoiser):
        self.denoiser, self.calls = denoiser, []
        self.__name__ = "counting"

    def __call__(self, image, **kwargs):
        self.calls.append(kwargs)
        return self.denoiser(image, **kwargs)


@pytest.fixture(scope="module")
def noisy_128(camera):
    clean = n2s.crop_center(camera, 128)
    return clean, n2s.add_noise(clean, sigma=0.1, rng=0, clip=False)


# --------------------------------------------------------------------------------------------------------------
# The result object


def test_result_fields_are_aligned_and_best_is_the_argmin(noisy_128):
    clean, noisy = noisy_128
    grid = {"sigma": [0.5, 1.0, 2.0, 4.0]}
    result = calibrate_denoiser(noisy, gaussian, grid, clean=clean)
    assert result.parameters == [{"sigma": s} for s in grid["sigma"]]
    assert len(result.losses) == len(result.ground_truth_losses) == 4
    assert result.best_index == int(np.argmin(result.losses))
    assert result.best_loss == min(result.losses)
    assert result.best_parameters == result.parameters[result.best_index]
    assert result.stride == 4 and result.approximate is False and result.function is gaussian
    # each loss belongs to its own setting
    for params, loss, truth in zip(result.parameters, result.losses, result.ground_truth_losses, strict=True):
        denoised = n2s.denoise_invariant(noisy, gaussian, denoiser_kwargs=params)
        assert loss == pytest.approx(n2s.ground_truth_loss(noisy, denoised), rel=1e-12)
        assert truth == pytest.approx(n2s.ground_truth_loss(clean, denoised), rel=1e-12)


def test_losses_do_not_depend_on_whether_clean_is_given(noisy_128):
    clean, noisy = noisy_128
    grid = {"sigma": [0.5, 1.0, 2.0]}
    with_clean = calibrate_denoiser(noisy, gaussian, grid, clean=clean)
    without = calibrate_denoiser(noisy, gaussian, grid)
    np.testing.assert_allclose(with_clean.losses, without.losses, rtol=1e-12)
    assert without.ground_truth_losses is None


def test_denoiser_and_invariant_denoiser_give_what_they_claim(noisy_128):
    _, noisy = noisy_128
    result = calibrate_denoiser(noisy, gaussian, {"sigma": [0.5, 1.0, 3.0]}, stride=3)
    best = result.best_parameters
    np.testing.assert_array_equal(result.denoiser(noisy), gaussian(noisy, **best))
    invariant = result.invariant_denoiser(noisy)
    np.testing.assert_array_equal(invariant, n2s.denoise_invariant(noisy, gaussian, stride=3, denoiser_kwargs=best))
    # the invariant denoiser is the one whose loss was measured
    assert n2s.ground_truth_loss(noisy, invariant) == pytest.approx(result.best_loss, rel=1e-12)


@pytest.mark.parametrize("options", [{"interpolation": "diagonal"}, {"channel_axis": -1}])
def test_invariant_denoiser_keeps_the_calibration_options(rgb_48, options):
    noisy = rgb_48 if "channel_axis" in options else rgb_48[..., 0]
    result = calibrate_denoiser(noisy, gaussian, {"sigma": [0.5, 1.0]}, **options)
    assert n2s.ground_truth_loss(noisy, result.invariant_denoiser(noisy)) == pytest.approx(result.best_loss,
                                                                                           rel=1e-12)


def test_to_dict_is_json_serialisable_with_numpy_values(noisy_128):
    clean, noisy = noisy_128
    grid = {"sigma": np.arange(0.5, 2.0, 0.5), "truncate": [np.int64(3)]}
    result = calibrate_denoiser(noisy[:32, :32], ndi.gaussian_filter, grid, clean=clean[:32, :32])
    summary = json.loads(json.dumps(result.to_dict()))
    assert summary["denoiser"] == "gaussian_filter"
    assert summary["parameters"] == [{"sigma": s, "truncate": 3} for s in (0.5, 1.0, 1.5)]
    assert summary["self_supervised_losses"] == pytest.approx(result.losses)
    assert summary["ground_truth_losses"] == pytest.approx(result.ground_truth_losses)
    assert summary["best_parameters"] == result.best_parameters
    assert summary["best_loss"] == pytest.approx(result.best_loss)
    assert summary["stride"] == 4 and summary["approximate"] is False


def test_to_dict_of_a_partial_and_without_clean():
    result = calibrate_denoiser(np.random.default_rng(0).random((16, 16)), functools.partial(gaussian),
                                [{"sigma": 1.0}])
    summary = json.loads(json.dumps(result.to_dict()))
    assert summary["ground_truth_losses"] is None
    assert "partial" in summary["denoiser"]


# --------------------------------------------------------------------------------------------------------------
# Exact and approximate losses


def test_approximate_calls_the_denoiser_once_per_setting_and_exact_stride_squared_times(noisy_128):
    _, noisy = noisy_128
    grid = {"sigma": [0.5, 1.0, 2.0]}
    exact, approximate = CountingDenoiser(gaussian), CountingDenoiser(gaussian)
    calibrate_denoiser(noisy, exact, grid, stride=4)
    result = calibrate_denoiser(noisy, approximate, grid, stride=4, approximate=True)
    assert len(exact.calls) == 3 * 4**2
    assert len(approximate.calls) == 3
    assert [c["sigma"] for c in approximate.calls] == grid["sigma"]
    assert result.approximate is True


def test_approximate_with_clean_keeps_the_one_subset_loss(noisy_128):
    # the self-supervised loss stays the one-subset estimate; the ground-truth curve needs the full output (16 calls)
    clean, noisy = noisy_128
    counting = CountingDenoiser(gaussian)
    result = calibrate_denoiser(noisy, counting, {"sigma": [1.0]}, approximate=True, clean=clean)
    assert len(counting.calls) == 1 + 16 and result.approximate is True
    alone = calibrate_denoiser(noisy, gaussian, {"sigma": [1.0]}, approximate=True)
    assert result.losses == alone.losses and result.ground_truth_losses is not None


def test_approximate_loss_is_the_mse_on_the_middle_subset(noisy_128):
    _, noisy = noisy_128
    result = calibrate_denoiser(noisy, gaussian, {"sigma": [1.0]}, approximate=True, stride=3)
    middle = n2s.grid_labels(noisy.shape, stride=3) == 4  # 9 subsets // 2
    denoised = n2s.denoise_invariant(noisy, gaussian, stride=3, denoiser_kwargs={"sigma": 1.0})
    assert result.losses[0] == pytest.approx(np.mean((denoised[middle] - noisy[middle]) ** 2), rel=1e-12)


@pytest.mark.parametrize("approximate", [False, True])
@pytest.mark.parametrize("stride", [3, 4])
def test_losses_match_skimage_calibrate_denoiser(noisy_128, approximate, stride):
    _, noisy = noisy_128
    grid = {"sigma": [0.5, 1.0, 2.0]}
    _, (parameters, losses) = skimage.restoration.calibrate_denoiser(
        noisy, ndi.gaussian_filter, grid, stride=stride, approximate_loss=approximate, extra_output=True)
    result = calibrate_denoiser(noisy, ndi.gaussian_filter, grid, stride=stride, approximate=approximate)
    assert result.parameters == parameters
    np.testing.assert_allclose(result.losses, losses, rtol=1e-10)
    for params, loss in zip(parameters, losses, strict=True):
        ours = n2s.self_supervised_loss(noisy, ndi.gaussian_filter, stride=stride, approximate=approximate,
                                        denoiser_kwargs=params)
        assert ours == pytest.approx(loss, rel=1e-10)


# --------------------------------------------------------------------------------------------------------------
# The paper's claim: the self-supervised loss has the argmin of the ground-truth loss


@pytest.mark.parametrize(
    ("denoiser", "grid", "size", "best"),
    [
        (gaussian, {"sigma": [0.5, 1.0, 1.5, 2.0, 3.0]}, 256, {"sigma": 1.0}),
        (n2s.median, {"radius": [1, 2, 3]}, 128, {"radius": 2}),
    ],
    ids=["gaussian", "median"],
)
def test_self_supervised_argmin_is_the_ground_truth_argmin(camera, denoiser, grid, size, best):
    clean = n2s.crop_center(camera, size)
    noisy = n2s.add_noise(clean, sigma=0.1, rng=3, clip=False)
    result = calibrate_denoiser(noisy, denoiser, grid, clean=clean)
    assert int(np.argmin(result.losses)) == int(np.argmin(result.ground_truth_losses))
    assert result.best_parameters == best
    # and the curves are offset by the measured noise variance (paper §1): the cross term's standard error is
    # about 2 * sqrt(0.004 * 0.01 / size**2) <= 1e-4 = 1 % of the variance; allow 3 %.
    offsets = np.subtract(result.losses, result.ground_truth_losses)
    np.testing.assert_allclose(offsets, n2s.ground_truth_loss(clean, noisy), rtol=0.03)


# --------------------------------------------------------------------------------------------------------------
# Mixing with the noisy input (paper §4.2)


def test_mixing_weight_formula():
    assert mixing_weight(0.01, 0.02) == pytest.approx(0.5)
    assert mixing_weight(0.01, 0.0125) == pytest.approx(0.8)
    assert mixing_weight(0.0, 0.02) == 0.0
    assert mixing_weight(0.03, 0.02) == 1.0  # an estimate above the loss is capped: never extrapolate


@pytest.mark.parametrize(("variance", "error"), [(0.01, 0.002), (0.01, 0.02), (0.04, 0.01)])
def test_mixing_with_the_optimal_weight_beats_both_inputs_in_expectation(variance, error):
    # Synthetic J-invariant set-up: the denoiser's error is independent of the noise, as paper §4.2 assumes.
    rng = np.random.default_rng(0)
    n = 200_000
    clean = rng.random(n)
    noisy = clean + rng.normal(0, np.sqrt(variance), n)
    denoised = clean + rng.normal(0, np.sqrt(error), n)
    weight = mixing_weight(variance, np.mean((denoised - noisy) ** 2))
    mixed = mix(noisy, denoised, weight=weight)
    mse_mixed = np.mean((mixed - clean) ** 2)
    assert mse_mixed <= min(np.mean((denoised - clean) ** 2), np.mean((noisy - clean) ** 2))
    assert mse_mixed == pytest.approx(error * variance / (error + variance), rel=0.02)
    # and it is the best weight on a fine grid, up to the grid step
    weights = np.linspace(0, 1, 101)
    errors = [np.mean((w * denoised + (1 - w) * noisy - clean) ** 2) for w in weights]
    assert abs(weights[int(np.argmin(errors))] - weight) <= 0.01


def test_mixing_a_calibrated_invariant_denoiser_helps_on_the_camera(camera_256):
    clean = camera_256
    noisy = n2s.add_noise(clean, sigma=0.1, rng=1, clip=False)
    result = calibrate_denoiser(noisy, gaussian, {"sigma": [0.5, 1.0, 2.0]})
    invariant = result.invariant_denoiser(noisy)
    weight = mixing_weight(n2s.estimate_noise_variance(noisy), result.best_loss)
    assert 0.5 < weight < 1
    assert n2s.psnr(clean, mix(noisy, invariant, weight=weight)) > n2s.psnr(clean, invariant)


@pytest.mark.parametrize(("variance", "loss", "match"), [(0.01, 0.0, r"loss=0.0"), (0.01, -1.0, r"loss=-1.0"),
                                                         (-0.01, 0.02, r"noise_variance=-0.01")])
def test_mixing_weight_bad_input(variance, loss, match):
    with pytest.raises(ValueError, match=r"need loss > 0 and noise_variance >= 0, got .*" + match):
        mixing_weight(variance, loss)


@pytest.mark.parametrize(("variance", "loss"), [(np.nan, 0.01), (0.01, np.nan)])
def test_mixing_weight_refuses_nan(variance, loss):
    with pytest.raises(ValueError, match="nan"):
        mixing_weight(variance, loss)


def test_mix_formula_and_end_points():
    noisy, denoised = np.full(4, 0.2), np.full(4, 0.6)
    np.testing.assert_allclose(mix(noisy, denoised, weight=0.75), 0.5)
    np.testing.assert_array_equal(mix(noisy, denoised, weight=1), denoised)
    np.testing.assert_array_equal(mix(noisy, denoised, weight=0), noisy)


def test_mix_bad_input():
    with pytest.raises(ValueError, match=r"weight must be in \[0, 1\], got 1.5"):
        mix(np.zeros(3), np.zeros(3), weight=1.5)
    with pytest.raises(ValueError, match=r"noisy and denoised must have the same shape, got \(3,\) and \(4,\)"):
        mix(np.zeros(3), np.zeros(4), weight=0.5)


def test_estimate_noise_variance(camera_256, rgb_48):
    noisy = n2s.add_noise(camera_256, sigma=0.1, rng=2, clip=False)
    assert n2s.estimate_noise_variance(noisy) == pytest.approx(0.01, rel=0.15)
    rgb = n2s.add_noise(n2s.load_image("astronaut", size=128), sigma=0.05, rng=2, clip=False)
    assert n2s.estimate_noise_variance(rgb, channel_axis=-1) == pytest.approx(0.0025, rel=0.25)


# --------------------------------------------------------------------------------------------------------------
# expand_grid


def test_expand_grid_dict_gives_every_combination_in_order():
    assert expand_grid({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]
    assert expand_grid({"h": np.array([0.1, 0.2])}) == [{"h": 0.1}, {"h": 0.2}]
    assert expand_grid({"a": range(3)}) == [{"a": 0}, {"a": 1}, {"a": 2}]


def test_expand_grid_list_of_dicts_is_copied():
    grid = [{"a": 1}, {"a": 2, "b": 3}]
    settings = expand_grid(grid)
    assert settings == grid
    settings[0]["a"] = 99
    assert grid[0]["a"] == 1


@pytest.mark.parametrize(("grid", "error", "match"), [
    ([], ValueError, r"parameter_grid is empty"),
    ({"sigma": []}, ValueError, r"parameter_grid is empty"),
    ({"mode": "hard"}, TypeError, r"parameter_grid\['mode'\] must be a list of values, got 'hard'"),
    ({"sigma": 0.1}, TypeError, r"parameter_grid\['sigma'\] must be a list of values, got 0.1"),
])
def test_expand_grid_bad_input(grid, error, match):
    with pytest.raises(error, match=match):
        expand_grid(grid)
    with pytest.raises(error, match=match):
        calibrate_denoiser(np.zeros((8, 8)), gaussian, grid)


# --------------------------------------------------------------------------------------------------------------
# Hygiene


def test_inputs_are_not_mutated(noisy_128):
    clean, noisy = (np.array(a) for a in noisy_128)
    grid = {"sigma": [1.0, 2.0]}
    copies = clean.copy(), noisy.copy()
    for a in (clean, noisy):
        a.setflags(write=False)
    result = calibrate_denoiser(noisy, gaussian, grid, clean=clean)
    calibrate_denoiser(noisy, gaussian, grid, approximate=True)
    result.invariant_denoiser(noisy)
    result.denoiser(noisy)
    n2s.estimate_noise_variance(noisy)
    mix(noisy, clean, weight=0.5)
    np.testing.assert_array_equal(clean, copies[0])
    np.testing.assert_array_equal(noisy, copies[1])
    assert grid == {"sigma": [1.0, 2.0]}


def test_calibrate_bad_input():
    with pytest.raises(ValueError, match=r"noisy and clean must have the same shape, got \(8, 8\) and \(8, 9\)"):
        calibrate_denoiser(np.zeros((8, 8)), gaussian, {"sigma": [1.0]}, clean=np.zeros((8, 9)))
    with pytest.raises(ValueError, match=r"noisy contains 1 NaN or inf"):
        calibrate_denoiser(np.array([[np.nan, 0], [0, 0]]), gaussian, {"sigma": [1.0]}, stride=2)
    with pytest.raises(TypeError, match=r"denoiser must be a callable"):
        calibrate_denoiser(np.zeros((8, 8)), None, {"sigma": [1.0]})
    with pytest.raises(ValueError, match=r"stride must be an int >= 2, got 1"):
        calibrate_denoiser(np.zeros((8, 8)), gaussian, {"sigma": [1.0]}, stride=1)


def test_calibration_on_a_random_partition_matches_its_invariant_denoiser(noisy_128):
    clean, noisy = noisy_128
    labels = n2s.random_labels(noisy.shape, n_subsets=9, rng=0)
    result = calibrate_denoiser(noisy, gaussian, {"sigma": [0.5, 1.5]}, labels=labels, clean=clean)
    denoised = result.invariant_denoiser(noisy)
    assert np.isclose(result.best_loss, np.mean((denoised - noisy) ** 2))
    assert result.to_dict()["partition"] == "labels (9 subsets)"
    direct = n2s.self_supervised_loss(noisy, gaussian, labels=labels, denoiser_kwargs=result.best_parameters)
    assert np.isclose(direct, result.best_loss)


# --------------------------------------------------------------------------------------------------------------
# Denoisers J-invariant by construction, and grids that stop too early


def test_an_invariant_denoiser_is_scored_as_it_is_once_per_setting(noisy_128):
    clean, noisy = noisy_128
    counting = CountingDenoiser(n2s.donut_median)
    result = calibrate_denoiser(noisy, counting, {"radius": [1, 2, 3]}, clean=clean, invariant=True)
    assert len(counting.calls) == 3 and result.invariant_by_construction and not result.approximate
    for radius, loss, truth in zip((1, 2, 3), result.losses, result.ground_truth_losses, strict=True):
        out = n2s.donut_median(noisy, radius)
        assert loss == n2s.ground_truth_loss(noisy, out) and truth == n2s.ground_truth_loss(clean, out)
    np.testing.assert_array_equal(result.invariant_denoiser(noisy), n2s.donut_median(noisy, result.best_index + 1))
    assert result.to_dict()["invariant_by_construction"] is True


def test_a_best_setting_on_the_edge_of_a_sweep_warns_and_is_flagged(noisy_128):
    _, noisy = noisy_128
    with pytest.warns(UserWarning, match=r"best setting \{'sigma': 0.4\} .* lies on the edge of its grid"):
        low = calibrate_denoiser(noisy, gaussian, {"sigma": [0.3, 0.4]})  # the loss still falls past 0.4
    assert low.best_on_edge and low.to_dict()["best_on_edge"] is True
    interior = calibrate_denoiser(noisy, gaussian, {"sigma": [0.3, 1.0, 8.0]})
    assert interior.best_parameters == {"sigma": 1.0} and not interior.best_on_edge
    # Nothing swept, two parameters swept, or a swept name: no edge to speak of.
    assert not calibrate_denoiser(noisy, gaussian, {"sigma": [1.0]}).best_on_edge
    two = calibrate_denoiser(noisy, lambda image, sigma, order: gaussian(image, sigma),
                             [{"sigma": 0.5, "order": 0}, {"sigma": 1.0, "order": 1}], approximate=True)
    assert not two.best_on_edge
