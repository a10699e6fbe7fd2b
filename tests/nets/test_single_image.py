"""`denoise_image` and `python -m n2s_core denoise`: a net trained on one noisy image by Noise2Self denoises it."""

import json

import numpy as np
import pytest
from skimage import io

import n2s_core as n2s
from n2s_core.cli import main
from n2s_core.nets.single_image import denoise_image

REPORT_KEYS = {"image", "output", "settings", "model", "parameters", "device", "torch_version", "shape", "first_loss",
               "final_loss", "loss_history", "train_seconds", "wall_seconds"}


@pytest.fixture
def noisy_files(tmp_path):
    _, noisy = n2s.noisy_camera(size=48)
    tiff16 = tmp_path / "gray16.tif"
    io.imsave(tiff16, (noisy * 65535).round().astype(np.uint16), check_contrast=False)
    rgb = tmp_path / "rgb.png"
    color = n2s.add_noise(n2s.load_image("astronaut", size=48), sigma=0.1, rng=0)
    io.imsave(rgb, (color * 255).round().astype(np.uint8), check_contrast=False)
    return {"tiff16": tiff16, "rgb": rgb}


@pytest.mark.parametrize("kind, dtype, model", [("tiff16", np.uint16, "unet-small"), ("rgb", np.uint8, "dncnn")])
def test_cli_writes_image_in_the_input_format_and_a_report(noisy_files, tmp_path, capsys, kind, dtype, model):
    source = noisy_files[kind]
    before = source.read_bytes()
    out = tmp_path / f"denoised{source.suffix}"
    argv = ["denoise", str(source), "--out", str(out), "--method", "n2s", "--steps", "5", "--model", model,
            "--device", "cpu"]
    assert main(argv) == 0
    written = io.imread(out)
    assert written.dtype == dtype and written.shape == io.imread(source).shape
    report = json.loads(out.with_suffix(".json").read_text())
    assert REPORT_KEYS <= set(report)
    assert report["model"] == model and report["settings"]["steps"] == 5 and report["loss_history"]["steps"][-1] == 5
    assert report["shape"][:2] == [48, 48] and report["parameters"] > 0
    assert source.read_bytes() == before  # the input is never modified
    assert "wrote" in capsys.readouterr().out


def test_cli_report_path_and_invariant_flag(noisy_files, tmp_path):
    out, report = tmp_path / "out.png", tmp_path / "run" / "report.json"
    report.parent.mkdir()
    argv = ["denoise", str(noisy_files["rgb"]), "--out", str(out), "--method", "n2s", "--steps", "2",
            "--report", str(report),
            "--invariant", "--seed", "3", "--device", "cpu"]
    assert main(argv) == 0
    settings = json.loads(report.read_text())["settings"]
    assert settings["invariant"] is True and settings["seed"] == 3 and not out.with_suffix(".json").exists()


def test_cli_structured_mask_flags_reach_training_and_the_report(noisy_files, tmp_path):
    out = tmp_path / "out.tif"
    argv = ["denoise", str(noisy_files["tiff16"]), "--out", str(out), "--steps", "2", "--structured", "vertical",
            "--device", "cpu", "--invariant"]
    assert main(argv) == 0
    settings = json.loads(out.with_suffix(".json").read_text())["settings"]
    assert (settings["span"], settings["direction"]) == (2, "vertical")
    assert main([*argv, "--span", "4"]) == 0
    assert json.loads(out.with_suffix(".json").read_text())["settings"]["span"] == 4
    assert main([*argv, "--mask-span", "3"]) == 0  # the old flag still works
    assert json.loads(out.with_suffix(".json").read_text())["settings"]["span"] == 3


def test_a_short_training_raises_psnr():
    clean = n2s.crop_center(n2s.load_image("camera"), 64)
    noisy = n2s.add_noise(clean, sigma=0.15, rng=0)
    denoised, report = denoise_image(noisy, steps=100, crop=32, device="cpu", progress=False)
    assert n2s.psnr(clean, denoised) > n2s.psnr(clean, noisy) + 2  # measured: 18.7 -> 22.4 dB
    assert report["final_loss"] < report["first_loss"]


def test_bfloat16_training_still_denoises_and_predicts_in_float32():
    clean = n2s.crop_center(n2s.load_image("camera"), 64)
    noisy = n2s.add_noise(clean, sigma=0.15, rng=0)
    denoised, report = denoise_image(noisy, steps=100, crop=32, device="cpu", progress=False, precision="bfloat16")
    assert report["settings"]["precision"] == "bfloat16" and denoised.dtype == np.float64
    assert n2s.psnr(clean, denoised) > n2s.psnr(clean, noisy) + 2  # as in float32 (above)
    assert len(np.unique(denoised)) > 2**10  # not rounded to bfloat16's 8 bits of mantissa on the way out


def test_denoise_image_invariant_keeps_shape_range_and_input(rgb_48):
    denoised, report = denoise_image(rgb_48, channel_axis=-1, steps=3, invariant=True, device="cpu", progress=False)
    assert denoised.shape == rgb_48.shape and denoised.dtype == np.float64
    assert denoised.min() >= 0 and denoised.max() <= 1
    assert report["settings"]["invariant"] is True and report["settings"]["crop"] is None  # 64 > 48: whole image
    again, _ = denoise_image(rgb_48, channel_axis=-1, steps=3, invariant=True, device="cpu", progress=False)
    np.testing.assert_allclose(again, denoised, atol=1e-5)  # same seed, same result (CPU)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"model": "resnet"}, ValueError, "unknown model 'resnet'"),
    ({"steps": 0}, ValueError, "steps must be an int >= 1"),
    ({"channel_axis": -1}, ValueError, "expects a 2-D image"),
])
def test_denoise_image_rejects_bad_options(noisy_64, kwargs, error, match):
    with pytest.raises(error, match=match):
        denoise_image(noisy_64, progress=False, **kwargs)


@pytest.mark.parametrize("argv, message", [
    (["denoise", "missing.png", "--out", "{out}"], "no such image file"),
    (["denoise", "{bad}", "--out", "{out}"], "could not read"),
    (["denoise", "{stack}", "--out", "{out}"], "plane 2 has 1 NaN or infinite values"),
    (["denoise", "{tiff16}", "--out", "{tiff16}"], "is the input image"),
    (["denoise", "{tiff16}", "--out", "{out}", "--method", "n2s", "--model", "resnet"], "unknown model 'resnet'"),
    (["denoise", "{tiff16}", "--out", "{tmp}/out.bmp"], "unsupported extension"),
    (["denoise", "{tiff16}", "--out", "{tmp}/out.jpg"], "JPG holds uint8 but the input is uint16"),
    (["denoise", "{tiff16}", "--out", "{tmp}/nowhere/out.tif"], "does not exist"),
    (["denoise", "{tiff16}", "--out", "{out}", "--method", "n2s", "--steps", "0"], "--steps must be at least 1"),
    (["denoise", "{tiff16}", "--out", "{out}", "--span", "2"], "--span needs --structured"),
    (["denoise", "{tiff16}", "--out", "{out}", "--structured", "horizontal", "--span", "0"], "value >= 1"),
])
def test_cli_errors_are_one_line_and_exit_2(noisy_files, tmp_path, capsys, argv, message):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image at all")
    stack = tmp_path / "stack.tif"
    planes = np.zeros((5, 16, 16), dtype=np.float32)
    planes[2, 3, 3] = np.nan  # a stack is denoised plane by plane, but a bad plane is refused first
    io.imsave(stack, planes, check_contrast=False)
    paths = {"bad": bad, "stack": stack, "out": tmp_path / "out.tif", "tmp": tmp_path, **noisy_files}
    before = noisy_files["tiff16"].read_bytes()
    assert main([a.format(**paths) for a in argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err and "Traceback" not in err
    assert noisy_files["tiff16"].read_bytes() == before and not (tmp_path / "out.tif").exists()


def test_images_larger_than_a_tile_are_predicted_tile_by_tile(monkeypatch):
    import n2s_core.nets.single_image as module

    monkeypatch.setattr(module, "TILE", 32)
    monkeypatch.setattr(module, "TILE_OVERLAP", 8)
    calls = []
    real = module.predict_tiled
    monkeypatch.setattr(module, "predict_tiled", lambda *a, **k: calls.append(k) or real(*a, **k))
    noisy = np.random.default_rng(0).random((70, 45))
    for invariant in (False, True):
        denoised, _ = module.denoise_image(noisy, steps=2, crop=16, invariant=invariant, progress=False)
        assert denoised.shape == noisy.shape and np.isfinite(denoised).all()
    assert [(k["tile"], k["overlap"], "masker" in k) for k in calls] == [(32, 8, False), (32, 8, True)]


@pytest.mark.slow
def test_denoise_leaves_no_checkerboard_where_transposed_convolutions_did():
    """The spectral line at (N/2, N/2) of the residual: transposed convolutions up (the old small UNet) put a
    pixel-scale checkerboard there; the default bilinear upsampling does not (benchmarks/bench_checkerboard.py)."""
    clean, noisy = n2s.noisy_camera(sigma=0.1, rng=3, size=128)
    ratios = {}
    for up in ("tconv", "bilinear"):
        denoised, report = denoise_image(noisy, steps=150, seed=0, progress=False,
                                         model_options={"up": up, "down": "avgpool"})
        ratios[up] = n2s.checkerboard_ratio(denoised - clean)
        assert report["settings"]["model_options"] == {"up": up, "down": "avgpool"}
    assert ratios["tconv"] > 20 > 2 > ratios["bilinear"], ratios  # and bilinear is the default (test_unet.py)


@pytest.mark.slow
def test_denoise_leaves_no_stripes_on_poisson_noise_where_transposed_convolutions_did():
    """Issue 12's "faint horizontal stripes" on Poisson noise: the same 2x2 stride-2 transposed convolutions paint
    each 2x2 block with the same four taps, and taps that differ top/bottom or left/right print period-2 stripes at
    the Nyquist lines (N/2, 0) or (0, N/2); which line depends on the trained weights (here, the vertical one)."""
    clean = n2s.crop_center(n2s.load_image("camera"), 256)
    noisy = n2s.add_noise(clean, photons=30, rng=0)
    stripes = {}
    for up in ("tconv", "bilinear"):
        denoised, _ = denoise_image(noisy, steps=150, seed=0, progress=False,
                                    model_options={"up": up, "down": "avgpool"})
        stripes[up] = max(n2s.stripe_ratio(denoised - clean, direction) for direction in ("horizontal", "vertical"))
    assert stripes["tconv"] > 20 > 3 > stripes["bilinear"], stripes


def test_denoise_warns_when_the_noise_is_correlated_along_rows_and_says_so_in_the_report():
    from scipy import ndimage as ndi

    clean = n2s.crop_center(n2s.load_image("camera"), 96)
    rng = np.random.default_rng(0)
    streaky = clean + ndi.uniform_filter1d(rng.normal(0, 0.1, clean.shape), 3, axis=1) * np.sqrt(3)
    with pytest.warns(UserWarning, match=r"correlated along rows \(horizontal streaks\).*--structured horizontal"):
        _, report = denoise_image(np.clip(streaky, 0, 1), steps=2, progress=False)
    assert report["noise_correlated_along"] == "horizontal"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fix is applied: the streaks are still recorded, not warned about
        _, report = denoise_image(np.clip(streaky, 0, 1), steps=2, progress=False, span=2)
    assert report["noise_correlated_along"] == "horizontal" and report["settings"]["span"] == 2

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # white noise: no warning at all
        _, report = denoise_image(n2s.add_noise(clean, sigma=0.1, rng=0), steps=2, progress=False)
    assert report["noise_correlated_along"] is None


def test_the_old_keyword_names_still_work_and_name_the_new_ones():
    _, noisy = n2s.noisy_camera(size=16)
    with pytest.warns(DeprecationWarning, match=r"denoise_image\(mask_span=\) is now denoise_image\(span=\)"):
        _, report = denoise_image(noisy, model="dncnn", steps=1, crop=None, device="cpu", progress=False,
                                  mask_span=1, mask_direction="vertical")
    assert (report["settings"]["span"], report["settings"]["direction"]) == (1, "vertical")
    with pytest.raises(TypeError, match="unexpected keyword argument 'spam'"):
        denoise_image(noisy, steps=1, progress=False, spam=1)


def test_fit_image_keeps_the_kept_out_pixels_out_of_every_training_target(monkeypatch):
    """keep_out: the training target is NaN exactly there (in every plane), under the loss that never scores NaN."""
    from n2s_core.nets import single_image
    from n2s_core.nets.objectives import BlindSpotExcept

    seen, real = [], single_image.train
    monkeypatch.setattr(single_image, "train", lambda *a, **k: seen.append(k) or real(*a, **k))
    stack = np.stack([n2s.noisy_camera(size=16, rng=seed)[1] for seed in range(3)])  # (3, 16, 16)
    pixels = np.zeros((16, 16), dtype=bool)
    pixels[::4, ::4] = True
    fitted = single_image.fit_image(stack, planes=True, steps=2, crop=8, device="cpu", progress=False,
                                    keep_out=pixels)
    target = seen[0]["target"].numpy()
    assert isinstance(seen[0]["objective"], BlindSpotExcept) and target.shape == (3, 1, 16, 16)
    assert np.isnan(target[:, 0, pixels]).all() and np.isfinite(target[:, 0, ~pixels]).all()
    assert fitted.settings["kept_out_pixels"] == 16 and np.isfinite(fitted.predict(image=stack[0])).all()


@pytest.mark.parametrize(("keep_out", "match"), [
    (np.zeros((8, 16), dtype=bool), r"boolean array of the image's \(H, W\) \(16, 16\), got bool \(8, 16\)"),
    (np.zeros((16, 16)), r"got float64 \(16, 16\)"),
    (np.ones((16, 16), dtype=bool), "keeps every pixel out"),
])
def test_fit_image_refuses_a_bad_keep_out(keep_out, match):
    from n2s_core.nets.single_image import fit_image

    with pytest.raises(ValueError, match=match):
        fit_image(n2s.noisy_camera(size=16)[1], steps=1, device="cpu", progress=False, keep_out=keep_out)


def test_fit_image_decays_the_rate_to_zero_by_the_end_with_the_cosine_schedule(monkeypatch):
    from n2s_core.nets import single_image, training

    rates, real = [], training._learning_rate
    monkeypatch.setattr(training, "_learning_rate", lambda config, done: rates.append(real(config, done)) or rates[-1])
    fitted = single_image.fit_image(n2s.noisy_camera(size=16)[1], steps=5, crop=None, device="cpu", progress=False,
                                    schedule="cosine")
    assert fitted.settings["schedule"] == "cosine" and fitted.config.schedule == "cosine"
    assert rates[0] == pytest.approx(3e-3) and rates == sorted(rates, reverse=True) and rates[-1] < 3e-3 / 5
