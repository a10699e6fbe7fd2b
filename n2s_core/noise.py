"""Noise models: Gaussian, Poisson (shot noise) and Bernoulli (salt and pepper), alone or mixed.

Noise2Self needs only that the noise is zero-mean and independent across the subsets J given the clean image
(paper §1); all three models here are independent per pixel. Images live on [0, 1].
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_image, check_nonnegative


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
