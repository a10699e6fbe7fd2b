"""Calibration: choose a classical denoiser's parameters by the self-supervised loss, with no clean image.

For each parameter setting the J-invariant version of the denoiser is scored by ``||f(x) - x||^2`` (paper §3,
Table 1); the setting with the lowest loss wins. Optionally the calibrated output is mixed with the noisy input,
``lambda * f(x) + (1 - lambda) * x`` with ``lambda = noise variance / self-supervised loss`` (paper §4.2).
"""

from __future__ import annotations

import functools
import itertools
import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from .._checks import as_float_image, check_same_shape, check_stride, spatial_shape
from ..invariance import denoise_invariant, ground_truth_loss, self_supervised_loss


@dataclass(frozen=True)
class CalibrationResult:
    """What :func:`calibrate_denoiser` measured; ``losses[i]`` belongs to ``parameters[i]``."""

    function: Callable  # the denoiser that was calibrated
    parameters: list[dict]  # every setting tried, in order
    losses: list[float]  # self-supervised loss of the J-invariant denoiser, one per setting
    ground_truth_losses: list[float] | None  # MSE to the clean image, when one was given (teaching only)
    stride: int  # grid spacing used for J
    approximate: bool  # True when each loss scored one subset only
    channel_axis: int | None = None  # channel axis of the calibrated image
    interpolation: str = "axis"  # what replaced the held-out pixels
    labels: np.ndarray | None = None  # the partition, when not the grid
    invariant_by_construction: bool = False  # the denoiser was scored as it is (e.g. the donut median)

    @property
    def best_index(self) -> int:
        return int(np.argmin(self.losses))

    @property
    def best_parameters(self) -> dict:
        return self.parameters[self.best_index]

    @property
    def best_loss(self) -> float:
        return self.losses[self.best_index]

    @property
    def best_on_edge(self) -> bool:
        """True when one parameter was swept over numbers and the best setting is its smallest or largest value.

        The loss may then still fall beyond the grid: widen it in that direction before trusting the choice.
        """
        varying = _varying(self.parameters)
        if len(varying) != 1:
            return False
        values = [p[varying[0]] for p in self.parameters]
        if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
            return False
        return values[self.best_index] in (min(values), max(values))

    @property
    def denoiser(self) -> Callable:
        """The plain (not J-invariant) denoiser at the best parameters: ``image -> image``."""
        return functools.partial(self.function, **self.best_parameters)

    @property
    def invariant_denoiser(self) -> Callable:
        """The J-invariant denoiser at the best parameters, the one whose loss was measured."""
        if self.invariant_by_construction:
            return self.denoiser
        return functools.partial(denoise_invariant, denoiser=self.function, stride=self.stride,
                                 channel_axis=self.channel_axis, interpolation=self.interpolation,
                                 labels=self.labels, denoiser_kwargs=self.best_parameters)

    def to_dict(self) -> dict:
        """Plain-Python summary for JSON."""
        return {
            "denoiser": getattr(self.function, "__name__", repr(self.function)),
            "parameters": [_plain(p) for p in self.parameters],
            "self_supervised_losses": [float(v) for v in self.losses],
            "ground_truth_losses": None if self.ground_truth_losses is None
            else [float(v) for v in self.ground_truth_losses],
            "best_parameters": _plain(self.best_parameters),
            "best_loss": float(self.best_loss),
            "stride": self.stride,
            "approximate": self.approximate,
            "channel_axis": self.channel_axis,
            "interpolation": self.interpolation,
            "partition": "grid" if self.labels is None else f"labels ({int(self.labels.max()) + 1} subsets)",
            "invariant_by_construction": self.invariant_by_construction,
            "best_on_edge": self.best_on_edge,
        }


def calibrate_denoiser(noisy, denoiser: Callable, parameter_grid, *, stride: int = 4, approximate: bool = False,
                       clean=None, channel_axis: int | None = None, interpolation: str = "axis", labels=None,
                       invariant: bool = False, n_jobs: int | None = None,
                       progress: bool = False) -> CalibrationResult:
    """Score every parameter setting by the self-supervised loss of the J-invariant denoiser.

    Parameters
    ----------
    noisy : array_like
        The noisy image; the only data calibration needs.
    denoiser : callable
        ``denoiser(image, **params) -> image``.
    parameter_grid : dict of lists, or list of dicts
        ``{"sigma": [0.1, 0.2]}`` tries every combination; a list of dicts is tried as given.
    stride, channel_axis, interpolation, labels, n_jobs
        As in :func:`n2s_core.denoise_invariant`.
    approximate : bool
        Score one subset per setting (``stride**ndim`` times faster, noisier; may miss the argmin).
    clean : array_like, optional
        Clean image, for teaching: also records the ground-truth loss of each J-invariant output.
    invariant : bool
        The denoiser is J-invariant by construction (the donut median never reads the pixel it predicts): score
        its output as it is, one call per setting, without the subset-by-subset wrapper.
    progress : bool
        Show a progress bar over the settings.

    Warns
    -----
    UserWarning
        When one parameter was swept and the best setting is the first or last of its values
        (:attr:`CalibrationResult.best_on_edge`): the loss may still fall beyond the grid.

    Examples
    --------
    >>> from scipy import ndimage as ndi
    >>> rng = np.random.default_rng(0)
    >>> clean = np.outer(np.sin(np.linspace(0, 3, 64)), np.cos(np.linspace(0, 3, 64))) / 2 + 0.5
    >>> noisy = clean + rng.normal(0, 0.2, clean.shape)
    >>> result = calibrate_denoiser(noisy, ndi.gaussian_filter, {"sigma": [0.5, 2.0, 8.0]})
    >>> result.best_parameters
    {'sigma': 2.0}
    """
    noisy = as_float_image(noisy, name="noisy")
    if clean is not None:
        clean = as_float_image(clean, name="clean")
        check_same_shape(noisy, clean, names=("noisy", "clean"))
    settings = expand_grid(parameter_grid)
    if labels is None:
        check_stride(stride, spatial_shape(noisy, channel_axis))  # fail before the first (slow) setting runs
    options = dict(stride=stride, channel_axis=channel_axis, interpolation=interpolation, labels=labels,
                   n_jobs=n_jobs)
    losses, truth = [], []
    for params in tqdm(settings, desc=getattr(denoiser, "__name__", "calibrate"), disable=not progress):
        if invariant:  # nothing to wrap: one call, the exact loss
            denoised = as_float_image(denoiser(noisy, **params), name="denoised")
            losses.append(ground_truth_loss(noisy, denoised))
            if clean is not None:
                truth.append(ground_truth_loss(clean, denoised))
            continue
        if approximate or clean is None:
            losses.append(self_supervised_loss(noisy, denoiser, approximate=approximate, denoiser_kwargs=params,
                                               **options))
        if clean is not None:  # the full J-invariant output, scored against both images
            denoised = denoise_invariant(noisy, denoiser, denoiser_kwargs=params, **options)
            truth.append(ground_truth_loss(clean, denoised))
            if not approximate:
                losses.append(ground_truth_loss(noisy, denoised))
    result = CalibrationResult(function=denoiser, parameters=settings, losses=losses,
                               ground_truth_losses=truth if clean is not None else None, stride=stride,
                               approximate=approximate and not invariant, channel_axis=channel_axis,
                               interpolation=interpolation, labels=labels, invariant_by_construction=invariant)
    if result.best_on_edge:
        warnings.warn(f"the best setting {_plain(result.best_parameters)} of {result.to_dict()['denoiser']} lies on "
                      "the edge of its grid, where the loss may still be falling; widen the grid that way",
                      UserWarning, stacklevel=2)
    return result


def expand_grid(parameter_grid) -> list[dict]:
    """A dict of lists becomes the list of every combination; a list of dicts is copied.

    Examples
    --------
    >>> expand_grid({"a": [1, 2], "b": ["x"]})
    [{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'x'}]
    """
    if isinstance(parameter_grid, dict):
        for key, values in parameter_grid.items():
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
                raise TypeError(f"parameter_grid[{key!r}] must be a list of values, got {values!r}")
        keys = list(parameter_grid)
        settings = [dict(zip(keys, combo, strict=False)) for combo in itertools.product(*parameter_grid.values())]
    else:
        settings = [dict(p) for p in parameter_grid]
    if not settings:
        raise ValueError("parameter_grid is empty; give at least one setting, e.g. {'sigma': [0.1, 0.2]}")
    return settings


def swept_parameter(parameters: list[dict]) -> str:
    """The name of the first parameter that takes more than one value over ``parameters`` (for plot axes).

    Examples
    --------
    >>> swept_parameter([{"h": 0.1, "patch_size": 5}, {"h": 0.2, "patch_size": 5}])
    'h'
    """
    varying = _varying(parameters)
    if not varying:
        raise ValueError("no parameter takes more than one value; nothing was swept")
    return varying[0]


def estimate_noise_variance(noisy, *, channel_axis: int | None = None) -> float:
    """Noise variance estimated from the image alone (wavelet median absolute deviation, Donoho & Johnstone 1994).

    This is what the mixing step uses in practice: the true variance is unknown without a clean image.
    """
    from skimage.restoration import estimate_sigma

    noisy = as_float_image(noisy, name="noisy")
    sigma = estimate_sigma(noisy, channel_axis=channel_axis, average_sigmas=True)
    return float(sigma) ** 2


def mixing_weight(noise_variance: float, loss: float) -> float:
    """``lambda = noise_variance / loss``: the weight on f(x) that minimises the error of the mix.

    For J-invariant f, f(x) - y and x - y are uncorrelated, so the mix's error is
    ``lambda**2 e + (1 - lambda)**2 var``, minimal at ``var / (e + var)``; and ``e + var`` is the loss.
    """
    if not (np.isfinite(loss) and np.isfinite(noise_variance)) or loss <= 0 or noise_variance < 0:
        raise ValueError(f"need loss > 0 and noise_variance >= 0, got loss={loss}, noise_variance={noise_variance}")
    return float(min(1.0, noise_variance / loss))


def mix(noisy, denoised, *, weight: float) -> np.ndarray:
    """``weight * denoised + (1 - weight) * noisy``."""
    noisy = as_float_image(noisy, name="noisy")
    denoised = as_float_image(denoised, name="denoised")
    check_same_shape(noisy, denoised, names=("noisy", "denoised"))
    if not 0 <= weight <= 1:
        raise ValueError(f"weight must be in [0, 1], got {weight}")
    return weight * denoised + (1 - weight) * noisy


def _varying(parameters: list[dict]) -> list[str]:
    """The names of the parameters that take more than one value over ``parameters``, in order."""
    return [k for k in parameters[0] if len({repr(p.get(k)) for p in parameters}) > 1] if parameters else []


def _plain(params: dict) -> dict:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in params.items()}
