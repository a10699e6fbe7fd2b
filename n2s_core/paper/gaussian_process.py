"""Gaussian processes on a torus: the best linear denoiser of a pixel and the best J-invariant one, in closed form.

A stationary Gaussian process with RBF covariance K = exp(-d^2 / (2 l^2)) (d the wrap-around distance, unit
variance), observed with independent Gaussian noise of standard deviation sigma. For Gaussian signal and noise the
best denoisers are linear (conditional means), so their errors are formulas; Figure 4 (:mod:`.figure4`) draws
them, and Figure 5 (:mod:`.figure5`) applies :func:`linear_mse` to any covariance.

Both MSEs follow from the diagonal of the noisy image's precision matrix P = (K + sigma^2 I)^-1 alone
(:func:`precision_mse`): optimal = sigma^2 - sigma^4 P_cc (as K P K = K - sigma^2 I + sigma^4 P), and J-invariant =
1 / P_cc - sigma^2 (the Schur complement: 1 / P_cc is the residual variance of x_c predicted from the rest, and the
centre's own noise adds sigma^2 to it). On a torus K is circulant with spectrum S, so P_cc = mean(1 / (S + sigma^2))
and both predictors are convolutions (:func:`denoise_gp`).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.linalg

from .._checks import check_int

SIGMA = 0.5  # the paper's noise level for Figure 4


def check_positive(value, *, name: str) -> float:
    """``value`` as a float, or an error naming it: ``length_scale must be > 0, got -1``."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return float(value)


def torus_side(length_scale, *, tol: float = 1e-8, minimum: int = 32) -> int:
    """Torus side on which the kernel is below ``tol`` at the largest wrap-around distance, rounded up to odd.

    Odd, so the centre pixel ``(side // 2, side // 2)`` lies equally far from every edge.

    Examples
    --------
    >>> torus_side(0.75), torus_side(3.27)
    (33, 41)
    """
    length_scale = check_positive(length_scale, name="length_scale")
    side = int(np.ceil(max(2 * length_scale * np.sqrt(-2 * np.log(tol)), minimum)))
    return side + 1 - side % 2


def rbf_kernel(side: int, length_scale) -> np.ndarray:
    """Covariance of pixel (0, 0) with every pixel of a ``side`` x ``side`` torus: exp(-d^2 / (2 l^2)), d wrapped.

    Examples
    --------
    >>> rbf_kernel(4, 1.0)[0].round(3).tolist()
    [1.0, 0.607, 0.135, 0.607]
    """
    length_scale = check_positive(length_scale, name="length_scale")
    side = check_int(side, name="side")
    d = np.minimum(np.arange(side), side - np.arange(side))
    k = np.exp(-(d**2) / (2 * length_scale**2))
    return np.outer(k, k)


def spectrum(side: int, length_scale) -> np.ndarray:
    """Eigenvalues S of the circulant covariance: the 2-D DFT of :func:`rbf_kernel` (real: the kernel is even).

    The wrapped RBF is not exactly positive definite: its smallest eigenvalues can be about -1e-8.
    """
    return np.fft.fft2(rbf_kernel(side, length_scale)).real


def covariance_matrix(side: int, length_scale) -> np.ndarray:
    """K as a (side^2, side^2) matrix over the pixels in row-major order, for the direct formulas."""
    k = rbf_kernel(side, length_scale)
    row, col = np.divmod(np.arange(side * side), side)
    return k[(row[:, None] - row[None]) % side, (col[:, None] - col[None]) % side]


def direct_mse(cov, sigma, *, index: int) -> tuple[float, float]:
    """The recipe's matrix formulas for pixel ``index``: (optimal, J-invariant) expected MSE.

    Optimal: K_cc - K_c (K + sigma^2 I)^-1 K_c^T. J-invariant: K_cc - K_co (K_oo + sigma^2 I)^-1 K_oc, o = the rest.
    """
    cov, var = np.asarray(cov, dtype=float), check_positive(sigma, name="sigma") ** 2
    kc, rest = cov[:, index], np.arange(len(cov)) != index
    full = cov[index, index] - kc @ scipy.linalg.solve(cov + var * np.eye(len(cov)), kc, assume_a="pos")
    oo = cov[np.ix_(rest, rest)] + var * np.eye(len(cov) - 1)
    jinv = cov[index, index] - kc[rest] @ scipy.linalg.solve(oo, kc[rest], assume_a="pos")
    return float(full), float(jinv)


def precision_mse(precision_diagonal, sigma):
    """(optimal, J-invariant) expected MSE of each pixel from the diagonal of P = (K + sigma^2 I)^-1.

    Examples
    --------
    >>> [round(float(v), 9) for v in precision_mse(1 / 1.25, 0.5)]  # one pixel, unit variance: unread, MSE 1
    [0.2, 1.0]
    """
    sigma = np.asarray(sigma, dtype=float)
    if not np.all(np.isfinite(sigma) & (sigma > 0)):
        raise ValueError(f"sigma must be > 0, got {sigma}")
    var = sigma**2
    return var - var**2 * precision_diagonal, 1 / precision_diagonal - var


def linear_mse(cov, sigmas) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel MSE of the optimal and the leave-one-pixel-out linear denoisers, any covariance, many sigmas.

    Returns two arrays of shape (pixels, len(sigmas)); P's diagonal comes from one eigendecomposition of ``cov``.
    """
    sigmas = np.array([check_positive(float(s), name="sigma") for s in np.atleast_1d(sigmas)])
    eigenvalues, vectors = np.linalg.eigh(np.asarray(cov, dtype=float))
    diagonal = vectors**2 @ (1 / (eigenvalues[:, None] + sigmas[None] ** 2))
    return precision_mse(diagonal, sigmas[None])


def stationary_mse(length_scale, *, sigma=SIGMA, side: int | None = None) -> tuple[float, float]:
    """(optimal, J-invariant) expected MSE of any pixel of the torus process, by FFT.

    Examples
    --------
    >>> [round(v, 3) for v in stationary_mse(0.75)]
    [0.172, 0.549]
    """
    side = torus_side(length_scale) if side is None else side
    diagonal = np.mean(1 / (spectrum(side, length_scale) + check_positive(sigma, name="sigma") ** 2))
    return tuple(float(v) for v in precision_mse(diagonal, sigma))


def denoise_gp(noisy, length_scale, *, sigma=SIGMA) -> tuple[np.ndarray, np.ndarray]:
    """Both linear denoisers applied to every pixel of square torus images ``(..., side, side)`` by FFT.

    Optimal: K P x, transfer S / (S + sigma^2) (the Wiener filter). J-invariant: x - P x / P_cc, transfer
    1 - 1 / ((S + sigma^2) P_cc); its centre tap, the mean of that transfer, is 0, so it never reads its own pixel.
    """
    noisy = np.asarray(noisy, dtype=float)
    if noisy.ndim < 2 or noisy.shape[-1] != noisy.shape[-2]:
        raise ValueError(f"noisy must be square torus images (..., side, side), got shape {noisy.shape}")
    shifted = spectrum(noisy.shape[-1], length_scale) + check_positive(sigma, name="sigma") ** 2
    transformed = np.fft.fft2(noisy)
    optimal = np.fft.ifft2(transformed * (1 - sigma**2 / shifted)).real
    j_invariant = np.fft.ifft2(transformed * (1 - 1 / (shifted * np.mean(1 / shifted)))).real
    return optimal, j_invariant


def sample_gp(side: int, length_scale, *, n: int = 1, rng=None) -> np.ndarray:
    """``n`` clean torus images (n, side, side) with covariance K: white noise convolved with sqrt(S) by FFT."""
    root = np.sqrt(np.clip(spectrum(side, length_scale), 0, None))  # clip the wrapped RBF's -1e-8 eigenvalues
    white = np.random.default_rng(rng).standard_normal((int(n), side, side))
    return np.fft.ifft2(root * np.fft.fft2(white)).real
