"""Weights for a sum of J-invariant denoisers, fitted by the self-supervised loss and judged on held-out pixels."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage as ndi

import n2s_core as n2s
from n2s_core.combination import NOISY, combine, fit_combination


@pytest.fixture(scope="module")
def camera():
    clean, noisy = n2s.noisy_camera(sigma=0.1, size=64)
    outputs = {"gauss": n2s.denoise_invariant(noisy, ndi.gaussian_filter, denoiser_kwargs={"sigma": 1.0}),
               "median": n2s.denoise_invariant(noisy, ndi.median_filter, denoiser_kwargs={"size": 3})}
    return clean, noisy, outputs


def test_a_weighted_sum_of_j_invariant_outputs_is_j_invariant(camera):
    """Changing the noisy image on one grid subset J leaves the sum's values on J unchanged (paper §1)."""
    _, noisy, _ = camera
    labels = n2s.grid_labels(noisy.shape, stride=4)

    def summed(image):
        made = {"gauss": n2s.denoise_invariant(image, ndi.gaussian_filter, denoiser_kwargs={"sigma": 1.0}),
                "median": n2s.denoise_invariant(image, ndi.median_filter, denoiser_kwargs={"size": 3})}
        return combine(made, {"gauss": 0.7, "median": 0.4})

    changed = noisy.copy()
    changed[labels == 5] = np.random.default_rng(0).random(np.count_nonzero(labels == 5))
    np.testing.assert_allclose(summed(changed)[labels == 5], summed(noisy)[labels == 5])
    assert not np.allclose(summed(changed), summed(noisy))  # elsewhere it does read those pixels


def test_the_fitted_weights_minimise_the_loss_and_the_held_out_loss_is_not_lower(camera):
    _, noisy, outputs = camera
    fitted = fit_combination(noisy, outputs)
    best = n2s.mse(combine(outputs, fitted.weights), noisy)
    assert fitted.fitted_loss == pytest.approx(best, rel=1e-6)
    for nudge in ({"gauss": 0.02, "median": 0.0}, {"gauss": 0.0, "median": -0.02}):
        moved = {k: fitted.weights[k] + nudge[k] for k in outputs}
        assert n2s.mse(combine(outputs, moved), noisy) > best
    assert fitted.held_out_loss >= fitted.fitted_loss  # fitted on other pixels, it can only do worse on these
    assert fitted.candidate_losses == pytest.approx({k: n2s.mse(v, noisy) for k, v in outputs.items()})
    assert fitted.best_candidate == min(fitted.candidate_losses, key=fitted.candidate_losses.get)
    assert len(fitted.fold_weights) == fitted.folds == 4


def test_the_held_out_loss_still_estimates_the_error_plus_the_noise_variance(camera):
    """Proposition 1 for the sum: its loss minus its error against the clean image is about the noise variance, the
    same offset as for each candidate."""
    clean, noisy, outputs = camera
    fitted = fit_combination(noisy, outputs)
    offset = fitted.held_out_loss - n2s.mse(combine(outputs, fitted.weights), clean)
    singles = [fitted.candidate_losses[k] - n2s.mse(v, clean) for k, v in outputs.items()]
    assert offset == pytest.approx(np.mean(singles), rel=0.1)


def test_an_output_that_adds_nothing_gets_no_weight_and_the_combination_does_not_win():
    """Two copies of one output, one of them pure noise: the noise gets about no weight, and the cross-fitted loss
    cannot beat the good output by more than chance."""
    rng = np.random.default_rng(1)
    clean = ndi.gaussian_filter(rng.random((96, 96)), 3)
    noisy = clean + rng.normal(0, 0.1, clean.shape)
    good = n2s.denoise_invariant(noisy, ndi.gaussian_filter, denoiser_kwargs={"sigma": 2.0})
    fitted = fit_combination(noisy, {"good": good, "junk": rng.random(clean.shape)})
    assert abs(fitted.weights["junk"]) < 0.02
    assert fitted.gain < 2 * fitted.held_out_se  # no real gain: the selection's rule would keep "good"


def test_the_noisy_column_pays_for_the_noise_it_shares():
    """With the noisy image as a column the loss alone would put all weight on it (loss 0); the 2 w sigma^2 term
    gives the paper's mixing weight instead: lambda = sigma^2 / loss on the denoised output."""
    rng = np.random.default_rng(2)
    clean = ndi.gaussian_filter(rng.random((128, 128)), 2)
    noisy = clean + rng.normal(0, 0.1, clean.shape)
    smooth = n2s.denoise_invariant(noisy, ndi.gaussian_filter, denoiser_kwargs={"sigma": 1.5})
    fitted = fit_combination(noisy, {"smooth": smooth}, noise_variance=0.01)
    assert fitted.names == ["smooth", NOISY]
    assert fitted.weights[NOISY] < 0.5
    loss = n2s.mse(smooth, noisy)
    # the least-squares fit has the paper's optimum when the two columns' errors are uncorrelated
    assert fitted.weights["smooth"] == pytest.approx(n2s.mixing_weight(0.01, loss), abs=0.05)
    mixed = combine({"smooth": smooth}, fitted.weights, noisy)
    assert n2s.mse(mixed, clean) < n2s.mse(smooth, clean)


@settings(max_examples=25, deadline=None)
@given(st.floats(-2, 2), st.floats(-2, 2), st.integers(0, 2**16))
def test_exact_outputs_get_back_the_weights_that_made_the_image(a, b, seed):
    """If the noisy image is exactly a * f + b * g, least squares recovers a and b, in every fold."""
    rng = np.random.default_rng(seed)
    f, g = rng.random((16, 16)), rng.random((16, 16))
    fitted = fit_combination(a * f + b * g, {"f": f, "g": g})
    assert fitted.weights == pytest.approx({"f": a, "g": b}, abs=1e-6)
    for fold in fitted.fold_weights:
        assert fold == pytest.approx({"f": a, "g": b}, abs=1e-6)
    assert fitted.held_out_loss == pytest.approx(0, abs=1e-12)


def test_colour_images_keep_a_pixels_channels_in_one_fold():
    rng = np.random.default_rng(3)
    noisy = rng.random((32, 32, 3))
    fitted = fit_combination(noisy, {"blur": ndi.uniform_filter(noisy, (3, 3, 1))}, channel_axis=-1)
    assert set(fitted.weights) == {"blur"} and np.isfinite(fitted.held_out_loss)


@pytest.mark.parametrize(("outputs", "kwargs", "message"), [
    ({}, {}, "outputs is empty"),
    ({"a": np.zeros((8, 8))}, {"noise_variance": -1.0}, "noise_variance must be"),
    ({"noisy": np.zeros((8, 8))}, {}, "name of the noisy column"),
    ({"a": np.zeros((8, 9))}, {}, "shape"),
    ({"a": np.zeros((8, 8))}, {"folds": 1}, "folds must be between 2 and 16"),
])
def test_bad_input_is_refused_with_the_fix(outputs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit_combination(np.zeros((8, 8)), outputs, **kwargs)


def test_combine_names_what_is_missing():
    with pytest.raises(ValueError, match="no output named 'b'"):
        combine({"a": np.zeros(4)}, {"a": 1.0, "b": 1.0})
    with pytest.raises(ValueError, match="pass noisy="):
        combine({"a": np.zeros(4)}, {"a": 1.0, NOISY: 0.5})
