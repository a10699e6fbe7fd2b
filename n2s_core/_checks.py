"""Input checks shared by every module: one place for the error messages a student will read.

Each check returns the cleaned value or raises ``TypeError``/``ValueError`` naming the bad value and the fix.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np


def as_float_image(image, *, name: str = "image", scale_integers: bool = True) -> np.ndarray:
    """Return ``image`` as a float array without mutating it.

    Integers are scaled to [0, 1] (uint8 / 255, uint16 / 65535, ...) unless ``scale_integers=False``;
    float16 becomes float32, float32 and float64 are kept. NaN, inf, booleans, complex numbers and 0-d arrays
    are refused.
    """
    arr = np.asarray(image)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be a real-valued integer or float array, got dtype {arr.dtype}")
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least one axis, got a scalar; pass an array such as (H, W)")
    if np.issubdtype(arr.dtype, np.integer) and not scale_integers:
        arr = arr.astype(np.float64)
    elif np.issubdtype(arr.dtype, np.integer):
        info = np.iinfo(arr.dtype)
        if info.min < 0:
            arr = (arr.astype(np.float64) - info.min) / (info.max - info.min)
        else:
            arr = arr.astype(np.float64) / info.max
    elif arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or inf value(s); replace them (e.g. np.nan_to_num) first")
    return arr


def spatial_shape(image: np.ndarray, channel_axis: int | None) -> tuple[int, ...]:
    """Shape of ``image`` without its channel axis."""
    if channel_axis is None:
        return tuple(image.shape)
    axis = normalize_axis(channel_axis, image.ndim)
    return tuple(n for i, n in enumerate(image.shape) if i != axis)


def normalize_axis(channel_axis: int, ndim: int) -> int:
    """Turn a possibly negative ``channel_axis`` into a valid index, or raise."""
    if not isinstance(channel_axis, numbers.Integral) or isinstance(channel_axis, bool):
        raise TypeError(f"channel_axis must be an int or None, got {channel_axis!r} (e.g. channel_axis=-1 for RGB)")
    if ndim < 2 or not -ndim <= channel_axis < ndim:
        raise ValueError(
            f"channel_axis={channel_axis} is out of range for an array with {ndim} axes; "
            "use channel_axis=None for a single-channel image"
        )
    return int(channel_axis) % ndim


def check_ndim(image: np.ndarray, ndims: tuple[int, ...], channel_axis: int | None, *, name: str) -> None:
    """Refuse images whose number of spatial axes is not in ``ndims``."""
    n = image.ndim - (channel_axis is not None)
    if n not in ndims:
        allowed = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(
            f"{name} expects a {allowed} image (plus an optional channel axis), got shape {image.shape}"
            + (" with channel_axis=None" if channel_axis is None else f" with channel_axis={channel_axis}")
        )


def check_int(value, *, name: str, minimum: int = 1, maximum: int | None = None, fix: str = "") -> int:
    """An int (not a bool, not 1.5) in ``[minimum, maximum]``: ``TypeError`` for the type, ``ValueError`` for
    the range, each naming the value; ``fix`` is appended to the range message. Every integer option is checked
    here, so 1.5 fails the same way everywhere.

    >>> check_int(3, name="steps")
    3
    >>> check_int(1.5, name="steps")
    Traceback (most recent call last):
    ...
    TypeError: steps must be an int, got 1.5
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be an int {bounds}, got {value}{fix}")
    return int(value)


def renamed_keywords(kwargs: dict, renames: dict[str, str], *, where: str) -> dict:
    """``kwargs`` with each old keyword of ``renames`` (old -> new) given under its new name, warning once per use
    with a ``DeprecationWarning`` that names the new one; an unknown keyword is a ``TypeError``, as Python's own.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     renamed_keywords({"mask_span": 2}, {"mask_span": "span"}, where="f")
    {'span': 2}
    >>> str(caught[0].message)
    'f(mask_span=) is now f(span=); the old name will be removed'
    """
    out = {}
    for key, value in kwargs.items():
        if key not in renames:
            raise TypeError(f"{where}() got an unexpected keyword argument {key!r}")
        warnings.warn(f"{where}({key}=) is now {where}({renames[key]}=); the old name will be removed",
                      DeprecationWarning, stacklevel=3)
        out[renames[key]] = value
    return out


def torch_seed(rng) -> int:
    """The int seed a torch training run takes, from anything ``np.random.default_rng`` takes: an int (or a
    NumPy integer) is used as it is, so ``rng=3`` and ``seed=3`` train the same net; a Generator or None draws one.

    >>> torch_seed(3), torch_seed(np.random.default_rng(0)) == torch_seed(np.random.default_rng(0))
    (3, True)
    """
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return check_int(rng, name="rng", minimum=0)
    return int(np.random.default_rng(rng).integers(2**31))


def check_stride(stride, shape: tuple[int, ...]) -> int:
    """A grid stride must be an int >= 2 and no larger than the smallest spatial side."""
    stride = check_int(stride, name="stride", minimum=2, fix="; stride 1 would hold out every pixel at once")
    if stride > min(shape):
        raise ValueError(
            f"stride={stride} is larger than the image side {min(shape)} (shape {shape}); use a smaller stride"
        )
    return int(stride)


def check_same_shape(a: np.ndarray, b: np.ndarray, *, names: tuple[str, str]) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape, got {a.shape} and {b.shape}")


def check_nonnegative(value, *, name: str) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return float(value)


def check_choice(value, choices, *, name: str):
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of {sorted(choices)}")
    return value
