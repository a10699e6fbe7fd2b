"""Classical denoisers: every method's grid builds and its function runs; the paper's grids; optional BM3D."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import skimage.filters
import skimage.restoration

import n2s_core as n2s
from n2s_core import METHODS, bm3d_available, expand_grid, get_method
from n2s_core.classical.denoisers import bm3d, bm3d_denoise, nl_means, total_variation, wavelet

FAST = [name for name in METHODS if name != "bm3d"]


@pytest.fixture(scope="module")
def noisy_40(camera):
    return n2s.add_noise(n2s.crop_center(camera, 40), sigma=0.1, rng=0)


def check_method_runs(name, noisy, *, all_settings=True):
    method = get_method(name)
    grid = method.grid(noisy)
    assert isinstance(grid, dict) and grid
    assert all(len(list(values)) >= 1 for values in grid.values())
    settings = expand_grid(grid)
    outputs = [method.function(noisy, **params) for params in (settings[0], settings[-1])[:1 + all_settings]]
    if all_settings:
        outputs.append(method.run_default(noisy))
    for out in outputs:
        assert out.shape == noisy.shape
        assert np.all(np.isfinite(out))
    # it denoises: the output is closer to smooth than the input (lower total variation)
    assert np.abs(np.diff(out, axis=0)).mean() < np.abs(np.diff(noisy, axis=0)).mean()


@pytest.mark.parametrize("name", FAST)
def test_every_method_builds_its_grid_and_runs(noisy_40, name):
    check_method_runs(name, noisy_40)


@pytest.mark.slow
@pytest.mark.skipif(not bm3d_available(), reason="optional bm3d package not installed")
def test_bm3d_builds_its_grid_and_runs(noisy_40):
    check_method_runs("bm3d", noisy_40, all_settings=False)  # about 1 s a call


def test_methods_are_keyed_by_their_names():
    assert set(METHODS) == {"donut_median", "median", "wavelet", "nl_means", "tv", "bm3d"}
    for name, method in METHODS.items():
        assert method.name == name and get_method(name) is method and method.label and method.default_rule
        assert callable(method.function) and callable(method.grid) and callable(method.defaults)
    assert [name for name, method in METHODS.items() if method.invariant] == ["donut_median"]


def test_defaults_follow_the_authors_for_nl_means_and_the_library_elsewhere(noisy_40):
    # The authors' calibration notebook: h = 0.8 * sigma_est, 5x5 patches, distance 6, fast mode (it prints 28.94 dB,
    # the paper's 28.9); scikit-image's own defaults (h=0.1, 7x7, distance 11) are kept as library_defaults.
    sigma = skimage.restoration.estimate_sigma(noisy_40, average_sigmas=True)
    nlm = get_method("nl_means")
    assert nlm.defaults(noisy_40) == {"h": round(0.8 * sigma, 5), "patch_size": 5, "patch_distance": 6,
                                      "fast_mode": True}
    assert nlm.library_defaults == {} and "0.8" in nlm.default_rule
    np.testing.assert_array_equal(nl_means(noisy_40, **nlm.library_defaults),
                                  skimage.restoration.denoise_nl_means(noisy_40, fast_mode=True))
    square = get_method("median").defaults(noisy_40)  # scikit-image's filters.median: a 3x3 square
    np.testing.assert_allclose(get_method("median").function(noisy_40, **square),
                               skimage.filters.median(noisy_40, mode="mirror"), atol=1e-12)
    assert get_method("donut_median").defaults(noisy_40) == square
    np.testing.assert_array_equal(get_method("donut_median").run_default(noisy_40),
                                  get_method("median").run_default(noisy_40))  # the default is the plain median
    assert all(m.library_defaults is None for name, m in METHODS.items() if name != "nl_means")


def test_unknown_method_raises():
    with pytest.raises(ValueError, match=r"unknown method 'bm4d'; choose one of \['bm3d', 'donut_median'"):
        get_method("bm4d")


def test_grids_follow_the_paper(noisy_40):
    assert get_method("median").grid(noisy_40) == {"radius": [1, 2, 3, 4, 5, 6]}  # Figure 2
    sigmas = get_method("wavelet").grid(noisy_40)["sigma"]
    np.testing.assert_allclose(sigmas, np.arange(0.08, 0.3, 0.03))  # 0.08, 0.11, ..., 0.29
    assert len(sigmas) == 8
    grid = get_method("nl_means").grid(noisy_40)
    sigma_est = skimage.restoration.estimate_sigma(noisy_40)
    np.testing.assert_allclose(grid["h"], sigma_est * np.arange(0.5, 2.0, 0.2), rtol=1e-4)
    assert grid["patch_size"] == [5] and grid["patch_distance"] == [6]


@pytest.mark.parametrize("name", FAST)
def test_grids_for_colour_images_run_with_channel_axis(rgb_48, name):
    method = get_method(name)
    params = expand_grid(method.grid(rgb_48, channel_axis=-1))[0]
    assert method.function(rgb_48, **params, channel_axis=-1).shape == rgb_48.shape


def test_wavelet_is_hard_thresholding_with_sigma_as_given():
    # paper §3: hard thresholding at the given sigma (scikit-image >= 0.18 rescales sigma by default).
    noisy = n2s.add_noise(n2s.load_image("camera", size=64), sigma=0.1, rng=1)
    expected = skimage.restoration.denoise_wavelet(noisy, sigma=0.1, mode="hard", rescale_sigma=False)
    np.testing.assert_allclose(wavelet(noisy, sigma=0.1), expected)
    assert not np.allclose(wavelet(noisy, sigma=0.1), wavelet(noisy, sigma=0.1, mode="soft"))


def test_wrappers_pass_their_parameters(noisy_40):
    np.testing.assert_allclose(
        nl_means(noisy_40, h=0.05, patch_size=5, patch_distance=6),
        skimage.restoration.denoise_nl_means(noisy_40, h=0.05, patch_size=5, patch_distance=6, fast_mode=True))
    np.testing.assert_allclose(total_variation(noisy_40, weight=0.2),
                               skimage.restoration.denoise_tv_chambolle(noisy_40, weight=0.2))
    assert not np.allclose(total_variation(noisy_40, weight=0.2), total_variation(noisy_40, weight=0.02))


def test_bm3d_reports_a_missing_package_cleanly(monkeypatch, noisy_40):
    monkeypatch.setitem(sys.modules, "bm3d", None)  # makes `import bm3d` raise ImportError
    assert bm3d_available() is False
    with pytest.raises(ImportError, match=r"BM3D needs the optional package: pip install 'n2s-core\[bm3d\]'"):
        bm3d(noisy_40)
    with pytest.raises(ImportError, match=r"pip install"):
        get_method("bm3d").function(noisy_40, sigma_psd=0.1)


@pytest.mark.parametrize("name", FAST)
def test_inputs_are_not_mutated(noisy_40, name):
    noisy = np.array(noisy_40)
    before = noisy.copy()
    noisy.setflags(write=False)
    method = get_method(name)
    method.function(noisy, **expand_grid(method.grid(noisy))[0])
    np.testing.assert_array_equal(noisy, before)


@pytest.mark.skipif(not bm3d_available(), reason="optional bm3d package not installed")
def test_bm3d_denoises_rgb_in_place_of_the_gray_path():
    rng = np.random.default_rng(0)
    clean = np.repeat(np.linspace(0.2, 0.8, 32)[None, :, None], 32, axis=0) * np.array([1.0, 0.7, 0.4])
    noisy = np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1).astype(np.float32)
    out = bm3d(noisy, channel_axis=-1)
    assert out.shape == noisy.shape and out.dtype == np.float32
    assert np.mean((out - clean) ** 2) < 0.5 * np.mean((noisy - clean) ** 2)


def test_bm3d_rejects_other_channel_layouts():
    with pytest.raises(ValueError, match="RGB image with channel_axis=-1"):
        bm3d(np.zeros((3, 16, 16)), channel_axis=0)


def test_the_options_are_keywords_and_bm3d_denoise_is_bm3d_s_old_name(noisy_40, monkeypatch):
    with pytest.raises(TypeError, match="positional"):
        nl_means(noisy_40, 0.05)
    calls = []
    monkeypatch.setattr(sys.modules["n2s_core.classical.denoisers"], "bm3d", lambda image, **o: calls.append(o))
    with pytest.warns(DeprecationWarning, match="bm3d_denoise is now bm3d"):
        bm3d_denoise(noisy_40, sigma_psd=0.1)
    assert calls == [{"sigma_psd": 0.1}]
