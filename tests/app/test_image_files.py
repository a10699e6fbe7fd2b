"""A user's image in and out: every dtype keeps its values, bad outputs are refused first, and writes are all or
nothing."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage import io

from n2s_core.app.image_files import (
    ImageFile,
    check_outputs,
    image_writer,
    json_writer,
    read_image,
    to_file_values,
    write_outputs,
)


@pytest.mark.parametrize("dtype, values, rescaled", [
    ("uint8", [0, 128, 255], False),
    ("uint16", [0, 1000, 65535], False),
    ("float32", [0.0, 0.25, 1.0], False),
    ("float32", [-3.5, 10.0, 200.0], True),
    ("int16", [-200, 0, 3000], True),
])
def test_every_dtype_goes_to_zero_one_and_back_to_its_own_values(tmp_path, dtype, values, rescaled):
    raw = np.resize(np.array(values, dtype=dtype), (6, 8))
    path = tmp_path / "in.tif"
    io.imsave(path, raw, check_contrast=False)
    image = read_image(path)
    assert image.pixels.min() >= 0 and image.pixels.max() <= 1 and image.rescaled is rescaled
    assert (image.note is not None) is rescaled
    out = tmp_path / "out.tif"
    write_outputs({out: image_writer(image.pixels, image)})
    back = io.imread(out)
    assert back.dtype == np.dtype(dtype)
    np.testing.assert_allclose(back, raw, rtol=1e-6, atol=1e-6 * float(np.ptp(raw)))


@settings(max_examples=40, deadline=None)
@given(st.floats(-1e4, 1e4), st.floats(1e-3, 1e4), st.sampled_from(["float32", "float64", "int16", "int32"]))
def test_the_map_back_inverts_the_map_in(low, span, dtype):
    like = ImageFile(Path("x.tif"), np.zeros((1, 1)), None, np.dtype(dtype), low, low + span, True)
    pixels = np.linspace(0, 1, 11)
    values = to_file_values(pixels, like)
    assert values.dtype == np.dtype(dtype)
    expected = low + pixels * span
    tolerance = 0.5 + 1e-9 if np.issubdtype(np.dtype(dtype), np.integer) else 1e-4 * max(1.0, abs(low) + span)
    info = np.iinfo(dtype) if np.issubdtype(np.dtype(dtype), np.integer) else None
    if info is not None:
        expected = np.clip(expected, info.min, info.max)
    assert np.all(np.abs(values.astype(np.float64) - expected) <= tolerance)


def test_reading_refuses_a_folder_a_missing_file_nan_and_a_constant_image(tmp_path):
    with pytest.raises(ValueError, match="is a folder, not an image file"):
        read_image(tmp_path)
    with pytest.raises(ValueError, match="no such image file"):
        read_image(tmp_path / "missing.png")
    bad = np.ones((6, 8), dtype=np.float32)
    bad[1, 1] = np.nan
    io.imsave(tmp_path / "nan.tif", bad, check_contrast=False)
    with pytest.raises(ValueError, match="1 NaN or infinite values"):
        read_image(tmp_path / "nan.tif")
    io.imsave(tmp_path / "flat.tif", np.full((6, 8), 7.0, dtype=np.float32), check_contrast=False)
    with pytest.raises(ValueError, match="is constant"):
        read_image(tmp_path / "flat.tif")


def test_outputs_are_checked_against_the_input_each_other_their_folder_and_their_format(tmp_path):
    image = tmp_path / "in.tif"
    image.write_bytes(b"x")
    with pytest.raises(ValueError, match="is the input image"):
        check_outputs({"image": image}, {"--out": tmp_path / "." / "in.tif"})
    with pytest.raises(ValueError, match="--out and --report are the same file"):
        check_outputs({"image": image}, {"--out": tmp_path / "a.json", "--report": tmp_path / "a.json"})
    with pytest.raises(ValueError, match="folder .* does not exist"):
        check_outputs({"image": image}, {"--out": tmp_path / "no" / "a.png"})
    with pytest.raises(ValueError, match="is a folder"):
        check_outputs({"image": image}, {"--out": tmp_path})
    with pytest.raises(ValueError, match="PNG holds uint8 or uint16 but the input is float32; write .tif"):
        check_outputs({"image": image}, {"--out": tmp_path / "a.png"}, dtype=np.float32)
    check_outputs({"image": image}, {"--out": tmp_path / "a.tif", "--report": None}, dtype=np.float32)  # fine


def test_a_failing_writer_leaves_no_output_and_no_temporary_file(tmp_path):
    old = tmp_path / "report.json"
    old.write_text("the previous run")

    def broken(path):
        path.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_outputs({tmp_path / "out.json": json_writer({"a": 1}), old: json_writer({"b": 2}),
                       tmp_path / "x.png": broken})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # nothing new, nothing half-written
    assert old.read_text() == "the previous run"
