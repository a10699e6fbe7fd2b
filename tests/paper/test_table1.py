"""Tests of n2s_core.paper.table1: the rows of the paper's Table 1 as numbers, beside the paper's own."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import n2s_core as n2s
from n2s_core.paper.table1 import AUTHORS_TABLE1, METHODS, PAPER_TABLE1, table1, table1_row


@pytest.fixture
def no_bm3d(monkeypatch):
    monkeypatch.setitem(sys.modules, "bm3d", None)


def test_paper_numbers_are_kept():
    assert set(PAPER_TABLE1) == set(AUTHORS_TABLE1) == {"donut_median", "wavelet", "nl_means"}  # median = donut
    assert PAPER_TABLE1["donut_median"] == {"loss": 0.0107, "psnr_invariant": 27.5, "psnr_mixed": 28.2,
                                            "psnr_default": 27.1}
    assert PAPER_TABLE1["nl_means"]["psnr_mixed"] == 30.8 and PAPER_TABLE1["wavelet"]["loss"] == 0.0113
    # The authors' notebook rounds to the paper's numbers: its losses and best-over-grid PSNRs.
    for name, authors in AUTHORS_TABLE1.items():
        assert round(authors["loss"], 4) == PAPER_TABLE1[name]["loss"]
        assert round(authors["psnr_invariant_best"], 1) == PAPER_TABLE1[name]["psnr_invariant"]
    assert round(AUTHORS_TABLE1["nl_means"]["psnr_default"], 1) == PAPER_TABLE1["nl_means"]["psnr_default"]
    assert METHODS[:3] == ("donut_median", "wavelet", "nl_means")


def test_the_donut_row_scores_the_donut_median_itself(small_pair):
    clean, noisy = small_pair
    row = table1_row(noisy, clean, "donut_median", grid={"radius": [1, 2, 3]})
    losses = [n2s.ground_truth_loss(noisy, n2s.donut_median(noisy, r)) for r in (1, 2, 3)]
    np.testing.assert_allclose(row["calibration"]["self_supervised_losses"], losses, rtol=1e-12)
    best = row["calibration"]["best_parameters"]["radius"]
    assert row["psnr_invariant"] == pytest.approx(n2s.psnr(clean, n2s.donut_median(noisy, best)))
    assert row["psnr_default"] == pytest.approx(n2s.psnr(clean, n2s.median(noisy, 1, footprint="square")))
    assert row["calibration"]["invariant_by_construction"] is True
    # the "classic" curves are the plain median's, over the same radii
    plain = [n2s.ground_truth_loss(noisy, n2s.median(noisy, r)) for r in (1, 2, 3)]
    np.testing.assert_allclose(row["classic"]["self_supervised"], plain, rtol=1e-12)


def test_table1_row_numbers_are_consistent(small_pair):
    clean, noisy = small_pair
    grid = {"radius": [1, 2, 3]}
    row = table1_row(noisy, clean, "median", grid=grid)
    assert row["method"] == "median" and row["label"] == "median (grid J-invariant)"
    calibration = row["calibration"]
    json.dumps(row)
    assert calibration["parameters"] == [{"radius": r} for r in grid["radius"]]
    # calibrated by the self-supervised loss (the clean image never steers the choice, it is only recorded)
    assert row["min_loss"] == pytest.approx(min(calibration["self_supervised_losses"]))
    best = calibration["best_parameters"]
    assert best == calibration["parameters"][int(np.argmin(calibration["self_supervised_losses"]))]
    truth = [n2s.ground_truth_loss(clean, n2s.denoise_invariant(noisy, n2s.median, denoiser_kwargs=p))
             for p in calibration["parameters"]]
    np.testing.assert_allclose(calibration["ground_truth_losses"], truth, rtol=1e-12)
    assert row["best_parameters_ground_truth"] == calibration["parameters"][int(np.argmin(truth))]
    invariant = n2s.denoise_invariant(noisy, n2s.median, denoiser_kwargs=best)
    assert row["psnr_invariant"] == pytest.approx(n2s.psnr(clean, invariant))
    assert row["psnr_plain_calibrated"] == pytest.approx(n2s.psnr(clean, n2s.median(noisy, **best)))
    assert row["psnr_default"] == pytest.approx(n2s.psnr(clean, n2s.median(noisy, 1, footprint="square")))
    assert row["psnr_invariant_best"] == pytest.approx(max(n2s.psnr(clean, n2s.denoise_invariant(
        noisy, n2s.median, denoiser_kwargs=p)) for p in calibration["parameters"]))
    # mixing twice: by the estimated variance (blind) and by the true one (the authors' oracle)
    assert row["noise_variance_used"] == pytest.approx(n2s.estimate_noise_variance(noisy))
    assert row["noise_variance_true"] == pytest.approx(n2s.ground_truth_loss(clean, noisy))
    assert row["mixing_weight"] == pytest.approx(n2s.mixing_weight(row["noise_variance_used"], row["min_loss"]))
    assert row["mixing_weight_oracle"] == pytest.approx(n2s.mixing_weight(row["noise_variance_true"], row["min_loss"]))
    mixed = n2s.mix(noisy, invariant, weight=row["mixing_weight"])
    assert row["psnr_mixed"] == pytest.approx(n2s.psnr(clean, mixed))
    oracle = n2s.mix(noisy, invariant, weight=row["mixing_weight_oracle"])
    assert row["psnr_mixed_oracle"] == pytest.approx(n2s.psnr(clean, oracle))
    assert row["psnr_library_default"] is None and "3x3" in row["default_rule"]
    # paper §4.2: mixing the noisy input back in helps a J-invariant median (+0.7 dB in the paper's Table 1)
    assert row["psnr_mixed"] > row["psnr_invariant"] > n2s.psnr(clean, noisy)


def test_table1_row_uses_a_given_noise_variance(small_pair):
    clean, noisy = small_pair
    row = table1_row(noisy, clean, "tv", grid={"weight": [0.05, 0.1]}, noise_variance=0.004)
    assert row["noise_variance_used"] == 0.004
    assert row["mixing_weight"] == pytest.approx(0.004 / row["min_loss"])


def test_table1_without_bm3d_lists_the_other_methods(no_bm3d, small_pair):
    clean, noisy = (a[:48, :48] for a in small_pair)
    grids = {"donut_median": {"radius": [1, 2]}, "median": {"radius": [1, 2]}, "wavelet": {"sigma": [0.1]},
             "nl_means": {"h": [0.08]}, "tv": {"weight": [0.1]}}
    result = table1(noisy, clean, grids=grids, progress=False)
    assert result["bm3d_available"] is False
    assert [row["method"] for row in result["rows"]] == ["donut_median", "wavelet", "nl_means", "median", "tv"]
    assert [row["paper"] for row in result["rows"]] == [PAPER_TABLE1["donut_median"], PAPER_TABLE1["wavelet"],
                                                         PAPER_TABLE1["nl_means"], None, None]
    nlm = result["rows"][2]
    assert nlm["default_parameters"]["patch_distance"] == 6 and nlm["psnr_library_default"] is not None
    assert result["psnr_noisy"] == pytest.approx(n2s.psnr(clean, noisy))
    assert result["noise_variance_measured"] == pytest.approx(n2s.ground_truth_loss(clean, noisy))
    assert result["noise_variance_estimated"] == pytest.approx(n2s.estimate_noise_variance(noisy))
    json.dumps(result)


def test_table1_with_explicit_methods(small_pair):
    clean, noisy = (a[:32, :32] for a in small_pair)
    result = table1(noisy, clean, methods=["tv"], grids={"tv": {"weight": [0.1]}}, progress=False)
    assert [row["method"] for row in result["rows"]] == ["tv"]


def test_unknown_method_raises(small_pair):
    clean, noisy = small_pair
    with pytest.raises(ValueError, match=r"unknown method 'bilateral'"):
        table1_row(noisy, clean, "bilateral")


def test_table1_row_does_not_mutate_inputs(small_pair):
    clean, noisy = (np.array(a) for a in small_pair)
    copies = clean.copy(), noisy.copy()
    for a in (clean, noisy):
        a.setflags(write=False)
    grid = {"radius": [1, 2]}
    table1_row(noisy, clean, "median", grid=grid)
    np.testing.assert_array_equal(clean, copies[0])
    np.testing.assert_array_equal(noisy, copies[1])
    assert grid == {"radius": [1, 2]}
