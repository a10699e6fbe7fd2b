"""J-invariance: the wrapper makes any denoiser J-invariant; the losses obey the paper's identity (paper §1-§3)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import skimage.filters
import skimage.restoration
from hypothesis import given
from hypothesis import strategies as st
from scipy import ndimage as ndi

import n2s_core as n2s
from n2s_core import denoise_invariant, ground_truth_loss, self_supervised_loss

# --------------------------------------------------------------------------------------------------------------
# Denoisers of every kind: linear, rank-based, global, dense nonlinear. None is J-invariant on its own.


def random_correlation(seed: int, ndim: int, size: int = 3):
    kernel = np.random.default_rng(seed).normal(size=(size,) * ndim)
    return functools.partial(ndi.correlate, weights=kernel, mode="reflect")


def random_convolution(seed: int, ndim: int):
    # 5-wide support with periodic borders: reaches pixels of the same grid subset (stride 2) and across edges.
    kernel = np.random.default_rng(seed).normal(size=(5,) * ndim)
    return functools.partial(ndi.convolve, weights=kernel, mode="wrap")


def median3(image):
    return ndi.median_filter(image, size=3, mode="reflect")


def plus_mean(image):
    return image + image.mean()


def dense_mix(seed: int):
    """A nonlinear function in which every output value reads every input value."""

    def denoiser(image):
        weights = np.random.default_rng(seed).normal(size=(image.size, image.size)) / np.sqrt(image.size)
        return np.tanh(weights @ image.ravel()).reshape(image.shape) + image**2

    return denoiser


def make_denoiser(kind: str, seed: int, ndim: int):
    return {
        "correlation": lambda: random_correlation(seed, ndim),
        "convolution": lambda: random_convolution(seed, ndim),
        "median": lambda: median3,
        "plus_mean": lambda: plus_mean,
        "dense": lambda: dense_mix(seed),
    }[kind]()


DENOISER_KINDS = ["correlation", "convolution", "median", "plus_mean", "dense"]


def spatial_mask(labels, offset, image_shape, channel_axis):
    """Boolean mask of subset ``offset`` broadcast over the channel axis."""
    mask = labels == offset
    if channel_axis is not None:
        mask = np.expand_dims(mask, channel_axis % len(image_shape))
    return np.broadcast_to(mask, image_shape)


def assert_invariant_on(image, mask, run, seed=0):
    """Perturb ``image`` on ``mask`` with random values; ``run(image)`` must not change on ``mask``."""
    perturbed = image.copy()
    perturbed[mask] = np.random.default_rng(seed).random(int(mask.sum()))
    np.testing.assert_allclose(run(perturbed)[mask], run(image)[mask], rtol=0, atol=1e-12)


# --------------------------------------------------------------------------------------------------------------
# Property: J-invariance for arbitrary denoisers, shapes, strides, kernels and channel layouts.


@st.composite
def invariance_cases(draw):
    ndim = draw(st.integers(1, 3))
    stride = draw(st.integers(2, 4 if ndim < 3 else 3))
    high = {1: 24, 2: 10, 3: 6}[ndim]
    spatial = [draw(st.integers(stride, max(stride, high))) for _ in range(ndim)]
    channel_axis = draw(st.sampled_from([None, -1, 0])) if ndim < 3 else None
    shape = list(spatial)
    if channel_axis is not None:
        shape.insert(len(shape) if channel_axis == -1 else 0, 2)
    return dict(
        shape=tuple(shape), spatial=tuple(spatial), stride=stride, channel_axis=channel_axis,
        interpolation=draw(st.sampled_from(["axis", "diagonal"])), kind=draw(st.sampled_from(DENOISER_KINDS)),
        seed=draw(st.integers(0, 2**16)), offset=draw(st.integers(0, stride**ndim - 1)),
    )


@given(invariance_cases())
def test_denoise_invariant_is_j_invariant_for_any_denoiser(case):
    image = np.random.default_rng(case["seed"]).random(case["shape"])
    denoiser = make_denoiser(case["kind"], case["seed"], image.ndim)
    labels = n2s.grid_labels(case["spatial"], stride=case["stride"])
    mask = spatial_mask(labels, case["offset"], image.shape, case["channel_axis"])

    def run(im):
        return denoise_invariant(im, denoiser, stride=case["stride"], channel_axis=case["channel_axis"],
                                 interpolation=case["interpolation"])

    assert_invariant_on(image, mask, run, seed=case["seed"] + 1)


@pytest.mark.parametrize("interpolation", ["axis", "diagonal"])
@pytest.mark.parametrize("kind", DENOISER_KINDS)
def test_every_border_pixel_is_invariant_to_its_own_value(kind, interpolation):
    # The scipy "reflect" trap breaks J-invariance on the border only: check each border pixel on its own.
    shape = (9, 10)  # sides not multiples of the stride, so every subset touches the far border differently
    image = np.random.default_rng(0).random(shape)
    denoiser = make_denoiser(kind, 1, 2)

    def run(im):
        return denoise_invariant(im, denoiser, stride=3, interpolation=interpolation, n_jobs=1)

    reference = run(image)
    for r in range(shape[0]):
        for c in range(shape[1]):
            if r in (0, shape[0] - 1) or c in (0, shape[1] - 1):
                perturbed = image.copy()
                perturbed[r, c] += 10.0
                assert run(perturbed)[r, c] == pytest.approx(reference[r, c], abs=1e-12), (r, c)


@pytest.mark.parametrize("channel_axis", [-1, 0])
@pytest.mark.parametrize("interpolation", ["axis", "diagonal"])
def test_j_invariance_with_channels_held_out_together(channel_axis, interpolation):
    rng = np.random.default_rng(2)
    image = rng.random((12, 11, 3)) if channel_axis == -1 else rng.random((3, 12, 11))

    def mixes_channels(im):  # every output channel reads every input channel
        return random_correlation(3, 3)(im) + im.mean(axis=channel_axis, keepdims=True)

    labels = n2s.grid_labels((12, 11), stride=4)

    def run(im):
        return denoise_invariant(im, mixes_channels, stride=4, channel_axis=channel_axis,
                                 interpolation=interpolation)

    for offset in (0, 5, 15):
        assert_invariant_on(image, spatial_mask(labels, offset, image.shape, channel_axis), run, seed=offset)


@pytest.mark.parametrize("interpolation", ["axis", "diagonal"])
def test_j_invariance_in_3d(interpolation):
    image = np.random.default_rng(4).random((7, 6, 8))
    labels = n2s.grid_labels(image.shape, stride=2)
    denoiser = random_convolution(5, 3)
    for offset in range(8):
        assert_invariant_on(image, labels == offset, lambda im: denoise_invariant(
            im, denoiser, stride=2, interpolation=interpolation), seed=offset)


def test_explicit_grid_labels_are_j_invariant():
    image = np.random.default_rng(6).random((16, 16))
    labels = n2s.grid_labels(image.shape, stride=4)
    for offset in range(16):
        assert_invariant_on(image, labels == offset,
                            lambda im: denoise_invariant(im, random_convolution(7, 2), labels=labels), seed=offset)


@pytest.mark.parametrize("interpolation", ["axis", "diagonal"])
def test_random_labels_are_j_invariant(interpolation):
    # paper §5: a random partition into 25 subsets; neighbours of a held-out pixel are often held out too
    image = np.random.default_rng(8).random((24, 24))
    labels = n2s.random_labels(image.shape, n_subsets=25, rng=0)
    for offset in range(5):
        assert_invariant_on(image, labels == offset, lambda im: denoise_invariant(
            im, plus_mean, labels=labels, interpolation=interpolation), seed=offset)


@st.composite
def random_partition_cases(draw):
    ndim = draw(st.integers(1, 3))
    spatial = tuple(draw(st.integers(2, {1: 24, 2: 9, 3: 5}[ndim])) for _ in range(ndim))
    n_subsets = draw(st.integers(2, min(25, int(np.prod(spatial)))))
    channel_axis = draw(st.sampled_from([None, -1, 0])) if ndim < 3 else None
    shape = spatial if channel_axis is None else (spatial + (2,) if channel_axis == -1 else (2,) + spatial)
    return dict(shape=shape, spatial=spatial, n_subsets=n_subsets, channel_axis=channel_axis,
                interpolation=draw(st.sampled_from(["axis", "diagonal"])), kind=draw(st.sampled_from(DENOISER_KINDS)),
                seed=draw(st.integers(0, 2**16)), offset=draw(st.integers(0, n_subsets - 1)))


@given(random_partition_cases())
def test_denoise_invariant_with_random_labels_is_j_invariant(case):
    image = np.random.default_rng(case["seed"]).random(case["shape"])
    denoiser = make_denoiser(case["kind"], case["seed"], image.ndim)
    labels = n2s.random_labels(case["spatial"], n_subsets=case["n_subsets"], rng=case["seed"])
    mask = spatial_mask(labels, case["offset"], image.shape, case["channel_axis"])

    def run(im):
        return denoise_invariant(im, denoiser, labels=labels, channel_axis=case["channel_axis"],
                                 interpolation=case["interpolation"])

    assert_invariant_on(image, mask, run, seed=case["seed"] + 1)


def test_the_invariance_check_fails_for_a_plain_denoiser():
    # The helper must be able to fail: the unwrapped denoiser reads x_J.
    image = np.random.default_rng(9).random((10, 10))
    mask = n2s.grid_labels(image.shape, stride=4) == 3
    with pytest.raises(AssertionError):
        assert_invariant_on(image, mask, random_correlation(0, 2))


# --------------------------------------------------------------------------------------------------------------
# What the wrapper computes.


def test_identity_denoiser_returns_the_interpolation():
    # f(x)_J = g(1_J s(x) + 1_{J^c} x)_J with g = identity is s(x)_J on every J, i.e. s(x).
    image = np.random.default_rng(10).random((13, 9))
    for interpolation in ("axis", "diagonal"):
        np.testing.assert_array_equal(denoise_invariant(image, lambda im: im, interpolation=interpolation),
                                      n2s.interpolate_neighbors(image, kernel=interpolation))


def test_threads_do_not_change_the_result(noisy_64):
    one = denoise_invariant(noisy_64, median3, n_jobs=1)
    np.testing.assert_array_equal(one, denoise_invariant(noisy_64, median3, n_jobs=2))
    np.testing.assert_array_equal(one, denoise_invariant(noisy_64, median3))


def test_grid_labels_and_stride_agree(noisy_64):
    labels = n2s.grid_labels(noisy_64.shape, stride=3)
    np.testing.assert_array_equal(denoise_invariant(noisy_64, median3, labels=labels),
                                  denoise_invariant(noisy_64, median3, stride=3))


def test_denoiser_kwargs_are_passed(noisy_64):
    np.testing.assert_array_equal(
        denoise_invariant(noisy_64, ndi.gaussian_filter, denoiser_kwargs={"sigma": 2.0}),
        denoise_invariant(noisy_64, functools.partial(ndi.gaussian_filter, sigma=2.0)))


# --------------------------------------------------------------------------------------------------------------
# Cross-check with scikit-image's implementation of the same rule.


@pytest.mark.parametrize("stride", [2, 3, 4, 5])
@pytest.mark.parametrize("denoiser", [functools.partial(ndi.gaussian_filter, sigma=1.0), median3],
                         ids=["gaussian", "median"])
def test_matches_skimage_denoise_invariant_gray(noisy_64, stride, denoiser):
    image = noisy_64[:37, :41]
    expected = skimage.restoration.denoise_invariant(image, denoiser, stride=stride)
    np.testing.assert_allclose(denoise_invariant(image, denoiser, stride=stride), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("stride", [2, 4])
def test_matches_skimage_denoise_invariant_rgb(rgb_48, stride):
    kwargs = {"sigma": 1.0, "channel_axis": -1}
    expected = skimage.restoration.denoise_invariant(rgb_48, skimage.filters.gaussian, stride=stride,
                                                     denoiser_kwargs=kwargs)
    ours = denoise_invariant(rgb_48, skimage.filters.gaussian, stride=stride, channel_axis=-1,
                             denoiser_kwargs=kwargs)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-12)


def test_matches_skimage_on_uint8_input(camera_64):
    image = (n2s.add_noise(camera_64, sigma=0.1, rng=0)[:32, :32] * 255).astype(np.uint8)
    expected = skimage.restoration.denoise_invariant(image, median3, stride=4)
    np.testing.assert_allclose(denoise_invariant(image, median3, stride=4), expected, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------------------------------------------
# The losses and the paper's identity: E||f(x) - x||^2 = E||f(x) - y||^2 + E||x - y||^2 for J-invariant f.


def test_self_supervised_loss_is_the_mse_to_the_noisy_image(noisy_64):
    denoised = denoise_invariant(noisy_64, median3)
    assert self_supervised_loss(noisy_64, median3) == pytest.approx(np.mean((denoised - noisy_64) ** 2), rel=1e-12)


def test_approximate_loss_scores_the_middle_subset_only(noisy_64):
    denoised = denoise_invariant(noisy_64, median3)
    middle = n2s.grid_labels(noisy_64.shape, stride=4) == 8  # 16 subsets // 2, as scikit-image does
    expected = np.mean((denoised[middle] - noisy_64[middle]) ** 2)
    assert self_supervised_loss(noisy_64, median3, approximate=True) == pytest.approx(expected, rel=1e-12)


def test_ground_truth_loss_known_value():
    assert ground_truth_loss(np.zeros((2, 2)), np.full((2, 2), 0.3)) == pytest.approx(0.09)
    assert ground_truth_loss(np.zeros((2, 2), np.uint8), np.full((2, 2), 255, np.uint8)) == pytest.approx(1.0)


def test_loss_decomposition_terms():
    rng = np.random.default_rng(3)
    clean, noisy, denoised = rng.random(50), rng.random(50), rng.random(50)
    parts = n2s.loss_decomposition(clean, noisy, denoised)
    assert parts["self_supervised"] == pytest.approx(np.mean((denoised - noisy) ** 2))
    assert parts["ground_truth"] == pytest.approx(np.mean((denoised - clean) ** 2))
    assert parts["noise_variance"] == pytest.approx(np.mean((noisy - clean) ** 2))
    assert parts["cross_term"] == pytest.approx(np.mean((denoised - clean) * (noisy - clean)))
    assert parts["gap"] == pytest.approx(parts["self_supervised"] - parts["ground_truth"])
    # the identity holds exactly, term by term, for any three images
    assert parts["gap"] == pytest.approx(parts["noise_variance"] - 2 * parts["cross_term"])


def test_loss_decomposition_bad_input():
    with pytest.raises(ValueError, match=r"clean and noisy must have the same shape, got \(4,\) and \(5,\)"):
        n2s.loss_decomposition(np.zeros(4), np.zeros(5), np.zeros(4))
    with pytest.raises(ValueError, match=r"clean and denoised must have the same shape"):
        n2s.loss_decomposition(np.zeros(4), np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match=r"noisy contains 1 NaN or inf"):
        n2s.loss_decomposition(np.zeros(2), np.array([0.0, np.nan]), np.zeros(2))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_self_supervised_minus_ground_truth_loss_is_the_noise_variance(camera_256, seed):
    clean = camera_256
    noisy = clean + np.random.default_rng(seed).normal(0, 0.1, clean.shape)  # unclipped: zero-mean noise
    denoised = denoise_invariant(noisy, ndi.gaussian_filter, denoiser_kwargs={"sigma": 1.0})
    gap = self_supervised_loss(noisy, ndi.gaussian_filter, denoiser_kwargs={"sigma": 1.0}) \
        - ground_truth_loss(clean, denoised)
    variance = ground_truth_loss(clean, noisy)  # the measured noise variance, about 0.01
    parts = n2s.loss_decomposition(clean, noisy, denoised)
    assert parts["gap"] == pytest.approx(gap, rel=1e-9) and parts["noise_variance"] == pytest.approx(variance)
    # Exactly: gap = variance + 2 mean((f - y)(y - x)). For J-invariant f, f_j does not see the noise x_j - y_j, so
    # the cross term has mean zero; its standard error is 2 std((f - y)(x - y)) / sqrt(n), about 4e-5 here (0.4 %
    # of the variance). Neighbouring terms are weakly correlated through f, so allow 5 naive standard errors.
    n = clean.size
    se = 2 * np.std((denoised - clean) * (noisy - clean)) / np.sqrt(n)
    assert abs(gap - variance) < 5 * se
    assert 5 * se < 0.05 * variance  # the bound is tight enough to mean something


@pytest.mark.parametrize("denoiser", [lambda im: im, functools.partial(ndi.gaussian_filter, sigma=1.0)],
                         ids=["identity", "plain_gaussian"])
def test_the_identity_breaks_without_j_invariance(camera_256, denoiser):
    clean = camera_256
    noisy = clean + np.random.default_rng(0).normal(0, 0.1, clean.shape)
    denoised = denoiser(noisy)  # applied directly: reads x_j, not J-invariant
    gap = ground_truth_loss(noisy, denoised) - ground_truth_loss(clean, denoised)
    variance = ground_truth_loss(clean, noisy)
    se = 2 * np.std((denoised - clean) * (noisy - clean)) / np.sqrt(clean.size)
    assert abs(gap - variance) > 20 * se
    assert gap < 0.75 * variance  # the self-supervised loss flatters the denoiser that copies its input


# --------------------------------------------------------------------------------------------------------------
# Hygiene: dtypes, inputs not mutated, errors that name the bad value.


@pytest.mark.parametrize(("dtype", "expected"), [(np.float16, np.float32), (np.float32, np.float32),
                                                 (np.float64, np.float64), (np.uint8, np.float64)])
def test_output_dtype(dtype, expected):
    image = (np.random.default_rng(0).random((8, 8)) * (255 if dtype == np.uint8 else 1)).astype(dtype)
    # the denoiser returns float64 whatever it gets; the output still follows the input's float type
    assert denoise_invariant(image, lambda im: im.astype(np.float64) * 0.5).dtype == expected


def test_inputs_are_not_mutated():
    rng = np.random.default_rng(1)
    noisy, clean = rng.random((12, 12)), rng.random((12, 12))
    labels = n2s.grid_labels((12, 12), stride=3)
    kwargs = {"sigma": 1.0}
    copies = [a.copy() for a in (noisy, clean, labels)]
    for a in (noisy, clean, labels):
        a.setflags(write=False)
    denoise_invariant(noisy, ndi.gaussian_filter, labels=labels, denoiser_kwargs=kwargs)
    self_supervised_loss(noisy, ndi.gaussian_filter, denoiser_kwargs=kwargs)
    self_supervised_loss(noisy, ndi.gaussian_filter, denoiser_kwargs=kwargs, approximate=True)
    ground_truth_loss(clean, noisy)
    n2s.loss_decomposition(clean, noisy, noisy)
    denoise_invariant(noisy, ndi.gaussian_filter, labels=n2s.random_labels((12, 12), n_subsets=9, rng=0),
                      denoiser_kwargs=kwargs)
    for a, copy in zip((noisy, clean, labels), copies, strict=True):
        np.testing.assert_array_equal(a, copy)
    assert kwargs == {"sigma": 1.0}


def test_a_denoiser_that_writes_into_its_argument_cannot_corrupt_the_caller():
    image = np.random.default_rng(2).random((8, 8))
    before = image.copy()

    def in_place(im):
        im += 1.0
        return im

    out = denoise_invariant(image, in_place, n_jobs=1)
    np.testing.assert_array_equal(image, before)
    np.testing.assert_allclose(out, n2s.interpolate_neighbors(image) + 1.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(stride=1), ValueError, r"stride must be an int >= 2, got 1"),
        (dict(stride=9), ValueError, r"stride=9 is larger than the image side 8"),
        (dict(stride=2.5), TypeError, r"stride must be an int, got 2.5"),
        (dict(interpolation="nearest"), ValueError, r"unknown interpolation kernel 'nearest'"),
        (dict(channel_axis=2), ValueError, r"channel_axis=2 is out of range"),
        (dict(channel_axis="rgb"), TypeError, r"channel_axis must be an int or None, got 'rgb'"),
        (dict(labels=np.zeros((8, 7), int)), ValueError, r"labels must be non-negative ints of the spatial shape "
                                                          r"\(8, 8\), got int64 array of shape \(8, 7\)"),
        (dict(labels=np.zeros((8, 8))), ValueError, r"labels must be non-negative ints .* got float64"),
        (dict(labels=-np.ones((8, 8), int)), ValueError, r"labels must be non-negative ints"),
    ],
)
def test_denoise_invariant_bad_options_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        denoise_invariant(np.zeros((8, 8)), median3, **kwargs)


def test_boolean_channel_axis_is_refused():
    with pytest.raises(TypeError, match=r"channel_axis must be an int or None, got True"):
        denoise_invariant(np.zeros((8, 8, 8)), median3, channel_axis=True)


def test_wrong_denoisers_raise():
    with pytest.raises(TypeError, match=r"denoiser must be a callable image -> image, got ndarray"):
        denoise_invariant(np.zeros((8, 8)), np.zeros((8, 8)))
    with pytest.raises(TypeError, match=r"denoiser must be a callable .* got str"):
        self_supervised_loss(np.zeros((8, 8)), "median")
    with pytest.raises(ValueError, match=r"denoiser returned shape \(4, 8\) for an input of shape \(8, 8\)"):
        denoise_invariant(np.zeros((8, 8)), lambda im: im[:4])
    with pytest.raises(ValueError, match=r"denoiser returned shape \(\) for an input of shape \(8, 8\)"):
        self_supervised_loss(np.zeros((8, 8)), lambda im: im.sum())


def test_non_finite_inputs_raise():
    image = np.zeros((8, 8))
    image[3, 3] = np.inf
    with pytest.raises(ValueError, match=r"image contains 1 NaN or inf"):
        denoise_invariant(image, median3)
    with pytest.raises(ValueError, match=r"noisy contains 1 NaN or inf"):
        self_supervised_loss(image, median3)
    with pytest.raises(ValueError, match=r"denoised contains 1 NaN or inf"):
        ground_truth_loss(np.zeros((8, 8)), image)


def test_ground_truth_loss_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match=r"clean and denoised must have the same shape, got \(4, 4\) and \(4, 5\)"):
        ground_truth_loss(np.zeros((4, 4)), np.zeros((4, 5)))
