"""Classical denoisers with the parameter grids of the paper's Table 1 and their "default parameters".

Grids follow supplement §4: wavelet hard thresholding with sigma in ``arange(0.08, 0.3, 0.03)``;
NL-means with h = sigma_est * ``arange(0.5, 2.0, 0.2)``, patch 5, distance 6, fast mode. The medians' radii are
those of Figure 2 (1..6); total variation and BM3D are beyond the paper's table.

"Default parameters" (the paper's last column) follow what the authors ran where their notebooks show it: NL-means
with ``h = 0.8 * sigma_est``, 5x5 patches, distance 6, fast mode (their calibration notebook prints 28.94 dB, the
paper's 28.9), not scikit-image's own ``h=0.1``, 7x7, distance 11, which is kept as ``library_defaults``. Elsewhere
the library's defaults: wavelet BayesShrink (soft, sigma estimated), the 3x3 square median of scikit-image's
``filters.median``, total variation weight 0.1, BM3D at the estimated noise level. Each method says which in
``default_rule``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._checks import check_choice
from .filters import donut_median, median


@dataclass(frozen=True)
class ClassicalMethod:
    """A named denoiser, how to build its calibration grid from the noisy image, and its default settings."""

    name: str  # short key, e.g. "nl_means"
    label: str  # for tables and plots
    function: Callable  # function(image, **params) -> image
    grid: Callable[..., dict]  # (noisy, channel_axis=None) -> {parameter: list of values}
    defaults: Callable[..., dict]  # (noisy, channel_axis=None) -> the "default parameters" setting
    default_rule: str  # where those defaults come from, in a few words, for tables
    library_defaults: dict | None = None  # the library's own defaults, where they differ from ``defaults``
    invariant: bool = False  # J-invariant by construction (the donut median): calibrate it without the wrapper
    default_function: Callable | None = None  # what the defaults apply to, when not ``function``

    def run_default(self, noisy, *, channel_axis=None):
        """The denoiser at its default parameters (for the donut median: the plain 3x3 square median)."""
        function = self.default_function or self.function
        kwargs = {} if channel_axis is None else {"channel_axis": channel_axis}
        return function(noisy, **self.defaults(noisy, channel_axis=channel_axis), **kwargs)


def wavelet(image, *, sigma=None, mode="hard", channel_axis=None):
    """Wavelet shrinkage (BayesShrink, db1), sigma taken as given, as scikit-image did before 0.18."""
    from skimage.restoration import denoise_wavelet

    return denoise_wavelet(image, sigma=sigma, mode=mode, rescale_sigma=sigma is None, channel_axis=channel_axis)


def nl_means(image, *, h=0.1, patch_size=7, patch_distance=11, fast_mode=True, channel_axis=None):
    """Non-local means (Buades et al. 2005), scikit-image's implementation."""
    from skimage.restoration import denoise_nl_means

    return denoise_nl_means(image, h=h, patch_size=patch_size, patch_distance=patch_distance, fast_mode=fast_mode,
                            channel_axis=channel_axis)


def total_variation(image, *, weight=0.1, channel_axis=None):
    """Total-variation denoising (Chambolle 2004), scikit-image's implementation."""
    from skimage.restoration import denoise_tv_chambolle

    return denoise_tv_chambolle(image, weight=weight, channel_axis=channel_axis)


def bm3d(image, *, sigma_psd=None, channel_axis=None):
    """BM3D (Dabov et al. 2007) from the optional ``bm3d`` package (non-commercial licence, never bundled).

    ``sigma_psd=None`` uses the noise level estimated from the image, BM3D's only required setting. RGB images
    (``channel_axis`` -1 or 2, three channels) go through ``bm3d_rgb`` (denoised in the opponent colour space).
    The binary runs single-threaded: its own thread pool gives run-to-run differences and was seen to abort the
    interpreter.
    """
    image = np.asarray(image)
    if channel_axis is not None and (image.ndim != 3 or channel_axis not in (-1, 2) or image.shape[-1] != 3):
        raise ValueError(f"BM3D takes a gray image or an RGB image with channel_axis=-1, got shape {image.shape} "
                         f"and channel_axis={channel_axis}")
    try:
        import bm3d
    except ImportError as error:
        raise ImportError("BM3D needs the optional package: pip install 'n2s-core[bm3d]'") from error
    if sigma_psd is None:
        sigma_psd = _sigma_est(image, channel_axis)
    profile = bm3d.BM3DProfile()
    profile.num_threads = 1
    if channel_axis is None:
        return np.asarray(bm3d.bm3d(image, sigma_psd=float(sigma_psd), profile=profile), dtype=image.dtype)
    return np.asarray(bm3d.bm3d_rgb(image, sigma_psd=float(sigma_psd), profile=profile), dtype=image.dtype)


def bm3d_denoise(image, **options):
    """Deprecated: :func:`bm3d` (one noun per denoiser, as :func:`wavelet` and :func:`nl_means`)."""
    warnings.warn("bm3d_denoise is now bm3d", DeprecationWarning, stacklevel=2)
    return bm3d(image, **options)


def _sigma_est(noisy, channel_axis=None) -> float:
    from skimage.restoration import estimate_sigma

    return float(estimate_sigma(noisy, channel_axis=channel_axis, average_sigmas=True))


def _median_grid(noisy, channel_axis=None):
    return {"radius": list(range(1, 7))}


def _wavelet_grid(noisy, channel_axis=None):
    return {"sigma": [round(float(s), 2) for s in np.arange(0.08, 0.3, 0.03)]}


def _nl_means_grid(noisy, channel_axis=None):
    sigma = _sigma_est(noisy, channel_axis)
    return {"h": [round(sigma * k, 5) for k in np.arange(0.5, 2.0, 0.2)], "patch_size": [5], "patch_distance": [6]}


def _tv_grid(noisy, channel_axis=None):
    return {"weight": [0.02, 0.04, 0.06, 0.08, 0.1, 0.13, 0.16, 0.2]}


def _bm3d_grid(noisy, channel_axis=None):
    sigma = _sigma_est(noisy, channel_axis)
    return {"sigma_psd": [round(sigma * k, 5) for k in (0.6, 0.8, 1.0, 1.2, 1.4)]}


def _fixed(**params) -> Callable[..., dict]:
    return lambda noisy, channel_axis=None: dict(params)


def _nl_means_defaults(noisy, channel_axis=None):
    # The authors' calibration notebook: h_suggested = 0.8 * mean(estimate_sigma(noisy)), patch 5, distance 6.
    return {"h": round(0.8 * _sigma_est(noisy, channel_axis), 5), "patch_size": 5, "patch_distance": 6,
            "fast_mode": True}


_SQUARE_MEDIAN = _fixed(radius=1, footprint="square")
_SQUARE_RULE = "3x3 square median (scikit-image's filters.median default)"
METHODS = {
    "donut_median": ClassicalMethod("donut_median", "donut median", donut_median, _median_grid, _SQUARE_MEDIAN,
                                    _SQUARE_RULE, invariant=True, default_function=median),
    "median": ClassicalMethod("median", "median (grid J-invariant)", median, _median_grid, _SQUARE_MEDIAN,
                              _SQUARE_RULE),
    "wavelet": ClassicalMethod("wavelet", "wavelet", wavelet, _wavelet_grid, _fixed(sigma=None, mode="soft"),
                               "scikit-image default: BayesShrink, soft, sigma estimated"),
    "nl_means": ClassicalMethod("nl_means", "NL-means", nl_means, _nl_means_grid, _nl_means_defaults,
                                "the authors' rule: h = 0.8 sigma_est, patch 5, distance 6, fast",
                                library_defaults={}),
    "tv": ClassicalMethod("tv", "total variation", total_variation, _tv_grid, _fixed(weight=0.1),
                          "scikit-image default: weight 0.1"),
    "bm3d": ClassicalMethod("bm3d", "BM3D", bm3d, _bm3d_grid, _fixed(), "sigma estimated from the image"),
}


def get_method(name: str) -> ClassicalMethod:
    """Look a method up by name: one of ``donut_median, median, wavelet, nl_means, tv, bm3d``."""
    return METHODS[check_choice(name, METHODS, name="method")]


def bm3d_available() -> bool:
    """True when the optional ``bm3d`` package can be imported."""
    try:
        import bm3d  # noqa: F401
    except ImportError:
        return False
    return True
