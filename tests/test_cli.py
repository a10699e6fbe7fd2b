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
    (["calibrate", "{gray8}", "--stride", "1"], "stride must be >= 2"),
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
