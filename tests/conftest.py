"""Fixtures shared by the n2s_core unit tests: small seeded images and a deterministic hypothesis profile."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

import n2s_core as n2s

n2s.size_thread_pools()  # as the command line and the notebooks do: one thread per CPU the tests may use

# Deterministic property tests: the same examples on every run and machine (fixed seeds), no example database
# written into the repository, no per-example deadline (the first call of a scipy filter can be slow).
settings.register_profile("n2s_core", max_examples=30, deadline=None, derandomize=True, database=None,
                          print_blob=True)
settings.load_profile("n2s_core")

# The user's cache, where `python -m n2s_core fetch` put the paper's data, read before the session fixture below
# points N2S_CACHE_DIR at a temporary folder: tests that use a fetched file look there, and skip when it is absent.
USER_CACHE_DIR = os.environ.get("N2S_CACHE_DIR") or str(Path.home() / ".cache" / "n2s_core")


def _read_only(array: np.ndarray) -> np.ndarray:
    array = np.array(array)
    array.setflags(write=False)
    return array


@pytest.fixture(scope="session")
def camera() -> np.ndarray:
    """The full 512x512 camera image on [0, 1], read-only so that a function writing into its input fails loudly."""
    return _read_only(n2s.load_image("camera"))


@pytest.fixture(scope="session")
def camera_256(camera) -> np.ndarray:
    """Central 256x256 crop of the camera (read-only)."""
    return _read_only(n2s.crop_center(camera, 256))


@pytest.fixture(scope="session")
def camera_64(camera) -> np.ndarray:
    """Central 64x64 crop of the camera (read-only): small enough for every denoiser to run in milliseconds."""
    return _read_only(n2s.crop_center(camera, 64))


@pytest.fixture(scope="session")
def noisy_64(camera_64) -> np.ndarray:
    """``camera_64`` plus unclipped Gaussian noise, sigma 0.1, seed 0 (read-only)."""
    return _read_only(n2s.add_noise(camera_64, sigma=0.1, rng=0, clip=False))


@pytest.fixture(scope="session")
def rgb_48() -> np.ndarray:
    """A 48x48x3 crop of the astronaut with Gaussian noise sigma 0.1, seed 1 (read-only)."""
    clean = n2s.load_image("astronaut", size=48)
    return _read_only(n2s.add_noise(clean, sigma=0.1, rng=1))


@pytest.fixture(scope="session", autouse=True)
def _dataset_cache(tmp_path_factory):
    """Generated data sets go to a fresh folder for the test session, not to the user's ~/.cache/n2s_core."""
    previous = os.environ.get("N2S_CACHE_DIR")
    os.environ["N2S_CACHE_DIR"] = str(tmp_path_factory.mktemp("n2s_cache"))
    yield
    if previous is None:
        os.environ.pop("N2S_CACHE_DIR", None)
    else:
        os.environ["N2S_CACHE_DIR"] = previous


@pytest.fixture
def torch_installed():
    """For a test outside tests/nets that trains a net: skips without torch, which only the NumPy half's runs on
    other Pythons lack (tools/test_pythons.py); there the skip reason names torch, and CI lets it through."""
    return pytest.importorskip("torch")
