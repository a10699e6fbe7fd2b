"""Predict, then run: the reveal that follows a student's written prediction.

A lesson asks for a prediction in a cell of its own (``prediction = None``, tagged ``predict``) before the cell that
computes the answer. That cell ends with :func:`reveal`, which sets the prediction beside the measurement. It never
judges a missing prediction as wrong and never stops the notebook: predicting is for thinking, not for grading.
"""

from __future__ import annotations

import numbers


def reveal(prediction, measured, *, what: str, tolerance: float | None = None) -> str:
    """Print (and return) one line setting ``prediction`` beside ``measured``.

    Parameters
    ----------
    prediction : object or None
        What the student wrote before running the cell; ``None`` means no prediction was written.
    measured : object
        What the cell computed.
    what : str
        What was predicted, in a few words ("the best radius").
    tolerance : float, optional
        For numbers: a prediction within ``tolerance`` of ``measured`` counts as close. Without it, numbers and
        other values count as close only when equal.

    Examples
    --------
    >>> line = reveal(3, 3, what="the best radius")
    the best radius: you predicted 3, the run gives 3. Close: your reasoning holds here.
    >>> line = reveal(None, 0.0098, what="the lowest loss")
    the lowest loss: the run gives 0.0098. (No prediction written: set `prediction` in the cell above first.)
    """
    if not what:
        raise ValueError("what must name what was predicted, e.g. what='the best radius'")
    if tolerance is not None and not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    if prediction is None:
        line = f"{what}: the run gives {measured}. (No prediction written: set `prediction` in the cell above first.)"
    else:
        close = _close(prediction, measured, tolerance)
        verdict = ("Close: your reasoning holds here." if close else
                   "Not close: find the step of your reasoning that the run contradicts.")
        line = f"{what}: you predicted {prediction}, the run gives {measured}. {verdict}"
    print(line)
    return line


def _close(prediction, measured, tolerance) -> bool:
    if isinstance(prediction, bool) != isinstance(measured, bool):  # True is no prediction of the number 1
        return False
    both_numbers = isinstance(prediction, numbers.Real) and isinstance(measured, numbers.Real)
    if both_numbers and not isinstance(prediction, bool):
        return abs(float(prediction) - float(measured)) <= (tolerance or 0)
    return prediction == measured
