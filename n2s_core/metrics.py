"""Image quality against a clean reference: MSE, PSNR (optionally the paper's rescaled PSNR) and SSIM."""

from __future__ import annotations

import numpy as np

from ._checks import as_float_image, check_same_shape


def mse(clean, image) -> float:
    """Mean squared error.

    Examples
    --------
    >>> mse(np.zeros(4), np.full(4, 0.1)).__round__(6)
    0.01
    """
    clean, image = _pair(clean, image)
    return float(np.mean((image - clean) ** 2))


def psnr(clean, image, *, data_range: float = 1.0, rescale: bool = False) -> float:
    """Peak signal-to-noise ratio ``10 log10(data_range**2 / MSE)`` in dB.

    ``rescale=True`` first gives ``image`` the mean and standard deviation of ``clean``, as the paper does before
    scoring its dataset table (paper §5); this forgives a global gain or offset.

    Examples
    --------
    >>> round(psnr(np.zeros(4), np.full(4, 0.1)), 2)
    20.0
    """
    clean, image = _pair(clean, image)
    if data_range <= 0:
        raise ValueError(f"data_range must be > 0 (1 for images on [0, 1], 255 for 8-bit), got {data_range}")
    if rescale:
        image = rescale_to(clean, image)
    error = np.mean((image - clean) ** 2)
    if error == 0:
        return float("inf")
    return float(10 * np.log10(data_range**2 / error))


def rescale_to(clean, image) -> np.ndarray:
    """Affinely map ``image`` to the mean and standard deviation of ``clean``."""
    clean, image = _pair(clean, image)
    spread = image.std()
    centred = image - image.mean()
    if spread > 0:
        centred = centred * (clean.std() / spread)
    return centred + clean.mean()


def ssim(clean, image, *, data_range: float = 1.0, channel_axis: int | None = None) -> float:
    """Structural similarity (scikit-image's implementation, Gaussian-weighted as in Wang et al. 2004)."""
    from skimage.metrics import structural_similarity

    clean, image = _pair(clean, image)
    return float(structural_similarity(clean, image, data_range=data_range, channel_axis=channel_axis,
                                       gaussian_weights=True, sigma=1.5, use_sample_covariance=False))


def _pair(clean, image):
    # Integers are not rescaled here: the caller's data_range says what scale the values are on.
    clean = as_float_image(clean, name="clean", scale_integers=False).astype(np.float64, copy=False)
    image = as_float_image(image, name="image", scale_integers=False).astype(np.float64, copy=False)
    check_same_shape(clean, image, names=("clean", "image"))
    return clean, image

