"""Combine J-invariant denoisers with weights chosen by the self-supervised loss, and check them on held-out pixels.

Proposition 1 (paper §1) holds for *any* J-invariant function. If ``f_1 .. f_K`` are J-invariant on one partition
J, so is ``g = w_1 f_1 + ... + w_K f_K`` for fixed weights: on a subset J, g is a fixed sum of values that never read
the input on J. So ``||g(x) - x||^2`` is the error against the clean image plus the noise variance, and the weights
that minimise it are an ordinary least-squares fit of the noisy image on the K outputs, with no clean image.

The noisy image itself may join the sum, as in the paper's mixing (§3). It is not J-invariant: its residual shares
the noise, so its loss understates the error by ``2 w_x sigma^2`` (``w_x`` its weight). The fit therefore
minimises ``||g - x||^2 / n + 2 w_x sigma^2``, with ``sigma^2`` estimated from the image as mixing does.

Fitting the weights on the very pixels that score them is a small cheat: the weights then depend a little on each
pixel's noise. So the weights are *cross-fitted*: the grid's subsets fall into ``folds`` groups, and the pixels of
each group are scored with weights fitted on the other groups only. That held-out loss, not the fitted one, is what
may be set against each candidate's own loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._checks import as_float_image, check_same_shape, spatial_shape
from .partitions import grid_labels

NOISY = "noisy"  # the name the noisy input takes among the combined columns


@dataclass
class Combination:
    """Weights fitted by the self-supervised loss, with the losses that judge them (all per pixel).

    ``held_out_loss`` is cross-fitted (see the module's docstring) and, like ``fitted_loss``, includes the noisy
    column's ``2 w_x sigma^2``; ``candidate_losses`` are each output's own loss, weight 1, nothing fitted.
    ``held_out_se`` is the standard error of the held-out loss minus the best candidate's, pixels taken as
    independent.
    """

    names: list[str]
    weights: dict[str, float]
    held_out_loss: float
    fitted_loss: float
    candidate_losses: dict[str, float]
    best_candidate: str
    held_out_se: float
    noise_variance: float | None
    folds: int
    fold_weights: list[dict[str, float]] = field(default_factory=list)

    @property
    def gain(self) -> float:
        """How far the held-out loss lies below the best candidate's (positive: the combination is better)."""
        return self.candidate_losses[self.best_candidate] - self.held_out_loss


def fit_combination(noisy, outputs: dict, *, noise_variance: float | None = None, stride: int = 4,
                    folds: int = 4, channel_axis: int | None = None, pixels=None) -> Combination:
    """Fit the weights of ``sum_k w_k outputs[k]`` (plus ``w_x noisy`` when ``noise_variance`` is given).

    Parameters
    ----------
    noisy : ndarray
        The noisy image the outputs were computed from.
    outputs : dict of str to ndarray
        J-invariant outputs on the stride-``stride`` grid of subsets (:func:`~n2s_core.denoise_invariant`), each of
        ``noisy``'s shape. Plain outputs would give a loss that no longer estimates the error.
    noise_variance : float, optional
        Given: the noisy image joins the sum, and its weight pays ``2 w_x noise_variance`` (use
        :func:`~n2s_core.estimate_noise_variance`). None: the J-invariant outputs alone.
    folds : int
        Groups of grid subsets for cross-fitting (subset ``k`` goes to group ``k % folds``); 2 to ``stride**2``.
    pixels : ndarray of bool, optional
        Fit and score these pixels only (``noisy``'s shape), e.g. where every output is defined (an output scored
        on a few subsets holds NaN elsewhere). Default: every pixel.
    """
    noisy = as_float_image(noisy, name="noisy").astype(np.float64)
    if not outputs:
        raise ValueError("outputs is empty: give at least one J-invariant output to combine")
    if noise_variance is not None and not (np.isfinite(noise_variance) and noise_variance >= 0):
        raise ValueError(f"noise_variance must be a number >= 0 (or None), got {noise_variance!r}")
    names = list(outputs)
    if NOISY in names:
        raise ValueError(f"{NOISY!r} is the name of the noisy column; give the outputs other names")
    columns = []
    for name in names:
        column = np.asarray(outputs[name], dtype=np.float64)  # may hold NaN off ``pixels``: checked below
        check_same_shape(noisy, column, names=("noisy", name))
        columns.append(column.ravel())
    if noise_variance is not None:
        names.append(NOISY)
        columns.append(noisy.ravel())
    labels = grid_labels(spatial_shape(noisy, channel_axis), stride=stride)
    if not 2 <= folds <= labels.max() + 1:
        raise ValueError(f"folds must be between 2 and {labels.max() + 1} (the grid's subsets), got {folds!r}")
    if channel_axis is not None:  # every channel of a pixel in the pixel's group
        labels = np.expand_dims(labels, channel_axis % noisy.ndim)
    group = np.broadcast_to(labels % folds, noisy.shape).ravel()
    design, target = np.stack(columns, axis=1), noisy.ravel()
    if pixels is not None:
        keep = np.broadcast_to(np.asarray(pixels, dtype=bool), noisy.shape).ravel()
        design, target, group = design[keep], target[keep], group[keep]
    if not np.isfinite(design).all():
        raise ValueError("an output holds NaN or infinite values on the pixels fitted; pass pixels= to leave them "
                         "out (where every output is defined)")
    if len(set(group.tolist())) < folds:
        raise ValueError(f"the pixels fitted lie in fewer than {folds} of the cross-fitting groups; give more pixels "
                         "or fewer folds")
    penalty = np.zeros(len(names))
    if noise_variance is not None:
        penalty[-1] = 2 * noise_variance  # d/dw_x of 2 w_x sigma^2: the noisy column's share of the noise

    def fit(rows) -> np.ndarray:
        a, x = design[rows], target[rows]
        return _solve(a.T @ a / len(x), a.T @ x / len(x) - penalty / 2)

    def per_pixel(weights, rows) -> np.ndarray:
        return (design[rows] @ weights - target[rows]) ** 2 + penalty @ weights

    everything = np.ones(target.size, dtype=bool)
    weights = fit(everything)
    held_out, fold_weights = np.empty(target.size), []
    for k in range(folds):
        rows = group == k
        fold = fit(~rows)
        fold_weights.append(dict(zip(names, map(float, fold), strict=True)))
        held_out[rows] = per_pixel(fold, rows)
    own = {name: (design[:, i] - target) ** 2 for i, name in enumerate(names) if name != NOISY}
    best = min(own, key=lambda name: own[name].mean())
    difference = held_out - own[best]
    return Combination(names=names, weights=dict(zip(names, map(float, weights), strict=True)),
                       held_out_loss=float(held_out.mean()), fitted_loss=float(per_pixel(weights, everything).mean()),
                       candidate_losses={name: float(loss.mean()) for name, loss in own.items()},
                       best_candidate=best, held_out_se=float(difference.std(ddof=1) / np.sqrt(difference.size)),
                       noise_variance=noise_variance, folds=folds, fold_weights=fold_weights)


def combine(outputs: dict, weights: dict, noisy=None) -> np.ndarray:
    """``sum_k weights[k] * outputs[k]``, plus ``weights["noisy"] * noisy`` when the noisy image was a column.

    The same weights may be applied to the plain outputs; the result is then no longer J-invariant.
    """
    missing = [name for name in weights if name != NOISY and name not in outputs]
    if missing:
        raise ValueError(f"no output named {', '.join(map(repr, missing))}; outputs has {', '.join(outputs)}")
    if NOISY in weights and noisy is None:
        raise ValueError("these weights include the noisy image: pass noisy=")
    total = sum(weight * np.asarray(outputs[name], dtype=np.float64) for name, weight in weights.items()
                if name != NOISY)
    if NOISY in weights:
        total = total + weights[NOISY] * np.asarray(noisy, dtype=np.float64)
    return total


def _solve(gram: np.ndarray, moment: np.ndarray) -> np.ndarray:
    """The weights of the normal equations; nearly collinear outputs (two alike denoisers) get a tiny ridge."""
    ridge = 1e-9 * np.trace(gram) / len(gram)
    return np.linalg.solve(gram + ridge * np.eye(len(gram)), moment)
