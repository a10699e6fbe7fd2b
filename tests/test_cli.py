"""The command line: `reproduce figure2|table1` writes its four files; `calibrate` works on a user's image."""

import json

import matplotlib
import numpy as np
import pytest
from skimage import io

import n2s_core as n2s
from n2s_core.cli import main, parse_param

matplotlib.use("Agg")


def test_reproduce_figure2_writes_every_file_with_the_paper_beside_ours(tmp_path, capsys):
    assert main(["reproduce", "figure2", "--out", str(tmp_path), "--quick"]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {"figure2.png", "figure2.csv", "figure2.md", "figure2.json"}
    result = json.loads((tmp_path / "figure2.json").read_text())
    assert result["radii"] == [1, 2, 3, 4, 5, 6]
    for name in ("donut", "median"):
        assert len(result[name]["self_supervised"]) == len(result[name]["ground_truth"]) == 6
        assert result[name]["best_radius"] in result["radii"]
    # The plain median's self-supervised loss only rises with r (paper Figure 2), even on the quick crop.
    assert np.all(np.diff(result["median"]["self_supervised"]) > 0)
    assert result["paper_best_radius"] == 3 and result["meta"]["quick"] is True
    assert "| donut |" in (tmp_path / "figure2.md").read_text()
    assert (tmp_path / "figure2.csv").read_text().splitlines()[0].startswith("radius,donut_self_supervised")
    assert "wrote figure2" in capsys.readouterr().out


def test_reproduce_on_the_paper_camera_asks_for_the_fetch_first(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("N2S_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["reproduce", "figure2", "--camera", "paper", "--out", str(tmp_path / "out"), "--quick"]) == 2
    assert "run `python -m n2s_core fetch camera`" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert main(["reproduce", "figure4", "--camera", "paper", "--out", str(tmp_path)]) == 2
    assert "--camera belongs to reproduce figure2, table1, single-image, not figure4" in capsys.readouterr().err
    from n2s_core.data import images

    monkeypatch.setattr(images, "paper_camera", lambda: np.linspace(0, 1, 512 * 512).reshape(512, 512))
    assert main(["reproduce", "figure2", "--camera", "paper", "--out", str(tmp_path / "out"), "--quick"]) == 0
    assert "wrote figure2_paper_camera" in capsys.readouterr().out
    assert "the paper's camera" in (tmp_path / "out" / "figure2_paper_camera.md").read_text()


@pytest.fixture
def noisy_files(tmp_path):
    clean, noisy = n2s.noisy_camera(size=48)
    gray8 = tmp_path / "gray.png"
    io.imsave(gray8, (noisy * 255).round().astype(np.uint8), check_contrast=False)
    tiff16 = tmp_path / "gray16.tif"
    io.imsave(tiff16, (noisy * 65535).round().astype(np.uint16), check_contrast=False)
    rgb = tmp_path / "rgb.png"
    color = n2s.add_noise(n2s.load_image("astronaut", size=48), sigma=0.1, rng=0)
    io.imsave(rgb, (color * 255).round().astype(np.uint8), check_contrast=False)
    return {"gray8": gray8, "tiff16": tiff16, "rgb": rgb}


@pytest.mark.parametrize("kind, dtype", [("gray8", np.uint8), ("tiff16", np.uint16), ("rgb", np.uint8)])
def test_calibrate_writes_report_and_image_in_the_input_bit_depth(noisy_files, tmp_path, kind, dtype):
    source = noisy_files[kind]
    before = source.read_bytes()
    report, denoised = tmp_path / f"{kind}.json", tmp_path / f"{kind}_out{source.suffix}"
    code = main(["calibrate", str(source), "--method", "median", "--param", "radius=1,2",
                 "--out", str(report), "--denoised", str(denoised)])
    assert code == 0
    data = json.loads(report.read_text())
    assert [p["radius"] for p in data["parameters"]] == [1, 2] and len(data["self_supervised_losses"]) == 2
    assert data["best_parameters"]["radius"] in (1, 2)
    written = io.imread(denoised)
    assert written.dtype == dtype and written.shape == io.imread(source).shape
    assert source.read_bytes() == before  # the input is never modified


def test_calibrate_prints_json_without_out(noisy_files, capsys):
    assert main(["calibrate", str(noisy_files["gray8"]), "--method", "tv", "--param", "weight=0.05,0.1",
                 "--approximate"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["approximate"] is True and printed["denoiser"] == "total_variation"


@pytest.mark.parametrize("argv, message", [
    (["calibrate", "missing.png"], "no such image file"),
    (["calibrate", "{bad}"], "could not read"),
    (["calibrate", "{gray8}", "--method", "magic"], "unknown method 'magic'"),
    (["calibrate", "{gray8}", "--param", "radius"], "--param must look like NAME=V1,V2"),
    (["calibrate", "{gray8}", "--stride", "1"], "stride must be an int >= 2"),
])
def test_calibrate_errors_are_one_line_and_exit_2(noisy_files, tmp_path, capsys, argv, message):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image at all")
    paths = {"bad": bad, **noisy_files}
    argv = [a.format(**paths) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err and "Traceback" not in err


def test_calibrate_refuses_a_3d_stack(tmp_path, capsys):
    stack = tmp_path / "stack.tif"
    io.imsave(stack, np.zeros((5, 16, 16), dtype=np.uint16), check_contrast=False)
    assert main(["calibrate", str(stack)]) == 2
    assert "only 2-D gray" in capsys.readouterr().err


def test_parse_param_reads_literals():
    assert parse_param("h=0.05,0.1") == ("h", [0.05, 0.1])
    assert parse_param("mode=soft,hard") == ("mode", ["soft", "hard"])


# --- a command line that never loses or fakes a result (issue 13) ------------------------------------------------
def test_help_and_version_speak_plainly(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "``" not in text and "`" not in text
    with pytest.raises(SystemExit):
        main(["reproduce", "--help"])
    text = capsys.readouterr().out
    assert all(name in text for name in ("figure2", "figure3", "figure4", "figure5", "table1", "table2", "ledger"))
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.startswith("n2s_core ")


def test_denoise_auto_ranks_the_candidates_and_writes_the_best_in_the_input_bit_depth(noisy_files, tmp_path, capsys):
    out = tmp_path / "best.tif"
    assert main(["denoise", str(noisy_files["tiff16"]), "--out", str(out), "--budget", "5",
                 "--device", "cpu"]) == 0
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["method"] == "auto" and report["chosen"] in ("wavelet", "tv", "nl_means", "bm3d")
    losses = [e["loss"] for e in report["ranking"] if e["status"] == "scored"]
    assert losses == sorted(losses) and report["ranking"][-1] == {**report["ranking"][-1], "name": "n2s",
                                                                   "status": "skipped"}
    assert io.imread(out).dtype == np.uint16 and report["input"]["dtype"] == "uint16"
    # calibrated classical denoisers err alike: their weighted sum does not beat the best of them on held-out pixels
    combination = report["combination"]
    assert set(combination["weights"]) == {e["name"] for e in report["ranking"] if e["status"] == "scored"}
    assert combination["chosen"] is False and combination["gain"] < 2 * combination["gain_se"]
    assert combination["candidate_losses"][report["chosen"]] == pytest.approx(losses[0])
    text = capsys.readouterr().out
    assert "chosen by the self-supervised loss" in text and "no weighted sum of them" in text


@pytest.mark.slow  # trains a net for seconds
def test_denoise_auto_scores_the_net_on_pixels_it_never_trained_on(noisy_files, tmp_path, monkeypatch,
                                                                    torch_installed):
    """The net of `denoise` never takes the pixels of 4 of the 16 subsets as targets; every loss is measured there."""
    from n2s_core.app import selection

    monkeypatch.setattr(selection, "MIN_NET_SECONDS", 1.0)
    out = tmp_path / "best.tif"
    assert main(["denoise", str(noisy_files["tiff16"]), "--out", str(out), "--budget", "20", "--device",
                 "cpu"]) == 0
    report = json.loads(out.with_suffix(".json").read_text())
    net = next(e for e in report["ranking"] if e["name"] == "n2s")
    assert net["status"] == "scored" and "never on the pixels of subsets [0, 5, 10, 15] as targets" in net["note"]
    assert report["scored_pixels"] == ("the 4 subsets [0, 5, 10, 15] of 16, where every candidate was scored and "
                                       "the net never trained on")


def test_a_float_tiff_beyond_zero_one_is_rescaled_said_so_and_written_back_in_its_own_range(tmp_path, capsys):
    clean, noisy = n2s.noisy_camera(size=48)
    counts = (noisy * 900 - 100).astype(np.float32)  # e.g. background-subtracted photon counts
    source, out = tmp_path / "counts.tif", tmp_path / "denoised.tif"
    io.imsave(source, counts, check_contrast=False)
    assert main(["denoise", str(source), "--out", str(out), "--method", "tv"]) == 0
    assert "rescaled to [0, 1] for denoising and back" in capsys.readouterr().err
    written = io.imread(out)
    assert written.dtype == np.float32 and counts.min() <= written.min() < written.max() <= counts.max()
    assert written.max() - written.min() > 300  # not the all-white image a clipping reader would give
    assert n2s.psnr(clean * 900 - 100, written, data_range=900) > n2s.psnr(clean * 900 - 100, counts, data_range=900)


def test_int16_stays_int16_and_a_png_that_cannot_hold_it_is_refused_first(tmp_path, capsys):
    _, noisy = n2s.noisy_camera(size=48)
    source = tmp_path / "signed.tif"
    io.imsave(source, (noisy * 2000 - 500).astype(np.int16), check_contrast=False)
    assert main(["denoise", str(source), "--out", str(tmp_path / "out.tif"), "--method", "wavelet"]) == 0
    assert io.imread(tmp_path / "out.tif").dtype == np.int16
    assert main(["denoise", str(source), "--out", str(tmp_path / "out.png"), "--method", "wavelet"]) == 2
    assert "PNG holds uint8 or uint16 but the input is int16; write .tif" in capsys.readouterr().err
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("argv, message", [
    (["denoise", "{gray8}", "--out", "{tmp}/a.png", "--report", "{tmp}/a.png"], "are the same file"),
    (["denoise", "{gray8}", "--out", "{tmp}/a.png", "--report", "{gray8}"], "--report {gray8} is the input image"),
    (["denoise", "{tmp}", "--out", "{tmp}/a.png"], "is a folder, not an image file"),
    (["denoise", "{gray8}", "--out", "{tmp}/a.png", "--budget", "0"], "--budget must be a positive number"),
    (["denoise", "{gray8}", "--out", "{tmp}/a.png", "--method", "tv", "--structured", "vertical"],
     "--structured needs the net"),
    (["calibrate", "{gray8}", "--out", "{tmp}/r.png", "--denoised", "{tmp}/r.png"], "are the same file"),
    (["calibrate", "{gray8}", "--denoised", "{gray8}"], "is the input image"),
    (["calibrate", "{gray8}", "--denoised", "{tmp}/d.bmp"], "unsupported extension"),
    (["calibrate", "{gray8}", "--param", "h=abc"], "nl_means's h takes numbers, got 'abc'"),
    (["calibrate", "{gray8}", "--param", "strength=1,2"], "nl_means has no parameter 'strength'"),
    (["calibrate", "{gray8}", "--method", "median", "--param", "radius=2.5"], "takes whole numbers, got 2.5"),
    (["reproduce", "figure2", "--out", "{gray8}"], "is a file; reproduce writes a folder"),
    (["reproduce", "figure4", "--seeds", "2", "--out", "{tmp}/r"], "--seeds belongs to reproduce table2, not figure4"),
    (["reproduce", "figure2", "--dataset", "hanzi", "--out", "{tmp}/r"], "--dataset belongs to reproduce table2"),
    (["reproduce", "table1", "--depth", "17", "--out", "{tmp}/r"], "--depth belongs to reproduce single-image"),
    (["reproduce", "table2", "--dataset", "hanzi", "--quick", "--out", "{tmp}/r"], "--quick belongs to reproduce"),
    (["reproduce", "figure4", "--data", "mnist", "--out", "{tmp}/r"], "--data belongs to reproduce figure3, figure5"),
    (["denoise", "{gray8}", "--out", "{tmp}/a.png", "--steps", "0"], "--steps belongs to --method n2s"),
    (["denoise", "{gray8}", "--out", "{tmp}/a.png", "--method", "tv", "--model", "dncnn"], "--model belongs to"),
    (["denoise", "{gray8}", "--out", "{tmp}/a.png", "--method", "n2s", "--steps", "-3"], "--steps must be at least 1"),
    (["denoise", "{gray8}", "--out", "{tmp}/a.png", "--method", "n2s", "--output", "invariant"],
     "--output belongs to --method auto"),
])
def test_bad_outputs_and_options_fail_before_any_work_and_write_nothing(noisy_files, tmp_path, capsys, argv,
                                                                         message):
    paths = {"tmp": tmp_path, **noisy_files}
    before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert main([a.format(**paths) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message.format(**paths) in err and err.count("\n") == 1  # no progress bar
    assert {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_a_failure_after_the_work_leaves_no_output_behind(noisy_files, tmp_path, monkeypatch):
    from n2s_core.app import image_files

    out = tmp_path / "denoised.png"
    real = image_files.json_writer

    def failing_json(data):
        write = real(data)

        def write_then_fail(path):
            write(path)
            raise OSError("disk full while writing the report")

        return write_then_fail

    monkeypatch.setattr("n2s_core.cli.json_writer", failing_json)
    assert main(["denoise", str(noisy_files["gray8"]), "--out", str(out), "--method", "tv"]) == 2
    assert not out.exists() and not out.with_suffix(".json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in noisy_files.values())


def test_calibrate_out_prints_a_summary(noisy_files, tmp_path, capsys):
    report = tmp_path / "report.json"
    assert main(["calibrate", str(noisy_files["gray8"]), "--method", "tv", "--param", "weight=0.05,0.1,0.2",
                 "--out", str(report)]) == 0
    line = capsys.readouterr().out.strip()
    best = json.loads(report.read_text())["best_parameters"]["weight"]
    assert line.startswith(f"tv: best weight={best} (self-supervised loss ") and f"wrote {report}" in line


def test_a_programming_error_is_a_traceback_not_a_users_error_line(noisy_files, tmp_path, monkeypatch):
    """A bug must not print as `error:` as if the user had done something wrong."""
    from n2s_core.app import image_files

    def broken(path):
        raise TypeError("a bug in the package")

    monkeypatch.setattr(image_files, "read_image", broken)
    monkeypatch.setattr("n2s_core.cli.read_image", broken)
    with pytest.raises(TypeError, match="a bug in the package"):
        main(["denoise", str(noisy_files["gray8"]), "--out", str(tmp_path / "a.png"), "--method", "tv"])
