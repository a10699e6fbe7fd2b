"""Stacks of gray planes through `denoise`: one choice for all planes, planes read and written one at a time."""

import json

import numpy as np
import pytest
import tifffile

import n2s_core as n2s
from n2s_core.app import stacks
from n2s_core.app.stacks import open_stack, sample_indices, training_indices
from n2s_core.cli import main


def _stack(n=5, size=48, seed=0):
    clean = n2s.load_image("camera", size=size)
    planes = np.stack([np.roll(clean, 2 * i, axis=1) for i in range(n)])
    noisy = np.clip(planes + np.random.default_rng(seed).normal(0, 0.1, planes.shape), 0, 1)
    return planes, noisy


@pytest.fixture
def stack_file(tmp_path):
    planes, noisy = _stack()
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, (noisy * 65535).round().astype(np.uint16))
    return path, planes, noisy


def test_a_stack_is_denoised_plane_by_plane_with_one_choice(stack_file, tmp_path, capsys):
    path, planes, noisy = stack_file
    out = tmp_path / "out.tif"
    assert main(["denoise", str(path), "--out", str(out), "--method", "tv"]) == 0
    written = tifffile.imread(out)
    assert written.shape == noisy.shape and written.dtype == np.uint16
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["input"]["stack"] == [5, 48, 48] and report["planes"] == 5
    assert report["sample_planes"] == [0, 1, 3, 4] and report["train_planes"] == []  # tv needs no training planes
    weight = report["ranking"][0]["parameters"]["weight"]
    for i in range(5):  # every plane by the one calibrated setting, not a setting of its own
        expected = n2s.get_method("tv").function(noisy[i], weight=weight)
        np.testing.assert_allclose(written[i] / 65535, np.clip(expected, 0, 1), atol=1e-3)
        assert n2s.psnr(planes[i], written[i] / 65535) > n2s.psnr(planes[i], noisy[i]) + 3
    text = capsys.readouterr()
    assert "(5 planes)" in text.out and "one choice for every plane" in text.out
    assert "denoising planes" in text.err  # the progress bar counts planes


def test_auto_on_a_stack_scores_the_candidates_on_the_sampled_planes(stack_file, tmp_path):
    path, _, _ = stack_file
    out = tmp_path / "auto.tif"
    assert main(["denoise", str(path), "--out", str(out), "--budget", "6", "--device", "cpu"]) == 0
    report = json.loads(out.with_suffix(".json").read_text())
    scored = [e for e in report["ranking"] if e["status"] == "scored"]
    assert scored and all("mean over 4 planes" in e["note"] for e in scored)
    assert report["train_planes"] == [0, 1, 2, 3, 4]  # the net would train on every plane
    assert report["chosen"] in ("combination", *(e["name"] for e in scored))


def test_the_net_trains_on_every_plane_and_denoises_each(stack_file, tmp_path, torch_installed):
    path, planes, noisy = stack_file
    out = tmp_path / "net.tif"
    assert main(["denoise", str(path), "--out", str(out), "--method", "n2s", "--model", "dncnn", "--steps", "3",
                 "--device", "cpu"]) == 0
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["settings"]["planes"] is True and report["steps_done"] == 3 and report["planes"] == 5
    assert tifffile.imread(out).shape == noisy.shape


def test_a_stack_with_a_bad_plane_is_refused_by_its_index_and_nothing_is_written(tmp_path, capsys):
    _, noisy = _stack()
    values = noisy.astype(np.float32)
    values[3, 10, 10] = np.nan
    path, out = tmp_path / "bad.tif", tmp_path / "out.tif"
    tifffile.imwrite(path, values)
    assert main(["denoise", str(path), "--out", str(out), "--method", "tv"]) == 2
    assert "plane 3 has 1 NaN or infinite values" in capsys.readouterr().err
    assert not out.exists() and not out.with_suffix(".json").exists()


def test_a_float_stack_beyond_zero_one_is_rescaled_and_written_back_in_its_range(tmp_path, capsys):
    _, noisy = _stack(n=3)
    counts = (noisy * 900 - 100).astype(np.float32)
    path, out = tmp_path / "counts.tif", tmp_path / "out.tif"
    tifffile.imwrite(path, counts, photometric="minisblack")  # 3 planes, not planar RGB
    assert main(["denoise", str(path), "--out", str(out), "--method", "wavelet"]) == 0
    assert "rescaled to [0, 1]" in capsys.readouterr().err
    written = tifffile.imread(out)
    assert written.dtype == np.float32 and counts.min() <= written.min() < written.max() <= counts.max()
    assert open_stack(out).shape == (3, 48, 48)  # written as three planes, not as one planar RGB image


@pytest.mark.parametrize(("array", "out", "message"), [
    (np.zeros((4, 16, 16), np.uint8), "out.png", "only TIFF holds; give a .tif path"),
    (np.zeros((2, 3, 16, 16), np.uint8) + np.arange(16, dtype=np.uint8), "out.tif", "a stack must be 3-D"),
])
def test_what_cannot_be_a_stack_is_refused_before_any_work(tmp_path, capsys, array, out, message):
    path = tmp_path / "in.tif"
    tifffile.imwrite(path, array, photometric="minisblack")
    assert main(["denoise", str(path), "--out", str(tmp_path / out), "--method", "tv"]) == 2
    assert message in capsys.readouterr().err


def test_a_2d_tiff_and_an_rgb_tiff_are_not_stacks(tmp_path):
    tifffile.imwrite(tmp_path / "gray.tif", np.zeros((16, 16), np.uint8))
    tifffile.imwrite(tmp_path / "rgb.tif", np.zeros((16, 16, 3), np.uint8), photometric="rgb")
    assert open_stack(tmp_path / "gray.tif") is None and open_stack(tmp_path / "rgb.tif") is None
    tifffile.imwrite(tmp_path / "three.tif", np.zeros((3, 16, 16), np.uint8), photometric="minisblack")
    assert open_stack(tmp_path / "three.tif").shape == (3, 16, 16)


def test_planes_are_sampled_evenly_and_training_planes_fit_the_memory_cap(monkeypatch):
    assert sample_indices(16) == [0, 5, 10, 15] and sample_indices(1) == [0]
    stack = stacks.StackFile(None, (40, 100, 100), np.dtype("uint8"), 0.0, 255.0, False)
    assert training_indices(stack) == list(range(40))
    monkeypatch.setattr(stacks, "TRAIN_BYTES", 10 * 4 * 100 * 100)  # room for ten float32 planes
    chosen = training_indices(stack)
    assert len(chosen) == 10 and chosen[0] == 0 and chosen[-1] == 39
