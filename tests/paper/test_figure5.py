"""Tests of n2s_core.paper.figure5: the alphabet's Bayes denoiser, its J-invariant version, and the Gaussian beside it.

The claims: the J-invariant denoiser's output on J never depends on the input on J; the posterior weights sum to 1;
at tiny noise the Bayes denoiser returns the right template; J-invariance never helps (within noise); and the Bayes
denoiser beats the best linear one. The templates are a substitute: 30 Hanzi glyphs at 16x16, not MNIST digits.
"""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pytest

from n2s_core.data.hanzi import load_glyphs
from n2s_core.paper import figure5 as f5
from n2s_core.paper.gaussian_process import direct_mse, linear_mse
from n2s_core.partitions import random_labels

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def templates():
    return f5.load_templates(30)[1]


def test_the_templates_are_30_glyphs_reduced_by_local_means(templates):
    characters, again = f5.load_templates(30)
    assert len(characters) == len(set(characters)) == 30 and templates.shape == (30, 16, 16)
    np.testing.assert_array_equal(templates, again)  # deterministic
    glyphs = load_glyphs(30, rng=0)[1]
    assert templates[4, 2, 3] == pytest.approx(glyphs[4, 8:12, 12:16].mean())
    assert 0 <= templates.min() and templates.max() <= 1
    assert "not MNIST digits" in f5.substitute_label(30)


def test_posterior_weights_sum_to_one_and_favour_the_true_template(templates):
    rng = np.random.default_rng(0)
    noisy = templates[[3, 7]] + 0.6 * rng.standard_normal((2, 16, 16))
    weights = f5.posterior_weights(noisy, templates, 0.6)
    assert weights.shape == (2, 30) and np.all(weights >= 0)
    np.testing.assert_allclose(weights.sum(axis=1), 1, rtol=1e-12)
    assert weights.argmax(axis=1).tolist() == [3, 7]


def test_at_tiny_noise_both_denoisers_return_the_right_template(templates):
    noisy = templates[11] + 0.01 * np.random.default_rng(2).standard_normal((16, 16))
    labels = random_labels((16, 16), n_subsets=100, rng=0)
    np.testing.assert_allclose(f5.bayes_denoise(noisy, templates, 0.01), templates[11], atol=1e-12)
    np.testing.assert_allclose(f5.bayes_denoise_invariant(noisy, templates, 0.01, labels=labels), templates[11],
                               atol=1e-12)


def test_the_j_invariant_denoiser_never_reads_the_subset_it_predicts(templates):
    rng = np.random.default_rng(3)
    labels = random_labels((16, 16), n_subsets=100, rng=1)
    noisy = templates[5] + 1.4 * rng.standard_normal((16, 16))
    out = f5.bayes_denoise_invariant(noisy, templates, 1.4, labels=labels)
    varying = [k for k in range(100) if templates[:, labels == k].std(axis=0).sum() > 0.3]  # the templates differ
    for k in (0, 99, *varying[:3]):  # (subsets in the all-black border carry no information about the template)
        subset = labels == k
        bumped = noisy.copy()
        bumped[subset] += 20 + 5 * rng.standard_normal(subset.sum())
        again = f5.bayes_denoise_invariant(bumped, templates, 1.4, labels=labels)
        np.testing.assert_allclose(again[subset], out[subset], rtol=1e-12, atol=1e-15)  # unchanged on J
        if k in varying:  # ... but it does read J for the other pixels
            assert np.abs(again[~subset] - out[~subset]).max() > 1e-3


def test_the_j_invariant_denoiser_is_the_bayes_denoiser_on_the_other_pixels(templates):
    labels = random_labels((16, 16), n_subsets=100, rng=4)
    noisy = templates[0] + 1.1 * np.random.default_rng(5).standard_normal((16, 16))
    out = f5.bayes_denoise_invariant(noisy[None], templates, 1.1, labels=labels)[0]
    for k in (3, 77):
        rest = labels != k
        weights = f5.posterior_weights(noisy[rest].reshape(1, -1, 1), templates[:, rest].reshape(30, -1, 1), 1.1)
        np.testing.assert_allclose(out[labels == k], weights[0] @ templates[:, labels == k], rtol=1e-10)


def test_gp_mse_is_the_recipes_leave_one_pixel_out_formula(templates):
    cov = np.cov(templates.reshape(30, -1), rowvar=False)
    optimal, j_invariant = f5.gp_mse(templates, [0.5, 1.0])
    per_pixel = linear_mse(cov, [0.5, 1.0])
    np.testing.assert_allclose([optimal, j_invariant], [p.mean(axis=0) for p in per_pixel], rtol=1e-12)
    for index in np.flatnonzero(np.diag(cov) > 0.05)[::10]:  # pixels that vary, checked against the direct formula
        np.testing.assert_allclose([per_pixel[0][index, 1], per_pixel[1][index, 1]], direct_mse(cov, 1.0, index=index),
                                   rtol=1e-8)


def test_j_invariance_never_helps_and_the_bayes_denoiser_beats_the_linear_one(templates):
    curves = f5.figure5_curves(templates, [0.5, 0.8, 1.2], n_samples=300, rng=0)
    for i in range(3):
        difference = curves["difference"][i]
        assert difference["mse"] > -3 * difference["se"]  # J-invariant minus Bayes, paired per sample
        assert curves["bayes"][i]["mse"] <= curves["j_invariant"][i]["mse"] + 3 * difference["se"]
        assert curves["gp_j_invariant"][i] > curves["gp"][i] > curves["j_invariant"][i]["mse"]
    assert curves["j_invariant"][2]["mse"] > curves["j_invariant"][1]["mse"] > curves["j_invariant"][0]["mse"]
    json.dumps(curves)


def test_errors_name_the_bad_value(templates):
    with pytest.raises(ValueError, match=r"sigma must be > 0, got -1"):
        f5.bayes_denoise(templates[0], templates, -1)
    with pytest.raises(ValueError, match=r"must match templates .* got \(8, 8\) and \(30, 16, 16\)"):
        f5.bayes_denoise(np.zeros((8, 8)), templates, 0.5)
    with pytest.raises(ValueError, match=r"labels must have the templates' shape \(16, 16\), got \(4, 4\)"):
        f5.bayes_denoise_invariant(templates[0], templates, 0.5, labels=np.zeros((4, 4), int))
    with pytest.raises(ValueError, match=r"n_templates must be an int >= 2, got 1 \(a covariance needs two\)"):
        f5.load_templates(1)
    with pytest.raises(ValueError, match=r"size must divide the glyphs' side 64 .* got 15"):
        f5.load_templates(3, size=15)
    with pytest.raises(ValueError, match=r"n_samples must be an int >= 2, got 1"):
        f5.figure5_curves(templates, [0.5], n_samples=1)


def test_reproduce_figure5_writes_every_file_and_names_the_substitute(tmp_path):
    result = f5.reproduce_figure5(tmp_path, quick=True, n_templates=10)
    assert {p.name for p in tmp_path.iterdir()} == {"figure5.png", "figure5.csv", "figure5.md", "figure5.json"}
    saved = json.loads((tmp_path / "figure5.json").read_text())
    assert saved["n_templates"] == 10 and len(saved["characters"]) == 10 and saved["meta"]["quick"] is True
    assert saved["sigmas"] == pytest.approx(np.arange(0.1, 1.5, 0.1)) and saved["gp"] == result["gp"]
    assert "substitute: 10 Hanzi glyphs at 16x16, not MNIST digits" in (tmp_path / "figure5.md").read_text()
    assert (tmp_path / "figure5.csv").read_text().splitlines()[0].startswith("sigma,bayes_mse,bayes_se")
