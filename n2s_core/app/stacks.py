"""A stack of gray planes (Z or T, then Y, X) in one TIFF, denoised plane by plane with one choice for all planes.

A microscope's stack holds planes of one sample under one noise, so one calibration serves them all: the
candidates are calibrated and scored on a few evenly spaced planes (:data:`SAMPLE_PLANES`), the Noise2Self net
trains on crops of every plane, and the denoiser so chosen (one candidate, or a weighted sum of them) is applied to
each plane in turn. Memory stays bounded: planes are read one at a time and written as they are made; only the
net's training planes are held together, at most :data:`TRAIN_BYTES` of them (more planes: an evenly spaced share).
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .image_files import check_finite, rescale_note, to_file_values, value_range

SAMPLE_PLANES = 4  # planes the candidates are calibrated and scored on, evenly spaced through the stack
TRAIN_BYTES = 512 * 2**20  # the net's training planes, as float32, at most this much memory
STACK_SUFFIXES = (".tif", ".tiff")


@dataclass(frozen=True)
class StackFile:
    """A TIFF stack on disk, read a plane at a time: file value = ``low + pixel * (high - low)``, as for images."""

    path: Path
    shape: tuple[int, int, int]  # (planes, height, width)
    dtype: np.dtype
    low: float
    high: float
    rescaled: bool

    @property
    def note(self) -> str | None:
        """What a user should be told about the map, or None when it is the usual one."""
        return rescale_note(self)

    def raw_plane(self, index: int) -> np.ndarray:
        import tifffile

        with tifffile.TiffFile(self.path) as tif:
            if len(tif.series[0].pages) == self.shape[0]:  # one page per plane: read that page alone
                return np.squeeze(tif.asarray(key=index, series=0))
            return tif.series[0].asarray().reshape(self.shape)[index]  # the planes in one page: read them all

    def plane(self, index: int) -> np.ndarray:
        """Plane ``index`` as float64 on [0, 1]."""
        return (self.raw_plane(index).astype(np.float64) - self.low) / (self.high - self.low)


def open_stack(path) -> StackFile | None:
    """The stack in ``path``, or None when the file is not a TIFF of gray planes (then it is read as one image).

    Each plane is read once, to check it (finite values, one shape) and to find the value range of files whose
    values are not unsigned integers; a bad plane is named in a ``ValueError``.
    """
    import tifffile

    path = Path(path)
    if path.suffix.lower() not in STACK_SUFFIXES or not path.is_file():
        return None
    try:
        with tifffile.TiffFile(path) as tif:
            series = tif.series[0]
            shape, axes, dtype = tuple(series.shape), series.axes, np.dtype(series.dtype)
    except Exception:  # not a TIFF that tifffile reads: the image reader gives the error
        return None
    kept = [(n, a) for n, a in zip(shape, axes, strict=True) if n > 1 or a in "YX"]
    if "S" in axes or len(kept) < 3:
        return None  # a 2-D image, gray or colour
    if len(kept) > 3:
        raise ValueError(f"{path} has shape {shape} (axes {axes}); a stack must be 3-D (planes, Y, X): save each Z "
                         "or T series as its own file")
    stack = StackFile(path, tuple(n for n, _ in kept), dtype, 0.0, 1.0, False)
    return _checked(stack)


def _checked(stack: StackFile) -> StackFile:
    """Read every plane once: refuse a non-finite or misshapen one by its index, and find the value range."""
    low, high = np.inf, -np.inf
    for index in range(stack.shape[0]):
        plane = stack.raw_plane(index)
        if plane.shape != stack.shape[1:]:
            raise ValueError(f"{stack.path}: plane {index} has shape {plane.shape}, not {stack.shape[1:]}")
        if np.issubdtype(plane.dtype, np.floating):
            check_finite(plane, f"{stack.path}: plane {index} has")
        low, high = min(low, plane.min()), max(high, plane.max())
    low, high, rescaled = value_range(stack.dtype, low, high, stack.path)
    return StackFile(stack.path, stack.shape, stack.dtype, low, high, rescaled)


def sample_indices(planes: int, count: int = SAMPLE_PLANES) -> list[int]:
    """``count`` plane indices spread evenly from the first plane to the last (all of them for a short stack).

    >>> sample_indices(16), sample_indices(3)
    ([0, 5, 10, 15], [0, 1, 2])
    """
    return sorted({int(i) for i in np.linspace(0, planes - 1, min(planes, count)).round()})


def training_indices(stack: StackFile) -> list[int]:
    """Every plane when they fit in :data:`TRAIN_BYTES` as float32, else as many as fit, evenly spaced."""
    per_plane = 4 * stack.shape[1] * stack.shape[2]
    return sample_indices(stack.shape[0], max(1, min(stack.shape[0], TRAIN_BYTES // per_plane)))


def denoise_stack(stack: StackFile, out: Path, *, apply, progress: bool = True) -> dict:
    """Apply ``apply(plane) -> denoised plane`` to every plane of ``stack`` and write them, in the stack's dtype
    and range, to ``out`` as they are made; ``out`` appears only when every plane was written. Returns timings."""
    import tifffile
    from tqdm.auto import tqdm

    out = Path(out)
    partial = out.with_name(f".{out.stem}.partial-{os.getpid()}{out.suffix}")
    seconds = []

    def planes():
        for index in tqdm(range(stack.shape[0]), desc="denoising planes", unit="plane", disable=not progress):
            started = time.perf_counter()
            denoised = to_file_values(apply(stack.plane(index)), stack)
            seconds.append(time.perf_counter() - started)
            yield denoised

    try:
        tifffile.imwrite(partial, planes(), shape=stack.shape, dtype=to_file_values(np.zeros(1), stack).dtype,
                         photometric="minisblack")  # planes, never read as colour (3 or 4 of them would be)
        os.replace(partial, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return {"planes": stack.shape[0], "seconds_per_plane": round(float(np.mean(seconds)), 3),
            "planes_seconds": round(float(np.sum(seconds)), 2)}
