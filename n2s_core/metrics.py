"""Image quality against a clean reference: MSE, PSNR (optionally the paper's rescaled PSNR) and SSIM."""

from __future__ import annotations

import numpy as np

from ._checks import as_float_image, check_choice, check_same_shape


def mse(clean, image) -> float:
    """Mean squared error.

    Examples
    --------
    >>> mse(np.zeros(4), np.full(4, 0.1)).__round__(6)
    0.01
    """
    clean, image = _pair(clean, image)
    return float(np.mean((image - clean) ** 2))


def psnr(clean, image, *, data_range: float = 1.0, rescale: bool | str = False) -> float:
    """Peak signal-to-noise ratio ``10 log10(data_range**2 / MSE)`` in dB.

    ``rescale`` first maps ``image`` affinely onto ``clean``, which forgives a global gain or offset. Two rules are
    in use for the paper's dataset table (paper §5), and Table 2's training code was never released, so which one
    made the paper's numbers is not known (see :func:`rescale_to`): ``True`` or ``"moments"``, the supplement's,
    and ``"least-squares"``, the authors' ``util.mse(rescale=True)``, which never scores lower.

    Examples
    --------
    >>> round(psnr(np.zeros(4), np.full(4, 0.1)), 2)
    20.0
    """
    clean, image = _pair(clean, image)
    if data_range <= 0:
        raise ValueError(f"data_range must be > 0 (1 for images on [0, 1], 255 for 8-bit), got {data_range}")
    if rescale:
        image = rescale_to(clean, image, rule="moments" if rescale is True else rescale)
    error = np.mean((image - clean) ** 2)
    if error == 0:
        return float("inf")
    return float(10 * np.log10(data_range**2 / error))


RESCALE_RULES = ("moments", "least-squares")


def rescale_to(clean, image, *, rule: str = "moments") -> np.ndarray:
    """Affinely map ``image`` onto ``clean`` before scoring.

    ``"moments"`` (the paper's supplement) gives ``image`` the mean and standard deviation of ``clean``.
    ``"least-squares"`` (the authors' code) centres both and scales ``image`` by the gain that fits it best to
    ``clean``, ``<c, i> / <i, i>`` on the centred images: the affine map of least error, so its PSNR is never below
    the moments rule's. For an output correlated ``rho`` with the clean image their MSEs differ by the factor
    ``2 / (1 + rho)``.

    Examples
    --------
    >>> clean, image = np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.0, 2.0, 2.0, 6.0])
    >>> rescale_to(clean, 2 * clean + 1).round(6).tolist()  # a pure gain and offset is forgiven by both
    [0.0, 1.0, 2.0, 3.0]
    >>> mse(clean, rescale_to(clean, image, rule="least-squares")) <= mse(clean, rescale_to(clean, image))
    True
    """
    clean, image = _pair(clean, image)
    centred = image - image.mean()
    if check_choice(rule, RESCALE_RULES, name="rescale rule") == "moments":
        gain = clean.std() / image.std() if image.std() > 0 else 1.0
    else:
        power = np.mean(centred**2)
        gain = np.mean((clean - clean.mean()) * centred) / power if power > 0 else 1.0
    return centred * gain + clean.mean()


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

