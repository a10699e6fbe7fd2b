"""What a noisy image or a residual says about its own noise: a checkerboard, or noise correlated between pixels.

Noise2Self assumes noise that is independent from pixel to pixel (paper §1). Two things break that in practice:
a net that prints a pattern of its own into its output (a pixel-scale checkerboard or stripes,
:func:`checkerboard_ratio`, :func:`stripe_ratio`), and noise that really is correlated between neighbours, as the
readout of many cameras and scanners makes it along rows or columns (:func:`noise_autocorrelation`,
:func:`correlated_axis`). Against correlated noise a single-pixel blind spot is not blind: the neighbours it reads
carry part of the hidden pixel's noise.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi


def _nyquist_ratio(image, line, window: int, name: str) -> float:
    """Power of ``image`` (mean removed) at the frequency ``line`` (each entry a half or 0, as a fraction of the side)
    over the median power of the frequencies within ``window`` of it, wrapping around."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2 or min(image.shape) < 2 * window + 2:
        raise ValueError(f"{name} needs a 2-D image larger than {2 * window + 1} pixels a side, got "
                         f"shape {image.shape}")
    power = np.abs(np.fft.fft2(image - image.mean())) ** 2
    (h, w), offsets = image.shape, np.arange(-window, window + 1)
    row, col = int(line[0] * h), int(line[1] * w)
    around = power[np.ix_((row + offsets) % h, (col + offsets) % w)].ravel()
    around = np.delete(around, around.size // 2)  # the centre of the window is the measured frequency itself
    return float(power[row, col] / max(np.median(around), 1e-300))


def checkerboard_ratio(image, *, window: int = 3) -> float:
    """How far a pixel-scale checkerboard stands out: the power of ``image`` (mean removed) at the Nyquist frequency
    (N/2, N/2), over the median power of the frequencies within ``window`` of it (wrapping around).

    Pass a residual, e.g. ``denoised - noisy`` or ``denoised - clean``. White noise gives about 1; a period-2
    pattern in both directions (what 2x2 stride-2 transposed convolutions leave) gives far more. 2-D images with even
    sides (an odd side uses its highest frequency, (N - 1) / 2). :func:`stripe_ratio` measures the two other
    Nyquist lines, period 2 along one direction only.

    Examples
    --------
    >>> rows, cols = np.indices((64, 64))
    >>> noise = np.random.default_rng(0).normal(size=(64, 64))
    >>> checkerboard_ratio(noise) < 10 < checkerboard_ratio(noise + 0.5 * (-1.0) ** (rows + cols))
    True
    """
    return _nyquist_ratio(image, (0.5, 0.5), window, "checkerboard_ratio")


def stripe_ratio(image, direction: str = "horizontal", *, window: int = 3) -> float:
    """How far pixel-scale stripes stand out: :func:`checkerboard_ratio` at the Nyquist line of one direction only.

    ``"horizontal"`` stripes are rows alternating up and down (period 2 down the columns, frequency (N/2, 0));
    ``"vertical"`` stripes are columns alternating (frequency (0, N/2)). A 2x2 stride-2 transposed convolution paints
    every 2x2 block of its output with the same four taps: a difference between its top and bottom taps prints
    horizontal stripes, between left and right vertical ones, and along the diagonal a checkerboard. Which of the
    three a trained net shows depends on its weights, so on the noise it was trained on.

    Examples
    --------
    >>> rows, cols = np.indices((64, 64))
    >>> noise = np.random.default_rng(0).normal(size=(64, 64))
    >>> striped = noise + 0.5 * (-1.0) ** rows
    >>> stripe_ratio(noise) < 10 < stripe_ratio(striped)
    True
    >>> stripe_ratio(striped, "vertical") < 10
    True
    """
    lines = {"horizontal": (0.5, 0.0), "vertical": (0.0, 0.5)}
    if direction not in lines:
        raise ValueError(f"direction must be 'horizontal' or 'vertical', got {direction!r}")
    return _nyquist_ratio(image, lines[direction], window, "stripe_ratio")


def noise_autocorrelation(image, *, max_lag: int = 3, smoothing: float = 2.0) -> np.ndarray:
    """Normalised autocorrelation of the image's fine-scale part, for lags -max_lag..max_lag in each direction.

    The fine-scale part is the image minus a Gaussian blur of width ``smoothing``: mostly noise where the noise is
    strong. Returns a ``(2 max_lag + 1, 2 max_lag + 1)`` map, 1 at its centre (lag 0); entry ``[max_lag + dy,
    max_lag + dx]`` is the correlation between pixels ``dy`` rows and ``dx`` columns apart (wrapping around). White
    noise gives values near 0 off the centre; noise correlated along rows gives large values at ``dx = +-1``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> streaks = ndi.uniform_filter1d(rng.normal(size=(128, 128)), 3, axis=1)  # correlated along each row
    >>> acf = noise_autocorrelation(streaks)
    >>> bool(acf[3, 4] > 0.5 > 0.2 > abs(acf[4, 3]))
    True
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2 or min(image.shape) < 2 * max_lag + 2:
        raise ValueError(f"noise_autocorrelation needs a 2-D image larger than {2 * max_lag + 1} pixels a side, got "
                         f"shape {image.shape}; for RGB pass one channel")
    fine = image - ndi.gaussian_filter(image, smoothing, mode="mirror")
    fine -= fine.mean()
    correlation = np.fft.ifft2(np.abs(np.fft.fft2(fine)) ** 2).real
    if correlation[0, 0] <= 0:
        raise ValueError("the image has no fine-scale variation to measure (is it constant?)")
    lags = np.arange(-max_lag, max_lag + 1)
    return correlation[np.ix_(lags % image.shape[0], lags % image.shape[1])] / correlation[0, 0]


def correlated_axis(image, *, tolerance: float = 0.2) -> str | None:
    """``"horizontal"`` when the noise is correlated along rows, ``"vertical"`` along columns, else None.

    Neighbours that share noise differ by less: for noise correlated by rho between horizontal neighbours, the
    spread of the differences along rows is sqrt(1 - rho) times the spread along columns. The spread is the median
    absolute deviation, which edges barely move, so image structure does not trigger it: the ratio of the two is
    near 1 for white noise and near sqrt(1/3) for noise averaged over 3 pixels of a row (tests/test_diagnostics.py
    checks both on the camera, with its long vertical edges).
    A ratio below ``1 - tolerance`` flags rows, above ``1 / (1 - tolerance)`` columns. Noise correlated equally in
    every direction (blurred noise) is not detected; nor is noise below about 1/255 (there is nothing to judge).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> streaks = ndi.uniform_filter1d(rng.normal(size=(64, 64)), 3, axis=0)  # correlated along each column
    >>> correlated_axis(streaks), correlated_axis(rng.normal(size=(64, 64)))
    ('vertical', None)
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2 or min(image.shape) < 8:
        raise ValueError(f"correlated_axis needs a 2-D image at least 8 pixels a side, got shape {image.shape}")
    along_rows, along_columns = (_spread(np.diff(image, axis=axis)) for axis in (1, 0))
    if min(along_rows, along_columns) < 1 / 255:
        return None
    ratio = along_rows / along_columns
    if ratio < 1 - tolerance:
        return "horizontal"
    if ratio > 1 / (1 - tolerance):
        return "vertical"
    return None


def _spread(values: np.ndarray) -> float:
    """Median absolute deviation: a spread that a few large values (edges) barely move."""
    return float(np.median(np.abs(values - np.median(values))))
