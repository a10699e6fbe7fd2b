"""Noise models: Gaussian, Poisson (shot noise) and Bernoulli (salt and pepper), alone or mixed.

Noise2Self needs only that the noise is zero-mean and independent across the subsets J given the clean image
(paper §1); all three models here are independent per pixel. Images live on [0, 1].

The recipes of the paper's dataset table build on them: :func:`hanzi_noise` (blackout + Gaussian),
:func:`scmos_noise` (gain map + Poisson + Cauchy, for the CellNet-like set) and :func:`imagenet_noise`
(Poisson + Gaussian + salt and pepper).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_image, check_int, check_nonnegative


def add_noise(clean, *, sigma: float = 0.0, photons: float | None = None, p: float = 0.0, rng=None,
              clip: bool = True) -> np.ndarray:
    """Return a noisy copy of ``clean``; ``clean`` itself is never modified.

    The models are applied in the order a camera would: Poisson shot noise with ``photons`` expected photons at
    intensity 1, then additive Gaussian noise of standard deviation ``sigma``, then Bernoulli noise that sets each
    value with probability ``p`` to 0 or 1 (equally likely), then clipping to [0, 1].

    Parameters
    ----------
    clean : array_like
        Image with values in [0, 1]; any shape. Integer images are scaled to [0, 1] first.
    sigma : float
        Standard deviation of the Gaussian noise, on the [0, 1] scale. ``0`` turns it off.
    photons : float or None
        Photon count at intensity 1 for Poisson noise: ``poisson(photons * clean) / photons``. ``None`` turns it off.
    p : float
        Probability in [0, 1] that a value is replaced by 0 or 1 (salt and pepper). ``0`` turns it off.
    rng : numpy.random.Generator, int or None
        Seed or generator; the same seed gives the same noise.
    clip : bool
        Clip the result to [0, 1], as a camera would. Clipping lowers the noise variance below ``sigma**2``.

    Returns
    -------
    noisy : ndarray
        Same shape as ``clean``; float32 for float16/float32 input, float64 otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> noisy = add_noise(np.full((64, 64), 0.5), sigma=0.1, rng=0)
    >>> round(float(noisy.std()), 2)
    0.1
    >>> add_noise(np.zeros(4), sigma=-1)
    Traceback (most recent call last):
    ...
    ValueError: sigma must be a finite number >= 0, got -1
    """
    clean = as_float_image(clean, name="clean")
    sigma = check_nonnegative(sigma, name="sigma")
    p = check_nonnegative(p, name="p")
    if p > 1:
        raise ValueError(f"p is a probability and must be in [0, 1], got {p}")
    if photons is not None and check_nonnegative(photons, name="photons") == 0:
        raise ValueError("photons must be > 0 (the expected photon count at intensity 1), got 0")
    if photons is not None and clean.min() < 0:
        raise ValueError(f"Poisson noise needs a non-negative image, got a minimum of {clean.min():.3g}")
    rng = np.random.default_rng(rng)

    noisy = clean.astype(np.float64)
    if photons is not None:
        noisy = rng.poisson(noisy * photons) / photons
    if sigma > 0:
        noisy = noisy + rng.normal(0.0, sigma, size=noisy.shape)
    if p > 0:
        hit = rng.random(noisy.shape) < p
        noisy = np.where(hit, rng.integers(0, 2, size=noisy.shape).astype(np.float64), noisy)
    if clip:
        noisy = np.clip(noisy, 0.0, 1.0)
    return noisy.astype(clean.dtype, copy=False)


# --- The noise recipes of the paper's dataset table (Table 2) ---------------------------------------------------


def hanzi_noise(clean, *, sigma: float = 0.7, n_blackout: int = 2048, rng=None) -> np.ndarray:
    """The Hanzi recipe of the authors' generator: blackout pixels, add Gaussian noise, clip to [0, 1].

    For every image (the last two axes are height and width; leading axes index images) ``n_blackout`` random
    (row, col) positions are drawn *with replacement* and set to 0. As in the authors' generator
    (github.com/batson/hanzi: ``randint(0, 63)`` on 64 x 64, whose upper bound is exclusive), rows and columns are
    drawn from ``0 .. H - 2`` and ``0 .. W - 2``: the last row and column are never blacked out. Repeats mean that
    fewer distinct pixels go dark than were drawn: the expected fraction of the image is
    ``(1 - exp(-n / ((H-1)(W-1)))) (H-1)(W-1) / (H W)``, 39.06 % for 2048 draws on 64 x 64 (the paper's text says
    "half"). Gaussian noise of standard deviation ``sigma`` is added to every pixel, the blacked-out ones included,
    and the result is clipped to [0, 1].

    Parameters
    ----------
    clean : array_like
        Images on [0, 1], shape (..., H, W).
    sigma : float
        Gaussian standard deviation; the authors generated 0.3, 0.5, 0.7 and 0.9, and the table uses 0.7.
    n_blackout : int
        Number of (row, col) draws per image set to 0; ``0`` turns the blackout off.
    rng : numpy.random.Generator, int or None
        Seed or generator.

    Returns
    -------
    noisy : ndarray
        Same shape as ``clean``; float32 for float16/float32 input, float64 otherwise.

    Examples
    --------
    >>> noisy = hanzi_noise(np.ones((4, 64, 64)), sigma=0.0, rng=0)
    >>> round(float(np.mean(noisy == 0)), 2)   # (1 - exp(-2048 / 3969)) * 3969 / 4096 = 0.39
    0.39
    >>> bool(noisy[:, -1, :].min() == 1 and noisy[:, :, -1].min() == 1)  # the last row and column stay lit
    True
    """
    clean = as_float_image(clean, name="clean")
    if clean.ndim < 2:
        raise ValueError(f"hanzi_noise needs images of shape (..., H, W), got shape {clean.shape}")
    check_int(n_blackout, name="n_blackout", minimum=0, fix=" (the number of pixels drawn per image)")
    sigma = check_nonnegative(sigma, name="sigma")
    rng = np.random.default_rng(rng)

    height, width = clean.shape[-2:]
    if n_blackout and min(height, width) < 2:
        raise ValueError(f"the blackout draws rows and columns below the last one, so images need H, W >= 2, got "
                         f"{height}x{width}; pass n_blackout=0 for smaller images")
    noisy = clean.reshape(-1, height * width).copy()  # (N, H*W); float32 stays float32 (big datasets)
    drawn = rng.integers(0, height - 1, size=(len(noisy), n_blackout)) * width \
        + rng.integers(0, width - 1, size=(len(noisy), n_blackout))  # flat index of each (row, col) draw
    np.put_along_axis(noisy, drawn, 0.0, axis=1)
    if sigma > 0:
        noisy += sigma * rng.standard_normal(size=noisy.shape, dtype=noisy.dtype)
    return np.clip(noisy, 0.0, 1.0, out=noisy).reshape(clean.shape)


def scmos_noise(clean, *, photons: float = 30.0, gain_spread: float = 0.2, cauchy_scale: float = 0.045,
                rng=None) -> np.ndarray:
    """An sCMOS-like camera for the CellNet substitute: per-pixel gain, Poisson shot noise, Cauchy noise, clip.

    The paper simulates "per-pixel gain variation, Poisson shot noise and additive Cauchy noise" and calls it very
    aggressive, without publishing parameters. Here, for each image (last two axes H, W) a gain map
    ``g ~ Normal(1, gain_spread)`` (clipped at 0) is drawn, then ``poisson(photons * g * clean) / photons``, then
    Cauchy noise of scale ``cauchy_scale`` (heavy tails: a few pixels land far away and clip to 0 or 1), then
    clipping to [0, 1]. The defaults were chosen so that the CellNet-like set's raw PSNR is near the paper's 15.1 dB.

    Note that the gain map makes the noise multiplicative and the clipped Cauchy part is not zero-mean on dark
    pixels: like the paper's, this noise bends Noise2Self's assumptions (zero-mean, independent given the clean
    image) a little.

    Parameters
    ----------
    clean : array_like
        Images on [0, 1], shape (..., H, W).
    photons : float
        Expected photon count at intensity 1 (and gain 1).
    gain_spread : float
        Standard deviation of the per-pixel gain around 1.
    cauchy_scale : float
        Scale (half width at half maximum) of the additive Cauchy noise; ``0`` turns it off.
    rng : numpy.random.Generator, int or None
        Seed or generator.

    Returns
    -------
    noisy : ndarray
        Same shape as ``clean``; float32 for float16/float32 input, float64 otherwise.

    Examples
    --------
    >>> noisy = scmos_noise(np.full((2, 32, 32), 0.5), rng=0)
    >>> noisy.shape, bool(noisy.min() >= 0 and noisy.max() <= 1)
    ((2, 32, 32), True)
    """
    clean = as_float_image(clean, name="clean")
    if clean.ndim < 2:
        raise ValueError(f"scmos_noise needs images of shape (..., H, W), got shape {clean.shape}")
    if check_nonnegative(photons, name="photons") == 0:
        raise ValueError("photons must be > 0 (the expected photon count at intensity 1), got 0")
    gain_spread = check_nonnegative(gain_spread, name="gain_spread")
    cauchy_scale = check_nonnegative(cauchy_scale, name="cauchy_scale")
    if clean.min() < 0:
        raise ValueError(f"Poisson noise needs a non-negative image, got a minimum of {clean.min():.3g}")
    rng = np.random.default_rng(rng)

    gain = np.maximum(rng.normal(1.0, gain_spread, size=clean.shape), 0.0)  # a fresh gain map for every image
    noisy = rng.poisson(photons * gain * clean) / photons
    if cauchy_scale > 0:
        noisy = noisy + cauchy_scale * rng.standard_cauchy(size=clean.shape)
    return np.clip(noisy, 0.0, 1.0).astype(clean.dtype, copy=False)


def imagenet_noise(clean, *, photons: float = 30.0, sigma: float = 80 / 255, p: float = 0.2, rng=None) -> np.ndarray:
    """The paper's ImageNet recipe on [0, 1]: Poisson, then Gaussian, then salt and pepper, then clip.

    The paper works on [0, 255] with Poisson lambda 30, Gaussian sigma 80 (a later re-creation used 60: pass
    ``sigma=60/255``) and Bernoulli p = 0.2 per pixel-channel set to 0 or 255. On [0, 1] that is
    ``add_noise(clean, photons=30, sigma=80/255, p=0.2)``: 30 expected photons at full scale, Gaussian noise, each
    value replaced with probability ``p`` by 0 or 1, clipping.

    Parameters
    ----------
    clean : array_like
        Images on [0, 1], any shape (RGB images have the channels last; noise is drawn per pixel-channel).
    photons, sigma, p : float
        As in :func:`add_noise`.
    rng : numpy.random.Generator, int or None
        Seed or generator.

    Returns
    -------
    noisy : ndarray
        Same shape as ``clean``.

    Examples
    --------
    >>> noisy = imagenet_noise(np.full((64, 64, 3), 0.5), rng=0)
    >>> round(float(np.mean((noisy == 0) | (noisy == 1))), 1)   # salt and pepper, plus Gaussian values clipped
    0.3
    """
    return add_noise(clean, photons=photons, sigma=sigma, p=p, rng=rng)


def streak_noise(clean, *, sigma: float = 0.1, length: int = 3, direction: str = "horizontal", rng=None,
                 clip: bool = True) -> np.ndarray:
    """Gaussian noise correlated along rows (or columns): white noise averaged over ``length`` neighbours, rescaled
    to standard deviation ``sigma``, added to the 2-D ``clean`` (then clipped to [0, 1] by default).

    Neighbours ``d < length`` apart along ``direction`` share ``length - d`` of their ``length`` draws, so their
    noise correlation is ``1 - d / length``: the streaks of a camera's readout or a scanner's line. This breaks
    Noise2Self's assumption of noise independent from pixel to pixel (notebook 11); ``length=1`` is white noise.

    Examples
    --------
    >>> noisy = streak_noise(np.full((256, 256), 0.5), sigma=0.1, length=5, rng=0)
    >>> noise = noisy - 0.5
    >>> round(float(noise.std()), 2), round(float(np.mean(noise[:, 1:] * noise[:, :-1]) / noise.var()), 1)
    (0.1, 0.8)
    """
    from scipy import ndimage as ndi

    image = as_float_image(clean)
    if image.ndim != 2:
        raise ValueError(f"streak_noise needs a 2-D image, got shape {image.shape}; add noise to each channel")
    check_int(length, name="length", fix=" (pixels that share noise)")
    if direction not in ("horizontal", "vertical"):
        raise ValueError(f"unknown direction {direction!r}; choose 'horizontal' (along rows) or 'vertical'")
    check_nonnegative(sigma, name="sigma")
    white = np.random.default_rng(rng).normal(0.0, 1.0, image.shape)
    axis = 1 if direction == "horizontal" else 0
    streaks = ndi.uniform_filter1d(white, length, axis=axis, mode="wrap") * np.sqrt(length)  # unit variance again
    noisy = image + sigma * streaks
    return np.clip(noisy, 0.0, 1.0) if clip else noisy
