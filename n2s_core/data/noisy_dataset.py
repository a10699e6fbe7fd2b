"""``NoisyDataset``: what a data set of Table 2 is, whatever made it: clean images, two noisy copies, a split.

Noise is drawn once, seeded, and stored with the clean images, with a second independent noisy copy for
Noise2Noise (redrawing noise every epoch would feed the nets more noisy views than the paper's saw), so the arrays are
read-only. The split is fixed with the data: 0 train, 1 validation, 2 test.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .._checks import check_choice
from ..metrics import psnr

SPLITS = ("train", "val", "test")


@dataclasses.dataclass(frozen=True, eq=False)
class NoisyDataset:
    """Clean images, two independent noisy copies and a fixed train/val/test split (arrays are read-only)."""

    name: str  # "hanzi", "cellnet-like", "imagenet-like" or "folder:<path>"
    clean: np.ndarray  # (N, H, W) gray or (N, H, W, 3) RGB, float32 on [0, 1]
    noisy: np.ndarray  # same shape: the first noisy copy (input of N2S / N2N / N2T)
    noisy2: np.ndarray  # same shape: a second, independent noisy copy (the N2N target)
    split: np.ndarray  # (N,) int8: 0 train, 1 validation, 2 test
    substitute: bool  # True for data standing in for the paper's: label it in every table and figure
    description: str  # one line for tables and figures
    groups: np.ndarray  # (N,) int: the source item of each tile (Hanzi: character; crops: source region)

    def __post_init__(self):
        n = len(self.clean)
        if self.noisy.shape != self.clean.shape or self.noisy2.shape != self.clean.shape:
            raise ValueError(f"clean, noisy and noisy2 must have one shape, got {self.clean.shape}, "
                             f"{self.noisy.shape} and {self.noisy2.shape}")
        if self.split.shape != (n,) or self.groups.shape != (n,):
            raise ValueError(f"split and groups need shape ({n},), got {self.split.shape} and {self.groups.shape}")
        for field in ("clean", "noisy", "noisy2", "split", "groups"):  # read-only views: the noise never changes
            view = np.asarray(getattr(self, field)).view()
            view.setflags(write=False)
            object.__setattr__(self, field, view)

    def __len__(self) -> int:
        return len(self.clean)

    @property
    def channel_axis(self) -> int | None:
        """``-1`` for RGB images (N, H, W, 3), ``None`` for gray ones."""
        return -1 if self.clean.ndim == 4 else None

    def part(self, which: str) -> NoisyDataset:
        """The ``"train"``, ``"val"`` or ``"test"`` subset (copies of the arrays, same labels)."""
        keep = self.split == SPLITS.index(check_choice(which, SPLITS, name="part"))
        arrays = {f: getattr(self, f)[keep] for f in ("clean", "noisy", "noisy2", "split", "groups")}
        return dataclasses.replace(self, **arrays)


def split_counts(n: int, fractions=(0.7, 0.2, 0.1)) -> np.ndarray:
    """How many of ``n`` items go to train, val and test: val and test rounded, train takes the rest."""
    fractions = np.asarray(fractions, dtype=float)
    if fractions.shape != (3,) or np.any(fractions < 0) or not np.isclose(fractions.sum(), 1):
        raise ValueError(f"fractions must be 3 numbers >= 0 summing to 1 (train, val, test), got {tuple(fractions)}")
    val, test = (int(np.floor(n * f + 0.5)) for f in fractions[1:])
    return np.array([n - val - test, val, test])


def split_labels(n: int, *, fractions=(0.7, 0.2, 0.1), rng=None) -> np.ndarray:
    """A random split of ``n`` items: int8 labels (0 train, 1 val, 2 test) in the counts of :func:`split_counts`.

    Examples
    --------
    >>> np.bincount(split_labels(10, rng=0)).tolist()
    [7, 2, 1]
    """
    labels = np.repeat(np.arange(3, dtype=np.int8), split_counts(n, fractions))
    return np.random.default_rng(rng).permutation(labels)


def raw_psnr(dataset: NoisyDataset, part: str | None = "test") -> float:
    """Mean PSNR (dB) of the noisy images against the clean ones over a part (``None``: all images)."""
    data = dataset if part is None else dataset.part(part)
    if not len(data):
        raise ValueError(f"the {part!r} part of {dataset.name!r} is empty; use more images or another part")
    return float(np.mean([psnr(c, n) for c, n in zip(data.clean, data.noisy, strict=True)]))
