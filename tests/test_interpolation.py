"""Interpolation of held-out pixels: the replacement of a pixel never reads that pixel, borders included."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import ndimage as ndi

from n2s_core import interpolate_neighbors, neighbor_kernel


@st.composite
def pixel_cases(draw):
    """(image, pixel index, kernel, channel_axis): 1 to 3 spatial axes of side >= 2, optional channels."""
    ndim = draw(st.integers(1, 3))
    shape = [draw(st.integers(2, {1: 12, 2: 8, 3: 5}[ndim])) for _ in range(ndim)]
    # Half of the pixels drawn on the border (the scipy "reflect" trap lives there).
    on_border = draw(st.booleans())
    index = []
    for n in shape:
        index.append(draw(st.sampled_from([0, n - 1])) if on_border else draw(st.integers(0, n - 1)))
    channel_axis = draw(st.sampled_from([None, -1, 0])) if ndim < 3 else None
    if channel_axis is not None:
        shape.insert(len(shape) if channel_axis == -1 else 0, 3)
        index.insert(len(index) if channel_axis == -1 else 0, slice(None))
    image = np.random.default_rng(draw(st.integers(0, 2**16))).random(shape)
    return image, tuple(index), draw(st.sampled_from(["axis", "diagonal"])), channel_axis


def changes_own_replacement(interpolate, image, index) -> bool:
    """True when perturbing ``image[index]`` changes the replacement value at ``index``."""
    perturbed = image.copy()
    perturbed[index] += 100.0
    return not np.array_equal(interpolate(image)[index], interpolate(perturbed)[index])


@given(pixel_cases())
def test_replacement_never_reads_its_own_pixel(case):
    image, index, kernel, channel_axis = case

    def interpolate(im):
        return interpolate_neighbors(im, kernel=kernel, channel_axis=channel_axis)

    assert not changes_own_replacement(interpolate, image, index)
    # ... but it does read its neighbours: the perturbation shows up somewhere (the check is not vacuous).
    perturbed = image.copy()
    perturbed[index] += 100.0
    assert not np.array_equal(interpolate(image), interpolate(perturbed))


@pytest.mark.parametrize("kernel", ["axis", "diagonal"])
@pytest.mark.parametrize("shape", [(5, 6), (2, 2), (2, 7)])
def test_every_border_pixel_of_a_2d_image(kernel, shape):
    image = np.random.default_rng(1).random(shape)
    for r in range(shape[0]):
        for c in range(shape[1]):
            if r in (0, shape[0] - 1) or c in (0, shape[1] - 1):
                assert not changes_own_replacement(lambda im: interpolate_neighbors(im, kernel=kernel), image, (r, c))


def test_the_check_catches_scipy_reflect_mode():
    # scipy's mode="reflect" maps x[-1] to x[0]: the edge pixel enters its own replacement. The property above
    # must be able to see that, or it proves nothing.
    image = np.random.default_rng(2).random((6, 6))
    weights = neighbor_kernel(2, "axis")

    def reflect(im):
        return ndi.correlate(im, weights, mode="reflect")

    assert changes_own_replacement(reflect, image, (0, 0))
    assert changes_own_replacement(reflect, image, (0, 3))
    assert not changes_own_replacement(reflect, image, (3, 3))


@st.composite
def masked_cases(draw):
    """(image, mask, kernel, channel_axis): a random boolean mask over 1 to 3 spatial axes."""
    ndim = draw(st.integers(1, 3))
    spatial = tuple(draw(st.integers(2, {1: 12, 2: 8, 3: 5}[ndim])) for _ in range(ndim))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    mask = rng.random(spatial) < draw(st.sampled_from([0.04, 0.2, 0.5, 0.9]))
    channel_axis = draw(st.sampled_from([None, -1, 0])) if ndim < 3 else None
    shape = spatial if channel_axis is None else (spatial + (2,) if channel_axis == -1 else (2,) + spatial)
    return rng.random(shape), mask, draw(st.sampled_from(["axis", "diagonal"])), channel_axis


@given(masked_cases())
def test_masked_replacement_never_reads_a_masked_pixel(case):
    # Random partitions: a held-out pixel's neighbour may be held out too, so the replacement must use only the
    # pixels outside the mask. Perturb every masked pixel: no replacement anywhere may change.
    image, mask, kernel, channel_axis = case
    full_mask = mask if channel_axis is None else np.expand_dims(mask, channel_axis)
    full_mask = np.broadcast_to(full_mask, image.shape)
    perturbed = image.copy()
    perturbed[full_mask] = np.random.default_rng(0).random(int(full_mask.sum())) * 100
    kwargs = dict(kernel=kernel, channel_axis=channel_axis, mask=mask)
    np.testing.assert_allclose(interpolate_neighbors(perturbed, **kwargs), interpolate_neighbors(image, **kwargs),
                               rtol=1e-12, atol=1e-12)


def test_masked_replacement_values():
    # the docstring's example: the ends see only each other's held-out neighbours -> the mean of the kept pixels
    out = interpolate_neighbors(np.array([1.0, 2.0, 4.0, 8.0]), mask=np.array([False, True, True, False]))
    np.testing.assert_allclose(out, [4.5, 1.0, 8.0, 4.5])
    image = np.arange(16.0).reshape(4, 4)
    mask = np.zeros((4, 4), bool)
    mask[0, 0] = mask[0, 1] = mask[1, 0] = True
    out = interpolate_neighbors(image, mask=mask)
    assert out[0, 0] == pytest.approx(image[~mask].mean())  # every neighbour held out: mean of the rest
    assert out[1, 1] == pytest.approx((image[1, 2] + image[2, 1]) / 2)  # two of four neighbours kept
    # (0, 1): (0, 0) held out; (1, 1) counted twice, directly and as the mirror of (-1, 1)
    assert out[0, 1] == pytest.approx((2 * image[1, 1] + image[0, 2]) / 3)


def test_masked_replacement_on_a_grid_equals_the_plain_one():
    # on a grid with stride >= 2 no neighbour is held out, so the mask changes nothing on the held-out pixels
    image = np.random.default_rng(6).random((11, 9))
    labels = np.add.outer(np.arange(11) % 3 * 3, np.arange(9) % 3)
    for kernel in ("axis", "diagonal"):
        mask = labels == 4
        np.testing.assert_allclose(interpolate_neighbors(image, kernel=kernel, mask=mask)[mask],
                                   interpolate_neighbors(image, kernel=kernel)[mask], rtol=1e-12)


def test_mask_of_the_wrong_shape_raises():
    with pytest.raises(ValueError, match=r"mask must have the spatial shape \(4, 5\), got \(4, 4\)"):
        interpolate_neighbors(np.zeros((4, 5, 3)), channel_axis=-1, mask=np.zeros((4, 4), bool))


def test_axis_kernel_is_the_mean_of_the_four_axis_neighbours():
    np.testing.assert_allclose(neighbor_kernel(2, "axis"), np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]) / 4)
    np.testing.assert_allclose(neighbor_kernel(1, "axis"), [0.5, 0, 0.5])
    kernel3 = neighbor_kernel(3, "axis")
    assert kernel3.sum() == pytest.approx(1) and np.count_nonzero(kernel3) == 6


def test_diagonal_kernel_is_the_authors_kernel():
    expected = np.array([[0.5, 1, 0.5], [1, 0, 1], [0.5, 1, 0.5]]) / 6
    np.testing.assert_allclose(neighbor_kernel(2, "diagonal"), expected)


@pytest.mark.parametrize("ndim", [1, 2, 3, 4])
@pytest.mark.parametrize("kind", ["axis", "diagonal"])
def test_kernels_sum_to_one_have_a_zero_centre_and_are_symmetric(ndim, kind):
    kernel = neighbor_kernel(ndim, kind)
    assert kernel.shape == (3,) * ndim
    assert kernel.sum() == pytest.approx(1)
    assert kernel[(1,) * ndim] == 0
    for axis in range(ndim):
        np.testing.assert_array_equal(kernel, np.flip(kernel, axis))


def test_diagonal_weights_fall_as_one_over_city_block_distance_in_3d():
    kernel = neighbor_kernel(3, "diagonal")
    face, edge, corner = kernel[0, 1, 1], kernel[0, 0, 1], kernel[0, 0, 0]
    assert edge / face == pytest.approx(1 / 2)
    assert corner / face == pytest.approx(1 / 3)


def test_known_values():
    np.testing.assert_allclose(interpolate_neighbors(np.array([1.0, 2.0, 4.0])), [2.0, 2.5, 2.0])
    image = np.random.default_rng(3).random((5, 5))
    out = interpolate_neighbors(image)
    assert out[2, 3] == pytest.approx((image[1, 3] + image[3, 3] + image[2, 2] + image[2, 4]) / 4)
    # corner (0, 0): the mirrored neighbours x[-1, 0] -> x[1, 0] and x[0, -1] -> x[0, 1]
    assert out[0, 0] == pytest.approx((2 * image[1, 0] + 2 * image[0, 1]) / 4)


@given(ndim=st.integers(1, 3), kind=st.sampled_from(["axis", "diagonal"]), value=st.floats(0, 1),
       slope=st.floats(-1, 1))
def test_constants_are_kept_and_linear_ramps_kept_inside(ndim, kind, value, slope):
    shape = (6,) * ndim
    np.testing.assert_allclose(interpolate_neighbors(np.full(shape, value), kernel=kind), value, atol=1e-12)
    ramp = value + slope * np.indices(shape).sum(axis=0)
    inner = (slice(1, -1),) * ndim
    np.testing.assert_allclose(interpolate_neighbors(ramp, kernel=kind)[inner], ramp[inner], atol=1e-9)


@pytest.mark.parametrize("channel_axis", [-1, 2, 0])
def test_channels_are_interpolated_separately(channel_axis):
    rng = np.random.default_rng(4)
    image = rng.random((7, 8, 3)) if channel_axis != 0 else rng.random((3, 7, 8))
    out = interpolate_neighbors(image, channel_axis=channel_axis)
    moved = np.moveaxis(image, channel_axis, 0)
    expected = np.stack([interpolate_neighbors(channel) for channel in moved])
    np.testing.assert_allclose(np.moveaxis(out, channel_axis, 0), expected)


@pytest.mark.parametrize(("dtype", "expected"), [(np.float16, np.float32), (np.float32, np.float32),
                                                 (np.float64, np.float64), (np.uint8, np.float64)])
def test_output_dtype(dtype, expected):
    assert interpolate_neighbors(np.ones((4, 4), dtype=dtype)).dtype == expected


def test_integer_images_are_scaled_to_unit_range():
    np.testing.assert_allclose(interpolate_neighbors(np.full((3, 3), 255, dtype=np.uint8)), 1.0)


def test_inputs_are_not_mutated():
    image = np.random.default_rng(5).random((6, 7, 3))
    mask = np.random.default_rng(6).random((6, 7)) < 0.3
    before, mask_before = image.copy(), mask.copy()
    image.setflags(write=False)
    mask.setflags(write=False)
    interpolate_neighbors(image, kernel="diagonal", channel_axis=-1)
    interpolate_neighbors(image, channel_axis=-1, mask=mask)
    interpolate_neighbors(image)
    np.testing.assert_array_equal(image, before)
    np.testing.assert_array_equal(mask, mask_before)


@pytest.mark.parametrize(
    ("image", "kwargs", "error", "match"),
    [
        (np.zeros((1, 5)), {}, ValueError, r"every spatial side must be >= 2 .* got spatial shape \(1, 5\)"),
        (np.zeros((5, 5, 1)), {"channel_axis": 0}, ValueError, r"spatial shape \(5, 1\)"),
        (np.zeros((4, 4)), {"kernel": "cross"}, ValueError, r"unknown interpolation kernel 'cross'"),
        (np.zeros((4, 4, 3)), {"channel_axis": 3}, ValueError, r"channel_axis=3 is out of range .* 3 axes"),
        (np.zeros((4, 4, 3)), {"channel_axis": "last"}, TypeError, r"channel_axis must be an int or None, got 'last'"),
        (np.zeros(4), {"channel_axis": 0}, ValueError, r"channel_axis=0 is out of range .* 1 axes"),
        (np.array([[0.0, np.nan], [0.0, 0.0]]), {}, ValueError, r"image contains 1 NaN or inf"),
    ],
)
def test_bad_input_raises(image, kwargs, error, match):
    with pytest.raises(error, match=match):
        interpolate_neighbors(image, **kwargs)


def test_neighbor_kernel_refuses_unknown_kinds():
    with pytest.raises(ValueError, match=r"unknown interpolation kernel 'gaussian'; choose one of"):
        neighbor_kernel(2, "gaussian")
