"""Fixtures of the paper's camera experiments: the §3 set-up, full size and a 64x64 crop."""

from __future__ import annotations

import pytest

import n2s_core as n2s


@pytest.fixture(scope="module")
def camera_pair():
    """The paper's §3 set-up on the full image: camera, sigma 0.1, seed 3, clipped."""
    return n2s.noisy_camera()


@pytest.fixture(scope="module")
def small_pair(camera_pair):
    clean, noisy = camera_pair
    return n2s.crop_center(clean, 64), n2s.crop_center(noisy, 64)
