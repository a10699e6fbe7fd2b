"""Bundled images load offline with the right shapes and ranges; the paper's noisy camera is reproducible."""

from __future__ import annotations

import socket

import numpy as np
import pytest

import n2s_core as n2s
from n2s_core import BUNDLED, crop_center, load_image, noisy_camera

SHAPES = {
    "astronaut": (512, 512, 3), "brick": (512, 512), "camera": (512, 512), "cell": (660, 550),
    "chelsea": (300, 451, 3), "clock": (300, 400), "coffee": (400, 600, 3), "coins": (303, 384), "grass": (512, 512),
    "gravel": (512, 512), "moon": (512, 512), "page": (191, 384), "text": (172, 448),
}


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("n2s_core tried to use the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_bundled_list_is_the_one_tested():
    assert set(BUNDLED) == set(SHAPES)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_bundled_images_load_offline_as_floats_on_unit_range(offline, name):
    image = load_image(name)
    assert image.shape == SHAPES[name]
    assert image.dtype == np.float64
    assert 0.0 <= image.min() < image.max() <= 1.0
    gray = load_image(name, gray=True)
    assert gray.shape == SHAPES[name][:2] and gray.dtype == np.float64
    assert 0.0 <= gray.min() and gray.max() <= 1.0


def test_gray_conversion_and_size():
    rgb = load_image("astronaut")
    gray = load_image("astronaut", gray=True)
    weights = np.array([0.2125, 0.7154, 0.0721])  # ITU-R BT.709 luminance, as skimage.color.rgb2gray
    np.testing.assert_allclose(gray, rgb @ weights, atol=1e-12)
    np.testing.assert_array_equal(load_image("astronaut", gray=False), rgb)
    assert load_image("chelsea", size=100).shape == (100, 100, 3)
    np.testing.assert_array_equal(load_image("camera", size=64), crop_center(load_image("camera"), 64))


def test_unknown_image_name_raises():
    with pytest.raises(ValueError, match=r"unknown image name 'lena'; choose one of \['astronaut'"):
        load_image("lena")


def test_crop_center_takes_the_central_square():
    image = np.arange(6 * 8).reshape(6, 8)
    crop = crop_center(image, 4)
    np.testing.assert_array_equal(crop, image[1:5, 2:6])
    assert np.shares_memory(crop, image)  # a view, as documented
    rgb = np.zeros((10, 12, 3))
    assert crop_center(rgb, 5).shape == (5, 5, 3)
    assert crop_center(image, 6).shape == (6, 6)
    np.testing.assert_array_equal(crop_center(np.arange(9).reshape(3, 3), 1), [[4]])


@pytest.mark.parametrize("size", [0, -2, 7])
def test_crop_center_refuses_sizes_outside_the_image(size):
    with pytest.raises(ValueError, match=rf"size must be in \[1, 6\] for an image of shape \(6, 8\), got {size}"):
        crop_center(np.zeros((6, 8)), size)


def test_crop_center_does_not_mutate():
    image = np.arange(64.0).reshape(8, 8)
    before = image.copy()
    image.setflags(write=False)
    crop_center(image, 4)
    np.testing.assert_array_equal(image, before)


def test_noisy_camera_is_reproducible_and_seeded(camera):
    clean, noisy = noisy_camera()
    np.testing.assert_array_equal(clean, camera)
    np.testing.assert_array_equal(noisy, noisy_camera()[1])
    assert not np.array_equal(noisy, noisy_camera(rng=4)[1])
    # it is add_noise with the paper's seed 3 and sigma 0.1
    np.testing.assert_array_equal(noisy, n2s.add_noise(camera, sigma=0.1, rng=3))


def test_noisy_camera_noise_level():
    clean, noisy = noisy_camera()
    assert noisy.shape == clean.shape == (512, 512)
    assert 0.0 <= noisy.min() and noisy.max() <= 1.0
    clipped_variance = np.mean((noisy - clean) ** 2)
    # paper §3: clipping to [0, 1] brings the measured variance below sigma**2, to about 0.009
    assert 0.0085 < clipped_variance < 0.0095
    clean, raw = noisy_camera(clip=False)
    # unclipped: sigma**2 within 4 standard errors (0.01 * sqrt(2 / 512**2) = 2.8e-5)
    assert abs(np.mean((raw - clean) ** 2) - 0.01) < 4 * 0.01 * np.sqrt(2 / clean.size)
    assert noisy_camera(sigma=0.2, clip=False)[1].std() > raw.std()


def test_noisy_camera_size_crops_both_images_in_the_same_place():
    clean, noisy = noisy_camera(size=64)
    full_clean, full_noisy = noisy_camera()
    assert clean.shape == noisy.shape == (64, 64)
    np.testing.assert_array_equal(clean, crop_center(full_clean, 64))
    np.testing.assert_array_equal(noisy, crop_center(full_noisy, 64))


# ------------------------------------------------------------------------------------------- the paper's camera

def test_the_authors_noise_is_numpys_legacy_draw_clipped_and_quantised():
    # NumPy's legacy generator is frozen (NEP 19): seed 3 still starts 1.78862847, 0.43650985, 0.09649747, as in 2019
    np.testing.assert_allclose(np.random.RandomState(3).normal(0, 1, 3), [1.78862847, 0.43650985, 0.09649747],
                               atol=1e-8)
    image = np.full((8, 8), 0.5)
    noisy = n2s.data.images.authors_noise(image, sigma=0.1, seed=3)
    assert noisy[0, 0] == np.round((0.5 + 0.178862847) * 255) / 255  # the first draw, added and quantised
    np.testing.assert_allclose(noisy * 255, np.round(noisy * 255), atol=1e-9)  # 8-bit levels
    assert 0 <= noisy.min() and noisy.max() <= 1
    np.testing.assert_array_equal(noisy, n2s.data.images.authors_noise(image, sigma=0.1, seed=3))
    assert np.all(n2s.data.images.authors_noise(np.ones((8, 8)), seed=3) <= 1)  # clipped


def test_the_paper_camera_needs_fetching_and_says_how(monkeypatch, tmp_path):
    monkeypatch.setenv("N2S_CACHE_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"run `python -m n2s_core fetch camera`"):
        noisy_camera(camera="paper")
    with pytest.raises(ValueError, match="choose one of"):
        noisy_camera(camera="cameraman")


def test_the_paper_camera_takes_the_authors_noise(monkeypatch):
    photo = np.linspace(0, 1, 64 * 64).reshape(64, 64)
    monkeypatch.setattr(n2s.data.images, "paper_camera", lambda: photo)
    clean, noisy = noisy_camera(camera="paper", size=32)
    np.testing.assert_array_equal(clean, crop_center(photo, 32))
    np.testing.assert_array_equal(noisy, crop_center(n2s.data.images.authors_noise(photo, sigma=0.1, seed=3), 32))
    with pytest.raises(ValueError, match="integer seed"):
        noisy_camera(camera="paper", rng=np.random.default_rng(3))


def test_pick_camera_takes_the_paper_camera_once_fetched_unless_told(monkeypatch, tmp_path):
    monkeypatch.setenv("N2S_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("N2S_CAMERA", raising=False)
    assert n2s.pick_camera() == "today"  # nothing fetched
    monkeypatch.setattr(n2s.data.fetch, "is_fetched", lambda name, **kwargs: name == "camera")
    assert n2s.pick_camera() == "paper"
    assert n2s.pick_camera({"N2S_CAMERA": "today"}) == "today"
    with pytest.raises(ValueError, match="N2S_CAMERA"):
        n2s.pick_camera({"N2S_CAMERA": "2019"})
