"""Images that ship inside installed packages (never downloaded), and the paper's noisy camera.

scikit-image bundles a few test images in its wheel; only those are offered here, so everything works offline.
Note: scikit-image 0.18 replaced ``data.camera()`` with a different photograph for copyright reasons. The paper's
own camera can be fetched on request (``python -m n2s_core fetch camera``, see :mod:`n2s_core.data.fetch`);
``noisy_camera(camera="paper")`` then gives it with the authors' own noise procedure.
"""

from __future__ import annotations

import os

import numpy as np

from .._checks import check_choice
from ..noise import add_noise

# Images stored inside the scikit-image wheel (skimage/data/*.png); the others in skimage.data need a download.
BUNDLED = ("astronaut", "brick", "camera", "cell", "chelsea", "clock", "coffee", "coins", "grass", "gravel", "moon",
           "page", "text")


def load_image(name: str, *, gray: bool | None = None, size: int | None = None) -> np.ndarray:
    """A bundled image as float64 on [0, 1].

    Parameters
    ----------
    name : str
        One of :data:`BUNDLED`.
    gray : bool or None
        Convert colour images to gray (luminance); ``None`` keeps what the file holds.
    size : int or None
        Return the central ``size x size`` crop (quick modes use small crops).

    Examples
    --------
    >>> load_image("camera").shape
    (512, 512)
    >>> load_image("camera", size=128).shape
    (128, 128)
    """
    from skimage import color, data, img_as_float

    image = img_as_float(getattr(data, check_choice(name, BUNDLED, name="image name"))())
    if gray and image.ndim == 3:
        image = color.rgb2gray(image[..., :3])
    return image if size is None else crop_center(image, size)


def crop_center(image: np.ndarray, size: int) -> np.ndarray:
    """The central ``size x size`` crop of the first two axes (a view, not a copy)."""
    height, width = image.shape[:2]
    if not 1 <= size <= min(height, width):
        raise ValueError(f"size must be in [1, {min(height, width)}] for an image of shape {image.shape}, got {size}")
    top, left = (height - size) // 2, (width - size) // 2
    return image[top:top + size, left:left + size]


CAMERAS = ("today", "paper")  # scikit-image's camera since 0.18; the paper's, fetched


def noisy_camera(*, sigma: float = 0.1, rng=3, size: int | None = None, clip: bool = True, camera: str = "today"):
    """The paper's set-up (paper §3): the camera image with Gaussian noise ``sigma`` (variance 0.01), seed 3.

    Returns ``(clean, noisy)``. With ``clip=True`` (the paper's ``random_noise`` default) the measured noise
    variance is below ``sigma**2``.

    ``camera="today"`` is scikit-image's bundled camera (a different photograph since 0.18) with this package's
    noise. ``camera="paper"`` is the paper's photograph (fetched: ``python -m n2s_core fetch camera``) with the
    authors' noise: :func:`authors_noise`, which needs an integer seed and always clips.

    Examples
    --------
    >>> clean, noisy = noisy_camera(size=64)
    >>> clean.shape == noisy.shape == (64, 64)
    True
    """
    if check_choice(camera, CAMERAS, name="camera") == "paper":
        if not isinstance(rng, int) or not clip:
            raise ValueError("the paper's camera takes the authors' noise: an integer seed (rng=3) and clipping")
        clean = paper_camera()
        noisy = authors_noise(clean, sigma=sigma, seed=rng)
    else:
        clean = load_image("camera")
        noisy = add_noise(clean, sigma=sigma, rng=rng, clip=clip)
    if size is not None:
        clean, noisy = crop_center(clean, size), crop_center(noisy, size)
    return clean, noisy


def pick_camera(environ=None) -> str:
    """``"paper"`` when the paper's camera has been fetched, else ``"today"``; ``N2S_CAMERA`` overrides either.

    For code that should run on the paper's photograph once a user has fetched it. ``make notebooks`` sets
    ``N2S_CAMERA=today``, so that outputs stored in the repository never show the fetched photograph.

    Examples
    --------
    >>> pick_camera({"N2S_CAMERA": "today"})
    'today'
    """
    from .fetch import is_fetched

    environ = os.environ if environ is None else environ
    wanted = environ.get("N2S_CAMERA", "").strip()
    if wanted:
        return check_choice(wanted, CAMERAS, name="N2S_CAMERA")
    return "paper" if is_fetched("camera") else "today"


def describe_camera(camera: str) -> str:
    """One line saying which photograph and which noise ``camera`` stands for, for notebooks to print.

    >>> describe_camera("paper")[:18]
    "the paper's camera"
    """
    if check_choice(camera, CAMERAS, name="camera") == "paper":
        return ("the paper's camera (scikit-image before 0.18, fetched) with the authors' noise: seed 3 of NumPy's "
                "legacy generator, quantised to 8 bits")
    return "today's camera (scikit-image's photograph since 0.18, not the paper's) with noise from NumPy's Generator"


def paper_camera() -> np.ndarray:
    """The camera photograph of scikit-image before 0.18, the paper's (float64 on [0, 1]); it must be fetched first.

    Raises :class:`n2s_core.data.fetch.NotFetchedError`, naming the command, when it was not fetched.
    """
    from .fetch import fetched

    with np.load(fetched("camera")) as archive:
        return archive["data"].astype(np.float64) / 255


def authors_noise(image: np.ndarray, *, sigma: float = 0.1, seed: int = 3, quantise: bool = True) -> np.ndarray:
    """The noise of the authors' notebooks, drawn as they drew it in 2019.

    Their calibration code: ``np.random.seed(3)``, then ``img_as_ubyte(random_noise(image, mode="gaussian",
    var=0.01))``. scikit-image's ``random_noise`` then drew from NumPy's global legacy generator, which
    ``RandomState(seed)`` reproduces draw for draw; it added the noise and clipped to [0, 1]. ``img_as_ubyte``
    quantised the result to 8 bits (their single-image notebook does not: ``quantise=False``). Returns float64 on
    [0, 1].
    """
    from skimage import img_as_float, img_as_ubyte

    noisy = np.clip(image + np.random.RandomState(seed).normal(0.0, sigma, image.shape), 0.0, 1.0)
    return img_as_float(img_as_ubyte(noisy)) if quantise else noisy
