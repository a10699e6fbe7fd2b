"""A user's image file in and out, losing nothing: its bit depth, its value range, and any file already there.

:func:`read_image` turns a PNG, JPEG or TIFF into float pixels on [0, 1] and remembers how: unsigned integers by
their full range (8 bits: /255, 16 bits: /65535), floats already on [0, 1] as they are, and anything else (floats
beyond [0, 1], signed integers) by its own minimum and maximum, said out loud. :func:`write_image` undoes that map
and writes the input's own dtype where the format holds it. :func:`check_outputs` refuses, before any work starts,
outputs that would overwrite the input or each other, sit in a missing folder, or cannot hold the input's dtype.
:func:`write_outputs` writes every output to a temporary file first and renames them only when all were written,
so a failure never leaves a half-written or stale result behind.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg")
# The dtypes each format holds (PNG: 8- and 16-bit unsigned; JPEG: 8-bit; TIFF: all of ours).
FORMAT_DTYPES = {".png": ("uint8", "uint16"), ".jpg": ("uint8",), ".jpeg": ("uint8",),
                 ".tif": None, ".tiff": None}  # None: any dtype


@dataclass(frozen=True)
class ImageFile:
    """An image read from disk: ``pixels`` on [0, 1] and the map back, file value = ``low + pixel * (high - low)``."""

    path: Path
    pixels: np.ndarray  # float64 on [0, 1], (H, W) or (H, W, 3)
    channel_axis: int | None  # -1 for RGB, None for gray
    dtype: np.dtype  # the file's own dtype
    low: float
    high: float
    rescaled: bool  # True when the map came from the image's own minimum and maximum

    @property
    def note(self) -> str | None:
        """What a user should be told about the map, or None when it is the usual one."""
        return rescale_note(self)


def rescale_note(source) -> str | None:
    """For an image or stack read from disk (``path``, ``dtype``, ``low``, ``high``, ``rescaled``): what a user
    should be told about its map onto [0, 1], or None when it is the usual one."""
    if not source.rescaled:
        return None
    return (f"{source.path} holds {source.dtype} values from {source.low:g} to {source.high:g}, not on [0, 1]: "
            f"rescaled to [0, 1] for denoising and back to that range on writing")


def read_image(path) -> ImageFile:
    """Read a 2-D gray or RGB(A) image (alpha dropped); a clear ``ValueError`` for anything else.

    Examples
    --------
    >>> import tempfile
    >>> from skimage import io
    >>> path = Path(tempfile.mkdtemp()) / "counts.tif"
    >>> io.imsave(path, np.array([[0.0, 250.0], [500.0, 1000.0]], dtype=np.float32))
    >>> image = read_image(path)
    >>> image.pixels.tolist(), image.rescaled, str(image.dtype)
    ([[0.0, 0.25], [0.5, 1.0]], True, 'float32')
    """
    from skimage import io

    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not an image file; give one PNG, JPEG or TIFF file")
    if not path.is_file():
        raise ValueError(f"no such image file: {path}")
    try:
        raw = io.imread(path)
    except Exception as error:  # the readers raise many types for a corrupt file
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"could not read {path} as an image ({reason})") from None
    if raw.ndim == 3 and raw.shape[-1] == 4:
        raw = raw[..., :3]
    if not (raw.ndim == 2 or (raw.ndim == 3 and raw.shape[-1] == 3)):
        raise ValueError(f"{path} has shape {raw.shape}; only 2-D gray (H, W) or RGB (H, W, 3) images are supported")
    low, high, rescaled = _value_range(raw, path)
    pixels = (raw.astype(np.float64) - low) / (high - low)
    return ImageFile(path=path, pixels=pixels, channel_axis=-1 if raw.ndim == 3 else None, dtype=raw.dtype,
                     low=low, high=high, rescaled=rescaled)


def _value_range(raw: np.ndarray, path: Path) -> tuple[float, float, bool]:
    """``(low, high, rescaled)``: the values that map to 0 and 1."""
    if np.issubdtype(raw.dtype, np.floating):
        check_finite(raw, f"{path} has")
    return value_range(raw.dtype, raw.min(), raw.max(), path)


def check_finite(values: np.ndarray, where: str) -> None:
    """Refuse NaN and infinite values: ``where`` starts the message (e.g. ``"x.tif: plane 3 has"``)."""
    bad = int(np.count_nonzero(~np.isfinite(values)))
    if bad:
        raise ValueError(f"{where} {bad} NaN or infinite values; replace them before denoising")


def value_range(dtype, minimum, maximum, path) -> tuple[float, float, bool]:
    """``(low, high, rescaled)``, the file values that map to 0 and 1, for pixels of ``dtype`` between ``minimum``
    and ``maximum``: unsigned integers by their full range, floats on [0, 1] as they are, the rest by their own
    minimum and maximum."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return 0.0, 1.0, False
    if dtype in (np.uint8, np.uint16):
        return 0.0, float(np.iinfo(dtype).max), False
    if not (np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.integer)):
        raise ValueError(f"{path} holds {dtype} values; only integer and floating-point images are supported")
    if np.issubdtype(dtype, np.floating) and minimum >= 0 and maximum <= 1:
        return 0.0, 1.0, False
    if maximum == minimum:
        raise ValueError(f"{path} is constant (every value is {float(minimum):g}): there is nothing to denoise")
    return float(minimum), float(maximum), True


def to_file_values(pixels, like: ImageFile) -> np.ndarray:
    """``pixels`` on [0, 1] (clipped) back to the values and dtype of the file ``like``.

    Examples
    --------
    >>> like = ImageFile(Path("x.tif"), np.zeros((1, 1)), None, np.dtype("int16"), -100.0, 100.0, True)
    >>> to_file_values(np.array([[0.0, 0.5, 1.2]]), like).tolist()
    [[-100, 0, 100]]
    """
    values = like.low + np.clip(np.asarray(pixels, dtype=np.float64), 0, 1) * (like.high - like.low)
    if like.dtype == bool:
        return values >= 0.5
    if np.issubdtype(like.dtype, np.integer):
        info = np.iinfo(like.dtype)
        return np.clip(np.round(values), info.min, info.max).astype(like.dtype)
    return values.astype(like.dtype)


def check_outputs(inputs: dict, outputs: dict, *, dtype=None) -> None:
    """Refuse outputs before any work: ``{"--out": path, ...}`` against the inputs, each other, their folders,
    and (for image outputs, when ``dtype`` is given) whether the format holds that dtype. ``None`` paths are skipped.

    Examples
    --------
    >>> check_outputs({"image": Path("a.png")}, {"--out": Path("b.png"), "--report": Path("b.png")})
    Traceback (most recent call last):
    ...
    ValueError: --out and --report are the same file b.png; give each output its own path
    """
    outputs = {name: Path(path) for name, path in outputs.items() if path is not None}
    seen: dict[Path, str] = {}
    for name, path in outputs.items():
        for source_name, source in inputs.items():
            if _same_file(path, Path(source)):
                raise ValueError(f"{name} {path} is the input {source_name}; choose another path (the input is "
                                 f"never modified)")
        key = path.resolve()
        if key in seen:
            raise ValueError(f"{seen[key]} and {name} are the same file {path}; give each output its own path")
        seen[key] = name
        if path.is_dir():
            raise ValueError(f"{name} {path} is a folder; give a file name")
        if not path.parent.is_dir():
            raise ValueError(f"{name} {path}: folder {path.parent} does not exist; create it first")
        suffix = path.suffix.lower()
        if dtype is not None and suffix in IMAGE_SUFFIXES:
            allowed = FORMAT_DTYPES[suffix]
            if allowed is not None and np.dtype(dtype).name not in allowed and np.dtype(dtype) != bool:
                raise ValueError(f"{name} {path}: {suffix[1:].upper()} holds {' or '.join(allowed)} but the input "
                                 f"is {np.dtype(dtype).name}; write .tif to keep its values")


def check_image_suffix(name: str, path) -> None:
    if path is not None and Path(path).suffix.lower() not in IMAGE_SUFFIXES:
        raise ValueError(f"{name} {path} has an unsupported extension; use one of {', '.join(IMAGE_SUFFIXES)}")


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    with contextlib.suppress(OSError):
        return a.exists() and b.exists() and a.samefile(b)
    return False


def image_writer(pixels, like: ImageFile) -> Callable[[Path], None]:
    """A writer for :func:`write_outputs`: ``pixels`` on [0, 1] in the dtype and range of ``like``."""
    values = to_file_values(pixels, like)

    def write(path: Path) -> None:
        from skimage import io

        io.imsave(path, values, check_contrast=False)

    return write


def json_writer(data) -> Callable[[Path], None]:
    """A writer for :func:`write_outputs`: ``data`` as indented JSON."""
    text = json.dumps(data, indent=2) + "\n"
    return lambda path: path.write_text(text)


def write_outputs(writers: dict) -> None:
    """``{path: writer}``: each writer writes its temporary file, and only when every one has succeeded are they
    renamed into place; on any failure the temporary files go and no existing file is touched."""
    temporary = {}
    try:
        for path, write in writers.items():
            path = Path(path)
            partial = path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")  # same format, same disk
            temporary[path] = partial
            write(partial)
        for path, partial in temporary.items():
            os.replace(partial, path)
    finally:
        for partial in temporary.values():
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
