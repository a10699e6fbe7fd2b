"""The median and the donut median: the donut never reads its centre, borders and corners included."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from n2s_core import disk, donut_median, median


def brute_force_median(image: np.ndarray, radius: int, *, donut: bool) -> np.ndarray:
    """Reference on the interior (pixels at least ``radius`` from every edge, where border handling plays no part):
    sort the footprint's values and take the one of rank n // 2, the upper middle one when n is even."""
    footprint = disk(radius, donut=donut)
    rows, cols = image.shape[0] - 2 * radius, image.shape[1] - 2 * radius
    out = np.empty((rows, cols))
    for r in range(rows):
        for c in range(cols):
            window = image[r:r + 2 * radius + 1, c:c + 2 * radius + 1][footprint]
            out[r, c] = np.sort(window)[window.size // 2]
    return out


def test_disk_footprints():
    np.testing.assert_array_equal(disk(1), [[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    np.testing.assert_array_equal(disk(1, donut=True), [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    assert disk(2).sum() == 13 and disk(3).sum() == 29
    for radius in range(1, 7):
        full, ring = disk(radius), disk(radius, donut=True)
        assert full.shape == (2 * radius + 1,) * 2
        np.testing.assert_array_equal(full & ~ring, np.pad([[True]], radius))  # only the centre removed


@pytest.mark.parametrize(("radius", "error", "match"), [(0, ValueError, r"radius must be an int >= 1, got 0"),
                                                        (-2, ValueError, r"radius must be an int >= 1, got -2"),
                                                        (1.5, TypeError, r"radius must be an int, got 1.5"),
                                                        (True, TypeError, r"radius must be an int, got True")])
def test_bad_radius_raises(radius, error, match):
    with pytest.raises(error, match=match):
        disk(radius)
    with pytest.raises(error, match=match):
        donut_median(np.zeros((8, 8)), radius)


@pytest.mark.parametrize("radius", [1, 2, 3])
@pytest.mark.parametrize("shape", [(12, 12), (9, 14)])
def test_median_and_donut_median_match_a_brute_force_reference_inside(radius, shape):
    image = np.random.default_rng(radius).random(shape)
    inner = (slice(radius, -radius),) * 2
    np.testing.assert_array_equal(median(image, radius)[inner], brute_force_median(image, radius, donut=False))
    np.testing.assert_array_equal(donut_median(image, radius)[inner], brute_force_median(image, radius, donut=True))


def test_donut_takes_the_upper_of_the_two_middle_values_and_ignores_the_centre():
    image = np.full((3, 3), 0.0)
    image[1, 1] = 0.5
    image[0, 1], image[1, 0], image[1, 2], image[2, 1] = 0.1, 0.2, 0.8, 0.9
    assert median(image, 1)[1, 1] == 0.5  # the centre is the median of the five
    assert donut_median(image, 1)[1, 1] == 0.8  # upper middle of 0.1, 0.2, 0.8, 0.9


@st.composite
def pixel_cases(draw):
    radius = draw(st.integers(1, 4))
    shape = (draw(st.integers(radius + 1, 14)), draw(st.integers(radius + 1, 14)))
    if draw(st.booleans()):  # a border pixel: first/last row or first/last column
        if draw(st.booleans()):
            r, c = draw(st.sampled_from([0, shape[0] - 1])), draw(st.integers(0, shape[1] - 1))
        else:
            r, c = draw(st.integers(0, shape[0] - 1)), draw(st.sampled_from([0, shape[1] - 1]))
    else:
        r, c = draw(st.integers(0, shape[0] - 1)), draw(st.integers(0, shape[1] - 1))
    return radius, shape, (r, c), draw(st.integers(0, 2**16)), draw(st.sampled_from([-1000.0, 1000.0, 0.5]))


# Mirroring maps the footprint offset -2d of a pixel at distance d from an edge back onto the pixel itself
# (row 1, offset -2 -> row -1 -> row 1), so for radius >= 2 the rows/columns at 1 <= d <= radius / 2 read their own
# value; border pixels at distance >= 1 from the perpendicular edge are hit too.


def check_pixel_case(case) -> None:
    radius, shape, pixel, seed, value = case
    image = np.random.default_rng(seed).random(shape)
    changed = image.copy()
    changed[pixel] = value
    assert donut_median(changed, radius)[pixel] == donut_median(image, radius)[pixel]


@given(pixel_cases())
def test_donut_median_at_a_pixel_never_depends_on_that_pixel(case):
    check_pixel_case(case)


@given(pixel_cases().filter(lambda case: case[0] == 1))
def test_donut_median_of_radius_one_never_depends_on_its_pixel(case):
    # radius 1 only reaches offset 1, which mirroring never maps back onto the centre
    check_pixel_case(case)


def changes_own_output(image, pixel, radius) -> bool:
    reference = donut_median(image, radius)[pixel]
    for value in (-1000.0, 1000.0):
        changed = image.copy()
        changed[pixel] = value
        if donut_median(changed, radius)[pixel] != reference:
            return True
    return False


def border_pixels(shape):
    return [(r, c) for r in range(shape[0]) for c in range(shape[1])
            if r in (0, shape[0] - 1) or c in (0, shape[1] - 1)]


@pytest.mark.parametrize("radius", [1, 2, 3, 6])
@pytest.mark.parametrize("shape_extra", [(1, 2), (9, 10)])
def test_corner_pixels(radius, shape_extra):
    shape = (radius + shape_extra[0], radius + shape_extra[1])  # down to the smallest image allowed
    image = np.random.default_rng(radius).random(shape)
    corners = [(0, 0), (0, shape[1] - 1), (shape[0] - 1, 0), (shape[0] - 1, shape[1] - 1)]
    assert not [pixel for pixel in corners if changes_own_output(image, pixel, radius)]


@pytest.mark.parametrize("radius", [1, 2, 3, 6])
@pytest.mark.parametrize("shape_extra", [(1, 2), (9, 10)])
def test_every_border_pixel(radius, shape_extra):
    shape = (radius + shape_extra[0], radius + shape_extra[1])
    image = np.random.default_rng(radius).random(shape)
    assert not [pixel for pixel in border_pixels(shape) if changes_own_output(image, pixel, radius)]


@pytest.mark.parametrize("radius", [2, 3, 6])
def test_pixels_one_to_radius_over_two_from_the_border(radius):
    image = np.random.default_rng(radius).random((24, 24))
    near = [(d, 12) for d in range(1, radius // 2 + 1)] + [(12, 23 - d) for d in range(1, radius // 2 + 1)]
    assert not [pixel for pixel in near if changes_own_output(image, pixel, radius)]


def test_plain_median_does_read_its_centre():
    # The property above can fail: with the centre included, an extreme low or high centre value moves the median
    # (to the 2nd or the 3rd smallest of the 4 neighbours for radius 1), on the border as inside.
    image = np.random.default_rng(0).random((16, 16))
    for pixel in [(0, 0), (0, 7), (8, 8), (15, 15)]:
        low, high = image.copy(), image.copy()
        low[pixel], high[pixel] = -1000.0, 1000.0
        assert median(low, 1)[pixel] != median(high, 1)[pixel], pixel


@pytest.mark.parametrize("channel_axis", [-1, 0])
@pytest.mark.parametrize("filt", [median, donut_median])
def test_channels_are_filtered_separately(filt, channel_axis):
    rng = np.random.default_rng(3)
    image = rng.random((10, 11, 3)) if channel_axis == -1 else rng.random((3, 10, 11))
    out = filt(image, 2, channel_axis=channel_axis)
    expected = np.stack([filt(channel, 2) for channel in np.moveaxis(image, channel_axis, 0)])
    np.testing.assert_array_equal(np.moveaxis(out, channel_axis, 0), expected)


def test_donut_median_with_channels_never_reads_the_centre():
    image = np.random.default_rng(4).random((6, 7, 3))
    changed = image.copy()
    changed[0, 6, :] = 1000.0
    np.testing.assert_array_equal(donut_median(changed, 2, channel_axis=-1)[0, 6],
                                  donut_median(image, 2, channel_axis=-1)[0, 6])


@pytest.mark.parametrize(("dtype", "expected"), [(np.float16, np.float32), (np.float32, np.float32),
                                                 (np.float64, np.float64), (np.uint8, np.float64)])
def test_output_dtype(dtype, expected):
    image = np.ones((6, 6), dtype=dtype)
    assert donut_median(image, 1).dtype == expected
    assert median(image, 1).dtype == expected


def test_integer_images_are_scaled_to_unit_range():
    np.testing.assert_array_equal(donut_median(np.full((5, 5), 255, np.uint8), 1), 1.0)


def test_input_is_not_mutated():
    image = np.random.default_rng(5).random((9, 9))
    before = image.copy()
    image.setflags(write=False)
    median(image, 2)
    donut_median(image, 2)
    np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize(
    ("image", "kwargs", "match"),
    [
        (np.zeros(9), {}, r"donut_median expects a 2-D image .* got shape \(9,\) with channel_axis=None"),
        (np.zeros((5, 5, 5)), {}, r"donut_median expects a 2-D image .* got shape \(5, 5, 5\)"),
        (np.zeros((5, 5, 5, 3)), {"channel_axis": -1}, r"got shape \(5, 5, 5, 3\) with channel_axis=-1"),
        (np.zeros((3, 9)), {"radius": 3}, r"radius=3 needs an image wider than 3 pixels, got spatial shape \(3, 9\)"),
        (np.full((4, 4), np.nan), {}, r"image contains 16 NaN or inf"),
    ],
)
def test_bad_images_raise(image, kwargs, match):
    kwargs = {"radius": 1, **kwargs}
    with pytest.raises(ValueError, match=match):
        donut_median(image, **kwargs)


def test_plain_median_names_itself_in_errors():
    with pytest.raises(ValueError, match=r"median expects a 2-D image"):
        median(np.zeros(9), 1)
