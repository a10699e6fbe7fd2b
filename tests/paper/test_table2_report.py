"""Tests of n2s_core.paper.table2_report: the command writes every file, resumes, and the overview reads them all."""

from __future__ import annotations

import json

import numpy as np
import pytest

import n2s_core.paper.table2_runs as table2_runs
from n2s_core.paper.table2 import METHODS


@pytest.mark.slow  # trains Table 2 nets (~4 s)
def test_reproduce_table2_end_to_end_writes_the_schema_and_resumes(tmp_path, monkeypatch, capsys):
    from n2s_core.cli import main

    argv = ["reproduce", "table2", "--dataset", "cellnet", "--preset", "tiny", "--seeds", "2", "--out", str(tmp_path),
            "--device", "cpu"]
    assert main(argv) == 0
    stem = tmp_path / "table2_cellnet_tiny"
    result = json.loads(stem.with_suffix(".json").read_text())
    assert result["substitute"] is True and "substitute" in result["description"]
    assert {r["method"] for r in result["summary"]} == set(METHODS) - set(result["missing"])
    nets = [r for r in result["summary"] if r["method"] == "unet-n2s"][0]
    assert nets["n_seeds"] == 2 and nets["paper"] == 32.8 and nets["paper_std"] == 0.2
    assert result["meta"]["command"].startswith("python -m n2s_core reproduce table2 --dataset cellnet")
    assert "example" not in str(result["records"][0].keys())
    header = stem.with_suffix(".csv").read_text().splitlines()[0]
    assert header == ("method,psnr_rescaled,psnr_rescaled_std,psnr_rescaled_lstsq,psnr_rescaled_lstsq_std,psnr,"
                      "psnr_std,paper,paper_std,n_seeds,wall_seconds")
    text = stem.with_suffix(".md").read_text()
    assert "Substitute data set" in text and "| unet-n2s |" in text and "32.8 +- 0.2" in text
    assert "ours, rescaled (moments) | ours, rescaled (least squares)" in text  # both columns, each defined
    assert "mean and standard deviation" in text and "util.mse(rescale=True)" in text
    assert all(row["psnr_rescaled_lstsq"] >= row["psnr_rescaled"] - 1e-9 for row in result["summary"])
    examples = np.load(tmp_path / "table2_cellnet_tiny_examples.npz")
    assert {"clean", "raw", "unet-n2s"} <= set(examples.files) and examples["clean"].shape == (32, 32)
    assert stem.with_suffix(".png").stat().st_size > 1000
    # Everything finished: the same command again trains nothing and writes the same table.
    monkeypatch.setattr(table2_runs, "_run_net", lambda *a, **k: pytest.fail("finished runs must be reused"))
    monkeypatch.setattr(table2_runs, "_run_classical", lambda *a, **k: pytest.fail("finished runs must be reused"))
    assert main(argv) == 0
    again = json.loads(stem.with_suffix(".json").read_text())
    assert again["summary"] == result["summary"]


def test_reproduce_table2_needs_a_dataset(capsys):
    from n2s_core.cli import main

    assert main(["reproduce", "table2", "--out", "unused"]) == 2
    assert "needs --dataset" in capsys.readouterr().err


def _fake_result(dataset: str, substitute: bool, rows: list[tuple]) -> dict:
    """What the overview reads of a table2 JSON; rows are (method, mean, std, seeds, paper); plain = rescaled - 0.5."""
    summary = [dict(zip(("method", "psnr_rescaled", "psnr_rescaled_std", "n_seeds", "paper"), row, strict=True))
               for row in rows]
    for row in summary:
        row["psnr"], row["psnr_std"] = row["psnr_rescaled"] - 0.5, row["psnr_rescaled_std"]
        row["psnr_rescaled_lstsq"] = row["psnr_rescaled"] + 0.25
    return {"dataset": dataset, "substitute": substitute, "summary": summary}


def test_overview_puts_each_data_set_beside_the_paper_in_the_papers_order(tmp_path):
    from n2s_core.paper.table2_report import write_table2_overview

    with pytest.raises(FileNotFoundError, match="reproduce table2 --dataset all"):
        write_table2_overview(tmp_path)
    fakes = {"cellnet": _fake_result("cellnet", True, [("raw", 15.0, 0.0, 1, 15.1),
                                                       ("unet-n2s", 30.123, 0.456, 3, 32.8)]),
             "hanzi": _fake_result("hanzi", False, [("raw", 7.0, 0.0, 1, 6.5),
                                                    ("nlm-calibrated", 8.5, 0.0, 1, None)])}
    for name, fake in fakes.items():
        (tmp_path / f"table2_{name}_quick.json").write_text(json.dumps(fake))
    table = write_table2_overview(tmp_path)
    lines = table.splitlines()
    assert lines[0] == ("| method | Hanzi ours (moments / least squares) / paper | CellNet-like* ours (moments / least "
                        "squares) / paper |")  # no ImageNet: not run
    assert "| raw (plain PSNR) | 6.50 / 6.5 | 14.50 / 15.1 |" in lines  # the paper's raw row is a plain PSNR
    assert "| nlm-calibrated | 8.50 / 8.75 / - | not run |" in lines  # beyond the paper: no number beside ours
    assert "| unet-n2s | not run | 30.12 +- 0.46 / 30.37 / 32.8 |" in lines
    written = (tmp_path / "table2_quick.md").read_text()
    assert table in written and "substitute" in written and "util.mse(rescale=True)" in written
    fakes["nuclei"] = _fake_result("nuclei", True, [("raw", 15.0, 0.0, 1, 15.1)])
    (tmp_path / "table2_nuclei_quick.json").write_text(json.dumps(fakes["nuclei"]))
    header = write_table2_overview(tmp_path).splitlines()[0]
    assert header.endswith("| Nuclei\u2020 ours (moments / least squares) / paper |")  # beside CellNet, the last
    written = (tmp_path / "table2_quick.md").read_text()
    assert "real nuclei (BBBC038 via stardist) with synthetic sCMOS-like noise" in written


def _fake_nuclei_cache(folder, monkeypatch):
    """A small uint16 stand-in for the fetched nuclei image in ``folder``, its checksum made the recorded one."""
    import dataclasses
    import hashlib

    import tifffile

    from n2s_core.data import fetch

    rng = np.random.default_rng(0)
    image = (rng.random((128, 128)) * 200 + 10).astype(np.uint16)
    path = fetch.cache_folder(folder) / "nuclei" / "img2d.tif"
    path.parent.mkdir(parents=True)
    tifffile.imwrite(path, image)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setitem(fetch.PAPER_FILES, "nuclei", dataclasses.replace(fetch.PAPER_FILES["nuclei"], sha256=digest))
    monkeypatch.setenv("N2S_CACHE_DIR", str(folder))


@pytest.mark.slow  # trains Table 2 nets (~4 s)
@pytest.mark.filterwarnings("ignore:nl_means")  # a tiny random image: the calibration grid's edge is fine here
def test_the_nuclei_column_runs_from_the_fetched_image_and_is_labelled(tmp_path, monkeypatch):
    from n2s_core.cli import main

    _fake_nuclei_cache(tmp_path / "cache", monkeypatch)
    argv = ["reproduce", "table2", "--dataset", "nuclei", "--preset", "tiny", "--seeds", "1", "--out",
            str(tmp_path / "out"), "--device", "cpu"]
    assert main(argv) == 0
    result = json.loads((tmp_path / "out" / "table2_nuclei_tiny.json").read_text())
    assert "BBBC038" in result["description"] and result["paper_column"] == "cellnet"
    assert result["rescaled"] == {"psnr_rescaled": "moments", "psnr_rescaled_lstsq": "least-squares"}
    unet = next(r for r in result["summary"] if r["method"] == "unet-n2s")
    assert unet["paper"] == 32.8  # the paper's CellNet number stands beside the nuclei
    text = (tmp_path / "out" / "table2_nuclei_tiny.md").read_text()
    assert text.count("BBBC038") >= 2 and "synthetic sCMOS-like noise" in text and "CellNet column" in text


def test_nuclei_need_their_fetched_image_and_all_skips_them_without_it(tmp_path, monkeypatch, capsys):
    import n2s_core.paper.table2_report as table2_report
    from n2s_core.cli import main

    monkeypatch.setenv("N2S_CACHE_DIR", str(tmp_path / "empty"))
    argv = ["reproduce", "table2", "--preset", "tiny", "--seeds", "1", "--out", str(tmp_path / "out")]
    assert main([*argv, "--dataset", "nuclei"]) == 2
    assert "python -m n2s_core fetch nuclei" in capsys.readouterr().err
    ran = []
    monkeypatch.setattr(table2_report, "reproduce_table2", lambda out, *, dataset, **kwargs: ran.append(dataset) or
                        {"meta": {"wall_seconds": 0}})
    monkeypatch.setattr(table2_report, "write_table2_overview", lambda *a, **k: "")
    assert main([*argv, "--dataset", "all"]) == 0
    assert ran == ["hanzi", "cellnet", "imagenet"]
    assert "skipped table2 --dataset nuclei" in capsys.readouterr().out
    _fake_nuclei_cache(tmp_path / "cache", monkeypatch)
    ran.clear()
    assert main([*argv, "--dataset", "all"]) == 0 and ran == ["hanzi", "cellnet", "imagenet", "nuclei"]
