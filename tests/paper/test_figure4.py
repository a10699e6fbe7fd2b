"""Tests of n2s_core.paper.figure4: the price of J-invariance for a Gaussian process, in closed form.

The claims: the closed form matches the recipe's reference values; the FFT route (the precision matrix's diagonal)
equals the recipe's matrix formulas; the J-invariant predictor never reads its own pixel; Monte Carlo agrees with
the closed form; and the gap between the two curves shrinks as the length scale grows.
"""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pytest

from n2s_core.paper import figure4 as f4
from n2s_core.paper import gaussian_process as gp

matplotlib.use("Agg")


def _decimals(reference: float) -> int:
    """The references are printed to 3 decimals, some to 4 (0.0625): tolerate half a unit of the last one."""
    return max(3, len(repr(reference)) - 2)


def test_the_closed_form_matches_the_reference_values():
    for scale, references in f4.PAPER_FIGURE4.items():
        nearest = min(f4.LENGTH_SCALES, key=lambda v: abs(v - scale))
        assert abs(nearest - scale) < 0.01  # the references are at grid points of the curve, rounded
        for ours, reference in zip(gp.stationary_mse(nearest), references, strict=True):
            assert abs(ours - reference) <= 0.5 * 10.0 ** -_decimals(reference) + 1e-12, (scale, ours, reference)


def test_monte_carlo_agrees_with_the_closed_form_within_three_standard_errors():
    for scale in (0.75, 2.0, 3.27):
        measured = f4.monte_carlo_mse(scale, n_images=300, rng=0)
        expected = gp.stationary_mse(scale)
        for key, value in zip(("optimal", "j_invariant"), expected, strict=True):
            assert abs(measured[key] - value) < 3 * measured[f"{key}_se"], (scale, key, measured, value)


def test_the_gap_is_positive_and_shrinks_as_the_length_scale_grows():
    curve = f4.figure4_curve(direct=False)
    optimal, j_invariant = np.array(curve["optimal"]), np.array(curve["j_invariant"])
    gap = j_invariant - optimal
    assert np.all(gap > 0) and np.all(np.diff(gap) < 0) and np.all(np.diff(optimal) < 0)
    assert j_invariant[0] / optimal[0] > 3 and j_invariant[-1] / optimal[-1] < 1.1  # 0.549/0.172, 0.0227/0.0208
    json.dumps(curve)


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


def test_errors_name_the_bad_value():
    with pytest.raises(ValueError, match=r"n_images must be an int >= 2, got 1"):
        f4.monte_carlo_mse(1.0, n_images=1)
