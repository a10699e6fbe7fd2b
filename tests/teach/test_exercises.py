"""teach.exercises.reveal: a prediction beside the measurement, never a verdict on a missing one."""

import pytest

from n2s_core.teach.exercises import reveal


def test_a_close_number_and_a_far_one(capsys):
    assert "Close" in reveal(0.011, 0.0114, what="the loss", tolerance=0.001)
    assert "Not close" in reveal(0.02, 0.0114, what="the loss", tolerance=0.001)
    assert capsys.readouterr().out.count("the loss: you predicted") == 2


def test_without_tolerance_only_equal_counts():
    assert "Not close" in reveal(2.9, 3, what="the radius")
    assert "Close" in reveal("nl_means", "nl_means", what="the winner")
    assert "Not close" in reveal(True, 1, what="a flag")  # a bool is no number here


def test_no_prediction_is_not_judged():
    line = reveal(None, 3, what="the radius")
    assert "No prediction written" in line and "Close" not in line and "Not close" not in line


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="what must name"):
        reveal(1, 1, what="")
    with pytest.raises(ValueError, match="tolerance must be >= 0, got -1"):
        reveal(1, 1, what="x", tolerance=-1)
